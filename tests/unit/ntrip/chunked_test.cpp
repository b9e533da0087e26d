// SPDX-License-Identifier: GPL-3.0-or-later
// Chunked transfer coding: encoder bytes, decoder byte splits, round trips, every limit
// and error, truncated uploads.
#include "ntrip/chunked.hpp"

#include <doctest/doctest.h>

#include <random>
#include <set>
#include <string>

using gnss::as_bytes;
using ntrip::chunked_decoder;
using ntrip::chunked_error;
using ntrip::chunked_state;

namespace {

struct decoded
{
    std::string data;
    std::size_t consumed = 0;
    chunked_state state = chunked_state::need_more;
    chunked_error error = chunked_error::none;
    std::size_t pieces = 0;
};

// Feeds `in` in pieces of at most `step` bytes (0: all at once), stopping at done/error.
decoded decode(std::string_view in, std::size_t step = 0)
{
    chunked_decoder d;
    decoded out;
    auto sink = [&](gnss::byte_view b) {
        out.data += gnss::as_chars(b);
        ++out.pieces;
    };
    if (step == 0)
        step = in.size() == 0 ? 1 : in.size();
    for (std::size_t off = 0; off < in.size(); off += step) {
        auto r = d.put(as_bytes(in.substr(off, step)), sink);
        out.consumed += r.consumed;
        out.state = r.state;
        if (r.state != chunked_state::need_more)
            break;
    }
    out.error = d.error();
    return out;
}

decoded decode_split(std::string_view in, std::size_t at)
{
    chunked_decoder d;
    decoded out;
    auto sink = [&](gnss::byte_view b) { out.data += gnss::as_chars(b); };
    auto r = d.put(as_bytes(in.substr(0, at)), sink);
    out.consumed = r.consumed;
    out.state = r.state;
    if (r.state == chunked_state::need_more) {
        r = d.put(as_bytes(in.substr(at)), sink);
        out.consumed += r.consumed;
        out.state = r.state;
    }
    out.error = d.error();
    return out;
}

chunked_error error_of(std::string_view in)
{
    auto r = decode(in);
    CHECK(r.state == chunked_state::error);
    return r.error;
}

} // namespace

TEST_CASE("chunk_header: lowercase hex without leading zeros, then CR LF")
{
    CHECK(ntrip::chunk_header(1).view() == "1\r\n");
    CHECK(ntrip::chunk_header(10).view() == "a\r\n");
    CHECK(ntrip::chunk_header(0x3f5).view() == "3f5\r\n");
    CHECK(ntrip::chunk_header(1029).view() == "405\r\n");
    CHECK(ntrip::chunk_header(0x10000).view() == "10000\r\n");
    auto max = ntrip::chunk_header(SIZE_MAX);
    CHECK(max.view() == "ffffffffffffffff\r\n");
    CHECK(max.view().size() == ntrip::chunk_header_buffer::capacity);
    CHECK(gnss::as_chars(max.bytes()) == max.view());
}

TEST_CASE("append_chunk: one chunk per call, nothing for empty data")
{
    std::string s;
    ntrip::append_chunk(s, as_bytes(""));
    CHECK(s.empty());
    ntrip::append_chunk(s, as_bytes("hello"));
    ntrip::append_chunk(s, as_bytes(std::string(26, 'x')));
    ntrip::append_last_chunk(s);
    CHECK(s == "5\r\nhello\r\n1a\r\n" + std::string(26, 'x') + "\r\n0\r\n\r\n");

    gnss::bytes b;
    ntrip::append_chunk(b, as_bytes(""));
    CHECK(b.empty());
    ntrip::append_chunk(b, as_bytes("hello"));
    ntrip::append_last_chunk(b);
    CHECK(gnss::as_chars(b) == "5\r\nhello\r\n0\r\n\r\n");

    // A gathered write (header, frame, trailer) gives the same bytes as append_chunk.
    const std::string frame("\xD3\x00\x13rtcm-frame-payload\x00\r\n", 24);
    std::string gathered = std::string(ntrip::chunk_header(frame.size()).view()) + frame +
                           std::string(ntrip::chunk_trailer);
    std::string appended;
    ntrip::append_chunk(appended, as_bytes(frame));
    CHECK(gathered == appended);
    CHECK(ntrip::last_chunk == "0\r\n\r\n");
}

TEST_CASE("decoder: a complete body, and bytes after it are left unconsumed")
{
    std::string body = "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
    chunked_decoder d;
    std::string out;
    auto r = d.put(as_bytes(body + "NEXT"), [&](gnss::byte_view b) { out += gnss::as_chars(b); });
    CHECK(r.state == chunked_state::done);
    CHECK(r.consumed == body.size());
    CHECK(out == "hello world");
    CHECK(d.chunks() == 2);
    CHECK(d.data_bytes() == 11);
    CHECK(d.finish() == chunked_error::none);
    // Done is final: nothing more is consumed.
    r = d.put(as_bytes("5\r\nhello\r\n"), [&](gnss::byte_view) { FAIL("data after done"); });
    CHECK(r.consumed == 0);
    CHECK(r.state == chunked_state::done);
    d.reset();
    CHECK(d.state() == chunked_state::need_more);
    CHECK(d.data_bytes() == 0);
}

TEST_CASE("decoder: every split offset, then 1-byte feeding, give the same result")
{
    // Upper- and lowercase hex, leading zeros, extensions, spaces and trailers.
    const std::string body = "5;ext=1\r\nhello\r\n00A \t;a;b=\"q v\"\r\n0123456789\r\n"
                             "1F\r\nthirty-one bytes of chunk data!\r\n"
                             "0;last\r\nX-Checksum: abc\r\nY: z\r\n\r\n";
    const std::string want = "hello0123456789thirty-one bytes of chunk data!";
    auto whole = decode(body);
    REQUIRE(whole.state == chunked_state::done);
    CHECK(whole.data == want);
    CHECK(whole.consumed == body.size());
    for (std::size_t at = 0; at <= body.size(); ++at) {
        CAPTURE(at);
        auto r = decode_split(body, at);
        CHECK(r.state == chunked_state::done);
        CHECK(r.consumed == body.size());
        CHECK(r.data == want);
    }
    auto bytewise = decode(body, 1);
    CHECK(bytewise.state == chunked_state::done);
    CHECK(bytewise.data == want);
    CHECK(bytewise.consumed == body.size());
    CHECK(bytewise.pieces == want.size()); // data is passed on as it comes, never held back
}

TEST_CASE("encoder -> decoder round trip with fixed-seed random sizes and splits")
{
    std::mt19937 rng(20240611);
    std::uniform_int_distribution<int> size_dist(0, 1029); // RTCM3 frames, 0 included
    std::uniform_int_distribution<int> byte_dist(0, 255);
    std::uniform_int_distribution<int> step_dist(1, 700);
    for (int round = 0; round < 50; ++round) {
        std::string data, wire;
        std::size_t nonempty = 0;
        int frames = 1 + round % 20;
        for (int f = 0; f < frames; ++f) {
            std::string frame(static_cast<std::size_t>(size_dist(rng)), '\0');
            for (auto& c : frame)
                c = static_cast<char>(byte_dist(rng));
            if (round % 5 == 0 && f % 3 == 0)
                frame.clear(); // empty data must not end the body early
            nonempty += frame.empty() ? 0 : 1;
            data += frame;
            ntrip::append_chunk(wire, as_bytes(frame));
        }
        ntrip::append_last_chunk(wire);
        auto r = decode(wire, static_cast<std::size_t>(step_dist(rng)));
        CAPTURE(round);
        CHECK(r.state == chunked_state::done);
        CHECK(r.consumed == wire.size());
        CHECK(r.data == data);
        chunked_decoder d;
        d.put(as_bytes(wire), [](gnss::byte_view) {});
        CHECK(d.chunks() == nonempty);
    }
}

TEST_CASE("decoder: chunk size limits")
{
    using D = chunked_decoder;
    CHECK(D::max_chunk_size == 65536);
    // Exactly max_chunk_size is read; one more is refused before any data is read.
    std::string at_max = "10000\r\n" + std::string(D::max_chunk_size, 'r') + "\r\n0\r\n\r\n";
    auto ok = decode(at_max);
    CHECK(ok.state == chunked_state::done);
    CHECK(ok.data.size() == D::max_chunk_size);
    auto big = decode("10001\r\n" + std::string(10, 'r'));
    CHECK(big.error == chunked_error::chunk_too_large);
    CHECK(big.data.empty());
    CHECK(big.consumed == 4); // stopped at the digit that went over
    // A 1 GB chunk and a size that would overflow 64 bits are refused the same way.
    CHECK(error_of("40000000\r\n") == chunked_error::chunk_too_large);
    CHECK(error_of("ffffffffffffffffffffffff\r\n") == chunked_error::chunk_too_large);
    // Leading zeros count against max_size_digits.
    CHECK(D::max_size_digits == 8);
    CHECK(decode("00000005\r\nhello\r\n0\r\n\r\n").data == "hello");
    CHECK(error_of("000000005\r\nhello\r\n") == chunked_error::size_too_long);
    CHECK(decode("00000000\r\n\r\n").state == chunked_state::done);
}

TEST_CASE("decoder: extensions are ignored but bounded")
{
    using D = chunked_decoder;
    CHECK(decode("5;name=val\r\nhello\r\n0\r\n\r\n").data == "hello");
    CHECK(decode("5 ; a = \"b;c\"\r\nhello\r\n0;x\r\n\r\n").data == "hello");
    // max_extension_length bytes after the size are accepted, one more is refused.
    std::string ext(D::max_extension_length - 1, 'e');
    CHECK(decode("5;" + ext + "\r\nhello\r\n0\r\n\r\n").state == chunked_state::done);
    CHECK(error_of("5;" + ext + "e\r\nhello\r\n") == chunked_error::extension_too_long);
    CHECK(error_of("5" + std::string(D::max_extension_length + 1, ' ') + "\r\n") ==
          chunked_error::extension_too_long);
    // The count starts again for every chunk.
    std::string two = "1;" + ext + "\r\na\r\n1;" + ext + "\r\nb\r\n0;" + ext + "\r\n\r\n";
    CHECK(decode(two).data == "ab");
    CHECK(error_of("5;a\x01z\r\nhello\r\n") == chunked_error::bad_extension);
    CHECK(error_of("5;a\x7Fz\r\nhello\r\n") == chunked_error::bad_extension);
}

TEST_CASE("decoder: trailers after the last chunk are read, bounded and dropped")
{
    using D = chunked_decoder;
    CHECK(decode("3\r\nabc\r\n0\r\nX-A: 1\r\nX-B: 2\r\n\r\n").data == "abc");
    // max_trailer_length counts every trailer byte, CR LFs included.
    std::string line(D::max_trailer_length - 2, 't');
    auto ok = decode("0\r\n" + line + "\r\n\r\n");
    CHECK(ok.state == chunked_state::done);
    CHECK(error_of("0\r\n" + line + "t\r\n\r\n") == chunked_error::trailer_too_large);
    CHECK(error_of("0\r\nX: a\x01\r\n\r\n") == chunked_error::bad_trailer);
    CHECK(error_of("0\r\nX: a\x7F\r\n\r\n") == chunked_error::bad_trailer);
}

TEST_CASE("decoder: each malformed body gives its error, at the offending byte")
{
    struct row
    {
        std::string in;
        chunked_error want;
        std::size_t consumed;
    };
    const row rows[] = {
        {"g\r\n", chunked_error::bad_size, 0},
        {"\r\n", chunked_error::bad_size, 0},
        {";x\r\n", chunked_error::bad_size, 0},
        {"-1\r\n", chunked_error::bad_size, 0},
        {"+5\r\n", chunked_error::bad_size, 0},
        {"0x5\r\n", chunked_error::bad_size, 1},
        {"5x\r\n", chunked_error::bad_size, 1},
        {"5 x\r\n", chunked_error::bad_size, 2},
        {"5\n", chunked_error::bad_line_end, 1},
        {"5\rX", chunked_error::bad_line_end, 2},
        {"5;a\n", chunked_error::bad_line_end, 3},
        {"5\r\nhelloX", chunked_error::bad_data_end, 8},
        {"5\r\nhello\n", chunked_error::bad_data_end, 8},
        {"5\r\nhello\rX", chunked_error::bad_data_end, 9},
        {"0\r\nX: y\n", chunked_error::bad_line_end, 7},
        {"0\r\nX: y\rZ", chunked_error::bad_line_end, 8},
        {"0\r\n\n", chunked_error::bad_line_end, 3},
        {"0\r\n\rX", chunked_error::bad_line_end, 4},
        {"0\n\n", chunked_error::bad_line_end, 1},
    };
    for (const auto& r : rows) {
        CAPTURE(r.in);
        auto d = decode(r.in);
        CHECK(d.state == chunked_state::error);
        CHECK(d.error == r.want);
        CHECK(d.consumed == r.consumed);
        // The same at every split.
        for (std::size_t at = 0; at <= r.in.size(); ++at) {
            auto s = decode_split(r.in, at);
            CHECK(s.error == r.want);
            CHECK(s.consumed == r.consumed);
        }
    }
    // An error is final.
    chunked_decoder d;
    d.put(as_bytes("zz"), [](gnss::byte_view) {});
    auto r = d.put(as_bytes("5\r\nhello\r\n"), [](gnss::byte_view) { FAIL("data after error"); });
    CHECK(r.consumed == 0);
    CHECK(r.state == chunked_state::error);
    CHECK(d.finish() == chunked_error::bad_size);
}

TEST_CASE("decoder: a truncated upload is reported by finish()")
{
    struct row
    {
        std::string in;
        chunked_error want;
        std::string data;
    };
    const row rows[] = {
        {"", chunked_error::missing_last_chunk, ""},
        {"5\r\nhello\r\n", chunked_error::missing_last_chunk, "hello"},
        {"5\r\nhel", chunked_error::truncated, "hel"},
        {"5\r\nhello", chunked_error::truncated, "hello"},
        {"5\r\nhello\r", chunked_error::truncated, "hello"},
        {"5", chunked_error::truncated, ""},
        {"5;ext", chunked_error::truncated, ""},
        {"5\r", chunked_error::truncated, ""},
        {"0\r\n", chunked_error::truncated, ""},
        {"0\r\nX: y\r\n", chunked_error::truncated, ""},
        {"0\r\n\r", chunked_error::truncated, ""},
    };
    for (const auto& r : rows) {
        CAPTURE(r.in);
        chunked_decoder d;
        std::string out;
        auto res = d.put(as_bytes(r.in), [&](gnss::byte_view b) { out += gnss::as_chars(b); });
        CHECK(res.state == chunked_state::need_more);
        CHECK(res.consumed == r.in.size());
        CHECK(out == r.data);
        CHECK(d.finish() == r.want);
        CHECK(d.state() == chunked_state::error);
        CHECK(d.error() == r.want);
    }
}

TEST_CASE("chunked_error: every value has its own name")
{
    std::set<std::string> names;
    for (int e = 0; e <= static_cast<int>(chunked_error::missing_last_chunk); ++e)
        names.insert(ntrip::to_string(static_cast<chunked_error>(e)));
    CHECK(names.size() == static_cast<std::size_t>(chunked_error::missing_last_chunk) + 1);
    CHECK(names.count("unknown") == 0);
}

TEST_CASE("decoder: decoded bytes never exceed the input, on fixed-seed mutated bodies")
{
    std::mt19937 rng(77);
    const std::string alphabet = "0123456789abcdefABCDEF;= \t\r\nxyz\x01";
    std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
    std::uniform_int_distribution<int> small(0, 40);
    int outcomes[3] = {0, 0, 0};
    for (int i = 0; i < 2000; ++i) {
        // A valid body of a few chunks, then 0-2 bytes replaced with likely troublemakers.
        std::string in;
        for (int c = small(rng) % 4; c > 0; --c)
            ntrip::append_chunk(in,
                                as_bytes(std::string(static_cast<std::size_t>(small(rng)), 'd')));
        ntrip::append_last_chunk(in);
        for (int m = small(rng) % 3; m > 0; --m)
            in[std::uniform_int_distribution<std::size_t>(0, in.size() - 1)(rng)] =
                alphabet[pick(rng)];
        auto whole = decode(in);
        auto bytewise = decode(in, 1);
        CHECK(whole.data.size() <= whole.consumed);
        CHECK(whole.consumed <= in.size());
        CHECK(bytewise.data == whole.data);
        CHECK(bytewise.state == whole.state);
        CHECK(bytewise.error == whole.error);
        CHECK(bytewise.consumed == whole.consumed);
        ++outcomes[static_cast<int>(whole.state)];
    }
    // The mix reaches every outcome.
    CHECK(outcomes[static_cast<int>(chunked_state::need_more)] > 0);
    CHECK(outcomes[static_cast<int>(chunked_state::done)] > 0);
    CHECK(outcomes[static_cast<int>(chunked_state::error)] > 0);
}
