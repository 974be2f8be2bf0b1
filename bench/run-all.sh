#!/usr/bin/env bash
# Runs every benchmark (bench/*.sh except lib.sh, setup.sh and this script), each in its own
# private namespace with its own temporary stores, then prints all comparisons together.
# The results file (BENCH_RESULTS, default bench/results/latest.txt) starts empty.
# Options are passed to every benchmark; BENCH_* variables too (see lib.sh).
set -uo pipefail
bench_dir=$(cd "$(dirname "$0")" && pwd)
export BENCH_RESULTS=${BENCH_RESULTS:-$bench_dir/results/latest.txt}
mkdir -p "$(dirname "$BENCH_RESULTS")"
: >"$BENCH_RESULTS"

failed=()
for script in "$bench_dir"/*.sh; do
	name=$(basename "$script")
	case $name in lib.sh | setup.sh | run-all.sh) continue ;; esac
	echo "== $name" >&2
	bash "$script" "$@" || failed+=("$name")
done

echo
echo "== all comparisons ($BENCH_RESULTS)"
cat "$BENCH_RESULTS"
if [ ${#failed[@]} -gt 0 ]; then
	echo "failed: ${failed[*]}" >&2
	exit 1
fi
