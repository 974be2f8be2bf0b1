#!/usr/bin/env bash
# What cpod does today, side by side with podman 4.3: `version`, `info --format json` and
# `--help`. These are the fixed cost of every command: start-up, option parsing, reading
# containers.conf and storage.conf, opening the store.
#
# cpod's first `info` probes the OCI runtime (runs `crun --version` or `runc --version`) and caches
# the answer in its runroot; podman's first `info` initialises its store. Both are measured warm:
# one untimed call of each first, then hyperfine's warm-up runs.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
bench_init "$@"

cpod_run info --format json >/dev/null
podman_run info --format json >/dev/null

bench_compare "version" "$(cpod_sh version)" "$(podman_sh version)"
bench_compare "info --format json (warm)" "$(cpod_sh info --format json)" \
	"$(podman_sh info --format json)"
bench_compare "--help" "$(cpod_sh --help)" "$(podman_sh --help)"
