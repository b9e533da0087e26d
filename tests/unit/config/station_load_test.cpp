// SPDX-License-Identifier: GPL-3.0-or-later
// [receiver] profile keys, [station], mountpoint message lists: values, defaults, errors at
// the right line and key, checks between keys, warnings, and the TOML round trip.
#include "config/station_load.hpp"

#include "config/load.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace std::chrono_literals;

namespace {

const char* full_station = R"toml([receiver]
profile = "survey-in"
save = true
rtcm = "msm4"
station_interval = 5
interval_1230 = 20
survey_min_duration = "5m"
survey_accuracy = 1.5
fixed_after_survey = false

[station]
station_id = 4095
position = "'47.0123456789 2.0123456789 123.456'"
antenna_height = 1.25
antenna = "TRM59800.00     NONE,12345,2"
receiver_type = "u-blox ZED-F9P"
receiver_firmware = "HPG 1.32"
receiver_serial = "SN1"
arp = "cairn"
interval = "15s"

[caster]
[[caster.mountpoint]]
name = "BASE1"
latitude = 47.01
longitude = 2.01
messages = "1005(10), 1077,1087,1230(5)"
)toml";

} // namespace

TEST_CASE("station: defaults")
{
    auto s = config::parse("", "t.toml");
    REQUIRE(s.has_value());
    CHECK(s->receiver.profile == config::receiver_profile::none);
    CHECK(s->receiver.msm == config::msm_set::msm7);
    CHECK(s->receiver.station_interval_s == 10);
    CHECK(s->receiver.fixed_after_survey);
    CHECK_FALSE(s->receiver.save);
    CHECK(s->station.station_id == 0);
    CHECK_FALSE(s->station.position.has_value());
    CHECK(s->station.arp == config::arp_source::receiver);
    CHECK(s->warnings.empty());
}

TEST_CASE("station: every key read")
{
    auto s = config::parse(full_station, "t.toml");
    REQUIRE_MESSAGE(s.has_value(), (s ? "" : s.error().to_string()));
    const auto& r = s->receiver;
    CHECK(r.profile == config::receiver_profile::survey_in);
    CHECK(r.save);
    CHECK(r.msm == config::msm_set::msm4);
    CHECK(r.station_interval_s == 5);
    CHECK(r.interval_1230_s == 20);
    CHECK(r.survey_min_duration == 5min);
    CHECK(r.survey_accuracy_m == 1.5);
    CHECK_FALSE(r.fixed_after_survey);
    const auto& st = s->station;
    CHECK(st.station_id == 4095);
    REQUIRE(st.position.has_value());
    CHECK(st.position->a == 47.0123456789);
    CHECK(st.antenna_height_m == 1.25);
    REQUIRE(st.antenna.has_value());
    CHECK(st.antenna->serial == "12345");
    CHECK(st.receiver_type == "u-blox ZED-F9P");
    CHECK(st.arp == config::arp_source::cairn);
    CHECK(st.interval == 15s);
    REQUIRE(s->caster.mountpoints.size() == 1);
    REQUIRE(s->caster.mountpoints[0].messages.has_value());
    CHECK(config::to_string(*s->caster.mountpoints[0].messages) == "1005(10),1077,1087,1230(5)");
    CHECK(s->warnings.empty());

    auto again = config::parse(config::to_toml(*s), "t.toml");
    REQUIRE_MESSAGE(again.has_value(), (again ? "" : again.error().to_string()));
    again->source = s->source;
    CHECK(*again == *s);
}

TEST_CASE("station: errors name file, line and key")
{
    struct row
    {
        std::string text;
        std::size_t line;
        std::string key;
        std::string part;
    };
    const row rows[] = {
        {"[receiver]\nprofile = \"base\"\n", 2, "receiver.profile", "\"base-fixed\""},
        {"[receiver]\nrtcm = \"msm5\"\n", 2, "receiver.rtcm", "\"msm4\" or \"msm7\""},
        {"[receiver]\nstation_interval = 0\n", 2, "receiver.station_interval", "1 to 255"},
        {"[receiver]\ninterval_1230 = 256\n", 2, "receiver.interval_1230", "1 to 255"},
        {"[receiver]\nsurvey_accuracy = 0\n", 2, "receiver.survey_accuracy", "metres"},
        {"[receiver]\nsurvey_min_duration = \"0s\"\n", 2, "receiver.survey_min_duration",
         "duration"},
        {"[station]\nstation_id = 4096\n", 2, "station.station_id", "0 to 4095"},
        {"[station]\nposition = \"91 0 0\"\n", 2, "station.position", "latitude 91"},
        {"[station]\nposition_ecef = \"1 2 3\"\n", 2, "station.position_ecef", "Earth's centre"},
        {"[station]\nantenna_height = 7\n", 2, "station.antenna_height", "6.5535"},
        {"[station]\nantenna = \"\"\n", 2, "station.antenna", "descriptor is empty"},
        {"[station]\nreceiver_type = \"" + std::string(32, 'x') + "\"\n", 2,
         "station.receiver_type", "RTCM allows 31"},
        {"[station]\narp = \"mine\"\n", 2, "station.arp", "\"receiver\" or \"cairn\""},
        {"[station]\nweird = 1\n", 2, "station.weird", "unknown key"},
        {"[receiver]\n\nprofile = \"base-fixed\"\n", 3, "receiver.profile",
         "needs the antenna position"},
        {"[station]\n\narp = \"cairn\"\n", 3, "station.arp", "needs station.position"},
        {"[caster]\n[[caster.mountpoint]]\nname = \"A\"\nlatitude = 1\nlongitude = 1\n"
         "messages = \"1005(0)\"\n",
         6, "caster.mountpoint[0].messages", "interval must be"},
    };
    for (const auto& r : rows) {
        CAPTURE(r.text);
        auto s = config::parse(r.text, "t.toml");
        REQUIRE_FALSE(s.has_value());
        CHECK(s.error().file == "t.toml");
        CHECK(s.error().line == r.line);
        CHECK(s.error().key == r.key);
        CHECK_MESSAGE(s.error().message.find(r.part) != std::string::npos, s.error().message);
    }
}

TEST_CASE("station: warnings do not stop start-up but name line and key")
{
    auto s = config::parse("[caster]\n[[caster.mountpoint]]\nname = \"A\"\nlatitude = 1\n"
                           "longitude = 1\nmessages = \"1004,1005(10),1077,1019\"\n"
                           "[station]\nantenna_height = 1.5\n",
                           "t.toml");
    REQUIRE_MESSAGE(s.has_value(), (s ? "" : s.error().to_string()));
    REQUIRE(s->warnings.size() == 3);
    CHECK(s->warnings[0].find("t.toml:6:") == 0);
    CHECK(s->warnings[0].find("caster.mountpoint[0].messages") != std::string::npos);
    CHECK(s->warnings[0].find("message 1004") != std::string::npos);
    CHECK(s->warnings[1].find("message 1019") != std::string::npos);
    CHECK(s->warnings[2].find("t.toml:8:") == 0);
    CHECK(s->warnings[2].find("station.antenna_height") != std::string::npos);
}

TEST_CASE("station: the checks between keys")
{
    config::settings s;
    CHECK(config::detail::check_station(s).empty());
    s.receiver.profile = config::receiver_profile::base_fixed;
    auto p = config::detail::check_station(s);
    REQUIRE(p.size() == 1);
    CHECK(p[0].fatal);
    s.station.position = config::station_position{};
    CHECK(config::detail::check_station(s).empty());
}
