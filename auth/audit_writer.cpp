// SPDX-License-Identifier: GPL-3.0-or-later
// The audit writer thread: bounded queue, batched transactions, results posted back.
#include "auth/audit_writer.hpp"

#include <optional>
#include <utility>
#include <vector>

namespace auth {

tl::expected<std::unique_ptr<audit_writer>, std::string>
audit_writer::open(const std::string& db_path, journal_sink* journal, audit_writer_options opts)
{
    if (opts.queue_capacity == 0)
        return tl::unexpected(std::string("audit writer: the queue capacity must be at least 1"));
    auto db = database::open(db_path);
    if (!db)
        return tl::unexpected(db.error());
    if (auto r = audit_log::ensure_schema(*db); !r)
        return tl::unexpected(r.error());
    return std::unique_ptr<audit_writer>(new audit_writer(std::move(*db), journal, opts));
}

audit_writer::audit_writer(database db, journal_sink* journal, audit_writer_options opts)
    : db_(std::move(db)),
      log_(db_, journal, {.checkpoint_every = opts.checkpoint_every, .scrub_after_append = false}),
      opts_(opts), thread_([this] { run(); })
{
}

audit_writer::~audit_writer()
{
    stop();
}

bool audit_writer::try_submit(audit_event ev, net::any_io_executor ex, completion done)
{
    auto now = std::chrono::system_clock::now();
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || queue_.size() >= opts_.queue_capacity)
            return false;
        queue_.push_back({std::move(ev), now, std::move(ex), std::move(done)});
    }
    wake_.notify_one();
    return true;
}

void audit_writer::submit(audit_event ev, net::any_io_executor ex, completion done)
{
    std::string why;
    {
        std::lock_guard lock(mutex_);
        if (stopping_)
            why = "audit writer stopped";
        else if (queue_.size() >= opts_.queue_capacity)
            why = "audit queue full (" + std::to_string(opts_.queue_capacity) + " events)";
        else
            queue_.push_back(
                {std::move(ev), std::chrono::system_clock::now(), ex, std::move(done)});
    }
    if (why.empty()) {
        wake_.notify_one();
        return;
    }
    net::post(ex, [done = std::move(done), why = std::move(why)]() mutable {
        done(tl::unexpected(std::move(why)));
    });
}

void audit_writer::stop()
{
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable())
        thread_.join();
}

std::size_t audit_writer::queue_size() const
{
    std::lock_guard lock(mutex_);
    return queue_.size();
}

void audit_writer::run()
{
    for (;;) {
        std::deque<item> batch;
        bool idle = false;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty())
                return; // stopping, and everything queued was written
            while (!queue_.empty() && batch.size() < audit_batch_max) {
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
            idle = queue_.empty();
        }
        since_scrub_ += batch.size();
        write_batch(batch);
        if (idle || since_scrub_ >= audit_scrub_every) {
            if (log_.scrub())
                since_scrub_ = 0;
        }
    }
}

// One transaction for the batch, a savepoint per row: a bad event fails alone. If sqlite
// rolls the whole transaction back (disk full, I/O error), the rows already appended in it
// are reported failed too and the rest start a new transaction.
void audit_writer::write_batch(std::deque<item>& batch)
{
    std::vector<tl::expected<audit_receipt, std::string>> results;
    results.reserve(batch.size());
    std::vector<std::size_t> uncommitted;
    bool in_tx = false;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        if (!in_tx) {
            if (auto b = db_.begin(); !b) {
                results.emplace_back(tl::unexpect,
                                     "audit log: cannot start a transaction: " + b.error());
                continue;
            }
            in_tx = true;
        }
        auto rc = log_.append_in_transaction(batch[i].ev, batch[i].time);
        if (rc) {
            uncommitted.push_back(i);
            results.push_back(*rc);
            continue;
        }
        results.emplace_back(tl::unexpect, rc.error());
        if (sqlite3_get_autocommit(db_.raw())) {
            for (auto j : uncommitted)
                results[j] =
                    tl::unexpected("audit log: rolled back with a later row: " + rc.error());
            uncommitted.clear();
            in_tx = false;
        }
    }
    if (in_tx) {
        if (auto c = db_.commit(); !c) {
            db_.rollback();
            for (auto j : uncommitted)
                results[j] = tl::unexpected("audit log: cannot commit: " + c.error());
        }
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
        audit_result r = results[i] ? audit_result(results[i]->seq)
                                    : audit_result(tl::unexpect, results[i].error());
        if (results[i])
            log_.after_commit(batch[i].ev, *results[i]);
        if (batch[i].done)
            net::post(batch[i].ex, [done = std::move(batch[i].done), r = std::move(r)]() mutable {
                done(std::move(r));
            });
    }
}

} // namespace auth
