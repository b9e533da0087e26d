// SPDX-License-Identifier: GPL-3.0-or-later
// CFG-VALSET/VALGET/VALDEL codecs and the key table (ids from docs/UBX-KEYS.md).
#include "gnss/ubx_cfg.hpp"

#include <algorithm>
#include <array>

namespace gnss::ubx {

namespace {

using vt = value_type;

// Every key Cairn reads or writes. Ids and types: UBX-KEYS.md (u-blox F9 HPG 1.32).
constexpr std::array keys{
    key_info{0x20030001, "CFG-TMODE-MODE", vt::e1},
    key_info{0x20030002, "CFG-TMODE-POS_TYPE", vt::e1},
    key_info{0x40030003, "CFG-TMODE-ECEF_X", vt::i4},
    key_info{0x40030004, "CFG-TMODE-ECEF_Y", vt::i4},
    key_info{0x40030005, "CFG-TMODE-ECEF_Z", vt::i4},
    key_info{0x20030006, "CFG-TMODE-ECEF_X_HP", vt::i1},
    key_info{0x20030007, "CFG-TMODE-ECEF_Y_HP", vt::i1},
    key_info{0x20030008, "CFG-TMODE-ECEF_Z_HP", vt::i1},
    key_info{0x40030009, "CFG-TMODE-LAT", vt::i4},
    key_info{0x4003000A, "CFG-TMODE-LON", vt::i4},
    key_info{0x4003000B, "CFG-TMODE-HEIGHT", vt::i4},
    key_info{0x2003000C, "CFG-TMODE-LAT_HP", vt::i1},
    key_info{0x2003000D, "CFG-TMODE-LON_HP", vt::i1},
    key_info{0x2003000E, "CFG-TMODE-HEIGHT_HP", vt::i1},
    key_info{0x4003000F, "CFG-TMODE-FIXED_POS_ACC", vt::u4},
    key_info{0x40030010, "CFG-TMODE-SVIN_MIN_DUR", vt::u4},
    key_info{0x40030011, "CFG-TMODE-SVIN_ACC_LIMIT", vt::u4},
    key_info{0x209102BE, "CFG-MSGOUT-RTCM_3X_TYPE1005_UART1", vt::u1},
    key_info{0x209102C0, "CFG-MSGOUT-RTCM_3X_TYPE1005_USB", vt::u1},
    key_info{0x2091035F, "CFG-MSGOUT-RTCM_3X_TYPE1074_UART1", vt::u1},
    key_info{0x20910361, "CFG-MSGOUT-RTCM_3X_TYPE1074_USB", vt::u1},
    key_info{0x209102CD, "CFG-MSGOUT-RTCM_3X_TYPE1077_UART1", vt::u1},
    key_info{0x209102CF, "CFG-MSGOUT-RTCM_3X_TYPE1077_USB", vt::u1},
    key_info{0x20910364, "CFG-MSGOUT-RTCM_3X_TYPE1084_UART1", vt::u1},
    key_info{0x20910366, "CFG-MSGOUT-RTCM_3X_TYPE1084_USB", vt::u1},
    key_info{0x209102D2, "CFG-MSGOUT-RTCM_3X_TYPE1087_UART1", vt::u1},
    key_info{0x209102D4, "CFG-MSGOUT-RTCM_3X_TYPE1087_USB", vt::u1},
    key_info{0x20910369, "CFG-MSGOUT-RTCM_3X_TYPE1094_UART1", vt::u1},
    key_info{0x2091036B, "CFG-MSGOUT-RTCM_3X_TYPE1094_USB", vt::u1},
    key_info{0x20910319, "CFG-MSGOUT-RTCM_3X_TYPE1097_UART1", vt::u1},
    key_info{0x2091031B, "CFG-MSGOUT-RTCM_3X_TYPE1097_USB", vt::u1},
    key_info{0x2091036E, "CFG-MSGOUT-RTCM_3X_TYPE1124_UART1", vt::u1},
    key_info{0x20910370, "CFG-MSGOUT-RTCM_3X_TYPE1124_USB", vt::u1},
    key_info{0x209102D7, "CFG-MSGOUT-RTCM_3X_TYPE1127_UART1", vt::u1},
    key_info{0x209102D9, "CFG-MSGOUT-RTCM_3X_TYPE1127_USB", vt::u1},
    key_info{0x20910304, "CFG-MSGOUT-RTCM_3X_TYPE1230_UART1", vt::u1},
    key_info{0x20910306, "CFG-MSGOUT-RTCM_3X_TYPE1230_USB", vt::u1},
    // Moving-base only: in the table so a static base can switch it off.
    key_info{0x209102FF, "CFG-MSGOUT-RTCM_3X_TYPE4072_0_UART1", vt::u1},
    key_info{0x20910301, "CFG-MSGOUT-RTCM_3X_TYPE4072_0_USB", vt::u1},
    key_info{0x20910007, "CFG-MSGOUT-UBX_NAV_PVT_UART1", vt::u1},
    key_info{0x20910009, "CFG-MSGOUT-UBX_NAV_PVT_USB", vt::u1},
    key_info{0x20910016, "CFG-MSGOUT-UBX_NAV_SAT_UART1", vt::u1},
    key_info{0x20910018, "CFG-MSGOUT-UBX_NAV_SAT_USB", vt::u1},
    key_info{0x20910346, "CFG-MSGOUT-UBX_NAV_SIG_UART1", vt::u1},
    key_info{0x20910348, "CFG-MSGOUT-UBX_NAV_SIG_USB", vt::u1},
    key_info{0x20910089, "CFG-MSGOUT-UBX_NAV_SVIN_UART1", vt::u1},
    key_info{0x2091008B, "CFG-MSGOUT-UBX_NAV_SVIN_USB", vt::u1},
    key_info{0x209102A5, "CFG-MSGOUT-UBX_RXM_RAWX_UART1", vt::u1},
    key_info{0x209102A7, "CFG-MSGOUT-UBX_RXM_RAWX_USB", vt::u1},
    key_info{0x20910232, "CFG-MSGOUT-UBX_RXM_SFRBX_UART1", vt::u1},
    key_info{0x20910234, "CFG-MSGOUT-UBX_RXM_SFRBX_USB", vt::u1},
    key_info{0x40520001, "CFG-UART1-BAUDRATE", vt::u4},
    key_info{0x10730001, "CFG-UART1INPROT-UBX", vt::l},
    key_info{0x10730002, "CFG-UART1INPROT-NMEA", vt::l},
    key_info{0x10730004, "CFG-UART1INPROT-RTCM3X", vt::l},
    key_info{0x10740001, "CFG-UART1OUTPROT-UBX", vt::l},
    key_info{0x10740002, "CFG-UART1OUTPROT-NMEA", vt::l},
    key_info{0x10740004, "CFG-UART1OUTPROT-RTCM3X", vt::l},
    key_info{0x10770001, "CFG-USBINPROT-UBX", vt::l},
    key_info{0x10770002, "CFG-USBINPROT-NMEA", vt::l},
    key_info{0x10770004, "CFG-USBINPROT-RTCM3X", vt::l},
    key_info{0x10780001, "CFG-USBOUTPROT-UBX", vt::l},
    key_info{0x10780002, "CFG-USBOUTPROT-NMEA", vt::l},
    key_info{0x10780004, "CFG-USBOUTPROT-RTCM3X", vt::l},
    key_info{0x30210001, "CFG-RATE-MEAS", vt::u2},
    key_info{0x30210002, "CFG-RATE-NAV", vt::u2},
    key_info{0x20110021, "CFG-NAVSPG-DYNMODEL", vt::e1},
};

std::uint64_t size_mask(std::size_t size)
{
    return size >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * size)) - 1;
}

std::uint64_t le_read(const std::uint8_t* p, std::size_t n)
{
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i)
        v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
    return v;
}

void le_write(bytes& out, std::uint64_t v, std::size_t n)
{
    for (std::size_t i = 0; i < n; ++i)
        out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

bool is_cfg(const view& msg, std::uint8_t msg_id)
{
    return msg.msg_class == cls::cfg && msg.msg_id == msg_id;
}

// Appends key/value pairs after checking every one, so nothing half-built escapes.
tl::expected<void, cfg_error> put_values(bytes& out, const std::vector<cfg_value>& values)
{
    if (values.size() > max_cfg_keys)
        return tl::unexpected(cfg_error::too_many_keys);
    for (const auto& v : values) {
        const auto size = key_value_size(v.id);
        if (!size)
            return tl::unexpected(cfg_error::unknown_size);
        if ((v.raw & ~size_mask(*size)) != 0)
            return tl::unexpected(cfg_error::value_too_wide);
        put_le_u32(out, v.id);
        le_write(out, v.raw, *size);
    }
    return {};
}

tl::expected<std::vector<cfg_value>, cfg_error> get_values(byte_view p)
{
    std::vector<cfg_value> values;
    std::size_t at = 0;
    while (at < p.size()) {
        if (values.size() == max_cfg_keys)
            return tl::unexpected(cfg_error::too_many_keys);
        if (p.size() - at < cfg_key_size)
            return tl::unexpected(cfg_error::truncated);
        const std::uint32_t id = le_u32(p.data() + at);
        at += cfg_key_size;
        const auto size = key_value_size(id);
        if (!size)
            return tl::unexpected(cfg_error::unknown_size);
        if (p.size() - at < *size)
            return tl::unexpected(cfg_error::truncated);
        values.push_back({id, le_read(p.data() + at, *size)});
        at += *size;
    }
    return values;
}

tl::expected<std::vector<std::uint32_t>, cfg_error> get_keys(byte_view p)
{
    if (p.size() % cfg_key_size != 0)
        return tl::unexpected(cfg_error::truncated);
    if (p.size() / cfg_key_size > max_cfg_keys)
        return tl::unexpected(cfg_error::too_many_keys);
    std::vector<std::uint32_t> keys;
    for (std::size_t at = 0; at < p.size(); at += cfg_key_size)
        keys.push_back(le_u32(p.data() + at));
    return keys;
}

bool valid_layer(std::uint8_t l)
{
    return l <= 2 || l == 7;
}

std::uint8_t version_of(transaction t)
{
    return t == transaction::none ? 0 : 1;
}

// Version 0 has no transaction (the byte is reserved); version 1 carries the action.
tl::expected<transaction, cfg_error> get_transaction(byte_view p)
{
    if (p[0] == 0)
        return transaction::none;
    if (p[0] != 1)
        return tl::unexpected(cfg_error::bad_version);
    return static_cast<transaction>(p[2] & 0x03);
}

} // namespace

bool is_signed(value_type t)
{
    return t == vt::i1 || t == vt::i2 || t == vt::i4 || t == vt::i8;
}

std::size_t type_size(value_type t)
{
    switch (t) {
    case vt::l:
    case vt::u1:
    case vt::i1:
    case vt::e1:
    case vt::x1:
        return 1;
    case vt::u2:
    case vt::i2:
    case vt::e2:
    case vt::x2:
        return 2;
    case vt::u4:
    case vt::i4:
    case vt::e4:
    case vt::x4:
        return 4;
    case vt::u8:
    case vt::i8:
    case vt::x8:
        return 8;
    }
    return 0;
}

std::optional<std::size_t> key_value_size(std::uint32_t key_id)
{
    switch ((key_id >> 28) & 0x7) {
    case 1:
    case 2:
        return 1;
    case 3:
        return 2;
    case 4:
        return 4;
    case 5:
        return 8;
    default:
        return std::nullopt;
    }
}

std::span<const key_info> key_table()
{
    return keys;
}

const key_info* find_key(std::uint32_t id)
{
    const auto it =
        std::find_if(keys.begin(), keys.end(), [&](const auto& k) { return k.id == id; });
    return it == keys.end() ? nullptr : &*it;
}

const key_info* find_key(std::string_view name)
{
    const auto it =
        std::find_if(keys.begin(), keys.end(), [&](const auto& k) { return k.name == name; });
    return it == keys.end() ? nullptr : &*it;
}

cfg_value cfg_value::of_unsigned(std::uint32_t id, std::uint64_t v)
{
    return {id, v & size_mask(key_value_size(id).value_or(8))};
}

cfg_value cfg_value::of_signed(std::uint32_t id, std::int64_t v)
{
    return of_unsigned(id, static_cast<std::uint64_t>(v));
}

std::int64_t cfg_value::as_signed() const
{
    const std::size_t size = key_value_size(id).value_or(8);
    std::uint64_t v = raw & size_mask(size);
    if (size < 8 && (v >> (8 * size - 1)) & 1u)
        v |= ~size_mask(size);
    return static_cast<std::int64_t>(v);
}

const char* to_string(cfg_error e)
{
    switch (e) {
    case cfg_error::wrong_message:
        return "not the expected CFG message";
    case cfg_error::bad_version:
        return "unsupported message version";
    case cfg_error::bad_layer:
        return "layer not allowed";
    case cfg_error::too_many_keys:
        return "more than 64 keys in one message";
    case cfg_error::unknown_size:
        return "key id with a reserved size code";
    case cfg_error::value_too_wide:
        return "value does not fit the key's size";
    case cfg_error::truncated:
        return "payload ends inside a key or value";
    }
    return "unknown error";
}

tl::expected<bytes, cfg_error> encode_valset(const valset& v)
{
    if ((v.layers & ~(layer_bit::ram | layer_bit::bbr | layer_bit::flash)) != 0 || v.layers == 0)
        return tl::unexpected(cfg_error::bad_layer);
    bytes p{version_of(v.action), v.layers, static_cast<std::uint8_t>(v.action), 0};
    if (auto ok = put_values(p, v.values); !ok)
        return tl::unexpected(ok.error());
    return make_frame(cls::cfg, id::cfg_valset, p);
}

tl::expected<valset, cfg_error> decode_valset(const view& msg)
{
    if (!is_cfg(msg, id::cfg_valset))
        return tl::unexpected(cfg_error::wrong_message);
    const byte_view p = msg.payload;
    if (p.size() < cfg_header_size)
        return tl::unexpected(cfg_error::truncated);
    const auto action = get_transaction(p);
    if (!action)
        return tl::unexpected(action.error());
    const std::uint8_t layers = p[1];
    if ((layers & ~(layer_bit::ram | layer_bit::bbr | layer_bit::flash)) != 0 || layers == 0)
        return tl::unexpected(cfg_error::bad_layer);
    auto values = get_values(p.subspan(cfg_header_size));
    if (!values)
        return tl::unexpected(values.error());
    return valset{layers, *action, std::move(*values)};
}

tl::expected<bytes, cfg_error> encode_valget_poll(const valget_poll& q)
{
    if (!valid_layer(static_cast<std::uint8_t>(q.from)))
        return tl::unexpected(cfg_error::bad_layer);
    if (q.keys.size() > max_cfg_keys)
        return tl::unexpected(cfg_error::too_many_keys);
    bytes p{0, static_cast<std::uint8_t>(q.from)};
    put_le_u16(p, q.position);
    for (const auto key : q.keys) // wildcards (item 0xFFFF...) have no size: not checked
        put_le_u32(p, key);
    return make_frame(cls::cfg, id::cfg_valget, p);
}

tl::expected<valget_poll, cfg_error> decode_valget_poll(const view& msg)
{
    if (!is_cfg(msg, id::cfg_valget))
        return tl::unexpected(cfg_error::wrong_message);
    const byte_view p = msg.payload;
    if (p.size() < cfg_header_size)
        return tl::unexpected(cfg_error::truncated);
    if (p[0] != 0)
        return tl::unexpected(cfg_error::bad_version);
    if (!valid_layer(p[1]))
        return tl::unexpected(cfg_error::bad_layer);
    auto keys = get_keys(p.subspan(cfg_header_size));
    if (!keys)
        return tl::unexpected(keys.error());
    return valget_poll{static_cast<layer>(p[1]), le_u16(p.data() + 2), std::move(*keys)};
}

tl::expected<valget_response, cfg_error> decode_valget_response(const view& msg)
{
    if (!is_cfg(msg, id::cfg_valget))
        return tl::unexpected(cfg_error::wrong_message);
    const byte_view p = msg.payload;
    if (p.size() < cfg_header_size)
        return tl::unexpected(cfg_error::truncated);
    if (p[0] != 1)
        return tl::unexpected(cfg_error::bad_version);
    if (!valid_layer(p[1]))
        return tl::unexpected(cfg_error::bad_layer);
    auto values = get_values(p.subspan(cfg_header_size));
    if (!values)
        return tl::unexpected(values.error());
    return valget_response{static_cast<layer>(p[1]), le_u16(p.data() + 2), std::move(*values)};
}

tl::expected<bytes, cfg_error> encode_valget_response(const valget_response& r)
{
    if (!valid_layer(static_cast<std::uint8_t>(r.from)))
        return tl::unexpected(cfg_error::bad_layer);
    bytes p{1, static_cast<std::uint8_t>(r.from)};
    put_le_u16(p, r.position);
    if (auto ok = put_values(p, r.values); !ok)
        return tl::unexpected(ok.error());
    return make_frame(cls::cfg, id::cfg_valget, p);
}

tl::expected<bytes, cfg_error> encode_valdel(const valdel& d)
{
    if ((d.layers & ~(layer_bit::bbr | layer_bit::flash)) != 0 || d.layers == 0)
        return tl::unexpected(cfg_error::bad_layer);
    if (d.keys.size() > max_cfg_keys)
        return tl::unexpected(cfg_error::too_many_keys);
    bytes p{version_of(d.action), d.layers, static_cast<std::uint8_t>(d.action), 0};
    for (const auto key : d.keys)
        put_le_u32(p, key);
    return make_frame(cls::cfg, id::cfg_valdel, p);
}

tl::expected<valdel, cfg_error> decode_valdel(const view& msg)
{
    if (!is_cfg(msg, id::cfg_valdel))
        return tl::unexpected(cfg_error::wrong_message);
    const byte_view p = msg.payload;
    if (p.size() < cfg_header_size)
        return tl::unexpected(cfg_error::truncated);
    const auto action = get_transaction(p);
    if (!action)
        return tl::unexpected(action.error());
    const std::uint8_t layers = p[1];
    if ((layers & ~(layer_bit::bbr | layer_bit::flash)) != 0 || layers == 0)
        return tl::unexpected(cfg_error::bad_layer);
    auto keys = get_keys(p.subspan(cfg_header_size));
    if (!keys)
        return tl::unexpected(keys.error());
    return valdel{layers, *action, std::move(*keys)};
}

} // namespace gnss::ubx
