#!/usr/bin/env bats
# The default security profile and its options: seccomp (default, unconfined, a file),
# no-new-privileges, masked and read-only paths (mask/unmask), devices, --privileged.

load helpers
cpod_container_file

@test "seccomp: the default profile filters, unconfined does not, a profile file applies" {
	run_cpod run --rm $IMG grep '^Seccomp:' /proc/1/status
	is "$output" "Seccomp:*2"
	run_cpod run --rm --security-opt seccomp=unconfined $IMG grep '^Seccomp:' /proc/1/status
	is "$output" "Seccomp:*0"
	cat >"$CPOD_TEST_DIR/nomkdir.json" <<-'EOF'
		{"defaultAction": "SCMP_ACT_ALLOW",
		 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}
	EOF
	run_cpod 1 run --rm --security-opt seccomp="$CPOD_TEST_DIR/nomkdir.json" $IMG mkdir /tmp/d
	assert_line "*Operation not permitted*"
	echo '{"defaultAction": ' >"$CPOD_TEST_DIR/broken.json"
	run_cpod 125 run --rm --security-opt seccomp="$CPOD_TEST_DIR/broken.json" $IMG true
	assert_line "*broken.json*"
}

@test "no-new-privileges" {
	run_cpod run --rm $IMG grep '^NoNewPrivs:' /proc/1/status
	is "$output" "NoNewPrivs:*0"
	run_cpod run --rm --security-opt no-new-privileges $IMG grep '^NoNewPrivs:' /proc/1/status
	is "$output" "NoNewPrivs:*1"
}

@test "masked and read-only paths; unmask" {
	run_cpod run --rm $IMG sh -c 'ls /sys/firmware | wc -l; cat /proc/timer_list | wc -c'
	is "$output" "0
0"
	run_cpod 1 run --rm $IMG sh -c 'echo 1 >/proc/sys/vm/drop_caches'
	run_cpod run --rm --security-opt unmask=/sys/firmware $IMG sh -c 'ls /sys/firmware | wc -l'
	[ "$output" -gt 0 ] || die "/sys/firmware still masked: $output"
	run_cpod run --rm --security-opt mask=/etc/hostname $IMG sh -c 'cat /etc/hostname | wc -c'
	is "$output" "0"
}

@test "--device adds a node; --privileged sees the host's devices" {
	run_cpod run --rm --device /dev/null:/dev/mynull $IMG sh -c 'test -c /dev/mynull && echo x >/dev/mynull && echo ok'
	is "$output" "ok"
	run_cpod 125 run --rm --device /dev/no-such-device $IMG true
	assert_line "*/dev/no-such-device*"
	run_cpod run --rm $IMG sh -c 'test -e /dev/kmsg && echo yes || echo no'
	is "$output" "no"
	run_cpod run --rm --privileged $IMG sh -c 'test -e /dev/kmsg && echo yes || echo no'
	is "$output" "yes"
}

@test "--init runs catatonit as pid 1" {
	run_cpod run --rm --init $IMG cat /proc/1/cmdline
	[[ $output == *cpod-init* ]] || die "pid 1 is '$output'"
	run_cpod run --rm $IMG cat /proc/1/comm
	is "$output" "cat"
}
