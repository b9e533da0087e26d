// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: the strict STR line parser. Whatever it accepts must write back as one
// clean 19-field line that parses again to the same line (write is a fixed point).
#include "ntrip/sourcetable.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

bool clean_line(const std::string& line)
{
    return std::count(line.begin(), line.end(), ';') + 1 ==
               static_cast<std::ptrdiff_t>(ntrip::str_field_count) &&
           std::none_of(line.begin(), line.end(), [](char c) {
               auto u = static_cast<unsigned char>(c);
               return u < 0x20 || u >= 0x7F;
           });
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view text(reinterpret_cast<const char*>(data), size);
    // Also try the input behind the "STR;" tag, so the fuzzer need not find it first.
    for (std::string line : {std::string(text), "STR;" + std::string(text)}) {
        auto r = ntrip::parse_str(line);
        if (!r) {
            if (r.error().empty())
                __builtin_trap();
            continue;
        }
        auto written = ntrip::str_line(*r);
        if (!clean_line(written))
            __builtin_trap();
        auto again = ntrip::parse_str(written);
        if (!again || ntrip::str_line(*again) != written)
            __builtin_trap();
        // Policy on parsed input must not crash; a record it passes writes a parsable line.
        (void)ntrip::validate(*r);
        auto body = ntrip::body(std::span<const ntrip::str_record>(&*r, 1));
        if (body != written + "\r\n" + std::string(ntrip::end_sourcetable))
            __builtin_trap();
    }
    return 0;
}
