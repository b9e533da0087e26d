// SPDX-License-Identifier: GPL-3.0-or-later
// The receiver status kept from its frames: identity, fix, satellites, survey-in and
// RTCM3 message statistics.
#include "gnss/receiver_monitor.hpp"

#include "gnss/rtcm3.hpp"
#include "gnss/rtcm3_msm.hpp"
#include "gnss/ubx.hpp"
#include "gnss/ubx_nav.hpp"

#include <algorithm>

namespace gnss {
namespace {

struct signal_entry
{
    std::uint8_t gnss_id, sig_id;
    std::string_view name, band;
};

// u-blox F9 interface description, "GNSS signal identifiers" (gnssId, sigId). The F9P
// rows agree in pyubx2's and libubx's tables; L5, B1C and B2a (F9 variants and X20) are
// from the latter.
constexpr signal_entry signals[] = {
    {0, 0, "L1C/A", "L1"},   {0, 3, "L2 CL", "L2"},   {0, 4, "L2 CM", "L2"},
    {0, 6, "L5 I", "L5"},    {0, 7, "L5 Q", "L5"},    {1, 0, "L1C/A", "L1"},
    {2, 0, "E1 C", "E1"},    {2, 1, "E1 B", "E1"},    {2, 3, "E5 aI", "E5a"},
    {2, 4, "E5 aQ", "E5a"},  {2, 5, "E5 bI", "E5b"},  {2, 6, "E5 bQ", "E5b"},
    {3, 0, "B1I D1", "B1I"}, {3, 1, "B1I D2", "B1I"}, {3, 2, "B2I D1", "B2I"},
    {3, 3, "B2I D2", "B2I"}, {3, 5, "B1C", "B1C"},    {3, 7, "B2a", "B2a"},
    {5, 0, "L1C/A", "L1"},   {5, 1, "L1S", "L1"},     {5, 4, "L2 CM", "L2"},
    {5, 5, "L2 CL", "L2"},   {5, 8, "L5 I", "L5"},    {5, 9, "L5 Q", "L5"},
    {6, 0, "L1 OF", "L1"},   {6, 2, "L2 OF", "L2"},   {7, 0, "L5 A", "L5"},
};

constexpr std::string_view unknown = "unknown";
// NAV-SAT's elevation for "not known"; used for satellites only NAV-SIG reported.
constexpr std::int8_t unknown_elevation = -91;

const signal_entry* find_signal(std::uint8_t gnss_id, std::uint8_t sig_id)
{
    for (const auto& s : signals)
        if (s.gnss_id == gnss_id && s.sig_id == sig_id)
            return &s;
    return nullptr;
}

std::uint16_t sv_key(std::uint8_t gnss_id, std::uint8_t sv_id)
{
    return static_cast<std::uint16_t>(gnss_id << 8 | sv_id);
}

template <typename T>
void mark(std::optional<timed<T>>& v, std::chrono::steady_clock::time_point now,
          std::chrono::milliseconds limit)
{
    if (v)
        v->stale = now - v->received > limit;
}

} // namespace

std::string_view gnss_name(std::uint8_t gnss_id)
{
    constexpr std::string_view names[] = {"GPS",  "SBAS", "Galileo", "BeiDou",
                                          "IMES", "QZSS", "GLONASS", "NavIC"};
    return gnss_id < std::size(names) ? names[gnss_id] : unknown;
}

std::string_view signal_name(std::uint8_t gnss_id, std::uint8_t sig_id)
{
    const auto* s = find_signal(gnss_id, sig_id);
    return s ? s->name : unknown;
}

std::string_view signal_band(std::uint8_t gnss_id, std::uint8_t sig_id)
{
    const auto* s = find_signal(gnss_id, sig_id);
    return s ? s->band : unknown;
}

std::string_view fix_type_name(std::uint8_t fix_type)
{
    constexpr std::string_view names[] = {"no fix", "dead reckoning", "2D",
                                          "3D",     "GNSS+DR",        "time only"};
    return fix_type < std::size(names) ? names[fix_type] : unknown;
}

void receiver_monitor::on_frame(frame_kind kind, byte_view bytes, time_point now)
{
    if (kind == frame_kind::rtcm3)
        on_rtcm3(bytes, now);
    else if (kind == frame_kind::ubx)
        on_ubx(bytes, now);
}

void receiver_monitor::on_rtcm3(byte_view bytes, time_point now)
{
    const auto type = rtcm3::message_type(bytes);
    if (!type) {
        ++undecodable_;
        return;
    }
    // A 12-bit number, so the map never exceeds max_rtcm_types keys.
    auto& t = rtcm_[*type];
    ++t.status.frames;
    // One epoch may span several frames of a type: MSM with the multiple-message bit,
    // recognised by their common epoch time, even when a slow link spreads them out.
    // Other types: frames within epoch_gap.
    bool same_epoch = false;
    const auto msm = rtcm3::decode_msm_header(bytes);
    if (!t.epochs.empty()) {
        const auto since = now - t.status.last;
        if (msm && t.msm_epoch)
            same_epoch = msm->epoch == *t.msm_epoch && since < stale_after;
        else
            same_epoch = since < epoch_gap;
    }
    t.msm_epoch = msm ? std::optional<std::uint32_t>(msm->epoch) : std::nullopt;
    t.status.last = now;
    if (same_epoch)
        return;
    ++t.status.epochs;
    t.epochs.push_back(now);
    if (t.epochs.size() > interval_window)
        t.epochs.pop_front();
    if (t.epochs.size() >= 2) {
        const auto span = t.epochs.back() - t.epochs.front();
        t.status.interval = std::chrono::duration_cast<std::chrono::milliseconds>(
            span / static_cast<int>(t.epochs.size() - 1));
    }
}

void receiver_monitor::on_ubx(byte_view bytes, time_point now)
{
    const auto msg = ubx::parse_frame(bytes);
    if (!msg)
        return;
    const auto is = [&](std::uint8_t cls, std::uint8_t id) {
        return msg->msg_class == cls && msg->msg_id == id;
    };
    if (is(ubx::cls::mon, ubx::id::mon_ver)) {
        const auto v = ubx::decode_mon_ver(*msg);
        if (!v) {
            ++undecodable_;
            return;
        }
        identity_ = {{v->model(), v->firmware(), v->protocol(), v->software, v->hardware}, now};
    } else if (is(ubx::cls::nav, ubx::id::nav_pvt)) {
        const auto p = ubx::decode_nav_pvt(*msg);
        if (!p) {
            ++undecodable_;
            return;
        }
        pvt_ = {{p->itow_ms, p->fix_type, fix_type_name(p->fix_type), p->gnss_fix_ok(),
                 llh{p->lat_deg, p->lon_deg, p->height_m}, p->h_accuracy_m, p->v_accuracy_m,
                 p->satellites_used},
                now};
    } else if (is(ubx::cls::nav, ubx::id::nav_sat)) {
        const auto s = ubx::decode_nav_sat(*msg);
        if (!s) {
            ++undecodable_;
            return;
        }
        std::vector<satellite_status> sats;
        sats.reserve(std::min(s->svs.size(), max_satellites));
        for (const auto& sv : s->svs) {
            if (sats.size() == max_satellites)
                break;
            sats.push_back({sv.gnss_id,
                            gnss_name(sv.gnss_id),
                            sv.sv_id,
                            sv.cno_dbhz,
                            sv.elevation_deg,
                            sv.azimuth_deg,
                            sv.used(),
                            {}});
        }
        sat_ = {std::move(sats), now};
    } else if (is(ubx::cls::nav, ubx::id::nav_sig)) {
        const auto s = ubx::decode_nav_sig(*msg);
        if (!s) {
            ++undecodable_;
            return;
        }
        std::vector<std::pair<std::uint16_t, signal_status>> sigs;
        sigs.reserve(s->signals.size());
        for (const auto& g : s->signals)
            sigs.push_back({sv_key(g.gnss_id, g.sv_id),
                            {g.sig_id, signal_name(g.gnss_id, g.sig_id),
                             signal_band(g.gnss_id, g.sig_id), g.cno_dbhz, g.quality, g.used()}});
        sig_ = {std::move(sigs), now};
    } else if (is(ubx::cls::nav, ubx::id::nav_svin)) {
        const auto s = ubx::decode_nav_svin(*msg);
        if (!s) {
            ++undecodable_;
            return;
        }
        survey_ = {{s->itow_ms, s->duration_s, ecef{s->mean_x_m, s->mean_y_m, s->mean_z_m},
                    s->mean_accuracy_m, s->observations, s->valid, s->active},
                   now};
    }
}

receiver_status receiver_monitor::status(time_point now) const
{
    receiver_status out;
    out.identity = identity_;
    out.pvt = pvt_;
    out.survey = survey_;
    out.undecodable = undecodable_;
    mark(out.pvt, now, stale_after);
    mark(out.survey, now, survey_stale_after);
    for (const auto& [type, t] : rtcm_)
        out.rtcm.emplace(type, t.status);

    // Satellites: NAV-SAT's list with NAV-SIG's signals attached; satellites only NAV-SIG
    // reports (NAV-SAT disabled or from another epoch) are added from their signals.
    if (sat_ || sig_) {
        timed<std::vector<satellite_status>> sats{{}, {}};
        if (sat_)
            sats = *sat_;
        if (sig_) {
            sats.received = sat_ ? std::max(sat_->received, sig_->received) : sig_->received;
            std::map<std::uint16_t, std::size_t> index;
            for (std::size_t i = 0; i < sats.value.size(); ++i)
                index.emplace(sv_key(sats.value[i].gnss_id, sats.value[i].sv_id), i);
            const std::size_t from_nav_sat = sat_ ? sat_->value.size() : 0;
            for (const auto& [key, sig] : sig_->value) {
                auto it = index.find(key);
                if (it == index.end()) {
                    if (sats.value.size() == max_satellites)
                        continue;
                    const auto gnss_id = static_cast<std::uint8_t>(key >> 8);
                    sats.value.push_back({gnss_id,
                                          gnss_name(gnss_id),
                                          static_cast<std::uint8_t>(key & 0xFF),
                                          0,
                                          unknown_elevation,
                                          0,
                                          false,
                                          {}});
                    it = index.emplace(key, sats.value.size() - 1).first;
                }
                auto& sv = sats.value[it->second];
                if (it->second >= from_nav_sat) {
                    // Known from NAV-SIG only: its signals say how strong and whether used.
                    sv.cno_dbhz = std::max(sv.cno_dbhz, sig.cno_dbhz);
                    sv.used = sv.used || sig.used;
                }
                sv.signals.push_back(sig);
            }
        }
        for (const auto& sv : sats.value) {
            out.satellites_seen += sv.cno_dbhz > 0;
            out.satellites_used += sv.used;
        }
        out.satellites = std::move(sats);
        mark(out.satellites, now, stale_after);
    }
    return out;
}

} // namespace gnss
