// SPDX-License-Identifier: GPL-3.0-or-later
// The receiver monitor's status as the control protocol's JSON (docs/control-protocol.md).
#pragma once

#include "gnss/receiver_monitor.hpp"

#include <nlohmann/json.hpp>

namespace daemon_receiver {

// {"model", "firmware", "protocol", "fix": {...}, "satellites": {"seen", "used",
//  "list": [...]}, "survey_in": {...}, "rtcm": {"1005": {"frames", "interval_ms",
//  "age_ms"}, ...}}; a part is null until its message has been seen.
nlohmann::json to_json(const gnss::receiver_status& s, std::chrono::steady_clock::time_point now);

} // namespace daemon_receiver
