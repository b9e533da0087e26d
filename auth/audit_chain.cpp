// SPDX-License-Identifier: GPL-3.0-or-later
// Audit rows: normalisation, the secret guard, time text, the hash chain and evolving MAC.
#include "auth/audit_chain.hpp"

#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace auth {
namespace {

constexpr std::string_view domain = "cairn-audit-v1";
constexpr std::string_view evolve_label = "evolve";

constexpr std::array<std::string_view, 9> category_names{
    "access", "auth", "session", "config", "token", "user", "receiver", "system", "audit"};

// Words that make a details key look like a secret's name, and substrings that do anywhere.
constexpr std::array<std::string_view, 13> secret_words{
    "key",    "keys",       "secret",      "secrets",       "password", "passwd", "passphrase",
    "pepper", "credential", "credentials", "authorization", "cookie",   "private"};
constexpr std::array<std::string_view, 4> secret_substrings{"secret", "password", "passwd",
                                                            "pepper"};

bool valid_event_name(std::string_view s)
{
    if (s.empty() || s.size() > audit_event_name_max)
        return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    });
}

// Cuts at `max` bytes without splitting a UTF-8 sequence; control characters become '?'.
std::string cap_field(std::string_view s, std::size_t max)
{
    std::size_t n = s.size();
    if (n > max) {
        n = max;
        while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80)
            --n;
    }
    std::string out(s.substr(0, n));
    for (char& c : out) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f)
            c = '?';
    }
    return out;
}

// Splits "apiKey" / "token-secret" / "private_key" into lower-case words.
bool secret_like(std::string_view key)
{
    std::string lower;
    std::vector<std::string> words(1);
    for (std::size_t i = 0; i < key.size(); ++i) {
        char c = key[i];
        bool upper = c >= 'A' && c <= 'Z';
        bool alnum = std::isalnum(static_cast<unsigned char>(c)) != 0;
        if (!alnum || (upper && i > 0 && std::islower(static_cast<unsigned char>(key[i - 1]))))
            words.emplace_back();
        char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        lower += l;
        if (alnum)
            words.back() += l;
    }
    for (auto sub : secret_substrings)
        if (lower.find(sub) != std::string::npos)
            return true;
    for (const auto& w : words)
        if (std::find(secret_words.begin(), secret_words.end(), w) != secret_words.end())
            return true;
    return false;
}

// Depth-first; a nesting deeper than the cap is reported as its own problem.
std::optional<std::string> find_secret(const nlohmann::json& j, std::size_t depth)
{
    if (depth > audit_details_depth_max)
        return std::string("(nested deeper than ") + std::to_string(audit_details_depth_max) + ")";
    if (j.is_object()) {
        for (const auto& [k, v] : j.items()) {
            if (secret_like(k))
                return k;
            if (auto found = find_secret(v, depth + 1))
                return found;
        }
    } else if (j.is_array()) {
        for (const auto& v : j)
            if (auto found = find_secret(v, depth + 1))
                return found;
    }
    return std::nullopt;
}

// Appends big-endian bytes; written with indexes (GCC 12 misreads vector::insert here).
void put_be(std::vector<std::uint8_t>& out, std::uint64_t v, int bytes)
{
    for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8)
        out.push_back(static_cast<std::uint8_t>(v >> shift));
}

void put_bytes(std::vector<std::uint8_t>& out, std::string_view s)
{
    std::size_t at = out.size();
    out.resize(at + s.size());
    if (!s.empty())
        std::memcpy(out.data() + at, s.data(), s.size());
}

audit_digest hmac(const audit_key& k, std::span<const std::uint8_t> data)
{
    audit_digest out{};
    unsigned int len = 0;
    HMAC(EVP_sha256(), k.data(), static_cast<int>(k.size()), data.data(), data.size(), out.data(),
         &len);
    return out;
}

int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// Reads exactly `n` digits at s[pos]; advances pos.
std::optional<int> digits(std::string_view s, std::size_t& pos, std::size_t n)
{
    if (pos + n > s.size())
        return std::nullopt;
    int v = 0;
    for (std::size_t i = 0; i < n; ++i) {
        char c = s[pos + i];
        if (c < '0' || c > '9')
            return std::nullopt;
        v = v * 10 + (c - '0');
    }
    pos += n;
    return v;
}

bool expect(std::string_view s, std::size_t& pos, char c)
{
    if (pos < s.size() && s[pos] == c) {
        ++pos;
        return true;
    }
    return false;
}

std::vector<std::uint8_t> canonical_as(const audit_row& r, std::int64_t seq)
{
    const std::array<const std::string*, 8> fields{&r.time,   &r.category, &r.event,   &r.actor,
                                                   &r.source, &r.object,   &r.outcome, &r.details};
    std::size_t total = domain.size() + 8;
    for (const auto* f : fields)
        total += 4 + f->size();
    std::vector<std::uint8_t> out;
    out.reserve(total);
    put_bytes(out, domain);
    put_be(out, static_cast<std::uint64_t>(seq), 8);
    for (const auto* f : fields) {
        // Fields are capped far below 4 GiB; a longer one (only from a corrupt table) is
        // cut, which can only make its row fail verification.
        std::string_view v(*f);
        v = v.substr(0, std::min<std::size_t>(v.size(), UINT32_MAX));
        put_be(out, v.size(), 4);
        put_bytes(out, v);
    }
    return out;
}

audit_digest chain_hash_as(const audit_digest& prev, const audit_row& row, std::int64_t seq)
{
    std::vector<std::uint8_t> c = canonical_as(row, seq);
    std::vector<std::uint8_t> buf;
    buf.reserve(prev.size() + c.size());
    put_bytes(buf, {reinterpret_cast<const char*>(prev.data()), prev.size()});
    put_bytes(buf, {reinterpret_cast<const char*>(c.data()), c.size()});
    audit_digest out{};
    SHA256(buf.data(), buf.size(), out.data());
    return out;
}

} // namespace

std::string_view to_string(audit_category c)
{
    return category_names[static_cast<std::size_t>(c)];
}

std::optional<audit_category> parse_audit_category(std::string_view s)
{
    for (std::size_t i = 0; i < category_names.size(); ++i)
        if (category_names[i] == s)
            return static_cast<audit_category>(i);
    return std::nullopt;
}

std::string format_audit_time(std::chrono::system_clock::time_point t)
{
    using namespace std::chrono;
    auto secs = floor<seconds>(t);
    auto micros = duration_cast<microseconds>(t - secs).count();
    std::time_t tt = system_clock::to_time_t(secs);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[64]; // roomy: a year past 9999 only widens the text
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(micros));
    return buf;
}

std::optional<std::chrono::system_clock::time_point> parse_audit_time(std::string_view s)
{
    using namespace std::chrono;
    std::size_t pos = 0;
    auto y = digits(s, pos, 4);
    if (!y || !expect(s, pos, '-'))
        return std::nullopt;
    auto mo = digits(s, pos, 2);
    if (!mo || !expect(s, pos, '-'))
        return std::nullopt;
    auto d = digits(s, pos, 2);
    if (!d)
        return std::nullopt;
    year_month_day ymd{year{*y}, month{static_cast<unsigned>(*mo)}, day{static_cast<unsigned>(*d)}};
    if (!ymd.ok())
        return std::nullopt;
    system_clock::time_point t = sys_days{ymd};
    if (pos == s.size())
        return t;
    if (!expect(s, pos, 'T') && !expect(s, pos, 't') && !expect(s, pos, ' '))
        return std::nullopt;
    auto h = digits(s, pos, 2);
    std::optional<int> mi, sec;
    if (!h || !expect(s, pos, ':') || !(mi = digits(s, pos, 2)) || !expect(s, pos, ':') ||
        !(sec = digits(s, pos, 2)) || *h > 23 || *mi > 59 || *sec > 60)
        return std::nullopt;
    t += hours{*h} + minutes{*mi} + seconds{*sec};
    if (expect(s, pos, '.')) {
        std::int64_t frac = 0;
        std::size_t n = 0;
        for (; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos, ++n)
            if (n < 6)
                frac = frac * 10 + (s[pos] - '0');
        if (n == 0)
            return std::nullopt;
        for (std::size_t i = n; i < 6; ++i)
            frac *= 10;
        t += microseconds{frac};
    }
    if (expect(s, pos, 'Z') || expect(s, pos, 'z'))
        return pos == s.size() ? std::optional(t) : std::nullopt;
    bool minus = pos < s.size() && s[pos] == '-';
    if (!expect(s, pos, '+') && !expect(s, pos, '-'))
        return std::nullopt;
    auto oh = digits(s, pos, 2);
    std::optional<int> om;
    if (!oh || !expect(s, pos, ':') || !(om = digits(s, pos, 2)) || pos != s.size() || *oh > 23 ||
        *om > 59)
        return std::nullopt;
    auto offset = hours{*oh} + minutes{*om};
    return minus ? t + offset : t - offset;
}

std::optional<std::string> find_secret_like_key(const nlohmann::json& details)
{
    return find_secret(details, 0);
}

tl::expected<audit_row, std::string> make_audit_row(const audit_event& ev, std::int64_t seq,
                                                    std::chrono::system_clock::time_point t)
{
    if (!valid_event_name(ev.event))
        return tl::unexpected("audit event name '" + cap_field(ev.event, audit_event_name_max) +
                              "' is not 1-64 characters of a-z 0-9 . _ -");
    if (!ev.details.is_object() && !ev.details.is_null())
        return tl::unexpected("audit details for " + ev.event + " must be a JSON object");
    if (auto bad = find_secret_like_key(ev.details))
        return tl::unexpected(
            "audit details for " + ev.event +
            " have a key named like a secret: " + cap_field(*bad, audit_field_max));
    audit_row r;
    r.seq = seq;
    r.time = format_audit_time(t);
    r.category = std::string(to_string(ev.category));
    r.event = ev.event;
    r.actor = cap_field(ev.actor, audit_field_max);
    r.source = cap_field(ev.source, audit_field_max);
    r.object = cap_field(ev.object, audit_field_max);
    r.outcome = cap_field(ev.outcome, audit_field_max);
    // replace: attacker-supplied strings may be invalid UTF-8, which dump() would throw on.
    r.details = ev.details.is_null()
                    ? std::string("{}")
                    : ev.details.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (r.details.size() > audit_details_max)
        r.details = nlohmann::json{{"truncated", true}, {"bytes", r.details.size()}}.dump();
    return r;
}

audit_digest audit_genesis_hash()
{
    audit_digest out{};
    SHA256(reinterpret_cast<const unsigned char*>(domain.data()), domain.size(), out.data());
    return out;
}

std::vector<std::uint8_t> audit_canonical(const audit_row& r)
{
    return canonical_as(r, r.seq);
}

audit_digest audit_chain_hash(const audit_digest& prev, const audit_row& row)
{
    return chain_hash_as(prev, row, row.seq);
}

audit_digest audit_row_mac(const audit_key& k, const audit_digest& h)
{
    return hmac(k, h);
}

audit_key evolve_audit_key(const audit_key& k)
{
    return hmac(k,
                {reinterpret_cast<const std::uint8_t*>(evolve_label.data()), evolve_label.size()});
}

void seal_audit_row(audit_row& row, const audit_digest& prev, const audit_key& k)
{
    audit_digest h = audit_chain_hash(prev, row);
    audit_digest m = audit_row_mac(k, h);
    row.hash.assign(h.begin(), h.end());
    row.mac.assign(m.begin(), m.end());
}

std::string to_hex(std::span<const std::uint8_t> bytes)
{
    static constexpr char digits_lc[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (auto b : bytes) {
        out += digits_lc[b >> 4];
        out += digits_lc[b & 0x0f];
    }
    return out;
}

std::optional<audit_digest> parse_audit_digest(std::string_view hex)
{
    while (!hex.empty() && std::isspace(static_cast<unsigned char>(hex.front())))
        hex.remove_prefix(1);
    while (!hex.empty() && std::isspace(static_cast<unsigned char>(hex.back())))
        hex.remove_suffix(1);
    if (hex.size() != 2 * audit_digest_size)
        return std::nullopt;
    audit_digest out{};
    for (std::size_t i = 0; i < out.size(); ++i) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return std::nullopt;
        out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
    }
    return out;
}

std::string format_audit_checkpoint(const audit_checkpoint& c)
{
    return "seq=" + std::to_string(c.seq) + " mac=" + to_hex(c.mac);
}

std::optional<audit_checkpoint> parse_audit_checkpoint(std::string_view line)
{
    auto value_of = [&](std::string_view name) -> std::optional<std::string_view> {
        for (std::size_t at = line.find(name); at != std::string_view::npos;
             at = line.find(name, at + 1)) {
            if (at > 0 &&
                (std::isalnum(static_cast<unsigned char>(line[at - 1])) || line[at - 1] == '_'))
                continue; // "cairn_seq=" is not "seq="
            std::size_t start = at + name.size();
            std::size_t end = start;
            while (end < line.size() && std::isalnum(static_cast<unsigned char>(line[end])))
                ++end;
            return line.substr(start, end - start);
        }
        return std::nullopt;
    };
    auto seq_text = value_of("seq=");
    auto mac_text = value_of("mac=");
    if (!seq_text || !mac_text || seq_text->empty() || seq_text->size() > 18)
        return std::nullopt;
    audit_checkpoint c;
    for (char ch : *seq_text) {
        if (ch < '0' || ch > '9')
            return std::nullopt;
        c.seq = c.seq * 10 + (ch - '0');
    }
    auto mac = parse_audit_digest(*mac_text);
    if (!mac)
        return std::nullopt;
    c.mac = *mac;
    return c;
}

std::string_view to_string(audit_fault f)
{
    switch (f) {
    case audit_fault::none:
        return "none";
    case audit_fault::edited:
        return "edited";
    case audit_fault::deleted:
        return "deleted";
    case audit_fault::inserted:
        return "inserted";
    case audit_fault::reordered:
        return "reordered";
    case audit_fault::bad_mac:
        return "bad_mac";
    case audit_fault::checkpoint_mismatch:
        return "checkpoint_mismatch";
    case audit_fault::truncated_tail:
        return "truncated_tail";
    case audit_fault::malformed:
        return "malformed";
    }
    return "unknown";
}

namespace {

bool same(const audit_digest& d, const std::vector<std::uint8_t>& v)
{
    return v.size() == d.size() && std::equal(d.begin(), d.end(), v.begin());
}

audit_digest as_digest(const std::vector<std::uint8_t>& v)
{
    audit_digest d{};
    std::copy_n(v.begin(), std::min(v.size(), d.size()), d.begin());
    return d;
}

std::string row_text(std::int64_t seq)
{
    return "row " + std::to_string(seq);
}

} // namespace

audit_verifier::audit_verifier(audit_verify_options opts)
    : opts_(std::move(opts)), key_(opts_.initial_key), prev_hash_(audit_genesis_hash())
{
    auto& cps = opts_.checkpoints;
    std::stable_sort(
        cps.begin(), cps.end(),
        [](const audit_checkpoint& a, const audit_checkpoint& b) { return a.seq < b.seq; });
    while (next_checkpoint_ < cps.size() && cps[next_checkpoint_].seq < 1)
        ++next_checkpoint_;
    verdict_.macs_checked = key_.has_value();
}

bool audit_verifier::feed(audit_row row)
{
    if (done_)
        return false;
    pending_.push_back(std::move(row));
    while (!done_ && pending_.size() > search_window)
        process_front();
    return !done_;
}

void audit_verifier::fail(audit_fault f, std::optional<std::int64_t> seq, std::string reason)
{
    done_ = true;
    verdict_.ok = false;
    verdict_.fault = f;
    verdict_.first_bad_seq = seq;
    verdict_.reason = std::move(reason);
}

bool audit_verifier::chains(const audit_digest& prev, const audit_row& r, std::int64_t as_seq) const
{
    return r.hash.size() == audit_digest_size && same(chain_hash_as(prev, r, as_seq), r.hash);
}

void audit_verifier::process_front()
{
    const audit_row& r = pending_.front();
    const std::int64_t s = r.seq;
    if (s < expected_)
        return fail(audit_fault::inserted, s,
                    row_text(s) + " appears again after " + row_text(expected_ - 1));
    if (s > expected_) {
        bool later = std::any_of(pending_.begin(), pending_.end(),
                                 [&](const audit_row& p) { return p.seq == expected_; });
        if (later)
            return fail(audit_fault::reordered, expected_,
                        row_text(expected_) + " comes after " + row_text(s));
        return fail(audit_fault::deleted, expected_,
                    s == expected_ + 1 ? row_text(expected_) + " is missing"
                                       : "rows " + std::to_string(expected_) + " to " +
                                             std::to_string(s - 1) + " are missing");
    }
    if (r.hash.size() != audit_digest_size || r.mac.size() != audit_digest_size)
        return fail(audit_fault::malformed, s,
                    row_text(s) + " has a hash or MAC that is not 32 bytes");
    if (!chains(prev_hash_, r, s))
        return classify(r);
    if (key_) {
        if (!same(audit_row_mac(*key_, as_digest(r.hash)), r.mac))
            return fail(audit_fault::bad_mac, s,
                        row_text(s) + " has a wrong MAC: the log was rewritten from here by "
                                      "someone holding a later key");
        *key_ = evolve_audit_key(*key_);
    }
    const auto& cps = opts_.checkpoints;
    for (; next_checkpoint_ < cps.size() && cps[next_checkpoint_].seq == s; ++next_checkpoint_) {
        if (!same(cps[next_checkpoint_].mac, r.mac))
            return fail(audit_fault::checkpoint_mismatch, s,
                        row_text(s) + " differs from its journal checkpoint: the log was "
                                      "rewritten at or before this row");
        ++verdict_.checkpoints_matched;
    }
    prev_hash_ = as_digest(r.hash);
    history_.emplace_back(s, prev_hash_);
    if (history_.size() > search_window)
        history_.pop_front();
    ++expected_;
    ++verdict_.rows_checked;
    pending_.pop_front();
}

// Row r (seq s, the expected one) does not chain from the row before it. The rows around
// it tell an edit from a row that moved, was inserted, or lost its predecessor.
void audit_verifier::classify(const audit_row& r)
{
    const std::int64_t s = r.seq;
    const auto w = static_cast<std::int64_t>(search_window);
    const audit_digest rh = as_digest(r.hash);
    const audit_row* next = pending_.size() > 1 ? &pending_[1] : nullptr;
    // The next row still chains from r's stored hash: only r's content changed.
    if (next && next->seq == s + 1 && chains(rh, *next, next->seq))
        return fail(audit_fault::edited, s,
                    row_text(s) + " was changed after it was written (it no longer matches "
                                  "its hash)");
    // r was written at another position o, after some row still in the log.
    std::vector<audit_digest> preds{audit_genesis_hash()};
    for (const auto& [seq, h] : history_)
        preds.push_back(h);
    for (std::size_t i = 1; i < pending_.size(); ++i)
        if (pending_[i].hash.size() == audit_digest_size)
            preds.push_back(as_digest(pending_[i].hash));
    for (std::int64_t o = std::max<std::int64_t>(1, s - w); o <= s + w; ++o) {
        if (o == s)
            continue;
        for (const auto& p : preds) {
            if (!chains(p, r, o))
                continue;
            if (o > s)
                return fail(audit_fault::reordered, s,
                            row_text(s) + " holds the row written as " + std::to_string(o));
            return fail(audit_fault::inserted, o,
                        "rows " + std::to_string(o) + " to " + std::to_string(s - 1) +
                            " do not belong: " + row_text(s) + " was written as " +
                            std::to_string(o));
        }
    }
    // A later row chains from r's predecessor: r and any rows up to it were slipped in
    // and the rest renumbered up. The row after that one must agree.
    for (std::size_t k = 1; k < pending_.size(); ++k) {
        const audit_row& c = pending_[k];
        auto ks = static_cast<std::int64_t>(k);
        if (c.seq != s + ks || !chains(prev_hash_, c, s))
            continue;
        if (k + 1 < pending_.size()) {
            const audit_row& d = pending_[k + 1];
            if (d.seq != c.seq + 1 || c.hash.size() != audit_digest_size ||
                !chains(as_digest(c.hash), d, d.seq - ks))
                continue;
        }
        return fail(audit_fault::inserted, s,
                    k == 1 ? row_text(s) + " does not belong (later rows were renumbered up)"
                           : "rows " + std::to_string(s) + " to " + std::to_string(s + ks - 1) +
                                 " do not belong (later rows were renumbered up)");
    }
    // The next row chains from r with a higher seq: rows before r were deleted and the
    // rest renumbered down.
    if (next && next->seq == s + 1)
        for (std::int64_t d = 1; d <= w; ++d)
            if (chains(rh, *next, next->seq + d))
                return fail(audit_fault::deleted, s,
                            std::to_string(d) + (d == 1 ? " row" : " rows") + " before " +
                                row_text(s) + " were deleted and later rows renumbered down");
    fail(audit_fault::edited, s, row_text(s) + " does not match its hash");
}

audit_verdict audit_verifier::finish()
{
    while (!done_ && !pending_.empty())
        process_front();
    if (done_)
        return verdict_;
    const std::int64_t last = expected_ - 1;
    const auto& cps = opts_.checkpoints;
    if (next_checkpoint_ < cps.size()) {
        fail(audit_fault::truncated_tail, expected_,
             "the journal has a checkpoint for " + row_text(cps.back().seq) +
                 " but the log ends at " + row_text(last));
    } else if (opts_.next_seq && *opts_.next_seq > expected_) {
        fail(audit_fault::truncated_tail, expected_,
             "the key row counts " + std::to_string(*opts_.next_seq - 1) +
                 " rows but the log ends at " + row_text(last));
    } else if (opts_.next_seq && *opts_.next_seq < expected_) {
        std::int64_t first = std::max<std::int64_t>(1, *opts_.next_seq);
        fail(audit_fault::inserted, first,
             "rows from " + std::to_string(first) + " were added outside the append path");
    } else if (opts_.last_hash && *opts_.last_hash != prev_hash_) {
        fail(audit_fault::edited, last >= 1 ? std::optional(last) : std::nullopt,
             "the last row does not match the key row's last hash");
    }
    if (done_)
        return verdict_;
    done_ = true;
    verdict_.reason =
        std::to_string(verdict_.rows_checked) + " rows intact; " +
        (verdict_.macs_checked ? "every MAC checked" : "MACs not checked (no initial key)") + "; " +
        std::to_string(verdict_.checkpoints_matched) + " journal checkpoints matched";
    return verdict_;
}

audit_verdict verify_audit_rows(std::span<const audit_row> rows, audit_verify_options opts)
{
    audit_verifier v(std::move(opts));
    for (const auto& r : rows)
        if (!v.feed(r))
            break;
    return v.finish();
}

} // namespace auth
