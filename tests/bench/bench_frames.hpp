// SPDX-License-Identifier: GPL-3.0-or-later
// The fan-out benchmark's wire codecs: timestamped RTCM3 epochs, a resyncing epoch tracker
// for the rover side, and a chunked-body decoder. Pure; written apart from gnss/ and ntrip/
// on purpose, so the benchmark checks Cairn with code that is not Cairn's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bench {

// RTCM3 framing: 0xD3, 6 reserved zero bits, a 10-bit length, payload, CRC-24Q.
constexpr std::uint8_t rtcm_preamble = 0xD3;
constexpr std::size_t rtcm_header = 3;
constexpr std::size_t rtcm_crc = 3;
constexpr std::size_t rtcm_max_payload = 1023;
// Every frame is the proprietary message 4095, which no caster decodes or filters by content.
constexpr std::uint16_t bench_message_type = 4095;
// Filler frames are at most this long, about an MSM7 message of a busy constellation.
constexpr std::size_t filler_payload = 500;
// Marks a stamp frame ("CBEN"), so frames a caster adds itself are not taken for ours.
constexpr std::uint32_t stamp_magic = 0x4342454e;
// type(2) magic(4) epoch(4) flags(1) frames(2) bytes(4) sent_ns(8)
constexpr std::size_t stamp_payload = 25;
constexpr std::size_t stamp_frame = rtcm_header + stamp_payload + rtcm_crc;
// An epoch is at least its first and last stamp frames; beyond this it is not an epoch.
constexpr std::size_t min_epoch_bytes = 2 * stamp_frame;
constexpr std::size_t max_epoch_bytes = 64 * 1024;

// CRC-24Q (RTCM 10403: polynomial 0x1864CFB, initial value 0); the fast one the rovers use
// and the plain bit-by-bit definition the self-test checks it against.
std::uint32_t crc24q(const std::uint8_t* data, std::size_t size);
std::uint32_t crc24q_bytewise(const std::uint8_t* data, std::size_t size);

// One epoch of exactly `epoch_bytes` bytes (clamped to [min_epoch_bytes, max_epoch_bytes]):
// a stamp frame first, filler frames, a stamp frame last; both stamps carry the epoch
// number, the frame and byte counts and sent_ns.
std::vector<std::uint8_t> build_epoch(std::uint32_t epoch, std::size_t epoch_bytes,
                                      std::uint64_t sent_ns);

// What a rover saw: fed the stream bytes, it reports each epoch received whole (first stamp,
// every frame, last stamp, counts matching) with the time it completed minus sent_ns.
class epoch_tracker
{
public:
    struct completed
    {
        std::uint32_t epoch;
        std::int64_t latency_ns;
    };

    // Feeds bytes that arrived at now_ns; appends each epoch completed by them to `out`.
    void feed(const std::uint8_t* data, std::size_t size, std::uint64_t now_ns,
              std::vector<completed>& out);

    std::uint64_t frames() const { return frames_; }
    std::uint64_t crc_errors() const { return crc_errors_; }
    std::uint64_t skipped_bytes() const { return skipped_bytes_; }
    std::uint64_t broken_epochs() const { return broken_epochs_; }

private:
    // Parses whole frames from p[0, size); returns how many bytes it consumed.
    std::size_t parse(const std::uint8_t* p, std::size_t size, std::uint64_t now_ns,
                      std::vector<completed>& out);
    void on_frame(const std::uint8_t* frame, std::size_t size, std::uint64_t now_ns,
                  std::vector<completed>& out);
    void break_epoch();

    std::vector<std::uint8_t> pending_;
    bool in_epoch_ = false;
    std::uint32_t epoch_ = 0;
    std::uint32_t epoch_frames_ = 0;
    std::uint32_t epoch_bytes_ = 0;
    std::uint64_t frames_ = 0;
    std::uint64_t crc_errors_ = 0;
    std::uint64_t skipped_bytes_ = 0;
    std::uint64_t broken_epochs_ = 0;
};

// HTTP/1.1 chunked transfer coding, decoded incrementally; extensions ignored, trailers not
// expected (an NTRIP stream never ends cleanly).
class chunk_decoder
{
public:
    // A chunk-size line longer than this is an error (16 hex digits plus an extension).
    static constexpr std::size_t max_size_line = 64;

    // Appends the data carried by `in` to `out`; false once the coding is broken.
    bool feed(const std::uint8_t* in, std::size_t size, std::vector<std::uint8_t>& out);
    bool failed() const { return state_ == state::failed; }
    bool ended() const { return state_ == state::ended; }

private:
    enum class state : std::uint8_t
    {
        size_line,
        data,
        data_cr,
        data_lf,
        ended,
        failed,
    };
    state state_ = state::size_line;
    std::string line_;
    std::uint64_t left_ = 0;
};

// Standard base64 (for the Basic credentials).
std::string base64(const std::string& in);

// Runs the codecs against each other (every split offset, chunked and not, resync after
// garbage and a corrupted frame); returns a description of the first failure, or "".
std::string self_test();

} // namespace bench
