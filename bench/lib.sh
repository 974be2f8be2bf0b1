# shellcheck shell=bash
# Helpers for cpod's side-by-side benchmarks. A benchmark script starts with
#
#   source "$(dirname "$0")/lib.sh"
#   bench_init "$@"
#
# bench_init re-executes the script as root in a private mount namespace (see "Isolation"), builds
# or finds the release cpod binary, makes a temporary store for each engine and removes it on exit.
#
#   cpod_sh ARGS...         prints a shell command line running cpod on its own temporary store
#   podman_sh ARGS...       the same for podman 4.3, on its own temporary store
#   cpod_run ARGS...        runs cpod on its store now (for preparing data)
#   podman_run ARGS...      runs podman on its store now
#   bench_cmd [OPTS] NAME -- CMD...
#                           measures CMD (one word: a shell command line; several words: a
#                           command and its arguments) with hyperfine (BENCH_WARMUP warm-up runs,
#                           at least BENCH_MIN_RUNS runs, JSON exported to $BENCH_TMP/json/NAME.json)
#                           or, without hyperfine, with a plain loop; sets BENCH_MS to the mean in
#                           milliseconds. OPTS: --prepare CMD (run before every run, not timed),
#                           --runs N (exactly N runs), --warmup N.
#   bench_compare [OPTS] WHAT CPOD_CMD PODMAN_CMD
#                           measures both shell command lines, prints
#                           "WHAT: cpod 4.1 ms, podman 98.0 ms, ratio podman/cpod 23.9x" and appends
#                           it to $BENCH_RESULTS. CPOD_CMD '' measures podman alone and says why
#                           (BENCH_CPOD_SKIP, e.g. "cpod has no 'import' yet"). OPTS:
#                           --prepare-cpod CMD, --prepare-podman CMD, --runs N, --warmup N.
#                           Sets BENCH_CPOD_MS and BENCH_PODMAN_MS to the two means.
#   bench_note TEXT         prints TEXT and appends it to $BENCH_RESULTS as a comment
#   bench_gen_tar FILE MB   a tar of MB MiB, half compressible text, half random (fixed seed)
#   cpod_has COMMAND...     true when `cpod COMMAND... --help` succeeds
#
# Environment: CPOD_BIN (cpod binary to measure; default: build-release/cli/cpod, built when
# missing), BENCH_RESULTS (default bench/results/latest.txt), BENCH_WARMUP (2), BENCH_MIN_RUNS
# (10), BENCH_NO_HYPERFINE=1 (use the loop), BENCH_KEEP_TMP=1 (keep the stores for a look),
# BENCH_NO_UNSHARE=1 (no private mount namespace; then podman gets lock_type = "file" and still
# writes /var/lib/containers/cache on import, load and pull).
#
# Isolation. Each engine gets its own temporary store and never sees the other's:
#   cpod:   --root, --runroot, --network-config-dir, CONTAINERS_CONF with static_dir, volume_path,
#           tmp_dir and image_copy_tmp_dir, all under $BENCH_TMP/cpod
#   podman: --root, --runroot, --tmpdir, --network-config-dir, CONTAINERS_CONF with the same keys
#           (and network_backend = "cni", see below), all under $BENCH_TMP/podman
# Both run with --storage-driver overlay --cgroup-manager cgroupfs --events-backend none.
# Two things podman 4.3 does outside those paths whatever its flags say:
#   - import, pull and commit open c/image's blob-info cache at
#     /var/lib/containers/cache/blob-info-cache-v1.boltdb (no flag or containers.conf key moves
#     it in 4.3). The benchmarks therefore run in a private mount namespace in which /var/lib is an
#     overlay whose upper layer is $BENCH_TMP/ns/varlib: the write lands there.
#   - the netavark backend makes /run/containers/networks at start-up (its run directory is fixed
#     for root), so podman runs with network_backend = "cni", which is also what cpod uses.
#   - its shared-memory locks live in /dev/shm/libpod_lock: the namespace has its own /dev/shm.
# bench_init records /var/lib/containers, /run/containers, /run/libpod, /etc/containers/networks
# and /dev/shm/libpod_lock before the run and checks afterwards that none was created or changed.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_TOP=$(cd "$BENCH_DIR/.." && pwd)
BENCH_RESULTS=${BENCH_RESULTS:-$BENCH_DIR/results/latest.txt}
BENCH_WARMUP=${BENCH_WARMUP:-2}
BENCH_MIN_RUNS=${BENCH_MIN_RUNS:-10}
BENCH_NAME=$(basename "$0" .sh)
BENCH_GUARDED_PATHS=(/var/lib/containers /run/containers /run/libpod /etc/containers/networks
	/dev/shm/libpod_lock)
BENCH_MS=
BENCH_CPOD_SKIP=

bench_die() {
	echo "bench/$BENCH_NAME: $*" >&2
	exit 1
}

bench_log() {
	echo "bench/$BENCH_NAME: $*" >&2
}

# ---- the cpod binary -------------------------------------------------------------------------

# Sets CPOD to the binary to measure: CPOD_BIN, else build-release/cli/cpod (configured as a
# release build and brought up to date with ninja), else, when that build fails (other people
# may be half-way through editing sources), an existing build-release or build/cli/cpod, with a
# warning. build-release has werror off: -O2 finds maybe-uninitialized warnings that the debug
# builds do not, and a benchmark should not stop on a warning; they are kept in
# build-release/bench-build.log and counted on stderr.
bench_find_cpod() {
	local rel=$BENCH_TOP/build-release
	if [ -n "${CPOD_BIN:-}" ]; then
		CPOD=$CPOD_BIN
	else
		CPOD=$rel/cli/cpod
		if [ ! -f "$rel/build.ninja" ]; then
			bench_log "configuring $rel (release)"
			meson setup "$rel" "$BENCH_TOP" --buildtype=release -Dwerror=false >/dev/null ||
				bench_log "meson setup $rel failed"
		fi
		if [ ! -f "$rel/build.ninja" ] ||
			! ninja -C "$rel" cli/cpod >"$rel/bench-build.log" 2>&1; then
			bench_log "the release build failed (see $rel/bench-build.log)"
			if [ -x "$CPOD" ]; then
				bench_log "measuring the older $CPOD"
			elif [ -x "$BENCH_TOP/build/cli/cpod" ]; then
				CPOD=$BENCH_TOP/build/cli/cpod
				bench_log "measuring $CPOD, which may not be a release build"
			fi
		fi
		if [ -f "$rel/bench-build.log" ] && grep -q 'warning:' "$rel/bench-build.log"; then
			bench_log "$(grep -c 'warning:' "$rel/bench-build.log") compiler warnings in the" \
				"release build (see $rel/bench-build.log)"
		fi
	fi
	[ -x "$CPOD" ] || bench_die "no cpod binary at $CPOD"
	CPOD=$(realpath "$CPOD")
	export CPOD
}

# ---- isolation -------------------------------------------------------------------------------

bench_snapshot_guarded() {
	local p
	for p in "${BENCH_GUARDED_PATHS[@]}"; do
		if [ -e "$p" ]; then
			find "$p" -printf '%p %y %s %T@\n' 2>/dev/null | sort
		else
			echo "$p absent"
		fi
	done
}

# Runs in the private namespace: /var/lib becomes an overlay whose writes go to $BENCH_TMP, and
# /dev/shm a fresh tmpfs.
bench_enter_namespace() {
	local ns=$BENCH_TMP/ns
	mkdir -p "$ns/varlib" "$ns/varlib.work"
	mount -t overlay overlay \
		-o "lowerdir=/var/lib,upperdir=$ns/varlib,workdir=$ns/varlib.work" /var/lib ||
		bench_die "cannot put an overlay on /var/lib in the private namespace"
	mount -t tmpfs -o mode=1777,size=64m bench-shm /dev/shm ||
		bench_die "cannot mount a private /dev/shm"
}

# The parent: makes $BENCH_TMP, runs the script again inside `unshare --mount`, then checks that
# the guarded paths did not change and removes $BENCH_TMP.
bench_run_isolated() {
	local before after rc=0
	BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/cpod-bench.XXXXXX")
	export BENCH_TMP BENCH_IN_NAMESPACE=1
	before=$(bench_snapshot_guarded)
	unshare --mount --propagation private -- "$BASH" "$0" "$@" || rc=$?
	after=$(bench_snapshot_guarded)
	if [ "$before" != "$after" ]; then
		echo "bench/$BENCH_NAME: isolation check FAILED: shared podman paths changed:" >&2
		diff <(echo "$before") <(echo "$after") >&2 || true
		rc=1
	else
		echo "isolation check: /var/lib/containers, /run/containers, /run/libpod," \
			"/etc/containers/networks and /dev/shm/libpod_lock unchanged" >&2
	fi
	if [ -z "${BENCH_KEEP_TMP:-}" ]; then
		rm -rf --one-file-system "$BENCH_TMP"
	else
		echo "bench/$BENCH_NAME: stores kept in $BENCH_TMP" >&2
	fi
	exit "$rc"
}

# ---- stores ----------------------------------------------------------------------------------

# Writes DIR/containers.conf for an engine whose state lives under DIR.
bench_write_conf() {
	local dir=$1 extra=${2:-}
	cat >"$dir/containers.conf" <<-EOF
		[engine]
		static_dir = "$dir/root/libpod"
		volume_path = "$dir/root/volumes"
		tmp_dir = "$dir/tmp"
		image_copy_tmp_dir = "$dir/imgtmp"

		[network]
		network_config_dir = "$dir/networks"
		$extra
	EOF
}

bench_store_setup() {
	local e
	for e in cpod podman; do
		mkdir -p "$BENCH_TMP/$e"/{root,runroot,tmp,imgtmp,networks}
	done
	bench_write_conf "$BENCH_TMP/cpod"
	bench_write_conf "$BENCH_TMP/podman" 'network_backend = "cni"'
	if [ "$BENCH_IN_NAMESPACE" = 0 ]; then
		# No private /dev/shm: file locks in tmp_dir instead of /dev/shm/libpod_lock.
		sed -i 's/^\[engine\]$/&\nlock_type = "file"/' "$BENCH_TMP/podman/containers.conf"
		bench_log "BENCH_NO_UNSHARE: podman uses file locks; its import, load and pull" \
			"write /var/lib/containers/cache"
	fi
	mkdir -p "$BENCH_TMP/json" "$BENCH_TMP/data"
	local c=$BENCH_TMP/cpod p=$BENCH_TMP/podman
	CPOD_PREFIX=(env "CONTAINERS_CONF=$c/containers.conf" "TMPDIR=$c/tmp" "$CPOD"
		--root "$c/root" --runroot "$c/runroot" --network-config-dir "$c/networks"
		--storage-driver overlay --cgroup-manager cgroupfs --events-backend none)
	PODMAN_PREFIX=(env "CONTAINERS_CONF=$p/containers.conf" "TMPDIR=$p/tmp" podman
		--root "$p/root" --runroot "$p/runroot" --tmpdir "$p/tmp" --network-config-dir "$p/networks"
		--storage-driver overlay --cgroup-manager cgroupfs --events-backend none)
}

# Removes what the engines left (containers, images) while they can still clean up after
# themselves (overlay mounts), then the mounts under $BENCH_TMP; the parent removes the files.
bench_store_teardown() {
	[ -n "${BENCH_TMP:-}" ] && [ -d "$BENCH_TMP" ] || return 0
	"${PODMAN_PREFIX[@]}" rm --all --force >/dev/null 2>&1 || true
	if cpod_has rm; then
		"${CPOD_PREFIX[@]}" rm --all --force >/dev/null 2>&1 || true
	fi
	local mnt
	awk '{ print $5 }' /proc/self/mountinfo | sort -r | while read -r mnt; do
		if [[ $mnt == "$BENCH_TMP"/* ]]; then
			umount -l "$mnt" 2>/dev/null || true
		fi
	done
	return 0
}

# Shell command lines. The engine's environment is given inline as VAR=value words, which bash
# applies without running another program, so neither engine pays for an extra exec.
bench_sh_line() {
	local w out=
	for w in "$@"; do
		out+="$(printf '%q' "$w") "
	done
	echo "${out% }"
}

cpod_sh() {
	bench_sh_line "${CPOD_PREFIX[@]:1}" "$@"
}

podman_sh() {
	bench_sh_line "${PODMAN_PREFIX[@]:1}" "$@"
}

cpod_run() {
	"${CPOD_PREFIX[@]}" "$@"
}

podman_run() {
	"${PODMAN_PREFIX[@]}" "$@"
}

cpod_has() {
	"${CPOD_PREFIX[@]}" "$@" --help >/dev/null 2>&1
}

# ---- measuring -------------------------------------------------------------------------------

bench_have_hyperfine() {
	[ -z "${BENCH_NO_HYPERFINE:-}" ] && command -v hyperfine >/dev/null
}

BENCH_SHELL_US=

# The plain loop's own cost per run (starting bash), measured once, in microseconds, like
# hyperfine subtracts its shell's. Times come from $EPOCHREALTIME: no `date` process per run.
bench_shell_us() {
	local i t0 t1
	[ -z "$BENCH_SHELL_US" ] || return 0
	bash -c : # warm
	t0=${EPOCHREALTIME/./}
	for ((i = 0; i < 20; i++)); do
		bash -c : >/dev/null 2>&1
	done
	t1=${EPOCHREALTIME/./}
	BENCH_SHELL_US=$(((t1 - t0) / 20))
}

# Mean of N runs of the shell command line CMD, less the cost of starting bash, in ms, into
# BENCH_MS; PREPARE runs before each.
bench_loop() {
	local cmd=$1 prepare=$2 warmup=$3 runs=$4 i t0 t1 total=0
	bench_shell_us
	for ((i = 0; i < warmup; i++)); do
		[ -z "$prepare" ] || bash -c "$prepare" >/dev/null 2>&1 || return 1
		bash -c "$cmd" >/dev/null 2>&1 || return 1
	done
	for ((i = 0; i < runs; i++)); do
		[ -z "$prepare" ] || bash -c "$prepare" >/dev/null 2>&1 || return 1
		t0=${EPOCHREALTIME/./}
		bash -c "$cmd" >/dev/null 2>&1 || return 1
		t1=${EPOCHREALTIME/./}
		total=$((total + t1 - t0))
	done
	BENCH_MS=$(awk -v t="$total" -v n="$runs" -v s="$BENCH_SHELL_US" \
		'BEGIN { m = (t / n - s) / 1e3; if (m < 0) m = 0; printf "%.1f", m }')
}

bench_cmd() {
	local prepare='' runs='' warmup=$BENCH_WARMUP name cmd json
	while [ $# -gt 0 ]; do
		case $1 in
		--prepare) prepare=$2; shift 2 ;;
		--runs) runs=$2; shift 2 ;;
		--warmup) warmup=$2; shift 2 ;;
		*) break ;;
		esac
	done
	name=$1
	[ "${2:-}" = -- ] || bench_die "bench_cmd: usage: bench_cmd [OPTS] NAME -- CMD..."
	shift 2
	if [ $# -eq 1 ]; then cmd=$1; else cmd=$(bench_sh_line "$@"); fi
	BENCH_MS=
	json=$BENCH_TMP/json/${name//[^A-Za-z0-9._-]/_}.json
	if ! bench_have_hyperfine; then
		bench_loop "$cmd" "$prepare" "$warmup" "${runs:-$BENCH_MIN_RUNS}"
		return
	fi
	local args=(--shell bash --style none --warmup "$warmup" --export-json "$json")
	if [ -n "$runs" ]; then args+=(--runs "$runs"); else args+=(--min-runs "$BENCH_MIN_RUNS"); fi
	[ -z "$prepare" ] || args+=(--prepare "$prepare")
	hyperfine "${args[@]}" --command-name "$name" -- "$cmd" >"$json.log" 2>&1 || return 1
	BENCH_MS=$(jq -r '.results[0].mean * 1000 | . * 10 | round / 10' "$json") || return 1
	# jq prints 4 as "4": always one decimal, like the loop.
	BENCH_MS=$(awk -v m="$BENCH_MS" 'BEGIN { printf "%.1f", m }')
}

bench_record() {
	echo "$1"
	mkdir -p "$(dirname "$BENCH_RESULTS")"
	echo "$1" >>"$BENCH_RESULTS"
}

bench_note() {
	echo "# $*"
	mkdir -p "$(dirname "$BENCH_RESULTS")"
	echo "# $*" >>"$BENCH_RESULTS"
}

bench_compare() {
	local opts=() pc='' pp='' what cpod_cmd podman_cmd cms pms
	while [ $# -gt 0 ]; do
		case $1 in
		--prepare-cpod) pc=$2; shift 2 ;;
		--prepare-podman) pp=$2; shift 2 ;;
		--runs | --warmup) opts+=("$1" "$2"); shift 2 ;;
		*) break ;;
		esac
	done
	[ $# -eq 3 ] || bench_die "bench_compare: usage: bench_compare [OPTS] WHAT CPOD_CMD PODMAN_CMD"
	what=$1 cpod_cmd=$2 podman_cmd=$3
	if [ -n "$podman_cmd" ] && bench_cmd "${opts[@]}" ${pp:+--prepare "$pp"} "podman $what" -- \
		"$podman_cmd"; then
		pms=$BENCH_MS
	else
		pms=failed
	fi
	if [ -z "$cpod_cmd" ]; then
		bench_record "$what: cpod n/a (${BENCH_CPOD_SKIP:-not measured}), podman $pms ms"
		return 0
	fi
	if bench_cmd "${opts[@]}" ${pc:+--prepare "$pc"} "cpod $what" -- "$cpod_cmd"; then
		cms=$BENCH_MS
	else
		cms=failed
	fi
	if [ "$cms" = failed ] || [ "$pms" = failed ]; then
		[ "$cms" = failed ] || cms+=" ms"
		[ "$pms" = failed ] || pms+=" ms"
		bench_record "$what: cpod $cms, podman $pms, ratio n/a"
		return 0
	fi
	BENCH_CPOD_MS=$cms BENCH_PODMAN_MS=$pms
	bench_record "$what: cpod $cms ms, podman $pms ms, ratio podman/cpod $(awk -v c="$cms" \
		-v p="$pms" 'BEGIN { if (c > 0) printf "%.1fx", p / c; else print "inf" }')"
}

# ---- start -----------------------------------------------------------------------------------

# bench_gen_tar FILE MB: a tar of MB megabytes in 1 MiB files: even-numbered files are text lines
# that compress well (about 5:1 with gzip), odd-numbered ones random bytes from seed 20261127.
bench_gen_tar() {
	python3 - "$1" "$2" <<-'EOF'
		import io, random, sys, tarfile
		path, mb = sys.argv[1], int(sys.argv[2])
		rng = random.Random(20261127)
		words = [("w%05d" % rng.randrange(100000)).encode() for _ in range(2000)]
		with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
		    for i in range(mb):
		        if i % 2:
		            body = rng.randbytes(1 << 20)
		        else:
		            out = bytearray()
		            while len(out) < 1 << 20:
		                out += b" ".join(rng.choices(words, k=12)) + b"\n"
		            body = bytes(out[: 1 << 20])
		        info = tarfile.TarInfo("data/%02d/file-%04d" % (i % 16, i))
		        info.size, info.mtime, info.mode = len(body), 1700000000, 0o644
		        tar.addfile(info, io.BytesIO(body))
	EOF
}


bench_init() {
	[ "$(id -u)" -eq 0 ] || bench_die "run as root (podman is measured as root, as cpod is)"
	command -v podman >/dev/null || bench_die "podman is missing: run bench/setup.sh"
	command -v jq >/dev/null || bench_die "jq is missing: run bench/setup.sh"
	if [ -z "${BENCH_IN_NAMESPACE:-}" ]; then
		bench_find_cpod # once, in the parent, so a failing build says so before anything
		if [ -z "${BENCH_NO_UNSHARE:-}" ]; then
			export CPOD_BIN=$CPOD
			bench_run_isolated "$@"
		fi
		BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/cpod-bench.XXXXXX")
		export BENCH_TMP BENCH_IN_NAMESPACE=0
	else
		bench_find_cpod
		[ "$BENCH_IN_NAMESPACE" = 0 ] || bench_enter_namespace
	fi
	bench_store_setup
	trap 'bench_store_teardown; [ "${BENCH_IN_NAMESPACE:-}" = 0 ] &&
		[ -z "${BENCH_KEEP_TMP:-}" ] && rm -rf --one-file-system "$BENCH_TMP"' EXIT
	bench_note "$BENCH_NAME $(date -u +%FT%TZ) cpod $CPOD ($("$CPOD" version --format \
		'{{.Client.Version}}' 2>/dev/null || echo '?')), $(podman --version)," \
		"$(bench_have_hyperfine && hyperfine --version || echo 'plain loop')"
}
