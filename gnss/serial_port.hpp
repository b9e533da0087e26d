// SPDX-License-Identifier: GPL-3.0-or-later
// A serial port opened and configured through termios, so the same code drives real
// UARTs, USB CDC-ACM receivers (ZED-F9P) and the ptys the tests use.
#pragma once

#include "config/serial_settings.hpp"
#include "gnss/net.hpp"

#include <tl/expected.hpp>

#include <fcntl.h>
#include <optional>
#include <string>
#include <termios.h>

namespace gnss {

// The termios speed constant for a baud rate; empty when Linux termios has none.
std::optional<speed_t> termios_speed(unsigned baud);

// Puts an open terminal into raw mode with the given line settings, VMIN 1 and VTIME 0
// (with O_NONBLOCK an empty read is EAGAIN, never 0 = EOF). The error names the setting.
tl::expected<void, std::string> configure_tty(int fd, const config::serial_settings& s);

// What went wrong opening `path` with errno `err`, worded so a person knows what to do
// (permission denied names the dialout group, ENOENT says "no such device").
std::string open_error_message(const std::string& path, int err);

class serial_port
{
public:
    // No controlling terminal (a receiver must never be able to signal us), non-blocking for
    // Asio, not inherited by anything we might exec.
    static constexpr int open_flags = O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC;

    // Opens `path` (symlinks such as /dev/gnss-f9p are followed), refuses anything that is
    // not a terminal character device, claims it exclusively (TIOCEXCL), applies `s` and
    // drops whatever the kernel buffered before we opened (stale, possibly torn frames).
    static tl::expected<serial_port, std::string>
    open(const net::any_io_executor& ex, const std::string& path, const config::serial_settings& s);

    serial_port(serial_port&&) = default;
    serial_port& operator=(serial_port&&) = default;

    // The path as configured, and where it pointed when opened (/dev/ttyACM0).
    const std::string& path() const { return path_; }
    const std::string& resolved_path() const { return resolved_path_; }
    const config::serial_settings& settings() const { return settings_; }

    // For async_read_some / async_write. Valid while this object lives.
    net::posix::stream_descriptor& stream() { return stream_; }
    bool is_open() const { return stream_.is_open(); }

    // Cancels pending operations (their handlers get operation_aborted) and closes the fd.
    void close();

private:
    serial_port(net::posix::stream_descriptor stream, std::string path, std::string resolved,
                const config::serial_settings& s);

    net::posix::stream_descriptor stream_;
    std::string path_;
    std::string resolved_path_;
    config::serial_settings settings_;
};

} // namespace gnss
