// SPDX-License-Identifier: GPL-3.0-or-later
// Sourcetable: exact STR/CAS/NET bytes, the body and its length, every validation refusal,
// the strict STR parser and write -> parse round trips.
#include "ntrip/sourcetable.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

using ntrip::cas_record;
using ntrip::net_record;
using ntrip::st_auth;
using ntrip::str_record;

namespace {

// A complete record for one base near Graz.
str_record graz()
{
    str_record r;
    r.mountpoint = "GRAZ1";
    r.identifier = "Graz";
    r.format_details = "1005(10),1077(1),1087(1),1097(1),1127(1),1230(10)";
    r.nav_system = "GPS+GLO+GAL+BDS";
    r.network = "Cairn";
    r.country = "AUT";
    r.latitude = 47.129;
    r.longitude = 15.212;
    r.bitrate = 9600;
    return r;
}

std::size_t field_count(const std::string& line)
{
    return static_cast<std::size_t>(std::count(line.begin(), line.end(), ';')) + 1;
}

std::vector<std::string> lines_of(const std::string& body)
{
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < body.size()) {
        auto end = body.find("\r\n", pos);
        REQUIRE(end != std::string::npos);
        out.push_back(body.substr(pos, end - pos));
        pos = end + 2;
    }
    return out;
}

} // namespace

TEST_CASE("STR: defaults suit one Cairn base")
{
    str_record r;
    CHECK(r.format == "RTCM 3.3");
    CHECK(r.compr_encryp == "none");
    CHECK(r.authentication == st_auth::basic);
    CHECK(r.carrier == 2);
    CHECK(r.nmea == 0);
    CHECK(r.solution == 0);
    CHECK(r.fee == false);
    CHECK(r.generator == "Cairn");
}

TEST_CASE("STR: exact bytes of a known line")
{
    auto r = graz();
    REQUIRE(ntrip::validate(r));
    const std::string want = "STR;GRAZ1;Graz;RTCM 3.3;1005(10),1077(1),1087(1),1097(1),1127(1),"
                             "1230(10);2;GPS+GLO+GAL+BDS;Cairn;AUT;47.13;15.21;0;0;Cairn;none;B;N;"
                             "9600;";
    CHECK(ntrip::str_line(r) == want);
    CHECK(field_count(want) == ntrip::str_field_count);

    // Public mountpoint, fee, western hemisphere, rounding and no "-0.00".
    r.authentication = st_auth::none;
    r.fee = true;
    r.latitude = -33.456;
    r.longitude = -0.004;
    r.misc = "test base";
    CHECK(ntrip::str_line(r) == "STR;GRAZ1;Graz;RTCM 3.3;1005(10),1077(1),1087(1),1097(1),"
                                "1127(1),1230(10);2;GPS+GLO+GAL+BDS;Cairn;AUT;-33.46;0.00;0;0;"
                                "Cairn;none;N;Y;9600;test base");
}

TEST_CASE("STR: a line in the style of public casters parses field by field")
{
    // Layout of real tables (BKG, EarthScope): "None" spelled capitalised, fee Y, a
    // trailing ';' after misc. The values here are made up.
    const std::string line = "STR;BASE_01;Somewhere;RTCM 3.3;1005(60),1077(1),1087(1),1097(1);2;"
                             "GPS+GLO+GAL;EXNET;BLZ;17.25;-88.75;0;0;SEPT POLARX5;None;N;Y;0;"
                             "SEAT_REQUIRED;";
    auto r = ntrip::parse_str(line);
    REQUIRE(r);
    CHECK(r->mountpoint == "BASE_01");
    CHECK(r->identifier == "Somewhere");
    CHECK(r->format == "RTCM 3.3");
    CHECK(r->format_details == "1005(60),1077(1),1087(1),1097(1)");
    CHECK(r->carrier == 2);
    CHECK(r->nav_system == "GPS+GLO+GAL");
    CHECK(r->network == "EXNET");
    CHECK(r->country == "BLZ");
    CHECK(r->latitude == 17.25);
    CHECK(r->longitude == -88.75);
    CHECK(r->nmea == 0);
    CHECK(r->solution == 0);
    CHECK(r->generator == "SEPT POLARX5");
    CHECK(r->compr_encryp == "None");
    CHECK(r->authentication == st_auth::none);
    CHECK(r->fee == true);
    CHECK(r->bitrate == 0);
    CHECK(r->misc == "SEAT_REQUIRED");
    CHECK(ntrip::validate(*r)); // "None" is "none" to gpsd too
    // Written back: the same bytes without the trailing ';'.
    CHECK(ntrip::str_line(*r) == line.substr(0, line.size() - 1));
}

TEST_CASE("CAS and NET: field counts and exact bytes")
{
    cas_record c;
    c.host = "caster.example.org";
    c.identifier = "Cairn";
    c.operator_name = "Example Ltd";
    c.country = "AUT";
    c.latitude = 47.07;
    c.longitude = 15.44;
    REQUIRE(ntrip::validate(c));
    auto cl = ntrip::cas_line(c);
    CHECK(cl == "CAS;caster.example.org;2101;Cairn;Example Ltd;0;AUT;47.07;15.44;0.0.0.0;0;");
    CHECK(field_count(cl) == ntrip::cas_field_count);
    CHECK(ntrip::cas_field_count == 12);

    net_record n;
    n.identifier = "CAIRN";
    n.operator_name = "Example Ltd";
    n.web_net = "https://example.org/net";
    n.web_str = "https://example.org/streams";
    n.web_reg = "https://example.org/register";
    REQUIRE(ntrip::validate(n));
    auto nl = ntrip::net_line(n);
    CHECK(nl == "NET;CAIRN;Example Ltd;B;N;https://example.org/net;https://example.org/streams;"
                "https://example.org/register;");
    CHECK(field_count(nl) == ntrip::net_field_count);
    CHECK(ntrip::net_field_count == 9);
    CHECK(ntrip::str_field_count == 19);
}

TEST_CASE("body: CAS, NET, STR lines then ENDSOURCETABLE; the length counts the END line")
{
    CHECK(ntrip::body({}) == "ENDSOURCETABLE\r\n");
    CHECK(ntrip::body({}).size() == 16);

    auto a = graz();
    auto b = graz();
    b.mountpoint = "GRAZ2";
    std::vector<str_record> streams{a, b};
    cas_record c;
    c.host = "caster.example.org";
    net_record n;
    n.identifier = "CAIRN";
    std::vector<cas_record> casters{c};
    std::vector<net_record> nets{n};
    auto text = ntrip::body(streams, casters, nets);
    auto lines = lines_of(text);
    REQUIRE(lines.size() == 5);
    CHECK(lines[0] == ntrip::cas_line(c));
    CHECK(lines[1] == ntrip::net_line(n));
    CHECK(lines[2] == ntrip::str_line(a));
    CHECK(lines[3] == ntrip::str_line(b));
    CHECK(lines[4] == "ENDSOURCETABLE");
    std::size_t expected = 0;
    for (const auto& l : lines)
        expected += l.size() + 2;
    CHECK(text.size() == expected);
    CHECK(text.ends_with(ntrip::end_sourcetable));

    // One stream: the Content-Length a v1 client will be told.
    auto one = ntrip::body(std::vector<str_record>{a});
    CHECK(one.size() == ntrip::str_line(a).size() + 2 + 16);
}

TEST_CASE("validate STR: every refusal")
{
    using mut = std::function<void(str_record&)>;
    struct row
    {
        const char* what;
        mut change;
        const char* in_message;
    };
    const std::string long_text(ntrip::max_sourcetable_field_length + 1, 'x');
    const row rows[] = {
        {"empty mountpoint", [](auto& r) { r.mountpoint = ""; }, "mountpoint"},
        {"101-char mountpoint", [](auto& r) { r.mountpoint = std::string(101, 'M'); },
         "mountpoint"},
        {"space in mountpoint", [](auto& r) { r.mountpoint = "GR AZ"; }, "mountpoint"},
        {"';' in mountpoint", [](auto& r) { r.mountpoint = "GR;AZ"; }, "mountpoint"},
        {"'/' in mountpoint", [](auto& r) { r.mountpoint = "/GRAZ"; }, "mountpoint"},
        {"UTF-8 in mountpoint", [](auto& r) { r.mountpoint = "GR\xC3\x84Z"; }, "mountpoint"},
        {"empty identifier", [](auto& r) { r.identifier = ""; }, "identifier"},
        {"';' in identifier", [](auto& r) { r.identifier = "Graz;x"; }, "identifier"},
        {"CR in identifier", [](auto& r) { r.identifier = "Graz\r"; }, "identifier"},
        {"LF in identifier", [](auto& r) { r.identifier = "Graz\n"; }, "identifier"},
        {"control char", [](auto& r) { r.identifier = std::string("G\x01", 2); }, "identifier"},
        {"NUL", [](auto& r) { r.identifier = std::string("G\0z", 3); }, "identifier"},
        {"DEL", [](auto& r) { r.identifier = "G\x7Fz"; }, "identifier"},
        {"non-ASCII",
         [](auto& r) {
             r.identifier = "Qu\xC3\xA9"
                            "bec";
         },
         "identifier"},
        {"long identifier", [&](auto& r) { r.identifier = long_text; }, "identifier"},
        {"empty format", [](auto& r) { r.format = ""; }, "format"},
        {"long format-details",
         [](auto& r) { r.format_details = std::string(ntrip::max_format_details_length + 1, '1'); },
         "format-details"},
        {"';' in format-details", [](auto& r) { r.format_details = "1005;1077"; },
         "format-details"},
        {"empty nav-system", [](auto& r) { r.nav_system = ""; }, "nav-system"},
        {"LF in network", [](auto& r) { r.network = "a\nb"; }, "network"},
        {"empty country", [](auto& r) { r.country = ""; }, "country"},
        {"2-letter country", [](auto& r) { r.country = "AT"; }, "country"},
        {"lowercase country", [](auto& r) { r.country = "aut"; }, "country"},
        {"4-letter country", [](auto& r) { r.country = "AUTX"; }, "country"},
        {"CR in generator", [](auto& r) { r.generator = "x\r\nSTR;evil"; }, "generator"},
        {"long misc", [](auto& r) { r.misc = std::string(ntrip::max_misc_length + 1, 'm'); },
         "misc"},
        {"carrier -1", [](auto& r) { r.carrier = -1; }, "carrier"},
        {"carrier 3", [](auto& r) { r.carrier = 3; }, "carrier"},
        {"nmea 2", [](auto& r) { r.nmea = 2; }, "nmea"},
        {"nmea -1", [](auto& r) { r.nmea = -1; }, "nmea"},
        {"solution 2", [](auto& r) { r.solution = 2; }, "solution"},
        {"bitrate -1", [](auto& r) { r.bitrate = -1; }, "bitrate"},
        {"bitrate over max", [](auto& r) { r.bitrate = ntrip::max_bitrate + 1; }, "bitrate"},
        {"latitude 90.01", [](auto& r) { r.latitude = 90.01; }, "latitude"},
        {"latitude -91", [](auto& r) { r.latitude = -91; }, "latitude"},
        {"latitude NaN", [](auto& r) { r.latitude = std::numeric_limits<double>::quiet_NaN(); },
         "latitude"},
        {"longitude inf", [](auto& r) { r.longitude = std::numeric_limits<double>::infinity(); },
         "longitude"},
        {"longitude 360.5", [](auto& r) { r.longitude = 360.5; }, "longitude"},
        {"longitude -180.5", [](auto& r) { r.longitude = -180.5; }, "longitude"},
        {"position not set",
         [](auto& r) {
             r.latitude = 0;
             r.longitude = 0;
         },
         "position"},
        {"compression", [](auto& r) { r.compr_encryp = "gzip"; }, "compr-encryp"},
        {"empty compr-encryp", [](auto& r) { r.compr_encryp = ""; }, "compr-encryp"},
        {"digest auth", [](auto& r) { r.authentication = st_auth::digest; }, "authentication"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.what);
        auto r = graz();
        row.change(r);
        auto v = ntrip::validate(r);
        REQUIRE_FALSE(v);
        CHECK(v.error().find(row.in_message) != std::string::npos);
        // Messages never carry the raw control characters they complain about.
        CHECK(std::none_of(v.error().begin(), v.error().end(),
                           [](char c) { return c == '\r' || c == '\n' || c == '\0'; }));
    }
}

TEST_CASE("validate STR: a near-empty record is refused; the limits themselves pass")
{
    str_record empty;
    empty.mountpoint = "BASE";
    CHECK_FALSE(ntrip::validate(empty));

    auto r = graz();
    r.mountpoint = std::string(ntrip::max_str_mountpoint_length, 'M');
    r.identifier = std::string(ntrip::max_sourcetable_field_length, 'i');
    r.format_details = std::string(ntrip::max_format_details_length, '1');
    r.misc = std::string(ntrip::max_misc_length, 'm');
    r.bitrate = ntrip::max_bitrate;
    r.latitude = -90;
    r.longitude = 360;
    r.compr_encryp = "NONE";
    r.authentication = st_auth::none;
    r.carrier = 0;
    r.nmea = 1;
    r.solution = 1;
    CHECK(ntrip::validate(r));
    r.latitude = 0; // on the equator, off Null Island: still a position
    CHECK(ntrip::validate(r));
    CHECK(ntrip::valid_mountpoint_name("a-Z_09"));
    CHECK_FALSE(ntrip::valid_mountpoint_name("a.b"));
}

TEST_CASE("validate CAS and NET: refusals")
{
    cas_record c;
    c.host = "caster.example.org";
    CHECK(ntrip::validate(c));
    auto bad_cas = [&](std::function<void(cas_record&)> f) {
        auto x = c;
        f(x);
        return !ntrip::validate(x);
    };
    CHECK(bad_cas([](auto& x) { x.host = ""; }));
    CHECK(bad_cas([](auto& x) { x.host = "a;b"; }));
    CHECK(bad_cas([](auto& x) { x.port = 0; }));
    CHECK(bad_cas([](auto& x) { x.port = 65536; }));
    CHECK(bad_cas([](auto& x) { x.fallback_port = -1; }));
    CHECK(bad_cas([](auto& x) { x.nmea = 2; }));
    CHECK(bad_cas([](auto& x) { x.latitude = 95; }));
    CHECK(bad_cas([](auto& x) { x.misc = "a\r\nb"; }));

    net_record n;
    n.identifier = "CAIRN";
    CHECK(ntrip::validate(n));
    auto bad_net = [&](std::function<void(net_record&)> f) {
        auto x = n;
        f(x);
        return !ntrip::validate(x);
    };
    CHECK(bad_net([](auto& x) { x.identifier = ""; }));
    CHECK(bad_net([](auto& x) { x.web_net = "http://a\r\nb"; }));
    CHECK(bad_net([](auto& x) { x.web_reg = std::string(ntrip::max_url_length + 1, 'u'); }));
    CHECK(bad_net([](auto& x) { x.operator_name = "a;b"; }));
    CHECK(bad_net([](auto& x) { x.authentication = st_auth::digest; }));
}

TEST_CASE("parse_str: strict refusals")
{
    const std::string good = ntrip::str_line(graz());
    REQUIRE(ntrip::parse_str(good));
    // Replaces field `index` (0 = "STR") of the good line.
    auto with = [&](std::size_t index, const std::string& value) {
        std::vector<std::string> f;
        std::size_t pos = 0;
        for (;;) {
            auto semi = good.find(';', pos);
            f.push_back(good.substr(pos, semi - pos));
            if (semi == std::string::npos)
                break;
            pos = semi + 1;
        }
        f.at(index) = value;
        std::string out;
        for (std::size_t i = 0; i < f.size(); ++i)
            out += (i ? ";" : "") + f[i];
        return out;
    };
    const std::vector<std::string> bad = {
        "",
        "STR;",
        "STR: " + good.substr(4),
        good.substr(4), // no tag
        "str" + good.substr(3),
        good.substr(0, good.rfind(';')), // 18 fields
        good + "x;y",                    // 20 fields, the last not empty
        good + ";x",
        good + ";;",
        good + "\r\n",
        std::string(ntrip::max_str_line_length + 1, 'S'),
        with(1, ""),
        with(1, "BAD MNT"),
        with(2, std::string(ntrip::max_sourcetable_field_length + 1, 'i')),
        with(2, "a\tb"),
        with(2, "a\x80z"),
        with(5, ""),
        with(5, "x"),
        with(5, "3"),
        with(5, "+1"),
        with(5, "-1"),
        with(9, "1e1"),
        with(9, "nan"),
        with(9, "inf"),
        with(9, " 47.1"),
        with(9, "47."),
        with(9, ".5"),
        with(9, "-"),
        with(9, "91"),
        with(9, "47,1"),
        with(9, "0047.1"),
        with(10, "360.01"),
        with(10, "-180.5"),
        with(11, "2"),
        with(12, "yes"),
        with(15, "X"),
        with(15, "BB"),
        with(16, "0"),
        with(16, ""),
        with(17, "-1"),
        with(17, "1234567890"),
        with(17, "100000001"),
        with(18, std::string(ntrip::max_misc_length + 1, 'm')),
    };
    for (const auto& line : bad) {
        CAPTURE(line);
        auto r = ntrip::parse_str(line);
        CHECK_FALSE(r);
        if (!r)
            CHECK(r.error().find("STR") != std::string::npos);
    }
    // What it accepts beyond the writer's own output.
    CHECK(ntrip::parse_str(with(15, "b"))->authentication == st_auth::basic);
    CHECK(ntrip::parse_str(with(15, "D"))->authentication == st_auth::digest);
    CHECK(ntrip::parse_str(with(16, "y"))->fee);
    CHECK(ntrip::parse_str(with(9, "-47.123456"))->latitude == -47.123456);
    CHECK(ntrip::parse_str(with(10, "350"))->longitude == 350);
    CHECK(ntrip::parse_str(with(2, ""))->identifier.empty());
    CHECK(ntrip::parse_str(good + ";")); // one trailing separator
}

TEST_CASE("write -> parse round trip, fixed-seed random records")
{
    CHECK(ntrip::parse_str(ntrip::str_line(graz())) != graz()); // 47.129 is written 47.13
    std::mt19937 rng(4242);
    const std::string text_chars = "abcXYZ019 _-+.,()/:=@!\"#$%&'*<>?[]^`{|}~\\";
    const std::string mount_chars = "abcXYZ019_-";
    auto pick = [&](const std::string& from, std::size_t lo, std::size_t hi) {
        std::uniform_int_distribution<std::size_t> n(lo, hi), c(0, from.size() - 1);
        std::string s(n(rng), ' ');
        for (auto& ch : s)
            ch = from[c(rng)];
        return s;
    };
    auto integer = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    for (int i = 0; i < 500; ++i) {
        str_record r;
        r.mountpoint = pick(mount_chars, 1, ntrip::max_str_mountpoint_length);
        r.identifier = pick(text_chars, 1, 40);
        r.format = i % 2 ? "RTCM 3.3" : pick(text_chars, 1, 20);
        r.format_details = pick(text_chars, 0, ntrip::max_format_details_length);
        r.carrier = integer(0, 2);
        r.nav_system = pick(text_chars, 1, 30);
        r.network = pick(text_chars, 0, ntrip::max_sourcetable_field_length);
        r.country = pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 3, 3);
        r.latitude = integer(-9000, 9000) / 100.0;
        r.longitude = integer(-18000, 36000) / 100.0;
        if (r.latitude == 0 && r.longitude == 0)
            r.longitude = 1;
        r.nmea = integer(0, 1);
        r.solution = integer(0, 1);
        r.generator = pick(text_chars, 0, 20);
        r.authentication = i % 3 ? st_auth::basic : st_auth::none;
        r.fee = i % 4 == 0;
        r.bitrate = integer(0, ntrip::max_bitrate);
        r.misc = pick(text_chars, 0, ntrip::max_misc_length);
        CAPTURE(i);
        REQUIRE(ntrip::validate(r));
        auto line = ntrip::str_line(r);
        CHECK(field_count(line) == ntrip::str_field_count);
        auto back = ntrip::parse_str(line);
        REQUIRE(back);
        CHECK(*back == r);
    }
}
