// SPDX-License-Identifier: GPL-3.0-or-later
// `cairnctl audit init|verify|tail|export`, and audited_change(): every cairnctl change
// and its audit row commit in one transaction.
#include "daemon/ctl_db.hpp"

#include "auth/audit_log.hpp"
#include "auth/journal.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

namespace ctl {
namespace {

const char* usage = "usage: cairnctl audit init\n"
                    "       cairnctl audit verify [--key KEY] [--checkpoints FILE]\n"
                    "       cairnctl audit tail [-n N] [--json]\n"
                    "       cairnctl audit export --since TIME|SEQ --json\n";

int fail(const std::string& what, const std::string& why)
{
    std::fprintf(stderr, "cairnctl audit %s: %s\n", what.c_str(), why.c_str());
    return exit_failed;
}

void print_row(const auth::audit_row& r)
{
    fmt::print("{:>6} {} {:<8} {:<18} actor={} source={} object={} outcome={} {}\n", r.seq, r.time,
               r.category, r.event, r.actor, r.source, r.object, r.outcome, r.details);
}

std::optional<auth::audit_category> category(const std::string& s)
{
    return auth::parse_audit_category(s);
}

} // namespace

tl::expected<void, std::string>
audited_change(auth::database& db, const change_record& rec,
               const std::function<tl::expected<void, std::string>()>& change)
{
    if (auto s = auth::audit_log::ensure_schema(db); !s)
        return tl::unexpected(s.error());
    auth::systemd_journal journal;
    auth::audit_log log(db, &journal);
    auto init = log.initialised();
    if (!init)
        return tl::unexpected(init.error());
    if (!*init)
        return tl::unexpected(std::string("the audit log is not initialised: run `cairnctl audit "
                                          "init` first (no audit, no change)"));
    auto cat = category(rec.category);
    if (!cat)
        return tl::unexpected("unknown audit category " + rec.category);
    auth::audit_event ev{*cat, rec.event, local_actor(), "local", rec.object, "ok", rec.details};
    return auth::commit_audited(db, log, ev, std::chrono::system_clock::now(), change);
}

int audit(const globals& g, const args& a)
{
    if (a.empty()) {
        std::fputs(usage, stderr);
        return exit_usage;
    }
    const std::string& sub = a[0];
    std::string key_text, since, n_text, checkpoints_file;
    bool json = false;
    for (std::size_t i = 1; i < a.size(); ++i) {
        if (a[i] == "--key" && i + 1 < a.size())
            key_text = a[++i];
        else if (a[i] == "--checkpoints" && i + 1 < a.size())
            checkpoints_file = a[++i];
        else if (a[i] == "--since" && i + 1 < a.size())
            since = a[++i];
        else if (a[i] == "-n" && i + 1 < a.size())
            n_text = a[++i];
        else if (a[i] == "--json")
            json = true;
        else {
            std::fputs(usage, stderr);
            return exit_usage;
        }
    }
    auto db = open_database(g);
    if (!db)
        return fail(sub, db.error());
    // Only init creates the schema: readers (tail, verify, export) never take a write
    // lock, so they cannot stall or be stalled by cairnd's audit writer.
    if (sub == "init") {
        if (auto s = auth::audit_log::ensure_schema(*db); !s)
            return fail(sub, s.error());
    } else if (auto exists = db->prepare("SELECT 1 FROM sqlite_master WHERE type='table' AND "
                                         "name='audit'");
               !exists || !exists->step().value_or(false)) {
        return fail(sub,
                    "there is no audit log in " + db->path() + " yet: run `cairnctl audit init`");
    }
    auth::systemd_journal journal;
    auth::audit_log log(*db, &journal);

    if (sub == "init") {
        auto key = log.init();
        if (!key)
            return fail(sub, key.error());
        // The row recording the init is the first one the key protects.
        auth::audit_event ev{
            auth::audit_category::audit, "audit.init", local_actor(), "local", "audit", "ok",
            nlohmann::json::object()};
        if (auto r = log.append(ev, std::chrono::system_clock::now()); !r)
            return fail(sub, r.error());
        fmt::print("audit log initialised in {}\n", db->path());
        fmt::print("initial key (shown once; keep it OFF this machine, e.g. in a password "
                   "manager):\n  {}\n",
                   *key);
        fmt::print("verify later with: cairnctl audit verify --key KEY\n");
        return exit_ok;
    }
    if (sub == "verify") {
        std::optional<auth::audit_key> key;
        if (!key_text.empty()) {
            auto k = auth::parse_audit_digest(key_text);
            if (!k) {
                std::fprintf(stderr, "cairnctl audit verify: --key is not a key printed by "
                                     "`cairnctl audit init`\n");
                return exit_usage;
            }
            key = *k;
        }
        // Checkpoints (seq=N mac=HEX lines, e.g. from the journal: see docs/audit.md)
        // reveal a log whose tail was cut or whose rows were rewritten.
        std::vector<auth::audit_checkpoint> checkpoints;
        if (!checkpoints_file.empty()) {
            std::ifstream in(checkpoints_file);
            if (!in) {
                std::fprintf(stderr, "cairnctl audit verify: cannot read %s\n",
                             checkpoints_file.c_str());
                return exit_usage;
            }
            std::string line;
            while (std::getline(in, line)) {
                if (auto c = auth::parse_audit_checkpoint(line))
                    checkpoints.push_back(*c);
            }
        }
        auto v = log.verify(key, checkpoints);
        if (!v)
            return fail(sub, v.error());
        if (v->ok) {
            fmt::print("audit log intact: {} rows{}\n", v->rows_checked,
                       key ? ", every MAC checked with the initial key"
                           : " (hash chain; "
                             "pass --key to check "
                             "the MACs too)");
            return exit_ok;
        }
        fmt::print("audit log TAMPERED: first bad sequence {}: {}{}\n",
                   v->first_bad_seq ? std::to_string(*v->first_bad_seq) : std::string("?"),
                   auth::to_string(v->fault), v->reason.empty() ? "" : " (" + v->reason + ")");
        return exit_failed;
    }
    if (sub == "tail") {
        std::size_t n = 20;
        if (!n_text.empty()) {
            try {
                n = static_cast<std::size_t>(std::stoul(n_text));
            } catch (...) {
                std::fputs(usage, stderr);
                return exit_usage;
            }
        }
        auto rows = log.tail(n);
        if (!rows)
            return fail(sub, rows.error());
        for (const auto& r : *rows) {
            if (json)
                std::cout << auth::audit_row_json_line(r);
            else
                print_row(r);
        }
        return exit_ok;
    }
    if (sub == "export") {
        if (since.empty() || !json) {
            std::fputs(usage, stderr);
            return exit_usage;
        }
        auth::audit_query q;
        q.limit = auth::audit_read_max;
        if (auto t = auth::parse_audit_time(since))
            q.since_time = *t;
        else {
            try {
                q.since_seq = std::stoll(since);
            } catch (...) {
                std::fprintf(stderr, "cairnctl audit export: --since wants an RFC 3339 UTC "
                                     "time (2026-11-26T00:00:00Z) or a sequence number\n");
                return exit_usage;
            }
        }
        auto n = log.export_json_lines(q, std::cout);
        if (!n)
            return fail(sub, n.error());
        return exit_ok;
    }
    std::fputs(usage, stderr);
    return exit_usage;
}

} // namespace ctl
