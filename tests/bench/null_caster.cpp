// SPDX-License-Identifier: GPL-3.0-or-later
// `ntrip_fanout --null-caster`: the cheapest possible fan-out (no auth, no queues: each read
// from the pty goes to every rover with one non-blocking send), run under the same load
// generator to show the harness's own floor (pty, loopback, generator) next to real casters.
#include "null_caster.hpp"

#include "gnss/net.hpp"

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>
#include <vector>

namespace bench {
namespace {

using tcp = net::ip::tcp;

constexpr std::size_t max_request = 4096;
constexpr std::size_t read_chunk = 64 * 1024;
constexpr std::size_t max_rovers = 10'000;

struct rover
{
    tcp::socket socket;
    bool v2 = false;
};

class null_caster
{
public:
    null_caster(net::io_context& ioc, unsigned short port, const std::string& device)
        : ioc_(ioc), acceptor_(ioc, {net::ip::make_address("127.0.0.1"), port}), device_(ioc)
    {
        const int fd = ::open(device.c_str(), O_RDONLY | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
            throw std::runtime_error(fmt::format("{}: {}", device, std::strerror(errno)));
        termios t{};
        if (::tcgetattr(fd, &t) == 0) {
            ::cfmakeraw(&t);
            ::tcsetattr(fd, TCSANOW, &t);
        }
        device_.assign(fd);
        buffer_.resize(read_chunk);
        accept();
        read_device();
    }

private:
    void accept()
    {
        acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket s) {
            if (!ec && rovers_.size() < max_rovers)
                read_request(std::make_shared<rover>(rover{std::move(s)}),
                             std::make_shared<std::string>());
            accept();
        });
    }

    void read_request(std::shared_ptr<rover> r, std::shared_ptr<std::string> head)
    {
        auto buf = std::make_shared<std::array<char, 1024>>();
        r->socket.async_read_some(net::buffer(*buf), [this, r, head,
                                                      buf](boost::system::error_code ec,
                                                           std::size_t n) {
            if (ec)
                return;
            head->append(buf->data(), n);
            if (head->find("\r\n\r\n") == std::string::npos) {
                if (head->size() < max_request)
                    read_request(r, head);
                return;
            }
            r->v2 = head->find("Ntrip-Version: Ntrip/2.0") != std::string::npos;
            const std::string reply =
                r->v2 ? "HTTP/1.1 200 OK\r\nNtrip-Version: Ntrip/2.0\r\nContent-Type: gnss/data\r\n"
                        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                      : "ICY 200 OK\r\n";
            boost::system::error_code wec;
            net::write(r->socket, net::buffer(reply), wec);
            if (wec)
                return;
            r->socket.non_blocking(true, wec);
            rovers_.push_back(std::move(r));
        });
    }

    void read_device()
    {
        device_.async_read_some(net::buffer(buffer_), [this](boost::system::error_code ec,
                                                             std::size_t n) {
            if (ec)
                return ioc_.stop();
            const std::string chunk_head = fmt::format("{:x}\r\n", n);
            std::size_t kept = 0;
            for (auto& r : rovers_) {
                bool ok = true;
                if (r->v2) {
                    const std::array<net::const_buffer, 3> parts{net::buffer(chunk_head),
                                                                 net::buffer(buffer_.data(), n),
                                                                 net::buffer("\r\n", 2)};
                    ok = send_all(*r, parts, chunk_head.size() + n + 2);
                } else {
                    const std::array<net::const_buffer, 1> parts{net::buffer(buffer_.data(), n)};
                    ok = send_all(*r, parts, n);
                }
                if (ok)
                    rovers_[kept++] = std::move(r);
            }
            rovers_.resize(kept);
            read_device();
        });
    }

    // One non-blocking send; a rover that cannot take a whole read at once is dropped.
    template <std::size_t N>
    static bool send_all(rover& r, const std::array<net::const_buffer, N>& parts, std::size_t total)
    {
        boost::system::error_code ec;
        const std::size_t sent = r.socket.send(parts, 0, ec);
        return !ec && sent == total;
    }

    net::io_context& ioc_;
    tcp::acceptor acceptor_;
    net::posix::stream_descriptor device_;
    std::vector<char> buffer_;
    std::vector<std::shared_ptr<rover>> rovers_;
};

} // namespace

int run_null_caster(unsigned short port, const std::string& device, double duration_s)
{
    net::io_context ioc{1};
    null_caster caster(ioc, port, device);
    net::steady_timer stop(ioc, std::chrono::milliseconds(static_cast<long>(duration_s * 1000)));
    stop.async_wait([&ioc](boost::system::error_code) { ioc.stop(); });
    ioc.run();
    return 0;
}

} // namespace bench
