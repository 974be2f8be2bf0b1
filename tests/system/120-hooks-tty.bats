#!/usr/bin/env bats
# OCI hooks from hooks directories, and terminals: run -it in a real pty, the window size,
# detaching with ctrl-p ctrl-q and attaching again.

load helpers
cpod_container_file

# hook FILE STAGE WHEN: a hook that copies the state it gets on stdin to $MARKS/<stage>.json.
hook() {
	cat >"$HOOKS/$1" <<-EOF
		{"version": "1.0.0",
		 "hook": {"path": "/bin/sh", "args": ["sh", "-c", "cat > $MARKS/$2.json"]},
		 "when": $3,
		 "stages": ["$2"]}
	EOF
}

@test "hooks run at their stage, with the container's state; when.annotations selects" {
	export HOOKS=$CPOD_TEST_DIR/hooks MARKS=$CPOD_TEST_DIR/marks
	mkdir -p "$HOOKS" "$MARKS"
	hook 10-prestart.json prestart '{"always": true}'
	hook 20-poststop.json poststop '{"annotations": {"^run-poststop$": "^yes$"}}'
	# The prestart hook ran before the process: the process sees its mark.
	run_cpod --hooks-dir "$HOOKS" run --name h1 -v "$MARKS:/marks" $IMG sh -c 'test -s /marks/prestart.json && echo seen'
	is "$output" "seen"
	id=$(jq -r .id "$MARKS/prestart.json")
	run_cpod inspect --format '{{.Id}}' h1
	is "$output" "$id"
	[ ! -e "$MARKS/poststop.json" ] || die "poststop ran without its annotation"
	run_cpod --hooks-dir "$HOOKS" run --rm --annotation run-poststop=yes $IMG true
	for _ in $(seq 50); do [ -e "$MARKS/poststop.json" ] && break; sleep 0.1; done
	[ -s "$MARKS/poststop.json" ] || die "poststop did not run"
	echo '{"version": "2.0"}' >"$HOOKS/30-bad.json"
	run_cpod 125 --hooks-dir "$HOOKS" run --rm $IMG true
	assert_line "*30-bad.json*"
}

# in_pty CMD: runs CMD in a new pseudo-terminal (script), input from stdin.
in_pty() {
	script -qfec "$*" /dev/null
}

@test "run -it: a terminal, its size, and input typed into it" {
	cmd="stty rows 33 cols 101; $CPOD --root $CPOD_ROOT --runroot $CPOD_RUNROOT run -it --rm $IMG sh -c 'tty; stty size; read x; echo got-\$x'"
	output=$(echo typed | timeout 60 script -qfec "$cmd" /dev/null | tr -d '\r')
	echo "$output"
	mapfile -t lines <<<"$output"
	assert_line "/dev/pts/*"
	assert_line "33 101"
	assert_line "got-typed"
}

@test "ctrl-p ctrl-q detaches; attach comes back; the container keeps running" {
	run_cpod run -dit --name tt $IMG sh
	output=$( (sleep 1; printf 'echo marker-$((6*7))\n'; sleep 1; printf '\020\021') |
		timeout 60 script -qfec "$CPOD --root $CPOD_ROOT --runroot $CPOD_RUNROOT attach tt" /dev/null | tr -d '\r')
	echo "$output"
	mapfile -t lines <<<"$output"
	assert_line "*marker-42*"
	run_cpod inspect --format '{{.State.Status}}' tt
	is "$output" "running"
	output=$( (sleep 1; printf 'exit 3\n') |
		timeout 60 script -qfec "$CPOD --root $CPOD_ROOT --runroot $CPOD_RUNROOT attach tt; echo status=\$?" /dev/null | tr -d '\r')
	echo "$output"
	mapfile -t lines <<<"$output"
	# As podman 4.3: attach ends with status 0; the code is the container's record.
	assert_line "*status=0*"
	run_cpod inspect --format '{{.State.Status}} {{.State.ExitCode}}' tt
	is "$output" "exited 3"
}
