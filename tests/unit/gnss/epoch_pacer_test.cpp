// SPDX-License-Identifier: GPL-3.0-or-later
// Replay pacing: epochs of the real capture and of the simulator, byte-identical
// reassembly, every time source, the chunk fallback, and the due-time arithmetic.
#include "gnss/epoch_pacer.hpp"

#include "gnss/framer.hpp"
#include "gnss/nmea.hpp"
#include "gnss/rtcm3.hpp"
#include "gnss/simulator.hpp"
#include "tests/unit/test_data.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <string>

using namespace gnss::epoch_pacer;
using namespace std::chrono_literals;

namespace {

// Checks the invariants every split must keep and returns the reassembled bytes.
gnss::bytes join(gnss::byte_view capture, const std::vector<replay_epoch>& epochs)
{
    gnss::bytes out;
    std::chrono::milliseconds last{0};
    for (std::size_t i = 0; i < epochs.size(); ++i) {
        const replay_epoch& e = epochs[i];
        CHECK(e.length > 0);
        CHECK(e.first_byte == out.size());
        CHECK(e.offset >= last);
        if (i == 0)
            CHECK(e.offset == 0ms);
        last = e.offset;
        auto b = e.bytes(capture);
        out.insert(out.end(), b.begin(), b.end());
    }
    return out;
}

gnss::bytes simulated(std::uint32_t epochs, gnss::simulator_options o = {})
{
    gnss::simulator sim(o);
    gnss::bytes out;
    for (std::uint32_t i = 0; i < epochs; ++i) {
        gnss::bytes e = sim.next();
        out.insert(out.end(), e.begin(), e.end());
    }
    return out;
}

// Only the frames `keep` selects, in order.
gnss::bytes filtered(const gnss::bytes& data, const std::function<bool(const gnss::frame&)>& keep)
{
    gnss::bytes out;
    gnss::framer f;
    f.feed(data, [&](const gnss::frame& fr) {
        if (keep(fr))
            out.insert(out.end(), fr.bytes.begin(), fr.bytes.end());
    });
    return out;
}

void check_one_second_apart(const std::vector<replay_epoch>& epochs)
{
    for (std::size_t i = 0; i < epochs.size(); ++i) {
        CAPTURE(i);
        CHECK(epochs[i].offset == std::chrono::milliseconds(1000 * i));
    }
}

} // namespace

TEST_CASE("epoch_pacer: the real F9 base capture is 158 one-second epochs")
{
    auto data = cairn_test::capture("u-blox-f9-base-mixed-nmea-ubx-rtcm3.log");
    split_result r = split(data);
    CHECK(r.source == time_source::ubx_nav);
    REQUIRE(r.epochs.size() == 158);
    CHECK(join(data, r.epochs) == data);
    check_one_second_apart(r.epochs);
    CHECK(split_epochs(data).size() == 158);
    for (std::size_t i = 0; i < r.epochs.size(); ++i) {
        CAPTURE(i);
        gnss::framer f;
        f.feed(r.epochs[i].bytes(data), nullptr);
        const auto& c = f.counters();
        CHECK(c.ubx_messages.at(0x0107) == 1); // one NAV-PVT
        CHECK(c.rtcm3_types.at(1005) == 1);
        CHECK(c.rtcm3_types.at(1077) == 1);
        // The recording stops after the last NAV-PVT, before that epoch's NMEA block.
        CHECK(c.nmea_sentences.count("GGA") == (i < 157 ? 1 : 0));
        CHECK(c.unframed_bytes == 0);
        CHECK(f.pending() == 0);
        // Each epoch after the first opens with its 1005 (the first also holds the tail
        // of the epoch before the recording started).
        if (i > 0) {
            gnss::byte_view b = r.epochs[i].bytes(data);
            REQUIRE(b.size() > 5);
            CHECK(b[0] == gnss::rtcm3::preamble);
            CHECK((b[3] << 4 | b[4] >> 4) == 1005);
        }
    }
}

TEST_CASE("epoch_pacer: each time source alone splits the capture the same way")
{
    auto data = cairn_test::capture("u-blox-f9-base-mixed-nmea-ubx-rtcm3.log");
    struct only
    {
        time_source source;
        std::size_t epochs;
        std::function<bool(const gnss::frame&)> keep;
    };
    const only cases[] = {
        {time_source::rtcm_msm, 158,
         [](const gnss::frame& f) { return f.kind == gnss::frame_kind::rtcm3; }},
        {time_source::rtcm_glonass, 158,
         [](const gnss::frame& f) { return gnss::rtcm3::message_type(f.bytes) == 1087; }},
        // The last epoch's NMEA block was never recorded: one GGA less.
        {time_source::nmea_gga, 157,
         [](const gnss::frame& f) { return f.kind == gnss::frame_kind::nmea; }},
    };
    for (const only& c : cases) {
        CAPTURE(to_string(c.source));
        gnss::bytes part = filtered(data, c.keep);
        split_result r = split(part);
        CHECK(r.source == c.source);
        CHECK(r.epochs.size() == c.epochs);
        CHECK(join(part, r.epochs) == part);
        check_one_second_apart(r.epochs);
    }
}

TEST_CASE("epoch_pacer: the RAWX capture, garbage head included")
{
    auto data = cairn_test::capture("zed-f9p-hpg111-rawx-nmea.bin");
    split_result r = split(data);
    CHECK(r.source == time_source::ubx_nav); // NAV-CLOCK
    CHECK(r.epochs.size() == 655);
    CHECK(join(data, r.epochs) == data);
    CHECK(r.epochs.back().offset == 654'000ms);
}

TEST_CASE("epoch_pacer: the simulator's epochs come back exactly")
{
    for (bool svin : {false, true}) {
        CAPTURE(svin);
        gnss::simulator_options o;
        o.svin = svin;
        o.svin_min_duration_s = 10;
        gnss::simulator sim(o);
        gnss::bytes stream = simulated(100, o);
        split_result r = split(stream);
        CHECK(r.source == time_source::ubx_nav);
        REQUIRE(r.epochs.size() == 100);
        CHECK(join(stream, r.epochs) == stream);
        check_one_second_apart(r.epochs);
        for (std::uint32_t i = 0; i < 100; ++i) {
            gnss::byte_view b = r.epochs[i].bytes(stream);
            CHECK(gnss::bytes(b.begin(), b.end()) == sim.epoch(i));
        }
    }
}

TEST_CASE("epoch_pacer: garbage and truncation are kept byte for byte")
{
    gnss::bytes stream = simulated(20);
    std::mt19937 rng(4242);
    gnss::bytes noisy;
    for (std::size_t i = 0; i < stream.size(); ++i) {
        if (rng() % 500 == 0)
            for (int k = 0; k < 5; ++k)
                noisy.push_back(static_cast<std::uint8_t>(rng()));
        noisy.push_back(stream[i]);
    }
    noisy.resize(noisy.size() - 700); // cut inside the last epoch
    split_result r = split(noisy);
    CHECK(join(noisy, r.epochs) == noisy);
    CHECK(r.epochs.size() >= 15);
    CHECK(r.epochs.size() <= 20);
}

TEST_CASE("epoch_pacer: truncated at every offset of the last epoch")
{
    // Byte-split case: whatever the cut, every byte is kept and the count is right.
    gnss::simulator sim;
    gnss::bytes stream = simulated(3);
    std::size_t two = sim.epoch(0).size() + sim.epoch(1).size();
    for (std::size_t n = two; n <= stream.size(); ++n) {
        CAPTURE(n);
        gnss::byte_view cut(stream.data(), n);
        std::vector<replay_epoch> epochs = split_epochs(cut);
        CHECK(join(cut, epochs) == gnss::bytes(cut.begin(), cut.end()));
        // The third epoch exists once its NAV-PVT is whole.
        CHECK(epochs.size() >= 2);
        CHECK(epochs.size() <= 3);
    }
}

TEST_CASE("epoch_pacer: streams without time fall back to fixed chunks")
{
    std::mt19937 rng(77);
    gnss::bytes garbage(10'000);
    for (auto& b : garbage)
        b = static_cast<std::uint8_t>(rng() % 0xB0); // no 0xB5 or 0xD3 sync, so no frames
    split_result r = split(garbage);
    CHECK(r.source == time_source::none);
    REQUIRE(r.epochs.size() == (garbage.size() + fallback_chunk_size - 1) / fallback_chunk_size);
    CHECK(join(garbage, r.epochs) == garbage);
    for (std::size_t i = 0; i < r.epochs.size(); ++i) {
        CHECK(r.epochs[i].offset == fallback_chunk_interval * static_cast<int>(i));
        if (i + 1 < r.epochs.size())
            CHECK(r.epochs[i].length == fallback_chunk_size);
    }
    CHECK(split_epochs({}).empty());

    // A single timed epoch is not enough to pace by: chunks again.
    gnss::bytes one = simulated(1);
    split_result single = split(one);
    CHECK(single.source == time_source::none);
    CHECK(join(one, single.epochs) == one);
}

TEST_CASE("epoch_pacer: day wrap, long pauses and time going backwards")
{
    gnss::nmea::gga g;
    g.lat_deg = 47.1;
    g.lon_deg = 15.2;
    g.fix_quality = 1;
    std::string text;
    const std::uint32_t times[] = {86'398'000, 86'399'000, 0, 1'000, 301'000, 200'000, 201'000};
    for (std::uint32_t t : times) {
        g.time_ms = t;
        text += gnss::nmea::encode_gga(g);
    }
    gnss::byte_view b = gnss::as_bytes(text);
    split_result r = split(b);
    CHECK(r.source == time_source::nmea_gga);
    REQUIRE(r.epochs.size() == 7);
    const std::chrono::milliseconds want[] = {0ms,     1000ms,  2000ms, 3000ms,
                                              13000ms, 13000ms, 14000ms};
    for (std::size_t i = 0; i < 7; ++i) {
        CAPTURE(i);
        CHECK(r.epochs[i].offset == want[i]);
    }
    CHECK(want[4] - want[3] == max_epoch_gap);
}

TEST_CASE("epoch_pacer: fixed-seed mutations keep every byte")
{
    gnss::bytes stream = simulated(6);
    std::mt19937 rng(99);
    for (int round = 0; round < 200; ++round) {
        gnss::bytes m = stream;
        for (int e = 0; e < 1 + static_cast<int>(rng() % 8); ++e)
            m[rng() % m.size()] = static_cast<std::uint8_t>(rng());
        std::vector<replay_epoch> epochs = split_epochs(m);
        CHECK(join(m, epochs) == m);
        CHECK(epochs.size() <= 6);
    }
}

TEST_CASE("epoch_pacer: due times and how many epochs are due")
{
    CHECK(due(1000ms, 1.0) == 1000ms);
    CHECK(due(1000ms, 2.0) == 500ms);
    CHECK(due(1000ms, 0.5) == 2000ms);
    CHECK(due(1000ms, 0.0) == 0ms); // as fast as possible
    CHECK(due(1000ms, -1.0) == 0ms);
    CHECK(due(1000ms, std::nan("")) == 0ms);
    CHECK(due(1000ms, min_speed / 10) == due(1000ms, min_speed));
    CHECK(due(1000ms, min_speed) == 100'000ms);
    CHECK(due(std::chrono::milliseconds::max(), min_speed) == std::chrono::milliseconds::max());
    CHECK(due(0ms, 3.0) == 0ms);

    std::vector<replay_epoch> epochs = {{0, 1, 0ms}, {1, 1, 1000ms}, {2, 1, 2000ms}};
    CHECK(epochs_due(epochs, 0ms, 1.0) == 1);
    CHECK(epochs_due(epochs, 999ms, 1.0) == 1);
    CHECK(epochs_due(epochs, 1000ms, 1.0) == 2);
    CHECK(epochs_due(epochs, 500ms, 2.0) == 2);
    CHECK(epochs_due(epochs, 0ms, 0.0) == 3);
    CHECK(epochs_due({}, 10s, 1.0) == 0);
}
