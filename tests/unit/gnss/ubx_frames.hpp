// SPDX-License-Identifier: GPL-3.0-or-later
// The verified UBX frames of a capture, found by the project's framer (other protocols
// in between are framed and set aside), for the UBX codec tests.
#pragma once

#include "gnss/framer.hpp"

#include <vector>

namespace cairn_test {

struct ubx_scan
{
    std::vector<gnss::bytes> frames;
    std::size_t unframed = 0; // bytes no protocol claimed, truncated tail included
};

inline ubx_scan ubx_frames(gnss::byte_view data)
{
    ubx_scan out;
    gnss::framer f;
    auto sink = [&](const gnss::frame& fr) {
        if (fr.kind == gnss::frame_kind::ubx)
            out.frames.emplace_back(fr.bytes.begin(), fr.bytes.end());
    };
    f.feed(data, sink);
    out.unframed = f.finish(sink);
    out.unframed += f.counters().unframed_bytes;
    return out;
}

} // namespace cairn_test
