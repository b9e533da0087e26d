// SPDX-License-Identifier: GPL-3.0-or-later
// The reconnecting receiver link: open, read loop, bounded writes, backoff and staleness.
#include "gnss/receiver_link.hpp"

#include "gnss/port_list.hpp"
#include "gnss/serial_port.hpp"

#include <fmt/format.h>

#include <array>
#include <filesystem>
#include <syslog.h>
#include <utility>

namespace gnss {

namespace {

std::string read_error_message(const std::string& path, const boost::system::error_code& ec)
{
    if (ec == net::error::eof)
        return fmt::format("{}: the device closed (unplugged, or the other end went away)", path);
    if (ec.category() == boost::system::system_category())
        return open_error_message(path, ec.value());
    return fmt::format("{}: {}", path, ec.message());
}

} // namespace

// Handlers hold a shared_ptr to this, so it outlives every queued completion; `running_`
// and the counters below make completions from an earlier port or run do nothing.
class receiver_link::impl : public std::enable_shared_from_this<impl>
{
public:
    impl(net::io_context& io, std::string device, config::serial_settings settings,
         std::chrono::milliseconds stale_after, bytes_handler on_bytes, log_handler log,
         backoff_policy backoff)
        : io_(io), device_(std::move(device)), settings_(settings), state_(stale_after, backoff),
          retry_timer_(io), tick_timer_(io), on_bytes_(std::move(on_bytes)), log_(std::move(log))
    {
    }

    void start()
    {
        if (running_)
            return;
        running_ = true;
        ++run_;
        failure_reported_ = false;
        try_open();
        schedule_tick();
    }

    void stop()
    {
        running_ = false;
        ++run_;
        close_port();
        retry_timer_.cancel();
        tick_timer_.cancel();
        state_.on_closed();
    }

    // After the owner is gone nothing may call back into it.
    void detach()
    {
        stop();
        on_bytes_ = nullptr;
        log_ = nullptr;
    }

    void note_frame()
    {
        const auto before = state_.state();
        state_.on_frame(now());
        if (before == link_status::stale && state_.state() == link_status::connected)
            log(LOG_NOTICE, fmt::format("receiver {}: valid frames again", device_));
    }

    receiver_link_status status() const
    {
        receiver_link_status s;
        s.state = state_.state();
        s.device = device_;
        s.resolved_device = resolved_;
        s.last_frame_age = state_.last_frame_age(now());
        s.reconnects = state_.reconnects();
        s.bytes_in = bytes_in_;
        s.last_error = last_error_;
        return s;
    }

    bool write(byte_view data)
    {
        if (!port_ || state_.state() == link_status::disconnected)
            return false;
        if (data.empty())
            return true;
        if (queued_bytes_ + in_flight_bytes_ + data.size() > max_write_queue_bytes)
            return false;
        queued_.insert(queued_.end(), data.begin(), data.end());
        queued_bytes_ = queued_.size();
        if (in_flight_bytes_ == 0)
            do_write();
        return true;
    }

private:
    static link_state::time_point now() { return link_state::clock::now(); }

    void log(int level, std::string message)
    {
        if (log_)
            log_(level, std::move(message));
    }

    void try_open()
    {
        if (!running_)
            return;
        std::string path = device_;
        if (device_ == auto_device) {
            const auto found = port_list::find_ublox();
            if (!found) {
                open_failed("no u-blox receiver found (device = \"auto\"; is it plugged in?)");
                return;
            }
            path = found->path;
        }
        auto opened = serial_port::open(io_.get_executor(), path, settings_);
        if (!opened) {
            open_failed(opened.error());
            return;
        }
        port_.emplace(std::move(*opened));
        ++port_generation_;
        resolved_ = port_->resolved_path();
        state_.on_open_ok(now());
        failure_reported_ = false;
        log(LOG_NOTICE, fmt::format("receiver {}: connected ({}, {})", device_, resolved_,
                                    settings_.to_string()));
        do_read();
    }

    // Logged once per state change: the first failure is a warning, a new reason is
    // info, the same reason again (every retry of an unplugged receiver) only debug.
    void open_failed(const std::string& why)
    {
        last_error_ = why;
        const auto retry_at = state_.on_error(now());
        const auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(retry_at - now());
        if (!failure_reported_)
            log(LOG_WARNING, fmt::format("receiver {}: {}; retrying", device_, why));
        else if (why != last_logged_error_)
            log(LOG_INFO, fmt::format("receiver {}: {}; still retrying", device_, why));
        else
            log(LOG_DEBUG,
                fmt::format("receiver {}: {}; next try in {} ms", device_, why, delay.count()));
        failure_reported_ = true;
        last_logged_error_ = why;
        schedule_retry(retry_at);
    }

    void lost(const std::string& why)
    {
        close_port();
        last_error_ = why;
        const auto retry_at = state_.on_error(now());
        log(LOG_WARNING, fmt::format("receiver {}: link lost: {}; reconnecting", device_, why));
        failure_reported_ = true;
        last_logged_error_ = why;
        schedule_retry(retry_at);
    }

    void close_port()
    {
        if (port_)
            port_->close();
        port_.reset();
        ++port_generation_;
        queued_.clear();
        queued_bytes_ = 0;
        in_flight_bytes_ = 0;
    }

    void schedule_retry(link_state::time_point at)
    {
        retry_timer_.expires_at(at);
        retry_timer_.async_wait(
            [self = shared_from_this(), run = run_](const boost::system::error_code& ec) {
                if (ec || run != self->run_)
                    return;
                self->try_open();
            });
    }

    void schedule_tick()
    {
        tick_timer_.expires_after(tick_interval);
        tick_timer_.async_wait(
            [self = shared_from_this(), run = run_](const boost::system::error_code& ec) {
                if (ec || run != self->run_)
                    return;
                self->on_tick();
                self->schedule_tick();
            });
    }

    void on_tick()
    {
        const auto t = now();
        const auto before = state_.state();
        state_.tick(t);
        if (before == link_status::connected && state_.state() == link_status::stale)
            log(LOG_WARNING,
                fmt::format("receiver {}: no valid frame for {} ms (wrong baud rate, or "
                            "the receiver's output is off?)",
                            device_, state_.stale_after().count()));
        if (!port_)
            return;
        // A USB receiver that vanishes usually fails the read at once; this catches a
        // node removed while the descriptor lingers.
        std::error_code ec;
        if (!std::filesystem::exists(port_->path(), ec)) {
            lost(fmt::format("{}: the device path went away", port_->path()));
            return;
        }
        if (in_flight_bytes_ > 0 && t - write_started_ >= write_timeout)
            lost(fmt::format("{}: a write did not finish within {} ms (flow control?)",
                             port_->path(), write_timeout.count()));
    }

    void do_read()
    {
        port_->stream().async_read_some(
            net::buffer(buffer_),
            [self = shared_from_this(), gen = port_generation_](
                const boost::system::error_code& ec, std::size_t n) { self->on_read(gen, ec, n); });
    }

    void on_read(std::uint64_t gen, const boost::system::error_code& ec, std::size_t n)
    {
        if (!running_ || gen != port_generation_)
            return; // completion of a port we already closed
        if (ec) {
            lost(read_error_message(port_->path(), ec));
            return;
        }
        bytes_in_ += n;
        if (on_bytes_)
            on_bytes_(byte_view{buffer_.data(), n});
        // The callback may have stopped us or failed a write that closed the port.
        if (!running_ || gen != port_generation_)
            return;
        do_read();
    }

    void do_write()
    {
        auto buf = std::make_shared<bytes>(std::move(queued_));
        queued_.clear();
        queued_bytes_ = 0;
        in_flight_bytes_ = buf->size();
        write_started_ = now();
        net::async_write(
            port_->stream(), net::buffer(*buf),
            [self = shared_from_this(), gen = port_generation_,
             buf](const boost::system::error_code& ec, std::size_t) { self->on_write(gen, ec); });
    }

    void on_write(std::uint64_t gen, const boost::system::error_code& ec)
    {
        if (!running_ || gen != port_generation_)
            return;
        in_flight_bytes_ = 0;
        if (ec) {
            lost(read_error_message(port_->path(), ec));
            return;
        }
        if (!queued_.empty())
            do_write();
    }

    net::io_context& io_;
    const std::string device_;
    const config::serial_settings settings_;
    link_state state_;
    std::optional<serial_port> port_;
    std::string resolved_;
    std::array<std::uint8_t, read_buffer_size> buffer_{};
    net::steady_timer retry_timer_;
    net::steady_timer tick_timer_;
    bytes_handler on_bytes_;
    log_handler log_;

    bool running_ = false;
    std::uint64_t run_ = 0;             // bumped by start/stop: stale timer completions
    std::uint64_t port_generation_ = 0; // bumped per open/close: stale I/O completions
    std::uint64_t bytes_in_ = 0;
    std::string last_error_;
    std::string last_logged_error_;
    bool failure_reported_ = false;

    bytes queued_;
    std::size_t queued_bytes_ = 0;
    std::size_t in_flight_bytes_ = 0;
    link_state::time_point write_started_{};
};

receiver_link::receiver_link(net::io_context& io, std::string device,
                             config::serial_settings settings,
                             std::chrono::milliseconds stale_after, bytes_handler on_bytes,
                             log_handler log, backoff_policy backoff)
    : impl_(std::make_shared<impl>(io, std::move(device), settings, stale_after,
                                   std::move(on_bytes), std::move(log), backoff))
{
}

receiver_link::~receiver_link()
{
    impl_->detach();
}

void receiver_link::start()
{
    impl_->start();
}
void receiver_link::stop()
{
    impl_->stop();
}
void receiver_link::note_frame()
{
    impl_->note_frame();
}
receiver_link_status receiver_link::status() const
{
    return impl_->status();
}
bool receiver_link::write(byte_view data)
{
    return impl_->write(data);
}

} // namespace gnss
