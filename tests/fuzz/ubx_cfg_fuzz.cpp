// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: the CFG-VALSET/VALGET/VALDEL decoders on arbitrary payloads. Whatever
// decodes must re-encode and decode to the same value, and VALGET frames (which have no
// reserved bytes) must re-encode byte for byte.
#include "gnss/framer.hpp"
#include "gnss/ubx_cfg.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace {

namespace ubx = gnss::ubx;

void check(bool ok)
{
    if (!ok)
        __builtin_trap();
}

void check_values(const std::vector<ubx::cfg_value>& values)
{
    check(values.size() <= ubx::max_cfg_keys);
    for (const auto& v : values) {
        const auto size = ubx::key_value_size(v.id);
        check(size.has_value());
        check(*size == 8 || v.raw >> (8 * *size) == 0);
    }
}

void decode_all(const ubx::view& msg, const gnss::bytes& frame)
{
    if (const auto s = ubx::decode_valset(msg)) {
        check_values(s->values);
        const auto again = ubx::encode_valset(*s);
        check(again.has_value());
        const auto v = ubx::parse_frame(*again);
        check(v && ubx::decode_valset(*v) == *s);
    }
    if (const auto d = ubx::decode_valdel(msg)) {
        check(d->keys.size() <= ubx::max_cfg_keys);
        const auto again = ubx::encode_valdel(*d);
        check(again.has_value());
        const auto v = ubx::parse_frame(*again);
        check(v && ubx::decode_valdel(*v) == *d);
    }
    if (const auto q = ubx::decode_valget_poll(msg)) {
        check(q->keys.size() <= ubx::max_cfg_keys);
        check(ubx::encode_valget_poll(*q) == frame);
    }
    if (const auto r = ubx::decode_valget_response(msg)) {
        check_values(r->values);
        check(ubx::encode_valget_response(*r) == frame);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 1)
        return 0;
    // First byte: which CFG message the rest is the payload of (or: a raw byte stream).
    const std::uint8_t ids[] = {ubx::id::cfg_valset, ubx::id::cfg_valget, ubx::id::cfg_valdel};
    const gnss::byte_view rest(data + 1, size - 1);
    if (data[0] < 0xC0) {
        const gnss::bytes frame = ubx::make_frame(ubx::cls::cfg, ids[data[0] % 3], rest);
        if (frame.empty())
            return 0; // over max_payload
        const auto msg = ubx::parse_frame(frame);
        check(msg.has_value());
        decode_all(*msg, frame);
        return 0;
    }
    // A stream: whole frames found by the framer, in chunks of (first byte & 0x3F) + 1.
    gnss::framer f;
    const auto sink = [](const gnss::frame& fr) {
        if (fr.kind != gnss::frame_kind::ubx)
            return;
        const gnss::bytes frame(fr.bytes.begin(), fr.bytes.end());
        const auto msg = ubx::parse_frame(frame);
        check(msg.has_value());
        decode_all(*msg, frame);
    };
    const std::size_t chunk = (data[0] & 0x3F) + 1u;
    for (std::size_t at = 0; at < rest.size(); at += chunk)
        f.feed(rest.subspan(at, std::min(chunk, rest.size() - at)), sink);
    f.finish(sink);
    return 0;
}
