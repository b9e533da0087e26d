// SPDX-License-Identifier: GPL-3.0-or-later
// cairnd's composition root: state directory, station input, control socket, signals,
// systemd notification and watchdog, all on one io_context.
#pragma once

#include "config/settings.hpp"
#include "daemon/station_input.hpp"

#include <string>

namespace daemon_app {

struct app_options
{
    bool demo = false;
    std::string config_path; // empty in demo mode without --config
    std::string state_dir;
    bool remove_state_dir = false; // a temporary demo directory
    daemon_input::options input;
    config::settings settings;      // from --config, or the defaults in demo mode
    unsigned short demo_port = 2101; // demo NTRIP plain port; TLS on the next one
    std::chrono::seconds demo_report_interval{5};
};

// Runs until SIGTERM/SIGINT. Returns the process exit code.
int run(const app_options& opts);

} // namespace daemon_app
