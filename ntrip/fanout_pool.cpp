// SPDX-License-Identifier: GPL-3.0-or-later
// The fan-out worker pool: claim chunks, deliver, count.
#include "ntrip/fanout_pool.hpp"

#include <algorithm>
#include <csignal>
#include <limits>
#include <pthread.h>

namespace ntrip {
namespace {

constexpr std::uint64_t pack(std::uint64_t n, std::uint64_t next)
{
    return n << 32 | next;
}

} // namespace

fanout_pool::fanout_pool(unsigned threads)
{
    threads = std::clamp(threads, 1u, max_fanout_threads);
    workers_.reserve(threads - 1);
    for (unsigned i = 1; i < threads; ++i)
        workers_.emplace_back([this] { work(); });
}

fanout_pool::~fanout_pool()
{
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_)
        t.join();
}

void fanout_pool::run(std::size_t n, each_fn each, void* ctx)
{
    if (n == 0)
        return;
    if (workers_.empty() || n > std::numeric_limits<std::uint32_t>::max()) {
        each(ctx, 0, n);
        return;
    }
    each_ = each;
    ctx_ = ctx;
    // No worker can still add to done_: the previous run returned only when every
    // claimed chunk had been counted, and nothing was left to claim.
    done_.store(0, std::memory_order_relaxed);
    cursor_.store(pack(n, 0), std::memory_order_release);
    {
        std::lock_guard lock(mutex_);
        ++generation_;
    }
    wake_.notify_all();
    take();
    for (;;) {
        const auto d = done_.load(std::memory_order_acquire);
        if (d >= n)
            break;
        done_.wait(d, std::memory_order_acquire); // spins briefly before it sleeps
    }
    std::exception_ptr error;
    {
        std::lock_guard lock(mutex_);
        std::swap(error, error_);
    }
    if (error)
        std::rethrow_exception(error);
}

// Claims chunks of the current job until none is left. Whoever claims a chunk holds the
// caller in run() until it is counted, so each_ and ctx_ stay valid while it is used.
void fanout_pool::take()
{
    std::uint64_t v = cursor_.load(std::memory_order_acquire);
    for (;;) {
        const std::uint64_t n = v >> 32;
        const std::uint64_t next = v & 0xffffffffu;
        if (next >= n)
            return;
        const std::uint64_t end = std::min<std::uint64_t>(next + fanout_chunk, n);
        if (!cursor_.compare_exchange_weak(v, pack(n, end), std::memory_order_acq_rel,
                                           std::memory_order_acquire))
            continue; // v now holds the current value
        try {
            each_(ctx_, next, end);
        } catch (...) {
            std::lock_guard lock(mutex_);
            if (!error_)
                error_ = std::current_exception();
        }
        done_.fetch_add(static_cast<std::uint32_t>(end - next), std::memory_order_release);
        done_.notify_all();
        v = cursor_.load(std::memory_order_acquire);
    }
}

void fanout_pool::work()
{
    // Signals belong to the event loop's thread (cairnd's signal_set).
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, nullptr);
    pthread_setname_np(pthread_self(), "cairn-fanout");
    std::uint64_t seen = 0;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
            if (stopping_)
                return;
            seen = generation_;
        }
        take();
    }
}

} // namespace ntrip
