// SPDX-License-Identifier: GPL-3.0-or-later
// Tests for auth::rate_limiter with a fake clock: buckets, lockouts, sessions, caps, memory.
#include "auth/rate_limiter.hpp"

#include <doctest/doctest.h>

#include <limits>
#include <list>
#include <map>
#include <random>
#include <string>

using namespace std::chrono_literals;
using auth::address_key;
using auth::admission_status;
using auth::rate_limiter;

namespace {

// A fake steady clock: far from zero so "never locked" (time_point{}) is in the past.
const rate_limiter::time_point t0 = rate_limiter::time_point{} + 1000h;

address_key addr(std::string_view text)
{
    const auto k = address_key::parse(text);
    REQUIRE(k.has_value());
    return *k;
}

address_key nth_v4(std::uint32_t n)
{
    return address_key::v4({static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
                            static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)});
}

// Records failures until one starts a lockout; returns its length. Fails the test if
// that takes other than `threshold` failures.
std::chrono::milliseconds lock_user(rate_limiter& rl, std::string_view user,
                                    rate_limiter::time_point now, std::uint32_t threshold = 5)
{
    for (std::uint32_t i = 1; i < threshold; ++i) {
        const auto r = rl.record_auth_failure(nth_v4(0x0a000000 + i), user, now);
        REQUIRE_FALSE(r.locked_out());
    }
    const auto r = rl.record_auth_failure(nth_v4(0x0a000000), user, now);
    REQUIRE(r.user_locked);
    REQUIRE(r.started);
    CHECK_FALSE(r.address_locked);
    return r.retry_after;
}

// A reference LRU that counts what the limiter should have evicted.
template <typename Key> class lru_model
{
public:
    explicit lru_model(std::size_t capacity) : capacity_{capacity} {}
    void find(const Key& k)
    {
        if (const auto it = index_.find(k); it != index_.end())
            order_.splice(order_.begin(), order_, it->second);
    }
    // As the limiter: a full table forgets the oldest entry that is not pinned (locked
    // out), passing pinned ones to the new end, within rate_limiter::max_eviction_scan.
    template <typename Pinned> void get(const Key& k, Pinned pinned)
    {
        if (index_.count(k) != 0)
            return find(k);
        if (index_.size() == capacity_) {
            bool freed = false;
            for (std::size_t i = 0; i < rate_limiter::max_eviction_scan && !freed; ++i) {
                const Key oldest = order_.back();
                if (pinned(oldest)) {
                    order_.splice(order_.begin(), order_, index_.at(oldest));
                    continue;
                }
                index_.erase(oldest);
                order_.pop_back();
                ++evictions;
                freed = true;
            }
            if (!freed) {
                ++full;
                return;
            }
        }
        order_.push_front(k);
        index_[k] = order_.begin();
    }
    std::size_t size() const { return index_.size(); }
    std::uint64_t evictions = 0;
    std::uint64_t full = 0;

private:
    std::size_t capacity_;
    std::list<Key> order_;
    std::map<Key, typename std::list<Key>::iterator> index_;
};

} // namespace

TEST_CASE("limit defaults: the documented values, identical to config's [limits] defaults")
{
    const auth::limits l;
    CHECK(l.connections_per_second == 5);
    CHECK(l.connection_burst == 20);
    CHECK(l.max_connections == 10000);
    CHECK(l.lockout_threshold == 5);
    CHECK(l.lockout_initial == 1min);
    CHECK(l.lockout_max == 1h);
    CHECK(l.failure_window == 15min);
    CHECK(l.max_tracked_addresses == 65536);
    CHECK(l.max_tracked_users == 16384);
    CHECK(l.default_max_sessions == 2);
    CHECK(l.ipv6_prefix_length == 64);
    CHECK(auth::limits_from(config::limits_settings{}) == l);
    CHECK(rate_limiter::busy_retry_after == 5s);
    CHECK(rate_limiter::max_key_chars == 128);

    // Every field is carried over, not just left at its default.
    config::limits_settings s;
    s.connections_per_second = 0.5;
    s.connection_burst = 3;
    s.max_connections = 7;
    s.auth_failures_before_lockout = 9;
    s.lockout_initial = 2s;
    s.lockout_max = 3min;
    s.failure_window = 4min;
    s.max_tracked_addresses = 100;
    s.max_tracked_users = 200;
    s.default_max_sessions = 6;
    s.ipv6_prefix_length = 56;
    const auto got = auth::limits_from(s);
    CHECK(got == auth::limits{0.5, 3, 7, 9, 2s, 3min, 4min, 100, 200, 6, 56});
    CHECK(rate_limiter{got}.limits_in_use() == got);
}

TEST_CASE("address_key: parsing, IPv4-mapped addresses and IPv6 prefixes")
{
    CHECK(addr("192.0.2.7").is_v4());
    CHECK(addr("192.0.2.7").to_string() == "192.0.2.7");
    CHECK(addr("::ffff:192.0.2.7") == addr("192.0.2.7"));
    CHECK(addr("2001:db8::1").to_string() == "2001:db8::1");
    CHECK_FALSE(addr("2001:db8::1").is_v4());
    CHECK(addr("2001:db8::1") != addr("2001:db8::2"));
    CHECK(addr("2001:db8::1").masked(64) == addr("2001:db8::ffff:2").masked(64));
    CHECK(addr("2001:db8::1").masked(64) == addr("2001:db8::"));
    CHECK(addr("2001:db8:0:1::1").masked(64) != addr("2001:db8::1").masked(64));
    CHECK(addr("2001:db8:ffff::1").masked(36).to_string() == "2001:db8:f000::");
    CHECK(addr("2001:db8::1").masked(128) == addr("2001:db8::1"));
    CHECK(addr("192.0.2.7").masked(0) == addr("192.0.2.7"));
    for (const auto* bad : {"", "192.0.2", "192.0.2.256", "::g", "[::1]", "192.0.2.7:2101",
                            "fe80::1%eth0", " 192.0.2.7"})
        CHECK_FALSE(address_key::parse(bad).has_value());
    CHECK_FALSE(address_key::parse(std::string(100, '1')).has_value());
}

TEST_CASE("connection bucket: burst, then one per emission interval, never more than burst")
{
    rate_limiter rl; // 5/s, burst 20
    const auto a = addr("198.51.100.1");
    for (int i = 0; i < 20; ++i)
        CHECK(rl.admit_connection(a, t0));
    auto refused = rl.admit_connection(a, t0);
    CHECK(refused.status == admission_status::rate_limited);
    CHECK(refused.retry_after == 200ms);
    refused = rl.admit_connection(a, t0 + 199ms);
    CHECK(refused.status == admission_status::rate_limited);
    CHECK(refused.retry_after == 1ms);
    CHECK(rl.admit_connection(a, t0 + 200ms));
    CHECK_FALSE(rl.admit_connection(a, t0 + 200ms));

    // Another address has its own full bucket.
    CHECK(rl.admit_connection(addr("198.51.100.2"), t0));

    // After 4 s idle the bucket is full again; after an hour it still holds only 20.
    for (const auto later : {t0 + 200ms + 4s, t0 + 2h}) {
        for (int i = 0; i < 20; ++i)
            CHECK(rl.admit_connection(a, later));
        CHECK(rl.admit_connection(a, later).status == admission_status::rate_limited);
    }
    CHECK(rl.stats().rate_limited == 5);
    CHECK(rl.stats().active_connections == 62);

    // A fractional rate: one every 4 s, burst 1.
    auth::limits slow;
    slow.connections_per_second = 0.25;
    slow.connection_burst = 1;
    rate_limiter s{slow};
    CHECK(s.admit_connection(a, t0));
    CHECK(s.admit_connection(a, t0 + 1s).retry_after == 3s);
    CHECK(s.admit_connection(a, t0 + 4s));
}

TEST_CASE("connection bucket: IPv6 is limited per /64, IPv4-mapped shares the IPv4 bucket")
{
    auth::limits l;
    l.connection_burst = 2;
    rate_limiter rl{l};
    CHECK(rl.admit_connection(addr("2001:db8::1"), t0));
    CHECK(rl.admit_connection(addr("2001:db8::2"), t0));
    CHECK(rl.admit_connection(addr("2001:db8::3"), t0).status == admission_status::rate_limited);
    CHECK(rl.admit_connection(addr("2001:db8:0:1::1"), t0));
    CHECK(rl.admit_connection(addr("192.0.2.1"), t0));
    CHECK(rl.admit_connection(
        address_key::v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1}), t0));
    CHECK_FALSE(rl.admit_connection(addr("192.0.2.1"), t0));

    l.ipv6_prefix_length = 128;
    rate_limiter exact{l};
    for (int i = 0; i < 3; ++i)
        CHECK(exact.admit_connection(addr("2001:db8::" + std::to_string(i + 1)), t0));
}

TEST_CASE("global cap: refuses without using a token, frees on release")
{
    auth::limits l;
    l.max_connections = 3;
    l.connection_burst = 1;
    rate_limiter rl{l};
    for (std::uint32_t i = 0; i < 3; ++i)
        CHECK(rl.admit_connection(nth_v4(i), t0));
    const auto full = rl.admit_connection(nth_v4(3), t0);
    CHECK(full.status == admission_status::global_cap);
    CHECK(full.retry_after == rate_limiter::busy_retry_after);
    CHECK(rl.stats().global_cap_refusals == 1);
    rl.release_connection();
    CHECK(rl.stats().active_connections == 2);
    CHECK(rl.admit_connection(nth_v4(3), t0)); // its single token was not spent above
    CHECK_FALSE(rl.admit_connection(nth_v4(4), t0));

    // More releases than admissions do not wrap the count.
    for (int i = 0; i < 10; ++i)
        rl.release_connection();
    CHECK(rl.stats().active_connections == 0);
    CHECK(rl.admit_connection(nth_v4(5), t0));
    CHECK(rl.stats().active_connections == 1);
}

TEST_CASE("lockout: 5 failures lock for 1 min, then 2, 4, ... capped at 1 h")
{
    rate_limiter rl;
    const auto a = addr("203.0.113.9");
    auto now = t0;
    const std::chrono::milliseconds expected[] = {1min, 2min, 4min, 8min, 16min, 32min, 1h, 1h, 1h};
    for (const auto length : expected) {
        CAPTURE(length.count());
        for (int i = 1; i < 5; ++i) {
            const auto r = rl.record_auth_failure(a, "alice", now);
            CHECK_FALSE(r.locked_out());
            CHECK(r.retry_after == 0ms);
            CHECK_FALSE(rl.is_locked_out(a, "alice", now));
        }
        const auto r = rl.record_auth_failure(a, "alice", now);
        CHECK(r.started);
        CHECK(r.address_locked);
        CHECK(r.user_locked);
        CHECK(r.retry_after == length);
        CHECK(r.until == now + length);
        CHECK(rl.is_locked_out(a, "alice", now) == length);
        CHECK(rl.is_locked_out(a, "", now + 1s) == length - 1s);

        // Locked addresses cannot connect; failures meanwhile neither count nor extend.
        const auto refused = rl.admit_connection(a, now + 1s);
        CHECK(refused.status == admission_status::locked_out);
        CHECK(refused.retry_after == length - 1s);
        const auto during = rl.record_auth_failure(a, "alice", now + 2s);
        CHECK(during.locked_out());
        CHECK_FALSE(during.started);
        CHECK(during.until == now + length);

        now += length;
        CHECK(rl.is_locked_out(a, "alice", now - 1ms) == 1ms);
        CHECK(rl.is_locked_out(a, "alice", now) == std::nullopt);
    }
    CHECK(rl.stats().lockouts == 2 * std::size(expected)); // address and user each time
}

TEST_CASE("lockout: the doubling is forgotten after a quiet lockout_max")
{
    rate_limiter rl;
    CHECK(lock_user(rl, "bob", t0) == 1min);
    const auto ended = t0 + 1min;
    CHECK(lock_user(rl, "bob", ended + 1h - 1ms) == 2min);
    const auto ended2 = ended + 1h - 1ms + 2min;
    CHECK(lock_user(rl, "bob", ended2 + 1h) == 1min);
}

TEST_CASE("lockout: success resets the failure count but not an active lockout")
{
    rate_limiter rl;
    const auto a = addr("203.0.113.10");
    for (int i = 0; i < 4; ++i)
        CHECK_FALSE(rl.record_auth_failure(a, "carol", t0).locked_out());
    rl.record_auth_success(a, "carol");
    for (int i = 0; i < 4; ++i)
        CHECK_FALSE(rl.record_auth_failure(a, "carol", t0).locked_out());
    CHECK(rl.record_auth_failure(a, "carol", t0).locked_out());
    rl.record_auth_success(a, "carol");
    CHECK(rl.is_locked_out(a, "carol", t0 + 30s) == 30s);
    // Success for names and addresses never seen creates nothing.
    rl.record_auth_success(addr("203.0.113.11"), "dave");
    CHECK(rl.stats().tracked_addresses == 1);
    CHECK(rl.stats().tracked_users == 1);
}

TEST_CASE("lockout: failures are forgotten failure_window after the first of a series")
{
    rate_limiter rl; // window 15 min
    const auto a = addr("203.0.113.12");
    for (int i = 0; i < 4; ++i)
        CHECK_FALSE(rl.record_auth_failure(a, "erin", t0 + i * 1min).locked_out());
    // Within the window (14:59 after the first): the fifth locks.
    CHECK(rl.record_auth_failure(a, "erin", t0 + 15min - 1ms).locked_out());

    const auto b = addr("203.0.113.13");
    for (int i = 0; i < 4; ++i)
        CHECK_FALSE(rl.record_auth_failure(b, "frank", t0).locked_out());
    // Exactly a window later the series starts again: this is failure 1 of 5.
    const auto later = t0 + 15min;
    for (int i = 0; i < 4; ++i)
        CHECK_FALSE(rl.record_auth_failure(b, "frank", later).locked_out());
    CHECK(rl.record_auth_failure(b, "frank", later).locked_out());
}

TEST_CASE("lockout: per user across addresses, per address across users")
{
    rate_limiter rl;
    // One user name failing from five addresses is locked everywhere; the addresses not.
    CHECK(lock_user(rl, "grace", t0) == 1min);
    CHECK(rl.is_locked_out(addr("192.0.2.200"), "grace", t0) == 1min);
    CHECK(rl.is_locked_out(addr("2001:db8::7"), "grace", t0) == 1min);
    CHECK(rl.is_locked_out(addr("192.0.2.200"), "heidi", t0) == std::nullopt);
    CHECK(rl.is_locked_out(nth_v4(0x0a000001), "heidi", t0) == std::nullopt);
    CHECK(rl.admit_connection(nth_v4(0x0a000001), t0));

    // One address trying five user names is locked for every name and cannot connect.
    const auto a = addr("198.51.100.77");
    for (int i = 0; i < 4; ++i)
        CHECK_FALSE(rl.record_auth_failure(a, "user" + std::to_string(i), t0).locked_out());
    const auto r = rl.record_auth_failure(a, "user4", t0);
    CHECK(r.address_locked);
    CHECK_FALSE(r.user_locked);
    CHECK(rl.is_locked_out(a, "someone_else", t0) == 1min);
    CHECK(rl.admit_connection(a, t0).status == admission_status::locked_out);

    // No user name: the address alone is counted.
    const auto b = addr("198.51.100.78");
    for (int i = 0; i < 5; ++i)
        rl.record_auth_failure(b, "", t0);
    CHECK(rl.is_locked_out(b, "", t0) == 1min);
    CHECK(rl.stats().tracked_users == 6);

    // User names are keyed by their first max_key_chars bytes.
    const std::string base(rate_limiter::max_key_chars, 'x');
    lock_user(rl, base + "tail-one", t0);
    CHECK(rl.is_locked_out(addr("192.0.2.201"), base + "tail-two", t0) == 1min);
}

TEST_CASE("sessions per token: the token's own maximum, and the global cap")
{
    auth::limits l;
    l.max_connections = 5;
    rate_limiter rl{l};
    CHECK(rl.acquire_session("tok1", 2));
    CHECK(rl.acquire_session("tok1", 2));
    const auto third = rl.acquire_session("tok1", 2);
    CHECK(third.status == admission_status::too_many_sessions);
    CHECK(third.retry_after == rate_limiter::busy_retry_after);
    CHECK(rl.session_count("tok1") == 2);
    CHECK(rl.acquire_session("tok2", 1));
    CHECK_FALSE(rl.acquire_session("tok2", 1));
    CHECK(rl.acquire_session("tok3", 0).status == admission_status::too_many_sessions);
    rl.release_session("tok1");
    CHECK(rl.session_count("tok1") == 1);
    CHECK(rl.acquire_session("tok1", 2));
    rl.release_session("unknown");
    rl.release_session("tok2");
    rl.release_session("tok2"); // one more than acquired: ignored
    CHECK(rl.session_count("tok2") == 0);
    CHECK(rl.stats().active_sessions == 2);
    CHECK(rl.stats().session_refusals == 3);

    // Five sessions in all, whatever each token allows.
    for (int i = 0; i < 3; ++i)
        CHECK(rl.acquire_session("big" + std::to_string(i), 100));
    const auto cap = rl.acquire_session("big9", 100);
    CHECK(cap.status == admission_status::global_cap);
    CHECK(cap.retry_after == rate_limiter::busy_retry_after);
}

TEST_CASE("memory: the least recently seen unlocked address and user are forgotten first")
{
    auth::limits l;
    l.max_tracked_addresses = 4;
    l.max_tracked_users = 3;
    l.lockout_threshold = 2; // a remembered failure makes the next one lock
    rate_limiter rl{l};
    for (std::uint32_t i = 0; i < 4; ++i)
        CHECK_FALSE(rl.record_auth_failure(nth_v4(i), "", t0).locked_out());
    CHECK(rl.stats().tracked_addresses == 4);
    CHECK_FALSE(rl.is_locked_out(nth_v4(0), "", t0)); // 0 is now the most recently seen
    CHECK(rl.admit_connection(nth_v4(9), t0).status == admission_status::ok); // evicts 1
    CHECK(rl.stats().tracked_addresses == 4);
    CHECK(rl.stats().address_evictions == 1);
    // 0 and 3 were remembered: their second failure locks them.
    CHECK(rl.record_auth_failure(nth_v4(0), "", t0).address_locked);
    CHECK(rl.record_auth_failure(nth_v4(3), "", t0).address_locked);
    // 1 was forgotten: this is its first failure again (and 2, the oldest now, goes).
    CHECK_FALSE(rl.record_auth_failure(nth_v4(1), "", t0).locked_out());
    CHECK(rl.stats().address_evictions == 2);
    CHECK_FALSE(rl.address_locked(nth_v4(2), t0));
    CHECK(rl.stats().tracked_addresses == 4); // address_locked did not add 2 back

    auth::limits ul;
    ul.max_tracked_users = 3;
    ul.lockout_threshold = 2;
    rate_limiter users{ul};
    for (const auto* user : {"u1", "u2", "u3"})
        users.record_auth_failure(nth_v4(0x0a000001), user, t0);
    users.record_auth_success(nth_v4(0x0a000002), "u1"); // seen: u2 is now the oldest
    users.record_auth_failure(nth_v4(0x0a000003), "u4", t0);
    CHECK(users.stats().tracked_users == 3);
    CHECK(users.stats().user_evictions == 1);
    const auto* locks = "second failure locks a remembered name";
    CHECK_MESSAGE(users.record_auth_failure(nth_v4(0x0a000004), "u3", t0).user_locked, locks);
    CHECK_MESSAGE(users.record_auth_failure(nth_v4(0x0a000005), "u4", t0).user_locked, locks);
    CHECK_FALSE(users.record_auth_failure(nth_v4(0x0a000006), "u2", t0).user_locked);
}

TEST_CASE("memory: a flood of new names or addresses cannot lift a lockout")
{
    auth::limits l;
    l.max_tracked_addresses = 4;
    l.max_tracked_users = 3;
    l.lockout_threshold = 2;
    rate_limiter rl{l};
    // One locked address among the oldest, then a flood of new addresses.
    CHECK_FALSE(rl.record_auth_failure(nth_v4(1), "", t0).locked_out());
    CHECK(rl.record_auth_failure(nth_v4(1), "", t0).address_locked);
    for (std::uint32_t i = 0; i < 200; ++i)
        REQUIRE(rl.admit_connection(nth_v4(0x0b000000 + i), t0).status == admission_status::ok);
    CHECK(rl.stats().address_evictions >= 196);
    CHECK(rl.address_locked(nth_v4(1), t0));
    CHECK(rl.admit_connection(nth_v4(1), t0).status == admission_status::locked_out);
    // When every entry is locked, a new address cannot be tracked and is not let in.
    for (std::uint32_t i = 2; i <= 4; ++i) {
        rl.record_auth_failure(nth_v4(i), "", t0);
        REQUIRE(rl.record_auth_failure(nth_v4(i), "", t0).address_locked);
    }
    CHECK(rl.stats().tracked_addresses == 4);
    const auto full = rl.admit_connection(nth_v4(99), t0);
    CHECK(full.status == admission_status::rate_limited);
    CHECK(full.retry_after == rate_limiter::busy_retry_after);
    CHECK(rl.stats().address_table_full == 1);
    // Lockouts end, and room comes back.
    const auto later = t0 + l.lockout_initial + 1s;
    CHECK(rl.admit_connection(nth_v4(99), later).status == admission_status::ok);

    // The same for user names: a locked-out user stays locked through a flood of names.
    auth::limits ul;
    ul.max_tracked_users = 3;
    ul.lockout_threshold = 2;
    rate_limiter users{ul};
    users.record_auth_failure(nth_v4(0x0a000001), "victim", t0);
    REQUIRE(users.record_auth_failure(nth_v4(0x0a000002), "victim", t0).user_locked);
    for (std::uint32_t i = 0; i < 100; ++i)
        users.record_auth_failure(nth_v4(0x0c000000 + i), "fake" + std::to_string(i), t0);
    CHECK(users.stats().user_evictions >= 98);
    CHECK(users.user_locked("victim", t0));
    CHECK(users.is_locked_out(nth_v4(0x0d000001), "victim", t0));
    // All three locked: a new name's failure is not counted; its address's still is.
    for (const auto* u : {"lock1", "lock2"}) {
        users.record_auth_failure(nth_v4(0x0e000001), u, t0 + 1ms);
        users.record_auth_failure(nth_v4(0x0e000002), u, t0 + 1ms);
    }
    REQUIRE(users.user_locked("lock1", t0 + 1ms));
    REQUIRE(users.user_locked("lock2", t0 + 1ms));
    const auto r = users.record_auth_failure(nth_v4(0x0f000001), "newname", t0 + 2ms);
    CHECK_FALSE(r.user_locked);
    CHECK(users.stats().user_table_full == 1);
    CHECK(users.record_auth_failure(nth_v4(0x0f000001), "newname2", t0 + 2ms).address_locked);
}

TEST_CASE("limits out of range are raised to the smallest that works")
{
    auth::limits l;
    l.connections_per_second = 0;
    l.connection_burst = 0;
    l.max_connections = 0;
    l.lockout_threshold = 0;
    l.lockout_initial = 0ms;
    l.lockout_max = 0ms;
    l.failure_window = 0ms;
    l.default_max_sessions = 0;
    l.max_tracked_addresses = 0;
    l.max_tracked_users = 0;
    l.ipv6_prefix_length = 1000;
    rate_limiter rl{l};
    const auto& m = rl.limits_in_use();
    CHECK(m.connections_per_second == config::limits_settings::min_connections_per_second);
    CHECK(m.connection_burst == 1);
    CHECK(m.max_connections == 1);
    CHECK(m.lockout_threshold == 1);
    CHECK(m.lockout_initial == 1ms);
    CHECK(m.lockout_max == 1ms);
    CHECK(m.failure_window == 1ms);
    CHECK(m.default_max_sessions == 0); // not used by the limiter itself
    CHECK(m.max_tracked_addresses == 1);
    CHECK(m.ipv6_prefix_length == 128);
    CHECK(rl.admit_connection(nth_v4(1), t0));
    CHECK(rl.admit_connection(nth_v4(2), t0 + 1h).status == admission_status::global_cap);
    CHECK(rl.stats().tracked_addresses == 1);

    l.lockout_initial = std::chrono::milliseconds::max();
    l.lockout_max = std::chrono::milliseconds::max();
    l.failure_window = std::chrono::milliseconds::max();
    l.connections_per_second = std::numeric_limits<double>::quiet_NaN();
    l.connection_burst = 4000000000;
    rate_limiter big{l};
    CHECK(big.limits_in_use().lockout_initial == config::limits_settings::max_lockout);
    CHECK(big.limits_in_use().lockout_max == config::limits_settings::max_lockout);
    CHECK(big.limits_in_use().failure_window == config::limits_settings::max_failure_window);
    CHECK(big.limits_in_use().connections_per_second ==
          config::limits_settings::min_connections_per_second);
    CHECK(big.limits_in_use().connection_burst == config::limits_settings::max_connection_burst);
    const auto r = big.record_auth_failure(nth_v4(1), "x", t0);
    CHECK(r.retry_after == config::limits_settings::max_lockout);
}

TEST_CASE("retry_after_seconds rounds up to whole seconds, at least 1")
{
    CHECK(auth::retry_after_seconds(0ms) == 1s);
    CHECK(auth::retry_after_seconds(200ms) == 1s);
    CHECK(auth::retry_after_seconds(1000ms) == 1s);
    CHECK(auth::retry_after_seconds(1001ms) == 2s);
    CHECK(auth::retry_after_seconds(1h) == 3600s);
    CHECK(std::string{auth::to_string(admission_status::locked_out)} == "locked_out");
    CHECK(std::string{auth::to_string(admission_status::too_many_sessions)} == "too_many_sessions");
}

TEST_CASE("random workload (fixed seed): caps hold, counts match a model, refusals say when")
{
    auth::limits l;
    l.max_tracked_addresses = 256;
    l.max_tracked_users = 64;
    l.max_connections = 500;
    rate_limiter rl{l};
    std::mt19937 rng{20240611};
    std::uniform_int_distribution<int> op{0, 9};
    std::uniform_int_distribution<std::uint32_t> address{0, 4999};
    std::uniform_int_distribution<int> user{0, 299};
    std::uniform_int_distribution<int> token{0, 49};
    std::uniform_int_distribution<int> step_ms{0, 10};
    std::bernoulli_distribution busy{0.5};

    auto now = t0;
    std::uint32_t open = 0;
    std::map<std::string, std::uint32_t> sessions;
    std::uint32_t session_total = 0;
    // Connections come from two busy addresses (their buckets empty), twenty warm ones
    // (where failures lock) and thousands that keep evicting; failures likewise split
    // between warm addresses and user names and a crowd of both.
    const address_key hot[] = {nth_v4(0xc6336401), nth_v4(0xc6336402)};
    std::uniform_int_distribution<std::uint32_t> warm{0, 19};
    std::uniform_int_distribution<int> pool{0, 2};
    std::uint64_t hot_admitted = 0;
    lru_model<address_key> address_model{l.max_tracked_addresses};
    lru_model<std::string> user_model{l.max_tracked_users};
    for (int i = 0; i < 100000; ++i) {
        now += std::chrono::milliseconds{step_ms(rng)};
        const int kind = op(rng);
        const int from = pool(rng);
        const auto a = from == 0 && kind <= 3 ? hot[i % 2]
                       : from <= 1            ? nth_v4(0x0a000000 + warm(rng))
                                              : nth_v4(0x0b000000 + address(rng));
        const auto u = "user" + std::to_string(busy(rng) ? i % 4 : user(rng));
        const auto t = "tok" + std::to_string(token(rng));
        if (kind <= 2 || kind == 4 || kind == 5)
            address_model.get(a, [&](const address_key& k) { return rl.address_locked(k, now); });
        if (kind == 4 || kind == 5)
            user_model.get(u, [&](const std::string& k) { return rl.user_locked(k, now); });
        if (kind == 6 || kind == 7) {
            address_model.find(a);
            user_model.find(u);
        }
        switch (kind) {
        case 0:
        case 1:
        case 2: {
            const auto r = rl.admit_connection(a, now);
            if (r) {
                ++open;
                hot_admitted += a == hot[0];
                CHECK(r.retry_after == 0ms);
            } else {
                CHECK(r.retry_after > 0ms);
                CHECK(r.retry_after <= l.lockout_max);
                if (r.status == admission_status::global_cap)
                    CHECK(open == l.max_connections);
            }
            break;
        }
        case 3:
            if (open > 0) {
                rl.release_connection();
                --open;
            }
            break;
        case 4:
        case 5: {
            const auto r = rl.record_auth_failure(a, u, now);
            if (r.locked_out()) {
                CHECK(r.retry_after > 0ms);
                CHECK(r.retry_after <= l.lockout_max);
                CHECK(rl.is_locked_out(a, u, now) == r.retry_after);
            }
            break;
        }
        case 6:
            rl.record_auth_success(a, u);
            break;
        case 7:
            if (const auto w = rl.is_locked_out(a, u, now))
                CHECK((*w > 0ms && *w <= l.lockout_max));
            break;
        case 8: {
            const auto r = rl.acquire_session(t, 2);
            if (r) {
                ++sessions[t];
                ++session_total;
            } else {
                // 50 tokens * 2 sessions stay below max_connections: only the token's cap.
                CHECK(r.status == admission_status::too_many_sessions);
                CHECK(sessions[t] == 2);
            }
            break;
        }
        default:
            if (sessions[t] > 0) {
                rl.release_session(t);
                --sessions[t];
                --session_total;
            }
            break;
        }
        const auto s = rl.stats();
        REQUIRE(s.tracked_addresses <= l.max_tracked_addresses);
        REQUIRE(s.tracked_users <= l.max_tracked_users);
        // Same evictions as the model: the least recently seen went, every time.
        REQUIRE(s.tracked_addresses == address_model.size());
        REQUIRE(s.address_evictions == address_model.evictions);
        REQUIRE(s.tracked_users == user_model.size());
        REQUIRE(s.user_evictions == user_model.evictions);
        REQUIRE(s.address_table_full == address_model.full);
        REQUIRE(s.user_table_full == user_model.full);
        REQUIRE(s.active_connections == open);
        REQUIRE(s.active_sessions == session_total);
        REQUIRE(rl.session_count(t) == sessions[t]);
    }
    const auto s = rl.stats();
    // The workload really exercised every limit.
    CHECK(s.tracked_addresses == l.max_tracked_addresses);
    CHECK(s.tracked_users == l.max_tracked_users);
    CHECK(s.address_evictions > 10000);
    CHECK(s.user_evictions > 1000);
    CHECK(s.lockouts > 100);
    CHECK(s.rate_limited > 100);
    CHECK(s.global_cap_refusals > 100);
    CHECK(s.locked_out_refusals > 0);
    CHECK(s.session_refusals > 0);
    // Token bucket bound for the hot address: burst + rate * elapsed.
    const double elapsed = std::chrono::duration<double>(now - t0).count();
    CHECK(static_cast<double>(hot_admitted) <=
          l.connection_burst + l.connections_per_second * elapsed);
    CHECK(hot_admitted > 0);
}
