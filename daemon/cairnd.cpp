// SPDX-License-Identifier: GPL-3.0-or-later
// cairnd: reads the options and the config, prepares the state directory, then runs.
#include "daemon/app.hpp"

#include "config/load.hpp"
#include "daemon/log.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fcntl.h>
#include <string_view>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

constexpr int exit_usage = 2;
constexpr int exit_config = 78; // EX_CONFIG

constexpr const char* usage_text = R"(usage: cairnd --config FILE [--allow-root]
       cairnd --demo [--replay FILE [--speed X] [--once] | --device PATH [--settings S]]
                     [--state-dir DIR] [--seed N]
       cairnd --check-config FILE

  --config FILE     production: the TOML config (/etc/cairn/cairn.toml)
  --check-config F  validate a config file and exit (0 ok, 78 with file:line: reason)
  --demo            no receiver, no root: the built-in simulator feeds it
  --replay FILE     demo input from a capture, at its real pace (X times faster with
                    --speed X, 0 = as fast as possible); loops unless --once
  --device PATH     demo input from a real (or pty) receiver at PATH
  --settings S      serial settings baud:bits:parity:stop[:flow] (default 115200:8:n:1)
  --state-dir DIR   state directory (demo default: a new temporary one, removed at exit)
  --caster-port N   demo NTRIP ports: plain N (default 2101), TLS N+1
  --log-level L     debug|info|notice|warning|error
)";

struct usage_error
{
    std::string message;
};

std::string need_value(int& i, int argc, char** argv)
{
    if (i + 1 >= argc)
        throw usage_error{fmt::format("{} needs a value", argv[i])};
    return argv[++i];
}

// Creates the directory owner-only if missing; refuses one others can write to.
void prepare_state_dir(const std::string& dir)
{
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
        throw std::runtime_error(
            fmt::format("cannot create state directory {}: {}", dir, std::strerror(errno)));
    struct stat st
    {
    };
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        throw std::runtime_error(fmt::format("state directory {} is not a directory", dir));
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        throw std::runtime_error(fmt::format(
            "state directory {} is writable by group or others (mode {:o}); chmod 700 it", dir,
            st.st_mode & 07777));
    if (st.st_uid != ::geteuid())
        throw std::runtime_error(
            fmt::format("state directory {} belongs to uid {}, not to us (uid {})", dir, st.st_uid,
                        ::geteuid()));
}

// One cairnd per state directory: a second one would replace the first's control socket
// and write the same audit log. The lock lasts as long as the process (the descriptor is
// never closed), so a crashed cairnd leaves nothing to clean up.
void lock_state_dir(const std::string& dir)
{
    const std::string path = dir + "/cairnd.lock";
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        throw std::runtime_error(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int e = errno;
        char pid[32] = {};
        const ssize_t n = ::pread(fd, pid, sizeof pid - 1, 0);
        ::close(fd);
        if (e == EWOULDBLOCK)
            throw std::runtime_error(fmt::format(
                "another cairnd (pid {}) is running with state directory {}; stop it first",
                n > 0 ? std::string(pid, std::strcspn(pid, "\n")) : "unknown", dir));
        throw std::runtime_error(fmt::format("cannot lock {}: {}", path, std::strerror(e)));
    }
    const std::string mine = fmt::format("{}\n", ::getpid());
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, mine.data(), mine.size(), 0) < 0)
        throw std::runtime_error(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
}

// Thousands of rovers later need thousands of descriptors; take what the hard limit allows.
void raise_nofile()
{
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int check_config(const std::string& path)
{
    auto s = config::load_file(path);
    if (!s) {
        daemon_log::write(daemon_log::err, "cairnd: " + s.error().to_string());
        return exit_config;
    }
    for (const auto& w : s->warnings)
        daemon_log::write(daemon_log::warning, "cairnd: warning: " + w);
    std::printf("%s: ok\n", path.c_str());
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    daemon_app::app_options opts;
    std::string replay, device, settings_text, state_dir, check, log_level;
    bool allow_root = false;
    try {
        for (int i = 1; i < argc; ++i) {
            std::string_view a = argv[i];
            if (a == "--config")
                opts.config_path = need_value(i, argc, argv);
            else if (a == "--check-config")
                check = need_value(i, argc, argv);
            else if (a == "--demo")
                opts.demo = true;
            else if (a == "--replay")
                replay = need_value(i, argc, argv);
            else if (a == "--device")
                device = need_value(i, argc, argv);
            else if (a == "--settings")
                settings_text = need_value(i, argc, argv);
            else if (a == "--state-dir")
                state_dir = need_value(i, argc, argv);
            else if (a == "--log-level")
                log_level = need_value(i, argc, argv);
            else if (a == "--caster-port") {
                std::string v = need_value(i, argc, argv);
                unsigned p = 0;
                auto [e, ec] = std::from_chars(v.data(), v.data() + v.size(), p);
                if (ec != std::errc() || e != v.data() + v.size() || p < 1 || p > 65534)
                    throw usage_error{"--caster-port wants 1..65534 (TLS uses the next port)"};
                opts.demo_port = static_cast<unsigned short>(p);
            } else if (a == "--once")
                opts.input.replay_loop = false;
            else if (a == "--allow-root")
                allow_root = true;
            else if (a == "--speed") {
                std::string v = need_value(i, argc, argv);
                char* end = nullptr;
                double x = std::strtod(v.c_str(), &end);
                if (end == v.c_str() || *end != '\0' || !(x >= 0) || x > 1000)
                    throw usage_error{"--speed wants a number from 0 to 1000"};
                opts.input.speed = x;
            } else if (a == "--seed") {
                std::string v = need_value(i, argc, argv);
                auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), opts.input.seed);
                if (ec != std::errc() || p != v.data() + v.size())
                    throw usage_error{"--seed wants an unsigned integer"};
            } else if (a == "--version") {
                std::printf("cairnd %s\n", CAIRN_VERSION);
                return 0;
            } else if (a == "-h" || a == "--help") {
                std::fputs(usage_text, stdout);
                return 0;
            } else
                throw usage_error{fmt::format("unknown option '{}'", a)};
        }
        if (!check.empty())
            return check_config(check);
        if (!opts.demo && opts.config_path.empty())
            throw usage_error{"give --config FILE, or --demo to try it without a receiver"};
        if (!opts.demo && (!replay.empty() || !device.empty()))
            throw usage_error{"--replay and --device are demo options (use the config file)"};
        if (!replay.empty() && !device.empty())
            throw usage_error{"--replay and --device exclude each other"};
        if (!log_level.empty() && daemon_log::level_from_name(log_level) < 0)
            throw usage_error{"--log-level wants debug, info, notice, warning or error"};
    } catch (const usage_error& e) {
        std::fprintf(stderr, "cairnd: %s\n\n%s", e.message.c_str(), usage_text);
        return exit_usage;
    }

    try {
        if (!opts.config_path.empty()) {
            auto s = config::load_file(opts.config_path);
            if (!s) {
                daemon_log::write(daemon_log::err, "cairnd: " + s.error().to_string());
                return exit_config;
            }
            daemon_log::set_max_level(daemon_log::level_from_name(s->daemon.log_level));
            for (const auto& w : s->warnings)
                daemon_log::log(daemon_log::warning, "config: {}", w);
            opts.settings = *s;
            if (!opts.demo) {
                opts.input.kind = daemon_input::source_kind::device;
                opts.input.device = s->receiver.device;
                opts.input.serial = s->receiver.serial;
                opts.input.stale_after = s->receiver.stale_after;
                if (state_dir.empty())
                    state_dir = s->daemon.state_dir;
            }
        }
        if (!log_level.empty())
            daemon_log::set_max_level(daemon_log::level_from_name(log_level));

        if (::geteuid() == 0) {
            if (!opts.demo && !allow_root) {
                daemon_log::write(daemon_log::err,
                                  "cairnd: refusing to run as root; systemd runs it as user "
                                  "cairn (or pass --allow-root for a test)");
                return exit_config;
            }
            daemon_log::write(daemon_log::warning,
                              "cairnd: running as root; production runs as user cairn");
        }

        if (opts.demo) {
            if (!replay.empty()) {
                opts.input.kind = daemon_input::source_kind::replay;
                opts.input.replay_file = replay;
            } else if (!device.empty()) {
                opts.input.kind = daemon_input::source_kind::device;
                opts.input.device = device;
            } else {
                opts.input.kind = daemon_input::source_kind::simulator;
            }
            if (!settings_text.empty()) {
                auto s = config::parse_serial_settings(settings_text);
                if (!s) {
                    daemon_log::write(daemon_log::err, "cairnd: --settings: " + s.error());
                    return exit_config;
                }
                opts.input.serial = *s;
            }
            if (state_dir.empty()) {
                char tmpl[] = "/tmp/cairn-demo-XXXXXX";
                if (!::mkdtemp(tmpl))
                    throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
                state_dir = tmpl;
                opts.remove_state_dir = true;
            }
        }
        opts.state_dir = state_dir;
        prepare_state_dir(opts.state_dir);
        lock_state_dir(opts.state_dir);
        raise_nofile();

        if (opts.demo) {
            std::fprintf(stderr,
                         "cairnd demo: %s input; state directory %s%s\n"
                         "  live status:  cairnctl --state-dir %s status\n",
                         daemon_input::to_string(opts.input.kind), opts.state_dir.c_str(),
                         opts.remove_state_dir ? " (temporary)" : "", opts.state_dir.c_str());
        }
        return daemon_app::run(opts);
    } catch (const std::exception& e) {
        daemon_log::write(daemon_log::err, std::string("cairnd: ") + e.what());
        return exit_config;
    }
}
