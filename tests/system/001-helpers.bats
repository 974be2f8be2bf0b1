#!/usr/bin/env bats
# The bats helpers themselves, against a stand-in for cpod: run_cpod, is, assert_line,
# refute_line and the teardown's unmounting. A helper that passed everything would make every
# other system test worthless, so each one is also shown failing.

load helpers

setup_file() {
	cpod_setup_file
	# Prints its arguments one per line; exits with $FAKE_STATUS, after $FAKE_SLEEP seconds.
	cat >"$CPOD_TEST_DIR/fake-cpod" <<-'EOF'
		#!/bin/sh
		sleep "${FAKE_SLEEP:-0}"
		for a in "$@"; do echo "$a"; done
		exit "${FAKE_STATUS:-0}"
	EOF
	chmod +x "$CPOD_TEST_DIR/fake-cpod"
}

setup() {
	cpod_setup
	# shellcheck disable=SC2034 # read by run_cpod
	CPOD=$CPOD_TEST_DIR/fake-cpod
}

@test "helpers: run_cpod passes the file's root and runroot, sets output, status and lines" {
	run_cpod ps -a
	is "$status" 0 status
	is "${lines[0]}" --root
	is "${lines[1]}" "$CPOD_ROOT"
	is "${lines[2]}" --runroot
	is "${lines[3]}" "$CPOD_RUNROOT"
	is "${lines[4]}" ps
	is "${lines[5]}" -a
	is "${#lines[@]}" 6 "line count"
	is "$CPOD_ROOT" "$CPOD_TEST_DIR/root" "root under the file's temp dir"
	[ -d "$CPOD_ROOT" ] && [ -d "$CPOD_RUNROOT" ]
}

@test "helpers: run_cpod checks the exit status" {
	FAKE_STATUS=125 run_cpod 125 rm nothing
	is "$status" 125
	FAKE_STATUS=3 run_cpod '?' anything
	is "$status" 3 "'?' accepts any status"
	FAKE_STATUS=2 run run_cpod version
	[ "$status" -eq 1 ] # an unexpected status fails the test
	assert_line "*FAIL: exit status 2, expected 0*"
	assert_line "*command: cpod version"
	assert_line "*|   version"
	run run_cpod 1 version
	[ "$status" -eq 1 ] # status 0 when 1 was expected fails
	assert_line "*FAIL: exit status 0, expected 1*"
}

@test "helpers: run_cpod gives up on a hung command" {
	CPOD_TIMEOUT=1 FAKE_SLEEP=30 run run_cpod info
	[ "$status" -eq 1 ]
	assert_line "*FAIL: timed out after 1s: cpod info*"
}

@test "helpers: is matches literally, as a glob or as a whole regex" {
	is "abc" "abc"
	is '["a","b"]' '["a","b"]' "brackets taken literally when equal"
	is "hello world" "hello*"
	is "version 1.2.3" "version [0-9]+\.[0-9]+\.[0-9]+"
	is "" "" "empty"
	run is "abc" "ab" "a prefix"
	[ "$status" -eq 1 ] # the regex is anchored
	assert_line "*FAIL: a prefix*"
	assert_line "*expected: ab"
	assert_line "*actual: abc"
	run is "x" "" "must be empty"
	[ "$status" -eq 1 ] # empty expected wants empty actual
	run is "" "x"
	[ "$status" -eq 1 ] # empty actual fails a non-empty pattern
}

@test "helpers: assert_line and refute_line" {
	run printf 'first\nsecond line\nthird\n'
	assert_line "second*"
	assert_line -n 0 first
	assert_line -n 2 "t[a-z]+"
	refute_line "fourth"
	run assert_line "fourth" "the fourth line"
	[ "$status" -eq 1 ] # no line matches
	assert_line "*FAIL: the fourth line*"
	run printf 'first\nsecond\n'
	run assert_line -n 1 first
	[ "$status" -eq 1 ] # line 1 is not 'first'
	run printf 'first\nsecond\n'
	run assert_line -n 5 first
	[ "$status" -eq 1 ] # no line 5
	run printf 'first\nsecond\n'
	run refute_line "sec*"
	[ "$status" -eq 1 ] # refute_line fails on a match
	assert_line "*line 1 matches sec\*: second*"
}

@test "helpers: teardown unmounts what is mounted under the test dir before deleting it" {
	local src=$BATS_TEST_TMPDIR/src dir=$BATS_TEST_TMPDIR/victim
	mkdir -p "$src" "$dir/a/mnt" "$dir/b"
	echo keep >"$src/file"
	mount --bind "$src" "$dir/a/mnt" || skip "cannot bind mount here"
	mount -t tmpfs tmpfs "$dir/b"
	cpod_unmount_under "$dir"
	run grep -c " $dir/" /proc/self/mountinfo
	is "$output" 0 "mounts left under $dir"
	CPOD_TEST_DIR=$dir cpod_teardown_file
	[ ! -e "$dir" ] || die "$dir not removed"
	is "$(cat "$src/file")" keep "the bind mount's source is untouched"
}
