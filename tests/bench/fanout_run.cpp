// SPDX-License-Identifier: GPL-3.0-or-later
// One fan-out run and its report (see fanout_run.hpp).
#include "fanout_run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <thread>

namespace bench {
namespace {

using clock = std::chrono::steady_clock;
using seconds_d = std::chrono::duration<double>;
// Polling step of the controlling thread (the rovers and the feed never wait for it).
constexpr std::chrono::milliseconds poll_step{10};
// A run never lasts longer than this, whatever it was asked.
constexpr double max_run_s = 900;

void sleep_until_or(clock::time_point t, clock::time_point deadline)
{
    std::this_thread::sleep_until(std::min(t, deadline));
}

double percentile(const std::vector<std::int32_t>& sorted_us, double p)
{
    if (sorted_us.empty())
        return 0;
    auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * double(sorted_us.size())));
    return sorted_us[std::clamp<std::size_t>(rank, 1, sorted_us.size()) - 1] / 1000.0;
}

// Sorts us (microseconds) and summarises it.
latency_summary summarize(std::vector<std::int32_t>& us)
{
    latency_summary s;
    if (us.empty())
        return s;
    std::sort(us.begin(), us.end());
    double sum = 0;
    for (auto v : us)
        sum += v;
    s.p50_ms = percentile(us, 50);
    s.p99_ms = percentile(us, 99);
    s.max_ms = us.back() / 1000.0;
    s.mean_ms = sum / double(us.size()) / 1000.0;
    return s;
}

std::string json_string(const std::string& s)
{
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\')
            out += {'\\', c};
        else if (static_cast<unsigned char>(c) < 0x20)
            out += fmt::format("\\u{:04x}", static_cast<int>(c));
        else
            out += c;
    }
    return out + "\"";
}

} // namespace

run_report run_fanout(const run_config& cfg)
{
    run_report r;
    const auto t_begin = clock::now();
    const double derived = cfg.warmup_s + double(cfg.clients) / cfg.ramp +
                           seconds_d(cfg.setup_timeout).count() + (cfg.epochs + 2) / cfg.feed.rate +
                           cfg.linger_s + 5;
    const double bound = std::min(cfg.duration_s > 0 ? cfg.duration_s : derived, max_run_s);
    const auto deadline = t_begin + std::chrono::duration_cast<clock::duration>(seconds_d(bound));

    fanout_state st;
    st.target = cfg.target;
    st.requests = cfg.requests;
    st.sources = cfg.sources;
    st.epochs = cfg.epochs;
    st.setup_timeout = cfg.setup_timeout;
    st.results.resize(cfg.clients);
    for (auto& res : st.results) {
        res.latency_us.assign(cfg.epochs, -1);
        res.arrival_us.assign(cfg.epochs, -1);
    }

    std::optional<net::ssl::context> tls;
    if (cfg.tls) {
        tls.emplace(net::ssl::context::tls_client);
        tls->set_options(net::ssl::context::no_sslv2 | net::ssl::context::no_sslv3 |
                         net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1);
        // Thousands of idle TLS rovers: give back the read/write buffers between records.
        SSL_CTX_set_mode(tls->native_handle(), SSL_MODE_RELEASE_BUFFERS);
        if (!cfg.cacert.empty()) {
            tls->load_verify_file(cfg.cacert);
            tls->set_verify_mode(net::ssl::verify_peer);
        } else {
            tls->set_verify_mode(net::ssl::verify_none);
        }
    }

    feeder feed(cfg.feed); // may throw: before any thread exists
    net::io_context ioc{cfg.threads};
    auto guard = net::make_work_guard(ioc);
    std::vector<std::thread> io;
    for (int i = 0; i < cfg.threads; ++i)
        io.emplace_back([&ioc] { ioc.run(); });

    std::atomic<bool> ready{false}, stop{false}, feed_done{false};
    std::optional<proc_sample> cpu_before;
    double self_before = 0;
    clock::time_point window_start{};
    feed_window w{cfg.epochs, &ready, &stop, &st.measure_first, [&] {
                      cpu_before = cfg.pid ? sample_proc(cfg.pid) : std::nullopt;
                      self_before = self_cpu_s();
                      window_start = clock::now();
                  }};
    feed_result fr;
    std::thread feed_thread([&] {
        fr = feed.run(w);
        feed_done = true;
    });

    sleep_until_or(clock::now() +
                       std::chrono::duration_cast<clock::duration>(seconds_d(cfg.warmup_s)),
                   deadline);
    const auto rss_before = cfg.pid ? sample_proc(cfg.pid) : std::nullopt;

    std::vector<std::shared_ptr<void>> rovers;
    rovers.reserve(cfg.clients);
    const auto ramp_start = clock::now();
    // One thread needs no strands; with more, each rover's handlers go through its own.
    auto executor = [&]() -> net::any_io_executor {
        if (cfg.threads > 1)
            return net::make_strand(ioc);
        return ioc.get_executor();
    };
    std::size_t started = 0;
    for (; started < cfg.clients && !feed_done && clock::now() < deadline; ++started) {
        sleep_until_or(ramp_start + std::chrono::duration_cast<clock::duration>(
                                        seconds_d(double(started) / cfg.ramp)),
                       deadline);
        if (cfg.tls) {
            using tls_session = session<net::ssl::stream<timestamped_socket>>;
            auto s = std::make_shared<tls_session>(st, started, executor(), *tls);
            if (!cfg.sni.empty()) {
                SSL_set_tlsext_host_name(s->stream().native_handle(), cfg.sni.c_str());
                if (!cfg.cacert.empty())
                    s->stream().set_verify_callback(net::ssl::host_name_verification(cfg.sni));
            }
            net::post(s->get_executor(), [s] { s->start(); });
            rovers.push_back(s);
        } else {
            auto s = std::make_shared<session<timestamped_socket>>(st, started, executor());
            net::post(s->get_executor(), [s] { s->start(); });
            rovers.push_back(s);
        }
    }
    const auto settle_by = std::min(deadline, clock::now() + cfg.setup_timeout + poll_step);
    while (st.streaming + st.failed < started && !feed_done && clock::now() < settle_by)
        std::this_thread::sleep_for(poll_step);
    r.ramp_s = seconds_d(clock::now() - ramp_start).count();
    ready = true;

    while (!feed_done && clock::now() < deadline)
        std::this_thread::sleep_for(poll_step);
    stop = true;
    feed_thread.join();
    const auto window_end = clock::now();
    const auto cpu_after = cfg.pid ? sample_proc(cfg.pid) : std::nullopt;
    const double self_after = self_cpu_s();
    r.load1 = load_average();

    sleep_until_or(clock::now() +
                       std::chrono::duration_cast<clock::duration>(seconds_d(cfg.linger_s)),
                   deadline);
    r.streaming_at_end = st.streaming;
    ioc.stop();
    for (auto& t : io)
        t.join();

    // Tally (every thread that wrote the results has been joined).
    r.measured = fr.measured_sent;
    r.late_ticks = fr.late_ticks;
    r.feed_error = fr.error;
    r.expected = std::uint64_t(cfg.clients) * r.measured;
    std::vector<std::int32_t> lat, arr;
    lat.reserve(r.expected);
    arr.reserve(r.expected);
    for (const auto& res : st.results) {
        r.connected += res.streamed ? 1 : 0;
        r.crc_errors += res.crc_errors;
        r.broken_epochs += res.broken_epochs;
        r.reads_without_timestamp += res.reads_without_timestamp;
        for (std::uint32_t e = 0; e < r.measured; ++e)
            if (res.latency_us[e] >= 0) {
                lat.push_back(res.latency_us[e]);
                arr.push_back(res.arrival_us[e]);
            }
    }
    r.complete = lat.size();
    r.parsed = summarize(lat);
    r.arrival = summarize(arr);
    for (std::size_t i = 0; i < r.failures.size(); ++i)
        r.failures[i] = st.failures[i];
    r.refused_sample = st.refused_sample;
    r.bytes_in = st.bytes_in;
    if (r.bytes_in > 0)
        r.reads_per_epoch = double(st.reads) * double(cfg.feed.epoch_bytes) / double(r.bytes_in);
    const double window_s = seconds_d(window_end - window_start).count();
    if (window_start != clock::time_point{} && window_s > 0) {
        r.generator_cpu_pct = 100.0 * (self_after - self_before) / window_s;
        if (cpu_before && cpu_after && rss_before) {
            r.sampled = true;
            r.caster_cpu_pct = 100.0 * (cpu_after->cpu_s - cpu_before->cpu_s) / window_s;
            r.rss_before_kib = rss_before->rss_kib;
            r.rss_after_kib = cpu_after->rss_kib;
            if (r.connected > 0)
                r.rss_per_client_bytes =
                    double(r.rss_after_kib - r.rss_before_kib) * 1024.0 / double(r.connected);
        }
    }
    r.wall_s = seconds_d(clock::now() - t_begin).count();
    return r;
}

void print_table(const run_config& cfg, const run_report& r)
{
    auto& out = stderr;
    fmt::print(out, "ntrip_fanout {}: {} rovers ({}, NTRIP {}) -> {}; {} epochs x {} B at {} Hz\n",
               cfg.label, cfg.clients, cfg.tls ? "TLS" : "plain", cfg.v2 ? "2.0" : "1.0", cfg.where,
               cfg.epochs, cfg.feed.epoch_bytes, cfg.feed.rate);
    const double pct = r.expected ? 100.0 * double(r.complete) / double(r.expected) : 0;
    fmt::print(out, "  connected {}/{} in {:.2f} s (still streaming at the end: {})\n", r.connected,
               cfg.clients, r.ramp_s, r.streaming_at_end);
    fmt::print(out, "  delivered {:.2f} % ({}/{} rover-epochs whole; {} epochs measured)\n", pct,
               r.complete, r.expected, r.measured);
    fmt::print(out,
               "  whole-epoch latency, parsed:           p50 {:.3f} ms  p99 {:.3f} ms  max {:.3f} "
               "ms  mean {:.3f} ms\n",
               r.parsed.p50_ms, r.parsed.p99_ms, r.parsed.max_ms, r.parsed.mean_ms);
    fmt::print(out,
               "  arrival latency (kernel rx timestamp): p50 {:.3f} ms  p99 {:.3f} ms  max {:.3f} "
               "ms  mean {:.3f} ms{}\n",
               r.arrival.p50_ms, r.arrival.p99_ms, r.arrival.max_ms, r.arrival.mean_ms,
               r.reads_without_timestamp == 0
                   ? ""
                   : fmt::format("; {} reads without timestamp (counted at read time)",
                                 r.reads_without_timestamp));
    if (r.sampled)
        fmt::print(
            out, "  caster pid {}: CPU {:.2f} % of one core; RSS {} -> {} KiB ({:+.0f} B/rover)\n",
            cfg.pid, r.caster_cpu_pct, r.rss_before_kib, r.rss_after_kib, r.rss_per_client_bytes);
    std::string fails;
    for (std::size_t i = 0; i < r.failures.size(); ++i)
        if (r.failures[i])
            fails += fmt::format(" {} {}", failure_names[i], r.failures[i]);
    fmt::print(out, "  failures:{}{}; crc errors {}; broken epochs {}; {:.2f} reads/epoch\n",
               fails.empty() ? " none" : fails,
               r.refused_sample.empty() ? "" : " (first refusal: \"" + r.refused_sample + "\")",
               r.crc_errors, r.broken_epochs, r.reads_per_epoch);
    fmt::print(out,
               "  generator CPU {:.1f} %; load average {:.2f}; late feed ticks {}; {:.1f} s{}\n",
               r.generator_cpu_pct, r.load1, r.late_ticks, r.wall_s,
               r.feed_error.empty() ? "" : "; feed: " + r.feed_error);
}

void print_json(const run_config& cfg, const run_report& r)
{
    const double pct = r.expected ? 100.0 * double(r.complete) / double(r.expected) : 0;
    std::string fails;
    for (std::size_t i = 0; i < r.failures.size(); ++i)
        fails += fmt::format(",\"fail_{}\":{}", failure_names[i], r.failures[i]);
    fmt::print("{{\"label\":{},\"where\":{},\"tls\":{},\"v2\":{},\"clients\":{},\"connected\":{},"
               "\"streaming_at_end\":{},\"epochs\":{},\"epoch_bytes\":{},\"rate_hz\":{},"
               "\"measured_epochs\":{},\"expected\":{},\"complete\":{},\"delivered_pct\":{:.3f},"
               "\"p50_ms\":{:.3f},\"p99_ms\":{:.3f},\"max_ms\":{:.3f},\"mean_ms\":{:.3f},"
               "\"arrival_p50_ms\":{:.3f},\"arrival_p99_ms\":{:.3f},\"arrival_max_ms\":{:.3f},"
               "\"arrival_mean_ms\":{:.3f},\"reads_without_timestamp\":{},"
               "\"ramp_s\":{:.3f},\"caster_sampled\":{},\"caster_cpu_pct\":{:.3f},"
               "\"rss_before_kib\":{},\"rss_after_kib\":{},\"rss_per_client_bytes\":{:.1f},"
               "\"generator_cpu_pct\":{:.3f},\"load1\":{:.2f},\"late_ticks\":{},\"crc_errors\":{},"
               "\"broken_epochs\":{},\"bytes_in\":{},\"reads_per_epoch\":{:.3f}{},"
               "\"refused_sample\":{},\"feed_error\":{},\"wall_s\":{:.2f}}}\n",
               json_string(cfg.label), json_string(cfg.where), cfg.tls, cfg.v2, cfg.clients,
               r.connected, r.streaming_at_end, cfg.epochs, cfg.feed.epoch_bytes, cfg.feed.rate,
               r.measured, r.expected, r.complete, pct, r.parsed.p50_ms, r.parsed.p99_ms,
               r.parsed.max_ms, r.parsed.mean_ms, r.arrival.p50_ms, r.arrival.p99_ms,
               r.arrival.max_ms, r.arrival.mean_ms, r.reads_without_timestamp, r.ramp_s, r.sampled,
               r.caster_cpu_pct, r.rss_before_kib, r.rss_after_kib, r.rss_per_client_bytes,
               r.generator_cpu_pct, r.load1, r.late_ticks, r.crc_errors, r.broken_epochs,
               r.bytes_in, r.reads_per_epoch, fails, json_string(r.refused_sample),
               json_string(r.feed_error), r.wall_s);
    std::fflush(stdout);
}

} // namespace bench
