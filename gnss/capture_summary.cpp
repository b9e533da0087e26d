// SPDX-License-Identifier: GPL-3.0-or-later
// Keeps the latest station facts found in a receiver's stream.
#include "gnss/capture_summary.hpp"

#include "gnss/ubx_nav.hpp"

namespace gnss {

void capture_summary::on_frame(const frame& f)
{
    switch (f.kind) {
    case frame_kind::rtcm3:
        on_rtcm3(f.bytes);
        break;
    case frame_kind::ubx:
        on_ubx(f.bytes);
        break;
    case frame_kind::nmea:
        break;
    }
}

void capture_summary::on_rtcm3(byte_view frame)
{
    auto type = rtcm3::message_type(frame);
    if (!type)
        return;
    if (*type == 1005 || *type == 1006) {
        auto arp = rtcm3::decode_station_arp(frame);
        if (!arp) {
            ++undecodable_;
            return;
        }
        // A 1006 carries more than a 1005; don't let a later 1005 drop the height.
        if (!station_ || arp->type == 1006 || station_->type == 1005)
            station_ = *arp;
        else
            station_->x = arp->x, station_->y = arp->y, station_->z = arp->z;
    } else if (*type == 1008 || *type == 1033) {
        auto info = rtcm3::decode_antenna_info(frame);
        if (!info) {
            ++undecodable_;
            return;
        }
        if (!antenna_ || info->type == 1033 || antenna_->type == 1008)
            antenna_ = std::move(*info);
    }
}

void capture_summary::on_ubx(byte_view frame)
{
    auto msg = ubx::parse_frame(frame);
    if (!msg)
        return;
    if (msg->msg_class == ubx::cls::mon && msg->msg_id == ubx::id::mon_ver) {
        if (msg->payload.empty())
            return; // a poll, not a reply
        if (auto v = ubx::decode_mon_ver(*msg))
            receiver_ = std::move(*v);
        else
            ++undecodable_;
    } else if (msg->msg_class == ubx::cls::nav && msg->msg_id == ubx::id::nav_pvt) {
        if (auto p = ubx::decode_nav_pvt(*msg))
            fix_ = last_fix{p->fix_type, p->satellites_used, p->lat_deg, p->lon_deg, p->height_m};
        else
            ++undecodable_;
    } else if (msg->msg_class == ubx::cls::nav && msg->msg_id == ubx::id::nav_svin) {
        if (auto s = ubx::decode_nav_svin(*msg))
            survey_ = survey_status{s->duration_s, s->mean_accuracy_m, s->observations, s->valid,
                                    s->active};
        else
            ++undecodable_;
    }
}

} // namespace gnss
