// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: UBX parse_frame and every UBX decoder on arbitrary bytes. Checks that
// whatever decodes re-encodes to a frame that parses and decodes to the same value, and
// that no prefix of a valid frame is itself accepted.
#include "gnss/ubx.hpp"
#include "gnss/ubx_nav.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace {

namespace ubx = gnss::ubx;

void check(bool ok)
{
    if (!ok)
        __builtin_trap();
}

// decode(frame) must succeed and equal the value the frame was encoded from.
template <typename T, typename Decode>
void check_round_trip(const T& value, const gnss::bytes& frame, Decode decode)
{
    check(frame.size() >= ubx::header_size + ubx::checksum_size);
    const auto v = ubx::parse_frame(frame);
    check(v.has_value());
    const std::optional<T> again = decode(*v);
    check(again.has_value() && *again == value);
}

// Runs every decoder on one message; those that accept it must round-trip.
void decode_all(const ubx::view& msg)
{
    if (const auto a = ubx::decode_ack(msg))
        check_round_trip(*a, ubx::encode_ack(*a), ubx::decode_ack);
    if (const auto m = ubx::decode_mon_ver(msg)) {
        check(m->software.size() <= ubx::mon_ver_software_size);
        check(m->hardware.size() <= ubx::mon_ver_hardware_size);
        check(m->extensions.size() <= ubx::max_mon_ver_extensions);
        // The parts extracted from extensions are no longer than an extension.
        check(m->model().size() < ubx::mon_ver_extension_size);
        check(m->firmware().size() < ubx::mon_ver_extension_size);
        check(m->protocol().size() < ubx::mon_ver_extension_size);
        check_round_trip(*m, ubx::encode_mon_ver(*m), ubx::decode_mon_ver);
    }
    if (const auto p = ubx::decode_nav_pvt(msg))
        check_round_trip(*p, ubx::encode_nav_pvt(*p), ubx::decode_nav_pvt);
    if (const auto s = ubx::decode_nav_sat(msg)) {
        check(msg.payload.size() == 8 + 12 * s->svs.size());
        check_round_trip(*s, ubx::encode_nav_sat(*s), ubx::decode_nav_sat);
    }
    if (const auto s = ubx::decode_nav_sig(msg)) {
        check(msg.payload.size() == 8 + 16 * s->signals.size());
        check_round_trip(*s, ubx::encode_nav_sig(*s), ubx::decode_nav_sig);
    }
    if (const auto s = ubx::decode_nav_svin(msg))
        check_round_trip(*s, ubx::encode_nav_svin(*s), ubx::decode_nav_svin);
    check(!ubx::message_name(msg.msg_class, msg.msg_id).empty());
}

constexpr std::array<std::array<std::uint8_t, 2>, 7> targets{{
    {ubx::cls::ack, ubx::id::ack_ack},
    {ubx::cls::ack, ubx::id::ack_nak},
    {ubx::cls::mon, ubx::id::mon_ver},
    {ubx::cls::nav, ubx::id::nav_pvt},
    {ubx::cls::nav, ubx::id::nav_sat},
    {ubx::cls::nav, ubx::id::nav_sig},
    {ubx::cls::nav, ubx::id::nav_svin},
}};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 1)
        return 0;
    // The first byte picks which message the rest is offered to as a payload, and where
    // a valid frame is cut to check that no prefix of it parses.
    const std::uint8_t selector = data[0];
    const gnss::byte_view in(data + 1, size - 1);

    // 1. The input as a whole frame.
    if (const auto v = ubx::parse_frame(in)) {
        check(v->payload.size() + ubx::header_size + ubx::checksum_size == in.size());
        decode_all(*v);
        const std::size_t cut = selector % in.size();
        check(!ubx::parse_frame(in.first(cut)).has_value());
    }

    // 2. The input as a payload, offered straight to one decoder (no checksum to guess).
    // libFuzzer's buffer is exactly `size` long, so any over-read trips ASan.
    const auto& t = targets[selector % targets.size()];
    decode_all(ubx::view{t[0], t[1], in});

    // 3. make_frame and parse_frame agree on any payload within the limit.
    const gnss::bytes frame = ubx::make_frame(t[0], t[1], in);
    if (in.size() > ubx::max_payload) {
        check(frame.empty());
    } else {
        const auto v = ubx::parse_frame(frame);
        check(v.has_value() && v->msg_class == t[0] && v->msg_id == t[1] &&
              v->payload.size() == in.size() &&
              std::equal(in.begin(), in.end(), v->payload.begin()));
    }
    return 0;
}
