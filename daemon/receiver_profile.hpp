// SPDX-License-Identifier: GPL-3.0-or-later
// From settings to what the receiver is told: the UBX profile for base-fixed or survey-in,
// and the configurator's outcome as JSON for the control reply and the audit record.
#pragma once

#include "config/settings.hpp"
#include "gnss/base_profile.hpp"
#include "gnss/ubx_configurator.hpp"

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include <optional>
#include <string>

namespace daemon_receiver {

// The profile for `mode` from [receiver] and [station]. base-fixed takes `surveyed` when
// given (a survey-in that just completed), else station.position; without either it
// says what to configure.
tl::expected<gnss::ubx::base_profile, std::string>
profile_from_settings(const config::settings& s, gnss::ubx::base_mode mode,
                      std::optional<gnss::ubx::fixed_ecef> surveyed = std::nullopt);

// The request a profile makes, or why it cannot be made.
tl::expected<gnss::ubx::configurator_request, std::string>
request_for(const gnss::ubx::base_profile& p, bool save);

// {"state", "ok", "reason", "receiver": {"model", "firmware", "protocol", "supported"},
//  "steps": [...]}
nlohmann::json report(const gnss::ubx::configurator& c);

} // namespace daemon_receiver
