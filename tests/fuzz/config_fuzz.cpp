// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: config::parse on arbitrary text. Accepted settings must pass every
// value check and survive to_toml -> parse unchanged; rejections must be located, one-line
// messages. (The text is parsed whole: config files are not streamed, so no split points.)
#include "config/load.hpp"

#include "config/duration.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text{reinterpret_cast<const char*>(data), size};
    const auto got = config::parse(text, "fuzz.toml");
    if (got) {
        const auto& s = *got;
        if (s.source != "fuzz.toml" || !config::check_device(s.receiver.device) ||
            !config::check_absolute_path(s.daemon.state_dir) ||
            !config::check_absolute_path(s.daemon.runtime_dir) ||
            !config::check_log_level(s.daemon.log_level))
            __builtin_trap();
        if (s.receiver.stale_after.count() <= 0 || s.receiver.stale_after > config::max_duration)
            __builtin_trap();
        const auto serial = config::parse_serial_settings(s.receiver.serial.to_string());
        if (!serial || *serial != s.receiver.serial)
            __builtin_trap();
        const auto again = config::parse(config::to_toml(s), "fuzz.toml");
        if (!again || *again != s)
            __builtin_trap();
        return 0;
    }
    const auto& e = got.error();
    const auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    if (e.message.empty() || e.file != "fuzz.toml" || e.line > lines)
        __builtin_trap();
    // Line 0 is only for text over the size limit; everything else points into the file.
    if ((e.line == 0) != (size > config::max_config_bytes))
        __builtin_trap();
    if (e.to_string().find('\n') != std::string::npos)
        __builtin_trap();
    return 0;
}
