// SPDX-License-Identifier: GPL-3.0-or-later
// The receiver link's state machine (connected / stale / disconnected, reconnect backoff),
// pure: the caller passes the time in, so every transition is testable with a fake clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace gnss {

enum class link_status : std::uint8_t
{
    disconnected,
    connected,
    stale
};

const char* to_string(link_status s);

// Reconnect delays: start at `initial`, double after every failed attempt, never exceed
// `max`. A receiver that is unplugged for an hour is retried every 10 s, not every 1 s
// (log and CPU noise), yet a brief USB glitch recovers within a second.
struct backoff_policy
{
    static constexpr std::chrono::milliseconds default_initial{1000};
    static constexpr std::chrono::milliseconds default_max{10000};

    std::chrono::milliseconds initial = default_initial;
    std::chrono::milliseconds max = default_max;
};

class link_state
{
public:
    using clock = std::chrono::steady_clock;
    using time_point = clock::time_point;
    using duration = std::chrono::milliseconds;

    // A u-blox base sends several frames per second; 5 s of silence means it is wedged,
    // misconfigured or at the wrong baud even though the port is open.
    static constexpr duration default_stale_after{5000};

    explicit link_state(duration stale_after = default_stale_after, backoff_policy backoff = {});

    // The port opened: connected. Staleness is measured from now until the first frame.
    void on_open_ok(time_point now);

    // An open or read failed, or the device went away: disconnected. Returns when to try
    // to open again and doubles the next delay (up to the cap).
    time_point on_error(time_point now);

    // The port was closed on purpose (shutdown): disconnected, backoff unchanged.
    void on_closed() { state_ = link_status::disconnected; }

    // The owner's framer produced a valid frame: connected again if stale, and the open
    // is proven good, so the next failure retries after the initial delay again.
    void on_frame(time_point now);

    // Called periodically: connected -> stale after stale_after without a valid frame.
    void tick(time_point now);

    link_status state() const { return state_; }
    // Successful opens that followed a lost or failed connection (the first open is not one).
    std::uint64_t reconnects() const { return reconnects_; }
    // Time since the last valid frame; empty if none has been seen since construction.
    std::optional<duration> last_frame_age(time_point now) const;
    // The delay on_error would use next.
    duration next_backoff() const { return next_backoff_; }
    duration stale_after() const { return stale_after_; }

private:
    duration stale_after_;
    backoff_policy backoff_;
    duration next_backoff_;
    link_status state_ = link_status::disconnected;
    bool ever_opened_ = false;
    time_point opened_at_{};
    std::optional<time_point> last_frame_;
    std::uint64_t reconnects_ = 0;
};

} // namespace gnss
