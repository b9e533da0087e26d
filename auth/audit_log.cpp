// SPDX-License-Identifier: GPL-3.0-or-later
// The audit log on sqlite: schema and triggers, init, append with key evolution, reads,
// export and verification of the stored table.
#include "auth/audit_log.hpp"

#include "auth/journal.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <ostream>

namespace auth {
namespace {

// The triggers are the first line of defence (mistakes, SQL typed by hand); the chain and
// MACs catch whoever drops them.
constexpr const char* schema_sql = R"sql(
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY CHECK (seq >= 1),
    time TEXT NOT NULL,
    category TEXT NOT NULL,
    event TEXT NOT NULL,
    actor TEXT NOT NULL,
    source TEXT NOT NULL,
    object TEXT NOT NULL,
    outcome TEXT NOT NULL,
    details TEXT NOT NULL,
    hash BLOB NOT NULL,
    mac BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS audit_time ON audit(time);
CREATE TABLE IF NOT EXISTS audit_key (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    key BLOB NOT NULL,
    next_seq INTEGER NOT NULL,
    last_hash BLOB NOT NULL);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_insert_next BEFORE INSERT ON audit
WHEN NEW.seq IS NOT (SELECT next_seq FROM audit_key WHERE id = 1)
BEGIN SELECT RAISE(ABORT, 'audit rows are appended at the key row''s next_seq'); END;
CREATE TRIGGER IF NOT EXISTS audit_key_no_delete BEFORE DELETE ON audit_key
BEGIN SELECT RAISE(ABORT, 'the audit key row cannot be deleted'); END;
CREATE TRIGGER IF NOT EXISTS audit_key_advance_only BEFORE UPDATE ON audit_key
WHEN NEW.id IS NOT OLD.id OR NEW.next_seq IS NOT OLD.next_seq + 1
  OR NEW.next_seq IS NOT (SELECT MAX(seq) FROM audit) + 1
BEGIN SELECT RAISE(ABORT, 'the audit key row only advances with an appended row'); END;
)sql";

constexpr const char* row_columns =
    "seq, time, category, event, actor, source, object, outcome, details, hash, mac";

audit_row row_from(const statement& s)
{
    audit_row r;
    r.seq = s.column_int(0);
    r.time = s.column_text(1);
    r.category = s.column_text(2);
    r.event = s.column_text(3);
    r.actor = s.column_text(4);
    r.source = s.column_text(5);
    r.object = s.column_text(6);
    r.outcome = s.column_text(7);
    r.details = s.column_text(8);
    r.hash = s.column_blob(9);
    r.mac = s.column_blob(10);
    return r;
}

struct key_state
{
    audit_key key{};
    std::int64_t next_seq = 0;
    audit_digest last_hash{};
    ~key_state() { OPENSSL_cleanse(key.data(), key.size()); }
};

// nullopt when the log was never initialised.
tl::expected<std::optional<key_state>, std::string> read_key_state(database& db)
{
    auto s = db.prepare("SELECT key, next_seq, last_hash FROM audit_key WHERE id = 1");
    if (!s)
        return tl::unexpected(s.error());
    auto r = s->step();
    if (!r)
        return tl::unexpected(r.error());
    if (!*r)
        return std::optional<key_state>();
    std::vector<std::uint8_t> k = s->column_blob(0), h = s->column_blob(2);
    std::optional<key_state> st(std::in_place);
    bool ok = k.size() == audit_digest_size && h.size() == audit_digest_size;
    if (ok) {
        std::copy(k.begin(), k.end(), st->key.begin());
        std::copy(h.begin(), h.end(), st->last_hash.begin());
    }
    OPENSSL_cleanse(k.data(), k.size());
    if (!ok)
        return tl::unexpected(std::string("the audit key row is malformed"));
    st->next_seq = s->column_int(1);
    return st;
}

std::string err(const std::string& what, const std::string& why)
{
    return "audit log: " + what + ": " + why;
}

} // namespace

tl::expected<void, std::string> audit_log::ensure_schema(database& db)
{
    if (auto r = db.exec(schema_sql); !r)
        return tl::unexpected(err("cannot create the audit tables", r.error()));
    return {};
}

audit_log::audit_log(database& db, journal_sink* journal, audit_log_options opts)
    : db_(db), journal_(journal), opts_(opts)
{
}

tl::expected<bool, std::string> audit_log::initialised()
{
    auto st = read_key_state(db_);
    if (!st)
        return tl::unexpected(err("cannot read the key row", st.error()));
    return st->has_value();
}

tl::expected<std::string, std::string> audit_log::init()
{
    if (auto b = db_.begin(); !b)
        return tl::unexpected(err("cannot start a transaction", b.error()));
    auto fail = [&](const std::string& what) {
        db_.rollback();
        return tl::unexpected(what);
    };
    auto st = read_key_state(db_);
    if (!st)
        return fail(err("cannot read the key row", st.error()));
    if (st->has_value())
        return fail("audit log: already initialised (the initial key was shown once, at init)");
    auto count = db_.prepare("SELECT COUNT(*) FROM audit");
    if (!count)
        return fail(err("cannot count rows", count.error()));
    if (auto r = count->step(); !r || !*r || count->column_int(0) != 0)
        return fail("audit log: rows exist but the key row is missing; verify the log");
    audit_key k{};
    if (RAND_priv_bytes(k.data(), static_cast<int>(k.size())) != 1)
        return fail("audit log: the random number generator failed");
    std::string text = to_hex(k);
    auto ins =
        db_.prepare("INSERT INTO audit_key (id, key, next_seq, last_hash) VALUES (1, ?, 1, ?)");
    if (!ins)
        return fail(err("cannot create the key row", ins.error()));
    audit_digest genesis = audit_genesis_hash();
    ins->bind_blob(1, k).bind_blob(2, genesis);
    OPENSSL_cleanse(k.data(), k.size());
    if (auto r = ins->run(); !r)
        return fail(err("cannot create the key row", r.error()));
    if (auto c = db_.commit(); !c)
        return fail(err("cannot commit", c.error()));
    return text;
}

tl::expected<audit_receipt, std::string>
audit_log::append_in_transaction(const audit_event& ev, std::chrono::system_clock::time_point now)
{
    auto row = make_audit_row(ev, 0, now);
    if (!row)
        return tl::unexpected(row.error());
    if (auto r = db_.exec("SAVEPOINT audit_append"); !r)
        return tl::unexpected(err("cannot start the append", r.error()));
    auto undo = [&](const std::string& what) {
        (void)db_.exec("ROLLBACK TO audit_append");
        (void)db_.exec("RELEASE audit_append");
        return tl::unexpected(what);
    };
    auto st = read_key_state(db_);
    if (!st)
        return undo(err("cannot read the key row", st.error()));
    if (!st->has_value())
        return undo("audit log: not initialised (run `cairnctl audit init`)");
    key_state& ks = **st;
    row->seq = ks.next_seq;
    seal_audit_row(*row, ks.last_hash, ks.key);
    auto ins = db_.prepare(std::string("INSERT INTO audit (") + row_columns +
                           ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!ins)
        return undo(err("cannot prepare the insert", ins.error()));
    ins->bind(1, row->seq)
        .bind(2, std::string_view(row->time))
        .bind(3, std::string_view(row->category))
        .bind(4, std::string_view(row->event))
        .bind(5, std::string_view(row->actor))
        .bind(6, std::string_view(row->source))
        .bind(7, std::string_view(row->object))
        .bind(8, std::string_view(row->outcome))
        .bind(9, std::string_view(row->details))
        .bind_blob(10, row->hash)
        .bind_blob(11, row->mac);
    if (auto r = ins->run(); !r)
        return undo(err("cannot write row " + std::to_string(row->seq), r.error()));
    // k_{i+1} replaces k_i in the same transaction; secure_delete zeroes the old cell.
    key_state next;
    next.key = evolve_audit_key(ks.key);
    auto upd = db_.prepare(
        "UPDATE audit_key SET key = ?, next_seq = next_seq + 1, last_hash = ? WHERE id = 1");
    if (!upd)
        return undo(err("cannot prepare the key update", upd.error()));
    upd->bind_blob(1, next.key).bind_blob(2, row->hash);
    if (auto r = upd->run(); !r)
        return undo(err("cannot evolve the key", r.error()));
    if (auto r = db_.exec("RELEASE audit_append"); !r)
        return undo(err("cannot finish the append", r.error()));
    audit_receipt rc;
    rc.seq = row->seq;
    std::copy(row->mac.begin(), row->mac.end(), rc.mac.begin());
    return rc;
}

tl::expected<std::int64_t, std::string> audit_log::append(const audit_event& ev,
                                                          std::chrono::system_clock::time_point now)
{
    if (auto b = db_.begin(); !b)
        return tl::unexpected(err("cannot start a transaction", b.error()));
    auto rc = append_in_transaction(ev, now);
    if (!rc) {
        db_.rollback();
        return tl::unexpected(rc.error());
    }
    if (auto c = db_.commit(); !c) {
        db_.rollback();
        return tl::unexpected(err("cannot commit row " + std::to_string(rc->seq), c.error()));
    }
    after_commit(ev, *rc);
    return rc->seq;
}

void audit_log::after_commit(const audit_event& ev, const audit_receipt& rc)
{
    if (journal_) {
        if (!journal_->send(ev, rc.seq))
            ++journal_failures_;
        if (opts_.checkpoint_every > 0 && rc.seq % opts_.checkpoint_every == 0 &&
            !journal_->checkpoint(rc.seq, rc.mac))
            ++journal_failures_;
    }
    if (opts_.scrub_after_append)
        (void)scrub(); // best effort: a reader holding the WAL delays it to the next append
}

tl::expected<void, std::string> audit_log::scrub()
{
    // Do not wait on readers: this runs on the write path.
    sqlite3_busy_timeout(db_.raw(), 0);
    int wal_frames = 0, copied = 0;
    int rc = sqlite3_wal_checkpoint_v2(db_.raw(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, &wal_frames,
                                       &copied);
    sqlite3_busy_timeout(db_.raw(), busy_timeout_ms);
    if (rc != SQLITE_OK)
        return tl::unexpected(err("cannot checkpoint the WAL", db_.error_message()));
    return {};
}

tl::expected<std::optional<audit_checkpoint>, std::string> audit_log::checkpoint_now()
{
    auto s = db_.prepare("SELECT seq, mac FROM audit ORDER BY seq DESC LIMIT 1");
    if (!s)
        return tl::unexpected(err("cannot read the last row", s.error()));
    auto r = s->step();
    if (!r)
        return tl::unexpected(err("cannot read the last row", r.error()));
    if (!*r)
        return std::optional<audit_checkpoint>();
    auto mac = s->column_blob(1);
    if (mac.size() != audit_digest_size)
        return tl::unexpected(std::string("audit log: the last row's MAC is malformed"));
    audit_checkpoint c;
    c.seq = s->column_int(0);
    std::copy(mac.begin(), mac.end(), c.mac.begin());
    if (journal_ && !journal_->checkpoint(c.seq, c.mac))
        ++journal_failures_;
    return std::optional(c);
}

tl::expected<std::vector<audit_row>, std::string> audit_log::read(const audit_query& q)
{
    auto s = db_.prepare(std::string("SELECT ") + row_columns +
                         " FROM audit WHERE seq >= ? AND time >= ? ORDER BY seq LIMIT ?");
    if (!s)
        return tl::unexpected(err("cannot read", s.error()));
    const std::string since_time = q.since_time ? format_audit_time(*q.since_time) : "";
    s->bind(1, q.since_seq.value_or(0))
        .bind(2, std::string_view(since_time))
        .bind(3, static_cast<std::int64_t>(std::min(q.limit, audit_read_max)));
    std::vector<audit_row> rows;
    for (;;) {
        auto r = s->step();
        if (!r)
            return tl::unexpected(err("cannot read", r.error()));
        if (!*r)
            return rows;
        rows.push_back(row_from(*s));
    }
}

tl::expected<std::vector<audit_row>, std::string> audit_log::tail(std::size_t n)
{
    auto s = db_.prepare(std::string("SELECT * FROM (SELECT ") + row_columns +
                         " FROM audit ORDER BY seq DESC LIMIT ?) ORDER BY seq");
    if (!s)
        return tl::unexpected(err("cannot read", s.error()));
    s->bind(1, static_cast<std::int64_t>(std::min(n, audit_read_max)));
    std::vector<audit_row> rows;
    for (;;) {
        auto r = s->step();
        if (!r)
            return tl::unexpected(err("cannot read", r.error()));
        if (!*r)
            return rows;
        rows.push_back(row_from(*s));
    }
}

tl::expected<std::size_t, std::string> audit_log::export_json_lines(const audit_query& q,
                                                                    std::ostream& out)
{
    audit_query page = q;
    page.limit = audit_read_max;
    std::size_t n = 0;
    for (;;) {
        auto rows = read(page);
        if (!rows)
            return tl::unexpected(rows.error());
        for (const auto& r : *rows)
            out << audit_row_json_line(r) << '\n';
        n += rows->size();
        if (rows->size() < audit_read_max)
            break;
        page.since_seq = rows->back().seq + 1;
    }
    out.flush();
    if (!out)
        return tl::unexpected(std::string("audit log: cannot write the export"));
    return n;
}

tl::expected<audit_verdict, std::string>
audit_log::verify(const std::optional<audit_key>& initial_key,
                  std::vector<audit_checkpoint> checkpoints)
{
    // One read transaction: the rows and the key row are the same snapshot.
    if (auto b = db_.exec("BEGIN"); !b)
        return tl::unexpected(err("cannot start a read transaction", b.error()));
    struct end_read
    {
        database& db;
        ~end_read() { db.rollback(); }
    } guard{db_};
    audit_verify_options opts;
    opts.initial_key = initial_key;
    opts.checkpoints = std::move(checkpoints);
    auto st = read_key_state(db_);
    if (!st)
        return tl::unexpected(err("cannot read the key row", st.error()));
    if (st->has_value()) {
        opts.next_seq = (*st)->next_seq;
        opts.last_hash = (*st)->last_hash;
    }
    audit_verifier v(std::move(opts));
    auto s = db_.prepare(std::string("SELECT ") + row_columns + " FROM audit ORDER BY seq");
    if (!s)
        return tl::unexpected(err("cannot read", s.error()));
    for (;;) {
        auto r = s->step();
        if (!r)
            return tl::unexpected(err("cannot read", r.error()));
        if (!*r || !v.feed(row_from(*s)))
            break;
    }
    audit_verdict verdict = v.finish();
    if (verdict.ok && !st->has_value() && verdict.rows_checked > 0) {
        verdict.ok = false;
        verdict.fault = audit_fault::malformed;
        verdict.reason = "the audit key row is missing (deleted behind the triggers)";
    }
    return verdict;
}

std::string audit_row_json_line(const audit_row& r)
{
    nlohmann::json details = nlohmann::json::parse(r.details, nullptr, false);
    if (details.is_discarded())
        details = r.details; // keep whatever is stored, as a string
    nlohmann::json j{
        {"seq", r.seq},           {"time", r.time},       {"category", r.category},
        {"event", r.event},       {"actor", r.actor},     {"source", r.source},
        {"object", r.object},     {"outcome", r.outcome}, {"details", std::move(details)},
        {"hash", to_hex(r.hash)}, {"mac", to_hex(r.mac)}};
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

tl::expected<void, std::string>
commit_audited(database& db, audit_log& log, const audit_event& ev,
               std::chrono::system_clock::time_point now,
               const std::function<tl::expected<void, std::string>()>& change)
{
    if (auto b = db.begin(); !b)
        return tl::unexpected("cannot start a transaction: " + b.error());
    if (auto r = change(); !r) {
        db.rollback();
        return tl::unexpected(r.error());
    }
    auto receipt = log.append_in_transaction(ev, now);
    if (!receipt) {
        db.rollback();
        return tl::unexpected("cannot write the audit row, so nothing was changed: " +
                              receipt.error());
    }
    if (auto c = db.commit(); !c) {
        db.rollback();
        return tl::unexpected("cannot commit, so nothing was changed: " + c.error());
    }
    log.after_commit(ev, *receipt);
    return {};
}

} // namespace auth
