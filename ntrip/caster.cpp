// SPDX-License-Identifier: GPL-3.0-or-later
// The NTRIP caster: listeners, admission, session registry, sourcetable, receiver feed.
#include "ntrip/caster.hpp"

#include "ntrip/reply.hpp"
#include "ntrip/session.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace ntrip {

struct caster::listener
{
    listener_options opts;
    net::ip::tcp::acceptor acceptor;
};

caster::caster(net::io_context& io, caster_options opts, caster_services services,
               net::ssl::context* tls)
    : io_(io), opts_(std::move(opts)), services_(std::move(services)), tls_(tls), sweep_(io)
{
    opts_.fanout_threads = std::clamp(opts_.fanout_threads, 1u, max_fanout_threads);
    if (opts_.fanout_threads > 1) {
        pool_ = std::make_unique<fanout_pool>(opts_.fanout_threads);
        hub_.set_runner(pool_.get());
    }
    deadline_sweep();
}

void caster::deadline_sweep()
{
    auto now = std::chrono::steady_clock::now();
    // A copy: a session closed here leaves the registry only later, in its destructor,
    // but the loop must not depend on that.
    for (auto* s : std::vector<session_base*>(sessions_.begin(), sessions_.end()))
        s->check_deadline(now);
    sweep_.expires_after(deadline_sweep_interval);
    sweep_.async_wait([this](boost::system::error_code ec) {
        if (!ec && !stopped_)
            deadline_sweep();
    });
}

caster::~caster()
{
    stop();
}

void caster::listen(const listener_options& l)
{
    if (l.tls && !tls_)
        throw std::runtime_error("TLS listener without a TLS context");
    boost::system::error_code ec;
    auto addr = net::ip::make_address(l.address, ec);
    if (ec)
        throw std::runtime_error("listener address " + l.address + " is not an IP address");
    net::ip::tcp::endpoint ep(addr, l.port);
    auto lst = std::make_unique<listener>(listener{l, net::ip::tcp::acceptor(io_)});
    auto& a = lst->acceptor;
    a.open(ep.protocol(), ec);
    if (!ec)
        a.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec && addr.is_v6())
        a.set_option(net::ip::v6_only(true), ec);
    if (!ec)
        a.bind(ep, ec);
    if (!ec)
        a.listen(opts_.listen_backlog, ec);
    if (ec)
        throw std::runtime_error(
            fmt::format("cannot listen on {}:{}: {}", l.address, l.port, ec.message()));
    listeners_.push_back(std::move(lst));
    accept(*listeners_.back());
}

void caster::accept(listener& l)
{
    l.acceptor.async_accept(io_.get_executor(), [this, &l](boost::system::error_code ec,
                                                           socket_type s) {
        if (stopped_ || ec == net::error::operation_aborted)
            return;
        if (ec) {
            // EMFILE and friends: try again shortly rather than spin.
            auto t = std::make_shared<net::steady_timer>(io_, std::chrono::milliseconds(100));
            t->async_wait([this, &l, t](boost::system::error_code e) {
                if (!e && !stopped_)
                    accept(l);
            });
            return;
        }
        boost::system::error_code pe;
        auto peer = s.remote_endpoint(pe);
        if (pe) {
            accept(l);
            return;
        }
        s.set_option(net::ip::tcp::no_delay(true), pe);
        // A bounded kernel send buffer per rover: kernel memory stays predictable at
        // thousands of rovers, and a rover that stops reading is noticed in seconds.
        s.set_option(net::socket_base::send_buffer_size(socket_send_buffer), pe);
        auto addr = peer.address();
        auto key = addr.is_v4() ? auth::address_key::v4(addr.to_v4().to_bytes())
                                : auth::address_key::v6(addr.to_v6().to_bytes());
        auto adm = services_.limiter->admit_connection(key, std::chrono::steady_clock::now());
        if (!adm) {
            ++refused_;
            int status = adm.status == auth::admission_status::global_cap ? 503 : 429;
            const char* why = adm.status == auth::admission_status::global_cap   ? "global_cap"
                              : adm.status == auth::admission_status::locked_out ? "locked_out"
                                                                                 : "rate_limited";
            services_.audit({auth::audit_category::access,
                             "access.refused",
                             "-",
                             addr.to_string(),
                             "",
                             why,
                             {{"listener", fmt::format("{}:{}", l.opts.address, l.opts.port)}}});
            // Before TLS or a request there is no version to speak: a v2-style reply
            // with Retry-After, which v1 clients also treat as a refusal. Plain only.
            if (!l.opts.tls) {
                auto reply = std::make_shared<std::string>(
                    retry_later(version::v2, status,
                                std::chrono::duration_cast<std::chrono::seconds>(adm.retry_after) +
                                    std::chrono::seconds(1),
                                std::chrono::system_clock::now()));
                auto sock = std::make_shared<socket_type>(std::move(s));
                net::async_write(*sock, net::buffer(*reply),
                                 [sock, reply](boost::system::error_code, std::size_t) {
                                     boost::system::error_code ignored;
                                     sock->close(ignored);
                                 });
            }
            accept(l);
            return;
        }
        ++accepted_;
        if (l.opts.tls)
            std::make_shared<tls_session>(*this, tls_stream(std::move(s), tls_->native_handle()),
                                          l.opts, peer)
                ->start();
        else
            std::make_shared<tcp_session>(*this, plain_stream(std::move(s)), l.opts, peer)->start();
        accept(l);
    });
}

void caster::add_mountpoint(const std::string& name, mountpoint::feed f, bool is_public,
                            str_record str, std::optional<message_list> messages)
{
    auto& mp = hub_.add(name, f, is_public);
    if (messages)
        mp.set_filter(std::move(*messages));
    str.mountpoint = name;
    str.authentication = is_public ? st_auth::none : st_auth::basic;
    str_.push_back(std::move(str));
}

void caster::publish_receiver_frame(gnss::byte_view frame)
{
    if (stopped_)
        return;
    // Wrapped once, shared by every mountpoint and rover.
    pending_.push_back(make_frame(frame, std::chrono::steady_clock::now()));
    if (publish_posted_)
        return;
    publish_posted_ = true;
    net::post(io_, [this] { publish_pending(); });
}

void caster::forget_station_frames()
{
    for (auto& [name, mp] : hub_.all())
        if (mp->fed_by() == mountpoint::feed::receiver)
            mp->forget_station_frames();
}

void caster::publish_pending()
{
    publish_posted_ = false;
    if (stopped_) {
        pending_.clear();
        return;
    }
    for (auto& [name, mp] : hub_.all())
        if (mp->fed_by() == mountpoint::feed::receiver)
            mp->publish(pending_);
    pending_.clear();
}

std::string caster::sourcetable() const
{
    return body(str_);
}

void caster::join(session_base* s)
{
    sessions_.insert(s);
}

void caster::leave(session_base* s)
{
    sessions_.erase(s);
    for (auto it = by_token_.begin(); it != by_token_.end();) {
        if (it->second == s)
            it = by_token_.erase(it);
        else
            ++it;
    }
}

void caster::token_session(session_base* s, const std::string& token_id)
{
    by_token_.emplace(token_id, s);
}

void caster::close_token_sessions(const std::vector<std::string>& ids)
{
    std::vector<session_base*> victims;
    for (const auto& id : ids) {
        auto [b, e] = by_token_.equal_range(id);
        for (auto it = b; it != e; ++it)
            victims.push_back(it->second);
    }
    for (auto* s : victims) {
        if (sessions_.count(s))
            s->close("revoked");
    }
}

void caster::stop()
{
    if (stopped_)
        return;
    stopped_ = true;
    sweep_.cancel();
    pending_.clear();
    for (auto& l : listeners_) {
        boost::system::error_code ignored;
        l->acceptor.close(ignored);
    }
    for (auto* s : std::vector<session_base*>(sessions_.begin(), sessions_.end()))
        s->close("shutdown");
}

nlohmann::json caster::status() const
{
    nlohmann::json mounts = nlohmann::json::array();
    for (const auto& [name, mp] : hub_.all()) {
        mounts.push_back(
            {{"name", name},
             {"feed", mp->fed_by() == mountpoint::feed::receiver ? "receiver" : "remote"},
             {"public", mp->is_public()},
             {"source_connected", mp->has_source()},
             {"clients", mp->subscriber_count()},
             {"frames", mp->frames()},
             {"bytes", mp->bytes()}});
        if (const auto& f = mp->filter()) {
            nlohmann::json kept = nlohmann::json::object(), dropped = nlohmann::json::object();
            for (const auto& [type, c] : f->counters()) {
                kept[std::to_string(type)] = c.kept;
                dropped[std::to_string(type)] = c.dropped;
            }
            mounts.back()["messages"] = {{"list", to_string(f->list())},
                                         {"kept", std::move(kept)},
                                         {"dropped", std::move(dropped)},
                                         {"unreadable", f->unreadable()}};
        }
    }
    nlohmann::json listeners = nlohmann::json::array();
    for (const auto& l : listeners_)
        listeners.push_back(
            {{"address", l->opts.address},
             {"port", l->acceptor.is_open() ? l->acceptor.local_endpoint().port() : 0},
             {"tls", l->opts.tls},
             {"chunked", l->opts.chunked}});
    nlohmann::json sessions = nlohmann::json::array();
    for (const auto* s : sessions_)
        sessions.push_back(s->status());
    return {{"listeners", listeners}, {"mountpoints", mounts},
            {"sessions", sessions},   {"accepted", accepted_},
            {"refused", refused_},    {"fanout_threads", opts_.fanout_threads}};
}

} // namespace ntrip
