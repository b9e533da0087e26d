// SPDX-License-Identifier: GPL-3.0-or-later
// Per-address connection rate, failed-login lockouts (per address and per user), sessions
// per token and a global connection cap, in bounded memory; pure: the caller passes the time.
//
//   auth::rate_limiter limiter{auth::limits_from(settings.limits)};
//   const auto key = auth::address_key::parse("192.0.2.7").value();
//   if (auto a = limiter.admit_connection(key, now); !a)
//       return reply_429(auth::retry_after_seconds(a.retry_after)); // nothing to release
//   if (auto wait = limiter.is_locked_out(key, user, now))
//       return refuse(*wait);               // do not even check the secret
//   if (!secret_ok)
//       limiter.record_auth_failure(key, user, now);
//   else
//       limiter.record_auth_success(key, user);
//   ...
//   limiter.release_connection();            // once per admitted connection
#pragma once

#include "config/settings.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace auth {

// A source address as a small fixed-size key: IPv4 (also IPv4-mapped IPv6) or IPv6.
class address_key
{
public:
    static address_key v4(const std::array<std::uint8_t, 4>& bytes);
    // An IPv4-mapped address (::ffff:a.b.c.d) becomes v4, so dual-stack sockets agree.
    static address_key v6(const std::array<std::uint8_t, 16>& bytes);
    // Dotted quad or IPv6 text (no brackets, zone or port); empty when it is neither.
    static std::optional<address_key> parse(std::string_view text);

    // IPv6 keeps its first prefix_bits bits (the rest zero); IPv4 is returned unchanged.
    address_key masked(unsigned prefix_bits) const;
    bool is_v4() const { return v4_; }
    std::string to_string() const;

    auto operator<=>(const address_key&) const = default;

private:
    std::array<std::uint8_t, 16> bytes_{}; // IPv4 in the first four
    bool v4_ = true;
};

// Every limit the rate_limiter enforces, with the defaults config::limits_settings
// documents (rate_limiter_test checks they agree).
struct limits
{
    // New connections per source address, as a token bucket: refill rate and size.
    double connections_per_second = 5;
    std::uint32_t connection_burst = 20;
    // Admitted connections not yet released, over all addresses; also caps sessions.
    std::uint32_t max_connections = 10000;
    // Failures (per address and, separately, per user) within failure_window that lock out.
    std::uint32_t lockout_threshold = 5;
    // First lockout; each further one without a quiet lockout_max between doubles, capped.
    std::chrono::milliseconds lockout_initial = std::chrono::minutes{1};
    std::chrono::milliseconds lockout_max = std::chrono::hours{1};
    // A series of failures is forgotten this long after its first failure.
    std::chrono::milliseconds failure_window = std::chrono::minutes{15};
    // Memory bound: past these the least recently seen address or user is forgotten.
    std::uint32_t max_tracked_addresses = 65536;
    std::uint32_t max_tracked_users = 16384;
    // For new tokens (the token store's default); the limiter takes each token's own.
    std::uint32_t default_max_sessions = 2;
    // IPv6 sources are limited per prefix: a single host can use a whole /64.
    std::uint32_t ipv6_prefix_length = 64;

    bool operator==(const limits&) const = default;
};

// The [limits] config table as rate_limiter limits.
limits limits_from(const config::limits_settings& s);

enum class admission_status : std::uint8_t
{
    ok,
    rate_limited,      // this address opened too many connections lately
    global_cap,        // max_connections connections (or sessions) are open
    locked_out,        // this address failed authentication too often
    too_many_sessions, // this token already has its max_sessions sessions
};

const char* to_string(admission_status s);

// Every refusal says when trying again may succeed (HTTP 429/503 Retry-After).
struct admission
{
    admission_status status = admission_status::ok;
    std::chrono::milliseconds retry_after{0}; // 0 when admitted

    explicit operator bool() const { return status == admission_status::ok; }
};

// What record_auth_failure found: who is locked out now, and whether this failure did it.
struct failure_result
{
    bool address_locked = false;                   // the address is locked out after this failure
    bool user_locked = false;                      // the user name is locked out after this failure
    bool started = false;                          // this failure started a lockout (audit it once)
    std::chrono::steady_clock::time_point until{}; // when the later lockout ends
    std::chrono::milliseconds retry_after{0};

    bool locked_out() const { return address_locked || user_locked; }
};

struct rate_limiter_stats
{
    std::size_t tracked_addresses = 0;
    std::size_t tracked_users = 0;
    std::uint32_t active_connections = 0;
    std::uint32_t active_sessions = 0;
    std::uint64_t address_evictions = 0; // addresses forgotten to stay within the cap
    std::uint64_t user_evictions = 0;
    // Entries that could not be made because the oldest ones were all locked out (a
    // locked entry is never forgotten): a new address is refused, a new user name's
    // failure goes uncounted (its address's still counts).
    std::uint64_t address_table_full = 0;
    std::uint64_t user_table_full = 0;
    std::uint64_t lockouts = 0; // lockouts started (addresses and users)
    std::uint64_t rate_limited = 0;
    std::uint64_t global_cap_refusals = 0;
    std::uint64_t locked_out_refusals = 0;
    std::uint64_t session_refusals = 0;
};

// Retry-After in whole seconds, rounded up and at least 1 (HTTP cannot say "0.2 s").
std::chrono::seconds retry_after_seconds(std::chrono::milliseconds d);

class rate_limiter
{
public:
    using clock = std::chrono::steady_clock;
    using time_point = clock::time_point;
    using duration = std::chrono::milliseconds;

    // Retry-After for the global cap and per-token sessions: nobody knows when one frees.
    static constexpr duration busy_retry_after = std::chrono::seconds{5};
    // User names and token ids are cut to this many bytes before they become keys, so
    // an attacker's 1 MB user name costs no more memory than a real one.
    static constexpr std::size_t max_key_chars = 128;
    // A full table forgets its least recently seen entry that is not locked out, looking
    // at this many from the old end (locked ones it passes go to the new end). Otherwise
    // a flood of made-up names or addresses would push a locked-out one out and lift its
    // lockout.
    static constexpr std::size_t max_eviction_scan = 64;

    // Values out of range (zero sizes, lockout_initial > lockout_max, months-long
    // lockouts) are clamped to what works; config validation keeps them from getting here.
    explicit rate_limiter(const limits& l = {});

    // A new connection from addr: ok (counted until release_connection) or why not.
    // Refusals take no slot and no token from the bucket.
    admission admit_connection(const address_key& addr, time_point now);
    void release_connection();

    // Time until both addr and user (empty: address only) may try again; empty when
    // neither is locked out. Counts as seeing them, so an entry under attack stays.
    std::optional<duration> is_locked_out(const address_key& addr, std::string_view user,
                                          time_point now);
    // A failed authentication. Failures during an active lockout neither count nor extend
    // it. Record failures only for credentials actually checked.
    failure_result record_auth_failure(const address_key& addr, std::string_view user,
                                       time_point now);
    // Resets both failure counts; an active lockout stays.
    void record_auth_success(const address_key& addr, std::string_view user);

    // A session for token_id, allowed while it has fewer than max_sessions (the token's
    // own). ok: counted until release_session(token_id).
    admission acquire_session(std::string_view token_id, std::uint32_t max_sessions);
    void release_session(std::string_view token_id);
    std::uint32_t session_count(std::string_view token_id) const;

    // Whether addr or user is locked out now, without counting as seeing it.
    bool address_locked(const address_key& addr, time_point now) const;
    bool user_locked(std::string_view user, time_point now) const;

    rate_limiter_stats stats() const;
    const limits& limits_in_use() const { return limits_; }

private:
    // Failed authentications of one address or user.
    struct failures
    {
        std::uint32_t count = 0;
        time_point window_start{};
        time_point locked_until{};  // in the past when not locked
        std::uint32_t lockouts = 0; // consecutive lockouts: the next lasts initial * 2^n
    };
    struct address_state
    {
        // Generic cell rate algorithm form of the token bucket: the bucket is full at or
        // before this time; each admission moves it one emission interval later.
        time_point full_at{};
        failures fails;
    };

    // Map + recency list: find/insert/touch in O(log n). Ordered (not hashed) so crafted
    // user names cannot force collisions; the least recently seen entry goes first.
    template <typename Key, typename Value> class lru_table
    {
    public:
        explicit lru_table(std::size_t capacity) : capacity_{capacity} {}
        // The entry, marked most recently seen; nullptr when absent.
        template <typename K> Value* find(const K& key);
        // The entry, created when absent. When full, the least recently seen entry that
        // is not pinned goes first (see max_eviction_scan); nullptr when none was found.
        template <typename K, typename Pinned>
        Value* get(const K& key, std::uint64_t& evictions, Pinned pinned);
        // The entry, without marking it seen; nullptr when absent.
        template <typename K> const Value* peek(const K& key) const;
        std::size_t size() const { return index_.size(); }

    private:
        struct slot
        {
            Value value;
            typename std::list<const Key*>::iterator recency;
        };
        std::size_t capacity_;
        std::map<Key, slot, std::less<>> index_;
        std::list<const Key*> recency_; // front: most recently seen
    };

    address_key key_of(const address_key& addr) const;
    // The entry for addr or user, made when absent; nullptr (counted in stats) when the
    // table is full and every entry looked at is locked out.
    address_state* track_address(const address_key& addr, time_point now);
    failures* track_user(std::string_view user, time_point now);
    std::optional<duration> remaining(const failures& f, time_point now) const;
    bool count_failure(failures& f, time_point now);

    limits limits_;
    std::chrono::nanoseconds emission_interval_; // 1 / connections_per_second
    std::chrono::nanoseconds burst_tolerance_;   // (burst - 1) emission intervals
    lru_table<address_key, address_state> addresses_;
    lru_table<std::string, failures> users_;
    std::map<std::string, std::uint32_t, std::less<>> sessions_; // only tokens with > 0
    rate_limiter_stats stats_;
};

} // namespace auth
