// SPDX-License-Identifier: GPL-3.0-or-later
// `cairnctl user add|passwd|remove|list`: admin users for the panel. Passwords come from a
// prompt or stdin, never from argv; every change is audited with the local OS user.
#include "daemon/ctl_db.hpp"

#include "auth/password_policy.hpp"
#include "auth/user_store.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include <chrono>
#include <cstdio>

namespace ctl {
namespace {

const char* usage = "usage: cairnctl user add NAME --role viewer|operator|admin [--password-stdin]\n"
                    "       cairnctl user passwd NAME [--password-stdin]\n"
                    "       cairnctl user remove NAME\n"
                    "       cairnctl user list [--json]\n";

struct wiped
{
    std::string s;
    ~wiped() { OPENSSL_cleanse(s.data(), s.size()); }
};

int fail(const std::string& what, const std::string& why)
{
    std::fprintf(stderr, "cairnctl user %s: %s\n", what.c_str(), why.c_str());
    return exit_failed;
}

tl::expected<wiped, std::string> new_password(const std::string& name, bool from_stdin)
{
    auto pw = read_password("new password for " + name, true, from_stdin);
    if (!pw)
        return tl::unexpected(pw.error());
    wiped w{std::move(*pw)};
    if (auto ok = auth::check_password(name, w.s); !ok)
        return tl::unexpected(ok.error());
    return w;
}

} // namespace

int user(const globals& g, const args& a)
{
    if (a.empty()) {
        std::fputs(usage, stderr);
        return exit_usage;
    }
    const std::string& sub = a[0];
    std::string name, role_text;
    bool from_stdin = false, json = false;
    for (std::size_t i = 1; i < a.size(); ++i) {
        if (a[i] == "--role" && i + 1 < a.size())
            role_text = a[++i];
        else if (a[i] == "--password-stdin")
            from_stdin = true;
        else if (a[i] == "--json")
            json = true;
        else if (a[i] == "--password" || a[i].starts_with("--password=")) {
            std::fprintf(stderr, "cairnctl user: passwords are never taken from the command "
                                 "line (it shows in ps and shell history); use a prompt or "
                                 "--password-stdin\n");
            return exit_usage;
        } else if (!a[i].empty() && a[i][0] != '-' && name.empty())
            name = a[i];
        else {
            std::fputs(usage, stderr);
            return exit_usage;
        }
    }
    auto db = open_database(g);
    if (!db)
        return fail(sub, db.error());
    if (auto s = auth::user_store::ensure_schema(*db); !s)
        return fail(sub, s.error());
    auth::user_store users(*db);
    auto now = std::chrono::system_clock::now();

    if (sub == "list") {
        auto list = users.list();
        if (!list)
            return fail(sub, list.error());
        if (json) {
            nlohmann::json arr = nlohmann::json::array();
            for (const auto& u : *list)
                arr.push_back({{"name", u.name},
                               {"role", std::string(auth::to_string(u.user_role))},
                               {"created_us", u.created_us},
                               {"created_by", u.created_by},
                               {"disabled", u.disabled}});
            std::puts(nlohmann::json{{"users", arr}}.dump(2).c_str());
        } else {
            if (list->empty())
                std::puts("no users (add the first admin with: cairnctl user add NAME --role admin)");
            for (const auto& u : *list)
                fmt::print("{:<20} {:<9} created by {}{}\n", u.name, auth::to_string(u.user_role),
                           u.created_by, u.disabled ? "  (disabled)" : "");
        }
        return exit_ok;
    }
    if (name.empty()) {
        std::fputs(usage, stderr);
        return exit_usage;
    }
    if (!auth::valid_user_name(name))
        return fail(sub, "user names are 1-32 characters: a-z, 0-9, _ . - (starting with a "
                         "letter or _)");

    if (sub == "add") {
        auto r = auth::parse_role(role_text);
        if (!r) {
            std::fprintf(stderr, "cairnctl user add: --role viewer|operator|admin is required\n");
            return exit_usage;
        }
        auto pw = new_password(name, from_stdin);
        if (!pw)
            return fail(sub, pw.error());
        auto done = audited_change(*db, {"user", "user.add", name, {{"role", role_text}}},
                                   [&] { return users.add(name, *r, pw->s, local_actor(), now); });
        if (!done)
            return fail(sub, done.error());
        fmt::print("user {} added with role {}\n", name, role_text);
        return exit_ok;
    }
    if (sub == "passwd") {
        auto pw = new_password(name, from_stdin);
        if (!pw)
            return fail(sub, pw.error());
        auto done = audited_change(*db, {"user", "user.passwd", name, {}},
                                   [&] { return users.set_password(name, pw->s, now); });
        if (!done)
            return fail(sub, done.error());
        fmt::print("password of {} changed\n", name);
        return exit_ok;
    }
    if (sub == "remove") {
        auto done = audited_change(*db, {"user", "user.remove", name, {}},
                                   [&] { return users.remove(name); });
        if (!done)
            return fail(sub, done.error());
        fmt::print("user {} removed\n", name);
        return exit_ok;
    }
    std::fputs(usage, stderr);
    return exit_usage;
}

} // namespace ctl
