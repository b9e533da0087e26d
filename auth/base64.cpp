// SPDX-License-Identifier: GPL-3.0-or-later
// Strict RFC 4648 base64, padded or not.
#include "auth/base64.hpp"

namespace auth {
namespace {

constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Sextet value of c, or -1.
int value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

} // namespace

std::string base64_encode(std::span<const std::uint8_t> in, b64_padding padding)
{
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= in.size(); i += 3) {
        std::uint32_t v =
            (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) | in[i + 2];
        for (int s = 18; s >= 0; s -= 6)
            out.push_back(alphabet[(v >> s) & 0x3f]);
    }
    if (std::size_t rest = in.size() - i; rest > 0) {
        std::uint32_t v = std::uint32_t{in[i]} << 16;
        if (rest == 2)
            v |= std::uint32_t{in[i + 1]} << 8;
        out.push_back(alphabet[(v >> 18) & 0x3f]);
        out.push_back(alphabet[(v >> 12) & 0x3f]);
        if (rest == 2)
            out.push_back(alphabet[(v >> 6) & 0x3f]);
        if (padding == b64_padding::required)
            out.append(rest == 1 ? "==" : "=");
    }
    return out;
}

std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view in, b64_padding padding)
{
    if (padding == b64_padding::required) {
        if (in.empty() || in.size() % 4 != 0)
            return std::nullopt;
        std::size_t pad = 0;
        while (pad < 2 && in[in.size() - 1 - pad] == '=')
            ++pad;
        in.remove_suffix(pad);
    } else if (in.size() % 4 == 1) {
        return std::nullopt;
    }
    std::vector<std::uint8_t> out;
    out.reserve(in.size() * 3 / 4);
    std::uint32_t acc = 0;
    unsigned bits = 0;
    for (char c : in) {
        int v = value(c);
        if (v < 0)
            return std::nullopt; // includes '=' anywhere but the end
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xff));
        }
    }
    if ((acc & ((1u << bits) - 1)) != 0)
        return std::nullopt; // leftover bits must be zero
    return out;
}

} // namespace auth
