// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: what cairnd does with every frame a receiver sends, on arbitrary bytes:
// the framer, the receiver monitor (MON-VER, NAV-*, RTCM intervals) and the station
// stream (pass/replace, station id rewrite). Checks the monitor's bounds and that every
// forwarded frame is a valid RTCM3 frame of the same type.
#include "gnss/framer.hpp"
#include "gnss/receiver_monitor.hpp"
#include "gnss/rtcm3.hpp"
#include "gnss/station_stream.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 2)
        return 0;
    gnss::station_config c;
    c.station_id = static_cast<std::uint16_t>(data[0] << 4 | (data[1] >> 4));
    c.policy = data[1] & 1 ? gnss::arp_policy::replace : gnss::arp_policy::pass;
    c.position = gnss::ecef{4444030.8028, 3085671.2349, 3366658.2560};
    auto stream = gnss::station_stream::make(c);
    if (!stream)
        __builtin_trap(); // a valid configuration must make a stream
    gnss::receiver_monitor m;
    gnss::framer fr;
    auto now = std::chrono::steady_clock::time_point{} + std::chrono::hours{1};
    const gnss::byte_view all(data + 2, size - 2);
    // Chunks of input-chosen size; each chunk is 100 ms later.
    for (std::size_t i = 0; i < all.size();) {
        std::size_t n = 1 + all[i] % 64;
        auto chunk = all.subspan(i, std::min(n, all.size() - i));
        i += chunk.size();
        now += std::chrono::milliseconds{100};
        fr.feed(chunk, [&](const gnss::frame& f) {
            m.on_frame(f.kind, f.bytes, now);
            if (f.kind != gnss::frame_kind::rtcm3)
                return;
            if (auto out = stream->forward(f.bytes)) {
                if (gnss::rtcm3::payload(*out).empty() ||
                    gnss::rtcm3::message_type(*out) != gnss::rtcm3::message_type(f.bytes))
                    __builtin_trap();
            }
        });
        for (const auto& own : stream->due(now))
            if (gnss::rtcm3::payload(own).empty())
                __builtin_trap();
    }
    const auto s = m.status(now);
    if (s.satellites && s.satellites->value.size() > gnss::receiver_monitor::max_satellites)
        __builtin_trap();
    if (s.rtcm.size() > gnss::receiver_monitor::max_rtcm_types)
        __builtin_trap();
    return 0;
}
