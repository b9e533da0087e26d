// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: control socket request and reply parsing never throw or crash.
#include "daemon/control_protocol.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view line(reinterpret_cast<const char*>(data), size);
    auto r = control::parse_request(line);
    if (r) {
        auto reply = control::ok_reply(*r, {{"echo", std::string(line)}});
        if (!control::parse_reply(reply))
            __builtin_trap();
    } else if (r.error().empty()) {
        __builtin_trap();
    }
    (void)control::parse_reply(line);
    return 0;
}
