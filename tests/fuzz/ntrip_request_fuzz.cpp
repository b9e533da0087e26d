// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target for the NTRIP request-head parser: the input is parsed whole and cut
// at points it chooses; both must agree, a finished head must satisfy every rule the
// parser promises, and the replies built from it must not let input bytes break a line.
#include "ntrip/reply.hpp"
#include "ntrip/request.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

void check(bool ok)
{
    if (!ok)
        __builtin_trap();
}

struct result
{
    ntrip::parse_state state;
    std::size_t consumed;
};

result feed(ntrip::request_parser& p, std::string_view text, const std::vector<std::size_t>& cuts)
{
    std::size_t at = 0, consumed = 0;
    auto put = [&](std::size_t end) {
        auto r = p.put(gnss::as_bytes(text.substr(at, end - at)));
        check(r.consumed <= end - at);
        check(r.state == p.state());
        // Only the call that finishes may leave bytes behind.
        check(r.state != ntrip::parse_state::need_more || r.consumed == end - at);
        consumed += r.consumed;
        at = end;
    };
    for (std::size_t c : cuts)
        put(c);
    put(text.size());
    check(consumed == p.head_bytes());
    check(p.head_bytes() <= ntrip::max_head_bytes);
    return {p.state(), consumed};
}

bool clean(std::string_view s)
{
    return std::none_of(s.begin(), s.end(),
                        [](char c) { return c == '\r' || c == '\n' || c == '\0' || c == '\x7f'; });
}

// Lines of a reply head: each ends in CRLF, none holds a stray CR or LF.
std::size_t count_lines(std::string_view reply)
{
    std::size_t lines = 0;
    while (!reply.empty()) {
        std::size_t end = reply.find("\r\n");
        check(end != std::string_view::npos);
        check(clean(reply.substr(0, end)));
        reply.remove_prefix(end + 2);
        ++lines;
    }
    return lines;
}

void check_head(const ntrip::request_head& h)
{
    using ntrip::method;
    using ntrip::version;
    check(h.is_sourcetable() || ntrip::is_valid_mountpoint(h.mountpoint));
    check(h.headers.size() <= ntrip::max_headers);
    for (const auto& f : h.headers)
        check(!f.name.empty() && clean(f.name) && clean(f.value) &&
              f.name.size() <= ntrip::max_line_bytes);
    check(h.method != method::source || (!h.source_password.empty() && h.version == version::v1));
    check(h.method != method::post || (h.version == version::v2 && !h.mountpoint.empty()));
    check(!h.chunked || (h.method == method::post && h.http_minor == 1 && !h.content_length));
    check(!h.http_minor || *h.http_minor == 0 || *h.http_minor == 1);

    // Whatever the mountpoint, the 401 built from it keeps its shape.
    const ntrip::time_point t{};
    check(count_lines(ntrip::unauthorized(h.version, h.mountpoint, t)) ==
          count_lines(ntrip::unauthorized(h.version, "MNT", t)));
}

void check_error(const ntrip::request_error& e)
{
    int s = e.status;
    check(s == 400 || s == 401 || s == 405 || s == 414 || s == 431 || s == 501 || s == 505);
    check(!ntrip::to_string(e.code).empty());
    std::string reply = ntrip::reply_for_error(e, ntrip::time_point{});
    count_lines(reply);
    if (e.method != ntrip::method::source &&
        (e.version == ntrip::version::v2 || e.method == ntrip::method::post))
        check(reply.find("\r\nNtrip-Version: Ntrip/2.0\r\n") != std::string::npos);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    // The first byte picks how many cut points follow (0-7), each one byte: a piece length.
    std::string_view all(reinterpret_cast<const char*>(data), size);
    std::size_t ncuts = all.empty() ? 0 : static_cast<std::uint8_t>(all[0]) % 8;
    if (all.size() < 1 + ncuts)
        return 0;
    std::string_view text = all.substr(1 + ncuts);
    std::vector<std::size_t> cuts;
    std::size_t at = 0;
    for (std::size_t i = 0; i < ncuts; ++i) {
        at = std::min(text.size(), at + static_cast<std::uint8_t>(all[1 + i]));
        cuts.push_back(at);
    }

    ntrip::request_parser whole;
    result w = feed(whole, text, {});
    ntrip::request_parser split;
    result s = feed(split, text, cuts);
    check(w.state == s.state && w.consumed == s.consumed);

    if (w.state == ntrip::parse_state::done) {
        const auto& a = whole.head();
        const auto& b = split.head();
        check(a.method == b.method && a.target == b.target && a.mountpoint == b.mountpoint &&
              a.version == b.version && a.http_minor == b.http_minor &&
              a.source_password == b.source_password && a.headers.size() == b.headers.size());
        for (std::size_t i = 0; i < a.headers.size(); ++i)
            check(a.headers[i].name == b.headers[i].name &&
                  a.headers[i].value == b.headers[i].value);
        check_head(a);
        whole.head().wipe_secrets();
        check(whole.head().source_password.empty());
        auto auth = whole.head().authorization();
        check(!auth || auth->empty());
    } else if (w.state == ntrip::parse_state::error) {
        check(whole.error().code == split.error().code);
        check(whole.error().status == split.error().status);
        check(whole.error().version == split.error().version);
        check_error(whole.error());
    } else {
        check(w.consumed == text.size());
    }
    return 0;
}
