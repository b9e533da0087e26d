// SPDX-License-Identifier: GPL-3.0-or-later
// What the cairnctl database commands share: the actor (local OS user) for the audit
// log, opening STATE_DIR/cairn.db as the state directory's owner, reading a password.
#pragma once

#include "auth/db.hpp"
#include "daemon/ctl.hpp"

#include <tl/expected.hpp>

#include <string>

namespace ctl {

// The local OS user running cairnctl, for the audit log: "alice", or "root (sudo: alice)".
std::string local_actor();

// Opens STATE_DIR/cairn.db. Run as root, first switches to the owner of the state
// directory (the cairn user), so files it creates stay readable by cairnd.
tl::expected<auth::database, std::string> open_database(const globals& g);

// Reads a password without echo from the terminal (twice when confirm), or one line from
// stdin when it is not a terminal or from_stdin is set. Never from argv.
tl::expected<std::string, std::string> read_password(const std::string& prompt, bool confirm,
                                                     bool from_stdin);

} // namespace ctl

#include <functional>
#include <nlohmann/json.hpp>

namespace ctl {

// One audited change: runs `change` and appends its audit row in the same transaction,
// so the change and its record commit together or not at all (no audit, no change).
struct change_record
{
    std::string category; // "token", "user", "audit", ...
    std::string event;    // "token.create"
    std::string object;   // the token id, the user name
    nlohmann::json details = nlohmann::json::object(); // never a secret
};
tl::expected<void, std::string> audited_change(auth::database& db, const change_record& rec,
                                               const std::function<tl::expected<void, std::string>()>& change);

} // namespace ctl
