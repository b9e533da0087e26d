// SPDX-License-Identifier: GPL-3.0-or-later
// Tests for auth::token_store on a real sqlite file in a temporary directory.
#include "auth/token_store.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <unistd.h>

using namespace std::chrono_literals;

namespace {

const auth::time_point t0{std::chrono::seconds{1'700'000'000} + 123456us};

struct temp_db
{
    std::string dir;
    std::string path;
    std::optional<auth::database> db;
    temp_db()
    {
        std::string tmpl = (std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp");
        tmpl += "/cairn-tokstore-XXXXXX";
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        dir = tmpl;
        path = dir + "/" + auth::database_file;
        auto opened = auth::database::open(path);
        REQUIRE_MESSAGE(opened.has_value(), opened.error());
        db.emplace(std::move(*opened));
        auto schema = auth::token_store::ensure_schema(*db);
        REQUIRE_MESSAGE(schema.has_value(), schema.error());
    }
    ~temp_db()
    {
        db.reset();
        for (const char* suffix : {"", "-wal", "-shm", "-journal"})
            ::unlink((path + suffix).c_str());
        ::unlink((dir + "/pepper").c_str());
        ::rmdir(dir.c_str());
    }
    // Every byte of the database and its WAL, to look for leaked secrets.
    std::string raw_bytes() const
    {
        std::string all;
        for (const char* suffix : {"", "-wal"}) {
            std::ifstream f(path + suffix, std::ios::binary);
            all.append(std::istreambuf_iterator<char>(f), {});
        }
        return all;
    }
};

auth::token sample(std::string id = "c7m2k9q4xz")
{
    auth::token t;
    t.id = std::move(id);
    t.label = "rover of Bauer Müller";
    t.scopes = {{"DEMO", auth::access::read}, {"*", auth::access::publish}};
    t.expires = t0 + std::chrono::days{90};
    t.allow = {*auth::cidr::parse("192.0.2.0/24"), *auth::cidr::parse("2001:db8::/32")};
    t.max_sessions = 3;
    t.created = t0;
    t.created_by = "root";
    t.secret_mac.assign(auth::mac_bytes, 0x17);
    return t;
}

void check_same(const auth::token& a, const auth::token& b)
{
    CHECK(a.id == b.id);
    CHECK(a.label == b.label);
    CHECK(a.scopes == b.scopes);
    CHECK(a.expires == b.expires);
    CHECK(a.allow == b.allow);
    CHECK(a.max_sessions == b.max_sessions);
    CHECK(a.created == b.created);
    CHECK(a.created_by == b.created_by);
    CHECK(a.last_used == b.last_used);
    CHECK(a.revoked == b.revoked);
    CHECK(a.revoked_by == b.revoked_by);
    CHECK(a.secret_mac == b.secret_mac);
}

} // namespace

TEST_CASE("token store: create, find, list, touch, rotate, revoke")
{
    temp_db t;
    CHECK(auth::token_store::ensure_schema(*t.db)); // idempotent
    auth::token_store store(*t.db);

    const auto tok = sample();
    REQUIRE(store.create(tok));
    auto found = store.find(tok.id);
    REQUIRE(found.has_value());
    REQUIRE(found->has_value());
    check_same(**found, tok);

    auto missing = store.find("c0000000000");
    REQUIRE(missing.has_value());
    CHECK_FALSE(missing->has_value());
    auto junk = store.find("'; DROP TABLE tokens; --");
    REQUIRE(junk.has_value());
    CHECK_FALSE(junk->has_value());

    auto second = sample("cabcdefghj");
    second.created = t0 + 1s;
    second.expires.reset();
    second.allow.clear();
    REQUIRE(store.create(second));
    auto rows = store.list();
    REQUIRE(rows.has_value());
    REQUIRE(rows->size() == 2);
    CHECK((*rows)[0].id == tok.id); // oldest first
    CHECK((*rows)[1].id == second.id);
    CHECK((*rows)[0].scopes == tok.scopes);
    CHECK((*rows)[1].allow.empty());

    // last_used moves forward only.
    REQUIRE(store.touch_last_used(tok.id, t0 + 10s));
    REQUIRE(store.touch_last_used(tok.id, t0 + 5s));
    CHECK(store.find(tok.id)->value().last_used == t0 + 10s);
    CHECK_FALSE(store.touch_last_used("c0000000000", t0));

    const std::vector<std::uint8_t> new_mac(auth::mac_bytes, 0x99);
    REQUIRE(store.rotate(tok.id, new_mac));
    CHECK(store.find(tok.id)->value().secret_mac == new_mac);
    CHECK_FALSE(store.rotate(tok.id, std::vector<std::uint8_t>(31, 1)));
    auto r = store.rotate("c0000000000", new_mac);
    REQUIRE_FALSE(r);
    CHECK(r.error().find("no token") != std::string::npos);

    REQUIRE(store.revoke(tok.id, t0 + 20s, "admin:alice"));
    const auto revoked = store.find(tok.id)->value();
    CHECK(revoked.revoked == t0 + 20s);
    CHECK(revoked.revoked_by == "admin:alice");
    auto again = store.revoke(tok.id, t0 + 30s, "root");
    REQUIRE_FALSE(again);
    CHECK(again.error().find("is revoked") != std::string::npos);
    CHECK(store.find(tok.id)->value().revoked == t0 + 20s);
    auto rot = store.rotate(tok.id, new_mac);
    REQUIRE_FALSE(rot);
    CHECK(rot.error().find("is revoked") != std::string::npos);
    CHECK_FALSE(store.revoke("c0000000000", t0, "root"));
    CHECK_FALSE(store.revoke(second.id, t0, ""));
    CHECK(store.touch_last_used(tok.id, t0 + 40s)); // a use racing a revocation is recorded
}

TEST_CASE("token ids are never reused, rows never deleted, revocations never undone")
{
    temp_db t;
    auth::token_store store(*t.db);
    auto tok = sample();
    REQUIRE(store.create(tok));
    auto dup = store.create(tok);
    REQUIRE_FALSE(dup);
    CHECK(dup.error().find("already exists") != std::string::npos);
    REQUIRE(store.revoke(tok.id, t0, "root"));
    tok.label = "a new token reusing the id";
    dup = store.create(tok);
    REQUIRE_FALSE(dup);
    CHECK(dup.error().find("never reused") != std::string::npos);

    auto del = t.db->exec("DELETE FROM tokens WHERE id = 'c7m2k9q4xz'");
    REQUIRE_FALSE(del);
    CHECK(del.error().find("never deleted") != std::string::npos);
    auto unrevoke = t.db->exec("UPDATE tokens SET revoked_us = NULL");
    REQUIRE_FALSE(unrevoke);
    CHECK(unrevoke.error().find("stays revoked") != std::string::npos);
    CHECK_FALSE(t.db->exec("UPDATE tokens SET id = 'cbbbbbbbbb'"));
    CHECK(store.find("c7m2k9q4xz")->value().revoked.has_value());

    // A refused create leaves nothing behind (no orphan scopes or blocks).
    auto bad = sample("cbbbbbbbbb");
    bad.scopes.push_back(bad.scopes[0]);
    CHECK_FALSE(store.create(bad));
    CHECK_FALSE(store.find("cbbbbbbbbb")->has_value());
    auto revoked_at_birth = sample("cbbbbbbbbb");
    revoked_at_birth.revoked = t0;
    revoked_at_birth.revoked_by = "root";
    CHECK_FALSE(store.create(revoked_at_birth));
}

TEST_CASE("create inside a caller's transaction commits or rolls back with it")
{
    temp_db t;
    auth::token_store store(*t.db);
    REQUIRE(t.db->begin());
    REQUIRE(store.create(sample()));
    t.db->rollback();
    CHECK_FALSE(store.find("c7m2k9q4xz")->has_value());
    REQUIRE(t.db->begin());
    REQUIRE(store.create(sample()));
    REQUIRE(t.db->commit());
    CHECK(store.find("c7m2k9q4xz")->has_value());
}

TEST_CASE("a row edited by hand into nonsense is reported, not trusted")
{
    temp_db t;
    auth::token_store store(*t.db);
    REQUIRE(store.create(sample()));
    REQUIRE(t.db->exec("INSERT INTO token_scopes VALUES ('c7m2k9q4xz', 'bad mount', 'read')"));
    auto f = store.find("c7m2k9q4xz");
    REQUIRE_FALSE(f);
    CHECK(f.error().find("is damaged") != std::string::npos);
    CHECK_FALSE(store.list());

    temp_db u;
    auth::token_store other(*u.db);
    REQUIRE(other.create(sample()));
    REQUIRE(u.db->exec("UPDATE tokens SET max_sessions = 0"));
    CHECK_FALSE(other.find("c7m2k9q4xz"));
    REQUIRE(u.db->exec("UPDATE tokens SET max_sessions = 2, expires_us = 9223372036854775807"));
    auto far = other.find("c7m2k9q4xz");
    REQUIRE_FALSE(far);
    CHECK(far.error().find("time out of range") != std::string::npos);
}

TEST_CASE("times are stored as integer microseconds since the epoch")
{
    CHECK(auth::token_store::to_db_time(t0) == 1'700'000'000'123'456);
    CHECK(auth::token_store::from_db_time(1'700'000'000'123'456) == t0);
    CHECK(auth::token_store::from_db_time(0) == auth::time_point{});
    CHECK_FALSE(auth::token_store::from_db_time(INT64_MAX).has_value());
    CHECK_FALSE(auth::token_store::from_db_time(INT64_MIN).has_value());

    temp_db t;
    auth::token_store store(*t.db);
    REQUIRE(store.create(sample()));
    auto q = t.db->prepare("SELECT created_us, typeof(created_us) FROM tokens");
    REQUIRE(q);
    REQUIRE(q->step().value());
    CHECK(q->column_int(0) == 1'700'000'000'123'456);
    CHECK(q->column_text(1) == "integer");
}

TEST_CASE("a created secret reaches neither the database nor the listing")
{
    temp_db t;
    auto p = auth::pepper::load_or_create(t.dir);
    REQUIRE(p.has_value());
    const auto sec = auth::new_secret();
    REQUIRE(sec.has_value());
    auto tok = sample();
    tok.secret_mac = auth::secret_mac(*p, sec->reveal());
    auth::token_store store(*t.db);
    REQUIRE(store.create(tok));
    REQUIRE(t.db->exec("PRAGMA wal_checkpoint(FULL)"));

    const auto raw = t.raw_bytes();
    REQUIRE(raw.find("c7m2k9q4xz") != std::string::npos); // the grep does see the file
    CHECK(raw.find(sec->reveal()) == std::string::npos);
    auto rows = store.list();
    REQUIRE(rows.has_value());
    for (const auto& row : *rows)
        CHECK(auth::format_listing(row, t0).find(sec->reveal()) == std::string::npos);
    CHECK(auth::verify_secret(*p, sec->reveal(), store.find(tok.id)->value().secret_mac));
}
