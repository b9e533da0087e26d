// SPDX-License-Identifier: GPL-3.0-or-later
// RTKBase message lists ("1005(10),1077,1230(5)"): parser, canonical text and warnings.
#include "config/message_list.hpp"

#include "config/quote.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <utility>

namespace config {

namespace {

// Station information, repeated slowly: RTKLIB's is_stamsg set (1005-1008, 1033, 1230)
// plus 1013 (system parameters). 1029 (text) is left out on purpose: it is an event, and
// decimating it would lose messages.
constexpr std::array<std::uint16_t, 7> station_types{1005, 1006, 1007, 1008, 1013, 1033, 1230};

// Legacy observations (1004, 1012) and ephemerides (1019 GPS, 1020 GLONASS, 1042 BeiDou,
// 1046 Galileo I/NAV): a u-blox base does not emit them; they need conversion from
// UBX RXM-RAWX / RXM-SFRBX, which comes later.
constexpr std::array<std::uint16_t, 6> raw_conversion_types{1004, 1012, 1019, 1020, 1042, 1046};

bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

// Untrusted text quoted in an error: control and non-ASCII bytes as \xNN.
std::string printable(std::string_view s)
{
    std::string out;
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u >= 0x7f)
            out += fmt::format("\\x{:02x}", u);
        else
            out += c;
    }
    return out;
}

// Leading decimal digits of s (no sign, no leading zero). Returns digits consumed, or 0.
// Values past `cap` saturate at cap + 1 so overflow never happens.
std::size_t read_number(std::string_view s, std::uint32_t cap, std::uint32_t& value)
{
    std::size_t n = 0;
    value = 0;
    while (n < s.size() && is_digit(s[n])) {
        value =
            std::min<std::uint32_t>(value * 10 + static_cast<std::uint32_t>(s[n] - '0'), cap + 1);
        ++n;
    }
    return n;
}

tl::expected<message_entry, std::string> parse_entry(std::string_view e, std::size_t index)
{
    auto fail = [&](std::string_view why) {
        return tl::make_unexpected(
            fmt::format("message list entry {} \"{}\": {}", index, printable(e), why));
    };
    std::uint32_t type = 0;
    std::size_t n = read_number(e, max_message_type, type);
    if (n == 0)
        return fail("expected a message number such as 1005");
    if (n > 1 && e[0] == '0')
        return fail("leading zeros are not allowed in a message number");
    if (type < min_message_type || type > max_message_type)
        return fail(
            fmt::format("message number must be {}..{}", min_message_type, max_message_type));
    message_entry out{static_cast<std::uint16_t>(type), std::nullopt};
    std::string_view rest = e.substr(n);
    if (rest.empty())
        return out;
    if (rest.front() != '(')
        return fail("expected \"(seconds)\" or a comma after the message number");
    rest.remove_prefix(1);
    auto max_s = static_cast<std::uint32_t>(max_message_interval.count());
    std::uint32_t secs = 0;
    std::size_t m = read_number(rest, max_s, secs);
    if (m == 0)
        return fail("expected whole seconds inside the parentheses, such as 1005(10)");
    if (m > 1 && rest[0] == '0')
        return fail("leading zeros are not allowed in an interval");
    if (secs < min_message_interval.count() || secs > max_s)
        return fail(fmt::format("interval must be {}..{} seconds", min_message_interval.count(),
                                max_message_interval.count()));
    rest.remove_prefix(m);
    if (rest.empty() || rest.front() != ')')
        return fail("expected \")\" after the interval");
    if (rest.size() > 1)
        return fail("unexpected text after \")\"");
    out.interval = std::chrono::seconds{secs};
    return out;
}

} // namespace

bool is_station_message(std::uint16_t type)
{
    return std::find(station_types.begin(), station_types.end(), type) != station_types.end();
}

bool needs_raw_conversion(std::uint16_t type)
{
    return std::find(raw_conversion_types.begin(), raw_conversion_types.end(), type) !=
           raw_conversion_types.end();
}

std::chrono::seconds effective_interval(const message_entry& e)
{
    if (e.interval)
        return *e.interval;
    return is_station_message(e.type) ? default_station_interval : std::chrono::seconds{0};
}

tl::expected<message_list, std::string> parse_message_list(std::string_view text)
{
    if (text.size() > max_message_list_length)
        return tl::make_unexpected(fmt::format("message list is {} characters; the limit is {}",
                                               text.size(), max_message_list_length));
    if (trim_blanks(text).empty())
        return tl::make_unexpected(std::string(
            "message list is empty; list types such as 1005(10),1077 or omit the setting"));
    message_list list;
    std::size_t index = 1;
    for (;;) {
        std::size_t comma = text.find(',');
        std::string_view raw = text.substr(0, comma);
        std::string_view e = trim_blanks(raw);
        if (e.empty())
            return tl::make_unexpected(fmt::format(
                "message list entry {} is empty (two commas, or a comma at an end)", index));
        if (list.entries.size() == max_message_list_entries)
            return tl::make_unexpected(
                fmt::format("message list has more than {} entries", max_message_list_entries));
        auto entry = parse_entry(e, index);
        if (!entry)
            return tl::make_unexpected(entry.error());
        for (const auto& prev : list.entries)
            if (prev.type == entry->type)
                return tl::make_unexpected(fmt::format(
                    "message list entry {}: message {} is listed twice", index, entry->type));
        list.entries.push_back(*entry);
        if (comma == std::string_view::npos)
            break;
        text.remove_prefix(comma + 1);
        ++index;
    }
    return list;
}

std::string to_string(const message_list& list)
{
    std::string out;
    for (const auto& e : list.entries) {
        if (!out.empty())
            out += ',';
        out += std::to_string(e.type);
        if (e.interval)
            out += fmt::format("({})", e.interval->count());
    }
    return out;
}

std::vector<std::string> warnings(const message_list& list)
{
    std::vector<std::string> out;
    for (const auto& e : list.entries)
        if (needs_raw_conversion(e.type))
            out.push_back(
                fmt::format("message {} is listed but a u-blox base cannot produce it (it needs "
                            "raw-observation conversion, not supported yet); it will never be sent",
                            e.type));
    return out;
}

} // namespace config
