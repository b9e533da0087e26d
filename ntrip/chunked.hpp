// SPDX-License-Identifier: GPL-3.0-or-later
// HTTP/1.1 chunked transfer coding (RFC 9112 section 7.1): the encoder for NTRIP 2.0
// streams and a sans-I/O, bounded decoder for NTRIP 2.0 uploads (POST).
#pragma once

#include "gnss/bytes.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace ntrip {

// ---- Encoder ----------------------------------------------------------------------------
// Chunk sizes are written in lowercase hex without leading zeros ("3f5\r\n"), like curl and
// Beast. A zero-length chunk is the last-chunk, so empty data must never become a chunk:
// append_chunk skips it, and callers of chunk_header must not ask for size 0.

// What follows every chunk's data, and the end of the body (last-chunk, no trailers).
inline constexpr std::string_view chunk_trailer = "\r\n";
inline constexpr std::string_view last_chunk = "0\r\n\r\n";

// The "<hex size>\r\n" line in a fixed buffer, so a gathered write can send header, a
// shared frame buffer and chunk_trailer without copying the frame.
class chunk_header_buffer
{
public:
    // 16 hex digits (a 64-bit size) and CR LF.
    static constexpr std::size_t capacity = 18;

    std::string_view view() const { return {data_.data(), size_}; }
    gnss::byte_view bytes() const { return gnss::as_bytes(view()); }

private:
    friend chunk_header_buffer chunk_header(std::size_t size);
    std::array<char, capacity> data_{};
    std::uint8_t size_ = 0;
};

// The header of a chunk of `size` data bytes. size must be > 0 (0 is the last-chunk).
chunk_header_buffer chunk_header(std::size_t size);

// Appends one chunk "<hex>\r\n<data>\r\n"; appends nothing for empty data.
void append_chunk(std::string& out, gnss::byte_view data);
void append_chunk(gnss::bytes& out, gnss::byte_view data);

// Appends the last-chunk "0\r\n\r\n" that ends the body.
void append_last_chunk(std::string& out);
void append_last_chunk(gnss::bytes& out);

// ---- Decoder ----------------------------------------------------------------------------

enum class chunked_error : std::uint8_t
{
    none,
    bad_size,           // chunk size missing or not hex
    size_too_long,      // more hex digits than max_size_digits (leading zeros count)
    chunk_too_large,    // chunk size over max_chunk_size
    bad_extension,      // control character in a chunk extension
    extension_too_long, // chunk extensions over max_extension_length
    bad_line_end,       // a size or trailer line not ended by CR LF (bare LF included)
    bad_data_end,       // chunk data not followed by CR LF
    bad_trailer,        // control character in a trailer field
    trailer_too_large,  // trailer section over max_trailer_length
    truncated,          // end of input inside a chunk (size line, data or trailers)
    missing_last_chunk, // end of input between chunks, before the last-chunk
};

const char* to_string(chunked_error e);

enum class chunked_state : std::uint8_t
{
    need_more,
    done,
    error
};

struct chunked_result
{
    std::size_t consumed = 0; // bytes of the input used; the rest follows the body
    chunked_state state = chunked_state::need_more;
};

// Decodes a chunked body incrementally without buffering: data is passed to the sink as it
// arrives, possibly in pieces of a chunk, and a split anywhere in the input gives the same
// bytes. Line ends must be CR LF: a bare LF is refused, because parsers that disagree on
// line ends can be made to frame one body two ways (request smuggling), and every real
// uploader (curl, BKG ntripserver) sends CR LF. Extensions and trailers are read, bounded
// and dropped.
class chunked_decoder
{
public:
    // RTCM3 frames are at most 1029 bytes; uploaders chunk per frame or per read, so a
    // chunk over 64 KiB is not a GNSS stream and is refused before any of it is read.
    static constexpr std::size_t max_chunk_size = 64 * 1024;
    // Hex digits in one size, leading zeros included ("00000400" is 8).
    static constexpr std::size_t max_size_digits = 8;
    // Bytes after the size up to CR, per chunk (";name=value" extensions and spaces).
    static constexpr std::size_t max_extension_length = 256;
    // Bytes of all trailer lines after the last-chunk, their CR LFs included.
    static constexpr std::size_t max_trailer_length = 4096;

    using sink = std::function<void(gnss::byte_view data)>;

    // Feeds bytes. Returns need_more when all of `in` was used and the body goes on, done
    // once the last-chunk and trailers are read (consumed stops there), error at the
    // first bad byte (consumed stops before it). After done or error it consumes nothing.
    chunked_result put(gnss::byte_view in, const sink& on_data);

    // End of input: none when the body was complete, else the error (truncated when the
    // stream stopped inside a chunk, missing_last_chunk when between chunks).
    chunked_error finish();

    chunked_state state() const;
    chunked_error error() const { return error_; }

    // Data bytes delivered and chunks started (the last-chunk not counted).
    std::uint64_t data_bytes() const { return data_bytes_; }
    std::uint64_t chunks() const { return chunks_; }

    // Back to the start of a new body.
    void reset() { *this = chunked_decoder{}; }

private:
    enum class step : std::uint8_t
    {
        size_first, // expecting the first hex digit of a size
        size,       // more hex digits, or what ends the size
        size_space, // spaces after the size, before ';' or CR
        extension,  // ";..." up to CR
        size_lf,    // LF after the size line's CR
        data,       // chunk data
        data_cr,    // CR after the data
        data_lf,    // LF after the data
        trailer_start,
        trailer,    // a trailer field line up to CR
        trailer_lf, // LF after a trailer line
        final_lf,   // LF of the empty line that ends the body
        done,
        error,
    };

    chunked_result fail(chunked_error e, std::size_t consumed);

    step step_ = step::size_first;
    chunked_error error_ = chunked_error::none;
    std::size_t size_ = 0;      // size being read, then data bytes left in the chunk
    std::size_t digits_ = 0;    // hex digits read in this size
    std::size_t extension_ = 0; // bytes after the size on this line
    std::size_t trailer_ = 0;   // trailer bytes so far
    std::uint64_t data_bytes_ = 0;
    std::uint64_t chunks_ = 0;
};

} // namespace ntrip
