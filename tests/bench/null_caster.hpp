// SPDX-License-Identifier: GPL-3.0-or-later
// The reference floor for the fan-out benchmark: a caster that does nothing but fan out.
#pragma once

#include <string>

namespace bench {

// The null caster's bounds: it stops by itself after this long at most.
constexpr double max_null_caster_s = 900;

// Listens on 127.0.0.1:port, answers any request with ICY 200 (or a chunked HTTP 200 to an
// NTRIP 2.0 request) and copies every read from `device` (a pty) to every rover, dropping
// a rover whose socket cannot take a whole read. Runs for duration_s; throws on set-up errors.
int run_null_caster(unsigned short port, const std::string& device, double duration_s);

} // namespace bench
