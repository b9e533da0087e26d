// SPDX-License-Identifier: GPL-3.0-or-later
// cairnctl's side of the control socket: one request, one reply line.
#pragma once

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace ctl {

// How long cairnctl waits for an ordinary reply.
constexpr std::chrono::milliseconds reply_timeout{5000};
// The largest reply line read (a status with thousands of rovers is a few MB).
constexpr std::size_t max_reply = 4 * 1024 * 1024;

struct call_error
{
    bool not_running = false; // no cairnd at this state directory
    std::string message;      // worded for the person at the terminal
};

tl::expected<nlohmann::json, call_error> call(const std::string& state_dir, std::string_view cmd,
                                              nlohmann::json params = nullptr,
                                              std::chrono::milliseconds timeout = reply_timeout);

} // namespace ctl
