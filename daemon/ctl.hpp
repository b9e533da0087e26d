// SPDX-License-Identifier: GPL-3.0-or-later
// cairnctl subcommands. Each returns the process exit code.
#pragma once

#include <string>
#include <vector>

namespace ctl {

// Exit codes: 0 ok, 1 failed, 2 usage or unreadable input (as documented in --help).
constexpr int exit_ok = 0;
constexpr int exit_failed = 1;
constexpr int exit_usage = 2;

struct globals
{
    std::string state_dir;
};

using args = std::vector<std::string>;

int scan(const globals& g, const args& a);
int status(const globals& g, const args& a);
int receiver(const globals& g, const args& a);
int receiver_detect(const globals& g, const args& a);
int receiver_configure(const globals& g, const args& a);
int replay(const globals& g, const args& a);
int token(const globals& g, const args& a);
int user(const globals& g, const args& a);
int audit(const globals& g, const args& a);

// The control socket path inside a state directory.
std::string socket_path(const std::string& state_dir);

} // namespace ctl
