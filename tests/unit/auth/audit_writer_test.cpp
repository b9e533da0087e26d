// SPDX-License-Identifier: GPL-3.0-or-later
// Tests for the audit writer with a real io_context: order, results posted back, refusal
// when the queue is full, draining on stop, errors reported rather than dropped.
#include "auth/audit_writer.hpp"

#include "auth/journal.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <stdlib.h>

using namespace auth;

namespace {

struct temp_dir
{
    std::string path;
    temp_dir()
    {
        char tmpl[] = "/tmp/cairn-writer-XXXXXX";
        REQUIRE(::mkdtemp(tmpl) != nullptr);
        path = tmpl;
    }
    ~temp_dir() { std::filesystem::remove_all(path); }
    std::string db() const { return path + "/cairn.db"; }
};

// Initialises the log on a separate connection, as cairnctl would, and returns k_1.
audit_key init_log(const std::string& path)
{
    auto db = database::open(path);
    REQUIRE(db);
    REQUIRE(audit_log::ensure_schema(*db));
    auto k = audit_log(*db).init();
    REQUIRE(k);
    return *parse_audit_digest(*k);
}

audit_event event(int i)
{
    return {audit_category::access,
            "session.open",
            "tok" + std::to_string(i),
            "192.0.2.1",
            "MOUNT",
            "ok",
            nlohmann::json{{"n", i}}};
}

// Holds the writer thread inside the journal call until released, so the queue can be
// filled deterministically.
struct gate_sink final : journal_sink
{
    std::mutex m;
    std::condition_variable cv;
    bool entered = false;
    bool open = false;
    std::vector<std::int64_t> seqs;
    bool send(const audit_event&, std::int64_t seq) override
    {
        std::unique_lock lock(m);
        seqs.push_back(seq);
        entered = true;
        cv.notify_all();
        cv.wait(lock, [&] { return open; });
        return true;
    }
    bool checkpoint(std::int64_t, const audit_digest&) override { return true; }
    void wait_entered()
    {
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return entered; });
    }
    void release()
    {
        std::lock_guard lock(m);
        open = true;
        cv.notify_all();
    }
};

// Runs the io_context until `n` completions arrived (or a generous timeout).
void run_until(net::io_context& ioc, const std::vector<audit_result>& results, std::size_t n)
{
    auto guard = net::make_work_guard(ioc);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (results.size() < n && std::chrono::steady_clock::now() < deadline) {
        ioc.run_for(std::chrono::milliseconds(20));
        ioc.restart();
    }
}

} // namespace

TEST_CASE("audit writer: rows are written and reported in submission order")
{
    temp_dir dir;
    audit_key k1 = init_log(dir.db());
    auto w = audit_writer::open(dir.db(), nullptr);
    REQUIRE(w);
    net::io_context ioc;
    std::vector<audit_result> results;
    std::vector<std::thread::id> threads;
    constexpr int n = 300; // several batches
    for (int i = 1; i <= n; ++i)
        REQUIRE((*w)->try_submit(event(i), ioc.get_executor(), [&](audit_result r) {
            results.push_back(std::move(r));
            threads.push_back(std::this_thread::get_id());
        }));
    run_until(ioc, results, n);
    REQUIRE(results.size() == n);
    for (int i = 0; i < n; ++i) {
        CAPTURE(i);
        REQUIRE(results[static_cast<std::size_t>(i)]);
        CHECK(*results[static_cast<std::size_t>(i)] == i + 1);
    }
    for (auto id : threads)
        CHECK(id == std::this_thread::get_id()); // posted back to the caller's context
    (*w)->stop();

    auto db = database::open(dir.db());
    REQUIRE(db);
    audit_log log(*db);
    auto rows = log.read({.limit = 1000});
    REQUIRE(rows);
    REQUIRE(rows->size() == n);
    for (int i = 0; i < n; ++i)
        CHECK((*rows)[static_cast<std::size_t>(i)].actor == "tok" + std::to_string(i + 1));
    auto v = log.verify(k1);
    REQUIRE(v);
    CHECK(v->ok);
}

TEST_CASE("audit writer: a full queue refuses at once and loses nothing it accepted")
{
    temp_dir dir;
    audit_key k1 = init_log(dir.db());
    gate_sink gate;
    auto w = audit_writer::open(dir.db(), &gate, {.queue_capacity = 4});
    REQUIRE(w);
    CHECK((*w)->capacity() == 4);
    net::io_context ioc;
    std::vector<audit_result> results;
    auto record = [&](audit_result r) { results.push_back(std::move(r)); };

    REQUIRE((*w)->try_submit(event(1), ioc.get_executor(), record));
    gate.wait_entered(); // the writer holds event 1; the queue is empty again
    for (int i = 2; i <= 5; ++i)
        CHECK((*w)->try_submit(event(i), ioc.get_executor(), record));
    CHECK((*w)->queue_size() == 4);
    CHECK(!(*w)->try_submit(event(6), ioc.get_executor(), record));
    (*w)->submit(event(7), ioc.get_executor(), record);
    ioc.run();
    ioc.restart();
    REQUIRE(results.size() == 1); // the refusal, delivered through the completion
    CHECK(!results[0]);
    CHECK(results[0].error().find("queue full") != std::string::npos);

    gate.release();
    results.clear();
    run_until(ioc, results, 5);
    REQUIRE(results.size() == 5);
    for (std::size_t i = 0; i < 5; ++i) {
        REQUIRE(results[i]);
        CHECK(*results[i] == static_cast<std::int64_t>(i + 1));
    }
    (*w)->stop();
    CHECK(gate.seqs == std::vector<std::int64_t>{1, 2, 3, 4, 5});
    auto db = database::open(dir.db());
    REQUIRE(db);
    auto v = audit_log(*db).verify(k1);
    REQUIRE(v);
    CHECK(v->ok);
    CHECK(v->rows_checked == 5);
}

TEST_CASE("audit writer: stop drains the queue, then refuses")
{
    temp_dir dir;
    init_log(dir.db());
    auto w = audit_writer::open(dir.db(), nullptr);
    REQUIRE(w);
    net::io_context ioc;
    std::vector<audit_result> results;
    auto record = [&](audit_result r) { results.push_back(std::move(r)); };
    for (int i = 1; i <= 100; ++i)
        REQUIRE((*w)->try_submit(event(i), ioc.get_executor(), record));
    (*w)->stop();
    CHECK((*w)->queue_size() == 0);
    ioc.run();
    ioc.restart();
    REQUIRE(results.size() == 100);
    CHECK(results.back() == audit_result(100));

    CHECK(!(*w)->try_submit(event(101), ioc.get_executor(), record));
    (*w)->submit(event(101), ioc.get_executor(), record);
    ioc.run();
    REQUIRE(results.size() == 101);
    CHECK(!results.back());
    CHECK(results.back().error().find("stopped") != std::string::npos);
    (*w)->stop(); // idempotent
}

TEST_CASE("audit writer: failures reach the submitter; a bad event fails alone")
{
    temp_dir dir;
    auto w = audit_writer::open(dir.db(), nullptr); // never initialised
    REQUIRE(w);
    net::io_context ioc;
    std::vector<audit_result> results;
    auto record = [&](audit_result r) { results.push_back(std::move(r)); };
    REQUIRE((*w)->try_submit(event(1), ioc.get_executor(), record));
    run_until(ioc, results, 1);
    REQUIRE(results.size() == 1);
    REQUIRE(!results[0]);
    CHECK(results[0].error().find("not initialised") != std::string::npos);
    (*w)->stop();

    init_log(dir.db());
    w = audit_writer::open(dir.db(), nullptr);
    REQUIRE(w);
    results.clear();
    audit_event leaky = event(2);
    leaky.details = {{"password", "hunter2"}};
    REQUIRE((*w)->try_submit(event(1), ioc.get_executor(), record));
    REQUIRE((*w)->try_submit(leaky, ioc.get_executor(), record));
    REQUIRE((*w)->try_submit(event(3), ioc.get_executor(), record));
    run_until(ioc, results, 3);
    REQUIRE(results.size() == 3);
    CHECK(results[0] == audit_result(1));
    CHECK(!results[1]);
    CHECK(results[2] == audit_result(2));
    (*w)->stop(); // before the io_context it posts to goes away

    CHECK(!audit_writer::open(dir.path + "/missing/cairn.db", nullptr));
    CHECK(!audit_writer::open(dir.db(), nullptr, {.queue_capacity = 0}));
}

// When sqlite abandons the whole batch transaction (disk full, I/O error; here a trigger
// raising ROLLBACK), rows already appended in it are reported failed, never committed.
TEST_CASE("audit writer: a transaction lost mid-batch is reported row by row")
{
    temp_dir dir;
    audit_key k1 = init_log(dir.db());
    {
        auto db = database::open(dir.db());
        REQUIRE(db);
        REQUIRE(db->exec("CREATE TRIGGER lose_batch BEFORE INSERT ON audit "
                         "WHEN NEW.actor = 'tok7' BEGIN SELECT RAISE(ROLLBACK, 'lost'); END"));
    }
    gate_sink gate;
    auto w = audit_writer::open(dir.db(), &gate);
    REQUIRE(w);
    net::io_context ioc;
    std::vector<audit_result> results;
    auto record = [&](audit_result r) { results.push_back(std::move(r)); };
    REQUIRE((*w)->try_submit(event(0), ioc.get_executor(), record));
    gate.wait_entered(); // events 1..10 now queue up and form one batch
    for (int i = 1; i <= 10; ++i)
        REQUIRE((*w)->try_submit(event(i), ioc.get_executor(), record));
    gate.release();
    run_until(ioc, results, 11);
    (*w)->stop();
    REQUIRE(results.size() == 11);
    CHECK(results[0] == audit_result(1));
    for (std::size_t i = 1; i <= 7; ++i) {
        CAPTURE(i);
        REQUIRE(!results[i]);
        CHECK(results[i].error().find("lost") != std::string::npos);
    }
    CHECK(results[8] == audit_result(2));
    CHECK(results[9] == audit_result(3));
    CHECK(results[10] == audit_result(4));
    CHECK(gate.seqs == std::vector<std::int64_t>{1, 2, 3, 4});
    auto db = database::open(dir.db());
    REQUIRE(db);
    audit_log log(*db);
    auto rows = log.read({});
    REQUIRE(rows);
    REQUIRE(rows->size() == 4);
    CHECK((*rows)[1].actor == "tok8");
    auto v = log.verify(k1);
    REQUIRE(v);
    CHECK(v->ok);
}
