// SPDX-License-Identifier: GPL-3.0-or-later
// Finds the real receiver captures (../shared/data or $CAIRN_TEST_DATA); a test that needs
// one and cannot find it exits 77 so meson reports SKIP instead of a silent pass.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace cairn_test {

inline std::filesystem::path data_dir()
{
    if (const char* env = std::getenv("CAIRN_TEST_DATA"); env && *env)
        return env;
    return "../shared/data";
}

// Reads a capture or exits 77 (skip) naming what is missing.
inline std::vector<std::uint8_t> capture(const std::string& name)
{
    auto path = data_dir() / name;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "SKIP: capture %s not found (set CAIRN_TEST_DATA)\n",
                     path.c_str());
        std::exit(77);
    }
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace cairn_test
