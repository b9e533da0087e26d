// SPDX-License-Identifier: GPL-3.0-or-later
// The exact reply heads Cairn's caster writes to NTRIP 1 and 2 peers (NTRIP-COMPAT.md).
#pragma once

#include "ntrip/request.hpp"

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace ntrip {

using time_point = std::chrono::system_clock::time_point;

// A realm is echoed inside quotes in WWW-Authenticate; mountpoints are at most 100.
constexpr std::size_t max_realm_length = 100;
// Retry-After is clamped to a day: longer bans are not the client's business.
constexpr std::chrono::seconds max_retry_after{86'400};

// "NTRIP Cairn/<version>", the Server value of every reply that has one.
std::string_view server_product();

// IMF-fixdate (RFC 9110 5.6.7), "Sun, 06 Nov 1994 08:49:37 GMT", of the time passed in.
std::string imf_fixdate(time_point t);

// "Not Found" for 404; "" for a status this caster never sends.
std::string_view reason_phrase(int status);

// Keeps printable ASCII other than '"' and '\', at most max_realm_length characters, so
// a realm can never end the quoted string or the header line.
std::string sanitize_realm(std::string_view realm);

// NTRIP 1. "ICY 200 OK\r\n" must go out in a write of its own: BKG ntripclient and gpsd
// 3.22 drop whatever else arrives in their first recv().
std::string v1_stream_ok();
std::string v1_source_ok(); // also "ICY 200 OK\r\n": uploaders only look for "OK"
std::string v1_bad_password();
std::string v1_mount_taken(); // "ERROR - Mount Point Taken or Invalid\r\n"
// "SOURCETABLE 200 OK" head; content_length counts the body with its ENDSOURCETABLE line.
std::string v1_sourcetable_head(std::size_t content_length);

// NTRIP 2. Every reply carries Ntrip-Version: BKG ntripserver falls back to v1 when a
// non-200 lacks it. chunked=false is the per-listener switch for rovers that cannot
// de-chunk: the stream then runs until the connection closes.
std::string v2_stream_ok(time_point now, bool chunked);
// A POST accepted; the uploader keeps sending, so the reply has no length.
std::string v2_source_ok(time_point now);
// The interim answer to "Expect: 100-continue", before v2_source_ok.
std::string v2_continue();
std::string v2_sourcetable_head(std::size_t content_length, time_point now);
std::string v2_not_found(time_point now);
std::string v2_mount_taken(time_point now); // 409 Conflict

// The sourcetable head of version v followed by body, which must end in ENDSOURCETABLE.
std::string sourcetable_reply(ntrip::version v, std::string_view body, time_point now);

// 401 with WWW-Authenticate: Basic realm="<sanitised realm>".
std::string unauthorized(ntrip::version v, std::string_view realm, time_point now);

// An error status with no body: "HTTP/1.0 ..." for v1 (str2str and gpsd read any HTTP/
// reply as failure), "HTTP/1.1 ..." with Ntrip-Version for v2. 405 adds Allow. A status
// below 400 or without a reason phrase becomes 500.
std::string error_reply(ntrip::version v, int status, time_point now);

// 429 / 503 with Retry-After in whole seconds (clamped to 0..max_retry_after).
std::string retry_later(ntrip::version v, int status, std::chrono::seconds retry_after,
                        time_point now);

// What to answer a head the parser refused: a SOURCE gets the v1 "ERROR - ..." line
// (Bad Password for an empty one), a POST the v2 form, the rest by the version seen.
std::string reply_for_error(const request_error& e, time_point now);

} // namespace ntrip
