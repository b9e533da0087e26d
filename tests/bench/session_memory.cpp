// SPDX-License-Identifier: GPL-3.0-or-later
// session_memory: the heap a streaming rover costs the caster, plain and TLS, held to
// named limits so it cannot grow unnoticed. The rovers run in a forked child (blocking
// sockets, OpenSSL client), so the caster's process counts only the server side.
#include "auth/token.hpp"
#include "ntrip/caster.hpp"
#include "ntrip/session.hpp"
#include "ntrip/tls.hpp"

#include <fmt/format.h>
#include <openssl/err.h>

#include <arpa/inet.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <malloc.h>
#include <netinet/in.h>
#include <optional>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

// Heap per streaming rover, caster side (session, socket state, pending read, registry
// entries, queue, OpenSSL connection). The RSS targets are 2 KiB (plain) and
// 40 KiB (TLS) per rover; these leave room for the allocator's own overhead.
constexpr std::size_t max_plain_rover_heap_bytes = 1536;
constexpr std::size_t max_tls_rover_heap_bytes = 32 * 1024;
// Rovers connected before measuring (allocator pools and registries warm up), then the
// measured ones.
constexpr int warm_rovers = 20;
constexpr int measured_rovers = 200;
constexpr const char* token_id = "memtest01";
// Under AddressSanitizer malloc is ASan's: mallinfo2 says nothing, so the sessions are
// exercised but the limits cannot be checked (the test then exits 77).
#if defined(__SANITIZE_ADDRESS__)
constexpr bool heap_measurable = false;
#else
constexpr bool heap_measurable = true;
#endif
constexpr const char* token_password = "memory-test-password-0123";

std::size_t heap_in_use()
{
    const auto m = mallinfo2();
    return m.uordblks + m.hblkhd;
}

[[noreturn]] void die(const std::string& what)
{
    std::fprintf(stderr, "session_memory: %s\n", what.c_str());
    std::exit(1);
}

// ---- the child: rovers on blocking sockets ----------------------------------------------

struct rover
{
    int fd = -1;
    SSL* ssl = nullptr;
};

bool send_all(rover& r, const std::string& s)
{
    if (r.ssl)
        return SSL_write(r.ssl, s.data(), static_cast<int>(s.size())) == static_cast<int>(s.size());
    return ::send(r.fd, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size());
}

// Reads exactly n bytes (or up to the end of a reply head when n is 0).
bool read_exact(rover& r, std::size_t n, std::string* head = nullptr)
{
    std::string got;
    char c[4096];
    while (head ? got.find("\r\n") == std::string::npos : got.size() < n) {
        std::size_t want = head ? 1 : std::min(sizeof c, n - got.size());
        int k = r.ssl ? SSL_read(r.ssl, c, static_cast<int>(want))
                      : static_cast<int>(::recv(r.fd, c, want, 0));
        if (k <= 0)
            return false;
        got.append(c, static_cast<std::size_t>(k));
    }
    if (head)
        *head = got;
    return true;
}

// Commands on `in`: "connect PORT TLS COUNT", "read BYTES", "quit". Answers "ok" or "fail".
int child_main(int in, int out)
{
    SSL_CTX* client = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(client, SSL_VERIFY_NONE, nullptr);
    std::vector<rover> rovers;
    FILE* cmd = fdopen(in, "r");
    char line[128];
    const std::string request = fmt::format(
        "GET /BENCH HTTP/1.0\r\nUser-Agent: NTRIP memtest\r\nAuthorization: Basic {}\r\n\r\n",
        "bWVtdGVzdDAxOm1lbW9yeS10ZXN0LXBhc3N3b3JkLTAxMjM=");
    while (std::fgets(line, sizeof line, cmd)) {
        unsigned port = 0, tls = 0, count = 0, bytes = 0;
        bool ok = true;
        if (std::sscanf(line, "connect %u %u %u", &port, &tls, &count) == 3) {
            for (unsigned i = 0; i < count && ok; ++i) {
                rover r;
                r.fd = ::socket(AF_INET, SOCK_STREAM, 0);
                sockaddr_in a{};
                a.sin_family = AF_INET;
                a.sin_port = htons(static_cast<std::uint16_t>(port));
                a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                ok = ::connect(r.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
                if (ok && tls) {
                    r.ssl = SSL_new(client);
                    SSL_set_fd(r.ssl, r.fd);
                    ok = SSL_connect(r.ssl) == 1;
                }
                std::string head;
                ok = ok && send_all(r, request) && read_exact(r, 0, &head) &&
                     head.rfind("ICY 200 OK", 0) == 0;
                rovers.push_back(r);
            }
        } else if (std::sscanf(line, "read %u", &bytes) == 1) {
            for (auto& r : rovers)
                ok = ok && read_exact(r, bytes);
        } else {
            break;
        }
        const char* answer = ok ? "ok\n" : "fail\n";
        if (::write(out, answer, std::strlen(answer)) < 0)
            return 1;
    }
    return 0;
}

// ---- the parent: the caster -----------------------------------------------------------

struct harness
{
    net::io_context io;
    std::optional<auth::pepper> pepper;
    auth::rate_limiter limiter{[] {
        auth::limits l;
        l.connections_per_second = 1e6;
        l.connection_burst = 100000;
        return l;
    }()};
    auth::token token;
    std::optional<net::ssl::context> tls;
    std::unique_ptr<ntrip::caster> caster;
    int to_child = -1, from_child = -1;
    std::uint8_t frame_seq = 0;

    // Sends a command to the rovers and serves them until they answer.
    void ask(const std::string& command)
    {
        const std::string c = command + "\n";
        if (::write(to_child, c.data(), c.size()) != static_cast<ssize_t>(c.size()))
            die("cannot talk to the rovers");
        std::string answer;
        while (answer.find('\n') == std::string::npos) {
            io.run_for(std::chrono::milliseconds(5));
            io.restart();
            pollfd p{from_child, POLLIN, 0};
            if (::poll(&p, 1, 0) == 1) {
                char b[16];
                ssize_t n = ::read(from_child, b, sizeof b);
                if (n <= 0)
                    die("the rovers died");
                answer.append(b, static_cast<std::size_t>(n));
            }
        }
        if (answer != "ok\n")
            die("rovers failed at: " + command);
    }

    // A 100-byte RTCM3-shaped frame (the caster forwards it whole; CRC is not checked).
    void publish_and_read()
    {
        std::vector<std::uint8_t> f(100, frame_seq++);
        f[0] = 0xD3;
        f[1] = 0;
        f[2] = 94;
        caster->publish_receiver_frame(f);
        ask(fmt::format("read {}", f.size()));
        io.run_for(std::chrono::milliseconds(20));
        io.restart();
    }

    std::size_t per_rover(unsigned short port, bool tls_on)
    {
        ask(fmt::format("connect {} {} {}", port, tls_on ? 1 : 0, warm_rovers));
        publish_and_read();
        const std::size_t before = heap_in_use();
        ask(fmt::format("connect {} {} {}", port, tls_on ? 1 : 0, measured_rovers));
        publish_and_read();
        publish_and_read();
        const std::size_t after = heap_in_use();
        return after > before ? (after - before) / measured_rovers : 0;
    }
};

} // namespace

int main()
{
    int down[2], up[2];
    if (::pipe(down) != 0 || ::pipe(up) != 0)
        die("pipe");
    const pid_t child = ::fork();
    if (child < 0)
        die("fork");
    if (child == 0) {
        ::close(down[1]);
        ::close(up[0]);
        std::_Exit(child_main(down[0], up[1]));
    }
    ::close(down[0]);
    ::close(up[1]);

    harness h;
    h.to_child = down[1];
    h.from_child = up[0];
    std::vector<std::uint8_t> pepper_bytes(auth::pepper_bytes, 7);
    h.pepper = auth::pepper::from_bytes(pepper_bytes);
    h.token.id = token_id;
    h.token.scopes.push_back(*auth::parse_scope("BENCH:read"));
    h.token.max_sessions = 1000;
    h.token.secret_mac = auth::secret_mac(*h.pepper, token_password);

    char state_dir[] = "/tmp/cairn-memtest-XXXXXX";
    if (!::mkdtemp(state_dir))
        die("mkdtemp");
    ntrip::tls_options to;
    to.state_dir = state_dir;
    to.now = std::chrono::system_clock::now();
    auto ctx = ntrip::make_server_context(to);
    if (!ctx)
        die("TLS context: " + ctx.error());
    h.tls.emplace(ctx->new_reference());

    ntrip::caster_services svc;
    svc.find_token = [&h](std::string_view id) -> const auth::token* {
        return id == h.token.id ? &h.token : nullptr;
    };
    svc.publishers = [](std::string_view) { return std::vector<const auth::token*>{}; };
    svc.pepper = &*h.pepper;
    svc.limiter = &h.limiter;
    svc.audit = [](auth::audit_event) { return true; };
    h.caster =
        std::make_unique<ntrip::caster>(h.io, ntrip::caster_options{}, std::move(svc), &*h.tls);
    h.caster->add_mountpoint("BENCH", ntrip::mountpoint::feed::receiver, false, {});
    h.caster->listen({"127.0.0.1", 0, false, true});
    h.caster->listen({"127.0.0.1", 0, true, true});
    const auto listeners = h.caster->status()["listeners"];
    const auto plain_port = listeners[0]["port"].get<unsigned short>();
    const auto tls_port = listeners[1]["port"].get<unsigned short>();

    const std::size_t plain = h.per_rover(plain_port, false);
    const std::size_t tls = h.per_rover(tls_port, true);
    std::printf("session_memory: caster heap per streaming rover: plain %zu B (limit %zu), "
                "TLS %zu B (limit %zu)\n",
                plain, max_plain_rover_heap_bytes, tls, max_tls_rover_heap_bytes);
    (void)!::write(h.to_child, "quit\n", 5);
    h.caster->stop();
    h.io.restart();
    h.io.poll();
    ::waitpid(child, nullptr, 0);
    std::error_code ignored;
    std::filesystem::remove_all(state_dir, ignored);
    if (!heap_measurable || plain == 0 || tls == 0) {
        std::fprintf(stderr, "session_memory: SKIP: heap use cannot be measured in this build\n");
        return 77;
    }
    bool ok = plain <= max_plain_rover_heap_bytes && tls <= max_tls_rover_heap_bytes;
    if (!ok)
        std::fprintf(stderr, "session_memory: FAILED: over the limit\n");
    return ok ? 0 : 1;
}
