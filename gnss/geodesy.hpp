// SPDX-License-Identifier: GPL-3.0-or-later
// WGS84 geodesy for the station position: latitude/longitude/height <-> ECEF. The
// position text itself is parsed when the config is loaded (config/position.hpp).
#pragma once

#include "config/position.hpp"

namespace gnss {

// Earth-centred, earth-fixed coordinates in metres.
struct ecef
{
    double x = 0, y = 0, z = 0;
    bool operator==(const ecef&) const = default;
};

// Geodetic latitude and longitude in decimal degrees, WGS84 ellipsoidal height in metres.
struct llh
{
    double lat_deg = 0, lon_deg = 0, height_m = 0;
    bool operator==(const llh&) const = default;
};

namespace wgs84 {
constexpr double a = 6378137.0;         // semi-major axis, m
constexpr double f = 1 / 298.257223563; // flattening
constexpr double b = a * (1 - f);       // semi-minor axis, m
constexpr double e2 = f * (2 - f);      // first eccentricity squared
} // namespace wgs84

// Antenna heights a base can have (WGS84 ellipsoidal): below the Dead Sea shore to above
// any mountain (config/position.hpp checks typed positions against the same band).
constexpr double min_height_m = -1000;
constexpr double max_height_m = 10000;
// An ECEF point must lie within this band of distances from the Earth's centre (the
// ellipsoid spans 6356.8-6378.1 km; the band adds the heights and catches km/m mix-ups).
constexpr double min_ecef_radius_m = 6'350'000;
constexpr double max_ecef_radius_m = 6'390'000;

// Geodetic to ECEF (closed form, exact to rounding).
ecef to_ecef(const llh& p);

// ECEF to geodetic: Bowring's iteration to convergence; better than 1e-6 m for points
// within max_height_m of the ellipsoid, poles and the Earth's axis included. Longitude
// is in (-180, 180]; on the axis it is 0.
llh to_llh(const ecef& p);

} // namespace gnss
