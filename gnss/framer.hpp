// SPDX-License-Identifier: GPL-3.0-or-later
// Splits one byte stream (a u-blox port) into UBX, RTCM3 and NMEA frames, verifying
// each checksum and resynchronising after garbage, bad checksums or truncated frames.
#pragma once

#include "gnss/bytes.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace gnss {

enum class frame_kind : std::uint8_t { rtcm3, ubx, nmea };

const char* to_string(frame_kind k);

// One verified frame. bytes spans the whole frame (sync/preamble to checksum or CR LF)
// and is valid only during the callback.
struct frame
{
    frame_kind kind;
    byte_view bytes;
};

struct framer_counters
{
    std::uint64_t rtcm3_frames = 0;
    std::uint64_t ubx_frames = 0;
    std::uint64_t nmea_frames = 0;
    std::uint64_t bad_checksum = 0;     // candidates with a valid header and a wrong checksum
    std::uint64_t unframed_bytes = 0;   // bytes skipped while resynchronising
    std::uint64_t oversize = 0;         // candidates over a length limit
    std::uint64_t bytes_in = 0;
    std::map<std::uint16_t, std::uint64_t> rtcm3_types;   // message number -> frames
    std::map<std::uint16_t, std::uint64_t> ubx_messages;  // class << 8 | id -> frames
    std::map<std::string, std::uint64_t> nmea_sentences; // "GGA" (talker removed) -> frames

    std::uint64_t frames() const { return rtcm3_frames + ubx_frames + nmea_frames; }
};

class framer
{
public:
    // Named limits. RTCM3's length field is 10 bits; UBX and NMEA caps are ours.
    static constexpr std::size_t max_rtcm3_payload = 1023;
    static constexpr std::size_t max_ubx_payload = 8192;
    static constexpr std::size_t max_nmea_line = 128; // NMEA 0183 says 82; u-blox PUBX is longer

    using sink = std::function<void(const frame&)>;

    // Feeds bytes; calls on_frame for every complete verified frame, in stream order.
    void feed(byte_view data, const sink& on_frame);

    // Bytes held back waiting for the rest of a frame.
    std::size_t pending() const { return buf_.size() - start_; }

    // End of input (a file's end): frames hidden inside an incomplete candidate are
    // delivered; returns the truncated tail (bytes of an incomplete last frame and any
    // garbage after it). The framer is empty afterwards.
    std::size_t finish(const sink& on_frame);

    // Forgets pending bytes (after a reconnect) and returns how many there were.
    std::size_t reset();

    const framer_counters& counters() const { return counters_; }

private:
    enum class verdict { frame, need_more, reject };
    verdict try_rtcm3(byte_view b, std::size_t& len);
    verdict try_ubx(byte_view b, std::size_t& len);
    verdict try_nmea(byte_view b, std::size_t& len);
    void count(const frame& f);
    void scan(const sink& on_frame, bool at_end);

    bytes buf_;
    std::size_t start_ = 0;
    std::size_t tail_ = 0; // finish(): bytes since the first incomplete candidate
    framer_counters counters_;
};

} // namespace gnss
