// SPDX-License-Identifier: GPL-3.0-or-later
// RTCM3 framing (preamble, length, CRC-24Q) and the station messages 1005/1006.
#include "gnss/rtcm3.hpp"

#include "gnss/crc.hpp"

#include <cmath>

namespace gnss::rtcm3 {
namespace {

// Bit sizes of 1005/1006 (RTCM 10403.3 table 3.5-5/6): 152 and 168 bits, byte aligned.
constexpr std::size_t arp_1005_bytes = 19;
constexpr std::size_t arp_1006_bytes = 21;
constexpr unsigned ecef_bits = 38;
constexpr double ecef_resolution = 0.0001;   // metres per unit of DF025-DF027
constexpr double height_resolution = 0.0001; // metres per unit of DF028
constexpr std::int64_t ecef_max = (std::int64_t{1} << (ecef_bits - 1)) - 1;
constexpr std::int64_t ecef_min = -ecef_max - 1;
constexpr std::int64_t height_max = 0xFFFF;
constexpr std::uint16_t max_station_id = 4095;
constexpr std::uint8_t max_itrf_year = 63;
constexpr std::uint8_t max_quarter_cycle = 3;

// Message numbers whose DF003 reference station id sits right after the message number.
// Ephemerides (1019, 1020, 1041-1046) carry a satellite id there, network messages
// (1014-1017, 1037-1039) a network id, SSR (1057-1068, 1240-1263) an epoch time,
// 1030/1031 an epoch time, and 4001-4095 are proprietary.
bool has_station_id(std::uint16_t type)
{
    if (type >= 1001 && type <= 1013)
        return true;
    if (type == 1029 || (type >= 1032 && type <= 1035) || type == 1230)
        return true;
    if (type >= 1071 && type <= 1137)
        return (type - 1071) % 10 < 7; // MSM1-7 of each system; x8-x0 are reserved
    return false;
}

// Scaled value as an integer, or nullopt when it is not finite or out of [lo, hi].
std::optional<std::int64_t> scaled(double value, double resolution, std::int64_t lo,
                                   std::int64_t hi)
{
    if (!std::isfinite(value))
        return std::nullopt;
    double units = std::round(value / resolution);
    if (units < static_cast<double>(lo) || units > static_cast<double>(hi))
        return std::nullopt;
    return static_cast<std::int64_t>(units);
}

} // namespace

byte_view payload(byte_view frame)
{
    if (frame.size() < header_size + crc_size || frame[0] != preamble || (frame[1] & 0xFC) != 0)
        return {};
    std::size_t length = static_cast<std::size_t>((frame[1] & 0x03) << 8 | frame[2]);
    if (frame.size() != header_size + length + crc_size)
        return {};
    std::size_t body = header_size + length;
    std::uint32_t want = static_cast<std::uint32_t>(frame[body]) << 16 |
                         static_cast<std::uint32_t>(frame[body + 1]) << 8 | frame[body + 2];
    if (crc24q(frame.first(body)) != want)
        return {};
    return frame.subspan(header_size, length);
}

bytes make_frame(byte_view payload)
{
    if (payload.size() > max_payload)
        return {};
    bytes out;
    out.reserve(header_size + payload.size() + crc_size);
    out.push_back(preamble);
    out.push_back(static_cast<std::uint8_t>(payload.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(payload.size() & 0xFF));
    out.insert(out.end(), payload.begin(), payload.end());
    std::uint32_t crc = crc24q(out);
    out.push_back(static_cast<std::uint8_t>(crc >> 16));
    out.push_back(static_cast<std::uint8_t>(crc >> 8));
    out.push_back(static_cast<std::uint8_t>(crc));
    return out;
}

std::optional<std::uint16_t> message_type(byte_view frame)
{
    byte_view p = payload(frame);
    if (p.size() < 2)
        return std::nullopt;
    return static_cast<std::uint16_t>(p[0] << 4 | p[1] >> 4);
}

std::optional<std::uint16_t> station_id(byte_view frame)
{
    byte_view p = payload(frame);
    if (p.size() < 3)
        return std::nullopt;
    bit_reader r(p);
    auto type = static_cast<std::uint16_t>(r.u(12));
    if (!has_station_id(type))
        return std::nullopt;
    return static_cast<std::uint16_t>(r.u(12));
}

std::optional<station_arp> decode_station_arp(byte_view frame)
{
    byte_view p = payload(frame);
    if (p.size() < 2)
        return std::nullopt;
    bit_reader r(p);
    station_arp arp;
    arp.type = static_cast<std::uint16_t>(r.u(12));
    // Exact sizes: a longer payload is not a 1005/1006 we could re-encode faithfully.
    if (!(arp.type == 1005 && p.size() == arp_1005_bytes) &&
        !(arp.type == 1006 && p.size() == arp_1006_bytes))
        return std::nullopt;
    arp.station_id = static_cast<std::uint16_t>(r.u(12));
    arp.itrf_year = static_cast<std::uint8_t>(r.u(6));
    arp.gps = r.u(1) != 0;
    arp.glonass = r.u(1) != 0;
    arp.galileo = r.u(1) != 0;
    arp.reference_station = r.u(1) != 0;
    arp.x = static_cast<double>(r.s(ecef_bits)) * ecef_resolution;
    arp.single_receiver_oscillator = r.u(1) != 0;
    r.skip(1); // DF001 reserved
    arp.y = static_cast<double>(r.s(ecef_bits)) * ecef_resolution;
    arp.quarter_cycle = static_cast<std::uint8_t>(r.u(2));
    arp.z = static_cast<double>(r.s(ecef_bits)) * ecef_resolution;
    if (arp.type == 1006)
        arp.antenna_height = static_cast<double>(r.u(16)) * height_resolution;
    if (r.overrun())
        return std::nullopt;
    return arp;
}

bytes encode_station_arp(const station_arp& arp)
{
    if ((arp.type != 1005 && arp.type != 1006) || arp.station_id > max_station_id ||
        arp.itrf_year > max_itrf_year || arp.quarter_cycle > max_quarter_cycle)
        return {};
    auto x = scaled(arp.x, ecef_resolution, ecef_min, ecef_max);
    auto y = scaled(arp.y, ecef_resolution, ecef_min, ecef_max);
    auto z = scaled(arp.z, ecef_resolution, ecef_min, ecef_max);
    auto h = scaled(arp.type == 1006 ? arp.antenna_height : 0.0, height_resolution, 0, height_max);
    if (!x || !y || !z || !h)
        return {};
    bit_writer w;
    w.u(arp.type, 12);
    w.u(arp.station_id, 12);
    w.u(arp.itrf_year, 6);
    w.u(arp.gps, 1);
    w.u(arp.glonass, 1);
    w.u(arp.galileo, 1);
    w.u(arp.reference_station, 1);
    w.s(*x, ecef_bits);
    w.u(arp.single_receiver_oscillator, 1);
    w.u(0, 1); // DF001 reserved
    w.s(*y, ecef_bits);
    w.u(arp.quarter_cycle, 2);
    w.s(*z, ecef_bits);
    if (arp.type == 1006)
        w.u(static_cast<std::uint64_t>(*h), 16);
    return make_frame(w.data());
}

} // namespace gnss::rtcm3
