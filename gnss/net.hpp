// SPDX-License-Identifier: GPL-3.0-or-later
// The one place Asio is included, so its configuration and workarounds live in one file.
#pragma once

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>; with GCC 12
// in C++20 mode that fails unless <utility> comes first.
#include <utility>

#include <boost/asio.hpp>

namespace net = boost::asio;
