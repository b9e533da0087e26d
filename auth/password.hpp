// SPDX-License-Identifier: GPL-3.0-or-later
// Admin password hashing with scrypt (OpenSSL EVP_KDF "SCRYPT"), in a self-describing
// string that carries its own parameters so old hashes keep verifying after we raise them.
//
//     auto h = auth::hash_password(pw, auth::admin_scrypt_params);   // store *h
//     auto ok = auth::verify_password(pw, stored);     // error: the stored string is bad
//     if (ok && *ok && auth::needs_rehash(stored, auth::admin_scrypt_params)) rehash...
//
// Format: $scrypt$ln=16,r=8,p=1$<salt>$<hash> where N = 2^ln, salt is 16 random bytes, hash
// is 32 bytes, both in standard base64 (RFC 4648 section 4 alphabet "A-Za-z0-9+/") WITHOUT
// '=' padding, as in the PHC string format. Each hash holds a process-wide slot while the
// KDF runs (max_concurrent_hashes), because every one allocates 128*r*N bytes.
#pragma once

#include <tl/expected.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace auth {

struct scrypt_params
{
    unsigned ln = 16; // N = 2^ln
    unsigned r = 8;   // block size; memory is 128 * r * N bytes
    unsigned p = 1;   // parallel lanes; run one after the other here, so time scales with p

    bool operator==(const scrypt_params&) const = default;
};

// Admin logins: N = 2^16, r = 8, p = 1 takes ~0.3 s and 64 MiB (72 MB peak measured) here.
// OpenSSL 3.0's default cap (32 MiB) rejects this, so we pass maxmem explicitly.
inline constexpr scrypt_params admin_scrypt_params{16, 8, 1};

// Bounds on what we accept from a stored string, so a hostile database row cannot make us
// allocate gigabytes or spin for minutes. Each field alone, then memory and work together.
inline constexpr unsigned min_scrypt_ln = 10;
inline constexpr unsigned max_scrypt_ln = 20;
inline constexpr unsigned min_scrypt_r = 1;
inline constexpr unsigned max_scrypt_r = 32;
inline constexpr unsigned min_scrypt_p = 1;
inline constexpr unsigned max_scrypt_p = 16;
// 128 * r * N: 256 MiB allows ln=18 at r=8 (4x the default) and ln=20 only at r<=2.
inline constexpr std::uint64_t max_scrypt_memory_bytes = std::uint64_t{256} << 20;
// N * r * p (proportional to time): 2^22 is ln=18, r=8, p=2, a few seconds at most.
inline constexpr std::uint64_t max_scrypt_work = std::uint64_t{1} << 22;
// Room OpenSSL needs on top of its own estimate; it allocates exactly its estimate.
inline constexpr std::uint64_t scrypt_maxmem_margin_bytes = std::uint64_t{1} << 20;

inline constexpr std::size_t salt_bytes = 16;     // what we generate
inline constexpr std::size_t min_salt_bytes = 16; // what we accept when parsing
inline constexpr std::size_t max_salt_bytes = 64;
inline constexpr std::size_t hash_bytes = 32;
// Longest stored string we parse; ours are ~95 characters.
inline constexpr std::size_t max_encoded_hash_chars = 256;
// Longest password we hash. Policy allows 1024 bytes; this bounds the KDF input for callers
// that skip the policy (verify of a client-sent password).
inline constexpr std::size_t max_hashed_password_bytes = 4096;

// Hashes running the KDF at once in this process (each holds 128*r*N bytes).
inline constexpr std::ptrdiff_t max_concurrent_hashes = 2;

// Checks each field and the combined memory and work bounds above; says which is wrong.
tl::expected<void, std::string> check_scrypt_params(const scrypt_params& params);

// The maxmem we give OpenSSL: its own estimate 128*r*(N+2) + 128*r*p plus a margin. Not
// 128*r*N*p: OpenSSL runs the p lanes one after another in one V array.
std::uint64_t scrypt_maxmem_bytes(const scrypt_params& params);

// A new random 16-byte salt (RAND_bytes) and the encoded string. Errors: bad params,
// password longer than max_hashed_password_bytes, OpenSSL failure.
tl::expected<std::string, std::string> hash_password(std::string_view password,
                                                     const scrypt_params& params);

// true when password matches (CRYPTO_memcmp), false when it does not or is longer than
// max_hashed_password_bytes (we never hashed one that long). A malformed or out-of-bounds
// encoded string is an error, never false, so a corrupt row is noticed.
tl::expected<bool, std::string> verify_password(std::string_view password,
                                                std::string_view encoded);

// The parameters of an encoded string, after the same checks verify_password makes.
tl::expected<scrypt_params, std::string> parse_hash_params(std::string_view encoded);

// true when any of ln, r, p in encoded is lower than current (rehash on the next good
// login), or when encoded is malformed (it must be replaced anyway).
bool needs_rehash(std::string_view encoded, const scrypt_params& current);

namespace detail {
// The raw KDF under the concurrency limit, for known-answer tests (RFC 7914 uses a 4-byte
// salt, which the encoded format refuses). params must pass check_scrypt_params.
tl::expected<void, std::string> scrypt_kdf(std::string_view password,
                                           std::span<const std::uint8_t> salt,
                                           const scrypt_params& params,
                                           std::span<std::uint8_t> out);

// Test hook run inside the KDF slot, before the KDF: lets a test observe how many threads
// are inside at once. nullptr (the default) disables it. Not for production use.
using kdf_hook = void (*)();
void set_kdf_test_hook(kdf_hook hook);
} // namespace detail

} // namespace auth
