// SPDX-License-Identifier: GPL-3.0-or-later
// JSON for counters and station facts.
#include "daemon/status_json.hpp"

#include "gnss/ubx.hpp"

#include <cmath>

namespace status_json {
namespace {

// ECEF to 0.1 mm, as RTCM carries it, without binary noise in the JSON.
double round4(double v) { return std::round(v * 1e4) / 1e4; }

} // namespace

nlohmann::json counters(const gnss::framer_counters& c)
{
    nlohmann::json rtcm_types = nlohmann::json::object();
    for (const auto& [type, n] : c.rtcm3_types)
        rtcm_types[std::to_string(type)] = n;
    nlohmann::json ubx_messages = nlohmann::json::object();
    for (const auto& [key, n] : c.ubx_messages) {
        auto name = gnss::ubx::message_name(static_cast<std::uint8_t>(key >> 8),
                                            static_cast<std::uint8_t>(key & 0xFF));
        ubx_messages[name] = n;
    }
    nlohmann::json sentences = nlohmann::json::object();
    for (const auto& [name, n] : c.nmea_sentences)
        sentences[name] = n;
    return {
        {"rtcm3", {{"frames", c.rtcm3_frames}, {"types", rtcm_types}}},
        {"ubx", {{"frames", c.ubx_frames}, {"messages", ubx_messages}}},
        {"nmea", {{"frames", c.nmea_frames}, {"sentences", sentences}}},
        {"bad_checksum", c.bad_checksum},
        {"unframed_bytes", c.unframed_bytes},
        {"oversize", c.oversize},
    };
}

nlohmann::json station(const gnss::capture_summary& s)
{
    if (!s.station() && !s.antenna())
        return nullptr;
    nlohmann::json j = nlohmann::json::object();
    if (const auto& a = s.station()) {
        j["message"] = a->type;
        j["station_id"] = a->station_id;
        j["ecef"] = {{"x", round4(a->x)}, {"y", round4(a->y)}, {"z", round4(a->z)}};
        if (a->type == 1006)
            j["antenna_height"] = round4(a->antenna_height);
        j["itrf_year"] = a->itrf_year;
    }
    if (const auto& ant = s.antenna()) {
        nlohmann::json a = {{"message", ant->type},
                            {"descriptor", ant->descriptor},
                            {"setup_id", ant->setup_id},
                            {"serial", ant->serial}};
        if (ant->type == 1033) {
            a["receiver_type"] = ant->receiver_type;
            a["receiver_firmware"] = ant->firmware;
            a["receiver_serial"] = ant->receiver_serial;
        }
        j["antenna"] = a;
    }
    return j;
}

nlohmann::json receiver(const gnss::capture_summary& s)
{
    const auto& v = s.receiver();
    if (!v)
        return nullptr;
    return {{"model", v->model()},     {"firmware", v->firmware()}, {"protocol", v->protocol()},
            {"software", v->software}, {"hardware", v->hardware}};
}

nlohmann::json fix(const gnss::capture_summary& s)
{
    const auto& f = s.fix();
    if (!f)
        return nullptr;
    return {{"fix_type", f->fix_type},
            {"satellites_used", f->satellites_used},
            {"lat", f->lat_deg},
            {"lon", f->lon_deg},
            {"height", f->height_m}};
}

nlohmann::json survey(const gnss::capture_summary& s)
{
    const auto& v = s.survey();
    if (!v)
        return nullptr;
    return {{"duration_s", v->duration_s},
            {"mean_accuracy_m", v->mean_accuracy_m},
            {"observations", v->observations},
            {"valid", v->valid},
            {"active", v->active}};
}

} // namespace status_json
