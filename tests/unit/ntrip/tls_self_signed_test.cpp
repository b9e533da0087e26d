// SPDX-License-Identifier: GPL-3.0-or-later
// The generated certificate: DNS name rules, files and modes, names, dates, fingerprint,
// reuse across starts, renewal before it ends, and replacement of a damaged pair.
#include "ntrip/tls_self_signed.hpp"

#include "tests/unit/ntrip/tls_test_support.hpp"

#include <doctest/doctest.h>

#include <array>
#include <filesystem>
#include <string>
#include <unistd.h>

using namespace ntrip;
using namespace tls_test;
using namespace std::chrono_literals;

TEST_CASE("DNS names for the certificate: syntax and RFC 1035 lengths")
{
    CHECK(is_valid_dns_name("localhost"));
    CHECK(is_valid_dns_name("caster.example.org"));
    CHECK(is_valid_dns_name("base-1.Example.ORG"));
    CHECK_FALSE(is_valid_dns_name(""));
    CHECK_FALSE(is_valid_dns_name("*.example.org"));
    CHECK_FALSE(is_valid_dns_name("under_score.example"));
    CHECK_FALSE(is_valid_dns_name("-lead.example"));
    CHECK_FALSE(is_valid_dns_name("trail-.example"));
    CHECK_FALSE(is_valid_dns_name("double..dot"));
    CHECK_FALSE(is_valid_dns_name("trailing.dot."));
    CHECK_FALSE(is_valid_dns_name("has space"));
    const std::string label(max_dns_label_length, 'a');
    CHECK(is_valid_dns_name(label + ".example"));
    CHECK_FALSE(is_valid_dns_name(label + "a.example"));
    std::string name = label + "." + label + "." + label + "."; // 192
    name += std::string(max_dns_name_length - name.size(), 'b');
    CHECK(is_valid_dns_name(name));
    CHECK_FALSE(is_valid_dns_name(name + "b"));
}

TEST_CASE("generated certificate: files, modes, names, dates, fingerprint")
{
    temp_dir d;
    const auto now = clock_type::now();
    auto o = generated_options(d.path, now);
    o.names = {"caster.example.org", "192.0.2.7", "2001:db8::1", "Caster.Example.org"};
    auto ctx = make_server_context(o);
    REQUIRE_MESSAGE(ctx, (ctx ? "" : ctx.error()));
    CHECK(ctx->generated());
    CHECK(ctx->native() != nullptr);
    const std::string key_path = d.path + "/tls/key.pem";
    CHECK(ctx->certificate_path() == d.path + "/tls/cert.pem");
    CHECK(file_mode(d.path + "/tls") == 0700);
    CHECK(file_mode(key_path) == 0600);
    CHECK(file_mode(ctx->certificate_path()) == 0644);
    CHECK_FALSE(std::filesystem::exists(key_path + ".new"));

    const std::string fp = ctx->fingerprint_sha256();
    CHECK(fp.size() == 32 * 3 - 1);
    for (std::size_t i = 0; i < fp.size(); ++i)
        CHECK(((i % 3 == 2) ? fp[i] == ':' : std::isxdigit(fp[i]) && !std::islower(fp[i])));

    auto cert = read_certificate(ctx->certificate_path());
    constexpr unsigned flags = X509_CHECK_FLAG_NEVER_CHECK_SUBJECT;
    CHECK(X509_check_host(cert.get(), "localhost", 0, flags, nullptr) == 1);
    CHECK(X509_check_host(cert.get(), "caster.example.org", 0, flags, nullptr) == 1);
    CHECK(X509_check_ip_asc(cert.get(), "127.0.0.1", 0) == 1);
    CHECK(X509_check_ip_asc(cert.get(), "::1", 0) == 1);
    CHECK(X509_check_ip_asc(cert.get(), "192.0.2.7", 0) == 1);
    CHECK(X509_check_ip_asc(cert.get(), "2001:db8::1", 0) == 1);
    CHECK(X509_check_host(cert.get(), "example.org", 0, flags, nullptr) == 0);
    CHECK(X509_check_ip_asc(cert.get(), "192.0.2.8", 0) == 0);
    std::array<char, 256> host{};
    REQUIRE(::gethostname(host.data(), host.size() - 1) == 0);
    if (is_valid_dns_name(host.data()))
        CHECK(X509_check_host(cert.get(), host.data(), 0, flags, nullptr) == 1);

    // A leaf for TLS servers that cannot sign other certificates, ECDSA P-256, SHA-256.
    const auto ext = X509_get_extension_flags(cert.get());
    CHECK((ext & EXFLAG_BCONS) != 0);
    CHECK((ext & EXFLAG_CA) == 0);
    CHECK((ext & EXFLAG_SS) != 0);
    CHECK(X509_check_purpose(cert.get(), X509_PURPOSE_SSL_SERVER, 0) == 1);
    CHECK((X509_get_key_usage(cert.get()) & KU_KEY_CERT_SIGN) == 0);
    CHECK(X509_get_signature_nid(cert.get()) == NID_ecdsa_with_SHA256);
    CHECK(EVP_PKEY_get_bits(X509_get0_pubkey(cert.get())) == 256);
    bignum_ptr serial{ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert.get()), nullptr)};
    CHECK(BN_num_bits(serial.get()) > 64);
    CHECK(BN_num_bits(serial.get()) <= static_cast<int>(serial_bytes * 8));

    const auto t = clock_type::to_time_t(now);
    CHECK(ASN1_TIME_cmp_time_t(X509_get0_notBefore(cert.get()),
                               clock_type::to_time_t(now - self_signed_backdate)) == 0);
    CHECK(ASN1_TIME_cmp_time_t(X509_get0_notAfter(cert.get()),
                               clock_type::to_time_t(now + self_signed_validity)) == 0);
    CHECK(ASN1_TIME_cmp_time_t(X509_get0_notAfter(cert.get()), t) > 0);
    CHECK(std::chrono::floor<std::chrono::seconds>(ctx->not_after()) ==
          std::chrono::floor<std::chrono::seconds>(now + self_signed_validity));

    // The same fingerprint as the openssl tool prints for the file.
    if (find_program("openssl").empty()) {
        MESSAGE("openssl binary not installed: fingerprint not compared with it");
    } else {
        auto [status, out] =
            run("openssl x509 -noout -fingerprint -sha256 -in " + ctx->certificate_path());
        REQUIRE(status == 0);
        auto eq = out.find('=');
        REQUIRE(eq != std::string::npos);
        CHECK(out.substr(eq + 1, fp.size()) == fp);
    }
}

TEST_CASE("generated certificate is reused while fresh and renewed before it ends")
{
    temp_dir d;
    const auto now = clock_type::now();
    auto first = make_server_context(generated_options(d.path, now));
    REQUIRE(first);
    const std::string key_path = d.path + "/tls/key.pem";
    const std::string cert_path = first->certificate_path();

    auto again = make_server_context(generated_options(d.path, now + 1h));
    REQUIRE(again);
    CHECK(again->generated());
    CHECK(again->fingerprint_sha256() == first->fingerprint_sha256());

    // Just more than the renewal margin left: still reused.
    const auto keep = now + self_signed_validity - self_signed_renew_before - 1h;
    auto late = make_server_context(generated_options(d.path, keep));
    REQUIRE(late);
    CHECK(late->fingerprint_sha256() == first->fingerprint_sha256());

    // Inside the margin: a new pair, valid for a full period from then.
    const auto renew = now + self_signed_validity - self_signed_renew_before + 1h;
    auto renewed = make_server_context(generated_options(d.path, renew));
    REQUIRE(renewed);
    CHECK(renewed->fingerprint_sha256() != first->fingerprint_sha256());
    CHECK(renewed->not_after() > renew + self_signed_validity - 1min);
    CHECK(file_mode(key_path) == 0600);
    CHECK(file_mode(cert_path) == 0644);
    const std::string current = renewed->fingerprint_sha256();

    SUBCASE("a new configured name makes a new certificate")
    {
        auto o = generated_options(d.path, renew);
        o.names = {"rover-net.example"};
        auto named = make_server_context(o);
        REQUIRE(named);
        CHECK(named->fingerprint_sha256() != current);
        auto cert = read_certificate(cert_path);
        CHECK(X509_check_host(cert.get(), "rover-net.example", 0, 0, nullptr) == 1);
    }
    SUBCASE("a key opened to the group is replaced, not used")
    {
        REQUIRE(::chmod(key_path.c_str(), 0640) == 0);
        auto fixed = make_server_context(generated_options(d.path, renew));
        REQUIRE(fixed);
        CHECK(fixed->fingerprint_sha256() != current);
        CHECK(file_mode(key_path) == 0600);
    }
    SUBCASE("a damaged certificate file is replaced")
    {
        write_file(cert_path, "not a certificate\n", 0644);
        auto fixed = make_server_context(generated_options(d.path, renew));
        REQUIRE(fixed);
        CHECK(fixed->fingerprint_sha256() != current);
    }
    SUBCASE("a key from another pair (interrupted renewal) is replaced")
    {
        temp_dir other;
        REQUIRE(make_server_context(generated_options(other.path, renew)));
        std::filesystem::copy_file(other.path + "/tls/key.pem", key_path,
                                   std::filesystem::copy_options::overwrite_existing);
        auto fixed = make_server_context(generated_options(d.path, renew));
        REQUIRE(fixed);
        CHECK(fixed->fingerprint_sha256() != current);
    }
}

TEST_CASE("generation refuses bad names and a missing state directory")
{
    temp_dir d;
    const auto now = clock_type::now();
    auto o = generated_options(d.path, now);
    o.names = {"bad_name.example"};
    CHECK(error_of(o).find("'bad_name.example' is neither an IP address nor a valid DNS name") !=
          std::string::npos);
    o.names.assign(max_tls_names, "caster.example.org");
    CHECK(make_server_context(o));
    o.names.push_back("caster.example.org");
    CHECK(error_of(o).find("too many TLS names") != std::string::npos);

    CHECK(error_of(generated_options("", now)).find("no state directory") != std::string::npos);
    CHECK(error_of(generated_options(d.path + "/missing", now)).find("cannot create") !=
          std::string::npos);
    tls_options half;
    half.certificate_path = d.path + "/x.crt";
    CHECK(error_of(half).find("set both") != std::string::npos);
}
