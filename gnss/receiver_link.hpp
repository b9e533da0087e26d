// SPDX-License-Identifier: GPL-3.0-or-later
// The receiver's serial link on the io_context: reads bytes for the framer, writes
// commands, and survives unplugging by reopening with backoff, without a restart.
#pragma once

#include "config/serial_settings.hpp"
#include "gnss/bytes.hpp"
#include "gnss/link_state.hpp"
#include "gnss/net.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace gnss {

// device = "auto" finds the first u-blox USB port at every (re)open.
inline constexpr std::string_view auto_device = "auto";

struct receiver_link_status
{
    link_status state = link_status::disconnected;
    std::string device;          // as configured ("auto", /dev/gnss-f9p)
    std::string resolved_device; // what it pointed at when last opened (/dev/ttyACM0)
    std::optional<std::chrono::milliseconds> last_frame_age; // empty: no frame yet
    std::uint64_t reconnects = 0;
    std::uint64_t bytes_in = 0;
    std::string last_error; // most recent failure, kept after recovery for diagnosis
};

class receiver_link
{
public:
    // One read's worth: at 921600 baud ~40 ms of data, and a whole RTCM3 MSM7 epoch fits.
    static constexpr std::size_t read_buffer_size = 4096;
    // How often staleness, a vanished device path and a stuck write are checked.
    static constexpr std::chrono::milliseconds tick_interval{1000};
    // Commands to the receiver are small (CFG-VALSET); more than this queued means the
    // port is not draining, and write() refuses instead of growing without bound.
    static constexpr std::size_t max_write_queue_bytes = 64 * 1024;
    // A write blocked this long (RTS/CTS never granted, wedged driver) counts as a lost link.
    static constexpr std::chrono::milliseconds write_timeout{5000};

    using bytes_handler = std::function<void(byte_view)>;
    // level is a syslog priority: 3 err, 4 warning, 5 notice, 6 info, 7 debug.
    using log_handler = std::function<void(int level, std::string message)>;

    // Nothing happens until start(). Callbacks run on `io`'s thread; on_bytes' view is valid
    // only during the call. `backoff` is lowered only by tests.
    receiver_link(net::io_context& io, std::string device, config::serial_settings settings,
                  std::chrono::milliseconds stale_after, bytes_handler on_bytes, log_handler log,
                  backoff_policy backoff = {});
    // Stops; no callback runs after destruction even if handlers are still queued.
    ~receiver_link();
    receiver_link(const receiver_link&) = delete;
    receiver_link& operator=(const receiver_link&) = delete;

    // Opens now (or schedules the retry) and starts the staleness tick.
    void start();
    // Closes the port and cancels timers; start() may be called again.
    void stop();
    // The owner's framer produced a valid frame: this is what keeps the link out of stale.
    void note_frame();
    receiver_link_status status() const;
    // Queues bytes for the receiver. False when not connected or the queue is full.
    bool write(byte_view data);

private:
    class impl;
    std::shared_ptr<impl> impl_;
};

} // namespace gnss
