// SPDX-License-Identifier: GPL-3.0-or-later
// Fuzzes the message-list parser (accepted lists must round-trip through to_string) and
// drives a filter built from it with input-chosen types and times, checking its counters.
#include "config/message_list.hpp"
#include "ntrip/message_filter.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    // First byte: how much of the rest is list text; the remainder is filter events.
    std::size_t text_len = std::min<std::size_t>(data[0] * 8u, size - 1);
    std::string_view text(reinterpret_cast<const char*>(data + 1), text_len);
    auto list = ntrip::parse_message_list(text);
    if (!list) {
        if (list.error().empty())
            __builtin_trap();
        return 0;
    }
    if (list->entries.empty() || list->entries.size() > ntrip::max_message_list_entries)
        __builtin_trap();
    auto canonical = ntrip::to_string(*list);
    if (canonical.size() > text.size())
        __builtin_trap(); // canonical text only drops blanks
    auto again = ntrip::parse_message_list(canonical);
    if (!again || !(*again == *list) || ntrip::to_string(*again) != canonical)
        __builtin_trap();
    for (const auto& e : list->entries) {
        auto iv = ntrip::effective_interval(e);
        if (iv.count() < 0 || iv > ntrip::max_message_interval)
            __builtin_trap();
    }

    // Events: 2 bytes type (12 bits; bit 12 = MSM multiple-message), 2 bytes time step in ms (high
    // bit: step backwards).
    ntrip::message_filter f(*list);
    ntrip::message_filter::clock::time_point now{};
    std::uint64_t calls = 0;
    for (std::size_t i = 1 + text_len; i + 4 <= size; i += 4) {
        auto type = static_cast<std::uint16_t>((data[i] << 8 | data[i + 1]) & 0x0FFF);
        auto step = static_cast<std::uint16_t>(data[i + 2] << 8 | data[i + 3]);
        std::chrono::milliseconds d(step & 0x7FFF);
        now += (step & 0x8000) ? -d : d;
        bool listed = false;
        for (const auto& e : list->entries)
            listed = listed || e.type == type;
        bool more = (data[i] & 0x10) != 0;
        if (f.keep(type, now, more) && !listed)
            __builtin_trap();
        ++calls;
    }
    std::uint64_t counted = 0;
    for (const auto& [type, c] : f.counters())
        counted += c.kept + c.dropped;
    if (counted != calls)
        __builtin_trap();
    return 0;
}
