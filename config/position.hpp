// SPDX-License-Identifier: GPL-3.0-or-later
// Station text as RTKBase writes it: a position "lat lon height" (or ECEF "x y z") and
// antenna info "descriptor[,serial[,setup]]". Pure parsers with named limits.
#pragma once

#include "config/settings.hpp"

#include <tl/expected.hpp>

#include <string_view>

namespace config {

// Longest position text accepted (three numbers with many digits fit easily).
inline constexpr std::size_t max_position_chars = 128;
// Heights a base antenna can have: the Dead Sea shore to above any mountain.
inline constexpr double min_height_m = -1000;
inline constexpr double max_height_m = 10000;
// An ECEF point must lie within this band of distances from the Earth's centre (the
// ellipsoid spans 6356.8-6378.1 km; the band adds the height limits and some margin).
inline constexpr double min_ecef_radius_m = 6'350'000;
inline constexpr double max_ecef_radius_m = 6'390'000;

// "47.0123456 2.0123456 123.456" (decimal degrees, WGS84 ellipsoidal metres), separated by
// spaces or tabs, optionally in single or double quotes as RTKBase's settings.conf has it.
tl::expected<station_position, std::string> parse_llh_text(std::string_view text);
// "4444030.8028 3085671.2349 3366658.2560" (ECEF metres), the same separators and quotes.
tl::expected<station_position, std::string> parse_ecef_text(std::string_view text);
// The text parse_*_text reads back as p (shortest round-trip decimal form).
std::string to_text(const station_position& p);

// Longest antenna text: two 31-character strings, a setup id, commas and blanks.
inline constexpr std::size_t max_antenna_chars = 80;

// "TRM59800.00     NONE,12345,0": descriptor (1..31 printable ASCII, no comma), then an
// optional serial (0..31) and setup id (0..255); blanks around each part are dropped and
// one pair of matching quotes around the whole is allowed.
tl::expected<antenna_settings, std::string> parse_antenna_text(std::string_view text);
std::string to_text(const antenna_settings& a);

} // namespace config
