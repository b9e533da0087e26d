// SPDX-License-Identifier: GPL-3.0-or-later
// UBX frame building and checking, message names, ACK-ACK/NAK and MON-VER codecs.
#include "gnss/ubx.hpp"

#include "gnss/crc.hpp"

#include <algorithm>
#include <array>
#include <string_view>

namespace gnss::ubx {
namespace {

struct name_entry
{
    std::uint16_t key; // class << 8 | id
    std::string_view name;
};

constexpr std::uint16_t key(std::uint8_t msg_class, std::uint8_t msg_id)
{
    return static_cast<std::uint16_t>(msg_class << 8 | msg_id);
}

// Names from the u-blox F9 interface description, cross-checked with pyubx2's
// ubxtypes_core.py. Sorted by key for the binary search below.
constexpr std::array names{
    name_entry{0x0101, "NAV-POSECEF"},   name_entry{0x0102, "NAV-POSLLH"},
    name_entry{0x0103, "NAV-STATUS"},    name_entry{0x0104, "NAV-DOP"},
    name_entry{0x0105, "NAV-ATT"},       name_entry{0x0106, "NAV-SOL"},
    name_entry{0x0107, "NAV-PVT"},       name_entry{0x0109, "NAV-ODO"},
    name_entry{0x0110, "NAV-RESETODO"},  name_entry{0x0111, "NAV-VELECEF"},
    name_entry{0x0112, "NAV-VELNED"},    name_entry{0x0113, "NAV-HPPOSECEF"},
    name_entry{0x0114, "NAV-HPPOSLLH"},  name_entry{0x0120, "NAV-TIMEGPS"},
    name_entry{0x0121, "NAV-TIMEUTC"},   name_entry{0x0122, "NAV-CLOCK"},
    name_entry{0x0123, "NAV-TIMEGLO"},   name_entry{0x0124, "NAV-TIMEBDS"},
    name_entry{0x0125, "NAV-TIMEGAL"},   name_entry{0x0126, "NAV-TIMELS"},
    name_entry{0x0127, "NAV-TIMEQZSS"},  name_entry{0x0130, "NAV-SVINFO"},
    name_entry{0x0132, "NAV-SBAS"},      name_entry{0x0134, "NAV-ORB"},
    name_entry{0x0135, "NAV-SAT"},       name_entry{0x0136, "NAV-COV"},
    name_entry{0x0139, "NAV-GEOFENCE"},  name_entry{0x013B, "NAV-SVIN"},
    name_entry{0x013C, "NAV-RELPOSNED"}, name_entry{0x013D, "NAV-EELL"},
    name_entry{0x0142, "NAV-SLAS"},      name_entry{0x0143, "NAV-SIG"},
    name_entry{0x0160, "NAV-AOPSTATUS"}, name_entry{0x0161, "NAV-EOE"},
    name_entry{0x0162, "NAV-PL"},        name_entry{0x0213, "RXM-SFRBX"},
    name_entry{0x0214, "RXM-MEASX"},     name_entry{0x0215, "RXM-RAWX"},
    name_entry{0x0232, "RXM-RTCM"},      name_entry{0x0233, "RXM-SPARTN"},
    name_entry{0x0234, "RXM-COR"},       name_entry{0x0241, "RXM-PMREQ"},
    name_entry{0x0259, "RXM-RLM"},       name_entry{0x0272, "RXM-PMP"},
    name_entry{0x0273, "RXM-QZSSL6"},    name_entry{0x0400, "INF-ERROR"},
    name_entry{0x0401, "INF-WARNING"},   name_entry{0x0402, "INF-NOTICE"},
    name_entry{0x0403, "INF-TEST"},      name_entry{0x0404, "INF-DEBUG"},
    name_entry{0x0500, "ACK-NAK"},       name_entry{0x0501, "ACK-ACK"},
    name_entry{0x0600, "CFG-PRT"},       name_entry{0x0601, "CFG-MSG"},
    name_entry{0x0602, "CFG-INF"},       name_entry{0x0604, "CFG-RST"},
    name_entry{0x0608, "CFG-RATE"},      name_entry{0x0609, "CFG-CFG"},
    name_entry{0x0613, "CFG-ANT"},       name_entry{0x0616, "CFG-SBAS"},
    name_entry{0x0617, "CFG-NMEA"},      name_entry{0x061B, "CFG-USB"},
    name_entry{0x0623, "CFG-NAVX5"},     name_entry{0x0624, "CFG-NAV5"},
    name_entry{0x0631, "CFG-TP5"},       name_entry{0x063E, "CFG-GNSS"},
    name_entry{0x0671, "CFG-TMODE3"},    name_entry{0x068A, "CFG-VALSET"},
    name_entry{0x068B, "CFG-VALGET"},    name_entry{0x068C, "CFG-VALDEL"},
    name_entry{0x0914, "UPD-SOS"},       name_entry{0x0A02, "MON-IO"},
    name_entry{0x0A04, "MON-VER"},       name_entry{0x0A06, "MON-MSGPP"},
    name_entry{0x0A07, "MON-RXBUF"},     name_entry{0x0A08, "MON-TXBUF"},
    name_entry{0x0A09, "MON-HW"},        name_entry{0x0A0B, "MON-HW2"},
    name_entry{0x0A21, "MON-RXR"},       name_entry{0x0A27, "MON-PATCH"},
    name_entry{0x0A28, "MON-GNSS"},      name_entry{0x0A31, "MON-SPAN"},
    name_entry{0x0A36, "MON-COMMS"},     name_entry{0x0A37, "MON-HW3"},
    name_entry{0x0A38, "MON-RF"},        name_entry{0x0A39, "MON-SYS"},
    name_entry{0x0D01, "TIM-TP"},        name_entry{0x0D03, "TIM-TM2"},
    name_entry{0x0D04, "TIM-SVIN"},      name_entry{0x0D06, "TIM-VRFY"},
    name_entry{0x0D11, "TIM-DOSC"},      name_entry{0x0D12, "TIM-TOS"},
    name_entry{0x0D13, "TIM-SMEAS"},     name_entry{0x0D15, "TIM-VCOCAL"},
    name_entry{0x0D16, "TIM-FCHG"},      name_entry{0x0D17, "TIM-HOC"},
    name_entry{0x1002, "ESF-MEAS"},      name_entry{0x1003, "ESF-RAW"},
    name_entry{0x1010, "ESF-STATUS"},    name_entry{0x1014, "ESF-ALG"},
    name_entry{0x1015, "ESF-INS"},       name_entry{0x1360, "MGA-ACK"},
    name_entry{0x1380, "MGA-DBD"},       name_entry{0x2701, "SEC-SIGN"},
    name_entry{0x2703, "SEC-UNIQID"},
};
static_assert(std::is_sorted(names.begin(), names.end(),
                             [](const name_entry& a, const name_entry& b) {
                                 return a.key < b.key;
                             }),
              "message name table must be sorted by key");

// A NUL-padded char field: the text up to the first NUL (or the whole field).
std::string fixed_string(byte_view field)
{
    const auto text = as_chars(field);
    return std::string(text.substr(0, text.find('\0')));
}

void put_fixed_string(bytes& out, std::string_view s, std::size_t size)
{
    const auto n = std::min(s.size(), size);
    out.insert(out.end(), s.begin(), s.begin() + static_cast<std::ptrdiff_t>(n));
    out.insert(out.end(), size - n, 0);
}

// Value of the first extension "KEY=value" with this key, or "".
std::string extension_value(const std::vector<std::string>& extensions, std::string_view prefix)
{
    for (const auto& e : extensions)
        if (std::string_view(e).starts_with(prefix))
            return e.substr(prefix.size());
    return {};
}

} // namespace

bytes make_frame(std::uint8_t msg_class, std::uint8_t msg_id, byte_view payload)
{
    if (payload.size() > max_payload)
        return {};
    bytes out;
    out.reserve(header_size + payload.size() + checksum_size);
    out.push_back(sync1);
    out.push_back(sync2);
    out.push_back(msg_class);
    out.push_back(msg_id);
    put_le_u16(out, static_cast<std::uint16_t>(payload.size()));
    out.insert(out.end(), payload.begin(), payload.end());
    const auto [a, b] = ubx_checksum(byte_view(out).subspan(2));
    out.push_back(a);
    out.push_back(b);
    return out;
}

std::optional<view> parse_frame(byte_view frame)
{
    if (frame.size() < header_size + checksum_size || frame[0] != sync1 || frame[1] != sync2)
        return std::nullopt;
    const std::size_t length = le_u16(frame.data() + 4);
    if (length > max_payload || frame.size() != header_size + length + checksum_size)
        return std::nullopt;
    const auto [a, b] = ubx_checksum(frame.subspan(2, header_size - 2 + length));
    if (frame[header_size + length] != a || frame[header_size + length + 1] != b)
        return std::nullopt;
    return view{frame[2], frame[3], frame.subspan(header_size, length)};
}

std::string message_name(std::uint8_t msg_class, std::uint8_t msg_id)
{
    const auto k = key(msg_class, msg_id);
    const auto it =
        std::lower_bound(names.begin(), names.end(), k,
                         [](const name_entry& e, std::uint16_t v) { return e.key < v; });
    if (it != names.end() && it->key == k)
        return std::string(it->name);
    constexpr std::string_view hex = "0123456789ABCDEF";
    std::string out = "0x00-0x00";
    out[2] = hex[msg_class >> 4];
    out[3] = hex[msg_class & 0x0F];
    out[7] = hex[msg_id >> 4];
    out[8] = hex[msg_id & 0x0F];
    return out;
}

std::optional<ack> decode_ack(const view& msg)
{
    if (msg.msg_class != cls::ack || (msg.msg_id != id::ack_ack && msg.msg_id != id::ack_nak) ||
        msg.payload.size() != 2)
        return std::nullopt;
    return ack{msg.msg_id == id::ack_ack, msg.payload[0], msg.payload[1]};
}

bytes encode_ack(const ack& a)
{
    const std::array<std::uint8_t, 2> payload{a.msg_class, a.msg_id};
    return make_frame(cls::ack, a.accepted ? id::ack_ack : id::ack_nak, payload);
}

std::string mon_ver::model() const
{
    return extension_value(extensions, "MOD=");
}
std::string mon_ver::firmware() const
{
    return extension_value(extensions, "FWVER=");
}
std::string mon_ver::protocol() const
{
    return extension_value(extensions, "PROTVER=");
}

std::optional<mon_ver> decode_mon_ver(const view& msg)
{
    const auto p = msg.payload;
    if (msg.msg_class != cls::mon || msg.msg_id != id::mon_ver || p.size() < mon_ver_fixed_size ||
        (p.size() - mon_ver_fixed_size) % mon_ver_extension_size != 0)
        return std::nullopt;
    const std::size_t count = (p.size() - mon_ver_fixed_size) / mon_ver_extension_size;
    if (count > max_mon_ver_extensions)
        return std::nullopt;
    mon_ver v;
    v.software = fixed_string(p.subspan(0, mon_ver_software_size));
    v.hardware = fixed_string(p.subspan(mon_ver_software_size, mon_ver_hardware_size));
    v.extensions.reserve(count);
    for (std::size_t i = 0; i < count; ++i)
        v.extensions.push_back(fixed_string(
            p.subspan(mon_ver_fixed_size + i * mon_ver_extension_size, mon_ver_extension_size)));
    return v;
}

bytes encode_mon_ver(const mon_ver& v)
{
    const std::size_t count = std::min(v.extensions.size(), max_mon_ver_extensions);
    bytes payload;
    payload.reserve(mon_ver_fixed_size + count * mon_ver_extension_size);
    put_fixed_string(payload, v.software, mon_ver_software_size);
    put_fixed_string(payload, v.hardware, mon_ver_hardware_size);
    for (std::size_t i = 0; i < count; ++i)
        put_fixed_string(payload, v.extensions[i], mon_ver_extension_size);
    return make_frame(cls::mon, id::mon_ver, payload);
}

} // namespace gnss::ubx
