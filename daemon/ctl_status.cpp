// SPDX-License-Identifier: GPL-3.0-or-later
// `cairnctl status`: asks the running cairnd over its control socket.
#include "daemon/ctl.hpp"

#include "daemon/control_protocol.hpp"
#include "daemon/ctl_call.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace ctl {
namespace {

std::string counts_line(const nlohmann::json& c)
{
    return fmt::format("rtcm3 {}, ubx {}, nmea {}; bad checksums {}, unframed bytes {}",
                       c.value("/rtcm3/frames"_json_pointer, 0),
                       c.value("/ubx/frames"_json_pointer, 0),
                       c.value("/nmea/frames"_json_pointer, 0), c.value("bad_checksum", 0),
                       c.value("unframed_bytes", 0));
}

// What the receiver reports (receiver_monitor) and how it was configured.
void print_receiver_monitor(const nlohmann::json& s)
{
    if (s.contains("receiver_management") && s["receiver_management"].is_object()) {
        const auto& m = s["receiver_management"];
        const auto& last = m.value("last", nlohmann::json());
        fmt::print("configuration: profile {}, active {}{}\n", m.value("profile", "none"),
                   m["active_profile"].is_string() ? m["active_profile"].get<std::string>()
                                                   : std::string("unknown"),
                   last.is_object() ? fmt::format(", last job {} {}", last.value("what", ""),
                                                  last.value("ok", false) ? "ok" : "failed")
                                    : std::string());
    }
    if (!s.contains("receiver_monitor") || !s["receiver_monitor"].is_object())
        return;
    const auto& m = s["receiver_monitor"];
    if (m["fix"].is_object()) {
        const auto& f = m["fix"];
        fmt::print("fix: {}{}, {:.8f} {:.8f} {:.3f} m, {} satellites used\n",
                   f.value("name", "?"), f.value("stale", false) ? " (stale)" : "",
                   f.value("lat_deg", 0.0), f.value("lon_deg", 0.0), f.value("height_m", 0.0),
                   f.value("satellites_used", 0));
    }
    if (m["satellites"].is_object()) {
        const auto& sats = m["satellites"];
        fmt::print("satellites: {} seen, {} used\n", sats.value("seen", 0), sats.value("used", 0));
        for (const auto& sv : sats.value("list", nlohmann::json::array())) {
            std::string signals;
            for (const auto& sig : sv.value("signals", nlohmann::json::array()))
                signals += fmt::format(" {}:{}", sig.value("signal", "?"), sig.value("cno_dbhz", 0));
            fmt::print("  {:<8} {:>3} C/N0 {:>2} dBHz elev {:>3} az {:>3} {}{}\n",
                       sv.value("system", "?"), sv.value("sv", 0), sv.value("cno_dbhz", 0),
                       sv["elevation_deg"].is_number() ? sv["elevation_deg"].dump() : "-",
                       sv["azimuth_deg"].is_number() ? sv["azimuth_deg"].dump() : "-",
                       sv.value("used", false) ? "used" : "    ", signals);
        }
    }
    if (m["survey_in"].is_object()) {
        const auto& v = m["survey_in"];
        fmt::print("survey-in: {}, {} s, mean accuracy {:.3f} m, {} observations\n",
                   v.value("active", false) ? "active"
                   : v.value("valid", false) ? "complete"
                                             : "inactive",
                   v.value("elapsed_s", 0), v.value("mean_accuracy_m", 0.0),
                   v.value("observations", 0));
    }
    if (m.contains("rtcm") && m["rtcm"].is_object() && !m["rtcm"].empty()) {
        fmt::print("rtcm3 intervals:");
        for (const auto& [t, r] : m["rtcm"].items())
            fmt::print(" {} {}", t,
                       r["interval_ms"].is_number()
                           ? fmt::format("{:.1f}s", r["interval_ms"].get<double>() / 1000)
                           : std::string("-"));
        fmt::print("\n");
    }
}

void print_human(const nlohmann::json& s)
{
    const auto& r = s.at("receiver");
    fmt::print("cairnd {} up {} s\n", s.value("version", "?"), s.value("uptime_s", 0));
    fmt::print("receiver: {} ({} {})", r.value("state", "?"), r.value("source", "?"),
               r.value("device", ""));
    if (r.contains("last_frame_age_ms") && r["last_frame_age_ms"].is_number())
        fmt::print(", last frame {} ms ago", r["last_frame_age_ms"].get<long long>());
    if (r.contains("reconnects"))
        fmt::print(", {} reconnects", r["reconnects"].get<long long>());
    fmt::print("\n");
    if (r.contains("model") && r["model"].is_string())
        fmt::print("  model {} firmware {}\n", r["model"].get<std::string>(),
                   r.value("firmware", ""));
    if (r.contains("last_error") && r["last_error"].is_string() &&
        !r["last_error"].get<std::string>().empty())
        fmt::print("  last error: {}\n", r["last_error"].get<std::string>());
    const auto& c = s.at("counters");
    fmt::print("frames: {}\n", counts_line(c));
    if (c.contains("rtcm3")) {
        fmt::print("  rtcm3:");
        for (const auto& [t, n] : c["rtcm3"]["types"].items())
            fmt::print(" {} x{}", t, n.get<long long>());
        fmt::print("\n");
    }
    fmt::print("input: {} bytes, {:.0f} B/s\n", s.value("bytes_in", 0),
               s.value("bytes_per_second", 0.0));
    if (s.contains("caster") && s["caster"].is_object()) {
        const auto& c = s["caster"];
        for (const auto& l : c.value("listeners", nlohmann::json::array()))
            fmt::print("listener: {}:{} {}\n", l.value("address", ""), l.value("port", 0),
                       l.value("tls", false) ? "TLS" : "plain");
        for (const auto& m : c.value("mountpoints", nlohmann::json::array()))
            fmt::print("mountpoint {}: {} feed, {} clients, {} frames{}\n", m.value("name", ""),
                       m.value("feed", ""), m.value("clients", 0), m.value("frames", 0),
                       m.value("source_connected", false) ? ", source connected" : "");
        for (const auto& x : c.value("sessions", nlohmann::json::array()))
            fmt::print("  {} {} token {} v{}{} {} bytes out, queue {} bytes\n", x.value("role", ""),
                       x.value("address", ""), x.value("token", ""), x.value("version", 1),
                       x.value("tls", false) ? " TLS" : "", x.value("bytes_out", 0),
                       x.value("queue_bytes", 0));
    }
    print_receiver_monitor(s);
    if (s.contains("station") && s["station"].is_object() && s["station"].contains("ecef")) {
        const auto& e = s["station"]["ecef"];
        fmt::print("station: ECEF X {:.4f} Y {:.4f} Z {:.4f} m\n", e.value("x", 0.0),
                   e.value("y", 0.0), e.value("z", 0.0));
    }
}

} // namespace

std::string socket_path(const std::string& state_dir)
{
    return state_dir + "/cairnd.sock";
}

int status(const globals& g, const args& a)
{
    bool json = false;
    for (const auto& arg : a) {
        if (arg == "--json") {
            json = true;
        } else {
            std::fprintf(stderr, "usage: cairnctl [--state-dir DIR] status [--json]\n");
            return exit_usage;
        }
    }
    auto result = call(g.state_dir, "status");
    if (!result) {
        std::fprintf(stderr, "cairnctl status: %s\n", result.error().message.c_str());
        return exit_failed;
    }
    try {
        if (json)
            std::puts(
                result->dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
        else
            print_human(*result);
    } catch (const nlohmann::json::exception& e) {
        std::fprintf(stderr, "cairnctl status: unexpected reply from cairnd: %s\n", e.what());
        return exit_failed;
    }
    return exit_ok;
}

} // namespace ctl
