// SPDX-License-Identifier: GPL-3.0-or-later
// A deterministic ZED-F9P base station: the bytes its port sends at 1 Hz in fixed (or
// survey-in) mode, for --demo and for tests that must not depend on a receiver.
#pragma once

#include "gnss/bytes.hpp"

#include <cstdint>
#include <vector>

namespace gnss {

struct simulator_options
{
    std::uint32_t seed = 1;
    // Antenna reference point (ECEF, metres); the default is the base of the real capture.
    double ecef_x_m = 4444030.8028;
    double ecef_y_m = 3085671.2349;
    double ecef_z_m = 3366658.2560;
    double geoid_separation_m = 17.5; // geoid above the ellipsoid at the station
    std::uint16_t station_id = 0;     // 0..4095 (larger values become 4095)
    // GPS time of epoch 0 (integers, not a clock): 2022-02-08 08:41:59 UTC.
    std::uint16_t gps_week = 2196;
    std::uint32_t start_tow_ms = 204'137'000;
    std::uint32_t station_interval = 1; // a 1005 every N epochs (N >= 1)
    // Survey-in instead of a fixed position: NAV-SVIN every epoch, converging; 1005 only
    // once it is valid, carrying the surveyed mean (as the F9P does).
    bool svin = false;
    std::uint32_t svin_min_duration_s = 60;
    double svin_accuracy_limit_m = 2.0;
};

// One tracked satellite at one epoch (what NAV-SAT and the MSM7 messages describe).
struct sky_satellite
{
    std::uint8_t gnss_id = 0; // UBX numbering: 0 GPS, 2 Galileo, 3 BeiDou, 6 GLONASS
    std::uint8_t sv_id = 0;   // PRN, or GLONASS slot
    double elevation_deg = 0;
    double azimuth_deg = 0; // 0..360, clockwise from north
    double range_m = 0;
    double cno_dbhz = 0;
};

class simulator
{
public:
    static constexpr std::uint32_t epoch_interval_ms = 1000;
    static constexpr std::uint16_t max_station_id = 4095; // 12 bits in RTCM3
    // Upper bound of one epoch's bytes. A real F9P base port carries ~2-3 KB a second
    // (2.9 KB in the capture); ours measured 2.1-3.2 KB over a day at any latitude.
    static constexpr std::size_t max_epoch_bytes = 3584;
    // Satellites below this are not tracked (the F9P default CFG-NAVSPG-INFIL_MINELEV).
    static constexpr double elevation_mask_deg = 10.0;
    // Per constellation, keeps each MSM7 at <= 32 cells (~450 bytes) and NAV-SAT short.
    static constexpr std::size_t max_satellites_per_system = 16;

    explicit simulator(simulator_options options = {});

    // The bytes of epoch `index` (0 = start time), in a real F9P's order: RTCM3 1005,
    // MSM7 1077/1087/1097/1127, 1230; UBX NAV-PVT, NAV-SAT; NMEA RMC, VTG, GGA, GSA x4,
    // GSV, GLL; then NAV-SVIN when surveying. Pure: the same options and index always
    // give the same bytes.
    bytes epoch(std::uint32_t index) const;

    // The epoch after the one next() returned last (the first call gives epoch 0).
    bytes next() { return epoch(next_index_++); }

    // The MON-VER reply of a ZED-F9P with HPG 1.32 firmware (whole UBX frame).
    bytes mon_ver() const;

    // Satellites tracked at epoch `index`, ordered by gnss_id then sv_id.
    std::vector<sky_satellite> sky(std::uint32_t index) const;

    // GPS time of epoch `index` in milliseconds since the GPS epoch (1980-01-06).
    std::uint64_t gps_time_ms(std::uint32_t index) const;

    const simulator_options& options() const { return options_; }

private:
    // A circular orbit; the sky is computed from these, so any epoch can be built alone.
    struct orbit
    {
        std::uint8_t gnss_id = 0;
        std::uint8_t sv_id = 0;
        double radius_m = 0;
        double inclination = 0; // radians
        double raan = 0;        // right ascension of the ascending node at t = 0, radians
        double phase = 0;       // argument of latitude at t = 0, radians
    };

    simulator_options options_;
    std::vector<orbit> orbits_;
    double lat_ = 0, lon_ = 0, height_ = 0; // geodetic station position (radians, metres)
    std::uint32_t next_index_ = 0;
};

} // namespace gnss
