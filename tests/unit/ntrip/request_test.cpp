// SPDX-License-Identifier: GPL-3.0-or-later
// NTRIP request heads: the bytes real peers send (captured on loopback), each split at
// every offset; every limit at and over its bound; every error and its status; fixed-seed
// mutations of the real requests.
#include "ntrip/request.hpp"

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

using namespace ntrip;

namespace {

// Everything a parse produced, flattened into one string so two parses compare with ==.
std::string summarize(const request_parser& p, std::size_t consumed)
{
    std::string s = "consumed=" + std::to_string(consumed) + " ";
    if (p.state() == parse_state::error) {
        const auto& e = p.error();
        return s + "error " + std::string(to_string(e.code)) + " " + std::to_string(e.status) +
               (e.version == version::v2 ? " v2" : " v1");
    }
    if (p.state() != parse_state::done)
        return s + "need_more";
    const auto& h = p.head();
    s += h.method == method::get ? "GET" : h.method == method::post ? "POST" : "SOURCE";
    s += " target=" + h.target + " mount=" + h.mountpoint + " pw=" + h.source_password;
    s += h.version == version::v2 ? " v2" : " v1";
    s += " minor=" + (h.http_minor ? std::to_string(*h.http_minor) : std::string("none"));
    s += h.chunked ? " chunked" : "";
    s += h.content_length ? " length=" + std::to_string(*h.content_length) : "";
    s += h.expect_100_continue ? " expect" : "";
    for (const auto& f : h.headers)
        s += "|" + f.name + "=" + f.value;
    return s;
}

// Feeds input cut at the given offsets (ascending), stopping where the parser stops.
std::string parse_pieces(std::string_view input, const std::vector<std::size_t>& cuts)
{
    request_parser p;
    std::size_t at = 0, consumed = 0;
    auto feed = [&](std::size_t end) {
        auto r = p.put(gnss::as_bytes(input.substr(at, end - at)));
        REQUIRE(r.consumed <= end - at);
        REQUIRE(r.state == p.state());
        consumed += r.consumed;
        at = end;
        return r.state == parse_state::need_more;
    };
    bool more = true;
    for (std::size_t c : cuts)
        if (more)
            more = feed(c);
    if (more)
        feed(input.size());
    CHECK(consumed == p.head_bytes());
    return summarize(p, consumed);
}

std::string parse(std::string_view input)
{
    return parse_pieces(input, {});
}

request_parser parsed(std::string_view input)
{
    request_parser p;
    p.put(gnss::as_bytes(input));
    return p;
}

// Whole, split in two at every offset, and one byte at a time: all must agree.
void check_every_split(std::string_view input)
{
    std::string whole = parse(input);
    for (std::size_t k = 0; k <= input.size(); ++k) {
        CAPTURE(k);
        CHECK(parse_pieces(input, {k}) == whole);
    }
    std::vector<std::size_t> every;
    for (std::size_t k = 1; k < input.size(); ++k)
        every.push_back(k);
    CHECK(parse_pieces(input, every) == whole);
}

// Real requests, captured from str2str 2.4.3, gpsd 3.22 and curl 7.88.1 on loopback;
// `after` is what followed the head (curl's first chunk, a rover's GGA).
struct real_request
{
    const char* peer;
    std::string head;
    std::string after;
};

const std::vector<real_request> real_requests = {
    {"str2str client",
     "GET /MNT HTTP/1.0\r\nUser-Agent: NTRIP RTKLIB/2.4.3\r\nAuthorization: Basic "
     "dXNlcjpwYXNz\r\n\r\n",
     "$GNGGA,134926.72,4707.7460000,N,01512.7200000,E,1,00,1.0,352.623,M,47.377,M,0.0,0000*53\r\n"},
    {"str2str no auth",
     "GET /MNT HTTP/1.0\r\nUser-Agent: NTRIP RTKLIB/2.4.3\r\nAccept: */*\r\nConnection: "
     "close\r\n\r\n",
     ""},
    {"str2str server", "SOURCE srvpass MNT\r\nSource-Agent: NTRIP RTKLIB/2.4.3\r\nSTR: \r\n\r\n",
     std::string("\xd3\x00\x13\x3e\xd0", 5)},
    {"gpsd 3.22 first",
     "GET / HTTP/1.1\r\nUser-Agent: NTRIP gpsd/3.22\r\nHost: 127.0.0.1\r\nConnection: "
     "close\r\n\r\n",
     ""},
    {"gpsd 3.22 second",
     "GET /MNT HTTP/1.1\r\nUser-Agent: NTRIP gpsd/3.22\r\nHost: 127.0.0.1\r\nAccept: rtk/rtcm, "
     "dgps/rtcm\r\nAuthorization: Basic dXNlcjpwYXNz\r\nConnection: close\r\n\r\n",
     ""},
    {"curl v2 client",
     "GET /MNT HTTP/1.1\r\nHost: 127.0.0.1:42101\r\nAuthorization: Basic "
     "dXNlcjpwYXNz\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\nNtrip-Version: "
     "Ntrip/2.0\r\n\r\n",
     ""},
    {"curl v2 server",
     "POST /MNT HTTP/1.1\r\nHost: 127.0.0.1:42102\r\nAuthorization: Basic "
     "dXNlcjpwYXNz\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\nTransfer-Encoding: "
     "chunked\r\nNtrip-Version: Ntrip/2.0\r\nContent-Type: gnss/data\r\nExpect: "
     "100-continue\r\n\r\n",
     "6\r\nhello\n\r\n0\r\n\r\n"},
};

const real_request& real(std::string_view peer)
{
    for (const auto& r : real_requests)
        if (r.peer == peer)
            return r;
    FAIL("no such request");
    return real_requests.front();
}

void check_error(std::string_view input, request_errc code, int status)
{
    CAPTURE(input);
    request_parser p = parsed(input);
    REQUIRE(p.state() == parse_state::error);
    CHECK(to_string(p.error().code) == to_string(code));
    CHECK(p.error().status == status);
}

} // namespace

TEST_CASE("real requests parse to what each peer meant")
{
    SUBCASE("str2str client: v1 GET with Basic auth")
    {
        request_parser p = parsed(real("str2str client").head);
        REQUIRE(p.state() == parse_state::done);
        const auto& h = p.head();
        CHECK(h.method == method::get);
        CHECK(h.mountpoint == "MNT");
        CHECK(h.version == version::v1);
        CHECK(h.http_minor == 0);
        CHECK(h.authorization() == "Basic dXNlcjpwYXNz");
        CHECK(h.user_agent() == "NTRIP RTKLIB/2.4.3");
        CHECK(!h.host());
        CHECK(!h.is_sourcetable());
    }
    SUBCASE("str2str no auth")
    {
        request_parser p = parsed(real("str2str no auth").head);
        REQUIRE(p.state() == parse_state::done);
        CHECK(!p.head().authorization());
        CHECK(p.head().headers.size() == 3);
        CHECK(p.head().header("connection") == "close");
    }
    SUBCASE("str2str server: SOURCE without '/' and without HTTP version")
    {
        request_parser p = parsed(real("str2str server").head);
        REQUIRE(p.state() == parse_state::done);
        const auto& h = p.head();
        CHECK(h.method == method::source);
        CHECK(h.source_password == "srvpass");
        CHECK(h.target == "MNT");
        CHECK(h.mountpoint == "MNT");
        CHECK(!h.http_minor);
        CHECK(h.version == version::v1);
        CHECK(h.source_agent() == "NTRIP RTKLIB/2.4.3");
        REQUIRE(h.str());
        CHECK(h.str()->empty());
    }
    SUBCASE("gpsd first: the sourcetable over HTTP/1.1 is still v1")
    {
        request_parser p = parsed(real("gpsd 3.22 first").head);
        REQUIRE(p.state() == parse_state::done);
        CHECK(p.head().is_sourcetable());
        CHECK(p.head().mountpoint.empty());
        CHECK(p.head().target == "/");
        CHECK(p.head().http_minor == 1);
        CHECK(p.head().version == version::v1);
        CHECK(p.head().host() == "127.0.0.1");
    }
    SUBCASE("gpsd second: GET HTTP/1.1 without Ntrip-Version is v1")
    {
        request_parser p = parsed(real("gpsd 3.22 second").head);
        REQUIRE(p.state() == parse_state::done);
        CHECK(p.head().version == version::v1);
        CHECK(p.head().http_minor == 1);
        CHECK(p.head().mountpoint == "MNT");
        CHECK(p.head().authorization() == "Basic dXNlcjpwYXNz");
        CHECK(p.head().header("Accept") == "rtk/rtcm, dgps/rtcm");
    }
    SUBCASE("curl v2 client")
    {
        request_parser p = parsed(real("curl v2 client").head);
        REQUIRE(p.state() == parse_state::done);
        CHECK(p.head().version == version::v2);
        CHECK(p.head().host() == "127.0.0.1:42101");
        CHECK(!p.head().chunked);
    }
    SUBCASE("curl v2 server: chunked POST with Expect")
    {
        request_parser p = parsed(real("curl v2 server").head);
        REQUIRE(p.state() == parse_state::done);
        const auto& h = p.head();
        CHECK(h.method == method::post);
        CHECK(h.mountpoint == "MNT");
        CHECK(h.version == version::v2);
        CHECK(h.chunked);
        CHECK(h.expect_100_continue);
        CHECK(!h.content_length);
        CHECK(h.header("Content-Type") == "gnss/data");
    }
}

TEST_CASE("every real request gives the same result at every split, with or without what follows")
{
    for (const auto& r : real_requests) {
        CAPTURE(r.peer);
        check_every_split(r.head);
        check_every_split(r.head + r.after);
        request_parser p;
        auto res = p.put(gnss::as_bytes(r.head + r.after));
        CHECK(res.state == parse_state::done);
        CHECK(res.consumed == r.head.size());
    }
}

TEST_CASE("bytes after the head stay with the caller")
{
    const auto& r = real("curl v2 server");
    std::string all = r.head + r.after;
    request_parser p;
    auto first = p.put(gnss::as_bytes(all));
    CHECK(first.state == parse_state::done);
    CHECK(first.consumed == r.head.size());
    CHECK(all.substr(first.consumed) == r.after);
    // Once done, nothing more is taken.
    auto again = p.put(gnss::as_bytes(r.after));
    CHECK(again.state == parse_state::done);
    CHECK(again.consumed == 0);

    // A rover's GGA straight behind its GET, in the same segment.
    const auto& rover = real("str2str client");
    request_parser q;
    auto res = q.put(gnss::as_bytes(rover.head + rover.after));
    CHECK(res.consumed == rover.head.size());
}

TEST_CASE("SOURCE lines in the forms uploaders send")
{
    struct form
    {
        std::string line;
        std::string target;
        std::optional<int> minor;
    };
    for (const auto& f :
         std::vector<form>{{"SOURCE pass /MNT", "/MNT", std::nullopt},
                           {"SOURCE pass MNT", "MNT", std::nullopt},
                           {"SOURCE pass /MNT HTTP/1.0", "/MNT", 0},
                           {"SOURCE pass MNT HTTP/1.1", "MNT", 1},
                           {"SOURCE p:w!\xc3\xa9 /M-1_x", "/M-1_x", std::nullopt}}) {
        CAPTURE(f.line);
        request_parser p = parsed(f.line + "\r\nSource-Agent: NTRIP NtripServerPOSIX/1.0\r\n\r\n");
        REQUIRE(p.state() == parse_state::done);
        CHECK(p.head().method == method::source);
        CHECK(p.head().target == f.target);
        CHECK(p.head().mountpoint == (f.target[0] == '/' ? f.target.substr(1) : f.target));
        CHECK(p.head().http_minor == f.minor);
        CHECK(!p.head().source_password.empty());
    }
}

TEST_CASE("the version comes from Ntrip-Version only")
{
    auto version_of = [](std::string_view head) {
        request_parser p = parsed(head);
        REQUIRE(p.state() == parse_state::done);
        return p.head().version;
    };
    CHECK(version_of("GET /MNT HTTP/1.1\r\nHost: x\r\n\r\n") == version::v1);
    CHECK(version_of("GET /MNT HTTP/1.0\r\nNtrip-Version: Ntrip/2.0\r\n\r\n") == version::v2);
    CHECK(version_of("GET /MNT HTTP/1.1\r\nntrip-version:  ntrip/2.0 \r\n\r\n") == version::v2);
    CHECK(version_of("GET /MNT HTTP/1.1\r\nNtrip-Version: Ntrip/1.0\r\n\r\n") == version::v1);
    CHECK(version_of("GET / HTTP/1.1\r\nNtrip-Version: Ntrip/2.0\r\n\r\n") == version::v2);
}

TEST_CASE("tolerated: bare LF, empty lines before the request line, any header case")
{
    std::string bare = "GET /MNT HTTP/1.0\nUser-Agent: NTRIP x\n\n";
    request_parser lf = parsed(bare + "rest");
    REQUIRE(lf.state() == parse_state::done);
    CHECK(lf.head().user_agent() == "NTRIP x");
    CHECK(lf.head_bytes() == bare.size());

    // The same head as with CRLF, two bytes shorter.
    CHECK(parse("GET /MNT HTTP/1.0\r\nUser-Agent: NTRIP x\r\n\r\n") ==
          "consumed=42 GET target=/MNT mount=MNT pw= v1 minor=0|User-Agent=NTRIP x");
    CHECK(parse("GET /MNT HTTP/1.0\nUser-Agent: NTRIP x\r\n\n") ==
          "consumed=40 GET target=/MNT mount=MNT pw= v1 minor=0|User-Agent=NTRIP x");

    request_parser leading = parsed("\r\n\nGET / HTTP/1.0\r\n\r\n");
    CHECK(leading.state() == parse_state::done);
    CHECK(leading.head().is_sourcetable());

    request_parser cases = parsed("GET /MNT HTTP/1.0\r\nuSER-aGENT:\t a b \t\r\nX-Empty:\r\n"
                                  "X-Utf8: caf\xc3\xa9\r\n\r\n");
    REQUIRE(cases.state() == parse_state::done);
    CHECK(cases.head().user_agent() == "a b");
    CHECK(cases.head().header("x-empty") == "");
    CHECK(cases.head().header("X-UTF8") == "caf\xc3\xa9");
    CHECK(!cases.head().header("X-Missing"));

    request_parser expect = parsed("GET /MNT HTTP/1.1\r\nExpect: something-else\r\n\r\n");
    REQUIRE(expect.state() == parse_state::done);
    CHECK(!expect.head().expect_100_continue);

    request_parser length =
        parsed("POST /MNT HTTP/1.1\r\nNtrip-Version: Ntrip/2.0\r\nContent-Length: 42\r\n\r\n");
    REQUIRE(length.state() == parse_state::done);
    CHECK(length.head().content_length == 42u);
}

TEST_CASE("limits at and over each bound")
{
    SUBCASE("max_line_bytes: the request line (414) and a header line (431)")
    {
        std::string prefix = "SOURCE ";
        std::string suffix = " MNT";
        std::string fits =
            prefix + std::string(max_line_bytes - prefix.size() - suffix.size(), 'p') + suffix;
        REQUIRE(fits.size() == max_line_bytes);
        request_parser p = parsed(fits + "\r\n\r\n");
        CHECK(p.state() == parse_state::done);
        check_error(prefix + std::string(max_line_bytes + 1 - prefix.size() - suffix.size(), 'p') +
                        suffix + "\r\n\r\n",
                    request_errc::line_too_long, 414);

        std::string name = "X-Pad: ";
        std::string header = name + std::string(max_line_bytes - name.size(), 'v');
        CHECK(parsed("GET /MNT HTTP/1.0\r\n" + header + "\r\n\r\n").state() == parse_state::done);
        check_error("GET /MNT HTTP/1.0\r\n" + header + "v\r\n\r\n", request_errc::line_too_long,
                    431);
        // The terminator does not count toward the line.
        CHECK(parsed("GET /MNT HTTP/1.0\n" + header + "\n\n").state() == parse_state::done);
    }
    SUBCASE("max_head_bytes")
    {
        std::string start = "GET /MNT HTTP/1.0\r\n";
        std::string head = start;
        std::string line = "X-Pad: " + std::string(1000, 'v') + "\r\n";
        while (head.size() + line.size() + 2 < max_head_bytes)
            head += line;
        std::size_t left = max_head_bytes - head.size() - 2 - std::string("X-Last: \r\n").size();
        std::string exact = head + "X-Last: " + std::string(left, 'v') + "\r\n\r\n";
        REQUIRE(exact.size() == max_head_bytes);
        request_parser p = parsed(exact);
        CHECK(p.state() == parse_state::done);
        CHECK(p.head_bytes() == max_head_bytes);
        std::string over = head + "X-Last: " + std::string(left + 1, 'v') + "\r\n\r\n";
        check_error(over, request_errc::header_too_large, 431);
        // Empty lines before the request line count too.
        check_error(std::string(max_head_bytes, '\n') + "GET / HTTP/1.0\r\n\r\n",
                    request_errc::header_too_large, 431);
    }
    SUBCASE("max_headers")
    {
        std::string head = "GET /MNT HTTP/1.0\r\n";
        for (std::size_t i = 0; i < max_headers; ++i)
            head += "X: " + std::to_string(i) + "\r\n";
        request_parser p = parsed(head + "\r\n");
        REQUIRE(p.state() == parse_state::done);
        CHECK(p.head().headers.size() == max_headers);
        check_error(head + "X: one more\r\n\r\n", request_errc::too_many_headers, 431);
    }
    SUBCASE("max_mountpoint_length")
    {
        std::string longest(max_mountpoint_length, 'M');
        request_parser p = parsed("GET /" + longest + " HTTP/1.0\r\n\r\n");
        REQUIRE(p.state() == parse_state::done);
        CHECK(p.head().mountpoint == longest);
        CHECK(is_valid_mountpoint(longest));
        CHECK(!is_valid_mountpoint(longest + "M"));
        check_error("GET /" + longest + "M HTTP/1.0\r\n\r\n", request_errc::bad_mountpoint, 400);
        check_error("SOURCE p " + longest + "M\r\n\r\n", request_errc::bad_mountpoint, 400);
    }
    SUBCASE("max_content_length_digits")
    {
        std::string post = "POST /MNT HTTP/1.1\r\nNtrip-Version: Ntrip/2.0\r\nContent-Length: ";
        std::string nines(max_content_length_digits, '9');
        request_parser p = parsed(post + nines + "\r\n\r\n");
        REQUIRE(p.state() == parse_state::done);
        CHECK(p.head().content_length == 999'999'999'999'999'999u);
        check_error(post + nines + "9\r\n\r\n", request_errc::bad_content_length, 400);
    }
}

TEST_CASE("every error and the status to answer")
{
    struct bad
    {
        std::string input;
        request_errc code;
        int status;
    };
    using enum request_errc;
    const std::string v2post = "POST /MNT HTTP/1.1\r\nNtrip-Version: Ntrip/2.0\r\n";
    const std::vector<bad> cases = {
        // Request line shape.
        {"GET /MNT HTTP/1.0 extra\r\n\r\n", bad_request_line, 400},
        {"GET  /MNT HTTP/1.0\r\n\r\n", bad_request_line, 400},
        {"GET /MNT\r\n\r\n", bad_request_line, 400},
        {"GET\r\n\r\n", bad_request_line, 400},
        {"G@T /MNT HTTP/1.0\r\n\r\n", bad_request_line, 400},
        {" GET /MNT HTTP/1.0\r\n\r\n", bad_request_line, 400},
        {"GET /MNT HTTP/1.x\r\n\r\n", bad_request_line, 400},
        {"GET /MNT http/1.1\r\n\r\n", bad_request_line, 400},
        {std::string("GET /MNT\0 HTTP/1.0\r\n\r\n", 21), bad_request_line, 400},
        {"GET /MNT HTTP/1.0\t\r\n\r\n", bad_request_line, 400},
        {"GET /MNT\rHTTP/1.0\r\n\r\n", bad_request_line, 400},
        // Methods (case-sensitive).
        {"DELETE /MNT HTTP/1.1\r\n\r\n", unsupported_method, 405},
        {"get /MNT HTTP/1.0\r\n\r\n", unsupported_method, 405},
        {"OPTIONS * HTTP/1.1\r\n\r\n", unsupported_method, 405},
        {"CONNECT host:443 HTTP/1.1\r\n\r\n", unsupported_method, 405},
        // Targets and mountpoints.
        {"GET http://host/MNT HTTP/1.1\r\n\r\n", bad_target, 400},
        {"GET * HTTP/1.1\r\n\r\n", bad_target, 400},
        {"GET /MNT?x=1 HTTP/1.1\r\n\r\n", bad_target, 400},
        {"GET /?x HTTP/1.1\r\n\r\n", bad_target, 400},
        {"GET /MNT#f HTTP/1.1\r\n\r\n", bad_target, 400},
        {"GET /M%4eT HTTP/1.1\r\n\r\n", bad_mountpoint, 400},
        {"GET /MNT/ HTTP/1.1\r\n\r\n", bad_mountpoint, 400},
        {"GET //MNT HTTP/1.1\r\n\r\n", bad_mountpoint, 400},
        {"GET /MN.T HTTP/1.1\r\n\r\n", bad_mountpoint, 400},
        {"GET /M\xc3\xa9 HTTP/1.1\r\n\r\n", bad_mountpoint, 400},
        {"POST / HTTP/1.1\r\nNtrip-Version: Ntrip/2.0\r\n\r\n", bad_mountpoint, 400},
        // HTTP versions.
        {"GET /MNT HTTP/2.0\r\n\r\n", bad_http_version, 505},
        {"GET /MNT HTTP/1.2\r\n\r\n", bad_http_version, 505},
        {"GET /MNT HTTP/0.9\r\n\r\n", bad_http_version, 505},
        // SOURCE.
        {"SOURCE  /MNT\r\n\r\n", empty_password, 401},
        {"SOURCE  MNT HTTP/1.0\r\n\r\n", empty_password, 401},
        {"SOURCE pass\r\n\r\n", bad_request_line, 400},
        {"SOURCE\r\n\r\n", bad_request_line, 400},
        {"SOURCE pass /MNT HTTP/1.0 x\r\n\r\n", bad_request_line, 400},
        {"SOURCE pass /MNT \r\n\r\n", bad_request_line, 400},
        {"SOURCE pass /MNT HTTP/2.0\r\n\r\n", bad_http_version, 505},
        {"SOURCE pass /\r\n\r\n", bad_mountpoint, 400},
        {"SOURCE pass \r\n\r\n", bad_mountpoint, 400},
        {"SOURCE pass //MNT\r\n\r\n", bad_mountpoint, 400},
        {"SOURCE pass /M%20\r\n\r\n", bad_mountpoint, 400},
        {"SOURCE pass /MNT\r\nNtrip-Version: Ntrip/2.0\r\n\r\n", bad_ntrip_version, 400},
        // Ntrip-Version.
        {"GET /MNT HTTP/1.1\r\nNtrip-Version: Ntrip/3.0\r\n\r\n", bad_ntrip_version, 400},
        {"GET /MNT HTTP/1.1\r\nNtrip-Version: 2.0\r\n\r\n", bad_ntrip_version, 400},
        {"POST /MNT HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", bad_ntrip_version, 400},
        // Header lines.
        {"GET /MNT HTTP/1.0\r\nNoColon\r\n\r\n", bad_header, 400},
        {"GET /MNT HTTP/1.0\r\n: value\r\n\r\n", bad_header, 400},
        {"GET /MNT HTTP/1.0\r\nName : value\r\n\r\n", bad_header, 400},
        {"GET /MNT HTTP/1.0\r\nNa(me: value\r\n\r\n", bad_header, 400},
        {"GET /MNT HTTP/1.0\r\nX: a\r\n folded\r\n\r\n", bad_header, 400},
        {"GET /MNT HTTP/1.0\r\nX: a\r\n\tfolded\r\n\r\n", bad_header, 400},
        {std::string("GET /MNT HTTP/1.0\r\nX: a\0b\r\n\r\n", 29), bad_header, 400},
        {"GET /MNT HTTP/1.0\r\nX: a\x01"
         "b\r\n\r\n",
         bad_header, 400},
        {"GET /MNT HTTP/1.0\r\nX: a\x7f\r\n\r\n", bad_header, 400},
        {"GET /MNT HTTP/1.0\r\nX: a\rb\r\n\r\n", bad_header, 400},
        {"GET /MNT HTTP/1.0\r\nX: a\r\r\n\r\n", bad_header, 400},
        // Duplicates of headers read here.
        {"GET /MNT HTTP/1.0\r\nAuthorization: Basic a\r\nauthorization: Basic b\r\n\r\n",
         duplicate_header, 400},
        {"GET /MNT HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", duplicate_header, 400},
        {"GET /MNT HTTP/1.1\r\nNtrip-Version: Ntrip/2.0\r\nNtrip-Version: Ntrip/2.0\r\n\r\n",
         duplicate_header, 400},
        {v2post + "Content-Length: 1\r\nContent-Length: 1\r\n\r\n", duplicate_header, 400},
        // Framing.
        {v2post + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", conflicting_framing,
         400},
        {v2post + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", conflicting_framing,
         400},
        {v2post + "Content-Length: abc\r\n\r\n", bad_content_length, 400},
        {v2post + "Content-Length: -1\r\n\r\n", bad_content_length, 400},
        {v2post + "Content-Length: 1 2\r\n\r\n", bad_content_length, 400},
        {v2post + "Content-Length: +1\r\n\r\n", bad_content_length, 400},
        {v2post + "Content-Length:\r\n\r\n", bad_content_length, 400},
        {v2post + "Transfer-Encoding: gzip\r\n\r\n", bad_transfer_encoding, 501},
        {v2post + "Transfer-Encoding: gzip, chunked\r\n\r\n", bad_transfer_encoding, 501},
        {"POST /MNT HTTP/1.0\r\nNtrip-Version: Ntrip/2.0\r\nTransfer-Encoding: chunked\r\n\r\n",
         bad_transfer_encoding, 400},
        {"GET /MNT HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", bad_transfer_encoding, 400},
        {"SOURCE p MNT\r\nTransfer-Encoding: chunked\r\n\r\n", bad_transfer_encoding, 400},
    };
    for (const auto& c : cases)
        check_error(c.input, c.code, c.status);
}

TEST_CASE("an error stops the parser and says what it knew")
{
    std::string input = "GET /MNT HTTP/1.1\r\nNtrip-Version: Ntrip/2.0\r\nBad\r\n\r\nmore";
    request_parser p;
    auto r = p.put(gnss::as_bytes(input));
    REQUIRE(r.state == parse_state::error);
    CHECK(r.consumed == input.find("Bad\r\n") + 5); // up to the end of the bad line
    CHECK(p.error().version == version::v2);
    CHECK(p.error().method == method::get);
    CHECK(p.put(gnss::as_bytes(input)).consumed == 0);
    CHECK(p.state() == parse_state::error);

    request_parser q = parsed("NOPE / HTTP/1.1\r\n\r\n");
    CHECK(!q.error().method);
    CHECK(q.error().version == version::v1);

    request_parser s = parsed("SOURCE  /MNT\r\n\r\n");
    CHECK(s.error().method == method::source);
    // A failed head keeps no password: nobody will wipe it.
    request_parser late = parsed("SOURCE secret /MNT\r\nBad\r\n\r\n");
    REQUIRE(late.state() == parse_state::error);
    CHECK(late.head().source_password.empty());

    for (request_errc code : {request_errc::bad_request_line, request_errc::conflicting_framing,
                              request_errc::bad_transfer_encoding})
        CHECK(!to_string(code).empty());
}

TEST_CASE("wipe_secrets clears the SOURCE password and Authorization")
{
    request_parser p = parsed("SOURCE hunter2 /MNT\r\nAuthorization: Basic abc\r\nX: y\r\n\r\n");
    REQUIRE(p.state() == parse_state::done);
    CHECK(p.head().source_password == "hunter2");
    p.head().wipe_secrets();
    CHECK(p.head().source_password.empty());
    CHECK(p.head().authorization() == "");
    CHECK(p.head().header("X") == "y");
}

TEST_CASE("iequals is ASCII case-insensitive and nothing more")
{
    CHECK(iequals("Ntrip-Version", "NTRIP-VERSION"));
    CHECK(iequals("", ""));
    CHECK(!iequals("Host", "Hos"));
    CHECK(!iequals("[", "{")); // 0x5b and 0x7b differ by 32 but are not letters
    CHECK(!iequals("\xc3\xa9", "\xc3\x89"));
}

TEST_CASE("fixed-seed mutations of real requests: any split gives the same result")
{
    std::mt19937 rng(0x4e545249); // "NTRI"
    std::size_t done = 0, errors = 0;
    for (int round = 0; round < 1500; ++round) {
        const auto& r = real_requests[rng() % real_requests.size()];
        std::string input = r.head + r.after;
        int edits = 1 + static_cast<int>(rng() % 4);
        for (int e = 0; e < edits && !input.empty(); ++e) {
            std::size_t at = rng() % input.size();
            char byte = static_cast<char>(rng() % 4 == 0 ? "\r\n :/\0\t%"[rng() % 8] : rng());
            switch (rng() % 3) {
            case 0:
                input[at] = byte;
                break;
            case 1:
                input.insert(input.begin() + static_cast<long>(at), byte);
                break;
            default:
                input.erase(at, 1);
            }
        }
        CAPTURE(input);
        std::vector<std::size_t> cuts;
        for (std::size_t k = 0; k < input.size(); k += 1 + rng() % 9)
            cuts.push_back(k);
        CHECK(parse_pieces(input, cuts) == parse(input));

        request_parser p = parsed(input);
        if (p.state() == parse_state::done) {
            ++done;
            const auto& h = p.head();
            CHECK((h.is_sourcetable() || is_valid_mountpoint(h.mountpoint)));
            CHECK(h.headers.size() <= max_headers);
            CHECK((h.method != method::source || !h.source_password.empty()));
            CHECK((h.method != method::post || h.version == version::v2));
        } else if (p.state() == parse_state::error) {
            ++errors;
            int s = p.error().status;
            CHECK(
                (s == 400 || s == 401 || s == 405 || s == 414 || s == 431 || s == 501 || s == 505));
        }
    }
    // Both outcomes must have been exercised for the loop to mean anything.
    CHECK(done > 100);
    CHECK(errors > 100);
}
