// SPDX-License-Identifier: GPL-3.0-or-later
// Reads the TOML config file into config::settings, or says where and why it is wrong.
#pragma once

#include "config/settings.hpp"

#include <tl/expected.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace config {

// Largest config text accepted; ours is a few hundred bytes, so more is a wrong file.
inline constexpr std::size_t max_config_bytes = std::size_t{1} << 20;

// text (TOML) -> settings; every key is optional and defaults as in settings.hpp.
// Unknown tables and keys, wrong types and invalid values are errors naming file, line,
// column and key; when there are several, the first in the file is reported. Never throws.
tl::expected<settings, error> parse(std::string_view text, std::string_view file_name);

// parse() on the file's contents; a file that cannot be read gives an error with line 0.
tl::expected<settings, error> load_file(const std::string& path);

// s written back as TOML that parse() reads as s (for `cairnctl config show`, and tests).
std::string to_toml(const settings& s);

} // namespace config
