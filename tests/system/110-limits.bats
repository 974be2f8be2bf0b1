#!/usr/bin/env bats
# Resource limits that must really hold: memory (the OOM killer, OOMKilled in inspect), pids (a
# fork bomb stopped), cpu quota and shares, ulimits; and the cgroup the container lives in.

load helpers
cpod_container_file

# cgroup_file ID CONTROLLER FILE: the value of a cgroup file of the running container ID.
cgroup_file() {
	local path
	path=$(jq -r '.linux.cgroupsPath' "$CPOD_RUNROOT/containers/$1/config.json")
	if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
		cat "/sys/fs/cgroup$path/$3"
	else
		cat "/sys/fs/cgroup/$2$path/$3"
	fi
}

@test "--memory: the limit is set and an allocation past it is OOM-killed" {
	run_cpod run -d --name m1 --memory 64m $IMG sleep 100
	id=$output
	is "$(cgroup_file "$id" memory memory.limit_in_bytes 2>/dev/null || cgroup_file "$id" memory memory.max)" \
		"67108864"
	run_cpod inspect --format '{{.HostConfig.Memory}}' m1
	is "$output" "67108864"
	# tail buffers a "line" of /dev/zero without end.
	run_cpod 137 run --name oom --memory 32m --memory-swap 32m $IMG tail /dev/zero
	run_cpod inspect --format '{{.State.OOMKilled}} {{.State.ExitCode}}' oom
	is "$output" "true 137"
}

@test "--pids-limit stops a fork bomb; the default limit is 2048" {
	run_cpod run -d --name bomb --pids-limit 10 $IMG sh -c \
		'(for i in $(seq 30); do sleep 100 & done); echo done-forking; exec sleep 100'
	id=$output
	run_cpod wait --condition running bomb
	for _ in $(seq 50); do
		"$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" logs bomb | grep -q done-forking && break
		sleep 0.1
	done
	run_cpod logs bomb
	assert_line "*can't fork*"
	n=$(cgroup_file "$id" pids pids.current)
	[ "$n" -le 10 ] || die "$n processes run under --pids-limit 10"
	[ "$n" -ge 5 ] || die "only $n processes: the fork bomb did not run"
	run_cpod run -d --name p $IMG sleep 100
	is "$(cgroup_file "$output" pids pids.max)" "2048"
}

@test "--cpus, --cpu-shares, --cpuset-cpus reach the cgroup" {
	run_cpod run -d --cpus 0.5 --cpu-shares 512 --cpuset-cpus 0 $IMG sleep 100
	id=$output
	if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
		is "$(cgroup_file "$id" cpu cpu.max)" "50000 100000"
	else
		is "$(cgroup_file "$id" cpu cpu.cfs_quota_us)" "50000"
		is "$(cgroup_file "$id" cpu cpu.cfs_period_us)" "100000"
		is "$(cgroup_file "$id" cpu cpu.shares)" "512"
		is "$(cgroup_file "$id" cpuset cpuset.cpus)" "0"
	fi
	run_cpod 125 run --rm --cpus abc $IMG true
	assert_line "*--cpus*"
	run_cpod 125 run --rm --cpuset-cpus 9999 $IMG true
}

@test "--ulimit sets the limit; limits never pass the caller's hard limit" {
	run_cpod run --rm --ulimit nofile=100:200 $IMG sh -c 'ulimit -n; ulimit -Hn'
	is "$output" "100
200"
	hard=$(ulimit -Hn)
	run_cpod run --rm $IMG sh -c 'ulimit -Hn'
	[ "$output" -le "$hard" ] || die "the container's hard nofile $output passes ours ($hard)"
}

@test "--oom-score-adj and --sysctl" {
	run_cpod run --rm --oom-score-adj 500 --sysctl net.ipv4.ip_forward=1 $IMG sh -c \
		'cat /proc/self/oom_score_adj; cat /proc/sys/net/ipv4/ip_forward'
	is "$output" "500
1"
	run_cpod 125 run --rm --sysctl kernel.hostname_bogus=1 $IMG true
	run_cpod 125 run --rm --network host --sysctl net.ipv4.ip_forward=1 $IMG true
	assert_line "*net.ipv4.ip_forward*"
}

@test "--cgroup-parent places the container's cgroup" {
	run_cpod run -d --cgroup-parent /cpod-test-parent $IMG sleep 100
	id=$output
	is "$(jq -r '.linux.cgroupsPath' "$CPOD_RUNROOT/containers/$id/config.json")" \
		"/cpod-test-parent/cpod-$id"
	pid=$("$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" inspect --format '{{.State.Pid}}' $id)
	grep -q "cpod-test-parent/cpod-$id" /proc/$pid/cgroup || die "not in the parent: $(cat /proc/$pid/cgroup)"
}
