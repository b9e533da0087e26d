// SPDX-License-Identifier: GPL-3.0-or-later
// Per-address connection rate, failed-login lockouts, sessions per token and a global
// connection cap, in bounded memory; pure: the caller passes the time.
#include "auth/rate_limiter.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace auth {
namespace {

using std::chrono::ceil;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

// The first ten bytes zero and then 0xffff: an IPv4 address in IPv6 form.
constexpr std::array<std::uint8_t, 12> v4_mapped_prefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

// Longer text is not an address; inet_pton needs a terminated copy, this bounds it.
constexpr std::size_t max_address_chars = 64;

std::string_view user_key(std::string_view user)
{
    return user.substr(0, rate_limiter::max_key_chars);
}

// Time left until t, rounded up to whole milliseconds so a client told to wait that long
// never comes back a moment too early.
milliseconds until(std::chrono::steady_clock::time_point t,
                   std::chrono::steady_clock::time_point now)
{
    return ceil<milliseconds>(t - now);
}

} // namespace

// ---- address_key ----

address_key address_key::v4(const std::array<std::uint8_t, 4>& bytes)
{
    address_key k;
    std::copy(bytes.begin(), bytes.end(), k.bytes_.begin());
    k.v4_ = true;
    return k;
}

address_key address_key::v6(const std::array<std::uint8_t, 16>& bytes)
{
    if (std::equal(v4_mapped_prefix.begin(), v4_mapped_prefix.end(), bytes.begin()))
        return v4({bytes[12], bytes[13], bytes[14], bytes[15]});
    address_key k;
    k.bytes_ = bytes;
    k.v4_ = false;
    return k;
}

std::optional<address_key> address_key::parse(std::string_view text)
{
    if (text.empty() || text.size() >= max_address_chars)
        return std::nullopt;
    std::array<char, max_address_chars> z{};
    std::copy(text.begin(), text.end(), z.begin());
    std::array<std::uint8_t, 4> b4{};
    if (::inet_pton(AF_INET, z.data(), b4.data()) == 1)
        return v4(b4);
    std::array<std::uint8_t, 16> b6{};
    if (::inet_pton(AF_INET6, z.data(), b6.data()) == 1)
        return v6(b6);
    return std::nullopt;
}

address_key address_key::masked(unsigned prefix_bits) const
{
    if (v4_ || prefix_bits >= 128)
        return *this;
    address_key k = *this;
    const std::size_t whole = prefix_bits / 8;
    const unsigned rest = prefix_bits % 8;
    std::size_t i = whole;
    if (rest != 0)
        k.bytes_[i++] &= static_cast<std::uint8_t>(0xff << (8 - rest));
    std::fill(k.bytes_.begin() + static_cast<std::ptrdiff_t>(i), k.bytes_.end(), 0);
    return k;
}

std::string address_key::to_string() const
{
    std::array<char, INET6_ADDRSTRLEN> out{};
    ::inet_ntop(v4_ ? AF_INET : AF_INET6, bytes_.data(), out.data(), out.size());
    return out.data();
}

// ---- helpers ----

limits limits_from(const config::limits_settings& s)
{
    limits l;
    l.connections_per_second = s.connections_per_second;
    l.connection_burst = s.connection_burst;
    l.max_connections = s.max_connections;
    l.lockout_threshold = s.auth_failures_before_lockout;
    l.lockout_initial = s.lockout_initial;
    l.lockout_max = s.lockout_max;
    l.failure_window = s.failure_window;
    l.max_tracked_addresses = s.max_tracked_addresses;
    l.max_tracked_users = s.max_tracked_users;
    l.default_max_sessions = s.default_max_sessions;
    l.ipv6_prefix_length = s.ipv6_prefix_length;
    return l;
}

const char* to_string(admission_status s)
{
    switch (s) {
    case admission_status::ok:
        return "ok";
    case admission_status::rate_limited:
        return "rate_limited";
    case admission_status::global_cap:
        return "global_cap";
    case admission_status::locked_out:
        return "locked_out";
    case admission_status::too_many_sessions:
        return "too_many_sessions";
    }
    return "unknown";
}

std::chrono::seconds retry_after_seconds(milliseconds d)
{
    return std::max(ceil<std::chrono::seconds>(d), std::chrono::seconds{1});
}

// ---- lru_table ----

template <typename Key, typename Value>
template <typename K>
Value* rate_limiter::lru_table<Key, Value>::find(const K& key)
{
    const auto it = index_.find(key);
    if (it == index_.end())
        return nullptr;
    recency_.splice(recency_.begin(), recency_, it->second.recency);
    return &it->second.value;
}

template <typename Key, typename Value>
template <typename K>
const Value* rate_limiter::lru_table<Key, Value>::peek(const K& key) const
{
    const auto it = index_.find(key);
    return it == index_.end() ? nullptr : &it->second.value;
}

template <typename Key, typename Value>
template <typename K, typename Pinned>
Value* rate_limiter::lru_table<Key, Value>::get(const K& key, std::uint64_t& evictions,
                                                Pinned pinned)
{
    if (auto* found = find(key))
        return found;
    if (index_.size() >= capacity_) {
        bool freed = false;
        for (std::size_t i = 0; i < max_eviction_scan && !freed; ++i) {
            const auto oldest = index_.find(*recency_.back());
            if (pinned(oldest->second.value)) {
                recency_.splice(recency_.begin(), recency_, oldest->second.recency);
                continue;
            }
            index_.erase(oldest);
            recency_.pop_back();
            ++evictions;
            freed = true;
        }
        if (!freed)
            return nullptr;
    }
    const auto it = index_.emplace(Key{key}, slot{}).first;
    recency_.push_front(&it->first);
    it->second.recency = recency_.begin();
    return &it->second.value;
}

// ---- rate_limiter ----

rate_limiter::rate_limiter(const limits& l)
    : limits_{l}, addresses_{std::max<std::size_t>(l.max_tracked_addresses, 1)},
      users_{std::max<std::size_t>(l.max_tracked_users, 1)}
{
    using bounds = config::limits_settings;
    auto& m = limits_;
    // NaN fails both comparisons, so it becomes the minimum.
    if (!(m.connections_per_second >= bounds::min_connections_per_second))
        m.connections_per_second = bounds::min_connections_per_second;
    m.connections_per_second =
        std::min(m.connections_per_second, bounds::max_connections_per_second);
    m.connection_burst =
        std::clamp<std::uint32_t>(m.connection_burst, 1, bounds::max_connection_burst);
    m.max_connections = std::max<std::uint32_t>(m.max_connections, 1);
    m.lockout_threshold = std::max<std::uint32_t>(m.lockout_threshold, 1);
    // Lower bounds of 1 ms rather than config's 1 s keep fast tests possible; the upper
    // ones keep `now + lockout` and the doubling far from overflowing.
    m.lockout_initial = std::clamp(m.lockout_initial, milliseconds{1}, bounds::max_lockout);
    m.lockout_max = std::clamp(m.lockout_max, m.lockout_initial, bounds::max_lockout);
    m.failure_window = std::clamp(m.failure_window, milliseconds{1}, bounds::max_failure_window);
    m.max_tracked_addresses = std::max<std::uint32_t>(m.max_tracked_addresses, 1);
    m.max_tracked_users = std::max<std::uint32_t>(m.max_tracked_users, 1);
    m.ipv6_prefix_length = std::min<std::uint32_t>(m.ipv6_prefix_length, 128);
    // At most 1e12 ns (0.001/s) times 1e5: far from overflowing 64 bits.
    emission_interval_ =
        nanoseconds{std::max<std::int64_t>(std::llround(1e9 / m.connections_per_second), 1)};
    burst_tolerance_ = emission_interval_ * (m.connection_burst - 1);
}

address_key rate_limiter::key_of(const address_key& addr) const
{
    return addr.masked(limits_.ipv6_prefix_length);
}

std::optional<rate_limiter::duration> rate_limiter::remaining(const failures& f,
                                                              time_point now) const
{
    if (now < f.locked_until)
        return until(f.locked_until, now);
    return std::nullopt;
}

bool rate_limiter::count_failure(failures& f, time_point now)
{
    if (now < f.locked_until)
        return false;
    // A quiet lockout_max after the last lockout ended: the next one starts short again.
    if (f.lockouts > 0 && now - f.locked_until >= limits_.lockout_max)
        f.lockouts = 0;
    if (f.count == 0 || now - f.window_start >= limits_.failure_window) {
        f.count = 0;
        f.window_start = now;
    }
    if (++f.count < limits_.lockout_threshold)
        return false;
    auto length = limits_.lockout_initial;
    for (std::uint32_t i = 0; i < f.lockouts && length < limits_.lockout_max; ++i)
        length *= 2;
    f.locked_until = now + std::min(length, limits_.lockout_max);
    f.count = 0;
    if (f.lockouts < std::numeric_limits<std::uint32_t>::max())
        ++f.lockouts;
    ++stats_.lockouts;
    return true;
}

rate_limiter::address_state* rate_limiter::track_address(const address_key& addr, time_point now)
{
    auto* a = addresses_.get(key_of(addr), stats_.address_evictions,
                             [now](const address_state& s) { return now < s.fails.locked_until; });
    if (!a)
        ++stats_.address_table_full;
    return a;
}

rate_limiter::failures* rate_limiter::track_user(std::string_view user, time_point now)
{
    auto* u = users_.get(user_key(user), stats_.user_evictions,
                         [now](const failures& f) { return now < f.locked_until; });
    if (!u)
        ++stats_.user_table_full;
    return u;
}

admission rate_limiter::admit_connection(const address_key& addr, time_point now)
{
    auto* tracked = track_address(addr, now);
    if (!tracked) {
        // Every entry looked at is locked out: an address we cannot rate-limit or lock
        // out is not let in (the locked ones expire and free room).
        return {admission_status::rate_limited, busy_retry_after};
    }
    auto& a = *tracked;
    if (const auto wait = remaining(a.fails, now)) {
        ++stats_.locked_out_refusals;
        return {admission_status::locked_out, *wait};
    }
    const auto full_at = std::max(a.full_at, now);
    const auto backlog = full_at - now;
    if (backlog > burst_tolerance_) {
        ++stats_.rate_limited;
        return {admission_status::rate_limited, ceil<milliseconds>(backlog - burst_tolerance_)};
    }
    if (stats_.active_connections >= limits_.max_connections) {
        ++stats_.global_cap_refusals;
        return {admission_status::global_cap, busy_retry_after};
    }
    a.full_at = full_at + emission_interval_;
    ++stats_.active_connections;
    return {};
}

void rate_limiter::release_connection()
{
    if (stats_.active_connections > 0)
        --stats_.active_connections;
}

std::optional<rate_limiter::duration>
rate_limiter::is_locked_out(const address_key& addr, std::string_view user, time_point now)
{
    std::optional<duration> wait;
    if (const auto* a = addresses_.find(key_of(addr)))
        wait = remaining(a->fails, now);
    if (user.empty())
        return wait;
    if (const auto* u = users_.find(user_key(user)))
        if (const auto w = remaining(*u, now); w && (!wait || *w > *wait))
            wait = w;
    return wait;
}

failure_result rate_limiter::record_auth_failure(const address_key& addr, std::string_view user,
                                                 time_point now)
{
    failure_result r;
    if (auto* a = track_address(addr, now)) {
        r.started = count_failure(a->fails, now);
        if (now < a->fails.locked_until) {
            r.address_locked = true;
            r.until = a->fails.locked_until;
        }
    }
    if (auto* u = user.empty() ? nullptr : track_user(user, now)) {
        r.started = count_failure(*u, now) || r.started;
        if (now < u->locked_until) {
            r.user_locked = true;
            r.until = std::max(r.until, u->locked_until);
        }
    }
    if (r.locked_out())
        r.retry_after = until(r.until, now);
    return r;
}

bool rate_limiter::address_locked(const address_key& addr, time_point now) const
{
    const auto* a = addresses_.peek(key_of(addr));
    return a && now < a->fails.locked_until;
}

bool rate_limiter::user_locked(std::string_view user, time_point now) const
{
    const auto* u = users_.peek(user_key(user));
    return u && now < u->locked_until;
}

void rate_limiter::record_auth_success(const address_key& addr, std::string_view user)
{
    if (auto* a = addresses_.find(key_of(addr)))
        a->fails.count = 0;
    if (user.empty())
        return;
    if (auto* u = users_.find(user_key(user)))
        u->count = 0;
}

admission rate_limiter::acquire_session(std::string_view token_id, std::uint32_t max_sessions)
{
    const auto key = user_key(token_id);
    const auto it = sessions_.find(key);
    const std::uint32_t n = it == sessions_.end() ? 0 : it->second;
    if (n >= max_sessions) {
        ++stats_.session_refusals;
        return {admission_status::too_many_sessions, busy_retry_after};
    }
    // Every session is a connection: this also bounds the table's size.
    if (stats_.active_sessions >= limits_.max_connections) {
        ++stats_.global_cap_refusals;
        return {admission_status::global_cap, busy_retry_after};
    }
    if (it == sessions_.end())
        sessions_.emplace(std::string{key}, 1);
    else
        ++it->second;
    ++stats_.active_sessions;
    return {};
}

void rate_limiter::release_session(std::string_view token_id)
{
    const auto it = sessions_.find(user_key(token_id));
    if (it == sessions_.end())
        return;
    if (--it->second == 0)
        sessions_.erase(it);
    --stats_.active_sessions;
}

std::uint32_t rate_limiter::session_count(std::string_view token_id) const
{
    const auto it = sessions_.find(user_key(token_id));
    return it == sessions_.end() ? 0 : it->second;
}

rate_limiter_stats rate_limiter::stats() const
{
    auto s = stats_;
    s.tracked_addresses = addresses_.size();
    s.tracked_users = users_.size();
    return s;
}

} // namespace auth
