// SPDX-License-Identifier: GPL-3.0-or-later
// Station text parsers: RTKBase positions (LLH and ECEF) and antenna info, with every
// refusal naming what is wrong, round trips and a fixed-seed random case.
#include "config/position.hpp"

#include <doctest/doctest.h>

#include <random>
#include <string>

using config::station_position;

TEST_CASE("position: RTKBase 'lat lon height' forms")
{
    struct row
    {
        const char* text;
        double lat, lon, h;
    };
    const row rows[] = {
        {"47.0123456789 2.0123456789 123.456", 47.0123456789, 2.0123456789, 123.456},
        {"'47.0123456789 2.0123456789 123.456'", 47.0123456789, 2.0123456789, 123.456},
        {"\"-33.9 151.2 40\"", -33.9, 151.2, 40},
        {"  0 0 0  ", 0, 0, 0},
        {"90\t-180\t-12.5", 90, -180, -12.5},
        {"+45.5 +7.25 +300", 45.5, 7.25, 300},
    };
    for (const auto& r : rows) {
        CAPTURE(r.text);
        auto p = config::parse_llh_text(r.text);
        REQUIRE_MESSAGE(p.has_value(), (p ? "" : p.error()));
        CHECK(p->frame == station_position::frame_kind::llh);
        CHECK(p->a == r.lat);
        CHECK(p->b == r.lon);
        CHECK(p->c == r.h);
    }
}

TEST_CASE("position: every refusal says what is wrong")
{
    struct row
    {
        const char* text;
        const char* part;
    };
    const row rows[] = {
        {"", "found 0"},
        {"47.1 2.3", "found 2"},
        {"47.1 2.3 100 5", "found more"},
        {"91 2 100", "latitude 91"},
        {"47 180.5 100", "longitude 180.5"},
        {"47 2 -1500", "height -1500"},
        {"47 2 10001", "height 10001"},
        {"47,1 2 100", "not a decimal number"},
        {"nan 2 100", "not a decimal number"},
        {"inf 2 100", "not a decimal number"},
        {"0x2f 2 100", "not a decimal number"},
        {"4.7e1 2 100", "not a decimal number"},
        {"47 2 100m", "not a decimal number"},
        {"'47 2 100", "unbalanced quote"},
    };
    for (const auto& r : rows) {
        CAPTURE(r.text);
        auto p = config::parse_llh_text(r.text);
        REQUIRE_FALSE(p.has_value());
        CHECK(p.error().find(r.part) != std::string::npos);
    }
    CHECK_FALSE(config::parse_llh_text(std::string(config::max_position_chars + 1, ' ')));
}

TEST_CASE("position: ECEF in metres, on the Earth's surface")
{
    auto p = config::parse_ecef_text("4444030.8028 3085671.2349 3366658.2560");
    REQUIRE(p.has_value());
    CHECK(p->frame == station_position::frame_kind::ecef);
    CHECK(p->a == 4444030.8028);
    CHECK(p->c == 3366658.2560);
    // km instead of m, a zero point, and a point in orbit are all refused with the distance.
    for (const char* bad : {"4444.0308 3085.6712 3366.6582", "0 0 0", "26560000 0 0"}) {
        CAPTURE(bad);
        auto e = config::parse_ecef_text(bad);
        REQUIRE_FALSE(e.has_value());
        CHECK(e.error().find("from the Earth's centre") != std::string::npos);
    }
}

TEST_CASE("position: to_text reads back exactly (fixed seed)")
{
    std::mt19937_64 rng(11);
    std::uniform_real_distribution<double> lat(-90, 90), lon(-180, 180), h(-1000, 9000);
    for (int i = 0; i < 2000; ++i) {
        station_position p{station_position::frame_kind::llh, lat(rng), lon(rng), h(rng)};
        auto back = config::parse_llh_text(config::to_text(p));
        REQUIRE(back.has_value());
        CHECK(*back == p);
    }
}

TEST_CASE("position: to_text never writes an exponent the parser refuses")
{
    // Found by position_fuzz: a height of 2e-66 m was written as "2.0...e-66".
    for (double tiny : {1e-5, 2.049638230412172e-66, -3e-20}) {
        CAPTURE(tiny);
        const station_position p{station_position::frame_kind::llh, tiny, -tiny, tiny};
        const auto text = config::to_text(p);
        CHECK(text.find('e') == std::string::npos);
        auto back = config::parse_llh_text(text);
        if (text.size() <= config::max_position_chars) {
            REQUIRE(back.has_value());
            CHECK(*back == p);
        }
    }
    CHECK(config::to_text({station_position::frame_kind::llh, 0.00001, 2, 123.4}) ==
          "0.00001 2 123.4");
}

TEST_CASE("antenna: descriptor[,serial[,setup]]")
{
    auto a = config::parse_antenna_text("TRM59800.00     NONE,12345,3");
    REQUIRE(a.has_value());
    CHECK(a->descriptor == "TRM59800.00     NONE");
    CHECK(a->serial == "12345");
    CHECK(a->setup_id == 3);
    a = config::parse_antenna_text("ADVNULLANTENNA");
    REQUIRE(a.has_value());
    CHECK(a->descriptor == "ADVNULLANTENNA");
    CHECK(a->serial.empty());
    a = config::parse_antenna_text("'ADVNULLANTENNA, 12345 ,7'");
    REQUIRE(a.has_value());
    CHECK(a->serial == "12345");
    CHECK(a->setup_id == 7);
    a = config::parse_antenna_text(std::string(31, 'D') + "," + std::string(31, 'S') + ",0");
    REQUIRE(a.has_value());
    CHECK(a->serial.size() == 31);
    a = config::parse_antenna_text("'HXCCGX601A      NONE,'");
    REQUIRE(a.has_value());
    CHECK(a->descriptor == "HXCCGX601A      NONE");
    auto back = config::parse_antenna_text(config::to_text(*config::parse_antenna_text("A,B,7")));
    REQUIRE(back.has_value());
    CHECK(back->setup_id == 7);

    struct row
    {
        std::string text;
        const char* part;
    };
    const row rows[] = {
        {"", "descriptor is empty"},
        {"''", "descriptor is empty"},
        {" ,123", "descriptor is empty"},
        {std::string(32, 'D'), "descriptor is 32 characters"},
        {"ANT," + std::string(32, 'S'), "serial is 32 characters"},
        {"ANT,1,256", "setup id \"256\""},
        {"ANT,1,-1", "setup id"},
        {"ANT,1,0x1", "setup id"},
        {"ANT,1,", "setup id \"\""},
        {"ANT,1,2,3", "3 commas"},
        {"'ANT,1,2", "unbalanced quote"},
        {"ANT\tX", "printable ASCII"},
        {"ANT\xc3\xa9", "printable ASCII"},
        {std::string("AN\0T", 4), "printable ASCII"},
        {std::string(config::max_antenna_chars + 1, 'A'), "the limit is 80"},
    };
    for (const auto& r : rows) {
        CAPTURE(r.text);
        auto e = config::parse_antenna_text(r.text);
        REQUIRE_FALSE(e.has_value());
        CHECK(e.error().find(r.part) != std::string::npos);
    }
}
