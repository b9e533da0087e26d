// SPDX-License-Identifier: GPL-3.0-or-later
// Mirrors audit events and checkpoints to the systemd journal, with a fixed MESSAGE_ID per
// event type and fields fail2ban or a SIEM can match (AUTH_FAIL=1, CAIRN_SOURCE, CAIRN_USER).
//
// Usage:
//   auth::systemd_journal journal;             // thread-safe; one per process is enough
//   auth::audit_log log(db, &journal);         // the log calls send() after each commit
//   $ journalctl AUTH_FAIL=1 CAIRN_SOURCE=192.0.2.7
//   $ journalctl MESSAGE_ID=362bc025e99d4449b52757db0c8ae765 -o cat   # checkpoints
#pragma once

#include "auth/audit_chain.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace auth {

// Where the audit log mirrors what it committed. Implementations must be thread-safe
// (the audit writer calls from its own thread).
class journal_sink
{
public:
    virtual ~journal_sink() = default;
    // False when the journal did not take it; the committed row stays the record.
    virtual bool send(const audit_event& ev, std::int64_t seq) = 0;
    virtual bool checkpoint(std::int64_t seq, const audit_digest& mac) = 0;
};

// The event names Cairn writes. Other names are allowed and get their category's id.
namespace audit_events {
inline constexpr std::string_view auth_ok = "auth.ok";
inline constexpr std::string_view auth_fail = "auth.fail";
inline constexpr std::string_view auth_lockout = "auth.lockout";
inline constexpr std::string_view auth_unlock = "auth.unlock";
inline constexpr std::string_view access_denied = "access.denied";   // before authentication
inline constexpr std::string_view access_refused = "access.refused"; // e.g. audit queue full
inline constexpr std::string_view session_open = "session.open";
inline constexpr std::string_view session_close = "session.close";
inline constexpr std::string_view session_kick = "session.kick";
inline constexpr std::string_view token_create = "token.create";
inline constexpr std::string_view token_revoke = "token.revoke";
inline constexpr std::string_view token_remove = "token.remove";
inline constexpr std::string_view token_update = "token.update";
inline constexpr std::string_view user_add = "user.add";
inline constexpr std::string_view user_passwd = "user.passwd";
inline constexpr std::string_view user_remove = "user.remove";
inline constexpr std::string_view user_role = "user.role";
inline constexpr std::string_view user_login = "user.login";
inline constexpr std::string_view user_logout = "user.logout";
inline constexpr std::string_view config_change = "config.change";
inline constexpr std::string_view config_reload = "config.reload";
inline constexpr std::string_view receiver_command = "receiver.command";
inline constexpr std::string_view receiver_connect = "receiver.connect";
inline constexpr std::string_view receiver_disconnect = "receiver.disconnect";
inline constexpr std::string_view receiver_detect = "receiver.detect";
inline constexpr std::string_view receiver_configure = "receiver.configure";
inline constexpr std::string_view receiver_survey_complete = "receiver.survey_complete";
inline constexpr std::string_view system_start = "system.start";
inline constexpr std::string_view system_stop = "system.stop";
inline constexpr std::string_view audit_init = "audit.init";
inline constexpr std::string_view audit_verify = "audit.verify";
inline constexpr std::string_view audit_export = "audit.export";
inline constexpr std::string_view audit_checkpoint = "audit.checkpoint"; // journal only
} // namespace audit_events

struct audit_event_type
{
    std::string_view name;
    audit_category category;
    std::string_view message_id; // 32 lower-case hex digits, as journalctl --new-id128
};
// Every named event with its MESSAGE_ID. The ids never change once released.
std::span<const audit_event_type> audit_event_types();
// The event's own MESSAGE_ID, or its category's generic one for names not in the table.
std::string_view journal_message_id(std::string_view event, audit_category c);
// syslog level: 6 (info) for "ok", 3 (err) for "error", 2 (crit) for a failed audit.*
// event, 4 (warning) for every other failure.
int journal_priority(const audit_event& ev);

// Cap on one field value; control characters (newlines included) become spaces.
constexpr std::size_t journal_value_max = 1024;
// The identifier `journalctl -t` selects.
constexpr std::string_view journal_identifier = "cairn-audit";

// The "KEY=value" fields systemd_journal sends, exposed for tests and other sinks.
std::vector<std::string> journal_fields(const audit_event& ev, std::int64_t seq);
std::vector<std::string> journal_checkpoint_fields(std::int64_t seq, const audit_digest& mac);

// sd_journal_sendv to /run/systemd/journal/socket. Without journald it returns false.
class systemd_journal final : public journal_sink
{
public:
    bool send(const audit_event& ev, std::int64_t seq) override;
    bool checkpoint(std::int64_t seq, const audit_digest& mac) override;
};

} // namespace auth
