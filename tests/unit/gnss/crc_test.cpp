// SPDX-License-Identifier: GPL-3.0-or-later
// Checksums against known values from real frames.
#include "gnss/crc.hpp"

#include <doctest/doctest.h>

#include <array>

TEST_CASE("CRC-24Q check value")
{
    CHECK(gnss::crc24q({}) == 0);
    // CRC-24Q check value for "123456789" (the standard test vector).
    const char* check = "123456789";
    CHECK(gnss::crc24q(gnss::as_bytes(check)) == 0xCDE703);
}

TEST_CASE("CRC-24Q over a frame with its CRC appended is zero")
{
    std::vector<std::uint8_t> f{0xD3, 0x00, 0x04, 0x4C, 0xE0, 0x00, 0x80};
    std::uint32_t crc = gnss::crc24q(f);
    f.push_back(static_cast<std::uint8_t>(crc >> 16));
    f.push_back(static_cast<std::uint8_t>(crc >> 8));
    f.push_back(static_cast<std::uint8_t>(crc));
    CHECK(gnss::crc24q(f) == 0);
}

TEST_CASE("UBX checksum of a MON-VER poll")
{
    // B5 62 0A 04 00 00 0E 34: the poll every tool sends.
    const std::array<std::uint8_t, 4> body{0x0A, 0x04, 0x00, 0x00};
    auto [a, b] = gnss::ubx_checksum(body);
    CHECK(a == 0x0E);
    CHECK(b == 0x34);
}

TEST_CASE("NMEA checksum of a real GGA")
{
    CHECK(gnss::nmea_checksum("GNGGA,134926.72,4707.7460000,N,01512.7200000,E,1,00,1.0,352.623,"
                              "M,47.377,M,0.0,0000") == 0x53);
}
