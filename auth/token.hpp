// SPDX-License-Identifier: GPL-3.0-or-later
// Scoped access tokens: ids, secrets, the pepper that keys their stored MACs, and the
// checks and text forms of their fields.
//
//   auto pep = auth::pepper::load_or_create(state_dir);          // STATE_DIR/pepper, 0600
//   auto id = auth::new_token_id();                               // "c7m2k9q4xz"
//   auto sec = auth::new_secret();                                // shown once, then gone
//   auth::token t{.id = *id, .label = "rover 1", .scopes = {*auth::parse_scope("DEMO:read")}};
//   t.secret_mac = auth::secret_mac(*pep, sec->reveal());
//   bool good = auth::verify_secret(*pep, presented_password, t.secret_mac);
#pragma once

#include "auth/cidr.hpp"

#include <nlohmann/json_fwd.hpp>
#include <tl/expected.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace auth {

using time_point = std::chrono::system_clock::time_point;

// NTRIP mountpoint names are [A-Za-z0-9_-]{1,100}, case-sensitive (NTRIP-COMPAT.md).
inline constexpr std::size_t max_mountpoint_chars = 100;
// A scope's mountpoint that matches every mountpoint; accepted only when asked for.
inline constexpr std::string_view mountpoint_glob = "*";

// What a token may do on one mountpoint. The member shares its type's name (as in
// `scope::access::read`); elsewhere the type is spelled auth::access.
struct scope
{
    std::string mountpoint;
    enum class access
    {
        read,
        publish
    } access = access::read;

    bool operator==(const scope&) const = default;
};
using access = enum scope::access;

// Token ids: 'c' (for Cairn) and 9 characters of id_alphabet, 45 random bits. Short
// enough to type as an NTRIP user name; uniqueness is enforced by the store.
inline constexpr char token_id_prefix = 'c';
inline constexpr std::size_t token_id_chars = 10;
// Crockford's base32 in lower case: digits and letters without i, l, o and u, so that
// nothing reads as another character on a rover's screen, and 32 symbols take exactly 5
// random bits each (no modulo bias).
inline constexpr std::string_view id_alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

// Secrets: 26 characters of id_alphabet = 130 random bits (>= 128), under the 32
// characters some rover UIs allow. Base32 rather than base62 (22 chars): lower case only
// and no look-alikes, so it survives being read aloud or typed on an on-screen keyboard.
inline constexpr std::size_t secret_chars = 26;
inline constexpr std::size_t secret_bits = secret_chars * 5;

// Labels (and created_by/revoked_by): up to 100 bytes of printable UTF-8, no control
// characters (C0, C1) and no bidirectional overrides.
inline constexpr std::size_t max_label_bytes = 100;
// Concurrent sessions per token: default and cap (0 is not "unlimited").
inline constexpr unsigned default_max_sessions = 2;
inline constexpr unsigned max_max_sessions = 1000;
// Allowlist entries and scopes per token.
inline constexpr std::size_t max_allow_entries = 64;
inline constexpr std::size_t max_scopes = 64;

// The pepper: 32 random bytes in STATE_DIR/pepper, owner-only.
inline constexpr std::size_t pepper_bytes = 32;
inline constexpr const char* pepper_file = "pepper";
// HMAC-SHA256 output size: every stored secret_mac has this length.
inline constexpr std::size_t mac_bytes = 32;

struct token
{
    std::string id;
    std::string label;
    std::vector<scope> scopes;
    std::optional<time_point> expires;
    std::vector<cidr> allow; // empty = any address
    unsigned max_sessions = default_max_sessions;
    time_point created;
    std::string created_by;
    std::optional<time_point> last_used;
    std::optional<time_point> revoked;
    std::string revoked_by; // empty unless revoked
    std::vector<std::uint8_t> secret_mac;
};

// What listings show: a token without its MAC. Nothing here is secret.
struct token_info
{
    std::string id;
    std::string label;
    std::vector<scope> scopes;
    std::optional<time_point> expires;
    std::vector<cidr> allow;
    unsigned max_sessions = default_max_sessions;
    time_point created;
    std::string created_by;
    std::optional<time_point> last_used;
    std::optional<time_point> revoked;
    std::string revoked_by;
};
token_info to_info(const token& t);

// A secret in memory: heap bytes that are OPENSSL_cleanse()d when dropped and never
// copied (move only). There is no operator<< and no implicit conversion, so printing
// one takes a visible reveal().
class secret
{
public:
    secret() = default;
    explicit secret(std::string_view text);
    secret(secret&& other) noexcept;
    secret& operator=(secret&& other) noexcept;
    secret(const secret&) = delete;
    secret& operator=(const secret&) = delete;
    ~secret();

    std::string_view reveal() const { return {data_.get(), size_}; }
    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }

private:
    void wipe();
    std::unique_ptr<char[]> data_;
    std::size_t size_ = 0;
};

// The per-install HMAC key. Cleansed when dropped; move only.
class pepper
{
public:
    // Reads STATE_DIR/pepper, creating it (O_CREAT|O_EXCL|O_NOFOLLOW, 0600, random
    // bytes) when missing. Refuses a symlink, a non-regular file, one with any group or
    // other permission bit, or one of the wrong size; the message says which and how
    // to fix it.
    static tl::expected<pepper, std::string> load_or_create(const std::string& state_dir);
    // Reads an existing pepper file with the same checks.
    static tl::expected<pepper, std::string> load(const std::string& path);
    // For tests and tools: a pepper from given bytes (must be pepper_bytes long).
    static std::optional<pepper> from_bytes(std::span<const std::uint8_t> bytes);

    pepper(pepper&& other) noexcept;
    pepper& operator=(pepper&& other) noexcept;
    pepper(const pepper&) = delete;
    pepper& operator=(const pepper&) = delete;
    ~pepper();

    std::span<const std::uint8_t> bytes() const { return {key_.get(), pepper_bytes}; }

private:
    pepper();
    std::unique_ptr<std::uint8_t[]> key_;
};

// Fresh random values from the OpenSSL CSPRNG (RAND_bytes); the error is OpenSSL's.
tl::expected<std::string, std::string> new_token_id();
tl::expected<secret, std::string> new_secret();

// HMAC-SHA256(pepper, secret), what the store keeps instead of the secret.
std::vector<std::uint8_t> secret_mac(const pepper& p, std::string_view secret_text);
// Recomputes the MAC and compares in constant time (CRYPTO_memcmp). A stored MAC of the
// wrong length is compared against a dummy so the work is the same, and fails.
bool verify_secret(const pepper& p, std::string_view presented, std::span<const std::uint8_t> mac);

// Field checks; each returns a message a person can act on.
bool is_token_id(std::string_view text);
bool is_mountpoint(std::string_view text);
tl::expected<void, std::string> check_label(std::string_view label);
// Who created or revoked a token ("root", "admin:alice"): non-empty, like a label.
tl::expected<void, std::string> check_actor(std::string_view actor);
// The whole token as the store accepts it: id, label, 1..max_scopes valid scopes (glob
// allowed), allowlist size, 1..max_max_sessions, a mac_bytes MAC.
tl::expected<void, std::string> check_token(const token& t);

// "DEMO:read" or "DEMO:publish"; "*:read" only with allow_glob.
tl::expected<scope, std::string> parse_scope(std::string_view text, bool allow_glob = false);
std::string format_scope(const scope& s);
std::string_view to_string(access a);

// "90d", "12h" (config::parse_duration) from now, or "never" (nullopt).
tl::expected<std::optional<time_point>, std::string> parse_expiry(std::string_view text,
                                                                  time_point now);

// UTC RFC 3339 with seconds: "2025-03-01T12:00:00Z".
std::string format_time(time_point t);
// One line for `cairnctl token list`: id, state (active, expired, revoked), scopes,
// expiry, allowlist, sessions, last use, label. Never the MAC or the secret.
std::string format_listing(const token_info& t, time_point now);
// For the JSON API and `--json`: the same fields, times as RFC 3339.
nlohmann::json to_json(const token_info& t);

} // namespace auth
