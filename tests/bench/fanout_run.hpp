// SPDX-License-Identifier: GPL-3.0-or-later
// One fan-out run: feed, warm up, ramp the rovers, measure a window of epochs, stop; and
// the report (a table on stderr, one JSON line on stdout).
#pragma once

#include "fanout_feed.hpp"
#include "fanout_session.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace bench {

struct run_config
{
    std::string label;                  // names the run in the report
    std::string where;                  // caster and mountpoint, for the report
    tcp::endpoint target;               // the caster (loopback)
    std::vector<std::string> requests;  // NTRIP requests, one per credential
    std::vector<tcp::endpoint> sources; // local addresses to spread rovers over
    std::size_t clients = 0;
    bool v2 = false;
    bool tls = false;
    std::string cacert; // TLS: verify the caster against this CA (else no verification)
    std::string sni;    // TLS: server name to send and verify
    feed_options feed;
    std::uint32_t epochs = 0; // measured epochs
    double ramp = 500;        // new rovers per second
    double warmup_s = 2;      // feeding before the first rover connects
    double linger_s = 2;      // after the window, for late epochs
    std::chrono::milliseconds setup_timeout = default_setup_timeout;
    double duration_s = 0; // hard bound on the whole run; 0 = derived
    int threads = 1;       // io_context threads for the rovers
    int pid = 0;           // the caster, for CPU and RSS; 0 = not sampled
};

// One latency figure over every whole (rover, epoch) pair, in milliseconds.
struct latency_summary
{
    double p50_ms = 0, p99_ms = 0, max_ms = 0, mean_ms = 0;
};

struct run_report
{
    std::size_t connected = 0;        // rovers that reached streaming
    std::size_t streaming_at_end = 0; // of them still streaming at the end
    double ramp_s = 0;                // first connect to the last rover settled
    std::uint32_t measured = 0;       // epochs sent in the window
    std::uint64_t expected = 0;       // rovers x measured epochs
    std::uint64_t complete = 0;       // (rover, epoch) pairs received whole
    latency_summary parsed;           // when the generator parsed the epoch's last frame
    // When the rover's kernel received it (SO_TIMESTAMPNS), free of the generator's delay.
    latency_summary arrival;
    // Reads that completed measured epochs with no kernel timestamp; those epochs count
    // as arrived when read.
    std::uint64_t reads_without_timestamp = 0;
    std::array<std::size_t, static_cast<std::size_t>(failure::count_)> failures{};
    std::string refused_sample;
    std::uint64_t crc_errors = 0, broken_epochs = 0, bytes_in = 0;
    double reads_per_epoch = 0; // rover reads per epoch's worth of bytes
    bool sampled = false;       // caster figures below are valid
    double caster_cpu_pct = 0;  // of one core, over the window
    long rss_before_kib = 0, rss_after_kib = 0;
    double rss_per_client_bytes = 0;
    double generator_cpu_pct = 0; // this process, over the window
    std::uint32_t late_ticks = 0;
    double load1 = 0; // 1-minute load average at the end of the window
    std::string feed_error;
    double wall_s = 0;
};

// Runs to completion or to the duration bound; throws std::runtime_error on set-up errors.
run_report run_fanout(const run_config& cfg);

void print_table(const run_config& cfg, const run_report& r);
void print_json(const run_config& cfg, const run_report& r);

} // namespace bench
