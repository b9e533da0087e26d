// SPDX-License-Identifier: GPL-3.0-or-later
// Byte views, little-endian field access (UBX) and big-endian bit fields (RTCM3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace gnss {

using byte_view = std::span<const std::uint8_t>;
using bytes = std::vector<std::uint8_t>;

inline byte_view as_bytes(std::string_view s)
{
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

inline std::string_view as_chars(byte_view b)
{
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// Little-endian reads; the caller has checked the length.
inline std::uint16_t le_u16(const std::uint8_t* p)
{
    return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
inline std::uint32_t le_u32(const std::uint8_t* p)
{
    return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
           (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
inline std::int32_t le_i32(const std::uint8_t* p) { return static_cast<std::int32_t>(le_u32(p)); }
inline std::int16_t le_i16(const std::uint8_t* p) { return static_cast<std::int16_t>(le_u16(p)); }

inline void put_le_u16(bytes& out, std::uint16_t v)
{
    out.push_back(static_cast<std::uint8_t>(v));
    out.push_back(static_cast<std::uint8_t>(v >> 8));
}
inline void put_le_u32(bytes& out, std::uint32_t v)
{
    for (int i = 0; i < 4; ++i)
        out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// Reads big-endian bit fields (RTCM3 order). Reading past the end sets overrun()
// and yields zeros, so decoders check once at the end instead of at every field.
class bit_reader
{
public:
    explicit bit_reader(byte_view data) : data_(data) {}

    std::uint64_t u(unsigned bits);
    std::int64_t s(unsigned bits); // two's complement
    void skip(unsigned bits) { pos_ += bits; }
    std::size_t position() const { return pos_; }
    std::size_t remaining() const { return pos_ >= size_bits() ? 0 : size_bits() - pos_; }
    bool overrun() const { return overrun_; }

private:
    std::size_t size_bits() const { return data_.size() * 8; }
    byte_view data_;
    std::size_t pos_ = 0;
    bool overrun_ = false;
};

// Appends big-endian bit fields; pads the last byte with zeros.
class bit_writer
{
public:
    void u(std::uint64_t value, unsigned bits);
    void s(std::int64_t value, unsigned bits) { u(static_cast<std::uint64_t>(value), bits); }
    std::size_t bit_count() const { return bits_; }
    const bytes& data() const { return out_; }
    bytes take() { return std::move(out_); }

private:
    bytes out_;
    std::size_t bits_ = 0;
};

inline std::uint64_t bit_reader::u(unsigned bits)
{
    std::uint64_t v = 0;
    for (unsigned i = 0; i < bits; ++i, ++pos_) {
        v <<= 1;
        if (pos_ >= size_bits()) {
            overrun_ = true;
            continue;
        }
        v |= (data_[pos_ / 8] >> (7 - pos_ % 8)) & 1u;
    }
    return v;
}

inline std::int64_t bit_reader::s(unsigned bits)
{
    std::uint64_t v = u(bits);
    if (bits > 0 && bits < 64 && (v >> (bits - 1)) & 1u)
        v |= ~std::uint64_t{0} << bits;
    return static_cast<std::int64_t>(v);
}

inline void bit_writer::u(std::uint64_t value, unsigned bits)
{
    for (unsigned i = bits; i-- > 0; ++bits_) {
        if (bits_ % 8 == 0)
            out_.push_back(0);
        if ((value >> i) & 1u)
            out_.back() |= static_cast<std::uint8_t>(1u << (7 - bits_ % 8));
    }
}

} // namespace gnss
