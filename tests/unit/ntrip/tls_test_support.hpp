// SPDX-License-Identifier: GPL-3.0-or-later
// Helpers shared by the TLS unit tests: temporary state directories, certificates made
// outside the code under test, option builders, and running installed tools.
#pragma once

#include "ntrip/tls.hpp"

#include <doctest/doctest.h>
#include <openssl/pem.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>

namespace tls_test {

using namespace ntrip;
using clock_type = std::chrono::system_clock;

struct temp_dir
{
    std::string path;
    temp_dir()
    {
        char t[] = "/tmp/cairn-tls-test-XXXXXX";
        REQUIRE(::mkdtemp(t) != nullptr);
        path = t;
    }
    ~temp_dir() { std::filesystem::remove_all(path); }
};

inline mode_t file_mode(const std::string& path)
{
    struct stat st = {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

inline void write_file(const std::string& path, const std::string& text, mode_t mode = 0600)
{
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
    REQUIRE(::chmod(path.c_str(), mode) == 0);
}

inline x509_ptr read_certificate(const std::string& path)
{
    bio_ptr bio{BIO_new_file(path.c_str(), "r")};
    REQUIRE(bio);
    x509_ptr cert{PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)};
    REQUIRE(cert);
    return cert;
}

// A certificate for `key` signed by itself with the given dates (the test's own maker, so
// that expired, weak or mismatched pairs come from outside the code under test).
inline x509_ptr make_certificate(EVP_PKEY* key, clock_type::time_point not_before,
                                 clock_type::time_point not_after, const EVP_MD* md = EVP_sha256())
{
    x509_ptr cert{X509_new()};
    REQUIRE(X509_set_version(cert.get(), X509_VERSION_3) == 1);
    REQUIRE(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 42) == 1);
    REQUIRE(ASN1_TIME_set(X509_getm_notBefore(cert.get()), clock_type::to_time_t(not_before)));
    REQUIRE(ASN1_TIME_set(X509_getm_notAfter(cert.get()), clock_type::to_time_t(not_after)));
    X509_NAME* name = X509_get_subject_name(cert.get());
    REQUIRE(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>("test"), -1, -1,
                                       0) == 1);
    REQUIRE(X509_set_issuer_name(cert.get(), name) == 1);
    REQUIRE(X509_set_pubkey(cert.get(), key) == 1);
    REQUIRE(X509_sign(cert.get(), key, md) > 0);
    return cert;
}

inline std::string to_pem(X509* cert)
{
    bio_ptr bio{BIO_new(BIO_s_mem())};
    REQUIRE(PEM_write_bio_X509(bio.get(), cert) == 1);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

inline std::string to_pem(EVP_PKEY* key, const char* passphrase = nullptr)
{
    bio_ptr bio{BIO_new(BIO_s_mem())};
    const EVP_CIPHER* cipher = passphrase ? EVP_aes_256_cbc() : nullptr;
    REQUIRE(PEM_write_bio_PrivateKey(
                bio.get(), key, cipher,
                reinterpret_cast<unsigned char*>(const_cast<char*>(passphrase)),
                passphrase ? static_cast<int>(std::strlen(passphrase)) : 0, nullptr, nullptr) == 1);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

// Writes a configured pair into `dir` and returns options pointing at it.
inline tls_options configured(const std::string& dir, const std::string& cert_pem,
                              const std::string& key_pem, clock_type::time_point now,
                              mode_t key_mode = 0600)
{
    tls_options o;
    o.certificate_path = dir + "/server.crt";
    o.key_path = dir + "/server.key";
    o.now = now;
    write_file(o.certificate_path, cert_pem, 0644);
    write_file(o.key_path, key_pem, key_mode);
    return o;
}

inline tls_options generated_options(const std::string& state_dir, clock_type::time_point now)
{
    tls_options o;
    o.state_dir = state_dir;
    o.now = now;
    return o;
}

inline std::string error_of(const tls_options& o)
{
    auto ctx = make_server_context(o);
    REQUIRE_FALSE(ctx);
    return ctx.error();
}

inline std::string find_program(const std::string& name)
{
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/bin:/bin";
    for (std::size_t start = 0; start <= dirs.size();) {
        std::size_t end = std::min(dirs.find(':', start), dirs.size());
        std::string candidate = dirs.substr(start, end - start) + "/" + name;
        if (::access(candidate.c_str(), X_OK) == 0)
            return candidate;
        start = end + 1;
    }
    return {};
}

// Runs a shell command, returning its exit status and combined output.
inline std::pair<int, std::string> run(const std::string& command)
{
    std::string out;
    FILE* p = ::popen((command + " 2>&1").c_str(), "r");
    REQUIRE(p != nullptr);
    std::array<char, 4096> buf{};
    while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p))
        out.append(buf.data(), n);
    int status = ::pclose(p);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

} // namespace tls_test
