// SPDX-License-Identifier: GPL-3.0-or-later
// Tests of UBX framing, message names, ACK and MON-VER, on hand-built and captured frames.
#include "gnss/ubx.hpp"

#include "gnss/crc.hpp"

#include "tests/unit/gnss/ubx_frames.hpp"
#include "tests/unit/test_data.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>

namespace ubx = gnss::ubx;
using gnss::byte_view;
using gnss::bytes;

namespace {

// MON-VER poll and an ACK-ACK for CFG-MSG, as u-center sends and receives them.
const bytes mon_ver_poll{0xB5, 0x62, 0x0A, 0x04, 0x00, 0x00, 0x0E, 0x34};
const bytes ack_cfg_msg{0xB5, 0x62, 0x05, 0x01, 0x02, 0x00, 0x06, 0x01, 0x0F, 0x38};

} // namespace

TEST_CASE("make_frame writes sync, class, id, length, payload and Fletcher checksum")
{
    CHECK(ubx::make_frame(ubx::cls::mon, ubx::id::mon_ver, {}) == mon_ver_poll);
    const bytes payload{0x06, 0x01};
    CHECK(ubx::make_frame(ubx::cls::ack, ubx::id::ack_ack, payload) == ack_cfg_msg);

    const auto v = ubx::parse_frame(ack_cfg_msg);
    REQUIRE(v);
    CHECK(v->msg_class == 0x05);
    CHECK(v->msg_id == 0x01);
    REQUIRE(v->payload.size() == 2);
    CHECK(v->payload.data() == ack_cfg_msg.data() + 6); // points into the frame
}

TEST_CASE("parse_frame rejects bad sync, length mismatch and checksum errors")
{
    CHECK_FALSE(ubx::parse_frame({}));
    for (std::size_t i = 0; i < ack_cfg_msg.size(); ++i) {
        // Any single changed byte (sync, header, payload or checksum) must be caught:
        // Fletcher-8 detects every single-byte error, and sync/length are checked directly.
        for (std::uint8_t delta : {0x01, 0x80, 0xFF}) {
            bytes f = ack_cfg_msg;
            f[i] = static_cast<std::uint8_t>(f[i] + delta);
            CAPTURE(i);
            CAPTURE(delta);
            CHECK_FALSE(ubx::parse_frame(f));
        }
    }
}

TEST_CASE("parse_frame: every split of a frame, and extra bytes, are rejected")
{
    const bytes payload(37, 0xA5);
    const bytes frame = ubx::make_frame(0x01, 0x99, payload);
    REQUIRE(ubx::parse_frame(frame));
    const byte_view all(frame);
    for (std::size_t cut = 0; cut < frame.size(); ++cut) {
        CAPTURE(cut);
        CHECK_FALSE(ubx::parse_frame(all.first(cut)));
        if (cut > 0)
            CHECK_FALSE(ubx::parse_frame(all.subspan(cut)));
    }
    bytes longer = frame;
    longer.push_back(0x00);
    CHECK_FALSE(ubx::parse_frame(longer));
    bytes two = frame;
    two.insert(two.end(), frame.begin(), frame.end());
    CHECK_FALSE(ubx::parse_frame(two));
}

TEST_CASE("max_payload bounds make_frame and parse_frame")
{
    const bytes at_limit(ubx::max_payload, 0x11);
    const bytes frame = ubx::make_frame(0x02, 0x15, at_limit);
    REQUIRE(frame.size() == ubx::max_payload + 8);
    const auto v = ubx::parse_frame(frame);
    REQUIRE(v);
    CHECK(v->payload.size() == ubx::max_payload);

    const bytes over(ubx::max_payload + 1, 0x11);
    CHECK(ubx::make_frame(0x02, 0x15, over).empty());
    // Hand-built frame one byte over the limit, with a correct checksum.
    bytes big{ubx::sync1, ubx::sync2, 0x02, 0x15};
    gnss::put_le_u16(big, static_cast<std::uint16_t>(over.size()));
    big.insert(big.end(), over.begin(), over.end());
    const auto [a, b] = gnss::ubx_checksum(byte_view(big).subspan(2));
    big.push_back(a);
    big.push_back(b);
    CHECK_FALSE(ubx::parse_frame(big));
}

TEST_CASE("message_name knows the common messages and formats the rest as hex")
{
    const std::map<std::pair<int, int>, const char*> known{
        {{0x01, 0x07}, "NAV-PVT"},       {{0x01, 0x35}, "NAV-SAT"},
        {{0x01, 0x43}, "NAV-SIG"},       {{0x01, 0x3B}, "NAV-SVIN"},
        {{0x01, 0x01}, "NAV-POSECEF"},   {{0x01, 0x11}, "NAV-VELECEF"},
        {{0x01, 0x04}, "NAV-DOP"},       {{0x01, 0x20}, "NAV-TIMEGPS"},
        {{0x01, 0x61}, "NAV-EOE"},       {{0x01, 0x22}, "NAV-CLOCK"},
        {{0x01, 0x3C}, "NAV-RELPOSNED"}, {{0x01, 0x34}, "NAV-ORB"},
        {{0x01, 0x03}, "NAV-STATUS"},    {{0x01, 0x14}, "NAV-HPPOSLLH"},
        {{0x01, 0x13}, "NAV-HPPOSECEF"}, {{0x02, 0x15}, "RXM-RAWX"},
        {{0x02, 0x13}, "RXM-SFRBX"},     {{0x02, 0x14}, "RXM-MEASX"},
        {{0x05, 0x01}, "ACK-ACK"},       {{0x05, 0x00}, "ACK-NAK"},
        {{0x06, 0x8A}, "CFG-VALSET"},    {{0x06, 0x8B}, "CFG-VALGET"},
        {{0x06, 0x8C}, "CFG-VALDEL"},    {{0x06, 0x01}, "CFG-MSG"},
        {{0x06, 0x00}, "CFG-PRT"},       {{0x06, 0x09}, "CFG-CFG"},
        {{0x06, 0x08}, "CFG-RATE"},      {{0x0A, 0x04}, "MON-VER"},
        {{0x0A, 0x09}, "MON-HW"},        {{0x0A, 0x02}, "MON-IO"},
        {{0x0A, 0x36}, "MON-COMMS"},     {{0x0A, 0x06}, "MON-MSGPP"},
        {{0x0A, 0x38}, "MON-RF"},        {{0x0A, 0x31}, "MON-SPAN"},
        {{0x0D, 0x01}, "TIM-TP"},        {{0x04, 0x00}, "INF-ERROR"},
    };
    for (const auto& [k, name] : known)
        CHECK(ubx::message_name(static_cast<std::uint8_t>(k.first),
                                static_cast<std::uint8_t>(k.second)) == name);
    CHECK(ubx::message_name(0x0C, 0x4B) == "0x0C-0x4B"); // undocumented debug class
    CHECK(ubx::message_name(0x27, 0x00) == "0x27-0x00");
    CHECK(ubx::message_name(0xFF, 0xAB) == "0xFF-0xAB");
    CHECK(ubx::message_name(0x00, 0x00) == "0x00-0x00");
    CHECK(ubx::message_name(0x01, 0xFF) == "0x01-0xFF"); // known class, unknown id
}

TEST_CASE("ACK-ACK and ACK-NAK decode, encode and reject other shapes")
{
    const auto a = ubx::decode_ack(*ubx::parse_frame(ack_cfg_msg));
    REQUIRE(a);
    CHECK(a->accepted);
    CHECK(a->msg_class == 0x06);
    CHECK(a->msg_id == 0x01);
    CHECK(ubx::encode_ack(*a) == ack_cfg_msg);

    const ubx::ack nak{false, 0x06, 0x8A};
    const bytes f = ubx::encode_ack(nak);
    const auto v = ubx::parse_frame(f);
    REQUIRE(v);
    CHECK(v->msg_id == ubx::id::ack_nak);
    CHECK(ubx::decode_ack(*v) == nak);

    const bytes two{0x06, 0x01};
    const bytes three{0x06, 0x01, 0x00};
    CHECK_FALSE(ubx::decode_ack({ubx::cls::ack, 0x02, two}));   // not ACK/NAK
    CHECK_FALSE(ubx::decode_ack({ubx::cls::nav, 0x01, two}));   // wrong class
    CHECK_FALSE(ubx::decode_ack({ubx::cls::ack, 0x01, three})); // extra byte
    CHECK_FALSE(ubx::decode_ack({ubx::cls::ack, 0x01, byte_view(two).first(1)}));
    CHECK_FALSE(ubx::decode_ack({ubx::cls::ack, 0x01, {}}));
}

TEST_CASE("MON-VER round trip, extension lookups and field limits")
{
    ubx::mon_ver v;
    v.software = "EXT CORE 1.00 (0fa0ae)";
    v.hardware = "00190000";
    v.extensions = {"ROM BASE 0x118B2060", "FWVER=HPG 1.32", "PROTVER=27.31", "MOD=ZED-F9P"};
    const bytes f = ubx::encode_mon_ver(v);
    CHECK(f.size() == 8 + 40 + 4 * 30);
    const auto d = ubx::decode_mon_ver(*ubx::parse_frame(f));
    REQUIRE(d);
    CHECK(*d == v);
    CHECK(d->model() == "ZED-F9P");
    CHECK(d->firmware() == "HPG 1.32");
    CHECK(d->protocol() == "27.31");

    ubx::mon_ver none;
    none.software = "ROM CORE 3.01 (107888)";
    const auto n = ubx::decode_mon_ver(*ubx::parse_frame(ubx::encode_mon_ver(none)));
    REQUIRE(n);
    CHECK(n->extensions.empty());
    CHECK(n->model().empty());
    CHECK(n->firmware().empty());
    CHECK(n->protocol().empty());

    // Strings longer than their field are cut, not spilled into the next field.
    ubx::mon_ver wide;
    wide.software = std::string(40, 'S');
    wide.hardware = std::string(12, 'H');
    wide.extensions = {std::string(31, 'E')};
    const auto w = ubx::decode_mon_ver(*ubx::parse_frame(ubx::encode_mon_ver(wide)));
    REQUIRE(w);
    CHECK(w->software == std::string(30, 'S'));
    CHECK(w->hardware == std::string(10, 'H'));
    CHECK(w->extensions == std::vector<std::string>{std::string(30, 'E')});
}

TEST_CASE("MON-VER rejects poll-sized and misaligned payloads and too many extensions")
{
    for (std::size_t len : {0u, 1u, 39u, 41u, 69u, 71u, 99u}) {
        const bytes p(len, 'x');
        CAPTURE(len);
        CHECK_FALSE(ubx::decode_mon_ver({ubx::cls::mon, ubx::id::mon_ver, p}));
    }
    const bytes ok(40 + 30, 'x');
    CHECK(ubx::decode_mon_ver({ubx::cls::mon, ubx::id::mon_ver, ok}));
    CHECK_FALSE(ubx::decode_mon_ver({ubx::cls::mon, 0x05, ok}));
    CHECK_FALSE(ubx::decode_mon_ver({ubx::cls::nav, ubx::id::mon_ver, ok}));

    // The limit: an encoder drops extensions past it, a decoder refuses them.
    ubx::mon_ver many;
    many.extensions.assign(ubx::max_mon_ver_extensions + 5, "X=1");
    const bytes f = ubx::encode_mon_ver(many);
    REQUIRE_FALSE(f.empty());
    const auto d = ubx::decode_mon_ver(*ubx::parse_frame(f));
    REQUIRE(d);
    CHECK(d->extensions.size() == ubx::max_mon_ver_extensions);
    const bytes over(ubx::mon_ver_fixed_size + 30 * (ubx::max_mon_ver_extensions + 1), 0);
    CHECK_FALSE(ubx::decode_mon_ver({ubx::cls::mon, ubx::id::mon_ver, over}));
}

TEST_CASE("fixed-seed random frames, ACKs and MON-VERs round-trip")
{
    std::mt19937 rng(0xC0FFEE);
    auto byte = [&] { return static_cast<std::uint8_t>(rng() & 0xFF); };
    auto text = [&](std::size_t max) {
        std::string s(rng() % (max + 1), ' ');
        for (auto& c : s)
            c = static_cast<char>(0x20 + rng() % 0x5F); // printable, never NUL
        return s;
    };
    for (int round = 0; round < 500; ++round) {
        bytes payload(rng() % 300);
        for (auto& b : payload)
            b = byte();
        const std::uint8_t c = byte();
        const std::uint8_t i = byte();
        const bytes f = ubx::make_frame(c, i, payload);
        const auto v = ubx::parse_frame(f);
        REQUIRE(v);
        CHECK(v->msg_class == c);
        CHECK(v->msg_id == i);
        CHECK(bytes(v->payload.begin(), v->payload.end()) == payload);
        bytes bad = f;
        bad[rng() % bad.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
        CHECK_FALSE(ubx::parse_frame(bad));

        const ubx::ack a{(rng() & 1) != 0, byte(), byte()};
        CHECK(ubx::decode_ack(*ubx::parse_frame(ubx::encode_ack(a))) == a);

        ubx::mon_ver m;
        m.software = text(30);
        m.hardware = text(10);
        m.extensions.resize(rng() % 10);
        for (auto& e : m.extensions)
            e = text(30);
        const bytes mf = ubx::encode_mon_ver(m);
        const auto md = ubx::decode_mon_ver(*ubx::parse_frame(mf));
        REQUIRE(md);
        CHECK(*md == m);
        CHECK(ubx::encode_mon_ver(*md) == mf);
    }
}

TEST_CASE("capture: u-center session with a ZED-F9P HPG 1.32")
{
    const auto data = cairn_test::capture("zed-f9p-ucenter-session.ubx");
    const auto scan = cairn_test::ubx_frames(data);
    CHECK(scan.frames.size() == 188);
    CHECK(scan.unframed == 0);

    std::map<std::string, int> by_name;
    int mon_ver_replies = 0;
    int acks = 0;
    int naks = 0;
    for (const auto& f : scan.frames) {
        const auto v = ubx::parse_frame(f);
        REQUIRE(v);
        ++by_name[ubx::message_name(v->msg_class, v->msg_id)];
        if (const auto a = ubx::decode_ack(*v)) {
            (a->accepted ? acks : naks)++;
            CHECK(ubx::encode_ack(*a) == f);
        }
        if (v->msg_class == ubx::cls::mon && v->msg_id == ubx::id::mon_ver) {
            const auto m = ubx::decode_mon_ver(*v);
            if (v->payload.empty()) {
                CHECK_FALSE(m); // u-center's polls
                continue;
            }
            REQUIRE(m);
            ++mon_ver_replies;
            CHECK(m->software == "EXT CORE 1.00 (0fa0ae)");
            CHECK(m->hardware == "00190000");
            CHECK(m->model() == "ZED-F9P");
            CHECK(m->firmware() == "HPG 1.32");
            CHECK(m->protocol() == "27.31");
            CHECK(m->extensions.size() == 6);
            CHECK(ubx::encode_mon_ver(*m) == f); // NUL padding reproduced byte for byte
        }
    }
    CHECK(acks == 44);
    CHECK(naks == 14);
    CHECK(mon_ver_replies == 4);
    const std::map<std::string, int> expected{
        {"MON-VER", 8},   {"ACK-ACK", 44},  {"ACK-NAK", 14}, {"CFG-VALGET", 48},   {"CFG-MSG", 33},
        {"NAV-SVIN", 2},  {"NAV-PVT", 2},   {"NAV-SAT", 2},  {"NAV-RELPOSNED", 2}, {"NAV-CLOCK", 2},
        {"NAV-ORB", 2},   {"MON-HW", 2},    {"MON-IO", 2},   {"MON-COMMS", 1},     {"MON-MSGPP", 2},
        {"0x0C-0x31", 3}, {"0x27-0x00", 3},
    };
    for (const auto& [name, count] : expected) {
        CAPTURE(name);
        CHECK(by_name[name] == count);
    }
}
