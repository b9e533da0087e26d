// SPDX-License-Identifier: GPL-3.0-or-later
// Keeps sqlite off the event loop: one thread with its own database connection writes
// audit events in submission order from a bounded queue and posts each result (the seq,
// or why the row was not committed) back to the submitter's executor.
//
// Usage:
//   auto w = auth::audit_writer::open(state_dir + "/cairn.db", &journal);
//   if (!w) return fail(w.error());
//   bool queued = (*w)->try_submit(ev, ioc.get_executor(), [](auth::audit_result r) {
//       if (!r) return refuse(r.error());     // no audit, no access
//       admit();
//   });
//   if (!queued) refuse("audit queue full");   // refuse new access rather than lose events
//   (*w)->stop();                               // drains the queue; before the io_context dies
#pragma once

#include "auth/audit_log.hpp"
#include "auth/db.hpp"

// Asio through the project's single include point (header-only; auth_core stays Asio-free).
#include "gnss/net.hpp"

#include <tl/expected.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace auth {

class journal_sink;

using audit_result = tl::expected<std::int64_t, std::string>;

// Events waiting for the writer thread; a full queue means new access is refused.
constexpr std::size_t audit_queue_capacity_default = 4096;
// Rows committed in one transaction (one fsync) when events arrive faster than disk.
constexpr std::size_t audit_batch_max = 64;
// Scrub the WAL (remove overwritten keys) at least every this many rows under load; an
// idle writer scrubs as soon as its queue is empty.
constexpr std::size_t audit_scrub_every = 64;

struct audit_writer_options
{
    std::size_t queue_capacity = audit_queue_capacity_default;
    std::int64_t checkpoint_every = audit_checkpoint_every_default;
};

class audit_writer
{
public:
    using completion = std::function<void(audit_result)>;

    // Opens its own connection to db_path and ensures the schema. journal may be null and
    // must outlive the writer.
    static tl::expected<std::unique_ptr<audit_writer>, std::string>
    open(const std::string& db_path, journal_sink* journal, audit_writer_options opts = {});

    audit_writer(const audit_writer&) = delete;
    audit_writer& operator=(const audit_writer&) = delete;
    ~audit_writer(); // stop()

    // Queues the event, timestamped now; `done` runs on `ex` once the row committed or
    // failed. False, without calling `done`, when the queue is full or the writer stopped.
    bool try_submit(audit_event ev, net::any_io_executor ex, completion done);
    // Like try_submit, but a full queue or a stopped writer is reported through `done`.
    void submit(audit_event ev, net::any_io_executor ex, completion done);

    // Writes everything queued, then joins the thread. Idempotent.
    void stop();

    std::size_t queue_size() const;
    std::size_t capacity() const { return opts_.queue_capacity; }

private:
    struct item
    {
        audit_event ev;
        std::chrono::system_clock::time_point time;
        net::any_io_executor ex;
        completion done;
    };

    audit_writer(database db, journal_sink* journal, audit_writer_options opts);
    void run();
    void write_batch(std::deque<item>& batch);

    database db_;
    audit_log log_;
    audit_writer_options opts_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<item> queue_;
    bool stopping_ = false;
    std::size_t since_scrub_ = 0;
    std::thread thread_; // last: starts after everything it uses exists
};

} // namespace auth
