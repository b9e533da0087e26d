// SPDX-License-Identifier: GPL-3.0-or-later
// A caster connection over TLS that drives OpenSSL directly on the non-blocking socket
// (readiness from async_wait), instead of asio::ssl::stream: no engine buffers and no BIO
// pair per connection, and with SSL_MODE_RELEASE_BUFFERS an idle rover holds no record
// buffers. Same interface as ntrip::plain_stream.
#pragma once

#include "gnss/net.hpp"
#include "ntrip/plain_stream.hpp"
#include "ntrip/ssl_handles.hpp"

#include <boost/asio/ssl/error.hpp>

#include <cstdint>
#include <utility>
#include <vector>

namespace ntrip {

class tls_stream
{
public:
    static constexpr bool is_tls = true;

    // A server-side connection on `s` using `ctx` (which holds the TLS policy). When
    // OpenSSL cannot make the connection object, every operation fails.
    tls_stream(socket_type s, SSL_CTX* ctx);

    auto get_executor() { return socket_.get_executor(); }
    // The OpenSSL connection, e.g. for SSL_get0_alpn_selected; null if it could not be made.
    SSL* native_handle() const { return ssl_.get(); }

    // Handler: void(error_code).
    template <class Handler> void async_handshake(Handler&& h)
    {
        run(op::handshake, {}, std::forward<Handler>(h), true);
    }

    // Handler: void(error_code, std::size_t). A clean close_notify is net::error::eof;
    // a TCP close without one is net::ssl::error::stream_truncated.
    template <class Handler> void async_read_some(net::mutable_buffer b, Handler&& h)
    {
        run(op::read, b, std::forward<Handler>(h), true);
    }

    // Writes the whole buffer sequence as one SSL_write (records of up to 16 KiB each),
    // from a copy that is released when the write completes. One write at a time.
    template <class Buffers, class Handler> void async_write(const Buffers& b, Handler&& h)
    {
        copy_out(b);
        run(op::write, {}, std::forward<Handler>(h), true);
    }

    // The fan-out write: as async_write, but tries SSL_write at once. True when everything
    // was sent (the handler is then never called); otherwise the handler gets the result
    // later, never from inside this call.
    template <class Handler> bool write(const std::vector<net::const_buffer>& b, Handler&& h)
    {
        copy_out(b);
        result r = step(op::write, {});
        if (r.s == state::done) {
            std::vector<std::uint8_t>().swap(out_);
            return true;
        }
        if (r.s == state::failed) {
            std::vector<std::uint8_t>().swap(out_);
            net::post(socket_.get_executor(), [h = std::forward<Handler>(h), r]() mutable {
                complete(std::move(h), r.ec, 0);
            });
            return false;
        }
        wait_then_run(r.s, op::write, {}, std::forward<Handler>(h));
        return false;
    }

    // Sends close_notify if that can be done without waiting, then closes the socket;
    // pending operations complete with operation_aborted.
    void close();

private:
    enum class op
    {
        handshake,
        read,
        write
    };
    enum class state
    {
        done,
        want_read,
        want_write,
        failed
    };
    struct result
    {
        state s = state::failed;
        std::size_t n = 0;
        boost::system::error_code ec;
    };

    // One non-blocking OpenSSL call for `o`.
    result step(op o, net::mutable_buffer b);

    template <class Buffers> void copy_out(const Buffers& b)
    {
        std::size_t total = 0;
        for (auto it = net::buffer_sequence_begin(b); it != net::buffer_sequence_end(b); ++it)
            total += net::const_buffer(*it).size();
        out_.resize(total);
        std::size_t at = 0;
        for (auto it = net::buffer_sequence_begin(b); it != net::buffer_sequence_end(b); ++it) {
            net::const_buffer c(*it);
            std::copy_n(static_cast<const std::uint8_t*>(c.data()), c.size(), out_.data() + at);
            at += c.size();
        }
    }

    // Waits for the socket as OpenSSL asked, then carries on with run().
    template <class Handler> void wait_then_run(state s, op o, net::mutable_buffer b, Handler&& h)
    {
        socket_.async_wait(
            s == state::want_read ? net::socket_base::wait_read : net::socket_base::wait_write,
            [this, o, b, h = std::forward<Handler>(h)](boost::system::error_code ec) mutable {
                // A closed socket's descriptor number may already belong
                // to another connection: never call OpenSSL on it.
                if (!ec && !socket_.is_open())
                    ec = net::error::operation_aborted;
                if (ec) {
                    if (o == op::write)
                        std::vector<std::uint8_t>().swap(out_);
                    return complete(std::move(h), ec, 0);
                }
                run(o, b, std::move(h), false);
            });
    }

    // Calls OpenSSL, waits for the socket as it asks, and completes: through a post when
    // the operation finished in its first call (never inside the initiating call),
    // directly when it finished after a wait.
    template <class Handler> void run(op o, net::mutable_buffer b, Handler&& h, bool initial)
    {
        result r = step(o, b);
        if (r.s == state::want_read || r.s == state::want_write)
            return wait_then_run(r.s, o, b, std::forward<Handler>(h));
        if (o == op::write) {
            std::vector<std::uint8_t>().swap(out_);
            r.n = r.s == state::done ? r.n : 0;
        }
        if (initial)
            net::post(socket_.get_executor(), [h = std::forward<Handler>(h), r]() mutable {
                complete(std::move(h), r.ec, r.n);
            });
        else
            complete(std::move(h), r.ec, r.n);
    }

    template <class Handler>
    static void complete(Handler&& h, boost::system::error_code ec, std::size_t n)
    {
        if constexpr (std::is_invocable_v<Handler, boost::system::error_code, std::size_t>)
            h(ec, n);
        else
            h(ec);
    }

    socket_type socket_;
    ssl_ptr ssl_;
    std::vector<std::uint8_t> out_; // the write in progress, contiguous
};

} // namespace ntrip
