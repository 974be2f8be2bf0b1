#!/usr/bin/env bats
# cpod top (the default columns, descriptors, errors) and cpod stats (podman's table, its JSON,
# templates, which containers are shown, the refresh, errors).

load helpers
cpod_container_file

setup() {
	cpod_setup
	run_cpod run -d --name c1 $IMG sleep 100
	CID=$output
}

@test "top: podman's default columns, the container's init as PID 1" {
	run_cpod top c1
	assert_line -n 0 "USER +PID +PPID +%CPU +ELAPSED +TTY +TIME +COMMAND"
	assert_line "root +1 +0 +[0-9.]+ +[^ ]+ +\? +[^ ]+ +sleep"
	is "${#lines[@]}" 2 "one process"
	run_cpod exec -d c1 sleep 50
	run_cpod container top ${CID:0:12}
	is "${#lines[@]}" 3 "the exec'd process is listed too"
	assert_line "root +[0-9]+ +0 +.* sleep"
}

@test "top: descriptors as arguments or comma-separated, columns aligned" {
	run_cpod top c1 pid comm
	is "${lines[0]}" "PID         COMMAND"
	is "${lines[1]}" "1           sleep"
	run_cpod top c1 pid,args
	is "${lines[0]}" "PID         COMMAND"
	is "${lines[1]}" "1           sleep 100"
	run_cpod top c1 user,pid uid
	assert_line -n 0 "USER +PID +UID"
	assert_line -n 1 "root +1 +0"
	run_cpod top --latest pid
	is "$output" "PID"$'\n'"1"
}

@test "top: errors" {
	run_cpod 125 top c1 pid no-such-descriptor
	assert_line "*no-such-descriptor*"
	run_cpod 125 top
	is "$output" "Error: you must provide the name or id of a running container"
	run_cpod 125 top no-such-container
	assert_line '*no container with name or ID "no-such-container" found*'
	run_cpod create --name stopped $IMG true
	run_cpod 125 top stopped
	assert_line "*running*"
}

@test "stats --no-stream --format json: podman's fields" {
	run_cpod stats --no-stream --format json c1
	is "$(jq -r 'length' <<<"$output")" "1"
	is "$(jq -r '.[0].id' <<<"$output")" "${CID:0:12}"
	is "$(jq -r '.[0].name' <<<"$output")" "c1"
	is "$(jq -r '.[0] | keys_unsorted | join(",")' <<<"$output")" \
		"id,name,cpu_time,cpu_percent,avg_cpu,mem_usage,mem_percent,net_io,block_io,pids"
	pids=$(jq -r '.[0].pids' <<<"$output")
	[ "$pids" -ge 1 ] || die "pids is '$pids'"
	mem=$(jq -r '.[0].mem_usage' <<<"$output")
	[[ $mem =~ ^[0-9.]+[kMG]?B\ /\ [0-9.]+[kMGT]?B$ ]] || die "mem_usage is '$mem'"
	[[ $mem != 0B* ]] || die "no memory used: '$mem'"
	is "$(jq -r '.[0].cpu_percent' <<<"$output")" "[0-9]+\.[0-9]{2}%"
	is "$(jq -r '.[0].avg_cpu' <<<"$output")" "[0-9]+\.[0-9]{2}%"
	is "$(jq -r '.[0].cpu_time' <<<"$output")" "[0-9.]+(ns|µs|ms|s)|[0-9]+m[0-9.]+s"
	is "$(jq -r '.[0].block_io' <<<"$output")" "[0-9.]+[kMG]?B / [0-9.]+[kMG]?B"
	is "${lines[1]}" ' {' "indented by one space, as podman's JSON"
}

@test "stats: podman's table, templates, --no-trunc" {
	run_cpod stats --no-stream
	is "${lines[0]}" "ID +NAME +CPU % +MEM USAGE / LIMIT +MEM % +NET IO +BLOCK IO +PIDS +CPU TIME +AVG CPU %"
	assert_line "${CID:0:12} +c1 +[0-9.]+% +[0-9.]+[kMG]?B / [0-9.]+[kMGT]?B +[0-9.]+% +0B / 0B +.* +1 +[^ ]+ +[0-9.]+%"
	is "${#lines[@]}" 2
	run_cpod container stats --no-stream --format '{{.Name}} {{.PIDs}} {{.ContainerID}}' c1
	is "$output" "c1 1 $CID"
	run_cpod stats --no-stream --no-trunc --format 'table {{.ID}} {{.PIDS}}'
	is "${lines[0]}" "ID +PIDS"
	is "${lines[1]}" "$CID +1"
}

@test "stats: the running containers by default, all with -a (zeros when stopped)" {
	run_cpod run --name done $IMG true
	run_cpod stats --no-stream --format '{{.Name}}'
	is "$output" "c1"
	run_cpod stats --no-stream -a --format '{{.Name}} {{.MemUsage}} {{.PIDS}} {{.UpTime}}'
	assert_line "done 0B / 0B 0 0s"
	assert_line "c1 [0-9.]+[kMG]?B / .* 1 .*"
	is "${#lines[@]}" 2
	run_cpod stats --no-stream --format '{{.Name}} {{.CPUPerc}}' done
	is "$output" "done 0.00%"
	run_cpod stats --no-stream --format '{{.Name}}' -l
	is "$output" "done"
}

@test "stats without --no-stream reports again every --interval" {
	output=$(timeout 3.5 "$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" stats -i 1 \
		--format '{{.Name}} {{.PIDS}} {{.CPUPerc}} {{.AVGCPU}}' c1) || [ $? -eq 124 ] ||
		die "stats failed"
	mapfile -t lines <<<"$output"
	[ "${#lines[@]}" -ge 2 ] || die "only ${#lines[@]} reports in 3.5s: $output"
	is "${lines[0]}" "c1 1 [0-9.]+% [0-9.]+%"
	# An idle sleep uses no CPU between two reports, though it did when it started.
	is "${lines[1]}" "c1 1 0.00% [0-9.]+%" "CPU % is measured since the previous report"
	[[ $output != *$'\033'* ]] || die "the screen is cleared only on a terminal"
}

@test "stats: errors" {
	run_cpod 125 stats --no-stream -a c1
	is "$output" "Error: --all, --latest and containers cannot be used together"
	run_cpod 125 stats --no-stream -i 0
	is "$output" "Error: invalid interval, must be a positive number greater zero"
	run_cpod 125 stats --no-stream no-such-container
	assert_line '*no container with name or ID "no-such-container" found*'
	run_cpod 125 stats --no-stream --format '{{.Name' c1
	assert_line "Error: *"
}
