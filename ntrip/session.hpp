// SPDX-License-Identifier: GPL-3.0-or-later
// One NTRIP connection: reads the request head, authenticates, then streams a
// mountpoint to a rover or takes a source's upload. Plain TCP or TLS (Stream).
#pragma once

#include "gnss/framer.hpp"
#include "ntrip/caster.hpp"
#include "ntrip/chunked.hpp"
#include "ntrip/request.hpp"

#include <deque>
#include <optional>

namespace ntrip {

// Per-connection read buffer and how much of an in-band line (rover GGA) is kept.
constexpr std::size_t session_read_buffer = 4096;
// Once streaming, a rover only sends GGA lines: its buffer shrinks to this (memory per
// rover matters at thousands of rovers).
constexpr std::size_t rover_read_buffer = 256;
constexpr std::size_t max_inband_line = 128;
constexpr std::size_t max_write_bytes = 60 * 1024;

class session_base : public subscriber
{
public:
    virtual ~session_base() = default;
    virtual void close(std::string_view reason) = 0;
    virtual nlohmann::json status() const = 0;
};

template <class Stream>
class session final : public session_base, public std::enable_shared_from_this<session<Stream>>
{
public:
    session(caster& owner, Stream stream, const listener_options& l, net::ip::tcp::endpoint peer);
    ~session() override;

    void start();
    void deliver(const frame_ptr& f) override;
    void close(std::string_view reason) override;
    nlohmann::json status() const override;

private:
    enum class role { none, rover, source };

    void handshake();
    void read_head();
    void on_head(gnss::byte_view rest);
    void serve_sourcetable();
    void serve_rover(mountpoint& mp, gnss::byte_view rest);
    void serve_source(mountpoint& mp, gnss::byte_view rest);
    bool authenticate(mountpoint& mp, bool publish);
    void refuse(const std::string& reply, std::string_view reason);
    void write_then_close(std::string reply, std::string_view reason);
    void write_head(std::string head, std::function<void()> then);
    void flush();
    void read_rover();
    void on_rover_bytes(gnss::byte_view data);
    void read_source();
    void on_source_bytes(gnss::byte_view data);
    void arm_timer(std::chrono::milliseconds after, std::string_view reason);
    void audit(std::string event, std::string outcome, nlohmann::json details = {});
    Stream& stream() { return stream_; }
    auto& lowest() { return stream_.lowest_layer(); }

    caster& owner_;
    Stream stream_;
    listener_options listener_;
    net::ip::tcp::endpoint peer_;
    std::string peer_text_;
    net::steady_timer timer_;
    std::vector<std::uint8_t> buf_ = std::vector<std::uint8_t>(session_read_buffer);
    request_parser parser_;
    ntrip::version version_ = version::v1;
    role role_ = role::none;
    mountpoint* mount_ = nullptr;
    std::string token_id_;
    bool session_held_ = false;
    bool closed_ = false;
    bool closed_pending_ = false;
    bool writing_ = false;
    std::string close_reason_;
    // rover send queue
    std::deque<frame_ptr> queue_;
    std::size_t queued_bytes_ = 0;
    std::vector<frame_ptr> in_flight_;
    std::string head_out_;
    chunk_header_buffer chunk_head_;
    bool chunked_ = false;
    std::string inband_;
    std::uint64_t gga_seen_ = 0;
    struct coarse_position
    {
        double lat, lon;
        int fix;
    };
    std::optional<coarse_position> gga_coarse_;
    // source upload
    std::optional<chunked_decoder> dechunk_;
    gnss::framer framer_;
    std::uint64_t bytes_in_ = 0;
    std::uint64_t bytes_out_ = 0;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

using tcp_stream = net::ip::tcp::socket;
using tls_stream = net::ssl::stream<net::ip::tcp::socket>;

} // namespace ntrip
