// SPDX-License-Identifier: GPL-3.0-or-later
// Cairn's own TLS certificate when none is configured: a self-signed ECDSA P-256 pair in
// STATE_DIR/tls, reused across starts and renewed before it ends.
#pragma once

#include "ntrip/tls.hpp"

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ntrip {

// A generated certificate is valid this long from the start that made it ...
constexpr auto self_signed_validity = std::chrono::days{365};
// ... and is replaced at a start that finds it this close to its end (or past it).
constexpr auto self_signed_renew_before = std::chrono::days{30};
// Its notBefore lies this far before `now`, so a client whose clock is a little behind
// does not see a certificate from the future.
constexpr auto self_signed_backdate = std::chrono::hours{1};
// Random serial number size (the CA/Browser Forum asks for at least 64 random bits).
constexpr std::size_t serial_bytes = 16;
// Extra names for the generated certificate's subjectAltName.
constexpr std::size_t max_tls_names = 32;
// RFC 1035 limits for a DNS name given in `names`.
constexpr std::size_t max_dns_name_length = 253;
constexpr std::size_t max_dns_label_length = 63;

struct self_signed_pair
{
    certificate_pair pair;
    std::string certificate_path;
};

// Reuses STATE_DIR/tls/key.pem (0600) and cert.pem (0644) while they pass every check of
// load_certificate_pair, name this host, localhost, 127.0.0.1, ::1 and every one of
// `names`, and have more than self_signed_renew_before left; otherwise makes a new pair.
tl::expected<self_signed_pair, std::string>
self_signed_certificate(const std::string& state_dir, const std::vector<std::string>& names,
                        std::chrono::system_clock::time_point now);

// True for a name we would put in a certificate as a DNS entry: dot-separated labels of
// letters, digits and inner hyphens, within the RFC 1035 lengths; no wildcards.
bool is_valid_dns_name(std::string_view name);

} // namespace ntrip
