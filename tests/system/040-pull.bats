#!/usr/bin/env bats
# cpod pull against the fixture registries: tags and digests, OCI / v2s2 / zstd, manifest
# lists, short names, basic auth, TLS, corrupted blobs and the signature policy.

load helpers

setup_file() {
	cpod_setup_file
	require_fixtures
	cpod_registry_env
	mkdir -p "$CPOD_TEST_DIR/empty-certs"
}

# Each test has a store of its own.
setup() {
	cpod_setup
	export CPOD_ROOT=$CPOD_TEST_DIR/t$BATS_TEST_NUMBER/root
	export CPOD_RUNROOT=$CPOD_TEST_DIR/t$BATS_TEST_NUMBER/runroot
	mkdir -p "$CPOD_ROOT" "$CPOD_RUNROOT"
}

teardown() {
	if [ -n "${BEARER_PID:-}" ]; then
		kill "$BEARER_PID" 2>/dev/null || true
	fi
	"$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" image unmount --all >/dev/null 2>&1 ||
		true
	cpod_teardown
}

# mount_image NAME: sets $mnt to the image's mount point.
mount_image() {
	run_cpod image mount "$1"
	mnt=$output
	[ -d "$mnt" ] || die "image mount gave '$mnt'"
}

@test "pull by tag: steps on stderr, the ID last; images, inspect and the rootfs" {
	pull "$CPOD_IMG_BUSYBOX"
	is "${lines[0]}" "Trying to pull $CPOD_IMG_BUSYBOX..." "first line"
	is "${lines[1]}" "Getting image source signatures"
	assert_line -n 2 "Copying blob sha256:[0-9a-f]{64}"
	assert_line -n 3 "Copying config sha256:[0-9a-f]{64}"
	is "${lines[4]}" "Writing manifest to image destination"
	is "${lines[5]}" "Storing signatures"
	is "${#lines[@]}" 7 "seven lines"
	id=${lines[6]}
	is "$id" "[0-9a-f]{64}" "the image ID"
	is "${lines[3]}" "Copying config sha256:$id" "the ID is the config digest"

	run_cpod images --format '{{.Repository}}:{{.Tag}} {{.ID}}' --no-trunc
	is "$output" "127.0.0.1:5100/cpod-test/busybox:latest sha256:$id"
	run_cpod image inspect --format '{{.Digest}}|{{.RepoDigests}}|{{.RepoTags}}' "$id"
	is "$output" "$CPOD_IMG_BUSYBOX_DIGEST|[127.0.0.1:5100/cpod-test/busybox@$CPOD_IMG_BUSYBOX_DIGEST]|[$CPOD_IMG_BUSYBOX]"

	mount_image "$id"
	[ -x "$mnt/bin/busybox" ] || die "no /bin/busybox in the pulled image"
	[ -L "$mnt/bin/sh" ] || die "no /bin/sh symlink"
	is "$(stat -c %a "$mnt/tmp")" 1777 "/tmp mode kept"

	# -q: the ID alone.
	pull -q "$CPOD_IMG_BUSYBOX"
	is "$output" "$id" "-q prints only the ID"
}

@test "pull by digest; pulling again only adds names and downloads nothing" {
	pull -q "127.0.0.1:5100/cpod-test/busybox@$CPOD_IMG_BUSYBOX_DIGEST"
	id=$output
	run_cpod image inspect --format '{{.Digest}}' \
		"127.0.0.1:5100/cpod-test/busybox@$CPOD_IMG_BUSYBOX_DIGEST"
	is "$output" "$CPOD_IMG_BUSYBOX_DIGEST"
	is "$(layer_count)" 1 "one layer"

	# The same config through the OCI manifest: the same image, now with that tag too.
	pull "$CPOD_IMG_BUSYBOX_OCI"
	assert_line "Copying blob sha256:* skipped: already exists"
	is "${lines[-1]}" "$id" "the same image"
	is "$(layer_count)" 1 "no new layer"
	run_cpod images --format '{{.Tag}}' --no-trunc
	assert_line "oci"

	# A digest that the repository does not have.
	pull 125 "127.0.0.1:5100/cpod-test/busybox@sha256:$(printf '0%.0s' {1..64})"
	assert_line "Error: initializing source docker://127.0.0.1:5100/cpod-test/busybox@sha256:0*: reading manifest sha256:0* in 127.0.0.1:5100/cpod-test/busybox: manifest unknown"
}

@test "pull the three-layer image: whiteouts, opaque directories, links and xattrs applied" {
	pull -q "$CPOD_IMG_LAYERS"
	is "$(layer_count)" 3 "three layers"
	mount_image "$CPOD_IMG_LAYERS"
	[ ! -e "$mnt/data/removed.txt" ] || die "whited-out file still there"
	[ ! -e "$mnt/srv/olddir" ] || die "whited-out directory still there"
	is "$(ls -A "$mnt/opt/replaced")" "c" "opaque directory: only the new content"
	is "$(ls -A "$mnt/srv")" "" "/srv is empty"
	[ -f "$mnt/data/kept.txt" ] && [ -f "$mnt/layer2" ] && [ -f "$mnt/layer3" ] ||
		die "files of layers 2 and 3 missing"
	is "$(stat -c '%u:%g %a' "$mnt/data/owned.txt")" "1000:1000 640" "owner and mode"
	is "$(readlink "$mnt/data/link-relative")" "kept.txt"
	is "$(readlink "$mnt/data/link-absolute")" "/data/kept.txt"
	is "$(stat -c %i "$mnt/data/hard1")" "$(stat -c %i "$mnt/data/hard2")" "hard link"
	is "$(getfattr --only-values -n user.cpod "$mnt/data/xattr.txt" 2>/dev/null)" "test" "xattr"
}

@test "pull zstd, OCI and Docker v2s2 variants, each into an empty store" {
	local ref digest
	for v in ZSTD OCI V2S2; do
		ref=CPOD_IMG_BUSYBOX_$v
		digest=CPOD_IMG_BUSYBOX_${v}_DIGEST
		run_cpod '?' rmi -a -f
		pull "${!ref}"
		refute_line "*skipped*"
		assert_line "Copying blob sha256:*"
		run_cpod image inspect --format '{{.Digest}}' "${!ref}"
		is "$output" "${!digest}" "$v digest"
		mount_image "${!ref}"
		[ -x "$mnt/bin/busybox" ] || die "$v: no /bin/busybox"
		run_cpod image unmount "${!ref}"
	done
	# The zstd manifest really has a zstd layer.
	fixture_skopeo inspect --raw --tls-verify=false "docker://$CPOD_IMG_BUSYBOX_ZSTD" |
		grep -q 'tar+zstd' || die "the zstd fixture has no zstd layer"
}

@test "pull a multi-arch index: the host's image by default, --arch / --platform for another" {
	[ "$(uname -m)" = x86_64 ] || skip "the fixture's default entry is amd64"
	pull -q "$CPOD_IMG_MULTIARCH"
	run_cpod image inspect --format '{{.Architecture}} {{.Digest}}' "$CPOD_IMG_MULTIARCH"
	is "$output" "amd64 $CPOD_IMG_MULTIARCH_AMD64_DIGEST"
	run_cpod image inspect --format '{{.RepoDigests}}' "$CPOD_IMG_MULTIARCH"
	is "$output" "*multiarch@$CPOD_IMG_MULTIARCH_DIGEST*" "the index digest is recorded"
	mount_image "$CPOD_IMG_MULTIARCH"
	is "$(cat "$mnt/arch")" "amd64"
	run_cpod image unmount "$CPOD_IMG_MULTIARCH"

	pull -q --arch arm64 "$CPOD_IMG_MULTIARCH"
	run_cpod image inspect --format '{{.Architecture}} {{.Variant}} {{.Digest}}' \
		"$CPOD_IMG_MULTIARCH"
	is "$output" "arm64 v8 $CPOD_IMG_MULTIARCH_ARM64_DIGEST"
	mount_image "$CPOD_IMG_MULTIARCH"
	is "$(cat "$mnt/arch")" "arm64"
	run_cpod image unmount "$CPOD_IMG_MULTIARCH"

	run_cpod rmi -a -f
	pull -q --platform linux/arm64/v8 "$CPOD_IMG_MULTIARCH"
	run_cpod image inspect --format '{{.Architecture}}' "$CPOD_IMG_MULTIARCH"
	is "$output" "arm64" "--platform"

	pull 125 --platform linux/s390x "$CPOD_IMG_MULTIARCH"
	assert_line "*choosing an image from manifest list docker://$CPOD_IMG_MULTIARCH: *s390x*"
	pull 125 --platform linux/arm64 --arch amd64 "$CPOD_IMG_MULTIARCH"
	is "$output" "Error: --platform option can not be specified with --arch or --os"
	pull 125 --platform linux "$CPOD_IMG_MULTIARCH"
	is "$output" "Error: invalid platform syntax for --platform=linux"
}

@test "pull a short name through registries.conf: search registries in order, aliases" {
	local conf=$CPOD_TEST_DIR/short.conf
	cat >"$conf" <<EOF
unqualified-search-registries = ["127.0.0.1:5199", "127.0.0.1:5100"]
short-name-mode = "permissive"
[[registry]]
location = "127.0.0.1:5100"
insecure = true
[[registry]]
location = "127.0.0.1:5199"
insecure = true
[aliases]
"bb" = "127.0.0.1:5100/cpod-test/busybox"
EOF
	CONTAINERS_REGISTRIES_CONF=$conf pull --retry 0 cpod-test/busybox
	assert_line -n 0 "Trying to pull 127.0.0.1:5199/cpod-test/busybox:latest..."
	assert_line "Trying to pull 127.0.0.1:5100/cpod-test/busybox:latest..."
	run_cpod images --format '{{.Repository}}:{{.Tag}}'
	is "$output" "127.0.0.1:5100/cpod-test/busybox:latest"

	CONTAINERS_REGISTRIES_CONF=$conf pull bb:zstd
	assert_line -n 0 "Trying to pull 127.0.0.1:5100/cpod-test/busybox:zstd..."
	run_cpod images --format '{{.Tag}}'
	assert_line "zstd"

	sed -i 's/permissive/enforcing/' "$conf"
	CONTAINERS_REGISTRIES_CONF=$conf pull 125 cpod-test/busybox
	is "$output" "Error: short-name resolution enforced but cannot prompt without a TTY: 'cpod-test/busybox' could be any of 127.0.0.1:5199/cpod-test/busybox:latest, 127.0.0.1:5100/cpod-test/busybox:latest"

	echo 'unqualified-search-registries = []' >"$conf"
	CONTAINERS_REGISTRIES_CONF=$conf pull 125 cpod-test/busybox
	is "$output" "Error: short-name \"cpod-test/busybox\" did not resolve to an alias and no unqualified-search registries are defined in registries.conf"

	printf '[[registry]]\nlocation = "127.0.0.1:5100"\nblocked = true\n' >"$conf"
	CONTAINERS_REGISTRIES_CONF=$conf pull 125 "$CPOD_IMG_BUSYBOX"
	assert_line "*registry '127.0.0.1:5100' is blocked in registries.conf"
}

@test "pull through registries.conf mirrors: a dead mirror is skipped, a live one is used" {
	local conf=$CPOD_TEST_DIR/mirror.conf
	cat >"$conf" <<EOF
[[registry]]
location = "127.0.0.1:5100"
insecure = true
[[registry.mirror]]
location = "127.0.0.1:5199"
insecure = true
[[registry]]
prefix = "example.invalid/mirrored"
location = "example.invalid/mirrored"
[[registry.mirror]]
location = "127.0.0.1:5100/cpod-test"
insecure = true
EOF
	CONTAINERS_REGISTRIES_CONF=$conf run_cpod --log-level debug pull -q --retry 0 \
		--signature-policy "$POLICY" "$CPOD_IMG_BUSYBOX"
	assert_line "*trying to pull $CPOD_IMG_BUSYBOX from 127.0.0.1:5199/cpod-test/busybox:latest*"
	assert_line "*pulling from a mirror failed: pinging container registry 127.0.0.1:5199: *"
	assert_line "*trying to pull $CPOD_IMG_BUSYBOX from $CPOD_IMG_BUSYBOX*"
	run_cpod images --format '{{.Repository}}:{{.Tag}}'
	is "$output" "$CPOD_IMG_BUSYBOX" "pulled from the primary after the dead mirror"

	CONTAINERS_REGISTRIES_CONF=$conf pull --retry 0 example.invalid/mirrored/busybox:zstd
	is "${lines[0]}" "Trying to pull example.invalid/mirrored/busybox:zstd..."
	run_cpod image inspect --format '{{.RepoTags}}' example.invalid/mirrored/busybox:zstd
	is "$output" "*example.invalid/mirrored/busybox:zstd*" "named as asked, pulled from the mirror"
}

@test "pull from the basic-auth registry: refused without credentials, --creds, --authfile" {
	pull 125 "$CPOD_IMG_AUTH_BUSYBOX"
	is "${lines[-1]}" "Error: initializing source docker://$CPOD_IMG_AUTH_BUSYBOX: reading manifest latest in 127.0.0.1:5101/cpod-test/busybox: unauthorized: authentication required"
	run_cpod images -q
	is "$output" "" "nothing stored"
	pull 125 --creds cpoduser:wrong "$CPOD_IMG_AUTH_BUSYBOX"
	assert_line "*unauthorized*"

	pull -q --creds "$CPOD_REGISTRY_USER:$CPOD_REGISTRY_PASS" "$CPOD_IMG_AUTH_BUSYBOX"
	run_cpod image inspect --format '{{.Digest}}' "$CPOD_IMG_AUTH_BUSYBOX"
	is "$output" "$CPOD_IMG_AUTH_BUSYBOX_DIGEST"

	run_cpod rmi -a
	pull -q --authfile "$CPOD_REGISTRY_AUTHFILE" "$CPOD_IMG_AUTH_BUSYBOX"
	run_cpod images --format '{{.Repository}}'
	is "$output" "127.0.0.1:5101/cpod-test/busybox"

	# REGISTRY_AUTH_FILE is read too.
	run_cpod rmi -a
	REGISTRY_AUTH_FILE=$CPOD_REGISTRY_AUTHFILE pull -q "$CPOD_IMG_AUTH_BUSYBOX"
	pull 125 --creds ":x" "$CPOD_IMG_AUTH_BUSYBOX"
	is "$output" "Error: credentials can't be empty"
}

@test "pull from a registry with bearer tokens: anonymous, --creds, bad credentials, identity token" {
	start_bearer_registry "http://$CPOD_REGISTRY_PLAIN"
	: >"$CPOD_TEST_DIR/bearer.log"
	CONTAINERS_REGISTRIES_CONF=$CPOD_TEST_DIR/bearer.conf pull -q "$BEARER/cpod-test/layers"
	run grep -c '^/token?service=bearer-test&scope=repository%3acpod-test%2flayers%3apull $' \
		"$CPOD_TEST_DIR/bearer.log"
	is "$output" 1 "one anonymous token request for the pull (cached for the scope)"
	run grep -c "^/v2/cpod-test/layers/blobs/sha256:[0-9a-f]* Bearer tok-anon$" \
		"$CPOD_TEST_DIR/bearer.log"
	is "$output" 4 "config and three layers fetched with the token"

	CONTAINERS_REGISTRIES_CONF=$CPOD_TEST_DIR/bearer.conf pull -q --creds tokuser:tokpass \
		"$BEARER/cpod-test/busybox"
	run grep -c "^/v2/cpod-test/busybox/manifests/latest Bearer tok-user$" \
		"$CPOD_TEST_DIR/bearer.log"
	is "$output" 1 "the token got with the credentials is used"

	CONTAINERS_REGISTRIES_CONF=$CPOD_TEST_DIR/bearer.conf pull 125 --creds tokuser:nope \
		"$BEARER/cpod-test/busybox:zstd"
	is "${lines[-1]}" "Error: initializing source docker://$BEARER/cpod-test/busybox:zstd: requesting a token from http://$BEARER/token for $BEARER: unauthorized: bad credentials"

	# An identity token in auth.json: exchanged for an access token with an OAuth2 POST.
	local af=$CPOD_TEST_DIR/identity.json
	printf '{"auths":{"%s":{"auth":"%s","identitytoken":"refresh-good"}}}' "$BEARER" \
		"$(printf '<token>:' | base64)" >"$af"
	run_cpod rmi -a
	CONTAINERS_REGISTRIES_CONF=$CPOD_TEST_DIR/bearer.conf pull -q --authfile "$af" \
		"$BEARER/cpod-test/busybox:oci"
	run grep -c "^POST /token grant_type=refresh_token&refresh_token=refresh-good&client_id=cpod&service=bearer-test&scope=repository%3Acpod-test%2Fbusybox%3Apull$" \
		"$CPOD_TEST_DIR/bearer.log"
	is "$output" 1 "one refresh-token POST"
	run grep -c "^/v2/cpod-test/busybox/manifests/oci Bearer tok-refresh$" "$CPOD_TEST_DIR/bearer.log"
	is "$output" 1 "the access token is used"
	sed -i 's/refresh-good/refresh-bad/' "$af"
	CONTAINERS_REGISTRIES_CONF=$CPOD_TEST_DIR/bearer.conf pull 125 --authfile "$af" \
		"$BEARER/cpod-test/busybox:v2s2"
	assert_line "*requesting a token from http://$BEARER/token for $BEARER: unauthorized: bad refresh token"
}

@test "pull from the TLS registry: --cert-dir, no CA fails, --tls-verify=false" {
	pull 125 --retry 0 --cert-dir "$CPOD_TEST_DIR/empty-certs" "$CPOD_IMG_TLS_BUSYBOX"
	assert_line "Error: initializing source docker://$CPOD_IMG_TLS_BUSYBOX: pinging container registry 127.0.0.1:5102: SSL certificate problem: *"
	refute_line "*retrying*" "a certificate error is not retried"

	pull -q --cert-dir "$CPOD_REGISTRY_CERTS_DIR" "$CPOD_IMG_TLS_BUSYBOX"
	run_cpod image inspect --format '{{.Digest}}' "$CPOD_IMG_TLS_BUSYBOX"
	is "$output" "$CPOD_IMG_TLS_BUSYBOX_DIGEST"

	run_cpod rmi -a
	pull -q --tls-verify=false --cert-dir "$CPOD_TEST_DIR/empty-certs" "$CPOD_IMG_TLS_BUSYBOX"
	run_cpod images --format '{{.Repository}}'
	is "$output" "127.0.0.1:5102/cpod-test/busybox"

	# A plain-http registry that registries.conf does not call insecure needs TLS.
	echo 'unqualified-search-registries = []' >"$CPOD_TEST_DIR/secure.conf"
	CONTAINERS_REGISTRIES_CONF=$CPOD_TEST_DIR/secure.conf pull 125 --retry 0 "$CPOD_IMG_BUSYBOX"
	assert_line "*pinging container registry 127.0.0.1:5100: *"
	CONTAINERS_REGISTRIES_CONF=$CPOD_TEST_DIR/secure.conf pull -q --tls-verify=false \
		"$CPOD_IMG_BUSYBOX"
}

# push_unique NAME: pushes a one-layer image whose layer exists nowhere else to
# 127.0.0.1:5100/cpod-test/NAME:latest; sets $layer_digest and $config_digest (hex) and
# $layer_file (the layer blob's file in the registry's storage).
push_unique() {
	local d root cfg man digest size
	d=$(mktemp -d /tmp/cpod-pull-oci.XXXXXX)
	root=$d/root
	mkdir -p "$root" "$d/oci/blobs/sha256"
	echo "unique $1 $$ $(date +%s%N)" >"$root/unique.txt"
	head -c 100000 /dev/urandom >"$root/random.bin"
	tar -C "$root" --owner=0 --group=0 -cf "$d/layer.tar" .
	local diff_id
	diff_id=$(sha256sum <"$d/layer.tar" | cut -d' ' -f1)
	gzip -n -c "$d/layer.tar" >"$d/layer.tgz"
	layer_digest=$(sha256sum <"$d/layer.tgz" | cut -d' ' -f1)
	size=$(stat -c %s "$d/layer.tgz")
	mv "$d/layer.tgz" "$d/oci/blobs/sha256/$layer_digest"
	cfg='{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":["sha256:'$diff_id'"]}}'
	printf '%s' "$cfg" >"$d/cfg"
	digest=$(sha256sum <"$d/cfg" | cut -d' ' -f1)
	config_digest=$digest
	mv "$d/cfg" "$d/oci/blobs/sha256/$digest"
	man='{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:'$digest'","size":'${#cfg}'},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:'$layer_digest'","size":'$size'}]}'
	printf '%s' "$man" >"$d/man"
	digest=$(sha256sum <"$d/man" | cut -d' ' -f1)
	mv "$d/man" "$d/oci/blobs/sha256/$digest"
	printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}' \
		"$digest" "${#man}" >"$d/oci/index.json"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$d/oci/oci-layout"
	chmod -R a+rX "$d"
	fixture_skopeo copy --quiet --dest-tls-verify=false "oci:$d/oci:latest" \
		"docker://127.0.0.1:5100/cpod-test/$1:latest" || die "pushing $1 failed"
	rm -rf "$d"
	layer_file=$CPOD_REGISTRY_PLAIN_DATA/docker/registry/v2/blobs/sha256/${layer_digest:0:2}/$layer_digest/data
	[ -f "$layer_file" ] || die "no blob file $layer_file"
}

@test "a corrupted blob fails the pull and leaves the store as it was" {
	local name=corrupt-pull-$$-$RANDOM
	push_unique "$name"
	# The unchanged image pulls (so the failure below is the corruption's).
	pull -q "127.0.0.1:5100/cpod-test/$name"
	run_cpod rmi -a

	pull -q "$CPOD_IMG_BUSYBOX"
	run_cpod images --no-trunc
	local before=$output layers
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

@test "a truncated blob fails the pull and leaves the store as it was" {
	local name=truncated-pull-$$-$RANDOM
	push_unique "$name"
	truncate -s 20000 "$layer_file"
	pull 125 "127.0.0.1:5100/cpod-test/$name"
	assert_line "Error: initializing source docker://127.0.0.1:5100/cpod-test/$name:latest: writing blob sha256:$layer_digest: reading blob sha256:$layer_digest in 127.0.0.1:5100/cpod-test/$name: size mismatch: expected * bytes, got 20000"
	run_cpod images -q
	is "$output" "" "no image"
	is "$(layer_count)" 0 "no layer"
}

@test "a config blob that does not match its digest fails the pull before any layer" {
	local name=badconfig-pull-$$-$RANDOM cfg_file
	push_unique "$name"
	cfg_file=$CPOD_REGISTRY_PLAIN_DATA/docker/registry/v2/blobs/sha256/${config_digest:0:2}/$config_digest/data
	[ -f "$cfg_file" ] || die "no config blob $cfg_file"
	# Same length, another architecture: still valid JSON, but not the digested bytes.
	sed -i 's/"amd64"/"arm64"/' "$cfg_file"
	pull 125 "127.0.0.1:5100/cpod-test/$name"
	is "${lines[-1]}" "Error: initializing source docker://127.0.0.1:5100/cpod-test/$name:latest: reading config sha256:$config_digest: reading blob sha256:$config_digest in 127.0.0.1:5100/cpod-test/$name: digest mismatch: got sha256:*"
	refute_line "Copying blob*" "no layer was downloaded"
	run_cpod images -q
	is "$output" "" "no image"
	is "$(layer_count)" 0 "no layer"
}

@test "policy.json: reject refuses, signedBy is not silently accepted, a missing file fails" {
	local pol=$CPOD_TEST_DIR/policy-$BATS_TEST_NUMBER.json
	echo '{"default":[{"type":"reject"}]}' >"$pol"
	run_cpod 125 pull --signature-policy "$pol" "$CPOD_IMG_BUSYBOX"
	assert_line "Error: initializing source docker://$CPOD_IMG_BUSYBOX: Source image rejected: Running image docker://$CPOD_IMG_BUSYBOX is rejected by policy."

	cat >"$pol" <<'EOF'
{"default":[{"type":"reject"}],
 "transports":{"docker":{
   "127.0.0.1:5100/cpod-test/busybox":[{"type":"insecureAcceptAnything"}],
   "127.0.0.1:5100/cpod-test/layers":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/k"}]}}}
EOF
	run_cpod pull -q --signature-policy "$pol" "$CPOD_IMG_BUSYBOX"
	run_cpod 125 pull --signature-policy "$pol" "$CPOD_IMG_LAYERS"
	assert_line "*requires 'signedBy' for docker://$CPOD_IMG_LAYERS: signature verification is not supported yet"
	run_cpod 125 pull --signature-policy "$pol" "$CPOD_IMG_CONFIG"
	assert_line "*is rejected by policy."
	run_cpod images --format '{{.Repository}}'
	is "$output" "127.0.0.1:5100/cpod-test/busybox" "only the accepted image"

	run_cpod 125 pull --signature-policy "$CPOD_TEST_DIR/nope.json" "$CPOD_IMG_BUSYBOX"
	is "$output" "Error: reading signature policy '$CPOD_TEST_DIR/nope.json': No such file or directory"
	echo '{"default":[{"type":"maybe"}]}' >"$pol"
	run_cpod 125 pull --signature-policy "$pol" "$CPOD_IMG_BUSYBOX"
	assert_line "*invalid policy in '$pol'*unknown policy requirement type 'maybe'"
}

@test "pull: bad references and transports" {
	pull 125 "127.0.0.1:5100/Bad"
	assert_line "*invalid reference format*"
	pull 125 "oci:/tmp/nowhere"
	is "$output" "Error: copying from 'oci:/tmp/nowhere': '/tmp/nowhere': No such file or directory"
	pull -q "docker://$CPOD_IMG_BUSYBOX"
	run_cpod images --format '{{.Repository}}:{{.Tag}}'
	is "$output" "$CPOD_IMG_BUSYBOX"
	pull 125 "127.0.0.1:5100/cpod-test/no-such-repo:latest"
	is "$output" "*reading manifest latest in 127.0.0.1:5100/cpod-test/no-such-repo: *"
}

@test "one config reached through two manifests: one image that knows both digests" {
	pull -q "$CPOD_IMG_BUSYBOX"
	id1=$output
	pull -q "$CPOD_IMG_BUSYBOX_V2S2"
	is "$output" "$id1" "the v2s2 manifest names the same config: the same image"
	run_cpod image inspect --format '{{json .RepoDigests}}' "$id1"
	is "$output" "*@$CPOD_IMG_BUSYBOX_DIGEST*" "the first manifest's digest"
	is "$output" "*@$CPOD_IMG_BUSYBOX_V2S2_DIGEST*" "and the second's"
	run_cpod image exists "127.0.0.1:5100/cpod-test/busybox@$CPOD_IMG_BUSYBOX_V2S2_DIGEST"
}

@test "image inspect: ManifestType is the stored manifest's media type" {
	pull -q "$CPOD_IMG_BUSYBOX_V2S2"
	run_cpod image inspect --format '{{.ManifestType}}' "$CPOD_IMG_BUSYBOX_V2S2"
	is "$output" "application/vnd.docker.distribution.manifest.v2+json" "v2s2"
	# Same config, so the same image: start again to store the OCI manifest instead.
	run_cpod rmi -a
	pull -q "$CPOD_IMG_BUSYBOX_OCI"
	run_cpod image inspect --format '{{.ManifestType}}' "$CPOD_IMG_BUSYBOX_OCI"
	is "$output" "application/vnd.oci.image.manifest.v1+json" "OCI"
}

@test "--tls-verify=true overrides a registry that registries.conf marks insecure" {
	conf=$CPOD_TEST_DIR/insecure-tls.conf
	printf '[[registry]]\nlocation = "127.0.0.1:5102"\ninsecure = true\n' >"$conf"
	CONTAINERS_REGISTRIES_CONF=$conf pull -q --cert-dir "$CPOD_TEST_DIR/empty-certs" \
		"$CPOD_IMG_TLS_BUSYBOX"
	CONTAINERS_REGISTRIES_CONF=$conf pull 125 --tls-verify=true \
		--cert-dir "$CPOD_TEST_DIR/empty-certs" "$CPOD_IMG_TLS_BUSYBOX"
	is "$output" "*Error: *certificate*" "verification asked for explicitly fails without the CA"
}

@test "kill -9 during a pull loses nothing, and a second pull completes" {
	for delay in 0.01 0.03 0.06 0.1 0.15 0.25; do
		"$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" pull -q \
			--signature-policy "$POLICY" "$CPOD_IMG_LAYERS" >/dev/null 2>&1 &
		pid=$!
		sleep "$delay"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		# Whatever is visible is whole.
		run_cpod images --format '{{.ID}}'
		for id in "${lines[@]}"; do
			run_cpod image inspect --format '{{len .RootFS.Layers}}' "$id"
			is "$output" 3 "a visible image has all its layers"
		done
	done
	pull -q "$CPOD_IMG_LAYERS"
	mount_image "$CPOD_IMG_LAYERS"
	[ -f "$mnt/layer3" ] && [ ! -e "$mnt/data/removed.txt" ] || die "the pulled tree is wrong"
	run_cpod image unmount "$CPOD_IMG_LAYERS"
	run sqlite3 "$CPOD_ROOT/cpod.db" "SELECT count(*) FROM layers WHERE state != 'ready';"
	is "$output" 0 "no staging layer rows left"
	run sqlite3 "$CPOD_ROOT/cpod.db" "PRAGMA integrity_check;"
	is "$output" ok "database integrity"
	is "$(ls "$CPOD_ROOT/incomplete")" "" "no interrupted writer left a marker"
}
