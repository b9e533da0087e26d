// SPDX-License-Identifier: GPL-3.0-or-later
// The per-mountpoint filter that keeps the types of an RTKBase message list
// ("1005(10),1077,1230(5)", config/message_list.hpp) at their interval.
#pragma once

#include "config/message_list.hpp"
#include "gnss/bytes.hpp"

#include <tl/expected.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ntrip {

// The list itself is config (parsed at load); the names stay usable here.
using config::default_station_interval;
using config::effective_interval;
using config::is_station_message;
using config::max_message_interval;
using config::max_message_list_entries;
using config::max_message_list_length;
using config::max_message_type;
using config::message_entry;
using config::message_list;
using config::min_message_interval;
using config::min_message_type;
using config::needs_raw_conversion;
using config::parse_message_list;
using config::to_string;
using config::warnings;

struct message_counters
{
    std::uint64_t kept = 0;
    std::uint64_t dropped = 0;
};

// Keeps only listed types, decimated to their interval measured in (steady) time. One
// per mountpoint. Pure: the caller passes the time a frame arrived.
class message_filter
{
public:
    using clock = std::chrono::steady_clock;

    // A frame due up to this much before its interval has elapsed still counts as due,
    // so 1 Hz epochs with a little arrival jitter keep an exact 10 s cadence.
    static constexpr std::chrono::milliseconds early_tolerance{500};
    // Frames of one type within this window after a kept one belong to the same epoch
    // (an MSM split over several frames) and are kept too. Well below 100 ms so 10 Hz
    // epochs stay distinct.
    static constexpr std::chrono::milliseconds same_epoch_window{50};
    // Whole frames also follow the MSM multiple-message bit: after a kept frame with the
    // bit set, the next frame of that type is the same epoch (a slow serial link can
    // spread one epoch past same_epoch_window), unless it comes later than this.
    static constexpr std::chrono::milliseconds max_split_epoch_span{500};

    explicit message_filter(message_list list);

    // Should a frame of this message type, arriving at now, be sent? Updates counters.
    // more_follows: the frame's MSM multiple-message bit (more of this epoch follows).
    bool keep(std::uint16_t type, clock::time_point now, bool more_follows = false);
    // The same for a whole RTCM3 frame (reads the multiple-message bit of MSM frames);
    // an unreadable frame is dropped and counted.
    bool keep(gnss::byte_view rtcm3_frame, clock::time_point now);

    const message_list& list() const { return list_; }
    // Per message type, listed or not (at most 4096 keys).
    const std::map<std::uint16_t, message_counters>& counters() const { return counters_; }
    std::uint64_t unreadable() const { return unreadable_; }

private:
    struct slot
    {
        std::chrono::milliseconds interval{0};
        std::optional<clock::time_point> last_kept; // start of the last kept epoch
        bool more_follows = false;                  // last kept frame had the MSM bit
    };

    message_list list_;
    std::map<std::uint16_t, slot> slots_;
    std::map<std::uint16_t, message_counters> counters_;
    std::uint64_t unreadable_ = 0;
};

} // namespace ntrip
