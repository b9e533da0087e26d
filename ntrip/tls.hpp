// SPDX-License-Identifier: GPL-3.0-or-later
// The caster's TLS server context: protocol policy, the configured or generated
// certificate and key, and the start-up checks that refuse a weak or broken pair.
#pragma once

#include "ntrip/ssl_handles.hpp"

#include <tl/expected.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ntrip {

// TLS 1.2 suites: ECDHE (forward secrecy) with AEAD only, AES-128-GCM first (fast with
// AES-NI, and a 128-bit level matches P-256). TLS 1.3 suites are listed separately.
constexpr const char* tls12_cipher_list =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr const char* tls13_ciphersuites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
constexpr const char* tls_groups = "X25519:P-256:P-384";
// The only ALPN protocol we ever select: curl offers "h2,http/1.1" and we speak no h2.
constexpr std::string_view alpn_http11 = "http/1.1";

// A certificate or key file larger than this is refused unread: a full chain of four
// RSA-4096 certificates is about 10 KiB.
constexpr std::size_t max_pem_file_bytes = 256 * 1024;
// Smallest RSA modulus accepted in a configured certificate (NIST: 112-bit level).
constexpr int min_rsa_bits = 2048;

struct tls_options
{
    // Both set: use these PEM files (the certificate file may hold the chain after the
    // leaf). Both empty: generate (or reuse) STATE_DIR/tls/key.pem and cert.pem.
    std::string certificate_path, key_path;
    std::string state_dir;
    // Extra subjectAltName entries for a generated certificate: IP literals become IP
    // entries, anything else must be a DNS name.
    std::vector<std::string> names;
    // Validity checks and generated dates use this, never the clock.
    std::chrono::system_clock::time_point now;
};

// A ready server SSL_CTX (policy applied, certificate and key loaded). Movable only.
class tls_context
{
public:
    tls_context(ssl_ctx_ptr ctx, std::string fingerprint, std::string certificate_path,
                bool generated, std::chrono::system_clock::time_point not_after)
        : ctx_(std::move(ctx)), fingerprint_(std::move(fingerprint)),
          certificate_path_(std::move(certificate_path)), generated_(generated),
          not_after_(not_after)
    {
    }

    SSL_CTX* native() const { return ctx_.get(); }
    // A new reference for another owner, e.g. `net::ssl::context(t.new_reference())`,
    // whose destructor frees the one it was given.
    SSL_CTX* new_reference() const
    {
        SSL_CTX_up_ref(ctx_.get());
        return ctx_.get();
    }
    // SHA-256 of the leaf certificate's DER as `openssl x509 -fingerprint -sha256` prints
    // it ("AB:CD:..."), for a person to compare with what a client shows.
    std::string fingerprint_sha256() const { return fingerprint_; }
    std::string certificate_path() const { return certificate_path_; }
    // True when the certificate is Cairn's own self-signed one (made now or reused).
    bool generated() const { return generated_; }
    // The leaf's notAfter, so the caller can warn about a configured one ending soon.
    std::chrono::system_clock::time_point not_after() const { return not_after_; }

private:
    ssl_ctx_ptr ctx_;
    std::string fingerprint_;
    std::string certificate_path_;
    bool generated_ = false;
    std::chrono::system_clock::time_point not_after_;
};

// Builds the context. Errors name the file and the reason (missing, not PEM, mismatched,
// expired on DATE, RSA-1024 is too weak, key readable by others: chmod 600, ...).
tl::expected<tls_context, std::string> make_server_context(const tls_options& options);

// True when an ALPN protocol list in wire format (length-prefixed names, as the client
// sent it) is well formed and contains "http/1.1".
bool alpn_offers_http11(std::span<const std::uint8_t> protocols);

// A certificate chain (leaf first) with its private key, checked for a TLS server.
struct certificate_pair
{
    std::vector<x509_ptr> chain;
    evp_pkey_ptr key;
};

// Reads both PEM files and refuses, with the file and the reason, a key open to group or
// others, a mismatched pair, a weak key or signature, a certificate not for TLS servers,
// and one not valid at `now`. Accepted keys: RSA-2048 and up, ECDSA P-256 and P-384.
tl::expected<certificate_pair, std::string>
load_certificate_pair(const std::string& certificate_path, const std::string& key_path,
                      std::chrono::system_clock::time_point now);

// The oldest queued OpenSSL error as text; empties this thread's error queue.
std::string take_openssl_error();
// An ASN1 date as a time point (the epoch if unreadable).
std::chrono::system_clock::time_point to_time_point(const ASN1_TIME* t);

} // namespace ntrip
