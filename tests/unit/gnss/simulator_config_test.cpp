// SPDX-License-Identifier: GPL-3.0-or-later
// The simulated F9P's configuration store: every command path (VALSET with layers and
// transactions, VALGET from every layer with wildcards and paging, VALDEL, CFG-CFG,
// CFG-RST, MON-VER), power cycles, the factory defaults against a real receiver's dump,
// and a fixed-seed random run against a model of the store.
#include "gnss/simulator_config.hpp"

#include "gnss/framer.hpp"
#include "tests/unit/test_data.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace ubx = gnss::ubx;
using gnss::bytes;
using gnss::simulator_config;
using gnss::simulator_config_options;

namespace {

constexpr std::uint32_t tmode_mode = 0x20030001; // E1 0..2
constexpr std::uint32_t tmode_pos_type = 0x20030002;
constexpr std::uint32_t ecef_x = 0x40030003;    // I4 cm
constexpr std::uint32_t ecef_x_hp = 0x20030006; // I1 0.1 mm
constexpr std::uint32_t lat = 0x40030009;
constexpr std::uint32_t lon = 0x4003000A;
constexpr std::uint32_t height = 0x4003000B;
constexpr std::uint32_t lat_hp = 0x2003000C;
constexpr std::uint32_t height_hp = 0x2003000E;
constexpr std::uint32_t min_dur = 0x40030010;
constexpr std::uint32_t out_1077 = 0x209102CD; // U1, UART1
constexpr std::uint32_t out_1074 = 0x2091035F;
constexpr std::uint32_t out_1230 = 0x20910304;
constexpr std::uint32_t baudrate = 0x40520001;   // U4
constexpr std::uint32_t uart1_nmea = 0x10740002; // L
constexpr std::uint32_t rate_meas = 0x30210001;  // U2
constexpr std::uint32_t dynmodel = 0x20110021;
constexpr std::uint32_t unknown_key = 0x20990001; // not in the table

ubx::view parsed(const bytes& frame)
{
    auto v = ubx::parse_frame(frame);
    REQUIRE(v.has_value());
    return *v;
}

std::vector<bytes> send(simulator_config& c, const bytes& frame)
{
    return c.handle(parsed(frame));
}

bytes valset(std::vector<ubx::cfg_value> values, std::uint8_t layers = ubx::layer_bit::ram,
             ubx::transaction t = ubx::transaction::none)
{
    auto f = ubx::encode_valset({layers, t, std::move(values)});
    REQUIRE(f.has_value());
    return *f;
}

bytes valget(std::vector<std::uint32_t> keys, ubx::layer from = ubx::layer::ram,
             std::uint16_t position = 0)
{
    auto f = ubx::encode_valget_poll({from, position, std::move(keys)});
    REQUIRE(f.has_value());
    return *f;
}

bytes valdel(std::vector<std::uint32_t> keys, std::uint8_t layers)
{
    auto f = ubx::encode_valdel({layers, ubx::transaction::none, std::move(keys)});
    REQUIRE(f.has_value());
    return *f;
}

// True when `answer` is exactly one ACK-ACK (or ACK-NAK) for a message of this class/id.
bool is_ack(const std::vector<bytes>& answer, bool accepted, std::uint8_t id = ubx::id::cfg_valset,
            std::uint8_t cls = ubx::cls::cfg)
{
    if (answer.size() != 1)
        return false;
    auto v = ubx::parse_frame(answer[0]);
    if (!v || v->msg_class != ubx::cls::ack)
        return false;
    return ubx::decode_ack(*v) == ubx::ack{accepted, cls, id};
}

// The values of a VALGET answer (response + ACK-ACK), or nullopt when it is anything else.
std::optional<ubx::valget_response> response(const std::vector<bytes>& answer)
{
    if (answer.size() != 2 || !is_ack({answer[1]}, true, ubx::id::cfg_valget))
        return std::nullopt;
    auto r = ubx::decode_valget_response(parsed(answer[0]));
    if (!r)
        return std::nullopt;
    return *r;
}

ubx::cfg_value u(std::uint32_t k, std::uint64_t v)
{
    return ubx::cfg_value::of_unsigned(k, v);
}

ubx::cfg_value s(std::uint32_t k, std::int64_t v)
{
    return ubx::cfg_value::of_signed(k, v);
}

} // namespace

TEST_CASE("simulator_config: starts with the F9P factory values in RAM, nothing saved")
{
    simulator_config c;
    for (const ubx::key_info& k : ubx::key_table()) {
        CAPTURE(k.name);
        auto d = simulator_config::factory_default(k.id);
        REQUIRE(d.has_value());
        CHECK(simulator_config::valid_value(k.id, *d));
        CHECK(c.get(k.id) == d);
        CHECK(c.get(k.id, ubx::layer::defaults) == d);
        CHECK_FALSE(c.get(k.id, ubx::layer::bbr));
        CHECK_FALSE(c.get(k.id, ubx::layer::flash));
    }
    CHECK(c.ram(tmode_mode) == 0);
    CHECK(c.ram(out_1077) == 0);
    CHECK(c.ram(uart1_nmea) == 1);
    CHECK(c.ram(baudrate) == 38'400);
    CHECK(c.ram(rate_meas) == 1000);
    CHECK(c.ram(dynmodel) == 0);
    CHECK(c.ram(unknown_key) == 0);
    CHECK_FALSE(simulator_config::factory_default(unknown_key));
    CHECK_FALSE(c.transaction_pending());
    CHECK(c.resets() == 0);
}

TEST_CASE("simulator_config: factory defaults equal a real unconfigured F9P's full dump")
{
    // The u-center session polls every key (VALGET RAM, wildcard, 64 per page).
    const bytes data = cairn_test::capture("zed-f9p-ucenter-session.ubx");
    std::map<std::uint32_t, std::uint64_t> dump;
    gnss::framer f;
    f.feed(data, [&](const gnss::frame& fr) {
        if (fr.kind != gnss::frame_kind::ubx)
            return;
        auto v = ubx::parse_frame(fr.bytes);
        if (!v || v->msg_class != ubx::cls::cfg || v->msg_id != ubx::id::cfg_valget)
            return;
        if (auto r = ubx::decode_valget_response(*v))
            for (const auto& value : r->values)
                dump[value.id] = value.raw;
    });
    REQUIRE(dump.size() > 1000);
    for (const ubx::key_info& k : ubx::key_table()) {
        CAPTURE(k.name);
        REQUIRE(dump.count(k.id) == 1);
        CHECK(simulator_config::factory_default(k.id) == dump[k.id]);
    }
}

TEST_CASE("simulator_config: MON-VER poll is answered as the real receiver answers")
{
    const bytes data = cairn_test::capture("zed-f9p-ucenter-session.ubx");
    std::optional<bytes> real;
    gnss::framer f;
    f.feed(data, [&](const gnss::frame& fr) {
        auto v = ubx::parse_frame(fr.bytes);
        if (!real && v && v->msg_class == ubx::cls::mon && v->msg_id == ubx::id::mon_ver &&
            !v->payload.empty())
            real = bytes(fr.bytes.begin(), fr.bytes.end());
    });
    REQUIRE(real);
    simulator_config c;
    const bytes poll = ubx::make_frame(ubx::cls::mon, ubx::id::mon_ver, {});
    auto answer = send(c, poll);
    REQUIRE(answer.size() == 1);
    CHECK(answer[0] == *real); // byte for byte: ZED-F9P, HPG 1.32, PROTVER 27.31

    // A MON-VER with a payload is the receiver's own output: nothing to answer.
    CHECK(c.handle(parsed(*real)).empty());
    CHECK(gnss::describe_exchange(parsed(poll), answer) == "MON-VER poll: MON-VER");
}

TEST_CASE("simulator_config: MON-VER of another model; an M8 has no CFG-VAL*")
{
    simulator_config c({.model = "NEO-M8P", .firmware = "HPG 1.13"});
    CHECK_FALSE(c.is_f9());
    auto mv = ubx::decode_mon_ver(parsed(c.mon_ver()));
    REQUIRE(mv);
    CHECK(mv->model() == "NEO-M8P");
    CHECK(mv->firmware() == "HPG 1.13");
    CHECK(mv->protocol() == "20.30");
    CHECK(is_ack(send(c, valset({u(tmode_mode, 1)})), false));
    CHECK(is_ack(send(c, valget({tmode_mode})), false, ubx::id::cfg_valget));
    CHECK(is_ack(send(c, valdel({tmode_mode}, ubx::layer_bit::bbr)), false, ubx::id::cfg_valdel));
    CHECK(c.ram(tmode_mode) == 0);

    simulator_config old_f9({.firmware = "HPG 1.13", .protocol = "27.12"});
    auto v = ubx::decode_mon_ver(parsed(old_f9.mon_ver()));
    REQUIRE(v);
    CHECK(v->model() == "ZED-F9P");
    CHECK(v->protocol() == "27.12");
}

TEST_CASE("simulator_config: VALSET to RAM is ACKed and changes RAM only")
{
    simulator_config c;
    const bytes f = valset({u(tmode_mode, 2), s(ecef_x, -123456789), s(ecef_x_hp, -99),
                            u(out_1077, 1), u(baudrate, 115'200), u(uart1_nmea, 0)});
    auto answer = send(c, f);
    CHECK(is_ack(answer, true));
    CHECK(c.ram(tmode_mode) == 2);
    CHECK(ubx::cfg_value{ecef_x, c.ram(ecef_x)}.as_signed() == -123456789);
    CHECK(ubx::cfg_value{ecef_x_hp, c.ram(ecef_x_hp)}.as_signed() == -99);
    CHECK(c.ram(out_1077) == 1);
    CHECK(c.ram(baudrate) == 115'200);
    CHECK(c.ram(uart1_nmea) == 0);
    CHECK_FALSE(c.get(tmode_mode, ubx::layer::bbr));
    CHECK_FALSE(c.get(tmode_mode, ubx::layer::flash));
    CHECK(c.get(tmode_mode, ubx::layer::defaults) == 0);
    CHECK(gnss::describe_exchange(parsed(f), answer) == "VALSET RAM 6 keys: ACK");
    // No keys at all is a valid (empty) VALSET.
    CHECK(is_ack(send(c, valset({})), true));
}

TEST_CASE("simulator_config: an unknown key or a bad value NAKs and changes nothing")
{
    struct bad_case
    {
        const char* what;
        ubx::cfg_value value;
    };
    const bad_case cases[] = {
        {"unknown key", {unknown_key, 1}},         {"TMODE-MODE 3", u(tmode_mode, 3)},
        {"POS_TYPE 2", u(tmode_pos_type, 2)},      {"ECEF_X_HP 100", s(ecef_x_hp, 100)},
        {"ECEF_X_HP -100", s(ecef_x_hp, -100)},    {"LAT_HP 120", s(lat_hp, 120)},
        {"LAT over 90 deg", s(lat, 900'000'001)},  {"LON under -180 deg", s(lon, -1'800'000'001)},
        {"L value 2", u(uart1_nmea, 2)},           {"baud 1200", u(baudrate, 1200)},
        {"baud 2000000", u(baudrate, 2'000'000)},  {"RATE-MEAS 10 ms", u(rate_meas, 10)},
        {"DYNMODEL 1 (reserved)", u(dynmodel, 1)}, {"DYNMODEL 200", u(dynmodel, 200)},
    };
    for (const bad_case& b : cases) {
        CAPTURE(b.what);
        simulator_config c;
        // A good value first: it must not be applied either (all or nothing).
        CHECK(is_ack(
            send(c, valset({u(out_1077, 5), b.value}, ubx::layer_bit::ram | ubx::layer_bit::flash)),
            false));
        CHECK(c.ram(out_1077) == 0);
        CHECK_FALSE(c.get(out_1077, ubx::layer::flash));
    }
    // The key table's own limits: the HP parts' edges are fine.
    CHECK(simulator_config::valid_value(ecef_x_hp, ubx::cfg_value::of_signed(ecef_x_hp, 99).raw));
    CHECK(simulator_config::valid_value(height_hp, ubx::cfg_value::of_signed(height_hp, -99).raw));
    CHECK_FALSE(simulator_config::valid_value(out_1077, 256)); // wider than U1
    CHECK(simulator_config::valid_value(dynmodel, 2));         // stationary

    // A frame the decoder refuses (values cut short) is NAKed too.
    simulator_config c;
    bytes payload{0, ubx::layer_bit::ram, 0, 0, 0x01, 0x00, 0x03, 0x20}; // key, no value
    CHECK(is_ack(send(c, ubx::make_frame(ubx::cls::cfg, ubx::id::cfg_valset, payload)), false));
    payload = {0, 0x08, 0, 0}; // no such layer
    CHECK(is_ack(send(c, ubx::make_frame(ubx::cls::cfg, ubx::id::cfg_valset, payload)), false));
}

TEST_CASE("simulator_config: refused keys behave as unknown (older firmware)")
{
    simulator_config c({.refuse = {out_1230}});
    CHECK_FALSE(c.known(out_1230));
    CHECK(c.known(out_1077));
    CHECK(is_ack(send(c, valset({u(out_1077, 1), u(out_1230, 1)})), false));
    CHECK(c.ram(out_1077) == 0);
    CHECK(is_ack(send(c, valset({u(out_1077, 1)})), true));
    CHECK(is_ack(send(c, valget({out_1230})), false, ubx::id::cfg_valget));
    CHECK_FALSE(c.set(out_1230, 1));
    CHECK_FALSE(c.get(out_1230));
    // A wildcard poll leaves refused keys out.
    auto r = response(send(c, valget({0x2091FFFF})));
    REQUIRE(r);
    for (const auto& v : r->values)
        CHECK(v.id != out_1230);
}

TEST_CASE("simulator_config: VALSET transactions begin, continue, apply")
{
    simulator_config c;
    const auto ram = ubx::layer_bit::ram;
    auto begin = valset({u(tmode_mode, 1)}, ram, ubx::transaction::begin);
    CHECK(is_ack(send(c, begin), true));
    CHECK(c.transaction_pending());
    CHECK(c.ram(tmode_mode) == 0); // nothing applied yet
    CHECK(is_ack(send(c, valset({u(min_dur, 60)}, ram, ubx::transaction::continue_)), true));
    CHECK(c.ram(min_dur) == 0);
    auto apply = valset({u(out_1077, 1)}, ram, ubx::transaction::apply);
    auto answer = send(c, apply);
    CHECK(is_ack(answer, true));
    CHECK_FALSE(c.transaction_pending());
    CHECK(c.ram(tmode_mode) == 1);
    CHECK(c.ram(min_dur) == 60);
    CHECK(c.ram(out_1077) == 1);
    CHECK(gnss::describe_exchange(parsed(apply), answer) == "VALSET RAM 1 keys (apply): ACK");

    SUBCASE("continue or apply without begin: NAK")
    {
        CHECK(is_ack(send(c, valset({u(out_1077, 2)}, ram, ubx::transaction::continue_)), false));
        CHECK(is_ack(send(c, valset({u(out_1077, 2)}, ram, ubx::transaction::apply)), false));
        CHECK(c.ram(out_1077) == 1);
    }
    SUBCASE("a bad message abandons the transaction")
    {
        CHECK(is_ack(send(c, valset({u(out_1074, 1)}, ram, ubx::transaction::begin)), true));
        CHECK(is_ack(send(c, valset({u(tmode_mode, 9)}, ram, ubx::transaction::continue_)), false));
        CHECK_FALSE(c.transaction_pending());
        CHECK(is_ack(send(c, valset({}, ram, ubx::transaction::apply)), false));
        CHECK(c.ram(out_1074) == 0);
    }
    SUBCASE("other layers midway: NAK, abandoned")
    {
        CHECK(is_ack(send(c, valset({u(out_1074, 1)}, ram, ubx::transaction::begin)), true));
        CHECK(is_ack(send(c, valset({}, ubx::layer_bit::flash, ubx::transaction::apply)), false));
        CHECK_FALSE(c.transaction_pending());
        CHECK(c.ram(out_1074) == 0);
    }
    SUBCASE("begin again restarts; later values win; a reset drops it")
    {
        CHECK(is_ack(send(c, valset({u(out_1074, 1)}, ram, ubx::transaction::begin)), true));
        CHECK(is_ack(send(c, valset({u(out_1230, 1)}, ram, ubx::transaction::begin)), true));
        CHECK(is_ack(send(c, valset({u(out_1230, 3)}, ram, ubx::transaction::continue_)), true));
        CHECK(is_ack(send(c, valset({}, ram, ubx::transaction::apply)), true));
        CHECK(c.ram(out_1074) == 0);
        CHECK(c.ram(out_1230) == 3);
        CHECK(is_ack(send(c, valset({u(out_1074, 1)}, ram, ubx::transaction::begin)), true));
        c.power_cycle();
        CHECK_FALSE(c.transaction_pending());
    }
}

TEST_CASE("simulator_config: VALGET from RAM, BBR, Flash and defaults")
{
    simulator_config c;
    REQUIRE(is_ack(send(c, valset({u(out_1077, 1), u(tmode_mode, 2)},
                                  ubx::layer_bit::ram | ubx::layer_bit::flash)),
                   true));
    REQUIRE(is_ack(send(c, valset({u(out_1230, 5)}, ubx::layer_bit::bbr)), true));

    auto r = response(send(c, valget({tmode_mode, out_1077, baudrate})));
    REQUIRE(r);
    CHECK(r->from == ubx::layer::ram);
    const std::vector<ubx::cfg_value> ram_values = {u(tmode_mode, 2), u(out_1077, 1),
                                                    u(baudrate, 38'400)};
    CHECK(r->values == ram_values);

    r = response(send(c, valget({tmode_mode, out_1077}, ubx::layer::defaults)));
    REQUIRE(r);
    CHECK(r->from == ubx::layer::defaults);
    CHECK(r->values == std::vector<ubx::cfg_value>{u(tmode_mode, 0), u(out_1077, 0)});

    // Flash holds two of the three keys asked for: the third is left out.
    const bytes flash_poll = valget({tmode_mode, out_1230, out_1077}, ubx::layer::flash);
    auto answer = send(c, flash_poll);
    r = response(answer);
    REQUIRE(r);
    CHECK(r->values == std::vector<ubx::cfg_value>{u(tmode_mode, 2), u(out_1077, 1)});
    CHECK(gnss::describe_exchange(parsed(flash_poll), answer) ==
          "VALGET FLASH 3 keys: 2 values, ACK");

    r = response(send(c, valget({out_1230, out_1077}, ubx::layer::bbr)));
    REQUIRE(r);
    CHECK(r->values == std::vector<ubx::cfg_value>{u(out_1230, 5)});
    CHECK(c.ram(out_1230) == 0); // BBR only: RAM untouched until a power cycle

    // Nothing of what is asked is stored in that layer: ACK-NAK only.
    CHECK(is_ack(send(c, valget({baudrate}, ubx::layer::bbr)), false, ubx::id::cfg_valget));
    // An unknown key: ACK-NAK only, no response, even with known keys beside it.
    CHECK(is_ack(send(c, valget({tmode_mode, unknown_key})), false, ubx::id::cfg_valget));
    // A version-1 message (a response) sent to the receiver is not a poll.
    auto resp = ubx::encode_valget_response({ubx::layer::ram, 0, {u(tmode_mode, 1)}});
    REQUIRE(resp);
    CHECK(is_ack(send(c, *resp), false, ubx::id::cfg_valget));
}

TEST_CASE("simulator_config: VALGET wildcards page through the store 64 at a time")
{
    simulator_config c;
    const std::size_t total = ubx::key_table().size();
    REQUIRE(total > simulator_config::max_valget_values);
    auto first = response(send(c, valget({simulator_config::all_groups_wildcard})));
    REQUIRE(first);
    CHECK(first->values.size() == simulator_config::max_valget_values);
    CHECK(first->position == 0);
    for (std::size_t i = 1; i < first->values.size(); ++i)
        CHECK(first->values[i - 1].id < first->values[i].id); // key id order
    auto rest = response(send(c, valget({simulator_config::all_groups_wildcard}, ubx::layer::ram,
                                        simulator_config::max_valget_values)));
    REQUIRE(rest);
    CHECK(rest->position == simulator_config::max_valget_values);
    CHECK(rest->values.size() == total - simulator_config::max_valget_values);
    CHECK(first->values.back().id < rest->values.front().id);
    // Past the end: nothing left, NAK (u-center stops at a short page anyway).
    CHECK(is_ack(send(c, valget({simulator_config::all_groups_wildcard}, ubx::layer::ram,
                                static_cast<std::uint16_t>(total))),
                 false, ubx::id::cfg_valget));
    // Group wildcard: every TMODE key (group 0x03), 17 of them.
    auto tmode = response(send(c, valget({0x2003FFFF})));
    REQUIRE(tmode);
    CHECK(tmode->values.size() == 17);
    for (const auto& v : tmode->values)
        CHECK(((v.id >> 16) & 0xFF) == 0x03);
}

TEST_CASE("simulator_config: VALDEL removes BBR/Flash values; power cycle merges layers")
{
    simulator_config c;
    REQUIRE(is_ack(send(c, valset({u(out_1077, 1)}, ubx::layer_bit::flash)), true));
    REQUIRE(is_ack(send(c, valset({u(out_1077, 2), u(out_1074, 4)}, ubx::layer_bit::bbr)), true));
    REQUIRE(is_ack(send(c, valset({u(out_1230, 7)}, ubx::layer_bit::ram)), true));
    CHECK(c.ram(out_1077) == 0);

    c.power_cycle(); // defaults < Flash < BBR; RAM-only changes are gone
    CHECK(c.resets() == 1);
    CHECK(c.ram(out_1077) == 2);
    CHECK(c.ram(out_1074) == 4);
    CHECK(c.ram(out_1230) == 0);

    const bytes del = valdel({out_1077}, ubx::layer_bit::bbr);
    auto answer = send(c, del);
    CHECK(is_ack(answer, true, ubx::id::cfg_valdel));
    CHECK(gnss::describe_exchange(parsed(del), answer) == "VALDEL BBR 1 keys: ACK");
    CHECK_FALSE(c.get(out_1077, ubx::layer::bbr));
    CHECK(c.get(out_1077, ubx::layer::flash) == 1);
    CHECK(c.ram(out_1077) == 2); // RAM keeps running with it until the next restart
    c.power_cycle();
    CHECK(c.ram(out_1077) == 1); // now from Flash

    CHECK(is_ack(send(c, valdel({out_1077, out_1074}, ubx::layer_bit::bbr | ubx::layer_bit::flash)),
                 true, ubx::id::cfg_valdel));
    c.power_cycle();
    CHECK(c.ram(out_1077) == 0);
    CHECK(c.ram(out_1074) == 0);
    // Deleting what is not stored is fine; an unknown key is not.
    CHECK(is_ack(send(c, valdel({out_1230}, ubx::layer_bit::flash)), true, ubx::id::cfg_valdel));
    CHECK(
        is_ack(send(c, valdel({unknown_key}, ubx::layer_bit::flash)), false, ubx::id::cfg_valdel));
    // RAM cannot be deleted from: the decoder refuses the layer.
    bytes payload{0, ubx::layer_bit::ram, 0, 0, 0xCD, 0x02, 0x91, 0x20};
    CHECK(is_ack(send(c, ubx::make_frame(ubx::cls::cfg, ubx::id::cfg_valdel, payload)), false,
                 ubx::id::cfg_valdel));
}

TEST_CASE("simulator_config: CFG-CFG save/clear/load and CFG-RST")
{
    simulator_config c;
    REQUIRE(is_ack(send(c, valset({u(out_1077, 1), u(tmode_mode, 1)})), true));
    auto cfg_cfg = [](std::uint32_t clear, std::uint32_t save, std::uint32_t load,
                      std::optional<std::uint8_t> devices) {
        bytes p;
        gnss::put_le_u32(p, clear);
        gnss::put_le_u32(p, save);
        gnss::put_le_u32(p, load);
        if (devices)
            p.push_back(*devices);
        return ubx::make_frame(ubx::cls::cfg, 0x09, p);
    };
    CHECK(is_ack(send(c, cfg_cfg(0, 0xFFFF, 0, 0x02)), true, 0x09)); // save to Flash
    CHECK(c.get(out_1077, ubx::layer::flash) == 1);
    CHECK_FALSE(c.get(out_1077, ubx::layer::bbr));

    // CFG-RST (controlled software reset): no answer, RAM reloaded from Flash.
    REQUIRE(is_ack(send(c, valset({u(out_1077, 9)})), true));
    bytes rst_payload{0xFF, 0xFF, 0x01, 0x00};
    const bytes rst = ubx::make_frame(ubx::cls::cfg, 0x04, rst_payload);
    auto answer = send(c, rst);
    CHECK(answer.empty());
    CHECK(gnss::describe_exchange(parsed(rst), answer) == "CFG-RST mode 1: no answer");
    CHECK(c.resets() == 1);
    CHECK(c.ram(out_1077) == 1);
    // GNSS stop (mode 8) is not a restart.
    rst_payload[2] = 0x08;
    CHECK(send(c, ubx::make_frame(ubx::cls::cfg, 0x04, rst_payload)).empty());
    CHECK(c.resets() == 1);

    // Load: RAM from the permanent layers, without a restart.
    REQUIRE(is_ack(send(c, valset({u(out_1077, 9)})), true));
    CHECK(is_ack(send(c, cfg_cfg(0, 0, 0xFFFF, std::nullopt)), true, 0x09));
    CHECK(c.ram(out_1077) == 1);
    CHECK(c.resets() == 1);
    // Clear Flash and BBR (no deviceMask), then a power cycle gives the factory store.
    CHECK(is_ack(send(c, cfg_cfg(0xFFFF, 0, 0, std::nullopt)), true, 0x09));
    c.power_cycle();
    CHECK(c.ram(out_1077) == 0);
    CHECK(c.ram(tmode_mode) == 0);
    // Wrong length: NAK.
    CHECK(is_ack(send(c, ubx::make_frame(ubx::cls::cfg, 0x09, bytes(5, 0))), false, 0x09));
}

TEST_CASE("simulator_config: other CFG messages are NAKed, other classes ignored")
{
    simulator_config c;
    bytes cfg_msg{0xF5, 0x4D, 0x01}; // legacy CFG-MSG: not emulated
    const bytes f = ubx::make_frame(ubx::cls::cfg, 0x01, cfg_msg);
    auto answer = send(c, f);
    CHECK(is_ack(answer, false, 0x01));
    CHECK(gnss::describe_exchange(parsed(f), answer) == "CFG-MSG (3 bytes): NAK");
    CHECK(send(c, ubx::make_frame(ubx::cls::nav, ubx::id::nav_pvt, {})).empty());
    CHECK(send(c, ubx::make_frame(ubx::cls::ack, ubx::id::ack_ack, bytes{6, 0x8A})).empty());
}

TEST_CASE("simulator_config: TMODE position from ECEF or LLH keys (WGS84)")
{
    simulator_config c;
    REQUIRE(c.set(ecef_x, ubx::cfg_value::of_signed(ecef_x, 444403080).raw));
    REQUIRE(c.set(ecef_x_hp, ubx::cfg_value::of_signed(ecef_x_hp, 28).raw));
    CHECK(c.tmode_position().x == doctest::Approx(4444030.8028).epsilon(1e-13));
    CHECK(c.tmode_position().y == 0);

    // The capture's base: NAV-PVT said 32.0658325 N 34.7738190 E 72.134 m; its 1005 said
    // (4444030.8028, 3085671.2349, 3366658.2560). 1e-7 deg is ~1 cm, so 2 cm agreement.
    REQUIRE(c.set(tmode_pos_type, 1));
    REQUIRE(c.set(lat, 320658325));
    REQUIRE(c.set(lon, 347738190));
    REQUIRE(c.set(height, 7213));
    REQUIRE(c.set(height_hp, 4));
    const gnss::ecef p = c.tmode_position();
    CHECK(std::fabs(p.x - 4444030.8028) < 0.02);
    CHECK(std::fabs(p.y - 3085671.2349) < 0.02);
    CHECK(std::fabs(p.z - 3366658.2560) < 0.02);

    // LAT_HP carries 1e-9 deg: 50e-9 deg of latitude is ~5.5 mm.
    const gnss::ecef before = c.tmode_position();
    REQUIRE(c.set(lat_hp, 50));
    const gnss::ecef after = c.tmode_position();
    const double moved = std::hypot(after.x - before.x, after.y - before.y, after.z - before.z);
    CHECK(moved == doctest::Approx(0.00554).epsilon(0.01));
}

TEST_CASE("simulator_config: fixed-seed random commands against a model of the store")
{
    std::mt19937 rng(20240605);
    simulator_config c;
    std::map<std::uint32_t, std::uint64_t> ram, bbr, flash;
    for (const auto& k : ubx::key_table())
        ram[k.id] = *simulator_config::factory_default(k.id);
    const auto table = ubx::key_table();
    for (int round = 0; round < 3000; ++round) {
        CAPTURE(round);
        std::vector<ubx::cfg_value> values;
        const int n = static_cast<int>(rng() % 6);
        bool all_valid = true;
        for (int i = 0; i < n; ++i) {
            const auto& k = table[rng() % table.size()];
            const std::size_t size = ubx::type_size(k.type);
            std::uint64_t raw = rng() % 4 == 0 ? rng() % 3 : rng();
            if (size < 8)
                raw &= (std::uint64_t{1} << (8 * size)) - 1;
            all_valid = all_valid && simulator_config::valid_value(k.id, raw);
            values.push_back({k.id, raw});
        }
        const std::uint8_t layers = static_cast<std::uint8_t>(1 + rng() % 7);
        auto answer = send(c, valset(values, layers));
        REQUIRE(is_ack(answer, all_valid));
        if (all_valid)
            for (const auto& v : values) {
                if (layers & ubx::layer_bit::ram)
                    ram[v.id] = v.raw;
                if (layers & ubx::layer_bit::bbr)
                    bbr[v.id] = v.raw;
                if (layers & ubx::layer_bit::flash)
                    flash[v.id] = v.raw;
            }
        if (rng() % 50 == 0) {
            c.power_cycle();
            for (const auto& k : table)
                ram[k.id] = *simulator_config::factory_default(k.id);
            for (const auto& [k, v] : flash)
                ram[k] = v;
            for (const auto& [k, v] : bbr)
                ram[k] = v;
        }
        if (round % 100 == 0)
            for (const auto& k : table) {
                REQUIRE(c.ram(k.id) == ram[k.id]);
                auto in = [&](const auto& m) {
                    auto it = m.find(k.id);
                    return it == m.end() ? std::nullopt : std::optional<std::uint64_t>(it->second);
                };
                REQUIRE(c.get(k.id, ubx::layer::bbr) == in(bbr));
                REQUIRE(c.get(k.id, ubx::layer::flash) == in(flash));
            }
    }
    // Random bytes as CFG/MON payloads: every answer is a well-formed frame or nothing.
    for (int round = 0; round < 3000; ++round) {
        bytes payload(rng() % 80);
        for (auto& b : payload)
            b = static_cast<std::uint8_t>(rng());
        const std::uint8_t cls = rng() % 2 ? ubx::cls::cfg : ubx::cls::mon;
        const auto id = static_cast<std::uint8_t>(rng() % 3 ? 0x8A + rng() % 3 : rng());
        for (const bytes& f : send(c, ubx::make_frame(cls, id, payload)))
            CHECK(ubx::parse_frame(f).has_value());
    }
}
