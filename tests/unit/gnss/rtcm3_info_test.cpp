// SPDX-License-Identifier: GPL-3.0-or-later
// Tests of the RTCM3 1008 and 1033 (antenna and receiver descriptor) codec.
#include "gnss/rtcm3_info.hpp"

#include "gnss/framer.hpp"
#include "gnss/rtcm3.hpp"
#include "tests/unit/test_data.hpp"

#include <doctest/doctest.h>

#include <random>

using namespace gnss;
using namespace gnss::rtcm3;

namespace {

// The first RTCM3 frame of the given type in a capture.
bytes capture_frame(const std::string& name, std::uint16_t type)
{
    bytes data = cairn_test::capture(name);
    bytes out;
    framer f;
    f.feed(data, [&](const frame& fr) {
        if (out.empty() && fr.kind == frame_kind::rtcm3 && message_type(fr.bytes) == type)
            out.assign(fr.bytes.begin(), fr.bytes.end());
    });
    REQUIRE_FALSE(out.empty());
    return out;
}

void check_same(const antenna_info& a, const antenna_info& b)
{
    CHECK(a.type == b.type);
    CHECK(a.station_id == b.station_id);
    CHECK(a.descriptor == b.descriptor);
    CHECK(a.setup_id == b.setup_id);
    CHECK(a.serial == b.serial);
    CHECK(a.receiver_type == b.receiver_type);
    CHECK(a.firmware == b.firmware);
    CHECK(a.receiver_serial == b.receiver_serial);
}

antenna_info sample(std::uint16_t type)
{
    antenna_info a;
    a.type = type;
    a.station_id = 2345;
    a.descriptor = "TRM59800.00     NONE";
    a.setup_id = 3;
    a.serial = "5000118597";
    if (type == 1033) {
        a.receiver_type = "u-blox ZED-F9P";
        a.firmware = "HPG 1.32";
        a.receiver_serial = "1234567890";
    }
    return a;
}

} // namespace

TEST_CASE("rtcm3 1008 and 1033 of a Septentrio PolaRx5")
{
    const char* capture = "septentrio-polarx5-alltypes.rtcm3";
    bytes f1008 = capture_frame(capture, 1008);
    auto a = decode_antenna_info(f1008);
    REQUIRE(a);
    CHECK(a->type == 1008);
    CHECK(a->station_id == 0);
    CHECK(a->descriptor == "SEPCHOKE_B3E6   SPKE");
    CHECK(a->setup_id == 0);
    CHECK(a->serial == "5856");
    CHECK(a->receiver_type.empty());
    CHECK(encode_antenna_info(*a) == f1008);

    bytes f1033 = capture_frame(capture, 1033);
    auto b = decode_antenna_info(f1033);
    REQUIRE(b);
    CHECK(b->type == 1033);
    CHECK(b->descriptor == "SEPCHOKE_B3E6   SPKE");
    CHECK(b->serial == "5856");
    CHECK(b->receiver_type == "SEPT POLARX5");
    CHECK(b->firmware == "5.5.0");
    CHECK(b->receiver_serial == "3075024");
    CHECK(encode_antenna_info(*b) == f1033);

    // 1007 carries a descriptor too, but is not one of ours; nor is 1005.
    CHECK_FALSE(decode_antenna_info(capture_frame(capture, 1007)));
    CHECK_FALSE(decode_antenna_info(capture_frame(capture, 1005)));
}

TEST_CASE("rtcm3 1008/1033 bit layout")
{
    antenna_info a;
    a.type = 1008;
    a.station_id = 0x123;
    a.descriptor = "AB";
    a.setup_id = 7;
    a.serial = "Z";
    auto f = encode_antenna_info(a);
    REQUIRE(f);
    // 1008 = 0x3F0; DF003 0x123; N=2 "AB"; setup 7; M=1 "Z".
    const bytes p = {0x3F, 0x01, 0x23, 0x02, 'A', 'B', 0x07, 0x01, 'Z'};
    CHECK(*f == make_frame(p));
    a.type = 1033;
    a.receiver_type = "R";
    f = encode_antenna_info(a);
    REQUIRE(f);
    const bytes q = {0x40, 0x91, 0x23, 0x02, 'A', 'B', 0x07, 0x01, 'Z', 0x01, 'R', 0x00, 0x00};
    CHECK(*f == make_frame(q));
}

TEST_CASE("rtcm3 1008/1033 round trips")
{
    for (std::uint16_t type : {1008, 1033}) {
        CAPTURE(type);
        antenna_info a = sample(type);
        auto f = encode_antenna_info(a);
        REQUIRE(f);
        CHECK(message_type(*f) == type);
        CHECK(station_id(*f) == 2345);
        auto b = decode_antenna_info(*f);
        REQUIRE(b);
        check_same(*b, a);
        CHECK(encode_antenna_info(*b) == f);
    }
    // 1008 has no receiver strings: they are not sent.
    antenna_info a = sample(1033);
    a.type = 1008;
    auto b = decode_antenna_info(*encode_antenna_info(a));
    REQUIRE(b);
    CHECK(b->receiver_type.empty());
    CHECK(b->firmware.empty());
    CHECK(b->serial == a.serial);
}

TEST_CASE("rtcm3 descriptors stop at max_descriptor characters")
{
    antenna_info a = sample(1033);
    a.descriptor.assign(max_descriptor, 'D');
    a.receiver_serial.assign(max_descriptor, 'S');
    auto f = encode_antenna_info(a);
    REQUIRE(f);
    auto b = decode_antenna_info(*f);
    REQUIRE(b);
    CHECK(b->descriptor.size() == max_descriptor);
    CHECK(b->receiver_serial.size() == max_descriptor);

    for (std::string antenna_info::*field :
         {&antenna_info::descriptor, &antenna_info::serial, &antenna_info::receiver_type,
          &antenna_info::firmware, &antenna_info::receiver_serial}) {
        antenna_info c = sample(1033);
        (c.*field).assign(max_descriptor + 1, 'X');
        CHECK_FALSE(encode_antenna_info(c));
    }
    antenna_info d = sample(1008);
    d.station_id = 4096;
    CHECK_FALSE(encode_antenna_info(d));
    d = sample(1008);
    d.type = 1007;
    CHECK_FALSE(encode_antenna_info(d));

    // A counter of 32 with 32 characters present is outside RTCM's range: refused.
    bit_writer w;
    w.u(1008, 12);
    w.u(1, 12);
    w.u(max_descriptor + 1, 8);
    for (std::size_t i = 0; i <= max_descriptor; ++i)
        w.u('A', 8);
    w.u(0, 8);
    w.u(0, 8);
    CHECK_FALSE(decode_antenna_info(make_frame(w.data())));
}

TEST_CASE("rtcm3 1008/1033 decoding rejects overruns and trailing bytes")
{
    bytes f = *encode_antenna_info(sample(1033));
    byte_view p = payload(f);
    REQUIRE_FALSE(p.empty());
    // Every truncated payload, re-framed with a valid CRC, is refused.
    for (std::size_t n = 0; n < p.size(); ++n) {
        CAPTURE(n);
        CHECK_FALSE(decode_antenna_info(make_frame(p.first(n))));
    }
    bytes longer(p.begin(), p.end());
    longer.push_back(0);
    CHECK_FALSE(decode_antenna_info(make_frame(longer)));

    // A counter claiming more characters than the payload holds.
    bytes lying = {0x3F, 0x01, 0x23, 0x02, 'A', 'B', 0x07, 0x01, 'Z'};
    REQUIRE(decode_antenna_info(make_frame(lying)));
    lying[7] = 2; // serial counter: one character more than there is
    CHECK_FALSE(decode_antenna_info(make_frame(lying)));
    lying[7] = 1;
    lying[3] = 5; // descriptor counter runs into the rest and past the end
    CHECK_FALSE(decode_antenna_info(make_frame(lying)));
    // And the unframed or corrupted frame itself.
    CHECK_FALSE(decode_antenna_info(p));
    bytes corrupt = f;
    corrupt[10] ^= 0x01;
    CHECK_FALSE(decode_antenna_info(corrupt));
    for (std::size_t n = 0; n < f.size(); ++n)
        CHECK_FALSE(decode_antenna_info(byte_view(f).first(n)));
}

TEST_CASE("rtcm3 1008/1033 fixed-seed random round trip")
{
    std::mt19937 rng(1033);
    auto text = [&] {
        std::string s(rng() % (max_descriptor + 1), '\0');
        for (char& c : s)
            c = static_cast<char>(rng() % 256); // ISO 8859-1, NUL included
        return s;
    };
    for (int i = 0; i < 1000; ++i) {
        antenna_info a;
        a.type = rng() % 2 ? 1008 : 1033;
        a.station_id = static_cast<std::uint16_t>(rng() % 4096);
        a.descriptor = text();
        a.setup_id = static_cast<std::uint8_t>(rng() % 256);
        a.serial = text();
        if (a.type == 1033) {
            a.receiver_type = text();
            a.firmware = text();
            a.receiver_serial = text();
        }
        auto f = encode_antenna_info(a);
        REQUIRE(f);
        auto b = decode_antenna_info(*f);
        REQUIRE(b);
        check_same(*b, a);
    }
}
