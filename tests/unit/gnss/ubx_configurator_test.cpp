// SPDX-License-Identifier: GPL-3.0-or-later
// Tests of the ZED-F9P configuration state machine against a scripted fake receiver
// (fake_f9p.hpp), and against real MON-VER, CFG-VALGET, ACK-ACK and ACK-NAK frames.
#include "gnss/ubx_configurator.hpp"

#include "gnss/base_profile.hpp"
#include "gnss/framer.hpp"
#include "tests/unit/gnss/fake_f9p.hpp"
#include "tests/unit/gnss/ubx_frames.hpp"
#include "tests/unit/test_data.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <string>

namespace ubx = gnss::ubx;
using gnss::bytes;
using namespace std::chrono_literals;
using time_point = ubx::configurator::time_point;
using cairn_test::fake_receiver;
using cairn_test::harness;
using cairn_test::identity;
using cairn_test::parsed;

namespace {

std::uint32_t key(std::string_view name)
{
    const auto* k = ubx::find_key(name);
    REQUIRE(k != nullptr);
    return k->id;
}

std::vector<ubx::cfg_value> fixed_profile()
{
    ubx::base_profile p;
    p.mode = ubx::base_mode::fixed;
    p.position = ubx::fixed_ecef{4444030.8028, 3085671.2349, 3366658.2560};
    auto v = ubx::profile_values(p);
    REQUIRE(v.has_value());
    return *v;
}

// Every UBX frame of the u-center session with a real ZED-F9P.
std::vector<bytes> session()
{
    return cairn_test::ubx_frames(cairn_test::capture("zed-f9p-ucenter-session.ubx")).frames;
}

} // namespace

TEST_CASE("ubx_configurator: happy path with save, through unrelated traffic")
{
    fake_receiver rx;
    // NAV-PVT keeps flowing, and an ACK for another CFG message must not count.
    rx.noise = {ubx::make_frame(ubx::cls::nav, ubx::id::nav_pvt, bytes(92, 0)),
                ubx::encode_ack({false, ubx::cls::cfg, 0x01}),
                ubx::encode_ack({true, ubx::cls::cfg, ubx::id::cfg_valdel})};
    const auto values = fixed_profile();
    harness h{ubx::configurator({false, values, true}), rx};
    CHECK(h.c.state() == ubx::configurator_state::idle);
    h.run();
    REQUIRE_MESSAGE(h.c.done(), h.c.reason());
    CHECK(h.c.reason().empty());
    CHECK(h.c.identity()->model() == "ZED-F9P");
    CHECK(h.c.steps() == std::vector<std::string>{
                             "MON-VER: ZED-F9P HPG 1.32 PROTVER 27.31", "VALSET RAM 46 keys: ACK",
                             "VALGET RAM 46 keys: match", "VALSET BBR+Flash 46 keys: ACK"});
    CHECK(h.states == std::vector<ubx::configurator_state>{
                          ubx::configurator_state::detecting, // noise before MON-VER
                          ubx::configurator_state::applying, ubx::configurator_state::verifying,
                          ubx::configurator_state::saving, ubx::configurator_state::done});
    CHECK(h.now == time_point{}); // no timeout was needed
    for (const auto& v : values) {
        CHECK(rx.ram.at(v.id) == v.raw);
        CHECK(rx.bbr.at(v.id) == v.raw);
        CHECK(rx.flash.at(v.id) == v.raw);
    }
    CHECK(h.sent.size() == 4);
    CHECK_FALSE(h.c.deadline().has_value());
    // Late frames after the end change nothing.
    CHECK(h.c.on_frame(parsed(ubx::encode_ack({false, ubx::cls::cfg, ubx::id::cfg_valset})), h.now)
              .empty());
    CHECK(h.c.on_tick(h.now + 1h).empty());
    CHECK(h.c.start(h.now).empty());
    CHECK(h.c.done());
}

TEST_CASE("ubx_configurator: without save nothing reaches BBR/Flash")
{
    fake_receiver rx;
    harness h{ubx::configurator({false, fixed_profile(), false}), rx};
    h.run();
    REQUIRE(h.c.done());
    CHECK(h.c.steps().size() == 3);
    CHECK(rx.bbr.empty());
    CHECK(rx.flash.empty());
}

TEST_CASE("ubx_configurator: more than 64 keys go in chunks")
{
    std::vector<ubx::cfg_value> values;
    for (std::uint32_t i = 0; i < 130; ++i) // one-byte keys outside the table
        values.push_back({0x20990000 + i, i % 200});
    fake_receiver rx;
    harness h{ubx::configurator({false, values, true}), rx};
    h.run();
    REQUIRE(h.c.done());
    CHECK(rx.valsets == 6); // 64 + 64 + 2 to RAM, the same to BBR+Flash
    CHECK(rx.valgets == 3);
    for (const auto& f : h.sent) {
        const auto msg = parsed(f);
        if (const auto s = ubx::decode_valset(msg)) {
            CHECK(s->values.size() <= ubx::max_cfg_keys);
            CHECK(s->action == ubx::transaction::none);
        }
    }
    CHECK(h.c.steps()[3] == "VALSET RAM 2 keys: ACK");
    CHECK(rx.ram.size() == 130);
    CHECK(rx.flash.size() == 130);
}

TEST_CASE("ubx_configurator: a stale VALGET answer is ignored, a missing key is reported")
{
    std::vector<ubx::cfg_value> values;
    for (std::uint32_t i = 0; i < 70; ++i)
        values.push_back({0x20990000 + i, 7});
    const auto ack = [](std::uint8_t msg_id) {
        return ubx::encode_ack({true, ubx::cls::cfg, msg_id});
    };
    const auto response = [&](std::size_t from, std::size_t to) {
        const ubx::valget_response r{ubx::layer::ram,
                                     0,
                                     {values.begin() + static_cast<std::ptrdiff_t>(from),
                                      values.begin() + static_cast<std::ptrdiff_t>(to)}};
        return *ubx::encode_valget_response(r);
    };
    ubx::configurator c({false, values, false});
    const time_point t{};
    c.start(t);
    c.on_frame(parsed(ubx::encode_mon_ver(identity("ZED-F9P", "HPG 1.32", "27.31"))), t);
    c.on_frame(parsed(ack(0x8A)), t);
    c.on_frame(parsed(ack(0x8A)), t);
    REQUIRE(c.state() == ubx::configurator_state::verifying);
    // The answer to the second chunk's keys does not complete the first chunk's poll.
    CHECK(c.on_frame(parsed(response(64, 70)), t).empty());
    CHECK(c.on_frame(parsed(ack(0x8B)), t).empty());
    CHECK(c.steps().back() == "VALSET RAM 6 keys: ACK");
    const auto next = c.on_frame(parsed(response(0, 64)), t);
    REQUIRE(next.size() == 1);
    CHECK(c.steps().back() == "VALGET RAM 64 keys: match");
    // The second poll is answered with one key short.
    c.on_frame(parsed(response(64, 69)), t);
    c.on_frame(parsed(ack(0x8B)), t);
    REQUIRE(c.failed());
    CHECK(c.reason().starts_with(
        "CFG key 0x20990045: wrote 7, but the receiver (ZED-F9P firmware HPG 1.32) did not "
        "report it in CFG-VALGET"));
}

TEST_CASE("ubx_configurator: a NAK is traced to the refused key")
{
    fake_receiver rx;
    rx.id = identity("ZED-F9P", "HPG 1.13", "27.12");
    rx.refused[key("CFG-TMODE-MODE")] = 2;
    const auto values = fixed_profile();
    harness h{ubx::configurator({false, values, true}), rx};
    h.run();
    REQUIRE(h.c.failed());
    CHECK(h.c.state() == ubx::configurator_state::failed);
    CHECK(h.c.reason().starts_with(
        "CFG-TMODE-MODE = 2 rejected by the receiver (ZED-F9P firmware HPG 1.13)"));
    CHECK(h.c.reason().find("Nothing was saved to BBR/Flash") != std::string::npos);
    CHECK(rx.valsets == 1 + 46); // the batch, then each key up to MODE (the last)
    CHECK(rx.valgets == 0);
    CHECK(rx.bbr.empty());
    CHECK(h.c.steps().back() == "VALSET RAM 46 keys: NAK, retrying key by key");

    // A key in the middle: the search stops there; a signed value prints signed.
    fake_receiver rx2;
    rx2.unknown.insert(key("CFG-TMODE-ECEF_Y"));
    harness h2{ubx::configurator({false, values, true}), rx2};
    h2.run();
    REQUIRE(h2.c.failed());
    CHECK(h2.c.reason().starts_with("CFG-TMODE-ECEF_Y = 308567123 rejected"));
    const auto pos = std::find_if(values.begin(), values.end(),
                                  [&](const auto& v) { return v.id == key("CFG-TMODE-ECEF_Y"); });
    CHECK(rx2.valsets == 1 + 1 + (pos - values.begin()));

    // One key alone: no search needed.
    fake_receiver rx3;
    rx3.refused[key("CFG-TMODE-ECEF_X_HP")] = 0x9D; // -99
    harness h3{ubx::configurator(
                   {false, {ubx::cfg_value::of_signed(key("CFG-TMODE-ECEF_X_HP"), -99)}, false}),
               rx3};
    h3.run();
    CHECK(h3.c.reason().starts_with("CFG-TMODE-ECEF_X_HP = -99 rejected"));
    CHECK(rx3.valsets == 1);
}

TEST_CASE("ubx_configurator: refused together, accepted one by one, then verified")
{
    fake_receiver rx;
    rx.refuse_batches = true;
    harness h{ubx::configurator({false, fixed_profile(), false}), rx};
    h.run();
    REQUIRE_MESSAGE(h.c.done(), h.c.reason());
    CHECK(rx.valsets == 1 + 46);
    CHECK(h.c.steps()[2] == "VALSET RAM 46 keys one by one: all ACK");
    CHECK(h.c.steps()[3] == "VALGET RAM 46 keys: match");
}

TEST_CASE("ubx_configurator: a lost reply is resent and the second attempt succeeds")
{
    fake_receiver rx;
    harness h{ubx::configurator({false, fixed_profile(), false}), rx};
    rx.answer_mon_ver_only = true;
    h.deliver(h.c.start(h.now));
    REQUIRE(h.c.state() == ubx::configurator_state::applying);
    REQUIRE(h.c.deadline() == h.now + 1000ms);
    const bytes first = h.sent.back();
    rx.answer_mon_ver_only = false;
    CHECK(h.c.on_tick(h.now + 999ms).empty());
    h.now += 1000ms;
    const auto resent = h.c.on_tick(h.now);
    REQUIRE(resent.size() == 1);
    CHECK(resent[0] == first);
    h.deliver(resent);
    REQUIRE(h.c.done());
    CHECK(h.c.steps()[1] == "CFG-VALSET: no reply in 1 s, resending (attempt 2 of 3)");
    CHECK(h.c.steps()[2] == "VALSET RAM 46 keys: ACK");
}

TEST_CASE("ubx_configurator: retries are bounded and the reason says what to check")
{
    SUBCASE("silent receiver: MON-VER")
    {
        fake_receiver rx;
        rx.mute = true;
        harness h{ubx::configurator({true, {}, false}), rx};
        h.run();
        REQUIRE(h.c.failed());
        CHECK(rx.polls == 3);
        CHECK(h.now - time_point{} == 3000ms);
        CHECK(h.c.reason().starts_with(
            "no reply to the MON-VER poll after 3 attempts (1 s each): is the receiver powered"));
        CHECK_FALSE(h.c.identity().has_value());
    }
    SUBCASE("receiver stops answering after MON-VER: VALSET")
    {
        fake_receiver rx;
        rx.answer_mon_ver_only = true;
        harness h{
            ubx::configurator({false, fixed_profile(), true}, {std::chrono::milliseconds(500), 5}),
            rx};
        h.run();
        REQUIRE(h.c.failed());
        CHECK(rx.valsets == 5);
        CHECK(h.c.reason().starts_with("no reply to CFG-VALSET (RAM) after 5 attempts (500 ms "
                                       "each): is the port wired to UART1/USB"));
        CHECK(rx.flash.empty());
    }
    SUBCASE("options are clamped to their limits")
    {
        fake_receiver rx;
        rx.mute = true;
        harness h{ubx::configurator({true, {}, false}, {0ms, 0}), rx};
        h.run();
        CHECK(rx.polls == 1);
        CHECK(h.c.reason().find("after 1 attempt (10 ms each)") != std::string::npos);
        fake_receiver rx2;
        rx2.mute = true;
        harness h2{ubx::configurator({true, {}, false}, {1000ms, 1000}), rx2};
        h2.deliver(h2.c.start(h2.now));
        for (int i = 0; i < 100 && !h2.c.failed(); ++i) {
            h2.now += 1000ms;
            h2.deliver(h2.c.on_tick(h2.now));
        }
        CHECK(rx2.polls == ubx::configurator_options::max_max_attempts);
    }
}

TEST_CASE("ubx_configurator: a value that does not stick stops before saving")
{
    fake_receiver rx;
    rx.ignored.insert(key("CFG-MSGOUT-RTCM_3X_TYPE1077_UART1"));
    harness h{ubx::configurator({false, fixed_profile(), true}), rx};
    h.run();
    REQUIRE(h.c.failed());
    CHECK(h.c.reason().starts_with(
        "CFG-MSGOUT-RTCM_3X_TYPE1077_UART1: wrote 1, receiver reports 0;"));
    CHECK(rx.bbr.empty());
    CHECK(rx.flash.empty());
}

TEST_CASE("ubx_configurator: VALGET answers in either order, NAK, or without ACK")
{
    SUBCASE("ACK before the response")
    {
        fake_receiver rx;
        rx.ack_first = true;
        harness h{ubx::configurator({false, fixed_profile(), false}), rx};
        h.run();
        CHECK(h.c.done());
    }
    SUBCASE("response without ACK: accepted after the timeout")
    {
        fake_receiver rx;
        rx.valget_without_ack = true;
        harness h{ubx::configurator({false, fixed_profile(), false}), rx};
        h.run();
        REQUIRE(h.c.done());
        CHECK(rx.valgets == 1);
        CHECK(h.now - time_point{} == 1000ms);
    }
    SUBCASE("NAK")
    {
        fake_receiver rx;
        harness h{ubx::configurator({false, fixed_profile(), false}), rx};
        rx.answer_mon_ver_only = true;
        h.deliver(h.c.start(h.now));
        rx.mute = true; // answer nothing more: the test plays the receiver
        h.deliver(h.c.on_frame(parsed(ubx::encode_ack({true, ubx::cls::cfg, 0x8A})), h.now));
        REQUIRE(h.c.state() == ubx::configurator_state::verifying);
        // Our own poll echoed back (some adapters loop TX to RX) is not a response.
        CHECK(h.c.on_frame(parsed(h.sent.back()), h.now).empty());
        CHECK(h.c.state() == ubx::configurator_state::verifying);
        h.c.on_frame(parsed(ubx::encode_ack({false, ubx::cls::cfg, 0x8B})), h.now);
        REQUIRE(h.c.failed());
        CHECK(h.c.reason().starts_with("CFG-VALGET of 46 keys refused by the receiver"));
    }
}

TEST_CASE("ubx_configurator: a save to Flash gets longer to answer than a RAM write")
{
    SUBCASE("one lost save is resent after save_timeout, not reply_timeout")
    {
        fake_receiver rx;
        rx.slow_saves = 1;
        harness h{ubx::configurator({false, fixed_profile(), true}), rx};
        h.run();
        REQUIRE_MESSAGE(h.c.done(), h.c.reason());
        CHECK(h.now - time_point{} == 3000ms);
        CHECK(std::find(h.c.steps().begin(), h.c.steps().end(),
                        "CFG-VALSET: no reply in 3 s, resending (attempt 2 of 3)") !=
              h.c.steps().end());
        CHECK(rx.flash.size() == 46);
    }
    SUBCASE("a save that never answers fails after max_attempts x save_timeout")
    {
        fake_receiver rx;
        rx.slow_saves = 100;
        harness h{ubx::configurator({false, fixed_profile(), true}), rx};
        h.run();
        REQUIRE(h.c.failed());
        CHECK(h.now - time_point{} == 9000ms);
        CHECK(h.c.reason().starts_with("no reply to CFG-VALSET (BBR+Flash) after 3 attempts (3 s "
                                       "each): the settings are active"));
    }
    SUBCASE("save_timeout is never shorter than reply_timeout")
    {
        fake_receiver rx;
        rx.slow_saves = 100;
        harness h{ubx::configurator({false, fixed_profile(), true}, {5000ms, 1, 100ms}), rx};
        h.run();
        REQUIRE(h.c.failed());
        CHECK(h.now - time_point{} == 5000ms);
    }
}

TEST_CASE("ubx_configurator: a refused save is reported as RAM-only")
{
    fake_receiver rx;
    rx.save_nak = true;
    harness h{ubx::configurator({false, fixed_profile(), true}), rx};
    h.run();
    REQUIRE(h.c.failed());
    CHECK(h.c.reason().find("refused to save 46 keys to BBR+Flash") != std::string::npos);
    CHECK(h.c.reason().find("lost at power-off") != std::string::npos);
    CHECK(rx.ram.size() == 46);
}

TEST_CASE("ubx_configurator: non-F9P receivers are reported, not configured")
{
    for (const auto& model : {"NEO-M8P-2", "ZED-F9R", "ZED-F9T", "NEO-M8P"}) {
        fake_receiver rx;
        rx.id = identity(model, "HPG 1.40", model[4] == 'M' ? "20.30" : "33.21");
        harness h{ubx::configurator({false, fixed_profile(), true}), rx};
        h.run();
        INFO(model);
        REQUIRE(h.c.failed());
        CHECK(h.c.reason().starts_with(std::string("unsupported receiver: MOD=") + model));
        CHECK(h.c.reason().find("nothing was changed") != std::string::npos);
        CHECK(rx.valsets == 0);
        CHECK(h.c.identity()->model() == model);
    }
    CHECK(ubx::is_supported_model(identity("ZED-F9P", "HPG 1.32", "27.31")));
    CHECK(ubx::is_supported_model(identity("NEO-F9P", "HPG 1.50", "34.10")));
    CHECK_FALSE(ubx::is_supported_model(identity("ZED-F9P", "HPG 1.00", "18.00")));
    CHECK_FALSE(ubx::is_supported_model(ubx::mon_ver{"ROM CORE 3.01", "00080000", {}}));
}

TEST_CASE("ubx_configurator: detect-only and an empty request change nothing")
{
    fake_receiver rx;
    harness h{ubx::configurator({true, fixed_profile(), true}), rx};
    h.run();
    REQUIRE(h.c.done());
    CHECK(h.sent.size() == 1);
    CHECK(h.c.steps() == std::vector<std::string>{"MON-VER: ZED-F9P HPG 1.32 PROTVER 27.31"});
    fake_receiver rx2;
    harness h2{ubx::configurator({false, {}, true}), rx2};
    h2.run();
    CHECK(h2.c.done());
    CHECK(h2.c.steps().back() == "nothing to apply");
    CHECK(rx2.valsets == 0);
}

TEST_CASE("ubx_configurator: invalid requests fail before anything is sent")
{
    const auto mode = key("CFG-TMODE-MODE");
    const std::vector<std::pair<std::vector<ubx::cfg_value>, std::string>> cases{
        {{{mode, 1}, {mode, 2}}, "CFG-TMODE-MODE is requested twice"},
        {{{0x60000001, 0}}, "CFG key 0x60000001: the key id has a reserved size code"},
        {{{mode, 0x100}}, "CFG-TMODE-MODE: value 256 does not fit in 1 byte(s)"},
        {std::vector<ubx::cfg_value>(ubx::configurator::max_request_values + 1, {mode, 1}),
         "1025 configuration values requested"},
    };
    for (const auto& [values, want] : cases) {
        ubx::configurator c({false, values, false});
        CHECK(c.start(time_point{}).empty());
        REQUIRE(c.failed());
        CHECK(c.reason().starts_with(want));
    }
    // The same key twice with the same value is harmless.
    ubx::configurator ok({false, {{mode, 1}, {mode, 1}}, false});
    CHECK(ok.start(time_point{}).size() == 1);
}

TEST_CASE("ubx_configurator: frames arriving out of turn are ignored")
{
    ubx::configurator c({false, fixed_profile(), false});
    // The frame must outlive the view parsed() returns into it.
    const auto mon_frame = ubx::encode_mon_ver(identity("ZED-F9P", "HPG 1.32", "27.31"));
    const auto mon = parsed(mon_frame);
    CHECK(c.on_frame(mon, time_point{}).empty()); // before start
    CHECK(c.state() == ubx::configurator_state::idle);
    CHECK(c.on_tick(time_point{} + 1h).empty());
    c.start(time_point{});
    const auto valset = c.on_frame(mon, time_point{});
    REQUIRE(valset.size() == 1);
    // A second MON-VER (the reply to a resent poll) while waiting for the VALSET ACK.
    CHECK(c.on_frame(parsed(ubx::encode_mon_ver(identity("NEO-M8P", "x", "20"))), time_point{})
              .empty());
    CHECK(c.identity()->model() == "ZED-F9P");
    CHECK(c.state() == ubx::configurator_state::applying);
    CHECK(std::string(ubx::to_string(c.state())) == "applying");
    CHECK(std::string(ubx::to_string(ubx::configurator_state::failed)) == "failed");
}

TEST_CASE("ubx_configurator: real MON-VER, CFG-VALGET and ACK frames from a ZED-F9P")
{
    const auto frames = session();
    // The first MON-VER reply, the first wildcard VALGET response (position 0, 64 keys)
    // and the ACK-ACK for 06 8B that followed it; a real ACK-NAK (for CFG-MSG).
    const auto find = [&](auto pred) {
        const auto it = std::find_if(frames.begin(), frames.end(),
                                     [&](const bytes& f) { return pred(parsed(f)); });
        REQUIRE(it != frames.end());
        return *it;
    };
    const auto mon = find([](const ubx::view& m) { return ubx::decode_mon_ver(m).has_value(); });
    const auto response = find([](const ubx::view& m) {
        const auto r = ubx::decode_valget_response(m);
        return r && r->position == 0;
    });
    const auto ack = find([](const ubx::view& m) {
        const auto a = ubx::decode_ack(m);
        return a && a->accepted && a->msg_id == ubx::id::cfg_valget;
    });
    const auto nak = find([](const ubx::view& m) {
        const auto a = ubx::decode_ack(m);
        return a && !a->accepted;
    });
    const auto real_values = ubx::decode_valget_response(parsed(response))->values;
    REQUIRE(real_values.size() == ubx::max_cfg_keys);

    for (const bool ack_first : {false, true}) {
        ubx::configurator c({false, real_values, false});
        time_point now{};
        REQUIRE(c.start(now).size() == 1);
        const auto valset = c.on_frame(parsed(mon), now);
        CHECK(c.steps().front() == "MON-VER: ZED-F9P HPG 1.32 PROTVER 27.31");
        REQUIRE(valset.size() == 1);
        CHECK(c.on_frame(parsed(nak), now).empty()); // NAK for CFG-MSG: not ours
        CHECK(c.state() == ubx::configurator_state::applying);
        const auto poll = c.on_frame(parsed(ubx::encode_ack({true, ubx::cls::cfg, 0x8A})), now);
        REQUIRE(poll.size() == 1);
        const auto q = ubx::decode_valget_poll(parsed(poll[0]));
        REQUIRE(q.has_value());
        CHECK(q->keys.size() == ubx::max_cfg_keys);
        c.on_frame(parsed(ack_first ? ack : response), now);
        CHECK(c.state() == ubx::configurator_state::verifying);
        c.on_frame(parsed(ack_first ? response : ack), now);
        REQUIRE_MESSAGE(c.done(), c.reason());
        CHECK(c.steps().back() == "VALGET RAM 64 keys: match");
    }

    // The same real response against a request that differs in one value.
    auto changed = real_values;
    changed[5].raw ^= 1;
    ubx::configurator c({false, changed, false});
    c.start(time_point{});
    c.on_frame(parsed(mon), time_point{});
    c.on_frame(parsed(ubx::encode_ack({true, ubx::cls::cfg, 0x8A})), time_point{});
    c.on_frame(parsed(response), time_point{});
    c.on_frame(parsed(ack), time_point{});
    REQUIRE(c.failed());
    CHECK(c.reason().find(": wrote " + std::to_string(changed[5].raw) + ", receiver reports " +
                          std::to_string(real_values[5].raw)) != std::string::npos);
}

TEST_CASE("ubx_configurator: fixed-seed random losses and byte splits always terminate")
{
    std::mt19937 rng(0xC0F16u);
    int finished = 0;
    for (int round = 0; round < 200; ++round) {
        fake_receiver rx;
        const auto values = fixed_profile();
        ubx::configurator c({false, values, rng() % 2 == 0},
                            {100ms, static_cast<unsigned>(1 + rng() % 4)});
        time_point now{};
        std::vector<bytes> out = c.start(now);
        gnss::framer framer; // replies travel as a byte stream cut at random places
        int ticks = 0;
        while (!c.done() && !c.failed() && ticks < 10000) {
            bytes stream;
            for (const auto& f : out) {
                rx.drop = rng() % 4 == 0 ? 1 : 0;
                for (const auto& r : rx.answer(f))
                    stream.insert(stream.end(), r.begin(), r.end());
            }
            out.clear();
            std::size_t at = 0;
            while (at < stream.size()) {
                const std::size_t n = std::min<std::size_t>(1 + rng() % 40, stream.size() - at);
                framer.feed(gnss::byte_view(stream).subspan(at, n), [&](const gnss::frame& fr) {
                    const auto more =
                        c.on_frame(parsed(bytes(fr.bytes.begin(), fr.bytes.end())), now);
                    out.insert(out.end(), more.begin(), more.end());
                });
                at += n;
            }
            if (out.empty()) {
                now += 50ms;
                ++ticks;
                out = c.on_tick(now);
            }
        }
        REQUIRE((c.done() || c.failed()));
        if (c.done()) {
            ++finished;
            for (const auto& v : values)
                CHECK(rx.ram.at(v.id) == v.raw);
        } else {
            CHECK(c.reason().starts_with("no reply to"));
        }
    }
    CHECK(finished > 100); // most runs recover from a 25% loss rate
}
