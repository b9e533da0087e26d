// SPDX-License-Identifier: GPL-3.0-or-later
// Receiver status to JSON: identity, fix, satellites with signals, survey-in, RTCM types.
#include "daemon/receiver_json.hpp"

namespace daemon_receiver {

namespace {

using nlohmann::json;

long long ms_since(std::chrono::steady_clock::time_point then,
                   std::chrono::steady_clock::time_point now)
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(now - then).count();
}

json satellite_json(const gnss::satellite_status& sv)
{
    json signals = json::array();
    for (const auto& sig : sv.signals)
        signals.push_back({{"signal", sig.name},
                           {"band", sig.band},
                           {"cno_dbhz", sig.cno_dbhz},
                           {"quality", sig.quality},
                           {"used", sig.used}});
    const bool known_elevation = sv.elevation_deg >= -90 && sv.elevation_deg <= 90;
    return {{"system", sv.system},
            {"sv", sv.sv_id},
            {"cno_dbhz", sv.cno_dbhz},
            {"elevation_deg", known_elevation ? json(sv.elevation_deg) : json(nullptr)},
            {"azimuth_deg", known_elevation ? json(sv.azimuth_deg) : json(nullptr)},
            {"used", sv.used},
            {"signals", std::move(signals)}};
}

} // namespace

json to_json(const gnss::receiver_status& s, std::chrono::steady_clock::time_point now)
{
    json j = {{"model", nullptr}, {"firmware", nullptr},   {"protocol", nullptr},
              {"fix", nullptr},   {"satellites", nullptr}, {"survey_in", nullptr}};
    if (s.identity) {
        const auto& id = s.identity->value;
        j["model"] = id.model;
        j["firmware"] = id.firmware;
        j["protocol"] = id.protocol;
    }
    if (s.pvt) {
        const auto& p = s.pvt->value;
        j["fix"] = {{"type", p.fix_type},
                    {"name", p.fix_name},
                    {"ok", p.gnss_fix_ok},
                    {"lat_deg", p.position.lat_deg},
                    {"lon_deg", p.position.lon_deg},
                    {"height_m", p.position.height_m},
                    {"h_accuracy_m", p.h_accuracy_m},
                    {"v_accuracy_m", p.v_accuracy_m},
                    {"satellites_used", p.satellites_used},
                    {"age_ms", ms_since(s.pvt->received, now)},
                    {"stale", s.pvt->stale}};
    }
    if (s.satellites) {
        json list = json::array();
        for (const auto& sv : s.satellites->value)
            list.push_back(satellite_json(sv));
        j["satellites"] = {{"seen", s.satellites_seen},
                           {"used", s.satellites_used},
                           {"stale", s.satellites->stale},
                           {"list", std::move(list)}};
    }
    if (s.survey) {
        const auto& v = s.survey->value;
        j["survey_in"] = {{"active", v.active},
                          {"valid", v.valid},
                          {"elapsed_s", v.elapsed_s},
                          {"mean_accuracy_m", v.mean_accuracy_m},
                          {"observations", v.observations},
                          {"mean_ecef", {{"x", v.mean.x}, {"y", v.mean.y}, {"z", v.mean.z}}},
                          {"stale", s.survey->stale}};
    }
    json rtcm = json::object();
    for (const auto& [type, t] : s.rtcm)
        rtcm[std::to_string(type)] = {
            {"frames", t.frames},
            {"epochs", t.epochs},
            {"interval_ms", t.interval ? json(t.interval->count()) : json(nullptr)},
            {"age_ms", ms_since(t.last, now)}};
    j["rtcm"] = std::move(rtcm);
    j["undecodable"] = s.undecodable;
    return j;
}

} // namespace daemon_receiver
