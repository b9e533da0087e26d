// SPDX-License-Identifier: GPL-3.0-or-later
// WGS84 geodetic <-> ECEF conversions.
#include "gnss/geodesy.hpp"

#include <cmath>
#include <numbers>

namespace gnss {
namespace {

constexpr double deg = std::numbers::pi / 180;
// Bowring's method gains about three digits per step; 5 steps reach the double limit
// from any start, the cap only guards against a pathological input looping forever.
constexpr int max_iterations = 8;

} // namespace

ecef to_ecef(const llh& p)
{
    const double lat = p.lat_deg * deg;
    const double lon = p.lon_deg * deg;
    const double s = std::sin(lat);
    const double c = std::cos(lat);
    const double n = wgs84::a / std::sqrt(1 - wgs84::e2 * s * s); // prime vertical radius
    return {(n + p.height_m) * c * std::cos(lon), (n + p.height_m) * c * std::sin(lon),
            (n * (1 - wgs84::e2) + p.height_m) * s};
}

llh to_llh(const ecef& p)
{
    using namespace wgs84;
    constexpr double ep2 = e2 / (1 - e2); // second eccentricity squared
    const double r = std::hypot(p.x, p.y);
    // Parametric latitude first guess; the iteration refines the geodetic latitude from it.
    double beta = std::atan2(p.z, (1 - f) * r);
    double lat = 0;
    for (int i = 0; i < max_iterations; ++i) {
        const double sb = std::sin(beta);
        const double cb = std::cos(beta);
        lat = std::atan2(p.z + ep2 * b * sb * sb * sb, r - e2 * a * cb * cb * cb);
        const double next = std::atan2((1 - f) * std::sin(lat), std::cos(lat));
        if (std::fabs(next - beta) < 1e-15)
            break;
        beta = next;
    }
    const double s = std::sin(lat);
    // This form has no 1/cos(lat), so it stays exact at the poles.
    const double h = r * std::cos(lat) + p.z * s - a * std::sqrt(1 - e2 * s * s);
    const double lon = r == 0 ? 0.0 : std::atan2(p.y, p.x);
    return {lat / deg, lon / deg, h};
}

} // namespace gnss
