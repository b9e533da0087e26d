// SPDX-License-Identifier: GPL-3.0-or-later
// NTRIP reply heads, byte for byte as real peers match them (NTRIP-COMPAT.md).
#include "ntrip/reply.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#ifndef CAIRN_VERSION
#define CAIRN_VERSION "0"
#endif

namespace ntrip {

namespace {

constexpr std::string_view crlf = "\r\n";

// Status line, Ntrip-Version, Server, Date: the start every v2 reply shares.
std::string v2_start(int status, time_point now)
{
    return fmt::format("HTTP/1.1 {} {}\r\nNtrip-Version: Ntrip/2.0\r\nServer: {}\r\nDate: {}\r\n",
                       status, reason_phrase(status), server_product(), imf_fixdate(now));
}

std::string v1_start(int status)
{
    return fmt::format("HTTP/1.0 {} {}\r\nServer: {}\r\n", status, reason_phrase(status),
                       server_product());
}

std::string start(ntrip::version v, int status, time_point now)
{
    return v == version::v2 ? v2_start(status, now) : v1_start(status);
}

// Errors close the connection and have no body.
std::string& end_error(std::string& s)
{
    s += "Connection: close\r\nContent-Length: 0\r\n\r\n";
    return s;
}

int error_status(int status)
{
    return status >= 400 && !reason_phrase(status).empty() ? status : 500;
}

} // namespace

std::string_view server_product()
{
    return "NTRIP Cairn/" CAIRN_VERSION;
}

std::string imf_fixdate(time_point t)
{
    using namespace std::chrono;
    constexpr std::array<std::string_view, 7> day_names = {"Sun", "Mon", "Tue", "Wed",
                                                           "Thu", "Fri", "Sat"};
    constexpr std::array<std::string_view, 12> month_names = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    auto secs = floor<seconds>(t);
    auto day = floor<days>(secs);
    year_month_day ymd{day};
    hh_mm_ss<seconds> hms{secs - day};
    return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
                       day_names[weekday{day}.c_encoding()], static_cast<unsigned>(ymd.day()),
                       month_names[static_cast<unsigned>(ymd.month()) - 1],
                       static_cast<int>(ymd.year()), hms.hours().count(), hms.minutes().count(),
                       hms.seconds().count());
}

std::string_view reason_phrase(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 414:
        return "URI Too Long";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    }
    return "";
}

std::string sanitize_realm(std::string_view realm)
{
    std::string out;
    for (char c : realm) {
        if (out.size() == max_realm_length)
            break;
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
            out += c;
    }
    return out;
}

std::string v1_stream_ok()
{
    return "ICY 200 OK\r\n";
}

std::string v1_source_ok()
{
    return "ICY 200 OK\r\n";
}

std::string v1_bad_password()
{
    return "ERROR - Bad Password\r\n";
}

std::string v1_mount_taken()
{
    return "ERROR - Mount Point Taken or Invalid\r\n";
}

std::string v1_sourcetable_head(std::size_t content_length)
{
    return fmt::format("SOURCETABLE 200 OK\r\nServer: {}\r\nContent-Type: "
                       "text/plain\r\nContent-Length: {}\r\n\r\n",
                       server_product(), content_length);
}

std::string v2_stream_ok(time_point now, bool chunked)
{
    // Exact spellings: BKG ntripclient compares these lines byte for byte.
    std::string s = v2_start(200, now);
    s += "Cache-Control: no-store, no-cache, max-age=0\r\nPragma: no-cache\r\n"
         "Connection: close\r\nContent-Type: gnss/data\r\n";
    if (chunked)
        s += "Transfer-Encoding: chunked\r\n";
    s += crlf;
    return s;
}

std::string v2_source_ok(time_point now)
{
    std::string s = v2_start(200, now);
    s += "Connection: close\r\n\r\n";
    return s;
}

std::string v2_continue()
{
    return "HTTP/1.1 100 Continue\r\n\r\n";
}

std::string v2_sourcetable_head(std::size_t content_length, time_point now)
{
    std::string s = v2_start(200, now);
    s += fmt::format("Connection: close\r\nContent-Type: gnss/sourcetable\r\nContent-Length: "
                     "{}\r\n\r\n",
                     content_length);
    return s;
}

std::string v2_not_found(time_point now)
{
    return error_reply(version::v2, 404, now);
}

std::string v2_mount_taken(time_point now)
{
    return error_reply(version::v2, 409, now);
}

std::string sourcetable_reply(ntrip::version v, std::string_view body, time_point now)
{
    std::string s =
        v == version::v2 ? v2_sourcetable_head(body.size(), now) : v1_sourcetable_head(body.size());
    s += body;
    return s;
}

std::string unauthorized(ntrip::version v, std::string_view realm, time_point now)
{
    std::string s = start(v, 401, now);
    s += fmt::format("WWW-Authenticate: Basic realm=\"{}\"\r\n", sanitize_realm(realm));
    return end_error(s);
}

std::string error_reply(ntrip::version v, int status, time_point now)
{
    status = error_status(status);
    std::string s = start(v, status, now);
    if (status == 405)
        s += "Allow: GET, POST\r\n"; // and SOURCE, which is not HTTP
    return end_error(s);
}

std::string retry_later(ntrip::version v, int status, std::chrono::seconds retry_after,
                        time_point now)
{
    status = error_status(status);
    std::string s = start(v, status, now);
    auto secs = std::clamp(retry_after, std::chrono::seconds{0}, max_retry_after);
    s += fmt::format("Retry-After: {}\r\n", secs.count());
    return end_error(s);
}

std::string reply_for_error(const request_error& e, time_point now)
{
    if (e.method == method::source)
        return e.code == request_errc::empty_password ? v1_bad_password() : v1_mount_taken();
    // A POST is a v2 upload even when the error came before its Ntrip-Version line.
    auto v = e.method == method::post ? version::v2 : e.version;
    return error_reply(v, e.status, now);
}

} // namespace ntrip
