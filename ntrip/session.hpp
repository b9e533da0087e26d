// SPDX-License-Identifier: GPL-3.0-or-later
// One NTRIP connection: reads the request head, authenticates, then streams a
// mountpoint to a rover or takes a source's upload. Plain TCP or TLS (Stream).
#pragma once

#include "gnss/framer.hpp"
#include "ntrip/caster.hpp"
#include "ntrip/chunked.hpp"
#include "ntrip/plain_stream.hpp"
#include "ntrip/request.hpp"
#include "ntrip/tls_stream.hpp"

#include <array>
#include <memory>
#include <optional>

namespace ntrip {

// Read buffer of a connection while its request head arrives, and of a source.
constexpr std::size_t session_read_buffer = 4096;
// Once streaming, a rover only sends GGA lines: it reads them through this small buffer
// inside the session (memory per rover matters at thousands of rovers).
constexpr std::size_t rover_read_buffer = 64;
constexpr std::size_t max_inband_line = 128;
constexpr std::size_t max_write_bytes = 60 * 1024;
// A rover's send queue keeps its capacity up to this many frames once drained (an
// epoch's worth); past it, the memory a backlog took is given back.
constexpr std::size_t rover_queue_keep = 16;

class session_base : public subscriber
{
public:
    virtual ~session_base() = default;
    virtual void close(std::string_view reason) = 0;
    virtual nlohmann::json status() const = 0;
    // Closes the session when its pending deadline (header, write, source idle) is past.
    virtual void check_deadline(steady_time now) = 0;
};

template <class Stream>
class session final : public session_base, public std::enable_shared_from_this<session<Stream>>
{
public:
    session(caster& owner, Stream stream, const listener_options& l, net::ip::tcp::endpoint peer);
    ~session() override;

    void start();
    void deliver(std::span<const frame_ptr> frames) override;
    void close(std::string_view reason) override;
    nlohmann::json status() const override;
    void check_deadline(steady_time now) override;

private:
    enum class role : std::uint8_t
    {
        none,
        rover,
        source
    };

    // Only while the request head arrives; dropped once it is parsed.
    struct request_state
    {
        std::array<std::uint8_t, session_read_buffer> buf;
        request_parser parser;
    };
    // Only for sources.
    struct source_state
    {
        std::array<std::uint8_t, session_read_buffer> buf;
        std::optional<chunked_decoder> dechunk;
        gnss::framer framer;
        std::vector<frame_ptr> batch; // frames of one read, published together
    };
    // Only for rovers that send in-band lines (GGA for network RTK; most do not).
    struct inband_state
    {
        struct coarse_position
        {
            double lat, lon;
            int fix;
        };
        std::array<char, max_inband_line> line;
        std::uint8_t size = 0;
        std::uint64_t gga_seen = 0;
        std::optional<coarse_position> coarse;
    };

    void handshake();
    void read_head();
    void on_head(gnss::byte_view rest);
    void serve_sourcetable();
    void serve_rover(mountpoint& mp, gnss::byte_view rest);
    void serve_source(mountpoint& mp, gnss::byte_view rest);
    bool authenticate(mountpoint& mp, bool publish);
    void write_then_close(std::string reply, std::string_view reason);
    template <class Then> void write_head(std::string head, Then then);
    void flush();
    void on_written(boost::system::error_code ec, std::size_t n);
    void read_rover();
    void on_rover_bytes(gnss::byte_view data);
    void read_source();
    void on_source_bytes(gnss::byte_view data);
    void set_deadline(std::chrono::milliseconds after, const char* reason);
    void clear_deadline() { deadline_ = steady_time::max(); }
    void audit(std::string event, std::string outcome, nlohmann::json details = {});
    const std::string& mountpoint_name() const;

    caster& owner_;
    Stream stream_;
    const listener_options& listener_; // the caster's, which outlives every session
    net::ip::tcp::endpoint peer_;
    std::unique_ptr<request_state> request_;
    std::unique_ptr<source_state> source_;
    std::string head_out_; // a reply head while it is written, then released
    std::string token_id_;
    mountpoint* mount_ = nullptr;
    steady_time deadline_ = steady_time::max();
    const char* deadline_reason_ = "";
    steady_time started_ = std::chrono::steady_clock::now();
    steady_time streaming_since_{}; // a rover's first frame was queued
    std::uint64_t bytes_in_ = 0;
    std::uint64_t bytes_out_ = 0;
    // Rover send queue: [0, in_flight_) is being written, the rest waits for the next
    // write; queued_bytes_ counts the waiting part.
    std::vector<frame_ptr> queue_;
    std::size_t in_flight_ = 0;
    std::size_t queued_bytes_ = 0;
    std::unique_ptr<inband_state> inband_;
    chunk_header_buffer chunk_head_;
    std::array<std::uint8_t, rover_read_buffer> rover_buf_;
    ntrip::version version_ = version::v1;
    role role_ = role::none;
    bool session_held_ = false;
    bool closed_ = false;
    bool closed_pending_ = false;
    bool writing_ = false;
    bool chunked_ = false;
};

// Only these two are built (session.cpp instantiates them).
using tcp_session = session<plain_stream>;
using tls_session = session<tls_stream>;

} // namespace ntrip
