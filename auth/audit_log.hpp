// SPDX-License-Identifier: GPL-3.0-or-later
// The audit table in cairn.db: append-only rows, each chained to the previous one and MACed
// with a key that evolves (and is overwritten) in the same transaction; triggers against
// edits; reading for tail and export; verification of the stored log.
//
// Usage:
//   auth::audit_log::ensure_schema(db);
//   auto key = auth::audit_log(db).init();      // once: show *key to the operator, then forget
//
//   auth::systemd_journal journal;
//   auth::audit_log log(db, &journal);
//   auto seq = log.append(ev, std::chrono::system_clock::now());
//   if (!seq) return refuse(seq.error());        // no audit, no access
//
//   db.begin();                                  // a change and its row commit together
//   change(db);
//   auto rc = log.append_in_transaction(ev, now);
//   if (!rc || !db.commit()) { db.rollback(); return fail(); }
//   log.after_commit(ev, *rc);                   // journal, checkpoint, scrub
#pragma once

#include "auth/audit_chain.hpp"
#include "auth/db.hpp"

#include <tl/expected.hpp>

#include <functional>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace auth {

class journal_sink;

// Every this many rows a (seq, mac) checkpoint goes to the journal.
constexpr std::int64_t audit_checkpoint_every_default = 100;
// Rows one read() returns at most; export pages through the log in chunks of this size.
constexpr std::size_t audit_read_max = 10000;
constexpr std::size_t audit_read_default = 100;

struct audit_log_options
{
    std::int64_t checkpoint_every = audit_checkpoint_every_default; // <= 0: never
    // After each commit, checkpoint the WAL into the database and truncate it, so the
    // overwritten key is gone from both files. The audit writer turns this off and scrubs
    // when its queue drains instead (each scrub costs fsyncs).
    bool scrub_after_append = true;
};

// What append_in_transaction wrote, for after_commit.
struct audit_receipt
{
    std::int64_t seq = 0;
    audit_digest mac{};
};

struct audit_query
{
    std::optional<std::int64_t> since_seq{};                           // seq >= this
    std::optional<std::chrono::system_clock::time_point> since_time{}; // time >= this
    std::size_t limit = audit_read_default;                            // capped at audit_read_max
};

class audit_log
{
public:
    // Creates the audit and audit_key tables and the triggers that make rows append-only.
    // Idempotent. The key row can only be updated by advancing next_seq by one (the append
    // path) and never deleted.
    static tl::expected<void, std::string> ensure_schema(database& db);

    // `db` and `journal` are borrowed and must outlive the log; journal may be null.
    explicit audit_log(database& db, journal_sink* journal = nullptr, audit_log_options opts = {});

    // Creates k_1 from the CSPRNG and returns it as 64 hex digits. Fails when the log is
    // already initialised: the initial key is shown exactly once.
    tl::expected<std::string, std::string> init();
    tl::expected<bool, std::string> initialised();

    // Appends in its own IMMEDIATE transaction and returns the seq. Any failure (not
    // initialised, read-only, disk full, invalid event) is an error and nothing is written.
    tl::expected<std::int64_t, std::string> append(const audit_event& ev,
                                                   std::chrono::system_clock::time_point now);
    // The same inside the caller's transaction (db.begin() first), under a savepoint so a
    // failure leaves the caller's other changes intact for it to roll back or not.
    tl::expected<audit_receipt, std::string>
    append_in_transaction(const audit_event& ev, std::chrono::system_clock::time_point now);
    // Call once the caller's transaction committed: journal, checkpoint, scrub.
    void after_commit(const audit_event& ev, const audit_receipt& rc);

    // PRAGMA wal_checkpoint(TRUNCATE) without waiting: an error while a reader holds the
    // WAL (the old key then stays until the next scrub).
    tl::expected<void, std::string> scrub();
    // Sends the last row's (seq, mac) to the journal now; nullopt when the log is empty.
    tl::expected<std::optional<audit_checkpoint>, std::string> checkpoint_now();

    // Rows in seq order.
    tl::expected<std::vector<audit_row>, std::string> read(const audit_query& q);
    // The last n rows (n capped at audit_read_max), in seq order.
    tl::expected<std::vector<audit_row>, std::string> tail(std::size_t n);
    // Writes every matching row (q.limit ignored) as one JSON object per line; returns
    // the count.
    tl::expected<std::size_t, std::string> export_json_lines(const audit_query& q,
                                                             std::ostream& out);

    // Streams the whole table through audit_verifier in one read transaction, together
    // with the key row's next_seq and last hash. An error only when the database cannot
    // be read; tampering is reported in the verdict.
    tl::expected<audit_verdict, std::string> verify(const std::optional<audit_key>& initial_key,
                                                    std::vector<audit_checkpoint> checkpoints = {});

    // Journal sends or checkpoints that failed (the committed rows are unaffected).
    std::uint64_t journal_failures() const { return journal_failures_; }

private:
    database& db_;
    journal_sink* journal_;
    audit_log_options opts_;
    std::uint64_t journal_failures_ = 0;
};

// {"seq":..,"time":..,"category":..,"event":..,"actor":..,"source":..,"object":..,
//  "outcome":..,"details":{..},"hash":"hex","mac":"hex"} without a trailing newline.
std::string audit_row_json_line(const audit_row& r);

// One audited change: BEGIN IMMEDIATE, change(), the audit row, COMMIT, then after_commit.
// The change and its record commit together or not at all (no audit, no change); any
// failure rolls back and is returned with what failed.
tl::expected<void, std::string>
commit_audited(database& db, audit_log& log, const audit_event& ev,
               std::chrono::system_clock::time_point now,
               const std::function<tl::expected<void, std::string>()>& change);

} // namespace auth
