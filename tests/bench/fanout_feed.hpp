// SPDX-License-Identifier: GPL-3.0-or-later
// The benchmark's receiver side: writes timestamped epochs at a fixed rate into a pty (as a
// receiver on a serial cable would) or a TCP connection; and samples a process's CPU and RSS.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace bench {

// The feed gives up on an epoch write that stays blocked this long (the caster stopped reading).
constexpr std::chrono::seconds max_write_block{5};

struct feed_options
{
    std::string path; // a pty (the receiver's end of the cable) or any writable file
    std::string tcp;  // or HOST:PORT on loopback, connected to (a caster's TCP input)
    std::size_t epoch_bytes = 2048;
    double rate = 1.0; // epochs per second
};

// The measured window, decided while feeding: it starts with the first epoch sent after
// `ready` turned true (plus one to settle) and lasts `epochs` epochs.
struct feed_window
{
    std::uint32_t epochs = 0;
    std::atomic<bool>* ready = nullptr;
    std::atomic<bool>* stop = nullptr;
    std::atomic<std::int64_t>* first = nullptr;
    std::function<void()> on_start; // just before the window's first epoch is written
};

struct feed_result
{
    std::uint32_t sent = 0;          // epochs written, warm-up included
    std::uint32_t measured_sent = 0; // of them in the window
    std::uint32_t late_ticks = 0;    // epochs written more than 10 ms after they were due
    std::string error;               // why the feed stopped early; "" if it did not
};

// Opens the feed (throws std::runtime_error with a message) and writes epochs until the
// window is complete or *stop turns true. Runs on its own thread.
class feeder
{
public:
    explicit feeder(const feed_options& opt);
    ~feeder();
    feeder(const feeder&) = delete;
    feeder& operator=(const feeder&) = delete;

    feed_result run(feed_window& window);

private:
    bool write_all(const std::uint8_t* data, std::size_t size, const std::atomic<bool>& stop);

    feed_options opt_;
    int fd_ = -1;
};

// A process's CPU time (user + system, all threads) and resident set, from /proc.
struct proc_sample
{
    double cpu_s = 0;
    long rss_kib = 0;
};
std::optional<proc_sample> sample_proc(int pid);

// This process's own CPU time (the load generator's share of the 2 cores).
double self_cpu_s();

// The 1-minute load average: other work on the machine makes every latency figure worse.
double load_average();

} // namespace bench
