// SPDX-License-Identifier: GPL-3.0-or-later
// Tests of RTCM3 framing, message type and station id, and the 1005/1006 codec.
#include "gnss/rtcm3.hpp"

#include "gnss/crc.hpp"
#include "gnss/framer.hpp"
#include "tests/unit/test_data.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <random>
#include <set>

using namespace gnss;
using namespace gnss::rtcm3;

namespace {

bytes from_hex(std::string_view hex)
{
    bytes out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(
            static_cast<std::uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    return out;
}

// Every verified RTCM3 frame of a capture, in order.
std::vector<bytes> rtcm_frames(const std::string& name)
{
    bytes data = cairn_test::capture(name);
    std::vector<bytes> out;
    framer f;
    f.feed(data, [&](const frame& fr) {
        if (fr.kind == frame_kind::rtcm3)
            out.emplace_back(fr.bytes.begin(), fr.bytes.end());
    });
    return out;
}

bytes first_of_type(const std::vector<bytes>& frames, std::uint16_t type)
{
    for (const bytes& f : frames)
        if (message_type(f) == type)
            return f;
    FAIL("no frame of type " << type);
    return {};
}

// The u-blox F9 base's 1005, first of 158 in u-blox-f9-base-mixed-nmea-ubx-rtcm3.log.
const bytes ublox_1005 = from_hex("d300133ed000038a58d9493c872f34109d07d6af48205ad7f7");

std::int64_t units(double metres)
{
    return std::llround(metres * 10000.0);
}

void check_same(const station_arp& a, const station_arp& b)
{
    CHECK(a.type == b.type);
    CHECK(a.station_id == b.station_id);
    CHECK(a.itrf_year == b.itrf_year);
    CHECK(a.gps == b.gps);
    CHECK(a.glonass == b.glonass);
    CHECK(a.galileo == b.galileo);
    CHECK(a.reference_station == b.reference_station);
    CHECK(a.single_receiver_oscillator == b.single_receiver_oscillator);
    CHECK(a.quarter_cycle == b.quarter_cycle);
    CHECK(units(a.x) == units(b.x));
    CHECK(units(a.y) == units(b.y));
    CHECK(units(a.z) == units(b.z));
    CHECK(units(a.antenna_height) == units(b.antenna_height));
}

} // namespace

TEST_CASE("rtcm3 make_frame and payload invert each other")
{
    bytes p = {0x3E, 0xD0, 0x01, 0x02};
    bytes f = make_frame(p);
    REQUIRE(f.size() == header_size + p.size() + crc_size);
    CHECK(f[0] == preamble);
    CHECK(f[1] == 0x00);
    CHECK(f[2] == 0x04);
    std::uint32_t crc = crc24q(byte_view(f).first(header_size + p.size()));
    CHECK(f[7] == (crc >> 16 & 0xFF));
    CHECK(f[9] == (crc & 0xFF));
    byte_view back = payload(f);
    CHECK(bytes(back.begin(), back.end()) == p);
    // A real frame re-wraps to the same bytes.
    byte_view real = payload(ublox_1005);
    REQUIRE(real.size() == 19);
    CHECK(make_frame(real) == ublox_1005);
}

TEST_CASE("rtcm3 max_payload is the 10-bit length field")
{
    bytes big(max_payload, 0xAA);
    bytes f = make_frame(big);
    REQUIRE(f.size() == max_payload + header_size + crc_size);
    CHECK(f[1] == 0x03);
    CHECK(f[2] == 0xFF);
    CHECK(payload(f).size() == max_payload);
    big.push_back(0);
    CHECK(make_frame(big).empty());
}

TEST_CASE("rtcm3 payload rejects malformed frames")
{
    CHECK(payload({}).empty());
    CHECK(payload(byte_view(ublox_1005).first(5)).empty());
    bytes f = ublox_1005;
    f[0] = 0xD2;
    CHECK(payload(f).empty());
    f = ublox_1005;
    f[1] |= 0x04; // a reserved bit
    CHECK(payload(f).empty());
    f = ublox_1005;
    f.push_back(0); // longer than the length field says
    CHECK(payload(f).empty());

    SUBCASE("every truncation is rejected (split at every offset)")
    {
        for (std::size_t n = 0; n < ublox_1005.size(); ++n) {
            CAPTURE(n);
            byte_view cut = byte_view(ublox_1005).first(n);
            CHECK(payload(cut).empty());
            CHECK_FALSE(message_type(cut));
            CHECK_FALSE(decode_station_arp(cut));
        }
    }
    SUBCASE("every single-bit error is caught by the CRC or the header checks")
    {
        for (std::size_t bit = 0; bit < ublox_1005.size() * 8; ++bit) {
            CAPTURE(bit);
            bytes g = ublox_1005;
            g[bit / 8] ^= static_cast<std::uint8_t>(0x80 >> bit % 8);
            CHECK(payload(g).empty());
        }
    }
}

TEST_CASE("rtcm3 message_type needs two payload bytes")
{
    CHECK_FALSE(message_type(make_frame({})));
    CHECK_FALSE(message_type(make_frame(bytes{0x3E})));
    CHECK(message_type(make_frame(bytes{0x3E, 0xD0})) == 1005);
    CHECK(message_type(make_frame(bytes{0xFF, 0xF0})) == 4095);
    CHECK(message_type(ublox_1005) == 1005);
}

TEST_CASE("rtcm3 station_id only where DF003 follows the message number")
{
    auto frame_of = [](std::uint16_t type) {
        bit_writer w;
        w.u(type, 12);
        w.u(0xABC, 12);
        w.u(0, 16);
        return make_frame(w.data());
    };
    const std::vector<std::uint16_t> with = {1001, 1004, 1005, 1006, 1007, 1008, 1012, 1013,
                                             1029, 1032, 1033, 1034, 1035, 1230, 1071, 1077,
                                             1087, 1097, 1107, 1117, 1127, 1131, 1137};
    const std::vector<std::uint16_t> without = {1014, 1015, 1019, 1020, 1021, 1030, 1031, 1037,
                                                1041, 1042, 1044, 1045, 1046, 1057, 1068, 1078,
                                                1079, 1080, 1138, 1240, 4001, 4072, 4095, 0};
    for (auto t : with) {
        CAPTURE(t);
        CHECK(station_id(frame_of(t)) == 0xABC);
    }
    for (auto t : without) {
        CAPTURE(t);
        CHECK(message_type(frame_of(t)) == t);
        CHECK_FALSE(station_id(frame_of(t)));
    }
    CHECK_FALSE(station_id(make_frame(bytes{0x3E, 0xD0}))); // too short for 24 bits
}

TEST_CASE("rtcm3 real frames: types and station ids of a Septentrio PolaRx5")
{
    auto frames = rtcm_frames("septentrio-polarx5-alltypes.rtcm3");
    REQUIRE(frames.size() == 35);
    std::set<std::uint16_t> types;
    for (const bytes& f : frames) {
        auto t = message_type(f);
        REQUIRE(t);
        types.insert(*t);
        CAPTURE(*t);
        bool ephemeris = *t == 1019 || *t == 1020 || *t == 1042 || *t == 1045 || *t == 1046;
        if (ephemeris)
            CHECK_FALSE(station_id(f));
        else
            CHECK(station_id(f) == 0);
    }
    const std::set<std::uint16_t> expected = {1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009,
                                              1010, 1011, 1012, 1013, 1019, 1020, 1029, 1033, 1042,
                                              1045, 1046, 1076, 1077, 1086, 1087, 1096, 1097, 1106,
                                              1107, 1116, 1117, 1126, 1127, 1136, 1137, 1230};
    CHECK(types == expected);
}

TEST_CASE("rtcm3 real frames: a u-blox F9 base's stream")
{
    auto frames = rtcm_frames("u-blox-f9-base-mixed-nmea-ubx-rtcm3.log");
    std::map<std::uint16_t, int> count;
    for (const bytes& f : frames) {
        auto t = message_type(f);
        REQUIRE(t);
        ++count[*t];
        if (*t == 4072)
            CHECK_FALSE(station_id(f)); // proprietary: no DF003 there
        else
            CHECK(station_id(f) == 0);
    }
    const std::map<std::uint16_t, int> expected = {
        {1005, 158}, {1077, 158}, {1087, 158}, {1097, 158}, {1127, 158}, {1230, 158}, {4072, 158}};
    CHECK(count == expected);
    for (const bytes& f : frames) {
        if (message_type(f) != 1005)
            continue;
        auto arp = decode_station_arp(f);
        REQUIRE(arp);
        CHECK(units(arp->x) == 44440308028);
        CHECK(units(arp->y) == 30856712349);
        CHECK(units(arp->z) == 33666582560);
        CHECK(encode_station_arp(*arp) == f);
    }
}

TEST_CASE("rtcm3 1005 known values from the u-blox base")
{
    auto arp = decode_station_arp(ublox_1005);
    REQUIRE(arp);
    CHECK(arp->type == 1005);
    CHECK(arp->station_id == 0);
    CHECK(arp->itrf_year == 0);
    CHECK(arp->gps);
    CHECK(arp->glonass);
    CHECK(arp->galileo);
    CHECK_FALSE(arp->reference_station);
    CHECK(arp->single_receiver_oscillator);
    CHECK(arp->quarter_cycle == 0);
    CHECK(arp->x == doctest::Approx(4444030.8028).epsilon(1e-12));
    CHECK(arp->y == doctest::Approx(3085671.2349).epsilon(1e-12));
    CHECK(arp->z == doctest::Approx(3366658.2560).epsilon(1e-12));
    CHECK(arp->antenna_height == 0.0);
    CHECK(encode_station_arp(*arp) == ublox_1005);
}

TEST_CASE("rtcm3 1005 and 1006 of the Septentrio re-encode byte for byte")
{
    auto frames = rtcm_frames("septentrio-polarx5-alltypes.rtcm3");
    for (std::uint16_t type : {1005, 1006}) {
        CAPTURE(type);
        bytes f = first_of_type(frames, type);
        auto arp = decode_station_arp(f);
        REQUIRE(arp);
        CHECK(arp->type == type);
        CHECK(units(arp->x) == 17624896191);
        CHECK(units(arp->y) == -50276338438);
        CHECK(units(arp->z) == -34960088438);
        CHECK(arp->quarter_cycle == 2);
        CHECK(arp->single_receiver_oscillator);
        CHECK(units(arp->antenna_height) == (type == 1006 ? 343 : 0));
        CHECK(encode_station_arp(*arp) == f);
    }
    // Other messages are not station ARPs.
    CHECK_FALSE(decode_station_arp(first_of_type(frames, 1007)));
    CHECK_FALSE(decode_station_arp(first_of_type(frames, 1033)));
}

TEST_CASE("rtcm3 1006 bit layout: every field at its RTCM 10403.3 position")
{
    station_arp arp;
    arp.type = 1006;
    arp.station_id = 4095;
    arp.itrf_year = 63;
    arp.gps = true;
    arp.glonass = false;
    arp.galileo = true;
    arp.reference_station = false;
    arp.x = 0.0001;
    arp.single_receiver_oscillator = true;
    arp.y = -0.0001;
    arp.quarter_cycle = 3;
    arp.z = 13743895.3471; // 2^37 - 1 units: the largest DF027
    arp.antenna_height = 6.5535;
    // Built independently from the field table (DF002 12, DF003 12, DF021 6, DF022-024 1,
    // DF141 1, DF025 38, DF142 1, DF001 1, DF026 38, DF364 2, DF027 38, DF028 16).
    const bytes expected = from_hex("d300153eeffffe8000000001bfffffffffdffffffffffffffed9c2");
    CHECK(encode_station_arp(arp) == expected);
    auto back = decode_station_arp(expected);
    REQUIRE(back);
    check_same(*back, arp);
}

TEST_CASE("rtcm3 1005/1006 refuse wrong sizes and types")
{
    byte_view p = payload(ublox_1005);
    bytes shorter(p.begin(), p.end() - 1);
    CHECK_FALSE(decode_station_arp(make_frame(shorter)));
    bytes longer(p.begin(), p.end());
    longer.push_back(0);
    CHECK_FALSE(decode_station_arp(make_frame(longer)));
    // A 1006 header on a 1005-sized payload, and a 1005 header on 1006's size.
    bytes as_1006(p.begin(), p.end());
    as_1006[1] = static_cast<std::uint8_t>((as_1006[1] & 0x0F) | 0xE0);
    REQUIRE(message_type(make_frame(as_1006)) == 1006);
    CHECK_FALSE(decode_station_arp(make_frame(as_1006)));
    longer.push_back(0);
    CHECK_FALSE(decode_station_arp(make_frame(longer)));
    for (std::size_t n = 0; n < p.size(); ++n)
        CHECK_FALSE(decode_station_arp(make_frame(p.first(n))));
    CHECK_FALSE(decode_station_arp(make_frame(bytes(19, 0xFF))));
}

TEST_CASE("rtcm3 encode_station_arp refuses out-of-range fields")
{
    station_arp ok;
    ok.type = 1006;
    ok.x = 13743895.3471;
    ok.y = -13743895.3472; // -2^37 units: the smallest DF026
    ok.antenna_height = 6.5535;
    ok.station_id = 4095;
    ok.itrf_year = 63;
    ok.quarter_cycle = 3;
    REQUIRE_FALSE(encode_station_arp(ok).empty());

    auto refused = [&](auto change) {
        station_arp a = ok;
        change(a);
        return encode_station_arp(a).empty();
    };
    CHECK(refused([](station_arp& a) { a.type = 1007; }));
    CHECK(refused([](station_arp& a) { a.station_id = 4096; }));
    CHECK(refused([](station_arp& a) { a.itrf_year = 64; }));
    CHECK(refused([](station_arp& a) { a.quarter_cycle = 4; }));
    CHECK(refused([](station_arp& a) { a.x = 13743895.3472; }));
    CHECK(refused([](station_arp& a) { a.z = -13743895.3473; }));
    CHECK(refused([](station_arp& a) { a.y = std::nan(""); }));
    CHECK(refused([](station_arp& a) { a.z = INFINITY; }));
    CHECK(refused([](station_arp& a) { a.antenna_height = 6.5536; }));
    CHECK(refused([](station_arp& a) { a.antenna_height = -0.0001; }));
    // 1005 has no height field, so its height is not checked.
    CHECK_FALSE(refused([](station_arp& a) {
        a.type = 1005;
        a.antenna_height = 100;
    }));
}

TEST_CASE("rtcm3 1005/1006 fixed-seed random round trip")
{
    std::mt19937 rng(1005);
    std::uniform_int_distribution<std::int64_t> ecef(-(std::int64_t{1} << 37),
                                                     (std::int64_t{1} << 37) - 1);
    std::uniform_int_distribution<int> bit(0, 1);
    for (int i = 0; i < 2000; ++i) {
        station_arp a;
        a.type = bit(rng) ? 1006 : 1005;
        a.station_id = static_cast<std::uint16_t>(rng() % 4096);
        a.itrf_year = static_cast<std::uint8_t>(rng() % 64);
        a.gps = bit(rng);
        a.glonass = bit(rng);
        a.galileo = bit(rng);
        a.reference_station = bit(rng);
        a.single_receiver_oscillator = bit(rng);
        a.quarter_cycle = static_cast<std::uint8_t>(rng() % 4);
        a.x = static_cast<double>(ecef(rng)) / 10000.0;
        a.y = static_cast<double>(ecef(rng)) / 10000.0;
        a.z = static_cast<double>(ecef(rng)) / 10000.0;
        a.antenna_height = a.type == 1006 ? static_cast<double>(rng() % 65536) / 10000.0 : 0;
        bytes f = encode_station_arp(a);
        REQUIRE(f.size() == (a.type == 1005 ? 25u : 27u));
        auto b = decode_station_arp(f);
        REQUIRE(b);
        check_same(*b, a);
        CHECK(station_id(f) == a.station_id);
        CHECK(encode_station_arp(*b) == f);
    }
}
