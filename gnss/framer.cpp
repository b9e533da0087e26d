// SPDX-License-Identifier: GPL-3.0-or-later
// Splits a u-blox port's byte stream into verified UBX, RTCM3 and NMEA frames.
#include "gnss/framer.hpp"

#include "gnss/crc.hpp"

#include <algorithm>

namespace gnss {
namespace {

constexpr std::size_t rtcm3_overhead = 6; // preamble, 2 length bytes, 3 CRC bytes
constexpr std::size_t ubx_overhead = 8;   // 2 sync, class, id, 2 length, 2 checksum
// Compact the buffer once this many consumed bytes sit in front of the unread ones.
constexpr std::size_t compact_threshold = 16 * 1024;

bool is_hex(std::uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

std::uint8_t hex_value(std::uint8_t c)
{
    if (c >= '0' && c <= '9')
        return static_cast<std::uint8_t>(c - '0');
    if (c >= 'A' && c <= 'F')
        return static_cast<std::uint8_t>(c - 'A' + 10);
    return static_cast<std::uint8_t>(c - 'a' + 10);
}

// Sentence type without its talker: "GNGGA" -> "GGA", "PUBX" -> "PUBX".
std::string nmea_type(byte_view line)
{
    std::size_t end = 1;
    while (end < line.size() && line[end] != ',' && line[end] != '*')
        ++end;
    std::string_view addr = as_chars(line.subspan(1, end - 1));
    if (!addr.empty() && addr.front() == 'P')
        return std::string(addr); // proprietary: keep the whole address
    if (addr.size() > 2)
        addr.remove_prefix(2);
    return std::string(addr);
}

} // namespace

const char* to_string(frame_kind k)
{
    switch (k) {
    case frame_kind::rtcm3:
        return "rtcm3";
    case frame_kind::ubx:
        return "ubx";
    case frame_kind::nmea:
        return "nmea";
    }
    return "?";
}

framer::verdict framer::try_rtcm3(byte_view b, std::size_t& len)
{
    if (b.size() < 3)
        return verdict::need_more;
    if ((b[1] & 0xFC) != 0) // six reserved bits must be zero
        return verdict::reject;
    std::size_t payload = static_cast<std::size_t>((b[1] & 0x03) << 8 | b[2]);
    static_assert(max_rtcm3_payload == 1023, "the 10-bit length field bounds the payload");
    if (payload == 0)
        return verdict::reject;
    len = payload + rtcm3_overhead;
    if (b.size() < len)
        return verdict::need_more;
    std::uint32_t crc = crc24q(b.first(len - 3));
    std::uint32_t want = static_cast<std::uint32_t>(b[len - 3]) << 16 |
                         static_cast<std::uint32_t>(b[len - 2]) << 8 | b[len - 1];
    if (crc != want) {
        ++counters_.bad_checksum;
        return verdict::reject;
    }
    return verdict::frame;
}

framer::verdict framer::try_ubx(byte_view b, std::size_t& len)
{
    if (b.size() < 2)
        return verdict::need_more;
    if (b[1] != 0x62)
        return verdict::reject;
    if (b.size() < 6)
        return verdict::need_more;
    std::size_t payload = le_u16(&b[4]);
    if (payload > max_ubx_payload) {
        ++counters_.oversize;
        return verdict::reject;
    }
    len = payload + ubx_overhead;
    if (b.size() < len)
        return verdict::need_more;
    auto [a, c] = ubx_checksum(b.subspan(2, len - 4));
    if (a != b[len - 2] || c != b[len - 1]) {
        ++counters_.bad_checksum;
        return verdict::reject;
    }
    return verdict::frame;
}

framer::verdict framer::try_nmea(byte_view b, std::size_t& len)
{
    // '$' then printable ASCII up to '*', two hex digits, CR LF (a lone LF is accepted).
    constexpr std::size_t trailer = 5; // "*HH\r\n"
    std::size_t i = 1;
    for (;; ++i) {
        if (i + trailer > max_nmea_line) {
            ++counters_.oversize;
            return verdict::reject;
        }
        if (i >= b.size())
            return verdict::need_more;
        std::uint8_t c = b[i];
        if (c == '*')
            break;
        if (c < 0x20 || c > 0x7E || c == '$')
            return verdict::reject;
    }
    if (i < 2)
        return verdict::reject;
    std::size_t star = i;
    if (b.size() < star + 4)
        return verdict::need_more;
    if (!is_hex(b[star + 1]) || !is_hex(b[star + 2]))
        return verdict::reject;
    std::size_t end;
    if (b[star + 3] == '\n') {
        end = star + 4;
    } else if (b[star + 3] == '\r') {
        if (b.size() < star + 5)
            return verdict::need_more;
        if (b[star + 4] != '\n')
            return verdict::reject;
        end = star + 5;
    } else {
        return verdict::reject;
    }
    std::uint8_t want = static_cast<std::uint8_t>(hex_value(b[star + 1]) << 4 | hex_value(b[star + 2]));
    if (nmea_checksum(as_chars(b.subspan(1, star - 1))) != want) {
        ++counters_.bad_checksum;
        return verdict::reject;
    }
    len = end;
    return verdict::frame;
}

void framer::count(const frame& f)
{
    switch (f.kind) {
    case frame_kind::rtcm3: {
        ++counters_.rtcm3_frames;
        auto type = static_cast<std::uint16_t>(f.bytes[3] << 4 | f.bytes[4] >> 4);
        ++counters_.rtcm3_types[type];
        break;
    }
    case frame_kind::ubx:
        ++counters_.ubx_frames;
        ++counters_.ubx_messages[static_cast<std::uint16_t>(f.bytes[2] << 8 | f.bytes[3])];
        break;
    case frame_kind::nmea:
        ++counters_.nmea_frames;
        ++counters_.nmea_sentences[nmea_type(f.bytes)];
        break;
    }
}

void framer::feed(byte_view data, const sink& on_frame)
{
    counters_.bytes_in += data.size();
    buf_.insert(buf_.end(), data.begin(), data.end());
    scan(on_frame, false);
}

std::size_t framer::finish(const sink& on_frame)
{
    tail_ = 0;
    scan(on_frame, true);
    std::size_t tail = tail_;
    tail_ = 0;
    return tail;
}

void framer::scan(const sink& on_frame, bool at_end)
{
    while (start_ < buf_.size()) {
        byte_view rest(buf_.data() + start_, buf_.size() - start_);
        std::size_t len = 0;
        verdict v = verdict::reject;
        frame_kind kind = frame_kind::rtcm3;
        switch (rest[0]) {
        case 0xD3:
            v = try_rtcm3(rest, len);
            kind = frame_kind::rtcm3;
            break;
        case 0xB5:
            v = try_ubx(rest, len);
            kind = frame_kind::ubx;
            break;
        case '$':
        case '!':
            v = try_nmea(rest, len);
            kind = frame_kind::nmea;
            break;
        default:
            break;
        }
        if (v == verdict::need_more && !at_end)
            break;
        if (v == verdict::need_more || (v == verdict::reject && tail_ > 0)) {
            // At the end of input an incomplete candidate and all after it are the
            // truncated tail, unless a whole frame still turns up inside it.
            ++tail_;
            ++start_;
            continue;
        }
        if (v == verdict::reject) {
            // Skip one byte only: the next good frame may start inside this candidate.
            ++counters_.unframed_bytes;
            ++start_;
            continue;
        }
        counters_.unframed_bytes += tail_;
        tail_ = 0;
        frame f{kind, rest.first(len)};
        count(f);
        start_ += len;
        if (on_frame)
            on_frame(f);
    }

    if (start_ == buf_.size()) {
        buf_.clear();
        start_ = 0;
    } else if (start_ >= compact_threshold) {
        buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(start_));
        start_ = 0;
    }
}

std::size_t framer::reset()
{
    std::size_t n = pending();
    buf_.clear();
    start_ = 0;
    return n;
}

} // namespace gnss
