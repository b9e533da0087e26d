// SPDX-License-Identifier: GPL-3.0-or-later
// The hub's mountpoints: one deliver per burst, station frames kept for new rovers, and a
// mountpoint's message list applied once for all its subscribers.
#include "ntrip/hub.hpp"

#include "gnss/rtcm3.hpp"

#include <doctest/doctest.h>

#include <vector>

using namespace std::chrono_literals;

namespace {

struct recorder : ntrip::subscriber
{
    std::vector<std::vector<std::uint16_t>> bursts;
    void deliver(std::span<const ntrip::frame_ptr> frames) override
    {
        std::vector<std::uint16_t> types;
        for (const auto& f : frames)
            types.push_back(f->type);
        bursts.push_back(std::move(types));
    }
};

ntrip::frame_ptr frame_of(std::uint16_t type, ntrip::steady_time at)
{
    gnss::bytes payload{static_cast<std::uint8_t>(type >> 4),
                        static_cast<std::uint8_t>((type & 0xF) << 4), 0, 0};
    return ntrip::make_frame(gnss::rtcm3::make_frame(payload), at);
}

// One simulated epoch: 1005, 1077, 1230 at t.
std::vector<ntrip::frame_ptr> epoch(ntrip::steady_time t)
{
    return {frame_of(1005, t), frame_of(1077, t), frame_of(1230, t)};
}

} // namespace

TEST_CASE("hub: one deliver per burst, in order, to every subscriber")
{
    ntrip::mountpoint mp("A", ntrip::mountpoint::feed::receiver, false);
    recorder a, b;
    mp.join(&a);
    mp.join(&b);
    const ntrip::steady_time t0{};
    auto burst = epoch(t0);
    mp.publish(burst);
    REQUIRE(a.bursts.size() == 1);
    CHECK(a.bursts[0] == std::vector<std::uint16_t>{1005, 1077, 1230});
    CHECK(b.bursts == a.bursts);
    CHECK(mp.frames() == 3);
    // The 1005 is kept for a new rover while recent, not after station_frame_max_age.
    CHECK(mp.station_frames(t0 + 1s).size() == 1);
    CHECK(mp.station_frames(t0 + ntrip::station_frame_max_age + 1s).empty());
    // After a reload changed the station, the kept frames are not replayed.
    mp.forget_station_frames();
    CHECK(mp.station_frames(t0 + 1s).empty());
    mp.leave(&b);
    mp.publish(burst);
    CHECK(a.bursts.size() == 2);
    CHECK(b.bursts.size() == 1);
}

TEST_CASE("hub: a mountpoint's message list keeps listed types at their interval")
{
    ntrip::mountpoint mp("LIST", ntrip::mountpoint::feed::receiver, false);
    mp.set_filter(ntrip::parse_message_list("1005(5),1077").value());
    recorder r;
    mp.join(&r);
    const ntrip::steady_time t0{};
    for (int s = 0; s < 10; ++s)
        mp.publish(epoch(t0 + std::chrono::seconds{s}));
    // 1077 every epoch, 1005 at 0 s and 5 s, 1230 never; a burst with nothing kept is not
    // delivered at all.
    int n1005 = 0, n1077 = 0, n1230 = 0;
    for (const auto& b : r.bursts)
        for (auto t : b)
            (t == 1005 ? n1005 : t == 1077 ? n1077 : n1230)++;
    CHECK(n1005 == 2);
    CHECK(n1077 == 10);
    CHECK(n1230 == 0);
    CHECK(r.bursts.size() == 10);
    CHECK(mp.frames() == 12); // only what went out counts
    const auto& c = mp.filter()->counters();
    CHECK(c.at(1230).dropped == 10);
    CHECK(c.at(1005).kept == 2);
    CHECK(c.at(1005).dropped == 8);

    ntrip::mountpoint none("NONE", ntrip::mountpoint::feed::receiver, false);
    none.set_filter(ntrip::parse_message_list("1019").value());
    recorder q;
    none.join(&q);
    none.publish(epoch(t0));
    CHECK(q.bursts.empty());
    CHECK(none.frames() == 0);
}
