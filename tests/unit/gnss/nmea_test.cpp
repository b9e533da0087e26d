// SPDX-License-Identifier: GPL-3.0-or-later
// NMEA framing and the strict GGA codec: real sentences, every limit, truncation at every
// offset, fixed-seed mutations, and every GGA of the real captures.
#include "gnss/nmea.hpp"

#include "gnss/crc.hpp"
#include "gnss/framer.hpp"
#include "tests/unit/test_data.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

using namespace gnss::nmea;

namespace {

// Real GGA sentences: the rover line of NTRIP-COMPAT.md, the F9 base capture (fixed mode,
// DGPS, station 0136) and the HPG 1.11 capture (southern and eastern hemispheres).
const std::vector<std::string> real_gga = {
    "$GNGGA,134926.72,4707.7460000,N,01512.7200000,E,1,00,1.0,352.623,M,47.377,M,0.0,0000*53\r\n",
    "$GNGGA,084159.00,3203.94995,N,03446.42914,E,2,12,99.99,54.6,M,17.5,M,,0136*46\r\n",
    "$GNGGA,011903.00,4552.65550,S,17030.00756,E,1,12,1.17,16.7,M,1.8,M,,*5C\r\n",
};

// Replaces the field `index` (0 = address) of a sentence body and re-checksums it.
std::string with_field(std::string_view sentence, std::size_t index, std::string_view value)
{
    std::string body(sentence.substr(1, sentence.find('*') - 1));
    std::size_t begin = 0;
    for (std::size_t i = 0; i < index; ++i)
        begin = body.find(',', begin) + 1;
    std::size_t end = body.find(',', begin);
    body.replace(begin, end == std::string::npos ? std::string::npos : end - begin, value);
    return make_sentence(body);
}

// True when the sentence's stated checksum is the XOR of its body.
bool checksum_holds(std::string_view s)
{
    std::size_t star = s.rfind('*');
    if (s.empty() || s[0] != '$' || star == std::string_view::npos || star + 3 > s.size())
        return false;
    return std::stoi(std::string(s.substr(star + 1, 2)), nullptr, 16) ==
           gnss::nmea_checksum(s.substr(1, star - 1));
}

void check_round_trip(const gga& g)
{
    auto again = parse_gga(encode_gga(g));
    REQUIRE(again);
    CHECK(again->talker == g.talker);
    CHECK(again->time_ms == g.time_ms);
    CHECK(std::fabs(again->lat_deg - g.lat_deg) < 1e-8);
    CHECK(std::fabs(again->lon_deg - g.lon_deg) < 1e-8);
    CHECK(again->fix_quality == g.fix_quality);
    CHECK(again->satellites == g.satellites);
    CHECK(std::fabs(again->hdop - g.hdop) <= 0.0051);
    CHECK(std::fabs(again->altitude_m - g.altitude_m) <= 0.00051);
    CHECK(std::fabs(again->geoid_separation_m - g.geoid_separation_m) <= 0.00051);
    CHECK(again->age_s.has_value() == g.age_s.has_value());
    if (g.age_s)
        CHECK(std::fabs(*again->age_s - *g.age_s) <= 0.051);
    CHECK(again->station == g.station);
}

} // namespace

TEST_CASE("make_sentence wraps a body with its XOR checksum")
{
    CHECK(make_sentence("GNGGA,084159.00,3203.94995,N,03446.42914,E,2,12,99.99,54.6,M,17.5,M,,"
                        "0136") == real_gga[1]);
    CHECK(make_sentence("") == "$*00\r\n");
    CHECK(make_sentence("A") == "$A*41\r\n");
}

TEST_CASE("parse_gga reads the real sentences")
{
    auto rover = parse_gga(real_gga[0]);
    REQUIRE(rover);
    CHECK(rover->talker == "GN");
    CHECK(rover->time_ms == ((13 * 60 + 49) * 60 + 26) * 1000 + 720);
    CHECK(rover->lat_deg == doctest::Approx(47 + 7.746 / 60).epsilon(1e-12));
    CHECK(rover->lon_deg == doctest::Approx(15 + 12.72 / 60).epsilon(1e-12));
    CHECK(rover->fix_quality == 1);
    CHECK(rover->satellites == 0);
    CHECK(rover->hdop == doctest::Approx(1.0));
    CHECK(rover->altitude_m == doctest::Approx(352.623));
    CHECK(rover->geoid_separation_m == doctest::Approx(47.377));
    CHECK(rover->age_s == 0.0);
    CHECK(rover->station == 0);

    auto base = parse_gga(real_gga[1]);
    REQUIRE(base);
    CHECK(base->fix_quality == 2);
    CHECK(base->satellites == 12);
    CHECK(base->hdop == doctest::Approx(99.99));
    CHECK(!base->age_s);
    CHECK(base->station == 136);

    auto south = parse_gga(real_gga[2]);
    REQUIRE(south);
    CHECK(south->lat_deg == doctest::Approx(-(45 + 52.6555 / 60)).epsilon(1e-12));
    CHECK(south->lon_deg == doctest::Approx(170 + 30.00756 / 60).epsilon(1e-12));
    CHECK(!south->station);

    for (const auto& s : real_gga)
        if (auto g = parse_gga(s))
            check_round_trip(*g);
}

TEST_CASE("parse_gga verifies the checksum")
{
    std::string s = real_gga[0];
    std::size_t star = s.find('*');
    std::string bad = s;
    bad[star + 2] = '4'; // *54 instead of *53
    CHECK(!parse_gga(bad));
    std::string lower = real_gga[2];
    lower[lower.find('*') + 2] = 'c'; // *5c: lower-case hex is the same checksum
    CHECK(parse_gga(lower));
    std::string flipped = s;
    flipped[10] = '7'; // time changed, checksum not
    CHECK(!parse_gga(flipped));
    CHECK(!parse_gga(s.substr(0, star) + "*G3\r\n"));
    CHECK(!parse_gga(s.substr(0, star) + "\r\n")); // no checksum at all
}

TEST_CASE("parse_gga accepts receiver talkers only")
{
    for (const char* t : {"GP", "GN", "GL", "GA", "GB", "GQ", "GI", "BD"}) {
        CAPTURE(t);
        auto g = parse_gga(with_field(real_gga[0], 0, std::string(t) + "GGA"));
        REQUIRE(g);
        CHECK(g->talker == t);
    }
    for (const char* a : {"XXGGA", "gngga", "GNGGB", "GNRMC", "GGA", "GNGGAX", "PGGA"}) {
        CAPTURE(a);
        CHECK(!parse_gga(with_field(real_gga[0], 0, a)));
    }
}

TEST_CASE("parse_gga line endings and the length cap")
{
    std::string s = real_gga[0];
    std::string bare = s.substr(0, s.size() - 2);
    CHECK(parse_gga(bare));        // Ntrip-GGA header value
    CHECK(parse_gga(bare + "\n")); // lone LF
    CHECK(!parse_gga(bare + "\r"));
    CHECK(!parse_gga(bare + "\r\n\r\n"));
    CHECK(!parse_gga(" " + s));

    // Pad the altitude's decimals until the line is exactly the cap, then one more.
    std::string alt = "352.623";
    std::string line = s;
    while (line.size() < max_gga_length) {
        alt += '0';
        line = with_field(s, 9, alt);
    }
    REQUIRE(line.size() == max_gga_length);
    CHECK(parse_gga(line));
    std::string over = with_field(s, 9, alt + "0");
    REQUIRE(over.size() == max_gga_length + 1);
    CHECK(!parse_gga(over));
}

TEST_CASE("parse_gga refuses fields out of range or malformed")
{
    struct bad_field
    {
        std::size_t index;
        const char* value;
    };
    const bad_field cases[] = {
        {1, "240000.00"}, {1, "236000.00"}, {1, "235960.00"}, {1, "12345.00"},  {1, ""},
        {1, "1234567"},   {1, "134926."},   {1, "13492a.00"}, {2, "4760.0000"}, {2, "9100.0000"},
        {2, "9000.0001"}, {2, "707.746"},   {2, ""},          {2, "47O7.746"},  {3, "X"},
        {3, ""},          {3, "n"},         {4, "18100.000"}, {4, "1512.720"},  {5, "N"},
        {6, "9"},         {6, "11"},        {6, ""},          {7, "100"},       {7, "-1"},
        {8, "100.0"},     {8, "-1.0"},      {8, "1e1"},       {8, "inf"},       {8, "nan"},
        {8, ".5"},        {8, "1."},        {8, "+1.0"},      {8, ""},          {9, "100000.1"},
        {9, "-1000.1"},   {9, "-"},         {9, "1,2"},       {10, "F"},        {10, ""},
        {11, "200.1"},    {11, "-200.1"},   {12, "F"},        {13, "10000"},    {13, "-1"},
        {13, "x"},        {14, "4096"},     {14, "00001"},    {14, "12a"},      {14, "-1"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.index);
        CAPTURE(c.value);
        CHECK(!parse_gga(with_field(real_gga[0], c.index, c.value)));
    }
    // Range edges that are valid.
    CHECK(parse_gga(with_field(real_gga[0], 1, "235959.999")));
    CHECK(parse_gga(with_field(real_gga[0], 2, "9000.0000")));
    CHECK(parse_gga(with_field(real_gga[0], 4, "18000.0000")));
    CHECK(parse_gga(with_field(real_gga[0], 6, "8")));
    CHECK(parse_gga(with_field(real_gga[0], 8, "99.99")));
    CHECK(parse_gga(with_field(real_gga[0], 9, "-1000")));
    CHECK(parse_gga(with_field(real_gga[0], 14, "4095")));
    // Geoid separation and its unit may both be empty (older receivers), not only one.
    auto no_geoid = parse_gga(with_field(with_field(real_gga[0], 11, ""), 12, ""));
    REQUIRE(no_geoid);
    CHECK(no_geoid->geoid_separation_m == 0.0);
    CHECK(!parse_gga(with_field(real_gga[0], 12, "")));
    // Field count: one more or one fewer.
    CHECK(!parse_gga(make_sentence(
        "GNGGA,134926.72,4707.7460000,N,01512.7200000,E,1,00,1.0,352.623,M,47.377,M,0.0,0000,")));
    CHECK(!parse_gga(make_sentence(
        "GNGGA,134926.72,4707.7460000,N,01512.7200000,E,1,00,1.0,352.623,M,47.377,M,0.0")));
    // No fix yet: no time or position, refused (nothing to use).
    CHECK(!parse_gga(make_sentence("GNGGA,,,,,,0,00,99.99,,,,,,")));
}

TEST_CASE("parse_gga: a sentence cut at any offset is refused")
{
    // Byte-split case for a line parser: only the whole sentence (with or without its
    // line ending) is accepted, never a prefix.
    for (const auto& s : real_gga) {
        std::size_t body_end = s.size() - 2; // before CR LF
        for (std::size_t n = 0; n <= s.size(); ++n) {
            CAPTURE(n);
            bool whole = n == body_end || n == s.size();
            CHECK(parse_gga(std::string_view(s).substr(0, n)).has_value() == whole);
        }
    }
}

TEST_CASE("sentence_type")
{
    CHECK(sentence_type(real_gga[0]) == "GGA");
    CHECK(sentence_type("$GPGSV,3,1,11*70\r\n") == "GSV");
    CHECK(sentence_type("$GNRMC,084159.00,A*00") == "RMC");
    CHECK(sentence_type("$PUBX,00,1*00\r\n") == "PUBX");
    CHECK(sentence_type("$PGRMZ,1*00") == "PGRMZ");
    CHECK(!sentence_type(""));
    CHECK(!sentence_type("$"));
    CHECK(!sentence_type("GNGGA,1"));
    CHECK(!sentence_type("$GNGGA"));          // no field separator
    CHECK(!sentence_type("$gngga,1"));        // lower case
    CHECK(!sentence_type("$GNGG,1"));         // 4-character address
    CHECK(!sentence_type("$GNGGAA,1"));       // 6-character address
    CHECK(!sentence_type("$G GGA,1"));        // space
    CHECK(!sentence_type("$P,1"));            // proprietary needs a maker
    CHECK(!sentence_type("$PABCDEFGHIJK,1")); // address longer than any proprietary one
}

TEST_CASE("encode_gga formats and round-trips")
{
    gga g;
    g.talker = "GP";
    g.time_ms = 86'399'990;               // 23:59:59.99
    g.lat_deg = -(89 + 59.99999999 / 60); // rounds up into the next whole degree
    g.lon_deg = -179.5;
    g.fix_quality = 4;
    g.satellites = 7;
    g.hdop = 0.7;
    g.altitude_m = -12.3456;
    g.geoid_separation_m = -30.25;
    g.age_s = 1.0;
    g.station = 42;
    std::string s = encode_gga(g);
    CHECK(s == make_sentence("GPGGA,235959.99,9000.0000000,S,17930.0000000,W,4,07,0.70,-12.346,M,"
                             "-30.250,M,1.0,0042"));
    check_round_trip(g);
    g.time_ms = 1'234; // milliseconds that centiseconds cannot hold
    CHECK(encode_gga(g).substr(7, 10) == "000001.234");
    check_round_trip(g);
    g.age_s.reset();
    g.station.reset();
    CHECK(encode_gga(g).find(",M,,*") != std::string::npos);
    check_round_trip(g);
}

TEST_CASE("parse_gga: fixed-seed mutations never accept a bad checksum")
{
    std::mt19937 rng(20240611);
    const std::string alphabet = "$*,.0123456789ABCDEFGNSEWM-\r\n";
    int accepted = 0;
    for (int round = 0; round < 20000; ++round) {
        std::string s = real_gga[rng() % real_gga.size()];
        int edits = 1 + static_cast<int>(rng() % 3);
        for (int e = 0; e < edits; ++e) {
            std::size_t at = rng() % s.size();
            char c = rng() % 2 ? alphabet[rng() % alphabet.size()] : static_cast<char>(rng());
            switch (rng() % 3) {
            case 0:
                s[at] = c;
                break;
            case 1:
                s.insert(s.begin() + static_cast<std::ptrdiff_t>(at), c);
                break;
            default:
                s.erase(at, 1);
                break;
            }
        }
        // Half the time, repair the checksum so the field checks are what decides.
        if (rng() % 2 && s.size() > 6 && s.find('*') != std::string::npos)
            s = make_sentence(std::string_view(s).substr(1, s.rfind('*') - 1));
        auto g = parse_gga(s);
        sentence_type(s);
        if (g) {
            ++accepted;
            CHECK(checksum_holds(s));
            CHECK(s.size() <= max_gga_length);
            check_round_trip(*g);
        }
    }
    // Repaired sentences whose edit hit a digit stay valid: the loop did test acceptance.
    CHECK(accepted > 100);
}

TEST_CASE("every GGA in the real captures parses")
{
    struct expect
    {
        const char* file;
        std::uint64_t gga;
    };
    // The F9 base recording ends after the last NAV-PVT, before that epoch's NMEA.
    for (const expect e : {expect{"u-blox-f9-base-mixed-nmea-ubx-rtcm3.log", 157},
                           expect{"zed-f9p-hpg111-rawx-nmea.bin", 655}}) {
        CAPTURE(e.file);
        auto data = cairn_test::capture(e.file);
        gnss::framer f;
        std::uint64_t parsed = 0, seen = 0;
        f.feed(data, [&](const gnss::frame& fr) {
            auto line = gnss::as_chars(fr.bytes);
            auto type = sentence_type(line);
            if (fr.kind != gnss::frame_kind::nmea || type != "GGA")
                return;
            ++seen;
            if (auto g = parse_gga(line)) {
                ++parsed;
                check_round_trip(*g);
            }
        });
        CHECK(seen == e.gga);
        CHECK(parsed == seen);
    }
}
