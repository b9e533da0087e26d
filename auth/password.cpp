// SPDX-License-Identifier: GPL-3.0-or-later
// scrypt password hashing: the encoded format, its strict parser, and the bounded KDF call.
#include "auth/password.hpp"

#include "auth/base64.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <array>
#include <atomic>
#include <charconv>
#include <memory>
#include <optional>
#include <semaphore>
#include <vector>

namespace auth {
namespace {

constexpr std::string_view prefix = "$scrypt$";

// A decimal without sign, leading zeros or more than 3 digits.
std::optional<unsigned> parse_small_uint(std::string_view s)
{
    if (s.empty() || s.size() > 3 || (s.size() > 1 && s[0] == '0'))
        return std::nullopt;
    unsigned v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size())
        return std::nullopt;
    return v;
}

// "key=VALUE" at the front of s, followed by sep (or the end when sep is 0).
std::optional<unsigned> take_field(std::string_view& s, std::string_view key, char sep)
{
    if (s.substr(0, key.size()) != key)
        return std::nullopt;
    s.remove_prefix(key.size());
    std::size_t end = sep ? s.find(sep) : s.size();
    if (end == std::string_view::npos)
        return std::nullopt;
    auto v = parse_small_uint(s.substr(0, end));
    s.remove_prefix(sep ? end + 1 : end);
    return v;
}

struct parsed_hash
{
    scrypt_params params;
    std::vector<std::uint8_t> salt;
    std::vector<std::uint8_t> hash;
};

tl::expected<parsed_hash, std::string> parse(std::string_view encoded)
{
    auto bad = [](std::string what) {
        return tl::unexpected("malformed scrypt hash: " + std::move(what));
    };
    if (encoded.size() > max_encoded_hash_chars)
        return bad("longer than " + std::to_string(max_encoded_hash_chars) + " characters");
    if (encoded.substr(0, prefix.size()) != prefix)
        return bad("does not start with \"$scrypt$\"");
    std::string_view rest = encoded.substr(prefix.size());
    std::size_t d1 = rest.find('$');
    std::size_t d2 = d1 == std::string_view::npos ? d1 : rest.find('$', d1 + 1);
    if (d2 == std::string_view::npos || rest.find('$', d2 + 1) != std::string_view::npos)
        return bad("expected $scrypt$PARAMS$SALT$HASH");
    std::string_view fields = rest.substr(0, d1);
    std::string_view salt64 = rest.substr(d1 + 1, d2 - d1 - 1);
    std::string_view hash64 = rest.substr(d2 + 1);

    parsed_hash out;
    auto ln = take_field(fields, "ln=", ',');
    auto r = ln ? take_field(fields, "r=", ',') : std::nullopt;
    auto p = r ? take_field(fields, "p=", 0) : std::nullopt;
    if (!p)
        return bad("parameters are not \"ln=N,r=N,p=N\"");
    out.params = {*ln, *r, *p};
    if (auto ok = check_scrypt_params(out.params); !ok)
        return bad(ok.error());

    auto salt = base64_decode(salt64, b64_padding::none);
    if (!salt)
        return bad("salt is not unpadded base64");
    if (salt->size() < min_salt_bytes || salt->size() > max_salt_bytes)
        return bad("salt has " + std::to_string(salt->size()) + " bytes, expected " +
                   std::to_string(min_salt_bytes) + " to " + std::to_string(max_salt_bytes));
    auto hash = base64_decode(hash64, b64_padding::none);
    if (!hash)
        return bad("hash is not unpadded base64");
    if (hash->size() != hash_bytes)
        return bad("hash has " + std::to_string(hash->size()) + " bytes, expected " +
                   std::to_string(hash_bytes));
    out.salt = std::move(*salt);
    out.hash = std::move(*hash);
    return out;
}

std::string openssl_error(std::string_view what)
{
    unsigned long e = ERR_get_error();
    ERR_clear_error();
    char buf[256] = "unknown error";
    if (e != 0)
        ERR_error_string_n(e, buf, sizeof buf);
    return std::string(what) + ": " + buf;
}

// Fetched once; never freed (it lives as long as the process and the OpenSSL library).
EVP_KDF* scrypt_algorithm()
{
    static EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "SCRYPT", nullptr);
    return kdf;
}

struct kdf_ctx_free
{
    void operator()(EVP_KDF_CTX* c) const { EVP_KDF_CTX_free(c); } // also cleanses the password
};

std::counting_semaphore<max_concurrent_hashes>& kdf_slots()
{
    static std::counting_semaphore<max_concurrent_hashes> slots{max_concurrent_hashes};
    return slots;
}

std::atomic<detail::kdf_hook> test_hook{nullptr};

class slot_guard
{
public:
    slot_guard() { kdf_slots().acquire(); }
    ~slot_guard() { kdf_slots().release(); }
    slot_guard(const slot_guard&) = delete;
    slot_guard& operator=(const slot_guard&) = delete;
};

} // namespace

tl::expected<void, std::string> check_scrypt_params(const scrypt_params& params)
{
    auto range = [](std::string_view name, unsigned v, unsigned lo,
                    unsigned hi) -> tl::expected<void, std::string> {
        if (v < lo || v > hi)
            return tl::unexpected(std::string(name) + "=" + std::to_string(v) + " is outside " +
                                  std::to_string(lo) + ".." + std::to_string(hi));
        return {};
    };
    if (auto ok = range("ln", params.ln, min_scrypt_ln, max_scrypt_ln); !ok)
        return ok;
    if (auto ok = range("r", params.r, min_scrypt_r, max_scrypt_r); !ok)
        return ok;
    if (auto ok = range("p", params.p, min_scrypt_p, max_scrypt_p); !ok)
        return ok;
    std::uint64_t n = std::uint64_t{1} << params.ln;
    if (128 * params.r * n > max_scrypt_memory_bytes)
        return tl::unexpected("ln=" + std::to_string(params.ln) + ",r=" + std::to_string(params.r) +
                              " needs more than " + std::to_string(max_scrypt_memory_bytes >> 20) +
                              " MiB");
    if (n * params.r * params.p > max_scrypt_work)
        return tl::unexpected(std::string("N*r*p is above the work limit 2^22"));
    return {};
}

std::uint64_t scrypt_maxmem_bytes(const scrypt_params& params)
{
    std::uint64_t n = std::uint64_t{1} << params.ln;
    return 128 * std::uint64_t{params.r} * (n + 2) + 128 * std::uint64_t{params.r} * params.p +
           scrypt_maxmem_margin_bytes;
}

namespace detail {

void set_kdf_test_hook(kdf_hook hook)
{
    test_hook.store(hook);
}

tl::expected<void, std::string> scrypt_kdf(std::string_view password,
                                           std::span<const std::uint8_t> salt,
                                           const scrypt_params& params, std::span<std::uint8_t> out)
{
    if (auto ok = check_scrypt_params(params); !ok)
        return tl::unexpected(ok.error());
    EVP_KDF* kdf = scrypt_algorithm();
    if (!kdf)
        return tl::unexpected(openssl_error("OpenSSL has no SCRYPT KDF"));

    static const char empty = 0; // OpenSSL wants a non-null pointer even for length 0
    std::uint64_t n = std::uint64_t{1} << params.ln;
    std::uint32_t r = params.r;
    std::uint32_t p = params.p;
    std::uint64_t maxmem = scrypt_maxmem_bytes(params);
    // OpenSSL only reads these; the casts are for its C signature.
    void* pw = const_cast<char*>(password.empty() ? &empty : password.data());
    void* s = const_cast<std::uint8_t*>(salt.data());
    OSSL_PARAM ps[] = {
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, pw, password.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, s, salt.size()),
        OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
        OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
        OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
        OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
        OSSL_PARAM_construct_end(),
    };

    slot_guard slot;
    if (auto hook = test_hook.load())
        hook();
    std::unique_ptr<EVP_KDF_CTX, kdf_ctx_free> ctx(EVP_KDF_CTX_new(kdf));
    if (!ctx)
        return tl::unexpected(openssl_error("EVP_KDF_CTX_new"));
    if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), ps) != 1)
        return tl::unexpected(openssl_error("scrypt"));
    return {};
}

} // namespace detail

tl::expected<std::string, std::string> hash_password(std::string_view password,
                                                     const scrypt_params& params)
{
    if (auto ok = check_scrypt_params(params); !ok)
        return tl::unexpected("bad scrypt parameters: " + ok.error());
    if (password.size() > max_hashed_password_bytes)
        return tl::unexpected("password is longer than " +
                              std::to_string(max_hashed_password_bytes) + " bytes");
    std::array<std::uint8_t, salt_bytes> salt{};
    if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1)
        return tl::unexpected(openssl_error("RAND_bytes"));
    std::array<std::uint8_t, hash_bytes> derived{};
    if (auto ok = detail::scrypt_kdf(password, salt, params, derived); !ok)
        return tl::unexpected(ok.error());
    std::string out = std::string(prefix) + "ln=" + std::to_string(params.ln) +
                      ",r=" + std::to_string(params.r) + ",p=" + std::to_string(params.p) + "$" +
                      base64_encode(salt, b64_padding::none) + "$" +
                      base64_encode(derived, b64_padding::none);
    OPENSSL_cleanse(derived.data(), derived.size());
    return out;
}

tl::expected<bool, std::string> verify_password(std::string_view password, std::string_view encoded)
{
    auto parsed = parse(encoded);
    if (!parsed)
        return tl::unexpected(parsed.error());
    if (password.size() > max_hashed_password_bytes)
        return false;
    std::array<std::uint8_t, hash_bytes> derived{};
    if (auto ok = detail::scrypt_kdf(password, parsed->salt, parsed->params, derived); !ok)
        return tl::unexpected(ok.error());
    bool same = CRYPTO_memcmp(derived.data(), parsed->hash.data(), hash_bytes) == 0;
    OPENSSL_cleanse(derived.data(), derived.size());
    return same;
}

tl::expected<scrypt_params, std::string> parse_hash_params(std::string_view encoded)
{
    auto parsed = parse(encoded);
    if (!parsed)
        return tl::unexpected(parsed.error());
    return parsed->params;
}

bool needs_rehash(std::string_view encoded, const scrypt_params& current)
{
    auto params = parse_hash_params(encoded);
    if (!params)
        return true;
    return params->ln < current.ln || params->r < current.r || params->p < current.p;
}

} // namespace auth
