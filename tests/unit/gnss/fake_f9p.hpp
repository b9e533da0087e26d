// SPDX-License-Identifier: GPL-3.0-or-later
// A scripted fake ZED-F9P built from the UBX codecs, and a harness that drives a
// ubx::configurator against it on a fake clock, for the configurator tests.
#pragma once

#include "gnss/ubx_configurator.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace cairn_test {

namespace ubx = gnss::ubx;
using gnss::bytes;

// The frame as a UBX view into `frame`, which must outlive it (not a temporary kept in a
// variable); the test stops here if it is not one whole UBX frame.
inline ubx::view parsed(const bytes& frame)
{
    const auto v = ubx::parse_frame(frame);
    REQUIRE(v.has_value());
    return *v;
}

// MON-VER contents in the shape a ZED-F9P sends (the MOD=, FWVER= and PROTVER= extensions).
inline ubx::mon_ver identity(const std::string& model, const std::string& fw,
                             const std::string& prot)
{
    return {"EXT CORE 1.00 (0fa0ae)",
            "00190000",
            {"ROM BASE 0x118B2060", "FWVER=" + fw, "PROTVER=" + prot, "MOD=" + model}};
}

// Answers like a ZED-F9P: MON-VER, VALSET (ACK/NAK, all or nothing), VALGET (response then
// ACK-ACK, or NAK for an unknown key). Script knobs make it misbehave.
struct fake_receiver
{
    ubx::mon_ver id = identity("ZED-F9P", "HPG 1.32", "27.31");
    std::map<std::uint32_t, std::uint64_t> ram, bbr, flash;
    std::set<std::uint32_t> unknown;                // NAK on VALSET and VALGET
    std::map<std::uint32_t, std::uint64_t> refused; // this value is refused in RAM
    std::set<std::uint32_t> ignored;                // ACKed but not stored (mismatch)
    bool refuse_batches = false;                    // NAK any VALSET of 2+ keys
    bool save_nak = false;                          // NAK VALSET to BBR/Flash
    bool ack_first = false;                         // ACK-ACK before the VALGET response
    bool valget_without_ack = false;
    int drop = 0;      // requests to leave unanswered, counting down
    bool mute = false; // never answers
    bool answer_mon_ver_only = false;
    int slow_saves = 0; // BBR/Flash VALSETs left unanswered (a slow flash), counting down
    std::vector<bytes> noise; // sent before every reply (NAV-PVT, unrelated ACKs...)
    int valsets = 0, valgets = 0, polls = 0;

    std::vector<bytes> answer(const bytes& frame)
    {
        const auto msg = parsed(frame);
        if (msg.msg_class == ubx::cls::mon && msg.msg_id == ubx::id::mon_ver)
            ++polls;
        else if (msg.msg_id == ubx::id::cfg_valset)
            ++valsets;
        else if (msg.msg_id == ubx::id::cfg_valget)
            ++valgets;
        if (mute || drop-- > 0)
            return {};
        std::vector<bytes> out = noise;
        if (msg.msg_class == ubx::cls::mon) {
            out.push_back(ubx::encode_mon_ver(id));
            return out;
        }
        if (answer_mon_ver_only)
            return {};
        const auto nak = [&] {
            out.push_back(ubx::encode_ack({false, msg.msg_class, msg.msg_id}));
            return out;
        };
        const auto ack = ubx::encode_ack({true, msg.msg_class, msg.msg_id});
        if (const auto s = ubx::decode_valset(msg)) {
            if (s->layers != ubx::layer_bit::ram && slow_saves-- > 0)
                return {};
            for (const auto& v : s->values)
                if (unknown.count(v.id) || (s->layers & ubx::layer_bit::ram &&
                                            refused.count(v.id) && refused.at(v.id) == v.raw))
                    return nak();
            if ((refuse_batches && s->values.size() > 1) ||
                (save_nak && s->layers != ubx::layer_bit::ram))
                return nak();
            for (const auto& v : s->values) {
                if (s->layers & ubx::layer_bit::ram && !ignored.count(v.id))
                    ram[v.id] = v.raw;
                if (s->layers & ubx::layer_bit::bbr)
                    bbr[v.id] = v.raw;
                if (s->layers & ubx::layer_bit::flash)
                    flash[v.id] = v.raw;
            }
            out.push_back(ack);
            return out;
        }
        const auto q = ubx::decode_valget_poll(msg);
        REQUIRE(q.has_value());
        CHECK(q->from == ubx::layer::ram);
        ubx::valget_response r{q->from, 0, {}};
        for (const auto k : q->keys) {
            if (unknown.count(k))
                return nak();
            r.values.push_back({k, ram.count(k) ? ram.at(k) : 0});
        }
        const auto response = ubx::encode_valget_response(r);
        REQUIRE(response.has_value());
        if (ack_first)
            out.push_back(ack);
        out.push_back(*response);
        if (!ack_first && !valget_without_ack)
            out.push_back(ack);
        return out;
    }
};

// Drives a configurator against a fake receiver with a fake clock (100 ms ticks).
struct harness
{
    harness(ubx::configurator cfg, fake_receiver& receiver) : c(std::move(cfg)), rx(receiver) {}

    ubx::configurator c;
    fake_receiver& rx;
    ubx::configurator::time_point now{};
    std::vector<bytes> sent;
    std::vector<ubx::configurator_state> states;

    void deliver(const std::vector<bytes>& frames)
    {
        for (const auto& f : frames) {
            sent.push_back(f);
            for (const auto& reply : rx.answer(f)) {
                const auto next = c.on_frame(parsed(reply), now);
                if (states.empty() || states.back() != c.state())
                    states.push_back(c.state());
                deliver(next);
            }
        }
    }
    void run()
    {
        deliver(c.start(now));
        for (int i = 0; i < 1000 && !c.done() && !c.failed(); ++i) {
            now += std::chrono::milliseconds(100);
            deliver(c.on_tick(now));
        }
        REQUIRE((c.done() || c.failed()));
    }
    std::size_t count(std::uint8_t msg_id) const
    {
        return static_cast<std::size_t>(std::count_if(
            sent.begin(), sent.end(), [&](const bytes& f) { return f[3] == msg_id; }));
    }
};

} // namespace cairn_test
