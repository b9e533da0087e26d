// SPDX-License-Identifier: GPL-3.0-or-later
// JSON shapes shared by `cairnctl scan --json` and the control socket's status, so the
// two can be compared key for key.
#pragma once

#include "gnss/capture_summary.hpp"
#include "gnss/framer.hpp"

#include <nlohmann/json.hpp>

namespace status_json {

// {"rtcm3": {"frames", "types"}, "ubx": {"frames", "messages"}, "nmea": {"frames",
//  "sentences"}, "bad_checksum", "unframed_bytes", "oversize"}
nlohmann::json counters(const gnss::framer_counters& c);

// {"type", "station_id", "ecef": {x,y,z}, "antenna_height", "antenna": {...}} or null
nlohmann::json station(const gnss::capture_summary& s);

// {"model", "firmware", "protocol", "software", "hardware"} or null
nlohmann::json receiver(const gnss::capture_summary& s);

// {"fix_type", "satellites_used", "lat", "lon", "height"} / survey-in, or null
nlohmann::json fix(const gnss::capture_summary& s);
nlohmann::json survey(const gnss::capture_summary& s);

} // namespace status_json
