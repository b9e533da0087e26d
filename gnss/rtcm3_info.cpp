// SPDX-License-Identifier: GPL-3.0-or-later
// RTCM3 1008 (antenna descriptor and serial) and 1033 (receiver and antenna descriptors).
#include "gnss/rtcm3_info.hpp"

#include "gnss/rtcm3.hpp"

#include <array>

namespace gnss::rtcm3 {
namespace {

constexpr std::uint16_t max_station_id = 4095;
constexpr unsigned counter_bits = 8; // DF029, DF032, DF227, DF229, DF231

// Reads an 8-bit counter and that many characters. Counters above max_descriptor are
// outside RTCM's range (0..31) and rejected; so is a string running past the payload.
bool read_string(bit_reader& r, std::string& out)
{
    auto n = static_cast<std::size_t>(r.u(counter_bits));
    if (r.overrun() || n > max_descriptor || n * 8 > r.remaining())
        return false;
    out.clear();
    for (std::size_t i = 0; i < n; ++i)
        out.push_back(static_cast<char>(r.u(8)));
    return true;
}

void write_string(bit_writer& w, const std::string& s)
{
    w.u(s.size(), counter_bits);
    for (char c : s)
        w.u(static_cast<std::uint8_t>(c), 8);
}

} // namespace

std::optional<antenna_info> decode_antenna_info(byte_view frame)
{
    byte_view p = payload(frame);
    if (p.size() < 3)
        return std::nullopt;
    bit_reader r(p);
    antenna_info info;
    info.type = static_cast<std::uint16_t>(r.u(12));
    if (info.type != 1008 && info.type != 1033)
        return std::nullopt;
    info.station_id = static_cast<std::uint16_t>(r.u(12));
    if (!read_string(r, info.descriptor))
        return std::nullopt;
    info.setup_id = static_cast<std::uint8_t>(r.u(8));
    if (!read_string(r, info.serial))
        return std::nullopt;
    if (info.type == 1033 &&
        (!read_string(r, info.receiver_type) || !read_string(r, info.firmware) ||
         !read_string(r, info.receiver_serial)))
        return std::nullopt;
    // Both messages are whole bytes long; trailing bytes mean a malformed message.
    if (r.overrun() || r.remaining() != 0)
        return std::nullopt;
    return info;
}

std::optional<bytes> encode_antenna_info(const antenna_info& info)
{
    if ((info.type != 1008 && info.type != 1033) || info.station_id > max_station_id)
        return std::nullopt;
    std::array<const std::string*, 5> strings = {
        &info.descriptor, &info.serial, &info.receiver_type, &info.firmware, &info.receiver_serial};
    for (const std::string* s : strings)
        if (s->size() > max_descriptor)
            return std::nullopt;
    bit_writer w;
    w.u(info.type, 12);
    w.u(info.station_id, 12);
    write_string(w, info.descriptor);
    w.u(info.setup_id, 8);
    write_string(w, info.serial);
    if (info.type == 1033) {
        write_string(w, info.receiver_type);
        write_string(w, info.firmware);
        write_string(w, info.receiver_serial);
    }
    return make_frame(w.data());
}

} // namespace gnss::rtcm3
