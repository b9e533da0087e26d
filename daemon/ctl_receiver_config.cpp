// SPDX-License-Identifier: GPL-3.0-or-later
// `cairnctl receiver detect` and `cairnctl receiver configure`: through cairnd when it owns
// the receiver's port, else straight on the port given (audited either way).
#include "config/load.hpp"
#include "daemon/control_protocol.hpp"
#include "daemon/ctl.hpp"
#include "daemon/ctl_call.hpp"
#include "daemon/ctl_db.hpp"
#include "daemon/receiver_profile.hpp"
#include "gnss/framer.hpp"
#include "gnss/serial_port.hpp"
#include "gnss/ubx_configurator.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ctl {

namespace {

namespace ubx = gnss::ubx;
using steady = std::chrono::steady_clock;

// The same bound cairnd puts on a job: no retry pattern runs longer.
constexpr std::chrono::seconds max_direct_time{45};
constexpr std::chrono::milliseconds direct_tick{100};
constexpr const char* default_config = "/etc/cairn/cairn.toml";

struct options
{
    std::string device;
    std::string settings_text;
    std::string config_path;
    std::string profile;
    bool save = false;
    bool json = false;
};

// Parses the shared options; configure takes --profile/--save/--config as well.
tl::expected<options, std::string> parse_options(const args& a, bool configure)
{
    options o;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto& k = a[i];
        const bool has_value = i + 1 < a.size();
        if (k == "--device" && has_value)
            o.device = a[++i];
        else if (k == "--settings" && has_value)
            o.settings_text = a[++i];
        else if (k == "--json")
            o.json = true;
        else if (configure && k == "--profile" && has_value)
            o.profile = a[++i];
        else if (configure && k == "--config" && has_value)
            o.config_path = a[++i];
        else if (configure && k == "--save")
            o.save = true;
        else
            return tl::unexpected("unexpected argument " + k);
    }
    if (configure && !ubx::parse_base_mode(o.profile))
        return tl::unexpected(
            std::string("--profile base-fixed or --profile survey-in is required"));
    return o;
}

// What a configuration report says, for a person.
void print_report(const nlohmann::json& r, bool json)
{
    if (json) {
        std::puts(r.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
        return;
    }
    if (r.contains("receiver")) {
        const auto& id = r["receiver"];
        fmt::print("receiver: {}, firmware {}, protocol {}{}\n", id.value("model", "?"),
                   id.value("firmware", "?"), id.value("protocol", "?"),
                   id.value("supported", false) ? "" : " (not supported by Cairn)");
    }
    for (const auto& s : r.value("steps", nlohmann::json::array()))
        fmt::print("  {}\n", s.get<std::string>());
    if (r.value("ok", false))
        fmt::print("{}: ok\n", r.value("what", "done"));
    else
        fmt::print(stderr, "failed: {}\n", r.value("reason", "unknown reason"));
}

// cairnd's receiver device when it runs at this state directory and reads one.
struct daemon_port
{
    bool running = false;
    std::string device, resolved;
};

tl::expected<daemon_port, std::string> ask_daemon(const globals& g)
{
    auto st = call(g.state_dir, "status");
    if (!st) {
        if (st.error().not_running)
            return daemon_port{};
        return tl::unexpected(st.error().message);
    }
    daemon_port p{true, {}, {}};
    if (st->contains("receiver") && (*st)["receiver"].is_object()) {
        p.device = (*st)["receiver"].value("device", "");
        p.resolved = (*st)["receiver"].value("resolved_device", "");
    }
    return p;
}

// Opens the port like cairnd does: a terminal only, exclusive, our line settings.
tl::expected<int, std::string> open_port(const std::string& path, const config::serial_settings& s)
{
    int fd = ::open(path.c_str(), gnss::serial_port::open_flags);
    if (fd < 0)
        return tl::unexpected(gnss::open_error_message(path, errno));
    if (!::isatty(fd)) {
        ::close(fd);
        return tl::unexpected(path + " is not a serial port");
    }
    if (::ioctl(fd, TIOCEXCL) != 0 || ::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd);
        return tl::unexpected(path + " is in use by another program (cairnd?)");
    }
    if (auto r = gnss::configure_tty(fd, s); !r) {
        ::close(fd);
        return tl::unexpected(path + ": " + r.error());
    }
    return fd;
}

// Writes every frame by `deadline` (a port held by RTS/CTS must not hang cairnctl).
bool write_all(int fd, const std::vector<gnss::bytes>& frames, steady::time_point deadline)
{
    for (const auto& f : frames) {
        std::size_t off = 0;
        while (off < f.size()) {
            ssize_t n = ::write(fd, f.data() + off, f.size() - off);
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
                if (steady::now() >= deadline)
                    return false;
                pollfd p{fd, POLLOUT, 0};
                ::poll(&p, 1, 100);
                continue;
            }
            if (n < 0)
                return false;
            off += static_cast<std::size_t>(n);
        }
    }
    return true;
}

// Runs the configurator on an open port until it finishes or max_direct_time passes.
nlohmann::json run_direct(int fd, ubx::configurator_request req, const std::string& what)
{
    ubx::configurator m(std::move(req));
    gnss::framer fr;
    const auto start = steady::now();
    const auto deadline = start + max_direct_time;
    bool io_ok = write_all(fd, m.start(start), deadline);
    std::uint8_t buf[4096];
    while (io_ok && !m.done() && !m.failed() && steady::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        int r = ::poll(&p, 1, static_cast<int>(direct_tick.count()));
        if (r > 0) {
            ssize_t n = ::read(fd, buf, sizeof buf);
            if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
                io_ok = false;
                break;
            }
            if (n > 0)
                fr.feed(
                    gnss::byte_view(buf, static_cast<std::size_t>(n)), [&](const gnss::frame& f) {
                        if (f.kind != gnss::frame_kind::ubx)
                            return;
                        if (auto v = ubx::parse_frame(f.bytes))
                            io_ok = io_ok && write_all(fd, m.on_frame(*v, steady::now()), deadline);
                    });
        }
        io_ok = io_ok && write_all(fd, m.on_tick(steady::now()), deadline);
    }
    auto rep = daemon_receiver::report(m);
    rep["what"] = what;
    if (!io_ok) {
        rep["ok"] = false;
        rep["reason"] = "the port closed or failed while configuring";
    } else if (!m.done() && !m.failed()) {
        rep["ok"] = false;
        rep["reason"] = fmt::format("gave up after {} s", max_direct_time.count());
    }
    return rep;
}

// One audit row for a direct job: "requested" before the port is touched (no audit, no
// change), then the outcome. Returns the reason when the row cannot be written.
tl::expected<void, std::string> audit_direct(const globals& g, const std::string& device,
                                             const std::string& what, const std::string& outcome,
                                             nlohmann::json details)
{
    auto db = open_database(g);
    if (!db)
        return tl::unexpected(db.error());
    details["requested_by"] = "cairnctl (direct)";
    details["device"] = device;
    const std::string event = what == "detect" ? "receiver.detect" : "receiver.configure";
    details["outcome"] = outcome;
    return audited_change(*db, {"receiver", event, device, std::move(details)},
                          [] { return tl::expected<void, std::string>{}; });
}

nlohmann::json outcome_details(const nlohmann::json& rep, nlohmann::json details)
{
    details["steps"] = rep.value("steps", nlohmann::json::array());
    if (rep.contains("reason"))
        details["reason"] = rep["reason"];
    if (rep.contains("receiver"))
        details["receiver"] = rep["receiver"];
    return details;
}

// The same character device (a symlink, /dev/serial/by-id/..., or the node itself).
bool same_device(const std::string& a, const std::string& b)
{
    struct stat sa = {};
    struct stat sb = {};
    return !a.empty() && !b.empty() && ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 &&
           S_ISCHR(sa.st_mode) && sa.st_rdev == sb.st_rdev;
}

int run(const globals& g, const options& o, bool configure)
{
    const char* name = configure ? "cairnctl receiver configure" : "cairnctl receiver detect";
    auto d = ask_daemon(g);
    if (!d) {
        std::fprintf(stderr, "%s: %s\n", name, d.error().c_str());
        return exit_failed;
    }
    const bool through_daemon =
        d->running && (o.device.empty() || o.device == d->device ||
                       same_device(o.device, d->device) || same_device(o.device, d->resolved));
    nlohmann::json params = nullptr;
    if (configure)
        params = {{"profile", o.profile}, {"save", o.save}};
    if (through_daemon) {
        if (!o.settings_text.empty() || !o.config_path.empty())
            std::fprintf(stderr,
                         "%s: note: cairnd owns the port and uses its own config; "
                         "--settings and --config are ignored\n",
                         name);
        auto r =
            call(g.state_dir, configure ? "receiver.configure" : "receiver.detect", params,
                 std::chrono::duration_cast<std::chrono::milliseconds>(control::max_pending_time));
        if (!r) {
            std::fprintf(stderr, "%s: %s\n", name, r.error().message.c_str());
            return exit_failed;
        }
        print_report(*r, o.json);
        return r->value("ok", false) ? exit_ok : exit_failed;
    }
    if (o.device.empty()) {
        std::fprintf(stderr,
                     "%s: cairnd is not running here (%s); give --device PATH to talk to the "
                     "receiver directly\n",
                     name, g.state_dir.c_str());
        return exit_failed;
    }
    config::settings s;
    const std::string cfg = !o.config_path.empty()                ? o.config_path
                            : ::access(default_config, R_OK) == 0 ? default_config
                                                                  : std::string();
    if (!cfg.empty()) {
        auto loaded = config::load_file(cfg);
        if (!loaded) {
            std::fprintf(stderr, "%s: %s\n", name, loaded.error().to_string().c_str());
            return exit_usage;
        }
        s = *loaded;
    }
    if (!o.settings_text.empty()) {
        auto serial = config::parse_serial_settings(o.settings_text);
        if (!serial) {
            std::fprintf(stderr, "%s: --settings: %s\n", name, serial.error().c_str());
            return exit_usage;
        }
        s.receiver.serial = *serial;
    }
    ubx::configurator_request req{true, {}, false};
    nlohmann::json details = nlohmann::json::object();
    if (configure) {
        auto mode = *ubx::parse_base_mode(o.profile);
        auto p = daemon_receiver::profile_from_settings(s, mode);
        auto r = p ? daemon_receiver::request_for(*p, o.save)
                   : tl::expected<ubx::configurator_request, std::string>(tl::unexpect, p.error());
        if (!r) {
            std::fprintf(stderr, "%s: %s\n", name, r.error().c_str());
            return exit_usage;
        }
        req = std::move(*r);
        details = {{"profile", o.profile}, {"save", o.save}};
    }
    const std::string what = configure ? o.profile : "detect";
    if (auto a = audit_direct(g, o.device, what, "requested", details); !a) {
        std::fprintf(stderr, "%s: not started: the audit log cannot record it (%s)\n", name,
                     a.error().c_str());
        return exit_failed;
    }
    auto fd = open_port(o.device, s.receiver.serial);
    nlohmann::json rep;
    if (fd) {
        rep = run_direct(*fd, std::move(req), what);
        ::close(*fd);
    } else {
        rep = {{"what", what},
               {"ok", false},
               {"reason", fd.error()},
               {"steps", nlohmann::json::array()}};
    }
    const bool ok = rep.value("ok", false);
    if (auto a = audit_direct(g, o.device, what, ok ? "ok" : "failed",
                              outcome_details(rep, std::move(details)));
        !a)
        std::fprintf(stderr, "%s: warning: the outcome is not in the audit log (%s)\n", name,
                     a.error().c_str());
    print_report(rep, o.json);
    return ok ? exit_ok : exit_failed;
}

} // namespace

int receiver_detect(const globals& g, const args& a)
{
    auto o = parse_options(a, false);
    if (!o) {
        std::fprintf(stderr,
                     "cairnctl receiver detect: %s\nusage: cairnctl receiver detect "
                     "[--device D] [--settings S] [--json]\n",
                     o.error().c_str());
        return exit_usage;
    }
    return run(g, *o, false);
}

int receiver_configure(const globals& g, const args& a)
{
    auto o = parse_options(a, true);
    if (!o) {
        std::fprintf(stderr,
                     "cairnctl receiver configure: %s\nusage: cairnctl receiver configure "
                     "--profile base-fixed|survey-in [--save] [--config FILE] [--device D] "
                     "[--settings S] [--json]\n",
                     o.error().c_str());
        return exit_usage;
    }
    return run(g, *o, true);
}

} // namespace ctl
