// SPDX-License-Identifier: GPL-3.0-or-later
// NTRIP reply heads compared byte for byte with what NTRIP-COMPAT.md says real peers
// match; the IMF-fixdate helper; realm sanitising; error replies for parser errors.
#include "ntrip/reply.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace ntrip;
using namespace std::chrono_literals;

namespace {

// Sat, 01 Jun 2024 12:34:56 GMT, plus a fraction that must not show.
const time_point now = time_point{1'717'245'296s} + 789ms;
const std::string date = "Date: Sat, 01 Jun 2024 12:34:56 GMT\r\n";
const std::string server = "Server: NTRIP Cairn/" CAIRN_VERSION "\r\n";
const std::string v2_status_200 = "HTTP/1.1 200 OK\r\nNtrip-Version: Ntrip/2.0\r\n" + server + date;

std::string v2_error(std::string_view status_line, std::string_view extra = "")
{
    return "HTTP/1.1 " + std::string(status_line) + "\r\nNtrip-Version: Ntrip/2.0\r\n" + server +
           date + std::string(extra) + "Connection: close\r\nContent-Length: 0\r\n\r\n";
}

std::string v1_error(std::string_view status_line, std::string_view extra = "")
{
    return "HTTP/1.0 " + std::string(status_line) + "\r\n" + server + std::string(extra) +
           "Connection: close\r\nContent-Length: 0\r\n\r\n";
}

request_error error_of(std::string_view head)
{
    request_parser p;
    p.put(gnss::as_bytes(head));
    REQUIRE(p.state() == parse_state::error);
    return p.error();
}

} // namespace

TEST_CASE("imf_fixdate formats the time passed in, seconds truncated")
{
    CHECK(imf_fixdate(time_point{784'111'777s}) == "Sun, 06 Nov 1994 08:49:37 GMT"); // RFC 9110
    CHECK(imf_fixdate(time_point{}) == "Thu, 01 Jan 1970 00:00:00 GMT");
    CHECK(imf_fixdate(time_point{-1s}) == "Wed, 31 Dec 1969 23:59:59 GMT");
    CHECK(imf_fixdate(time_point{1'709'208'000s}) == "Thu, 29 Feb 2024 12:00:00 GMT");
    CHECK(imf_fixdate(time_point{951'782'400s}) == "Tue, 29 Feb 2000 00:00:00 GMT");
    CHECK(imf_fixdate(time_point{4'102'444'799s} + 999ms) == "Thu, 31 Dec 2099 23:59:59 GMT");
    CHECK(imf_fixdate(now) == "Sat, 01 Jun 2024 12:34:56 GMT");
}

TEST_CASE("NTRIP 1 replies")
{
    CHECK(v1_stream_ok() == "ICY 200 OK\r\n");
    CHECK(v1_source_ok() == "ICY 200 OK\r\n");
    CHECK(v1_bad_password() == "ERROR - Bad Password\r\n");
    CHECK(v1_mount_taken() == "ERROR - Mount Point Taken or Invalid\r\n");
    CHECK(v1_sourcetable_head(1234) ==
          "SOURCETABLE 200 OK\r\n" + server +
              "Content-Type: text/plain\r\nContent-Length: 1234\r\n\r\n");
    CHECK(unauthorized(version::v1, "MNT", now) ==
          v1_error("401 Unauthorized", "WWW-Authenticate: Basic realm=\"MNT\"\r\n"));
    CHECK(retry_later(version::v1, 503, 30s, now) ==
          v1_error("503 Service Unavailable", "Retry-After: 30\r\n"));
    CHECK(retry_later(version::v1, 429, 60s, now) ==
          v1_error("429 Too Many Requests", "Retry-After: 60\r\n"));
    CHECK(error_reply(version::v1, 400, now) == v1_error("400 Bad Request"));
    CHECK(error_reply(version::v1, 405, now) ==
          v1_error("405 Method Not Allowed", "Allow: GET, POST\r\n"));
}

TEST_CASE("NTRIP 2 stream and source replies with their exact header spellings")
{
    const std::string stream_headers =
        "Cache-Control: no-store, no-cache, max-age=0\r\nPragma: no-cache\r\n"
        "Connection: close\r\nContent-Type: gnss/data\r\n";
    CHECK(v2_stream_ok(now, true) ==
          v2_status_200 + stream_headers + "Transfer-Encoding: chunked\r\n\r\n");
    CHECK(v2_stream_ok(now, false) == v2_status_200 + stream_headers + "\r\n");
    CHECK(v2_source_ok(now) == v2_status_200 + "Connection: close\r\n\r\n");
    CHECK(v2_continue() == "HTTP/1.1 100 Continue\r\n\r\n");
    CHECK(v2_sourcetable_head(77, now) ==
          v2_status_200 +
              "Connection: close\r\nContent-Type: gnss/sourcetable\r\nContent-Length: 77\r\n\r\n");
}

TEST_CASE("NTRIP 2 errors")
{
    CHECK(unauthorized(version::v2, "MNT", now) ==
          v2_error("401 Unauthorized", "WWW-Authenticate: Basic realm=\"MNT\"\r\n"));
    CHECK(v2_not_found(now) == v2_error("404 Not Found"));
    CHECK(v2_mount_taken(now) == v2_error("409 Conflict"));
    CHECK(retry_later(version::v2, 429, 15s, now) ==
          v2_error("429 Too Many Requests", "Retry-After: 15\r\n"));
    CHECK(retry_later(version::v2, 503, 1s, now) ==
          v2_error("503 Service Unavailable", "Retry-After: 1\r\n"));
    CHECK(error_reply(version::v2, 400, now) == v2_error("400 Bad Request"));
    CHECK(error_reply(version::v2, 405, now) ==
          v2_error("405 Method Not Allowed", "Allow: GET, POST\r\n"));
    CHECK(error_reply(version::v2, 414, now) == v2_error("414 URI Too Long"));
    CHECK(error_reply(version::v2, 431, now) == v2_error("431 Request Header Fields Too Large"));
    CHECK(error_reply(version::v2, 501, now) == v2_error("501 Not Implemented"));
    CHECK(error_reply(version::v2, 505, now) == v2_error("505 HTTP Version Not Supported"));
    // Not an error status, or one without a phrase: a server error, never a bare number.
    CHECK(error_reply(version::v2, 200, now) == v2_error("500 Internal Server Error"));
    CHECK(error_reply(version::v2, 499, now) == v2_error("500 Internal Server Error"));
    CHECK(error_reply(version::v1, -1, now) == v1_error("500 Internal Server Error"));
}

TEST_CASE("every v2 reply carries Ntrip-Version; no v1 reply does")
{
    const std::vector<std::string> v2 = {
        v2_stream_ok(now, true),
        v2_stream_ok(now, false),
        v2_source_ok(now),
        v2_sourcetable_head(0, now),
        v2_not_found(now),
        v2_mount_taken(now),
        unauthorized(version::v2, "", now),
        retry_later(version::v2, 429, 1s, now),
        error_reply(version::v2, 400, now),
        sourcetable_reply(version::v2, "ENDSOURCETABLE\r\n", now),
    };
    for (const auto& r : v2) {
        CAPTURE(r);
        CHECK(r.rfind("HTTP/1.1 ", 0) == 0);
        CHECK(r.find("\r\nNtrip-Version: Ntrip/2.0\r\n") != std::string::npos);
        CHECK(r.find("\r\n" + date) != std::string::npos);
    }
    const std::vector<std::string> v1 = {v1_stream_ok(),
                                         v1_source_ok(),
                                         v1_bad_password(),
                                         v1_mount_taken(),
                                         v1_sourcetable_head(0),
                                         unauthorized(version::v1, "", now),
                                         retry_later(version::v1, 503, 1s, now),
                                         error_reply(version::v1, 404, now)};
    for (const auto& r : v1) {
        CAPTURE(r);
        CHECK(r.find("Ntrip-Version") == std::string::npos);
        CHECK(r.rfind("HTTP/1.1", 0) == std::string::npos);
        CHECK(r.size() >= 2);
        CHECK(r.substr(r.size() - 2) == "\r\n");
    }
}

TEST_CASE("sourcetable replies count the body with its END line")
{
    std::string body =
        "STR;MNT;MNT;RTCM 3.3;1005(10);2;GPS;NONE;DEU;47.12;15.21;0;0;Cairn;none;B;N;"
        "0;\r\nENDSOURCETABLE\r\n";
    std::string length = "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    CHECK(sourcetable_reply(version::v1, body, now) ==
          "SOURCETABLE 200 OK\r\n" + server + "Content-Type: text/plain\r\n" + length + body);
    CHECK(sourcetable_reply(version::v2, body, now) ==
          v2_status_200 + "Connection: close\r\nContent-Type: gnss/sourcetable\r\n" + length +
              body);
}

TEST_CASE("realms are sanitised so they cannot break out of the header")
{
    CHECK(sanitize_realm("MNT") == "MNT");
    CHECK(sanitize_realm("a\"b\\c\r\nSet-Cookie: x") == "abcSet-Cookie: x");
    CHECK(sanitize_realm(std::string("a\0b\x7f\xc3\xa9", 6)) == "ab");
    CHECK(sanitize_realm(std::string(max_realm_length + 5, 'R')) ==
          std::string(max_realm_length, 'R'));
    CHECK(unauthorized(version::v2, "X\"\r\nEvil: 1", now) ==
          v2_error("401 Unauthorized", "WWW-Authenticate: Basic realm=\"XEvil: 1\"\r\n"));
}

TEST_CASE("Retry-After is clamped to 0..max_retry_after")
{
    CHECK(retry_later(version::v2, 429, -5s, now) ==
          v2_error("429 Too Many Requests", "Retry-After: 0\r\n"));
    CHECK(retry_later(version::v2, 429, max_retry_after, now) ==
          v2_error("429 Too Many Requests", "Retry-After: 86400\r\n"));
    CHECK(retry_later(version::v1, 503, std::chrono::hours(24 * 10), now) ==
          v1_error("503 Service Unavailable", "Retry-After: 86400\r\n"));
}

TEST_CASE("reply_for_error answers each kind of peer in its own language")
{
    // SOURCE uploaders get the v1 ERROR lines.
    CHECK(reply_for_error(error_of("SOURCE  /MNT\r\n\r\n"), now) == v1_bad_password());
    CHECK(reply_for_error(error_of("SOURCE pass /M.T\r\n\r\n"), now) == v1_mount_taken());
    CHECK(reply_for_error(error_of("SOURCE pass /MNT\r\nBad\r\n\r\n"), now) == v1_mount_taken());
    // A POST is v2 even before its Ntrip-Version line arrived.
    CHECK(reply_for_error(error_of("POST /M.T HTTP/1.1\r\n\r\n"), now) ==
          v2_error("400 Bad Request"));
    // GET: by the version seen so far.
    CHECK(reply_for_error(error_of("GET /MNT HTTP/1.1\r\nNtrip-Version: Ntrip/2.0\r\nBad\r\n\r\n"),
                          now) == v2_error("400 Bad Request"));
    CHECK(reply_for_error(error_of("GET /MNT?x HTTP/1.1\r\n\r\n"), now) ==
          v1_error("400 Bad Request"));
    CHECK(reply_for_error(error_of("DELETE /MNT HTTP/1.1\r\n\r\n"), now) ==
          v1_error("405 Method Not Allowed", "Allow: GET, POST\r\n"));
    CHECK(reply_for_error(error_of("GET /" + std::string(max_line_bytes, 'x')), now) ==
          v1_error("414 URI Too Long"));
    CHECK(reply_for_error(error_of("GET /MNT HTTP/3.0\r\n"), now) ==
          v1_error("505 HTTP Version Not Supported"));
}

TEST_CASE("reason phrases for the statuses the caster sends, nothing for others")
{
    CHECK(reason_phrase(100) == "Continue");
    CHECK(reason_phrase(200) == "OK");
    CHECK(reason_phrase(431) == "Request Header Fields Too Large");
    CHECK(reason_phrase(418).empty());
    CHECK(reason_phrase(0).empty());
    CHECK(server_product() == "NTRIP Cairn/" CAIRN_VERSION);
}
