// SPDX-License-Identifier: GPL-3.0-or-later
// Cairn's own certificate when none is configured: an ECDSA P-256 key and a self-signed
// certificate naming this host, kept in STATE_DIR/tls and renewed before it ends.
#include "ntrip/tls_self_signed.hpp"

#include <fmt/core.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <cerrno>
#include <climits>
#include <fcntl.h>
#include <optional>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace ntrip {
namespace {

using clock = std::chrono::system_clock;

constexpr const char* generated_dir = "tls";
constexpr const char* generated_key = "key.pem";
constexpr const char* generated_certificate = "cert.pem";

std::string errno_text(int e)
{
    return std::error_code(e, std::generic_category()).message();
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

struct san_entry
{
    int type;          // GEN_DNS or GEN_IPADD
    std::string value; // lower-case DNS name, or the 4 or 16 address bytes
    bool operator==(const san_entry&) const = default;
};

std::string to_lower(std::string_view s)
{
    std::string out(s);
    std::ranges::transform(out, out.begin(), [](unsigned char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    });
    return out;
}

std::optional<san_entry> parse_ip(std::string_view text)
{
    if (text.size() > 2 && text.front() == '[' && text.back() == ']')
        text = text.substr(1, text.size() - 2);
    std::string s(text);
    std::array<unsigned char, 16> bytes{};
    if (::inet_pton(AF_INET, s.c_str(), bytes.data()) == 1)
        return san_entry{GEN_IPADD, std::string(bytes.begin(), bytes.begin() + 4)};
    if (::inet_pton(AF_INET6, s.c_str(), bytes.data()) == 1)
        return san_entry{GEN_IPADD, std::string(bytes.begin(), bytes.end())};
    return std::nullopt;
}

std::string host_name()
{
    std::array<char, HOST_NAME_MAX + 1> buf{};
    if (::gethostname(buf.data(), buf.size() - 1) != 0)
        return {};
    return to_lower(buf.data());
}

// What a generated certificate must name: this host, localhost, both loopback addresses
// and the configured names, without duplicates.
tl::expected<std::vector<san_entry>, std::string>
required_names(const std::string& host, const std::vector<std::string>& extra)
{
    if (extra.size() > max_tls_names)
        return tl::unexpected(
            fmt::format("too many TLS names ({}; at most {})", extra.size(), max_tls_names));
    std::vector<san_entry> out;
    auto add = [&out](san_entry e) {
        if (std::ranges::find(out, e) == out.end())
            out.push_back(std::move(e));
    };
    if (is_valid_dns_name(host))
        add({GEN_DNS, host});
    add({GEN_DNS, "localhost"});
    add(*parse_ip("127.0.0.1"));
    add(*parse_ip("::1"));
    for (const auto& name : extra) {
        if (auto ip = parse_ip(name))
            add(std::move(*ip));
        else if (is_valid_dns_name(name))
            add({GEN_DNS, to_lower(name)});
        else
            return tl::unexpected(
                fmt::format("TLS name '{}' is neither an IP address nor a valid DNS name", name));
    }
    return out;
}

std::vector<san_entry> certificate_names(X509* cert)
{
    std::vector<san_entry> out;
    general_names_ptr names{static_cast<GENERAL_NAMES*>(
        X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr))};
    for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
        const GENERAL_NAME* g = sk_GENERAL_NAME_value(names.get(), i);
        const ASN1_STRING* s = g->type == GEN_DNS     ? g->d.dNSName
                               : g->type == GEN_IPADD ? g->d.iPAddress
                                                      : nullptr;
        if (!s)
            continue;
        std::string value(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                          static_cast<std::size_t>(ASN1_STRING_length(s)));
        out.push_back({g->type, g->type == GEN_DNS ? to_lower(value) : value});
    }
    ERR_clear_error();
    return out;
}

tl::expected<void, std::string> add_extension(X509* cert, X509V3_CTX* v3, int nid,
                                              const char* value)
{
    x509_extension_ptr ext{X509V3_EXT_conf_nid(nullptr, v3, nid, value)};
    if (!ext || X509_add_ext(cert, ext.get(), -1) != 1)
        return tl::unexpected(
            fmt::format("cannot add {}: {}", OBJ_nid2sn(nid), take_openssl_error()));
    return {};
}

tl::expected<void, std::string> add_subject_alt_names(X509* cert,
                                                      const std::vector<san_entry>& names)
{
    general_names_ptr gens{sk_GENERAL_NAME_new_null()};
    if (!gens)
        return tl::unexpected(take_openssl_error());
    for (const auto& n : names) {
        general_name_ptr g{GENERAL_NAME_new()};
        ASN1_STRING* s = n.type == GEN_DNS ? ASN1_IA5STRING_new() : ASN1_OCTET_STRING_new();
        if (!g || !s || ASN1_STRING_set(s, n.value.data(), static_cast<int>(n.value.size())) != 1) {
            ASN1_STRING_free(s);
            return tl::unexpected(take_openssl_error());
        }
        GENERAL_NAME_set0_value(g.get(), n.type, s);
        if (sk_GENERAL_NAME_push(gens.get(), g.get()) == 0)
            return tl::unexpected(take_openssl_error());
        g.release(); // now owned by gens
    }
    if (X509_add1_ext_i2d(cert, NID_subject_alt_name, gens.get(), 0, X509V3_ADD_DEFAULT) != 1)
        return tl::unexpected(take_openssl_error());
    return {};
}

// An ECDSA P-256 leaf signing itself. basicConstraints is CA:FALSE (critical): OpenSSL 3.0
// (curl 7.88, socat, s_client -verify_return_error) accepts a self-signed CA:FALSE leaf given
// as its own --cacert/-CAfile, as it does CA:TRUE or no basicConstraints (checked here), and
// CA:FALSE means the certificate cannot vouch for others if an operator trusts it widely;
// Firefox also rejects a CA:TRUE certificate used as a server's leaf.
tl::expected<certificate_pair, std::string> generate_pair(const std::vector<san_entry>& names,
                                                          const std::string& common_name,
                                                          clock::time_point now)
{
    evp_pkey_ptr key{EVP_EC_gen("P-256")};
    x509_ptr cert{X509_new()};
    if (!key || !cert || X509_set_version(cert.get(), X509_VERSION_3) != 1)
        return tl::unexpected(take_openssl_error());
    std::array<unsigned char, serial_bytes> serial{};
    if (RAND_bytes(serial.data(), static_cast<int>(serial.size())) != 1)
        return tl::unexpected(take_openssl_error());
    bignum_ptr bn{BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr)};
    if (!bn || !BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())))
        return tl::unexpected(take_openssl_error());
    if (!ASN1_TIME_set(X509_getm_notBefore(cert.get()),
                       clock::to_time_t(now - self_signed_backdate)) ||
        !ASN1_TIME_set(X509_getm_notAfter(cert.get()),
                       clock::to_time_t(now + self_signed_validity)))
        return tl::unexpected(take_openssl_error());
    X509_NAME* subject = X509_get_subject_name(cert.get());
    if (X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                   -1, 0) != 1 ||
        X509_set_issuer_name(cert.get(), subject) != 1 ||
        X509_set_pubkey(cert.get(), key.get()) != 1)
        return tl::unexpected(take_openssl_error());

    X509V3_CTX v3{};
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, cert.get(), cert.get(), nullptr, nullptr, 0);
    for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:FALSE"},
                              {NID_key_usage, "critical,digitalSignature"},
                              {NID_ext_key_usage, "serverAuth"},
                              {NID_subject_key_identifier, "hash"},
                              {NID_authority_key_identifier, "keyid:always"}})
        if (auto ok = add_extension(cert.get(), &v3, nid, value); !ok)
            return tl::unexpected(ok.error());
    if (auto ok = add_subject_alt_names(cert.get(), names); !ok)
        return tl::unexpected(ok.error());
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0)
        return tl::unexpected(take_openssl_error());
    certificate_pair pair;
    pair.chain.push_back(std::move(cert));
    pair.key = std::move(key);
    return pair;
}

// Writes PATH.new (created O_EXCL with exactly `mode`, synced); rename_into_place finishes.
tl::expected<void, std::string> write_new_file(const std::string& path, const char* data,
                                               std::size_t size, mode_t mode)
{
    const std::string tmp = path + ".new";
    if (::unlink(tmp.c_str()) != 0 && errno != ENOENT) // left by an interrupted start
        return tl::unexpected(fmt::format("cannot remove {}: {}", tmp, errno_text(errno)));
    fd_guard f{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)};
    if (f.fd < 0)
        return tl::unexpected(fmt::format("cannot create {}: {}", tmp, errno_text(errno)));
    if (::fchmod(f.fd, mode) != 0) // the umask may have taken bits we want (0644)
        return tl::unexpected(fmt::format("cannot chmod {}: {}", tmp, errno_text(errno)));
    for (std::size_t done = 0; done < size;) {
        ssize_t n = ::write(f.fd, data + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return tl::unexpected(fmt::format("cannot write {}: {}", tmp, errno_text(errno)));
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(f.fd) != 0)
        return tl::unexpected(fmt::format("cannot write {}: {}", tmp, errno_text(errno)));
    return {};
}

tl::expected<void, std::string> rename_into_place(const std::string& path)
{
    const std::string tmp = path + ".new";
    if (::rename(tmp.c_str(), path.c_str()) != 0)
        return tl::unexpected(fmt::format("cannot rename {}: {}", tmp, errno_text(errno)));
    return {};
}

tl::expected<void, std::string> save_pair(const certificate_pair& pair, const std::string& dir,
                                          const std::string& key_path, const std::string& cert_path)
{
    // Secure-heap BIO: the PEM key text is wiped when freed.
    bio_ptr key_pem{BIO_new(BIO_s_secmem())};
    bio_ptr cert_pem{BIO_new(BIO_s_mem())};
    if (!key_pem || !cert_pem ||
        PEM_write_bio_PrivateKey(key_pem.get(), pair.key.get(), nullptr, nullptr, 0, nullptr,
                                 nullptr) != 1 ||
        PEM_write_bio_X509(cert_pem.get(), pair.chain.front().get()) != 1)
        return tl::unexpected(take_openssl_error());
    char* data = nullptr;
    long size = BIO_get_mem_data(key_pem.get(), &data);
    if (auto ok = write_new_file(key_path, data, static_cast<std::size_t>(size), 0600); !ok)
        return ok;
    size = BIO_get_mem_data(cert_pem.get(), &data);
    if (auto ok = write_new_file(cert_path, data, static_cast<std::size_t>(size), 0644); !ok)
        return ok;
    // A crash between the renames leaves a mismatched pair, which the next start replaces.
    if (auto ok = rename_into_place(key_path); !ok)
        return ok;
    if (auto ok = rename_into_place(cert_path); !ok)
        return ok;
    fd_guard d{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (d.fd < 0 || ::fsync(d.fd) != 0)
        return tl::unexpected(fmt::format("cannot sync {}: {}", dir, errno_text(errno)));
    return {};
}

} // namespace

tl::expected<self_signed_pair, std::string>
self_signed_certificate(const std::string& state_dir, const std::vector<std::string>& extra_names,
                        clock::time_point now)
{
    if (state_dir.empty())
        return tl::unexpected(
            std::string("no TLS certificate configured and no state directory to generate one in"));
    const std::string host = host_name();
    auto names = required_names(host, extra_names);
    if (!names)
        return tl::unexpected(names.error());
    const std::string dir = state_dir + "/" + generated_dir;
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
        return tl::unexpected(fmt::format("cannot create {}: {}", dir, errno_text(errno)));
    struct stat st = {};
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return tl::unexpected(fmt::format("{} is not a directory", dir));
    const std::string key_path = dir + "/" + generated_key;
    const std::string cert_path = dir + "/" + generated_certificate;

    if (auto old = load_certificate_pair(cert_path, key_path, now)) {
        X509* leaf = old->chain.front().get();
        auto have = certificate_names(leaf);
        bool covers = std::ranges::all_of(*names, [&have](const san_entry& e) {
            return std::ranges::find(have, e) != have.end();
        });
        bool fresh = to_time_point(X509_get0_notAfter(leaf)) > now + self_signed_renew_before;
        if (covers && fresh)
            return self_signed_pair{std::move(*old), cert_path};
    }
    const std::string common_name =
        is_valid_dns_name(host) ? host.substr(0, ub_common_name) : "localhost";
    auto made = generate_pair(*names, common_name, now);
    if (!made)
        return tl::unexpected(fmt::format("cannot generate a TLS certificate: {}", made.error()));
    if (auto saved = save_pair(*made, dir, key_path, cert_path); !saved)
        return tl::unexpected(saved.error());
    return self_signed_pair{std::move(*made), cert_path};
}

bool is_valid_dns_name(std::string_view name)
{
    if (name.empty() || name.size() > max_dns_name_length)
        return false;
    for (std::size_t start = 0; start <= name.size();) {
        std::size_t end = std::min(name.find('.', start), name.size());
        std::string_view label = name.substr(start, end - start);
        if (label.empty() || label.size() > max_dns_label_length || label.front() == '-' ||
            label.back() == '-')
            return false;
        for (char c : label)
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-'))
                return false;
        start = end + 1;
    }
    return true;
}

} // namespace ntrip
