// SPDX-License-Identifier: GPL-3.0-or-later
// Journal fields for audit events, the MESSAGE_ID table, and the libsystemd sink.
#include "auth/journal.hpp"

#include <systemd/sd-journal.h>

#include <array>
#include <sys/uio.h>

namespace auth {
namespace {

using c = audit_category;

// Generated once with uuid4; never change a released id (filters and SIEM rules match it).
constexpr std::array<audit_event_type, 33> event_types{{
    {audit_events::auth_ok, c::auth, "09ced1a712a54aa7889a501749bc55e7"},
    {audit_events::auth_fail, c::auth, "f964aa86cbd544f29a80759f2f8e1ae7"},
    {audit_events::auth_lockout, c::auth, "3a46ab85397449eeb4c24d535db5b96a"},
    {audit_events::auth_unlock, c::auth, "f973f47cc92d43c5aea4121e2d70b2f2"},
    {audit_events::access_denied, c::access, "54b103c2ee724757a1fb38f0663a52b4"},
    {audit_events::access_refused, c::access, "8f8aef0eaee94d2c9bf31e4630a09afd"},
    {audit_events::session_open, c::session, "de6115f3ec05407fae15e8706c4521e6"},
    {audit_events::session_close, c::session, "d18f81e5c3f44957a1d5a6353cbc4489"},
    {audit_events::session_kick, c::session, "7bacbf6c8af241319954733072e0cbdc"},
    {audit_events::token_create, c::token, "2096874d828b41d4a8d926ab44f9f213"},
    {audit_events::token_revoke, c::token, "52494304fb464316bb79178e25763a53"},
    {audit_events::token_remove, c::token, "f701e1e9356349a9a3b9e4151975eaf7"},
    {audit_events::token_update, c::token, "1aadf08df0bd4a08a28777fd5417ed73"},
    {audit_events::user_add, c::user, "1809cd779a9c4ee78a25db790d79109c"},
    {audit_events::user_passwd, c::user, "46aaad271ce84915987d905671c835e0"},
    {audit_events::user_remove, c::user, "e521580faad9408091018d8dea19ee16"},
    {audit_events::user_role, c::user, "d38f476ffca3471db20ef7d25c1b1964"},
    {audit_events::user_login, c::user, "788b871d5f0a47008997b378fb691687"},
    {audit_events::user_logout, c::user, "0033968dec7547039b2365b2dbe4fc65"},
    {audit_events::config_change, c::config, "a05975a751024247b6ec24ad68b222b7"},
    {audit_events::config_reload, c::config, "0aceb0ea0be54656a67143e59fcff655"},
    {audit_events::receiver_command, c::receiver, "5b5d9bf432964ccfa0ef1f2ceb79047c"},
    {audit_events::receiver_connect, c::receiver, "0ff735f687904098b110973f41490f53"},
    {audit_events::receiver_disconnect, c::receiver, "4cbdaaf1c0b940dea441d19d03fd64f2"},
    {audit_events::receiver_detect, c::receiver, "f2cad7cc7f8b4513a479f98631ef58bd"},
    {audit_events::receiver_configure, c::receiver, "2555e229dfa847ab8476c080fdc9342e"},
    {audit_events::receiver_survey_complete, c::receiver, "a48d010ff79d4c84a56b5357d2c08916"},
    {audit_events::system_start, c::system, "f714343df8a5412db7a6970d96036156"},
    {audit_events::system_stop, c::system, "2a4420a41d9649d5b59a1a79bbe03acb"},
    {audit_events::audit_init, c::audit, "12535be3be354606ace1ef4fae72b22d"},
    {audit_events::audit_verify, c::audit, "11e3458b79fd44a1a1e7d4d252240277"},
    {audit_events::audit_export, c::audit, "38f7da6a7aaf4057a7bdcdb5310e8d1c"},
    {audit_events::audit_checkpoint, c::audit, "362bc025e99d4449b52757db0c8ae765"},
}};

// One generic id per category, in audit_category order.
constexpr std::array<std::string_view, 9> category_ids{
    "b05de7f4d4d045699d80591d1e2405f2", "251d3c12fcc3403e8d67f7cad88720c0",
    "cb1b7bb5a2914b40ac97ef5d36ff3a5c", "ec6bd47f67ec4d4fafa540a3d1d0f949",
    "b340ef9b247444b584f008c9324c012e", "c9c2783ba5be47cdaaf147f3860c6820",
    "9928da831ade44138538f93bcde2b252", "6a1ee8cfd8e64e79972ebc6441f222e0",
    "dda0f710a3c44f5690c67be3790f5301"};

// Journal values must not carry a newline (a line-based reader would split the entry)
// nor be unbounded.
std::string clean(std::string_view s)
{
    std::size_t n = s.size();
    if (n > journal_value_max) {
        n = journal_value_max;
        while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80)
            --n;
    }
    std::string out(s.substr(0, n));
    for (char& ch : out) {
        auto u = static_cast<unsigned char>(ch);
        if (u < 0x20 || u == 0x7f)
            ch = ' ';
    }
    return out;
}

std::string or_dash(std::string_view s)
{
    return s.empty() ? std::string("-") : clean(s);
}

bool send_fields(const std::vector<std::string>& fields)
{
    std::vector<iovec> iov;
    iov.reserve(fields.size());
    for (const auto& f : fields)
        iov.push_back({const_cast<char*>(f.data()), f.size()});
    return sd_journal_sendv(iov.data(), static_cast<int>(iov.size())) >= 0;
}

} // namespace

std::span<const audit_event_type> audit_event_types()
{
    return event_types;
}

std::string_view journal_message_id(std::string_view event, audit_category cat)
{
    for (const auto& t : event_types)
        if (t.name == event)
            return t.message_id;
    return category_ids[static_cast<std::size_t>(cat)];
}

int journal_priority(const audit_event& ev)
{
    if (ev.outcome == "ok")
        return 6;
    if (ev.outcome == "error")
        return 3;
    if (ev.category == audit_category::audit)
        return 2;
    return 4;
}

std::vector<std::string> journal_fields(const audit_event& ev, std::int64_t seq)
{
    const std::string seq_text = std::to_string(seq);
    const bool auth_event = ev.category == audit_category::auth;
    // The source comes right after fixed text so a fail2ban regex anchored on it cannot be
    // steered by an attacker-chosen user name.
    std::vector<std::string> f{
        "MESSAGE=" + clean(ev.event) + " " + or_dash(ev.outcome) + " from " + or_dash(ev.source) +
            " actor=" + or_dash(ev.actor) + " object=" + or_dash(ev.object) + " seq=" + seq_text,
        "MESSAGE_ID=" + std::string(journal_message_id(ev.event, ev.category)),
        "PRIORITY=" + std::to_string(journal_priority(ev)),
        "SYSLOG_IDENTIFIER=" + std::string(journal_identifier),
        "CAIRN_EVENT=" + clean(ev.event),
        "CAIRN_CATEGORY=" + std::string(to_string(ev.category)),
        "CAIRN_OUTCOME=" + clean(ev.outcome),
        "CAIRN_SEQ=" + seq_text,
        "CAIRN_ACTOR=" + clean(ev.actor),
        "CAIRN_SOURCE=" + clean(ev.source),
        "CAIRN_OBJECT=" + clean(ev.object),
    };
    if (!ev.details.is_null() && !ev.details.empty())
        f.push_back(
            "CAIRN_DETAILS=" +
            clean(ev.details.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
    if (auth_event)
        f.push_back("CAIRN_USER=" + clean(ev.actor));
    if (auth_event && ev.outcome != "ok")
        f.push_back("AUTH_FAIL=1");
    return f;
}

std::vector<std::string> journal_checkpoint_fields(std::int64_t seq, const audit_digest& mac)
{
    const std::string text = format_audit_checkpoint({seq, mac});
    return {
        "MESSAGE=audit checkpoint " + text,
        "MESSAGE_ID=" +
            std::string(journal_message_id(audit_events::audit_checkpoint, audit_category::audit)),
        "PRIORITY=5",
        "SYSLOG_IDENTIFIER=" + std::string(journal_identifier),
        "CAIRN_EVENT=" + std::string(audit_events::audit_checkpoint),
        "CAIRN_CATEGORY=audit",
        "CAIRN_CHECKPOINT_SEQ=" + std::to_string(seq),
        "CAIRN_CHECKPOINT_MAC=" + to_hex(mac),
    };
}

bool systemd_journal::send(const audit_event& ev, std::int64_t seq)
{
    return send_fields(journal_fields(ev, seq));
}

bool systemd_journal::checkpoint(std::int64_t seq, const audit_digest& mac)
{
    return send_fields(journal_checkpoint_fields(seq, mac));
}

} // namespace auth
