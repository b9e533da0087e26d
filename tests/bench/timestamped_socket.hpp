// SPDX-License-Identifier: GPL-3.0-or-later
// A TCP stream that remembers when the kernel received the bytes of its last read
// (SO_TIMESTAMPNS), so a rover can report when it *held* an epoch, not only when this
// single-threaded generator got round to parsing it. Asio's async_read_some hides the
// control messages, so reads are a readiness wait and a non-blocking recvmsg. Usable as a
// plain rover's stream and as the next layer of net::ssl::stream.
#pragma once

#include "gnss/net.hpp"

#include <boost/asio/compose.hpp>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <sys/socket.h>
#include <sys/uio.h>

namespace bench {

// recvmsg takes at most this many buffers of a sequence (the rovers and the TLS layer
// pass one).
constexpr std::size_t max_read_buffers = 8;
// Room for the SCM_TIMESTAMPNS message and one more, should the kernel add one.
constexpr std::size_t read_control_bytes = 2 * CMSG_SPACE(sizeof(timespec));

class timestamped_socket
{
public:
    using socket_type = net::ip::tcp::socket;
    using executor_type = socket_type::executor_type;
    using lowest_layer_type = socket_type::lowest_layer_type;
    using next_layer_type = socket_type;

    // When the bytes of the last read arrived, on the steady clock.
    struct arrival
    {
        std::int64_t steady_ns = 0; // the kernel's receive time, or the read time if !stamped
        bool stamped = false;       // the kernel gave a timestamp
    };

    explicit timestamped_socket(const executor_type& ex) : socket_(ex) {}
    explicit timestamped_socket(net::io_context& ioc) : socket_(ioc) {}

    executor_type get_executor() noexcept { return socket_.get_executor(); }
    lowest_layer_type& lowest_layer() { return socket_.lowest_layer(); }
    const lowest_layer_type& lowest_layer() const { return socket_.lowest_layer(); }
    next_layer_type& next_layer() { return socket_; }

    // Call after open: the kernel stamps each received segment (CLOCK_REALTIME).
    void enable_timestamps(boost::system::error_code& ec)
    {
        const int on = 1;
        if (::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) != 0)
            ec.assign(errno, boost::system::system_category());
        else
            ec.clear();
    }

    const arrival& last_arrival() const { return last_; }
    // Reads that returned data without a kernel timestamp (their arrival is the read time).
    std::uint64_t unstamped_reads() const { return unstamped_; }

    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token)
    {
        return socket_.async_write_some(buffers, std::forward<Token>(token));
    }

    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token)
    {
        return net::async_compose<Token, void(boost::system::error_code, std::size_t)>(
            read_op<MutableBuffers>{this, buffers}, token, socket_);
    }

private:
    // One non-blocking recvmsg; false when there is nothing to read yet.
    template <class MutableBuffers>
    bool receive(const MutableBuffers& buffers, std::size_t& n, boost::system::error_code& ec)
    {
        std::array<iovec, max_read_buffers> iov{};
        std::size_t count = 0;
        for (auto it = net::buffer_sequence_begin(buffers);
             it != net::buffer_sequence_end(buffers) && count < iov.size(); ++it) {
            const net::mutable_buffer b(*it);
            if (b.size() > 0)
                iov[count++] = {b.data(), b.size()};
        }
        alignas(cmsghdr) std::array<unsigned char, read_control_bytes> control{};
        msghdr msg{};
        msg.msg_iov = iov.data();
        msg.msg_iovlen = count;
        msg.msg_control = control.data();
        msg.msg_controllen = control.size();
        ssize_t got = 0;
        do
            got = ::recvmsg(socket_.native_handle(), &msg, MSG_DONTWAIT);
        while (got < 0 && errno == EINTR);
        n = 0;
        if (got < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return false;
            ec.assign(errno, boost::system::system_category());
            return true;
        }
        if (got == 0) {
            ec = net::error::eof;
            return true;
        }
        ec.clear();
        n = static_cast<std::size_t>(got);
        // Both clocks now: the kernel's realtime stamp becomes a time on the steady clock
        // (the send times' clock) by its age, so the two clocks never drift apart; only a
        // realtime step between the stamp and this read could shift it.
        const auto real_now = std::chrono::system_clock::now();
        const auto steady_now = std::chrono::steady_clock::now();
        last_.steady_ns =
            std::chrono::duration_cast<std::chrono::nanoseconds>(steady_now.time_since_epoch())
                .count();
        last_.stamped = false;
        for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
            if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS ||
                c->cmsg_len < CMSG_LEN(sizeof(timespec)))
                continue;
            timespec ts{};
            std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
            const std::int64_t kernel_ns = std::int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
            const std::int64_t age_ns =
                std::chrono::duration_cast<std::chrono::nanoseconds>(real_now.time_since_epoch())
                    .count() -
                kernel_ns;
            last_.steady_ns -= age_ns;
            last_.stamped = true;
            break;
        }
        if (!last_.stamped)
            ++unstamped_;
        return true;
    }

    template <class MutableBuffers> struct read_op
    {
        timestamped_socket* self_socket;
        MutableBuffers buffers;
        enum class step : std::uint8_t
        {
            start,
            wait,
            empty,
        } at = step::start;

        template <class Self>
        void operator()(Self& self, boost::system::error_code ec = {}, std::size_t n = 0)
        {
            auto& sock = self_socket->socket_;
            switch (at) {
            case step::start:
                // A zero-sized read completes at once, as on a plain socket: ssl::stream
                // issues one to post its handler rather than call it from the initiation.
                if (net::buffer_size(buffers) == 0) {
                    at = step::empty;
                    return sock.async_read_some(net::mutable_buffer(), std::move(self));
                }
                // Wait first: a rover reads again as soon as a read completes, when there is
                // rarely anything yet, so a first recvmsg would mostly fail. The wait re-arms
                // the descriptor, so bytes already queued wake it at once.
                at = step::wait;
                return sock.async_wait(socket_type::wait_read, std::move(self));
            case step::empty:
                return self.complete(ec, n);
            case step::wait:
                if (ec)
                    return self.complete(ec, 0);
                if (self_socket->receive(buffers, n, ec))
                    return self.complete(ec, n);
                // Readable, then nothing to read (a spurious wake-up): wait again.
                return sock.async_wait(socket_type::wait_read, std::move(self));
            }
        }
    };

    socket_type socket_;
    arrival last_;
    std::uint64_t unstamped_ = 0;
};

} // namespace bench
