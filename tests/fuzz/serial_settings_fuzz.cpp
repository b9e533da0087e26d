// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: the one-line value parsers, parse_serial_settings and parse_duration,
// on arbitrary text. Accepted values must be in range and round-trip through their
// writers; rejections must be one-line messages.
#include "config/duration.hpp"
#include "config/serial_settings.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text{reinterpret_cast<const char*>(data), size};

    const auto serial = config::parse_serial_settings(text);
    if (serial) {
        const auto& s = *serial;
        const auto& rates = config::standard_baud_rates;
        if (std::find(rates.begin(), rates.end(), s.baud) == rates.end() ||
            s.data_bits < config::min_data_bits || s.data_bits > config::max_data_bits ||
            (s.stop_bits != 1 && s.stop_bits != 2))
            __builtin_trap();
        const auto again = config::parse_serial_settings(s.to_string());
        if (!again || *again != s)
            __builtin_trap();
    } else if (serial.error().empty() || serial.error().find('\n') != std::string::npos) {
        __builtin_trap();
    }

    const auto duration = config::parse_duration(text);
    if (duration) {
        if (duration->count() <= 0 || *duration > config::max_duration)
            __builtin_trap();
        const auto again = config::parse_duration(config::format_duration(*duration));
        if (!again || *again != *duration)
            __builtin_trap();
    } else if (duration.error().empty() || duration.error().find('\n') != std::string::npos) {
        __builtin_trap();
    }
    return 0;
}
