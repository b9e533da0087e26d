// SPDX-License-Identifier: GPL-3.0-or-later
// Tests of the WGS84 conversions against published coordinate pairs, random round trips,
// and the position text parsers.
#include "gnss/geodesy.hpp"

#include "gnss/framer.hpp"
#include "gnss/rtcm3.hpp"
#include "gnss/ubx_nav.hpp"
#include "tests/unit/test_data.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <optional>
#include <random>
#include <string>

using namespace gnss;

namespace {

constexpr double tenth_mm = 1e-4;

double distance(const ecef& a, const ecef& b)
{
    return std::sqrt((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y) +
                     (a.z - b.z) * (a.z - b.z));
}

// North, east and up differences in metres, on a sphere of the equatorial radius
// (independent of the code under test; over-estimates, never hides). Longitudes are
// compared modulo 360 so 180 and -180 are the same meridian.
struct neu
{
    double north, east, up;
};
neu apart(const llh& a, const llh& b)
{
    const double rad = std::numbers::pi / 180;
    const double dlon = std::remainder(a.lon_deg - b.lon_deg, 360.0);
    return {std::fabs(a.lat_deg - b.lat_deg) * rad * wgs84::a,
            std::fabs(dlon) * rad * wgs84::a * std::cos(a.lat_deg * rad),
            std::fabs(a.height_m - b.height_m)};
}
double metres_apart(const llh& a, const llh& b)
{
    const neu d = apart(a, b);
    return std::max({d.north, d.east, d.up});
}

double dms(int d, int m, double s)
{
    return d + m / 60.0 + s / 3600.0;
}

// A published pair: the same point in ECEF and geodetic coordinates, and per component
// how far apart the published digits allow them to be.
struct reference
{
    const char* source;
    ecef xyz;
    llh geo;
    neu tolerance_m;
};

const reference references[] = {
    // RTKLIB test/utest/t_coord.c (ecef2pos, north and mirrored south). Latitude has 9
    // decimals (0.06 mm), height 9 (RTKLIB itself checks it to 0.1 mm), but longitude
    // only 8 (0.5 mm of rounding at 31.8 degrees).
    {"RTKLIB t_coord north",
     {-3517319.7701, 4131667.9161, 3341265.1227},
     {31.796021375, 130.40799917, 68.863206206},
     {1e-4, 5e-4, 1e-4}},
    {"RTKLIB t_coord south",
     {-3517319.7701, 4131667.9161, -3341265.1227},
     {-31.796021375, 130.40799917, 68.863206206},
     {1e-4, 5e-4, 1e-4}},
    // UNAVCO/GAGE GNSS time series headers (IGS14 XYZ to 0.01 mm with lat/lon to 1e-10
    // degree, height to 0.01 mm; longitude as 0..360 east). Labelled WGS-84, but the
    // numbers are GRS80's: they differ from ours by the flattening difference (1.6e-11),
    // 0.10 mm north and 0.04 mm up at these latitudes, which the tolerance allows.
    {"GAGE P087",
     {-2155505.08986, -4365309.68601, 4110324.89307},
     {40.3632056784, 243.7207352614 - 360, 2358.39506},
     {1.2e-4, 2e-5, 6e-5}},
    {"GAGE ECFS",
     {-2447237.32873, -4718841.35070, 3514426.05680},
     {33.6476847832, 242.5883032626 - 360, 801.39372},
     {1.2e-4, 2e-5, 6e-5}},
    // NGS CORS coordinate file USMX (ITRF2014 ARP, GRS80). XYZ and height to 1 mm,
    // angles to 1e-5 arc second (0.3 mm).
    {"NGS USMX",
     {-1865330.440, -5215100.166, 3153548.237},
     {dms(29, 49, 17.95360), -dms(109, 40, 51.77933), 625.470},
     {1e-3, 1e-3, 1e-3}},
};

// The capture's base: its 1005 and the NAV-PVT position it reports in fixed mode.
constexpr ecef capture_base{4444030.8028, 3085671.2349, 3366658.2560};

} // namespace

TEST_CASE("geodesy: published coordinate pairs convert both ways")
{
    for (const auto& r : references) {
        CAPTURE(r.source);
        const llh geo = to_llh(r.xyz);
        const neu d = apart(geo, r.geo);
        CHECK(d.north <= r.tolerance_m.north);
        CHECK(d.east <= r.tolerance_m.east);
        CHECK(d.up <= r.tolerance_m.up);
        const auto& t = r.tolerance_m;
        CHECK(distance(to_ecef(r.geo), r.xyz) <=
              std::sqrt(t.north * t.north + t.east * t.east + t.up * t.up));
        // And each direction undoes the other far below the digits published.
        CHECK(distance(to_ecef(geo), r.xyz) < 1e-6);
        CHECK(metres_apart(to_llh(to_ecef(r.geo)), r.geo) < 1e-6);
    }
}

TEST_CASE("geodesy: exact points on the axes, poles and the antimeridian")
{
    auto e = to_ecef({0, 0, 0});
    CHECK(e.x == doctest::Approx(wgs84::a).epsilon(1e-15));
    CHECK(std::fabs(e.y) < 1e-9);
    CHECK(std::fabs(e.z) < 1e-9);
    e = to_ecef({0, 90, -100});
    CHECK(std::fabs(e.x) < 1e-9);
    CHECK(std::fabs(e.y - (wgs84::a - 100)) < 1e-8);
    e = to_ecef({90, 33, 25});
    CHECK(std::fabs(e.x) < 1e-9);
    CHECK(std::fabs(e.z - (wgs84::b + 25)) < 1e-8);
    // b as published for WGS84 (NIMA TR8350.2): 6356752.3142 m.
    CHECK(std::fabs(wgs84::b - 6356752.3142) < 1e-4);

    llh p = to_llh({0, 0, wgs84::b + 1234.5});
    CHECK(p.lat_deg == 90);
    CHECK(p.lon_deg == 0);
    CHECK(std::fabs(p.height_m - 1234.5) < 1e-8);
    p = to_llh({0, 0, -(wgs84::b - 500)});
    CHECK(p.lat_deg == -90);
    CHECK(std::fabs(p.height_m + 500) < 1e-8);
    // A hair off the axis: still the pole, height still exact.
    p = to_llh({1e-3, -1e-3, wgs84::b});
    CHECK(90 - p.lat_deg < 1e-7);
    CHECK(std::fabs(p.height_m) < 1e-6);
    p = to_llh({wgs84::a - 10, 0, 0});
    CHECK(p.lat_deg == 0);
    CHECK(std::fabs(p.height_m + 10) < 1e-8);

    // Antimeridian: +180 and -180 are one meridian and come back as +-180.
    for (double lon : {180.0, -180.0, 179.9999999, -179.9999999}) {
        CAPTURE(lon);
        const llh in{-12.5, lon, 42};
        const llh back = to_llh(to_ecef(in));
        CHECK(std::fabs(std::fabs(back.lon_deg) - std::fabs(lon)) < 1e-9);
        CHECK(metres_apart(back, in) < 1e-6);
    }
}

TEST_CASE("geodesy: the capture's base position, as its 1005 and NAV-PVT give it")
{
    const llh base = to_llh(capture_base);
    // NAV-PVT (fixed mode) of the same receiver: 1e-7 degree, mm.
    CHECK(std::fabs(base.lat_deg - 32.0658325) < 1e-7);
    CHECK(std::fabs(base.lon_deg - 34.7738190) < 1e-7);
    CHECK(std::fabs(base.height_m - 72.134) < 2e-3);
    CHECK(distance(to_ecef(base), capture_base) < 1e-6);

    // The same facts read from the capture itself.
    const auto data = cairn_test::capture("u-blox-f9-base-mixed-nmea-ubx-rtcm3.log");
    std::optional<rtcm3::station_arp> arp;
    std::optional<ubx::nav_pvt> pvt;
    framer f;
    f.feed(data, [&](const frame& fr) {
        if (fr.kind == frame_kind::rtcm3 && !arp)
            arp = rtcm3::decode_station_arp(fr.bytes);
        if (fr.kind == frame_kind::ubx && !pvt)
            if (auto v = ubx::parse_frame(fr.bytes))
                pvt = ubx::decode_nav_pvt(*v);
    });
    REQUIRE(arp);
    REQUIRE(pvt);
    CHECK(distance({arp->x, arp->y, arp->z}, capture_base) < 1e-9);
    const llh from_1005 = to_llh({arp->x, arp->y, arp->z});
    CHECK(std::fabs(from_1005.lat_deg - pvt->lat_deg) < 1e-7);
    CHECK(std::fabs(from_1005.lon_deg - pvt->lon_deg) < 1e-7);
    CHECK(std::fabs(from_1005.height_m - pvt->height_m) < 2e-3);
}

TEST_CASE("geodesy: fixed-seed random round trips over the globe to 0.1 mm")
{
    std::mt19937_64 rng(20240515);
    std::uniform_real_distribution<double> lat(-90, 90), lon(-180, 180),
        h(min_height_m, max_height_m), near_pole(0, 1e-6);
    double worst_llh = 0, worst_ecef = 0;
    for (int i = 0; i < 200000; ++i) {
        llh p{lat(rng), lon(rng), h(rng)};
        if (i % 10 == 0) // a tenth of the points within 0.1 m of a pole
            p.lat_deg = (i % 20 == 0 ? 90 : -90) - (i % 20 == 0 ? 1 : -1) * near_pole(rng);
        const ecef e = to_ecef(p);
        const llh back = to_llh(e);
        worst_llh = std::max(worst_llh, metres_apart(back, p));
        worst_ecef = std::max(worst_ecef, distance(to_ecef(back), e));
    }
    CHECK(worst_llh < tenth_mm / 100);
    CHECK(worst_ecef < tenth_mm / 100);
    MESSAGE("worst round trip: llh ", worst_llh, " m, ecef ", worst_ecef, " m");
}
