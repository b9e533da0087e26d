// SPDX-License-Identifier: GPL-3.0-or-later
// Control protocol: every request shape the server accepts or refuses, and the replies.
#include "daemon/control_protocol.hpp"

#include <doctest/doctest.h>

#include <random>

using namespace control;

TEST_CASE("valid requests")
{
    auto r = parse_request(R"({"v":1,"cmd":"status"})");
    REQUIRE(r);
    CHECK(r->cmd == command::status);
    CHECK(r->id.is_null());
    auto p = parse_request(R"({"cmd":"ping","v":1,"id":7})");
    REQUIRE(p);
    CHECK(p->cmd == command::ping);
    CHECK(p->id == 7);
    CHECK(parse_request(make_request("version").substr(0, make_request("version").size() - 1)));
    auto d = parse_request(R"({"v":1,"cmd":"receiver.detect"})");
    REQUIRE(d);
    CHECK(d->cmd == command::receiver_detect);
    CHECK(d->params.is_null());
    auto line = make_request("receiver.configure", {{"profile", "survey-in"}, {"save", true}});
    auto c = parse_request(line.substr(0, line.size() - 1));
    REQUIRE(c);
    CHECK(c->cmd == command::receiver_configure);
    CHECK(c->params["profile"] == "survey-in");
    CHECK(c->params["save"] == true);
    CHECK(c->peer_uid == -1); // the server fills it in from SO_PEERCRED
}

TEST_CASE("refused requests say why")
{
    struct row
    {
        const char* line;
        const char* contains;
    };
    const row rows[] = {
        {"", "not a JSON object"},
        {"[1,2]", "not a JSON object"},
        {"{\"cmd\":\"status\"}", "version"},
        {"{\"v\":2,\"cmd\":\"status\"}", "unsupported protocol version"},
        {"{\"v\":1}", "missing \"cmd\""},
        {"{\"v\":1,\"cmd\":\"reboot\"}", "unknown command"},
        {"{\"v\":1,\"cmd\":\"status\",\"x\":1}", "unknown field"},
        {"{\"v\":1,\"cmd\":\"status\",\"id\":[1]}", "\"id\""},
        {"{\"v\":\"1\",\"cmd\":\"status\"}", "version"},
        {"{\"v\":1,\"cmd\":\"receiver.configure\",\"params\":[1]}", "must be an object"},
        {"{\"v\":1,\"cmd\":\"status\",\"params\":{}}", "status takes no \"params\""},
        {"{\"v\":1,\"cmd\":\"receiver.detect\",\"params\":{\"a\":1}}", "takes no"},
        {"{\"v\":1,\"cmd\":\"receiver.configure\",\"params\":{\"a\":{\"b\":1}}}",
         "expected a string, number or boolean"},
        {"{\"v\":1,\"cmd\":\"receiver.configure\",\"params\":{\"a\":1,\"b\":2,\"c\":3,"
         "\"d\":4,\"e\":5,\"f\":6,\"g\":7,\"h\":8,\"i\":9}}",
         "more than 8 keys"},
    };
    for (const auto& r : rows) {
        CAPTURE(r.line);
        auto got = parse_request(r.line);
        REQUIRE(!got);
        CHECK(got.error().find(r.contains) != std::string::npos);
    }
    std::string huge(max_request_line, ' ');
    CHECK(!parse_request(huge));
}

TEST_CASE("replies round-trip through parse_reply")
{
    request req;
    req.id = "abc";
    auto ok = ok_reply(req, {{"x", 1}});
    CHECK(ok.back() == '\n');
    auto parsed = parse_reply(ok.substr(0, ok.size() - 1));
    REQUIRE(parsed);
    CHECK((*parsed)["x"] == 1);
    auto err = error_reply(nullptr, "nope");
    auto perr = parse_reply(err);
    REQUIRE(!perr);
    CHECK(perr.error() == "nope");
    CHECK(!parse_reply("garbage"));
    CHECK(!parse_reply("{\"ok\":true}"));
}

TEST_CASE("invalid UTF-8 in a result is replaced, never thrown")
{
    request req;
    std::string bad = "MOD=\xff\xfe";
    auto line = ok_reply(req, {{"model", bad}});
    CHECK(line.find("MOD=") != std::string::npos);
}

TEST_CASE("fixed-seed random lines never throw")
{
    std::mt19937 rng(42);
    const std::string alphabet = "{}[]\":,v1cmdstatusping \\u0000x9-";
    for (int i = 0; i < 5000; ++i) {
        std::string s;
        std::size_t n = rng() % 60;
        for (std::size_t k = 0; k < n; ++k)
            s.push_back(alphabet[rng() % alphabet.size()]);
        auto r = parse_request(s);
        if (!r)
            CHECK(!r.error().empty());
    }
}
