#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Bad config stops cairnd with exit 78 and "file:line: key: what was expected".
source "$(dirname "$0")/lib.sh"

expect_78() { # NAME EXPECTED_REGEX
    local f="$work/$1.toml" rc
    set +e
    "$cairnd" --config "$f" --allow-root --state-dir "$work/st" > "$work/$1.out" 2>&1; rc=$?
    set -e
    [ $rc -eq 78 ] || fail "$1: exit $rc, expected 78: $(cat "$work/$1.out")"
    grep -Eq "$2" "$work/$1.out" || fail "$1: message does not match '$2': $(cat "$work/$1.out")"
}

printf '[receiver]\ndevice = "/dev/ttyACM0"\nbaud = 9600\n' > "$work/unknown_key.toml"
expect_78 unknown_key "unknown_key.toml:3.*receiver\.baud"

printf '[receiver]\nstale_after = 5\n' > "$work/wrong_type.toml"
expect_78 wrong_type "wrong_type.toml:2.*receiver\.stale_after"

printf '[receiver]\nsettings = "115200:9:n:1"\n' > "$work/bad_value.toml"
expect_78 bad_value "bad_value.toml:2.*receiver\.settings"

printf '[receiver]\ndevice = "ttyACM0"\n' > "$work/relative.toml"
expect_78 relative "relative.toml:2.*receiver\.device"

printf '[recevier]\n' > "$work/unknown_table.toml"
expect_78 unknown_table "unknown_table.toml:1.*recevier"

printf '[receiver\n' > "$work/syntax.toml"
expect_78 syntax "syntax.toml:1"

expect_78 missing_file "missing_file.toml"

# --check-config agrees, and accepts the shipped example.
set +e
"$cairnd" --check-config "$work/bad_value.toml" > /dev/null 2>&1; rc=$?
set -e
[ $rc -eq 78 ] || fail "--check-config exit $rc on a bad file"
"$cairnd" --check-config "$src/config/cairn.example.toml" > /dev/null || fail "example config rejected"
echo "config_errors: ok"
