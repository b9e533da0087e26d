// SPDX-License-Identifier: GPL-3.0-or-later
// The [receiver] and [station] key tables, the checks between their keys, and their TOML
// form: what the receiver is made to do and what the station says about itself.
#pragma once

#include "config/load_rules.hpp"

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace config::detail {

std::span<const key_rule> receiver_rules();
std::span<const key_rule> station_rules();

// A problem found between keys; key is the dotted path it is reported at.
struct key_problem
{
    std::string key;
    std::string message;
    bool fatal = true; // false: a warning, start-up goes on
};

// Checks across [receiver] and [station] once every key is valid on its own.
std::vector<key_problem> check_station(const settings& s);

toml::table receiver_table(const receiver_settings& r);
toml::table station_table(const station_settings& st);

} // namespace config::detail
