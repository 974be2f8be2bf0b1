#!/usr/bin/env bash
# Sets up everything cpod's tests need on a Debian 12 machine (as root), builds cpod twice
# (plain and ASan+UBSan), runs the unit tests in both builds, the fuzz corpora, the source
# checks and the bats system tests against the real binary and the local test registries,
# and ends with one line "N passed, N failed".
#
#   tests/run-all.sh            everything
#   tests/run-all.sh --no-deps  skip the package check (machine already set up)
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
results=$(mktemp -d /tmp/cpod-results.XXXXXX)

if [ "${1:-}" != "--no-deps" ]; then
	scripts/install-deps.sh || { echo "install-deps failed"; echo "0 passed, 1 failed"; exit 1; }
fi

build() {	# build DIR [meson options...]
	local dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" >"$results/setup-$dir.log" 2>&1 || {
			cat "$results/setup-$dir.log"
			return 1
		}
	fi
	ninja -C "$dir" >"$results/build-$dir.log" 2>&1 || {
		tail -n 60 "$results/build-$dir.log"
		return 1
	}
}

build_failed=0
build build || build_failed=$((build_failed + 1))
build build-asan -Db_sanitize=address,undefined -Db_lundef=false || build_failed=$((build_failed + 1))

# meson runs the TAP programs; every assertion line is counted from its log.
run_meson() {	# run_meson DIR LABEL
	[ -f "$1/build.ninja" ] || return 0
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		meson test -C "$1" --no-rebuild --print-errorlogs >"$results/meson-$2.log" 2>&1
	python3 tests/tap-count.py meson "$1/meson-logs/testlog.json" "$2" >>"$results/counts"
	grep -E '^(Ok|Fail|Timeout):' "$results/meson-$2.log" | sed "s/^/[$2] /"
	grep -E '^ *[0-9]+/[0-9]+ .*(FAIL|TIMEOUT)' "$results/meson-$2.log" | sed "s/^/[$2] /"
}
run_meson build unit
run_meson build-asan unit-asan

# Source checks (banned functions, exported symbols, formatting) as TAP.
bash tests/check-source.sh >"$results/source.tap" 2>&1
python3 tests/tap-count.py tap "$results/source.tap" source >>"$results/counts"
grep '^not ok' "$results/source.tap"

# System tests: the real binary against the local registries.
export CPOD_FIXTURES_DIR=${CPOD_FIXTURES_DIR:-/tmp/cpod-fixtures}
if [ -x build/cli/cpod ]; then
	fixtures_ok=1
	tests/fixtures/registry.sh start >"$results/registry.log" 2>&1 || fixtures_ok=0
	if [ $fixtures_ok = 1 ]; then
		tests/fixtures/images.sh >"$results/images.log" 2>&1 || fixtures_ok=0
	fi
	if [ $fixtures_ok = 0 ]; then
		echo "fixtures failed to start:"
		tail -n 40 "$results/registry.log" "$results/images.log" 2>/dev/null
		echo "not ok 1 - test fixtures (registries and images) start" >"$results/bats.tap"
	else
		CPOD_BIN="$top/build/cli/cpod" bats --tap tests/system >"$results/bats.tap" 2>&1
	fi
	tests/fixtures/registry.sh stop >>"$results/registry.log" 2>&1
	python3 tests/tap-count.py tap "$results/bats.tap" system >>"$results/counts"
	grep -A12 '^not ok' "$results/bats.tap" | head -n 200
fi

python3 tests/tap-count.py total "$results/counts" "$build_failed"
status=$?
echo "(logs in $results)" >&2
exit $status
