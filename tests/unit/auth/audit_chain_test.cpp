// SPDX-License-Identifier: GPL-3.0-or-later
// Tests for the audit chain: encoding vectors, the secret guard, time text, and every
// tamper case the verifier must name, in memory (audit_log_test does it on sqlite).
#include "auth/audit_chain.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <random>

using namespace auth;
using namespace std::chrono;

namespace {

const audit_key key1 = [] {
    audit_key k{};
    k.fill(0x01);
    return k;
}();

system_clock::time_point t0()
{
    return sys_days{year{2026} / 11 / 26} + 15h + 4min + 5s;
}

audit_event sample_event(int i)
{
    return {audit_category::auth,
            i % 2 ? "auth.fail" : "auth.ok",
            "tok" + std::to_string(i),
            "192.0.2." + std::to_string(i % 250),
            "MOUNT" + std::to_string(i % 3),
            i % 2 ? "bad_secret" : "ok",
            nlohmann::json{{"n", i}}};
}

std::vector<audit_row> make_log(std::size_t n, audit_key k = key1)
{
    std::vector<audit_row> rows;
    audit_digest prev = audit_genesis_hash();
    for (std::size_t i = 1; i <= n; ++i) {
        auto ii = static_cast<std::int64_t>(i);
        auto r = make_audit_row(sample_event(static_cast<int>(i)), ii, t0() + seconds{ii});
        REQUIRE(r);
        seal_audit_row(*r, prev, k);
        std::copy(r->hash.begin(), r->hash.end(), prev.begin());
        k = evolve_audit_key(k);
        rows.push_back(std::move(*r));
    }
    return rows;
}

audit_digest digest_of(const std::vector<std::uint8_t>& v)
{
    audit_digest d{};
    std::copy(v.begin(), v.end(), d.begin());
    return d;
}

// Recomputes hashes from index `from` on, as anyone can (the chain has no secret), and
// MACs only where a key is given for that row.
void rechain(std::vector<audit_row>& rows, std::size_t from)
{
    audit_digest prev = from == 0 ? audit_genesis_hash() : digest_of(rows[from - 1].hash);
    for (std::size_t i = from; i < rows.size(); ++i) {
        auto h = audit_chain_hash(prev, rows[i]);
        rows[i].hash.assign(h.begin(), h.end());
        prev = h;
    }
}

void renumber(std::vector<audit_row>& rows)
{
    for (std::size_t i = 0; i < rows.size(); ++i)
        rows[i].seq = static_cast<std::int64_t>(i + 1);
}

void swap_content(audit_row& a, audit_row& b)
{
    std::swap(a, b);
    std::swap(a.seq, b.seq); // seq is the position (the sqlite primary key); content moves
}

audit_verdict check(const std::vector<audit_row>& rows, audit_verify_options o = {})
{
    return verify_audit_rows(rows, std::move(o));
}

audit_verify_options with_key()
{
    return {.initial_key = key1};
}

} // namespace

TEST_CASE("audit chain: the encoding matches an independent implementation")
{
    auto row = make_audit_row({audit_category::auth, "auth.fail", "tok1", "192.0.2.7", "MOUNT1",
                               "bad_secret", nlohmann::json{{"tries", 3}}},
                              1, t0() + 123456us);
    REQUIRE(row);
    CHECK(to_hex(audit_genesis_hash()) ==
          "d205f1b64c153965bf90388cdfa4da73ce885c251906c544a91f5b83b9cecfdc");
    CHECK(to_hex(audit_canonical(*row)) ==
          "636169726e2d61756469742d763100000000000000010000001b323032362d31312d32365431353a3034"
          "3a30352e3132333435365a000000046175746800000009617574682e6661696c00000004746f6b310000"
          "00093139322e302e322e37000000064d4f554e54310000000a6261645f7365637265740000000b7b2274"
          "72696573223a337d");
    seal_audit_row(*row, audit_genesis_hash(), key1);
    CHECK(to_hex(row->hash) == "3f66d3a52b8e36f5cee3d5102506977e18ae615a88ae100d028dd3e7264bb43b");
    CHECK(to_hex(row->mac) == "4ce3ec658458d32f6a08cb7149b1fd35204034ec016b6627918f4145af9bf21b");
    CHECK(to_hex(evolve_audit_key(key1)) ==
          "10f4bd0a5a541c52597e739d63f9b19953af7bd511bc6f121115cdc0161e07e5");
}

TEST_CASE("audit chain: field boundaries cannot shift")
{
    audit_row a, b;
    a.seq = b.seq = 1;
    a.actor = "ab";
    a.source = "c";
    b.actor = "a";
    b.source = "bc";
    CHECK(audit_canonical(a) != audit_canonical(b));
    CHECK(audit_chain_hash(audit_genesis_hash(), a) != audit_chain_hash(audit_genesis_hash(), b));
    b = a;
    b.seq = 2;
    CHECK(audit_chain_hash(audit_genesis_hash(), a) != audit_chain_hash(audit_genesis_hash(), b));
}

TEST_CASE("audit chain: categories round-trip")
{
    for (int i = 0; i <= static_cast<int>(audit_category::audit); ++i) {
        auto c = static_cast<audit_category>(i);
        CHECK(parse_audit_category(to_string(c)) == c);
    }
    CHECK(!parse_audit_category("Auth"));
    CHECK(!parse_audit_category(""));
}

TEST_CASE("audit chain: the secret guard refuses keys named like secrets")
{
    for (const char* k : {"secret", "password", "token_secret", "key", "pepper", "apiKey",
                          "private_key", "Password", "new-password", "passwd", "client_secret",
                          "cookie", "authorization", "secretSauce", "credentials"}) {
        CAPTURE(std::string(k));
        CHECK(find_secret_like_key({{k, "x"}}) == std::string(k));
        auto r = make_audit_row({audit_category::token,
                                 "token.create",
                                 "",
                                 "",
                                 "",
                                 "ok",
                                 {{"outer", {{"list", {1, {{k, 2}}}}}}}},
                                1, t0());
        CHECK(!r);
    }
    for (const char* k : {"monkey", "keyboard", "reason", "role", "setting", "mountpoint",
                          "token_id", "scopes", "bytes"}) {
        CAPTURE(std::string(k));
        CHECK(!find_secret_like_key({{k, "x"}}));
    }
    nlohmann::json deep = 1;
    for (std::size_t i = 0; i <= audit_details_depth_max; ++i)
        deep = nlohmann::json{{"d", deep}};
    CHECK(find_secret_like_key(deep));
}

TEST_CASE("audit chain: make_audit_row validates the name and caps what attackers control")
{
    audit_event ev{audit_category::auth, "auth.fail", "", "", "", "bad_secret", {}};
    for (const char* bad : {"", "Auth.Fail", "auth fail", "auth\nfail", "auth.fail;"}) {
        ev.event = bad;
        CHECK(!make_audit_row(ev, 1, t0()));
    }
    ev.event = std::string(audit_event_name_max, 'a');
    CHECK(make_audit_row(ev, 1, t0()));
    ev.event = std::string(audit_event_name_max + 1, 'a');
    CHECK(!make_audit_row(ev, 1, t0()));
    ev.event = "auth.fail";
    ev.details = nlohmann::json::array({1, 2});
    CHECK(!make_audit_row(ev, 1, t0()));
    ev.details = nullptr;
    REQUIRE(make_audit_row(ev, 1, t0()));
    CHECK(make_audit_row(ev, 1, t0())->details == "{}");

    // A user name of 1000 bytes, with a newline and a 2-byte UTF-8 character at the cap.
    ev.actor = std::string(audit_field_max - 1, 'u') + "\xc3\xa9" + std::string(1000, 'v');
    ev.source = "198.51.100.1\nINJECTED";
    ev.details = {{"agent", std::string("bad utf8 \xff\xfe")}};
    auto r = make_audit_row(ev, 1, t0());
    REQUIRE(r);
    CHECK(r->actor == std::string(audit_field_max - 1, 'u'));
    CHECK(r->source == "198.51.100.1?INJECTED");
    CHECK(nlohmann::json::parse(r->details)["agent"].get<std::string>().find("bad utf8") == 0);

    ev.details = {{"blob", std::string(audit_details_max, 'x')}};
    r = make_audit_row(ev, 1, t0());
    REQUIRE(r);
    CHECK(r->details.size() <= audit_details_max);
    CHECK(nlohmann::json::parse(r->details)["truncated"] == true);
}

TEST_CASE("audit chain: time text")
{
    CHECK(format_audit_time(t0() + 123456us) == "2026-11-26T15:04:05.123456Z");
    CHECK(format_audit_time(system_clock::time_point{}) == "1970-01-01T00:00:00.000000Z");
    CHECK(format_audit_time(system_clock::time_point{} - 1us) == "1969-12-31T23:59:59.999999Z");
    CHECK(parse_audit_time("2026-11-26T15:04:05.123456Z") == t0() + 123456us);
    CHECK(parse_audit_time("2026-11-26T15:04:05Z") == t0());
    CHECK(parse_audit_time("2026-11-26t15:04:05.5z") == t0() + 500ms);
    CHECK(parse_audit_time("2026-11-26T15:04:05.1234567Z") == t0() + 123456us);
    CHECK(parse_audit_time("2026-11-26T16:34:05+01:30") == t0());
    CHECK(parse_audit_time("2026-11-26T14:04:05-01:00") == t0());
    CHECK(parse_audit_time("2026-11-26") == sys_days{year{2026} / 11 / 26});
    for (const char* bad : {"", "2026", "2026-13-01", "2026-02-30", "2026-11-26T25:00:00Z",
                            "2026-11-26T15:04:05", "2026-11-26T15:04:05.Z", "2026-11-26T15:04Z",
                            "2026-11-26T15:04:05Zjunk", "2026-11-26x", "2026-11-26T15:04:05+1"}) {
        CAPTURE(std::string(bad));
        CHECK(!parse_audit_time(bad));
    }
    std::mt19937 rng(20261126);
    for (int i = 0; i < 200; ++i) {
        auto t = system_clock::time_point{} +
                 microseconds{
                     std::uniform_int_distribution<std::int64_t>(0, 4'102'444'800'000'000)(rng)};
        CHECK(parse_audit_time(format_audit_time(t)) == t);
    }
}

TEST_CASE("audit chain: hex digests and checkpoints")
{
    CHECK(parse_audit_digest(to_hex(key1)) == key1);
    CHECK(parse_audit_digest("  " + to_hex(key1) + "\n") == key1);
    CHECK(!parse_audit_digest(to_hex(key1).substr(1)));
    CHECK(!parse_audit_digest(std::string(64, 'g')));
    audit_checkpoint c{42, key1};
    CHECK(format_audit_checkpoint(c) == "seq=42 mac=" + to_hex(key1));
    CHECK(parse_audit_checkpoint(format_audit_checkpoint(c)) == c);
    CHECK(parse_audit_checkpoint("Nov 26 cairn-audit[1]: audit checkpoint " +
                                 format_audit_checkpoint(c)) == c);
    CHECK(parse_audit_checkpoint("CAIRN_CHECKPOINT_SEQ=7 cairn_seq=8 seq=42 mac=" + to_hex(key1)) ==
          c);
    CHECK(!parse_audit_checkpoint("seq=42"));
    CHECK(!parse_audit_checkpoint("seq=x mac=" + to_hex(key1)));
    CHECK(!parse_audit_checkpoint("seq=4 mac=abc"));
}

TEST_CASE("audit verify: an intact log verifies, with and without the key")
{
    for (std::size_t n : {0, 1, 15, 16, 17, 40}) {
        CAPTURE(n);
        auto rows = make_log(n);
        auto v = check(rows);
        CHECK(v.ok);
        CHECK(v.rows_checked == static_cast<std::int64_t>(n));
        CHECK(!v.macs_checked);
        v = check(rows, with_key());
        CHECK(v.ok);
        CHECK(v.macs_checked);
        CHECK(v.reason.find("intact") != std::string::npos);
    }
    auto rows = make_log(40);
    audit_verify_options o = with_key();
    o.checkpoints = {{20, digest_of(rows[19].mac)}, {40, digest_of(rows[39].mac)}, {0, key1}};
    o.next_seq = 41;
    o.last_hash = digest_of(rows[39].hash);
    auto v = check(rows, o);
    CHECK(v.ok);
    CHECK(v.checkpoints_matched == 2);
}

TEST_CASE("audit verify: each tamper case names its fault and first bad seq")
{
    struct tamper
    {
        const char* name;
        void (*apply)(std::vector<audit_row>&);
        audit_fault fault;
        std::int64_t first_bad;
    };
    const tamper cases[] = {
        {"edit row 5", [](auto& r) { r[4].actor = "mallory"; }, audit_fault::edited, 5},
        {"edit the last row", [](auto& r) { r[39].actor = "x"; }, audit_fault::edited, 40},
        {"delete row 5", [](auto& r) { r.erase(r.begin() + 4); }, audit_fault::deleted, 5},
        {"delete row 1", [](auto& r) { r.erase(r.begin()); }, audit_fault::deleted, 1},
        {"delete rows 5-7 and renumber",
         [](auto& r) {
             r.erase(r.begin() + 4, r.begin() + 7);
             renumber(r);
         },
         audit_fault::deleted, 5},
        {"insert a garbage row at 5",
         [](auto& r) {
             audit_row f = r[4];
             f.actor = "forged";
             f.hash.assign(32, 0xaa);
             r.insert(r.begin() + 4, f);
             renumber(r);
         },
         audit_fault::inserted, 5},
        {"insert a row with a correct hash at 5",
         [](auto& r) {
             audit_row f = r[4];
             f.actor = "forged";
             r.insert(r.begin() + 4, f);
             renumber(r);
             auto h = audit_chain_hash(digest_of(r[3].hash), r[4]);
             r[4].hash.assign(h.begin(), h.end());
         },
         audit_fault::inserted, 5},
        {"insert a duplicate of row 5 at the end", [](auto& r) { r.push_back(r[4]); },
         audit_fault::inserted, 5},
        {"swap rows 4 and 9", [](auto& r) { swap_content(r[3], r[8]); }, audit_fault::reordered, 4},
        {"swap rows 4 and 5", [](auto& r) { swap_content(r[3], r[4]); }, audit_fault::reordered, 4},
        {"move row 9 before row 4",
         [](auto& r) {
             std::rotate(r.begin() + 3, r.begin() + 8, r.begin() + 9);
             renumber(r);
         },
         audit_fault::reordered, 4},
        {"move row 4 after row 9",
         [](auto& r) {
             std::rotate(r.begin() + 3, r.begin() + 4, r.begin() + 9);
             renumber(r);
         },
         audit_fault::reordered, 4},
        {"rows out of order in a file", [](auto& r) { std::swap(r[2], r[3]); },
         audit_fault::reordered, 3},
        {"a hash of 31 bytes", [](auto& r) { r[6].hash.pop_back(); }, audit_fault::malformed, 7},
        {"edit row 5 and recompute its hash (no key: seen at 6)",
         [](auto& r) {
             r[4].actor = "mallory";
             auto h = audit_chain_hash(digest_of(r[3].hash), r[4]);
             r[4].hash.assign(h.begin(), h.end());
         },
         audit_fault::edited, 6},
    };
    for (const auto& t : cases) {
        CAPTURE(std::string(t.name));
        auto rows = make_log(40);
        t.apply(rows);
        // A row whose hash was recomputed passes the chain; with the key its MAC names it.
        const std::string_view name(t.name);
        const bool hash_recomputed =
            name.find("correct hash") != name.npos || name.starts_with("edit row 5 and recompute");
        for (bool keyed : {false, true}) {
            CAPTURE(keyed);
            auto v = check(rows, keyed ? with_key() : audit_verify_options{});
            CHECK(!v.ok);
            if (keyed && hash_recomputed) {
                CHECK(v.fault == audit_fault::bad_mac);
                CHECK(v.first_bad_seq == 5);
                continue;
            }
            CHECK(v.fault == t.fault);
            CHECK(v.first_bad_seq == t.first_bad);
            CHECK(v.reason.find(std::to_string(t.first_bad)) != std::string::npos);
        }
    }
}

TEST_CASE("audit verify: the key catches a rewrite by someone holding a later key")
{
    auto rows = make_log(40);
    // The thief edits row 5 and recomputes every hash after it; the MACs of rows 5..40 need
    // keys k_5..k_40, which were overwritten, so they stay as they were.
    rows[4].actor = "someone-else";
    rechain(rows, 4);
    // Rows appended with the stolen current key k_41 are valid; that is the limit of
    // forward security.
    audit_key k41 = key1;
    for (int i = 0; i < 40; ++i)
        k41 = evolve_audit_key(k41);
    auto extra = make_audit_row(sample_event(41), 41, t0() + 41s);
    REQUIRE(extra);
    seal_audit_row(*extra, digest_of(rows[39].hash), k41);
    rows.push_back(*extra);

    CHECK(check(rows).ok); // without the key the rewrite is invisible
    auto v = check(rows, with_key());
    CHECK(!v.ok);
    CHECK(v.fault == audit_fault::bad_mac);
    CHECK(v.first_bad_seq == 5);

    auto wrong = check(make_log(3), {.initial_key = evolve_audit_key(key1)});
    CHECK(wrong.fault == audit_fault::bad_mac);
    CHECK(wrong.first_bad_seq == 1);
}

TEST_CASE("audit verify: checkpoints and the key row reveal a cut tail or a rewrite")
{
    auto full = make_log(40);
    audit_checkpoint cp40{40, digest_of(full[39].mac)};
    auto cut = full;
    cut.resize(37);
    CHECK(check(cut).ok); // a clean cut is invisible without outside evidence

    auto v = check(cut, {.checkpoints = {cp40}});
    CHECK(v.fault == audit_fault::truncated_tail);
    CHECK(v.first_bad_seq == 38);
    v = check(cut, {.checkpoints = {{20, digest_of(full[19].mac)}}});
    CHECK(v.ok); // the checkpoint before the cut still matches
    v = check(cut, {.next_seq = 41});
    CHECK(v.fault == audit_fault::truncated_tail);
    CHECK(v.first_bad_seq == 38);
    v = check(make_log(0), {.checkpoints = {{1, key1}}});
    CHECK(v.fault == audit_fault::truncated_tail);
    CHECK(v.first_bad_seq == 1);

    v = check(full, {.checkpoints = {{20, key1}}});
    CHECK(v.fault == audit_fault::checkpoint_mismatch);
    CHECK(v.first_bad_seq == 20);

    v = check(full, {.next_seq = 39});
    CHECK(v.fault == audit_fault::inserted);
    CHECK(v.first_bad_seq == 39);
    v = check(full, {.next_seq = 41, .last_hash = digest_of(full[38].hash)});
    CHECK(v.fault == audit_fault::edited);
    CHECK(v.first_bad_seq == 40);
}

// The verifier streams with a window: a fault at every position of logs around the window
// size is found and named (the "split at every offset" case for a row stream).
TEST_CASE("audit verify: a fault at every position is named exactly")
{
    for (std::size_t n : {1, 2, 16, 17, 33, 40}) {
        for (std::size_t i = 0; i < n; ++i) {
            CAPTURE(n);
            CAPTURE(i);
            auto seq = static_cast<std::int64_t>(i + 1);
            auto rows = make_log(n);
            rows[i].object = "edited";
            auto v = check(rows, with_key());
            CHECK(v.fault == audit_fault::edited);
            CHECK(v.first_bad_seq == seq);

            rows = make_log(n);
            rows.erase(rows.begin() + static_cast<std::ptrdiff_t>(i));
            v = check(rows, {.next_seq = static_cast<std::int64_t>(n) + 1});
            CHECK(v.fault == (i + 1 == n ? audit_fault::truncated_tail : audit_fault::deleted));
            CHECK(v.first_bad_seq == seq);
        }
    }
}

TEST_CASE("audit verify: random single-byte changes are always caught with the key")
{
    std::mt19937 rng(424242);
    for (int iter = 0; iter < 300; ++iter) {
        std::size_t n = std::uniform_int_distribution<std::size_t>(1, 50)(rng);
        auto rows = make_log(n);
        std::size_t i = std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
        int field = std::uniform_int_distribution<int>(0, 10)(rng);
        audit_row& r = rows[i];
        std::string* text[] = {&r.time,   &r.category, &r.event,   &r.actor,
                               &r.source, &r.object,   &r.outcome, &r.details};
        if (field < 8) {
            std::string& s = *text[field];
            if (s.empty())
                s = "x";
            else
                s[std::uniform_int_distribution<std::size_t>(0, s.size() - 1)(rng)] ^= 0x20;
        } else if (field == 8) {
            r.hash[std::uniform_int_distribution<std::size_t>(0, 31)(rng)] ^= 0x01;
        } else if (field == 9) {
            r.mac[std::uniform_int_distribution<std::size_t>(0, 31)(rng)] ^= 0x80;
        } else {
            r.seq += rng() % 2 ? 1 : -1;
        }
        CAPTURE(iter);
        CAPTURE(field);
        auto v = check(rows, with_key());
        CHECK(!v.ok);
        REQUIRE(v.first_bad_seq);
        CHECK(*v.first_bad_seq <= static_cast<std::int64_t>(i + 1));
        if (field != 9) // without the key only the MAC is unchecked
            CHECK(!check(rows).ok);
    }
}
