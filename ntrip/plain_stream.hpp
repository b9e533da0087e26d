// SPDX-License-Identifier: GPL-3.0-or-later
// A caster connection over plain TCP, with the same small interface as ntrip::tls_stream
// so one session template serves both.
#pragma once

#include "gnss/net.hpp"

#include <utility>

namespace ntrip {

// An accepted connection's socket. The io_context's own executor instead of the default
// any_io_executor makes the socket and every pending operation on it smaller, which
// counts at thousands of rovers.
using socket_type = net::basic_stream_socket<net::ip::tcp, net::io_context::executor_type>;

class plain_stream
{
public:
    static constexpr bool is_tls = false;

    explicit plain_stream(socket_type s) : socket_(std::move(s))
    {
        // write() sends at once and must never block the event loop.
        boost::system::error_code ignored;
        socket_.non_blocking(true, ignored);
    }

    auto get_executor() { return socket_.get_executor(); }

    // Handler: void(error_code, std::size_t).
    template <class Handler> void async_read_some(net::mutable_buffer b, Handler&& h)
    {
        socket_.async_read_some(b, std::forward<Handler>(h));
    }

    // Writes the whole buffer sequence (one gathered sendmsg when the socket takes it).
    template <class Buffers, class Handler> void async_write(Buffers&& b, Handler&& h)
    {
        net::async_write(socket_, std::forward<Buffers>(b), std::forward<Handler>(h));
    }

    // The fan-out write: one non-blocking gathered send now. True when the socket took
    // everything (the handler is then never called: no operation, no completion to
    // dispatch, which is most of the cost per rover); otherwise the rest goes out as an
    // async_write and the handler gets the whole count, never from inside this call.
    template <class Handler> bool write(std::vector<net::const_buffer> b, Handler&& h)
    {
        boost::system::error_code ec;
        const std::size_t total = net::buffer_size(b);
        std::size_t sent = socket_.send(b, 0, ec);
        if (!ec && sent == total)
            return true;
        if (ec)
            sent = 0; // would_block, or an error async_write will report
        std::size_t skip = sent;
        auto first = b.begin();
        while (skip > 0 && skip >= first->size())
            skip -= (first++)->size();
        b.erase(b.begin(), first);
        if (skip > 0)
            b.front() += skip;
        net::async_write(
            socket_, std::move(b),
            [sent, h = std::forward<Handler>(h)](boost::system::error_code e,
                                                 std::size_t n) mutable { h(e, sent + n); });
        return false;
    }

    // Ends the connection at once; pending operations complete with operation_aborted.
    void close()
    {
        boost::system::error_code ignored;
        socket_.shutdown(net::socket_base::shutdown_both, ignored);
        socket_.close(ignored);
    }

private:
    socket_type socket_;
};

} // namespace ntrip
