// SPDX-License-Identifier: GPL-3.0-or-later
// The NTRIP caster: listeners (plain or TLS), sessions for rovers and sources, the hub
// they share, and the policy every session applies (auth, limits, audit).
#pragma once

#include "auth/audit_chain.hpp"
#include "auth/rate_limiter.hpp"
#include "auth/token.hpp"
#include "gnss/net.hpp"
#include "ntrip/fanout_pool.hpp"
#include "ntrip/hub.hpp"
#include "ntrip/sourcetable.hpp"

#include <boost/asio/ssl.hpp>

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace ntrip {

// SO_SNDBUF of every accepted socket (Linux doubles it): ~50 s of a 2 KB/s stream.
constexpr int socket_send_buffer = 64 * 1024;
// How often session deadlines (header, write, source idle) are checked: a timeout fires
// up to this late. One sweep over all sessions is cheaper than a timer per session.
constexpr std::chrono::milliseconds deadline_sweep_interval{500};

struct listener_options
{
    std::string address = "127.0.0.1";
    unsigned short port = 2101;
    bool tls = false;
    bool chunked = true; // v2 replies use chunked transfer coding
};

struct caster_options
{
    std::string server_name = "cairn";
    std::chrono::milliseconds header_timeout{10000};
    std::chrono::milliseconds idle_timeout{60000}; // sources that go quiet
    std::chrono::milliseconds write_timeout{10000};
    std::size_t client_queue_bytes = 256 * 1024;
    std::chrono::milliseconds client_queue_age{5000};
    int listen_backlog = 4096;
    // Threads that send a burst to a mountpoint's rovers, the event loop's included
    // (ntrip::fanout_pool), 1..max_fanout_threads; cairnd caps it at the machine's cores.
    unsigned fanout_threads = 2;
};

// What the caster needs from the rest of cairnd; all called on the event loop.
struct caster_services
{
    std::function<const auth::token*(std::string_view id)> find_token;
    std::function<std::vector<const auth::token*>(std::string_view mountpoint)> publishers;
    const auth::pepper* pepper = nullptr;
    auth::rate_limiter* limiter = nullptr;
    // Queues an audit event; false when it cannot be recorded: the caller refuses access.
    std::function<bool(auth::audit_event)> audit;
};

class session_base;

class caster
{
public:
    caster(net::io_context& io, caster_options opts, caster_services services,
           net::ssl::context* tls);
    ~caster();

    // Throws std::runtime_error when an address cannot be bound (start-up).
    void listen(const listener_options& l);
    // messages: the mountpoint's RTKBase message list, if it has one.
    void add_mountpoint(const std::string& name, mountpoint::feed f, bool is_public, str_record str,
                        std::optional<message_list> messages = std::nullopt);
    // A frame from the local receiver: published to every receiver-fed mountpoint. The
    // frames of one receiver read are published together right after that read's handler
    // returns (one post), so each rover gets them in one write; none waits for more input.
    void publish_receiver_frame(gnss::byte_view frame);
    void stop();
    // The receiver's station frames changed (new id, position or antenna): the cached
    // ones are not replayed to new rovers.
    void forget_station_frames();
    // Closes every live session of these tokens (revoked), reason "revoked".
    void close_token_sessions(const std::vector<std::string>& ids);

    nlohmann::json status() const;

    // For sessions.
    hub& mounts() { return hub_; }
    const caster_options& options() const { return opts_; }
    caster_services& services() { return services_; }
    std::string sourcetable() const;
    void join(session_base* s);
    void leave(session_base* s);
    void token_session(session_base* s, const std::string& token_id);

private:
    struct listener;
    void accept(listener& l);
    void publish_pending();
    void deadline_sweep();

    net::io_context& io_;
    caster_options opts_;
    caster_services services_;
    net::ssl::context* tls_;
    std::unique_ptr<fanout_pool> pool_; // before hub_, which points to it
    hub hub_;
    std::vector<str_record> str_;
    std::vector<std::unique_ptr<listener>> listeners_;
    std::unordered_set<session_base*> sessions_;
    std::unordered_multimap<std::string, session_base*> by_token_;
    net::steady_timer sweep_;
    std::vector<frame_ptr> pending_; // receiver frames not yet published
    bool publish_posted_ = false;
    bool stopped_ = false;
    std::uint64_t accepted_ = 0;
    std::uint64_t refused_ = 0;
};

} // namespace ntrip
