// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: the framer on arbitrary bytes fed in input-chosen chunks. Checks that
// every emitted frame verifies again and that the byte accounting adds up.
#include "gnss/framer.hpp"

#include "gnss/crc.hpp"

#include <cstddef>
#include <cstdint>

namespace {

void check_frame(const gnss::frame& f)
{
    const auto& b = f.bytes;
    switch (f.kind) {
    case gnss::frame_kind::rtcm3: {
        if (b.size() < 6 || b[0] != 0xD3)
            __builtin_trap();
        std::uint32_t crc = gnss::crc24q(b.first(b.size() - 3));
        if ((crc >> 16 & 0xFF) != b[b.size() - 3] || (crc & 0xFF) != b[b.size() - 1])
            __builtin_trap();
        break;
    }
    case gnss::frame_kind::ubx:
        if (b.size() < 8 || b[0] != 0xB5 || b[1] != 0x62 ||
            b.size() - 8 > gnss::framer::max_ubx_payload)
            __builtin_trap();
        break;
    case gnss::frame_kind::nmea:
        if (b.size() > gnss::framer::max_nmea_line || b.back() != '\n')
            __builtin_trap();
        break;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 1)
        return 0;
    // The first byte picks the chunk size, so splits land everywhere.
    std::size_t chunk = 1 + data[0] % 61;
    gnss::byte_view in(data + 1, size - 1);
    gnss::framer f;
    std::size_t frame_bytes = 0;
    auto sink = [&](const gnss::frame& fr) {
        check_frame(fr);
        frame_bytes += fr.bytes.size();
    };
    for (std::size_t off = 0; off < in.size(); off += chunk)
        f.feed(in.subspan(off, std::min(chunk, in.size() - off)), sink);
    std::size_t tail = f.finish(sink);
    const auto& c = f.counters();
    if (frame_bytes + c.unframed_bytes + tail != in.size())
        __builtin_trap();
    if (f.pending() != 0)
        __builtin_trap();
    return 0;
}
