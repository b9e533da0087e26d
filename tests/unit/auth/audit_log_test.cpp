// SPDX-License-Identifier: GPL-3.0-or-later
// Tests for the sqlite audit log: init, append, triggers, key evolution and erasure, every
// tamper case on a real file (triggers dropped as an attacker would), refusal on a
// read-only or full database, transactions shared with a change, reads and export.
#include "auth/audit_log.hpp"

#include "auth/journal.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace auth;
using namespace std::chrono;

namespace {

struct temp_dir
{
    std::string path;
    temp_dir()
    {
        char tmpl[] = "/tmp/cairn-audit-XXXXXX";
        REQUIRE(::mkdtemp(tmpl) != nullptr);
        path = tmpl;
    }
    ~temp_dir() { std::filesystem::remove_all(path); }
    std::string db() const { return path + "/cairn.db"; }
};

struct recording_sink final : journal_sink
{
    std::vector<std::pair<std::string, std::int64_t>> events;
    std::vector<audit_checkpoint> checkpoints;
    bool send(const audit_event& ev, std::int64_t seq) override
    {
        events.emplace_back(ev.event, seq);
        return true;
    }
    bool checkpoint(std::int64_t seq, const audit_digest& mac) override
    {
        checkpoints.push_back({seq, mac});
        return true;
    }
};

system_clock::time_point t0()
{
    return sys_days{year{2026} / 11 / 26} + 15h;
}

audit_event event(int i)
{
    return {audit_category::session,
            "session.open",
            "tok" + std::to_string(i),
            "192.0.2.1",
            "MOUNT",
            "ok",
            nlohmann::json{{"n", i}}};
}

// A log with n rows, opened on its own connection.
struct fixture
{
    temp_dir dir;
    database db;
    recording_sink sink;
    audit_log log;
    audit_key key{};

    explicit fixture(int n = 0, audit_log_options opts = {})
        : db(*database::open(dir.db())), log(db, &sink, opts)
    {
        REQUIRE(audit_log::ensure_schema(db));
        auto k = log.init();
        REQUIRE(k);
        key = *parse_audit_digest(*k);
        for (int i = 1; i <= n; ++i)
            REQUIRE(log.append(event(i), t0() + seconds{i}) == i);
    }
    audit_verdict verify(bool with_key, std::vector<audit_checkpoint> cps = {})
    {
        auto v = log.verify(with_key ? std::optional(key) : std::nullopt, std::move(cps));
        REQUIRE(v);
        return *v;
    }
    std::int64_t count()
    {
        auto s = db.prepare("SELECT COUNT(*) FROM audit");
        REQUIRE(s);
        REQUIRE(*s->step());
        return s->column_int(0);
    }
};

// What someone with write access to the file does: their own connection, triggers gone.
void attacker(const std::string& path, const std::string& sql)
{
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
    sqlite_handle h(raw);
    std::string all = "DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS "
                      "audit_no_delete; DROP TRIGGER IF EXISTS audit_insert_next; DROP TRIGGER "
                      "IF EXISTS audit_key_no_delete; DROP TRIGGER IF EXISTS "
                      "audit_key_advance_only;" +
                      sql;
    char* err = nullptr;
    int rc = sqlite3_exec(raw, all.c_str(), nullptr, nullptr, &err);
    CAPTURE((err ? err : ""));
    sqlite3_free(err);
    REQUIRE(rc == SQLITE_OK);
}

std::string file_bytes(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), {}};
}

bool contains(const std::string& hay, const audit_key& k)
{
    return hay.find(std::string(reinterpret_cast<const char*>(k.data()), k.size())) !=
           std::string::npos;
}

audit_key current_key(database& db)
{
    auto s = db.prepare("SELECT key FROM audit_key WHERE id = 1");
    REQUIRE(s);
    REQUIRE(*s->step());
    auto v = s->column_blob(0);
    audit_key k{};
    REQUIRE(v.size() == k.size());
    std::copy(v.begin(), v.end(), k.begin());
    return k;
}

} // namespace

TEST_CASE("audit log: init once, append in order, verify")
{
    temp_dir dir;
    auto db = database::open(dir.db());
    REQUIRE(db);
    REQUIRE(audit_log::ensure_schema(*db));
    REQUIRE(audit_log::ensure_schema(*db)); // idempotent
    audit_log log(*db);
    CHECK(log.initialised() == false);
    auto early = log.append(event(1), t0());
    REQUIRE(!early);
    CHECK(early.error().find("not initialised") != std::string::npos);

    auto k = log.init();
    REQUIRE(k);
    CHECK(k->size() == 64);
    CHECK(parse_audit_digest(*k));
    CHECK(log.initialised() == true);
    auto again = log.init();
    REQUIRE(!again);
    CHECK(again.error().find("already initialised") != std::string::npos);

    for (int i = 1; i <= 5; ++i)
        CHECK(log.append(event(i), t0() + seconds{i}) == i);
    auto rows = log.read({});
    REQUIRE(rows);
    REQUIRE(rows->size() == 5);
    CHECK((*rows)[0].time == "2026-11-26T15:00:01.000000Z");
    CHECK((*rows)[4].actor == "tok5");
    CHECK((*rows)[4].category == "session");
    CHECK((*rows)[4].details == R"({"n":5})");
    auto v = log.verify(parse_audit_digest(*k));
    REQUIRE(v);
    CHECK(v->ok);
    CHECK(v->rows_checked == 5);
    CHECK(v->macs_checked);

    auto secret = log.append(
        {audit_category::token, "token.create", "alice", "local", "t1", "ok", {{"secret", "abc"}}},
        t0());
    CHECK(!secret);
    CHECK(log.read({})->size() == 5);
}

TEST_CASE("audit log: triggers abort edits, deletes and out-of-order inserts")
{
    fixture f(3);
    for (const char* sql :
         {"UPDATE audit SET actor = 'x' WHERE seq = 2", "DELETE FROM audit",
          "DELETE FROM audit WHERE seq = 3", "DELETE FROM audit_key",
          "UPDATE audit_key SET next_seq = 1", "UPDATE audit_key SET key = zeroblob(32)",
          "INSERT INTO audit SELECT 9, time, category, event, actor, source, "
          "object, outcome, details, hash, mac FROM audit WHERE seq = 1",
          "INSERT OR REPLACE INTO audit SELECT * FROM audit WHERE seq = 1"}) {
        CAPTURE(sql);
        auto r = f.db.exec(sql);
        CHECK(!r);
    }
    CHECK(f.count() == 3);
    CHECK(f.verify(true).ok);
}

TEST_CASE("audit log: the key evolves and the old keys leave the file and the WAL")
{
    fixture f;
    std::vector<audit_key> keys{f.key};
    CHECK(current_key(f.db) == f.key);
    for (int i = 1; i <= 4; ++i) {
        REQUIRE(f.log.append(event(i), t0()));
        keys.push_back(evolve_audit_key(keys.back()));
        CHECK(current_key(f.db) == keys.back());
    }
    std::string bytes = file_bytes(f.dir.db()) + file_bytes(f.dir.db() + "-wal");
    CHECK(contains(bytes, keys.back())); // the search does find a key that is there
    for (std::size_t i = 0; i + 1 < keys.size(); ++i) {
        CAPTURE(i);
        CHECK(!contains(bytes, keys[i]));
    }

    // Without the scrub the overwritten key survives in the WAL: the scrub is what erases it.
    fixture lazy(0, {.scrub_after_append = false});
    REQUIRE(lazy.log.append(event(1), t0()));
    CHECK(contains(file_bytes(lazy.dir.db() + "-wal"), lazy.key));
    REQUIRE(lazy.log.scrub());
    CHECK(!contains(file_bytes(lazy.dir.db()) + file_bytes(lazy.dir.db() + "-wal"), lazy.key));
}

TEST_CASE("audit log: every tamper case on the file is named")
{
    struct tamper
    {
        const char* name;
        const char* sql;
        audit_fault fault;
        std::int64_t first_bad;
    };
    const tamper cases[] = {
        {"edit", "UPDATE audit SET actor = 'mallory' WHERE seq = 5", audit_fault::edited, 5},
        {"delete", "DELETE FROM audit WHERE seq = 5", audit_fault::deleted, 5},
        {"insert a forged row",
         "UPDATE audit SET seq = seq + 1000001 WHERE seq >= 5;"
         "UPDATE audit SET seq = seq - 1000000 WHERE seq > 1000000;"
         "INSERT INTO audit VALUES (5, '2026-11-26T15:00:05.000000Z', 'auth', 'auth.ok', 'x', "
         "'192.0.2.9', 'MOUNT', 'ok', '{}', randomblob(32), randomblob(32));"
         "UPDATE audit_key SET next_seq = next_seq + 1, "
         "last_hash = (SELECT hash FROM audit ORDER BY seq DESC LIMIT 1)",
         audit_fault::inserted, 5},
        {"swap two rows",
         "UPDATE audit SET seq = 1000 WHERE seq = 4; UPDATE audit SET seq = 4 WHERE seq = 9;"
         "UPDATE audit SET seq = 9 WHERE seq = 1000",
         audit_fault::reordered, 4},
        {"cut the tail, key row left behind", "DELETE FROM audit WHERE seq > 17",
         audit_fault::truncated_tail, 18},
        {"delete the key row", "DELETE FROM audit_key", audit_fault::malformed, 0},
    };
    for (const auto& t : cases) {
        CAPTURE(std::string(t.name));
        fixture f(20);
        attacker(f.db.path(), t.sql);
        for (bool keyed : {false, true}) {
            auto v = f.verify(keyed);
            CHECK(!v.ok);
            CHECK(v.fault == t.fault);
            if (t.first_bad)
                CHECK(v.first_bad_seq == t.first_bad);
        }
    }
}

TEST_CASE("audit log: a tidy cut of the tail is caught by the journal checkpoints")
{
    fixture f(20, {.checkpoint_every = 5});
    REQUIRE(f.sink.checkpoints.size() == 4);
    CHECK(f.sink.checkpoints.back().seq == 20);
    CHECK(f.verify(false, f.sink.checkpoints).checkpoints_matched == 4);
    attacker(f.db.path(), "DELETE FROM audit WHERE seq > 17;"
                          "UPDATE audit_key SET next_seq = 18, "
                          "last_hash = (SELECT hash FROM audit WHERE seq = 17)");
    CHECK(f.verify(true).ok); // the key row agrees: nothing inside the file shows the cut
    auto v = f.verify(false, f.sink.checkpoints);
    CHECK(v.fault == audit_fault::truncated_tail);
    CHECK(v.first_bad_seq == 18);
}

TEST_CASE("audit log: a rewrite with the stolen current key is caught only with the initial key")
{
    fixture f(20, {.checkpoint_every = 5});
    // The thief copies the current key, changes row 3 and recomputes the chain after it.
    audit_key stolen = current_key(f.db);
    auto rows = f.log.read({.limit = 100});
    REQUIRE(rows);
    (*rows)[2].actor = "innocent";
    audit_digest prev{};
    std::copy((*rows)[1].hash.begin(), (*rows)[1].hash.end(), prev.begin());
    std::string sql = "UPDATE audit SET actor = 'innocent' WHERE seq = 3;";
    for (std::size_t i = 2; i < rows->size(); ++i) {
        prev = audit_chain_hash(prev, (*rows)[i]);
        sql += "UPDATE audit SET hash = x'" + to_hex(prev) +
               "' WHERE seq = " + std::to_string((*rows)[i].seq) + ";";
    }
    sql += "UPDATE audit_key SET last_hash = x'" + to_hex(prev) + "'";
    attacker(f.db.path(), sql);
    // ... and appends with the stolen key, which the log accepts: rows after a theft are
    // the thief's to write.
    audit_log thief(f.db);
    REQUIRE(thief.append(event(99), t0()) == 21);
    CHECK(current_key(f.db) == evolve_audit_key(stolen));

    CHECK(f.verify(false).ok);
    CHECK(f.verify(false, f.sink.checkpoints).ok); // the MACs it shows are the old ones
    auto v = f.verify(true);
    CHECK(v.fault == audit_fault::bad_mac);
    CHECK(v.first_bad_seq == 3);
}

TEST_CASE("audit log: no audit, no access: a read-only database refuses the append")
{
    fixture f(2);
    auto ro = database::open(f.dir.db(), true);
    REQUIRE(ro);
    audit_log ro_log(*ro);
    auto r = ro_log.append(event(3), t0());
    REQUIRE(!r);
    CHECK(r.error().find("audit log") != std::string::npos);

    REQUIRE(f.db.exec("PRAGMA query_only = ON"));
    CHECK(!f.log.append(event(3), t0()));
    REQUIRE(f.db.exec("PRAGMA query_only = OFF"));
    CHECK(f.count() == 2);

    if (::geteuid() != 0) { // root ignores file modes
        REQUIRE(::chmod(f.dir.db().c_str(), 0400) == 0);
        auto db = database::open(f.dir.db());
        if (db)
            CHECK(!audit_log(*db).append(event(3), t0()));
        REQUIRE(::chmod(f.dir.db().c_str(), 0600) == 0);
    }
    CHECK(f.verify(true).ok);
    CHECK(f.log.append(event(3), t0()) == 3);
}

TEST_CASE("audit log: no audit, no access: a full database refuses the append")
{
    fixture f(2);
    auto pc = f.db.prepare("PRAGMA page_count");
    REQUIRE(pc);
    REQUIRE(*pc->step());
    REQUIRE(f.db.exec("PRAGMA max_page_count = " + std::to_string(pc->column_int(0))));
    audit_event big = event(0);
    big.details = {{"blob", std::string(audit_details_max - 32, 'x')}};
    std::optional<std::string> error;
    int written = 0;
    for (int i = 0; i < 50 && !error; ++i) {
        auto r = f.log.append(big, t0());
        if (r)
            ++written;
        else
            error = r.error();
    }
    REQUIRE(error);
    CHECK(error->find("full") != std::string::npos);
    CHECK(f.count() == 2 + written);
    CHECK(f.verify(true).ok); // the failed append left no half row and no evolved key
    REQUIRE(f.db.exec("PRAGMA max_page_count = 1073741823"));
    CHECK(f.log.append(big, t0()) == 3 + written);
    CHECK(f.verify(true).ok);
}

TEST_CASE("audit log: a change and its audit row commit together or not at all")
{
    fixture f;
    REQUIRE(f.db.exec("CREATE TABLE t (x INTEGER)"));
    auto t_rows = [&] {
        auto s = f.db.prepare("SELECT COUNT(*) FROM t");
        REQUIRE(s);
        REQUIRE(*s->step());
        return s->column_int(0);
    };
    REQUIRE(f.db.begin());
    REQUIRE(f.db.exec("INSERT INTO t VALUES (1)"));
    auto rc = f.log.append_in_transaction(event(1), t0());
    REQUIRE(rc);
    CHECK(rc->seq == 1);
    f.db.rollback();
    CHECK(t_rows() == 0);
    CHECK(f.count() == 0);

    REQUIRE(f.db.begin());
    REQUIRE(f.db.exec("INSERT INTO t VALUES (1)"));
    auto bad = f.log.append_in_transaction(
        {audit_category::token, "token.create", "", "", "", "ok", {{"token_secret", "x"}}}, t0());
    CHECK(!bad);
    CHECK(sqlite3_get_autocommit(f.db.raw()) == 0); // still the caller's to end
    rc = f.log.append_in_transaction(event(1), t0());
    REQUIRE(rc);
    REQUIRE(f.db.commit());
    f.log.after_commit(event(1), *rc);
    CHECK(t_rows() == 1);
    CHECK(f.count() == 1);
    REQUIRE(f.sink.events.size() == 1);
    CHECK(f.sink.events[0] == std::pair<std::string, std::int64_t>("session.open", 1));
    CHECK(f.verify(true).ok);
}

TEST_CASE("audit log: journal events and checkpoints")
{
    fixture f(12, {.checkpoint_every = 5});
    REQUIRE(f.sink.events.size() == 12);
    for (std::size_t i = 0; i < 12; ++i)
        CHECK(f.sink.events[i].second == static_cast<std::int64_t>(i + 1));
    REQUIRE(f.sink.checkpoints.size() == 2);
    auto rows = *f.log.read({});
    CHECK(f.sink.checkpoints[0].seq == 5);
    CHECK(to_hex(f.sink.checkpoints[0].mac) == to_hex(rows[4].mac));
    CHECK(f.sink.checkpoints[1].seq == 10);
    auto now = f.log.checkpoint_now();
    REQUIRE(now);
    REQUIRE(*now);
    CHECK((*now)->seq == 12);
    CHECK(f.sink.checkpoints.size() == 3);
    CHECK(f.verify(false, f.sink.checkpoints).checkpoints_matched == 3);
    CHECK(f.log.journal_failures() == 0);

    fixture empty;
    auto none = empty.log.checkpoint_now();
    REQUIRE(none);
    CHECK(!*none);
}

TEST_CASE("audit log: read, tail and export")
{
    fixture f(12);
    auto seqs = [](const std::vector<audit_row>& rows) {
        std::vector<std::int64_t> s;
        for (const auto& r : rows)
            s.push_back(r.seq);
        return s;
    };
    CHECK(seqs(*f.log.read({.since_seq = 5, .limit = 3})) == std::vector<std::int64_t>{5, 6, 7});
    CHECK(seqs(*f.log.read({.since_time = t0() + 10s})) == std::vector<std::int64_t>{10, 11, 12});
    CHECK(seqs(*f.log.read({.since_time = t0() + 10s + 1us})) == std::vector<std::int64_t>{11, 12});
    CHECK(f.log.read({.limit = 1'000'000'000})->size() == 12);
    CHECK(f.log.read({.limit = 0})->empty());
    CHECK(seqs(*f.log.tail(4)) == std::vector<std::int64_t>{9, 10, 11, 12});
    CHECK(f.log.tail(100)->size() == 12);

    std::ostringstream out;
    auto n = f.log.export_json_lines({.since_seq = 11}, out);
    REQUIRE(n);
    CHECK(*n == 2);
    std::istringstream in(out.str());
    std::string line;
    std::int64_t expect = 11;
    while (std::getline(in, line)) {
        auto j = nlohmann::json::parse(line);
        CHECK(j["seq"] == expect++);
        CHECK(j["event"] == "session.open");
        CHECK(j["details"]["n"] == j["seq"]);
        CHECK(j["hash"].get<std::string>().size() == 64);
        CHECK(j["mac"].get<std::string>().size() == 64);
    }
    CHECK(expect == 13);
}

TEST_CASE("commit_audited: the change and its row commit together or not at all")
{
    temp_dir dir;
    auto db = database::open(dir.path + "/cairn.db");
    REQUIRE(db);
    REQUIRE(audit_log::ensure_schema(*db));
    REQUIRE(db->exec("CREATE TABLE thing(x INTEGER)"));
    audit_log log(*db);
    REQUIRE(log.init());
    audit_event ev{audit_category::config,  "config.change", "tester", "local", "thing", "ok",
                   nlohmann::json::object()};
    auto count = [&](const char* sql) {
        auto s = db->prepare(sql);
        REQUIRE(s);
        REQUIRE(s->step().value());
        return s->column_int(0);
    };
    auto now = system_clock::now();
    // A failing change leaves neither the change nor a row.
    auto bad = commit_audited(*db, log, ev, now, [&]() -> tl::expected<void, std::string> {
        REQUIRE(db->exec("INSERT INTO thing VALUES (1)"));
        return tl::unexpected(std::string("refused"));
    });
    REQUIRE_FALSE(bad);
    CHECK(bad.error() == "refused");
    CHECK(count("SELECT COUNT(*) FROM thing") == 0);
    CHECK(count("SELECT COUNT(*) FROM audit") == 0);
    // A change whose row cannot be written (invalid event) is rolled back too.
    audit_event invalid = ev;
    invalid.details = {{"password", "x"}};
    auto no_row = commit_audited(*db, log, invalid, now, [&]() -> tl::expected<void, std::string> {
        return db->exec("INSERT INTO thing VALUES (2)");
    });
    REQUIRE_FALSE(no_row);
    CHECK(no_row.error().find("nothing was changed") != std::string::npos);
    CHECK(count("SELECT COUNT(*) FROM thing") == 0);
    // A good change and its row both land.
    auto ok = commit_audited(*db, log, ev, now, [&]() -> tl::expected<void, std::string> {
        return db->exec("INSERT INTO thing VALUES (3)");
    });
    REQUIRE(ok);
    CHECK(count("SELECT COUNT(*) FROM thing") == 1);
    CHECK(count("SELECT COUNT(*) FROM audit") == 1);
}
