// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: the chunked decoder on arbitrary bytes fed in input-chosen pieces, and
// encoder -> decoder round trips of the input. Checks that a split never changes the
// result and that decoded bytes never exceed the input.
#include "ntrip/chunked.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace {

struct outcome
{
    std::string data;
    std::size_t consumed = 0;
    ntrip::chunked_state state = ntrip::chunked_state::need_more;
    ntrip::chunked_error error = ntrip::chunked_error::none;
};

// Feeds `in` in pieces of `step` bytes until done or error, then finish().
outcome run(gnss::byte_view in, std::size_t step)
{
    ntrip::chunked_decoder d;
    outcome o;
    auto sink = [&](gnss::byte_view b) {
        if (b.empty() || b.size() > ntrip::chunked_decoder::max_chunk_size)
            __builtin_trap();
        o.data += gnss::as_chars(b);
    };
    for (std::size_t off = 0; off < in.size(); off += step) {
        auto piece = in.subspan(off, std::min(step, in.size() - off));
        auto r = d.put(piece, sink);
        if (r.consumed > piece.size())
            __builtin_trap();
        if (r.state == ntrip::chunked_state::need_more && r.consumed != piece.size())
            __builtin_trap();
        o.consumed += r.consumed;
        o.state = r.state;
        if (r.state != ntrip::chunked_state::need_more)
            break;
    }
    if (o.state != d.state())
        __builtin_trap();
    // Once finished, more input is refused without being read.
    if (o.state != ntrip::chunked_state::need_more &&
        d.put(in, [](gnss::byte_view) { __builtin_trap(); }).consumed != 0)
        __builtin_trap();
    o.error = d.finish();
    if ((o.error == ntrip::chunked_error::none) != (o.state == ntrip::chunked_state::done))
        __builtin_trap();
    if (o.data.size() != d.data_bytes() || o.data.size() > o.consumed || o.consumed > in.size())
        __builtin_trap();
    return o;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 2)
        return 0;
    // The first byte picks the piece size, the second the encoder's chunk sizes.
    const std::size_t step = 1 + data[0] % 61;
    const std::size_t chunk = 1 + data[1] % 97;
    gnss::byte_view in(data + 2, size - 2);

    // 1. Arbitrary bytes: split anywhere, the result is the same as in one piece.
    auto split = run(in, step);
    auto whole = run(in, in.empty() ? 1 : in.size());
    if (split.data != whole.data || split.consumed != whole.consumed ||
        split.state != whole.state || split.error != whole.error)
        __builtin_trap();

    // 2. The input as data: encode in chunks, decode, get it back exactly.
    std::string wire;
    for (std::size_t off = 0; off < in.size(); off += chunk)
        ntrip::append_chunk(wire, in.subspan(off, std::min(chunk, in.size() - off)));
    ntrip::append_last_chunk(wire);
    auto back = run(gnss::as_bytes(wire), step);
    if (back.state != ntrip::chunked_state::done || back.consumed != wire.size() ||
        back.data != gnss::as_chars(in))
        __builtin_trap();
    return 0;
}
