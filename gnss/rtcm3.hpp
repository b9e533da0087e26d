// SPDX-License-Identifier: GPL-3.0-or-later
// RTCM3 framing helpers and station messages 1005/1006 (reference point, antenna height).
#pragma once

#include "gnss/bytes.hpp"

#include <cstdint>
#include <optional>

namespace gnss::rtcm3 {

constexpr std::uint8_t preamble = 0xD3;
constexpr std::size_t max_payload = 1023; // 10-bit length field
constexpr std::size_t header_size = 3;
constexpr std::size_t crc_size = 3;

// The payload of a whole frame (preamble .. CRC); empty if the frame is malformed (wrong
// preamble, reserved bits set, size not matching the length field, or a bad CRC).
byte_view payload(byte_view frame);

// Wraps a payload (<= max_payload bytes) into a frame: preamble, length, payload, CRC-24Q.
// Returns an empty vector for a longer payload.
bytes make_frame(byte_view payload);

// Message number (first 12 bits of the payload) of a whole frame.
std::optional<std::uint16_t> message_type(byte_view frame);

// Reference station id (the 12 bits after the message number) for the message types
// that carry one there (1001-1013, 1019-1020 excluded, 1033, 1029, 1230, MSM, ...).
std::optional<std::uint16_t> station_id(byte_view frame);

// 1005 (and 1006 with antenna height): antenna reference point in ECEF metres.
struct station_arp
{
    std::uint16_t type = 1005;    // 1005 or 1006
    std::uint16_t station_id = 0; // 0..4095
    std::uint8_t itrf_year = 0;   // 6 bits
    bool gps = true;
    bool glonass = true;
    bool galileo = true;
    bool reference_station = false; // "reference-station indicator" (0 = real)
    bool single_receiver_oscillator = false;
    std::uint8_t quarter_cycle = 0; // 2 bits
    double x = 0, y = 0, z = 0;     // metres, resolution 0.0001
    double antenna_height = 0;      // metres, 1006 only, resolution 0.0001
};

std::optional<station_arp> decode_station_arp(byte_view frame);
// Whole frame; empty when a field is out of range (type not 1005/1006, station id > 4095,
// itrf_year > 63, quarter_cycle > 3, ECEF beyond 38 bits, height outside 0..6.5535 m, NaN).
bytes encode_station_arp(const station_arp& arp);

} // namespace gnss::rtcm3
