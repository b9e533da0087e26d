// SPDX-License-Identifier: GPL-3.0-or-later
// From settings to a UBX profile, the configurator's report, and the receiver monitor's
// JSON (fed with the simulator's frames).
#include "daemon/receiver_profile.hpp"

#include "daemon/receiver_json.hpp"
#include "gnss/framer.hpp"
#include "gnss/simulator.hpp"

#include <doctest/doctest.h>

#include <variant>

namespace ubx = gnss::ubx;

TEST_CASE("receiver profile: settings map onto the UBX profile")
{
    config::settings s;
    s.receiver.msm = config::msm_set::msm4;
    s.receiver.station_interval_s = 5;
    s.receiver.interval_1230_s = 30;
    s.receiver.survey_min_duration = std::chrono::minutes{3};
    s.receiver.survey_accuracy_m = 1.25;
    auto p = daemon_receiver::profile_from_settings(s, ubx::base_mode::survey_in);
    REQUIRE(p.has_value());
    CHECK(p->mode == ubx::base_mode::survey_in);
    CHECK(p->msm == ubx::msm_kind::msm4);
    CHECK(p->station_interval_s == 5);
    CHECK(p->interval_1230_s == 30);
    CHECK(p->svin_min_duration_s == 180);
    CHECK(p->svin_accuracy_limit_m == 1.25);
    CHECK(p->monitoring);

    // base-fixed without a position says what to set.
    auto none = daemon_receiver::profile_from_settings(s, ubx::base_mode::fixed);
    REQUIRE_FALSE(none.has_value());
    CHECK(none.error().find("[station] position") != std::string::npos);

    s.station.position =
        config::station_position{config::station_position::frame_kind::llh, 47.5, 15.25, 400.5};
    auto llh = daemon_receiver::profile_from_settings(s, ubx::base_mode::fixed);
    REQUIRE(llh.has_value());
    REQUIRE(std::holds_alternative<ubx::fixed_llh>(llh->position));
    CHECK(std::get<ubx::fixed_llh>(llh->position).height_m == 400.5);

    s.station.position = config::station_position{config::station_position::frame_kind::ecef,
                                                  4444030.8028, 3085671.2349, 3366658.2560};
    auto ecef = daemon_receiver::profile_from_settings(s, ubx::base_mode::fixed);
    REQUIRE(ecef.has_value());
    REQUIRE(std::holds_alternative<ubx::fixed_ecef>(ecef->position));
    CHECK(std::get<ubx::fixed_ecef>(ecef->position).x_m == 4444030.8028);

    // A surveyed mean wins over the configured position.
    auto surveyed =
        daemon_receiver::profile_from_settings(s, ubx::base_mode::fixed, ubx::fixed_ecef{1, 2, 3});
    REQUIRE(surveyed.has_value());
    CHECK(std::get<ubx::fixed_ecef>(surveyed->position).z_m == 3);
}

TEST_CASE("receiver profile: the request carries the profile's keys and the save flag")
{
    config::settings s;
    auto p = daemon_receiver::profile_from_settings(s, ubx::base_mode::survey_in);
    REQUIRE(p.has_value());
    auto r = daemon_receiver::request_for(*p, true);
    REQUIRE(r.has_value());
    CHECK_FALSE(r->detect_only);
    CHECK(r->save);
    CHECK(r->values == ubx::profile_values(*p).value());
    // A profile the codec refuses is refused here too, with its reason.
    p->station_interval_s = 0;
    auto bad = daemon_receiver::request_for(*p, false);
    REQUIRE_FALSE(bad.has_value());
    CHECK_FALSE(bad.error().empty());
}

TEST_CASE("receiver profile: the report of a detection against the simulator")
{
    gnss::simulator sim;
    ubx::configurator c({true, {}, false});
    const auto t0 = std::chrono::steady_clock::time_point{};
    auto out = c.start(t0);
    auto j = daemon_receiver::report(c);
    CHECK(j["state"] == "detecting");
    CHECK(j["ok"] == false);
    // The simulator answers the MON-VER poll; the reply completes the detection.
    gnss::framer fr;
    for (const auto& cmd : out)
        for (const auto& reply : sim.command(cmd))
            fr.feed(reply, [&](const gnss::frame& f) {
                if (auto v = ubx::parse_frame(f.bytes))
                    c.on_frame(*v, t0);
            });
    j = daemon_receiver::report(c);
    CHECK(j["ok"] == true);
    CHECK(j["receiver"]["model"] == "ZED-F9P");
    CHECK(j["receiver"]["supported"] == true);
    CHECK(j["steps"].size() == 1);
    CHECK_FALSE(j.contains("reason"));
}

TEST_CASE("receiver json: the monitor fed by simulator epochs")
{
    gnss::simulator_options o;
    o.svin = true;
    gnss::simulator sim(o);
    gnss::receiver_monitor m;
    gnss::framer fr;
    auto t = std::chrono::steady_clock::time_point{} + std::chrono::hours{1};
    fr.feed(sim.mon_ver(), [&](const gnss::frame& f) { m.on_frame(f.kind, f.bytes, t); });
    for (int i = 0; i < 5; ++i) {
        t += std::chrono::seconds{1};
        fr.feed(sim.next(), [&](const gnss::frame& f) { m.on_frame(f.kind, f.bytes, t); });
    }
    auto j = daemon_receiver::to_json(m.status(t), t);
    CHECK(j["model"] == "ZED-F9P");
    CHECK(j["fix"]["stale"] == false);
    REQUIRE(j["satellites"].is_object());
    CHECK(j["satellites"]["seen"].get<int>() > 10);
    CHECK(j["satellites"]["list"].size() == j["satellites"]["seen"].get<std::size_t>());
    const auto& first = j["satellites"]["list"][0];
    CHECK(first["system"] == "GPS");
    CHECK(first["elevation_deg"].is_number());
    REQUIRE(j["survey_in"].is_object());
    CHECK(j["survey_in"]["active"] == true);
    CHECK(j["rtcm"]["1077"]["frames"] == 5);
    CHECK(j["rtcm"]["1077"]["interval_ms"] == 1000);
    // Ten seconds later the fix is stale, the identity is not.
    auto later = daemon_receiver::to_json(m.status(t + std::chrono::seconds{10}),
                                          t + std::chrono::seconds{10});
    CHECK(later["fix"]["stale"] == true);
    CHECK(later["model"] == "ZED-F9P");
}
