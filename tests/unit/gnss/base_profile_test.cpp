// SPDX-License-Identifier: GPL-3.0-or-later
// Tests of base-station profiles: names, validation messages, the high-precision position
// split and the exact key/values each profile writes.
#include "gnss/base_profile.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <string>

namespace ubx = gnss::ubx;

namespace {

// name -> value, failing the test on an id outside the table or a key given twice.
std::map<std::string, ubx::cfg_value> by_name(const std::vector<ubx::cfg_value>& values)
{
    std::map<std::string, ubx::cfg_value> out;
    for (const auto& v : values) {
        const auto* k = ubx::find_key(v.id);
        REQUIRE(k != nullptr);
        CHECK(out.emplace(std::string(k->name), v).second);
    }
    return out;
}

std::map<std::string, ubx::cfg_value> values_of(const ubx::base_profile& p)
{
    const auto v = ubx::profile_values(p);
    REQUIRE_MESSAGE(v.has_value(), v.error());
    return by_name(*v);
}

std::string error_of(const ubx::base_profile& p)
{
    const auto v = ubx::profile_values(p);
    REQUIRE(!v.has_value());
    return v.error();
}

std::uint64_t port_value(const std::map<std::string, ubx::cfg_value>& m, const std::string& key)
{
    // Both ports must carry the same rate.
    const auto uart = m.at(key + "_UART1").as_unsigned();
    CHECK(m.at(key + "_USB").as_unsigned() == uart);
    return uart;
}

// Standard part + HP part, back in metres (0.1 mm HP) or degrees (1e-9 deg HP).
double joined(const std::map<std::string, ubx::cfg_value>& m, const std::string& key,
              double hp_per_unit)
{
    const auto standard = m.at(key).as_signed();
    const auto hp = m.at(key + "_HP").as_signed();
    CHECK(hp >= -99);
    CHECK(hp <= 99);
    CHECK((hp == 0 || standard == 0 || (hp < 0) == (standard < 0))); // same sign
    return static_cast<double>(standard * 100 + hp) / hp_per_unit;
}

ubx::base_profile fixed(ubx::fixed_position pos)
{
    ubx::base_profile p;
    p.mode = ubx::base_mode::fixed;
    p.position = pos;
    return p;
}

} // namespace

TEST_CASE("base_profile: mode and MSM names parse back")
{
    for (const auto m : {ubx::base_mode::fixed, ubx::base_mode::survey_in})
        CHECK(ubx::parse_base_mode(ubx::to_string(m)) == m);
    for (const auto k : {ubx::msm_kind::msm4, ubx::msm_kind::msm7})
        CHECK(ubx::parse_msm_kind(ubx::to_string(k)) == k);
    CHECK(std::string(ubx::to_string(ubx::base_mode::fixed)) == "base-fixed");
    CHECK(std::string(ubx::to_string(ubx::base_mode::survey_in)) == "survey-in");
    CHECK_FALSE(ubx::parse_base_mode("fixed").has_value());
    CHECK_FALSE(ubx::parse_base_mode("Survey-In").has_value());
    CHECK_FALSE(ubx::parse_base_mode("").has_value());
    CHECK_FALSE(ubx::parse_msm_kind("msm5").has_value());
    CHECK_FALSE(ubx::parse_msm_kind("MSM7").has_value());
}

TEST_CASE("base_profile: default survey-in profile, every key and value")
{
    const ubx::base_profile p;
    CHECK(p.mode == ubx::base_mode::survey_in);
    const auto raw = ubx::profile_values(p);
    REQUIRE(raw.has_value());
    // One CFG-VALSET holds it all, so the receiver applies it all or nothing.
    CHECK(raw->size() == 40);
    CHECK(raw->size() <= ubx::max_cfg_keys);
    CHECK(ubx::encode_valset({ubx::layer_bit::ram, ubx::transaction::none, *raw}).has_value());
    CHECK(ubx::find_key(raw->back().id)->name == "CFG-TMODE-MODE"); // mode after its inputs

    const auto m = by_name(*raw);
    CHECK(m.at("CFG-TMODE-MODE").as_unsigned() == 1);
    CHECK(m.at("CFG-TMODE-SVIN_MIN_DUR").as_unsigned() == 60);
    CHECK(m.at("CFG-TMODE-SVIN_ACC_LIMIT").as_unsigned() == 20000); // 2 m in 0.1 mm
    CHECK(m.count("CFG-TMODE-POS_TYPE") == 0);                      // no position in survey-in
    CHECK(m.count("CFG-TMODE-FIXED_POS_ACC") == 0);
    for (const auto* msm7 : {"1077", "1087", "1097", "1127"})
        CHECK(port_value(m, std::string("CFG-MSGOUT-RTCM_3X_TYPE") + msm7) == 1);
    for (const auto* msm4 : {"1074", "1084", "1094", "1124"})
        CHECK(port_value(m, std::string("CFG-MSGOUT-RTCM_3X_TYPE") + msm4) == 0);
    CHECK(port_value(m, "CFG-MSGOUT-RTCM_3X_TYPE1005") == 10);
    CHECK(port_value(m, "CFG-MSGOUT-RTCM_3X_TYPE1230") == 10);
    CHECK(port_value(m, "CFG-MSGOUT-RTCM_3X_TYPE4072_0") == 0);
    for (const auto* nav : {"PVT", "SAT", "SIG", "SVIN"})
        CHECK(port_value(m, std::string("CFG-MSGOUT-UBX_NAV_") + nav) == 1);
    for (const auto* proto : {"CFG-UART1OUTPROT-UBX", "CFG-UART1OUTPROT-RTCM3X",
                              "CFG-USBOUTPROT-UBX", "CFG-USBOUTPROT-RTCM3X"})
        CHECK(m.at(proto).as_bool());
    CHECK(m.at("CFG-RATE-MEAS").as_unsigned() == 1000);
    CHECK(m.at("CFG-RATE-NAV").as_unsigned() == 1);
    CHECK(m.at("CFG-NAVSPG-DYNMODEL").as_unsigned() == 2);
}

TEST_CASE("base_profile: MSM4, intervals and monitoring off")
{
    ubx::base_profile p;
    p.msm = ubx::msm_kind::msm4;
    p.station_interval_s = 1;
    p.interval_1230_s = 255;
    p.monitoring = false;
    p.svin_min_duration_s = 3600;
    p.svin_accuracy_limit_m = 0.5;
    const auto m = values_of(p);
    for (const auto* msm4 : {"1074", "1084", "1094", "1124"})
        CHECK(port_value(m, std::string("CFG-MSGOUT-RTCM_3X_TYPE") + msm4) == 1);
    for (const auto* msm7 : {"1077", "1087", "1097", "1127"})
        CHECK(port_value(m, std::string("CFG-MSGOUT-RTCM_3X_TYPE") + msm7) == 0);
    CHECK(port_value(m, "CFG-MSGOUT-RTCM_3X_TYPE1005") == 1);
    CHECK(port_value(m, "CFG-MSGOUT-RTCM_3X_TYPE1230") == 255);
    for (const auto* nav : {"PVT", "SAT", "SIG", "SVIN"})
        CHECK(port_value(m, std::string("CFG-MSGOUT-UBX_NAV_") + nav) == 0);
    CHECK(m.at("CFG-TMODE-SVIN_MIN_DUR").as_unsigned() == 3600);
    CHECK(m.at("CFG-TMODE-SVIN_ACC_LIMIT").as_unsigned() == 5000);
}

TEST_CASE("base_profile: fixed ECEF position, real base coordinates and a negative one")
{
    // The 1005 position in u-blox-f9-base-mixed-nmea-ubx-rtcm3.log.
    auto m = values_of(fixed(ubx::fixed_ecef{4444030.8028, 3085671.2349, 3366658.2560}));
    CHECK(m.size() == 46);
    CHECK(m.at("CFG-TMODE-MODE").as_unsigned() == 2);
    CHECK(m.at("CFG-TMODE-POS_TYPE").as_unsigned() == 0);
    CHECK(m.at("CFG-TMODE-ECEF_X").as_signed() == 444403080);
    CHECK(m.at("CFG-TMODE-ECEF_X_HP").as_signed() == 28);
    CHECK(m.at("CFG-TMODE-ECEF_Y").as_signed() == 308567123);
    CHECK(m.at("CFG-TMODE-ECEF_Y_HP").as_signed() == 49);
    CHECK(m.at("CFG-TMODE-ECEF_Z").as_signed() == 336665825);
    CHECK(m.at("CFG-TMODE-ECEF_Z_HP").as_signed() == 60);
    CHECK(m.at("CFG-TMODE-FIXED_POS_ACC").as_unsigned() == 500); // 5 cm default
    CHECK(m.count("CFG-TMODE-LAT") == 0);
    CHECK(m.count("CFG-TMODE-SVIN_MIN_DUR") == 0);

    // Western and southern hemisphere: every part negative, HP included.
    m = values_of(fixed(ubx::fixed_ecef{-2694892.4567, -4293099.0001, -3857878.9999}));
    CHECK(m.at("CFG-TMODE-ECEF_X").as_signed() == -269489245);
    CHECK(m.at("CFG-TMODE-ECEF_X_HP").as_signed() == -67);
    CHECK(m.at("CFG-TMODE-ECEF_Y_HP").as_signed() == -1);
    CHECK(m.at("CFG-TMODE-ECEF_Z").as_signed() == -385787899);
    CHECK(m.at("CFG-TMODE-ECEF_Z_HP").as_signed() == -99);
    CHECK(joined(m, "CFG-TMODE-ECEF_X", 1e4) == doctest::Approx(-2694892.4567).epsilon(1e-15));
    CHECK(std::fabs(joined(m, "CFG-TMODE-ECEF_Y", 1e4) + 4293099.0001) < 0.5e-4);
}

TEST_CASE("base_profile: fixed LLH position with negative latitude and longitude")
{
    auto p = fixed(ubx::fixed_llh{-33.856789123, -70.123456789, -12.3456});
    p.fixed_accuracy_m = 0.0123;
    const auto m = values_of(p);
    CHECK(m.at("CFG-TMODE-POS_TYPE").as_unsigned() == 1);
    CHECK(m.at("CFG-TMODE-LAT").as_signed() == -338567891);
    CHECK(m.at("CFG-TMODE-LAT_HP").as_signed() == -23);
    CHECK(m.at("CFG-TMODE-LON").as_signed() == -701234567);
    CHECK(m.at("CFG-TMODE-LON_HP").as_signed() == -89);
    CHECK(m.at("CFG-TMODE-HEIGHT").as_signed() == -1234);
    CHECK(m.at("CFG-TMODE-HEIGHT_HP").as_signed() == -56);
    CHECK(m.at("CFG-TMODE-FIXED_POS_ACC").as_unsigned() == 123);
    CHECK(std::fabs(joined(m, "CFG-TMODE-LAT", 1e9) + 33.856789123) < 0.5e-9);
    CHECK(std::fabs(joined(m, "CFG-TMODE-LON", 1e9) + 70.123456789) < 0.5e-9);
    CHECK(std::fabs(joined(m, "CFG-TMODE-HEIGHT", 1e4) + 12.3456) < 0.5e-4);
    CHECK(m.count("CFG-TMODE-ECEF_X") == 0);

    // The extremes of the ranges encode without overflow.
    const auto edge = values_of(fixed(ubx::fixed_llh{90, -180, gnss::max_height_m}));
    CHECK(edge.at("CFG-TMODE-LAT").as_signed() == 900000000);
    CHECK(edge.at("CFG-TMODE-LON").as_signed() == -1800000000);
    CHECK(edge.at("CFG-TMODE-LON_HP").as_signed() == 0);
}

TEST_CASE("base_profile: split_hp reproduces the input, fixed-seed random")
{
    std::mt19937_64 rng(0xBA5E);
    std::uniform_real_distribution<double> metres(-gnss::max_ecef_radius_m,
                                                  gnss::max_ecef_radius_m);
    std::uniform_real_distribution<double> degrees(-180.0, 180.0);
    for (int i = 0; i < 20000; ++i) {
        const bool deg = i % 2 == 1;
        const double v = deg ? degrees(rng) : metres(rng);
        const double units = deg ? 1e9 : 1e4;
        const auto parts = ubx::split_hp(v, units);
        REQUIRE(parts.has_value());
        CHECK(parts->hp >= -99);
        CHECK(parts->hp <= 99);
        CHECK((parts->hp == 0 || (parts->hp < 0) == (v < 0)));
        const double back = (static_cast<double>(parts->standard) * 100 + parts->hp) / units;
        // Within half an HP unit, plus the double's own rounding.
        CHECK(std::fabs(back - v) <= 0.5 / units + std::fabs(v) * 1e-15);
    }
    CHECK(ubx::split_hp(150.5, 1) == ubx::hp_parts{1, 51}); // half a unit rounds away from 0
    CHECK(ubx::split_hp(-0.5, 1) == ubx::hp_parts{0, -1});
    CHECK(ubx::split_hp(-0.0099, 1e4) == ubx::hp_parts{0, -99});
    CHECK(ubx::split_hp(-0.01, 1e4) == ubx::hp_parts{-1, 0});
    CHECK_FALSE(ubx::split_hp(std::numeric_limits<double>::quiet_NaN(), 1e4).has_value());
    CHECK_FALSE(ubx::split_hp(std::numeric_limits<double>::infinity(), 1e4).has_value());
    CHECK_FALSE(ubx::split_hp(3e7, 1e4).has_value()); // 3e9 cm does not fit I4
    CHECK(ubx::split_hp(2.1e7, 1e4).has_value());
}

TEST_CASE("base_profile: validation errors name the field")
{
    const double nan = std::numeric_limits<double>::quiet_NaN();
    struct bad_case
    {
        ubx::base_profile p;
        const char* field;
    };
    std::vector<bad_case> cases;
    const auto add = [&](auto change, const char* field) {
        ubx::base_profile p;
        change(p);
        cases.push_back({p, field});
    };
    const auto with_pos = [&](ubx::fixed_position pos, const char* field) {
        cases.push_back({fixed(pos), field});
    };
    add([](auto& p) { p.station_interval_s = 0; }, "station_interval_s");
    add([](auto& p) { p.station_interval_s = 256; }, "station_interval_s");
    add([](auto& p) { p.interval_1230_s = 0; }, "interval_1230_s");
    add([](auto& p) { p.interval_1230_s = 1000; }, "interval_1230_s");
    add([](auto& p) { p.svin_min_duration_s = 0; }, "svin_min_duration_s");
    add([](auto& p) { p.svin_min_duration_s = ubx::max_svin_min_duration_s + 1; },
        "svin_min_duration_s");
    add([](auto& p) { p.svin_accuracy_limit_m = 0; }, "svin_accuracy_limit_m");
    add([](auto& p) { p.svin_accuracy_limit_m = -1; }, "svin_accuracy_limit_m");
    add([&](auto& p) { p.svin_accuracy_limit_m = nan; }, "svin_accuracy_limit_m");
    add([](auto& p) { p.svin_accuracy_limit_m = 0.00001; }, "svin_accuracy_limit_m");
    add([](auto& p) { p.svin_accuracy_limit_m = 101; }, "svin_accuracy_limit_m");
    const ubx::fixed_ecef good{4444030.8028, 3085671.2349, 3366658.2560};
    auto acc = fixed(good);
    acc.fixed_accuracy_m = 0;
    cases.push_back({acc, "fixed_accuracy_m"});
    acc.fixed_accuracy_m = nan;
    cases.push_back({acc, "fixed_accuracy_m"});
    with_pos(ubx::fixed_ecef{}, "ECEF");                                 // all zero: unset
    with_pos(ubx::fixed_ecef{4444.0308, 3085.6712, 3366.6582}, "units"); // km, not m
    with_pos(ubx::fixed_ecef{4444030.8, 3085671.2, 3366658.2 + 100000}, "ECEF");
    with_pos(ubx::fixed_ecef{nan, 0, 6378137}, "ECEF");
    with_pos(ubx::fixed_llh{90.5, 0, 0}, "latitude");
    with_pos(ubx::fixed_llh{nan, 0, 0}, "latitude");
    with_pos(ubx::fixed_llh{45, 180.01, 0}, "longitude");
    with_pos(ubx::fixed_llh{45, -200, 0}, "longitude");
    with_pos(ubx::fixed_llh{45, 7, 12000}, "height");
    with_pos(ubx::fixed_llh{45, 7, -1500}, "height");
    for (const auto& c : cases) {
        const auto e = error_of(c.p);
        INFO(e);
        CHECK(e.find(c.field) != std::string::npos);
    }
    // Fields a mode does not use are not checked: survey-in ignores the (unset) position.
    CHECK(ubx::profile_values(ubx::base_profile{}).has_value());
    auto f = fixed(good);
    f.svin_accuracy_limit_m = 0;
    CHECK(ubx::profile_values(f).has_value());
}
