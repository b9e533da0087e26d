// SPDX-License-Identifier: GPL-3.0-or-later
// cairnd's side of auth and audit: the audit writer (off the event loop, bounded), the
// token store, and a once-a-second watch (PRAGMA data_version) that sees cairnctl's
// changes and reports newly revoked tokens so their live sessions can be closed.
#pragma once

#include "auth/audit_writer.hpp"
#include "auth/db.hpp"
#include "auth/journal.hpp"
#include "auth/token.hpp"
#include "gnss/net.hpp"

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace daemon_auth {

constexpr std::chrono::milliseconds store_watch_interval{1000};

class auth_service
{
public:
    using revoked_handler = std::function<void(const std::vector<std::string>& token_ids)>;

    // Opens STATE_DIR/cairn.db and the audit writer. In production an uninitialised audit
    // log stops start-up (no audit, no access); in demo mode it is initialised here and
    // initial_key() returns the key. Throws std::runtime_error with the reason.
    auth_service(net::io_context& io, const std::string& state_dir, bool demo);
    ~auth_service();

    void start(revoked_handler on_revoked);
    void stop();

    // Queues an audit event; false when the queue is full or stopped: the caller refuses
    // the access it was about to grant. `done` runs on the event loop with the result.
    bool audit(auth::audit_event ev, auth::audit_writer::completion done = {});

    const std::string& initial_key() const { return initial_key_; }

    // The token named id from the in-memory cache (reloaded when the store changes), so
    // the event loop never waits on sqlite to authenticate a rover. nullptr if unknown.
    const auth::token* find_token(std::string_view id) const;
    // Tokens that may publish to a mountpoint (a v1 SOURCE carries only a secret).
    std::vector<const auth::token*> publishers(std::string_view mountpoint) const;
    const auth::pepper& pepper() const { return *pepper_; }
    // The audit database connection for changes cairnd itself makes (demo tokens).
    auth::database& database() { return *watch_db_; }
    auth::systemd_journal& journal() { return journal_; }
    nlohmann::json status() const;
    // Reloads the token cache now (after cairnd changed the store itself).
    void refresh() { check_store(); }

private:
    void watch();
    void check_store();

    net::io_context& io_;
    std::string db_path_;
    auth::systemd_journal journal_;
    std::unique_ptr<auth::audit_writer> writer_;
    std::unique_ptr<auth::database> watch_db_;
    net::steady_timer timer_;
    revoked_handler on_revoked_;
    std::int64_t data_version_ = -1;
    std::set<std::string> revoked_;
    std::map<std::string, auth::token, std::less<>> tokens_;
    std::optional<auth::pepper> pepper_;
    std::string initial_key_;
    std::uint64_t audit_refused_ = 0;
    std::uint64_t audit_failed_ = 0;
    std::uint64_t store_changes_ = 0;
    bool stopped_ = true;
    bool primed_ = false;
};

} // namespace daemon_auth
