// SPDX-License-Identifier: GPL-3.0-or-later
// One NTRIP connection, rover or source, plain or TLS.
#include "ntrip/session.hpp"

#include "auth/authorizer.hpp"
#include "auth/credentials.hpp"
#include "gnss/nmea.hpp"
#include "ntrip/reply.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace ntrip {
namespace {

using steady = std::chrono::steady_clock;

auth::time_point wall_now()
{
    return std::chrono::system_clock::now();
}

std::optional<auth::ip_address> to_ip(const net::ip::address& a)
{
    if (a.is_v4())
        return auth::ip_address::from_v4(a.to_v4().to_bytes());
    return auth::ip_address::from_v6(a.to_v6().to_bytes());
}

auth::address_key to_key(const net::ip::address& a)
{
    if (a.is_v4())
        return auth::address_key::v4(a.to_v4().to_bytes());
    return auth::address_key::v6(a.to_v6().to_bytes());
}

} // namespace

template <class Stream>
session<Stream>::session(caster& owner, Stream stream, const listener_options& l,
                         net::ip::tcp::endpoint peer)
    : owner_(owner), stream_(std::move(stream)), listener_(l), peer_(peer),
      request_(std::make_unique<request_state>())
{
    owner_.join(this);
}

template <class Stream> session<Stream>::~session()
{
    owner_.leave(this);
}

template <class Stream> void session<Stream>::start()
{
    set_deadline(owner_.options().header_timeout, "header_timeout");
    if constexpr (Stream::is_tls)
        handshake();
    else
        read_head();
}

template <class Stream> void session<Stream>::handshake()
{
    if constexpr (Stream::is_tls) {
        stream_.async_handshake([self = this->shared_from_this()](boost::system::error_code ec) {
            if (self->closed_)
                return;
            if (ec)
                return self->close("tls_handshake_failed");
            self->read_head();
        });
    }
}

// Deadlines are checked by the caster's sweep (caster::deadline_sweep), not by a timer per
// session: arming and cancelling one per write cost a handler per rover per epoch.
template <class Stream>
void session<Stream>::set_deadline(std::chrono::milliseconds after, const char* reason)
{
    deadline_ = std::chrono::steady_clock::now() + after;
    deadline_reason_ = reason;
}

template <class Stream> void session<Stream>::check_deadline(steady_time now)
{
    if (!closed_ && now >= deadline_)
        close(deadline_reason_);
}

namespace {
// A peer that went away: a clean close, or a TLS peer that closed TCP without close_notify.
bool peer_closed(const boost::system::error_code& ec)
{
    return ec == net::error::eof || ec == net::ssl::error::stream_truncated;
}
} // namespace

template <class Stream> void session<Stream>::read_head()
{
    stream_.async_read_some(net::buffer(request_->buf), [self = this->shared_from_this()](
                                                            boost::system::error_code ec,
                                                            std::size_t n) {
        if (self->closed_)
            return;
        if (ec)
            return self->close(peer_closed(ec) ? "client_closed" : "read_error");
        self->bytes_in_ += n;
        gnss::byte_view in(self->request_->buf.data(), n);
        auto r = self->request_->parser.put(in);
        if (r.state == parse_state::need_more)
            return self->read_head();
        if (r.state == parse_state::error) {
            const auto& e = self->request_->parser.error();
            self->audit("access.denied", std::string(to_string(e.code)), {{"status", e.status}});
            return self->write_then_close(reply_for_error(e, wall_now()), to_string(e.code));
        }
        self->on_head(in.subspan(r.consumed));
    });
}

template <class Stream> void session<Stream>::on_head(gnss::byte_view rest)
{
    auto& head = request_->parser.head();
    version_ = head.version;
    if (head.is_sourcetable())
        return serve_sourcetable();
    auto* mp = owner_.mounts().find(head.mountpoint);
    bool publish = head.method != method::get;
    if (!mp || (publish && mp->fed_by() != mountpoint::feed::remote)) {
        head.wipe_secrets();
        if (publish) {
            audit("access.denied", "mount_invalid", {{"mountpoint", head.mountpoint}});
            return write_then_close(version_ == version::v1 ? v1_mount_taken()
                                                            : v2_mount_taken(wall_now()),
                                    "mount_invalid");
        }
        audit("access.denied", "unknown_mountpoint", {{"mountpoint", head.mountpoint}});
        // v1 rovers get the sourcetable for an unknown mountpoint, v2 a 404.
        if (version_ == version::v1)
            return write_then_close(sourcetable_reply(version_, owner_.sourcetable(), wall_now()),
                                    "unknown_mountpoint");
        return write_then_close(v2_not_found(wall_now()), "unknown_mountpoint");
    }
    if (publish && !listener_.tls) {
        // Plain text carries read tokens only: a publish secret must never cross in clear.
        head.wipe_secrets();
        audit("auth.fail", "tls_required", {{"mountpoint", mp->name()}});
        return write_then_close(version_ == version::v1 ? v1_bad_password()
                                                        : error_reply(version_, 403, wall_now()),
                                "tls_required");
    }
    if (!authenticate(*mp, publish))
        return;
    if (publish)
        serve_source(*mp, rest);
    else
        serve_rover(*mp, rest);
}

template <class Stream> bool session<Stream>::authenticate(mountpoint& mp, bool publish)
{
    auto& head = request_->parser.head();
    auto& svc = owner_.services();
    auto now = wall_now();
    auto steady_now = steady::now();
    if (!publish && mp.is_public()) {
        token_id_ = "public";
        return true;
    }
    // The credential: Basic/Bearer, or a v1 SOURCE's bare password.
    tl::expected<auth::credential, auth::parse_error> cred = tl::unexpected(auth::parse_error{});
    if (head.method == method::source)
        cred = auth::parse_source_password(head.source_password);
    else if (auto a = head.authorization())
        cred = auth::parse_authorization(*a);
    head.wipe_secrets();
    auto fail_reply = [&](auth::client_reply c, std::chrono::milliseconds retry) {
        if (head.method == method::source)
            return v1_bad_password();
        if (c == auth::client_reply::bad_credentials || c == auth::client_reply::token_expired ||
            c == auth::client_reply::token_revoked)
            return unauthorized(version_, mp.name(), now);
        if (c == auth::client_reply::locked_out || c == auth::client_reply::too_many_sessions)
            return retry_later(version_, 429,
                               std::chrono::duration_cast<std::chrono::seconds>(retry) +
                                   std::chrono::seconds(1),
                               now);
        return error_reply(version_, auth::http_status(c), now);
    };
    if (!cred) {
        audit("auth.fail", "no_credentials", {{"mountpoint", mp.name()}});
        write_then_close(head.method == method::source ? v1_bad_password()
                                                       : unauthorized(version_, mp.name(), now),
                         "no_credentials");
        return false;
    }
    auto key = to_key(peer_.address());
    // A v1 SOURCE password without an id: try the publish tokens of this mountpoint.
    const auth::token* tok = nullptr;
    if (cred->user.empty() && head.method == method::source) {
        for (const auto* t : svc.publishers(mp.name())) {
            if (auth::verify_secret(*svc.pepper, cred->password.reveal(), t->secret_mac)) {
                tok = t;
                cred->user = t->id;
                break;
            }
        }
    } else {
        tok = svc.find_token(cred->user);
    }
    auth::session_facts facts;
    facts.locked_out = svc.limiter->is_locked_out(key, cred->user, steady_now).has_value();
    facts.current_sessions = tok ? svc.limiter->session_count(tok->id) : 0;
    auto ip = to_ip(peer_.address());
    auto d = auth::authorize(tok, *cred, *svc.pepper, *ip, mp.name(),
                             publish ? auth::access::publish : auth::access::read, now, facts);
    token_id_ = d.token_id;
    if (!d.allowed) {
        std::chrono::milliseconds retry{0};
        if (d.r == auth::reason::unknown_token || d.r == auth::reason::bad_secret) {
            auto f = svc.limiter->record_auth_failure(key, cred->user, steady_now);
            retry = f.retry_after;
            if (f.started)
                audit("auth.lockout", "locked_out",
                      {{"user", cred->user},
                       {"retry_after_s",
                        std::chrono::duration_cast<std::chrono::seconds>(f.retry_after).count()}});
        }
        if (auto locked = svc.limiter->is_locked_out(key, cred->user, steady_now))
            retry = *locked;
        audit("auth.fail", std::string(auth::to_string(d.r)),
              {{"user", cred->user}, {"mountpoint", mp.name()}});
        write_then_close(fail_reply(auth::client_reason(d.r), retry), auth::to_string(d.r));
        return false;
    }
    auto held = svc.limiter->acquire_session(tok->id, tok->max_sessions);
    if (!held) {
        audit("auth.fail", "too_many_sessions", {{"user", cred->user}});
        write_then_close(fail_reply(auth::client_reply::too_many_sessions, held.retry_after),
                         "too_many_sessions");
        return false;
    }
    session_held_ = true;
    svc.limiter->record_auth_success(key, cred->user);
    owner_.token_session(this, tok->id);
    return true;
}

template <class Stream> void session<Stream>::serve_sourcetable()
{
    audit("access.sourcetable", "ok");
    write_then_close(sourcetable_reply(version_, owner_.sourcetable(), wall_now()), "sourcetable");
}

template <class Stream> void session<Stream>::serve_rover(mountpoint& mp, gnss::byte_view rest)
{
    // No audit, no access: the session is recorded before a byte of data flows.
    if (!owner_.services().audit(
            {auth::audit_category::session,
             "session.open",
             token_id_,
             peer_.address().to_string(),
             mp.name(),
             "ok",
             {{"version", version_ == version::v2 ? 2 : 1},
              {"tls", listener_.tls},
              {"user_agent", std::string(request_->parser.head().user_agent().value_or(""))}}})) {
        return write_then_close(retry_later(version_, 503, std::chrono::seconds(5), wall_now()),
                                "audit_unavailable");
    }
    role_ = role::rover;
    mount_ = &mp;
    clear_deadline();
    if (auto gga = request_->parser.head().ntrip_gga())
        on_rover_bytes(gnss::as_bytes(std::string(*gga) + "\r\n"));
    if (!rest.empty())
        on_rover_bytes(rest);
    // The request is done with (`rest` pointed into its buffer): a streaming rover keeps
    // only what it needs.
    request_.reset();
    chunked_ = version_ == version::v2 && listener_.chunked;
    std::string head =
        version_ == version::v1 ? v1_stream_ok() : v2_stream_ok(wall_now(), chunked_);
    // The status line goes in its own write: BKG ntripclient and gpsd 3.22 discard
    // whatever else arrives in the first recv().
    write_head(std::move(head), [this] {
        streaming_since_ = steady::now();
        auto station = mount_->station_frames(streaming_since_);
        deliver(station);
        mount_->join(this);
        read_rover();
    });
}

template <class Stream>
template <class Then>
void session<Stream>::write_head(std::string head, Then then)
{
    head_out_ = std::move(head);
    writing_ = true;
    set_deadline(owner_.options().write_timeout, "write_timeout");
    stream_.async_write(net::buffer(head_out_),
                        [self = this->shared_from_this(), then = std::move(then)](
                            boost::system::error_code ec, std::size_t n) mutable {
                            self->writing_ = false;
                            std::string().swap(self->head_out_);
                            if (self->closed_)
                                return;
                            if (ec)
                                return self->close("write_error");
                            self->clear_deadline();
                            self->bytes_out_ += n;
                            then();
                            self->flush();
                        });
}

// Called once per input burst with all of its frames: they join the queue and, when no
// write is in progress, leave in one gathered write at once (nothing waits for more).
template <class Stream> void session<Stream>::deliver(std::span<const frame_ptr> frames)
{
    if (closed_ || closed_pending_ || frames.empty())
        return;
    const auto& o = owner_.options();
    std::size_t burst = 0;
    for (const auto& f : frames)
        burst += f->data.size();
    // The bounds apply to what this rover has not yet taken: the bytes waiting with this
    // burst, and how long the oldest frame queued before it has waited. Station frames
    // replayed to a new rover are older than the rover: they wait from its start. The
    // newest frame's arrival stands for "now": no clock read per rover.
    const auto now = frames.back()->received;
    if (queued_bytes_ + burst > o.client_queue_bytes ||
        (!queue_.empty() &&
         now - std::max(queue_.front()->received, streaming_since_) > o.client_queue_age)) {
        // Never from inside the hub's fan-out loop: close on the next turn of the loop.
        net::post(stream_.get_executor(),
                  [self = this->shared_from_this()] { self->close("slow_consumer"); });
        closed_pending_ = true;
        return;
    }
    queue_.insert(queue_.end(), frames.begin(), frames.end());
    queued_bytes_ += burst;
    flush();
}

template <class Stream> void session<Stream>::flush()
{
    if (writing_ || closed_ || closed_pending_ || queue_.empty() || role_ != role::rover)
        return;
    // One gathered write carries every frame queued since the last write completed (up
    // to max_write_bytes, which also keeps a v2 chunk within what chunked decoders accept).
    std::size_t total = 0;
    in_flight_ = 0;
    while (in_flight_ < queue_.size() &&
           (in_flight_ == 0 || total + queue_[in_flight_]->data.size() <= max_write_bytes))
        total += queue_[in_flight_++]->data.size();
    queued_bytes_ -= total;
    std::vector<net::const_buffer> bufs;
    bufs.reserve(in_flight_ + 2);
    if (chunked_) {
        chunk_head_ = chunk_header(total);
        bufs.emplace_back(chunk_head_.view().data(), chunk_head_.view().size());
    }
    for (std::size_t i = 0; i < in_flight_; ++i)
        bufs.emplace_back(queue_[i]->data.data(), queue_[i]->data.size());
    if (chunked_)
        bufs.emplace_back(chunk_trailer.data(), chunk_trailer.size());
    const std::size_t bytes = net::buffer_size(bufs);
    writing_ = true;
    // Usually the socket takes it all at once and no operation is started; this runs
    // inside the hub's fan-out loop then, so on_written must not close (it cannot: no
    // error is possible on that path).
    if (stream_.write(std::move(bufs), [self = this->shared_from_this()](
                                           boost::system::error_code ec, std::size_t n) {
            self->on_written(ec, n);
        }))
        return on_written({}, bytes);
    set_deadline(owner_.options().write_timeout, "write_timeout");
}

template <class Stream>
void session<Stream>::on_written(boost::system::error_code ec, std::size_t n)
{
    writing_ = false;
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(in_flight_));
    in_flight_ = 0;
    if (queue_.empty() && queue_.capacity() > rover_queue_keep)
        std::vector<frame_ptr>().swap(queue_);
    if (closed_)
        return;
    if (ec)
        return close("write_error");
    clear_deadline();
    bytes_out_ += n;
    flush();
}

template <class Stream> void session<Stream>::read_rover()
{
    stream_.async_read_some(
        net::buffer(rover_buf_),
        [self = this->shared_from_this()](boost::system::error_code ec, std::size_t n) {
            if (self->closed_)
                return;
            if (ec)
                return self->close(peer_closed(ec) ? "client_closed" : "read_error");
            self->bytes_in_ += n;
            self->on_rover_bytes(gnss::byte_view(self->rover_buf_.data(), n));
            self->read_rover();
        });
}

// Rovers send GGA lines (for network RTK); a single base only notes that they do. The
// position is never forwarded, logged or stored beyond a count.
template <class Stream> void session<Stream>::on_rover_bytes(gnss::byte_view data)
{
    if (data.empty())
        return;
    if (!inband_)
        inband_ = std::make_unique<inband_state>();
    auto& in = *inband_;
    for (auto c : data) {
        if (c == '\n') {
            std::string line(in.line.data(), in.size);
            line += '\n';
            if (auto g = gnss::nmea::parse_gga(line)) {
                ++in.gga_seen;
                // Coarse only (0.1 degree, ~10 km): enough to see where rovers are.
                in.coarse = {std::round(g->lat_deg * 10) / 10, std::round(g->lon_deg * 10) / 10,
                             g->fix_quality};
            }
            in.size = 0;
        } else if (in.size < max_inband_line) {
            in.line[in.size++] = static_cast<char>(c);
        }
    }
}

template <class Stream> void session<Stream>::serve_source(mountpoint& mp, gnss::byte_view rest)
{
    if (!mp.claim_source(this)) {
        audit("access.denied", "mount_taken", {{"mountpoint", mp.name()}});
        return write_then_close(
            version_ == version::v1 ? v1_mount_taken() : v2_mount_taken(wall_now()), "mount_taken");
    }
    if (!owner_.services().audit({auth::audit_category::session,
                                  "session.open",
                                  token_id_,
                                  peer_.address().to_string(),
                                  mp.name(),
                                  "ok",
                                  {{"role", "source"},
                                   {"version", version_ == version::v2 ? 2 : 1},
                                   {"tls", listener_.tls}}})) {
        mp.release_source(this);
        return write_then_close(retry_later(version_, 503, std::chrono::seconds(5), wall_now()),
                                "audit_unavailable");
    }
    role_ = role::source;
    mount_ = &mp;
    source_ = std::make_unique<source_state>();
    const auto& req = request_->parser.head();
    if (req.chunked)
        source_->dechunk.emplace();
    std::string head;
    if (version_ == version::v2) {
        if (req.expect_100_continue)
            head = v2_continue();
        head += v2_source_ok(wall_now());
    } else {
        head = v1_source_ok();
    }
    gnss::bytes pending(rest.begin(), rest.end());
    request_.reset();
    write_head(std::move(head), [this, pending = std::move(pending)] {
        set_deadline(owner_.options().idle_timeout, "source_idle");
        if (!pending.empty())
            on_source_bytes(pending);
        if (!closed_)
            read_source();
    });
}

template <class Stream> void session<Stream>::read_source()
{
    stream_.async_read_some(
        net::buffer(source_->buf),
        [self = this->shared_from_this()](boost::system::error_code ec, std::size_t n) {
            if (self->closed_)
                return;
            auto& src = *self->source_;
            if (ec) {
                if (src.dechunk && src.dechunk->finish() != chunked_error::none)
                    return self->close("truncated_upload");
                return self->close(peer_closed(ec) ? "source_closed" : "read_error");
            }
            self->bytes_in_ += n;
            self->set_deadline(self->owner_.options().idle_timeout, "source_idle");
            self->on_source_bytes(gnss::byte_view(src.buf.data(), n));
            if (!self->closed_)
                self->read_source();
        });
}

template <class Stream> void session<Stream>::on_source_bytes(gnss::byte_view data)
{
    auto now = steady::now();
    auto& src = *source_;
    auto to_framer = [&](gnss::byte_view b) {
        src.framer.feed(b, [&](const gnss::frame& f) {
            // Only RTCM3 is served; UBX or NMEA from a source is counted and dropped.
            if (f.kind == gnss::frame_kind::rtcm3)
                src.batch.push_back(make_frame(f.bytes, now));
        });
    };
    std::optional<chunked_state> state;
    if (!src.dechunk)
        to_framer(data);
    else
        state = src.dechunk->put(data, to_framer).state;
    // Every frame of this read reaches each rover in one write.
    mount_->publish(src.batch);
    src.batch.clear();
    if (state == chunked_state::error)
        return close("bad_chunked_upload");
    if (state == chunked_state::done)
        return close("source_finished");
}

template <class Stream>
void session<Stream>::write_then_close(std::string reply, std::string_view reason)
{
    head_out_ = std::move(reply);
    request_.reset();
    set_deadline(owner_.options().write_timeout, "write_timeout");
    stream_.async_write(net::buffer(head_out_),
                        [self = this->shared_from_this(),
                         reason = std::string(reason)](boost::system::error_code, std::size_t n) {
                            self->bytes_out_ += n;
                            self->close(reason);
                        });
}

template <class Stream> void session<Stream>::close(std::string_view reason)
{
    if (closed_)
        return;
    closed_ = true;
    clear_deadline();
    stream_.close();
    auto& svc = owner_.services();
    if (mount_) {
        mount_->leave(this);
        mount_->release_source(this);
    }
    if (session_held_) {
        svc.limiter->release_session(token_id_);
        session_held_ = false;
    }
    svc.limiter->release_connection();
    if (role_ != role::none) {
        auto secs = std::chrono::duration<double>(steady::now() - started_).count();
        audit("session.close", std::string(reason),
              {{"bytes_out", bytes_out_},
               {"bytes_in", bytes_in_},
               {"duration_s", std::round(secs * 1000) / 1000},
               {"gga_lines", inband_ ? inband_->gga_seen : 0}});
    }
}

template <class Stream>
void session<Stream>::audit(std::string event, std::string outcome, nlohmann::json details)
{
    auth::audit_category cat = event.starts_with("auth.")      ? auth::audit_category::auth
                               : event.starts_with("session.") ? auth::audit_category::session
                                                               : auth::audit_category::access;
    if (details.is_null())
        details = nlohmann::json::object();
    details["listener"] =
        fmt::format("{}:{}{}", listener_.address, listener_.port, listener_.tls ? "/tls" : "");
    owner_.services().audit({cat, std::move(event), token_id_.empty() ? "-" : token_id_,
                             peer_.address().to_string(), mountpoint_name(), std::move(outcome),
                             std::move(details)});
}

template <class Stream> const std::string& session<Stream>::mountpoint_name() const
{
    static const std::string none;
    if (mount_)
        return mount_->name();
    return request_ ? request_->parser.head().mountpoint : none;
}

template <class Stream> nlohmann::json session<Stream>::status() const
{
    return {{"address", peer_.address().to_string()},
            {"token", token_id_},
            {"role", role_ == role::rover    ? "rover"
                     : role_ == role::source ? "source"
                                             : "pending"},
            {"mountpoint", mount_ ? mount_->name() : ""},
            {"version", version_ == version::v2 ? 2 : 1},
            {"tls", listener_.tls},
            {"bytes_out", bytes_out_},
            {"bytes_in", bytes_in_},
            {"queue_bytes", queued_bytes_},
            {"queue_frames", queue_.size() - in_flight_},
            {"gga_lines", inband_ ? inband_->gga_seen : 0},
            {"rover_position_coarse", inband_ && inband_->coarse
                                          ? nlohmann::json{{"lat", inband_->coarse->lat},
                                                           {"lon", inband_->coarse->lon},
                                                           {"fix_quality", inband_->coarse->fix}}
                                          : nlohmann::json(nullptr)}};
}

template class session<plain_stream>;
template class session<tls_stream>;

} // namespace ntrip
