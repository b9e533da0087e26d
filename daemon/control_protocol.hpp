// SPDX-License-Identifier: GPL-3.0-or-later
// The control socket protocol (version 1): one JSON object per line each way.
// Documented in docs/control-protocol.md; cairnctl and cairn-admind are its clients.
#pragma once

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace control {

constexpr int protocol_version = 1;
constexpr std::size_t max_request_line = 64 * 1024; // bytes, newline included
constexpr std::size_t max_requests_per_connection = 256;
constexpr std::size_t max_connections = 16;

// receiver_detect and receiver_configure answer only once the receiver has (or the
// configuration gives up): up to max_pending_time.
enum class command
{
    ping,
    version,
    status,
    receiver_detect,
    receiver_configure
};

// How long a client may wait for a command that talks to the receiver.
constexpr std::chrono::seconds max_pending_time{60};
// Largest "params" object accepted (keys), so a request cannot carry a structure to walk.
constexpr std::size_t max_params = 8;

struct request
{
    command cmd = command::ping;
    nlohmann::json id;     // echoed back when given (null otherwise)
    nlohmann::json params; // an object (receiver.configure: profile, save); null if none
    int peer_uid = -1;     // the client's uid (SO_PEERCRED), for the audit log
};

// Parses one request line (without the newline). Errors are for the client to read.
tl::expected<request, std::string> parse_request(std::string_view line);

// Serialised reply lines, newline-terminated.
std::string ok_reply(const request& req, nlohmann::json result);
std::string error_reply(const nlohmann::json& id, std::string_view message);

// Client side: the request line for a command, and the result of a reply line.
std::string make_request(std::string_view cmd, nlohmann::json params = nullptr);
tl::expected<nlohmann::json, std::string> parse_reply(std::string_view line);

} // namespace control
