// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: every RTCM3 decoder on arbitrary bytes, both as a raw frame and
// wrapped into a valid frame. Checks that whatever decodes re-encodes and decodes to the
// same value, that 1008/1033 re-encode byte for byte, and that MSM counts are consistent.
#include "gnss/rtcm3.hpp"
#include "gnss/rtcm3_info.hpp"
#include "gnss/rtcm3_msm.hpp"

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace {

namespace rtcm3 = gnss::rtcm3;

void check(bool ok)
{
    if (!ok)
        __builtin_trap();
}

bool same(const rtcm3::station_arp& a, const rtcm3::station_arp& b)
{
    return a.type == b.type && a.station_id == b.station_id && a.itrf_year == b.itrf_year &&
           a.gps == b.gps && a.glonass == b.glonass && a.galileo == b.galileo &&
           a.reference_station == b.reference_station &&
           a.single_receiver_oscillator == b.single_receiver_oscillator &&
           a.quarter_cycle == b.quarter_cycle && a.x == b.x && a.y == b.y && a.z == b.z &&
           a.antenna_height == b.antenna_height;
}

void check_frame(gnss::byte_view frame)
{
    gnss::byte_view p = rtcm3::payload(frame);
    if (!p.empty())
        check(rtcm3::make_frame(p) == gnss::bytes(frame.begin(), frame.end()));
    auto type = rtcm3::message_type(frame);
    check(type.has_value() == (p.size() >= 2));
    if (rtcm3::station_id(frame))
        check(type && p.size() >= 3);

    if (auto arp = rtcm3::decode_station_arp(frame)) {
        check(type == arp->type);
        gnss::bytes again = rtcm3::encode_station_arp(*arp);
        check(again.size() == frame.size()); // only the reserved bit may differ
        auto back = rtcm3::decode_station_arp(again);
        check(back && same(*back, *arp));
    }

    if (auto info = rtcm3::decode_antenna_info(frame)) {
        check(type == info->type);
        check(info->descriptor.size() <= rtcm3::max_descriptor);
        auto again = rtcm3::encode_antenna_info(*info);
        // No reserved bits and no padding: the frame comes back byte for byte.
        check(again && *again == gnss::bytes(frame.begin(), frame.end()));
    }

    if (auto h = rtcm3::decode_msm_header(frame)) {
        auto kind = rtcm3::msm_type(h->type);
        check(kind && kind->system == h->system && kind->msm == h->msm);
        check(static_cast<std::size_t>(h->satellites) * static_cast<std::size_t>(h->signals) <=
              rtcm3::msm_max_cells);
        check(h->satellites == std::popcount(h->satellite_mask));
        check(h->signals == std::popcount(h->signal_mask));
        check(h->cells == std::popcount(h->cell_mask));
        check(h->satellites * h->signals == 64 ||
              h->cell_mask >> (h->satellites * h->signals) == 0);
        auto cells = rtcm3::decode_msm7_cells(frame);
        check(cells.has_value() == (h->msm == 7));
        if (cells) {
            check(static_cast<int>(cells->size()) == h->cells);
            for (const auto& c : *cells)
                check(c.satellite >= 1 && c.satellite <= 64 && c.signal >= 1 && c.signal <= 32 &&
                      c.cnr_dbhz >= 0 && c.cnr_dbhz < 64);
        }
    } else {
        check(!rtcm3::decode_msm7_cells(frame));
    }
}

// Re-encodes an MSM7 from the decoded cells' satellites and checks the header comes back.
void check_msm7_encoder(gnss::byte_view frame)
{
    auto h = rtcm3::decode_msm_header(frame);
    auto cells = rtcm3::decode_msm7_cells(frame);
    if (!h || !cells)
        return;
    std::vector<rtcm3::msm_satellite> sats;
    for (const auto& c : *cells) {
        if (sats.empty() || sats.back().id != c.satellite)
            sats.push_back({c.satellite, {}, 70.0, c.cnr_dbhz});
        sats.back().signals.push_back(c.signal);
    }
    auto again = rtcm3::encode_msm7(h->system, h->station_id, h->epoch, h->multiple_message, sats);
    if (!again) // satellites without cells are dropped, so the count can only shrink
        __builtin_trap();
    auto back = rtcm3::decode_msm_header(*again);
    check(back && back->system == h->system && back->msm == 7 && back->cells == h->cells);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    gnss::byte_view in(data, size);
    // The input as a whole frame: reaches the framing checks (CRC mostly fails).
    check_frame(in);
    // The input as a payload wrapped into a valid frame: reaches every decoder.
    if (size <= rtcm3::max_payload) {
        gnss::bytes f = rtcm3::make_frame(in);
        check(rtcm3::payload(f).size() == size);
        check_frame(f);
        check_msm7_encoder(f);
    }
    return 0;
}
