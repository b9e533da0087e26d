// SPDX-License-Identifier: GPL-3.0-or-later
// UBX framing, message names, and the small messages: ACK-ACK/NAK and MON-VER.
#pragma once

#include "gnss/bytes.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gnss::ubx {

constexpr std::uint8_t sync1 = 0xB5;
constexpr std::uint8_t sync2 = 0x62;
constexpr std::size_t header_size = 6; // sync, sync, class, id, length (LE u16)
constexpr std::size_t checksum_size = 2;
// Largest payload Cairn accepts. RXM-RAWX is 16 + 32 x 255 = 8176 bytes at most.
constexpr std::size_t max_payload = 8192;

namespace cls {
constexpr std::uint8_t nav = 0x01;
constexpr std::uint8_t rxm = 0x02;
constexpr std::uint8_t inf = 0x04;
constexpr std::uint8_t ack = 0x05;
constexpr std::uint8_t cfg = 0x06;
constexpr std::uint8_t mon = 0x0A;
constexpr std::uint8_t tim = 0x0D;
} // namespace cls

namespace id {
constexpr std::uint8_t nav_pvt = 0x07;
constexpr std::uint8_t nav_sat = 0x35;
constexpr std::uint8_t nav_sig = 0x43;
constexpr std::uint8_t nav_svin = 0x3B;
constexpr std::uint8_t ack_nak = 0x00;
constexpr std::uint8_t ack_ack = 0x01;
constexpr std::uint8_t mon_ver = 0x04;
constexpr std::uint8_t cfg_valset = 0x8A;
constexpr std::uint8_t cfg_valget = 0x8B;
constexpr std::uint8_t cfg_valdel = 0x8C;
} // namespace id

// Builds a whole frame: sync, class, id, length, payload, checksum. A payload over
// max_payload yields an empty vector (no receiver would accept the frame).
bytes make_frame(std::uint8_t msg_class, std::uint8_t msg_id, byte_view payload);

// Class, id and payload of a whole, checksum-verified frame (the framer has checked it).
struct view
{
    std::uint8_t msg_class = 0;
    std::uint8_t msg_id = 0;
    byte_view payload;
};
// nullopt unless frame is exactly one frame: sync, length matching the size (at most
// max_payload), checksum. The view's payload points into frame.
std::optional<view> parse_frame(byte_view frame);

// "NAV-PVT", "ACK-ACK", ...; unknown messages as "0xCC-0xII".
std::string message_name(std::uint8_t msg_class, std::uint8_t msg_id);

// ACK-ACK / ACK-NAK payload: the class and id being answered.
struct ack
{
    bool accepted = false;
    std::uint8_t msg_class = 0;
    std::uint8_t msg_id = 0;
    bool operator==(const ack&) const = default;
};
std::optional<ack> decode_ack(const view& msg); // msg must be ACK-ACK or ACK-NAK
bytes encode_ack(const ack& a);                 // whole frame

// MON-VER: software/hardware version and extension strings.
// Wire layout: NUL-padded char fields of these sizes; payload = 40 + 30 x extensions.
constexpr std::size_t mon_ver_software_size = 30;
constexpr std::size_t mon_ver_hardware_size = 10;
constexpr std::size_t mon_ver_extension_size = 30;
constexpr std::size_t mon_ver_fixed_size = mon_ver_software_size + mon_ver_hardware_size;
// As many extensions as fit in max_payload (a ZED-F9P sends 6).
constexpr std::size_t max_mon_ver_extensions =
    (max_payload - mon_ver_fixed_size) / mon_ver_extension_size;
struct mon_ver
{
    std::string software;                // e.g. "EXT CORE 1.00 (f10c36)"
    std::string hardware;                // e.g. "00190000"
    std::vector<std::string> extensions; // e.g. "FWVER=HPG 1.32", "PROTVER=27.31", "MOD=ZED-F9P"
    std::string model() const;           // value of MOD=, or ""
    std::string firmware() const;        // value of FWVER=, or ""
    std::string protocol() const;        // value of PROTVER=, or ""
    bool operator==(const mon_ver&) const = default;
};
// Strings end at the first NUL; rejects lengths other than 40 + 30k and k over the limit.
std::optional<mon_ver> decode_mon_ver(const view& msg);
// Whole frame. Strings longer than their field are cut; extensions past
// max_mon_ver_extensions are dropped.
bytes encode_mon_ver(const mon_ver& v);

} // namespace gnss::ubx
