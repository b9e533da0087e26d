// SPDX-License-Identifier: GPL-3.0-or-later
// The station's byte source (receiver on a serial port, built-in simulator, or a replayed
// capture) and what cairnd knows from it: framer counters, station facts, input rate.
#pragma once

#include "config/serial_settings.hpp"
#include "gnss/capture_summary.hpp"
#include "gnss/framer.hpp"
#include "gnss/net.hpp"
#include "gnss/receiver_link.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace gnss {
class simulator;
}

namespace daemon_input {

enum class source_kind
{
    device,
    simulator,
    replay
};

struct options
{
    source_kind kind = source_kind::device;
    std::string device = "auto";
    config::serial_settings serial;
    std::chrono::milliseconds stale_after{5000};
    std::string replay_file;
    double speed = 1.0;      // replay/simulator pace; 0 = as fast as possible (replay)
    bool replay_loop = true; // start the capture again at its end
    std::uint32_t seed = 1;  // simulator
};

class station_input
{
public:
    // Seconds of history behind bytes_per_second.
    static constexpr std::size_t rate_window_s = 10;

    station_input(net::io_context& io, options opts);
    ~station_input();

    // Throws std::runtime_error at start-up for an unreadable replay file.
    void start();
    void stop();

    const options& opts() const { return opts_; }
    // Every verified RTCM3 frame goes here (the caster's receiver-fed mountpoints).
    void set_rtcm_sink(std::function<void(gnss::byte_view)> sink) { rtcm_sink_ = std::move(sink); }
    // Every verified frame of any kind (receiver management reads UBX and NAV data here).
    void set_frame_sink(std::function<void(const gnss::frame&)> sink)
    {
        frame_sink_ = std::move(sink);
    }
    // Whether commands can reach a receiver: a device or the simulator, not a replay.
    bool writable() const { return opts_.kind != source_kind::replay; }
    // Queues a command frame for the receiver. False when it cannot be sent now (replay,
    // port closed, write queue full). The simulator answers on a later turn of the loop.
    bool write(gnss::byte_view frame);
    const gnss::framer_counters& counters() const { return framer_.counters(); }
    // {"receiver": {...}, "counters": {...}, "bytes_in", "bytes_per_second", "station", ...}
    nlohmann::json status() const;
    // One line for the demo's periodic log.
    std::string summary_line() const;

private:
    void on_bytes(gnss::byte_view data);
    void schedule_simulator();
    void schedule_replay();
    double bytes_per_second() const;

    net::io_context& io_;
    options opts_;
    gnss::framer framer_;
    gnss::capture_summary summary_;
    std::unique_ptr<gnss::receiver_link> link_;
    std::unique_ptr<gnss::simulator> sim_;
    net::steady_timer timer_;
    bool stopped_ = true;
    std::function<void(gnss::byte_view)> rtcm_sink_;
    std::function<void(const gnss::frame&)> frame_sink_;
    // Expires with this object: work it posted checks it before touching `this`.
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);

    // replay
    std::vector<std::uint8_t> capture_;
    struct replay_chunk
    {
        std::size_t offset, length;
        std::chrono::milliseconds at;
    };
    std::vector<replay_chunk> chunks_;
    std::size_t next_chunk_ = 0;
    std::chrono::steady_clock::time_point replay_start_{};
    std::uint64_t replay_rounds_ = 0;

    // input rate: bytes per whole second, ring of rate_window_s
    std::array<std::uint64_t, rate_window_s> rate_{};
    std::int64_t rate_second_ = 0;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point last_frame_{};
    bool any_frame_ = false;
};

const char* to_string(source_kind k);

} // namespace daemon_input
