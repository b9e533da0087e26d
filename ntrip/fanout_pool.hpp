// SPDX-License-Identifier: GPL-3.0-or-later
// Worker threads that share a mountpoint's fan-out loop with the event loop's thread.
// At thousands of rovers the cost of a burst is one send per rover (on loopback about
// 7 us each, the receiver's TCP work included), and one thread reaches its last rover
// that long after its first. The pool splits the subscriber list into chunks that the
// calling thread and the workers claim until none is left; the caller returns when every
// chunk is done, so nothing else of the caster runs meanwhile.
#pragma once

#include "ntrip/hub.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace ntrip {

// Most threads a caster fans out on (the calling thread included).
constexpr unsigned max_fanout_threads = 8;
// Subscribers claimed at a time. Small, because the caller waits at the end for the chunk
// a worker still holds (a descheduled worker holds it longer); a claim is one
// compare-and-swap, noise next to the sends it hands out.
constexpr std::size_t fanout_chunk = 4;

class fanout_pool final : public fanout_runner
{
public:
    // threads: how many threads deliver, the caller included (1..max_fanout_threads);
    // threads - 1 workers are started.
    explicit fanout_pool(unsigned threads);
    ~fanout_pool() override;
    fanout_pool(const fanout_pool&) = delete;
    fanout_pool& operator=(const fanout_pool&) = delete;

    // Not reentrant: one run at a time, from one thread (the event loop). An exception
    // thrown by `each` on any thread is rethrown here once every chunk is done.
    void run(std::size_t n, each_fn each, void* ctx) override;
    unsigned threads() const { return static_cast<unsigned>(workers_.size()) + 1; }

private:
    void work();
    void take();

    // The job: cursor_ holds the subscriber count (high 32 bits) and the next unclaimed
    // index (low 32 bits); each_ and ctx_ are written before cursor_ is published and
    // read only after a chunk was claimed from it. done_ counts delivered subscribers.
    std::atomic<std::uint64_t> cursor_{0};
    each_fn each_ = nullptr;
    void* ctx_ = nullptr;
    std::atomic<std::uint32_t> done_{0};

    std::mutex mutex_; // guards generation_, stopping_ and error_
    std::condition_variable wake_;
    std::uint64_t generation_ = 0;
    bool stopping_ = false;
    std::exception_ptr error_;
    std::vector<std::thread> workers_; // last: started after everything they use exists
};

} // namespace ntrip
