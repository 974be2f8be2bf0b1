#!/usr/bin/env bats
# A container's life: create, start, attach, wait, stop, kill, restart policies, cleanup, rm,
# ps filters and inspect; and what a kill -9 of cpod leaves.

load helpers
cpod_container_file

@test "create, start, wait, logs, rm" {
	run_cpod create --name c1 $IMG sh -c 'echo out; echo err >&2; exit 3'
	[[ $output =~ ^[0-9a-f]{64}$ ]] || die "create printed '$output'"
	id=$output
	run_cpod ps -a --format '{{.Names}} {{.Status}}'
	is "$output" "c1 Created"
	run_cpod inspect --format '{{.State.Status}}' c1
	is "$output" "created"
	run_cpod start c1
	is "$output" "c1"
	run_cpod wait c1
	is "$output" "3"
	run_cpod logs c1
	assert_line "out"
	assert_line "err"
	run_cpod inspect --format '{{.State.Status}} {{.State.ExitCode}}' ${id:0:12}
	is "$output" "exited 3"
	run_cpod rm c1
	is "$output" "c1"
	run_cpod 1 rm c1
	assert_line "*no container with name or ID \"c1\" found*"
	run_cpod 1 container exists c1
}

@test "start -a attaches, a second start runs it again" {
	run_cpod create --name again $IMG echo hi
	run_cpod start -a again
	is "$output" "hi"
	run_cpod start -a again
	is "$output" "hi"
	run_cpod logs again
	is "$output" "hi
hi" "the log keeps both runs"
}

@test "stop sends the stop signal first, then SIGKILL after the timeout" {
	run_cpod run -d --name trapper $IMG sh -c 'trap "echo got-term; exit 42" TERM; while :; do sleep 0.1; done'
	sleep 0.5
	run_cpod stop trapper
	run_cpod inspect --format '{{.State.ExitCode}}' trapper
	is "$output" "42"
	run_cpod logs trapper
	is "$output" "got-term"
	run_cpod run -d --name deaf $IMG sleep 1000
	run_cpod stop -t 1 deaf
	run_cpod inspect --format '{{.State.ExitCode}}' deaf
	is "$output" "137"
	run_cpod run -d --name sig --stop-signal USR1 $IMG sh -c 'trap "exit 11" USR1; while :; do sleep 0.1; done'
	sleep 0.5
	run_cpod stop sig
	run_cpod inspect --format '{{.State.ExitCode}}' sig
	is "$output" "11"
}

@test "kill sends a signal; kill of a stopped container fails" {
	run_cpod run -d --name k $IMG sh -c 'trap "exit 5" HUP; while :; do sleep 0.1; done'
	sleep 0.5
	run_cpod kill -s HUP k
	run_cpod wait k
	is "$output" "5"
	run_cpod 125 kill k
	assert_line "*can only kill running containers*"
}

@test "restart policies: on-failure:N retries N times, no does not" {
	run_cpod run -d --name flaky --restart on-failure:2 $IMG sh -c 'exit 1'
	for _ in $(seq 100); do
		c=$("$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" inspect --format '{{.RestartCount}} {{.State.Status}}' flaky)
		[ "$c" = "2 exited" ] && break
		sleep 0.1
	done
	is "$c" "2 exited"
	run_cpod run -d --name always --restart always $IMG sh -c 'exit 0'
	for _ in $(seq 100); do
		c=$("$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" inspect --format '{{.RestartCount}}' always)
		[ "$c" -ge 2 ] && break
		sleep 0.1
	done
	[ "$c" -ge 2 ] || die "restart always: RestartCount $c"
	run_cpod stop -t 0 always
	run_cpod inspect --format '{{.State.Status}}' always
	is "$output" "exited"
}

@test "rm: a running container needs -f; rm -a; rm -i ignores missing ones" {
	run_cpod run -d --name busy $IMG sleep 1000
	run_cpod 2 rm busy
	assert_line "*cannot remove container * as it is running*"
	run_cpod rm -f -t 0 busy
	is "$output" "busy"
	run_cpod create --name a1 $IMG true
	run_cpod create --name a2 $IMG true
	run_cpod rm -a
	run_cpod ps -a -q
	is "$output" ""
	run_cpod rm -i nothing-here
	is "$output" ""
}

@test "ps: -a, -q, --no-trunc, -n, -l, filters and json" {
	run_cpod create --name p1 --label tier=web $IMG true
	id1=$output
	run_cpod run -d --name p2 $IMG sleep 1000
	id2=$output
	run_cpod 4 run --name p3 $IMG sh -c 'exit 4'
	run_cpod ps -q
	is "$output" "${id2:0:12}"
	run_cpod ps -a -q --no-trunc
	is "${#lines[@]}" 3
	assert_line "$id1"
	run_cpod ps -l --format '{{.Names}}'
	is "$output" "p3"
	run_cpod ps -n 2 --format '{{.Names}}'
	is "$output" "p3
p2"
	run_cpod ps -a --filter label=tier=web --format '{{.Names}}'
	is "$output" "p1"
	run_cpod ps -a --filter status=exited --format '{{.Names}}'
	is "$output" "p3"
	run_cpod ps -a --filter exited=4 --format '{{.Names}}'
	is "$output" "p3"
	run_cpod ps -a --filter name=p2 --format '{{.Names}}'
	is "$output" "p2"
	run_cpod ps -a --filter ancestor=$IMG -q
	is "${#lines[@]}" 3
	run_cpod ps -a --filter since=p1 --format '{{.Names}}' --sort names
	is "$output" "p2
p3"
	run_cpod 125 ps --filter bogus=1
	assert_line "*bogus*"
	run_cpod ps -a --format json
	echo "$output" | jq -e 'length == 3 and (.[0].Names | type) == "array"' >/dev/null ||
		die "ps --format json: $output"
	run_cpod ps -a
	is "${lines[0]}" "CONTAINER ID  IMAGE *COMMAND *CREATED *STATUS *PORTS *NAMES"
}

@test "inspect: podman's shape" {
	run_cpod run -d --name insp -e K=V -l a=b $IMG sleep 1000
	id=$output
	run_cpod inspect insp
	echo "$output" | jq -e --arg id "$id" '.[0] | .Id == $id and .Name == "insp" and
		.State.Running == true and .State.Pid > 0 and .State.ConmonPid > 0 and
		.Path == "sleep" and .Args == ["1000"] and .ImageName == "localhost/bb:latest" and
		(.Config.Env | index("K=V")) != null and .Config.Labels.a == "b" and
		.HostConfig.RestartPolicy.Name == "" ' >/dev/null || die "inspect: $output"
	run_cpod container inspect --format '{{.Config.Cmd}}' insp
	is "$output" "[sleep 1000]"
	run_cpod 125 container inspect no-such
	assert_line "*no such container*"
}

@test "wait --condition and several containers" {
	run_cpod create --name w1 $IMG sh -c 'exit 2'
	run_cpod create --name w2 $IMG sh -c 'exit 3'
	run_cpod start w1 w2
	run_cpod wait w1 w2
	is "$output" "2
3"
	run_cpod run -d --name w3 $IMG sleep 1000
	run_cpod wait --condition running w3
	is "$output" "-1"
	run_cpod 125 wait --condition bogus w3
}

@test "container cleanup records the exit; a second cleanup is harmless" {
	run_cpod run -d --name cl $IMG sh -c 'exit 9'
	run_cpod wait cl
	run_cpod container cleanup cl
	run_cpod container cleanup cl
	run_cpod inspect --format '{{.State.Status}} {{.State.ExitCode}}' cl
	is "$output" "exited 9"
	grep -q " $CPOD_ROOT" /proc/mounts && die "a mount of the store is left: $(grep "$CPOD_ROOT" /proc/mounts)"
	true
}

@test "kill -9 of cpod during create leaves a store that rm -f cleans" {
	for i in $(seq 6); do
		"$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" run -d --name "k9-$i" $IMG sleep 1000 \
			>/dev/null 2>&1 &
		pid=$!
		sleep "0.0$((i * 15))"
		kill -9 $pid 2>/dev/null || true
		wait $pid 2>/dev/null || true
	done
	run_cpod ps -a --format '{{.Names}}'
	run_cpod rm -a -f -t 0
	run_cpod ps -a -q
	is "$output" ""
	run_cpod run --rm $IMG echo still-works
	is "$output" "still-works"
}

@test "a reboot (runroot emptied) turns running containers into exited ones" {
	run_cpod run -d --name rb $IMG sleep 1000
	id=$output
	pid=$("$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" inspect --format '{{.State.ConmonPid}} {{.State.Pid}}' rb)
	# What a reboot does: every process gone, the runroot tmpfs empty.
	kill -9 $pid 2>/dev/null || true
	runc --root "$CPOD_RUNROOT/oci/runc" delete --force "$id" >/dev/null 2>&1 || true
	cpod_unmount_under "$CPOD_RUNROOT"
	cpod_unmount_under "$CPOD_ROOT"
	rm -rf "${CPOD_RUNROOT:?}"/*
	run_cpod inspect --format '{{.State.Status}}' rb
	is "$output" "exited"
	run_cpod ps -a --format '{{.Names}} {{.Status}}'
	is "$output" "rb Exited (0) * ago"
	run_cpod start rb
	run_cpod inspect --format '{{.State.Status}}' rb
	is "$output" "running"
}

@test "system reset stops and removes running containers first" {
	export CPOD_ROOT=$CPOD_TEST_DIR/reset/root CPOD_RUNROOT=$CPOD_TEST_DIR/reset/runroot
	mkdir -p "$CPOD_ROOT" "$CPOD_RUNROOT"
	cpod_import_busybox
	run_cpod run -d $IMG sleep 1000
	pid=$("$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" inspect --format '{{.State.Pid}}' "$output")
	run_cpod system reset --force
	! kill -0 "$pid" 2>/dev/null || die "the container's process $pid still runs"
	is "$(ls -A "$CPOD_ROOT")" "" "the graphroot is empty"
	grep -q " $CPOD_TEST_DIR/reset" /proc/mounts && die "mounts left: $(grep "$CPOD_TEST_DIR/reset" /proc/mounts)"
	true
}
