// SPDX-License-Identifier: GPL-3.0-or-later
// The users table on a real sqlite file: CRUD, login outcomes, rehash on login, no secrets
// in listings or in the file.
#include "auth/user_store.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr auth::scrypt_params fast{10, 8, 1};
const auto t0 = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
constexpr std::string_view alice_pw = "granite ridge antenna 42";

// A fresh directory with an opened cairn.db and the users table; removed afterwards.
struct temp_db
{
    fs::path dir;
    auth::database db;

    static fs::path make_dir()
    {
        std::string tmpl = (fs::temp_directory_path() / "cairn-users-XXXXXX").string();
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        return tmpl;
    }
    static auth::database open(const fs::path& dir)
    {
        auto db = auth::database::open((dir / auth::database_file).string());
        REQUIRE_MESSAGE(db, db.error());
        return std::move(*db);
    }
    temp_db() : dir(make_dir()), db(open(dir))
    {
        REQUIRE(auth::user_store::ensure_schema(db));
        REQUIRE(auth::user_store::ensure_schema(db)); // idempotent
    }
    ~temp_db()
    {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    fs::path file() const { return dir / auth::database_file; }
};

std::atomic<int> kdf_calls{0};
void count_kdf()
{
    ++kdf_calls;
}

struct hook_guard
{
    hook_guard()
    {
        kdf_calls = 0;
        auth::detail::set_kdf_test_hook(count_kdf);
    }
    ~hook_guard() { auth::detail::set_kdf_test_hook(nullptr); }
};

std::string slurp(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::int64_t us(std::chrono::system_clock::time_point t)
{
    return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

} // namespace

// Listings cannot carry a hash: the struct has no such member.
template <typename T>
concept has_hash = requires(T u)
{
    u.hash;
};
template <typename T>
concept has_password = requires(T u)
{
    u.password;
};
static_assert(!has_hash<auth::user_info> && !has_password<auth::user_info>);
static_assert(has_hash<auth::user_record>); // the concept itself can say yes

TEST_CASE("roles: names, parsing, order")
{
    for (auto r : {auth::role::viewer, auth::role::operator_, auth::role::admin})
        CHECK(auth::parse_role(auth::to_string(r)) == r);
    CHECK(auth::to_string(auth::role::operator_) == "operator");
    CHECK_FALSE(auth::parse_role("Admin"));
    CHECK_FALSE(auth::parse_role("root"));
    CHECK_FALSE(auth::parse_role(""));
    CHECK(auth::at_least(auth::role::admin, auth::role::operator_));
    CHECK(auth::at_least(auth::role::operator_, auth::role::operator_));
    CHECK_FALSE(auth::at_least(auth::role::viewer, auth::role::operator_));
}

TEST_CASE("user names: [a-z_][a-z0-9_.-]{0,31}")
{
    for (std::string_view ok : {"a", "_", "alice", "ops.team-1", "_svc", "a0_.-",
                                "abcdefghijklmnopqrstuvwxyz012345"}) // 32
        CHECK_MESSAGE(auth::valid_user_name(ok), ok);
    for (std::string_view bad :
         {"", "Alice", "1alice", ".alice", "-alice", "al ice", "al$", "al\nice", "al/ice", "élodie",
          "abcdefghijklmnopqrstuvwxyz0123456"}) // 33
        CHECK_FALSE_MESSAGE(auth::valid_user_name(bad), bad);
}

TEST_CASE("user_store: add, list, find, duplicates, bad input")
{
    temp_db t;
    auth::user_store users(t.db, fast);
    REQUIRE(users.add("alice", auth::role::admin, alice_pw, "cairnctl", t0));
    REQUIRE(users.add("bob", auth::role::viewer, "bob's long passphrase", "alice", t0 + 1s));

    auto dup = users.add("alice", auth::role::viewer, "another long passphrase", "x", t0);
    REQUIRE_FALSE(dup);
    CHECK(dup.error() == "user alice already exists");

    auto bad_name = users.add("Alice", auth::role::viewer, alice_pw, "x", t0);
    REQUIRE_FALSE(bad_name);
    CHECK(bad_name.error().find("a-z") != std::string::npos);

    auto weak = users.add("carol", auth::role::viewer, "admin", "x", t0);
    REQUIRE_FALSE(weak);
    CHECK(weak.error().find("common") != std::string::npos);
    auto own_name = users.add("carolineadmin", auth::role::viewer, "CarolineAdmin", "x", t0);
    REQUIRE_FALSE(own_name);
    CHECK(own_name.error().find("user name") != std::string::npos);

    auto list = users.list();
    REQUIRE(list);
    REQUIRE(list->size() == 2);
    CHECK((*list)[0] ==
          auth::user_info{"alice", auth::role::admin, us(t0), "cairnctl", us(t0), false});
    CHECK((*list)[1] ==
          auth::user_info{"bob", auth::role::viewer, us(t0 + 1s), "alice", us(t0 + 1s), false});

    auto found = users.find("alice");
    REQUIRE(found);
    REQUIRE(*found);
    CHECK((*found)->info == (*list)[0]);
    CHECK(auth::verify_password(alice_pw, (*found)->hash).value());
    CHECK(auth::parse_hash_params((*found)->hash) == fast);

    auto none = users.find("nobody");
    REQUIRE(none);
    CHECK_FALSE(*none);
    auto invalid = users.find("Not A Name");
    REQUIRE(invalid);
    CHECK_FALSE(*invalid);
}

TEST_CASE("user_store: set_password, set_role, set_disabled, remove")
{
    temp_db t;
    auth::user_store users(t.db, fast);
    REQUIRE(users.add("alice", auth::role::operator_, alice_pw, "cairnctl", t0));

    auto weak = users.set_password("alice", "short", t0 + 1s);
    REQUIRE_FALSE(weak);
    CHECK(weak.error().find("at least 12") != std::string::npos);
    REQUIRE(users.set_password("alice", "a brand new passphrase", t0 + 2s));
    auto rec = users.find("alice").value();
    REQUIRE(rec);
    CHECK(rec->info.changed_us == us(t0 + 2s));
    CHECK(rec->info.created_us == us(t0));
    CHECK_FALSE(auth::verify_password(alice_pw, rec->hash).value());
    CHECK(auth::verify_password("a brand new passphrase", rec->hash).value());

    REQUIRE(users.set_role("alice", auth::role::admin, t0 + 3s));
    REQUIRE(users.set_role("alice", auth::role::viewer, t0 + 3s));
    CHECK(users.find("alice").value()->info.user_role == auth::role::viewer);
    REQUIRE(users.set_disabled("alice", true, t0 + 4s));
    auto info = users.find("alice").value()->info;
    CHECK(info.disabled);
    CHECK(info.changed_us == us(t0 + 4s));

    for (auto r : {users.set_password("ghost", "a brand new passphrase", t0),
                   users.set_role("ghost", auth::role::admin, t0),
                   users.set_disabled("ghost", true, t0), users.remove("ghost")}) {
        REQUIRE_FALSE(r);
        CHECK(r.error() == "no user named ghost");
    }

    REQUIRE(users.remove("alice"));
    CHECK(users.list().value().empty());
    CHECK_FALSE(users.find("alice").value());
}

TEST_CASE("user_store: login outcomes look the same to the client")
{
    temp_db t;
    auth::user_store users(t.db, fast);
    REQUIRE(users.add("alice", auth::role::admin, alice_pw, "cairnctl", t0));
    REQUIRE(users.add("bob", auth::role::viewer, "bob's long passphrase", "alice", t0));
    REQUIRE(users.set_disabled("bob", true, t0));

    auto ok = users.login("alice", alice_pw, t0);
    REQUIRE(ok);
    CHECK(ok->outcome == auth::login_outcome::ok);
    REQUIRE(ok->user);
    CHECK(ok->user->name == "alice");
    CHECK(ok->user->user_role == auth::role::admin);
    CHECK(ok->client_message().empty());
    CHECK_FALSE(ok->rehashed);

    auto bad = users.login("alice", "granite ridge antenna 43", t0);
    auto unknown = users.login("mallory", alice_pw, t0);
    auto invalid = users.login("Robert'); DROP TABLE users;--", alice_pw, t0);
    auto disabled = users.login("bob", "bob's long passphrase", t0);
    REQUIRE(bad);
    REQUIRE(unknown);
    REQUIRE(invalid);
    REQUIRE(disabled);
    CHECK(bad->outcome == auth::login_outcome::bad_password);
    CHECK(unknown->outcome == auth::login_outcome::unknown_user);
    CHECK(invalid->outcome == auth::login_outcome::unknown_user);
    CHECK(disabled->outcome == auth::login_outcome::disabled);
    for (const auto* r : {&*bad, &*unknown, &*invalid, &*disabled}) {
        CHECK(r->client_message() == auth::login_failed_message);
        CHECK_FALSE(r->user);
    }
    CHECK(users.list().value().size() == 2);
}

TEST_CASE("user_store: an unknown user still costs exactly one scrypt")
{
    temp_db t;
    auth::user_store users(t.db, fast);
    REQUIRE(users.add("alice", auth::role::admin, alice_pw, "cairnctl", t0));
    {
        hook_guard g;
        REQUIRE(users.login("mallory", alice_pw, t0));
        CHECK(kdf_calls == 1);
    }
    {
        hook_guard g;
        REQUIRE(users.login("alice", "wrong but long enough", t0));
        CHECK(kdf_calls == 1);
    }
}

TEST_CASE("user_store: login rewrites the hash when the parameters fell behind")
{
    temp_db t;
    {
        auth::user_store old_store(t.db, fast);
        REQUIRE(old_store.add("alice", auth::role::admin, alice_pw, "cairnctl", t0));
    }
    const std::string old_hash = auth::user_store(t.db, fast).find("alice").value()->hash;
    const auth::scrypt_params stronger{11, 8, 2};
    auth::user_store users(t.db, stronger);

    // A wrong password never triggers the upgrade.
    auto bad = users.login("alice", "not the passphrase", t0 + 1s);
    REQUIRE(bad);
    CHECK_FALSE(bad->rehashed);
    CHECK(users.find("alice").value()->hash == old_hash);

    hook_guard g;
    auto r = users.login("alice", alice_pw, t0 + 1s);
    REQUIRE(r);
    CHECK(r->outcome == auth::login_outcome::ok);
    CHECK(r->rehashed);
    CHECK(r->rehash_error.empty());
    CHECK(kdf_calls == 2); // verify at the old params, hash at the new ones
    auto rec = users.find("alice").value();
    CHECK(rec->hash != old_hash);
    CHECK(auth::parse_hash_params(rec->hash) == stronger);
    CHECK(auth::verify_password(alice_pw, rec->hash).value());
    CHECK(rec->info.changed_us == us(t0)); // an upgrade is not a change by a person

    // Up to date now: the next login leaves the row alone.
    auto again = users.login("alice", alice_pw, t0 + 2s);
    REQUIRE(again);
    CHECK_FALSE(again->rehashed);
    CHECK(users.find("alice").value()->hash == rec->hash);

    // A store with lower params never downgrades.
    auto weaker = auth::user_store(t.db, fast).login("alice", alice_pw, t0 + 3s);
    REQUIRE(weaker);
    CHECK(weaker->outcome == auth::login_outcome::ok);
    CHECK_FALSE(weaker->rehashed);
    CHECK(users.find("alice").value()->hash == rec->hash);
}

TEST_CASE("user_store: a failed upgrade does not block a good login")
{
    temp_db t;
    REQUIRE(auth::user_store(t.db, fast).add("alice", auth::role::admin, alice_pw, "x", t0));
    auto ro = auth::database::open(t.file().string(), true);
    REQUIRE(ro);
    auth::user_store users(*ro, {11, 8, 1});
    auto r = users.login("alice", alice_pw, t0);
    REQUIRE(r);
    CHECK(r->outcome == auth::login_outcome::ok);
    CHECK_FALSE(r->rehashed);
    CHECK_FALSE(r->rehash_error.empty());
    CHECK(auth::parse_hash_params(users.find("alice").value()->hash) == fast);
}

TEST_CASE("user_store: a corrupt stored hash is an error, not a wrong password")
{
    temp_db t;
    auth::user_store users(t.db, fast);
    REQUIRE(users.add("alice", auth::role::admin, alice_pw, "x", t0));
    // A hostile row asking for 1 GiB: refused before any allocation.
    REQUIRE(t.db.exec("UPDATE users SET hash = '$scrypt$ln=20,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$"
                      "mp90zEQd5XGhjEv4WArVH4Z0XRSzkGWtJK2S/AXJlRU'"));
    auto r = users.login("alice", alice_pw, t0);
    REQUIRE_FALSE(r);
    CHECK(r.error().find("malformed scrypt hash") != std::string::npos);
}

TEST_CASE("user_store: default admin parameters end to end")
{
    temp_db t;
    auth::user_store users(t.db); // admin_scrypt_params
    CHECK(users.params() == auth::admin_scrypt_params);
    REQUIRE(users.add("alice", auth::role::admin, alice_pw, "cairnctl", t0));
    CHECK(users.find("alice").value()->hash.starts_with("$scrypt$ln=16,r=8,p=1$"));
    auto r = users.login("alice", alice_pw, t0);
    REQUIRE(r);
    CHECK(r->outcome == auth::login_outcome::ok);
    CHECK_FALSE(r->rehashed);
}

TEST_CASE("user_store: neither password nor hash appears in listings or the database file")
{
    temp_db t;
    std::string hash;
    {
        auth::user_store users(t.db, fast);
        REQUIRE(users.add("alice", auth::role::admin, alice_pw, "cairnctl", t0));
        REQUIRE(users.add("bob", auth::role::viewer, "bob's long passphrase", "alice", t0));
        REQUIRE(users.set_password("bob", "bob's second passphrase", t0));
        hash = users.find("alice").value()->hash;
        auto listed = users.list();
        REQUIRE(listed);
        REQUIRE(listed->size() == 2);
        for (const auto& u : *listed) {
            for (const std::string& field : {u.name, u.created_by}) {
                CHECK(field.find(alice_pw) == std::string::npos);
                CHECK(field.find(hash) == std::string::npos);
            }
        }
    }
    REQUIRE(t.db.exec("PRAGMA wal_checkpoint(TRUNCATE)"));
    std::string bytes = slurp(t.file()) + slurp(t.dir / "cairn.db-wal");
    CHECK(bytes.find(hash) != std::string::npos); // the check can see text in the file
    CHECK(bytes.find(alice_pw) == std::string::npos);
    CHECK(bytes.find("bob's long passphrase") == std::string::npos);
    CHECK(bytes.find("bob's second passphrase") == std::string::npos);
}
