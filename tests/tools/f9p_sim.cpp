// SPDX-License-Identifier: GPL-3.0-or-later
// f9p_sim: a simulated ZED-F9P on a serial device (a socat pty end): one epoch a second,
// UBX commands from the host framed and answered by gnss::simulator, one log line each.
#include "gnss/framer.hpp"
#include "gnss/simulator.hpp"
#include "gnss/simulator_config.hpp"
#include "gnss/ubx.hpp"
#include "gnss/ubx_cfg.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

namespace {

constexpr int exit_ok = 0;
constexpr int exit_io = 1;
constexpr int exit_usage = 2;
constexpr std::size_t read_chunk = 4096;
// A pty holds ~11 KB; a host that stops reading for this long loses output, as it would
// from a real receiver's UART buffer.
constexpr int write_stall_ms = 2000;
constexpr double min_speed = 0.01, max_speed = 1000.0;
constexpr double fast_svin_accuracy_m = 0.5; // --svin-fast: 0.1 m after 25 s

constexpr const char* usage_text =
    "usage: f9p_sim --device PATH [--seed N] [--speed X] [--factory] [--model NAME]\n"
    "               [--firmware \"HPG 1.32\"] [--protocol 27.31] [--port uart1|usb]\n"
    "               [--refuse CFG-KEY-NAME]... [--svin-fast] [--epochs N] [--log FILE]\n"
    "A simulated ZED-F9P on PATH (a pty): one epoch a second (divided by --speed), UBX\n"
    "commands answered (CFG-VALSET/VALGET/VALDEL, CFG-CFG, CFG-RST, MON-VER).\n"
    "--factory: an unconfigured receiver (NMEA only); --refuse: a key this firmware does not\n"
    "know (NAKed); --svin-fast: survey-in accuracy starts at 0.5 m. Exit 0 on SIGTERM/SIGINT\n"
    "or after --epochs, 1 on an I/O error, 2 on a usage error.\n";

volatile std::sig_atomic_t stop_requested = 0;

void on_signal(int)
{
    stop_requested = 1;
}

struct options
{
    std::string device;
    std::string log_file;
    double speed = 1.0;
    std::optional<std::uint64_t> epochs;
    gnss::simulator_options sim;
};

std::optional<std::uint64_t> parse_uint(std::string_view s)
{
    if (s.empty() || s.size() > 19)
        return std::nullopt;
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9')
            return std::nullopt;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return v;
}

// Parses the command line; nullopt (after a message) on a usage error.
std::optional<options> parse(int argc, char** argv)
{
    options o;
    auto fail = [](const std::string& what) {
        std::fprintf(stderr, "f9p_sim: %s\n%s", what.c_str(), usage_text);
        return std::nullopt;
    };
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        auto value = [&]() -> std::optional<std::string> {
            if (i + 1 >= argc)
                return std::nullopt;
            return std::string(argv[++i]);
        };
        if (a == "--help" || a == "-h") {
            std::fputs(usage_text, stdout);
            std::exit(exit_ok);
        } else if (a == "--factory") {
            o.sim.factory = true;
        } else if (a == "--svin-fast") {
            o.sim.svin_initial_accuracy_m = fast_svin_accuracy_m;
        } else if (a == "--device" || a == "--log" || a == "--model" || a == "--firmware" ||
                   a == "--protocol" || a == "--refuse" || a == "--seed" || a == "--speed" ||
                   a == "--epochs" || a == "--port") {
            auto v = value();
            if (!v)
                return fail(fmt::format("{} needs a value", a));
            if (a == "--device") {
                o.device = *v;
            } else if (a == "--log") {
                o.log_file = *v;
            } else if (a == "--model") {
                o.sim.receiver.model = *v;
            } else if (a == "--firmware") {
                o.sim.receiver.firmware = *v;
            } else if (a == "--protocol") {
                o.sim.receiver.protocol = *v;
            } else if (a == "--refuse") {
                const gnss::ubx::key_info* k = gnss::ubx::find_key(*v);
                if (!k)
                    return fail(fmt::format("--refuse: unknown key {}", *v));
                o.sim.receiver.refuse.push_back(k->id);
            } else if (a == "--seed") {
                auto n = parse_uint(*v);
                if (!n || *n > UINT32_MAX)
                    return fail("--seed needs a number 0..4294967295");
                o.sim.seed = static_cast<std::uint32_t>(*n);
            } else if (a == "--epochs") {
                auto n = parse_uint(*v);
                if (!n)
                    return fail("--epochs needs a number");
                o.epochs = *n;
            } else if (a == "--port") {
                if (*v != "uart1" && *v != "usb")
                    return fail("--port is uart1 or usb");
                o.sim.port = *v == "usb" ? gnss::simulator_port::usb : gnss::simulator_port::uart1;
            } else { // --speed
                char* end = nullptr;
                const double x = std::strtod(v->c_str(), &end);
                if (end == v->c_str() || *end != '\0' || !(x >= min_speed && x <= max_speed))
                    return fail(fmt::format("--speed needs a number {}..{}", min_speed, max_speed));
                o.speed = x;
            }
        } else {
            return fail(fmt::format("unknown argument {}", a));
        }
    }
    if (o.device.empty())
        return fail("--device is required");
    return o;
}

class logger
{
public:
    explicit logger(std::FILE* out) : out_(out) {}
    // systemd-style level prefix; journald (or the test log) adds time and name.
    void line(int level, const std::string& msg)
    {
        std::fprintf(out_, "<%d>f9p_sim: %s\n", level, msg.c_str());
        std::fflush(out_);
    }

private:
    std::FILE* out_;
};

// The device in raw mode: no echo, no line editing, no CR/LF translation.
int open_device(const std::string& path, logger& log)
{
    const int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        log.line(3, fmt::format("cannot open {}: {}", path, std::strerror(errno)));
        return -1;
    }
    termios t{};
    if (::tcgetattr(fd, &t) != 0) {
        log.line(3, fmt::format("{} is not a terminal: {}", path, std::strerror(errno)));
        ::close(fd);
        return -1;
    }
    ::cfmakeraw(&t);
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 0;
    if (::tcsetattr(fd, TCSANOW, &t) != 0) {
        log.line(3, fmt::format("cannot set raw mode on {}: {}", path, std::strerror(errno)));
        ::close(fd);
        return -1;
    }
    return fd;
}

// Writes all of `data`, waiting while the pty is full; false on an I/O error. Output the
// host does not take within write_stall_ms is dropped (and logged).
bool write_all(int fd, const gnss::bytes& data, logger& log)
{
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            log.line(3, fmt::format("write: {}", std::strerror(errno)));
            return false;
        }
        pollfd p{fd, POLLOUT, 0};
        const int r = ::poll(&p, 1, write_stall_ms);
        if (r == 0) {
            log.line(4, fmt::format("host not reading: dropped {} bytes", data.size() - done));
            return true;
        }
        if (r < 0 && errno != EINTR) {
            log.line(3, fmt::format("poll: {}", std::strerror(errno)));
            return false;
        }
    }
    return true;
}

} // namespace

int main(int argc, char** argv)
{
    auto opts = parse(argc, argv);
    if (!opts)
        return exit_usage;

    std::FILE* log_out = stderr;
    if (!opts->log_file.empty()) {
        log_out = std::fopen(opts->log_file.c_str(), "a");
        if (!log_out) {
            std::fprintf(stderr, "f9p_sim: cannot open log %s: %s\n", opts->log_file.c_str(),
                         std::strerror(errno));
            return exit_io;
        }
    }
    logger log(log_out);

    struct sigaction sa
    {
    };
    sa.sa_handler = on_signal; // no SA_RESTART: poll() returns EINTR and the loop ends
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGTERM, &sa, nullptr);
    ::sigaction(SIGINT, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    const int fd = open_device(opts->device, log);
    if (fd < 0)
        return exit_io;

    gnss::simulator sim(opts->sim);
    gnss::framer framer;
    log.line(6, fmt::format("{} on {}: seed {}, speed {}, {}", opts->sim.receiver.model,
                            opts->device, opts->sim.seed, opts->speed,
                            opts->sim.factory ? "factory settings" : "configured base"));

    using clock = std::chrono::steady_clock;
    const auto period = std::chrono::duration_cast<clock::duration>(
        std::chrono::duration<double>(1.0 / opts->speed));
    auto next_epoch = clock::now();
    std::uint64_t epochs = 0;
    bool io_error = false;
    std::vector<std::uint8_t> buf(read_chunk);

    while (!stop_requested && !io_error) {
        auto now = clock::now();
        if (now >= next_epoch) {
            if (opts->epochs && epochs >= *opts->epochs)
                break;
            io_error = !write_all(fd, sim.next(), log);
            ++epochs;
            next_epoch += period;
            continue;
        }
        const auto wait =
            std::chrono::duration_cast<std::chrono::milliseconds>(next_epoch - now).count() + 1;
        pollfd p{fd, POLLIN, 0};
        const int r = ::poll(&p, 1, static_cast<int>(wait));
        if (r < 0) {
            if (errno == EINTR)
                continue;
            log.line(3, fmt::format("poll: {}", std::strerror(errno)));
            io_error = true;
            break;
        }
        if (r == 0)
            continue;
        if (p.revents & POLLIN) {
            const ssize_t n = ::read(fd, buf.data(), buf.size());
            if (n < 0 && errno != EAGAIN && errno != EINTR) {
                log.line(3, fmt::format("read: {}", std::strerror(errno)));
                io_error = true;
                break;
            }
            if (n <= 0)
                continue;
            framer.feed(gnss::byte_view(buf.data(), static_cast<std::size_t>(n)),
                        [&](const gnss::frame& f) {
                            if (f.kind != gnss::frame_kind::ubx || io_error)
                                return; // RTCM3/NMEA input: a base ignores it
                            auto answer = sim.command(f.bytes);
                            if (auto v = gnss::ubx::parse_frame(f.bytes))
                                log.line(6, gnss::describe_exchange(*v, answer));
                            for (const gnss::bytes& a : answer)
                                if (!write_all(fd, a, log))
                                    io_error = true;
                        });
        } else if (p.revents & (POLLERR | POLLHUP | POLLNVAL)) {
            // The other end of the pty went away (socat stopped).
            log.line(3, fmt::format("{}: device closed", opts->device));
            io_error = true;
        }
    }
    log.line(6, fmt::format("stopping after {} epochs", epochs));
    ::close(fd);
    if (log_out != stderr)
        std::fclose(log_out);
    return io_error ? exit_io : exit_ok;
}
