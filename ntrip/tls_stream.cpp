// SPDX-License-Identifier: GPL-3.0-or-later
// TLS on the socket: OpenSSL's state machine, a socket BIO that never raises SIGPIPE, and
// the mapping of OpenSSL's results to Asio error codes.
#include "ntrip/tls_stream.hpp"

#include <openssl/err.h>

#include <cerrno>
#include <cstdint>
#include <sys/socket.h>

namespace ntrip {
namespace {

int fd_of(BIO* b)
{
    return static_cast<int>(reinterpret_cast<std::intptr_t>(BIO_get_data(b)));
}

// send() with MSG_NOSIGNAL: OpenSSL's own socket BIO uses write(), and a rover that
// vanished would kill the daemon with SIGPIPE.
int bio_write(BIO* b, const char* data, std::size_t length, std::size_t* written)
{
    BIO_clear_retry_flags(b);
    for (;;) {
        const ssize_t n = ::send(fd_of(b), data, length, MSG_NOSIGNAL);
        if (n >= 0) {
            *written = static_cast<std::size_t>(n);
            return 1;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            BIO_set_retry_write(b);
        return 0;
    }
}

int bio_read(BIO* b, char* data, std::size_t length, std::size_t* read)
{
    BIO_clear_retry_flags(b);
    for (;;) {
        const ssize_t n = ::recv(fd_of(b), data, length, 0);
        if (n > 0) {
            *read = static_cast<std::size_t>(n);
            return 1;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            BIO_set_retry_read(b);
        return 0; // 0 bytes: the peer closed TCP
    }
}

long bio_ctrl(BIO*, int cmd, long, void*)
{
    // Writes go straight to the socket, so there is never anything to flush or pending.
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

int bio_create(BIO* b)
{
    BIO_set_init(b, 1);
    return 1;
}

const BIO_METHOD* socket_method()
{
    static BIO_METHOD* const method = [] {
        BIO_METHOD* m = BIO_meth_new(
            BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR, "cairn socket");
        if (m) {
            BIO_meth_set_write_ex(m, bio_write);
            BIO_meth_set_read_ex(m, bio_read);
            BIO_meth_set_ctrl(m, bio_ctrl);
            BIO_meth_set_create(m, bio_create);
        }
        return m;
    }();
    return method;
}

} // namespace

tls_stream::tls_stream(socket_type s, SSL_CTX* ctx) : socket_(std::move(s))
{
    boost::system::error_code ec;
    socket_.non_blocking(true, ec);
    const BIO_METHOD* m = socket_method();
    if (ec || !m || !ctx)
        return;
    ssl_ptr ssl{SSL_new(ctx)};
    BIO* bio = ssl ? BIO_new(m) : nullptr;
    if (!bio) {
        ERR_clear_error();
        return;
    }
    BIO_set_data(bio, reinterpret_cast<void*>(static_cast<std::intptr_t>(socket_.native_handle())));
    SSL_set_bio(ssl.get(), bio, bio); // the SSL owns the BIO now
    SSL_set_accept_state(ssl.get());
    ssl_ = std::move(ssl);
}

tls_stream::result tls_stream::step(op o, net::mutable_buffer b)
{
    result r;
    if (!ssl_ || !socket_.is_open()) {
        r.ec = net::error::bad_descriptor;
        return r;
    }
    // SSL_get_error reads this thread's error queue: it must hold nothing stale.
    ERR_clear_error();
    int ret = 0;
    switch (o) {
    case op::handshake:
        ret = SSL_do_handshake(ssl_.get());
        break;
    case op::read:
        ret = SSL_read_ex(ssl_.get(), b.data(), b.size(), &r.n);
        break;
    case op::write:
        ret = out_.empty() ? 1 : SSL_write_ex(ssl_.get(), out_.data(), out_.size(), &r.n);
        break;
    }
    if (ret == 1) {
        r.s = state::done;
        return r;
    }
    r.n = 0;
    switch (SSL_get_error(ssl_.get(), ret)) {
    case SSL_ERROR_WANT_READ:
        r.s = state::want_read;
        return r;
    case SSL_ERROR_WANT_WRITE:
        r.s = state::want_write;
        return r;
    case SSL_ERROR_ZERO_RETURN:
        r.ec = net::error::eof;
        break;
    case SSL_ERROR_SYSCALL:
        r.ec = errno != 0 ? boost::system::error_code(errno, boost::system::system_category())
                          : boost::system::error_code(net::ssl::error::stream_truncated);
        break;
    default: {
        const unsigned long e = ERR_peek_last_error();
        if (ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
            r.ec = net::ssl::error::stream_truncated;
        else
            r.ec = boost::system::error_code(static_cast<int>(e), net::error::get_ssl_category());
        break;
    }
    }
    ERR_clear_error();
    r.s = state::failed;
    return r;
}

void tls_stream::close()
{
    boost::system::error_code ignored;
    // close_notify only between whole records: not during the handshake or a write that
    // is waiting for the socket (OpenSSL would try to finish that record first).
    if (ssl_ && socket_.is_open() && SSL_is_init_finished(ssl_.get()) && out_.empty()) {
        ERR_clear_error();
        SSL_shutdown(ssl_.get());
        ERR_clear_error();
    }
    socket_.shutdown(net::socket_base::shutdown_both, ignored);
    socket_.close(ignored);
}

} // namespace ntrip
