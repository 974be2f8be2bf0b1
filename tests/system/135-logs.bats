#!/usr/bin/env bats
# cpod logs: the lines of stdout and stderr, --tail, --timestamps, --since/--until, --follow
# returning when the container exits, several containers with and without --names.

load helpers
cpod_container_file

setup() {
	cpod_setup
}

# wait_for_lines NAME N: until `cpod logs NAME` has N lines.
wait_for_lines() {
	local n
	for _ in $(seq 100); do
		n=$("$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" logs "$1" 2>&1 | wc -l)
		[ "$n" -ge "$2" ] && return 0
		sleep 0.1
	done
	die "the log of $1 never reached $2 lines"
}

# cpod_out ARGS...: cpod's stdout only, stderr thrown away.
cpod_out() {
	"$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" "$@" 2>/dev/null
}

@test "logs: stdout and stderr lines, each to its own stream" {
	run_cpod run -d --name c1 $IMG sh -c 'echo one; echo two; echo three >&2; sleep 100'
	wait_for_lines c1 3
	run_cpod logs c1
	is "$output" "one"$'\n'"two"$'\n'"three"
	is "$(cpod_out logs c1)" "one"$'\n'"two" "stdout has the stdout lines"
	is "$("$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" logs c1 2>&1 >/dev/null)" \
		"three" "stderr has the stderr lines"
	run_cpod container logs c1
	is "${#lines[@]}" 3
}

@test "logs --tail and --timestamps" {
	run_cpod run -d --name c1 $IMG sh -c 'echo one; echo two; echo three; sleep 100'
	wait_for_lines c1 3
	run_cpod logs --tail 1 c1
	is "$output" "three"
	run_cpod logs --tail 2 c1
	is "$output" "two"$'\n'"three"
	run_cpod logs --tail 0 c1
	is "$output" ""
	run_cpod logs --tail 10 c1
	is "${#lines[@]}" 3
	run_cpod logs -t c1
	is "${#lines[@]}" 3
	for l in "${lines[@]}"; do
		[[ $l =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})\ (one|two|three)$ ]] ||
			die "no timestamp in '$l'"
	done
	run_cpod logs --timestamps --tail 1 c1
	is "$output" "* three"
}

@test "logs --since and --until" {
	run_cpod run -d --name c1 $IMG sh -c 'echo early; sleep 100'
	wait_for_lines c1 1
	run_cpod logs --since 10m c1
	is "$output" "early"
	run_cpod logs --since 2000-01-01 c1
	is "$output" "early"
	run_cpod logs --since "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)" c1
	is "$output" "" "nothing logged after a time to come"
	run_cpod logs --since "$(date -d '+1 hour' +%s)" c1
	is "$output" "" "a unix time"
	run_cpod logs --until 2000-01-01T00:00:00 c1
	is "$output" "" "nothing logged before 2000"
	run_cpod logs --until 1h c1
	is "$output" "early" "until a duration from now"
	run_cpod logs --since 1h --until "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%S.5+00:00)" c1
	is "$output" "early"
	run_cpod 125 logs --since yesterday c1
	is "$output" 'Error: parsing --since "yesterday": unable to interpret time value'
	run_cpod 125 logs --until 2020-13-01 c1
	is "$output" 'Error: parsing --until "2020-13-01": unable to interpret time value'
}

@test "logs -f returns when the container exits" {
	run_cpod run -d --name c1 $IMG sh -c 'echo first; sleep 2; echo second'
	start=$SECONDS
	run_cpod logs -f c1
	is "$output" "first"$'\n'"second"
	[ $((SECONDS - start)) -lt 30 ] || die "logs -f took $((SECONDS - start))s"
	run_cpod logs -f c1
	is "$output" "first"$'\n'"second" "-f on an exited container prints its log and returns"
}

@test "logs of several containers: short IDs, or names with -n" {
	run_cpod run -d --name c1 $IMG sh -c 'echo from-one; sleep 100'
	id1=$output
	run_cpod run -d --name c2 $IMG sh -c 'echo from-two; sleep 100'
	id2=$output
	wait_for_lines c1 1
	wait_for_lines c2 1
	run_cpod logs -n c1 c2
	assert_line "c1 from-one"
	assert_line "c2 from-two"
	is "${#lines[@]}" 2
	run_cpod logs --names c1
	is "$output" "from-one" "no prefix for a single container"
	run_cpod logs c1 c2
	assert_line "${id1:0:12} from-one"
	assert_line "${id2:0:12} from-two"
	run_cpod logs --latest
	is "$output" "from-two"
}

@test "logs: errors" {
	run_cpod 125 logs
	is "$output" "Error: specify at least one container name or ID to log"
	run_cpod run -d --name c1 $IMG sleep 100
	run_cpod 125 logs -l c1
	is "$output" "Error: --latest and containers cannot be used together"
	run_cpod 125 logs no-such-container
	assert_line '*no container with name or ID "no-such-container" found*'
	# Options end at the first container name, as in podman.
	run_cpod 125 logs c1 -f
	assert_line '*no container with name or ID "-f" found*'
}
