#!/usr/bin/env bats
# The same engine with crun instead of runc.  crun refuses hybrid cgroup hosts (v1 controllers
# plus a cgroup2 mount, as on this project's machines) unless the hugetlb controller is mounted
# as v1: each command runs in a private mount namespace where it is (the empty directory the
# mount needs on the host's cgroup tmpfs is removed afterwards when this file made it).

load helpers

setup_file() {
	cpod_setup_file
	command -v crun >/dev/null || skip "crun is not installed"
	cpod_import_busybox
	export IMG=localhost/bb:latest
	export MADE_HUGETLB=
	if [ -d /sys/fs/cgroup/memory ] && [ ! -e /sys/fs/cgroup/cgroup.controllers ] &&
		[ ! -d /sys/fs/cgroup/hugetlb ]; then
		mkdir /sys/fs/cgroup/hugetlb && MADE_HUGETLB=1
	fi
}

teardown_file() {
	crun_cpod rm -a -f >/dev/null 2>&1 || true
	[ -z "${MADE_HUGETLB:-}" ] || rmdir /sys/fs/cgroup/hugetlb 2>/dev/null || true
	cpod_teardown_file
}

# crun_cpod ARGS...: cpod --runtime crun ARGS..., in a mount namespace with hugetlb on v1.
crun_cpod() {
	unshare -m --propagation private sh -c '
		if [ -d /sys/fs/cgroup/hugetlb ] && ! mountpoint -q /sys/fs/cgroup/hugetlb; then
			mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb || exit 125
		fi
		exec "$@"' sh "$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" --runtime crun "$@"
}

# run_crun [STATUS] ARGS...: as run_cpod, through crun_cpod.
run_crun() {
	local expected=0
	case $1 in [0-9] | [0-9][0-9] | [0-9][0-9][0-9]) expected=$1; shift ;; esac
	echo "# cpod --runtime crun $*"
	status=0
	output=$(crun_cpod "$@" 2>&1) || status=$?
	echo "$output"
	lines=()
	[ -z "$output" ] || mapfile -t lines <<<"$output"
	[ "$status" -eq "$expected" ] || die "exit status $status, expected $expected"
}

@test "crun: run --rm, exit codes, the default capabilities" {
	run_crun run --rm $IMG echo hello from crun
	is "$output" "hello from crun"
	run_crun 7 run --rm $IMG sh -c 'exit 7'
	run_crun 127 run --rm $IMG no-such-command
	run_crun run --rm $IMG grep CapEff /proc/1/status
	is "$output" "CapEff:*00000000800405fb"
	run_crun inspect --format '{{.OCIRuntime}}' "$(crun_cpod create $IMG true)"
	is "$output" "crun"
}

@test "crun: a detached container: exec, logs, stop" {
	run_crun run -d --name c1 $IMG sh -c 'echo up; sleep 1000'
	run_crun 4 exec c1 sh -c 'echo in-exec; exit 4'
	is "$output" "in-exec"
	run_crun logs c1
	is "$output" "up"
	run_crun stop -t 1 c1
	run_crun inspect --format '{{.State.Status}} {{.State.ExitCode}}' c1
	is "$output" "exited 137"
}

@test "crun: --memory and --pids-limit hold" {
	run_crun 137 run --name oom --memory 32m --memory-swap 32m $IMG tail /dev/zero
	run_crun inspect --format '{{.State.OOMKilled}}' oom
	is "$output" "true"
}
