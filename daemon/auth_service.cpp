// SPDX-License-Identifier: GPL-3.0-or-later
// cairnd's auth and audit service: audit writer, token store watch.
#include "daemon/auth_service.hpp"

#include "auth/audit_log.hpp"
#include "auth/authorizer.hpp"
#include "auth/token_store.hpp"
#include "daemon/log.hpp"

#include <stdexcept>

namespace daemon_auth {

auth_service::auth_service(net::io_context& io, const std::string& state_dir, bool demo)
    : io_(io), db_path_(state_dir + "/" + auth::database_file), timer_(io)
{
    auto db = auth::database::open(db_path_);
    if (!db)
        throw std::runtime_error(db.error());
    for (auto ensure : {&auth::audit_log::ensure_schema, &auth::token_store::ensure_schema}) {
        if (auto r = ensure(*db); !r)
            throw std::runtime_error("database " + db_path_ + ": " + r.error());
    }
    {
        auth::audit_log log(*db, &journal_);
        auto init = log.initialised();
        if (!init)
            throw std::runtime_error("audit log: " + init.error());
        if (!*init) {
            if (!demo)
                throw std::runtime_error(
                    "the audit log in " + db_path_ +
                    " is not initialised: run `cairnctl audit init` once (it prints the key to "
                    "keep off this machine); cairnd does not run without an audit trail");
            auto key = log.init();
            if (!key)
                throw std::runtime_error("audit log: " + key.error());
            initial_key_ = *key;
        }
    }
    watch_db_ = std::make_unique<auth::database>(std::move(*db));
    auto pep = auth::pepper::load_or_create(state_dir);
    if (!pep)
        throw std::runtime_error(pep.error());
    pepper_.emplace(std::move(*pep));
    auto w = auth::audit_writer::open(db_path_, &journal_);
    if (!w)
        throw std::runtime_error("audit writer: " + w.error());
    writer_ = std::move(*w);
}

auth_service::~auth_service() { stop(); }

void auth_service::start(revoked_handler on_revoked)
{
    on_revoked_ = std::move(on_revoked);
    stopped_ = false;
    data_version_ = watch_db_->data_version();
    check_store(); // learn the tokens revoked before we started
    watch();
}

void auth_service::stop()
{
    if (stopped_ && !writer_)
        return;
    stopped_ = true;
    timer_.cancel();
    if (writer_)
        writer_->stop(); // drains the queue: every accepted event is written
}

bool auth_service::audit(auth::audit_event ev, auth::audit_writer::completion done)
{
    if (stopped_ && !writer_)
        return false;
    auto on_done = [this, done = std::move(done), event = ev.event](auth::audit_result r) {
        if (!r) {
            ++audit_failed_;
            daemon_log::log(daemon_log::err, "audit: cannot record {}: {}", event, r.error());
        }
        if (done)
            done(std::move(r));
    };
    if (!writer_->try_submit(std::move(ev), io_.get_executor(), std::move(on_done))) {
        ++audit_refused_;
        return false;
    }
    return true;
}

void auth_service::watch()
{
    timer_.expires_after(store_watch_interval);
    timer_.async_wait([this](boost::system::error_code ec) {
        if (ec || stopped_)
            return;
        auto v = watch_db_->data_version();
        if (v != data_version_) {
            data_version_ = v;
            ++store_changes_;
            check_store();
        }
        watch();
    });
}

// A cheap indexed read of a few rows; runs on the loop once per change, not per second.
void auth_service::check_store()
{
    auth::token_store store(*watch_db_);
    auto list = store.all();
    if (!list) {
        daemon_log::log(daemon_log::warning, "token store: {}", list.error());
        return;
    }
    tokens_.clear();
    for (const auto& t : *list)
        tokens_.emplace(t.id, t);
    // The first look only learns what was revoked before cairnd started.
    bool report = primed_;
    primed_ = true;
    std::vector<std::string> newly;
    for (const auto& t : *list) {
        if (t.revoked && revoked_.insert(t.id).second && report)
            newly.push_back(t.id);
    }
    if (!newly.empty() && on_revoked_) {
        for (const auto& id : newly)
            daemon_log::log(daemon_log::notice, "token {} revoked: closing its live sessions", id);
        on_revoked_(newly);
    }
}

const auth::token* auth_service::find_token(std::string_view id) const
{
    auto it = tokens_.find(id);
    return it == tokens_.end() ? nullptr : &it->second;
}

std::vector<const auth::token*> auth_service::publishers(std::string_view mountpoint) const
{
    std::vector<const auth::token*> out;
    for (const auto& [id, t] : tokens_) {
        if (auth::scope_allows(t.scopes, mountpoint, auth::access::publish))
            out.push_back(&t);
    }
    return out;
}

nlohmann::json auth_service::status() const
{
    return {{"audit_queue", writer_ ? writer_->queue_size() : 0},
            {"audit_queue_capacity", writer_ ? writer_->capacity() : 0},
            {"audit_refused", audit_refused_},
            {"audit_failed", audit_failed_},
            {"store_changes", store_changes_},
            {"revoked_tokens", revoked_.size()},
            {"tokens", tokens_.size()}};
}

} // namespace daemon_auth
