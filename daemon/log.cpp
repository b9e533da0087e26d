// SPDX-License-Identifier: GPL-3.0-or-later
// Log lines to stderr with syslog level prefixes.
#include "daemon/log.hpp"

#include <unistd.h>

#include <atomic>
#include <string>

namespace daemon_log {
namespace {

std::atomic<int> max_level_{info};
// A line longer than this is cut: a log line is never a data channel.
constexpr std::size_t max_line = 4096;

} // namespace

void set_max_level(int level) { max_level_ = level; }
int max_level() { return max_level_; }

int level_from_name(std::string_view name)
{
    if (name == "error")
        return err;
    if (name == "warning")
        return warning;
    if (name == "notice")
        return notice;
    if (name == "info")
        return info;
    if (name == "debug")
        return debug;
    return -1;
}

void write(int level, std::string_view text)
{
    std::string line = "<" + std::to_string(level) + ">";
    for (char c : text.substr(0, max_line)) {
        // Control characters from the outside world never reach the journal raw.
        line.push_back(static_cast<unsigned char>(c) < 0x20 ? '?' : c);
    }
    line.push_back('\n');
    std::size_t off = 0;
    while (off < line.size()) {
        ssize_t n = ::write(STDERR_FILENO, line.data() + off, line.size() - off);
        if (n <= 0)
            return;
        off += static_cast<std::size_t>(n);
    }
}

} // namespace daemon_log
