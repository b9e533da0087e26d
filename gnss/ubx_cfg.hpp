// SPDX-License-Identifier: GPL-3.0-or-later
// UBX configuration interface (F9, protocol 27+): the typed key table Cairn uses and the
// CFG-VALSET, CFG-VALGET (poll and response) and CFG-VALDEL codecs.
#pragma once

#include "gnss/bytes.hpp"
#include "gnss/ubx.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace gnss::ubx {

// u-blox limit: one CFG-VALSET/VALGET/VALDEL carries at most 64 keys (or key/values).
constexpr std::size_t max_cfg_keys = 64;
// Fixed header of every CFG-VAL* payload: version, layer(s), two more bytes.
constexpr std::size_t cfg_header_size = 4;
constexpr std::size_t cfg_key_size = 4;

// Value types as the interface description names them; L is one bit stored in a byte.
enum class value_type : std::uint8_t
{
    l,
    u1,
    i1,
    e1,
    x1,
    u2,
    i2,
    e2,
    x2,
    u4,
    i4,
    e4,
    x4,
    u8,
    i8,
    x8
};
bool is_signed(value_type t);
std::size_t type_size(value_type t); // bytes on the wire

// Value size in bytes from bits 28-30 of a key id (1 and 2 are both one byte); nullopt for
// the reserved size codes, which no receiver may send.
std::optional<std::size_t> key_value_size(std::uint32_t key_id);

struct key_info
{
    std::uint32_t id;
    std::string_view name; // "CFG-TMODE-MODE"
    value_type type;
};
std::span<const key_info> key_table();
const key_info* find_key(std::uint32_t id);      // nullptr if not in the table
const key_info* find_key(std::string_view name); // exact name, nullptr if not in the table

// One key and its value, little-endian bytes widened to 64 bits (no sign extension).
struct cfg_value
{
    std::uint32_t id = 0;
    std::uint64_t raw = 0;
    bool operator==(const cfg_value&) const = default;

    // Typed constructors: the value is truncated to the key's size.
    static cfg_value of_bool(std::uint32_t id, bool v) { return {id, v ? 1u : 0u}; }
    static cfg_value of_unsigned(std::uint32_t id, std::uint64_t v);
    static cfg_value of_signed(std::uint32_t id, std::int64_t v);
    bool as_bool() const { return raw != 0; }
    std::uint64_t as_unsigned() const { return raw; }
    std::int64_t as_signed() const; // sign-extended from the key's size
};

enum class cfg_error : std::uint8_t
{
    wrong_message,  // not the CFG message the decoder expects
    bad_version,    // version byte not allowed for this message
    bad_layer,      // layer or layers field not allowed
    too_many_keys,  // more than max_cfg_keys
    unknown_size,   // key id with a reserved size code
    value_too_wide, // raw value does not fit the key's size
    truncated,      // payload ends inside a key or value
};
const char* to_string(cfg_error e);

// VALSET/VALDEL layers bitfield.
namespace layer_bit {
constexpr std::uint8_t ram = 0x01;
constexpr std::uint8_t bbr = 0x02;
constexpr std::uint8_t flash = 0x04;
} // namespace layer_bit

// VALGET reads one layer.
enum class layer : std::uint8_t
{
    ram = 0,
    bbr = 1,
    flash = 2,
    defaults = 7
};

// Transaction action (VALSET/VALDEL version 1): none means version 0, no transaction.
enum class transaction : std::uint8_t
{
    none = 0,
    begin = 1,
    continue_ = 2,
    apply = 3
};

struct valset
{
    std::uint8_t layers = layer_bit::ram;
    transaction action = transaction::none;
    std::vector<cfg_value> values;
    bool operator==(const valset&) const = default;
};
// Whole frame. Refuses more than max_cfg_keys values, no layer bit, unknown key sizes and
// values wider than their key.
tl::expected<bytes, cfg_error> encode_valset(const valset& v);
tl::expected<valset, cfg_error> decode_valset(const view& msg);

struct valget_poll
{
    layer from = layer::ram;
    std::uint16_t position = 0; // skip this many matching keys (for wildcard polls)
    std::vector<std::uint32_t> keys;
    bool operator==(const valget_poll&) const = default;
};
tl::expected<bytes, cfg_error> encode_valget_poll(const valget_poll& p);
tl::expected<valget_poll, cfg_error> decode_valget_poll(const view& msg);

struct valget_response
{
    layer from = layer::ram;
    std::uint16_t position = 0;
    std::vector<cfg_value> values;
    bool operator==(const valget_response&) const = default;
};
// The receiver's answer (version 1). Keys not in the table are kept: their size comes from
// the id. Rejects truncated values and reserved size codes.
tl::expected<valget_response, cfg_error> decode_valget_response(const view& msg);
tl::expected<bytes, cfg_error> encode_valget_response(const valget_response& r);

struct valdel
{
    std::uint8_t layers = layer_bit::bbr; // BBR and/or Flash only: RAM cannot be deleted
    transaction action = transaction::none;
    std::vector<std::uint32_t> keys;
    bool operator==(const valdel&) const = default;
};
tl::expected<bytes, cfg_error> encode_valdel(const valdel& d);
tl::expected<valdel, cfg_error> decode_valdel(const view& msg);

} // namespace gnss::ubx
