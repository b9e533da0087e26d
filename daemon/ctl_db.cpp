// SPDX-License-Identifier: GPL-3.0-or-later
// cairnctl's database access: actor, privilege drop to the state owner, password input.
#include "daemon/ctl_db.hpp"

#include <openssl/crypto.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <grp.h>
#include <iostream>
#include <pwd.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

namespace ctl {
namespace {

constexpr std::size_t max_password_bytes = 1024;

std::string user_name(uid_t uid)
{
    if (const passwd* pw = ::getpwuid(uid))
        return pw->pw_name;
    return "uid " + std::to_string(uid);
}

// As root, become the owner of the state directory before creating files in it.
tl::expected<void, std::string> become_owner(const std::string& dir)
{
    if (::geteuid() != 0)
        return {};
    struct stat st{};
    if (::stat(dir.c_str(), &st) != 0)
        return {};
    if (st.st_uid == 0)
        return {};
    const passwd* pw = ::getpwuid(st.st_uid);
    if (::setgroups(0, nullptr) != 0 || ::setgid(st.st_gid) != 0 ||
        (pw && ::initgroups(pw->pw_name, st.st_gid) != 0) || ::setuid(st.st_uid) != 0)
        return tl::unexpected("cannot switch to the owner of " + dir + ": " +
                              std::string(std::strerror(errno)));
    return {};
}

std::string read_line(std::istream& in)
{
    std::string s;
    std::getline(in, s);
    if (!s.empty() && s.back() == '\r')
        s.pop_back();
    return s;
}

} // namespace

std::string local_actor()
{
    std::string who = user_name(::getuid());
    if (::getuid() == 0) {
        if (const char* sudo = std::getenv("SUDO_USER"); sudo && *sudo)
            who += std::string(" (sudo: ") + sudo + ")";
    }
    return who;
}

tl::expected<auth::database, std::string> open_database(const globals& g)
{
    struct stat st{};
    if (::stat(g.state_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return tl::unexpected("state directory " + g.state_dir +
                              " does not exist (is cairn installed? use --state-dir)");
    if (auto r = become_owner(g.state_dir); !r)
        return tl::unexpected(r.error());
    return auth::database::open(g.state_dir + "/" + auth::database_file);
}

tl::expected<std::string, std::string> read_password(const std::string& prompt, bool confirm,
                                                     bool from_stdin)
{
    if (from_stdin || !::isatty(STDIN_FILENO)) {
        std::string pw = read_line(std::cin);
        if (pw.size() > max_password_bytes)
            return tl::unexpected(std::string("password longer than 1024 bytes"));
        return pw;
    }
    termios old{};
    ::tcgetattr(STDIN_FILENO, &old);
    termios quiet = old;
    quiet.c_lflag &= static_cast<tcflag_t>(~ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    std::fprintf(stderr, "%s: ", prompt.c_str());
    std::string a = read_line(std::cin);
    std::fprintf(stderr, "\n");
    std::string b;
    if (confirm) {
        std::fprintf(stderr, "again: ");
        b = read_line(std::cin);
        std::fprintf(stderr, "\n");
    }
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    if (confirm && a != b) {
        OPENSSL_cleanse(a.data(), a.size());
        OPENSSL_cleanse(b.data(), b.size());
        return tl::unexpected(std::string("the two passwords differ"));
    }
    OPENSSL_cleanse(b.data(), b.size());
    if (a.size() > max_password_bytes)
        return tl::unexpected(std::string("password longer than 1024 bytes"));
    return a;
}

} // namespace ctl
