#!/usr/bin/env bats
# cpod pause/unpause, rename, restart, container prune and port.

load helpers
cpod_container_file

setup() {
	cpod_setup
	run_cpod run -d --name c1 $IMG sleep 100
	CID=$output
}

status_of() {
	run_cpod inspect --format '{{.State.Status}}' "$1"
}

@test "pause freezes a container, unpause thaws it" {
	run_cpod pause c1
	is "$output" "c1"
	status_of c1
	is "$output" "paused"
	run_cpod inspect --format '{{.State.Paused}} {{.State.Running}}' c1
	is "$output" "true false"
	run_cpod 125 exec c1 true
	run_cpod 125 pause c1
	assert_line "*already paused*"
	run_cpod unpause ${CID:0:12}
	is "$output" "${CID:0:12}" "printed as named"
	status_of c1
	is "$output" "running"
	run_cpod exec c1 echo alive
	is "$output" "alive"
	run_cpod 125 unpause c1
	assert_line "*not paused*"
}

@test "pause/unpause --all pass over the containers in the wrong state" {
	run_cpod run --name done $IMG true
	run_cpod container pause --all
	is "$output" "$CID"
	status_of done
	is "$output" "exited"
	run_cpod unpause -a
	is "$output" "$CID"
	status_of c1
	is "$output" "running"
	run_cpod 125 unpause done
	assert_line "*not paused*"
}

@test "pause/unpause: errors, and a missing name stops everything" {
	run_cpod 125 pause no-such-container c1
	is "$output" 'Error: no container with name or ID "no-such-container" found: no such container'
	status_of c1
	is "$output" "running" "nothing was paused"
	run_cpod 125 pause
	is "$output" "Error: you must provide at least one name or id"
	run_cpod 125 pause -a c1
	is "$output" "Error: no arguments are needed with --all"
	run_cpod 125 unpause --all --latest
	is "$output" "Error: --all and --latest cannot be used together"
	run_cpod 125 pause --filter nonsense
	is "$output" 'Error: invalid filter "nonsense"'
	echo "$CID" >"$CPOD_TEST_DIR/cidfile"
	run_cpod pause --cidfile "$CPOD_TEST_DIR/cidfile"
	is "$output" "$CID"
	run_cpod unpause --filter name=c1
	is "$output" "$CID"
}

@test "rename: the new name works, the old one does not, names are unique" {
	run_cpod rename c1 renamed
	is "$output" ""
	run_cpod inspect --format '{{.Name}} {{.Id}}' renamed
	is "$output" "renamed $CID"
	run_cpod 125 inspect c1
	run_cpod ps --format '{{.Names}}'
	is "$output" "renamed"
	run_cpod run -d --name other $IMG sleep 100
	run_cpod 125 rename renamed other
	assert_line "*other*"
	run_cpod inspect --format '{{.Name}}' $CID
	is "$output" "renamed" "a failed rename changes nothing"
	run_cpod 125 rename renamed
	is "$output" "Error: accepts 2 arg(s), received 1"
	run_cpod 125 rename no-such-container x
	assert_line '*no container with name or ID "no-such-container" found*'
	run_cpod 125 container rename renamed 'bad/name'
	assert_line "*names must match*"
}

@test "restart: a running container runs again and its restart count grows" {
	run_cpod inspect --format '{{.RestartCount}} {{.State.Pid}}' c1
	read -r count pid <<<"$output"
	is "$count" "0"
	run_cpod restart -t 1 c1
	is "$output" "c1"
	run_cpod inspect --format '{{.RestartCount}} {{.State.Status}} {{.State.Pid}}' c1
	read -r count state newpid <<<"$output"
	is "$count" "1"
	is "$state" "running"
	[ "$newpid" != "$pid" ] && [ "$newpid" -gt 0 ] || die "pid $pid became $newpid"
	run_cpod exec c1 echo alive
	is "$output" "alive"
	run_cpod container restart --time 0 ${CID:0:12}
	is "$output" "${CID:0:12}"
	run_cpod inspect --format '{{.RestartCount}}' c1
	is "$output" "2"
}

@test "restart: a stopped container is started; --latest, --all, errors" {
	run_cpod run --name once $IMG sh -c 'echo ran'
	run_cpod restart once
	is "$output" "once"
	run_cpod wait once
	run_cpod logs once
	is "$output" "ran"$'\n'"ran" "the command ran a second time"
	run_cpod inspect --format '{{.Id}}' once
	once=$output
	run_cpod restart --latest -t 0
	is "$output" "$once" "--latest prints the ID of the newest container"
	run_cpod 125 restart no-such-container
	assert_line '*no container with name or ID "no-such-container" found*'
	run_cpod 125 restart
	is "$output" "Error: you must provide at least one name or id"
	run_cpod 125 restart -l c1
	is "$output" "Error: --latest and containers cannot be used together"
	run_cpod restart -a -t 0
	assert_line "$CID"
	is "${#lines[@]}" 2
}

@test "container prune removes the containers that do not run (exited and created)" {
	run_cpod create --name fresh $IMG true
	fresh=$output
	run_cpod run --name done1 $IMG true
	run_cpod inspect --format '{{.Id}}' done1
	done1=$output
	run_cpod 1 run --name done2 $IMG false
	run_cpod inspect --format '{{.Id}}' done2
	done2=$output
	output=$(echo n | "$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" container prune)
	is "$output" "WARNING! This will remove all non running containers."$'\n'"Are you sure you want to continue? [y/N] "
	run_cpod container exists done1
	output=$(echo y | "$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" container prune)
	[[ $output == *"$done1"* && $output == *"$done2"* && $output == *"$fresh"* ]] ||
		die "prune printed: $output"
	run_cpod ps -a --format '{{.Names}}'
	is "$output" "c1" "the running container is kept"
	run_cpod container prune -f
	is "$output" ""
}

@test "container prune: --filter, errors" {
	run_cpod run --name keep --label keep=yes $IMG true
	run_cpod run --name drop $IMG true
	run_cpod inspect --format '{{.Id}}' drop
	drop=$output
	run_cpod container prune -f --filter label!=keep=yes
	is "$output" "$drop"
	run_cpod ps -a --format '{{.Names}}' --sort names
	assert_line "keep"
	run_cpod 125 container prune -f --filter nonsense
	is "$output" "Error: filter input must be in the form of filter=value: nonsense is invalid"
	run_cpod 125 container prune -f --filter no-such-key=1
	assert_line "*no-such-key*"
	run_cpod 125 container prune -f extra
	is "$output" 'Error: `cpod container prune` takes no arguments'
	run_cpod 125 container prune </dev/null
	assert_line "*Error: EOF"
	run_cpod container exists keep
}

@test "port: no published ports print nothing; errors" {
	run_cpod port c1
	is "$output" ""
	run_cpod port c1 80/tcp
	is "$output" ""
	run_cpod port -a
	is "$output" ""
	run_cpod container port --latest 80
	is "$output" ""
	run_cpod 125 port no-such-container
	is "$output" 'Error: no container with name or ID "no-such-container" found: no such container'
	run_cpod 125 port c1 http
	is "$output" 'Error: strconv.ParseUint: parsing "http": invalid syntax'
	run_cpod 125 port c1 70000/udp
	is "$output" 'Error: strconv.ParseUint: parsing "70000": value out of range'
	run_cpod 125 port c1 80/tcp/x
	is "$output" "Error: port formats are port/protocol. '80/tcp/x' is invalid"
	run_cpod 125 port
	is "$output" "Error: you must supply a running container name or id"
	run_cpod 125 port -a c1
	is "$output" "Error: no arguments are needed with --all"
	run_cpod 125 port c1 80 90
	is "$output" 'Error: `port` accepts at most 2 arguments'
}
