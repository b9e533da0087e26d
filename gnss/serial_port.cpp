// SPDX-License-Identifier: GPL-3.0-or-later
// Opening a serial device with termios: checks, raw mode, line settings, flush.
#include "gnss/serial_port.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace gnss {

namespace {

// Closes the descriptor on every early return until the stream takes it over.
class unique_fd
{
public:
    explicit unique_fd(int fd) : fd_(fd) {}
    unique_fd(const unique_fd&) = delete;
    unique_fd& operator=(const unique_fd&) = delete;
    ~unique_fd()
    {
        if (fd_ >= 0)
            ::close(fd_);
    }
    int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }

private:
    int fd_;
};

std::string errno_text(int err)
{
    return std::strerror(err);
}

const char* file_kind(mode_t mode)
{
    if (S_ISREG(mode))
        return "a regular file";
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISSOCK(mode))
        return "a socket";
    return "not a character device";
}

std::string not_serial_message(const std::string& path, mode_t mode)
{
    return fmt::format("{}: not a serial device (it is {}); give the receiver's port, "
                       "e.g. /dev/ttyACM0 or a udev name such as /dev/gnss-f9p",
                       path, file_kind(mode));
}

} // namespace

std::optional<speed_t> termios_speed(unsigned baud)
{
    struct entry
    {
        unsigned baud;
        speed_t speed;
    };
    static constexpr entry table[] = {
        {50, B50},           {75, B75},           {110, B110},         {134, B134},
        {150, B150},         {200, B200},         {300, B300},         {600, B600},
        {1200, B1200},       {1800, B1800},       {2400, B2400},       {4800, B4800},
        {9600, B9600},       {19200, B19200},     {38400, B38400},     {57600, B57600},
        {115200, B115200},   {230400, B230400},   {460800, B460800},   {500000, B500000},
        {576000, B576000},   {921600, B921600},   {1000000, B1000000}, {1152000, B1152000},
        {1500000, B1500000}, {2000000, B2000000}, {2500000, B2500000}, {3000000, B3000000},
        {3500000, B3500000}, {4000000, B4000000},
    };
    for (const auto& e : table)
        if (e.baud == baud)
            return e.speed;
    return std::nullopt;
}

tl::expected<void, std::string> configure_tty(int fd, const config::serial_settings& s)
{
    termios t{};
    if (::tcgetattr(fd, &t) != 0)
        return tl::unexpected(fmt::format("cannot read terminal settings: {}", errno_text(errno)));
    ::cfmakeraw(&t);

    const auto speed = termios_speed(s.baud);
    if (!speed)
        return tl::unexpected(fmt::format("baud rate {} is not one termios can set "
                                          "(u-blox receivers use 9600 to 921600)",
                                          s.baud));
    if (::cfsetspeed(&t, *speed) != 0)
        return tl::unexpected(
            fmt::format("cannot set baud rate {}: {}", s.baud, errno_text(errno)));

    t.c_cflag &= ~static_cast<tcflag_t>(CSIZE | PARENB | PARODD | CSTOPB | CRTSCTS);
    t.c_iflag &= ~static_cast<tcflag_t>(IXON | IXOFF | IXANY | INPCK);
    switch (s.data_bits) {
    case 5:
        t.c_cflag |= CS5;
        break;
    case 6:
        t.c_cflag |= CS6;
        break;
    case 7:
        t.c_cflag |= CS7;
        break;
    case 8:
        t.c_cflag |= CS8;
        break;
    default:
        return tl::unexpected(fmt::format("{} data bits: expected 5, 6, 7 or 8", s.data_bits));
    }
    switch (s.par) {
    case config::parity::none:
        break;
    case config::parity::even:
        t.c_cflag |= PARENB;
        t.c_iflag |= INPCK;
        break;
    case config::parity::odd:
        t.c_cflag |= PARENB | PARODD;
        t.c_iflag |= INPCK;
        break;
    }
    if (s.stop_bits == 2)
        t.c_cflag |= CSTOPB;
    else if (s.stop_bits != 1)
        return tl::unexpected(fmt::format("{} stop bits: expected 1 or 2", s.stop_bits));
    switch (s.flow) {
    case config::flow_control::none:
        break;
    case config::flow_control::rtscts:
        t.c_cflag |= CRTSCTS;
        break;
    case config::flow_control::xonxoff:
        t.c_iflag |= IXON | IXOFF;
        break;
    }
    // CLOCAL: a receiver has no carrier line, and without it reads wait for DCD forever.
    t.c_cflag |= CLOCAL | CREAD;
    // VMIN 1, not 0: with VMIN = VTIME = 0 an empty read returns 0 even on a non-blocking
    // descriptor, which Asio (rightly) reports as end of file. With VMIN 1 and O_NONBLOCK an
    // empty read fails with EAGAIN, so Asio waits for readiness and a real hangup stays EOF.
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;

    if (::tcsetattr(fd, TCSANOW, &t) != 0)
        return tl::unexpected(fmt::format("cannot apply {}: {}", s.to_string(), errno_text(errno)));
    // tcsetattr succeeds if any part applied; a driver that ignored the rate would leave us
    // reading garbage at the wrong baud, so check the one setting that matters most.
    termios check{};
    if (::tcgetattr(fd, &check) != 0)
        return tl::unexpected(fmt::format("cannot read terminal settings: {}", errno_text(errno)));
    if (::cfgetispeed(&check) != *speed || ::cfgetospeed(&check) != *speed)
        return tl::unexpected(fmt::format("the device did not accept baud rate {}", s.baud));
    return {};
}

std::string open_error_message(const std::string& path, int err)
{
    switch (err) {
    case ENOENT:
    case ENODEV:
        return fmt::format("{}: no such device (is the receiver plugged in, and is the path "
                           "right?)",
                           path);
    case EACCES:
    case EPERM:
        return fmt::format("{}: permission denied; the service user needs to be in the "
                           "dialout group (or a udev rule must grant it the device)",
                           path);
    case EBUSY:
        return fmt::format("{}: device busy; another program (gpsd, ModemManager, another "
                           "cairnd) has it open exclusively",
                           path);
    case ENXIO:
        return fmt::format("{}: no device behind this node (unplugged, or its driver is gone)",
                           path);
    case EIO:
        return fmt::format("{}: I/O error (the device was unplugged or is failing)", path);
    case ENOTTY:
        return fmt::format("{}: not a serial device (the kernel says it is not a terminal)", path);
    default:
        return fmt::format("{}: {}", path, errno_text(err));
    }
}

tl::expected<serial_port, std::string> serial_port::open(const net::any_io_executor& ex,
                                                         const std::string& path,
                                                         const config::serial_settings& s)
{
    // Resolve first so a dangling udev symlink reads as "no such device", and so status
    // can show which ttyACM the name pointed at when it was opened.
    std::error_code ec;
    const auto canonical = std::filesystem::canonical(path, ec);
    if (ec)
        return tl::unexpected(open_error_message(path, ec.value()));
    const std::string resolved = canonical.string();

    struct stat st
    {
    };
    if (::stat(resolved.c_str(), &st) != 0)
        return tl::unexpected(open_error_message(path, errno));
    // Checked before open: opening a FIFO or some other node can have side effects.
    if (!S_ISCHR(st.st_mode))
        return tl::unexpected(not_serial_message(path, st.st_mode));

    unique_fd fd{::open(resolved.c_str(), open_flags)};
    if (fd.get() < 0)
        return tl::unexpected(open_error_message(path, errno));
    // Checked again on the descriptor: the node may have been replaced since stat.
    if (::fstat(fd.get(), &st) != 0)
        return tl::unexpected(open_error_message(path, errno));
    if (!S_ISCHR(st.st_mode))
        return tl::unexpected(not_serial_message(path, st.st_mode));
    if (!::isatty(fd.get()))
        return tl::unexpected(open_error_message(path, ENOTTY));
    // Exclusive: gpsd or ModemManager probing the port would corrupt both streams.
    if (::ioctl(fd.get(), TIOCEXCL) != 0)
        return tl::unexpected(open_error_message(path, errno));
    // TIOCEXCL does not stop root; an advisory lock also keeps cairnctl's direct mode
    // (which takes the same lock) off a port cairnd is using.
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0)
        return tl::unexpected(fmt::format("{} is in use by another program (locked)", path));

    if (auto ok = configure_tty(fd.get(), s); !ok)
        return tl::unexpected(fmt::format("{}: {}", path, ok.error()));
    // A pty buffers ~11 KB and a UART's FIFO whatever arrived while nobody read: drop it,
    // the framer would only resynchronise through torn frames.
    if (::tcflush(fd.get(), TCIOFLUSH) != 0)
        return tl::unexpected(open_error_message(path, errno));

    net::posix::stream_descriptor stream{ex};
    boost::system::error_code aec;
    stream.assign(fd.get(), aec);
    if (aec) // the stream did not take the descriptor; unique_fd still closes it
        return tl::unexpected(fmt::format("{}: cannot watch the device: {}", path, aec.message()));
    fd.release();
    return serial_port{std::move(stream), path, resolved, s};
}

serial_port::serial_port(net::posix::stream_descriptor stream, std::string path,
                         std::string resolved, const config::serial_settings& s)
    : stream_(std::move(stream)), path_(std::move(path)), resolved_path_(std::move(resolved)),
      settings_(s)
{
}

void serial_port::close()
{
    boost::system::error_code ignored;
    stream_.close(ignored); // closing cannot usefully fail; the fd is gone either way
}

} // namespace gnss
