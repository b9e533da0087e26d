// SPDX-License-Identifier: GPL-3.0-or-later
// The caster's TLS server context: the protocol policy, and the configured certificate and
// key loaded and checked (or the self-signed pair from tls_self_signed.cpp).
#include "ntrip/tls.hpp"

#include "ntrip/tls_self_signed.hpp"

#include <fmt/core.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include <array>
#include <cerrno>
#include <ctime>
#include <fcntl.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace ntrip {
namespace {

using clock = std::chrono::system_clock;

// Below this many bits a signature digest is refused (SHA-1 and MD5; SHA-256 gives 128).
constexpr int min_signature_security_bits = 112;

std::string errno_text(int e)
{
    return std::error_code(e, std::generic_category()).message();
}

std::string format_time(const ASN1_TIME* t)
{
    std::tm tm{};
    if (ASN1_TIME_to_tm(t, &tm) != 1)
        return "an unreadable date";
    std::array<char, 32> buf{};
    std::strftime(buf.data(), buf.size(), "%Y-%m-%d %H:%M:%S UTC", &tm);
    return buf.data();
}

struct fd_guard
{
    int fd;
    ~fd_guard()
    {
        if (fd >= 0)
            ::close(fd);
    }
};

// Wipes a string holding key material when it goes out of scope.
struct wipe_on_exit
{
    std::string& s;
    ~wipe_on_exit() { OPENSSL_cleanse(s.data(), s.size()); }
};

struct file_text
{
    std::string data;
    mode_t mode = 0;
};

// Reads a whole PEM file with one open (the mode we check is the file we read).
tl::expected<file_text, std::string> read_pem_file(const std::string& path, std::string_view what)
{
    fd_guard f{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY)};
    if (f.fd < 0)
        return tl::unexpected(
            fmt::format("cannot read TLS {} {}: {}", what, path, errno_text(errno)));
    struct stat st = {};
    if (::fstat(f.fd, &st) != 0)
        return tl::unexpected(
            fmt::format("cannot read TLS {} {}: {}", what, path, errno_text(errno)));
    if (!S_ISREG(st.st_mode))
        return tl::unexpected(fmt::format("TLS {} {} is not a regular file", what, path));
    if (static_cast<std::uintmax_t>(st.st_size) > max_pem_file_bytes)
        return tl::unexpected(
            fmt::format("TLS {} {} is larger than {} bytes", what, path, max_pem_file_bytes));
    file_text out;
    out.mode = st.st_mode & 07777;
    out.data.resize(max_pem_file_bytes + 1);
    std::size_t used = 0;
    while (used < out.data.size()) {
        ssize_t n = ::read(f.fd, out.data.data() + used, out.data.size() - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return tl::unexpected(
                fmt::format("cannot read TLS {} {}: {}", what, path, errno_text(errno)));
        if (n == 0)
            break;
        used += static_cast<std::size_t>(n);
    }
    if (used > max_pem_file_bytes) // grew after fstat
        return tl::unexpected(
            fmt::format("TLS {} {} is larger than {} bytes", what, path, max_pem_file_bytes));
    out.data.resize(used);
    return out;
}

// The leaf first, then any chain certificates that follow it in the file.
tl::expected<std::vector<x509_ptr>, std::string> parse_certificates(const std::string& pem,
                                                                    const std::string& path)
{
    bio_ptr bio{BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))};
    if (!bio)
        return tl::unexpected(take_openssl_error());
    std::vector<x509_ptr> certs;
    for (;;) {
        x509_ptr cert{PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)};
        if (!cert)
            break;
        certs.push_back(std::move(cert));
    }
    unsigned long last = ERR_peek_last_error();
    bool clean_end =
        ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE;
    ERR_clear_error();
    if (certs.empty())
        return tl::unexpected(fmt::format("TLS certificate {} is not a PEM certificate", path));
    if (!clean_end)
        return tl::unexpected(fmt::format("TLS certificate {}: certificate {} cannot be parsed",
                                          path, certs.size() + 1));
    return certs;
}

// Never prompts: a daemon has no terminal to ask for a passphrase on.
int no_passphrase(char*, int, int, void*)
{
    return -1;
}

tl::expected<evp_pkey_ptr, std::string> parse_private_key(const std::string& pem,
                                                          const std::string& path)
{
    if (pem.find("ENCRYPTED") != std::string::npos)
        return tl::unexpected(
            fmt::format("TLS key {} is encrypted; Cairn cannot ask for a passphrase: store the key "
                        "unencrypted with mode 0600",
                        path));
    bio_ptr bio{BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))};
    if (!bio)
        return tl::unexpected(take_openssl_error());
    evp_pkey_ptr key{PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr)};
    ERR_clear_error();
    if (!key)
        return tl::unexpected(fmt::format("TLS key {} is not a PEM private key", path));
    return key;
}

// Accepted: RSA of min_rsa_bits or more, ECDSA on P-256 or P-384. Ed25519 is refused:
// browsers and many embedded TLS stacks cannot verify Ed25519 certificates.
tl::expected<void, std::string> check_key_strength(EVP_PKEY* key)
{
    if (EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_is_a(key, "RSA-PSS")) {
        int bits = EVP_PKEY_get_bits(key);
        if (bits < min_rsa_bits)
            return tl::unexpected(fmt::format(
                "RSA-{} is too weak (use RSA-{} or more, or ECDSA P-256)", bits, min_rsa_bits));
        return {};
    }
    if (EVP_PKEY_is_a(key, "EC")) {
        std::array<char, 80> name{};
        std::size_t length = 0;
        if (EVP_PKEY_get_group_name(key, name.data(), name.size(), &length) != 1) {
            ERR_clear_error();
            return tl::unexpected(std::string(
                "EC keys with explicit curve parameters are not accepted (use P-256 or P-384)"));
        }
        int nid = OBJ_sn2nid(name.data());
        if (nid == NID_undef)
            nid = EC_curve_nist2nid(name.data());
        if (nid == NID_X9_62_prime256v1 || nid == NID_secp384r1)
            return {};
        return tl::unexpected(
            fmt::format("EC curve {} is not accepted (use P-256 or P-384)", name.data()));
    }
    if (EVP_PKEY_is_a(key, "ED25519"))
        return tl::unexpected(std::string("Ed25519 certificates are not accepted: browsers "
                                          "cannot verify them (use ECDSA P-256 or P-384)"));
    const char* type = EVP_PKEY_get0_type_name(key);
    return tl::unexpected(
        fmt::format("{} keys are not accepted (use ECDSA P-256 or P-384, or RSA-{} or more)",
                    type ? type : "unknown", min_rsa_bits));
}

// Everything a client would later trip over, found at start-up instead, with a reason.
tl::expected<void, std::string> check_pair(const certificate_pair& pair,
                                           const std::string& cert_path,
                                           const std::string& key_path, clock::time_point now)
{
    X509* leaf = pair.chain.front().get();
    if (X509_check_private_key(leaf, pair.key.get()) != 1) {
        ERR_clear_error();
        return tl::unexpected(fmt::format(
            "TLS key {} does not match certificate {} (mismatched pair)", key_path, cert_path));
    }
    if (auto strong = check_key_strength(pair.key.get()); !strong)
        return tl::unexpected(fmt::format("TLS certificate {}: {}", cert_path, strong.error()));
    if (X509_check_purpose(leaf, X509_PURPOSE_SSL_SERVER, 0) != 1) {
        ERR_clear_error();
        return tl::unexpected(fmt::format("TLS certificate {} is not usable for a TLS server "
                                          "(its keyUsage or extendedKeyUsage forbids it)",
                                          cert_path));
    }
    const std::time_t t = clock::to_time_t(now);
    for (std::size_t i = 0; i < pair.chain.size(); ++i) {
        X509* cert = pair.chain[i].get();
        std::string which = i == 0 ? "" : fmt::format(" (chain certificate {})", i + 1);
        int md_nid = NID_undef, security_bits = 0;
        bool self_signed = (X509_get_extension_flags(cert) & EXFLAG_SS) != 0;
        if (!self_signed &&
            X509_get_signature_info(cert, &md_nid, nullptr, &security_bits, nullptr) == 1 &&
            security_bits < min_signature_security_bits)
            return tl::unexpected(
                fmt::format("TLS certificate {}{} is signed with {}, which is too weak", cert_path,
                            which, md_nid == NID_undef ? "an unknown digest" : OBJ_nid2sn(md_nid)));
        ERR_clear_error();
        if (ASN1_TIME_cmp_time_t(X509_get0_notBefore(cert), t) > 0)
            return tl::unexpected(fmt::format("TLS certificate {}{} is not valid before {}",
                                              cert_path, which,
                                              format_time(X509_get0_notBefore(cert))));
        if (ASN1_TIME_cmp_time_t(X509_get0_notAfter(cert), t) < 0)
            return tl::unexpected(fmt::format("TLS certificate {}{} expired on {}", cert_path,
                                              which, format_time(X509_get0_notAfter(cert))));
    }
    return {};
}

int select_alpn(SSL*, const unsigned char** out, unsigned char* out_length, const unsigned char* in,
                unsigned int in_length, void*)
{
    // Without http/1.1 we answer with no ALPN at all rather than failing the handshake:
    // RTKLIB and gpsd behind socat offer none, and h2 alone means a client we cannot serve
    // over HTTP/2 but that may still fall back to HTTP/1.1.
    if (!alpn_offers_http11({in, in_length}))
        return SSL_TLSEXT_ERR_NOACK;
    *out = reinterpret_cast<const unsigned char*>(alpn_http11.data());
    *out_length = static_cast<unsigned char>(alpn_http11.size());
    return SSL_TLSEXT_ERR_OK;
}

std::string fingerprint_of(X509* cert)
{
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int length = 0;
    if (X509_digest(cert, EVP_sha256(), md.data(), &length) != 1)
        return {};
    std::string out;
    for (unsigned int i = 0; i < length; ++i)
        out += fmt::format("{}{:02X}", i == 0 ? "" : ":", md[i]);
    return out;
}

tl::expected<ssl_ctx_ptr, std::string> build_context(const certificate_pair& pair)
{
    ssl_ctx_ptr ctx{SSL_CTX_new(TLS_server_method())};
    if (!ctx)
        return tl::unexpected(take_openssl_error());
    SSL_CTX* c = ctx.get();
    // Level 2 (112-bit: RSA-2048, no SHA-1 signatures) whatever the system openssl.cnf says.
    SSL_CTX_set_security_level(c, 2);
    // Session resumption is off: rovers hold one connection for hours, so it saves little,
    // TLS 1.2 tickets would weaken forward secrecy for the whole process lifetime, and a
    // session cache is per-client state. NO_TICKET alone would make TLS 1.3 keep stateful
    // tickets, hence num_tickets 0 and no cache. PRIORITIZE_CHACHA: a client that lists
    // ChaCha20 first (no AES hardware: phones, microcontrollers) gets it despite our order.
    SSL_CTX_set_options(c, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                               SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_PRIORITIZE_CHACHA |
                               SSL_OP_NO_TICKET);
    SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
    if (SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION) != 1 ||
        SSL_CTX_set_max_proto_version(c, TLS1_3_VERSION) != 1 ||
        SSL_CTX_set_cipher_list(c, tls12_cipher_list) != 1 ||
        SSL_CTX_set_ciphersuites(c, tls13_ciphersuites) != 1 ||
        SSL_CTX_set1_groups_list(c, tls_groups) != 1 || SSL_CTX_set_num_tickets(c, 0) != 1)
        return tl::unexpected(fmt::format("TLS policy: {}", take_openssl_error()));
    SSL_CTX_set_alpn_select_cb(c, select_alpn, nullptr);

    if (SSL_CTX_use_certificate(c, pair.chain.front().get()) != 1 ||
        SSL_CTX_use_PrivateKey(c, pair.key.get()) != 1)
        return tl::unexpected(take_openssl_error());
    for (std::size_t i = 1; i < pair.chain.size(); ++i)
        if (SSL_CTX_add1_chain_cert(c, pair.chain[i].get()) != 1)
            return tl::unexpected(
                fmt::format("chain certificate {}: {}", i + 1, take_openssl_error()));
    if (SSL_CTX_check_private_key(c) != 1)
        return tl::unexpected(take_openssl_error());
    return ctx;
}

} // namespace

// Takes the oldest queued OpenSSL error as text and empties the queue, so a stale entry
// cannot confuse a later SSL_get_error on this thread.
std::string take_openssl_error()
{
    std::string out = "unknown OpenSSL error";
    if (unsigned long e = ERR_get_error(); e != 0) {
        const char* reason = ERR_reason_error_string(e);
        std::array<char, 256> buf{};
        ERR_error_string_n(e, buf.data(), buf.size());
        out = reason ? reason : buf.data();
    }
    ERR_clear_error();
    return out;
}

clock::time_point to_time_point(const ASN1_TIME* t)
{
    std::tm tm{};
    if (ASN1_TIME_to_tm(t, &tm) != 1)
        return {};
    return clock::from_time_t(::timegm(&tm));
}

tl::expected<certificate_pair, std::string> load_certificate_pair(const std::string& cert_path,
                                                                  const std::string& key_path,
                                                                  clock::time_point now)
{
    auto key_file = read_pem_file(key_path, "key");
    if (!key_file)
        return tl::unexpected(key_file.error());
    wipe_on_exit wipe{key_file->data};
    if ((key_file->mode & 077) != 0)
        return tl::unexpected(fmt::format("TLS key {} is readable or writable by group or others "
                                          "(mode {:04o}): run chmod 600 {}",
                                          key_path, key_file->mode, key_path));
    auto cert_file = read_pem_file(cert_path, "certificate");
    if (!cert_file)
        return tl::unexpected(cert_file.error());
    auto certs = parse_certificates(cert_file->data, cert_path);
    if (!certs)
        return tl::unexpected(certs.error());
    auto key = parse_private_key(key_file->data, key_path);
    if (!key)
        return tl::unexpected(key.error());
    certificate_pair pair{std::move(*certs), std::move(*key)};
    if (auto ok = check_pair(pair, cert_path, key_path, now); !ok)
        return tl::unexpected(ok.error());
    return pair;
}

bool alpn_offers_http11(std::span<const std::uint8_t> protocols)
{
    bool found = false;
    for (std::size_t i = 0; i < protocols.size();) {
        const std::size_t length = protocols[i++];
        if (length == 0 || length > protocols.size() - i)
            return false;
        std::string_view name(reinterpret_cast<const char*>(protocols.data() + i), length);
        found = found || name == alpn_http11;
        i += length;
    }
    return found;
}

tl::expected<tls_context, std::string> make_server_context(const tls_options& options)
{
    certificate_pair pair;
    std::string cert_path = options.certificate_path;
    const bool generated = options.certificate_path.empty() && options.key_path.empty();
    if (generated) {
        auto made = self_signed_certificate(options.state_dir, options.names, options.now);
        if (!made)
            return tl::unexpected(made.error());
        pair = std::move(made->pair);
        cert_path = std::move(made->certificate_path);
    } else if (options.certificate_path.empty() || options.key_path.empty()) {
        return tl::unexpected(
            std::string("set both the TLS certificate and key, or neither to generate them"));
    } else {
        auto loaded =
            load_certificate_pair(options.certificate_path, options.key_path, options.now);
        if (!loaded)
            return tl::unexpected(loaded.error());
        pair = std::move(*loaded);
    }
    auto ctx = build_context(pair);
    if (!ctx)
        return tl::unexpected(fmt::format("TLS certificate {}: {}", cert_path, ctx.error()));
    X509* leaf = pair.chain.front().get();
    return tls_context(std::move(*ctx), fingerprint_of(leaf), cert_path, generated,
                       to_time_point(X509_get0_notAfter(leaf)));
}

} // namespace ntrip
