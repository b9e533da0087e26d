#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# NTRIP fan-out benchmark (`make bench` runs it with the build dir): the same workload
# against RTKLIB's str2str caster (the baseline; it serves at most 32 rovers) and cairnd's
# caster in one run, then a table with ratios against the baseline. Usage: fanout.sh BUILD
# A benchmark, not a test: a missing tool is a message and exit 0; a run that measured
# nothing is exit 1. Every run is bounded in rovers and seconds, on loopback only.
#
# Knobs (environment): BENCH_EPOCHS (10), BENCH_RATE (1 Hz), BENCH_EPOCH_BYTES (2048),
# BENCH_BASELINE_CLIENTS (30), BENCH_FLOOR_CLIENTS ("100 1000 5000 10000": the null caster,
# i.e. the harness's own floor), BENCH_CLIENTS ("30 100 1000 5000 10000"), BENCH_TLS_CLIENTS (2000; 0 =
# none), BENCH_ONE_THREAD_CLIENTS ("5000": cairnd again with [caster] fanout_threads = 1,
# for the ratio of its fan-out worker; "" = none), BENCH_RAMP (1000 rovers/s),
# BENCH_LIMIT_CHECK (1: show str2str's 32-rover cap),
# BENCH_OUT (JSON lines, default BUILD/tests/bench/fanout-results.jsonl).
# cairnd runs as `cairnd --demo --device PTY --caster-port P` (CAIRN_BENCH_ARGS adds
# arguments); its demo.json names the mountpoint, TLS port and CA, and the rovers use read
# tokens made with `cairnctl token create` (1000 sessions each).
set -euo pipefail

build=$(realpath -m "${1:-build}")
fanout=$build/tests/bench/ntrip_fanout
cairnd=$build/daemon/cairnd
cairnctl=$build/daemon/cairnctl

epochs=${BENCH_EPOCHS:-10}
rate=${BENCH_RATE:-1}
epoch_bytes=${BENCH_EPOCH_BYTES:-2048}
base_clients=${BENCH_BASELINE_CLIENTS:-30}
floor_clients=${BENCH_FLOOR_CLIENTS:-100 1000 5000 10000}
cairn_clients=${BENCH_CLIENTS:-30 100 1000 5000 10000}
tls_clients=${BENCH_TLS_CLIENTS:-2000}
one_thread_clients=${BENCH_ONE_THREAD_CLIENTS-5000}
ramp=${BENCH_RAMP:-1000}
limit_check=${BENCH_LIMIT_CHECK:-1}
out=${BENCH_OUT:-$build/tests/bench/fanout-results.jsonl}
# Rovers per cairnctl token (auth::max_max_sessions) and the per-run cap, the issue's
# largest target (each rover is two loopback sockets: 20,000 descriptors over the two
# processes, each raising its own limit to the hard one; ntrip_fanout refuses more).
per_token=1000
max_run_clients=10000
sources=500

note() { echo "fanout.sh: $*"; }
for tool in str2str socat python3; do
    command -v "$tool" >/dev/null 2>&1 || { note "$tool is not installed (scripts/deps.sh bench): skipped"; exit 0; }
done
[ -x "$fanout" ] || { note "$fanout is not built (is subdir('bench') in tests/meson.build?)"; exit 1; }
"$fanout" --self-test

work=$(mktemp -d /tmp/cairn-bench-XXXXXX)
chmod 700 "$work"
pids=()
# shellcheck disable=SC2317,SC2015 # called through the trap; kill/wait failures are fine
cleanup() {
    local p
    for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$(dirname "$out")"
: >"$out"

# wait_for SECONDS CMD...: polls CMD every 0.1 s until it succeeds.
wait_for() {
    local deadline=$(($(date +%s%N) / 1000000 + $1 * 1000))
    shift
    until "$@" >/dev/null 2>&1; do
        [ $(($(date +%s%N) / 1000000)) -lt $deadline ] || return 1
        sleep 0.1
    done
}
listening() { # PORT: a socket listens on it (IPv4 or IPv6)
    local hex
    hex=$(printf ':%04X ' "$1")
    cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk '$4 == "0A" {print $2" "}' | grep -q "$hex"
}
free_port() { # below the kernel's ephemeral range, where the rovers' own ports come from
    local p
    while :; do
        p=$((20000 + RANDOM % 12000))
        listening "$p" || { echo "$p"; return; }
    done
}
# cable NAME: a socat pty pair, $work/NAME-rx (the receiver's end, we write epochs there)
# <-> $work/NAME-host (what the caster opens as its serial port).
cable() {
    socat pty,raw,echo=0,link="$work/$1-rx" pty,raw,echo=0,link="$work/$1-host" 2>"$work/$1-socat.log" &
    pids+=("$!")
    wait_for 5 test -e "$work/$1-host" -a -e "$work/$1-rx" || { note "socat made no pty pair"; exit 1; }
}
# run LABEL CASTER_PID ARGS...: one ntrip_fanout run; its table goes to the terminal, its
# JSON line to $out.
run() {
    local label=$1 pid=$2 rc=0
    shift 2
    "$fanout" --label "$label" --pid "$pid" --epochs "$epochs" --rate "$rate" \
        --epoch-bytes "$epoch_bytes" --ramp "$ramp" --warmup 1 --linger 1 "$@" >>"$out" 2>"$work/$label.log" || rc=$?
    cat "$work/$label.log"
    [ "$rc" -eq 0 ] || { note "$label: ntrip_fanout exited $rc"; failed=1; }
    return 0
}
failed=0
# fits N: N rovers are within the cap and the descriptor hard limit (each process needs
# N sockets and some spare; cairnd and ntrip_fanout raise their soft limit to it).
hard_fds=$(ulimit -Hn)
fits() {
    [ "$1" -le "$max_run_clients" ] || { note "skipping $1 rovers (over $max_run_clients)"; return 1; }
    [ "$hard_fds" = unlimited ] || [ "$1" -le $((hard_fds - 256)) ] ||
        { note "skipping $1 rovers (the descriptor hard limit is $hard_fds)"; return 1; }
}

# ---- Baseline: str2str's NTRIP caster fed through a pty, as RTKBase runs it ----------
str='BENCH;RTCM 3.3;4095(1);2;GPS;NONE;XXX;0.00;0.00;0;0;cairn-bench;none;B;N;0;'
cable s2s
s2s_port=$(free_port)
s2s_dev=$(realpath "$work/s2s-host")
# str2str prepends /dev/ to serial paths.
str2str -in "serial://${s2s_dev#/dev/}:115200:8:n:1" \
    -out "ntripc://bench:benchpw@:$s2s_port/BENCH:$str" >"$work/str2str.log" 2>&1 &
s2s_pid=$!
pids+=("$s2s_pid")
wait_for 5 listening "$s2s_port" || { cat "$work/str2str.log"; note "str2str did not listen"; exit 1; }
s2s_args=(--caster "127.0.0.1:$s2s_port" --mount BENCH --user bench --password benchpw --feed "$work/s2s-rx")
run "str2str-$base_clients" "$s2s_pid" "${s2s_args[@]}" --clients "$base_clients"
if [ "$limit_check" = 1 ]; then
    # 40 rovers: str2str serves 32 and leaves the rest hanging (they time out).
    "$fanout" --label str2str-limit --pid "$s2s_pid" "${s2s_args[@]}" --clients 40 --epochs 2 \
        --warmup 1 --linger 0.5 --setup-timeout 3 >>"$out" 2>"$work/limit.log" || true
    cat "$work/limit.log"
fi
kill "$s2s_pid" 2>/dev/null || true
wait "$s2s_pid" 2>/dev/null || true

# ---- Floor: the null caster (one non-blocking send per rover per read, nothing else) ----
if [ -n "$floor_clients" ]; then
    cable null
    null_port=$(free_port)
    "$fanout" --null-caster "$null_port" "$work/null-host" 600 2>"$work/null.log" &
    null_pid=$!
    pids+=("$null_pid")
    wait_for 5 listening "$null_port" || { cat "$work/null.log"; note "the null caster did not listen"; exit 1; }
    for n in $floor_clients; do
        fits "$n" || continue
        run "null-$n" "$null_pid" --caster "127.0.0.1:$null_port" --mount NULL --feed "$work/null-rx" --clients "$n"
    done
    kill "$null_pid" 2>/dev/null || true
    wait "$null_pid" 2>/dev/null || true
fi

# ---- cairnd ------------------------------------------------------------------------------
report() {
    # The JSON lines as a Markdown table; ratios against the first (baseline) line.
    echo
    echo "Fan-out, $epochs epochs x $epoch_bytes B at $rate Hz (ratios: / str2str at $base_clients rovers, same run)"
    awk '
    function get(k,   m) { if (match($0, "\"" k "\":[^,}]*")) { m = substr($0, RSTART + length(k) + 3, RLENGTH - length(k) - 3); gsub(/"/, "", m); return m } return "" }
    function ratio(a, b) { return (b + 0 > 0) ? sprintf("%.2f", a / b) : "-" }
    function ms(v) { return (v == "") ? "-" : sprintf("%.3f", v) }
    BEGIN { print "| run | rovers | connected | delivered % | p50 ms | p99 ms | arrival p50 ms | arrival p99 ms | max ms | caster CPU % | RSS B/rover | p99 ratio | CPU/rover ratio | reads/epoch | load |";
            print "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|" }
    {
        n = get("clients"); c = get("connected"); cpu = get("caster_cpu_pct"); p99 = get("p99_ms")
        cpr = (c + 0 > 0) ? cpu / c : 0
        if (NR == 1) { bp99 = p99; bcpr = cpr }
        printf "| %s | %s | %s | %.2f | %.3f | %.3f | %s | %s | %.3f | %.2f | %.0f | %s | %s | %.1f | %.1f |\n",
            get("label"), n, c, get("delivered_pct"), get("p50_ms"), p99, ms(get("arrival_p50_ms")),
            ms(get("arrival_p99_ms")), get("max_ms"), cpu,
            get("rss_per_client_bytes"), ratio(p99, bp99), ratio(cpr, bcpr), get("reads_per_epoch"),
            get("load1")
    }' "$out"
    echo
    note "JSON lines: $out"
}

if [ ! -x "$cairnd" ] || ! "$cairnd" --help 2>&1 | grep -qi caster; then
    note "cairnd with a caster is not built ($cairnd): baseline and floor only"
    report
    exit $failed
fi

cable cairn
mkdir -p "$work/state"
chmod 700 "$work/state"
cairn_port=$(free_port)
while listening $((cairn_port + 1)); do cairn_port=$(free_port); done
# start_cairnd: a fresh cairnd for each run (same state dir, port and tokens), so RSS growth
# per rover is not hidden by memory an earlier run left in the allocator.
cairnd_pid=
start_cairnd() {
    # shellcheck disable=SC2086 # CAIRN_BENCH_ARGS is a list of words
    "$cairnd" --demo --device "$work/cairn-host" --state-dir "$work/state" --caster-port "$cairn_port" \
        ${CAIRN_BENCH_ARGS:-} "$@" >>"$work/cairnd.log" 2>&1 &
    cairnd_pid=$!
    pids+=("$cairnd_pid")
    wait_for 10 test -f "$work/state/demo.json" || { tail -n 30 "$work/cairnd.log"; note "cairnd wrote no demo.json"; exit 1; }
    wait_for 10 listening "$cairn_port" || { tail -n 30 "$work/cairnd.log"; note "cairnd does not listen on $cairn_port"; exit 1; }
}
stop_cairnd() {
    kill -0 "$cairnd_pid" 2>/dev/null || { tail -n 30 "$work/cairnd.log"; note "cairnd died during the benchmark"; exit 1; }
    kill "$cairnd_pid"
    wait "$cairnd_pid" 2>/dev/null || true
    rm -f "$work/state/demo.json"
}
start_cairnd
# cairnd raises its descriptor limit to the hard limit at start (the 10,000-rover run needs it).
note "cairnd $(awk '/Max open files/ {print "open files: soft " $4 ", hard " $5}' "/proc/$cairnd_pid/limits")"

# demo KEY...: a value from the demo.json cairnd wrote (keys nest: demo rover user).
demo() {
    python3 -c 'import json,sys; j=json.load(open(sys.argv[1]))
for k in sys.argv[2:]: j=j[k]
print(j)' "$work/state/demo.json" "$@"
}
mount=$(demo mountpoint)
tls_at=$(demo caster_tls)
cacert=$(demo ca_cert)

# The demo's rover token allows 2 sessions: make read tokens for the biggest run, each
# with the most sessions a token may have.
biggest=0
for n in $cairn_clients $tls_clients; do [ "$n" -gt "$biggest" ] && biggest=$n; done
creds=$work/credentials
: >"$creds"
chmod 600 "$creds"
for i in $(seq 1 $(((biggest + per_token - 1) / per_token))); do
    "$cairnctl" --state-dir "$work/state" token create --mount "$mount" --scope read \
        --max-sessions "$per_token" --label "bench-$i" --json >"$work/token.json"
    python3 -c 'import json,sys; j=json.load(open(sys.argv[1]))["ntrip"]; print(j["user"]+":"+j["password"])' \
        "$work/token.json" >>"$creds"
done

# Rovers come from $sources loopback addresses so cairnd's per-address connection rate
# limit (5/s, burst 20 by default) does not refuse the ramp.
cairn_args=(--mount "$mount" --credentials "$creds" --feed "$work/cairn-rx" --sources "$sources")
stop_cairnd
for n in $cairn_clients; do
    fits "$n" || continue
    start_cairnd
    run "cairnd-$n" "$cairnd_pid" "${cairn_args[@]}" --caster "127.0.0.1:$cairn_port" --clients "$n"
    stop_cairnd
done
# The same cairnd with its fan-out on the event loop's thread alone.
printf '[caster]\nfanout_threads = 1\n' >"$work/one-thread.toml"
for n in $one_thread_clients; do
    fits "$n" || continue
    start_cairnd --config "$work/one-thread.toml"
    run "cairnd-1t-$n" "$cairnd_pid" "${cairn_args[@]}" --caster "127.0.0.1:$cairn_port" --clients "$n"
    stop_cairnd
done
start_cairnd
run "cairnd-v2-100" "$cairnd_pid" "${cairn_args[@]}" --caster "127.0.0.1:$cairn_port" --clients 100 --v2
stop_cairnd
if [ "$tls_clients" -gt 0 ]; then
    start_cairnd
    run "cairnd-tls-$tls_clients" "$cairnd_pid" "${cairn_args[@]}" --caster "$tls_at" \
        --clients "$tls_clients" --tls --sni localhost --cacert "$cacert"
    stop_cairnd
fi
report
exit $failed
