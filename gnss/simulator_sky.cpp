// SPDX-License-Identifier: GPL-3.0-or-later
// The simulated sky: Walker-like circular orbits drawn from the seed, and each epoch's
// elevation, azimuth, range and C/N0 as seen from the station.
#include "gnss/simulator_sky.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <random>

namespace gnss {

namespace {

constexpr double pi = std::numbers::pi;
constexpr double deg = pi / 180.0;
constexpr double mu = 3.986004418e14;          // WGS84 gravitational parameter, m^3/s^2
constexpr double earth_rate = 7.2921151467e-5; // rad/s
constexpr double wgs84_a = 6'378'137.0;
constexpr double wgs84_f = 1.0 / 298.257223563;

struct constellation_shape
{
    std::uint8_t gnss_id;
    double radius_m;
    double inclination_deg;
    int planes; // orbital planes the satellites are spread over
    std::vector<int> ids;
};

std::vector<int> id_range(int first, int last, std::vector<int> more = {})
{
    for (int i = first; i <= last; ++i)
        more.push_back(i);
    return more;
}

// In the order the seed's draws are made (GPS, GLONASS, Galileo, BeiDou): reordering
// would change every simulated sky.
const std::array<constellation_shape, 4>& constellations()
{
    static const std::array<constellation_shape, 4> s = {{
        {0, 26'559'700, 55.0, 6, id_range(1, 32)},
        {6, 25'508'000, 64.8, 3, id_range(1, 24)},
        {2, 29'599'800, 56.0, 3, {1,  2,  3,  4,  5,  7,  8,  9,  10, 11, 12, 13,
                                  15, 19, 21, 24, 25, 26, 27, 30, 31, 33, 34, 36}},
        {3, 27'906'100, 55.0, 3, id_range(19, 46, {11, 12, 14})},
    }};
    return s;
}

// SplitMix64's finaliser: a cheap, well-mixed hash, so noise needs no generator state.
std::uint64_t mix(std::uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

// std::mt19937's output is fixed by the standard; distributions are not, so scale by hand.
double uniform(std::mt19937& rng)
{
    return rng() / 4294967296.0;
}

struct geodetic
{
    double lat, lon, height;
};

geodetic to_geodetic(double x, double y, double z)
{
    const double e2 = wgs84_f * (2 - wgs84_f);
    const double p = std::hypot(x, y);
    double lat = std::atan2(z, p * (1 - e2));
    double height = 0;
    for (int i = 0; i < 8; ++i) { // converges to < 1e-9 m in a few steps
        double s = std::sin(lat);
        double n = wgs84_a / std::sqrt(1 - e2 * s * s);
        height = p / std::cos(lat) - n;
        lat = std::atan2(z, p * (1 - e2 * n / (n + height)));
    }
    return {lat, std::atan2(y, x), height};
}

} // namespace

double simulator_noise(std::uint64_t seed, std::uint64_t index, std::uint64_t a, std::uint64_t b)
{
    std::uint64_t h = mix(mix(mix(mix(seed) ^ index) ^ a) ^ b);
    return static_cast<double>(h >> 11) / static_cast<double>(1ull << 53); // [0, 1)
}

simulator_sky::simulator_sky(std::uint32_t seed, double ecef_x_m, double ecef_y_m, double ecef_z_m)
    : seed_(seed), x_(ecef_x_m), y_(ecef_y_m), z_(ecef_z_m)
{
    geodetic g = to_geodetic(x_, y_, z_);
    lat_ = g.lat;
    lon_ = g.lon;
    height_ = g.height;
    // Walker-like constellations (even planes, even slots, planes phased against each
    // other) so coverage is as even as the real ones; the seed turns each constellation
    // as a whole and nudges every satellite a little.
    std::mt19937 rng(seed_);
    constexpr double nudge = 5 * deg;
    for (const constellation_shape& s : constellations()) {
        const double raan0 = 2 * pi * uniform(rng);
        const double phase0 = 2 * pi * uniform(rng);
        const auto count = static_cast<int>(s.ids.size());
        const int per_plane = (count + s.planes - 1) / s.planes;
        for (int k = 0; k < count; ++k) {
            const int plane = k % s.planes, slot = k / s.planes;
            orbit o;
            o.gnss_id = s.gnss_id;
            o.sv_id = static_cast<std::uint8_t>(s.ids[static_cast<std::size_t>(k)]);
            o.radius_m = s.radius_m;
            o.inclination = s.inclination_deg * deg;
            o.raan = raan0 + 2 * pi * plane / s.planes + nudge * (2 * uniform(rng) - 1);
            o.phase = phase0 + 2 * pi * slot / per_plane + 2 * pi * plane / count +
                      nudge * (2 * uniform(rng) - 1);
            orbits_.push_back(o);
        }
    }
}

std::vector<sky_satellite> simulator_sky::at(std::uint64_t gps_ms, std::uint32_t index) const
{
    const double t = static_cast<double>(gps_ms) / 1000.0;
    const double sl = std::sin(lat_), cl = std::cos(lat_);
    const double so = std::sin(lon_), co = std::cos(lon_);
    std::vector<sky_satellite> all;
    for (const orbit& o : orbits_) {
        // Circular orbit in inertial space, seen from the rotating Earth.
        const double u = std::fmod(o.phase + std::sqrt(mu / std::pow(o.radius_m, 3)) * t, 2 * pi);
        const double node = std::fmod(o.raan - earth_rate * t, 2 * pi);
        const double ci = std::cos(o.inclination), si = std::sin(o.inclination);
        const double sx =
            o.radius_m * (std::cos(node) * std::cos(u) - std::sin(node) * std::sin(u) * ci);
        const double sy =
            o.radius_m * (std::sin(node) * std::cos(u) + std::cos(node) * std::sin(u) * ci);
        const double sz = o.radius_m * std::sin(u) * si;
        const double dx = sx - x_, dy = sy - y_, dz = sz - z_;
        const double east = -so * dx + co * dy;
        const double north = -sl * co * dx - sl * so * dy + cl * dz;
        const double up = cl * co * dx + cl * so * dy + sl * dz;
        const double el = std::atan2(up, std::hypot(east, north)) / deg;
        if (el < elevation_mask_deg)
            continue;
        sky_satellite s;
        s.gnss_id = o.gnss_id;
        s.sv_id = o.sv_id;
        s.elevation_deg = el;
        s.azimuth_deg = std::fmod(std::atan2(east, north) / deg + 360.0, 360.0);
        s.range_m = std::sqrt(dx * dx + dy * dy + dz * dz);
        s.cno_dbhz = 30.0 + 20.0 * std::sin(el * deg) +
                     2.0 * simulator_noise(seed_, index, o.gnss_id, o.sv_id) - 1.0;
        all.push_back(s);
    }
    // Keep the highest satellites of each system, then order as NAV-SAT does.
    std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
        return a.gnss_id != b.gnss_id ? a.gnss_id < b.gnss_id : a.elevation_deg > b.elevation_deg;
    });
    std::vector<sky_satellite> kept;
    std::size_t in_system = 0;
    for (std::size_t i = 0; i < all.size(); ++i) {
        in_system = (i > 0 && all[i].gnss_id == all[i - 1].gnss_id) ? in_system + 1 : 0;
        if (in_system < max_satellites_per_system)
            kept.push_back(all[i]);
    }
    std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) {
        return a.gnss_id != b.gnss_id ? a.gnss_id < b.gnss_id : a.sv_id < b.sv_id;
    });
    return kept;
}

} // namespace gnss
