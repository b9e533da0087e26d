// SPDX-License-Identifier: GPL-3.0-or-later
// Tests for auth::authorize: every reason, the order of the checks, and what the client
// is told.
#include "auth/authorizer.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

using namespace std::chrono_literals;
using auth::reason;

namespace {

const std::string good_secret = "0123456789abcdefghjkmnpqrs";
const auth::time_point t0{std::chrono::seconds{1'700'000'000}};

auth::pepper test_pepper()
{
    std::vector<std::uint8_t> k(auth::pepper_bytes, 0x5a);
    return std::move(*auth::pepper::from_bytes(k));
}

auth::token make_token(const auth::pepper& p)
{
    auth::token t;
    t.id = "c7m2k9q4xz";
    t.label = "rover";
    t.scopes = {{"DEMO", auth::access::read}, {"BASE", auth::access::publish}};
    t.created = t0 - 24h;
    t.created_by = "root";
    t.secret_mac = auth::secret_mac(p, good_secret);
    return t;
}

auth::credential cred(std::string user, std::string_view password)
{
    return auth::credential{auth::credential_kind::basic, std::move(user), auth::secret(password)};
}

auth::ip_address addr(std::string_view text)
{
    return *auth::ip_address::parse(text);
}

} // namespace

TEST_CASE("every reason, from a table of one change each")
{
    const auto p = test_pepper();
    const struct
    {
        const char* name;
        reason want;
        bool no_token = false;
        std::string_view password = good_secret;
        std::string_view mountpoint = "DEMO";
        auth::access a = auth::access::read;
        std::string_view peer = "192.0.2.7";
        auth::time_point now = t0;
        auth::session_facts facts{};
        void (*edit)(auth::token&) = nullptr;
    } cases[] = {
        {"all good", reason::ok},
        {"unknown id", reason::unknown_token, true},
        {"wrong secret", reason::bad_secret, false, "0123456789abcdefghjkmnpqrt"},
        {"empty secret", reason::bad_secret, false, ""},
        {"expired",
         reason::expired,
         false,
         good_secret,
         "DEMO",
         auth::access::read,
         "192.0.2.7",
         t0,
         {},
         [](auth::token& t) { t.expires = t0 - 1s; }},
        {"expires exactly now",
         reason::expired,
         false,
         good_secret,
         "DEMO",
         auth::access::read,
         "192.0.2.7",
         t0,
         {},
         [](auth::token& t) { t.expires = t0; }},
        {"expires a microsecond later",
         reason::ok,
         false,
         good_secret,
         "DEMO",
         auth::access::read,
         "192.0.2.7",
         t0,
         {},
         [](auth::token& t) { t.expires = t0 + 1us; }},
        {"revoked",
         reason::revoked,
         false,
         good_secret,
         "DEMO",
         auth::access::read,
         "192.0.2.7",
         t0,
         {},
         [](auth::token& t) {
             t.revoked = t0 - 1h;
             t.revoked_by = "root";
         }},
        {"scope for another mountpoint", reason::wrong_scope, false, good_secret, "OTHER"},
        {"mountpoints are case-sensitive", reason::wrong_scope, false, good_secret, "demo"},
        {"read scope does not publish", reason::wrong_scope, false, good_secret, "DEMO",
         auth::access::publish},
        {"publish scope does not read", reason::wrong_scope, false, good_secret, "BASE",
         auth::access::read},
        {"publish scope publishes", reason::ok, false, good_secret, "BASE", auth::access::publish},
        {"glob scope reads anything",
         reason::ok,
         false,
         good_secret,
         "ANY_1",
         auth::access::read,
         "192.0.2.7",
         t0,
         {},
         [](auth::token& t) {
             t.scopes = {{"*", auth::access::read}};
         }},
        {"glob read scope does not publish",
         reason::wrong_scope,
         false,
         good_secret,
         "ANY_1",
         auth::access::publish,
         "192.0.2.7",
         t0,
         {},
         [](auth::token& t) {
             t.scopes = {{"*", auth::access::read}};
         }},
        {"address outside the allowlist",
         reason::address_not_allowed,
         false,
         good_secret,
         "DEMO",
         auth::access::read,
         "198.51.100.1",
         t0,
         {},
         [](auth::token& t) { t.allow = {*auth::cidr::parse("192.0.2.0/24")}; }},
        {"address inside the allowlist",
         reason::ok,
         false,
         good_secret,
         "DEMO",
         auth::access::read,
         "192.0.2.200",
         t0,
         {},
         [](auth::token& t) {
             t.allow = {*auth::cidr::parse("2001:db8::/32"), *auth::cidr::parse("192.0.2.0/24")};
         }},
        {"mapped address inside an IPv4 allowlist",
         reason::ok,
         false,
         good_secret,
         "DEMO",
         auth::access::read,
         "::ffff:192.0.2.200",
         t0,
         {},
         [](auth::token& t) { t.allow = {*auth::cidr::parse("192.0.2.0/24")}; }},
        {"IPv6 address outside an IPv4 allowlist",
         reason::address_not_allowed,
         false,
         good_secret,
         "DEMO",
         auth::access::read,
         "2001:db8::1",
         t0,
         {},
         [](auth::token& t) { t.allow = {*auth::cidr::parse("192.0.2.0/24")}; }},
        {"sessions at the limit",
         reason::too_many_sessions,
         false,
         good_secret,
         "DEMO",
         auth::access::read,
         "192.0.2.7",
         t0,
         {.current_sessions = 2}},
        {"sessions one below the limit",
         reason::ok,
         false,
         good_secret,
         "DEMO",
         auth::access::read,
         "192.0.2.7",
         t0,
         {.current_sessions = 1}},
        {"raised session limit",
         reason::ok,
         false,
         good_secret,
         "DEMO",
         auth::access::read,
         "192.0.2.7",
         t0,
         {.current_sessions = 4},
         [](auth::token& t) { t.max_sessions = 5; }},
        {"locked out",
         reason::locked_out,
         false,
         good_secret,
         "DEMO",
         auth::access::read,
         "192.0.2.7",
         t0,
         {.locked_out = true}},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        auto t = make_token(p);
        if (c.edit)
            c.edit(t);
        const auto d = auth::authorize(c.no_token ? nullptr : &t, cred("c7m2k9q4xz", c.password), p,
                                       addr(c.peer), c.mountpoint, c.a, c.now, c.facts);
        CHECK(d.r == c.want);
        CHECK(d.allowed == (c.want == reason::ok));
        CHECK(d.token_id == "c7m2k9q4xz");
    }
}

TEST_CASE("checks run in order: lockout, secret, revoked, expired, address, scope, sessions")
{
    const auto p = test_pepper();
    // A token that fails every later check at once.
    auto t = make_token(p);
    t.revoked = t0 - 1h;
    t.revoked_by = "root";
    t.expires = t0 - 1h;
    t.allow = {*auth::cidr::parse("10.0.0.0/8")};
    const auto peer = addr("192.0.2.7");
    auto run = [&](std::string_view password, const auth::session_facts& f) {
        return auth::authorize(&t, cred(t.id, password), p, peer, "OTHER", auth::access::read, t0,
                               f);
    };
    const auth::session_facts crowded{.current_sessions = 99};
    // Locked out wins even with the right secret; a wrong secret is never told "revoked".
    CHECK(run(good_secret, {.current_sessions = 99, .locked_out = true}).r == reason::locked_out);
    CHECK(run("wrong", {.current_sessions = 99, .locked_out = true}).r == reason::locked_out);
    CHECK(run("wrong", crowded).r == reason::bad_secret);
    CHECK(run(good_secret, crowded).r == reason::revoked);
    t.revoked.reset();
    t.revoked_by.clear();
    CHECK(run(good_secret, crowded).r == reason::expired);
    t.expires.reset();
    CHECK(run(good_secret, crowded).r == reason::address_not_allowed);
    t.allow.clear();
    CHECK(run(good_secret, crowded).r == reason::wrong_scope);
    t.scopes.push_back({"OTHER", auth::access::read});
    CHECK(run(good_secret, crowded).r == reason::too_many_sessions);
    CHECK(run(good_secret, {}).r == reason::ok);
}

TEST_CASE("a token that is not the one named, or has a bad MAC, never lets anyone in")
{
    const auto p = test_pepper();
    auto t = make_token(p);
    // The caller passed a token under another id: treated as unknown.
    const auto d = auth::authorize(&t, cred("c0000000000", good_secret), p, addr("192.0.2.7"),
                                   "DEMO", auth::access::read, t0, {});
    CHECK(d.r == reason::unknown_token);
    CHECK(d.token_id == "c0000000000");
    // A truncated stored MAC fails closed, even for the right secret.
    t.secret_mac.resize(16);
    CHECK(auth::authorize(&t, cred(t.id, good_secret), p, addr("192.0.2.7"), "DEMO",
                          auth::access::read, t0, {})
              .r == reason::bad_secret);
    // The dummy MAC used for unknown ids matches no secret, not even an empty one.
    for (const std::string_view pw :
         {std::string_view(""), std::string_view("x"), std::string_view(good_secret)}) {
        const auto u = auth::authorize(nullptr, cred("c7m2k9q4xz", pw), p, addr("::1"), "DEMO",
                                       auth::access::read, t0, {});
        CHECK_FALSE(u.allowed);
        CHECK(u.r == reason::unknown_token);
    }
}

TEST_CASE("unknown id and bad secret look the same to the client; reasons have names")
{
    CHECK(auth::client_reason(reason::unknown_token) == auth::client_reason(reason::bad_secret));
    CHECK(auth::client_reason(reason::unknown_token) == auth::client_reply::bad_credentials);
    CHECK(auth::to_string(auth::client_reason(reason::unknown_token)) ==
          auth::to_string(auth::client_reason(reason::bad_secret)));
    CHECK(auth::http_status(auth::client_reason(reason::ok)) == 200);
    CHECK(auth::http_status(auth::client_reason(reason::bad_secret)) == 401);
    CHECK(auth::http_status(auth::client_reason(reason::expired)) == 401);
    CHECK(auth::http_status(auth::client_reason(reason::revoked)) == 401);
    CHECK(auth::http_status(auth::client_reason(reason::wrong_scope)) == 403);
    CHECK(auth::http_status(auth::client_reason(reason::address_not_allowed)) == 403);
    CHECK(auth::http_status(auth::client_reason(reason::too_many_sessions)) == 429);
    CHECK(auth::http_status(auth::client_reason(reason::locked_out)) == 429);

    const reason all[] = {reason::ok,
                          reason::unknown_token,
                          reason::bad_secret,
                          reason::expired,
                          reason::revoked,
                          reason::wrong_scope,
                          reason::address_not_allowed,
                          reason::too_many_sessions,
                          reason::locked_out};
    std::set<std::string_view> names;
    std::set<auth::client_reply> replies;
    for (const auto r : all) {
        names.insert(auth::to_string(r));
        replies.insert(auth::client_reason(r));
        CHECK((auth::client_reason(r) == auth::client_reply::ok) == (r == reason::ok));
    }
    CHECK(names.size() == std::size(all));
    CHECK(replies.size() == std::size(all) - 2); // the two merged, wrong_scope+address
    CHECK(auth::to_string(reason::address_not_allowed) == "address_not_allowed");
}

TEST_CASE("scope_allows matches exactly or through '*'")
{
    const std::vector<auth::scope> scopes{{"A", auth::access::read}, {"*", auth::access::publish}};
    CHECK(auth::scope_allows(scopes, "A", auth::access::read));
    CHECK_FALSE(auth::scope_allows(scopes, "B", auth::access::read));
    CHECK(auth::scope_allows(scopes, "B", auth::access::publish));
    CHECK_FALSE(auth::scope_allows({}, "A", auth::access::read));
}
