// SPDX-License-Identifier: GPL-3.0-or-later
// Epoch splitting for replays: one framer pass, one boundary finder per time source.
#include "gnss/epoch_pacer.hpp"

#include "gnss/framer.hpp"
#include "gnss/nmea.hpp"
#include "gnss/rtcm3_msm.hpp"
#include "gnss/ubx.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>

namespace gnss::epoch_pacer {

namespace {

constexpr std::uint64_t ms_per_week = 604'800'000;
constexpr std::uint64_t ms_per_day = 86'400'000;
constexpr std::uint64_t bdt_gps_offset_ms = 14'000; // BDT = GPST - 14 s, by definition
constexpr std::uint32_t glonass_tod_bits = 27;
constexpr std::uint32_t glonass_day_unknown = 7;
constexpr std::size_t source_count = 4;

// UBX NAV messages whose iTOW is the first field, and those with a version byte and
// three reserved bytes before it.
constexpr std::array<std::uint8_t, 24> nav_itow_at_0 = {
    0x01, 0x02, 0x03, 0x04, 0x05, 0x07, 0x11, 0x12, 0x20, 0x21, 0x22, 0x23,
    0x24, 0x25, 0x26, 0x27, 0x32, 0x34, 0x35, 0x36, 0x39, 0x42, 0x43, 0x61};
constexpr std::array<std::uint8_t, 5> nav_itow_at_4 = {0x09, 0x13, 0x14, 0x3B, 0x3C};

template <std::size_t N> bool contains(const std::array<std::uint8_t, N>& a, std::uint8_t v)
{
    return std::find(a.begin(), a.end(), v) != a.end();
}

std::optional<std::uint64_t> nav_itow(byte_view frame)
{
    auto msg = ubx::parse_frame(frame);
    if (!msg || msg->msg_class != ubx::cls::nav)
        return std::nullopt;
    std::size_t at = 0;
    if (contains(nav_itow_at_4, msg->msg_id))
        at = 4;
    else if (!contains(nav_itow_at_0, msg->msg_id))
        return std::nullopt;
    if (msg->payload.size() < at + 4)
        return std::nullopt;
    std::uint32_t itow = le_u32(msg->payload.data() + at);
    if (itow >= ms_per_week)
        return std::nullopt;
    return itow;
}

struct msm_time
{
    std::optional<std::uint64_t> gps_scale; // ms of GPS week
    std::optional<std::uint64_t> glonass;   // ms of the Moscow-time week
};

msm_time msm_epoch(byte_view frame)
{
    msm_time t;
    auto h = rtcm3::decode_msm_header(frame);
    if (!h)
        return t;
    switch (h->system) {
    case rtcm3::constellation::gps:
    case rtcm3::constellation::galileo:
    case rtcm3::constellation::qzss:
        if (h->epoch < ms_per_week)
            t.gps_scale = h->epoch;
        break;
    case rtcm3::constellation::beidou:
        if (h->epoch < ms_per_week)
            t.gps_scale = (h->epoch + bdt_gps_offset_ms) % ms_per_week;
        break;
    case rtcm3::constellation::glonass: {
        std::uint32_t day = h->epoch >> glonass_tod_bits;
        std::uint32_t tod = h->epoch & ((1u << glonass_tod_bits) - 1);
        if (day != glonass_day_unknown && tod < ms_per_day)
            t.glonass = day * ms_per_day + tod;
        break;
    }
    default: // SBAS and NavIC: their time scales are not worth guessing here
        break;
    }
    return t;
}

std::optional<std::uint64_t> gga_time(byte_view frame)
{
    std::string_view line = as_chars(frame);
    if (line.size() < 6 || line.substr(3, 3) != "GGA")
        return std::nullopt;
    auto g = nmea::parse_gga(line);
    if (!g)
        return std::nullopt;
    return g->time_ms;
}

// Finds the boundaries one time source implies, frame by frame.
class splitter
{
public:
    explicit splitter(std::uint64_t period) : period_(period) {}

    void on_frame(std::size_t begin, std::size_t end, bool is_nmea, std::optional<std::uint64_t> t)
    {
        if (!t) {
            if (!started_)
                return;
            // The first binary frame after NMEA opens the next epoch: an F9P writes
            // its NMEA block last.
            if (is_nmea)
                nmea_seen_ = true;
            else if (nmea_seen_ && !gap_boundary_)
                gap_boundary_ = begin;
            return;
        }
        if (!started_) {
            started_ = true;
            epochs_.push_back({0, 0, std::chrono::milliseconds{0}});
        } else if (*t != time_) {
            std::uint64_t delta = (*t + period_ - time_) % period_;
            if (delta > period_ / 2)
                delta = 0; // time went backwards: a receiver reset or joined files
            std::chrono::milliseconds step{static_cast<std::int64_t>(
                std::min<std::uint64_t>(delta, static_cast<std::uint64_t>(max_epoch_gap.count())))};
            epochs_.push_back(
                {gap_boundary_.value_or(last_timed_end_), 0, epochs_.back().offset + step});
        }
        time_ = *t;
        last_timed_end_ = end;
        nmea_seen_ = false;
        gap_boundary_.reset();
    }

    std::vector<replay_epoch>& epochs() { return epochs_; }

private:
    std::uint64_t period_;
    bool started_ = false;
    std::uint64_t time_ = 0;
    std::size_t last_timed_end_ = 0;
    bool nmea_seen_ = false;
    std::optional<std::size_t> gap_boundary_;
    std::vector<replay_epoch> epochs_;
};

std::vector<replay_epoch> chunks(std::size_t size)
{
    std::vector<replay_epoch> out;
    for (std::size_t at = 0, k = 0; at < size; at += fallback_chunk_size, ++k)
        out.push_back({at, std::min(fallback_chunk_size, size - at),
                       fallback_chunk_interval * static_cast<std::int64_t>(k)});
    return out;
}

} // namespace

const char* to_string(time_source s)
{
    switch (s) {
    case time_source::ubx_nav:
        return "ubx-nav";
    case time_source::rtcm_msm:
        return "rtcm-msm";
    case time_source::rtcm_glonass:
        return "rtcm-glonass";
    case time_source::nmea_gga:
        return "nmea-gga";
    case time_source::none:
        return "none";
    }
    return "?";
}

split_result split(byte_view capture)
{
    std::array<splitter, source_count> sources = {splitter{ms_per_week}, splitter{ms_per_week},
                                                  splitter{ms_per_week}, splitter{ms_per_day}};
    framer f;
    std::size_t framed = 0; // bytes in frames so far
    std::size_t cursor = 0; // end of the last frame in the capture
    auto on_frame = [&](const frame& fr) {
        // The frame's place in the capture: the framer reports frames in order and counts
        // what it skipped; the bytes are checked, and searched for should that drift.
        std::size_t begin = framed + f.counters().unframed_bytes;
        const auto& b = fr.bytes;
        if (begin < cursor || begin + b.size() > capture.size() ||
            !std::equal(b.begin(), b.end(), capture.begin() + static_cast<std::ptrdiff_t>(begin))) {
            auto it = std::search(capture.begin() + static_cast<std::ptrdiff_t>(cursor),
                                  capture.end(), b.begin(), b.end());
            if (it == capture.end())
                return; // cannot happen: the framer only returns bytes it was given
            begin = static_cast<std::size_t>(it - capture.begin());
        }
        framed += b.size();
        std::size_t end = begin + b.size();
        cursor = end;
        bool is_nmea = fr.kind == frame_kind::nmea;
        std::array<std::optional<std::uint64_t>, source_count> t;
        if (fr.kind == frame_kind::ubx) {
            t[0] = nav_itow(b);
        } else if (fr.kind == frame_kind::rtcm3) {
            msm_time m = msm_epoch(b);
            t[1] = m.gps_scale;
            t[2] = m.glonass;
        } else {
            t[3] = gga_time(b);
        }
        for (std::size_t i = 0; i < source_count; ++i)
            sources[i].on_frame(begin, end, is_nmea, t[i]);
    };
    f.feed(capture, on_frame);
    f.finish(on_frame);

    split_result r;
    std::size_t best = source_count;
    for (std::size_t i = 0; i < source_count; ++i)
        if (sources[i].epochs().size() >= min_timed_epochs &&
            (best == source_count || sources[i].epochs().size() > sources[best].epochs().size()))
            best = i;
    if (best == source_count) {
        r.epochs = chunks(capture.size());
        return r;
    }
    r.source = static_cast<time_source>(best);
    r.epochs = std::move(sources[best].epochs());
    for (std::size_t i = 0; i < r.epochs.size(); ++i) {
        std::size_t next = i + 1 < r.epochs.size() ? r.epochs[i + 1].first_byte : capture.size();
        r.epochs[i].length = next - r.epochs[i].first_byte;
    }
    return r;
}

std::vector<replay_epoch> split_epochs(byte_view capture)
{
    return split(capture).epochs;
}

std::chrono::milliseconds due(std::chrono::milliseconds epoch_offset, double speed)
{
    if (!(speed > 0)) // also NaN
        return std::chrono::milliseconds{0};
    const double ms = static_cast<double>(epoch_offset.count()) / std::max(speed, min_speed);
    constexpr auto latest = std::chrono::milliseconds::max();
    if (ms >= static_cast<double>(latest.count()))
        return latest;
    return std::chrono::milliseconds{std::llround(std::max(ms, 0.0))};
}

std::size_t epochs_due(const std::vector<replay_epoch>& epochs, std::chrono::milliseconds elapsed,
                       double speed)
{
    // Offsets never decrease, so neither do due times.
    auto it = std::partition_point(epochs.begin(), epochs.end(), [&](const replay_epoch& e) {
        return due(e.offset, speed) <= elapsed;
    });
    return static_cast<std::size_t>(it - epochs.begin());
}

} // namespace gnss::epoch_pacer
