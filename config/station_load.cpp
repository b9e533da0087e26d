// SPDX-License-Identifier: GPL-3.0-or-later
// [receiver] and [station]: the key tables, the checks between keys, and their TOML form.
#include "config/station_load.hpp"

#include "config/duration.hpp"
#include "config/position.hpp"
#include "config/quote.hpp"

#include <array>

namespace config::detail {

namespace {

using rcv = receiver_settings;
using sta = station_settings;

// A key naming one value of an enum: the parser gives nullopt for an unknown name.
template <typename E, auto parse>
tl::expected<E, std::string> enum_of(const toml::node& node, std::string_view choices)
{
    auto v = string_of(node, choices);
    if (!v)
        return tl::unexpected(v.error());
    if (auto e = parse(*v))
        return *e;
    return tl::unexpected(fmt::format("expected one of {} (got {})", choices, quote(*v)));
}

// RTCM strings: printable ASCII, at most the RTCM counter's 31 characters.
tl::expected<std::string, std::string> rtcm_text(const toml::node& node, std::string_view example)
{
    auto v = string_of(node, example);
    if (!v)
        return tl::unexpected(v.error());
    if (v->size() > antenna_settings::max_descriptor_chars)
        return tl::unexpected(fmt::format("{} characters; RTCM allows {}", v->size(),
                                          antenna_settings::max_descriptor_chars));
    for (char c : *v)
        if (c < 0x20 || c > 0x7e)
            return tl::unexpected(std::string{"printable ASCII only (RTCM strings are ASCII)"});
    return std::string{*v};
}

constexpr std::array<key_rule, 11> receiver_keys{{
    {"device",
     [](const toml::node& node, settings& s) -> tl::expected<void, std::string> {
         auto v = string_of(node, R"("auto" or "/dev/ttyACM0")");
         if (!v)
             return tl::unexpected(v.error());
         if (auto ok = check_device(*v); !ok)
             return ok;
         s.receiver.device = std::string{*v};
         return {};
     }},
    {"settings",
     [](const toml::node& node, settings& s) -> tl::expected<void, std::string> {
         auto v = string_of(node, R"("115200:8:n:1")");
         if (!v)
             return tl::unexpected(v.error());
         auto serial = parse_serial_settings(*v);
         if (!serial)
             return tl::unexpected(serial.error());
         s.receiver.serial = *serial;
         return {};
     }},
    {"stale_after",
     [](const toml::node& node, settings& s) -> tl::expected<void, std::string> {
         auto v = string_of(node, R"("5s")");
         if (!v)
             return tl::unexpected(v.error());
         auto d = parse_duration(*v);
         if (!d)
             return tl::unexpected(d.error());
         s.receiver.stale_after = *d;
         return {};
     }},
    {"profile",
     [](const toml::node& node, settings& s) -> tl::expected<void, std::string> {
         auto v = enum_of<receiver_profile, parse_receiver_profile>(
             node, R"("none", "base-fixed" or "survey-in")");
         if (!v)
             return tl::unexpected(v.error());
         s.receiver.profile = *v;
         return {};
     }},
    {"save", apply_bool<&settings::receiver, &rcv::save>},
    {"rtcm",
     [](const toml::node& node, settings& s) -> tl::expected<void, std::string> {
         auto v = enum_of<msm_set, parse_msm_set>(node, R"("msm4" or "msm7")");
         if (!v)
             return tl::unexpected(v.error());
         s.receiver.msm = *v;
         return {};
     }},
    {"station_interval",
     apply_count<&settings::receiver, &rcv::station_interval_s, 1, rcv::max_message_interval_s>},
    {"interval_1230",
     apply_count<&settings::receiver, &rcv::interval_1230_s, 1, rcv::max_message_interval_s>},
    {"survey_min_duration",
     apply_duration<&settings::receiver, &rcv::survey_min_duration,
                    rcv::min_survey_duration.count(), rcv::max_survey_duration.count()>},
    {"survey_accuracy",
     [](const toml::node& node, settings& s) -> tl::expected<void, std::string> {
         auto v = number_in(node, rcv::min_survey_accuracy_m, rcv::max_survey_accuracy_m, "2.0");
         if (!v)
             return tl::unexpected(v.error() + " (metres)");
         s.receiver.survey_accuracy_m = *v;
         return {};
     }},
    {"fixed_after_survey", apply_bool<&settings::receiver, &rcv::fixed_after_survey>},
}};

constexpr std::array<key_rule, 10> station_keys{{
    {"station_id",
     [](const toml::node& node, settings& s) -> tl::expected<void, std::string> {
         auto v = integer_in(node, 0, sta::max_station_id, 0);
         if (!v)
             return tl::unexpected(v.error());
         s.station.station_id = static_cast<std::uint16_t>(*v);
         return {};
     }},
    {"position",
     [](const toml::node& node, settings& s) -> tl::expected<void, std::string> {
         auto v = string_of(node, R"("47.0123456789 2.0123456789 123.456")");
         if (!v)
             return tl::unexpected(v.error());
         auto p = parse_llh_text(*v);
         if (!p)
             return tl::unexpected(p.error());
         s.station.position = *p;
         return {};
     }},
    {"position_ecef",
     [](const toml::node& node, settings& s) -> tl::expected<void, std::string> {
         auto v = string_of(node, R"("4444030.8028 3085671.2349 3366658.2560")");
         if (!v)
             return tl::unexpected(v.error());
         auto p = parse_ecef_text(*v);
         if (!p)
             return tl::unexpected(p.error());
         s.station.position = *p;
         return {};
     }},
    {"antenna_height",
     [](const toml::node& node, settings& s) -> tl::expected<void, std::string> {
         auto v = number_in(node, 0, sta::max_antenna_height_m, "1.5");
         if (!v)
             return tl::unexpected(v.error() + " (metres; RTCM 1006 holds 0..6.5535)");
         s.station.antenna_height_m = *v;
         return {};
     }},
    {"antenna",
     [](const toml::node& node, settings& s) -> tl::expected<void, std::string> {
         auto v = string_of(node, R"("TRM59800.00     NONE,12345,0")");
         if (!v)
             return tl::unexpected(v.error());
         auto a = parse_antenna_text(*v);
         if (!a)
             return tl::unexpected(a.error());
         s.station.antenna = *a;
         return {};
     }},
    {"receiver_type",
     [](const toml::node& node, settings& s) -> tl::expected<void, std::string> {
         auto v = rtcm_text(node, R"("u-blox ZED-F9P")");
         if (!v)
             return tl::unexpected(v.error());
         s.station.receiver_type = *v;
         return {};
     }},
    {"receiver_firmware",
     [](const toml::node& node, settings& s) -> tl::expected<void, std::string> {
         auto v = rtcm_text(node, R"("HPG 1.32")");
         if (!v)
             return tl::unexpected(v.error());
         s.station.receiver_firmware = *v;
         return {};
     }},
    {"receiver_serial",
     [](const toml::node& node, settings& s) -> tl::expected<void, std::string> {
         auto v = rtcm_text(node, R"("")");
         if (!v)
             return tl::unexpected(v.error());
         s.station.receiver_serial = *v;
         return {};
     }},
    {"arp",
     [](const toml::node& node, settings& s) -> tl::expected<void, std::string> {
         auto v = enum_of<arp_source, parse_arp_source>(node, R"("receiver" or "cairn")");
         if (!v)
             return tl::unexpected(v.error());
         s.station.arp = *v;
         return {};
     }},
    {"interval", apply_duration<&settings::station, &sta::interval, sta::min_interval.count(),
                                sta::max_interval.count()>},
}};

} // namespace

std::span<const key_rule> receiver_rules()
{
    return receiver_keys;
}

std::span<const key_rule> station_rules()
{
    return station_keys;
}

std::vector<key_problem> check_station(const settings& s)
{
    std::vector<key_problem> out;
    const auto& st = s.station;
    if (s.receiver.profile == receiver_profile::base_fixed && !st.position)
        out.push_back({"receiver.profile",
                       "\"base-fixed\" needs the antenna position: set station.position "
                       "(\"lat lon height\") or station.position_ecef, or use \"survey-in\""});
    if (st.arp == arp_source::cairn && !st.position)
        out.push_back({"station.arp",
                       "\"cairn\" sends Cairn's own 1005/1006, which needs station.position or "
                       "station.position_ecef"});
    if (st.antenna_height_m > 0 && st.arp == arp_source::receiver)
        out.push_back({"station.antenna_height",
                       "ignored: with arp = \"receiver\" the receiver's own 1005 goes out (set "
                       "arp = \"cairn\" to send 1006 with this height)",
                       false});
    return out;
}

toml::table receiver_table(const receiver_settings& r)
{
    return toml::table{
        {"device", r.device},
        {"settings", r.serial.to_string()},
        {"stale_after", format_duration(r.stale_after)},
        {"profile", std::string{to_string(r.profile)}},
        {"save", r.save},
        {"rtcm", std::string{to_string(r.msm)}},
        {"station_interval", std::int64_t{r.station_interval_s}},
        {"interval_1230", std::int64_t{r.interval_1230_s}},
        {"survey_min_duration", format_duration(r.survey_min_duration)},
        {"survey_accuracy", r.survey_accuracy_m},
        {"fixed_after_survey", r.fixed_after_survey},
    };
}

toml::table station_table(const station_settings& st)
{
    toml::table t{
        {"station_id", std::int64_t{st.station_id}}, {"antenna_height", st.antenna_height_m},
        {"receiver_type", st.receiver_type},         {"receiver_firmware", st.receiver_firmware},
        {"receiver_serial", st.receiver_serial},     {"arp", std::string{to_string(st.arp)}},
        {"interval", format_duration(st.interval)},
    };
    if (st.position)
        t.insert(st.position->frame == station_position::frame_kind::llh ? "position"
                                                                         : "position_ecef",
                 to_text(*st.position));
    if (st.antenna)
        t.insert("antenna", to_text(*st.antenna));
    return t;
}

} // namespace config::detail
