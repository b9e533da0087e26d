// SPDX-License-Identifier: GPL-3.0-or-later
// `cairnctl receiver list` and `cairnctl replay`: the receiver-side tools.
#include "daemon/ctl.hpp"

#include "config/serial_settings.hpp"
#include "gnss/epoch_pacer.hpp"
#include "gnss/port_list.hpp"
#include "gnss/serial_port.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <thread>
#include <unistd.h>

namespace ctl {
namespace {

constexpr std::size_t max_replay_file = 256 * 1024 * 1024;

int list_ports(bool json)
{
    auto ports = gnss::port_list::enumerate();
    if (!ports) {
        std::fprintf(stderr, "cairnctl receiver list: %s\n", ports.error().c_str());
        return exit_failed;
    }
    auto choice = gnss::port_list::find_ublox(*ports);
    if (json) {
        nlohmann::json arr = nlohmann::json::array();
        for (const auto& p : *ports) {
            nlohmann::json j = {{"path", p.path},
                                {"description", p.description},
                                {"transport", gnss::to_string(p.transport)},
                                {"manufacturer", p.manufacturer},
                                {"product", p.product},
                                {"serial_number", p.serial_number},
                                {"auto_choice", choice && choice->path == p.path}};
            if (p.usb_vid && p.usb_pid) {
                j["usb_vid"] = fmt::format("{:04x}", *p.usb_vid);
                j["usb_pid"] = fmt::format("{:04x}", *p.usb_pid);
                j["what"] = gnss::describe(*p.usb_vid, *p.usb_pid);
            }
            arr.push_back(j);
        }
        std::puts(nlohmann::json{{"ports", arr}}
                      .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
                      .c_str());
        return exit_ok;
    }
    if (ports->empty()) {
        std::puts("no serial ports found");
        return exit_ok;
    }
    for (const auto& p : *ports) {
        std::string ids = p.usb_vid && p.usb_pid
                              ? fmt::format("{:04x}:{:04x} {}", *p.usb_vid, *p.usb_pid,
                                            gnss::describe(*p.usb_vid, *p.usb_pid))
                              : std::string(gnss::to_string(p.transport));
        fmt::print("{:<16} {}  {}{}{}\n", p.path, ids, p.description,
                   p.serial_number.empty() ? "" : "  serial " + p.serial_number,
                   choice && choice->path == p.path ? "  <- device = \"auto\"" : "");
    }
    return exit_ok;
}

} // namespace

int receiver(const globals& g, const args& a)
{
    if (!a.empty() && a[0] == "detect")
        return receiver_detect(g, args(a.begin() + 1, a.end()));
    if (!a.empty() && a[0] == "configure")
        return receiver_configure(g, args(a.begin() + 1, a.end()));
    if (a.empty() || a[0] != "list") {
        std::fprintf(stderr, "usage: cairnctl receiver list|detect|configure ... (see --help)\n");
        return exit_usage;
    }
    bool json = false;
    for (std::size_t i = 1; i < a.size(); ++i) {
        if (a[i] == "--json")
            json = true;
        else {
            std::fprintf(stderr, "usage: cairnctl receiver list [--json]\n");
            return exit_usage;
        }
    }
    return list_ports(json);
}

int replay(const globals&, const args& a)
{
    std::string file, to, settings_text = "115200:8:n:1";
    double speed = 1.0;
    const char* usage = "usage: cairnctl replay FILE --to DEVICE [--speed X] [--settings S]\n";
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i] == "--to" && i + 1 < a.size())
            to = a[++i];
        else if (a[i] == "--settings" && i + 1 < a.size())
            settings_text = a[++i];
        else if (a[i] == "--speed" && i + 1 < a.size()) {
            char* end = nullptr;
            speed = std::strtod(a[i + 1].c_str(), &end);
            if (end == a[i + 1].c_str() || *end || !(speed >= 0) || speed > 1000) {
                std::fprintf(stderr, "cairnctl replay: --speed wants a number from 0 to 1000\n");
                return exit_usage;
            }
            ++i;
        } else if (!a[i].empty() && a[i][0] != '-' && file.empty())
            file = a[i];
        else {
            std::fputs(usage, stderr);
            return exit_usage;
        }
    }
    if (file.empty() || to.empty()) {
        std::fputs(usage, stderr);
        return exit_usage;
    }
    auto settings = config::parse_serial_settings(settings_text);
    if (!settings) {
        std::fprintf(stderr, "cairnctl replay: --settings: %s\n", settings.error().c_str());
        return exit_usage;
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "cairnctl replay: cannot open %s: %s\n", file.c_str(),
                     std::strerror(errno));
        return exit_usage;
    }
    std::vector<std::uint8_t> data{std::istreambuf_iterator<char>(in),
                                   std::istreambuf_iterator<char>()};
    if (data.size() > max_replay_file) {
        std::fprintf(stderr, "cairnctl replay: %s is larger than 256 MiB\n", file.c_str());
        return exit_usage;
    }
    int fd = ::open(to.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        std::fprintf(stderr, "cairnctl replay: %s\n", gnss::open_error_message(to, errno).c_str());
        return exit_failed;
    }
    if (::isatty(fd)) {
        if (auto r = gnss::configure_tty(fd, *settings); !r) {
            std::fprintf(stderr, "cairnctl replay: %s: %s\n", to.c_str(), r.error().c_str());
            ::close(fd);
            return exit_failed;
        }
    }
    auto start = std::chrono::steady_clock::now();
    std::size_t written = 0;
    for (const auto& e : gnss::epoch_pacer::split_epochs(data)) {
        std::this_thread::sleep_until(start + gnss::epoch_pacer::due(e.offset, speed));
        std::size_t off = 0;
        while (off < e.length) {
            ssize_t n = ::write(fd, data.data() + e.first_byte + off, e.length - off);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                std::fprintf(stderr, "cairnctl replay: write to %s: %s\n", to.c_str(),
                             std::strerror(errno));
                ::close(fd);
                return exit_failed;
            }
            off += static_cast<std::size_t>(n);
        }
        written += e.length;
    }
    ::close(fd);
    std::fprintf(stderr, "cairnctl replay: wrote %zu bytes of %s to %s\n", written, file.c_str(),
                 to.c_str());
    return exit_ok;
}

} // namespace ctl
