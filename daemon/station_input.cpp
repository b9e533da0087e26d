// SPDX-License-Identifier: GPL-3.0-or-later
// The station's byte source and the counters cairnd reports from it.
#include "daemon/station_input.hpp"

#include "daemon/log.hpp"
#include "daemon/status_json.hpp"
#include "gnss/epoch_pacer.hpp"
#include "gnss/simulator.hpp"

#include <fmt/format.h>

#include <fstream>
#include <iterator>
#include <stdexcept>

namespace daemon_input {
namespace {

using steady = std::chrono::steady_clock;

// The largest capture --replay loads into memory.
constexpr std::size_t max_replay_bytes = 256 * 1024 * 1024;
constexpr std::chrono::milliseconds simulator_epoch{1000};

} // namespace

const char* to_string(source_kind k)
{
    switch (k) {
    case source_kind::device:
        return "device";
    case source_kind::simulator:
        return "simulator";
    case source_kind::replay:
        return "replay";
    }
    return "?";
}

station_input::station_input(net::io_context& io, options opts)
    : io_(io), opts_(std::move(opts)), timer_(io)
{
}

station_input::~station_input()
{
    stop();
}

void station_input::start()
{
    stopped_ = false;
    started_ = steady::now();
    switch (opts_.kind) {
    case source_kind::device:
        link_ = std::make_unique<gnss::receiver_link>(
            io_, opts_.device, opts_.serial, opts_.stale_after,
            [this](gnss::byte_view b) { on_bytes(b); },
            [](int level, std::string msg) { daemon_log::log(level, "receiver: {}", msg); });
        link_->start();
        break;
    case source_kind::simulator: {
        gnss::simulator_options so;
        so.seed = opts_.seed;
        sim_ = std::make_unique<gnss::simulator>(so);
        schedule_simulator();
        break;
    }
    case source_kind::replay: {
        std::ifstream in(opts_.replay_file, std::ios::binary);
        if (!in)
            throw std::runtime_error("cannot read replay file " + opts_.replay_file);
        capture_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        if (capture_.size() > max_replay_bytes)
            throw std::runtime_error("replay file larger than 256 MiB: " + opts_.replay_file);
        if (capture_.empty())
            throw std::runtime_error("replay file is empty: " + opts_.replay_file);
        for (const auto& e : gnss::epoch_pacer::split_epochs(capture_))
            chunks_.push_back({e.first_byte, e.length, e.offset});
        next_chunk_ = 0;
        replay_start_ = steady::now();
        daemon_log::log(daemon_log::info, "replaying {} ({} bytes, {} epochs) at speed {}",
                        opts_.replay_file, capture_.size(), chunks_.size(), opts_.speed);
        schedule_replay();
        break;
    }
    }
}

void station_input::stop()
{
    if (stopped_)
        return;
    stopped_ = true;
    timer_.cancel();
    if (link_)
        link_->stop();
}

void station_input::schedule_simulator()
{
    // One epoch now and then every second (speed > 1 runs faster for tests).
    on_bytes(sim_->next());
    auto period = opts_.speed > 0
                      ? std::chrono::duration_cast<steady::duration>(simulator_epoch / opts_.speed)
                      : std::chrono::duration_cast<steady::duration>(simulator_epoch);
    timer_.expires_after(period);
    timer_.async_wait([this, alive = std::weak_ptr<int>(alive_)](boost::system::error_code ec) {
        if (!ec && !alive.expired() && !stopped_)
            schedule_simulator();
    });
}

void station_input::schedule_replay()
{
    if (next_chunk_ >= chunks_.size()) {
        ++replay_rounds_;
        if (!opts_.replay_loop) {
            daemon_log::log(daemon_log::notice, "replay of {} finished", opts_.replay_file);
            return;
        }
        next_chunk_ = 0;
        replay_start_ = steady::now();
        framer_.reset(); // a torn frame at the end must not glue onto the start
    }
    const auto& c = chunks_[next_chunk_];
    auto due = replay_start_ + gnss::epoch_pacer::due(c.at, opts_.speed);
    if (steady::now() >= due) {
        ++next_chunk_;
        on_bytes(gnss::byte_view(capture_.data() + c.offset, c.length));
        // Yield to the loop between epochs even when running flat out.
        // The input may be replaced (SIGHUP) before this runs: check before touching it.
        net::post(io_, [this, alive = std::weak_ptr<int>(alive_)] {
            if (!alive.expired() && !stopped_)
                schedule_replay();
        });
        return;
    }
    timer_.expires_at(due);
    timer_.async_wait([this, alive = std::weak_ptr<int>(alive_)](boost::system::error_code ec) {
        if (!ec && !alive.expired() && !stopped_)
            schedule_replay();
    });
}

void station_input::on_bytes(gnss::byte_view data)
{
    auto now = steady::now();
    std::int64_t second =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    if (second != rate_second_) {
        // Zero the slots of the seconds that passed without data.
        std::int64_t window = static_cast<std::int64_t>(rate_window_s);
        for (std::int64_t s = std::max(rate_second_ + 1, second - window + 1); s <= second; ++s)
            rate_[static_cast<std::size_t>(s % window)] = 0;
        rate_second_ = second;
    }
    rate_[static_cast<std::size_t>(second % static_cast<std::int64_t>(rate_window_s))] +=
        data.size();

    bool got_frame = false;
    framer_.feed(data, [&](const gnss::frame& f) {
        summary_.on_frame(f);
        got_frame = true;
        if (f.kind == gnss::frame_kind::rtcm3 && rtcm_sink_)
            rtcm_sink_(f.bytes);
        if (frame_sink_)
            frame_sink_(f);
    });
    if (got_frame) {
        last_frame_ = now;
        any_frame_ = true;
        if (link_)
            link_->note_frame();
    }
}

bool station_input::write(gnss::byte_view frame)
{
    if (stopped_)
        return false;
    switch (opts_.kind) {
    case source_kind::device:
        return link_ && link_->write(frame);
    case source_kind::simulator: {
        if (!sim_)
            return false;
        // Like a serial line: the answer arrives later, never inside the caller's call.
        auto replies = sim_->command(frame);
        if (replies.empty())
            return true;
        net::post(io_, [this, alive = std::weak_ptr<int>(alive_), replies = std::move(replies)] {
            if (alive.expired() || stopped_)
                return;
            for (const auto& r : replies)
                on_bytes(r);
        });
        return true;
    }
    case source_kind::replay:
        break;
    }
    return false;
}

double station_input::bytes_per_second() const
{
    // Mean over the last whole seconds (the current one is still filling), counting only
    // seconds since start so the first minutes are not diluted.
    auto to_s = [](steady::time_point t) {
        return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
    };
    std::int64_t now_s = to_s(steady::now());
    std::int64_t start_s = to_s(started_);
    std::int64_t window = static_cast<std::int64_t>(rate_window_s);
    std::uint64_t sum = 0;
    std::int64_t span = 0;
    for (std::int64_t s = now_s - (window - 1); s < now_s; ++s) {
        if (s < start_s)
            continue;
        ++span;
        if (s > rate_second_ || s <= rate_second_ - window)
            continue; // that slot holds an older second: nothing arrived in s
        sum += rate_[static_cast<std::size_t>(s % window)];
    }
    return span > 0 ? static_cast<double>(sum) / static_cast<double>(span) : 0.0;
}

nlohmann::json station_input::status() const
{
    nlohmann::json r = {{"source", to_string(opts_.kind)}};
    auto now = steady::now();
    if (link_) {
        auto s = link_->status();
        r["state"] = gnss::to_string(s.state);
        r["device"] = s.device;
        r["resolved_device"] = s.resolved_device;
        r["settings"] = opts_.serial.to_string();
        r["last_frame_age_ms"] =
            s.last_frame_age ? nlohmann::json(s.last_frame_age->count()) : nlohmann::json(nullptr);
        r["reconnects"] = s.reconnects;
        r["last_error"] = s.last_error;
    } else {
        bool stale = !any_frame_ || now - last_frame_ > opts_.stale_after;
        bool finished = opts_.kind == source_kind::replay && !opts_.replay_loop &&
                        next_chunk_ >= chunks_.size();
        r["state"] = finished ? "disconnected" : stale && any_frame_ ? "stale" : "connected";
        r["device"] = opts_.kind == source_kind::replay ? opts_.replay_file : "simulator";
        r["last_frame_age_ms"] =
            any_frame_ ? nlohmann::json(std::chrono::duration_cast<std::chrono::milliseconds>(
                                            now - last_frame_)
                                            .count())
                       : nlohmann::json(nullptr);
        r["reconnects"] = 0;
        if (opts_.kind == source_kind::replay)
            r["replay_rounds"] = replay_rounds_;
    }
    if (auto v = status_json::receiver(summary_); v.is_object())
        r.update(v);
    nlohmann::json j;
    j["receiver"] = r;
    j["counters"] = status_json::counters(framer_.counters());
    j["bytes_in"] = framer_.counters().bytes_in;
    j["bytes_per_second"] = bytes_per_second();
    j["station"] = status_json::station(summary_);
    j["fix"] = status_json::fix(summary_);
    j["survey_in"] = status_json::survey(summary_);
    return j;
}

std::string station_input::summary_line() const
{
    const auto& c = framer_.counters();
    std::string state = link_ ? gnss::to_string(link_->status().state) : "connected";
    return fmt::format("receiver {} ({}): {} frames (rtcm3 {}, ubx {}, nmea {}), bad checksums {}, "
                       "unframed bytes {}, {:.0f} B/s",
                       state, to_string(opts_.kind), c.frames(), c.rtcm3_frames, c.ubx_frames,
                       c.nmea_frames, c.bad_checksum, c.unframed_bytes, bytes_per_second());
}

} // namespace daemon_input
