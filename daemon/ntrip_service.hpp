// SPDX-License-Identifier: GPL-3.0-or-later
// cairnd's NTRIP side: TLS context, rate limiter, caster, listeners and mountpoints from
// the config (or the demo's defaults), and the demo's tokens and demo.json.
#pragma once

#include "auth/rate_limiter.hpp"
#include "config/settings.hpp"
#include "daemon/auth_service.hpp"
#include "ntrip/caster.hpp"

#include <memory>
#include <optional>

namespace daemon_ntrip {

struct demo_options
{
    unsigned short plain_port = 2101; // TLS listens on plain_port + 1
};

class ntrip_service
{
public:
    // Throws std::runtime_error at start-up (bad certificate, port in use, ...).
    ntrip_service(net::io_context& io, const config::settings& s, daemon_auth::auth_service& auth,
                  const std::string& state_dir, std::optional<demo_options> demo);
    ~ntrip_service();

    void publish_receiver_frame(gnss::byte_view f) { caster_->publish_receiver_frame(f); }
    void close_token_sessions(const std::vector<std::string>& ids)
    {
        caster_->close_token_sessions(ids);
    }
    void stop() { caster_->stop(); }
    void forget_station_frames() { caster_->forget_station_frames(); }
    nlohmann::json status() const;

private:
    void setup_demo(const std::string& state_dir, const demo_options& d);

    daemon_auth::auth_service& auth_;
    auth::rate_limiter limiter_;
    std::unique_ptr<net::ssl::context> tls_;
    std::string fingerprint_;
    std::string certificate_path_;
    std::unique_ptr<ntrip::caster> caster_;
};

} // namespace daemon_ntrip
