#!/usr/bin/env bats
# cpod pull through a proxy that breaks blob downloads (tests/fixtures/fault-proxy.py): a cut
# transfer resumes with a Range request (or starts again when the registry ignores Range),
# --retry bounds the attempts, and a failure in one of several parallel layers leaves the
# store as it was.

load helpers

setup_file() {
	cpod_setup_file
	require_fixtures
	export HOME=$CPOD_TEST_DIR/home XDG_RUNTIME_DIR=$CPOD_TEST_DIR/xdg-run
	export XDG_CONFIG_HOME=$CPOD_TEST_DIR/home/.config DOCKER_CONFIG=$CPOD_TEST_DIR/docker
	unset REGISTRY_AUTH_FILE
	mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
	export POLICY=$CPOD_REGISTRY_POLICY
}

setup() {
	cpod_setup
	export CPOD_ROOT=$CPOD_TEST_DIR/t$BATS_TEST_NUMBER/root
	export CPOD_RUNROOT=$CPOD_TEST_DIR/t$BATS_TEST_NUMBER/runroot
	mkdir -p "$CPOD_ROOT" "$CPOD_RUNROOT"
}

teardown() {
	if [ -n "${PROXY_PID:-}" ]; then
		kill "$PROXY_PID" 2>/dev/null || true
		wait "$PROXY_PID" 2>/dev/null || true
	fi
	"$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" image unmount --all >/dev/null 2>&1 ||
		true
	cpod_teardown
}

# start_fault_proxy MODE: the proxy in front of the plain registry, on a free port of
# 127.0.0.1; sets PROXY (host:port), PROXY_PID and PROXY_LOG, and points
# CONTAINERS_REGISTRIES_CONF at a registries.conf that marks it insecure (plain http).
start_fault_proxy() {
	local portfile=$CPOD_TEST_DIR/proxy-$BATS_TEST_NUMBER.port
	PROXY_LOG=$CPOD_TEST_DIR/proxy-$BATS_TEST_NUMBER.log
	rm -f "$portfile"
	python3 "$CPOD_FIXTURES/fault-proxy.py" "http://$CPOD_REGISTRY_PLAIN" "$portfile" \
		"$PROXY_LOG" "$1" 3>&- &
	PROXY_PID=$!
	for _ in $(seq 50); do
		[ -s "$portfile" ] && break
		sleep 0.1
	done
	PROXY=127.0.0.1:$(cat "$portfile") || die "the fault proxy did not start"
	printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "$PROXY" \
		>"$CPOD_TEST_DIR/proxy.conf"
	export CONTAINERS_REGISTRIES_CONF=$CPOD_TEST_DIR/proxy.conf
}

# via REF: REF (on the plain registry) reached through the proxy.
via() {
	echo "${1/#$CPOD_REGISTRY_PLAIN\//$PROXY/}"
}

# The layer blob paths of the three-layer fixture, bottom first.
layer_paths() {
	fixture_skopeo inspect --raw --tls-verify=false "docker://$CPOD_IMG_LAYERS" |
		jq -r '.layers[].digest' | sed 's|^|/v2/cpod-test/layers/blobs/|'
}

# check_layers_tree: the three-layer image is mounted whole (as 040-pull.bats checks it).
check_layers_tree() {
	run_cpod image mount "$CPOD_IMG_LAYERS_VIA"
	local mnt=$output
	[ -f "$mnt/layer2" ] && [ -f "$mnt/layer3" ] && [ -f "$mnt/data/kept.txt" ] ||
		die "files of the layers are missing"
	[ ! -e "$mnt/data/removed.txt" ] || die "whited-out file still there"
	is "$(ls -A "$mnt/opt/replaced")" "c" "opaque directory"
	is "$(stat -c %i "$mnt/data/hard1")" "$(stat -c %i "$mnt/data/hard2")" "hard link"
	run_cpod image unmount "$CPOD_IMG_LAYERS_VIA"
}

# store_is_empty: no image, no layer row, no writer marker, no staging directory.
store_is_empty() {
	run_cpod images -q
	is "$output" "" "no image"
	is "$(layer_count)" 0 "no layer"
	is "$(ls -A "$CPOD_ROOT/incomplete")" "" "no writer marker"
	is "$(find "$CPOD_ROOT/overlay" "$CPOD_ROOT/vfs" -maxdepth 1 -name 'staging-*' 2>/dev/null)" \
		"" "no staging directory"
}

@test "a cut blob transfer resumes with a Range request where it stopped" {
	start_fault_proxy each
	export CPOD_IMG_LAYERS_VIA=$(via "$CPOD_IMG_LAYERS")
	pull --retry-delay 0s "$CPOD_IMG_LAYERS_VIA"
	is "${lines[-1]}" "[0-9a-f]{64}" "an image ID last"
	id=${lines[-1]}
	local path half n=0
	while read -r path; do
		n=$((n + 1))
		# the first answer was cut after half of the body ...
		grep -q "^GET $path range=- -> 200 [0-9]* cut$" "$PROXY_LOG" ||
			die "layer $n was not cut: $(cat "$PROXY_LOG")"
		half=$(awk -v p="$path" '$2 == p && $NF == "cut" { print int($6 / 2); exit }' \
			"$PROXY_LOG")
		# ... and the rest was asked for from there, once
		is "$(grep -c "^GET $path range=bytes=$half- -> 206 " "$PROXY_LOG")" 1 \
			"layer $n: one Range request from byte $half"
		is "$(grep -c "^GET $path " "$PROXY_LOG")" 2 "layer $n: two requests in all"
	done < <(layer_paths)
	is "$n" 3 "three layers"
	is "$(layer_count)" 3 "three layers stored"
	check_layers_tree

	# The same image as a pull that was not interrupted.
	run_cpod rmi -a
	unset CONTAINERS_REGISTRIES_CONF
	CONTAINERS_REGISTRIES_CONF=$CPOD_REGISTRIES_CONF pull -q "$CPOD_IMG_LAYERS"
	is "$output" "$id" "the image ID of a clean pull"
}

@test "a registry that ignores Range: the blob starts again and the repeated bytes are dropped" {
	start_fault_proxy norange
	export CPOD_IMG_LAYERS_VIA=$(via "$CPOD_IMG_LAYERS")
	pull -q --retry-delay 0s "$CPOD_IMG_LAYERS_VIA"
	local path
	while read -r path; do
		grep -q "^GET $path range=bytes=[0-9]*- -> 200 " "$PROXY_LOG" ||
			die "no Range request answered with the whole blob for $path: $(cat "$PROXY_LOG")"
	done < <(layer_paths)
	check_layers_tree
}

@test "only the first blob request cut: the others are untouched, the pull completes" {
	start_fault_proxy once
	export CPOD_IMG_LAYERS_VIA=$(via "$CPOD_IMG_LAYERS")
	pull -q --retry-delay 0s "$CPOD_IMG_LAYERS_VIA"
	is "$(grep -c ' cut$' "$PROXY_LOG")" 1 "one cut"
	is "$(grep -c 'range=bytes=' "$PROXY_LOG")" 1 "one Range request"
	check_layers_tree
}

@test "a 206 that does not start where asked fails the pull, and is not retried" {
	start_fault_proxy badrange
	pull 125 --retry-delay 0s "$(via "$CPOD_IMG_BUSYBOX")"
	assert_line "Error: *reading blob sha256:* in $PROXY/cpod-test/busybox: asked for the bytes from * the registry sent 'bytes 0-*'"
	is "$(grep -c 'range=bytes=' "$PROXY_LOG")" 1 "one Range request, no retry after it"
	store_is_empty
}

@test "--retry bounds the attempts of a blob that keeps breaking; the store is left as it was" {
	start_fault_proxy always
	local ref layer
	ref=$(via "$CPOD_IMG_BUSYBOX")
	pull 125 --retry 2 --retry-delay 0s "$ref"
	assert_line "Error: initializing source docker://$ref: writing blob sha256:*: reading blob sha256:* in $PROXY/cpod-test/busybox: transfer closed with * bytes remaining to read"
	# the config is a blob too (fetched whole, not streamed): count the layer's requests
	layer=$(fixture_skopeo inspect --raw --tls-verify=false "docker://$CPOD_IMG_BUSYBOX" |
		jq -r '.layers[0].digest')
	is "$(grep -c "^GET /v2/cpod-test/busybox/blobs/$layer " "$PROXY_LOG")" 3 \
		"the first request and two retries"
	store_is_empty

	: >"$PROXY_LOG"
	pull 125 --retry 0 "$ref"
	is "$(grep -c "^GET /v2/cpod-test/busybox/blobs/$layer " "$PROXY_LOG")" 1 \
		"--retry 0: one request"
	store_is_empty
}

@test "one bad layer among parallel downloads: its error is reported, nothing is kept" {
	local paths middle
	mapfile -t paths < <(layer_paths)
	middle=${paths[1]##*/sha256:}
	start_fault_proxy "corrupt=$middle"
	pull 125 "$(via "$CPOD_IMG_LAYERS")"
	assert_line "Error: *writing blob sha256:$middle: *reading blob sha256:$middle in $PROXY/cpod-test/layers: digest mismatch: got sha256:*"
	store_is_empty

	# The next pull, through a proxy that breaks nothing, stores the whole image.
	kill "$PROXY_PID"
	wait "$PROXY_PID" 2>/dev/null || true
	start_fault_proxy corrupt=none
	export CPOD_IMG_LAYERS_VIA=$(via "$CPOD_IMG_LAYERS")
	pull -q "$CPOD_IMG_LAYERS_VIA"
	is "$(layer_count)" 3 "three layers"
	check_layers_tree
}

@test "vfs: a cut transfer resumes too (layers one after the other)" {
	start_fault_proxy each
	export CPOD_IMG_LAYERS_VIA=$(via "$CPOD_IMG_LAYERS")
	run_cpod --storage-driver vfs pull -q --retry-delay 0s --signature-policy "$POLICY" \
		"$CPOD_IMG_LAYERS_VIA"
	is "$(grep -c ' cut$' "$PROXY_LOG")" 3 "each layer cut once"
	is "$(grep -c ' -> 206 ' "$PROXY_LOG")" 3 "and resumed once"
	run_cpod --storage-driver vfs image mount "$CPOD_IMG_LAYERS_VIA"
	[ -f "$output/layer3" ] && [ ! -e "$output/data/removed.txt" ] || die "the vfs tree is wrong"
}
