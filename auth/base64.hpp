// SPDX-License-Identifier: GPL-3.0-or-later
// Strict RFC 4648 base64 (standard alphabet): HTTP Basic credentials use it padded, the
// scrypt hash strings unpadded. Strict means one accepted spelling per byte string: no
// whitespace, '=' only as padding, unused trailing bits zero.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace auth {

enum class b64_padding
{
    required,
    none
};

std::string base64_encode(std::span<const std::uint8_t> in, b64_padding padding);
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view in, b64_padding padding);

} // namespace auth
