// SPDX-License-Identifier: GPL-3.0-or-later
// The control socket server: accept, read bounded lines, answer, time out idle clients.
#include "daemon/control_server.hpp"

#include "daemon/log.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <deque>
#include <stdexcept>

namespace control {

class session : public std::enable_shared_from_this<session>
{
public:
    session(server& owner, net::local::stream_protocol::socket socket)
        : owner_(owner), socket_(std::move(socket)), timer_(socket_.get_executor())
    {
        owner_.join(this);
    }
    ~session() { owner_.leave(this); }

    void start()
    {
        arm_timer();
        read();
    }

    void close()
    {
        boost::system::error_code ignored;
        timer_.cancel();
        socket_.close(ignored);
    }

private:
    void arm_timer(std::chrono::seconds after = idle_timeout)
    {
        timer_.expires_after(after);
        timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (!ec)
                self->close();
        });
    }

    void read()
    {
        net::async_read_until(socket_, net::dynamic_buffer(in_, max_request_line), '\n',
                              [self = shared_from_this()](boost::system::error_code ec,
                                                          std::size_t n) { self->on_read(ec, n); });
    }

    void on_read(boost::system::error_code ec, std::size_t n)
    {
        if (ec == net::error::not_found) {
            // Line over max_request_line: answer once, then close.
            write(error_reply(nullptr, "request line too long"), true);
            return;
        }
        if (ec)
            return fail(ec);
        std::string_view line(in_.data(), n - 1);
        auto req = parse_request(line);
        in_.erase(0, n);
        bool last = ++requests_ >= max_requests_per_connection;
        if (!req)
            return write(error_reply(nullptr, req.error()), last);
        req->peer_uid = peer_uid();
        // Waiting for the receiver may take a while: the idle timer must not cut it off.
        arm_timer(max_pending_time);
        owner_.handle()(*req, [weak = weak_from_this(), id = req->id, r = *req,
                               last](outcome result) {
            auto self = weak.lock();
            if (!self || !self->socket_.is_open())
                return;
            self->write(result ? ok_reply(r, std::move(*result)) : error_reply(id, result.error()),
                        last);
        });
    }

    int peer_uid()
    {
        ucred cred{};
        socklen_t len = sizeof cred;
        if (::getsockopt(socket_.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
            return -1;
        return static_cast<int>(cred.uid);
    }

    void write(std::string reply, bool close_after)
    {
        out_ = std::move(reply);
        arm_timer();
        net::async_write(
            socket_, net::buffer(out_),
            [self = shared_from_this(), close_after](boost::system::error_code ec, std::size_t) {
                if (ec)
                    return self->fail(ec);
                if (close_after)
                    return self->close();
                self->read();
            });
    }

    void fail(boost::system::error_code ec)
    {
        if (ec != net::error::operation_aborted && ec != net::error::eof)
            daemon_log::log(daemon_log::debug, "control: {}", ec.message());
        close();
    }

    server& owner_;
    net::local::stream_protocol::socket socket_;
    net::steady_timer timer_;
    std::string in_;
    std::string out_;
    std::size_t requests_ = 0;
};

server::server(net::io_context& io, std::string path, handler h)
    : io_(io), path_(std::move(path)), handler_(std::move(h)), acceptor_(io), retry_(io)
{
    if (path_.size() >= sizeof(sockaddr_un::sun_path))
        throw std::runtime_error("control socket path too long (" + path_ +
                                 "): choose a shorter state directory");
    ::unlink(path_.c_str()); // a socket file left by a crash
    // Create it owner-only from the first instant, not chmod afterwards.
    mode_t old = ::umask(0177);
    boost::system::error_code ec;
    acceptor_.open(net::local::stream_protocol(), ec);
    if (!ec)
        acceptor_.bind(net::local::stream_protocol::endpoint(path_), ec);
    ::umask(old);
    if (!ec)
        acceptor_.listen(static_cast<int>(max_connections), ec);
    if (ec)
        throw std::runtime_error("cannot listen on control socket " + path_ + ": " + ec.message());
    ::chmod(path_.c_str(), 0600);
}

server::~server()
{
    stop();
}

void server::start()
{
    accept();
}

void server::stop()
{
    if (stopped_)
        return;
    stopped_ = true;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    retry_.cancel();
    for (auto* s : std::unordered_set<session*>(sessions_))
        s->close();
    ::unlink(path_.c_str());
}

void server::accept()
{
    acceptor_.async_accept([this](boost::system::error_code ec,
                                  net::local::stream_protocol::socket socket) {
        if (ec == net::error::operation_aborted || stopped_)
            return;
        if (!ec) {
            if (sessions_.size() >= max_connections) {
                daemon_log::log(daemon_log::warning,
                                "control: refusing connection, {} already open", max_connections);
                boost::system::error_code ignored;
                socket.close(ignored);
            } else {
                std::make_shared<session>(*this, std::move(socket))->start();
            }
        } else {
            // EMFILE and friends: try again shortly rather than spin on the error.
            daemon_log::log(daemon_log::warning, "control: accept: {}", ec.message());
            retry_.expires_after(accept_retry);
            retry_.async_wait([this](boost::system::error_code e) {
                if (!e && !stopped_)
                    accept();
            });
            return;
        }
        accept();
    });
}

} // namespace control
