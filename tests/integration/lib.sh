# SPDX-License-Identifier: GPL-3.0-or-later
# Shared helpers for the integration tests (sourced). Every test runs real binaries
# from the build tree against real files, ptys and sockets, and cleans up after itself.
set -euo pipefail

build=${CAIRN_BUILD_ROOT:?run through meson test}
src=${CAIRN_SOURCE_ROOT:?run through meson test}
data=${CAIRN_TEST_DATA:-$src/../shared/data}
cairnd=$build/daemon/cairnd
cairnctl=$build/daemon/cairnctl

work=$(mktemp -d /tmp/cairn-it-XXXXXX)
chmod 700 "$work"
pids=()
cleanup() {
    local p
    for p in "${pids[@]:-}"; do
        [ -n "$p" ] && kill "$p" 2>/dev/null || true
    done
    for p in "${pids[@]:-}"; do
        [ -n "$p" ] && wait "$p" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; [ -f "$work/cairnd.log" ] && { echo "--- cairnd log"; tail -n 40 "$work/cairnd.log"; }; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed"; }
need_data() { [ -f "$data/$1" ] || skip "capture $data/$1 is missing (set CAIRN_TEST_DATA)"; }

# json FILE_OR_- EXPR: evaluates a Python expression on the parsed JSON as `j`.
json() {
    python3 -c 'import json,sys; j=json.load(open(sys.argv[1]) if sys.argv[1]!="-" else sys.stdin); print(eval(sys.argv[2]))' "$@"
}

# wait_for SECONDS CMD...: polls CMD every 0.1 s until it succeeds.
wait_for() {
    local deadline=$(( $(date +%s%N) / 1000000 + ${1} * 1000 ))
    shift
    until "$@" >/dev/null 2>&1; do
        [ $(( $(date +%s%N) / 1000000 )) -lt $deadline ] || return 1
        sleep 0.1
    done
}

# start_cairnd ARGS...: runs cairnd in the background with $work/state, waits for its socket.
start_cairnd() {
    mkdir -p "$work/state" && chmod 700 "$work/state"
    local extra=()
    # Demo listeners on a random port pair, so a caster already on 2101 never interferes.
    if [[ " $* " == *" --demo "* && " $* " != *" --caster-port "* ]]; then
        extra=(--caster-port $((24000 + RANDOM % 4000 * 2)))
    fi
    "$cairnd" --state-dir "$work/state" "$@" "${extra[@]}" >"$work/cairnd.log" 2>&1 &
    pids+=($!)
    cairnd_pid=$!
    wait_for 10 test -S "$work/state/cairnd.sock" || fail "cairnd did not create its control socket"
}

status_json() { "$cairnctl" --state-dir "$work/state" status --json; }

# socat pty pair: $work/ttyF9P (the receiver's end) <-> $work/ttyHOST (cairnd's end)
start_cable() {
    socat pty,raw,echo=0,link="$work/ttyF9P" pty,raw,echo=0,link="$work/ttyHOST" 2>"$work/socat.log" &
    pids+=($!)
    socat_pid=$!
    wait_for 5 test -e "$work/ttyHOST" || fail "socat did not create the pty pair"
    wait_for 5 test -e "$work/ttyF9P" || fail "socat did not create the pty pair"
}

# capture_journal: when no journald runs here (containers, CI) and we are root, receive
# what libsystemd sends to /run/systemd/journal/socket into $work/journal.txt. Sets
# journal_captured=1 when it did; never touches a real journald socket.
journal_captured=0
capture_journal() {
    local sock=/run/systemd/journal/socket
    [ -e "$sock" ] && return 0
    [ "$(id -u)" -eq 0 ] || return 0
    command -v socat >/dev/null 2>&1 || return 0
    mkdir -p /run/systemd/journal
    socat -u UNIX-RECV:"$sock" OPEN:"$work/journal.txt",creat,append 2>/dev/null &
    pids+=($!)
    journal_sock_owned=$sock
    wait_for 5 test -S "$sock" || return 0
    journal_captured=1
}
journal_cleanup() { [ -n "${journal_sock_owned:-}" ] && rm -f "$journal_sock_owned"; return 0; }
trap 'journal_cleanup; cleanup' EXIT
