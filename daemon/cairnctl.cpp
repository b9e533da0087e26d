// SPDX-License-Identifier: GPL-3.0-or-later
// cairnctl: the command-line tool. Global options first, then a subcommand.
#include "daemon/ctl.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace {

constexpr const char* default_state_dir = "/var/lib/cairn";

constexpr const char* usage_text = R"(usage: cairnctl [--state-dir DIR] COMMAND [ARGS]

Commands:
  scan FILE [--json]          frame a capture: counts per kind and type, checksum
                              failures, unframed bytes, station position, receiver
  status [--json]             ask the running cairnd (through DIR/cairnd.sock)
  receiver list [--json]      serial ports with USB VID/PID and what they are
  receiver detect [--device D] [--settings S] [--json]
                              identify the receiver (MON-VER): model, firmware
  receiver configure --profile base-fixed|survey-in [--save] [--config FILE]
        [--device D] [--settings S] [--json]
                              configure it as a base over UBX, read it back, and
                              with --save store it in BBR+Flash; through cairnd when
                              it owns the port, else directly on D (audited)
  replay FILE --to DEV [--speed X] [--settings S]
                              write a capture into a serial port or pty at its real
                              pace (X times faster; 0 = as fast as possible)
  token create --mount M [--mount M2] --scope read|publish [--expires 90d]
        [--cidr C] [--max-sessions N] [--allow-glob] --label L [--json]
                              a rover/source credential, shown once
  token list [--json] | token revoke ID | token rotate ID [--json]
  user add NAME --role viewer|operator|admin [--password-stdin]
  user passwd NAME [--password-stdin] | user remove NAME | user list [--json]
  audit init                  start the audit log; prints the initial key ONCE
  audit verify [--key K]      check the hash chain (and every MAC with the key)
  audit tail [-n N] | audit export --since TIME --json
  version                     print the version

Global options:
  --state-dir DIR             cairnd's state directory (default /var/lib/cairn,
                              or $CAIRN_STATE_DIR)

Exit codes: 0 ok, 1 failed (e.g. cairnd not running), 2 usage or unreadable input.
)";

} // namespace

int main(int argc, char** argv)
{
    ctl::globals g;
    if (const char* env = std::getenv("CAIRN_STATE_DIR"); env && *env)
        g.state_dir = env;
    else
        g.state_dir = default_state_dir;

    int i = 1;
    for (; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--state-dir" && i + 1 < argc) {
            g.state_dir = argv[++i];
        } else if (a.starts_with("--state-dir=")) {
            g.state_dir = std::string(a.substr(std::strlen("--state-dir=")));
        } else if (a == "-h" || a == "--help") {
            std::fputs(usage_text, stdout);
            return ctl::exit_ok;
        } else if (a.starts_with("-")) {
            std::fprintf(stderr, "cairnctl: unknown option '%s'\n\n%s", argv[i], usage_text);
            return ctl::exit_usage;
        } else {
            break;
        }
    }
    if (i >= argc) {
        std::fputs(usage_text, stderr);
        return ctl::exit_usage;
    }
    std::string_view cmd = argv[i];
    ctl::args rest(argv + i + 1, argv + argc);
    if (cmd == "scan")
        return ctl::scan(g, rest);
    if (cmd == "status")
        return ctl::status(g, rest);
    if (cmd == "receiver")
        return ctl::receiver(g, rest);
    if (cmd == "replay")
        return ctl::replay(g, rest);
    if (cmd == "token")
        return ctl::token(g, rest);
    if (cmd == "user")
        return ctl::user(g, rest);
    if (cmd == "audit")
        return ctl::audit(g, rest);
    if (cmd == "version") {
        std::printf("cairnctl %s\n", CAIRN_VERSION);
        return ctl::exit_ok;
    }
    std::fprintf(stderr, "cairnctl: unknown command '%s'\n\n%s", argv[i], usage_text);
    return ctl::exit_usage;
}
