#!/usr/bin/env bash
# Running containers, side by side with podman 4.3 and the bare OCI runtime:
#   - `run --rm --network none IMAGE true`, and `runc run` of the same root file system (the floor:
#     no engine, no conmon);
#   - `create` + `start` + `wait` + `rm` of one container, as four commands;
#   - `exec CTR true` into a running container;
#   - `ps -a` with BENCH_PS_COUNT (500) containers, and `inspect` of one;
#   - BENCH_PAR_RUNS (32) `run --rm` at BENCH_PAR_JOBS (4) at a time: runs per second.
# Both engines use the same runtime (crun when it can run here, see below, else runc; or
# BENCH_RUNTIME) and the same busybox root file system, imported into each store.
#
# Environment: BENCH_PS_COUNT (500), BENCH_PAR_RUNS (32), BENCH_PAR_JOBS (4).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
bench_init "$@"

ps_count=${BENCH_PS_COUNT:-500}
par_runs=${BENCH_PAR_RUNS:-32}
par_jobs=${BENCH_PAR_JOBS:-4}
data=$BENCH_TMP/data
runtime=$(command -v runc)
made_hugetlb=
# crun is the faster runtime; on a hybrid cgroup host it works once hugetlb is mounted as v1,
# which this benchmark's private mount namespace (bench_init) allows without touching the host's
# mounts (the empty directory the mount needs is removed at the end when this script made it).
if [ -z "${BENCH_RUNTIME:-}" ] && command -v crun >/dev/null && [ -d /sys/fs/cgroup/memory ] &&
	[ ! -e /sys/fs/cgroup/cgroup.controllers ]; then
	if [ ! -d /sys/fs/cgroup/hugetlb ] && mkdir /sys/fs/cgroup/hugetlb; then
		made_hugetlb=1
	fi
	mountpoint -q /sys/fs/cgroup/hugetlb ||
		mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb 2>/dev/null || true
	mountpoint -q /sys/fs/cgroup/hugetlb && runtime=$(command -v crun)
fi
runtime=${BENCH_RUNTIME:-$runtime}
bench_note "OCI runtime: $runtime"
# podman's default RLIMIT_NOFILE and NPROC (1048576, 4194304) are above this machine's hard limits,
# which makes runc fail: both engines get limits below them.
ropts=(--runtime "$runtime" --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

cpod_has run || bench_die "this cpod has no 'run'"

# The root file system: busybox with every applet linked.
rootfs=$data/rootfs
mkdir -p "$rootfs"/{bin,etc,proc,sys,dev,tmp}
cp /bin/busybox "$rootfs/bin/busybox"
for a in sh true sleep echo cat; do ln -sf busybox "$rootfs/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs/etc/passwd"
tar -C "$rootfs" -cf "$data/rootfs.tar" .
cpod_run import --change 'CMD ["sh"]' "$data/rootfs.tar" localhost/bench/bb:latest >/dev/null 2>&1
podman_run import --change 'CMD ["sh"]' "$data/rootfs.tar" localhost/bench/bb:latest >/dev/null 2>&1
img=localhost/bench/bb:latest

# Both must work before anything is timed.
[ "$(cpod_run run --rm "${ropts[@]}" $img echo ok)" = ok ] ||
	bench_die "cpod run does not work"
[ "$(podman_run run --rm "${ropts[@]}" $img echo ok)" = ok ] ||
	bench_die "podman run does not work"

# The floor: the runtime's own `run` of a bundle on the same files.
bundle=$data/bundle
mkdir -p "$bundle"
(cd "$bundle" && runc spec && jq --arg r "$rootfs" '.root.path = $r | .root.readonly = true |
	.process.terminal = false | .process.args = ["true"] | del(.process.rlimits)' config.json \
	>config.tmp && mv config.tmp config.json)
runc_root=$data/runc-root

bench_cmd runtime-run -- bash -c "$runtime --root $runc_root run --bundle $bundle floor-\$RANDOM-\$\$ >/dev/null"
runc_ms=$BENCH_MS
bench_compare "run --rm --network none IMAGE true" \
	"$(cpod_sh run --rm "${ropts[@]}" $img true)" \
	"$(podman_sh run --rm "${ropts[@]}" $img true)"
cpod_run_ms=$BENCH_CPOD_MS
bench_note "$(basename "$runtime") run of the same root file system: $runc_ms ms (cpod run --rm is $(
	awk -v a="$cpod_run_ms" -v b="$runc_ms" 'BEGIN { printf "%.2f", a / b }')x that)"

# lifecycle ENGINE: a script doing create, start, wait and rm of one container.
lifecycle() {
	local f=$data/lifecycle-$1.sh
	{
		echo "id=\$($("${1}_sh" create "${ropts[@]}" $img true))"
		echo "$("${1}_sh" start) \"\$id\" >/dev/null"
		echo "$("${1}_sh" wait) \"\$id\" >/dev/null"
		echo "$("${1}_sh" rm) \"\$id\" >/dev/null"
	} >"$f"
	bash "$f" || bench_die "$f fails"
	echo "bash $f"
}
bench_compare "create + start + wait + rm" "$(lifecycle cpod)" "$(lifecycle podman)"
bench_compare "create" "$(cpod_sh create "${ropts[@]}" $img true)" \
	"$(podman_sh create "${ropts[@]}" $img true)"
cpod_run rm -a -f >/dev/null
podman_run rm -a -f >/dev/null

cpod_run run -d --name benchexec "${ropts[@]}" $img sleep 100000 >/dev/null
podman_run run -d --name benchexec "${ropts[@]}" $img sleep 100000 >/dev/null
bench_compare "exec CTR true" "$(cpod_sh exec benchexec true)" "$(podman_sh exec benchexec true)"
bench_compare "inspect CTR" "$(cpod_sh inspect benchexec)" "$(podman_sh inspect benchexec)"

for i in $(seq "$ps_count"); do
	cpod_run create "${ropts[@]}" --name "ps-$i" $img true >/dev/null
	podman_run create "${ropts[@]}" --name "ps-$i" $img true >/dev/null
done
[ "$(cpod_run ps -a -q | wc -l)" -gt "$ps_count" ] || bench_die "cpod ps -a lists too few"
[ "$(podman_run ps -a -q | wc -l)" -gt "$ps_count" ] || bench_die "podman ps -a lists too few"
bench_compare "ps -a ($((ps_count + 1)) containers)" "$(cpod_sh ps -a)" "$(podman_sh ps -a)"
cpod_run rm -a -f -t 0 >/dev/null
podman_run rm -a -f -t 0 >/dev/null

# Throughput: par_runs runs, par_jobs at a time.
par() {
	local f=$data/one-$1.sh
	echo "$("${1}_sh" run --rm "${ropts[@]}" $img true) >/dev/null" >"$f"
	echo "seq $par_runs | xargs -P $par_jobs -n 1 bash $f"
}
bench_compare --runs 3 --warmup 1 "$par_runs run --rm, $par_jobs at a time" "$(par cpod)" \
	"$(par podman)"
bench_note "runs per second: cpod $(awk -v n="$par_runs" -v ms="$BENCH_CPOD_MS" \
	'BEGIN { printf "%.1f", n * 1000 / ms }'), podman $(awk -v n="$par_runs" \
	-v ms="$BENCH_PODMAN_MS" 'BEGIN { printf "%.1f", n * 1000 / ms }')"

# Both engines removed their containers; leave the host's cgroup tmpfs as it was.
cpod_run rm -a -f >/dev/null 2>&1 || true
podman_run rm -a -f >/dev/null 2>&1 || true
if [ -n "$made_hugetlb" ]; then
	umount /sys/fs/cgroup/hugetlb 2>/dev/null || true
	rmdir /sys/fs/cgroup/hugetlb 2>/dev/null || true
fi
