// SPDX-License-Identifier: GPL-3.0-or-later
// RTCM3 message lists in RTKBase syntax ("1005(10),1077,1230(5)"): parsed when the config
// is loaded, so a bad list stops start-up with file and line; ntrip::message_filter applies them.
#pragma once

#include <tl/expected.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace config {

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

} // namespace config
