#!/usr/bin/env bats
# cpod push to the fixture registries: OCI and v2s2 manifests, gzip and zstd layers, blobs the
# registry has, --digestfile, basic auth, and a round trip through cpod pull.

load helpers

setup_file() {
	cpod_setup_file
	require_fixtures
	cpod_registry_env
	mkdir -p "$CPOD_TEST_DIR/tmp"
	export TMPDIR=$CPOD_TEST_DIR/tmp
	# A run of its own in the registry: repositories named after this run.
	export RUN=r$(date +%s%N)
	local r=$CPOD_TEST_DIR/rootfs
	mkdir -p "$r/etc" "$r/bin" "$r/data"
	echo "hello from cpod push" >"$r/etc/motd"
	printf 'binary\0data' >"$r/bin/tool"
	chmod 755 "$r/bin/tool"
	ln -s ../etc/motd "$r/data/link"
	tar -C "$r" -cf "$CPOD_TEST_DIR/rootfs.tar" .
}

setup() {
	cpod_setup
	export CPOD_ROOT=$CPOD_TEST_DIR/t$BATS_TEST_NUMBER/root
	export CPOD_RUNROOT=$CPOD_TEST_DIR/t$BATS_TEST_NUMBER/runroot
	mkdir -p "$CPOD_ROOT" "$CPOD_RUNROOT"
	run_cpod import -q "$CPOD_TEST_DIR/rootfs.tar" localhost/pushsrc:1
	ID=$output
}

teardown() {
	if [ -n "${BEARER_PID:-}" ]; then
		kill "$BEARER_PID" 2>/dev/null || true
	fi
	"$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" image unmount --all >/dev/null 2>&1 ||
		true
	cpod_teardown
}

# dest NAME: a destination of this test in the plain registry.
dest() {
	echo "$CPOD_REGISTRY_PLAIN/cpod-push-test/$RUN-$1:t$BATS_TEST_NUMBER"
}

# raw REF: the manifest as stored by the registry, into $raw.
raw_manifest() {
	raw=$(fixture_skopeo inspect --raw --tls-verify=false "docker://$1")
}

@test "push: podman's steps, an OCI manifest with gzip layers, the digest in --digestfile" {
	d=$(dest oci)
	run_cpod push --tls-verify=false --digestfile "$CPOD_TEST_DIR/digest" pushsrc:1 "$d"
	is "${lines[0]}" "Getting image source signatures"
	assert_line -n 1 "Copying blob sha256:[0-9a-f]{64}"
	assert_line -n 2 "Copying config sha256:[0-9a-f]{64}"
	is "${lines[3]}" "Writing manifest to image destination"
	is "${lines[4]}" "Storing signatures"
	is "${#lines[@]}" 5 "five lines, nothing on stdout"
	config=${lines[2]#Copying config }

	raw_manifest "$d"
	is "$(jq -r .mediaType <<<"$raw")" "application/vnd.oci.image.manifest.v1+json"
	is "$(jq -r .config.mediaType <<<"$raw")" "application/vnd.oci.image.config.v1+json"
	is "$(jq -r .config.digest <<<"$raw")" "$config" "the config pushed"
	is "$(jq -r '.layers | length' <<<"$raw")" 1 "one layer"
	is "$(jq -r '.layers[0].mediaType' <<<"$raw")" "application/vnd.oci.image.layer.v1.tar+gzip"

	digest=$(cat "$CPOD_TEST_DIR/digest")
	is "$digest" "sha256:[0-9a-f]{64}" "--digestfile holds a digest"
	is "sha256:$(printf '%s' "$raw" | sha256sum | cut -d' ' -f1)" "$digest" \
		"the digest of the manifest the registry has"
	run fixture_skopeo inspect --tls-verify=false "docker://$d"
	is "$(jq -r .Digest <<<"$output")" "$digest"
	is "$(jq -r '.Layers | length' <<<"$output")" 1

	# The config's diff_ids are the uncompressed digests of the layers pushed.
	run fixture_skopeo inspect --config --raw --tls-verify=false "docker://$d"
	is "sha256:$(printf '%s' "$output" | sha256sum | cut -d' ' -f1)" "$config" "config bytes"
	is "$(jq -r '.rootfs.diff_ids | length' <<<"$output")" 1
}

@test "push -q prints nothing; the destination defaults to the image name" {
	d=$(dest named)
	run_cpod tag pushsrc:1 "$d"
	run_cpod push -q --tls-verify=false "$d"
	is "$output" "" "quiet"
	raw_manifest "$d"
	is "$(jq -r '.layers | length' <<<"$raw")" 1
}

@test "push --format v2s2: a Docker v2s2 manifest and media types" {
	d=$(dest v2s2)
	run_cpod push -q --tls-verify=false --format v2s2 pushsrc:1 "docker://$d"
	raw_manifest "$d"
	is "$(jq -r .mediaType <<<"$raw")" "application/vnd.docker.distribution.manifest.v2+json"
	is "$(jq -r .config.mediaType <<<"$raw")" "application/vnd.docker.container.image.v1+json"
	is "$(jq -r '.layers[0].mediaType' <<<"$raw")" \
		"application/vnd.docker.image.rootfs.diff.tar.gzip"

	run_cpod 125 push -q --tls-verify=false --format v2s1 pushsrc:1 "$d"
	is "$output" "Error: unknown format 'v2s1'"
	run_cpod 125 push -q --tls-verify=false --format v2s2 --compression-format zstd pushsrc:1 "$d"
	assert_line "*zstd*v2s2*"
}

@test "push --compression-format zstd: zstd layers that decompress to the diffID" {
	d=$(dest zstd)
	run_cpod push -q --tls-verify=false --compression-format zstd pushsrc:1 "$d"
	raw_manifest "$d"
	is "$(jq -r '.layers[0].mediaType' <<<"$raw")" "application/vnd.oci.image.layer.v1.tar+zstd"
	layer=$(jq -r '.layers[0].digest' <<<"$raw")
	curl -sf "http://$CPOD_REGISTRY_PLAIN/v2/cpod-push-test/$RUN-zstd/blobs/$layer" \
		-o "$CPOD_TEST_DIR/layer.zst" || die "cannot read the layer back"
	is "sha256:$(sha256sum <"$CPOD_TEST_DIR/layer.zst" | cut -d' ' -f1)" "$layer" "blob digest"
	run fixture_skopeo inspect --config --raw --tls-verify=false "docker://$d"
	diff_id=$(jq -r '.rootfs.diff_ids[0]' <<<"$output")
	is "sha256:$(zstd -dc <"$CPOD_TEST_DIR/layer.zst" | sha256sum | cut -d' ' -f1)" "$diff_id" \
		"the layer decompresses to its diffID"

	run_cpod 125 push -q --tls-verify=false --compression-format xz pushsrc:1 "$d"
	is "$output" "Error: unsupported compression format 'xz'"
}

@test "push twice: the second push skips the blobs and gives the same digest" {
	d=$(dest twice)
	run_cpod push --tls-verify=false --digestfile "$CPOD_TEST_DIR/d1" pushsrc:1 "$d"
	assert_line -n 1 "Copying blob sha256:[0-9a-f]{64}"
	run_cpod push --tls-verify=false --digestfile "$CPOD_TEST_DIR/d2" pushsrc:1 "$d"
	assert_line -n 1 "Copying blob sha256:[0-9a-f]{64} skipped: already exists"
	is "$(cat "$CPOD_TEST_DIR/d2")" "$(cat "$CPOD_TEST_DIR/d1")" "same manifest digest"
}

@test "push then pull into a fresh store: the same files" {
	d=$(dest roundtrip)
	run_cpod push -q --tls-verify=false pushsrc:1 "$d"
	export CPOD_ROOT=$CPOD_TEST_DIR/t$BATS_TEST_NUMBER/root2
	export CPOD_RUNROOT=$CPOD_TEST_DIR/t$BATS_TEST_NUMBER/runroot2
	run_cpod pull -q --signature-policy "$POLICY" --tls-verify=false "$d"
	run_cpod image mount "$d"
	mnt=$output
	is "$(cat "$mnt/etc/motd")" "hello from cpod push"
	cmp "$mnt/bin/tool" "$CPOD_TEST_DIR/rootfs/bin/tool" || die "bin/tool differs"
	is "$(stat -c %a "$mnt/bin/tool")" 755 "mode kept"
	is "$(readlink "$mnt/data/link")" "../etc/motd" "symlink kept"
}

@test "push the three-layer image: three layers, whiteouts kept through a pull" {
	run_cpod pull -q --signature-policy "$POLICY" "$CPOD_IMG_LAYERS"
	d=$(dest layers)
	run_cpod push -q --tls-verify=false "$CPOD_IMG_LAYERS" "$d"
	run fixture_skopeo inspect --tls-verify=false "docker://$d"
	is "$(jq -r '.Layers | length' <<<"$output")" 3 "three layers"
	run fixture_skopeo inspect --config --raw --tls-verify=false "docker://$d"
	is "$(jq -r '.rootfs.diff_ids | length' <<<"$output")" 3 "three diff_ids"

	export CPOD_ROOT=$CPOD_TEST_DIR/t$BATS_TEST_NUMBER/root2
	export CPOD_RUNROOT=$CPOD_TEST_DIR/t$BATS_TEST_NUMBER/runroot2
	run_cpod pull -q --signature-policy "$POLICY" --tls-verify=false "$d"
	run_cpod image mount "$d"
	mnt=$output
	[ ! -e "$mnt/data/removed.txt" ] || die "whited-out file came back"
	is "$(ls -A "$mnt/opt/replaced")" "c" "opaque directory"
	[ -f "$mnt/layer2" ] && [ -f "$mnt/layer3" ] || die "files of layers 2 and 3 missing"
	is "$(stat -c '%u:%g %a' "$mnt/data/owned.txt")" "1000:1000 640" "owner and mode"
}

@test "push to a bearer-token registry asks for a pull,push token" {
	start_bearer_registry "http://$CPOD_REGISTRY_PLAIN"
	: >"$CPOD_TEST_DIR/bearer.log"
	# An anonymous token cannot push: the push stops at the first upload.
	CONTAINERS_REGISTRIES_CONF=$CPOD_TEST_DIR/bearer.conf run_cpod 125 push -q pushsrc:1 \
		"$BEARER/cpod-push-test/bearer:1"
	assert_line "Error: pushing 'pushsrc:1' to 'docker://$BEARER/cpod-push-test/bearer:1': uploading blob sha256:* to $BEARER/cpod-push-test/bearer: unauthorized: authentication required"
	run grep -c '^/token?service=bearer-test&scope=repository%3acpod-push-test%2fbearer%3apull%2cpush $' \
		"$CPOD_TEST_DIR/bearer.log"
	is "$output" 1 "one token request, with the push scope"
}

@test "push to the basic-auth registry: refused without credentials, works with --creds" {
	d=$CPOD_REGISTRY_AUTH/cpod-push-test/$RUN-auth:1
	run_cpod 125 push -q --tls-verify=false pushsrc:1 "$d"
	assert_line "Error: pushing 'pushsrc:1' to 'docker://$d': *$CPOD_REGISTRY_AUTH/cpod-push-test/$RUN-auth: unauthorized*"
	run_cpod 125 push -q --tls-verify=false --creds cpoduser:wrong pushsrc:1 "$d"
	assert_line "*unauthorized*"
	run_cpod push -q --tls-verify=false --creds "$CPOD_REGISTRY_USER:$CPOD_REGISTRY_PASS" \
		pushsrc:1 "$d"
	run fixture_skopeo inspect --raw --tls-verify=false \
		--creds "$CPOD_REGISTRY_USER:$CPOD_REGISTRY_PASS" "docker://$d"
	is "$(jq -r '.layers | length' <<<"$output")" 1 "pushed"
}

@test "push --tls-verify: registries.conf's insecure by default, an explicit true wins" {
	d=$(dest tls)
	run_cpod push -q pushsrc:1 "$d"
	is "$output" "" "the insecure plain registry works without the flag"
	run_cpod 125 push -q --tls-verify=true pushsrc:1 "$d"
	assert_line "Error: pushing 'pushsrc:1' to 'docker://$d': pinging container registry $CPOD_REGISTRY_PLAIN: *"
}

@test "push of a missing image fails with podman's message" {
	run_cpod 125 push --tls-verify=false nosuchimage "$(dest missing)"
	is "$output" "Error: nosuchimage: image not known"
	run_cpod 125 push
	assert_line "*requires at least 1 arg*"
}
