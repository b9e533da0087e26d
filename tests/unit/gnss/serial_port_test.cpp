// SPDX-License-Identifier: GPL-3.0-or-later
// Tests for gnss_io over real ptys: serial_port, port_list and the reconnecting link.
#include "gnss/serial_port.hpp"

#include "gnss/port_list.hpp"
#include "gnss/receiver_link.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <poll.h>
#include <pty.h>
#include <string>
#include <sys/ioctl.h>
#include <unistd.h>
#include <vector>

using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// One pty: the test plays the receiver on the master, the code under test opens the slave
// by path. The slave descriptor openpty returns is closed, as nobody holds it on a real port.
class pty_pair
{
public:
    pty_pair()
    {
        termios raw{};
        ::cfmakeraw(&raw);
        int slave = -1;
        char name[256] = {};
        if (::openpty(&master_, &slave, name, &raw, nullptr) != 0) {
            std::printf("SKIP: openpty failed (%s); no ptys in this environment\n",
                        std::strerror(errno));
            std::exit(77);
        }
        ::close(slave);
        slave_path_ = name;
    }
    ~pty_pair() { close_master(); }
    pty_pair(const pty_pair&) = delete;
    pty_pair& operator=(const pty_pair&) = delete;

    const std::string& slave_path() const { return slave_path_; }
    void close_master()
    {
        if (master_ >= 0)
            ::close(master_);
        master_ = -1;
    }
    void send(std::string_view s) const
    {
        REQUIRE(::write(master_, s.data(), s.size()) == static_cast<ssize_t>(s.size()));
    }
    // Whatever the code under test wrote, waiting up to `limit` for `want` bytes.
    std::string receive(std::size_t want, std::chrono::milliseconds limit) const
    {
        std::string got;
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (got.size() < want && std::chrono::steady_clock::now() < deadline) {
            pollfd p{master_, POLLIN, 0};
            if (::poll(&p, 1, 10) != 1)
                continue;
            char buf[512];
            const auto n = ::read(master_, buf, sizeof buf);
            if (n <= 0)
                break;
            got.append(buf, static_cast<std::size_t>(n));
        }
        return got;
    }

private:
    int master_ = -1;
    std::string slave_path_;
};

struct temp_dir
{
    fs::path path;
    temp_dir()
    {
        std::string tmpl = (fs::temp_directory_path() / "cairn-serial-XXXXXX").string();
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~temp_dir()
    {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

// Points `link` at `target`, replacing any previous link atomically (as udev does).
void point_symlink(const fs::path& link, const std::string& target)
{
    const fs::path tmp = link.string() + ".new";
    fs::remove(tmp);
    fs::create_symlink(target, tmp);
    fs::rename(tmp, link);
}

template <class Pred>
bool run_until(net::io_context& io, Pred done, std::chrono::milliseconds limit)
{
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        io.restart();
        if (io.run_for(5ms) == 0)
            ::usleep(2000); // nothing queued: do not spin
    }
    return true;
}

// Reads from `port` for `window`, returning everything that arrived.
std::string read_for(net::io_context& io, gnss::serial_port& port, std::chrono::milliseconds window)
{
    std::string got;
    std::array<char, 256> buf{};
    std::function<void()> start_read = [&] {
        port.stream().async_read_some(net::buffer(buf),
                                      [&](boost::system::error_code ec, std::size_t n) {
                                          if (ec)
                                              return;
                                          got.append(buf.data(), n);
                                          start_read();
                                      });
    };
    start_read();
    io.restart();
    io.run_for(window);
    port.stream().cancel();
    io.restart();
    io.poll(); // deliver the aborted read before `buf` goes away
    return got;
}

config::serial_settings defaults()
{
    return {};
}

} // namespace

TEST_CASE("termios_speed covers every rate the config accepts, and refuses others")
{
    CHECK(gnss::termios_speed(9600) == B9600);
    CHECK(gnss::termios_speed(115200) == B115200);
    CHECK(gnss::termios_speed(921600) == B921600);
    CHECK(gnss::termios_speed(4000000) == B4000000);
    CHECK_FALSE(gnss::termios_speed(0).has_value());
    CHECK_FALSE(gnss::termios_speed(12345).has_value());
    CHECK_FALSE(gnss::termios_speed(4000001).has_value());
    for (unsigned baud : config::standard_baud_rates)
        CHECK_MESSAGE(gnss::termios_speed(baud).has_value(), baud);
}

TEST_CASE("open_error_message tells a person what to do")
{
    const std::string p = "/dev/ttyACM0";
    CHECK(gnss::open_error_message(p, EACCES).find("dialout") != std::string::npos);
    CHECK(gnss::open_error_message(p, EPERM).find("dialout") != std::string::npos);
    CHECK(gnss::open_error_message(p, ENOENT).find("no such device") != std::string::npos);
    CHECK(gnss::open_error_message(p, EBUSY).find("busy") != std::string::npos);
    CHECK(gnss::open_error_message(p, ENOTTY).find("not a serial device") != std::string::npos);
    for (int err : {EACCES, ENOENT, EBUSY, ENXIO, EIO, ENOTTY, EINVAL})
        CHECK(gnss::open_error_message(p, err).rfind(p + ": ", 0) == 0);
}

TEST_CASE("serial_port: bytes written on the master are read through the slave")
{
    pty_pair pty;
    net::io_context io;
    auto port = gnss::serial_port::open(io.get_executor(), pty.slave_path(), defaults());
    REQUIRE_MESSAGE(port.has_value(), port.error());
    CHECK(port->is_open());
    CHECK(port->resolved_path() == pty.slave_path());
    pty.send("$GNGGA,hello\r\n");
    CHECK(read_for(io, *port, 200ms) == "$GNGGA,hello\r\n");

    // And the other way: commands reach the receiver unchanged (no CR/LF translation).
    const std::string cmd = "\xb5\x62\x06\x8a\n\r";
    net::async_write(port->stream(), net::buffer(cmd),
                     [](boost::system::error_code, std::size_t) {});
    io.restart();
    io.run_for(100ms);
    CHECK(pty.receive(cmd.size(), 500ms) == cmd);
}

TEST_CASE("serial_port: settings are applied in raw mode")
{
    pty_pair pty;
    net::io_context io;
    config::serial_settings s;
    s.baud = 921600;
    auto port = gnss::serial_port::open(io.get_executor(), pty.slave_path(), s);
    REQUIRE_MESSAGE(port.has_value(), port.error());
    termios t{};
    REQUIRE(::tcgetattr(port->stream().native_handle(), &t) == 0);
    CHECK(::cfgetispeed(&t) == B921600);
    CHECK(::cfgetospeed(&t) == B921600);
    CHECK((t.c_lflag & (ICANON | ECHO | ISIG | IEXTEN)) == 0);
    CHECK((t.c_oflag & OPOST) == 0);
    CHECK((t.c_iflag & (ICRNL | IXON | ISTRIP)) == 0);
    CHECK((t.c_cflag & CSIZE) == CS8);
    CHECK((t.c_cflag & (CLOCAL | CREAD)) == (CLOCAL | CREAD));
    CHECK((t.c_cflag & (PARENB | CSTOPB | CRTSCTS)) == 0);
    CHECK(t.c_cc[VMIN] == 1); // 0 would make an empty non-blocking read look like EOF
    CHECK(t.c_cc[VTIME] == 0);
    const int flags = ::fcntl(port->stream().native_handle(), F_GETFD);
    CHECK((flags & FD_CLOEXEC) != 0);
    CHECK((::fcntl(port->stream().native_handle(), F_GETFL) & O_NONBLOCK) != 0);
    int exclusive = 0; // others (gpsd, ModemManager) cannot open it while we hold it
    REQUIRE(::ioctl(port->stream().native_handle(), TIOCGEXCL, &exclusive) == 0);
    CHECK(exclusive == 1);
}

TEST_CASE("configure_tty: framing, flow control and refused values")
{
    pty_pair pty;
    const int fd = ::open(pty.slave_path().c_str(), gnss::serial_port::open_flags);
    REQUIRE(fd >= 0);
    config::serial_settings s;
    s.baud = 9600;
    s.par = config::parity::odd;
    s.stop_bits = 2;
    s.flow = config::flow_control::xonxoff;
    REQUIRE(gnss::configure_tty(fd, s).has_value());
    termios t{};
    REQUIRE(::tcgetattr(fd, &t) == 0);
    CHECK(::cfgetospeed(&t) == B9600);
    CHECK((t.c_iflag & (IXON | IXOFF)) == (IXON | IXOFF));
    CHECK((t.c_iflag & INPCK) != 0);

    s = {};
    s.baud = 12345;
    auto bad = gnss::configure_tty(fd, s);
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().find("12345") != std::string::npos);
    s = {};
    s.data_bits = 9;
    bad = gnss::configure_tty(fd, s);
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().find("data bits") != std::string::npos);
    s = {};
    s.stop_bits = 3;
    bad = gnss::configure_tty(fd, s);
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().find("stop bits") != std::string::npos);
    ::close(fd);
}

TEST_CASE("serial_port: an idle port waits for data instead of reporting end of file")
{
    pty_pair pty;
    net::io_context io;
    auto port = gnss::serial_port::open(io.get_executor(), pty.slave_path(), defaults());
    REQUIRE_MESSAGE(port.has_value(), port.error());
    std::array<char, 16> buf{};
    bool done = false;
    boost::system::error_code result;
    port->stream().async_read_some(net::buffer(buf),
                                   [&](boost::system::error_code ec, std::size_t) {
                                       done = true;
                                       result = ec;
                                   });
    io.run_for(100ms);
    CHECK_FALSE(done);
    pty.send("x");
    io.restart();
    io.run_for(100ms);
    CHECK(done);
    CHECK_FALSE(result);
    CHECK(buf[0] == 'x');
}

TEST_CASE("serial_port: input buffered before the open is dropped")
{
    pty_pair pty;
    // Control: without the flush, a plain open does see the old bytes.
    pty.send("old");
    ::usleep(20000); // let the pty move them into the slave's input queue
    const int raw = ::open(pty.slave_path().c_str(), gnss::serial_port::open_flags);
    REQUIRE(raw >= 0);
    char old[8] = {};
    CHECK(::read(raw, old, sizeof old) == 3);
    ::close(raw);

    pty.send("stale bytes from before we opened");
    ::usleep(20000);
    net::io_context io;
    auto port = gnss::serial_port::open(io.get_executor(), pty.slave_path(), defaults());
    REQUIRE_MESSAGE(port.has_value(), port.error());
    pty.send("fresh");
    CHECK(read_for(io, *port, 200ms) == "fresh");
}

TEST_CASE("serial_port: refuses what is not a serial device, with a clear message")
{
    temp_dir dir;
    net::io_context io;
    const auto ex = io.get_executor();

    auto missing = gnss::serial_port::open(ex, (dir.path / "ttyNONE").string(), defaults());
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().find("no such device") != std::string::npos);
    CHECK(missing.error().find("ttyNONE") != std::string::npos);

    const auto dangling = dir.path / "gnss-f9p";
    fs::create_symlink(dir.path / "gone", dangling);
    auto dangle = gnss::serial_port::open(ex, dangling.string(), defaults());
    REQUIRE_FALSE(dangle.has_value());
    CHECK(dangle.error().find("no such device") != std::string::npos);

    const auto file = dir.path / "capture.bin";
    std::ofstream{file} << "not a port";
    auto regular = gnss::serial_port::open(ex, file.string(), defaults());
    REQUIRE_FALSE(regular.has_value());
    CHECK(regular.error().find("not a serial device") != std::string::npos);
    CHECK(regular.error().find("regular file") != std::string::npos);

    auto directory = gnss::serial_port::open(ex, dir.path.string(), defaults());
    REQUIRE_FALSE(directory.has_value());
    CHECK(directory.error().find("directory") != std::string::npos);

    // A character device that is not a terminal.
    auto null = gnss::serial_port::open(ex, "/dev/null", defaults());
    REQUIRE_FALSE(null.has_value());
    CHECK(null.error().find("not a serial device") != std::string::npos);
}

TEST_CASE("serial_port: a udev-style symlink is followed and reported resolved")
{
    pty_pair pty;
    temp_dir dir;
    const auto link = dir.path / "gnss-f9p";
    point_symlink(link, pty.slave_path());
    net::io_context io;
    auto port = gnss::serial_port::open(io.get_executor(), link.string(), defaults());
    REQUIRE_MESSAGE(port.has_value(), port.error());
    CHECK(port->path() == link.string());
    CHECK(port->resolved_path() == pty.slave_path());
    CHECK(gnss::port_list::resolve_device(link.string()) == pty.slave_path());
    auto gone = gnss::port_list::resolve_device((dir.path / "nothing").string());
    REQUIRE_FALSE(gone.has_value());
    CHECK(gone.error().find("no such device") != std::string::npos);
}

TEST_CASE("port_list: describe names u-blox receivers and common bridges")
{
    CHECK(gnss::describe(0x1546, 0x01a9) == "u-blox ZED-F9P");
    CHECK(gnss::describe(0x1546, 0x01a8) == "u-blox 8 receiver");
    CHECK(gnss::describe(0x1546, 0x5678) == "u-blox receiver");
    CHECK(gnss::describe(0x0403, 0x6001) == "FTDI FT232R USB-UART");
    CHECK(gnss::describe(0x10c4, 0xea60) == "Silicon Labs CP210x USB-UART");
    CHECK(gnss::describe(0xabcd, 0x0001) == "USB device abcd:0001");
    CHECK(std::string(gnss::to_string(gnss::port_transport::usb)) == "usb");
    CHECK(std::string(gnss::to_string(gnss::port_transport::native)) == "native");
    CHECK(std::string(gnss::to_string(gnss::port_transport::bluetooth)) == "bluetooth");
}

TEST_CASE("port_list: find_ublox prefers a ZED-F9P, then any u-blox, never others")
{
    auto usb = [](std::string path, std::uint16_t vid, std::uint16_t pid) {
        gnss::port_info p;
        p.path = std::move(path);
        p.transport = gnss::port_transport::usb;
        p.usb_vid = vid;
        p.usb_pid = pid;
        return p;
    };
    gnss::port_info native;
    native.path = "/dev/ttyS0";
    native.transport = gnss::port_transport::native;

    const std::vector<gnss::port_info> mixed{native, usb("/dev/ttyACM0", 0x1546, 0x01a8),
                                             usb("/dev/ttyUSB0", 0x0403, 0x6001),
                                             usb("/dev/ttyACM1", 0x1546, 0x01a9)};
    auto pick = gnss::port_list::find_ublox(mixed);
    REQUIRE(pick.has_value());
    CHECK(pick->path == "/dev/ttyACM1");

    const std::vector<gnss::port_info> no_f9p{native, usb("/dev/ttyUSB0", 0x0403, 0x6001),
                                              usb("/dev/ttyACM0", 0x1546, 0x01a8)};
    pick = gnss::port_list::find_ublox(no_f9p);
    REQUIRE(pick.has_value());
    CHECK(pick->path == "/dev/ttyACM0");

    const std::vector<gnss::port_info> none{native, usb("/dev/ttyUSB0", 0x0403, 0x6001)};
    CHECK_FALSE(gnss::port_list::find_ublox(none).has_value());
    CHECK_FALSE(gnss::port_list::find_ublox({}).has_value());
}

TEST_CASE("port_list: enumerate works here and returns sorted, named ports")
{
    auto ports = gnss::port_list::enumerate();
    REQUIRE_MESSAGE(ports.has_value(), ports.error());
    CHECK(std::is_sorted(ports->begin(), ports->end(),
                         [](const auto& a, const auto& b) { return a.path < b.path; }));
    for (const auto& p : *ports) {
        CHECK(p.path.rfind("/dev/", 0) == 0);
        CHECK(p.usb_vid.has_value() == p.usb_pid.has_value());
        if (p.transport != gnss::port_transport::usb)
            CHECK_FALSE(p.usb_vid.has_value());
    }
}

namespace {

// A receiver_link wired to a fake pty receiver behind a symlink, with fast backoff.
struct link_fixture
{
    temp_dir dir;
    fs::path device = dir.path / "ttyF9P";
    net::io_context io;
    std::string received;
    std::vector<std::pair<int, std::string>> logs;
    gnss::receiver_link link;

    explicit link_fixture(std::chrono::milliseconds stale_after = 5s)
        : link(
              io, device.string(), config::serial_settings{}, stale_after,
              [this](gnss::byte_view b) { received.append(gnss::as_chars(b)); },
              [this](int level, std::string msg) { logs.emplace_back(level, std::move(msg)); },
              gnss::backoff_policy{20ms, 100ms})
    {
    }
    gnss::link_status state() const { return link.status().state; }
    bool wait_for(gnss::link_status s, std::chrono::milliseconds limit = 3s)
    {
        return run_until(
            io, [&] { return state() == s; }, limit);
    }
    bool wait_for_bytes(std::size_t n, std::chrono::milliseconds limit = 2s)
    {
        return run_until(
            io, [&] { return received.size() >= n; }, limit);
    }
    std::size_t count_logs_at_most(int level) const
    {
        return static_cast<std::size_t>(std::count_if(
            logs.begin(), logs.end(), [&](const auto& l) { return l.first <= level; }));
    }
};

} // namespace

TEST_CASE("receiver_link: bytes flow, survive unplugging, and flow again")
{
    link_fixture f;
    auto pty = std::make_unique<pty_pair>();
    point_symlink(f.device, pty->slave_path());
    f.link.start();
    REQUIRE(f.wait_for(gnss::link_status::connected));
    CHECK(f.link.status().resolved_device == pty->slave_path());
    pty->send("first");
    REQUIRE(f.wait_for_bytes(5));
    CHECK(f.received == "first");

    // Unplug: the master closes and its /dev/pts node disappears.
    const auto logs_before = f.logs.size();
    pty->close_master();
    REQUIRE(f.wait_for(gnss::link_status::disconnected));
    f.io.restart();
    f.io.run_for(300ms); // several retries against a missing device
    auto st = f.link.status();
    CHECK(st.state == gnss::link_status::disconnected);
    CHECK(st.last_error.find("no such device") != std::string::npos);
    // One warning for losing the link, not one per retry.
    std::size_t warnings = 0;
    std::size_t debug = 0;
    for (auto i = logs_before; i < f.logs.size(); ++i) {
        warnings += f.logs[i].first <= 4;
        debug += f.logs[i].first == 7;
    }
    CHECK(warnings == 1);
    CHECK(debug >= 1);

    // Plug back in: a new pty behind the same name.
    pty = std::make_unique<pty_pair>();
    point_symlink(f.device, pty->slave_path());
    REQUIRE(f.wait_for(gnss::link_status::connected));
    pty->send("second");
    REQUIRE(f.wait_for_bytes(11));
    CHECK(f.received == "firstsecond");
    st = f.link.status();
    CHECK(st.reconnects == 1);
    CHECK(st.bytes_in == 11);
    CHECK(st.device == f.device.string());
    f.link.stop();
    CHECK(f.state() == gnss::link_status::disconnected);
}

TEST_CASE("receiver_link: a missing device at start is retried until it appears")
{
    link_fixture f;
    f.link.start();
    CHECK(f.state() == gnss::link_status::disconnected);
    CHECK(f.link.status().last_error.find("no such device") != std::string::npos);
    f.io.restart();
    f.io.run_for(200ms);
    CHECK(f.count_logs_at_most(4) == 1); // the first failure only
    pty_pair pty;
    point_symlink(f.device, pty.slave_path());
    REQUIRE(f.wait_for(gnss::link_status::connected));
    CHECK(f.link.status().reconnects == 0); // the first successful open is no reconnect
}

TEST_CASE("receiver_link: commands reach the receiver; writes are refused when they cannot go")
{
    link_fixture f;
    CHECK_FALSE(f.link.write(gnss::as_bytes("early"))); // not started
    pty_pair pty;
    point_symlink(f.device, pty.slave_path());
    f.link.start();
    REQUIRE(f.wait_for(gnss::link_status::connected));
    CHECK(f.link.write(gnss::as_bytes("\xb5\x62"
                                      "cfg-")));
    CHECK(f.link.write(gnss::as_bytes("valset")));
    f.io.restart();
    f.io.run_for(50ms);
    CHECK(pty.receive(12, 1s) == "\xb5\x62"
                                 "cfg-valset");

    const std::vector<std::uint8_t> too_big(gnss::receiver_link::max_write_queue_bytes + 1, 0x55);
    CHECK_FALSE(f.link.write(too_big));
    f.link.stop();
    CHECK_FALSE(f.link.write(gnss::as_bytes("late")));
}

TEST_CASE("receiver_link: stale without valid frames, connected again on note_frame")
{
    link_fixture f{300ms};
    pty_pair pty;
    point_symlink(f.device, pty.slave_path());
    f.link.start();
    REQUIRE(f.wait_for(gnss::link_status::connected));
    CHECK_FALSE(f.link.status().last_frame_age.has_value());
    // Bytes alone do not count: only the owner's framer can vouch for a frame.
    pty.send("garbage at the wrong baud");
    REQUIRE(f.wait_for(gnss::link_status::stale, 2500ms));
    CHECK(f.logs.back().first == 4);
    f.link.note_frame();
    CHECK(f.state() == gnss::link_status::connected);
    const auto age = f.link.status().last_frame_age;
    REQUIRE(age.has_value());
    CHECK(*age < 100ms);
}

TEST_CASE("receiver_link: the device path going away while open counts as unplugged")
{
    link_fixture f;
    pty_pair pty;
    point_symlink(f.device, pty.slave_path());
    f.link.start();
    REQUIRE(f.wait_for(gnss::link_status::connected));
    fs::remove(f.device); // the pty itself stays open: only the tick can notice
    REQUIRE(f.wait_for(gnss::link_status::disconnected, 2500ms));
    CHECK(f.link.status().last_error.find("went away") != std::string::npos);
    point_symlink(f.device, pty.slave_path());
    REQUIRE(f.wait_for(gnss::link_status::connected));
    pty.send("back");
    REQUIRE(f.wait_for_bytes(4));
    CHECK(f.received == "back");
    CHECK(f.link.status().reconnects == 1);
}

TEST_CASE("receiver_link: no callback runs after the link is destroyed")
{
    pty_pair pty;
    temp_dir dir;
    const auto device = dir.path / "ttyF9P";
    point_symlink(device, pty.slave_path());
    net::io_context io;
    int calls = 0;
    {
        gnss::receiver_link link(
            io, device.string(), {}, 5s, [&](gnss::byte_view) { ++calls; },
            [&](int, std::string) { ++calls; }, gnss::backoff_policy{20ms, 100ms});
        link.start(); // logs "connected" and queues a read
        CHECK(calls == 1);
    }
    pty.send("after");
    io.run_for(100ms); // the aborted read and timers complete into the detached link
    CHECK(calls == 1);
}
