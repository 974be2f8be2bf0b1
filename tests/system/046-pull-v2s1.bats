#!/usr/bin/env bats
# cpod pull of Docker v2 schema 1 images (read only, as podman does): the fixture image
# cpod-test/v2s1:latest was pushed by skopeo with --format v2s1 (signed, with "throwaway"
# entries for the ENV and CMD around its own layer); images.sh also wrote the image ID
# containers/image gives it (CPOD_V2S1_IMG_ID: the digest of the config skopeo makes of it).

load helpers

setup_file() {
	cpod_setup_file
	require_fixtures
	[ -n "${CPOD_V2S1_IMG:-}" ] || die "no CPOD_V2S1_IMG in images.env: run tests/fixtures/images.sh"
	cpod_registry_env
}

# Each test has a store of its own.
setup() {
	cpod_setup
	export CPOD_ROOT=$CPOD_TEST_DIR/t$BATS_TEST_NUMBER/root
	export CPOD_RUNROOT=$CPOD_TEST_DIR/t$BATS_TEST_NUMBER/runroot
	mkdir -p "$CPOD_ROOT" "$CPOD_RUNROOT"
}

teardown() {
	"$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" image unmount --all >/dev/null 2>&1 ||
		true
	cpod_teardown
}

repo_of() {
	echo "${1%:*}"
}

@test "fixture: v2s1:latest is a signed schema 1 manifest with throwaway entries" {
	local hdrs body
	hdrs=$CPOD_TEST_DIR/v2s1.headers
	# Even a client that asks for v2s2 first gets schema 1: that is all the registry has.
	body=$(curl --silent --fail --noproxy '*' --max-time 20 --dump-header "$hdrs" \
		-H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
		-H 'Accept: application/vnd.docker.distribution.manifest.v1+prettyjws' \
		"http://$CPOD_REGISTRY_PLAIN/v2/cpod-test/v2s1/manifests/latest")
	is "$(grep -i '^content-type:' "$hdrs" | tr -d '\r')" \
		"Content-Type: application/vnd.docker.distribution.manifest.v1+prettyjws"
	is "$(grep -i '^docker-content-digest:' "$hdrs" | tr -d '\r' | cut -d' ' -f2)" \
		"$CPOD_V2S1_IMG_DIGEST" "the registry's digest is that of the signed payload"
	is "$(jq -r .schemaVersion <<<"$body")" 1
	is "$(jq '.signatures | length' <<<"$body")" 1 "signed"
	is "$(jq -c '[.history[].v1Compatibility | fromjson | .throwaway // false]' <<<"$body")" \
		"[true,false,true,false]" "the ENV and CMD entries are throwaway"
	# so the digest is not that of the bytes
	[ "sha256:$(sha256sum <<<"$body" | cut -d' ' -f1)" != "$CPOD_V2S1_IMG_DIGEST" ] ||
		die "the signed manifest's bytes have the payload's digest"
}

@test "pull by tag: podman's steps, the image ID podman gives it, inspect and the rootfs" {
	pull "$CPOD_V2S1_IMG"
	is "${lines[0]}" "Trying to pull $CPOD_V2S1_IMG..."
	is "${lines[1]}" "Getting image source signatures"
	# the two layers bottom first; the throwaway entries' (empty) blobs are not fetched, and
	# there is no config blob to copy
	assert_line -n 2 "Copying blob sha256:[0-9a-f]{64}"
	assert_line -n 3 "Copying blob sha256:[0-9a-f]{64}"
	is "${lines[4]}" "Writing manifest to image destination"
	is "${lines[5]}" "Storing signatures"
	is "${#lines[@]}" 7 "seven lines"
	is "${lines[6]}" "$CPOD_V2S1_IMG_ID" "the ID containers/image computes"
	refute_line "*a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4*" \
		"no empty-layer blob"
	refute_line "Copying config*"
	is "$(layer_count)" 2 "two layers"

	run_cpod images --format '{{.Repository}}:{{.Tag}} {{.ID}}' --no-trunc
	is "$output" "$CPOD_V2S1_IMG sha256:$CPOD_V2S1_IMG_ID"
	run_cpod image inspect --format '{{.Digest}}|{{.RepoDigests}}|{{.ManifestType}}' \
		"$CPOD_V2S1_IMG"
	is "$output" "$CPOD_V2S1_IMG_DIGEST|[$(repo_of "$CPOD_V2S1_IMG")@$CPOD_V2S1_IMG_DIGEST]|application/vnd.docker.distribution.manifest.v1+prettyjws"

	run_cpod image inspect "$CPOD_V2S1_IMG"
	local j=$output
	is "$(jq -c '.[0].Config.Cmd' <<<"$j")" '["/bin/echo","v2s1"]' "Cmd from v1Compatibility"
	is "$(jq -c '.[0].Config.Env' <<<"$j")" \
		'["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","CPOD_V2S1=env"]' \
		"Env from v1Compatibility"
	is "$(jq -r '.[0].Labels["org.cpod.test"]' <<<"$j")" v2s1 "labels"
	is "$(jq -r '.[0].Architecture + "/" + .[0].Os + " " + .[0].Author' <<<"$j")" \
		"amd64/linux cpod-tests"
	is "$(jq -r '.[0].Created' <<<"$j")" "2024-01-01T00:00:00Z"
	is "$(jq '.[0].RootFS.Layers | length' <<<"$j")" 2 "two diffIDs"
	is "$(jq -c '[.[0].History[] | .empty_layer // false]' <<<"$j")" \
		"[false,true,false,true]" "history bottom first, empty_layer for throwaway entries"
	is "$(jq -r '.[0].History[1].created_by' <<<"$j")" "ENV CPOD_V2S1=env"

	run_cpod image mount "$CPOD_V2S1_IMG"
	local mnt=$output
	is "$(cat "$mnt/v2s1.txt")" "from a schema 1 manifest" "the image's own layer"
	[ -x "$mnt/bin/busybox" ] || die "no /bin/busybox from the base layer"
}

@test "pull by digest into an empty store; again, nothing is downloaded; a wrong digest fails" {
	local ref
	ref=$(repo_of "$CPOD_V2S1_IMG")@$CPOD_V2S1_IMG_DIGEST
	pull "$ref"
	is "${lines[-1]}" "$CPOD_V2S1_IMG_ID" "the same image as by tag"
	run_cpod image inspect --format '{{.Digest}}' "$ref"
	is "$output" "$CPOD_V2S1_IMG_DIGEST"

	pull "$CPOD_V2S1_IMG"
	is "$(grep -c 'skipped: already exists' <<<"$output")" 2 "both layers found in the store"
	is "${lines[-1]}" "$CPOD_V2S1_IMG_ID"
	is "$(layer_count)" 2 "no new layer"

	# A digest the repository does not have.
	pull 125 "$(repo_of "$CPOD_V2S1_IMG")@sha256:$(printf '0%.0s' {1..64})"
	assert_line "Error: initializing source docker://*: reading manifest sha256:0* in *: manifest unknown"
}

@test "the base layer pulled through a v2s2 manifest is found by its blob and not fetched" {
	pull -q "$CPOD_IMG_BUSYBOX_V2S2"
	is "$(layer_count)" 1
	pull "$CPOD_V2S1_IMG"
	is "$(grep -c 'skipped: already exists' <<<"$output")" 1 "the busybox layer is reused"
	is "${lines[-1]}" "$CPOD_V2S1_IMG_ID" "the same ID as in an empty store"
	is "$(layer_count)" 2
}

@test "pull into a vfs store (layers applied one after the other): the same image" {
	run_cpod --storage-driver vfs pull --signature-policy "$POLICY" "$CPOD_V2S1_IMG"
	is "${lines[-1]}" "$CPOD_V2S1_IMG_ID" "the same ID as with overlay"
	is "$(layer_count)" 2
	[ -d "$CPOD_ROOT/vfs" ] && [ ! -d "$CPOD_ROOT/overlay" ] || die "not a vfs store"
	run_cpod --storage-driver vfs image mount "$CPOD_V2S1_IMG"
	is "$(cat "$output/v2s1.txt")" "from a schema 1 manifest" "the top layer's file"
	[ -x "$output/bin/busybox" ] || die "no /bin/busybox from the base layer"
	run_cpod --storage-driver vfs image unmount "$CPOD_V2S1_IMG"
}

# push_unique_v2s1 NAME: pushes a schema 1 image with one layer that exists nowhere else (and a
# throwaway entry above it) to 127.0.0.1:5100/cpod-test/NAME:latest; sets $layer_digest (hex)
# and $layer_file (the blob's file in the registry's storage).
push_unique_v2s1() {
	local d cfg man digest size diff_id
	# skopeo runs as nobody: a directory of its own, readable by all
	d=$(mktemp -d /tmp/cpod-pull-v2s1.XXXXXX)
	mkdir -p "$d/root" "$d/oci/blobs/sha256"
	echo "unique $1 $$ $(date +%s%N)" >"$d/root/unique.txt"
	head -c 100000 /dev/urandom >"$d/root/random.bin"
	tar -C "$d/root" --owner=0 --group=0 -cf "$d/layer.tar" .
	diff_id=$(sha256sum <"$d/layer.tar" | cut -d' ' -f1)
	gzip -n -c "$d/layer.tar" >"$d/layer.tgz"
	layer_digest=$(sha256sum <"$d/layer.tgz" | cut -d' ' -f1)
	size=$(stat -c %s "$d/layer.tgz")
	mv "$d/layer.tgz" "$d/oci/blobs/sha256/$layer_digest"
	cfg='{"architecture":"amd64","os":"linux","config":{"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:'$diff_id'"]},"history":[{"created":"2024-01-01T00:00:00Z","created_by":"unique"},{"created":"2024-01-01T00:00:00Z","created_by":"CMD sh","empty_layer":true}]}'
	printf '%s' "$cfg" >"$d/cfg"
	digest=$(sha256sum <"$d/cfg" | cut -d' ' -f1)
	mv "$d/cfg" "$d/oci/blobs/sha256/$digest"
	man='{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:'$digest'","size":'${#cfg}'},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:'$layer_digest'","size":'$size'}]}'
	printf '%s' "$man" >"$d/man"
	digest=$(sha256sum <"$d/man" | cut -d' ' -f1)
	mv "$d/man" "$d/oci/blobs/sha256/$digest"
	printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}' \
		"$digest" "${#man}" >"$d/oci/index.json"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$d/oci/oci-layout"
	chmod -R a+rX "$d"
	fixture_skopeo copy --quiet --dest-tls-verify=false --format v2s1 "oci:$d/oci:latest" \
		"docker://127.0.0.1:5100/cpod-test/$1:latest" || die "pushing $1 failed"
	rm -rf "$d"
	layer_file=$CPOD_REGISTRY_PLAIN_DATA/docker/registry/v2/blobs/sha256/${layer_digest:0:2}/$layer_digest/data
	[ -f "$layer_file" ] || die "no blob file $layer_file"
}

@test "a corrupted schema 1 layer fails the pull and leaves the store as it was" {
	local name=v2s1-corrupt-$$-$RANDOM before layers
	push_unique_v2s1 "$name"
	# The unchanged image pulls (so the failure below is the corruption's).
	pull -q "127.0.0.1:5100/cpod-test/$name"
	run_cpod image inspect --format '{{.ManifestType}}' "127.0.0.1:5100/cpod-test/$name"
	is "$output" "application/vnd.docker.distribution.manifest.v1+prettyjws" "a schema 1 image"
	run_cpod rmi -a

	pull -q "$CPOD_V2S1_IMG"
	run_cpod images --no-trunc
	before=$output
	layers=$(layer_count)

	# Same size, different bytes: the digest check fails.
	printf 'CORRUPTED' | dd of="$layer_file" bs=1 seek=5000 conv=notrunc status=none
	pull 125 "127.0.0.1:5100/cpod-test/$name"
	assert_line "Error: initializing source docker://127.0.0.1:5100/cpod-test/$name:latest: writing blob sha256:$layer_digest: *reading blob sha256:$layer_digest in 127.0.0.1:5100/cpod-test/$name: digest mismatch: got sha256:*"
	run_cpod images --no-trunc
	is "$output" "$before" "images unchanged"
	is "$(layer_count)" "$layers" "no layer left behind"
	is "$(ls -A "$CPOD_ROOT/incomplete" 2>/dev/null)" "" "no staging leftovers"
}
