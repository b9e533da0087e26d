// SPDX-License-Identifier: GPL-3.0-or-later
// Runs the UBX configurator against the station input, audits each job, and switches a
// completed survey-in to base-fixed.
#include "daemon/receiver_service.hpp"

#include "daemon/log.hpp"
#include "daemon/receiver_json.hpp"
#include "daemon/receiver_profile.hpp"
#include "daemon/station_input.hpp"
#include "gnss/geodesy.hpp"
#include "gnss/ubx.hpp"
#include "gnss/ubx_nav.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace daemon_receiver {

namespace {

using steady = std::chrono::steady_clock;
namespace ubx = gnss::ubx;

// The surveyed position survives restarts here (state directory, 0600).
constexpr const char* runtime_file = "runtime.json";
// Larger than any runtime.json we write: a bigger file is not ours.
constexpr std::size_t max_runtime_bytes = 64 * 1024;

nlohmann::json ecef_json(const ubx::fixed_ecef& p)
{
    return {{"x_m", p.x_m}, {"y_m", p.y_m}, {"z_m", p.z_m}};
}

// The station stream [station] asks for; none when the receiver's frames go out as sent.
std::optional<gnss::station_stream> make_station_stream(const config::station_settings& st)
{
    const bool needed = st.station_id != 0 || st.arp == config::arp_source::cairn || st.antenna ||
                        !st.receiver_type.empty() || !st.receiver_firmware.empty() ||
                        !st.receiver_serial.empty();
    if (!needed)
        return std::nullopt;
    gnss::station_config c;
    c.station_id = st.station_id;
    if (st.position) {
        const auto& p = *st.position;
        c.position = p.frame == config::station_position::frame_kind::ecef
                         ? gnss::ecef{p.a, p.b, p.c}
                         : gnss::to_ecef(gnss::llh{p.a, p.b, p.c});
    }
    c.antenna_height_m = st.antenna_height_m;
    if (st.antenna)
        c.antenna =
            gnss::antenna_text{st.antenna->descriptor, st.antenna->serial, st.antenna->setup_id};
    c.receiver_type = st.receiver_type;
    c.receiver_firmware = st.receiver_firmware;
    c.receiver_serial = st.receiver_serial;
    c.policy =
        st.arp == config::arp_source::cairn ? gnss::arp_policy::replace : gnss::arp_policy::pass;
    c.interval = st.interval;
    auto made = gnss::station_stream::make(std::move(c));
    if (!made)
        throw std::runtime_error("[station]: " + made.error());
    return std::move(*made);
}

} // namespace

receiver_service::receiver_service(net::io_context& io, const config::settings& s,
                                   std::string state_dir, audit_fn audit)
    : io_(io), settings_(s), state_dir_(std::move(state_dir)), audit_(std::move(audit)), tick_(io),
      station_(make_station_stream(s.station)), station_tick_(io)
{
    const auto path = state_dir_ + "/" + runtime_file;
    std::ifstream in(path);
    if (!in)
        return;
    std::string text(max_runtime_bytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    auto j = nlohmann::json::parse(text, nullptr, false);
    const auto number = [](const nlohmann::json& o, const char* k) -> std::optional<double> {
        auto it = o.find(k);
        if (it == o.end() || !it->is_number())
            return std::nullopt;
        return it->get<double>();
    };
    std::optional<double> x, y, z;
    if (text.size() <= max_runtime_bytes && j.is_object()) {
        auto p = j.find("surveyed_position_ecef");
        if (p != j.end() && p->is_object()) {
            x = number(*p, "x_m");
            y = number(*p, "y_m");
            z = number(*p, "z_m");
        }
    }
    const double r = x && y && z ? std::sqrt(*x * *x + *y * *y + *z * *z) : 0;
    if (!(r >= gnss::min_ecef_radius_m && r <= gnss::max_ecef_radius_m)) {
        daemon_log::log(daemon_log::warning,
                        "ignoring {}: no surveyed position on the Earth's surface in it", path);
        return;
    }
    surveyed_ = ubx::fixed_ecef{*x, *y, *z};
}

bool receiver_service::reload(const config::settings& s, std::string& error)
{
    try {
        auto stream = make_station_stream(s.station);
        const bool had_stream = station_.has_value();
        station_ = std::move(stream);
        identity_sent_ = false;
        settings_ = s;
        if (station_ && !had_stream && publish_)
            arm_station_tick();
        return true;
    } catch (const std::runtime_error& e) {
        error = e.what();
        return false;
    }
}

receiver_service::~receiver_service()
{
    stop();
}

void receiver_service::stop()
{
    if (stopped_)
        return;
    if (job_)
        finish("cairnd is stopping");
    stopped_ = true;
    tick_.cancel();
    station_tick_.cancel();
}

void receiver_service::attach(daemon_input::station_input* input)
{
    if (input != input_ && job_ && job_->running)
        finish("the receiver input was replaced (configuration reloaded)");
    input_ = input;
}

std::string receiver_service::event_of(const std::string& what) const
{
    return what == "detect" ? "receiver.detect" : "receiver.configure";
}

bool receiver_service::run(ubx::configurator_request req, std::string what, requester by,
                           nlohmann::json details, job_done done)
{
    if (job_ || stopped_)
        return false;
    const auto id = next_job_id_++;
    const std::string device = input_ ? input_->opts().device : std::string();
    job_.emplace(job{ubx::configurator(std::move(req)), std::move(what), std::move(by), details,
                     steady::now(), std::move(done), id, device, false});
    daemon_log::log(daemon_log::notice, "receiver: {} requested by {} ({})", job_->what,
                    job_->by.actor, job_->by.reason);
    // No audit, no change: the receiver is not touched until the request is on record.
    details["requested_by"] = job_->by.reason;
    details["device"] = device;
    audit_(event_of(job_->what), job_->by.actor, "requested", std::move(details),
           [this, id](bool recorded) { begin(id, recorded); });
    return true;
}

void receiver_service::begin(std::uint64_t id, bool recorded)
{
    if (!job_ || job_->id != id || job_->running || stopped_)
        return; // finished meanwhile (stop, input replaced)
    if (!recorded)
        return finish("not started: the audit log cannot record it");
    job_->running = true;
    job_->started = steady::now();
    write(job_->machine.start(job_->started));
    if (job_->machine.done() || job_->machine.failed())
        finish();
    else
        arm_tick();
}

void receiver_service::write(const std::vector<gnss::bytes>& frames)
{
    for (const auto& f : frames)
        if (input_ == nullptr || !input_->write(f))
            daemon_log::log(daemon_log::debug, "receiver: a command could not be queued");
}

void receiver_service::arm_tick()
{
    tick_.expires_after(job_tick);
    tick_.async_wait([this](boost::system::error_code ec) {
        if (ec || !job_)
            return;
        const auto now = steady::now();
        write(job_->machine.on_tick(now));
        if (job_->machine.done() || job_->machine.failed() || now - job_->started > max_job_time) {
            finish();
            return;
        }
        arm_tick();
    });
}

void receiver_service::finish(std::optional<std::string> failure)
{
    tick_.cancel();
    job j = std::move(*job_);
    job_.reset();
    auto r = report(j.machine);
    if (!failure && !j.machine.done() && !j.machine.failed())
        failure = fmt::format("gave up after {} s without finishing ({})", max_job_time.count(),
                              ubx::to_string(j.machine.state()));
    if (failure) {
        r["ok"] = false;
        r["reason"] = *failure;
    }
    const bool ok = r["ok"].get<bool>();
    if (ok && j.what != "detect")
        active_profile_ = j.what;
    if (!ok && j.by.reason == "survey-in complete") {
        // Try the switch again later rather than leave the base surveying for good.
        survey_switched_ = false;
        next_switch_ = steady::now() + switch_retry;
    }
    auto details = j.details;
    details["requested_by"] = j.by.reason;
    details["device"] = j.device;
    details["steps"] = r["steps"];
    if (r.contains("receiver"))
        details["receiver"] = r["receiver"];
    if (!ok)
        details["reason"] = r["reason"];
    r["what"] = j.what;
    last_job_ = r;
    daemon_log::log(ok ? daemon_log::notice : daemon_log::err, "receiver: {} {}{}", j.what,
                    ok ? "done" : "failed: ", ok ? "" : r["reason"].get<std::string>());
    audit_(event_of(j.what), j.by.actor, ok ? "ok" : "failed", std::move(details), {});
    if (j.done)
        j.done(std::move(r));
    if (profile_pending_ && !stopped_)
        net::post(io_, [this] {
            if (!stopped_ && !job_)
                apply_profile_on_start();
        });
}

void receiver_service::refuse(const control::request& r, const requester& by,
                              const std::string& why)
{
    const std::string what = r.cmd == control::command::receiver_detect ? "detect" : "configure";
    audit_(event_of(what), by.actor, "refused",
           {{"requested_by", by.reason}, {"reason", why}, {"params", r.params}}, {});
}

void receiver_service::set_publisher(std::function<void(gnss::byte_view)> publish)
{
    publish_ = std::move(publish);
    if (station_)
        arm_station_tick();
}

void receiver_service::on_rtcm(gnss::byte_view frame)
{
    if (!publish_)
        return;
    if (!station_)
        return publish_(frame);
    if (auto out = station_->forward(frame))
        publish_(*out);
}

void receiver_service::arm_station_tick()
{
    if (stopped_ || !station_ || !publish_)
        return; // a reload may have removed the stream; the timer then simply stops
    for (const auto& f : station_->due(steady::now()))
        publish_(f);
    station_tick_.expires_after(station_tick);
    station_tick_.async_wait([this](boost::system::error_code ec) {
        if (!ec)
            arm_station_tick();
    });
}

void receiver_service::on_frame(const gnss::frame& f)
{
    monitor_.on_frame(f.kind, f.bytes, steady::now());
    if (station_ && !identity_sent_) {
        if (const auto* id = monitor_.identity()) {
            station_->set_receiver_identity("u-blox " + id->model, id->firmware);
            identity_sent_ = true;
        }
    }
    if (f.kind != gnss::frame_kind::ubx)
        return;
    auto v = ubx::parse_frame(f.bytes);
    if (!v)
        return;
    if (v->msg_class == ubx::cls::nav && v->msg_id == ubx::id::nav_svin)
        on_survey(*v);
    if (!job_)
        return;
    write(job_->machine.on_frame(*v, steady::now()));
    if (job_ && (job_->machine.done() || job_->machine.failed()))
        finish();
}

void receiver_service::on_connected()
{
    apply_profile_on_start();
}

void receiver_service::apply_profile_on_start()
{
    using config::receiver_profile;
    const auto profile = settings_.receiver.profile;
    if (profile == receiver_profile::none || input_ == nullptr || !input_->writable())
        return;
    if (job_) {
        profile_pending_ = true; // applied once the running job ends
        return;
    }
    profile_pending_ = false;
    auto mode =
        profile == receiver_profile::base_fixed ? ubx::base_mode::fixed : ubx::base_mode::survey_in;
    std::optional<ubx::fixed_ecef> at;
    if (mode == ubx::base_mode::survey_in && surveyed_ && settings_.receiver.fixed_after_survey) {
        // Surveyed before: do not survey again after every restart.
        mode = ubx::base_mode::fixed;
        at = surveyed_;
    }
    auto p = profile_from_settings(settings_, mode, at);
    auto req = p ? request_for(*p, settings_.receiver.save)
                 : tl::expected<ubx::configurator_request, std::string>(tl::unexpect, p.error());
    if (!req) {
        daemon_log::log(daemon_log::err, "receiver: cannot apply the configured profile: {}",
                        req.error());
        return;
    }
    nlohmann::json details = {{"profile", ubx::to_string(mode)}, {"save", settings_.receiver.save}};
    if (at)
        details["position_ecef"] = ecef_json(*at);
    run(std::move(*req), ubx::to_string(mode), {"cairnd", "profile on start"}, std::move(details),
        {});
}

void receiver_service::on_survey(const ubx::view& v)
{
    auto s = ubx::decode_nav_svin(v);
    if (!s || !s->valid || s->active || survey_switched_ || job_ ||
        active_profile_ != ubx::to_string(ubx::base_mode::survey_in) ||
        !settings_.receiver.fixed_after_survey || steady::now() < next_switch_)
        return;
    survey_switched_ = true;
    const ubx::fixed_ecef at{s->mean_x_m, s->mean_y_m, s->mean_z_m};
    nlohmann::json details = {{"position_ecef", ecef_json(at)},
                              {"mean_accuracy_m", s->mean_accuracy_m},
                              {"observations", s->observations},
                              {"duration_s", s->duration_s}};
    daemon_log::log(daemon_log::notice,
                    "receiver: survey-in complete after {} s, mean accuracy {:.3f} m: switching "
                    "to base-fixed at ECEF {:.4f} {:.4f} {:.4f}",
                    s->duration_s, s->mean_accuracy_m, at.x_m, at.y_m, at.z_m);
    details["recorded"] = save_surveyed(at, s->mean_accuracy_m);
    audit_("receiver.survey_complete", "cairnd", "ok", details, {});
    auto p = profile_from_settings(settings_, ubx::base_mode::fixed, at);
    auto req = p ? request_for(*p, settings_.receiver.save)
                 : tl::expected<ubx::configurator_request, std::string>(tl::unexpect, p.error());
    if (!req) {
        daemon_log::log(daemon_log::err, "receiver: cannot switch to base-fixed: {}", req.error());
        return;
    }
    details["profile"] = "base-fixed";
    details["save"] = settings_.receiver.save;
    run(std::move(*req), "base-fixed", {"cairnd", "survey-in complete"}, std::move(details), {});
}

bool receiver_service::save_surveyed(const ubx::fixed_ecef& p, double accuracy_m)
{
    surveyed_ = p;
    const auto path = state_dir_ + "/" + runtime_file;
    const auto tmp = path + ".tmp";
    const std::string text =
        nlohmann::json{{"surveyed_position_ecef", ecef_json(p)}, {"mean_accuracy_m", accuracy_m}}
            .dump(2) +
        "\n";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    bool ok = fd >= 0 &&
              ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
              ::fsync(fd) == 0;
    if (fd >= 0)
        ::close(fd);
    ok = ok && std::rename(tmp.c_str(), path.c_str()) == 0;
    // The rename is durable only once the directory is synced.
    int dir = ::open(state_dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ok = ok && dir >= 0 && ::fsync(dir) == 0;
    if (dir >= 0)
        ::close(dir);
    if (!ok)
        daemon_log::log(daemon_log::err, "receiver: cannot record the surveyed position in {}",
                        path);
    return ok;
}

void receiver_service::handle(const control::request& r, control::reply_fn reply)
{
    const requester by{r.peer_uid >= 0 ? fmt::format("cairnctl (uid {})", r.peer_uid)
                                       : std::string("control socket"),
                       "control"};
    const auto refused = [&](std::string why) {
        refuse(r, by, why);
        reply(tl::unexpected(std::move(why)));
    };
    constexpr const char* busy =
        "the receiver is busy with another configuration; try again in a few seconds";
    if (input_ == nullptr || !input_->writable())
        return refused("no receiver to talk to: cairnd is replaying a capture (use --device "
                       "or the simulator)");
    const auto forward = [reply](nlohmann::json report) { reply(std::move(report)); };
    if (r.cmd == control::command::receiver_detect) {
        if (!run({true, {}, false}, "detect", by, nlohmann::json::object(), forward))
            refused(busy);
        return;
    }
    const auto& params = r.params.is_object() ? r.params : nlohmann::json::object();
    for (const auto& [k, v] : params.items())
        if (k != "profile" && k != "save")
            return refused("unknown parameter \"" + k.substr(0, 64) + "\"");
    auto it = params.find("profile");
    auto mode = it != params.end() && it->is_string() ? ubx::parse_base_mode(it->get<std::string>())
                                                      : std::nullopt;
    if (!mode)
        return refused("\"profile\" is required: base-fixed or survey-in");
    bool save = false;
    if (auto sv = params.find("save"); sv != params.end()) {
        if (!sv->is_boolean())
            return refused("\"save\" must be true or false");
        save = sv->get<bool>();
    }
    auto p = profile_from_settings(settings_, *mode);
    auto req = p ? request_for(*p, save)
                 : tl::expected<ubx::configurator_request, std::string>(tl::unexpect, p.error());
    if (!req)
        return refused(req.error());
    if (!run(std::move(*req), ubx::to_string(*mode), by,
             {{"profile", ubx::to_string(*mode)}, {"save", save}}, forward))
        return refused(busy);
    if (*mode == ubx::base_mode::survey_in)
        survey_switched_ = false; // a new survey: its completion switches again
}

nlohmann::json receiver_service::monitor_status() const
{
    return to_json(monitor_.status(steady::now()), steady::now());
}

nlohmann::json receiver_service::status() const
{
    nlohmann::json j = {{"profile", config::to_string(settings_.receiver.profile)},
                        {"active_profile", active_profile_.empty()
                                               ? nlohmann::json(nullptr)
                                               : nlohmann::json(active_profile_)},
                        {"running", job_ ? nlohmann::json(job_->what) : nlohmann::json(nullptr)},
                        {"last", last_job_}};
    if (surveyed_)
        j["surveyed_position_ecef"] = ecef_json(*surveyed_);
    j["station_stream"] = station_
                              ? nlohmann::json{{"station_id", settings_.station.station_id},
                                               {"arp", config::to_string(settings_.station.arp)},
                                               {"messages", station_->frames().size()}}
                              : nlohmann::json(nullptr);
    return j;
}

} // namespace daemon_receiver
