// SPDX-License-Identifier: GPL-3.0-or-later
// Tests of RTCM3 MSM header decoding, the MSM4 and MSM7 encoders and cell decoding.
#include "gnss/rtcm3_msm.hpp"

#include "gnss/framer.hpp"
#include "gnss/rtcm3.hpp"
#include "tests/unit/test_data.hpp"

#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <map>
#include <random>

using namespace gnss;
using namespace gnss::rtcm3;

namespace {

constexpr double metres_per_ms = 299792.458;

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

// Expected header fields of one real frame.
struct expected_header
{
    std::uint16_t type;
    std::uint32_t epoch;
    bool multiple;
    std::uint8_t clock_steering;
    std::uint64_t satellite_mask;
    std::uint32_t signal_mask;
    int satellites, signals, cells;
};

std::vector<msm_satellite> sample_satellites()
{
    return {{13, {2, 16}, 80.25, 40.0}, {5, {2, 16}, 75.0, 45.0}, {7, {2}, 75.5, 43.5}};
}

} // namespace

TEST_CASE("rtcm3 msm_type maps message numbers to system and MSM number")
{
    struct row
    {
        std::uint16_t type;
        constellation system;
        int msm;
    };
    const row rows[] = {
        {1071, constellation::gps, 1},     {1077, constellation::gps, 7},
        {1081, constellation::glonass, 1}, {1087, constellation::glonass, 7},
        {1091, constellation::galileo, 1}, {1097, constellation::galileo, 7},
        {1101, constellation::sbas, 1},    {1107, constellation::sbas, 7},
        {1111, constellation::qzss, 1},    {1114, constellation::qzss, 4},
        {1121, constellation::beidou, 1},  {1127, constellation::beidou, 7},
        {1131, constellation::navic, 1},   {1137, constellation::navic, 7},
    };
    for (const row& r : rows) {
        CAPTURE(r.type);
        auto k = msm_type(r.type);
        REQUIRE(k);
        CHECK(k->system == r.system);
        CHECK(k->msm == r.msm);
    }
    for (std::uint16_t t : {0, 1005, 1070, 1078, 1079, 1080, 1088, 1130, 1138, 4095})
        CHECK_FALSE(msm_type(t));
    int count = 0;
    for (int t = 0; t < 4096; ++t)
        count += msm_type(static_cast<std::uint16_t>(t)).has_value();
    CHECK(count == 7 * 7);
    CHECK(std::string(to_string(constellation::beidou)) == "BeiDou");
    CHECK(std::string(to_string(constellation::navic)) == "NavIC");
}

TEST_CASE("rtcm3 MSM6/MSM7 headers of every system from a Septentrio PolaRx5")
{
    const std::vector<expected_header> table = {
        {1076, 318945000, true, 1, 0xf680a80000000000, 0x50410202, 10, 6, 42},
        {1077, 318945000, true, 0, 0xf680a80000000000, 0x50410202, 10, 6, 42},
        {1086, 473180184, true, 1, 0x83c0070000000000, 0x61800000, 8, 4, 28},
        {1087, 473180184, true, 0, 0x83c0070000000000, 0x61800000, 8, 4, 28},
        {1096, 318945000, true, 1, 0x290a400040000000, 0x41022200, 7, 5, 35},
        {1097, 318945000, true, 0, 0x290a400040000000, 0x41022200, 7, 5, 35},
        {1106, 318945000, true, 1, 0x0010000002000000, 0x40000200, 2, 2, 3},
        {1107, 318945000, true, 0, 0x0010000002000000, 0x40000200, 2, 2, 3},
        {1116, 318945000, true, 1, 0, 0, 0, 0, 0},
        {1117, 318945000, true, 0, 0, 0, 0, 0, 0},
        {1126, 318931000, true, 1, 0x0010340838140080, 0x41040000, 11, 3, 23},
        {1127, 318931000, true, 0, 0x0010340838140080, 0x41040000, 11, 3, 23},
        {1136, 318945000, true, 1, 0, 0, 0, 0, 0},
        {1137, 318945000, false, 0, 0, 0, 0, 0, 0},
    };
    std::map<std::uint16_t, bytes> by_type;
    for (bytes& f : rtcm_frames("septentrio-polarx5-alltypes.rtcm3"))
        by_type[*message_type(f)] = f;
    for (const expected_header& e : table) {
        CAPTURE(e.type);
        REQUIRE(by_type.count(e.type));
        const bytes& f = by_type[e.type];
        auto h = decode_msm_header(f);
        REQUIRE(h);
        CHECK(h->type == e.type);
        CHECK(h->msm == e.type % 10);
        CHECK(h->station_id == 0);
        CHECK(h->epoch == e.epoch);
        CHECK(h->multiple_message == e.multiple);
        CHECK(h->iods == 0);
        CHECK(h->clock_steering == e.clock_steering);
        CHECK(h->external_clock == 0);
        CHECK_FALSE(h->divergence_free_smoothing);
        CHECK(h->smoothing_interval == 0);
        CHECK(h->satellite_mask == e.satellite_mask);
        CHECK(h->signal_mask == e.signal_mask);
        CHECK(h->satellites == e.satellites);
        CHECK(h->signals == e.signals);
        CHECK(h->cells == e.cells);
        CHECK(std::popcount(h->cell_mask) == e.cells);
        // Every shorter payload, re-framed with a valid CRC, is too short for its body.
        byte_view p = payload(f);
        for (std::size_t n = 0; n < p.size(); ++n)
            CHECK_FALSE(decode_msm_header(make_frame(p.first(n))));
    }
    // Non-MSM frames are refused.
    CHECK_FALSE(decode_msm_header(by_type[1005]));
    CHECK_FALSE(decode_msm_header(by_type[1230]));
    CHECK_FALSE(decode_msm7_cells(by_type[1076]));

    // MSM7 cells decode to physical values (cross-checked by hand against RTKLIB's scaling).
    auto cells = decode_msm7_cells(by_type[1077]);
    REQUIRE(cells);
    REQUIRE(cells->size() == 42);
    const msm7_cell& c = cells->front();
    CHECK(c.satellite == 1);
    CHECK(c.signal == 2);
    CHECK(c.pseudorange_m == doctest::Approx(20667626.122).epsilon(1e-10));
    CHECK(c.phaserange_m == doctest::Approx(20667615.553).epsilon(1e-10));
    CHECK(c.range_rate_mps == doctest::Approx(298.7260).epsilon(1e-6));
    CHECK(c.lock_time == 638);
    CHECK(c.cnr_dbhz == 49.4375);
    auto glo = decode_msm7_cells(by_type[1087]);
    REQUIRE(glo);
    CHECK(glo->front().satellite == 1);
    CHECK(glo->front().extended_info == 8); // slot 1 transmits on channel +1
}

TEST_CASE("rtcm3 MSM7 of a u-blox F9 base: all decode, GLONASS channels match ours")
{
    std::map<std::uint16_t, int> count;
    std::map<int, int> glonass_channel; // slot -> DF419
    for (const bytes& f : rtcm_frames("u-blox-f9-base-mixed-nmea-ubx-rtcm3.log")) {
        auto t = message_type(f);
        if (!msm_type(*t))
            continue;
        auto h = decode_msm_header(f);
        REQUIRE(h);
        CHECK(h->msm == 7);
        auto cells = decode_msm7_cells(f);
        REQUIRE(cells);
        CHECK(static_cast<int>(cells->size()) == h->cells);
        for (const msm7_cell& c : *cells) {
            CHECK(c.cnr_dbhz > 10);
            CHECK(c.pseudorange_m > 1.9e7);
            CHECK(c.pseudorange_m < 4.1e7);
            if (h->system == constellation::glonass)
                glonass_channel[c.satellite] = c.extended_info;
        }
        ++count[*t];
    }
    const std::map<std::uint16_t, int> expected = {
        {1077, 158}, {1087, 158}, {1097, 158}, {1127, 158}};
    CHECK(count == expected);
    REQUIRE_FALSE(glonass_channel.empty());
    for (auto [slot, ext] : glonass_channel) {
        CAPTURE(slot);
        auto f = encode_msm7(constellation::glonass, 0, 0, false, {{slot, {2}, 70.0, 45.0}});
        REQUIRE(f);
        CHECK(decode_msm7_cells(*f)->front().extended_info == ext);
    }
}

TEST_CASE("rtcm3 decode_msm_header refuses more than msm_max_cells cells")
{
    auto header = [](int nsat, int nsig, std::size_t extra_bytes) {
        bit_writer w;
        w.u(1074, 12);
        w.u(0, 12 + 30 + 1 + 3 + 7 + 2 + 2 + 1 + 3);
        w.u(~std::uint64_t{0} << (64 - nsat), 64);
        w.u(static_cast<std::uint32_t>(~std::uint64_t{0} << (32 - nsig)), 32);
        for (int i = 0; i < nsat * nsig; ++i)
            w.u(0, 1); // no cells set
        bytes p = w.take();
        p.resize(p.size() + extra_bytes + static_cast<std::size_t>(nsat) * 18 / 8 + 1, 0);
        return make_frame(p);
    };
    auto ok = decode_msm_header(header(8, 8, 0));
    REQUIRE(ok);
    CHECK(ok->satellites == 8);
    CHECK(ok->signals == 8);
    CHECK(ok->cells == 0);
    CHECK_FALSE(decode_msm_header(header(9, 8, 100)));
    CHECK_FALSE(decode_msm_header(header(64, 2, 100)));
    CHECK(decode_msm_header(header(64, 1, 0)));
}

TEST_CASE("rtcm3 encode_msm7 bit layout of one cell")
{
    auto f = encode_msm7(constellation::gps, 4095, 123456789, true, {{1, {2}, 70.5, 45.0}});
    REQUIRE(f);
    byte_view p = payload(*f);
    REQUIRE(p.size() == (169 + 1 + 36 + 80 + 7) / 8);
    bit_reader r(p);
    CHECK(r.u(12) == 1077);
    CHECK(r.u(12) == 4095);
    CHECK(r.u(30) == 123456789);
    CHECK(r.u(1) == 1);                       // multiple message
    CHECK(r.u(3 + 7 + 2 + 2 + 1 + 3) == 0);   // IODS .. smoothing interval
    CHECK(r.u(64) == std::uint64_t{1} << 63); // satellite 1
    CHECK(r.u(32) == std::uint32_t{1} << 30); // signal 2
    CHECK(r.u(1) == 1);                       // cell mask
    CHECK(r.u(8) == 70);                      // DF397 whole milliseconds
    CHECK(r.u(4) == 0);                       // DF419 reserved outside GLONASS
    CHECK(r.u(10) == 512);                    // DF398 0.5 ms in 2^-10 ms
    CHECK(r.s(14) == (1 * 211) % 1601 - 800); // DF399 m/s
    CHECK(r.s(20) == 0);                      // DF405: nothing left to add
    CHECK(r.s(24) == 50143);                  // DF406: 7 m phase offset in 2^-31 ms
    CHECK(r.u(10) == 704);                    // DF407 lock time
    CHECK(r.u(1) == 0);                       // DF420 half-cycle
    CHECK(r.u(10) == 720);                    // DF408 45 dB-Hz in 1/16
    CHECK(r.s(15) == 6);                      // DF404 in 0.0001 m/s
    CHECK_FALSE(r.overrun());
    CHECK(r.remaining() < 8);
}

TEST_CASE("rtcm3 encode_msm7 -> decode_msm_header and cells")
{
    const constellation systems[] = {
        constellation::gps,  constellation::glonass, constellation::galileo, constellation::sbas,
        constellation::qzss, constellation::beidou,  constellation::navic};
    for (constellation sys : systems) {
        CAPTURE(to_string(sys));
        auto f = encode_msm7(sys, 42, 204137000, false, sample_satellites());
        REQUIRE(f);
        CHECK(station_id(*f) == 42);
        auto h = decode_msm_header(*f);
        REQUIRE(h);
        CHECK(h->system == sys);
        CHECK(h->msm == 7);
        CHECK(h->type == 1077 + 10 * static_cast<int>(sys));
        CHECK(h->epoch == 204137000);
        CHECK_FALSE(h->multiple_message);
        CHECK(h->satellite_mask ==
              ((std::uint64_t{1} << 59) | (std::uint64_t{1} << 57) | (std::uint64_t{1} << 51)));
        CHECK(h->signal_mask == ((1u << 30) | (1u << 16)));
        CHECK(h->satellites == 3);
        CHECK(h->signals == 2);
        CHECK(h->cells == 5);
        CHECK(h->cell_mask == 0b111011); // sat 5: both, sat 7: signal 2, sat 13: both
        auto cells = decode_msm7_cells(*f);
        REQUIRE(cells);
        REQUIRE(cells->size() == 5);
        CHECK((*cells)[0].satellite == 5);
        CHECK((*cells)[2].satellite == 7);
        CHECK((*cells)[4].signal == 16);
        for (const msm7_cell& c : *cells) {
            const auto sats = sample_satellites();
            auto s = std::find_if(sats.begin(), sats.end(),
                                  [&](const msm_satellite& x) { return x.id == c.satellite; });
            REQUIRE(s != sats.end());
            // Within the per-signal bias of a few decimetres of the requested range.
            CHECK(std::abs(c.pseudorange_m - s->range_ms * metres_per_ms) < 1.0);
            CHECK(std::abs(c.phaserange_m - c.pseudorange_m) < 11.0);
            CHECK(c.cnr_dbhz == s->cnr_dbhz);
            CHECK(std::abs(c.range_rate_mps) < 900.0);
            CHECK(c.lock_time == 704);
            CHECK_FALSE(c.half_cycle);
            // GLONASS slots 5, 7, 13 transmit on channels +1, +5, -2 (DF419 = channel + 7).
            const std::map<int, int> glonass = {{5, 8}, {7, 12}, {13, 5}};
            CHECK(c.extended_info == (sys == constellation::glonass ? glonass.at(c.satellite) : 0));
        }
    }
}

TEST_CASE("rtcm3 encode_msm7 limits and refusals")
{
    auto enc = [](std::vector<msm_satellite> sats) {
        return encode_msm7(constellation::gps, 1, 0, false, sats);
    };
    // 64 satellites x 1 signal is the most cells an MSM carries; still under max_payload.
    std::vector<msm_satellite> all;
    for (int id = 1; id <= 64; ++id)
        all.push_back({id, {1}, 70.0 + id * 0.1, 40.0});
    auto full = enc(all);
    REQUIRE(full);
    CHECK(payload(*full).size() <= max_payload);
    CHECK(decode_msm_header(*full)->cells == static_cast<int>(msm_max_cells));
    // 13 satellites x 5 signals = 65 cells.
    std::vector<msm_satellite> many;
    for (int id = 1; id <= 13; ++id)
        many.push_back({id, {1, 2, 3, 4, 5}, 70.0, 40.0});
    CHECK_FALSE(enc(many));
    many.pop_back(); // 12 x 5 = 60
    CHECK(enc(many));

    CHECK(enc({}));                       // an empty MSM is valid
    CHECK_FALSE(enc({{0, {1}, 70, 40}})); // satellite ids are 1..64
    CHECK_FALSE(enc({{65, {1}, 70, 40}}));
    CHECK_FALSE(enc({{3, {1}, 70, 40}, {3, {2}, 70, 40}}));
    CHECK_FALSE(enc({{3, {0}, 70, 40}})); // signal ids are 1..32
    CHECK_FALSE(enc({{3, {33}, 70, 40}}));
    CHECK_FALSE(enc({{3, {2, 2}, 70, 40}}));
    CHECK_FALSE(enc({{3, {}, 70, 40}}));
    CHECK_FALSE(enc({{3, {1}, -0.001, 40}}));
    CHECK_FALSE(enc({{3, {1}, 255.0, 40}}));
    CHECK(enc({{3, {1}, 254.99, 40}}));
    CHECK_FALSE(enc({{3, {1}, 254.9999, 40}})); // would round to 255 ms, the invalid mark
    CHECK_FALSE(enc({{3, {1}, std::nan(""), 40}}));
    CHECK_FALSE(enc({{3, {1}, 70, 64.0}}));
    CHECK(enc({{3, {1}, 70, 63.9375}}));
    CHECK_FALSE(enc({{3, {1}, 70, -1}}));
    CHECK_FALSE(encode_msm7(constellation::gps, 4096, 0, false, {}));
    CHECK_FALSE(encode_msm7(constellation::gps, 0, 1u << 30, false, {}));
    CHECK(encode_msm7(constellation::gps, 4095, (1u << 30) - 1, false, {}));
}

TEST_CASE("rtcm3 encode_msm7 fixed-seed random round trip")
{
    std::mt19937 rng(1077);
    for (int i = 0; i < 500; ++i) {
        auto sys = static_cast<constellation>(rng() % 7);
        int nsig_max = 1 + static_cast<int>(rng() % 6);
        std::vector<msm_satellite> sats;
        std::uint64_t used = 0;
        std::size_t cells = 0;
        std::uint32_t signal_union = 0;
        int nsat = static_cast<int>(rng() % 12);
        for (int k = 0; k < nsat; ++k) {
            int id = 1 + static_cast<int>(rng() % 64);
            if (used >> (id - 1) & 1u)
                continue;
            used |= std::uint64_t{1} << (id - 1);
            msm_satellite s;
            s.id = id;
            for (int sig = 1; sig <= nsig_max; ++sig)
                if (rng() % 2 || sig == 1)
                    s.signals.push_back(sig * 3 - 1 + static_cast<int>(rng() % 2));
            s.range_ms = 60.0 + static_cast<double>(rng() % 8000000) / 100000.0;
            s.cnr_dbhz = static_cast<double>(rng() % 1024) / 16.0;
            cells += s.signals.size();
            for (int sig : s.signals)
                signal_union |= 1u << (sig - 1);
            sats.push_back(s);
        }
        auto f = encode_msm7(sys, static_cast<std::uint16_t>(rng() % 4096), rng() % (1u << 30),
                             rng() % 2, sats);
        // Refused exactly when satellites x the union of signals exceed msm_max_cells.
        bool fits =
            sats.size() * static_cast<std::size_t>(std::popcount(signal_union)) <= msm_max_cells;
        REQUIRE(f.has_value() == fits);
        if (!f)
            continue;
        auto h = decode_msm_header(*f);
        REQUIRE(h);
        CHECK(h->satellites == static_cast<int>(sats.size()));
        CHECK(h->cells == static_cast<int>(cells));
        CHECK(std::popcount(used) == h->satellites);
        auto decoded = decode_msm7_cells(*f);
        REQUIRE(decoded);
        CHECK(decoded->size() == cells);
        for (const msm7_cell& c : *decoded) {
            auto s = std::find_if(sats.begin(), sats.end(),
                                  [&](const msm_satellite& x) { return x.id == c.satellite; });
            REQUIRE(s != sats.end());
            CHECK(std::abs(c.pseudorange_m - s->range_ms * metres_per_ms) < 12.0);
            CHECK(c.cnr_dbhz == s->cnr_dbhz);
        }
    }
}

TEST_CASE("rtcm3 encode_msm4 -> decode_msm_header and cells, and the length formula")
{
    const constellation systems[] = {
        constellation::gps,  constellation::glonass, constellation::galileo, constellation::sbas,
        constellation::qzss, constellation::beidou,  constellation::navic};
    for (constellation sys : systems) {
        CAPTURE(to_string(sys));
        auto f = encode_msm4(sys, 4095, 204137000, true, sample_satellites());
        REQUIRE(f);
        auto h = decode_msm_header(*f);
        REQUIRE(h);
        CHECK(h->system == sys);
        CHECK(h->msm == 4);
        CHECK(h->type == 1074 + 10 * static_cast<int>(sys));
        CHECK(h->station_id == 4095);
        CHECK(h->epoch == 204137000);
        CHECK(h->multiple_message);
        CHECK(h->satellites == 3);
        CHECK(h->signals == 2);
        CHECK(h->cells == 5);
        CHECK(h->cell_mask == 0b111011);
        // Header 169 bits + cell mask, 18 bits per satellite, 48 per cell, padded to bytes;
        // plus the 3-byte frame header and 3-byte CRC.
        const std::size_t bits = 169 + 3 * 2 + 18 * 3 + 48 * 5;
        CHECK(f->size() == 6 + (bits + 7) / 8);
        CHECK_FALSE(decode_msm7_cells(*f)); // not an MSM7

        auto cells = decode_msm4_cells(*f);
        REQUIRE(cells);
        REQUIRE(cells->size() == 5);
        auto msm7 =
            decode_msm7_cells(*encode_msm7(sys, 4095, 204137000, true, sample_satellites()));
        REQUIRE(msm7);
        for (std::size_t i = 0; i < cells->size(); ++i) {
            const msm7_cell& c = (*cells)[i];
            const msm7_cell& hi = (*msm7)[i];
            CHECK(c.satellite == hi.satellite);
            CHECK(c.signal == hi.signal);
            // Same observation at MSM4's resolution: 2^-24 ms (~1.8 cm) and 2^-29 ms.
            CHECK(std::abs(c.pseudorange_m - hi.pseudorange_m) < 0.01);
            CHECK(std::abs(c.phaserange_m - hi.phaserange_m) < 0.001);
            CHECK(c.cnr_dbhz == std::round(hi.cnr_dbhz));
            CHECK(c.lock_time == 13);
            CHECK_FALSE(c.half_cycle);
            CHECK(std::isnan(c.range_rate_mps));
            CHECK(c.extended_info == 0);
        }
    }
    // Whole dB-Hz, clamped to the 6-bit field; the MSM7 range is still the input check.
    auto loud =
        decode_msm4_cells(*encode_msm4(constellation::gps, 0, 0, false, {{1, {2}, 70, 63.9}}));
    REQUIRE(loud);
    CHECK(loud->front().cnr_dbhz == 63);
    CHECK_FALSE(encode_msm4(constellation::gps, 0, 0, false, {{1, {2}, 70, 64.0}}));
}

TEST_CASE("rtcm3 encode_msm4 bit layout of one cell")
{
    // One GPS satellite, signal 2, range 70.5 ms: DF397 = 70, DF398 = 512, and a fine
    // pseudorange of 0 (no remainder, first signal has no bias).
    auto f = encode_msm4(constellation::gps, 7, 1000, false, {{1, {2}, 70.5, 45.4}});
    REQUIRE(f);
    bit_reader r(payload(*f));
    r.skip(169 + 1); // header, one-cell mask
    CHECK(r.u(8) == 70);
    CHECK(r.u(10) == 512);
    CHECK(r.s(15) == 0);
    CHECK(r.s(22) == std::llround((-10.0 + (37 + 22) % 21) / metres_per_ms * 536870912.0));
    CHECK(r.u(4) == 13);
    CHECK(r.u(1) == 0);
    CHECK(r.u(6) == 45);
    CHECK(r.remaining() < 8);
    CHECK_FALSE(r.overrun());
}

TEST_CASE("rtcm3 encode_msm4 refuses what encode_msm7 refuses; truncation is caught")
{
    CHECK_FALSE(encode_msm4(constellation::gps, 4096, 0, false, {}));
    CHECK_FALSE(encode_msm4(constellation::gps, 0, 1u << 30, false, {}));
    CHECK_FALSE(encode_msm4(constellation::gps, 0, 0, false, {{0, {1}, 70, 40}}));
    CHECK_FALSE(encode_msm4(constellation::gps, 0, 0, false, {{3, {1}, 255.0, 40}}));
    std::vector<msm_satellite> all;
    for (int id = 1; id <= 64; ++id)
        all.push_back({id, {1}, 70.0 + id * 0.1, 40.0});
    auto full = encode_msm4(constellation::galileo, 1, 0, false, all);
    REQUIRE(full);
    CHECK(decode_msm_header(*full)->cells == 64);
    CHECK(decode_msm4_cells(*full)->size() == 64);
    // Every truncation of the payload is refused by the header check.
    const byte_view p = payload(*full);
    for (std::size_t n = 0; n < p.size(); ++n) {
        CAPTURE(n);
        CHECK_FALSE(decode_msm4_cells(make_frame(p.first(n))));
    }
    CHECK(glonass_frequency_channel(1) == 1);
    CHECK(glonass_frequency_channel(10) == -7);
    CHECK_FALSE(glonass_frequency_channel(0));
    CHECK_FALSE(glonass_frequency_channel(25));
}
