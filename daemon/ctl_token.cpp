// SPDX-License-Identifier: GPL-3.0-or-later
// `cairnctl token create|list|revoke|rotate`: scoped rover and source credentials. The
// secret is printed once, at creation or rotation, and stored only as an HMAC.
#include "daemon/ctl_db.hpp"

#include "auth/token.hpp"
#include "auth/token_store.hpp"

#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <cstdio>

namespace ctl {
namespace {

const char* usage =
    "usage: cairnctl token create --mount M [--mount M2 ...] --scope read|publish\n"
    "           [--expires 90d] [--cidr C ...] [--max-sessions N] [--allow-glob] --label L "
    "[--json]\n"
    "       cairnctl token list [--json]\n"
    "       cairnctl token revoke ID\n"
    "       cairnctl token rotate ID [--json]\n";

int fail(const std::string& what, const std::string& why)
{
    std::fprintf(stderr, "cairnctl token %s: %s\n", what.c_str(), why.c_str());
    return exit_failed;
}

// Prints the credential a rover (or source) needs, once.
void print_credential(const auth::token_info& t, const auth::secret& s, bool json,
                      const char* verb)
{
    if (json) {
        nlohmann::json j = auth::to_json(t);
        j["secret"] = std::string(s.reveal());
        j["ntrip"] = {{"user", t.id}, {"password", std::string(s.reveal())}};
        j["bearer"] = t.id + "." + std::string(s.reveal());
        std::puts(j.dump(2).c_str());
        return;
    }
    std::string scopes;
    for (const auto& sc : t.scopes)
        scopes += (scopes.empty() ? "" : ", ") + auth::format_scope(sc);
    fmt::print("token {} {} (label \"{}\"): {}\n", t.id, verb, t.label, scopes);
    fmt::print("  NTRIP user:      {}\n", t.id);
    fmt::print("  NTRIP password:  {}\n", s.reveal());
    fmt::print("  Bearer token:    {}.{}\n", t.id, s.reveal());
    if (t.expires)
        fmt::print("  expires:         {}\n", auth::format_time(*t.expires));
    fmt::print("The secret is shown only now and cannot be recovered; if it is lost, "
               "rotate the token.\n");
}

} // namespace

int token(const globals& g, const args& a)
{
    if (a.empty()) {
        std::fputs(usage, stderr);
        return exit_usage;
    }
    const std::string& sub = a[0];
    std::vector<std::string> mounts, cidrs;
    std::string scope_text, expires_text, label, id, max_sessions_text;
    bool json = false, allow_glob = false;
    for (std::size_t i = 1; i < a.size(); ++i) {
        auto value = [&](std::string& out) {
            if (i + 1 >= a.size())
                return false;
            out = a[++i];
            return true;
        };
        std::string v;
        if (a[i] == "--mount" && value(v))
            mounts.push_back(v);
        else if (a[i] == "--cidr" && value(v))
            cidrs.push_back(v);
        else if (a[i] == "--scope" && value(scope_text)) {
        } else if (a[i] == "--expires" && value(expires_text)) {
        } else if (a[i] == "--label" && value(label)) {
        } else if (a[i] == "--max-sessions" && value(max_sessions_text)) {
        } else if (a[i] == "--json")
            json = true;
        else if (a[i] == "--allow-glob")
            allow_glob = true;
        else if (!a[i].empty() && a[i][0] != '-' && id.empty())
            id = a[i];
        else {
            std::fputs(usage, stderr);
            return exit_usage;
        }
    }

    auto db = open_database(g);
    if (!db)
        return fail(sub, db.error());
    if (auto s = auth::token_store::ensure_schema(*db); !s)
        return fail(sub, s.error());
    auth::token_store store(*db);
    auto now = std::chrono::system_clock::now();

    if (sub == "list") {
        auto list = store.list();
        if (!list)
            return fail(sub, list.error());
        if (json) {
            nlohmann::json arr = nlohmann::json::array();
            for (const auto& t : *list)
                arr.push_back(auth::to_json(t));
            std::puts(nlohmann::json{{"tokens", arr}}.dump(2).c_str());
        } else {
            if (list->empty())
                std::puts("no tokens (create one with: cairnctl token create --mount M "
                          "--scope read --label L)");
            for (const auto& t : *list)
                std::puts(auth::format_listing(t, now).c_str());
        }
        return exit_ok;
    }

    if (sub == "create") {
        if (mounts.empty() || scope_text.empty() || label.empty()) {
            std::fprintf(stderr, "cairnctl token create: --mount, --scope and --label are "
                                 "required\n%s",
                         usage);
            return exit_usage;
        }
        auto pepper = auth::pepper::load_or_create(g.state_dir);
        if (!pepper)
            return fail(sub, pepper.error());
        auth::token t;
        for (const auto& m : mounts) {
            auto sc = auth::parse_scope(m + ":" + scope_text, allow_glob);
            if (!sc)
                return fail(sub, sc.error());
            t.scopes.push_back(*sc);
        }
        for (const auto& c : cidrs) {
            auto parsed = auth::cidr::parse(c);
            if (!parsed)
                return fail(sub, parsed.error());
            t.allow.push_back(*parsed);
        }
        if (!expires_text.empty()) {
            auto e = auth::parse_expiry(expires_text, now);
            if (!e)
                return fail(sub, e.error());
            t.expires = *e;
        }
        if (!max_sessions_text.empty()) {
            unsigned n = 0;
            auto [p, ec] = std::from_chars(max_sessions_text.data(),
                                           max_sessions_text.data() + max_sessions_text.size(), n);
            if (ec != std::errc() || p != max_sessions_text.data() + max_sessions_text.size() ||
                n == 0 || n > auth::max_max_sessions)
                return fail(sub, fmt::format("--max-sessions wants 1..{}", auth::max_max_sessions));
            t.max_sessions = n;
        }
        auto new_id = auth::new_token_id();
        auto secret = auth::new_secret();
        if (!new_id || !secret)
            return fail(sub, !new_id ? new_id.error() : secret.error());
        t.id = *new_id;
        t.label = label;
        t.created = now;
        t.created_by = local_actor();
        t.secret_mac = auth::secret_mac(*pepper, secret->reveal());
        if (auto ok = auth::check_token(t); !ok)
            return fail(sub, ok.error());
        auto info = auth::to_info(t);
        auto details = auth::to_json(info);
        auto done = audited_change(*db, {"token", "token.create", t.id, details},
                                   [&] { return store.create(t); });
        if (!done)
            return fail(sub, done.error());
        print_credential(info, *secret, json, "created");
        return exit_ok;
    }

    if (id.empty()) {
        std::fputs(usage, stderr);
        return exit_usage;
    }
    auto found = store.find(id);
    if (!found)
        return fail(sub, found.error());
    if (!*found)
        return fail(sub, "no token " + id);

    if (sub == "revoke") {
        if ((*found)->revoked)
            return fail(sub, "token " + id + " is already revoked");
        auto done = audited_change(*db, {"token", "token.revoke", id, {{"label", (*found)->label}}},
                                   [&] { return store.revoke(id, now, local_actor()); });
        if (!done)
            return fail(sub, done.error());
        fmt::print("token {} revoked; cairnd closes its live sessions within a second\n", id);
        return exit_ok;
    }
    if (sub == "rotate") {
        if ((*found)->revoked)
            return fail(sub, "token " + id + " is revoked; create a new one");
        auto pepper = auth::pepper::load_or_create(g.state_dir);
        if (!pepper)
            return fail(sub, pepper.error());
        auto secret = auth::new_secret();
        if (!secret)
            return fail(sub, secret.error());
        auto mac = auth::secret_mac(*pepper, secret->reveal());
        auto done = audited_change(*db, {"token", "token.rotate", id, {{"label", (*found)->label}}},
                                   [&] { return store.rotate(id, mac); });
        if (!done)
            return fail(sub, done.error());
        print_credential(auth::to_info(**found), *secret, json, "rotated");
        return exit_ok;
    }
    std::fputs(usage, stderr);
    return exit_usage;
}

} // namespace ctl
