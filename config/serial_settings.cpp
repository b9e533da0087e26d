// SPDX-License-Identifier: GPL-3.0-or-later
// Serial line settings in RTKBase syntax, "baud:bits:parity:stop[:flow]".
#include "config/serial_settings.hpp"

#include "config/quote.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <vector>

namespace config {
namespace {

constexpr std::size_t min_fields = 4;
constexpr std::size_t max_fields = 5;

std::string lower(std::string_view text)
{
    std::string out{text};
    std::transform(out.begin(), out.end(), out.begin(), [](char c) {
        return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    });
    return out;
}

// Digits only: from_chars alone would accept a partial match such as "8x".
std::optional<unsigned> to_unsigned(std::string_view text)
{
    if (text.empty() ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size())
        return std::nullopt; // out of range
    return value;
}

std::vector<std::string_view> split(std::string_view text)
{
    std::vector<std::string_view> fields;
    std::size_t start = 0;
    while (fields.size() <= max_fields) {
        const auto colon = text.find(':', start);
        fields.push_back(
            text.substr(start, colon == std::string_view::npos ? colon : colon - start));
        if (colon == std::string_view::npos)
            break;
        start = colon + 1;
    }
    return fields;
}

std::string baud_list()
{
    return fmt::format("{}", fmt::join(standard_baud_rates, ", "));
}

} // namespace

std::string_view to_string(parity p)
{
    switch (p) {
    case parity::even:
        return "e";
    case parity::odd:
        return "o";
    case parity::none:
        break;
    }
    return "n";
}

std::string_view to_string(flow_control f)
{
    switch (f) {
    case flow_control::rtscts:
        return "rts";
    case flow_control::xonxoff:
        return "xon";
    case flow_control::none:
        break;
    }
    return "none";
}

std::string serial_settings::to_string() const
{
    auto text = fmt::format("{}:{}:{}:{}", baud, data_bits, config::to_string(par), stop_bits);
    if (flow != flow_control::none)
        text += fmt::format(":{}", config::to_string(flow));
    return text;
}

tl::expected<serial_settings, std::string> parse_serial_settings(std::string_view text)
{
    const auto fail = [&](std::string_view why) {
        return tl::unexpected(
            fmt::format("invalid serial settings {}: {} (expected baud:bits:parity:stop[:flow], "
                        "e.g. \"115200:8:n:1\")",
                        quote(text), why));
    };
    if (text.size() > max_serial_settings_chars)
        return fail(fmt::format("longer than {} characters", max_serial_settings_chars));
    const auto fields = split(text);
    if (fields.size() < min_fields || fields.size() > max_fields)
        return fail(fmt::format("{} fields separated by ':', need 4 or 5",
                                fields.size() > max_fields ? "more than 5"
                                                           : std::to_string(fields.size())));

    serial_settings s;
    const auto baud = to_unsigned(fields[0]);
    if (!baud || std::find(standard_baud_rates.begin(), standard_baud_rates.end(), *baud) ==
                     standard_baud_rates.end())
        return fail(fmt::format("baud {} is not one of {}", quote(fields[0]), baud_list()));
    s.baud = *baud;

    const auto bits = to_unsigned(fields[1]);
    if (!bits || *bits < min_data_bits || *bits > max_data_bits)
        return fail(fmt::format("data bits {} must be {} to {}", quote(fields[1]), min_data_bits,
                                max_data_bits));
    s.data_bits = *bits;

    const auto par = lower(fields[2]);
    if (par == "n")
        s.par = parity::none;
    else if (par == "e")
        s.par = parity::even;
    else if (par == "o")
        s.par = parity::odd;
    else
        return fail(fmt::format("parity {} must be n, e or o", quote(fields[2])));

    const auto stop = to_unsigned(fields[3]);
    if (!stop || (*stop != 1 && *stop != 2))
        return fail(fmt::format("stop bits {} must be 1 or 2", quote(fields[3])));
    s.stop_bits = *stop;

    if (fields.size() == max_fields) {
        const auto flow = lower(fields[4]);
        if (flow == "off" || flow == "none")
            s.flow = flow_control::none;
        else if (flow == "rts" || flow == "rtscts")
            s.flow = flow_control::rtscts;
        else if (flow == "xon" || flow == "xonxoff")
            s.flow = flow_control::xonxoff;
        else
            return fail(
                fmt::format("flow control {} must be off, none, rts, rtscts, xon or xonxoff",
                            quote(fields[4])));
    }
    return s;
}

} // namespace config
