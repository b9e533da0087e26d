// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: arbitrary frames into the simulated F9P's command handler, one after
// another on one store (so transactions, layers and resets interact). Every answer must be
// a valid UBX frame, an ACK must name the command it answers, RAM must always hold a value
// the key accepts, and the simulator's epoch must stay well framed afterwards.
#include "gnss/framer.hpp"
#include "gnss/simulator.hpp"
#include "gnss/simulator_config.hpp"
#include "gnss/ubx.hpp"
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

void check_answer(const ubx::view& cmd, const std::vector<gnss::bytes>& answer)
{
    check(answer.size() <= 2);
    for (const gnss::bytes& f : answer) {
        const auto v = ubx::parse_frame(f);
        check(v.has_value());
        if (v->msg_class == ubx::cls::ack) {
            const auto a = ubx::decode_ack(*v);
            check(a && a->msg_class == cmd.msg_class && a->msg_id == cmd.msg_id);
        }
    }
    (void)gnss::describe_exchange(cmd, answer);
}

void check_store(const gnss::simulator_config& c)
{
    for (const ubx::key_info& k : ubx::key_table())
        check(gnss::simulator_config::valid_value(k.id, c.ram(k.id)));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 1)
        return 0;
    const gnss::byte_view rest(data + 1, size - 1);
    gnss::simulator_options o;
    o.factory = (data[0] & 0x80) != 0;
    o.port = (data[0] & 0x40) ? gnss::simulator_port::usb : gnss::simulator_port::uart1;
    if (data[0] & 0x20)
        o.receiver.refuse = {0x20910304}; // 1230 on UART1
    gnss::simulator sim(o);
    gnss::simulator_config store; // the pure core alone, fed the same frames

    // Records: [class selector][id][len][payload...]: CFG/MON frames built from the input,
    // so the handler sees well-formed frames with arbitrary payloads (most of the paths).
    std::size_t at = 0;
    while (at + 3 <= rest.size()) {
        const std::uint8_t cls = (rest[at] & 1) ? ubx::cls::cfg : ubx::cls::mon;
        const std::uint8_t id = rest[at + 1];
        const std::size_t len = std::min<std::size_t>(rest[at + 2], rest.size() - at - 3);
        const gnss::bytes frame = ubx::make_frame(cls, id, rest.subspan(at + 3, len));
        at += 3 + len;
        const auto v = ubx::parse_frame(frame);
        check(v.has_value());
        check_answer(*v, store.handle(*v));
        check_store(store);
        const auto answer = sim.command(frame);
        for (const gnss::bytes& f : answer)
            check(ubx::parse_frame(f).has_value());
    }
    check_store(sim.config());

    // The output after all those commands is still a well-framed F9P stream.
    gnss::framer f;
    for (std::uint32_t i = 0; i < 3; ++i) {
        const gnss::bytes e = sim.next();
        check(e.size() <= gnss::simulator::max_epoch_bytes_all_messages);
        f.feed(e, nullptr);
    }
    check(f.counters().bad_checksum == 0 && f.counters().unframed_bytes == 0);
    check(f.pending() == 0);
    return 0;
}
