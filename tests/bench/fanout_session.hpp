// SPDX-License-Identifier: GPL-3.0-or-later
// One benchmark rover: connects (plain or TLS), asks for the mountpoint (NTRIP 1.0 or 2.0),
// then reads and de-chunks the stream and records when each measured epoch arrived whole:
// when the generator parsed it, and when the kernel received the bytes that completed it.
#pragma once

#include "bench_frames.hpp"
#include "gnss/net.hpp"
#include "timestamped_socket.hpp"

#include <boost/asio/ssl.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <chrono>
#include <climits>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

namespace bench {

using tcp = net::ip::tcp;

// A rover must be streaming this long after its connect started, or it counts as failed
// (the default; --setup-timeout changes it within the bound).
constexpr std::chrono::seconds default_setup_timeout{10};
constexpr std::chrono::seconds max_setup_timeout{60};
// Per-rover read buffer: a whole 2 KiB epoch fits in one read.
constexpr std::size_t read_buffer_size = 4096;
// A reply head longer than this is refused (a caster sends a few hundred bytes).
constexpr std::size_t max_reply_head = 4096;

enum class failure : std::uint8_t
{
    connect,   // TCP connect failed
    handshake, // TLS handshake failed
    refused,   // reply was not ICY 200 / HTTP 200 (or too long)
    timeout,   // not streaming within setup_timeout
    closed,    // the caster closed a streaming rover
    read,      // read or write error
    chunked,   // broken chunked coding
    count_,
};
constexpr std::array<const char*, static_cast<std::size_t>(failure::count_)> failure_names{
    "connect", "handshake", "refused", "timeout", "closed", "read", "chunked"};

inline std::uint64_t now_ns()
{
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                          std::chrono::steady_clock::now().time_since_epoch())
                                          .count());
}

// What one rover measured; written only by its own handlers, read after the run.
struct rover_result
{
    std::vector<std::int32_t> latency_us; // per measured epoch, parsed; -1 = never whole
    std::vector<std::int32_t> arrival_us; // per measured epoch, kernel receive; -1 likewise
    bool streamed = false;
    std::uint64_t crc_errors = 0;
    std::uint64_t broken_epochs = 0;
    std::uint64_t skipped_bytes = 0;
    // Reads that completed a measured epoch with no kernel timestamp (arrival = read time).
    std::uint64_t reads_without_timestamp = 0;
};

// What every rover shares: the run's parameters, the measured window and the tallies.
struct fanout_state
{
    tcp::endpoint target;
    std::vector<std::string> requests;  // one per credential; rover i uses i % size
    std::vector<tcp::endpoint> sources; // local addresses to bind; empty: the kernel picks
    std::uint32_t epochs = 0;
    std::chrono::milliseconds setup_timeout = default_setup_timeout;
    std::atomic<std::int64_t> measure_first{-1};
    std::vector<rover_result> results;
    std::atomic<std::size_t> streaming{0};
    std::atomic<std::size_t> failed{0};
    std::array<std::atomic<std::size_t>, static_cast<std::size_t>(failure::count_)> failures{};
    std::atomic<std::uint64_t> bytes_in{0};
    std::atomic<std::uint64_t> reads{0}; // reads that returned data: how finely a caster writes
    std::mutex sample_mutex;
    std::string refused_sample; // the first refusal's status line, for the report

    // Parsed: when this process parsed the epoch's last frame; arrival: when the kernel
    // received the bytes that completed it. Both since the first stamp was written. False
    // when the epoch is outside the measured window.
    bool record(std::size_t rover, std::uint32_t epoch, std::int64_t latency_ns,
                std::int64_t arrival_ns)
    {
        const std::int64_t first = measure_first.load(std::memory_order_acquire);
        if (first < 0 || epoch < first || epoch >= first + epochs)
            return false;
        auto us = [](std::int64_t ns) {
            return static_cast<std::int32_t>(std::clamp<std::int64_t>(ns / 1000, 0, INT32_MAX));
        };
        results[rover].latency_us[epoch - first] = us(latency_ns);
        results[rover].arrival_us[epoch - first] = us(arrival_ns);
        return true;
    }
};

template <class Stream> class session : public std::enable_shared_from_this<session<Stream>>
{
    static constexpr bool tls = !std::is_same_v<Stream, timestamped_socket>;

public:
    template <class... Args>
    session(fanout_state& state, std::size_t index, Args&&... stream_args)
        : state_(state), index_(index), stream_(std::forward<Args>(stream_args)...),
          timer_(stream_.get_executor()), buffer_(new std::uint8_t[read_buffer_size])
    {
    }

    auto get_executor() { return stream_.get_executor(); }
    Stream& stream() { return stream_; }

    // Must run on the rover's strand (post it there).
    void start()
    {
        auto self = this->shared_from_this();
        timer_.expires_after(state_.setup_timeout);
        timer_.async_wait([self](boost::system::error_code ec) {
            if (!ec && !self->streaming_)
                self->fail(failure::timeout);
        });
        auto& sock = stream_.lowest_layer();
        boost::system::error_code ec;
        sock.open(state_.target.protocol(), ec);
        if (!ec && !state_.sources.empty())
            sock.bind(state_.sources[index_ % state_.sources.size()], ec);
        if (ec)
            return fail(failure::connect);
        // Should the kernel refuse, every measured epoch counts at its read time (reported).
        boost::system::error_code ignored;
        socket().enable_timestamps(ignored);
        sock.async_connect(state_.target, [self](boost::system::error_code ec) {
            if (ec)
                return self->fail(failure::connect);
            self->on_connected();
        });
    }

private:
    timestamped_socket& socket()
    {
        if constexpr (tls)
            return stream_.next_layer();
        else
            return stream_;
    }

    void on_connected()
    {
        auto self = this->shared_from_this();
        boost::system::error_code ignored;
        stream_.lowest_layer().set_option(tcp::no_delay(true), ignored);
        if constexpr (tls) {
            stream_.async_handshake(net::ssl::stream_base::client,
                                    [self](boost::system::error_code ec) {
                                        if (ec)
                                            return self->fail(failure::handshake);
                                        self->send_request();
                                    });
        } else {
            send_request();
        }
    }

    void send_request()
    {
        auto self = this->shared_from_this();
        const std::string& req = state_.requests[index_ % state_.requests.size()];
        net::async_write(stream_, net::buffer(req),
                         [self](boost::system::error_code ec, std::size_t) {
                             if (ec)
                                 return self->fail(failure::read);
                             self->read();
                         });
    }

    void read()
    {
        auto self = this->shared_from_this();
        stream_.async_read_some(
            net::buffer(buffer_.get(), read_buffer_size),
            [self](boost::system::error_code ec, std::size_t n) { self->on_read(ec, n); });
    }

    void on_read(boost::system::error_code ec, std::size_t n)
    {
        if (done_)
            return;
        if (ec)
            return fail(streaming_ &&
                                (ec == net::error::eof || ec == net::ssl::error::stream_truncated)
                            ? failure::closed
                            : failure::read);
        state_.bytes_in.fetch_add(n, std::memory_order_relaxed);
        state_.reads.fetch_add(1, std::memory_order_relaxed);
        const std::uint64_t t = now_ns();
        // The socket read that brought the last of these bytes (over TLS, the last one
        // before this record was decrypted).
        const timestamped_socket::arrival rx = socket().last_arrival();
        if (streaming_)
            consume(buffer_.get(), n, t, rx);
        else if (!on_reply(n, t, rx))
            return;
        read();
    }

    // Collects the reply head; false when the rover failed.
    bool on_reply(std::size_t n, std::uint64_t t, const timestamped_socket::arrival& rx)
    {
        head_.append(reinterpret_cast<const char*>(buffer_.get()), n);
        std::size_t body = std::string::npos;
        if (head_.rfind("ICY 200", 0) == 0) {
            if (auto eol = head_.find("\r\n"); eol != std::string::npos)
                body = eol + 2;
        } else if (head_.rfind("HTTP/1.", 0) == 0) {
            const auto eol = head_.find("\r\n");
            if (eol != std::string::npos && (eol < 12 || head_.compare(8, 4, " 200") != 0))
                return refuse();
            if (auto end = head_.find("\r\n\r\n"); end != std::string::npos) {
                body = end + 4;
                std::string lower = head_.substr(0, end);
                for (char& c : lower)
                    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                chunked_ = lower.find("transfer-encoding: chunked") != std::string::npos;
            }
        } else if (head_.find("\r\n") != std::string::npos || head_.size() >= 7) {
            return refuse();
        }
        if (body == std::string::npos)
            return head_.size() <= max_reply_head || refuse();
        streaming_ = true;
        timer_.cancel();
        state_.results[index_].streamed = true;
        state_.streaming.fetch_add(1, std::memory_order_acq_rel);
        const std::string rest = head_.substr(body);
        head_.clear();
        head_.shrink_to_fit();
        consume(reinterpret_cast<const std::uint8_t*>(rest.data()), rest.size(), t, rx);
        return !done_;
    }

    bool refuse()
    {
        {
            std::lock_guard lock(state_.sample_mutex);
            if (state_.refused_sample.empty())
                state_.refused_sample = head_.substr(0, head_.find("\r\n")).substr(0, 80);
        }
        fail(failure::refused);
        return false;
    }

    // t: when the generator parsed these bytes; rx: when the kernel received them.
    void consume(const std::uint8_t* data, std::size_t n, std::uint64_t t,
                 const timestamped_socket::arrival& rx)
    {
        if (chunked_) {
            decoded_.clear();
            if (!dechunk_.feed(data, n, decoded_))
                return fail(failure::chunked);
            data = decoded_.data();
            n = decoded_.size();
        }
        completed_.clear();
        tracker_.feed(data, n, t, completed_);
        const std::int64_t rx_delay = static_cast<std::int64_t>(t) - rx.steady_ns;
        bool measured = false;
        for (const auto& c : completed_)
            measured |= state_.record(index_, c.epoch, c.latency_ns, c.latency_ns - rx_delay);
        auto& r = state_.results[index_];
        // The kernel turns receive stamps on lazily (a deferred switch when the first socket
        // asks), so early reads may lack one; only those that decide a figure count.
        if (measured && !rx.stamped)
            ++r.reads_without_timestamp;
        r.crc_errors = tracker_.crc_errors();
        r.broken_epochs = tracker_.broken_epochs();
        r.skipped_bytes = tracker_.skipped_bytes();
    }

    void fail(failure why)
    {
        if (done_)
            return;
        done_ = true;
        if (streaming_)
            state_.streaming.fetch_sub(1, std::memory_order_acq_rel);
        state_.failed.fetch_add(1, std::memory_order_acq_rel);
        state_.failures[static_cast<std::size_t>(why)].fetch_add(1, std::memory_order_relaxed);
        timer_.cancel();
        boost::system::error_code ignored;
        stream_.lowest_layer().close(ignored);
    }

    fanout_state& state_;
    std::size_t index_;
    Stream stream_;
    net::steady_timer timer_;
    std::unique_ptr<std::uint8_t[]> buffer_;
    std::string head_;
    bool streaming_ = false;
    bool done_ = false;
    bool chunked_ = false;
    chunk_decoder dechunk_;
    std::vector<std::uint8_t> decoded_;
    std::vector<epoch_tracker::completed> completed_;
    epoch_tracker tracker_;
};

} // namespace bench
