// SPDX-License-Identifier: GPL-3.0-or-later
// The [caster] key table, its listener and mountpoint arrays, and its TOML form.
#pragma once

#include "config/load_rules.hpp"

#include <span>

namespace config::detail {

std::span<const key_rule> caster_rules();
std::span<const array_rule> caster_array_rules();
toml::table caster_table(const caster_settings& c);

} // namespace config::detail
