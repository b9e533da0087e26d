// SPDX-License-Identifier: GPL-3.0-or-later
// What a receiver's stream says about the station: position (1005/1006), antenna and
// receiver descriptors (1008/1033), receiver model and firmware (MON-VER), last fix.
#pragma once

#include "gnss/framer.hpp"
#include "gnss/rtcm3.hpp"
#include "gnss/rtcm3_info.hpp"
#include "gnss/ubx.hpp"

#include <optional>

namespace gnss {

struct last_fix
{
    std::uint8_t fix_type = 0;
    std::uint8_t satellites_used = 0;
    double lat_deg = 0, lon_deg = 0, height_m = 0;
};

struct survey_status
{
    std::uint32_t duration_s = 0;
    double mean_accuracy_m = 0;
    std::uint32_t observations = 0;
    bool valid = false;
    bool active = false;
};

class capture_summary
{
public:
    // Call for every frame the framer delivers.
    void on_frame(const frame& f);

    const std::optional<rtcm3::station_arp>& station() const { return station_; }
    const std::optional<rtcm3::antenna_info>& antenna() const { return antenna_; }
    const std::optional<ubx::mon_ver>& receiver() const { return receiver_; }
    const std::optional<last_fix>& fix() const { return fix_; }
    const std::optional<survey_status>& survey() const { return survey_; }
    // Frames whose checksum was right but whose content did not decode.
    std::uint64_t undecodable() const { return undecodable_; }

private:
    void on_rtcm3(byte_view frame);
    void on_ubx(byte_view frame);

    std::optional<rtcm3::station_arp> station_;
    std::optional<rtcm3::antenna_info> antenna_;
    std::optional<ubx::mon_ver> receiver_;
    std::optional<last_fix> fix_;
    std::optional<survey_status> survey_;
    std::uint64_t undecodable_ = 0;
};

} // namespace gnss
