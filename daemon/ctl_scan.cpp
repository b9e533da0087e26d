// SPDX-License-Identifier: GPL-3.0-or-later
// `cairnctl scan FILE`: what a receiver capture contains, for people and for scripts.
#include "daemon/ctl.hpp"

#include "daemon/status_json.hpp"
#include "gnss/capture_summary.hpp"
#include "gnss/framer.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ctl {
namespace {

constexpr std::size_t read_chunk = 64 * 1024;

void print_human(const std::string& path, const gnss::framer_counters& c,
                 std::size_t truncated, const gnss::capture_summary& s)
{
    fmt::print("{}: {} bytes, {} frames (rtcm3 {}, ubx {}, nmea {})\n", path, c.bytes_in,
               c.frames(), c.rtcm3_frames, c.ubx_frames, c.nmea_frames);
    if (!c.rtcm3_types.empty()) {
        fmt::print("  rtcm3:");
        for (const auto& [type, n] : c.rtcm3_types)
            fmt::print(" {} x{}", type, n);
        fmt::print("\n");
    }
    if (!c.ubx_messages.empty()) {
        fmt::print("  ubx:  ");
        for (const auto& [key, n] : c.ubx_messages)
            fmt::print(" {} x{}",
                       gnss::ubx::message_name(static_cast<std::uint8_t>(key >> 8),
                                               static_cast<std::uint8_t>(key & 0xFF)),
                       n);
        fmt::print("\n");
    }
    if (!c.nmea_sentences.empty()) {
        fmt::print("  nmea: ");
        for (const auto& [name, n] : c.nmea_sentences)
            fmt::print(" {} x{}", name, n);
        fmt::print("\n");
    }
    fmt::print("  bad checksums {}, unframed bytes {}, oversize {}, truncated tail {} bytes\n",
               c.bad_checksum, c.unframed_bytes, c.oversize, truncated);
    if (const auto& a = s.station()) {
        fmt::print("  station: RTCM {} id {}: ECEF X {:.4f} Y {:.4f} Z {:.4f} m", a->type,
                   a->station_id, a->x, a->y, a->z);
        if (a->type == 1006)
            fmt::print(", antenna height {:.4f} m", a->antenna_height);
        fmt::print("\n");
    }
    if (const auto& ant = s.antenna()) {
        fmt::print("  antenna: \"{}\" setup {} serial \"{}\"", ant->descriptor, ant->setup_id,
                   ant->serial);
        if (ant->type == 1033)
            fmt::print("; receiver \"{}\" firmware \"{}\"", ant->receiver_type, ant->firmware);
        fmt::print("\n");
    }
    if (const auto& v = s.receiver())
        fmt::print("  receiver: {} firmware {} protocol {}\n",
                   v->model().empty() ? "unknown model" : v->model(), v->firmware(),
                   v->protocol());
}

} // namespace

int scan(const globals&, const args& a)
{
    std::string path;
    bool json = false;
    for (const auto& arg : a) {
        if (arg == "--json")
            json = true;
        else if (!arg.empty() && arg[0] == '-') {
            std::fprintf(stderr, "cairnctl scan: unknown option '%s'\n", arg.c_str());
            return exit_usage;
        } else if (path.empty())
            path = arg;
        else {
            std::fprintf(stderr, "cairnctl scan: one FILE only\n");
            return exit_usage;
        }
    }
    if (path.empty()) {
        std::fprintf(stderr, "usage: cairnctl scan FILE [--json]\n");
        return exit_usage;
    }
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        std::fprintf(stderr, "cairnctl scan: cannot open %s: %s\n", path.c_str(),
                     std::strerror(errno));
        return exit_usage;
    }
    struct stat st{};
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        std::fprintf(stderr, "cairnctl scan: %s is a directory\n", path.c_str());
        ::close(fd);
        return exit_usage;
    }
    gnss::framer framer;
    gnss::capture_summary summary;
    auto sink = [&](const gnss::frame& f) { summary.on_frame(f); };
    std::vector<std::uint8_t> buf(read_chunk);
    for (;;) {
        ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            std::fprintf(stderr, "cairnctl scan: cannot read %s: %s\n", path.c_str(),
                         std::strerror(errno));
            ::close(fd);
            return exit_usage;
        }
        if (n == 0)
            break;
        framer.feed(gnss::byte_view(buf.data(), static_cast<std::size_t>(n)), sink);
    }
    ::close(fd);
    std::size_t truncated = framer.finish(sink);
    const auto& c = framer.counters();
    if (json) {
        auto j = status_json::counters(c);
        j["file"] = path;
        j["bytes"] = c.bytes_in;
        j["truncated_tail_bytes"] = truncated;
        j["station"] = status_json::station(summary);
        j["receiver"] = status_json::receiver(summary);
        j["fix"] = status_json::fix(summary);
        j["survey_in"] = status_json::survey(summary);
        std::puts(j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    } else {
        print_human(path, c, truncated, summary);
    }
    return exit_ok;
}

} // namespace ctl
