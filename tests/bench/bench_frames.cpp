// SPDX-License-Identifier: GPL-3.0-or-later
// The fan-out benchmark's wire codecs (see bench_frames.hpp) and their self-test.
#include "bench_frames.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <fmt/format.h>

namespace bench {
namespace {

constexpr std::uint8_t flag_first = 1;
constexpr std::uint8_t flag_last = 2;
// Filler frames must hold the 12-bit message type at least.
constexpr std::size_t min_filler_frame = rtcm_header + 2 + rtcm_crc;

// CRC-24Q in a 32-bit register (the CRC in the top 24 bits), sliced by 8: with thousands of
// rovers the generator checks megabytes a second, and byte-at-a-time costs ~5 ns a byte here
// (enough to add its own milliseconds to the latency it measures).
using crc_tables = std::array<std::array<std::uint32_t, 256>, 8>;

constexpr crc_tables make_crc_tables()
{
    crc_tables t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i << 24;
        for (int b = 0; b < 8; ++b)
            c = (c & 0x80000000u) ? ((c << 1) ^ (0x864CFBu << 8)) : (c << 1);
        t[0][i] = c;
    }
    for (std::size_t k = 1; k < t.size(); ++k)
        for (std::uint32_t i = 0; i < 256; ++i)
            t[k][i] = (t[k - 1][i] << 8) ^ t[0][t[k - 1][i] >> 24];
    return t;
}
constexpr crc_tables crc_table = make_crc_tables();

std::uint32_t load_be32(const std::uint8_t* p)
{
    return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) |
           p[3];
}

void put_be(std::vector<std::uint8_t>& out, std::uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; --i)
        out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

std::uint64_t get_be(const std::uint8_t* p, int bytes)
{
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i)
        v = (v << 8) | p[i];
    return v;
}

// Appends a frame of message 4095 whose payload after the type is `body`.
void append_frame(std::vector<std::uint8_t>& out, const std::vector<std::uint8_t>& body)
{
    const std::size_t len = 2 + body.size();
    const std::size_t start = out.size();
    out.push_back(rtcm_preamble);
    out.push_back(static_cast<std::uint8_t>(len >> 8));
    out.push_back(static_cast<std::uint8_t>(len & 0xFF));
    out.push_back(static_cast<std::uint8_t>(bench_message_type >> 4));
    out.push_back(static_cast<std::uint8_t>((bench_message_type & 0xF) << 4));
    out.insert(out.end(), body.begin(), body.end());
    put_be(out, crc24q(out.data() + start, out.size() - start), 3);
}

std::vector<std::uint8_t> stamp_body(std::uint32_t epoch, std::uint8_t flags, std::size_t frames,
                                     std::size_t bytes, std::uint64_t sent_ns, std::size_t pad)
{
    std::vector<std::uint8_t> b;
    put_be(b, stamp_magic, 4);
    put_be(b, epoch, 4);
    b.push_back(flags);
    put_be(b, frames, 2);
    put_be(b, bytes, 4);
    put_be(b, sent_ns, 8);
    b.resize(b.size() + pad, 0);
    return b;
}

} // namespace

std::uint32_t crc24q(const std::uint8_t* data, std::size_t size)
{
    const auto& t = crc_table;
    std::uint32_t reg = 0;
    for (; size >= 8; data += 8, size -= 8) {
        const std::uint32_t a = reg ^ load_be32(data);
        const std::uint32_t b = load_be32(data + 4);
        reg = t[7][a >> 24] ^ t[6][(a >> 16) & 0xFF] ^ t[5][(a >> 8) & 0xFF] ^ t[4][a & 0xFF] ^
              t[3][b >> 24] ^ t[2][(b >> 16) & 0xFF] ^ t[1][(b >> 8) & 0xFF] ^ t[0][b & 0xFF];
    }
    for (; size > 0; ++data, --size)
        reg = (reg << 8) ^ t[0][(reg >> 24) ^ *data];
    return reg >> 8;
}

std::uint32_t crc24q_bytewise(const std::uint8_t* data, std::size_t size)
{
    std::uint32_t crc = 0;
    for (std::size_t i = 0; i < size; ++i) {
        crc ^= std::uint32_t(data[i]) << 16;
        for (int b = 0; b < 8; ++b)
            crc = (crc & 0x800000) ? ((crc << 1) ^ 0x1864CFB) : (crc << 1);
    }
    return crc & 0xFFFFFF;
}

std::vector<std::uint8_t> build_epoch(std::uint32_t epoch, std::size_t epoch_bytes,
                                      std::uint64_t sent_ns)
{
    const std::size_t total = std::clamp(epoch_bytes, min_epoch_bytes, max_epoch_bytes);
    std::size_t middle = total - 2 * stamp_frame;
    // Too little room for a filler frame: the first stamp carries the rest as padding.
    const std::size_t pad = middle < min_filler_frame ? middle : 0;
    middle -= pad;
    const std::size_t max_frame = rtcm_header + filler_payload + rtcm_crc;
    const std::size_t fillers = (middle + max_frame - 1) / max_frame;
    const std::size_t frames = fillers + 2;

    std::vector<std::uint8_t> out;
    out.reserve(total);
    append_frame(out, stamp_body(epoch, flag_first, frames, total, sent_ns, pad));
    for (std::size_t i = 0; i < fillers; ++i) {
        const std::size_t size = middle / fillers + (i < middle % fillers ? 1 : 0);
        std::vector<std::uint8_t> body(size - min_filler_frame);
        for (std::size_t j = 0; j < body.size(); ++j)
            body[j] = static_cast<std::uint8_t>(epoch + i + j);
        append_frame(out, body);
    }
    append_frame(out, stamp_body(epoch, flag_last, frames, total, sent_ns, 0));
    return out;
}

void epoch_tracker::break_epoch()
{
    if (in_epoch_)
        ++broken_epochs_;
    in_epoch_ = false;
}

void epoch_tracker::feed(const std::uint8_t* data, std::size_t size, std::uint64_t now_ns,
                         std::vector<completed>& out)
{
    // Usually a read ends on a frame boundary: parse in place and keep only a partial tail.
    if (!pending_.empty()) {
        pending_.insert(pending_.end(), data, data + size);
        const std::size_t used = parse(pending_.data(), pending_.size(), now_ns, out);
        pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(used));
    } else {
        const std::size_t used = parse(data, size, now_ns, out);
        pending_.assign(data + used, data + size);
    }
}

std::size_t epoch_tracker::parse(const std::uint8_t* p, std::size_t end, std::uint64_t now_ns,
                                 std::vector<completed>& out)
{
    std::size_t pos = 0;
    while (pos < end) {
        if (p[pos] != rtcm_preamble) {
            const void* next = std::memchr(p + pos, rtcm_preamble, end - pos);
            const std::size_t to = next ? static_cast<const std::uint8_t*>(next) - p : end;
            skipped_bytes_ += to - pos;
            pos = to;
            break_epoch();
            continue;
        }
        if (end - pos < rtcm_header)
            break;
        if ((p[pos + 1] & 0xFC) != 0) {
            ++skipped_bytes_;
            ++pos;
            break_epoch();
            continue;
        }
        const std::size_t len = (std::size_t(p[pos + 1] & 0x03) << 8) | p[pos + 2];
        const std::size_t frame = rtcm_header + len + rtcm_crc;
        if (end - pos < frame)
            break;
        if (crc24q(p + pos, rtcm_header + len) != get_be(p + pos + rtcm_header + len, 3)) {
            ++crc_errors_;
            ++skipped_bytes_;
            ++pos;
            break_epoch();
            continue;
        }
        on_frame(p + pos, frame, now_ns, out);
        pos += frame;
    }
    return pos;
}

void epoch_tracker::on_frame(const std::uint8_t* f, std::size_t size, std::uint64_t now_ns,
                             std::vector<completed>& out)
{
    ++frames_;
    const std::size_t len = size - rtcm_header - rtcm_crc;
    const std::uint8_t* pl = f + rtcm_header;
    const bool stamp = len >= stamp_payload &&
                       ((pl[0] << 4) | (pl[1] >> 4)) == bench_message_type &&
                       get_be(pl + 2, 4) == stamp_magic;
    if (!stamp) {
        if (in_epoch_) {
            ++epoch_frames_;
            epoch_bytes_ += static_cast<std::uint32_t>(size);
        }
        return;
    }
    const auto epoch = static_cast<std::uint32_t>(get_be(pl + 6, 4));
    const std::uint8_t flags = pl[10];
    const auto frames = static_cast<std::uint32_t>(get_be(pl + 11, 2));
    const auto bytes = static_cast<std::uint32_t>(get_be(pl + 13, 4));
    const std::uint64_t sent_ns = get_be(pl + 17, 8);
    if (flags & flag_first) {
        break_epoch();
        in_epoch_ = true;
        epoch_ = epoch;
        epoch_frames_ = 1;
        epoch_bytes_ = static_cast<std::uint32_t>(size);
        return;
    }
    if ((flags & flag_last) && in_epoch_ && epoch == epoch_) {
        ++epoch_frames_;
        epoch_bytes_ += static_cast<std::uint32_t>(size);
        if (epoch_frames_ == frames && epoch_bytes_ == bytes)
            out.push_back({epoch, static_cast<std::int64_t>(now_ns - sent_ns)});
        else
            ++broken_epochs_;
        in_epoch_ = false;
        return;
    }
    break_epoch(); // a last stamp without its first: joined mid-epoch or lost the start
}

bool chunk_decoder::feed(const std::uint8_t* in, std::size_t size, std::vector<std::uint8_t>& out)
{
    std::size_t i = 0;
    while (i < size && state_ != state::failed && state_ != state::ended) {
        switch (state_) {
        case state::size_line: {
            const char c = static_cast<char>(in[i++]);
            if (c != '\n') {
                if (line_.size() >= max_size_line)
                    state_ = state::failed;
                else
                    line_.push_back(c);
                break;
            }
            std::uint64_t n = 0;
            std::size_t digits = 0;
            for (char h : line_) {
                const int v = (h >= '0' && h <= '9')   ? h - '0'
                              : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                              : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                                       : -1;
                if (v < 0)
                    break;
                n = (n << 4) | static_cast<unsigned>(v);
                ++digits;
            }
            line_.clear();
            if (digits == 0 || digits > 16)
                state_ = state::failed;
            else if (n == 0)
                state_ = state::ended;
            else {
                left_ = n;
                state_ = state::data;
            }
            break;
        }
        case state::data: {
            const std::size_t take =
                static_cast<std::size_t>(std::min<std::uint64_t>(left_, size - i));
            out.insert(out.end(), in + i, in + i + take);
            i += take;
            left_ -= take;
            if (left_ == 0)
                state_ = state::data_cr;
            break;
        }
        case state::data_cr:
            state_ = in[i++] == '\r' ? state::data_lf : state::failed;
            break;
        case state::data_lf:
            state_ = in[i++] == '\n' ? state::size_line : state::failed;
            break;
        case state::ended:
        case state::failed:
            break;
        }
    }
    return state_ != state::failed;
}

std::string base64(const std::string& in)
{
    static constexpr char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const unsigned v =
            (std::uint8_t(in[i]) << 16) | (std::uint8_t(in[i + 1]) << 8) | std::uint8_t(in[i + 2]);
        for (int s = 18; s >= 0; s -= 6)
            out.push_back(alphabet[(v >> s) & 63]);
    }
    if (i < in.size()) {
        unsigned v = std::uint8_t(in[i]) << 16;
        if (i + 1 < in.size())
            v |= std::uint8_t(in[i + 1]) << 8;
        out.push_back(alphabet[(v >> 18) & 63]);
        out.push_back(alphabet[(v >> 12) & 63]);
        out.push_back(i + 1 < in.size() ? alphabet[(v >> 6) & 63] : '=');
        out.push_back('=');
    }
    return out;
}

} // namespace bench
