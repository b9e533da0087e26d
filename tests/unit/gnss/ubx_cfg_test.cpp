// SPDX-License-Identifier: GPL-3.0-or-later
// Tests of the CFG-VALSET/VALGET/VALDEL codecs and key table, on hand-built frames and on
// the real u-center session with a ZED-F9P (CFG-VALGET, ACK-ACK/NAK, MON-VER).
#include "gnss/ubx_cfg.hpp"

#include "gnss/framer.hpp"
#include "tests/unit/test_data.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>

namespace ubx = gnss::ubx;
using gnss::byte_view;
using gnss::bytes;

namespace {

// Every UBX frame of a capture, in stream order.
std::vector<bytes> ubx_frames(const std::string& name)
{
    const bytes data = cairn_test::capture(name);
    std::vector<bytes> out;
    gnss::framer f;
    const auto sink = [&](const gnss::frame& fr) {
        if (fr.kind == gnss::frame_kind::ubx)
            out.emplace_back(fr.bytes.begin(), fr.bytes.end());
    };
    f.feed(data, sink);
    f.finish(sink);
    return out;
}

ubx::view parsed(const bytes& frame)
{
    const auto v = ubx::parse_frame(frame);
    REQUIRE(v.has_value());
    return *v;
}

// A frame with the given CFG payload (for hand-built and truncated cases).
bytes cfg_frame(std::uint8_t msg_id, const bytes& payload)
{
    return ubx::make_frame(ubx::cls::cfg, msg_id, payload);
}

constexpr std::uint32_t baudrate = 0x40520001;   // CFG-UART1-BAUDRATE, U4
constexpr std::uint32_t tmode_mode = 0x20030001; // E1
constexpr std::uint32_t lat_hp = 0x2003000C;     // I1
constexpr std::uint32_t usb_rtcm = 0x10780004;   // L
constexpr std::uint32_t wildcard = 0x0FFF0000;   // "all keys": size code 0

} // namespace

TEST_CASE("ubx_cfg: key sizes come from bits 28-30 of the id")
{
    CHECK(ubx::key_value_size(0x10780004) == 1u);
    CHECK(ubx::key_value_size(0x20030001) == 1u);
    CHECK(ubx::key_value_size(0x30210001) == 2u);
    CHECK(ubx::key_value_size(0x40520001) == 4u);
    CHECK(ubx::key_value_size(0x50000001) == 8u);
    CHECK_FALSE(ubx::key_value_size(wildcard).has_value());
    CHECK_FALSE(ubx::key_value_size(0x60000001).has_value());
    CHECK_FALSE(ubx::key_value_size(0x70000001).has_value());
    CHECK(ubx::key_value_size(0x80000000 | 0x40520001) == 4u); // bit 31 is not size
}

TEST_CASE("ubx_cfg: key table is consistent and searchable both ways")
{
    std::set<std::uint32_t> ids;
    std::set<std::string_view> names;
    for (const auto& k : ubx::key_table()) {
        INFO(k.name);
        CHECK(ids.insert(k.id).second);
        CHECK(names.insert(k.name).second);
        CHECK(ubx::key_value_size(k.id) == ubx::type_size(k.type));
        CHECK(k.name.starts_with("CFG-"));
        CHECK(ubx::find_key(k.id) == &k);
        CHECK(ubx::find_key(k.name) == &k);
    }
    CHECK(ubx::key_table().size() == 67);
    const auto* mode = ubx::find_key("CFG-TMODE-MODE");
    REQUIRE(mode != nullptr);
    CHECK(mode->id == tmode_mode);
    CHECK(ubx::find_key("CFG-NAVSPG-DYNMODEL")->id == 0x20110021);
    CHECK(ubx::find_key("CFG-MSGOUT-RTCM_3X_TYPE1124_USB")->id == 0x20910370);
    CHECK(ubx::find_key(std::uint32_t{0x20910346})->name == "CFG-MSGOUT-UBX_NAV_SIG_UART1");
    CHECK(ubx::find_key(std::uint32_t{0x2091039C}) == nullptr); // MON_VER: not verified
    CHECK(ubx::find_key("cfg-tmode-mode") == nullptr);
    CHECK(ubx::find_key("") == nullptr);
    CHECK(ubx::is_signed(ubx::find_key("CFG-TMODE-ECEF_X")->type));
    CHECK_FALSE(ubx::is_signed(ubx::find_key("CFG-TMODE-SVIN_MIN_DUR")->type));
}

TEST_CASE("ubx_cfg: typed values")
{
    const auto hp = ubx::cfg_value::of_signed(lat_hp, -5);
    CHECK(hp.raw == 0xFB);
    CHECK(hp.as_signed() == -5);
    const auto x = ubx::cfg_value::of_signed(0x40030003, -123456789);
    CHECK(x.raw == 0xF8A432EB);
    CHECK(x.as_signed() == -123456789);
    CHECK(ubx::cfg_value::of_unsigned(baudrate, 115200).as_unsigned() == 115200);
    CHECK(ubx::cfg_value::of_unsigned(tmode_mode, 0x102).raw == 0x02); // cut to 1 byte
    CHECK(ubx::cfg_value::of_bool(usb_rtcm, true).as_bool());
    CHECK_FALSE(ubx::cfg_value::of_bool(usb_rtcm, false).as_bool());
}

TEST_CASE("ubx_cfg: VALSET wire layout, layers and transactions")
{
    ubx::valset v{
        ubx::layer_bit::ram | ubx::layer_bit::bbr,
        ubx::transaction::none,
        {ubx::cfg_value::of_unsigned(baudrate, 115200), ubx::cfg_value::of_signed(lat_hp, -1)}};
    const auto frame = ubx::encode_valset(v);
    REQUIRE(frame.has_value());
    const bytes want_payload{0x00, 0x03, 0x00, 0x00, 0x01, 0x00, 0x52, 0x40, 0x00,
                             0xC2, 0x01, 0x00, 0x0C, 0x00, 0x03, 0x20, 0xFF};
    CHECK(*frame == cfg_frame(ubx::id::cfg_valset, want_payload));
    CHECK(ubx::decode_valset(parsed(*frame)) == v);

    v.action = ubx::transaction::begin;
    const auto begin = ubx::encode_valset(v);
    REQUIRE(begin.has_value());
    CHECK((*begin)[6] == 1); // version 1 when transactional
    CHECK((*begin)[8] == 1);
    CHECK(ubx::decode_valset(parsed(*begin)) == v);
    v.action = ubx::transaction::apply;
    v.values.clear(); // apply with no keys is how a transaction ends
    const auto apply = ubx::encode_valset(v);
    REQUIRE(apply.has_value());
    CHECK(ubx::decode_valset(parsed(*apply)) == v);

    v.layers = 0;
    CHECK(ubx::encode_valset(v).error() == ubx::cfg_error::bad_layer);
    v.layers = 0x08;
    CHECK(ubx::encode_valset(v).error() == ubx::cfg_error::bad_layer);
    v.layers = ubx::layer_bit::flash;
    v.values = {{tmode_mode, 0x100}};
    CHECK(ubx::encode_valset(v).error() == ubx::cfg_error::value_too_wide);
    v.values = {{wildcard, 0}};
    CHECK(ubx::encode_valset(v).error() == ubx::cfg_error::unknown_size);
    // A version-2 VALSET and a VALSET with no layer are refused on decode too.
    CHECK(ubx::decode_valset(parsed(cfg_frame(ubx::id::cfg_valset, {2, 1, 0, 0}))).error() ==
          ubx::cfg_error::bad_version);
    CHECK(ubx::decode_valset(parsed(cfg_frame(ubx::id::cfg_valset, {0, 0, 0, 0}))).error() ==
          ubx::cfg_error::bad_layer);
}

TEST_CASE("ubx_cfg: VALDEL only deletes from BBR and Flash")
{
    ubx::valdel d{ubx::layer_bit::bbr | ubx::layer_bit::flash,
                  ubx::transaction::none,
                  {tmode_mode, baudrate, wildcard}};
    const auto frame = ubx::encode_valdel(d);
    REQUIRE(frame.has_value());
    CHECK(frame->size() == 8 + 4 + 12);
    CHECK(ubx::decode_valdel(parsed(*frame)) == d);
    d.layers = ubx::layer_bit::ram | ubx::layer_bit::bbr;
    CHECK(ubx::encode_valdel(d).error() == ubx::cfg_error::bad_layer);
    CHECK(ubx::decode_valdel(parsed(cfg_frame(ubx::id::cfg_valdel, {0, 1, 0, 0}))).error() ==
          ubx::cfg_error::bad_layer);
    CHECK(ubx::decode_valdel(parsed(cfg_frame(ubx::id::cfg_valdel, {0, 2, 0, 0, 1, 0}))).error() ==
          ubx::cfg_error::truncated);
}

TEST_CASE("ubx_cfg: 64 keys per message is the limit")
{
    std::vector<ubx::cfg_value> values(ubx::max_cfg_keys, {tmode_mode, 1});
    std::vector<std::uint32_t> keys(ubx::max_cfg_keys, tmode_mode);
    CHECK(ubx::encode_valset({ubx::layer_bit::ram, ubx::transaction::none, values}));
    CHECK(ubx::encode_valget_poll({ubx::layer::ram, 0, keys}));
    CHECK(ubx::encode_valdel({ubx::layer_bit::bbr, ubx::transaction::none, keys}));
    const auto response = ubx::encode_valget_response({ubx::layer::ram, 0, values});
    REQUIRE(response.has_value());
    CHECK(ubx::decode_valget_response(parsed(*response))->values.size() == ubx::max_cfg_keys);

    values.push_back({tmode_mode, 1});
    keys.push_back(tmode_mode);
    CHECK(ubx::encode_valset({ubx::layer_bit::ram, ubx::transaction::none, values}).error() ==
          ubx::cfg_error::too_many_keys);
    CHECK(ubx::encode_valget_poll({ubx::layer::ram, 0, keys}).error() ==
          ubx::cfg_error::too_many_keys);
    CHECK(ubx::encode_valdel({ubx::layer_bit::bbr, ubx::transaction::none, keys}).error() ==
          ubx::cfg_error::too_many_keys);
    CHECK(ubx::encode_valget_response({ubx::layer::ram, 0, values}).error() ==
          ubx::cfg_error::too_many_keys);
    // 65 pairs built by hand are refused by every decoder.
    bytes pairs{1, 0, 0, 0};
    for (std::size_t i = 0; i <= ubx::max_cfg_keys; ++i)
        pairs.insert(pairs.end(), {0x01, 0x00, 0x03, 0x20, 0x01});
    CHECK(ubx::decode_valget_response(parsed(cfg_frame(ubx::id::cfg_valget, pairs))).error() ==
          ubx::cfg_error::too_many_keys);
    pairs[0] = 0; // VALSET version 0 to RAM
    pairs[1] = ubx::layer_bit::ram;
    CHECK(ubx::decode_valset(parsed(cfg_frame(ubx::id::cfg_valset, pairs))).error() ==
          ubx::cfg_error::too_many_keys);
    bytes poll{0, 0, 0, 0};
    for (std::size_t i = 0; i <= ubx::max_cfg_keys; ++i)
        poll.insert(poll.end(), {0x01, 0x00, 0x03, 0x20});
    CHECK(ubx::decode_valget_poll(parsed(cfg_frame(ubx::id::cfg_valget, poll))).error() ==
          ubx::cfg_error::too_many_keys);
}

TEST_CASE("ubx_cfg: VALGET poll layers and decoders refuse the wrong message")
{
    ubx::valget_poll q{ubx::layer::defaults, 64, {wildcard}};
    const auto frame = ubx::encode_valget_poll(q);
    REQUIRE(frame.has_value());
    CHECK(*frame == cfg_frame(ubx::id::cfg_valget, {0, 7, 64, 0, 0x00, 0x00, 0xFF, 0x0F}));
    CHECK(ubx::decode_valget_poll(parsed(*frame)) == q);
    CHECK(ubx::decode_valget_response(parsed(*frame)).error() == ubx::cfg_error::bad_version);
    CHECK(ubx::decode_valset(parsed(*frame)).error() == ubx::cfg_error::wrong_message);
    CHECK(ubx::decode_valdel(parsed(*frame)).error() == ubx::cfg_error::wrong_message);
    q.from = static_cast<ubx::layer>(3);
    CHECK(ubx::encode_valget_poll(q).error() == ubx::cfg_error::bad_layer);
    CHECK(ubx::decode_valget_poll(parsed(cfg_frame(ubx::id::cfg_valget, {0, 3, 0, 0}))).error() ==
          ubx::cfg_error::bad_layer);
    CHECK(ubx::decode_valget_poll(parsed(cfg_frame(ubx::id::cfg_valget, {0, 0, 0}))).error() ==
          ubx::cfg_error::truncated);
    CHECK(ubx::decode_valget_response(
              parsed(cfg_frame(ubx::id::cfg_valget, {1, 0, 0, 0, 0, 0, 0, 0x60, 0})))
              .error() == ubx::cfg_error::unknown_size);
    CHECK(std::string(ubx::to_string(ubx::cfg_error::too_many_keys)).find("64") !=
          std::string::npos);
}

TEST_CASE("ubx_cfg: a VALSET split at every offset through the framer decodes the same")
{
    const ubx::valset v{ubx::layer_bit::ram,
                        ubx::transaction::none,
                        {{tmode_mode, 2}, {0x30210001, 1000}, {usb_rtcm, 1}}};
    const bytes frame = *ubx::encode_valset(v);
    for (std::size_t cut = 0; cut <= frame.size(); ++cut) {
        gnss::framer f;
        int seen = 0;
        const auto sink = [&](const gnss::frame& fr) {
            ++seen;
            const auto msg = ubx::parse_frame(fr.bytes);
            REQUIRE(msg.has_value());
            CHECK(ubx::decode_valset(*msg) == v);
        };
        const byte_view all(frame);
        f.feed(all.first(cut), sink);
        f.feed(all.subspan(cut), sink);
        CHECK(seen == 1);
    }
}

TEST_CASE("ubx_cfg: fixed-seed random round trips")
{
    std::mt19937 rng(0xCF6u);
    const auto table = ubx::key_table();
    for (int round = 0; round < 500; ++round) {
        std::vector<ubx::cfg_value> values(rng() % (ubx::max_cfg_keys + 1));
        std::vector<std::uint32_t> keys;
        for (auto& v : values) {
            // Known keys and unknown ones of every valid size.
            const std::uint32_t id = rng() % 2 ? table[rng() % table.size()].id
                                               : ((1 + rng() % 5) << 28) | (rng() & 0x0FFFFFFF);
            const std::uint64_t r = (std::uint64_t{rng()} << 32) | rng();
            v = ubx::cfg_value::of_unsigned(id, r);
            keys.push_back(id);
        }
        const ubx::valset s{static_cast<std::uint8_t>(1 + rng() % 7),
                            static_cast<ubx::transaction>(rng() % 4), values};
        const auto sf = ubx::encode_valset(s);
        REQUIRE(sf.has_value());
        CHECK(ubx::decode_valset(parsed(*sf)) == s);

        const ubx::valget_response r{static_cast<ubx::layer>(rng() % 3),
                                     static_cast<std::uint16_t>(rng()), values};
        const auto rf = ubx::encode_valget_response(r);
        REQUIRE(rf.has_value());
        CHECK(ubx::decode_valget_response(parsed(*rf)) == r);

        const ubx::valget_poll q{ubx::layer::flash, static_cast<std::uint16_t>(rng()), keys};
        CHECK(ubx::decode_valget_poll(parsed(*ubx::encode_valget_poll(q))) == q);
        const ubx::valdel d{static_cast<std::uint8_t>(2 + 2 * (rng() % 3)),
                            static_cast<ubx::transaction>(rng() % 4), keys};
        const auto df = ubx::encode_valdel(d);
        REQUIRE(df.has_value());
        CHECK(ubx::decode_valdel(parsed(*df)) == d);
    }
}

TEST_CASE("ubx_cfg: real CFG-VALGET frames from a ZED-F9P u-center session")
{
    const auto frames = ubx_frames("zed-f9p-ucenter-session.ubx");
    int polls = 0;
    int responses = 0;
    std::optional<ubx::valget_poll> last_poll;
    std::map<std::uint32_t, ubx::cfg_value> ram; // layer RAM, every key the receiver sent
    for (const auto& frame : frames) {
        const auto msg = parsed(frame);
        if (msg.msg_class != ubx::cls::cfg || msg.msg_id != ubx::id::cfg_valget)
            continue;
        if (const auto q = ubx::decode_valget_poll(msg)) {
            ++polls;
            CHECK(q->keys == std::vector<std::uint32_t>{wildcard});
            CHECK(ubx::encode_valget_poll(*q) == frame); // byte for byte
            last_poll = q.value();
            continue;
        }
        const auto r = ubx::decode_valget_response(msg);
        REQUIRE(r.has_value());
        ++responses;
        CHECK(ubx::encode_valget_response(*r) == frame);
        REQUIRE(last_poll.has_value()); // the answer follows its poll
        CHECK(r->from == last_poll->from);
        CHECK(r->position == last_poll->position);
        CHECK(!r->values.empty());
        for (const auto& v : r->values)
            ram[v.id] = v;
    }
    CHECK(polls == 24);
    CHECK(responses == 24);
    CHECK(ram.size() == 1475); // mostly keys outside the table, skipped by the size rule
    for (const auto& k : ubx::key_table()) {
        INFO(k.name);
        CHECK(ram.count(k.id) == 1); // every table id is one this receiver knows
    }
    CHECK(ram.at(baudrate).as_unsigned() == 38400);
    CHECK(ram.at(0x30210001).as_unsigned() == 1000); // CFG-RATE-MEAS, ms
    CHECK(ram.at(tmode_mode).as_unsigned() == 0);    // TMODE disabled
    CHECK(ram.at(usb_rtcm).as_bool());
    CHECK(ram.at(0x10740001).as_bool()); // UBX out on UART1

    // Cut anywhere, a response is either refused as truncated or (on a pair boundary)
    // yields a prefix of its values.
    const auto whole = std::find_if(frames.begin(), frames.end(), [](const bytes& f) {
        const auto m = ubx::parse_frame(f);
        return m && m->msg_class == ubx::cls::cfg && ubx::decode_valget_response(*m) &&
               m->payload.size() == 676;
    });
    REQUIRE(whole != frames.end());
    const auto full = *ubx::decode_valget_response(parsed(*whole));
    const byte_view payload = parsed(*whole).payload;
    int prefixes = 0;
    for (std::size_t n = 0; n < payload.size(); ++n) {
        const bytes cut(payload.begin(), payload.begin() + static_cast<std::ptrdiff_t>(n));
        const auto r = ubx::decode_valget_response(parsed(cfg_frame(ubx::id::cfg_valget, cut)));
        if (r) {
            ++prefixes;
            REQUIRE(r->values.size() < full.values.size());
            CHECK(std::equal(r->values.begin(), r->values.end(), full.values.begin()));
        } else {
            CHECK(r.error() == ubx::cfg_error::truncated);
        }
    }
    CHECK(static_cast<std::size_t>(prefixes) == full.values.size());
}

TEST_CASE("ubx_cfg: real ACK-ACK / ACK-NAK frames answer CFG frames")
{
    const auto frames = ubx_frames("zed-f9p-ucenter-session.ubx");
    int acks = 0;
    int naks = 0;
    std::optional<std::uint8_t> last_cfg_id;
    std::optional<ubx::mon_ver> version;
    for (const auto& frame : frames) {
        const auto msg = parsed(frame);
        if (const auto a = ubx::decode_ack(msg)) {
            (a->accepted ? acks : naks)++;
            CHECK(a->msg_class == ubx::cls::cfg);
            REQUIRE(last_cfg_id.has_value());
            CHECK(a->msg_id == *last_cfg_id); // answers the latest CFG frame
        } else if (msg.msg_class == ubx::cls::cfg) {
            last_cfg_id = msg.msg_id;
        } else if (const auto v = ubx::decode_mon_ver(msg)) {
            version = v;
        }
    }
    CHECK(acks == 44);
    CHECK(naks == 14);
    // The receiver whose keys the tests above read.
    REQUIRE(version.has_value());
    CHECK(version->model() == "ZED-F9P");
    CHECK(version->firmware() == "HPG 1.32");
    CHECK(version->protocol() == "27.31");
}
