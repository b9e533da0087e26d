// SPDX-License-Identifier: GPL-3.0-or-later
// The benchmark's receiver side and /proc sampling (see fanout_feed.hpp).
#include "fanout_feed.hpp"

#include "bench_frames.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <fstream>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sstream>
#include <stdexcept>
#include <sys/resource.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace bench {
namespace {

// An epoch written later than this after its due time counts as a late tick (the feeder
// itself did not get the CPU: the figures of that run are suspect).
constexpr std::chrono::milliseconds late_tick{10};
// The feeder sleeps in slices this long so a stop request is seen quickly.
constexpr std::chrono::milliseconds sleep_slice{50};

std::uint64_t steady_ns()
{
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                          std::chrono::steady_clock::now().time_since_epoch())
                                          .count());
}

int connect_loopback(const std::string& host_port)
{
    const auto colon = host_port.rfind(':');
    in_addr addr{};
    if (colon == std::string::npos ||
        inet_pton(AF_INET, host_port.substr(0, colon).c_str(), &addr) != 1)
        throw std::runtime_error("--feed-tcp wants IPV4:PORT, got " + host_port);
    if ((ntohl(addr.s_addr) >> 24) != 127)
        throw std::runtime_error("--feed-tcp must be a loopback address (127.0.0.0/8)");
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr = addr;
    sa.sin_port = htons(static_cast<std::uint16_t>(std::stoi(host_port.substr(colon + 1))));
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        const std::string why = std::strerror(errno);
        if (fd >= 0)
            ::close(fd);
        throw std::runtime_error("--feed-tcp " + host_port + ": " + why);
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

} // namespace

feeder::feeder(const feed_options& opt) : opt_(opt)
{
    if (!opt_.tcp.empty())
        fd_ = connect_loopback(opt_.tcp);
    else
        fd_ = ::open(opt_.path.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (fd_ < 0)
        throw std::runtime_error(fmt::format("--feed {}: {}", opt_.path, std::strerror(errno)));
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
}

feeder::~feeder()
{
    if (fd_ >= 0)
        ::close(fd_);
}

bool feeder::write_all(const std::uint8_t* data, std::size_t size, const std::atomic<bool>& stop)
{
    const auto give_up = std::chrono::steady_clock::now() + max_write_block;
    while (size > 0) {
        const ssize_t n = ::write(fd_, data, size);
        if (n > 0) {
            data += n;
            size -= static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return false;
        if (stop.load() || std::chrono::steady_clock::now() > give_up) {
            errno = ETIMEDOUT;
            return false;
        }
        pollfd p{fd_, POLLOUT, 0};
        ::poll(&p, 1, 100);
    }
    return true;
}

feed_result feeder::run(feed_window& w)
{
    feed_result r;
    const auto period = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(1.0 / opt_.rate));
    const auto t0 = std::chrono::steady_clock::now();
    for (std::uint32_t k = 0;; ++k) {
        const auto due = t0 + period * k;
        while (!w.stop->load() && std::chrono::steady_clock::now() < due)
            std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
                sleep_slice, due - std::chrono::steady_clock::now()));
        if (w.stop->load()) {
            r.error = "stopped before the window was complete";
            break;
        }
        std::int64_t first = w.first->load();
        if (first < 0 && w.ready->load()) {
            first = static_cast<std::int64_t>(k) + 1;
            w.first->store(first, std::memory_order_release);
        }
        if (first >= 0 && k >= first + w.epochs)
            break;
        if (first >= 0 && k == first && w.on_start)
            w.on_start();
        if (std::chrono::steady_clock::now() - due > late_tick)
            ++r.late_ticks;
        const auto epoch = build_epoch(k, opt_.epoch_bytes, steady_ns());
        if (!write_all(epoch.data(), epoch.size(), *w.stop)) {
            r.error = fmt::format("writing epoch {}: {}", k, std::strerror(errno));
            break;
        }
        ++r.sent;
        if (first >= 0 && k >= first)
            ++r.measured_sent;
    }
    return r;
}

std::optional<proc_sample> sample_proc(int pid)
{
    std::ifstream stat(fmt::format("/proc/{}/stat", pid));
    std::string line;
    if (!std::getline(stat, line))
        return std::nullopt;
    const auto paren = line.rfind(')');
    if (paren == std::string::npos)
        return std::nullopt;
    std::istringstream fields(line.substr(paren + 2));
    std::string field;
    double ticks = 0;
    // After "(comm) " the fields start at 3 (state); utime is field 14, stime field 15.
    for (int i = 3; i <= 15 && fields >> field; ++i)
        if (i >= 14)
            ticks += std::stod(field);
    proc_sample s;
    s.cpu_s = ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
    std::ifstream status(fmt::format("/proc/{}/status", pid));
    while (std::getline(status, line))
        if (line.rfind("VmRSS:", 0) == 0)
            s.rss_kib = std::stol(line.substr(6));
    return s;
}

double self_cpu_s()
{
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double load_average()
{
    std::ifstream in("/proc/loadavg");
    double load = 0;
    in >> load;
    return load;
}

} // namespace bench
