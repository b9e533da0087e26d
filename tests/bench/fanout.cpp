// SPDX-License-Identifier: GPL-3.0-or-later
// ntrip_fanout: the NTRIP fan-out load generator. Feeds timestamped RTCM3 epochs into a
// caster's receiver input, opens N rovers against it and reports per-epoch delivery,
// whole-epoch latency (p50/p99/max, when parsed and when the kernel received it) and the
// caster's CPU and RSS growth per rover.
#include "bench_frames.hpp"
#include "fanout_run.hpp"
#include "null_caster.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <sys/resource.h>
#include <thread>

namespace {

using namespace std::chrono_literals;
using bench::tcp;

// Bounds that keep a run from taking the machine down: every run stops by itself.
constexpr std::size_t max_clients = 10'000;
constexpr std::uint32_t max_epochs = 3600;
constexpr double min_rate = 0.1, max_rate = 20;
constexpr double max_ramp = 5000; // new rovers per second
constexpr int max_threads = 4;
constexpr std::size_t max_sources = 1000; // 127.0.0.1 .. 127.0.3.232
constexpr double max_duration_s = 900;
constexpr std::size_t spare_fds = 64;

const char* usage =
    "usage: ntrip_fanout --caster 127.0.0.1:PORT --mount M (--feed PTY | --feed-tcp IP:PORT)\n"
    "         [--user U --password P | --credentials FILE] [--clients N] [--v2] [--tls\n"
    "         [--cacert PEM] [--sni NAME]] [--epochs E] [--epoch-bytes B] [--rate HZ]\n"
    "         [--ramp PER_S] [--warmup S] [--linger S] [--setup-timeout S] [--duration S]\n"
    "         [--threads T]\n"
    "         [--sources K] [--pid CASTER_PID] [--label L]\n"
    "       ntrip_fanout --self-test\n"
    "       ntrip_fanout --null-caster PORT PTY SECONDS   (the harness's reference floor)\n"
    "Prints a table on stderr and one JSON line on stdout. Loopback only; bounded in\n"
    "rovers, time and sockets.\n";

struct options
{
    std::string caster = "127.0.0.1:2101", mount, user, password, credentials, cacert, sni;
    std::string label = "run";
    std::size_t clients = 10;
    bool v2 = false, tls = false;
    bench::feed_options feed;
    std::uint32_t epochs = 20;
    double ramp = 500, warmup = 2, linger = 2, duration = 0;
    double setup_timeout = bench::default_setup_timeout.count();
    int threads = 1, pid = 0;
    std::size_t sources = 1;
};

template <class T> T number(const std::string& key, const std::string& v, T lo, T hi)
{
    double d = 0;
    try {
        std::size_t used = 0;
        d = std::stod(v, &used);
        if (used != v.size())
            throw std::invalid_argument(v);
    } catch (const std::exception&) {
        throw std::runtime_error(fmt::format("{} wants a number, got '{}'", key, v));
    }
    if (!(d >= static_cast<double>(lo) && d <= static_cast<double>(hi)))
        throw std::runtime_error(fmt::format("{} wants {}..{}, got {}", key, lo, hi, v));
    return static_cast<T>(d);
}

options parse(int argc, char** argv)
{
    options o;
    for (int i = 1; i < argc; ++i) {
        const std::string k = argv[i];
        auto val = [&]() -> std::string {
            if (i + 1 >= argc)
                throw std::runtime_error(k + " wants a value");
            return argv[++i];
        };
        if (k == "--caster")
            o.caster = val();
        else if (k == "--mount")
            o.mount = val();
        else if (k == "--user")
            o.user = val();
        else if (k == "--password")
            o.password = val();
        else if (k == "--credentials")
            o.credentials = val();
        else if (k == "--cacert")
            o.cacert = val();
        else if (k == "--sni")
            o.sni = val();
        else if (k == "--label")
            o.label = val();
        else if (k == "--feed")
            o.feed.path = val();
        else if (k == "--feed-tcp")
            o.feed.tcp = val();
        else if (k == "--v2")
            o.v2 = true;
        else if (k == "--tls")
            o.tls = true;
        else if (k == "--clients")
            o.clients = number<std::size_t>(k, val(), 1, max_clients);
        else if (k == "--epochs")
            o.epochs = number<std::uint32_t>(k, val(), 1, max_epochs);
        else if (k == "--epoch-bytes")
            o.feed.epoch_bytes =
                number<std::size_t>(k, val(), bench::min_epoch_bytes, bench::max_epoch_bytes);
        else if (k == "--rate")
            o.feed.rate = number<double>(k, val(), min_rate, max_rate);
        else if (k == "--ramp")
            o.ramp = number<double>(k, val(), 1, max_ramp);
        else if (k == "--warmup")
            o.warmup = number<double>(k, val(), 0, 60);
        else if (k == "--linger")
            o.linger = number<double>(k, val(), 0, 60);
        else if (k == "--setup-timeout")
            o.setup_timeout =
                number<double>(k, val(), 0.1, double(bench::max_setup_timeout.count()));
        else if (k == "--duration")
            o.duration = number<double>(k, val(), 1, max_duration_s);
        else if (k == "--threads")
            o.threads = number<int>(k, val(), 1, max_threads);
        else if (k == "--sources")
            o.sources = number<std::size_t>(k, val(), 1, max_sources);
        else if (k == "--pid")
            o.pid = number<int>(k, val(), 1, 1 << 22);
        else
            throw std::runtime_error("unknown option " + k);
    }
    if (o.mount.empty() || (o.feed.path.empty() == o.feed.tcp.empty()))
        throw std::runtime_error("--mount and exactly one of --feed / --feed-tcp are required");
    return o;
}

tcp::endpoint loopback_endpoint(const std::string& host_port)
{
    const auto colon = host_port.rfind(':');
    if (colon == std::string::npos)
        throw std::runtime_error("--caster wants IP:PORT, got " + host_port);
    std::string host = host_port.substr(0, colon);
    if (host.size() > 2 && host.front() == '[')
        host = host.substr(1, host.size() - 2);
    boost::system::error_code ec;
    const auto addr = net::ip::make_address(host, ec);
    if (ec || !addr.is_loopback())
        throw std::runtime_error("--caster must be a loopback address, got " + host);
    return {addr, number<unsigned short>("--caster port", host_port.substr(colon + 1), 1, 65535)};
}

std::string request(const options& o, const std::string& credential)
{
    std::string r = fmt::format("GET /{} HTTP/1.{}\r\n", o.mount, o.v2 ? 1 : 0);
    if (o.v2)
        r += fmt::format("Host: {}\r\nNtrip-Version: Ntrip/2.0\r\n", o.caster);
    r += "User-Agent: NTRIP cairn-bench/" CAIRN_VERSION "\r\n";
    if (!credential.empty())
        r += "Authorization: Basic " + bench::base64(credential) + "\r\n";
    if (o.v2)
        r += "Connection: close\r\n";
    return r + "\r\n";
}

std::vector<std::string> credentials(const options& o)
{
    std::vector<std::string> out;
    if (!o.credentials.empty()) {
        std::ifstream in(o.credentials);
        if (!in)
            throw std::runtime_error("cannot read --credentials " + o.credentials);
        for (std::string line; std::getline(in, line);)
            if (line.find(':') != std::string::npos)
                out.push_back(line);
        if (out.empty())
            throw std::runtime_error("--credentials " + o.credentials +
                                     " has no user:password line");
    } else {
        out.push_back(o.user.empty() && o.password.empty() ? "" : o.user + ":" + o.password);
    }
    return out;
}

void raise_fd_limit(std::size_t needed)
{
    rlimit r{};
    ::getrlimit(RLIMIT_NOFILE, &r);
    r.rlim_cur = r.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &r);
    if (r.rlim_cur != RLIM_INFINITY && r.rlim_cur < needed + spare_fds)
        throw std::runtime_error(fmt::format("{} rovers need {} descriptors; the hard limit is {}",
                                             needed, needed + spare_fds, r.rlim_cur));
}

} // namespace

int main(int argc, char** argv)
{
    if (argc == 2 && std::string(argv[1]) == "--self-test") {
        const std::string failure = bench::self_test();
        if (!failure.empty()) {
            std::fprintf(stderr, "ntrip_fanout self-test FAILED: %s\n", failure.c_str());
            return 1;
        }
        std::fprintf(stderr, "ntrip_fanout self-test: ok\n");
        return 0;
    }
    if (argc == 5 && std::string(argv[1]) == "--null-caster") {
        try {
            return bench::run_null_caster(
                number<unsigned short>("PORT", argv[2], 1, 65535), argv[3],
                number<double>("SECONDS", argv[4], 1, bench::max_null_caster_s));
        } catch (const std::exception& e) {
            std::fprintf(stderr, "ntrip_fanout --null-caster: %s\n", e.what());
            return 2;
        }
    }
    if (argc < 2 || std::string(argv[1]) == "--help") {
        std::fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    try {
        const options o = parse(argc, argv);
        bench::run_config cfg;
        cfg.label = o.label;
        cfg.where = fmt::format("{}/{}", o.caster, o.mount);
        cfg.target = loopback_endpoint(o.caster);
        for (const auto& c : credentials(o))
            cfg.requests.push_back(request(o, c));
        if (o.sources > 1) {
            if (!cfg.target.address().is_v4())
                throw std::runtime_error("--sources needs an IPv4 caster address");
            const auto base = net::ip::make_address_v4("127.0.0.1").to_uint();
            for (std::size_t i = 0; i < o.sources; ++i)
                cfg.sources.emplace_back(net::ip::address_v4(base + std::uint32_t(i)), 0);
        }
        cfg.clients = o.clients;
        cfg.v2 = o.v2;
        cfg.tls = o.tls;
        cfg.cacert = o.cacert;
        cfg.sni = o.sni;
        cfg.feed = o.feed;
        cfg.epochs = o.epochs;
        cfg.ramp = o.ramp;
        cfg.warmup_s = o.warmup;
        cfg.linger_s = o.linger;
        cfg.setup_timeout = std::chrono::milliseconds(std::lround(o.setup_timeout * 1000));
        cfg.duration_s = o.duration;
        cfg.threads = o.threads;
        cfg.pid = o.pid;
        raise_fd_limit(o.clients);
        const auto report = bench::run_fanout(cfg);
        bench::print_table(cfg, report);
        bench::print_json(cfg, report);
        // The figures are the product; a run that measured nothing is an error.
        return report.measured > 0 && report.connected > 0 ? 0 : 3;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ntrip_fanout: %s\n", e.what());
        return 2;
    }
}
