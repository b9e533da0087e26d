// SPDX-License-Identifier: GPL-3.0-or-later
// RTCM3 1008 (antenna descriptor and serial) and 1033 (receiver and antenna descriptors).
#pragma once

#include "gnss/bytes.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace gnss::rtcm3 {

constexpr std::size_t max_descriptor = 31; // 8-bit counter, RTCM limits these to 31 chars

struct antenna_info
{
    std::uint16_t type = 1008; // 1008 or 1033
    std::uint16_t station_id = 0;
    std::string descriptor; // antenna descriptor, e.g. "TRM59800.00     NONE"
    std::uint8_t setup_id = 0;
    std::string serial;          // antenna serial
    std::string receiver_type;   // 1033 only
    std::string firmware;        // 1033 only
    std::string receiver_serial; // 1033 only
};

// Decodes a whole 1008 or 1033 frame; nullopt for other types, a counter above
// max_descriptor, a string running past the payload, or trailing bytes.
std::optional<antenna_info> decode_antenna_info(byte_view frame);

// Encodes a whole frame; strings longer than max_descriptor, a type other than 1008/1033
// or a station id above 4095 are refused (nullopt). 1008 ignores the receiver strings.
std::optional<bytes> encode_antenna_info(const antenna_info& info);

} // namespace gnss::rtcm3
