// SPDX-License-Identifier: GPL-3.0-or-later
// HTTP/1.1 chunked transfer coding: encoder and the incremental, bounded decoder.
#include "ntrip/chunked.hpp"

#include <algorithm>

namespace ntrip {

namespace {

constexpr std::uint8_t cr = '\r';
constexpr std::uint8_t lf = '\n';

int hex_value(std::uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// Characters allowed inside an extension or trailer line: visible ASCII, SP, HTAB and
// obs-text (RFC 9110 field values). CR ends the line; LF and other controls are refused.
bool line_char(std::uint8_t c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7F);
}

template <typename Out> void append_to(Out& out, std::string_view s)
{
    out.insert(out.end(), s.begin(), s.end());
}

template <typename Out> void append_chunk_to(Out& out, gnss::byte_view data)
{
    if (data.empty())
        return;
    append_to(out, chunk_header(data.size()).view());
    out.insert(out.end(), data.begin(), data.end());
    append_to(out, chunk_trailer);
}

} // namespace

chunk_header_buffer chunk_header(std::size_t size)
{
    static constexpr char digits[] = "0123456789abcdef";
    chunk_header_buffer h;
    char tmp[16];
    std::size_t n = 0;
    do {
        tmp[n++] = digits[size & 0xF];
        size >>= 4;
    } while (size != 0);
    while (n > 0)
        h.data_[h.size_++] = tmp[--n];
    h.data_[h.size_++] = '\r';
    h.data_[h.size_++] = '\n';
    return h;
}

void append_chunk(std::string& out, gnss::byte_view data)
{
    append_chunk_to(out, data);
}
void append_chunk(gnss::bytes& out, gnss::byte_view data)
{
    append_chunk_to(out, data);
}
void append_last_chunk(std::string& out)
{
    append_to(out, last_chunk);
}
void append_last_chunk(gnss::bytes& out)
{
    append_to(out, last_chunk);
}

const char* to_string(chunked_error e)
{
    switch (e) {
    case chunked_error::none:
        return "none";
    case chunked_error::bad_size:
        return "bad chunk size";
    case chunked_error::size_too_long:
        return "chunk size has too many digits";
    case chunked_error::chunk_too_large:
        return "chunk too large";
    case chunked_error::bad_extension:
        return "bad chunk extension";
    case chunked_error::extension_too_long:
        return "chunk extension too long";
    case chunked_error::bad_line_end:
        return "line not ended by CR LF";
    case chunked_error::bad_data_end:
        return "chunk data not followed by CR LF";
    case chunked_error::bad_trailer:
        return "bad trailer field";
    case chunked_error::trailer_too_large:
        return "trailer too large";
    case chunked_error::truncated:
        return "body truncated inside a chunk";
    case chunked_error::missing_last_chunk:
        return "body ended without the last chunk";
    }
    return "unknown";
}

chunked_state chunked_decoder::state() const
{
    if (step_ == step::done)
        return chunked_state::done;
    if (step_ == step::error)
        return chunked_state::error;
    return chunked_state::need_more;
}

chunked_result chunked_decoder::fail(chunked_error e, std::size_t consumed)
{
    step_ = step::error;
    error_ = e;
    return {consumed, chunked_state::error};
}

chunked_result chunked_decoder::put(gnss::byte_view in, const sink& on_data)
{
    if (step_ == step::done || step_ == step::error)
        return {0, state()};
    std::size_t i = 0;
    while (i < in.size()) {
        const std::uint8_t c = in[i];
        switch (step_) {
        case step::size_first:
        case step::size: {
            int v = hex_value(c);
            if (v >= 0) {
                if (++digits_ > max_size_digits)
                    return fail(chunked_error::size_too_long, i);
                // size_ <= max_chunk_size before the shift, so this cannot overflow.
                size_ = size_ * 16 + static_cast<std::size_t>(v);
                if (size_ > max_chunk_size)
                    return fail(chunked_error::chunk_too_large, i);
                step_ = step::size;
                ++i;
                break;
            }
            if (step_ == step::size_first)
                return fail(chunked_error::bad_size, i);
            step_ = step::size_space;
            [[fallthrough]];
        }
        case step::size_space:
            if (c == ' ' || c == '\t') {
                if (++extension_ > max_extension_length)
                    return fail(chunked_error::extension_too_long, i);
                ++i;
            } else if (c == ';') {
                step_ = step::extension;
            } else if (c == cr) {
                step_ = step::size_lf;
                ++i;
            } else if (c == lf) {
                return fail(chunked_error::bad_line_end, i);
            } else {
                return fail(chunked_error::bad_size, i);
            }
            break;
        case step::extension:
            if (c == cr) {
                step_ = step::size_lf;
                ++i;
                break;
            }
            if (c == lf)
                return fail(chunked_error::bad_line_end, i);
            if (!line_char(c))
                return fail(chunked_error::bad_extension, i);
            if (++extension_ > max_extension_length)
                return fail(chunked_error::extension_too_long, i);
            ++i;
            break;
        case step::size_lf:
            if (c != lf)
                return fail(chunked_error::bad_line_end, i);
            ++i;
            digits_ = 0;
            extension_ = 0;
            if (size_ == 0) {
                step_ = step::trailer_start;
            } else {
                ++chunks_;
                step_ = step::data;
            }
            break;
        case step::data: {
            std::size_t n = std::min(size_, in.size() - i);
            on_data(in.subspan(i, n));
            data_bytes_ += n;
            size_ -= n;
            i += n;
            if (size_ == 0)
                step_ = step::data_cr;
            break;
        }
        case step::data_cr:
            if (c != cr)
                return fail(chunked_error::bad_data_end, i);
            step_ = step::data_lf;
            ++i;
            break;
        case step::data_lf:
            if (c != lf)
                return fail(chunked_error::bad_data_end, i);
            step_ = step::size_first;
            ++i;
            break;
        case step::trailer_start:
            if (c == cr) {
                step_ = step::final_lf;
                ++i;
                break;
            }
            step_ = step::trailer;
            [[fallthrough]];
        case step::trailer:
            if (++trailer_ > max_trailer_length)
                return fail(chunked_error::trailer_too_large, i);
            if (c == cr) {
                step_ = step::trailer_lf;
            } else if (c == lf) {
                return fail(chunked_error::bad_line_end, i);
            } else if (!line_char(c)) {
                return fail(chunked_error::bad_trailer, i);
            }
            ++i;
            break;
        case step::trailer_lf:
            if (c != lf)
                return fail(chunked_error::bad_line_end, i);
            if (++trailer_ > max_trailer_length)
                return fail(chunked_error::trailer_too_large, i);
            step_ = step::trailer_start;
            ++i;
            break;
        case step::final_lf:
            if (c != lf)
                return fail(chunked_error::bad_line_end, i);
            step_ = step::done;
            return {i + 1, chunked_state::done};
        case step::done:
        case step::error:
            return {i, state()};
        }
    }
    return {i, state()};
}

chunked_error chunked_decoder::finish()
{
    switch (step_) {
    case step::done:
        return chunked_error::none;
    case step::error:
        return error_;
    case step::size_first: // between chunks: nothing was cut, but the end never came
        step_ = step::error;
        error_ = chunked_error::missing_last_chunk;
        return error_;
    default:
        step_ = step::error;
        error_ = chunked_error::truncated;
        return error_;
    }
}

} // namespace ntrip
