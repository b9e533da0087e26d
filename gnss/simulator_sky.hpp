// SPDX-License-Identifier: GPL-3.0-or-later
// Where the simulated satellites are: circular orbits drawn from the seed, and the sky
// (elevation, azimuth, range, C/N0) they make over the station at any epoch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace gnss {

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

// Per-epoch noise in [0, 1) as a pure function of (seed, epoch, a, b), so that any epoch
// can be built alone and two purposes (a, b) never share a draw.
double simulator_noise(std::uint64_t seed, std::uint64_t index, std::uint64_t a,
                       std::uint64_t b = 0);

class simulator_sky
{
public:
    // Satellites below this are not tracked (the F9P default CFG-NAVSPG-INFIL_MINELEV).
    static constexpr double elevation_mask_deg = 10.0;
    // Per constellation, keeps each MSM7 at <= 32 cells (~450 bytes) and NAV-SAT short.
    static constexpr std::size_t max_satellites_per_system = 16;

    // GPS, GLONASS, Galileo and BeiDou orbits for `seed`, seen from the antenna at ECEF
    // (x, y, z) metres.
    simulator_sky(std::uint32_t seed, double ecef_x_m, double ecef_y_m, double ecef_z_m);

    // Satellites above the mask at GPS time `gps_ms` (ms since 1980-01-06), at most
    // max_satellites_per_system (the highest) per system, ordered by gnss_id then sv_id.
    // `index` is the epoch number: it keys the C/N0 noise.
    std::vector<sky_satellite> at(std::uint64_t gps_ms, std::uint32_t index) const;

    // Geodetic station position: radians, and metres above the WGS84 ellipsoid.
    double latitude() const { return lat_; }
    double longitude() const { return lon_; }
    double height() const { return height_; }

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

    std::uint32_t seed_;
    double x_, y_, z_;                      // antenna, ECEF metres
    double lat_ = 0, lon_ = 0, height_ = 0; // the same, geodetic (radians, metres)
    std::vector<orbit> orbits_;
};

} // namespace gnss
