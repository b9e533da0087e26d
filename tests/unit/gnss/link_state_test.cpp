// SPDX-License-Identifier: GPL-3.0-or-later
// Tests for the link state machine with a fake clock: every transition and the backoff.
#include "gnss/link_state.hpp"

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using gnss::link_state;
using gnss::link_status;

namespace {

// A fake steady clock: an arbitrary origin plus whatever the test advances.
struct fake_clock
{
    link_state::time_point now{std::chrono::hours{1000}};
    link_state::time_point advance(std::chrono::milliseconds d) { return now += d; }
};

} // namespace

TEST_CASE("link_state: named defaults")
{
    CHECK(gnss::backoff_policy::default_initial == 1s);
    CHECK(gnss::backoff_policy::default_max == 10s);
    CHECK(link_state::default_stale_after == 5s);
    link_state s;
    CHECK(s.stale_after() == 5s);
    CHECK(s.next_backoff() == 1s);
    CHECK(std::string(gnss::to_string(link_status::connected)) == "connected");
    CHECK(std::string(gnss::to_string(link_status::stale)) == "stale");
    CHECK(std::string(gnss::to_string(link_status::disconnected)) == "disconnected");
}

TEST_CASE("link_state: starts disconnected with no frame age and no reconnects")
{
    fake_clock c;
    link_state s;
    CHECK(s.state() == link_status::disconnected);
    CHECK_FALSE(s.last_frame_age(c.now).has_value());
    CHECK(s.reconnects() == 0);
    s.tick(c.advance(60s)); // ticking while disconnected changes nothing
    CHECK(s.state() == link_status::disconnected);
}

TEST_CASE("link_state: backoff sequence 1,2,4,8,10,10 s")
{
    fake_clock c;
    link_state s;
    std::vector<std::chrono::milliseconds> delays;
    for (int i = 0; i < 6; ++i) {
        const auto retry_at = s.on_error(c.now);
        delays.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(retry_at - c.now));
        CHECK(s.state() == link_status::disconnected);
        c.now = retry_at;
    }
    const std::vector<std::chrono::milliseconds> want{1s, 2s, 4s, 8s, 10s, 10s};
    CHECK(delays == want);
}

TEST_CASE("link_state: an open alone does not reset the backoff, a frame does")
{
    fake_clock c;
    link_state s;
    s.on_error(c.now); // 1 s
    s.on_error(c.now); // 2 s
    s.on_open_ok(c.advance(2s));
    CHECK(s.state() == link_status::connected);
    // A port that opens then fails at once (wrong device, flapping hub) keeps backing off.
    CHECK(s.on_error(c.advance(10ms)) - c.now == 4s);
    s.on_open_ok(c.advance(4s));
    s.on_frame(c.advance(100ms));
    CHECK(s.next_backoff() == 1s);
    CHECK(s.on_error(c.advance(1s)) - c.now == 1s);
}

TEST_CASE("link_state: connected -> stale -> connected on the next frame")
{
    fake_clock c;
    link_state s{5s};
    s.on_open_ok(c.now);
    s.tick(c.advance(4999ms)); // no frame yet, but measured from the open
    CHECK(s.state() == link_status::connected);
    s.tick(c.advance(1ms));
    CHECK(s.state() == link_status::stale);
    s.on_frame(c.advance(10ms));
    CHECK(s.state() == link_status::connected);
    CHECK(s.last_frame_age(c.now) == 0ms);
    s.tick(c.advance(3s));
    CHECK(s.state() == link_status::connected);
    CHECK(s.last_frame_age(c.now) == 3s);
    s.on_frame(c.now);
    s.tick(c.advance(4s)); // frames reset the clock
    CHECK(s.state() == link_status::connected);
    s.tick(c.advance(1s));
    CHECK(s.state() == link_status::stale);
}

TEST_CASE("link_state: stale -> disconnected on error, and an old frame does not count")
{
    fake_clock c;
    link_state s{5s};
    s.on_open_ok(c.now);
    s.on_frame(c.advance(1s));
    s.tick(c.advance(6s));
    REQUIRE(s.state() == link_status::stale);
    s.on_error(c.now);
    CHECK(s.state() == link_status::disconnected);
    // A frame delivered after the close (late callback) must not resurrect the link.
    s.on_frame(c.advance(1ms));
    CHECK(s.state() == link_status::disconnected);
    // After reopening, staleness is measured from the open, not the frame before it.
    s.on_open_ok(c.advance(1s));
    s.tick(c.advance(4s));
    CHECK(s.state() == link_status::connected);
    s.tick(c.advance(1s));
    CHECK(s.state() == link_status::stale);
}

TEST_CASE("link_state: a deliberate close disconnects without touching the backoff")
{
    fake_clock c;
    link_state s;
    s.on_error(c.now);
    s.on_open_ok(c.advance(1s));
    REQUIRE(s.next_backoff() == 2s);
    s.on_closed();
    CHECK(s.state() == link_status::disconnected);
    CHECK(s.next_backoff() == 2s);
    s.tick(c.advance(10s)); // a closed link never goes stale
    CHECK(s.state() == link_status::disconnected);
}

TEST_CASE("link_state: reconnects count re-opens, not the first open nor failed attempts")
{
    fake_clock c;
    link_state s;
    s.on_error(c.now); // device missing at start
    s.on_open_ok(c.advance(1s));
    CHECK(s.reconnects() == 0);
    s.on_error(c.advance(1s));
    s.on_error(c.advance(1s));
    CHECK(s.reconnects() == 0);
    s.on_open_ok(c.advance(2s));
    CHECK(s.reconnects() == 1);
    s.on_error(c.advance(1s));
    s.on_open_ok(c.advance(4s));
    CHECK(s.reconnects() == 2);
}

TEST_CASE("link_state: a custom backoff and nonsense values are repaired")
{
    fake_clock c;
    link_state fast{100ms, {50ms, 200ms}};
    std::vector<std::chrono::nanoseconds> got;
    for (int i = 0; i < 5; ++i)
        got.push_back(fast.on_error(c.now) - c.now);
    const std::vector<std::chrono::nanoseconds> want{50ms, 100ms, 200ms, 200ms, 200ms};
    CHECK(got == want);

    link_state broken{1s, {0ms, -5ms}}; // would otherwise spin
    CHECK(broken.on_error(c.now) - c.now == 1ms);
    CHECK(broken.on_error(c.now) - c.now == 1ms);
}

TEST_CASE("link_state: fixed-seed random event sequences keep the invariants")
{
    std::mt19937 rng{20240607};
    fake_clock c;
    link_state s{5s};
    std::uint64_t opens = 0;
    for (int i = 0; i < 20000; ++i) {
        c.advance(std::chrono::milliseconds{rng() % 3000});
        const auto before = s.state();
        switch (rng() % 4) {
        case 0: {
            const auto retry = s.on_error(c.now);
            CHECK(s.state() == link_status::disconnected);
            CHECK(retry - c.now >= 1s);
            CHECK(retry - c.now <= 10s);
            break;
        }
        case 1:
            s.on_open_ok(c.now);
            ++opens;
            CHECK(s.state() == link_status::connected);
            break;
        case 2:
            s.on_frame(c.now);
            CHECK(s.state() == (before == link_status::disconnected ? link_status::disconnected
                                                                    : link_status::connected));
            CHECK(s.last_frame_age(c.now) == 0ms);
            break;
        default:
            s.tick(c.now);
            // tick only ever moves connected -> stale.
            if (before != link_status::connected)
                CHECK(s.state() == before);
            break;
        }
        CHECK(s.next_backoff() >= 1s);
        CHECK(s.next_backoff() <= 10s);
        CHECK(s.reconnects() == (opens == 0 ? 0 : opens - 1));
    }
}
