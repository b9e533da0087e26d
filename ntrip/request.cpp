// SPDX-License-Identifier: GPL-3.0-or-later
// NTRIP request-head parser: one byte at a time into a bounded line, each line parsed as
// it ends, so memory stays within max_line_bytes whatever the peer sends.
#include "ntrip/request.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <string.h> // explicit_bzero (glibc)

namespace ntrip {

namespace {

// Zeroes a string's bytes in a way the optimiser may not drop (SOURCE passwords).
void wipe(std::string& s)
{
    if (!s.empty())
        explicit_bzero(s.data(), s.size());
}

bool is_tchar(unsigned char c)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
        return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_token(std::string_view s)
{
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return is_tchar(static_cast<unsigned char>(c));
    });
}

// Control characters (NUL, CR, DEL, ...) are refused in every line: they are how header
// injection and parser-differential attacks get in. HTAB is allowed only in values.
bool is_control(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s)
{
    while (!s.empty() && is_ows(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_ows(s.back()))
        s.remove_suffix(1);
    return s;
}

// Headers read here must come once: two Authorization or Content-Length lines are either
// a broken client or an attempt to make two parsers disagree.
constexpr std::array<std::string_view, 10> unique_headers = {
    "Authorization", "Host",      "Content-Length", "Transfer-Encoding",
    "Ntrip-Version", "Ntrip-GGA", "Source-Agent",   "STR",
    "User-Agent",    "Expect"};

enum class http_token
{
    ok,
    unsupported,
    malformed
};

// "HTTP/1.0" and "HTTP/1.1" are spoken; any other "HTTP/d.d" is a version we do not.
http_token parse_http_version(std::string_view s, std::optional<int>& minor)
{
    if (s.size() != 8 || s.substr(0, 5) != "HTTP/" || s[6] != '.' || s[5] < '0' || s[5] > '9' ||
        s[7] < '0' || s[7] > '9')
        return http_token::malformed;
    if (s[5] != '1' || (s[7] != '0' && s[7] != '1'))
        return http_token::unsupported;
    minor = s[7] - '0';
    return http_token::ok;
}

} // namespace

bool is_valid_mountpoint(std::string_view name)
{
    if (name.empty() || name.size() > max_mountpoint_length)
        return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
    });
}

bool iequals(std::string_view a, std::string_view b)
{
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                              [&](char x, char y) { return lower(x) == lower(y); });
}

std::optional<std::string_view> request_head::header(std::string_view name) const
{
    for (const auto& h : headers)
        if (iequals(h.name, name))
            return std::string_view(h.value);
    return std::nullopt;
}

void request_head::wipe_secrets()
{
    wipe(source_password);
    source_password.clear();
    for (auto& h : headers)
        if (iequals(h.name, "Authorization")) {
            wipe(h.value);
            h.value.clear();
        }
}

std::string_view to_string(request_errc code)
{
    switch (code) {
    case request_errc::bad_request_line:
        return "bad request line";
    case request_errc::unsupported_method:
        return "unsupported method";
    case request_errc::bad_target:
        return "bad request target";
    case request_errc::bad_mountpoint:
        return "bad mountpoint";
    case request_errc::empty_password:
        return "empty source password";
    case request_errc::bad_http_version:
        return "unsupported HTTP version";
    case request_errc::bad_ntrip_version:
        return "bad Ntrip-Version";
    case request_errc::line_too_long:
        return "line too long";
    case request_errc::header_too_large:
        return "request head too large";
    case request_errc::too_many_headers:
        return "too many headers";
    case request_errc::bad_header:
        return "bad header line";
    case request_errc::duplicate_header:
        return "duplicate header";
    case request_errc::conflicting_framing:
        return "both Content-Length and Transfer-Encoding";
    case request_errc::bad_content_length:
        return "bad Content-Length";
    case request_errc::bad_transfer_encoding:
        return "bad Transfer-Encoding";
    }
    return "unknown";
}

request_parser::request_parser() = default;

request_parser::~request_parser()
{
    wipe(line_);
    head_.wipe_secrets();
}

put_result request_parser::put(gnss::byte_view data)
{
    if (state_ != parse_state::need_more)
        return {state_, 0};
    std::size_t i = 0;
    while (i < data.size() && take(data[i++])) {
    }
    return {state_, i};
}

// Returns false when parsing stopped (done or error) so put() stops consuming.
bool request_parser::take(std::uint8_t b)
{
    if (++total_ > max_head_bytes)
        return fail(request_errc::header_too_large, 431);
    if (pending_cr_) {
        pending_cr_ = false;
        if (b != '\n') // a bare CR: some parsers end lines on it, so it must not pass
            return fail(have_request_line_ ? request_errc::bad_header
                                           : request_errc::bad_request_line,
                        400);
        return end_of_line();
    }
    if (b == '\r') {
        pending_cr_ = true;
        return true;
    }
    if (b == '\n')
        return end_of_line();
    if (line_.size() >= max_line_bytes)
        return fail(request_errc::line_too_long, have_request_line_ ? 431 : 414);
    append(static_cast<char>(b));
    return true;
}

// Grows the line buffer by hand so that no copy of a password is left behind in a buffer
// std::string would have freed without wiping.
void request_parser::append(char c)
{
    if (line_.size() == line_.capacity()) {
        std::string bigger;
        bigger.reserve(std::min(max_line_bytes, std::max<std::size_t>(64, 2 * line_.capacity())));
        bigger.append(line_);
        wipe(line_);
        line_.swap(bigger);
    }
    line_.push_back(c);
}

bool request_parser::end_of_line()
{
    bool ok = true;
    if (!have_request_line_) {
        // RFC 9112 2.2: ignore empty lines before the request line (a client's stray CRLF).
        if (!line_.empty()) {
            have_request_line_ = true;
            ok = parse_request_line(line_);
        }
    } else if (line_.empty()) {
        ok = finish();
    } else {
        ok = parse_header_line(line_);
    }
    wipe(line_);
    line_.clear();
    return ok && state_ == parse_state::need_more;
}

bool request_parser::parse_request_line(std::string_view line)
{
    if (std::any_of(line.begin(), line.end(),
                    [](char c) { return is_control(static_cast<unsigned char>(c)); }))
        return fail(request_errc::bad_request_line, 400);
    std::size_t sp = line.find(' ');
    std::string_view name = line.substr(0, sp);
    if (!is_token(name))
        return fail(request_errc::bad_request_line, 400);
    if (name == "SOURCE") {
        head_.method = method::source;
        error_.method = method::source;
        if (sp == std::string_view::npos)
            return fail(request_errc::bad_request_line, 400);
        return parse_source_line(line.substr(sp + 1));
    }
    if (name == "GET")
        head_.method = method::get;
    else if (name == "POST")
        head_.method = method::post;
    else
        return fail(request_errc::unsupported_method, 405);
    error_.method = head_.method;
    if (sp == std::string_view::npos)
        return fail(request_errc::bad_request_line, 400);

    // origin-form only: "GET /MNT HTTP/1.1", one space between the three parts.
    std::string_view rest = line.substr(sp + 1);
    std::size_t sp2 = rest.find(' ');
    if (sp2 == std::string_view::npos || sp2 == 0)
        return fail(request_errc::bad_request_line, 400);
    std::string_view target = rest.substr(0, sp2);
    std::string_view http = rest.substr(sp2 + 1);
    switch (parse_http_version(http, head_.http_minor)) {
    case http_token::malformed:
        return fail(request_errc::bad_request_line, 400);
    case http_token::unsupported:
        return fail(request_errc::bad_http_version, 505);
    case http_token::ok:
        break;
    }
    head_.target = target;
    // Absolute-form ("http://host/MNT"), authority-form and "*" are for proxies. A query
    // or fragment is refused, not stripped: no NTRIP client sends one, and stripping would
    // let "/MNT?anything" reach a mountpoint under a name logs and filters never saw.
    if (target.front() != '/' || target.find_first_of("?#") != std::string_view::npos)
        return fail(request_errc::bad_target, 400);
    std::string_view mount = target.substr(1);
    if (mount.empty() && head_.method == method::get)
        return true; // the sourcetable
    // Mountpoints are plain names: percent-encoding would give one name two spellings.
    if (!is_valid_mountpoint(mount))
        return fail(request_errc::bad_mountpoint, 400);
    head_.mountpoint = mount;
    return true;
}

// "SOURCE pass /MNT", "SOURCE pass MNT" (str2str), optionally followed by " HTTP/1.x".
bool request_parser::parse_source_line(std::string_view rest)
{
    std::array<std::string_view, 3> part;
    std::size_t parts = 0;
    for (;;) {
        std::size_t sp = rest.find(' ');
        if (parts == part.size())
            return fail(request_errc::bad_request_line, 400);
        part[parts++] = rest.substr(0, sp);
        if (sp == std::string_view::npos)
            break;
        rest.remove_prefix(sp + 1);
    }
    if (parts < 2)
        return fail(request_errc::bad_request_line, 400);
    if (parts == 3) {
        switch (parse_http_version(part[2], head_.http_minor)) {
        case http_token::malformed:
            return fail(request_errc::bad_request_line, 400);
        case http_token::unsupported:
            return fail(request_errc::bad_http_version, 505);
        case http_token::ok:
            break;
        }
    }
    if (part[0].empty())
        return fail(request_errc::empty_password, 401);
    head_.target = part[1];
    std::string_view mount = part[1];
    if (!mount.empty() && mount.front() == '/')
        mount.remove_prefix(1);
    if (!is_valid_mountpoint(mount))
        return fail(request_errc::bad_mountpoint, 400);
    head_.mountpoint = mount;
    head_.source_password = part[0];
    return true;
}

bool request_parser::parse_header_line(std::string_view line)
{
    // obs-fold (a continuation line) is refused as RFC 9112 5.2 allows: it is a classic
    // way to make a proxy and a server see different headers.
    if (is_ows(line.front()))
        return fail(request_errc::bad_header, 400);
    if (head_.headers.size() >= max_headers)
        return fail(request_errc::too_many_headers, 431);
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos)
        return fail(request_errc::bad_header, 400);
    std::string_view name = line.substr(0, colon); // "Name :" is refused: not a token
    std::string_view value = trim(line.substr(colon + 1));
    if (!is_token(name) || std::any_of(value.begin(), value.end(), [](char c) {
            return c != '\t' && is_control(static_cast<unsigned char>(c));
        }))
        return fail(request_errc::bad_header, 400);
    for (std::string_view unique : unique_headers)
        if (iequals(name, unique) && head_.header(unique))
            return fail(request_errc::duplicate_header, 400);

    if (iequals(name, "Ntrip-Version")) {
        if (iequals(value, "Ntrip/2.0"))
            head_.version = error_.version = version::v2;
        else if (iequals(value, "Ntrip/1.0"))
            head_.version = error_.version = version::v1;
        else
            return fail(request_errc::bad_ntrip_version, 400);
    } else if (iequals(name, "Content-Length")) {
        if (value.empty() || value.size() > max_content_length_digits ||
            !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return fail(request_errc::bad_content_length, 400);
        std::uint64_t n = 0;
        for (char c : value)
            n = n * 10 + static_cast<std::uint64_t>(c - '0');
        head_.content_length = n;
    } else if (iequals(name, "Transfer-Encoding")) {
        // Only "chunked" alone: a list ("gzip, chunked") is a coding we do not implement.
        if (!iequals(value, "chunked"))
            return fail(request_errc::bad_transfer_encoding, 501);
        head_.chunked = true;
    } else if (iequals(name, "Expect")) {
        head_.expect_100_continue = iequals(value, "100-continue");
    }
    head_.headers.push_back({std::string(name), std::string(value)});
    return true;
}

// Checks that need the whole head.
bool request_parser::finish()
{
    // Request smuggling: two framings for one body (RFC 9112 6.1).
    if (head_.chunked && head_.content_length)
        return fail(request_errc::conflicting_framing, 400);
    // Chunked is how a v2 source frames its upload. After a GET head the caller reads
    // raw in-band GGA, after SOURCE raw RTCM, and HTTP/1.0 has no chunked (RFC 9112 6.1):
    // a Transfer-Encoding there would have the peer frame bytes as we do not read them.
    if (head_.chunked && (head_.method != method::post || head_.http_minor != 1))
        return fail(request_errc::bad_transfer_encoding, 400);
    // POST is NTRIP 2 only, SOURCE NTRIP 1 only.
    if ((head_.method == method::post && head_.version != version::v2) ||
        (head_.method == method::source && head_.version != version::v1))
        return fail(request_errc::bad_ntrip_version, 400);
    state_ = parse_state::done;
    return true;
}

bool request_parser::fail(request_errc code, int status)
{
    state_ = parse_state::error;
    error_.code = code;
    error_.status = status;
    wipe(line_);
    head_.wipe_secrets(); // nobody will use this head: do not leave its password behind
    return false;
}

} // namespace ntrip
