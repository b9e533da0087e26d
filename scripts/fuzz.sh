#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs every libFuzzer target in BUILD for SECONDS each, seeded from tests/fuzz/corpus
# and, when present, the real captures in ../shared/data. Fails on the first crash.
set -euo pipefail
build=$(cd "${1:?usage: fuzz.sh BUILD SECONDS}" && pwd)
seconds=${2:?usage: fuzz.sh BUILD SECONDS}
root=$(cd "$(dirname "$0")/.." && pwd)
data=${CAIRN_TEST_DATA:-$root/../shared/data}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

targets=$(find "$build/tests/fuzz" -maxdepth 1 -type f -name '*_fuzz' -perm -u+x | sort)
[ -n "$targets" ] || { echo "fuzz.sh: no fuzz targets in $build"; exit 1; }
for t in $targets; do
    name=$(basename "$t")
    corpus="$work/$name"
    mkdir -p "$corpus"
    seeds="$root/tests/fuzz/corpus/${name%_fuzz}"
    [ -d "$seeds" ] && cp "$seeds"/* "$corpus"/ 2>/dev/null || true
    case "$name" in
    framer_fuzz|rtcm3_fuzz|ubx_fuzz|nmea_fuzz)
        if [ -d "$data" ]; then
            # Small slices of the real captures make good seeds.
            for f in "$data"/*.log "$data"/*.ubx "$data"/*.rtcm3 "$data"/*.bin; do
                [ -f "$f" ] && head -c 4096 "$f" > "$corpus/$(basename "$f").seed"
            done
        fi ;;
    esac
    dict=()
    [ -f "$root/tests/fuzz/cairn.dict" ] && dict=(-dict="$root/tests/fuzz/cairn.dict")
    echo "== $name: ${seconds}s"
    rc=0
    (cd "$work" && "$t" "${dict[@]}" -max_total_time="$seconds" -max_len=16384 \
        -print_final_stats=1 -artifact_prefix="$work/$name-" "$corpus" > "$work/$name.log" 2>&1) || rc=$?
    grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb)' "$work/$name.log" || true
    if [ $rc -ne 0 ] || ls "$work/$name-"* >/dev/null 2>&1; then
        tail -n 40 "$work/$name.log"
        echo "fuzz.sh: $name found a crash:"; ls "$work/$name-"*
        mkdir -p "$root/build-fuzz-artifacts" && cp "$work/$name-"* "$root/build-fuzz-artifacts/"
        exit 1
    fi
done
echo "fuzz.sh: all targets ran ${seconds}s without a crash"
