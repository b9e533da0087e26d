// SPDX-License-Identifier: GPL-3.0-or-later
// Checksums of the three protocols on a u-blox port.
#include "gnss/crc.hpp"

#include <array>

namespace gnss {
namespace {

constexpr std::uint32_t crc24q_poly = 0x1864CFB;

constexpr std::array<std::uint32_t, 256> make_crc24q_table()
{
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i << 16;
        for (int b = 0; b < 8; ++b) {
            c <<= 1;
            if (c & 0x1000000)
                c ^= crc24q_poly;
        }
        t[i] = c & 0xFFFFFF;
    }
    return t;
}

constexpr auto crc24q_table = make_crc24q_table();

} // namespace

std::uint32_t crc24q(byte_view data)
{
    std::uint32_t crc = 0;
    for (std::uint8_t b : data)
        crc = ((crc << 8) & 0xFFFFFF) ^ crc24q_table[((crc >> 16) ^ b) & 0xFF];
    return crc;
}

std::pair<std::uint8_t, std::uint8_t> ubx_checksum(byte_view data)
{
    std::uint8_t a = 0;
    std::uint8_t b = 0;
    for (std::uint8_t x : data) {
        a = static_cast<std::uint8_t>(a + x);
        b = static_cast<std::uint8_t>(b + a);
    }
    return {a, b};
}

std::uint8_t nmea_checksum(std::string_view body)
{
    std::uint8_t x = 0;
    for (char c : body)
        x ^= static_cast<std::uint8_t>(c);
    return x;
}

} // namespace gnss
