// SPDX-License-Identifier: GPL-3.0-or-later
// The fan-out worker pool, alone and inside a real caster: every subscriber gets every
// burst exactly once and in order, over plain and TLS sockets, while a rover that never
// reads is closed as a slow consumer without touching the others.
#include "auth/token.hpp"
#include "ntrip/caster.hpp"
#include "ntrip/fanout_pool.hpp"
#include "ntrip/tls.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <netinet/in.h>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <sys/resource.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using namespace std::chrono_literals;

struct counting_job
{
    std::vector<std::atomic<int>>* hits;
    std::set<std::thread::id>* threads;
    std::mutex* m;
};

void count_range(void* ctx, std::size_t begin, std::size_t end)
{
    auto& j = *static_cast<counting_job*>(ctx);
    for (std::size_t i = begin; i < end; ++i)
        (*j.hits)[i].fetch_add(1);
    std::lock_guard lock(*j.m);
    j.threads->insert(std::this_thread::get_id());
}

} // namespace

TEST_CASE("fanout_pool: every index exactly once, run after run, on more than one thread")
{
    ntrip::fanout_pool pool(2);
    CHECK(pool.threads() == 2);
    std::mutex m;
    std::set<std::thread::id> threads;
    for (std::size_t n : {1u, 31u, 32u, 33u, 1000u, 5000u}) {
        for (int run = 0; run < 200; ++run) {
            std::vector<std::atomic<int>> hits(n);
            counting_job j{&hits, &threads, &m};
            pool.run(n, count_range, &j);
            for (std::size_t i = 0; i < n; ++i)
                REQUIRE(hits[i].load() == 1);
        }
    }
}

TEST_CASE("fanout_pool: the worker takes part")
{
    // Each chunk waits until a second thread has delivered too, so a worker that never
    // wakes fails the test within the bound, on one core as on many (the wait yields).
    struct meeting
    {
        std::mutex m;
        std::set<std::thread::id> threads;
    } meet;
    ntrip::fanout_pool pool(2);
    pool.run(
        64,
        [](void* ctx, std::size_t, std::size_t) {
            auto& mt = *static_cast<meeting*>(ctx);
            const auto until = std::chrono::steady_clock::now() + 5s;
            for (;;) {
                {
                    std::lock_guard lock(mt.m);
                    mt.threads.insert(std::this_thread::get_id());
                    if (mt.threads.size() == 2)
                        return;
                }
                if (std::chrono::steady_clock::now() > until)
                    return;
                std::this_thread::yield();
            }
        },
        &meet);
    CHECK(meet.threads.size() == 2);
}

TEST_CASE("fanout_pool: one thread, limits and errors")
{
    ntrip::fanout_pool single(1);
    CHECK(single.threads() == 1);
    CHECK(ntrip::fanout_pool(0).threads() == 1);
    CHECK(ntrip::fanout_pool(1000).threads() == ntrip::max_fanout_threads);
    std::mutex m;
    std::set<std::thread::id> threads;
    std::vector<std::atomic<int>> hits(100);
    counting_job j{&hits, &threads, &m};
    single.run(100, count_range, &j);
    CHECK(threads == std::set{std::this_thread::get_id()});
    single.run(0, count_range, &j); // nothing to do, nothing called
    CHECK(hits[0].load() == 1);

    ntrip::fanout_pool pool(2);
    std::atomic<int> calls{0};
    struct ctx_t
    {
        std::atomic<int>* calls;
    } c{&calls};
    auto throwing = [](void* ctx, std::size_t begin, std::size_t end) {
        static_cast<ctx_t*>(ctx)->calls->fetch_add(static_cast<int>(end - begin));
        if (begin == 64)
            throw std::runtime_error("chunk 64 failed");
    };
    CHECK_THROWS_WITH(pool.run(1000, throwing, &c), "chunk 64 failed");
    CHECK(calls.load() == 1000); // every other chunk still ran
    calls = 0;
    pool.run(
        500,
        [](void* ctx, std::size_t b, std::size_t e) {
            static_cast<ctx_t*>(ctx)->calls->fetch_add(static_cast<int>(e - b));
        },
        &c);
    CHECK(calls.load() == 500); // and the pool is still usable
}

// ---- the pool inside a caster, with real rovers ----------------------------------------

namespace {

constexpr const char* token_id = "fanout01";
constexpr const char* token_password = "fanout-test-password-0123";
// Enough rovers that the mountpoint fans out on both threads, TLS ones among them.
constexpr int plain_rovers = 360;
constexpr int tls_rovers = 40;
constexpr int bursts = 40;
// 320 KB in all: more than the stuck rover's path holds (the caster's 128 KiB send
// buffer, its own few KiB and the 16 KiB queue bound), so it is closed for certain.
constexpr int frames_per_burst = 8;
constexpr std::size_t frame_bytes = 1000;

struct rover
{
    int fd = -1;
    SSL* ssl = nullptr;
    std::string got;
    bool eof = false;
};

void set_nonblocking_io(int fd)
{
    REQUIRE(::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK) == 0);
}

int connect_to(unsigned short port, int receive_buffer = 0)
{
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    // Before connect, so the window it advertises is small from the start.
    if (receive_buffer > 0)
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    return fd;
}

struct fixture
{
    net::io_context io{1};
    std::optional<auth::pepper> pepper;
    auth::rate_limiter limiter{[] {
        auth::limits l;
        l.connections_per_second = 1e6;
        l.connection_burst = 100000;
        l.max_connections = 100000;
        return l;
    }()};
    auth::token token;
    std::optional<net::ssl::context> tls;
    std::unique_ptr<ntrip::caster> caster;
    std::vector<auth::audit_event> audit;
    SSL_CTX* client = SSL_CTX_new(TLS_client_method());
    std::string state_dir;

    fixture()
    {
        rlimit r{};
        ::getrlimit(RLIMIT_NOFILE, &r);
        r.rlim_cur = r.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &r);
        if (r.rlim_cur < 2 * (plain_rovers + tls_rovers + 1) + 64) {
            std::fprintf(stderr, "SKIP: the descriptor hard limit %llu cannot hold %d rovers\n",
                         static_cast<unsigned long long>(r.rlim_max), plain_rovers + tls_rovers);
            std::exit(77);
        }
        std::vector<std::uint8_t> pepper_bytes(auth::pepper_bytes, 9);
        pepper = auth::pepper::from_bytes(pepper_bytes);
        token.id = token_id;
        token.scopes.push_back(*auth::parse_scope("FAN:read"));
        token.max_sessions = 100000;
        token.secret_mac = auth::secret_mac(*pepper, token_password);
        char dir[] = "/tmp/cairn-fanout-test-XXXXXX";
        REQUIRE(::mkdtemp(dir) != nullptr);
        state_dir = dir;
        ntrip::tls_options to;
        to.state_dir = state_dir;
        to.now = std::chrono::system_clock::now();
        auto ctx = ntrip::make_server_context(to);
        REQUIRE(ctx.has_value());
        tls.emplace(ctx->new_reference());
        SSL_CTX_set_verify(client, SSL_VERIFY_NONE, nullptr);

        ntrip::caster_services svc;
        svc.find_token = [this](std::string_view id) -> const auth::token* {
            return id == token.id ? &token : nullptr;
        };
        svc.publishers = [](std::string_view) { return std::vector<const auth::token*>{}; };
        svc.pepper = &*pepper;
        svc.limiter = &limiter;
        svc.audit = [this](auth::audit_event ev) {
            audit.push_back(std::move(ev));
            return true;
        };
        ntrip::caster_options o;
        o.fanout_threads = 2;
        o.client_queue_bytes = 16 * 1024; // the stuck rover is found within the run
        caster = std::make_unique<ntrip::caster>(io, o, std::move(svc), &*tls);
        caster->add_mountpoint("FAN", ntrip::mountpoint::feed::receiver, false, {});
        caster->listen({"127.0.0.1", 0, false, true});
        caster->listen({"127.0.0.1", 0, true, true});
    }
    ~fixture()
    {
        caster->stop();
        io.restart();
        io.poll();
        SSL_CTX_free(client);
        std::filesystem::remove_all(state_dir);
    }

    unsigned short port(int i)
    {
        return caster->status()["listeners"][i]["port"].get<unsigned short>();
    }
    void pump()
    {
        if (io.poll() == 0)
            io.run_for(1ms);
        io.restart();
    }

    // Reads what is there without blocking (the sockets are non-blocking).
    void read_some(rover& r)
    {
        char buf[16384];
        for (;;) {
            int n = r.ssl ? SSL_read(r.ssl, buf, sizeof buf)
                          : static_cast<int>(::recv(r.fd, buf, sizeof buf, 0));
            if (n > 0) {
                r.got.append(buf, static_cast<std::size_t>(n));
                continue;
            }
            if (n == 0 && !r.ssl)
                r.eof = true;
            if (r.ssl && SSL_get_error(r.ssl, n) == SSL_ERROR_ZERO_RETURN)
                r.eof = true;
            ERR_clear_error();
            return;
        }
    }

    rover open_rover(bool use_tls, int receive_buffer = 0)
    {
        rover r;
        r.fd = connect_to(port(use_tls ? 1 : 0), receive_buffer);
        set_nonblocking_io(r.fd);
        if (use_tls) {
            r.ssl = SSL_new(client);
            SSL_set_fd(r.ssl, r.fd);
            const auto until = std::chrono::steady_clock::now() + 10s;
            int rc = 0;
            while ((rc = SSL_connect(r.ssl)) != 1) {
                const int e = SSL_get_error(r.ssl, rc);
                REQUIRE((e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE));
                REQUIRE(std::chrono::steady_clock::now() < until);
                ERR_clear_error();
                pump();
            }
        }
        const std::string request = std::string(
            "GET /FAN HTTP/1.0\r\nUser-Agent: NTRIP fanouttest\r\n"
            "Authorization: Basic ZmFub3V0MDE6ZmFub3V0LXRlc3QtcGFzc3dvcmQtMDEyMw==\r\n\r\n");
        if (r.ssl)
            REQUIRE(SSL_write(r.ssl, request.data(), static_cast<int>(request.size())) ==
                    static_cast<int>(request.size()));
        else
            REQUIRE(::send(r.fd, request.data(), request.size(), MSG_NOSIGNAL) ==
                    static_cast<ssize_t>(request.size()));
        const auto until = std::chrono::steady_clock::now() + 10s;
        while (r.got.find("\r\n") == std::string::npos) {
            REQUIRE(std::chrono::steady_clock::now() < until);
            pump();
            read_some(r);
        }
        REQUIRE(r.got.rfind("ICY 200 OK\r\n", 0) == 0);
        r.got.erase(0, std::string_view("ICY 200 OK\r\n").size());
        return r;
    }
};

} // namespace

TEST_CASE("caster: a burst fanned out over two threads reaches every rover whole and in order")
{
    fixture f;
    REQUIRE(f.caster->status()["fanout_threads"].get<unsigned>() == 2);
    std::vector<rover> rovers;
    for (int i = 0; i < plain_rovers + tls_rovers; ++i)
        rovers.push_back(f.open_rover(i % ((plain_rovers + tls_rovers) / tls_rovers) == 0));
    // A rover that reads its reply and then nothing: its queue grows past the bound.
    rover stuck = f.open_rover(false, 4096);

    std::string expected;
    for (int b = 0; b < bursts; ++b) {
        for (int k = 0; k < frames_per_burst; ++k) {
            // RTCM3-shaped, message 4095 (never a station frame), a pattern per frame.
            std::vector<std::uint8_t> frame(frame_bytes, static_cast<std::uint8_t>(b * 7 + k));
            frame[0] = 0xD3;
            frame[1] = static_cast<std::uint8_t>((frame_bytes - 6) >> 8);
            frame[2] = static_cast<std::uint8_t>((frame_bytes - 6) & 0xff);
            frame[3] = 0xFF;
            frame[4] = 0xF0;
            f.caster->publish_receiver_frame(frame);
            expected.append(frame.begin(), frame.end());
        }
        f.pump(); // publishes the burst: one fan-out over both threads
        const auto until = std::chrono::steady_clock::now() + 10s;
        for (bool all = false; !all;) {
            REQUIRE(std::chrono::steady_clock::now() < until);
            all = true;
            for (auto& r : rovers) {
                if (r.got.size() < expected.size() && !r.eof)
                    f.read_some(r);
                all = all && (r.got.size() >= expected.size() || r.eof);
            }
            if (!all)
                f.pump(); // partial writes finish on the event loop
        }
    }
    std::size_t whole = 0;
    for (const auto& r : rovers)
        whole += r.got == expected ? 1 : 0;
    CHECK(whole == rovers.size());

    // The stuck rover was closed as a slow consumer (audited), and only it.
    std::size_t slow = 0, other_closes = 0;
    for (const auto& ev : f.audit)
        if (ev.event == "session.close")
            (ev.outcome == "slow_consumer" ? slow : other_closes) += 1;
    CHECK(slow == 1);
    CHECK(other_closes == 0);
    CHECK(f.caster->status()["mountpoints"][0]["clients"].get<std::size_t>() == rovers.size());

    for (auto& r : rovers) {
        if (r.ssl)
            SSL_free(r.ssl);
        ::close(r.fd);
    }
    ::close(stuck.fd);
}
