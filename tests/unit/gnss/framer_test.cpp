// SPDX-License-Identifier: GPL-3.0-or-later
// Framer: byte splits, resynchronisation after garbage/bad checksums/truncation, limits.
#include "gnss/framer.hpp"

#include "gnss/crc.hpp"

#include <doctest/doctest.h>

#include <random>
#include <string>

using gnss::byte_view;
using gnss::bytes;
using gnss::frame_kind;
using gnss::framer;

namespace {

bytes rtcm(std::uint16_t type, std::size_t payload_len, std::uint8_t fill = 0x55)
{
    bytes p(payload_len, fill);
    p[0] = static_cast<std::uint8_t>(type >> 4);
    p[1] = static_cast<std::uint8_t>((type & 0xF) << 4);
    bytes f(3 + payload_len + 3);
    f[0] = 0xD3;
    f[1] = static_cast<std::uint8_t>(payload_len >> 8);
    f[2] = static_cast<std::uint8_t>(payload_len & 0xFF);
    std::copy(p.begin(), p.end(), f.begin() + 3);
    f.resize(3 + payload_len);
    std::uint32_t crc = gnss::crc24q(f);
    f.push_back(static_cast<std::uint8_t>(crc >> 16));
    f.push_back(static_cast<std::uint8_t>(crc >> 8));
    f.push_back(static_cast<std::uint8_t>(crc));
    return f;
}

bytes ubx(std::uint8_t cls, std::uint8_t id, std::size_t payload_len)
{
    bytes f{0xB5, 0x62, cls, id, static_cast<std::uint8_t>(payload_len & 0xFF),
            static_cast<std::uint8_t>(payload_len >> 8)};
    for (std::size_t i = 0; i < payload_len; ++i)
        f.push_back(static_cast<std::uint8_t>(i * 7));
    auto [a, b] = gnss::ubx_checksum(byte_view(f).subspan(2));
    f.push_back(a);
    f.push_back(b);
    return f;
}

bytes nmea(const std::string& body)
{
    char tail[8];
    std::snprintf(tail, sizeof tail, "*%02X\r\n", gnss::nmea_checksum(body));
    std::string s = "$" + body + tail;
    return {s.begin(), s.end()};
}

void append(bytes& out, const bytes& b) { out.insert(out.end(), b.begin(), b.end()); }

struct collected
{
    std::vector<frame_kind> kinds;
    std::vector<bytes> frames;
};

collected feed_split(const bytes& stream, std::size_t split, framer& f)
{
    collected c;
    auto sink = [&](const gnss::frame& fr) {
        c.kinds.push_back(fr.kind);
        c.frames.emplace_back(fr.bytes.begin(), fr.bytes.end());
    };
    f.feed(byte_view(stream).first(split), sink);
    f.feed(byte_view(stream).subspan(split), sink);
    return c;
}

bytes sample_stream()
{
    bytes s;
    append(s, nmea("GNGGA,134926.72,4707.7460000,N,01512.7200000,E,1,00,1.0,352.623,M,47.377,M,0.0,0000"));
    append(s, ubx(0x01, 0x07, 92));
    append(s, rtcm(1005, 19));
    append(s, rtcm(1077, 300));
    append(s, ubx(0x01, 0x3B, 40));
    append(s, nmea("GNRMC,134926.72,A,4707.746,N,01512.720,E,0.0,,081222,,,A"));
    append(s, rtcm(1230, 6));
    return s;
}

} // namespace

TEST_CASE("every split offset yields the same frames")
{
    const bytes s = sample_stream();
    framer whole;
    auto ref = feed_split(s, s.size(), whole);
    REQUIRE(ref.frames.size() == 7);
    for (std::size_t split = 0; split <= s.size(); ++split) {
        framer f;
        auto got = feed_split(s, split, f);
        CAPTURE(split);
        REQUIRE(got.frames == ref.frames);
        CHECK(f.counters().unframed_bytes == 0);
        CHECK(f.pending() == 0);
    }
    CHECK(whole.counters().rtcm3_types.at(1077) == 1);
    CHECK(whole.counters().ubx_messages.at(0x013B) == 1);
    CHECK(whole.counters().nmea_sentences.at("GGA") == 1);
    CHECK(whole.counters().nmea_sentences.at("RMC") == 1);
}

TEST_CASE("garbage before and between frames is counted and skipped")
{
    bytes s{0x00, 0xFF, 0xD3, 0x12, 0xB5, 0x00, '$', 'x', 0x01};
    const std::size_t garbage = s.size();
    append(s, rtcm(1005, 19));
    s.push_back(0xAA);
    append(s, ubx(0x05, 0x01, 2));
    framer f;
    int frames = 0;
    f.feed(s, [&](const gnss::frame&) { ++frames; });
    CHECK(frames == 2);
    CHECK(f.counters().unframed_bytes == garbage + 1);
}

TEST_CASE("a bad checksum costs that frame only, never the next good one")
{
    for (auto make : {+[] { return rtcm(1077, 200); }, +[] { return ubx(0x01, 0x07, 92); },
                      +[] { return nmea("GPGGA,1,2,3"); }}) {
        bytes bad = make();
        bad[bad.size() / 2] ^= 0x01;
        bytes s = bad;
        append(s, rtcm(1230, 6));
        framer f;
        std::vector<bytes> got;
        f.feed(s, [&](const gnss::frame& fr) { got.emplace_back(fr.bytes.begin(), fr.bytes.end()); });
        REQUIRE(got.size() == 1);
        CHECK(got[0] == rtcm(1230, 6));
        CHECK(f.counters().bad_checksum == 1);
        CHECK(f.counters().unframed_bytes == bad.size());
    }
}

TEST_CASE("a truncated frame followed by a good one: the good one survives")
{
    bytes trunc = rtcm(1077, 300);
    trunc.resize(100); // cut mid-frame, as after an unplug
    bytes s = trunc;
    append(s, ubx(0x01, 0x07, 92));
    append(s, rtcm(1005, 19)); // the next 300 bytes complete the bogus candidate ...
    append(s, rtcm(1005, 19));
    bytes more(400, 0x00);
    append(s, more);
    append(s, rtcm(1230, 6));
    framer f;
    std::vector<std::uint16_t> rtcm_types;
    int ubx_frames = 0;
    f.feed(s, [&](const gnss::frame& fr) {
        if (fr.kind == frame_kind::rtcm3)
            rtcm_types.push_back(static_cast<std::uint16_t>(fr.bytes[3] << 4 | fr.bytes[4] >> 4));
        else if (fr.kind == frame_kind::ubx)
            ++ubx_frames;
    });
    // ... whose CRC fails, so every good frame inside it is found on resync.
    CHECK(ubx_frames == 1);
    CHECK(rtcm_types == std::vector<std::uint16_t>{1005, 1005, 1230});
}

TEST_CASE("a truncated tail is held as pending, and reset drops it")
{
    bytes s = rtcm(1005, 19);
    bytes tail = ubx(0x01, 0x07, 92);
    tail.resize(50);
    append(s, tail);
    framer f;
    int frames = 0;
    f.feed(s, [&](const gnss::frame&) { ++frames; });
    CHECK(frames == 1);
    CHECK(f.pending() == 50);
    CHECK(f.reset() == 50);
    CHECK(f.pending() == 0);
}

TEST_CASE("finish reports the truncated tail and frees frames hidden in it")
{
    bytes s = rtcm(1005, 19);
    bytes bogus{0xB5, 0x62, 0x02, 0x15, 0x00, 0x10}; // claims 4096 bytes of payload
    append(s, bogus);
    append(s, rtcm(1230, 6));
    bytes tail = rtcm(1077, 200);
    tail.resize(120);
    append(s, tail);
    framer f;
    std::vector<std::uint16_t> types;
    auto sink = [&](const gnss::frame& fr) {
        types.push_back(static_cast<std::uint16_t>(fr.bytes[3] << 4 | fr.bytes[4] >> 4));
    };
    f.feed(s, sink);
    CHECK(types == std::vector<std::uint16_t>{1005}); // the rest waits behind the bogus UBX
    CHECK(f.finish(sink) == 120);
    CHECK(types == std::vector<std::uint16_t>{1005, 1230});
    CHECK(f.counters().unframed_bytes == bogus.size());
    CHECK(f.pending() == 0);
}

TEST_CASE("limits: RTCM3 length field, UBX payload cap, NMEA line cap")
{
    SUBCASE("largest RTCM3 payload frames")
    {
        framer f;
        int n = 0;
        f.feed(rtcm(1077, framer::max_rtcm3_payload), [&](const gnss::frame&) { ++n; });
        CHECK(n == 1);
    }
    SUBCASE("reserved bits set is not a frame")
    {
        bytes b = rtcm(1005, 19);
        b[1] |= 0x04;
        framer f;
        int n = 0;
        f.feed(b, [&](const gnss::frame&) { ++n; });
        CHECK(n == 0);
        CHECK(f.counters().unframed_bytes == b.size());
    }
    SUBCASE("UBX at and over the cap")
    {
        framer f;
        int n = 0;
        f.feed(ubx(0x02, 0x15, framer::max_ubx_payload), [&](const gnss::frame&) { ++n; });
        CHECK(n == 1);
        bytes over = ubx(0x02, 0x15, framer::max_ubx_payload + 1);
        f.feed(over, [&](const gnss::frame&) { ++n; });
        CHECK(n == 1);
        CHECK(f.counters().oversize >= 1);
        CHECK(f.pending() == 0); // never waits for an oversize frame
    }
    SUBCASE("NMEA line at and over the cap")
    {
        std::string body = "GPTXT," + std::string(framer::max_nmea_line - 12, 'A');
        bytes ok = nmea(body); // '$' + body + "*HH" is max_nmea_line - 1 long
        framer f;
        int n = 0;
        f.feed(ok, [&](const gnss::frame&) { ++n; });
        CHECK(n == 1);
        bytes too_long = nmea(body + "AAAA");
        f.feed(too_long, [&](const gnss::frame&) { ++n; });
        CHECK(n == 1);
        CHECK(f.counters().oversize >= 1);
    }
    SUBCASE("NMEA without checksum or with a control character is not a frame")
    {
        std::string s = "$GPGGA,1,2,3\r\n$GP\x01GA*00\r\n";
        framer f;
        int n = 0;
        f.feed(gnss::as_bytes(s), [&](const gnss::frame&) { ++n; });
        CHECK(n == 0);
        CHECK(f.counters().unframed_bytes == s.size());
    }
}

TEST_CASE("fixed-seed corruption: every untouched frame is still found")
{
    std::mt19937 rng(20261126);
    for (int round = 0; round < 200; ++round) {
        // Build a stream of frames, remember them, corrupt some, insert garbage.
        std::vector<bytes> frames;
        std::vector<bool> intact;
        bytes s;
        int count = 5 + static_cast<int>(rng() % 20);
        for (int i = 0; i < count; ++i) {
            bytes fr;
            switch (rng() % 3) {
            case 0:
                fr = rtcm(static_cast<std::uint16_t>(1001 + rng() % 300), 1 + rng() % 400,
                          static_cast<std::uint8_t>(rng()));
                break;
            case 1:
                fr = ubx(static_cast<std::uint8_t>(rng()), static_cast<std::uint8_t>(rng()),
                         rng() % 300);
                break;
            default:
                fr = nmea("GPGSV,3,1,12," + std::to_string(rng() % 100000));
                break;
            }
            bool corrupt = rng() % 5 == 0;
            if (corrupt)
                fr[2 + rng() % (fr.size() - 2)] ^= static_cast<std::uint8_t>(1 + rng() % 255);
            if (rng() % 4 == 0) {
                std::size_t g = rng() % 40;
                for (std::size_t k = 0; k < g; ++k) {
                    // Garbage that never looks like a frame start.
                    std::uint8_t c = static_cast<std::uint8_t>(rng());
                    if (c == 0xD3 || c == 0xB5 || c == '$' || c == '!')
                        c = 0;
                    s.push_back(c);
                }
            }
            append(s, fr);
            frames.push_back(fr);
            intact.push_back(!corrupt);
        }
        framer f;
        std::vector<bytes> got;
        std::size_t pos = 0;
        while (pos < s.size()) {
            std::size_t n = 1 + rng() % 97;
            n = std::min(n, s.size() - pos);
            f.feed(byte_view(s).subspan(pos, n),
                   [&](const gnss::frame& fr) { got.emplace_back(fr.bytes.begin(), fr.bytes.end()); });
            pos += n;
        }
        f.finish([&](const gnss::frame& fr) { got.emplace_back(fr.bytes.begin(), fr.bytes.end()); });
        CHECK(f.pending() == 0);
        // Each intact frame must appear, in order: a rejected candidate costs one byte.
        std::size_t gi = 0;
        for (std::size_t i = 0; i < frames.size(); ++i) {
            if (!intact[i])
                continue;
            while (gi < got.size() && got[gi] != frames[i])
                ++gi;
            CAPTURE(round);
            CAPTURE(i);
            REQUIRE(gi < got.size());
            ++gi;
        }
        CHECK(f.counters().bytes_in == s.size());
    }
}
