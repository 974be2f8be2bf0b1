# -*- bash -*-
# Helpers for cpod's bats system tests. A test file starts with `load helpers`.
#
# Each test file gets its own cpod state in a temporary directory (CPOD_ROOT, CPOD_RUNROOT),
# made by setup_file and removed by teardown_file. A file that needs its own setup_file, setup,
# teardown or teardown_file defines it and calls the cpod_* version inside.
#
#   run_cpod [STATUS] ARGS...   run cpod with the file's --root/--runroot; sets $output,
#                               $status, $lines; fails unless the exit status is STATUS
#                               (default 0; '?' accepts any)
#   is ACTUAL EXPECTED [WHAT]   ACTUAL must match EXPECTED, as a glob or as a whole-string
#                               extended regex; EXPECTED '' means ACTUAL must be empty
#   assert_line [-n N] EXPECTED [WHAT]   some line of $output (or line N, from 0) matches
#   refute_line EXPECTED [WHAT]          no line of $output matches
#   require_fixtures            fail unless the test registries run and images.env exists
#   require_cpod                fail unless $CPOD is an executable
#   fixture_skopeo ARGS...      skopeo as nobody, away from the machine's config (skopeo.sh)
#   die MESSAGE                 fail the test with MESSAGE

CPOD_TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
CPOD=${CPOD_BIN:-$CPOD_TOP/build/cli/cpod}
CPOD_TIMEOUT=${CPOD_TIMEOUT:-120}
CPOD_FIXTURES=$CPOD_TOP/tests/fixtures
export CPOD_FIXTURES_DIR=${CPOD_FIXTURES_DIR:-/tmp/cpod-fixtures}

# ---- setup and teardown --------------------------------------------------------------------------

cpod_setup_file() {
	CPOD_TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/cpod-bats.XXXXXX")
	export CPOD_TEST_DIR
	export CPOD_ROOT=$CPOD_TEST_DIR/root
	export CPOD_RUNROOT=$CPOD_TEST_DIR/runroot
	mkdir -p "$CPOD_ROOT" "$CPOD_RUNROOT"
	cpod_load_fixtures_env
}

cpod_teardown_file() {
	[ -n "${CPOD_TEST_DIR:-}" ] && [ -d "$CPOD_TEST_DIR" ] || return 0
	# Every store the file made (tests may have one each): no container may outlive it.
	if [ -x "$CPOD" ]; then
		local db root
		find "$CPOD_TEST_DIR" -maxdepth 4 -name cpod.db 2>/dev/null | while read -r db; do
			root=$(dirname "$db")
			timeout --kill-after=5 60 "$CPOD" --root "$root" \
				--runroot "$(dirname "$root")/runroot" rm --all --force -t 0 \
				>/dev/null 2>&1 || true
		done
	fi
	cpod_unmount_under "$CPOD_TEST_DIR"
	rm -rf --one-file-system "$CPOD_TEST_DIR"
}

cpod_setup() {
	CPOD_LAST_COMMAND=
	output=
	status=
	lines=()
}

cpod_teardown() {
	:
}

# Defaults; a test file may define its own and call the cpod_* ones.
setup_file() { cpod_setup_file; }
teardown_file() { cpod_teardown_file; }
setup() { cpod_setup; }
teardown() { cpod_teardown; }

# Unmounts everything mounted at or below DIR, deepest first (a container left running must
# not let rm -rf reach through a bind mount into the host).
cpod_unmount_under() {
	local dir mnt
	dir=$(realpath "$1")
	awk '{ print $5 }' /proc/self/mountinfo |
		while read -r mnt; do
			mnt=$(printf '%b' "$mnt") # mountinfo escapes spaces as \040
			[[ $mnt == "$dir" || $mnt == "$dir"/* ]] && echo "$mnt"
		done | sort -r | while read -r mnt; do
			umount -l "$mnt" 2>/dev/null || true
		done
}

# Exports the registry and image variables when the fixtures have written them, and sets
# CPOD_FIXTURES_RUNNING=1 when the three registries answer.
cpod_load_fixtures_env() {
	export CPOD_FIXTURES_RUNNING=
	if [ -s "$CPOD_FIXTURES_DIR/registry.env" ]; then
		# shellcheck source=/dev/null
		source "$CPOD_FIXTURES_DIR/registry.env"
		if "$CPOD_FIXTURES/registry.sh" status >/dev/null 2>&1; then
			CPOD_FIXTURES_RUNNING=1
		fi
	fi
	if [ -s "$CPOD_FIXTURES_DIR/images.env" ]; then
		set -a
		# shellcheck source=/dev/null
		source "$CPOD_FIXTURES_DIR/images.env"
		set +a
	fi
}

require_fixtures() {
	[ "${CPOD_FIXTURES_RUNNING:-}" = 1 ] ||
		die "the test registries are not running (tests/fixtures/registry.sh start;" \
			"tests/fixtures/images.sh)"
	[ -n "${CPOD_IMG_BUSYBOX:-}" ] ||
		die "no $CPOD_FIXTURES_DIR/images.env: run tests/fixtures/images.sh"
}

require_cpod() {
	[ -x "$CPOD" ] || die "no cpod binary at $CPOD (build it, or set CPOD_BIN)"
}

fixture_skopeo() {
	"$CPOD_FIXTURES/skopeo.sh" "$@"
}

# start_bearer_registry UPSTREAM: a registry that wants bearer tokens (tests/fixtures/
# bearer-registry.py) in front of UPSTREAM ("-": none), on a free port of 127.0.0.1.  Sets
# BEARER (host:port) and BEARER_PID (the caller's teardown kills it), logs requests to
# $CPOD_TEST_DIR/bearer.log, and writes $CPOD_TEST_DIR/bearer.conf, a registries.conf that
# marks it insecure (plain http).
start_bearer_registry() {
	rm -f "$CPOD_TEST_DIR/bearer.port"
	python3 "$CPOD_FIXTURES/bearer-registry.py" "$1" "$CPOD_TEST_DIR/bearer.port" \
		"$CPOD_TEST_DIR/bearer.log" 3>&- &
	BEARER_PID=$!
	for _ in $(seq 50); do
		[ -s "$CPOD_TEST_DIR/bearer.port" ] && break
		sleep 0.1
	done
	BEARER=127.0.0.1:$(cat "$CPOD_TEST_DIR/bearer.port") || die "the bearer registry did not start"
	printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "$BEARER" >"$CPOD_TEST_DIR/bearer.conf"
}

# ---- running cpod --------------------------------------------------------------------------------

run_cpod() {
	local expected=0
	case ${1:-} in
	'?' | [0-9] | [0-9][0-9] | [0-9][0-9][0-9])
		expected=$1
		shift
		;;
	esac
	CPOD_LAST_COMMAND="cpod $*"
	echo "# $CPOD_LAST_COMMAND"
	status=0
	output=$(timeout --kill-after=10 "$CPOD_TIMEOUT" \
		"$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" "$@" 2>&1) || status=$?
	lines=()
	[ -z "$output" ] || mapfile -t lines <<<"$output"
	[ -z "$output" ] || echo "$output"
	if [ "$status" -eq 124 ]; then
		_fail "timed out after ${CPOD_TIMEOUT}s: $CPOD_LAST_COMMAND" ""
		return 1
	fi
	if [ "$expected" != '?' ] && [ "$status" -ne "$expected" ]; then
		_fail "exit status $status, expected $expected" \
			"$(printf '\n#| command: %s\n#| output:' "$CPOD_LAST_COMMAND")$(_indented "$output")"
		return 1
	fi
}

# ---- assertions ----------------------------------------------------------------------------------

# _fail SUMMARY DETAILS: prints a failure report to stderr, returns 1. DETAILS is preformatted
# ("\n#| ..." lines) or empty. Every caller returns 1 right after it too, so that an assertion
# fails the same under `run` (no errexit) as in a test's body.
_fail() {
	{
		printf '#/vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv\n'
		printf '#| FAIL: %s%s\n' "$1" "$2"
		printf '#\\^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n'
	} >&2
	return 1
}

# die MESSAGE...: fails the test with MESSAGE (the words joined by spaces).
die() {
	_fail "$*" ""
	return 1
}

# _matches ACTUAL EXPECTED: equal strings, a glob match (bash's [[ == ]], extglob included), or
# a whole-string extended regex match.
_matches() {
	[[ $1 == "$2" ]] && return 0
	# shellcheck disable=SC2053 # EXPECTED is a glob on purpose
	[[ $1 == $2 ]] && return 0
	[[ $1 =~ ^($2)$ ]] 2>/dev/null
}

# _indented TEXT: TEXT with each line prefixed for a failure report.
_indented() {
	local line
	while IFS= read -r line; do
		printf '\n#|   %s' "$line"
	done <<<"${1:-[no output]}"
}

is() {
	local actual=$1 expected=$2 what=${3:-value} shown
	if [ -z "$expected" ]; then
		[ -z "$actual" ] && return 0
	elif _matches "$actual" "$expected"; then
		return 0
	fi
	shown=${actual:-[empty]}
	[[ $actual != *$'\n'* ]] || shown=$(_indented "$actual")
	_fail "$what" "$(printf '\n#| expected: %s\n#|   actual: %s' "${expected:-[empty]}" \
		"$shown")${CPOD_LAST_COMMAND:+$(printf '\n#|  command: %s' "$CPOD_LAST_COMMAND")}"
	return 1
}

assert_line() {
	local index='' line i
	if [ "${1:-}" = -n ]; then
		index=$2
		shift 2
	fi
	local expected=$1 what=${2:-a line of the output}
	if [ -n "$index" ]; then
		line=${lines[$index]-}
		_matches "$line" "$expected" && return 0
		_fail "$what" "$(printf '\n#| expected line %s: %s\n#|   actual line %s: %s' \
			"$index" "$expected" "$index" "${line:-[no such line]}")$(printf '\n#| output:')$(
			_indented "$output")"
		return 1
	fi
	for i in "${!lines[@]}"; do
		_matches "${lines[$i]}" "$expected" && return 0
	done
	_fail "$what" "$(printf '\n#| no line matches: %s\n#| output:' "$expected")$(
		_indented "$output")"
	return 1
}

refute_line() {
	local expected=$1 what=${2:-no line of the output} i
	for i in "${!lines[@]}"; do
		if _matches "${lines[$i]}" "$expected"; then
			_fail "$what" "$(printf '\n#| line %s matches %s: %s' "$i" "$expected" \
				"${lines[$i]}")"
			return 1
		fi
	done
	return 0
}

# ---- container images --------------------------------------------------------------------------

# cpod_import_busybox [NAME]: imports a busybox root file system (every applet linked, /etc/passwd
# and /etc/group with root, nobody and a user "tester" 1000:1000 in groups 1000 and 2000) as NAME
# (default localhost/bb:latest) with CMD ["sh"]; builds the tarball once per test file.
cpod_import_busybox() {
	local name=${1:-localhost/bb:latest} tar=$CPOD_TEST_DIR/busybox-rootfs.tar r
	if [ ! -s "$tar" ]; then
		r=$CPOD_TEST_DIR/busybox-rootfs
		mkdir -p "$r/bin" "$r/etc" "$r/tmp" "$r/root" "$r/home/tester" "$r/proc" "$r/sys" \
			"$r/dev" "$r/var/tmp" "$r/run"
		chmod 1777 "$r/tmp" "$r/var/tmp"
		cp /bin/busybox "$r/bin/busybox"
		for a in $(/bin/busybox --list); do
			[ "$a" = busybox ] || ln -sf busybox "$r/bin/$a"
		done
		printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' \
			'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' \
			'tester:x:1000:1000:tester:/home/tester:/bin/sh' >"$r/etc/passwd"
		printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' 'tester:x:1000:' 'extra:x:2000:tester' \
			>"$r/etc/group"
		chown 1000:1000 "$r/home/tester"
		tar -C "$r" -cf "$tar" .
	fi
	"$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" import --change 'CMD ["sh"]' \
		--change 'ENV PATH=/bin' "$tar" "$name" >/dev/null ||
		die "importing the busybox image"
}

# cpod_container_file: called after `load helpers` by a file of container tests: setup_file
# imports the busybox image as $IMG into the file's store, and every test's teardown removes the
# containers it left.  A file may still define its own setup().
cpod_container_file() {
	setup_file() {
		cpod_setup_file
		cpod_import_busybox
		export IMG=localhost/bb:latest
	}
	teardown() {
		cpod_rm_all
		cpod_teardown
	}
}

# cpod_rm_all: removes every container of the current store (teardown).
cpod_rm_all() {
	timeout --kill-after=5 60 "$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" \
		rm --all --force >/dev/null 2>&1 || true
}

# ---- images: pulls, stores and archives ----

# cpod_registry_env: what the registry test files share: the fixtures' registries.conf and
# policy ($POLICY), and a HOME, XDG directories and DOCKER_CONFIG of the file's own, so that
# nothing from the machine (registries.conf, auth files, certs.d) is read.
cpod_registry_env() {
	export CONTAINERS_REGISTRIES_CONF=$CPOD_REGISTRIES_CONF
	export HOME=$CPOD_TEST_DIR/home XDG_RUNTIME_DIR=$CPOD_TEST_DIR/xdg-run
	export XDG_CONFIG_HOME=$CPOD_TEST_DIR/home/.config DOCKER_CONFIG=$CPOD_TEST_DIR/docker
	unset REGISTRY_AUTH_FILE
	mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
	export POLICY=$CPOD_REGISTRY_POLICY
}

# pull [STATUS] ARGS...: cpod pull with the fixtures' policy ($POLICY).
pull() {
	local expected=0
	case ${1:-} in
	[0-9] | [0-9][0-9] | [0-9][0-9][0-9])
		expected=$1
		shift
		;;
	esac
	run_cpod "$expected" pull --signature-policy "$POLICY" "$@"
}

# layer_count: the layers in the store at $CPOD_ROOT.
layer_count() {
	sqlite3 "$CPOD_ROOT/cpod.db" "SELECT count(*) FROM layers;"
}

# runx CMD...: runs CMD (not cpod), setting $status, $output and $lines.
runx() {
	status=0
	output=$("$@" 2>&1) || status=$?
	lines=()
	[ -z "$output" ] || mapfile -t lines <<<"$output"
}

# cpod_raw ARGS...: cpod on the test's store, output as it comes (no status check).
cpod_raw() {
	"$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" "$@"
}

# all_images: every image's ID and names, sorted.
all_images() {
	cpod_raw images -a --no-trunc --format '{{.ID}} {{.Names}}' | sort
}

# image_file IMAGE PATH: prints the file PATH of the mounted image.
image_file() {
	local mnt
	mnt=$(cpod_raw image mount "$1") || die "mounting $1"
	cat "$mnt/$2"
	cpod_raw image unmount "$1" >/dev/null
}

# tmp_is_empty: no extraction or staging left behind in $TMPDIR.
tmp_is_empty() {
	is "$(ls -A "$TMPDIR")" "" "leftovers in TMPDIR"
}
