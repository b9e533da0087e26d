// SPDX-License-Identifier: GPL-3.0-or-later
// The sqlite wrapper on a real file: mode 0600, pragmas, statements, data_version.
#include "auth/db.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <sys/stat.h>

namespace {

struct temp_dir
{
    std::string path;
    temp_dir()
    {
        char t[] = "/tmp/cairn-db-test-XXXXXX";
        REQUIRE(::mkdtemp(t));
        path = t;
    }
    ~temp_dir() { std::filesystem::remove_all(path); }
};

} // namespace

TEST_CASE("database file is created owner-only with WAL and FULL sync")
{
    temp_dir d;
    auto path = d.path + "/cairn.db";
    auto db = auth::database::open(path);
    REQUIRE(db);
    struct stat st{};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    auto mode = db->prepare("PRAGMA journal_mode");
    REQUIRE(mode);
    REQUIRE(mode->step().value());
    CHECK(mode->column_text(0) == "wal");
    auto sync = db->prepare("PRAGMA synchronous");
    REQUIRE(sync);
    REQUIRE(sync->step().value());
    CHECK(sync->column_int(0) == 2); // FULL
}

TEST_CASE("statements bind values, never SQL text")
{
    temp_dir d;
    auto db = auth::database::open(d.path + "/cairn.db");
    REQUIRE(db);
    REQUIRE(db->exec("CREATE TABLE t(a INTEGER, b TEXT, c BLOB)"));
    auto ins = db->prepare("INSERT INTO t VALUES(?1, ?2, ?3)");
    REQUIRE(ins);
    std::vector<std::uint8_t> blob{0, 1, 2, 0xFF};
    REQUIRE(ins->bind(1, std::int64_t{42}).bind(2, std::string_view("x'); DROP TABLE t;--"))
                .bind_blob(3, blob)
                .run());
    auto sel = db->prepare("SELECT a, b, c FROM t");
    REQUIRE(sel);
    REQUIRE(sel->step().value());
    CHECK(sel->column_int(0) == 42);
    CHECK(sel->column_text(1) == "x'); DROP TABLE t;--");
    CHECK(sel->column_blob(2) == blob);
    CHECK_FALSE(sel->step().value());
}

TEST_CASE("data_version changes when another connection commits")
{
    temp_dir d;
    auto a = auth::database::open(d.path + "/cairn.db");
    auto b = auth::database::open(d.path + "/cairn.db");
    REQUIRE(a);
    REQUIRE(b);
    REQUIRE(a->exec("CREATE TABLE t(x)"));
    auto v1 = a->data_version();
    REQUIRE(b->exec("INSERT INTO t VALUES(1)"));
    CHECK(a->data_version() != v1);
    auto v2 = a->data_version();
    REQUIRE(a->exec("INSERT INTO t VALUES(2)")); // own writes do not count
    CHECK(a->data_version() == v2);
}

TEST_CASE("errors name the file and sqlite's reason")
{
    auto db = auth::database::open("/nonexistent-dir/cairn.db");
    REQUIRE_FALSE(db);
    CHECK(db.error().find("/nonexistent-dir/cairn.db") != std::string::npos);
    temp_dir d;
    auto ok = auth::database::open(d.path + "/cairn.db");
    REQUIRE(ok);
    auto bad = ok->exec("SELEC nonsense");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().find("syntax") != std::string::npos);
}
