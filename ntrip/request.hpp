// SPDX-License-Identifier: GPL-3.0-or-later
// Sans-I/O incremental parser for NTRIP request heads: v1 and v2 GET, v1 SOURCE, v2 POST.
#pragma once

#include "gnss/bytes.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ntrip {

// Whole head, request line to the empty line, terminators included. Real heads are
// 60-250 bytes (NTRIP-COMPAT.md); 8 KiB is the common HTTP server default.
constexpr std::size_t max_head_bytes = 8192;
// One line without its terminator. The longest legitimate lines are an Authorization
// header (Basic of a long passphrase, a Bearer token: a few hundred bytes), a SOURCE STR
// line (19 short fields) and Ntrip-GGA (128): 4 KiB leaves a wide margin, and being half
// the head limit an oversized line is reported as such (414 / 431) rather than as a head.
constexpr std::size_t max_line_bytes = 4096;
constexpr std::size_t max_headers = 100;
// Mountpoints are [A-Za-z0-9_-]{1,100}, case-sensitive (NTRIP-COMPAT.md).
constexpr std::size_t max_mountpoint_length = 100;
// Content-Length digits: 18 cannot overflow std::uint64_t.
constexpr std::size_t max_content_length_digits = 18;

enum class method
{
    get,
    post,
    source
};
// Decided from the Ntrip-Version header only, never from the request line.
enum class version
{
    v1,
    v2
};

bool is_valid_mountpoint(std::string_view name);

struct header_field
{
    std::string name;  // as sent; compare with iequals
    std::string value; // surrounding whitespace removed
};

// ASCII case-insensitive comparison (header names, tokens).
bool iequals(std::string_view a, std::string_view b);

struct request_head
{
    ntrip::method method = method::get;
    std::string target;     // request target as sent ("/MNT"; "MNT" or "/MNT" for SOURCE)
    std::string mountpoint; // validated; "" for GET / (the sourcetable)
    ntrip::version version = version::v1;
    std::optional<int> http_minor; // 0 or 1; none for a SOURCE line without HTTP/1.x
    std::string source_password;   // SOURCE only; the caller wipes it (wipe_secrets)
    std::vector<header_field> headers;

    // Parsed here because they decide how the caller reads what follows the head.
    bool chunked = false; // Transfer-Encoding: chunked (POST only)
    std::optional<std::uint64_t> content_length;
    bool expect_100_continue = false;

    // First header of that name (case-insensitive); the ones below are unique by then.
    std::optional<std::string_view> header(std::string_view name) const;
    std::optional<std::string_view> authorization() const { return header("Authorization"); }
    std::optional<std::string_view> user_agent() const { return header("User-Agent"); }
    std::optional<std::string_view> ntrip_gga() const { return header("Ntrip-GGA"); }
    std::optional<std::string_view> host() const { return header("Host"); }
    std::optional<std::string_view> source_agent() const { return header("Source-Agent"); }
    std::optional<std::string_view> str() const { return header("STR"); } // SOURCE's STR:
    bool is_sourcetable() const { return method == method::get && mountpoint.empty(); }

    // Zeroes the SOURCE password and the Authorization value in place.
    void wipe_secrets();
};

enum class request_errc
{
    bad_request_line,      // 400: not "METHOD SP target SP HTTP/1.x", bare CR, control chars
    unsupported_method,    // 405: a method other than GET, POST, SOURCE (case-sensitive)
    bad_target,            // 400: absolute-form, "*", query, fragment
    bad_mountpoint,        // 400: not [A-Za-z0-9_-]{1,100}, percent-encoded, extra '/'
    empty_password,        // 401: "SOURCE  /MNT"
    bad_http_version,      // 505: HTTP/ other than 1.0 and 1.1
    bad_ntrip_version,     // 400: Ntrip-Version not Ntrip/1.0 or Ntrip/2.0; POST without
                           //      v2; SOURCE with v2
    line_too_long,         // 414 on the request line, 431 on a header line
    header_too_large,      // 431: head over max_head_bytes
    too_many_headers,      // 431: over max_headers
    bad_header,            // 400: no colon, bad name, control chars, obs-fold
    duplicate_header,      // 400: a header read here (Authorization, Host, ...) twice
    conflicting_framing,   // 400: Content-Length and Transfer-Encoding (request smuggling)
    bad_content_length,    // 400
    bad_transfer_encoding, // 501 for a coding other than chunked; 400 on HTTP/1.0, GET, SOURCE
};

std::string_view to_string(request_errc code);

struct request_error
{
    request_errc code = request_errc::bad_request_line;
    int status = 400; // what to answer
    // Best known when the error happened: decides how to answer (reply_for_error).
    ntrip::version version = version::v1;
    std::optional<ntrip::method> method;
};

enum class parse_state
{
    need_more,
    done,
    error
};

struct put_result
{
    parse_state state = parse_state::need_more;
    std::size_t consumed = 0; // bytes of this call that belong to the head
};

// Feed bytes as they arrive. Each call consumes bytes up to the end of the head at most:
// what follows (in-band GGA, a source's first RTCM bytes, a POST body) stays with the
// caller. Once done or error, put() consumes nothing. Lines end in CRLF; a bare LF is
// tolerated (RFC 9112 2.2 allows it; hand-made and embedded rovers send it), a bare CR
// is not. The line buffer is wiped as soon as each line is parsed (SOURCE passwords).
class request_parser
{
public:
    request_parser();
    ~request_parser();
    request_parser(const request_parser&) = delete;
    request_parser& operator=(const request_parser&) = delete;
    request_parser(request_parser&&) = default;
    request_parser& operator=(request_parser&&) = default;

    put_result put(gnss::byte_view data);

    parse_state state() const { return state_; }
    // Complete when state() is done.
    const request_head& head() const { return head_; }
    request_head& head() { return head_; }
    // Meaningful when state() is error.
    const request_error& error() const { return error_; }
    // Head bytes consumed so far, over all calls.
    std::size_t head_bytes() const { return total_; }

private:
    bool take(std::uint8_t b);
    bool end_of_line();
    bool parse_request_line(std::string_view line);
    bool parse_source_line(std::string_view line);
    bool parse_header_line(std::string_view line);
    bool finish();
    bool fail(request_errc code, int status);
    void append(char c);

    request_head head_;
    request_error error_;
    std::string line_;
    parse_state state_ = parse_state::need_more;
    std::size_t total_ = 0;
    bool pending_cr_ = false;
    bool have_request_line_ = false;
};

} // namespace ntrip
