// SPDX-License-Identifier: GPL-3.0-or-later
// Serial line settings in RTKBase syntax, "baud:bits:parity:stop[:flow]".
#pragma once

#include <tl/expected.hpp>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace config {

enum class parity
{
    none,
    even,
    odd
};
enum class flow_control
{
    none,
    rtscts,
    xonxoff
};

struct serial_settings
{
    unsigned baud = 115200;
    unsigned data_bits = 8;
    parity par = parity::none;
    unsigned stop_bits = 1;
    flow_control flow = flow_control::none;

    // "115200:8:n:1", with ":rts" or ":xon" appended when flow control is on;
    // parse_serial_settings reads it back unchanged.
    std::string to_string() const;

    bool operator==(const serial_settings&) const = default;
};

// The rates termios can set on Linux (B1200..B4000000); a u-blox F9P uses 9600..921600.
inline constexpr std::array<unsigned, 22> standard_baud_rates{
    1200,   1800,   2400,   4800,    9600,    19200,   38400,   57600,   115200,  230400,  460800,
    500000, 576000, 921600, 1000000, 1152000, 1500000, 2000000, 2500000, 3000000, 3500000, 4000000,
};
inline constexpr unsigned min_data_bits = 5;
inline constexpr unsigned max_data_bits = 8;

// Longest settings text accepted; "4000000:8:n:2:xonxoff" has 21 characters.
inline constexpr std::size_t max_serial_settings_chars = 64;

// RTKBase/str2str syntax, e.g. "115200:8:n:1" or "921600:8:N:1:off": parity n/e/o
// (any case), flow off|none|rts|rtscts|xon|xonxoff, baud one of standard_baud_rates,
// data bits 5-8, stop bits 1 or 2. The error says which field is wrong and what fits.
tl::expected<serial_settings, std::string> parse_serial_settings(std::string_view text);

// "n", "e", "o" and "none", "rts", "xon": the forms to_string writes.
std::string_view to_string(parity p);
std::string_view to_string(flow_control f);

} // namespace config
