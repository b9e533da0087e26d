// SPDX-License-Identifier: GPL-3.0-or-later
// cairnctl's control-socket client: connect, send one request line, read one reply line.
#include "daemon/ctl_call.hpp"

#include "daemon/control_protocol.hpp"
#include "daemon/ctl.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace ctl {

tl::expected<nlohmann::json, call_error> call(const std::string& state_dir, std::string_view cmd,
                                              nlohmann::json params,
                                              std::chrono::milliseconds timeout)
{
    std::string path = socket_path(state_dir);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path)
        return tl::unexpected(call_error{false, "socket path too long: " + path});
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return tl::unexpected(call_error{false, std::string("socket: ") + std::strerror(errno)});
    struct closer
    {
        int fd;
        ~closer() { ::close(fd); }
    } guard{fd};
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
        int e = errno;
        if (e == ENOENT || e == ECONNREFUSED)
            return tl::unexpected(call_error{
                true, fmt::format("cairnd is not running with state directory {} (no socket at {})",
                                  state_dir, path)});
        if (e == EACCES)
            return tl::unexpected(call_error{
                false,
                fmt::format("permission denied on {}: run as the cairn user or root", path)});
        return tl::unexpected(
            call_error{false, fmt::format("cannot connect to {}: {}", path, std::strerror(e))});
    }
    std::string req = control::make_request(cmd, std::move(params));
    if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size()))
        return tl::unexpected(
            call_error{false, std::string("cannot send to cairnd: ") + std::strerror(errno)});
    std::string reply;
    char buf[16384];
    // One deadline for the whole reply: a peer dribbling bytes cannot stretch it.
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pollfd p{fd, POLLIN, 0};
        int r = left.count() > 0 ? ::poll(&p, 1, static_cast<int>(left.count())) : 0;
        if (r == 0)
            return tl::unexpected(call_error{
                false, fmt::format("cairnd did not answer within {} s", timeout.count() / 1000)});
        if (r < 0 && errno == EINTR)
            continue;
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return tl::unexpected(call_error{false, std::string("cairnd closed the connection")});
        reply.append(buf, static_cast<std::size_t>(n));
        if (auto nl = reply.find('\n'); nl != std::string::npos) {
            reply.resize(nl);
            break;
        }
        if (reply.size() > max_reply)
            return tl::unexpected(call_error{false, std::string("reply too large")});
    }
    auto r = control::parse_reply(reply);
    if (!r)
        return tl::unexpected(call_error{false, r.error()});
    return *r;
}

} // namespace ctl
