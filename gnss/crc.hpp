// SPDX-License-Identifier: GPL-3.0-or-later
// Checksums of the three protocols on a u-blox port: CRC-24Q, UBX Fletcher-8, NMEA XOR.
#pragma once

#include "gnss/bytes.hpp"

#include <cstdint>
#include <string_view>
#include <utility>

namespace gnss {

// CRC-24Q (RTCM 10403, polynomial 0x1864CFB, initial value 0) over data.
std::uint32_t crc24q(byte_view data);

// UBX 8-bit Fletcher checksum (ck_a, ck_b) over class, id, length and payload.
std::pair<std::uint8_t, std::uint8_t> ubx_checksum(byte_view data);

// NMEA XOR of the characters between '$' and '*' (exclusive).
std::uint8_t nmea_checksum(std::string_view body);

} // namespace gnss
