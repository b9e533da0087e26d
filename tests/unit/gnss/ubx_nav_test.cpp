// SPDX-License-Identifier: GPL-3.0-or-later
// Tests of the NAV-PVT, NAV-SAT, NAV-SIG and NAV-SVIN codecs on hand-built and captured frames.
#include "gnss/ubx_nav.hpp"

#include "tests/unit/gnss/ubx_frames.hpp"
#include "tests/unit/test_data.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <random>

namespace ubx = gnss::ubx;
using gnss::byte_view;
using gnss::bytes;

namespace {

// The payload of a frame built by an encoder, copied so a decoder over-read would be
// caught by the sanitizers rather than land in the checksum.
bytes payload_of(const bytes& frame)
{
    const auto v = ubx::parse_frame(frame);
    REQUIRE(v);
    return bytes(v->payload.begin(), v->payload.end());
}

std::int32_t wire_i32(const bytes& p, std::size_t off)
{
    return gnss::le_i32(p.data() + off);
}

ubx::nav_pvt sample_pvt()
{
    ubx::nav_pvt p;
    p.itow_ms = 204138000;
    p.year = 2022;
    p.month = 2;
    p.day = 8;
    p.hour = 8;
    p.minute = 42;
    p.second = 0;
    p.valid = 0x37;
    p.time_accuracy_ns = 20;
    p.nano = -12345;
    p.fix_type = 3;
    p.flags = 0x43;
    p.flags2 = 0xEA;
    p.satellites_used = 21;
    p.lon_deg = 15.2120431;
    p.lat_deg = -47.1290927;
    p.height_m = 383.456;
    p.height_msl_m = 339.001;
    p.h_accuracy_m = 0.014;
    p.v_accuracy_m = 0.010;
    p.vel_n_mm_s = -3;
    p.vel_e_mm_s = 2;
    p.vel_d_mm_s = 1;
    p.ground_speed_mm_s = 4;
    p.heading_motion = 12345678;
    p.speed_accuracy = 55;
    p.heading_accuracy = 17000000;
    p.pdop = 2.05;
    p.flags3 = 0x000E;
    p.heading_vehicle = -1000;
    p.mag_declination = -250;
    p.mag_accuracy = 300;
    return p;
}

} // namespace

TEST_CASE("NAV-PVT: fields land at the documented offsets and round-trip")
{
    const auto p = sample_pvt();
    const bytes f = ubx::encode_nav_pvt(p);
    REQUIRE(f.size() == 8 + ubx::nav_pvt_size);
    CHECK(f[2] == 0x01);
    CHECK(f[3] == 0x07);
    const bytes pl = payload_of(f);
    // Offsets per the interface description (pyubx2 and gpsd agree).
    CHECK(gnss::le_u16(pl.data() + 4) == 2022);
    CHECK(pl[20] == 3);
    CHECK(pl[23] == 21);
    CHECK(wire_i32(pl, 24) == 152120431);
    CHECK(wire_i32(pl, 28) == -471290927);
    CHECK(wire_i32(pl, 32) == 383456);
    CHECK(wire_i32(pl, 36) == 339001);
    CHECK(gnss::le_u32(pl.data() + 40) == 14);
    CHECK(gnss::le_u32(pl.data() + 44) == 10);
    CHECK(wire_i32(pl, 64) == 12345678);
    CHECK(gnss::le_u16(pl.data() + 76) == 205);
    CHECK(gnss::le_u16(pl.data() + 78) == 0x000E);
    CHECK(wire_i32(pl, 80) == 0); // reserved
    CHECK(wire_i32(pl, 84) == -1000);
    CHECK(gnss::le_i16(pl.data() + 88) == -250);

    const auto d = ubx::decode_nav_pvt({ubx::cls::nav, ubx::id::nav_pvt, pl});
    REQUIRE(d);
    CHECK(d->lat_deg == doctest::Approx(p.lat_deg).epsilon(1e-12));
    CHECK(d->lon_deg == doctest::Approx(p.lon_deg).epsilon(1e-12));
    CHECK(d->height_m == doctest::Approx(p.height_m));
    CHECK(d->pdop == doctest::Approx(2.05));
    CHECK(d->nano == -12345);
    CHECK(d->gnss_fix_ok());
    CHECK(ubx::encode_nav_pvt(*d) == f);
}

TEST_CASE("NAV-PVT: out-of-range values saturate instead of wrapping")
{
    ubx::nav_pvt p;
    p.lon_deg = 1e9;
    p.lat_deg = -1e9;
    p.height_m = std::numeric_limits<double>::quiet_NaN();
    p.h_accuracy_m = -5;
    p.v_accuracy_m = 1e12;
    p.pdop = 1e6;
    const bytes pl = payload_of(ubx::encode_nav_pvt(p));
    CHECK(wire_i32(pl, 24) == std::numeric_limits<std::int32_t>::max());
    CHECK(wire_i32(pl, 28) == std::numeric_limits<std::int32_t>::min());
    CHECK(wire_i32(pl, 32) == 0);
    CHECK(gnss::le_u32(pl.data() + 40) == 0);
    CHECK(gnss::le_u32(pl.data() + 44) == 0xFFFFFFFFu);
    CHECK(gnss::le_u16(pl.data() + 76) == 0xFFFF);
}

TEST_CASE("NAV decoders reject wrong class/id and every other length")
{
    const bytes pvt = payload_of(ubx::encode_nav_pvt(sample_pvt()));
    ubx::nav_svin svin;
    svin.duration_s = 5;
    const bytes sv = payload_of(ubx::encode_nav_svin(svin));
    // Every truncation, and one extra byte, of the fixed-size messages.
    for (std::size_t n = 0; n <= pvt.size() + 1; ++n) {
        bytes p = pvt;
        p.resize(n);
        CAPTURE(n);
        CHECK(ubx::decode_nav_pvt({ubx::cls::nav, ubx::id::nav_pvt, p}).has_value() ==
              (n == ubx::nav_pvt_size));
    }
    for (std::size_t n = 0; n <= sv.size() + 1; ++n) {
        bytes p = sv;
        p.resize(n);
        CAPTURE(n);
        CHECK(ubx::decode_nav_svin({ubx::cls::nav, ubx::id::nav_svin, p}).has_value() ==
              (n == ubx::nav_svin_size));
    }
    CHECK_FALSE(ubx::decode_nav_pvt({ubx::cls::nav, ubx::id::nav_sat, pvt}));
    CHECK_FALSE(ubx::decode_nav_pvt({ubx::cls::rxm, ubx::id::nav_pvt, pvt}));
    CHECK_FALSE(ubx::decode_nav_svin({ubx::cls::tim, ubx::id::nav_svin, sv}));
    bytes v1 = sv;
    v1[0] = 1; // unknown version
    CHECK_FALSE(ubx::decode_nav_svin({ubx::cls::nav, ubx::id::nav_svin, v1}));
}

TEST_CASE("NAV-SAT: 8 + 12 x numSvs, version 1, bounded by max_nav_sat_svs")
{
    ubx::nav_sat s;
    s.itow_ms = 123456;
    s.svs = {{0, 5, 45, 67, 271, -12, 0x1F5D}, {6, 255, 0, -5, -1, 300, 0x11}};
    const bytes f = ubx::encode_nav_sat(s);
    const bytes pl = payload_of(f);
    REQUIRE(pl.size() == 8 + 2 * 12);
    CHECK(pl[4] == 1);
    CHECK(pl[5] == 2);
    CHECK(gnss::le_i16(pl.data() + 8 + 12 + 4) == -1); // azimuth of the second SV
    const auto d = ubx::decode_nav_sat({ubx::cls::nav, ubx::id::nav_sat, pl});
    REQUIRE(d);
    CHECK(*d == s);
    CHECK(d->svs[0].used());
    CHECK_FALSE(d->svs[1].used());

    // numSvs disagreeing with the length, in both directions, and every truncation.
    for (std::size_t n = 0; n < pl.size() + 12; ++n) {
        bytes p = pl;
        p.resize(n);
        CAPTURE(n);
        CHECK(ubx::decode_nav_sat({ubx::cls::nav, ubx::id::nav_sat, p}).has_value() ==
              (n == pl.size()));
    }
    bytes wrong_version = pl;
    wrong_version[4] = 0;
    CHECK_FALSE(ubx::decode_nav_sat({ubx::cls::nav, ubx::id::nav_sat, wrong_version}));
    bytes fewer = pl;
    fewer[5] = 1;
    CHECK_FALSE(ubx::decode_nav_sat({ubx::cls::nav, ubx::id::nav_sat, fewer}));

    ubx::nav_sat many;
    many.svs.resize(ubx::max_nav_sat_svs + 3);
    const auto m = ubx::decode_nav_sat(*ubx::parse_frame(ubx::encode_nav_sat(many)));
    REQUIRE(m);
    CHECK(m->svs.size() == ubx::max_nav_sat_svs);
}

TEST_CASE("NAV-SIG: 8 + 16 x numSigs, version 0, bounded by max_nav_sig_sigs")
{
    ubx::nav_sig s;
    s.itow_ms = 99;
    s.signals = {{2, 11, 5, 0, -7, 41, 7, 1, 3, 0x0129}, {6, 3, 2, 12, 20, 30, 4, 0, 0, 0x01}};
    const bytes pl = payload_of(ubx::encode_nav_sig(s));
    REQUIRE(pl.size() == 8 + 2 * 16);
    CHECK(pl[4] == 0);
    CHECK(pl[5] == 2);
    CHECK(pl[8 + 16 + 3] == 12);                       // freqId of the second signal
    CHECK(gnss::le_u16(pl.data() + 8 + 10) == 0x0129); // sigFlags of the first
    const auto d = ubx::decode_nav_sig({ubx::cls::nav, ubx::id::nav_sig, pl});
    REQUIRE(d);
    CHECK(*d == s);
    CHECK(d->signals[0].used());
    CHECK_FALSE(d->signals[1].used());
    for (std::size_t n = 0; n < pl.size() + 16; ++n) {
        bytes p = pl;
        p.resize(n);
        CAPTURE(n);
        CHECK(ubx::decode_nav_sig({ubx::cls::nav, ubx::id::nav_sig, p}).has_value() ==
              (n == pl.size()));
    }
    bytes wrong_version = pl;
    wrong_version[4] = 1;
    CHECK_FALSE(ubx::decode_nav_sig({ubx::cls::nav, ubx::id::nav_sig, wrong_version}));
    CHECK_FALSE(ubx::decode_nav_sig({ubx::cls::nav, ubx::id::nav_sat, pl}));

    ubx::nav_sig many;
    many.signals.resize(ubx::max_nav_sig_sigs + 1);
    const auto m = ubx::decode_nav_sig(*ubx::parse_frame(ubx::encode_nav_sig(many)));
    REQUIRE(m);
    CHECK(m->signals.size() == ubx::max_nav_sig_sigs);
}

TEST_CASE("NAV-SVIN: cm + 0.1 mm split, accuracy and flags")
{
    ubx::nav_svin s;
    s.itow_ms = 204138000;
    s.duration_s = 30;
    s.mean_x_m = 4444030.8029;
    s.mean_y_m = 3085671.2349;
    s.mean_z_m = 3366658.2560;
    s.mean_accuracy_m = 0.8383;
    s.observations = 31;
    s.valid = true;
    const bytes pl = payload_of(ubx::encode_nav_svin(s));
    REQUIRE(pl.size() == ubx::nav_svin_size);
    CHECK(wire_i32(pl, 12) == 444403080);
    CHECK(static_cast<std::int8_t>(pl[24]) == 29);
    CHECK(wire_i32(pl, 16) == 308567123);
    CHECK(static_cast<std::int8_t>(pl[25]) == 49);
    CHECK(wire_i32(pl, 20) == 336665826); // nearest cm, so the 0.1 mm part is negative
    CHECK(static_cast<std::int8_t>(pl[26]) == -40);
    CHECK(gnss::le_u32(pl.data() + 28) == 8383);
    CHECK(gnss::le_u32(pl.data() + 32) == 31);
    CHECK(pl[36] == 1);
    CHECK(pl[37] == 0);
    const auto d = ubx::decode_nav_svin({ubx::cls::nav, ubx::id::nav_svin, pl});
    REQUIRE(d);
    CHECK(d->mean_z_m == doctest::Approx(3366658.2560).epsilon(1e-13));
    CHECK(d->valid);
    CHECK_FALSE(d->active);

    // Means beyond what I4 cm + I1 can carry saturate at the ends of the range.
    ubx::nav_svin far;
    far.mean_x_m = 1e12;
    far.mean_y_m = -1e12;
    far.mean_z_m = -0.0051; // -51 x 0.1 mm: rounds to -1 cm + 4.9 mm
    const bytes fp = payload_of(ubx::encode_nav_svin(far));
    CHECK(wire_i32(fp, 12) == std::numeric_limits<std::int32_t>::max());
    CHECK(static_cast<std::int8_t>(fp[24]) == 99);
    CHECK(wire_i32(fp, 16) == std::numeric_limits<std::int32_t>::min());
    CHECK(static_cast<std::int8_t>(fp[25]) == -99);
    CHECK(wire_i32(fp, 20) == -1);
    CHECK(static_cast<std::int8_t>(fp[26]) == 49);
}

TEST_CASE("fixed-seed random NAV messages round-trip through encode and decode")
{
    std::mt19937 rng(20240607);
    auto u8 = [&] { return static_cast<std::uint8_t>(rng()); };
    auto i32 = [&] { return static_cast<std::int32_t>(rng()); };
    for (int round = 0; round < 300; ++round) {
        // Random wire bytes in a valid shape: decode, re-encode, decode again.
        bytes pvt(ubx::nav_pvt_size);
        for (auto& b : pvt)
            b = u8();
        const auto p = ubx::decode_nav_pvt({ubx::cls::nav, ubx::id::nav_pvt, pvt});
        REQUIRE(p);
        const bytes pf = ubx::encode_nav_pvt(*p);
        CHECK(ubx::decode_nav_pvt(*ubx::parse_frame(pf)) == p);
        bytes expect = pvt;
        std::fill(expect.begin() + 80, expect.begin() + 84, 0); // reserved
        CHECK(payload_of(pf) == expect);

        ubx::nav_sat s;
        s.itow_ms = static_cast<std::uint32_t>(rng());
        s.svs.resize(rng() % 60);
        for (auto& sv : s.svs)
            sv = {u8(),
                  u8(),
                  u8(),
                  static_cast<std::int8_t>(u8()),
                  static_cast<std::int16_t>(rng()),
                  static_cast<std::int16_t>(rng()),
                  static_cast<std::uint32_t>(rng())};
        CHECK(ubx::decode_nav_sat(*ubx::parse_frame(ubx::encode_nav_sat(s))) == s);

        ubx::nav_sig g;
        g.itow_ms = static_cast<std::uint32_t>(rng());
        g.signals.resize(rng() % 120);
        for (auto& x : g.signals)
            x = {u8(), u8(), u8(), u8(), static_cast<std::int16_t>(rng()),
                 u8(), u8(), u8(), u8(), static_cast<std::uint16_t>(rng())};
        CHECK(ubx::decode_nav_sig(*ubx::parse_frame(ubx::encode_nav_sig(g))) == g);

        bytes svin(ubx::nav_svin_size);
        for (auto& b : svin)
            b = u8();
        svin[0] = 0;
        for (int k = 24; k <= 26; ++k) // high-precision parts are -99..99
            svin[static_cast<std::size_t>(k)] =
                static_cast<std::uint8_t>(static_cast<int>(u8() % 199) - 99);
        const auto v = ubx::decode_nav_svin({ubx::cls::nav, ubx::id::nav_svin, svin});
        REQUIRE(v);
        const bytes vf = ubx::encode_nav_svin(*v);
        CHECK(ubx::decode_nav_svin(*ubx::parse_frame(vf)) == v);
        CHECK(ubx::encode_nav_svin(*ubx::decode_nav_svin(*ubx::parse_frame(vf))) == vf);

        // A mean given in metres comes back within the 0.1 mm wire resolution.
        ubx::nav_svin m;
        m.mean_x_m = i32() / 137.0;
        const auto md = ubx::decode_nav_svin(*ubx::parse_frame(ubx::encode_nav_svin(m)));
        REQUIRE(md);
        CHECK(std::abs(md->mean_x_m - m.mean_x_m) <= 0.5e-4 + 1e-9);
    }
}

TEST_CASE("capture: ZED-F9P HPG 1.32 navigation stream (gpsd regression log)")
{
    const auto data = cairn_test::capture("zed-f9p-hpg132-nav.ubx");
    const auto scan = cairn_test::ubx_frames(data);
    CHECK(scan.frames.size() == 70);
    CHECK(scan.unframed == 1); // the trailing newline
    std::map<std::string, int> by_name;
    int pvts = 0;
    int sats = 0;
    for (const auto& f : scan.frames) {
        const auto v = ubx::parse_frame(f);
        REQUIRE(v);
        ++by_name[ubx::message_name(v->msg_class, v->msg_id)];
        if (const auto p = ubx::decode_nav_pvt(*v)) {
            ++pvts;
            CHECK(p->fix_type == 3);
            CHECK(p->gnss_fix_ok());
            CHECK((p->flags >> 6) == 1); // carrSoln: float RTK
            CHECK(p->lat_deg == doctest::Approx(47.12909).epsilon(1e-6));
            CHECK(p->lon_deg == doctest::Approx(15.21204).epsilon(1e-6));
            CHECK(p->year == 2022);
            CHECK(p->satellites_used >= 17);
            CHECK(p->pdop > 1.0);
            CHECK(p->pdop < 3.0);
            // Re-encoding reproduces every byte except the four reserved ones.
            const bytes again = ubx::encode_nav_pvt(*p);
            CHECK(ubx::decode_nav_pvt(*ubx::parse_frame(again)) == p);
            bytes expect(v->payload.begin(), v->payload.end());
            std::fill(expect.begin() + 80, expect.begin() + 84, 0);
            CHECK(payload_of(again) == expect);
        }
        if (const auto s = ubx::decode_nav_sat(*v)) {
            ++sats;
            CHECK(s->svs.size() == 54);
            CHECK(v->payload.size() == 8 + 12 * s->svs.size());
            const auto used = std::count_if(s->svs.begin(), s->svs.end(),
                                            [](const auto& sv) { return sv.used(); });
            CHECK(used >= 17);
            CHECK(ubx::encode_nav_sat(*s) == f);
        }
    }
    CHECK(pvts == 10);
    CHECK(sats == 10);
    for (const char* name : {"NAV-PVT", "NAV-SAT", "NAV-POSECEF", "NAV-VELECEF", "NAV-DOP",
                             "NAV-TIMEGPS", "NAV-EOE"}) {
        CAPTURE(name);
        CHECK(by_name[name] == 10);
    }
}

TEST_CASE("capture: u-center session NAV messages")
{
    const auto data = cairn_test::capture("zed-f9p-ucenter-session.ubx");
    const auto scan = cairn_test::ubx_frames(data);
    int svins = 0;
    int pvts = 0;
    int sats = 0;
    for (const auto& f : scan.frames) {
        const auto v = ubx::parse_frame(f);
        REQUIRE(v);
        if (const auto s = ubx::decode_nav_svin(*v)) {
            ++svins;
            CHECK_FALSE(s->valid); // polled before any survey-in ran
            CHECK_FALSE(s->active);
            CHECK(s->duration_s == 0);
            CHECK(s->mean_accuracy_m == doctest::Approx(94868.3264));
            CHECK(ubx::encode_nav_svin(*s) == f);
        }
        if (const auto p = ubx::decode_nav_pvt(*v)) {
            ++pvts;
            CHECK(p->fix_type == 3);
            CHECK(p->lat_deg == doctest::Approx(53.45067).epsilon(1e-6));
            CHECK(p->lon_deg == doctest::Approx(-2.2403057).epsilon(1e-6));
            CHECK(p->pdop == doctest::Approx(3.05));
        }
        if (const auto s = ubx::decode_nav_sat(*v)) {
            ++sats;
            CHECK(s->svs.size() == 15);
            CHECK(ubx::encode_nav_sat(*s) == f);
        }
    }
    CHECK(svins == 2);
    CHECK(pvts == 2);
    CHECK(sats == 2);
}

TEST_CASE("capture: F9 base in fixed mode, UBX mixed with RTCM3 and NMEA")
{
    const auto data = cairn_test::capture("u-blox-f9-base-mixed-nmea-ubx-rtcm3.log");
    const auto scan = cairn_test::ubx_frames(data);
    int pvts = 0;
    int svins = 0;
    for (const auto& f : scan.frames) {
        const auto v = ubx::parse_frame(f);
        REQUIRE(v);
        if (const auto p = ubx::decode_nav_pvt(*v)) {
            ++pvts;
            CHECK(p->fix_type == 5); // time only: a base at a fixed position
            CHECK(p->gnss_fix_ok());
            CHECK(p->lat_deg == doctest::Approx(32.0658325).epsilon(1e-9));
            CHECK(p->lon_deg == doctest::Approx(34.773819).epsilon(1e-9));
            CHECK(p->satellites_used >= 30);
            CHECK(ubx::decode_nav_pvt(*ubx::parse_frame(ubx::encode_nav_pvt(*p))) == p);
        }
        if (const auto s = ubx::decode_nav_svin(*v)) {
            ++svins;
            CHECK(s->valid);
            CHECK_FALSE(s->active);
            CHECK(s->duration_s == 30);
            CHECK(s->observations == 31);
            CHECK(s->mean_accuracy_m == doctest::Approx(0.8383));
            // The survey mean matches the RTCM 1005 position in the same log (0.1 mm).
            CHECK(std::abs(s->mean_x_m - 4444030.8028) <= 2e-4);
            CHECK(std::abs(s->mean_y_m - 3085671.2349) <= 2e-4);
            CHECK(std::abs(s->mean_z_m - 3366658.2560) <= 2e-4);
            CHECK(ubx::encode_nav_svin(*s) == f); // byte-exact, HP split included
        }
    }
    CHECK(pvts == 158);
    CHECK(svins == 16);
}

TEST_CASE("NAV-SVIN with a high-precision part outside -99..99 is refused")
{
    // Found by ubx_fuzz: such a frame decoded to a mean that could not round-trip.
    gnss::ubx::nav_svin s;
    s.mean_x_m = 4444030.8028;
    auto frame = gnss::ubx::encode_nav_svin(s);
    auto v = gnss::ubx::parse_frame(frame);
    REQUIRE(v);
    REQUIRE(gnss::ubx::decode_nav_svin(*v));
    gnss::bytes payload(v->payload.begin(), v->payload.end());
    payload[24] = 0x80; // -128
    auto bad = gnss::ubx::make_frame(gnss::ubx::cls::nav, gnss::ubx::id::nav_svin, payload);
    auto bv = gnss::ubx::parse_frame(bad);
    REQUIRE(bv);
    CHECK_FALSE(gnss::ubx::decode_nav_svin(*bv));
    payload[24] = 99;
    auto edge = gnss::ubx::make_frame(gnss::ubx::cls::nav, gnss::ubx::id::nav_svin, payload);
    CHECK(gnss::ubx::decode_nav_svin(*gnss::ubx::parse_frame(edge)));
}
