// SPDX-License-Identifier: GPL-3.0-or-later
// Per-mountpoint RTCM3 message lists in RTKBase syntax ("1005(10),1077,1230(5)"): the
// parser, config warnings, and the filter that keeps listed types at their interval.
#pragma once

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

// Named limits of a message list. RTCM3 message numbers are 12 bits; 0 is not a message.
constexpr std::uint16_t min_message_type = 1;
constexpr std::uint16_t max_message_type = 4095;
// Whole seconds only: an interval below one epoch is meaningless, above an hour is a typo.
constexpr std::chrono::seconds min_message_interval{1};
constexpr std::chrono::seconds max_message_interval{3600};
// Station messages (1005, 1006, ...) without an interval go out this often, as str2str
// does (RTKLIB streamsvr.c write_sta_cycle: tint 0 means 30000 ms).
constexpr std::chrono::seconds default_station_interval{30};
// Bounds on untrusted config text: characters and entries.
constexpr std::size_t max_message_list_length = 1024;
constexpr std::size_t max_message_list_entries = 64;

// One entry: a message type and the interval written after it, if any.
struct message_entry
{
    std::uint16_t type = 0;
    std::optional<std::chrono::seconds> interval; // as written; none = type default

    bool operator==(const message_entry&) const = default;
};

struct message_list
{
    std::vector<message_entry> entries; // in written order, no duplicate types

    bool operator==(const message_list&) const = default;
};

// Station-information types: sent at default_station_interval when no interval is given.
bool is_station_message(std::uint16_t type);
// Types a u-blox receiver in base mode cannot emit; they need raw-observation conversion.
bool needs_raw_conversion(std::uint16_t type);

// How often an entry goes out; zero means every frame (every epoch).
std::chrono::seconds effective_interval(const message_entry& e);

// Parses "type[(seconds)][,type[(seconds)]...]". Spaces and tabs are tolerated around
// entries (around commas and at the ends), never inside one ("10 05", "1005 (10)" are
// refused). Decimal only, no leading zeros, no duplicates, no empty entries.
tl::expected<message_list, std::string> parse_message_list(std::string_view text);

// Canonical text without spaces; parse_message_list(to_string(l)) == l.
std::string to_string(const message_list& list);

// One line per listed type that this receiver mode cannot produce, naming the type.
std::vector<std::string> warnings(const message_list& list);

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
