// SPDX-License-Identifier: GPL-3.0-or-later
// Tests for the journal mirror: the MESSAGE_ID table, the fields fail2ban matches, value
// sanitising, and what libsystemd really sends, received on a socket of our own.
#include "auth/journal.hpp"

#include <doctest/doctest.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <map>
#include <sched.h>
#include <set>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace auth;

namespace {

std::map<std::string, std::string> to_map(const std::vector<std::string>& fields)
{
    std::map<std::string, std::string> m;
    for (const auto& f : fields) {
        auto eq = f.find('=');
        REQUIRE(eq != std::string::npos);
        CHECK(m.count(f.substr(0, eq)) == 0);
        m[f.substr(0, eq)] = f.substr(eq + 1);
    }
    return m;
}

audit_event auth_fail()
{
    return {audit_category::auth, "auth.fail",          "rover7", "192.0.2.7", "MOUNT1",
            "bad_secret",         {{"method", "basic"}}};
}

// libsystemd's native protocol: "KEY=value\n", or "KEY\n" + le64 size + bytes + "\n" for
// values with newlines.
std::map<std::string, std::string> parse_native(const std::string& d)
{
    std::map<std::string, std::string> m;
    std::size_t pos = 0;
    while (pos < d.size()) {
        auto nl = d.find('\n', pos);
        REQUIRE(nl != std::string::npos);
        std::string line = d.substr(pos, nl - pos);
        auto eq = line.find('=');
        if (eq != std::string::npos) {
            m[line.substr(0, eq)] = line.substr(eq + 1);
            pos = nl + 1;
            continue;
        }
        REQUIRE(nl + 9 <= d.size());
        std::uint64_t n = 0;
        for (int i = 7; i >= 0; --i)
            n = n << 8 | static_cast<unsigned char>(d[nl + 1 + static_cast<std::size_t>(i)]);
        REQUIRE(nl + 9 + n + 1 <= d.size());
        m[line] = d.substr(nl + 9, n);
        pos = nl + 9 + n + 1;
    }
    return m;
}

constexpr const char* socket_path = "/run/systemd/journal/socket";

// Binds the journal socket path, runs `send_all`, and returns what arrived.
std::vector<std::string> receive(const std::function<void()>& send_all, int expected)
{
    std::vector<std::string> got;
    int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return got;
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strncpy(sa.sun_path, socket_path, sizeof sa.sun_path - 1);
    timeval tv{2, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) {
        send_all();
        std::string buf(1 << 16, '\0');
        for (int i = 0; i < expected; ++i) {
            ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
            if (n < 0)
                break;
            got.emplace_back(buf.data(), static_cast<std::size_t>(n));
        }
        ::unlink(socket_path);
    }
    ::close(fd);
    return got;
}

enum class capture_mode
{
    private_namespace,
    direct,
    none
};

// Preferably a child in its own mount namespace with a fresh tmpfs on /run: it can never
// clobber a real journald socket, nor race another test for the path. Else, as root with
// no journald, the real path (removed afterwards). Decided once, before the tests run.
capture_mode probe_mode()
{
    if (::geteuid() != 0) {
        std::fprintf(stderr, "journal round trip skipped: needs root for %s\n", socket_path);
        return capture_mode::none;
    }
    pid_t pid = ::fork();
    if (pid == 0)
        ::_exit(::unshare(CLONE_NEWNS) == 0 &&
                        ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0 &&
                        ::mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "size=1m") == 0
                    ? 0
                    : 1);
    int status = 0;
    if (pid > 0 && ::waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
        WEXITSTATUS(status) == 0)
        return capture_mode::private_namespace;
    struct stat st
    {
    };
    if (::lstat(socket_path, &st) == 0) {
        std::fprintf(stderr,
                     "journal round trip skipped: %s exists (a real journald?) and "
                     "no private mount namespace is allowed\n",
                     socket_path);
        return capture_mode::none;
    }
    return capture_mode::direct;
}

capture_mode mode()
{
    static const capture_mode m = probe_mode();
    return m;
}

std::vector<std::string> capture(const std::function<void()>& send_all, int expected)
{
    if (mode() == capture_mode::direct) {
        // Create only what is missing, and remove only what we created.
        std::vector<std::string> made;
        for (const char* d : {"/run/systemd", "/run/systemd/journal"})
            if (::mkdir(d, 0755) == 0)
                made.emplace_back(d);
        auto got = receive(send_all, expected);
        for (auto it = made.rbegin(); it != made.rend(); ++it)
            ::rmdir(it->c_str());
        return got;
    }
    int p[2];
    REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(p[0]);
        if (::unshare(CLONE_NEWNS) != 0 ||
            ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
            ::mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "size=1m") != 0 ||
            ::mkdir("/run/systemd", 0755) != 0 || ::mkdir("/run/systemd/journal", 0755) != 0)
            ::_exit(2);
        for (const auto& d : receive(send_all, expected)) {
            std::uint32_t n = static_cast<std::uint32_t>(d.size());
            if (::write(p[1], &n, sizeof n) != sizeof n ||
                ::write(p[1], d.data(), d.size()) != static_cast<ssize_t>(d.size()))
                ::_exit(3);
        }
        ::_exit(0);
    }
    ::close(p[1]);
    std::string all;
    char buf[4096];
    for (ssize_t n; (n = ::read(p[0], buf, sizeof buf)) > 0;)
        all.append(buf, static_cast<std::size_t>(n));
    ::close(p[0]);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    std::vector<std::string> got;
    for (std::size_t pos = 0; pos + 4 <= all.size();) {
        std::uint32_t n = 0;
        std::memcpy(&n, all.data() + pos, 4);
        got.push_back(all.substr(pos + 4, n));
        pos += 4 + n;
    }
    return got;
}

} // namespace

TEST_CASE("journal: every event type has its own fixed MESSAGE_ID")
{
    std::set<std::string_view> ids, names;
    for (const auto& t : audit_event_types()) {
        CAPTURE(std::string(t.name));
        CHECK(t.message_id.size() == 32);
        CHECK(t.message_id.find_first_not_of("0123456789abcdef") == std::string_view::npos);
        CHECK(ids.insert(t.message_id).second);
        CHECK(names.insert(t.name).second);
        CHECK(t.name.substr(0, t.name.find('.')) == to_string(t.category));
        CHECK(journal_message_id(t.name, t.category) == t.message_id);
    }
    for (int i = 0; i <= static_cast<int>(audit_category::audit); ++i) {
        auto id = journal_message_id("unlisted.event", static_cast<audit_category>(i));
        CHECK(id.size() == 32);
        CHECK(ids.insert(id).second); // distinct from every event id and each other
    }
    CHECK(journal_message_id("auth.fail", audit_category::auth) ==
          "f964aa86cbd544f29a80759f2f8e1ae7");
}

TEST_CASE("journal: an auth failure carries what fail2ban matches")
{
    auto m = to_map(journal_fields(auth_fail(), 42));
    CHECK(m["MESSAGE"] == "auth.fail bad_secret from 192.0.2.7 actor=rover7 object=MOUNT1 seq=42");
    CHECK(m["MESSAGE_ID"] == "f964aa86cbd544f29a80759f2f8e1ae7");
    CHECK(m["PRIORITY"] == "4");
    CHECK(m["SYSLOG_IDENTIFIER"] == "cairn-audit");
    CHECK(m["AUTH_FAIL"] == "1");
    CHECK(m["CAIRN_SOURCE"] == "192.0.2.7");
    CHECK(m["CAIRN_USER"] == "rover7");
    CHECK(m["CAIRN_EVENT"] == "auth.fail");
    CHECK(m["CAIRN_CATEGORY"] == "auth");
    CHECK(m["CAIRN_OUTCOME"] == "bad_secret");
    CHECK(m["CAIRN_SEQ"] == "42");
    CHECK(m["CAIRN_DETAILS"] == R"({"method":"basic"})");

    audit_event ok = auth_fail();
    ok.event = "auth.ok";
    ok.outcome = "ok";
    m = to_map(journal_fields(ok, 43));
    CHECK(m.count("AUTH_FAIL") == 0);
    CHECK(m["PRIORITY"] == "6");
    CHECK(m["MESSAGE_ID"] == "09ced1a712a54aa7889a501749bc55e7");

    audit_event tok{audit_category::token, "token.create", "alice", "", "t1", "ok", {}};
    m = to_map(journal_fields(tok, 1));
    CHECK(m.count("AUTH_FAIL") == 0);
    CHECK(m.count("CAIRN_USER") == 0);
    CHECK(m.count("CAIRN_DETAILS") == 0);
    CHECK(m["MESSAGE"] == "token.create ok from - actor=alice object=t1 seq=1");
    tok.outcome = "error";
    CHECK(journal_priority(tok) == 3);
    CHECK(journal_priority({audit_category::audit, "audit.verify", "", "", "", "edited", {}}) == 2);
}

TEST_CASE("journal: values cannot forge lines or grow without bound")
{
    audit_event ev = auth_fail();
    ev.actor = "x\nAUTH_FAIL=0\nCAIRN_SOURCE=10.0.0.1";
    ev.source = "192.0.2.8\r\n";
    ev.object = std::string(5000, 'o');
    for (const auto& f : journal_fields(ev, 1)) {
        CAPTURE(f);
        CHECK(f.find('\n') == std::string::npos);
        CHECK(f.find('\r') == std::string::npos);
        CHECK(f.size() <= journal_value_max + 200);
    }
    auto m = to_map(journal_fields(ev, 1));
    CHECK(m["CAIRN_SOURCE"] == "192.0.2.8  ");
    CHECK(m["AUTH_FAIL"] == "1");
    CHECK(m["CAIRN_OBJECT"].size() == journal_value_max);
    CHECK(m["MESSAGE"].starts_with("auth.fail bad_secret from 192.0.2.8   actor=x AUTH_FAIL=0"));
}

TEST_CASE("journal: checkpoint fields parse back")
{
    audit_digest mac{};
    mac.fill(0xab);
    auto m = to_map(journal_checkpoint_fields(100, mac));
    CHECK(m["MESSAGE_ID"] == "362bc025e99d4449b52757db0c8ae765");
    CHECK(m["CAIRN_CHECKPOINT_SEQ"] == "100");
    CHECK(m["CAIRN_CHECKPOINT_MAC"] == to_hex(mac));
    auto c = parse_audit_checkpoint(m["MESSAGE"]);
    REQUIRE(c);
    CHECK(c->seq == 100);
    CHECK(c->mac == mac);
}

TEST_CASE("journal: libsystemd delivers the fields on the native socket" *
          doctest::skip(mode() == capture_mode::none))
{
    audit_digest mac{};
    mac.fill(0x5a);
    audit_event odd = auth_fail();
    odd.actor = "line1\nline2";
    auto got = capture(
        [&] {
            systemd_journal j;
            j.send(auth_fail(), 7);
            j.checkpoint(100, mac);
            j.send(odd, 8);
        },
        3);
    REQUIRE(got.size() == 3);
    auto ev = parse_native(got[0]);
    CHECK(ev["MESSAGE_ID"] == "f964aa86cbd544f29a80759f2f8e1ae7");
    CHECK(ev["AUTH_FAIL"] == "1");
    CHECK(ev["CAIRN_SOURCE"] == "192.0.2.7");
    CHECK(ev["CAIRN_USER"] == "rover7");
    CHECK(ev["CAIRN_SEQ"] == "7");
    CHECK(ev["PRIORITY"] == "4");
    CHECK(ev["SYSLOG_IDENTIFIER"] == "cairn-audit");
    auto cp = parse_native(got[1]);
    CHECK(cp["CAIRN_CHECKPOINT_SEQ"] == "100");
    CHECK(parse_audit_checkpoint(cp["MESSAGE"]) == audit_checkpoint{100, mac});
    auto o = parse_native(got[2]);
    CHECK(o["CAIRN_USER"] == "line1 line2");
    CHECK(got[2].find("line1\nline2") == std::string::npos);
}
