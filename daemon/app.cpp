// SPDX-License-Identifier: GPL-3.0-or-later
// cairnd's composition root: wires the modules together on one io_context.
#include "daemon/app.hpp"

#include "config/load.hpp"
#include "daemon/auth_service.hpp"
#include "daemon/control_server.hpp"
#include "daemon/log.hpp"
#include "daemon/ntrip_service.hpp"
#include "daemon/receiver_service.hpp"

#include <systemd/sd-daemon.h>

#include <filesystem>
#include <optional>

namespace daemon_app {
namespace {

using namespace std::chrono_literals;

daemon_input::options input_from_config(const config::settings& s,
                                        const daemon_input::options& base)
{
    daemon_input::options o = base;
    o.kind = daemon_input::source_kind::device;
    o.device = s.receiver.device;
    o.serial = s.receiver.serial;
    o.stale_after = s.receiver.stale_after;
    return o;
}

class app
{
public:
    explicit app(const app_options& opts)
        : opts_(opts), signals_(io_, SIGTERM, SIGINT, SIGHUP), watchdog_(io_), report_(io_)
    {
    }

    int run()
    {
        auth_ = std::make_unique<daemon_auth::auth_service>(io_, opts_.state_dir, opts_.demo);
        if (!auth_->initial_key().empty())
            std::fprintf(stderr, "  audit log initialised for this demo; initial key %s\n",
                         auth_->initial_key().c_str());
        std::optional<daemon_ntrip::demo_options> demo;
        if (opts_.demo)
            demo = daemon_ntrip::demo_options{opts_.demo_port};
        ntrip_ = std::make_unique<daemon_ntrip::ntrip_service>(io_, opts_.settings, *auth_,
                                                               opts_.state_dir, demo);
        receiver_ = std::make_unique<daemon_receiver::receiver_service>(
            io_, opts_.settings, opts_.state_dir,
            [this](std::string event, std::string actor, std::string outcome,
                   nlohmann::json details, daemon_receiver::receiver_service::audit_done done) {
                auto ev = system_event(std::move(event), std::move(details));
                ev.actor = std::move(actor);
                ev.object = ev.details.value("device", std::string());
                ev.outcome = std::move(outcome);
                auto on_done = [done](auth::audit_result r) {
                    if (done)
                        done(r.has_value());
                };
                // Refused by a full queue: the completion never runs, so answer here,
                // on a later turn (the caller may not expect a call back from inside).
                if (!auth_->audit(std::move(ev), on_done) && done)
                    net::post(io_, [done] { done(false); });
            });
        receiver_->set_publisher([this](gnss::byte_view f) { ntrip_->publish_receiver_frame(f); });
        make_input(opts_.input);
        control_ = std::make_unique<control::server>(
            io_, opts_.state_dir + "/cairnd.sock",
            [this](const control::request& r, control::reply_fn reply) {
                handle(r, std::move(reply));
            });
        // No audit, no service: if the start cannot be recorded, stop.
        auth_->audit(
            system_event("system.start", {{"version", CAIRN_VERSION}, {"demo", opts_.demo}}),
            [this](auth::audit_result r) {
                if (!r) {
                    daemon_log::log(daemon_log::err, "cannot write the audit log, stopping: {}",
                                    r.error());
                    exit_code_ = 1;
                    shutdown();
                }
            });
        auth_->start(
            [this](const std::vector<std::string>& ids) { ntrip_->close_token_sessions(ids); });
        input_->start();
        control_->start();
        wait_signals();
        start_watchdog();
        start_tick();
        if (opts_.demo)
            start_report();
        sd_notify(0, "READY=1\nSTATUS=running");
        daemon_log::log(daemon_log::notice, "cairnd {} ready: {} input, control socket {}",
                        CAIRN_VERSION, daemon_input::to_string(opts_.input.kind),
                        opts_.state_dir + "/cairnd.sock");
        io_.run();
        // Run what stop() left queued (aborted reads and writes of closed sessions) while
        // the caster and the control server still exist: a session's last reference is
        // often in such a handler, and its destructor leaves its owner's registry.
        io_.restart();
        io_.poll();
        return exit_code_;
    }

private:
    // The station input, wired to the caster and to receiver management.
    void make_input(const daemon_input::options& o)
    {
        receiver_->attach(nullptr);
        input_ = std::make_unique<daemon_input::station_input>(io_, o);
        input_->set_rtcm_sink([this](gnss::byte_view f) { receiver_->on_rtcm(f); });
        input_->set_frame_sink([this](const gnss::frame& f) { receiver_->on_frame(f); });
        receiver_->attach(input_.get());
    }

    void handle(const control::request& r, control::reply_fn reply)
    {
        switch (r.cmd) {
        case control::command::receiver_detect:
        case control::command::receiver_configure:
            return receiver_->handle(r, std::move(reply));
        default:
            return reply(handle_now(r));
        }
    }

    control::outcome handle_now(const control::request& r)
    {
        switch (r.cmd) {
        case control::command::ping:
            return nlohmann::json{{"pong", true}};
        case control::command::version:
            return nlohmann::json{{"version", CAIRN_VERSION},
                                  {"protocol", control::protocol_version}};
        case control::command::receiver_detect:
        case control::command::receiver_configure:
            break;
        case control::command::status: {
            auto j = input_->status();
            j["version"] = CAIRN_VERSION;
            j["uptime_s"] =
                std::chrono::duration_cast<std::chrono::seconds>(steady::now() - started_).count();
            j["demo"] = opts_.demo;
            j["state_dir"] = opts_.state_dir;
            j["auth"] = auth_->status();
            j["caster"] = ntrip_->status();
            j["receiver_management"] = receiver_->status();
            j["receiver_monitor"] = receiver_->monitor_status();
            return j;
        }
        }
        return tl::unexpected(std::string("unknown command"));
    }

    void wait_signals()
    {
        signals_.async_wait([this](boost::system::error_code ec, int sig) {
            if (ec)
                return;
            if (sig == SIGHUP) {
                reload();
                wait_signals();
                return;
            }
            daemon_log::log(daemon_log::notice, "{} received, stopping",
                            sig == SIGTERM ? "SIGTERM" : "SIGINT");
            sd_notify(0, "STOPPING=1");
            shutdown();
        });
    }

    void shutdown()
    {
        if (stopping_)
            return;
        stopping_ = true;
        input_->stop();
        receiver_->stop();
        ntrip_->stop();
        control_->stop();
        watchdog_.cancel();
        report_.cancel();
        tick_.cancel();
        signals_.cancel();
        auth_->audit(system_event("system.stop", {}));
        auth_->stop(); // drains the audit queue before we exit
        io_.stop();
    }

    auth::audit_event system_event(std::string event, nlohmann::json details)
    {
        auto category = event.starts_with("receiver.") ? auth::audit_category::receiver
                        : event.starts_with("config.") ? auth::audit_category::config
                                                       : auth::audit_category::system;
        return {category, std::move(event),  "cairnd", "local", opts_.state_dir,
                "ok",     std::move(details)};
    }

    // Once a second: receiver state changes go to the audit log.
    void start_tick()
    {
        tick_.expires_after(std::chrono::seconds(1));
        tick_.async_wait([this](boost::system::error_code ec) {
            if (ec)
                return;
            auto st = input_->status();
            std::string state = st["receiver"].value("state", "");
            if (state != receiver_state_) {
                if (state == "connected" || state == "disconnected" || state == "stale")
                    auth_->audit(system_event(state == "connected" ? "receiver.connect"
                                                                   : "receiver.disconnect",
                                              {{"state", state},
                                               {"device", st["receiver"].value("device", "")},
                                               {"previous", receiver_state_}}));
                if (state == "connected" && receiver_state_ != "stale")
                    receiver_->on_connected();
                receiver_state_ = state;
            }
            start_tick();
        });
    }

    // SIGHUP: re-read the config file; a bad file keeps the running config.
    void reload()
    {
        if (opts_.config_path.empty()) {
            daemon_log::log(daemon_log::info, "SIGHUP: no config file to reload (demo)");
            return;
        }
        sd_notify(0, "RELOADING=1");
        auto s = config::load_file(opts_.config_path);
        if (!s) {
            daemon_log::log(daemon_log::err, "reload failed, keeping the running config: {}",
                            s.error().to_string());
            auth_->audit(system_event("config.reload", {{"error", s.error().to_string()}}));
            sd_notify(0, "READY=1");
            return;
        }
        daemon_log::set_max_level(daemon_log::level_from_name(s->daemon.log_level));
        for (const auto& w : s->warnings)
            daemon_log::log(daemon_log::warning, "config: {}", w);
        std::string why;
        if (!receiver_->reload(*s, why))
            daemon_log::log(daemon_log::err, "reload: keeping the running [station]: {}", why);
        else if (ntrip_)
            ntrip_->forget_station_frames(); // they may carry the old id or position
        auth_->audit(system_event("config.reload", {{"file", opts_.config_path}}));
        // The demo's input comes from the command line (simulator, --replay, --device),
        // not from [receiver]: keep it.
        auto next = opts_.demo ? input_->opts() : input_from_config(*s, opts_.input);
        const auto& cur = input_->opts();
        if (next.device != cur.device || next.serial.to_string() != cur.serial.to_string() ||
            next.stale_after != cur.stale_after) {
            daemon_log::log(daemon_log::notice, "reload: receiver settings changed, reopening {}",
                            next.device);
            input_->stop();
            make_input(next);
            input_->start();
        } else {
            daemon_log::log(daemon_log::info, "reload: configuration unchanged for the receiver");
        }
        sd_notify(0, "READY=1");
    }

    // WATCHDOG=1 from the event loop itself: a wedged loop stops the pings.
    void start_watchdog()
    {
        std::uint64_t usec = 0;
        if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
            return;
        watchdog_period_ = std::chrono::microseconds(usec / 2);
        ping_watchdog();
    }

    void ping_watchdog()
    {
        sd_notify(0, "WATCHDOG=1");
        watchdog_.expires_after(watchdog_period_);
        watchdog_.async_wait([this](boost::system::error_code ec) {
            if (!ec)
                ping_watchdog();
        });
    }

    void start_report()
    {
        report_.expires_after(opts_.demo_report_interval);
        report_.async_wait([this](boost::system::error_code ec) {
            if (ec)
                return;
            daemon_log::log(daemon_log::info, "{}", input_->summary_line());
            start_report();
        });
    }

    using steady = std::chrono::steady_clock;
    const app_options& opts_;
    net::io_context io_{1};
    net::signal_set signals_;
    net::steady_timer watchdog_;
    net::steady_timer report_;
    net::steady_timer tick_{io_};
    std::string receiver_state_;
    bool stopping_ = false;
    int exit_code_ = 0;
    std::unique_ptr<daemon_auth::auth_service> auth_;
    std::unique_ptr<daemon_ntrip::ntrip_service> ntrip_;
    std::chrono::microseconds watchdog_period_{0};
    std::unique_ptr<daemon_receiver::receiver_service> receiver_;
    std::unique_ptr<daemon_input::station_input> input_;
    std::unique_ptr<control::server> control_;
    steady::time_point started_ = steady::now();
};

} // namespace

int run(const app_options& opts)
{
    int rc = app(opts).run();
    if (opts.remove_state_dir) {
        std::error_code ec;
        std::filesystem::remove_all(opts.state_dir, ec);
    }
    return rc;
}

} // namespace daemon_app
