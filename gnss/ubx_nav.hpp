// SPDX-License-Identifier: GPL-3.0-or-later
// UBX NAV messages Cairn reads: NAV-PVT, NAV-SAT, NAV-SIG, NAV-SVIN (decode and encode).
#pragma once

#include "gnss/ubx.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace gnss::ubx {

constexpr std::size_t nav_pvt_size = 92;
constexpr std::size_t nav_svin_size = 40;
constexpr std::size_t max_nav_sat_svs = 255;
constexpr std::size_t max_nav_sig_sigs = 255;

struct nav_pvt
{
    std::uint32_t itow_ms = 0;
    std::uint16_t year = 0;
    std::uint8_t month = 0, day = 0, hour = 0, minute = 0, second = 0;
    std::uint8_t valid = 0;
    std::uint32_t time_accuracy_ns = 0;
    std::int32_t nano = 0;
    std::uint8_t fix_type = 0; // 0 none, 1 DR, 2 2D, 3 3D, 4 GNSS+DR, 5 time only
    std::uint8_t flags = 0;
    std::uint8_t flags2 = 0;
    std::uint8_t satellites_used = 0;
    double lon_deg = 0, lat_deg = 0; // 1e-7 deg on the wire
    double height_m = 0;             // ellipsoid, mm on the wire
    double height_msl_m = 0;
    double h_accuracy_m = 0, v_accuracy_m = 0;
    std::int32_t vel_n_mm_s = 0, vel_e_mm_s = 0, vel_d_mm_s = 0;
    std::int32_t ground_speed_mm_s = 0;
    std::int32_t heading_motion = 0; // 1e-5 deg
    std::uint32_t speed_accuracy = 0;
    std::uint32_t heading_accuracy = 0;
    double pdop = 0;                  // 0.01 on the wire
    std::uint16_t flags3 = 0;         // bit 0 invalidLlh, bits 1-4 lastCorrectionAge
    std::int32_t heading_vehicle = 0; // 1e-5 deg
    std::int16_t mag_declination = 0; // 1e-2 deg
    std::uint16_t mag_accuracy = 0;   // 1e-2 deg
    bool gnss_fix_ok() const { return flags & 0x01; }
    bool operator==(const nav_pvt&) const = default;
};
// Decoders check class, id and exact length, and never read past the payload.
std::optional<nav_pvt> decode_nav_pvt(const view& msg);
// Whole frame. Out-of-range values saturate; reserved bytes (payload 80-83) are zero,
// so a receiver's frame re-encodes equal except there.
bytes encode_nav_pvt(const nav_pvt& p);

struct nav_sat_sv
{
    std::uint8_t gnss_id = 0; // 0 GPS, 1 SBAS, 2 Galileo, 3 BeiDou, 5 QZSS, 6 GLONASS
    std::uint8_t sv_id = 0;
    std::uint8_t cno_dbhz = 0;
    std::int8_t elevation_deg = 0;
    std::int16_t azimuth_deg = 0;
    std::int16_t pr_residual_dm = 0; // 0.1 m
    std::uint32_t flags = 0;         // bit 3 = svUsed
    bool used() const { return flags & 0x08; }
    bool operator==(const nav_sat_sv&) const = default;
};
struct nav_sat
{
    std::uint32_t itow_ms = 0;
    std::vector<nav_sat_sv> svs;
    bool operator==(const nav_sat&) const = default;
};
// Version 1 only; rejects a length other than 8 + 12 x numSvs.
std::optional<nav_sat> decode_nav_sat(const view& msg);
bytes encode_nav_sat(const nav_sat& s); // whole frame; at most max_nav_sat_svs entries

struct nav_sig_signal
{
    std::uint8_t gnss_id = 0, sv_id = 0, sig_id = 0, freq_id = 0;
    std::int16_t pr_residual_dm = 0;
    std::uint8_t cno_dbhz = 0;
    std::uint8_t quality = 0;
    std::uint8_t corr_source = 0, iono_model = 0;
    std::uint16_t flags = 0; // bit 3 = prUsed
    bool used() const { return flags & 0x08; }
    bool operator==(const nav_sig_signal&) const = default;
};
struct nav_sig
{
    std::uint32_t itow_ms = 0;
    std::vector<nav_sig_signal> signals;
    bool operator==(const nav_sig&) const = default;
};
// Version 0 only; rejects a length other than 8 + 16 x numSigs.
std::optional<nav_sig> decode_nav_sig(const view& msg);
bytes encode_nav_sig(const nav_sig& s); // whole frame; at most max_nav_sig_sigs entries

struct nav_svin
{
    std::uint32_t itow_ms = 0;
    std::uint32_t duration_s = 0;
    double mean_x_m = 0, mean_y_m = 0, mean_z_m = 0; // cm + 0.1 mm HP on the wire
    double mean_accuracy_m = 0;                      // 0.1 mm on the wire
    std::uint32_t observations = 0;
    bool valid = false;
    bool active = false;
    bool operator==(const nav_svin&) const = default;
};
// Version 0 only. The encoder splits each mean into cm and a 0.1 mm part of -50..50,
// as the F9P does, so real frames re-encode byte for byte.
std::optional<nav_svin> decode_nav_svin(const view& msg);
bytes encode_nav_svin(const nav_svin& s);

} // namespace gnss::ubx
