// SPDX-License-Identifier: GPL-3.0-or-later
// What the receiver says about itself, kept from the frames it sends: identity (MON-VER),
// fix (NAV-PVT), satellites and signals (NAV-SAT/NAV-SIG), survey-in (NAV-SVIN), and
// per RTCM3 message type the count and the actual interval.
#pragma once

#include "gnss/bytes.hpp"
#include "gnss/framer.hpp"
#include "gnss/geodesy.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gnss {

// u-blox gnssId names: "GPS", "SBAS", "Galileo", "BeiDou", "IMES", "QZSS", "GLONASS",
// "NavIC"; "unknown" otherwise.
std::string_view gnss_name(std::uint8_t gnss_id);
// u-blox signal names (F9 interface description, gnssId/sigId table): "L1C/A", "L2 CL",
// "E5 bI", "B2I D1", "L1 OF", ...; "unknown" for pairs not in the table.
std::string_view signal_name(std::uint8_t gnss_id, std::uint8_t sig_id);
// The band a signal belongs to, for grouping: "L1", "L2", "L5", "E1", "E5a", "E5b",
// "B1I", "B2I", "B1C", "B2a", ...; "unknown" likewise.
std::string_view signal_band(std::uint8_t gnss_id, std::uint8_t sig_id);
// NAV-PVT fixType: "no fix", "dead reckoning", "2D", "3D", "GNSS+DR", "time only".
std::string_view fix_type_name(std::uint8_t fix_type);

struct receiver_identity
{
    std::string model;    // MON-VER MOD=, e.g. "ZED-F9P"
    std::string firmware; // FWVER=, e.g. "HPG 1.32"
    std::string protocol; // PROTVER=, e.g. "27.31"
    std::string software; // swVersion, e.g. "EXT CORE 1.00 (0fa0ae)"
    std::string hardware; // hwVersion, e.g. "00190000"
};

struct pvt_status
{
    std::uint32_t itow_ms = 0;
    std::uint8_t fix_type = 0;
    std::string_view fix_name;
    bool gnss_fix_ok = false;
    llh position;
    double h_accuracy_m = 0, v_accuracy_m = 0;
    std::uint8_t satellites_used = 0;
};

struct signal_status
{
    std::uint8_t sig_id = 0;
    std::string_view name; // signal_name()
    std::string_view band; // signal_band()
    std::uint8_t cno_dbhz = 0;
    std::uint8_t quality = 0; // NAV-SIG qualityInd 0..7
    bool used = false;        // prUsed
};

struct satellite_status
{
    std::uint8_t gnss_id = 0;
    std::string_view system; // gnss_name()
    std::uint8_t sv_id = 0;
    std::uint8_t cno_dbhz = 0;
    std::int8_t elevation_deg = 0; // outside -90..90 (the F9P sends -91): unknown
    std::int16_t azimuth_deg = 0;
    bool used = false;
    std::vector<signal_status> signals; // from NAV-SIG, when it is enabled
};

struct survey_in_status
{
    std::uint32_t itow_ms = 0;
    std::uint32_t elapsed_s = 0;
    ecef mean;
    double mean_accuracy_m = 0;
    std::uint32_t observations = 0;
    bool valid = false;
    bool active = false;
};

// A value and when it arrived; stale once older than its receiver_monitor limit.
template <typename T> struct timed
{
    T value;
    std::chrono::steady_clock::time_point received;
    bool stale = false; // set by status(now)
};

struct rtcm_type_status
{
    std::uint64_t frames = 0;
    std::uint64_t epochs = 0; // frames closer than epoch_gap to the previous count once
    std::chrono::steady_clock::time_point last;
    // Mean time between the last interval_window epochs; empty until two epochs were seen.
    std::optional<std::chrono::milliseconds> interval;
};

struct receiver_status
{
    std::optional<timed<receiver_identity>> identity; // never stale: it does not change
    std::optional<timed<pvt_status>> pvt;
    // NAV-SAT entries merged with NAV-SIG signals (or built from NAV-SIG alone).
    std::optional<timed<std::vector<satellite_status>>> satellites;
    int satellites_seen = 0; // C/N0 above 0 (tracked)
    int satellites_used = 0; // used in the navigation solution
    std::optional<timed<survey_in_status>> survey;
    std::map<std::uint16_t, rtcm_type_status> rtcm;
    std::uint64_t undecodable = 0; // MON-VER/NAV-* frames whose payload did not decode
};

class receiver_monitor
{
public:
    using time_point = std::chrono::steady_clock::time_point;

    // NAV-PVT/SAT/SIG older than this is marked stale (the F9P sends them every epoch).
    static constexpr std::chrono::milliseconds stale_after{5000};
    // NAV-SVIN is often rated down (every 10 epochs in the fixture capture).
    static constexpr std::chrono::milliseconds survey_stale_after{30000};
    // Frames of one type closer than this belong to one epoch (MSM split over several
    // frames with the multiple-message bit); a 20 Hz stream is still told apart.
    static constexpr std::chrono::milliseconds epoch_gap{50};
    // Epoch arrivals the interval is averaged over.
    static constexpr std::size_t interval_window = 8;
    // Bounds: a NAV-SAT's maximum, and every 12-bit RTCM3 message number.
    static constexpr std::size_t max_satellites = 255;
    static constexpr std::size_t max_rtcm_types = 4096;

    // Every verified frame, as the framer gives it. Other UBX messages and NMEA are
    // ignored. Frames are not kept: bytes need only live during the call.
    void on_frame(frame_kind kind, byte_view bytes, time_point now);

    // The status as of now, with stale flags set.
    receiver_status status(time_point now) const;

    // MON-VER's identity once seen, without building the whole status.
    const receiver_identity* identity() const { return identity_ ? &identity_->value : nullptr; }
    // Forgets everything (a different receiver may be plugged in after a reconnect).
    void reset() { *this = receiver_monitor{}; }

private:
    struct rtcm_track
    {
        rtcm_type_status status;
        std::deque<time_point> epochs;          // at most interval_window
        std::optional<std::uint32_t> msm_epoch; // DF004 of the last frame, if an MSM
    };
    void on_rtcm3(byte_view bytes, time_point now);
    void on_ubx(byte_view bytes, time_point now);

    std::optional<timed<receiver_identity>> identity_;
    std::optional<timed<pvt_status>> pvt_;
    std::optional<timed<std::vector<satellite_status>>> sat_; // NAV-SAT, no signals
    std::optional<timed<std::vector<std::pair<std::uint16_t, signal_status>>>> sig_;
    std::optional<timed<survey_in_status>> survey_;
    std::map<std::uint16_t, rtcm_track> rtcm_;
    std::uint64_t undecodable_ = 0;
};

} // namespace gnss
