#!/usr/bin/env bats
# cpod exec: output and exit status, 126/127, environment, working directory, user, standard
# input, detached sessions, --latest, a terminal, and the errors.

load helpers
cpod_container_file

setup() {
	cpod_setup
	run_cpod run -d --name c1 $IMG sleep 100
	CID=$output
}

@test "exec: the output and the exit status are the process's" {
	run_cpod exec c1 echo hello world
	is "$output" "hello world"
	run_cpod 7 exec c1 sh -c 'echo to-stderr >&2; exit 7'
	is "$output" "to-stderr"
	run_cpod exec ${CID:0:12} sh -c 'echo $$'
	[[ $output =~ ^[0-9]+$ ]] && [ "$output" -gt 1 ] || die "exec ran as pid '$output'"
	run_cpod container exec c1 true
	is "$output" ""
}

@test "exec: 127 for a command that does not exist, 126 for one that cannot run" {
	run_cpod 127 exec c1 no-such-command
	assert_line "*no-such-command*"
	run_cpod 126 exec c1 /etc
	assert_line "Error: *"
	run_cpod exec c1 true
}

@test "exec: -e, --env-file, -w and -u" {
	printf 'FROM_FILE=yes\n  # a comment\n\nOVERRIDDEN=file\n' >"$CPOD_TEST_DIR/envfile"
	HOSTVAR=from-host HOSTGLOB_A=a HOSTGLOB_B=b run_cpod exec -e FOO=bar -e HOSTVAR \
		-e 'HOSTGLOB_*' -e UNSET_VARIABLE --env-file "$CPOD_TEST_DIR/envfile" \
		-e OVERRIDDEN=cli c1 sh -c \
		'echo $FOO $HOSTVAR $HOSTGLOB_A$HOSTGLOB_B $FROM_FILE $OVERRIDDEN ${UNSET_VARIABLE-unset}'
	is "$output" "bar from-host ab yes cli unset"
	run_cpod exec -w /tmp c1 pwd
	is "$output" "/tmp"
	run_cpod exec c1 pwd
	is "$output" "/" "the container's own working directory without -w"
	run_cpod exec -u nobody c1 sh -c 'id -u; id -g'
	is "${lines[0]}" "65534"
	is "${lines[1]}" "65534"
	run_cpod exec -u tester c1 id -u
	is "$output" "1000"
	run_cpod exec -u 1234:5678 c1 sh -c 'id -u; id -g'
	is "$output" "1234"$'\n'"5678"
	run_cpod exec c1 id -u
	is "$output" "0"
}

@test "exec: bad environment variables and env files" {
	run_cpod 125 exec -e =value c1 true
	is "$output" 'Error: parsing environment variables: invalid environment variable: "=value"'
	run_cpod 125 exec --env-file "$CPOD_TEST_DIR/no-such-file" c1 true
	is "$output" "Error: parsing env file \"$CPOD_TEST_DIR/no-such-file\": open $CPOD_TEST_DIR/no-such-file: no such file or directory"
	printf 'GOOD=1\n=bad\n' >"$CPOD_TEST_DIR/badenv"
	run_cpod 125 exec --env-file "$CPOD_TEST_DIR/badenv" c1 true
	is "$output" "Error: parsing env file \"$CPOD_TEST_DIR/badenv\": invalid environment variable: \"=bad\""
}

@test "exec -i forwards standard input; without -i the process gets none" {
	output=$(printf 'line one\nline two\n' | "$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" \
		exec -i c1 cat)
	is "$output" "line one"$'\n'"line two"
	output=$(printf 'line one\n' | "$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" \
		exec -i c1 wc -l)
	is "$output" "1"
	output=$(printf 'not read\n' | timeout 30 "$CPOD" --root "$CPOD_ROOT" \
		--runroot "$CPOD_RUNROOT" exec c1 cat)
	is "$output" "" "stdin is not forwarded without -i"
}

@test "exec -d prints the session ID and leaves the process running" {
	run_cpod exec -d c1 sh -c 'sleep 1; echo done >/tmp/marker'
	[[ $output =~ ^[0-9a-f]{64}$ ]] || die "exec -d printed '$output'"
	for _ in $(seq 50); do
		run_cpod '?' exec c1 cat /tmp/marker
		[ "$status" -eq 0 ] && break
		sleep 0.2
	done
	is "$output" "done" "the detached process ran to its end"
}

@test "exec: options end at the container name; --latest" {
	run_cpod exec c1 sh -c 'printf "%s\n" "$*"' sh -e FOO -w /x
	is "$output" "-e FOO -w /x"
	run_cpod run -d --name c2 $IMG sleep 100
	run_cpod exec c2 touch /tmp/in-c2
	run_cpod exec -l ls /tmp/in-c2
	is "$output" "/tmp/in-c2" "--latest is the newest container"
	run_cpod exec --latest echo the command starts at the first argument
	is "$output" "the command starts at the first argument"
}

@test "exec -t: a terminal inside; the caller's terminal is restored afterwards" {
	run_cpod exec -t c1 tty
	is "$output" "/dev/pts/*"
	run_cpod 1 exec c1 tty
	is "$output" "not a tty"
	# Under script(1) stdin is a terminal: it goes raw for the session and is restored.
	output=$(timeout 60 script -qec "'$CPOD' --root '$CPOD_ROOT' --runroot '$CPOD_RUNROOT' exec -it c1 sh -c 'tty; exit 3'; echo status=\$?; stty -a" /dev/null </dev/null)
	[[ $output == */dev/pts/* ]] || die "no terminal in the container: $output"
	[[ $output == *status=3* ]] || die "exit status lost: $output"
	[[ $output =~ [^-]icanon ]] && [[ $output =~ [^-]echo ]] ||
		die "terminal left in raw mode: $output"
}

@test "exec: errors" {
	run_cpod 125 exec
	is "$output" "Error: exec requires the name or ID of a container or the --latest flag"
	run_cpod 125 exec no-such-container true
	is "$output" 'Error: no container with name or ID "no-such-container" found: no such container'
	run_cpod 125 exec c1
	assert_line "*must provide a non-empty command to start an exec session*"
	run_cpod 125 exec --preserve-fds 1 c1 true
	assert_line "*--preserve-fds*"
	run_cpod create --name stopped $IMG true
	run_cpod 125 exec stopped true
	assert_line "*can only create exec sessions on running containers*"
	run_cpod 125 exec --no-such-flag c1 true
	assert_line "Error: unknown flag: --no-such-flag"
}
