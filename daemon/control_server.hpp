// SPDX-License-Identifier: GPL-3.0-or-later
// The control socket: a unix stream socket (mode 0600) in the state directory, JSON lines
// (docs/control-protocol.md). Local and owner-only: it is how cairnctl and the admin
// panel talk to cairnd, never a network port.
#pragma once

#include "daemon/control_protocol.hpp"
#include "gnss/net.hpp"

#include <functional>
#include <memory>
#include <string>
#include <unordered_set>

namespace control {

// A request's outcome: a result, or an error message for the client.
using outcome = tl::expected<nlohmann::json, std::string>;
// Called once with the outcome, at once or later (commands that wait for the receiver);
// safe to call after the client has gone.
using reply_fn = std::function<void(outcome)>;
// Answers one parsed request by calling reply exactly once.
using handler = std::function<void(const request&, reply_fn reply)>;

constexpr std::chrono::seconds idle_timeout{10};
// After a failed accept (out of descriptors), wait this long before the next one.
constexpr std::chrono::milliseconds accept_retry{100};

class session;

class server
{
public:
    // Binds `path` (replacing a stale socket file), mode 0600. Throws std::runtime_error
    // at start-up when it cannot (caught in main: the daemon cannot be managed without it).
    server(net::io_context& io, std::string path, handler h);
    ~server();

    void start();
    void stop();

    // Sessions join and leave (raw pointers: sessions own themselves).
    void join(session* s) { sessions_.insert(s); }
    void leave(session* s) { sessions_.erase(s); }
    const handler& handle() const { return handler_; }

private:
    void accept();

    net::io_context& io_;
    std::string path_;
    handler handler_;
    net::local::stream_protocol::acceptor acceptor_;
    net::steady_timer retry_;
    std::unordered_set<session*> sessions_;
    bool stopped_ = false;
};

} // namespace control
