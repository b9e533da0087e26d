// SPDX-License-Identifier: GPL-3.0-or-later
// The audit record and its tamper evidence: the canonical row encoding, the SHA-256 hash
// chain, the forward-secure HMAC whose key evolves after every row, and the verifier that
// names the first bad sequence number. Pure: no clock, no I/O.
//
// Usage:
//   auto row = auth::make_audit_row(event, seq, now);           // validated, capped
//   if (!row) return refuse(row.error());
//   auth::seal_audit_row(*row, prev_hash, key_i);               // hash and MAC
//   key_next = auth::evolve_audit_key(key_i);
//
//   auth::audit_verifier v({.initial_key = key_1, .checkpoints = cps});
//   for (auto& r : rows) if (!v.feed(std::move(r))) break;
//   auth::audit_verdict verdict = v.finish();  // ok, or fault + first_bad_seq + reason
#pragma once

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace auth {

enum class audit_category
{
    access,
    auth,
    session,
    config,
    token,
    user,
    receiver,
    system,
    audit
};
std::string_view to_string(audit_category c);
std::optional<audit_category> parse_audit_category(std::string_view s);

// One thing that happened, as the code that saw it describes it. `outcome` is "ok" or a
// short reason word ("bad_secret", "expired", "error"); anything but "ok" is a failure.
struct audit_event
{
    audit_category category = audit_category::system;
    std::string event;   // "auth.fail", "token.create": [a-z0-9_.-], see journal.hpp
    std::string actor;   // who: token id, user name, local OS user, "cairnd"
    std::string source;  // from where: peer address without port, "local"
    std::string object;  // on what: mountpoint, token id, user name, setting
    std::string outcome; // "ok" or a reason word
    // Never a secret: keys named like one ("secret", "password", "key", "pepper", ...) are
    // refused, so name a configuration key "setting", not "key".
    nlohmann::json details = nlohmann::json::object();
};

// Limits on one row. Fields an attacker can influence (actor, source, object, details) are
// capped rather than refused, so an oversized user name still leaves an audit row.
constexpr std::size_t audit_event_name_max = 64;
constexpr std::size_t audit_field_max = 256;
constexpr std::size_t audit_details_max = 4096; // bytes of serialised JSON
constexpr std::size_t audit_details_depth_max = 8;

constexpr std::size_t audit_digest_size = 32;
using audit_digest = std::array<std::uint8_t, audit_digest_size>;
using audit_key = audit_digest; // k_i; k_1 is the initial key the operator keeps

// A row as stored. hash and mac are what the table holds (32 bytes when well formed).
struct audit_row
{
    std::int64_t seq = 0;
    std::string time; // UTC RFC 3339 with microseconds: 2026-11-26T15:04:05.123456Z
    std::string category;
    std::string event;
    std::string actor;
    std::string source;
    std::string object;
    std::string outcome;
    std::string details; // JSON text exactly as hashed
    std::vector<std::uint8_t> hash;
    std::vector<std::uint8_t> mac;

    bool operator==(const audit_row&) const = default;
};

// "2026-11-26T15:04:05.123456Z". Fixed width, so text order is time order.
std::string format_audit_time(std::chrono::system_clock::time_point t);
// Accepts what format_audit_time writes, fewer or no fraction digits, a +HH:MM / -HH:MM
// offset, or a bare date "2026-11-26" (midnight UTC).
std::optional<std::chrono::system_clock::time_point> parse_audit_time(std::string_view s);

// Validates and normalises an event into an unsealed row: the event name must be well
// formed and details a JSON object without secret-like keys (errors); other fields are
// cut at audit_field_max with control characters replaced by '?', and details larger
// than audit_details_max become {"truncated":true,"bytes":N}.
tl::expected<audit_row, std::string> make_audit_row(const audit_event& ev, std::int64_t seq,
                                                    std::chrono::system_clock::time_point t);
// The secret guard alone: the first key in `details` that looks like a secret's name.
std::optional<std::string> find_secret_like_key(const nlohmann::json& details);

// h_0, the hash "before" row 1: SHA-256 of a fixed domain string.
audit_digest audit_genesis_hash();
// Length-prefixed encoding of seq and the eight text fields (not hash/mac), so no field
// boundary can move: "cairn-audit-v1" | u64be seq | (u32be len | bytes) x 8.
std::vector<std::uint8_t> audit_canonical(const audit_row& row);
// h_i = SHA-256(h_{i-1} || canonical(row_i)).
audit_digest audit_chain_hash(const audit_digest& prev, const audit_row& row);
// m_i = HMAC-SHA256(k_i, h_i).
audit_digest audit_row_mac(const audit_key& k, const audit_digest& h);
// k_{i+1} = HMAC-SHA256(k_i, "evolve").
audit_key evolve_audit_key(const audit_key& k);
// Sets row.hash and row.mac.
void seal_audit_row(audit_row& row, const audit_digest& prev, const audit_key& k);

// Lower-case hex (64 characters); parse accepts either case and surrounding blanks.
std::string to_hex(std::span<const std::uint8_t> bytes);
std::optional<audit_digest> parse_audit_digest(std::string_view hex);

// A (seq, mac) pair sent to the journal, the off-box copy that reveals a cut tail.
struct audit_checkpoint
{
    std::int64_t seq = 0;
    audit_digest mac{};
    bool operator==(const audit_checkpoint&) const = default;
};
// "seq=42 mac=<64 hex>", the journal MESSAGE and a line an operator can keep in a file.
std::string format_audit_checkpoint(const audit_checkpoint& c);
// Finds "seq=N" and "mac=HEX" anywhere in a line (journalctl -o cat output, a file).
std::optional<audit_checkpoint> parse_audit_checkpoint(std::string_view line);

enum class audit_fault
{
    none,
    edited,              // a row's content no longer matches its hash
    deleted,             // rows missing (a gap, or later rows renumbered down)
    inserted,            // a row that does not belong (duplicate seq, or later rows shifted)
    reordered,           // a row that belongs at another position
    bad_mac,             // chain intact but the MAC is wrong: rewritten with a stolen key
    checkpoint_mismatch, // the row's MAC differs from the journal checkpoint: rewritten
    truncated_tail,      // rows the checkpoints or the key row know of are gone
    malformed,           // hash or MAC of the wrong size, or the key row is gone
};
std::string_view to_string(audit_fault f);

struct audit_verify_options
{
    std::optional<audit_key> initial_key{};      // checks every MAC when present
    std::vector<audit_checkpoint> checkpoints{}; // any order; seq < 1 ignored
    // The key row's state when verifying a database: the log must end at next_seq - 1
    // with last_hash.
    std::optional<std::int64_t> next_seq{};
    std::optional<audit_digest> last_hash{};
};

struct audit_verdict
{
    bool ok = true;
    audit_fault fault = audit_fault::none;
    std::optional<std::int64_t> first_bad_seq;
    std::string reason; // for a person: what is wrong where
    std::int64_t rows_checked = 0;
    bool macs_checked = false;
    std::size_t checkpoints_matched = 0;
};

// Streams rows in stored order, holding at most 2 * search_window + 1 of them, and stops
// at the first fault. Without the key a row edited with its hash recomputed shows up at
// the next row (the chain breaks there); with the key its MAC names it exactly.
class audit_verifier
{
public:
    // How far around a broken row the verifier looks to tell a moved row from an edit.
    static constexpr std::size_t search_window = 16;

    explicit audit_verifier(audit_verify_options opts);
    // False once a fault is known; feeding more is harmless but pointless.
    bool feed(audit_row row);
    audit_verdict finish();

private:
    void process_front();
    void classify(const audit_row& r);
    void fail(audit_fault f, std::optional<std::int64_t> seq, std::string reason);
    bool chains(const audit_digest& prev, const audit_row& r, std::int64_t as_seq) const;

    audit_verify_options opts_;
    std::optional<audit_key> key_;
    audit_digest prev_hash_;
    std::int64_t expected_ = 1;
    std::size_t next_checkpoint_ = 0;
    std::deque<audit_row> pending_;                             // front is next to check
    std::deque<std::pair<std::int64_t, audit_digest>> history_; // recent good rows
    audit_verdict verdict_;
    bool done_ = false;
};

// Convenience over audit_verifier for rows already in memory.
audit_verdict verify_audit_rows(std::span<const audit_row> rows, audit_verify_options opts);

} // namespace auth
