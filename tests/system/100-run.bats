#!/usr/bin/env bats
# cpod run: the process, its exit status, the user, environment and working directory, names,
# detached runs, standard input, --rm, and many runs at once.

load helpers
cpod_container_file

@test "run --rm prints the output and leaves no container" {
	run_cpod run --rm $IMG echo hello world
	is "$output" "hello world"
	run_cpod ps -a -q
	is "$output" ""
}

@test "run: the exit status is the container's, 125/126/127 for what cannot run" {
	run_cpod 7 run --rm $IMG sh -c 'exit 7'
	run_cpod 127 run --rm $IMG no-such-command
	assert_line "*no-such-command*"
	run_cpod 126 run --rm $IMG /etc/passwd
	run_cpod 125 run --rm localhost/no-such-image:latest true
	assert_line "*no-such-image*"
	run_cpod ps -a -q
	is "$output" "" "--rm removed the containers that failed"
}

@test "run: the image's CMD, --entrypoint and the command line" {
	run_cpod run --rm $IMG
	is "$output" ""
	run_cpod run --rm --entrypoint echo $IMG from entrypoint
	is "$output" "from entrypoint"
	run_cpod run --rm --entrypoint '["sh", "-c", "echo json $0"]' $IMG arg0
	is "$output" "json arg0"
}

@test "run: -e, --env-file, -w and -u" {
	printf 'FROM_FILE=yes\n# comment\nEMPTY=\n' >"$CPOD_TEST_DIR/envfile"
	HOSTVAR=from-host run_cpod run --rm -e FOO=bar -e HOSTVAR --env-file "$CPOD_TEST_DIR/envfile" \
		-w /tmp $IMG sh -c 'echo $FOO $HOSTVAR $FROM_FILE; pwd; echo $PATH'
	is "${lines[0]}" "bar from-host yes"
	is "${lines[1]}" "/tmp"
	is "${lines[2]}" "/bin"
	run_cpod run --rm -u tester $IMG sh -c 'id -u; id -g; id -G; echo $HOME'
	is "${lines[0]}" "1000"
	is "${lines[1]}" "1000"
	is "${lines[2]}" "1000 2000"
	is "${lines[3]}" "/home/tester"
	run_cpod run --rm -u 1234:5678 --group-add 2000 $IMG sh -c 'id -u; id -g; id -G'
	is "${lines[0]}" "1234"
	is "${lines[1]}" "5678"
	is "${lines[2]}" "5678 2000"
	run_cpod 125 run --rm -u nosuchuser $IMG true
	assert_line "*nosuchuser*"
}

@test "run -d: the container runs on, ps and inspect show it, stop ends it" {
	run_cpod run -d --name sleeper $IMG sleep 100
	[[ $output =~ ^[0-9a-f]{64}$ ]] || die "run -d printed '$output', not an ID"
	id=$output
	run_cpod ps --format '{{.ID}} {{.Names}} {{.Status}}'
	assert_line "${id:0:12} sleeper Up*"
	run_cpod inspect --format '{{.State.Status}} {{.State.Running}} {{.Name}}' sleeper
	is "$output" "running true sleeper"
	run_cpod stop -t 1 sleeper
	is "$output" "sleeper"
	run_cpod inspect --format '{{.State.Status}} {{.State.ExitCode}}' sleeper
	is "$output" "exited 137"
	run_cpod ps -a --format '{{.Names}} {{.Status}}'
	assert_line "sleeper Exited (137)*"
}

@test "run: names are unique, --replace takes the name over" {
	run_cpod run --name dup $IMG true
	run_cpod 125 run --name dup $IMG true
	assert_line "*name \"dup\" is already in use*"
	run_cpod run --replace --name dup $IMG echo replaced
	is "$output" "replaced"
	run_cpod ps -a --format '{{.Names}}'
	is "$output" "dup"
	run_cpod 125 run --name 'bad/name' $IMG true
	assert_line "*names must match*"
}

@test "run -i: standard input reaches the container" {
	output=$(echo piped-in | timeout 60 "$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" \
		run --rm -i $IMG cat)
	is "$output" "piped-in"
	output=$(echo not-seen | timeout 60 "$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" \
		run --rm $IMG cat)
	is "$output" "" "without -i the container's stdin is empty"
}

@test "run: hostname, /etc/hosts, resolv.conf and .containerenv" {
	run_cpod run -d $IMG sleep 100
	id=$output
	run_cpod exec $id hostname
	is "$output" "${id:0:12}"
	run_cpod run --rm --hostname myhost $IMG sh -c 'hostname; grep myhost /etc/hosts; test -e /etc/resolv.conf && test -e /run/.containerenv && echo files'
	is "${lines[0]}" "myhost"
	assert_line "*myhost*"
	assert_line "files"
	run_cpod run --rm --add-host extra.example:10.1.2.3 $IMG grep extra.example /etc/hosts
	is "$output" "10.1.2.3*extra.example"
}

@test "run: the default capabilities, --cap-add, --cap-drop and --privileged" {
	run_cpod run --rm $IMG grep CapEff /proc/1/status
	is "$output" "CapEff:*00000000800405fb"
	run_cpod run --rm --cap-drop all $IMG grep CapEff /proc/1/status
	is "$output" "CapEff:*0000000000000000"
	run_cpod run --rm --cap-add net_admin $IMG grep CapEff /proc/1/status
	is "$output" "CapEff:*00000000800415fb"
	run_cpod run --rm --cap-drop chown,kill $IMG grep CapEff /proc/1/status
	is "$output" "CapEff:*00000000800405da"
	run_cpod run --rm --privileged $IMG grep CapEff /proc/1/status
	host=$(grep CapEff /proc/self/status | awk '{print $2}')
	is "$output" "CapEff:*$host"
	run_cpod 125 run --rm --cap-add no_such_cap $IMG true
	assert_line "*no_such_cap*"
}

@test "run --read-only: the root is read-only, /tmp and /run are writable tmpfs" {
	run_cpod 1 run --rm --read-only $IMG touch /newfile
	assert_line "*Read-only file system*"
	run_cpod run --rm --read-only $IMG sh -c 'touch /tmp/a /run/b /var/tmp/c && echo ok'
	is "$output" "ok"
	run_cpod 1 run --rm --read-only --read-only-tmpfs=false $IMG touch /tmp/a
}

@test "run: -v binds, :ro, --tmpfs and --mount" {
	mkdir -p "$CPOD_TEST_DIR/share"
	echo from-host >"$CPOD_TEST_DIR/share/file"
	run_cpod run --rm -v "$CPOD_TEST_DIR/share:/data" $IMG sh -c 'cat /data/file; echo new >/data/new'
	is "$output" "from-host"
	is "$(cat "$CPOD_TEST_DIR/share/new")" "new"
	run_cpod 1 run --rm -v "$CPOD_TEST_DIR/share:/data:ro" $IMG touch /data/x
	assert_line "*Read-only file system*"
	run_cpod run --rm --tmpfs /scratch:size=1m $IMG sh -c 'grep " /scratch " /proc/mounts'
	is "$output" "tmpfs /scratch tmpfs *"
	run_cpod run --rm --mount "type=bind,src=$CPOD_TEST_DIR/share,dst=/m,ro" $IMG cat /m/file
	is "$output" "from-host"
	run_cpod 125 run --rm -v /no/such/dir:/data $IMG true
	assert_line "*/no/such/dir*"
}

@test "run --cidfile writes the ID" {
	run_cpod run -d --cidfile "$CPOD_TEST_DIR/cid" $IMG sleep 100
	is "$(cat "$CPOD_TEST_DIR/cid")" "$output"
	run_cpod 125 run --cidfile "$CPOD_TEST_DIR/cid" $IMG true
	assert_line "*cid*"
}

@test "run: twenty containers at once all succeed" {
	local pids=() i
	for i in $(seq 20); do
		"$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" run --rm $IMG echo "n$i" \
			>"$CPOD_TEST_DIR/par.$i" 2>&1 &
		pids+=($!)
	done
	for i in $(seq 20); do
		wait "${pids[$((i - 1))]}" || die "run $i failed: $(cat "$CPOD_TEST_DIR/par.$i")"
		is "$(cat "$CPOD_TEST_DIR/par.$i")" "n$i"
	done
	run_cpod ps -a -q
	is "$output" ""
}

@test "run: bad options name the option" {
	run_cpod 125 run --memory abc $IMG true
	assert_line "*--memory*"
	run_cpod 125 run --no-such-flag $IMG true
	assert_line "*unknown flag: --no-such-flag*"
	run_cpod 125 run --restart bogus $IMG true
	assert_line "*bogus*"
	run_cpod 125 run --ulimit nofile=bad $IMG true
	assert_line "*nofile=bad*"
}

@test "run --pull: never, missing and always with the fixture registry" {
	require_fixtures
	export CONTAINERS_REGISTRIES_CONF=$CPOD_REGISTRIES_CONF
	run_cpod 125 run --rm --pull never $CPOD_IMG_BUSYBOX true
	assert_line "*$CPOD_IMG_BUSYBOX*"
	run_cpod run --rm --pull missing --tls-verify=false $CPOD_IMG_BUSYBOX echo pulled-and-ran
	assert_line "pulled-and-ran"
	run_cpod run --rm --pull never $CPOD_IMG_BUSYBOX echo local
	is "$output" "local"
	run_cpod run --rm -q --pull always --tls-verify=false $CPOD_IMG_BUSYBOX echo again
	is "$output" "again"
}

@test "run: --env-host, --unsetenv, --unsetenv-all" {
	MYHOSTVAR=xyz run_cpod run --rm --env-host $IMG sh -c 'echo $MYHOSTVAR'
	is "$output" "xyz"
	run_cpod run --rm --unsetenv PATH $IMG /bin/env
	refute_line "PATH=*"
	run_cpod run --rm -e KEEP=1 --unsetenv-all $IMG /bin/env
	is "$output" "KEEP=1*"
}

@test "run: signals reach the container (--sig-proxy)" {
	"$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" run --rm --name sigp $IMG \
		sh -c 'trap "echo got-term; exit 9" TERM; while :; do sleep 0.1; done' \
		>"$CPOD_TEST_DIR/sigp.out" 2>&1 &
	pid=$!
	for _ in $(seq 100); do
		s=$("$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" inspect --format '{{.State.Status}}' sigp 2>/dev/null) || true
		[ "$s" = running ] && break
		sleep 0.1
	done
	sleep 0.3
	kill -TERM $pid
	status=0
	wait $pid || status=$?
	is "$status" 9 "cpod run's exit status"
	is "$(cat "$CPOD_TEST_DIR/sigp.out")" "got-term"
}

@test "run --log-driver: none keeps no log, k8s-file does, passthrough writes to our stdout" {
	run_cpod run --name ln --log-driver none $IMG echo unseen
	is "$output" "unseen"
	run_cpod 125 logs ln
	run_cpod run --name lk --log-driver k8s-file $IMG echo kept
	run_cpod logs lk
	is "$output" "kept"
	run_cpod run --rm --log-driver passthrough $IMG echo through
	is "$output" "through"
	run_cpod run -d --name lp --log-opt path="$CPOD_TEST_DIR/my.log" $IMG echo to-my-log
	run_cpod wait lp
	grep -q "stdout F to-my-log" "$CPOD_TEST_DIR/my.log" || die "no record in my.log: $(cat "$CPOD_TEST_DIR/my.log")"
}
