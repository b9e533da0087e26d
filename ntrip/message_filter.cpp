// SPDX-License-Identifier: GPL-3.0-or-later
// The per-mountpoint decimating filter for RTKBase message lists.
#include "ntrip/message_filter.hpp"

#include "gnss/rtcm3.hpp"
#include "gnss/rtcm3_msm.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <utility>

namespace ntrip {

message_filter::message_filter(message_list list) : list_(std::move(list))
{
    for (const auto& e : list_.entries)
        slots_[e.type].interval = effective_interval(e);
}

bool message_filter::keep(std::uint16_t type, clock::time_point now, bool more_follows)
{
    auto& count = counters_[type];
    auto it = slots_.find(type);
    if (it == slots_.end()) {
        ++count.dropped;
        return false;
    }
    slot& s = it->second;
    bool due = false;
    if (s.interval.count() == 0) {
        due = true;
    } else if (!s.last_kept || now < *s.last_kept) {
        // First frame of this type, or a clock going backwards (a replay restart): send.
        due = true;
        s.last_kept = now;
    } else if (now - *s.last_kept < same_epoch_window ||
               (s.more_follows && now - *s.last_kept < max_split_epoch_span)) {
        due = true; // the rest of an epoch already started; the anchor stays
    } else if (now - *s.last_kept + early_tolerance >= s.interval) {
        due = true;
        s.last_kept = now;
    }
    if (due)
        s.more_follows = more_follows;
    ++(due ? count.kept : count.dropped);
    return due;
}

bool message_filter::keep(gnss::byte_view rtcm3_frame, clock::time_point now)
{
    auto type = gnss::rtcm3::message_type(rtcm3_frame);
    if (!type) {
        ++unreadable_;
        return false;
    }
    bool more_follows = false;
    if (gnss::rtcm3::msm_type(*type))
        if (auto h = gnss::rtcm3::decode_msm_header(rtcm3_frame))
            more_follows = h->multiple_message;
    return keep(*type, now, more_follows);
}

} // namespace ntrip
