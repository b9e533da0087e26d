// SPDX-License-Identifier: GPL-3.0-or-later
// cairnd's NTRIP side: composition of the caster from config or demo defaults.
#include "daemon/ntrip_service.hpp"

#include "auth/audit_log.hpp"
#include "auth/token_store.hpp"
#include "daemon/log.hpp"
#include "ntrip/tls.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <fcntl.h>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace daemon_ntrip {
namespace {

ntrip::str_record str_from(const config::mountpoint_settings& m)
{
    ntrip::str_record r;
    r.mountpoint = m.name;
    r.identifier = m.identifier.empty() ? m.name : m.identifier;
    r.country = m.country;
    r.latitude = m.latitude;
    r.longitude = m.longitude;
    r.nav_system = m.nav_system;
    r.network = m.network;
    r.carrier = m.carrier;
    r.format_details = m.format_details;
    r.bitrate = static_cast<int>(m.bitrate);
    r.misc = m.misc;
    return r;
}

// Creates a token through the same audited path cairnctl uses; returns id and secret.
std::pair<std::string, std::string> demo_token(daemon_auth::auth_service& auth,
                                               const std::string& mount, auth::access a,
                                               const std::string& label)
{
    auto id = auth::new_token_id();
    auto secret = auth::new_secret();
    if (!id || !secret)
        throw std::runtime_error("cannot create a demo token");
    auth::token t;
    t.id = *id;
    t.label = label;
    t.scopes.push_back({mount, a});
    t.created = std::chrono::system_clock::now();
    t.created_by = "cairnd --demo";
    t.max_sessions = 100;
    t.secret_mac = auth::secret_mac(auth.pepper(), secret->reveal());
    auto& db = auth.database();
    auth::token_store store(db);
    auth::audit_log log(db, &auth.journal());
    auth::audit_event ev{
        auth::audit_category::token,    "token.create", "cairnd --demo", "local", t.id, "ok",
        auth::to_json(auth::to_info(t))};
    if (auto r = auth::commit_audited(db, log, ev, t.created, [&] { return store.create(t); }); !r)
        throw std::runtime_error("cannot record the demo token: " + r.error());
    return {t.id, std::string(secret->reveal())};
}

} // namespace

ntrip_service::ntrip_service(net::io_context& io, const config::settings& s,
                             daemon_auth::auth_service& auth, const std::string& state_dir,
                             std::optional<demo_options> demo)
    : auth_(auth), limiter_(auth::limits_from(s.limits))
{
    const auto& cs = s.caster;
    std::vector<ntrip::listener_options> listeners;
    std::vector<std::string> names;
    for (const auto& l : cs.listeners) {
        listeners.push_back({l.address, l.port, l.tls, cs.chunked_for(l)});
        names.insert(names.end(), l.names.begin(), l.names.end());
    }
    if (demo) {
        listeners.push_back({"127.0.0.1", demo->plain_port, false, true});
        listeners.push_back(
            {"127.0.0.1", static_cast<unsigned short>(demo->plain_port + 1), true, true});
    }
    bool any_tls = std::any_of(listeners.begin(), listeners.end(), [](auto& l) { return l.tls; });
    if (any_tls) {
        ntrip::tls_options to;
        to.state_dir = state_dir;
        to.names = names;
        to.now = std::chrono::system_clock::now();
        for (const auto& l : cs.listeners) {
            if (l.tls && !l.certificate.empty()) {
                to.certificate_path = l.certificate;
                to.key_path = l.key;
            }
        }
        auto ctx = ntrip::make_server_context(to);
        if (!ctx)
            throw std::runtime_error("TLS: " + ctx.error());
        tls_ = std::make_unique<net::ssl::context>(ctx->new_reference());
        fingerprint_ = ctx->fingerprint_sha256();
        certificate_path_ = ctx->certificate_path();
        daemon_log::log(daemon_log::notice, "TLS certificate {}{} SHA-256 fingerprint {}",
                        certificate_path_, ctx->generated() ? " (self-signed, generated)" : "",
                        fingerprint_);
    }
    ntrip::caster_options co;
    co.server_name = cs.server_name;
    co.header_timeout = cs.header_timeout;
    co.idle_timeout = cs.idle_timeout;
    co.client_queue_bytes = cs.client_queue_bytes;
    co.client_queue_age = cs.client_queue_age;
    co.listen_backlog = static_cast<int>(cs.listen_backlog);
    // More threads than cores would only take turns on them.
    co.fanout_threads =
        std::min(cs.fanout_threads, std::max(1u, std::thread::hardware_concurrency()));
    ntrip::caster_services svc;
    svc.find_token = [this](std::string_view id) { return auth_.find_token(id); };
    svc.publishers = [this](std::string_view m) { return auth_.publishers(m); };
    svc.pepper = &auth_.pepper();
    svc.limiter = &limiter_;
    svc.audit = [this](auth::audit_event ev) { return auth_.audit(std::move(ev)); };
    caster_ = std::make_unique<ntrip::caster>(io, co, std::move(svc), tls_.get());
    for (const auto& m : cs.mountpoints)
        caster_->add_mountpoint(m.name,
                                m.source == config::mountpoint_source::receiver
                                    ? ntrip::mountpoint::feed::receiver
                                    : ntrip::mountpoint::feed::remote,
                                m.is_public, str_from(m), m.messages);
    if (demo)
        setup_demo(state_dir, *demo);
    for (const auto& l : listeners) {
        caster_->listen(l);
        daemon_log::log(daemon_log::notice, "NTRIP {} listener on {}:{}", l.tls ? "TLS" : "plain",
                        l.address, l.port);
    }
}

ntrip_service::~ntrip_service() = default;

void ntrip_service::setup_demo(const std::string& state_dir, const demo_options& d)
{
    ntrip::str_record str;
    str.identifier = "Cairn demo";
    str.country = "XXX";
    str.latitude = 32.06;
    str.longitude = 34.77;
    str.nav_system = "GPS+GLO+GAL+BDS";
    str.network = "Cairn";
    str.format_details = "1005(1),1077(1),1087(1),1097(1),1127(1),1230(1)";
    str.bitrate = 20000;
    caster_->add_mountpoint("DEMO", ntrip::mountpoint::feed::receiver, false, str);
    str.identifier = "Cairn demo upload";
    caster_->add_mountpoint("DEMO_UP", ntrip::mountpoint::feed::remote, false, str);
    auto rover = demo_token(auth_, "DEMO", auth::access::read, "demo rover");
    // The upload mountpoint: the source publishes, and the same rover token reads it too.
    auto source = demo_token(auth_, "DEMO_UP", auth::access::publish, "demo source");
    auto up_reader = demo_token(auth_, "DEMO_UP", auth::access::read, "demo upload reader");
    auth_.refresh();
    nlohmann::json j = {
        {"mountpoint", "DEMO"},
        {"upload_mountpoint", "DEMO_UP"},
        {"caster_plain", fmt::format("127.0.0.1:{}", d.plain_port)},
        {"caster_tls", fmt::format("127.0.0.1:{}", d.plain_port + 1)},
        {"ca_cert", certificate_path_},
        {"tls_fingerprint_sha256", fingerprint_},
        {"rover", {{"user", rover.first}, {"password", rover.second}}},
        {"source", {{"user", source.first}, {"password", source.second}}},
        {"upload_reader", {{"user", up_reader.first}, {"password", up_reader.second}}},
    };
    std::string path = state_dir + "/demo.json";
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        throw std::runtime_error("cannot write " + path);
    std::string text = j.dump(2) + "\n";
    if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
        ::close(fd);
        throw std::runtime_error("cannot write " + path);
    }
    ::close(fd);
    std::fprintf(
        stderr,
        "  NTRIP demo (credentials are demo-only; they are also in %s):\n"
        "    caster %s (plain), %s (TLS, CA %s)\n"
        "    rover:  user %s password %s  (mountpoint DEMO)\n"
        "    source: user %s password %s  (mountpoint DEMO_UP, TLS only)\n"
        "    try:    curl -sN --http0.9 -u %s:%s http://127.0.0.1:%u/DEMO | head -c 2000 | "
        "od -An -tx1 | head\n",
        path.c_str(), fmt::format("127.0.0.1:{}", d.plain_port).c_str(),
        fmt::format("127.0.0.1:{}", d.plain_port + 1).c_str(), certificate_path_.c_str(),
        rover.first.c_str(), rover.second.c_str(), source.first.c_str(), source.second.c_str(),
        rover.first.c_str(), rover.second.c_str(), d.plain_port);
}

nlohmann::json ntrip_service::status() const
{
    auto j = caster_->status();
    auto st = limiter_.stats();
    j["tls_fingerprint_sha256"] = fingerprint_;
    j["limits"] = {{"tracked_addresses", st.tracked_addresses},
                   {"lockouts", st.lockouts},
                   {"address_table_full", st.address_table_full},
                   {"user_table_full", st.user_table_full}};
    return j;
}

} // namespace daemon_ntrip
