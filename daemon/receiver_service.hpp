// SPDX-License-Identifier: GPL-3.0-or-later
// The receiver as cairnd manages it: detection and configuration over UBX (one job at a
// time, each audited), the profile applied at start and after every reconnect, and the
// switch from survey-in to base-fixed once the survey completes.
#pragma once

#include "config/settings.hpp"
#include "daemon/control_server.hpp"
#include "gnss/base_profile.hpp"
#include "gnss/framer.hpp"
#include "gnss/net.hpp"
#include "gnss/receiver_monitor.hpp"
#include "gnss/station_stream.hpp"
#include "gnss/ubx_configurator.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace daemon_input {
class station_input;
}

namespace daemon_receiver {

// How often Cairn's own station messages are checked for being due.
constexpr std::chrono::milliseconds station_tick{250};
// A configuration job gives up after this long, whatever its retries (the control
// client waits up to control::max_pending_time).
constexpr std::chrono::seconds max_job_time{45};
// How often a job's timeouts are checked.
constexpr std::chrono::milliseconds job_tick{100};
static_assert(max_job_time < control::max_pending_time);

// Where a job came from, for the audit record.
struct requester
{
    std::string actor;  // "cairnctl (uid 0)", "cairnd"
    std::string reason; // "control", "profile on start", "survey-in complete"
};

class receiver_service
{
public:
    // Called once with whether the audit row was recorded.
    using audit_done = std::function<void(bool recorded)>;
    // audit(event, actor, outcome, details, done): a job is recorded when requested
    // ("requested": it starts only once that row is written) and when it ends.
    using audit_fn = std::function<void(std::string event, std::string actor, std::string outcome,
                                        nlohmann::json details, audit_done done)>;

    // Throws std::runtime_error at start-up when [station] cannot make a station stream.
    receiver_service(net::io_context& io, const config::settings& s, std::string state_dir,
                     audit_fn audit);
    ~receiver_service();

    // SIGHUP: new [receiver]/[station] settings. A running job finishes with the old
    // ones; the profile is applied again only at the next (re)connect. False, and the old
    // settings kept, when [station] cannot make a station stream (reason in error).
    bool reload(const config::settings& s, std::string& error);
    // The input jobs write to; nullptr while there is none. A job running on the previous
    // input ends as failed (the receiver it was talking to is gone).
    void attach(daemon_input::station_input* input);
    // Every verified frame from the input.
    void on_frame(const gnss::frame& f);
    // Where RTCM3 for the receiver's mountpoints goes: the receiver's frames through
    // on_rtcm (station id, whose 1005), and Cairn's own station messages on a timer.
    void set_publisher(std::function<void(gnss::byte_view)> publish);
    void on_rtcm(gnss::byte_view frame);
    // The receiver link came up: apply [receiver] profile (it may have lost power).
    void on_connected();
    // receiver.detect and receiver.configure from the control socket.
    void handle(const control::request& r, control::reply_fn reply);
    // cairnd is stopping: a running job ends as failed (audited, its client answered),
    // timers stop, nothing is written to the receiver any more.
    void stop();

    // The configuration side: profile, running job, last report, surveyed position.
    nlohmann::json status() const;
    // What the receiver reports: identity, fix, satellites, survey-in, RTCM types.
    nlohmann::json monitor_status() const;

private:
    using job_done = std::function<void(nlohmann::json report)>;
    struct job
    {
        gnss::ubx::configurator machine;
        std::string what; // "detect", "base-fixed", "survey-in"
        requester by;
        nlohmann::json details;
        std::chrono::steady_clock::time_point started;
        job_done done;
        std::uint64_t id = 0;
        std::string device;   // the port the job talks to, for the audit record
        bool running = false; // false until its "requested" row is recorded
    };

    // Claims the job slot, records the request, then starts talking to the receiver;
    // false (and done is not called) when a job is already running.
    bool run(gnss::ubx::configurator_request req, std::string what, requester by,
             nlohmann::json details, job_done done);
    void begin(std::uint64_t id, bool recorded);
    void write(const std::vector<gnss::bytes>& frames);
    void arm_tick();
    // Ends the job: audit row, client reply. `failure` overrides the machine's outcome.
    void finish(std::optional<std::string> failure = std::nullopt);
    // Records a request refused before any job started (busy, bad parameters).
    void refuse(const control::request& r, const requester& by, const std::string& why);
    std::string event_of(const std::string& what) const;
    void apply_profile_on_start();
    void on_survey(const gnss::ubx::view& nav_svin);
    // Writes runtime.json durably (0600); false when it could not.
    bool save_surveyed(const gnss::ubx::fixed_ecef& p, double accuracy_m);
    void arm_station_tick();

    net::io_context& io_;
    config::settings settings_;
    std::string state_dir_;
    audit_fn audit_;
    daemon_input::station_input* input_ = nullptr;
    net::steady_timer tick_;
    std::optional<job> job_;
    nlohmann::json last_job_;    // the last finished job's report
    std::string active_profile_; // what the receiver was last configured as, "" unknown
    bool survey_switched_ = false;
    // A failed switch to base-fixed is tried again, but not more often than this.
    static constexpr std::chrono::seconds switch_retry{60};
    std::chrono::steady_clock::time_point next_switch_{};
    std::uint64_t next_job_id_ = 1;
    bool profile_pending_ = false; // a reconnect came while a job ran
    std::optional<gnss::ubx::fixed_ecef> surveyed_;
    gnss::receiver_monitor monitor_;
    bool identity_sent_ = false; // MON-VER handed to the station stream
    // Present when [station] asks for anything but plain pass-through.
    std::optional<gnss::station_stream> station_;
    std::function<void(gnss::byte_view)> publish_;
    net::steady_timer station_tick_;
    bool stopped_ = false;
};

} // namespace daemon_receiver
