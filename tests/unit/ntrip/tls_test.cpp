// SPDX-License-Identifier: GPL-3.0-or-later
// The TLS context: ALPN choice, refusal of bad configured pairs, the policy's options, and
// real handshakes against it (in process over a socketpair, and with curl and openssl
// s_client on loopback when they are installed).
#include "ntrip/tls.hpp"

#include "tests/unit/ntrip/tls_test_support.hpp"

#include <doctest/doctest.h>
#include <fmt/core.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <filesystem>
#include <netinet/in.h>
#include <poll.h>
#include <random>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace ntrip;
using namespace tls_test;
using namespace std::chrono_literals;

namespace {

// ---- in-process handshakes over a socketpair ----

struct socket_pair
{
    std::array<int, 2> fd{-1, -1};
    socket_pair()
    {
        REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fd.data()) ==
                0);
    }
    ~socket_pair()
    {
        ::close(fd[0]);
        ::close(fd[1]);
    }
};

struct handshake_result
{
    bool client_ok = false, server_ok = false;
    int server_reason = 0; // ERR_GET_REASON of the server's first error
    ssl_ptr client, server;
};

// A client that trusts the generated certificate as its own CA and checks "localhost".
ssl_ctx_ptr client_context(const std::string& ca_file)
{
    ssl_ctx_ptr ctx{SSL_CTX_new(TLS_client_method())};
    REQUIRE(ctx);
    REQUIRE(SSL_CTX_load_verify_locations(ctx.get(), ca_file.c_str(), nullptr) == 1);
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    return ctx;
}

// Drives both ends, non-blocking, in turns until each has finished or failed.
handshake_result handshake(SSL_CTX* server_ctx, SSL_CTX* client_ctx, const char* host = "localhost")
{
    constexpr int max_rounds = 50;
    socket_pair sp;
    handshake_result r;
    r.client.reset(SSL_new(client_ctx));
    r.server.reset(SSL_new(server_ctx));
    REQUIRE(r.client);
    REQUIRE(r.server);
    REQUIRE(SSL_set1_host(r.client.get(), host) == 1);
    REQUIRE(SSL_set_tlsext_host_name(r.client.get(), host) == 1);
    REQUIRE(SSL_set_fd(r.client.get(), sp.fd[0]) == 1);
    REQUIRE(SSL_set_fd(r.server.get(), sp.fd[1]) == 1);
    SSL_set_connect_state(r.client.get());
    SSL_set_accept_state(r.server.get());
    bool client_failed = false, server_failed = false;
    auto step = [](SSL* ssl, bool& ok, bool& failed, int* reason) {
        if (ok || failed)
            return;
        ERR_clear_error();
        int rc = SSL_do_handshake(ssl);
        if (rc == 1) {
            ok = true;
            return;
        }
        int e = SSL_get_error(ssl, rc);
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
            failed = true;
            if (reason)
                *reason = ERR_GET_REASON(ERR_peek_error());
        }
        ERR_clear_error();
    };
    for (int i = 0; i < max_rounds; ++i) {
        step(r.client.get(), r.client_ok, client_failed, nullptr);
        step(r.server.get(), r.server_ok, server_failed, &r.server_reason);
        if ((r.client_ok || client_failed) && (r.server_ok || server_failed))
            break;
    }
    return r;
}

std::string alpn_selected(SSL* ssl)
{
    const unsigned char* data = nullptr;
    unsigned int length = 0;
    SSL_get0_alpn_selected(ssl, &data, &length);
    return std::string(reinterpret_cast<const char*>(data), length);
}

std::vector<std::uint8_t> alpn_wire(std::initializer_list<std::string_view> names)
{
    std::vector<std::uint8_t> out;
    for (auto n : names) {
        out.push_back(static_cast<std::uint8_t>(n.size()));
        out.insert(out.end(), n.begin(), n.end());
    }
    return out;
}

} // namespace

TEST_CASE("ALPN: http/1.1 is found in a well-formed list only")
{
    CHECK(alpn_offers_http11(alpn_wire({"http/1.1"})));
    CHECK(alpn_offers_http11(alpn_wire({"h2", "http/1.1"})));
    CHECK(alpn_offers_http11(alpn_wire({"http/1.1", "h2"})));
    CHECK_FALSE(alpn_offers_http11(alpn_wire({"h2"})));
    CHECK_FALSE(alpn_offers_http11(alpn_wire({"http/1.0", "http/1.10", "HTTP/1.1"})));
    CHECK_FALSE(alpn_offers_http11({}));
    auto truncated = alpn_wire({"h2", "http/1.1"});
    truncated.pop_back();
    CHECK_FALSE(alpn_offers_http11(truncated));
    auto zero_length = alpn_wire({"http/1.1"});
    zero_length.push_back(0);
    CHECK_FALSE(alpn_offers_http11(zero_length));
}

TEST_CASE("ALPN: fixed-seed random lists agree with a plain reading")
{
    std::mt19937 rng(20240611);
    const std::array<std::string_view, 5> names{"h2", "http/1.1", "http/1.0", "spdy/3", "x"};
    for (int round = 0; round < 2000; ++round) {
        std::vector<std::string_view> picked;
        for (std::size_t n = rng() % 5; n > 0; --n)
            picked.push_back(names[rng() % names.size()]);
        std::vector<std::uint8_t> wire;
        for (auto p : picked) {
            wire.push_back(static_cast<std::uint8_t>(p.size()));
            wire.insert(wire.end(), p.begin(), p.end());
        }
        const bool expected = std::ranges::find(picked, "http/1.1") != picked.end();
        CHECK(alpn_offers_http11(wire) == expected);
        // Cut short or with a random byte changed, it never reads past the end.
        if (!wire.empty()) {
            wire.resize(rng() % wire.size());
            if (!wire.empty())
                wire[rng() % wire.size()] = static_cast<std::uint8_t>(rng());
            (void)alpn_offers_http11(wire);
        }
    }
}

TEST_CASE("configured pair: a good one is used as is, with its chain")
{
    temp_dir d;
    const auto now = clock_type::now();
    evp_pkey_ptr key{EVP_EC_gen("P-384")};
    REQUIRE(key);
    auto leaf = make_certificate(key.get(), now - 24h, now + 24h * 90);
    evp_pkey_ptr ca_key{EVP_EC_gen("P-256")};
    auto ca = make_certificate(ca_key.get(), now - 24h, now + 24h * 900);
    auto o = configured(d.path, to_pem(leaf.get()) + to_pem(ca.get()), to_pem(key.get()), now);
    auto ctx = make_server_context(o);
    REQUIRE_MESSAGE(ctx, (ctx ? "" : ctx.error()));
    CHECK_FALSE(ctx->generated());
    CHECK(ctx->certificate_path() == o.certificate_path);
    CHECK_FALSE(std::filesystem::exists(d.path + "/tls"));
    STACK_OF(X509)* chain = nullptr;
    REQUIRE(SSL_CTX_get0_chain_certs(ctx->native(), &chain) == 1);
    CHECK(sk_X509_num(chain) == 1);
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int n = 0;
    REQUIRE(X509_digest(leaf.get(), EVP_sha256(), md.data(), &n) == 1);
    CHECK(ctx->fingerprint_sha256().substr(0, 5) == fmt::format("{:02X}:{:02X}", md[0], md[1]));
}

TEST_CASE("configured pair: each bad one stops start-up with its reason")
{
    temp_dir d;
    const auto now = clock_type::now();
    evp_pkey_ptr key{EVP_EC_gen("P-256")};
    REQUIRE(key);
    const auto good_cert = to_pem(make_certificate(key.get(), now - 24h, now + 24h * 90).get());
    const auto good_key = to_pem(key.get());
    auto reason = [&](const std::string& cert_pem, const std::string& key_pem,
                      mode_t key_mode = 0600) {
        return error_of(configured(d.path, cert_pem, key_pem, now, key_mode));
    };
    auto contains = [](const std::string& text, const std::string& part) {
        INFO(text);
        CHECK(text.find(part) != std::string::npos);
    };
    REQUIRE(make_server_context(configured(d.path, good_cert, good_key, now)));

    SUBCASE("missing files")
    {
        tls_options o;
        o.certificate_path = d.path + "/none.crt";
        o.key_path = d.path + "/none.key";
        o.now = now;
        contains(error_of(o), "cannot read TLS key " + o.key_path + ": No such file");
        write_file(o.key_path, good_key);
        contains(error_of(o), "cannot read TLS certificate " + o.certificate_path);
    }
    SUBCASE("not PEM")
    {
        contains(reason("hello\n", good_key), "is not a PEM certificate");
        contains(reason(good_cert, "hello\n"), "is not a PEM private key");
        contains(
            reason(good_cert + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                   good_key),
            "certificate 2 cannot be parsed");
    }
    SUBCASE("larger than the limit")
    {
        contains(reason(good_cert + std::string(max_pem_file_bytes, '\n'), good_key),
                 "is larger than");
        // At the limit it is still read.
        std::string padded = good_cert;
        padded.resize(max_pem_file_bytes, '\n');
        CHECK(make_server_context(configured(d.path, padded, good_key, now)));
    }
    SUBCASE("mismatched key and certificate")
    {
        evp_pkey_ptr other{EVP_EC_gen("P-256")};
        contains(reason(good_cert, to_pem(other.get())), "(mismatched pair)");
    }
    SUBCASE("expired and not yet valid")
    {
        const auto expired = make_certificate(key.get(), now - 24h * 400, now - 24h * 35);
        std::tm tm{};
        const std::time_t end = clock_type::to_time_t(now - 24h * 35);
        ::gmtime_r(&end, &tm);
        std::array<char, 16> day{};
        std::strftime(day.data(), day.size(), "%Y-%m-%d", &tm);
        contains(reason(to_pem(expired.get()), good_key), std::string("expired on ") + day.data());
        contains(reason(to_pem(make_certificate(key.get(), now + 24h, now + 48h).get()), good_key),
                 "is not valid before");
        // The same good pair, judged at a later `now`, has expired.
        auto o = configured(d.path, good_cert, good_key, now + 24h * 91);
        contains(error_of(o), "expired on");
    }
    SUBCASE("weak or unsupported keys")
    {
        evp_pkey_ptr rsa1024{EVP_RSA_gen(1024)};
        REQUIRE(rsa1024);
        contains(reason(to_pem(make_certificate(rsa1024.get(), now - 1h, now + 24h).get()),
                        to_pem(rsa1024.get())),
                 "RSA-1024 is too weak");
        evp_pkey_ptr p521{EVP_EC_gen("P-521")};
        contains(reason(to_pem(make_certificate(p521.get(), now - 1h, now + 24h).get()),
                        to_pem(p521.get())),
                 "EC curve secp521r1 is not accepted");
        evp_pkey_ptr ed{EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")};
        REQUIRE(ed);
        contains(reason(to_pem(make_certificate(ed.get(), now - 1h, now + 24h, nullptr).get()),
                        to_pem(ed.get())),
                 "Ed25519 certificates are not accepted");
    }
    SUBCASE("key open to group or others")
    {
        contains(reason(good_cert, good_key, 0640), "run chmod 600 " + d.path + "/server.key");
        contains(reason(good_cert, good_key, 0604), "(mode 0604)");
    }
    SUBCASE("encrypted key")
    {
        contains(reason(good_cert, to_pem(key.get(), "secret")), "is encrypted");
    }
}

TEST_CASE("context policy: options and modes are set")
{
    temp_dir d;
    auto ctx = make_server_context(generated_options(d.path, clock_type::now()));
    REQUIRE(ctx);
    SSL_CTX* c = ctx->native();
    const auto options = SSL_CTX_get_options(c);
    CHECK((options & SSL_OP_NO_COMPRESSION) != 0);
    CHECK((options & SSL_OP_NO_RENEGOTIATION) != 0);
    CHECK((options & SSL_OP_CIPHER_SERVER_PREFERENCE) != 0);
    CHECK((options & SSL_OP_NO_TICKET) != 0);
    CHECK((SSL_CTX_get_mode(c) & SSL_MODE_RELEASE_BUFFERS) != 0);
    CHECK(SSL_CTX_get_min_proto_version(c) == TLS1_2_VERSION);
    CHECK(SSL_CTX_get_max_proto_version(c) == TLS1_3_VERSION);
    CHECK(SSL_CTX_get_num_tickets(c) == 0);
    CHECK(SSL_CTX_get_session_cache_mode(c) == SSL_SESS_CACHE_OFF);
    CHECK(SSL_CTX_get_security_level(c) == 2);

    // A second owner (asio::ssl::context) gets its own reference.
    SSL_CTX* extra = ctx->new_reference();
    CHECK(extra == c);
    SSL_CTX_free(extra);
    CHECK(SSL_CTX_get_options(c) == options);
}

TEST_CASE("handshakes against the policy over a socketpair")
{
    temp_dir d;
    auto server = make_server_context(generated_options(d.path, clock_type::now()));
    REQUIRE(server);
    auto client = client_context(server->certificate_path());

    SUBCASE("TLS 1.3 with X25519, verified against the generated certificate")
    {
        auto r = handshake(server->native(), client.get());
        REQUIRE(r.client_ok);
        REQUIRE(r.server_ok);
        CHECK(SSL_version(r.client.get()) == TLS1_3_VERSION);
        CHECK(SSL_get_verify_result(r.client.get()) == X509_V_OK);
        CHECK(std::string(SSL_get_cipher_name(r.client.get())) == "TLS_AES_128_GCM_SHA256");
        CHECK(SSL_get_negotiated_group(r.server.get()) == NID_X25519);
        CHECK(SSL_get_current_compression(r.server.get()) == nullptr);
        CHECK(alpn_selected(r.client.get()).empty()); // none offered, none chosen
        CHECK_FALSE(SSL_session_reused(r.client.get()));
    }
    SUBCASE("TLS 1.2 gets ECDHE-ECDSA with AES-128-GCM, the server's first choice")
    {
        REQUIRE(SSL_CTX_set_max_proto_version(client.get(), TLS1_2_VERSION) == 1);
        auto r = handshake(server->native(), client.get());
        REQUIRE(r.client_ok);
        REQUIRE(r.server_ok);
        CHECK(SSL_version(r.client.get()) == TLS1_2_VERSION);
        CHECK(std::string(SSL_get_cipher_name(r.client.get())) == "ECDHE-ECDSA-AES128-GCM-SHA256");
        CHECK(SSL_get_current_compression(r.server.get()) == nullptr);
    }
    SUBCASE("TLS 1.2 client only offering P-521 for ECDHE is refused")
    {
        REQUIRE(SSL_CTX_set_max_proto_version(client.get(), TLS1_2_VERSION) == 1);
        REQUIRE(SSL_CTX_set1_groups_list(client.get(), "P-521") == 1);
        auto r = handshake(server->native(), client.get());
        CHECK_FALSE(r.server_ok);
        CHECK_FALSE(r.client_ok);
    }
    SUBCASE("a TLS 1.1 client is refused by the server")
    {
        SSL_CTX_set_security_level(client.get(), 0); // let the client offer TLS 1.1 at all
        REQUIRE(SSL_CTX_set_min_proto_version(client.get(), TLS1_VERSION) == 1);
        REQUIRE(SSL_CTX_set_max_proto_version(client.get(), TLS1_1_VERSION) == 1);
        auto r = handshake(server->native(), client.get());
        CHECK_FALSE(r.server_ok);
        CHECK_FALSE(r.client_ok);
        CHECK(r.server_reason == SSL_R_UNSUPPORTED_PROTOCOL);
    }
    SUBCASE("a TLS 1.2 client offering only AES128-SHA is refused by the server")
    {
        SSL_CTX_set_security_level(client.get(), 0);
        REQUIRE(SSL_CTX_set_max_proto_version(client.get(), TLS1_2_VERSION) == 1);
        REQUIRE(SSL_CTX_set_cipher_list(client.get(), "AES128-SHA") == 1);
        auto r = handshake(server->native(), client.get());
        CHECK_FALSE(r.server_ok);
        CHECK_FALSE(r.client_ok);
        CHECK(r.server_reason == SSL_R_NO_SHARED_CIPHER);
    }
    SUBCASE("ALPN h2,http/1.1 (curl) selects http/1.1")
    {
        const auto wire = alpn_wire({"h2", "http/1.1"});
        REQUIRE(SSL_CTX_set_alpn_protos(client.get(), wire.data(),
                                        static_cast<unsigned>(wire.size())) == 0);
        auto r = handshake(server->native(), client.get());
        REQUIRE(r.client_ok);
        REQUIRE(r.server_ok);
        CHECK(alpn_selected(r.client.get()) == "http/1.1");
        CHECK(alpn_selected(r.server.get()) == "http/1.1");
    }
    SUBCASE("ALPN h2 only: no protocol selected, handshake still succeeds")
    {
        const auto wire = alpn_wire({"h2"});
        REQUIRE(SSL_CTX_set_alpn_protos(client.get(), wire.data(),
                                        static_cast<unsigned>(wire.size())) == 0);
        auto r = handshake(server->native(), client.get());
        REQUIRE(r.client_ok);
        REQUIRE(r.server_ok);
        CHECK(alpn_selected(r.client.get()).empty());
    }
    SUBCASE("a client checking another host name refuses the certificate")
    {
        auto r = handshake(server->native(), client.get(), "example.org");
        CHECK_FALSE(r.client_ok);
        CHECK(SSL_get_verify_result(r.client.get()) == X509_V_ERR_HOSTNAME_MISMATCH);
    }
}

namespace {

// One loopback TLS server connection: handshake, read a request head, answer "ok".
// Bounded: it gives up after io_timeout without a client or a byte.
class one_shot_server
{
public:
    explicit one_shot_server(SSL_CTX* ctx) : ctx_(ctx)
    {
        listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(listener_ >= 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(::listen(listener_, 1) == 0);
        socklen_t len = sizeof a;
        REQUIRE(::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
        port_ = ntohs(a.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~one_shot_server()
    {
        thread_.join();
        ::close(listener_);
    }
    int port() const { return port_; }

private:
    static constexpr int io_timeout_s = 10;

    void serve()
    {
        pollfd p{listener_, POLLIN, 0};
        if (::poll(&p, 1, io_timeout_s * 1000) != 1)
            return;
        int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0)
            return;
        timeval tv{io_timeout_s, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        ssl_ptr ssl{SSL_new(ctx_)};
        if (ssl && SSL_set_fd(ssl.get(), fd) == 1 && SSL_accept(ssl.get()) == 1) {
            std::string head;
            std::array<char, 1024> buf{};
            while (head.find("\r\n\r\n") == std::string::npos && head.size() < 8192) {
                int n = SSL_read(ssl.get(), buf.data(), static_cast<int>(buf.size()));
                if (n <= 0)
                    break;
                head.append(buf.data(), static_cast<std::size_t>(n));
            }
            if (head.find("\r\n\r\n") != std::string::npos) {
                const std::string reply =
                    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
                SSL_write(ssl.get(), reply.data(), static_cast<int>(reply.size()));
            }
            SSL_shutdown(ssl.get());
        }
        ERR_clear_error();
        ::close(fd);
    }

    SSL_CTX* ctx_;
    int listener_ = -1;
    int port_ = 0;
    std::thread thread_;
};

} // namespace

TEST_CASE("curl and openssl s_client accept the generated certificate as its own CA")
{
    temp_dir d;
    auto ctx = make_server_context(generated_options(d.path, clock_type::now()));
    REQUIRE(ctx);
    const std::string ca = ctx->certificate_path();

    if (find_program("curl").empty()) {
        MESSAGE("curl not installed: curl --cacert check not run");
    } else {
        // curl offers ALPN h2,http/1.1: it must end up speaking HTTP/1.1 to us.
        one_shot_server server(ctx->native());
        auto [status, out] =
            run(fmt::format("curl -q -sS --noproxy '*' --max-time 10 --cacert {} --resolve "
                            "localhost:{}:127.0.0.1 -w ' %{{http_version}}' https://localhost:{}/",
                            ca, server.port(), server.port()));
        INFO(out);
        CHECK(status == 0);
        CHECK(out == "ok 1.1");
    }
    if (find_program("openssl").empty()) {
        MESSAGE("openssl binary not installed: s_client check not run");
    } else {
        one_shot_server server(ctx->native());
        auto [status, out] = run(fmt::format(
            "openssl s_client -connect 127.0.0.1:{} -servername localhost -verify_return_error "
            "-verify_hostname localhost -CAfile {} -alpn h2,http/1.1 </dev/null",
            server.port(), ca));
        INFO(out);
        CHECK(status == 0);
        CHECK(out.find("Verify return code: 0 (ok)") != std::string::npos);
        CHECK(out.find("ALPN protocol: http/1.1") != std::string::npos);
    }
}
