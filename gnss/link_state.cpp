// SPDX-License-Identifier: GPL-3.0-or-later
// The receiver link's state machine: transitions, backoff doubling and staleness.
#include "gnss/link_state.hpp"

#include <algorithm>

namespace gnss {

const char* to_string(link_status s)
{
    switch (s) {
    case link_status::disconnected:
        return "disconnected";
    case link_status::connected:
        return "connected";
    case link_status::stale:
        return "stale";
    }
    return "unknown";
}

namespace {

// A zero or negative delay would turn a missing device into a busy loop, and a cap below
// the start would make the sequence shrink; both are caller mistakes we quietly repair.
backoff_policy sane(backoff_policy b)
{
    b.initial = std::max(b.initial, std::chrono::milliseconds{1});
    b.max = std::max(b.max, b.initial);
    return b;
}

} // namespace

link_state::link_state(duration stale_after, backoff_policy backoff)
    : stale_after_(stale_after), backoff_(sane(backoff)), next_backoff_(backoff_.initial)
{
}

void link_state::on_open_ok(time_point now)
{
    if (ever_opened_)
        ++reconnects_;
    ever_opened_ = true;
    opened_at_ = now;
    state_ = link_status::connected;
}

link_state::time_point link_state::on_error(time_point now)
{
    state_ = link_status::disconnected;
    const duration delay = next_backoff_;
    next_backoff_ = std::min(next_backoff_ * 2, backoff_.max);
    return now + delay;
}

void link_state::on_frame(time_point now)
{
    last_frame_ = now;
    if (state_ == link_status::disconnected)
        return; // a late frame from a port already closed proves nothing about the next
    state_ = link_status::connected;
    next_backoff_ = backoff_.initial;
}

void link_state::tick(time_point now)
{
    if (state_ != link_status::connected)
        return;
    // A frame from before this open does not count: the port must prove itself anew.
    time_point since = opened_at_;
    if (last_frame_ && *last_frame_ > since)
        since = *last_frame_;
    if (now - since >= stale_after_)
        state_ = link_status::stale;
}

std::optional<link_state::duration> link_state::last_frame_age(time_point now) const
{
    if (!last_frame_)
        return std::nullopt;
    return std::chrono::duration_cast<duration>(now - *last_frame_);
}

} // namespace gnss
