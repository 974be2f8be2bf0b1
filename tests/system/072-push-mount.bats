#!/usr/bin/env bats
# The blob info cache at work: a pulled image pushed to another repository of the same registry
# mounts its layers (no upload), a second push skips them, another registry uploads them, a
# stale or corrupt cache costs nothing but time; and pushes through the bearer-token registry,
# with and without credentials.

load helpers

setup_file() {
	cpod_setup_file
	require_fixtures
	cpod_registry_env
	mkdir -p "$CPOD_TEST_DIR/tmp"
	export TMPDIR=$CPOD_TEST_DIR/tmp
	export PLAIN=$CPOD_REGISTRY_PLAIN
	export REGLOG=$CPOD_FIXTURES_DIR/registry/plain/registry.log
	export REPOS=$CPOD_REGISTRY_PLAIN_DATA/docker/registry/v2/repositories
	# Repositories of this run only.
	export RUN=r$(date +%s%N)
	local r=$CPOD_TEST_DIR/rootfs
	mkdir -p "$r/etc"
	echo "pushed through the bearer registry" >"$r/etc/motd"
	tar -C "$r" -cf "$CPOD_TEST_DIR/rootfs.tar" .
}

setup() {
	cpod_setup
	local t=$CPOD_TEST_DIR/t$BATS_TEST_NUMBER
	export CPOD_ROOT=$t/root CPOD_RUNROOT=$t/runroot REGISTRY_AUTH_FILE=$t/auth.json
	mkdir -p "$CPOD_ROOT" "$CPOD_RUNROOT"
}

teardown() {
	if [ -n "${BEARER_PID:-}" ]; then
		kill "$BEARER_PID" 2>/dev/null || true
	fi
	cpod_teardown
}

# dest NAME: a repository of this run in the plain registry (without the host).
dest() {
	echo "cpod-mount-test/$RUN-$1"
}

# layers REF [skopeo args]: the layer digests of REF's manifest, one a line.
layers() {
	local ref=$1
	shift
	fixture_skopeo inspect --raw --tls-verify=false "$@" "docker://$ref" | jq -r '.layers[].digest'
}

# config REF: the config digest of REF's manifest.
config() {
	fixture_skopeo inspect --raw --tls-verify=false "docker://$1" | jq -r .config.digest
}

# mounted FROM INTO: how many "mounted" debug lines $output has for FROM -> INTO (host/repo).
mounted() {
	grep -c "level=debug msg=\"blob sha256:[0-9a-f]\{64\} mounted from $1 into $2\"" <<<"$output" ||
		true
}

# since MARK: the plain registry's access log lines after line MARK.
since() {
	tail -n +"$(($1 + 1))" "$REGLOG"
}

pull_layers_image() {
	run_cpod pull -q --signature-policy "$POLICY" "$CPOD_IMG_LAYERS"
}

@test "push to another repository of the registry: the pulled layers are mounted, not uploaded" {
	pull_layers_image
	[ -s "$CPOD_ROOT/cache/blob-info-cache.db" ] || die "the pull made no blob info cache"
	b=$(dest mount)
	mark=$(wc -l <"$REGLOG")
	run_cpod --log-level debug push --tls-verify=false "$CPOD_IMG_LAYERS" "$PLAIN/$b:1"
	is "$(mounted "$PLAIN/cpod-test/layers" "$PLAIN/$b")" 3 "three layers mounted from cpod-test/layers"
	is "$(grep -c '^Copying blob sha256:[0-9a-f]* skipped: already exists$' <<<"$output")" 3 \
		"podman's line for a reused blob"
	refute_line "Copying blob sha256:[0-9a-f]{64}" "no layer copied"

	src=$(layers "$CPOD_IMG_LAYERS")
	is "$(layers "$PLAIN/$b:1")" "$src" "the same layer blobs as the source"
	is "$(config "$PLAIN/$b:1")" "$(config "$CPOD_IMG_LAYERS")" \
		"the same config: the diffIDs are the layers' own"

	# The registry saw one mount per layer (201) and a single upload, the config's.
	log=$(since "$mark")
	for l in $src; do
		grep -qi "\"POST /v2/$b/blobs/uploads/?mount=${l/:/%3a}&from=cpod-test%2flayers HTTP/1.1\" 201" \
			<<<"$log" || die "no mount of $l in the registry's log"
		[ -f "$REPOS/$b/_layers/sha256/${l#sha256:}/link" ] || die "no link to $l in $b"
	done
	is "$(grep -c "\"PUT /v2/$b/blobs/uploads/" <<<"$log")" 1 "one upload"
	cfg=$(config "$PLAIN/$b:1")
	grep -qi "\"PUT /v2/$b/blobs/uploads/[^ ]*digest=${cfg/:/%3a} HTTP" <<<"$log" ||
		die "the upload is not the config's"
}

@test "push again to the same repository: every blob skipped, the same manifest" {
	pull_layers_image
	b=$(dest again)
	run_cpod push --tls-verify=false --digestfile "$CPOD_TEST_DIR/d1" "$CPOD_IMG_LAYERS" "$PLAIN/$b:1"
	mark=$(wc -l <"$REGLOG")
	run_cpod --log-level debug push --tls-verify=false --digestfile "$CPOD_TEST_DIR/d2" \
		"$CPOD_IMG_LAYERS" "$PLAIN/$b:1"
	is "$(grep -c '^Copying blob sha256:[0-9a-f]* skipped: already exists$' <<<"$output")" 3 \
		"every layer skipped"
	is "$(mounted "$PLAIN/[^ ]*" "$PLAIN/$b")" 0 "nothing mounted: the repository has them"
	is "$(cat "$CPOD_TEST_DIR/d2")" "$(cat "$CPOD_TEST_DIR/d1")" "the same manifest digest"
	is "$(layers "$PLAIN/$b:1")" "$(layers "$CPOD_IMG_LAYERS")" "the pulled blobs, not new ones"
	log=$(since "$mark")
	is "$(grep -c "\"\(POST\|PUT\) /v2/$b/blobs/uploads/" <<<"$log")" 0 "no upload, no mount"
}

@test "the blob's compression must be the one asked for; its media type follows --format" {
	pull_layers_image
	b=$(dest v2s2)
	run_cpod --log-level debug push --tls-verify=false --format v2s2 "$CPOD_IMG_LAYERS" "$PLAIN/$b:1"
	is "$(mounted "$PLAIN/cpod-test/layers" "$PLAIN/$b")" 3 "gzip blobs serve a v2s2 push"
	raw=$(fixture_skopeo inspect --raw --tls-verify=false "docker://$PLAIN/$b:1")
	is "$(jq -r .mediaType <<<"$raw")" "application/vnd.docker.distribution.manifest.v2+json"
	is "$(jq -r '[.layers[].mediaType] | unique | join(" ")' <<<"$raw")" \
		"application/vnd.docker.image.rootfs.diff.tar.gzip" "Docker's layer type"
	is "$(jq -r '.layers[].digest' <<<"$raw")" "$(layers "$CPOD_IMG_LAYERS")" "the OCI image's blobs"

	z=$(dest zstd)
	run_cpod --log-level debug push --tls-verify=false --compression-format zstd \
		"$CPOD_IMG_LAYERS" "$PLAIN/$z:1"
	is "$(mounted "$PLAIN/[^ ]*" "$PLAIN/$z")" 0 "gzip blobs do not serve a zstd push"
	is "$(grep -c '^Copying blob sha256:[0-9a-f]\{64\}$' <<<"$output")" 3 "three layers compressed"
	raw=$(fixture_skopeo inspect --raw --tls-verify=false "docker://$PLAIN/$z:1")
	is "$(jq -r '[.layers[].mediaType] | unique | join(" ")' <<<"$raw")" \
		"application/vnd.oci.image.layer.v1.tar+zstd"

	# A zstd image, in a store and cache of its own: its blobs serve zstd pushes, not gzip ones.
	export CPOD_ROOT=$CPOD_TEST_DIR/t$BATS_TEST_NUMBER/root2
	export CPOD_RUNROOT=$CPOD_TEST_DIR/t$BATS_TEST_NUMBER/runroot2
	run_cpod pull -q --signature-policy "$POLICY" "$CPOD_IMG_BUSYBOX_ZSTD"
	zz=$(dest zstd-zstd)
	run_cpod --log-level debug push --tls-verify=false --compression-format zstd \
		"$CPOD_IMG_BUSYBOX_ZSTD" "$PLAIN/$zz:1"
	is "$(mounted "$PLAIN/cpod-test/busybox" "$PLAIN/$zz")" 1 "the zstd layer mounted"
	is "$(layers "$PLAIN/$zz:1")" "$(layers "$CPOD_IMG_BUSYBOX_ZSTD")" "the zstd blob"
	zg=$(dest zstd-gzip)
	run_cpod --log-level debug push --tls-verify=false "$CPOD_IMG_BUSYBOX_ZSTD" "$PLAIN/$zg:1"
	is "$(mounted "$PLAIN/[^ ]*" "$PLAIN/$zg")" 0 "a zstd blob does not serve a gzip push"
	is "$(jq -r '.layers[0].mediaType' <<<"$(fixture_skopeo inspect --raw --tls-verify=false \
		"docker://$PLAIN/$zg:1")")" "application/vnd.oci.image.layer.v1.tar+gzip"
}

@test "push to another registry: no cache hit, the layers are uploaded; the next push mounts them" {
	pull_layers_image
	auth=(--tls-verify=false --creds "$CPOD_REGISTRY_USER:$CPOD_REGISTRY_PASS")
	c=$CPOD_REGISTRY_AUTH/$(dest other)
	run_cpod --log-level debug push "${auth[@]}" "$CPOD_IMG_LAYERS" "$c:1"
	is "$(grep -c '^Copying blob sha256:[0-9a-f]\{64\}$' <<<"$output")" 3 "three layers uploaded"
	refute_line "*skipped*"
	refute_line "*mounted from*"
	is "$(layers "$c:1" --creds "$CPOD_REGISTRY_USER:$CPOD_REGISTRY_PASS" | wc -l)" 3

	# What was pushed is in the cache now: another repository there mounts it.
	d=$CPOD_REGISTRY_AUTH/$(dest other2)
	run_cpod --log-level debug push "${auth[@]}" "$CPOD_IMG_LAYERS" "$d:1"
	is "$(mounted "$c" "$d")" 3 "mounted from the repository pushed before"
	is "$(grep -c 'skipped: already exists$' <<<"$output")" 3
	is "$(layers "$d:1" --creds "$CPOD_REGISTRY_USER:$CPOD_REGISTRY_PASS")" \
		"$(layers "$c:1" --creds "$CPOD_REGISTRY_USER:$CPOD_REGISTRY_PASS")" "the same blobs"
}

@test "a stale cache entry: the upload the registry starts instead is cancelled, the next tried" {
	pull_layers_image
	src=$(dest stale-src)
	run_cpod push -q --tls-verify=false "$CPOD_IMG_LAYERS" "$PLAIN/$src:1"
	# The registry forgets the layers of that repository; the cache does not know.
	for l in $(layers "$PLAIN/$src:1"); do
		curl -sf -X DELETE "http://$PLAIN/v2/$src/blobs/$l" || die "deleting $l in $src"
	done
	b=$(dest stale)
	mark=$(wc -l <"$REGLOG")
	run_cpod --log-level debug push --tls-verify=false "$CPOD_IMG_LAYERS" "$PLAIN/$b:1"
	is "$(grep -c 'the registry started an upload instead; cancelling it' <<<"$output")" 3 \
		"three mounts from $src turned into uploads"
	is "$(mounted "$PLAIN/cpod-test/layers" "$PLAIN/$b")" 3 "then mounted from cpod-test/layers"
	log=$(since "$mark")
	is "$(grep -c "\"DELETE /v2/$b/blobs/uploads/[^ ]* HTTP/1.1\" 204" <<<"$log")" 3 \
		"each upload session cancelled"
	# distribution keeps a cancelled session's hash state; its data and start time go
	is "$(find "$REPOS/$b/_uploads" -name data -o -name startedat)" "" "no upload session left"
	is "$(layers "$PLAIN/$b:1")" "$(layers "$CPOD_IMG_LAYERS")" "the source's blobs"
}

@test "a corrupt cache breaks neither pull nor push" {
	mkdir -p "$CPOD_ROOT/cache"
	echo "not a database" >"$CPOD_ROOT/cache/blob-info-cache.db"
	run_cpod --log-level debug pull -q --signature-policy "$POLICY" "$CPOD_IMG_LAYERS"
	assert_line "*blob info cache: '$CPOD_ROOT/cache/blob-info-cache.db' is not a database*" \
		"the pull noticed and started a new cache"
	b=$(dest corrupt)
	run_cpod --log-level debug push --tls-verify=false "$CPOD_IMG_LAYERS" "$PLAIN/$b:1"
	is "$(mounted "$PLAIN/cpod-test/layers" "$PLAIN/$b")" 3 "which the pull filled"

	# A SQLite header over garbage cannot be read at all: pushes go on without the cache.
	{
		printf 'SQLite format 3\0'
		head -c 8192 /dev/zero | tr '\0' '\245'
	} >"$CPOD_ROOT/cache/blob-info-cache.db"
	rm -f "$CPOD_ROOT/cache/blob-info-cache.db-wal" "$CPOD_ROOT/cache/blob-info-cache.db-shm"
	b2=$(dest corrupt2)
	run_cpod --log-level debug push --tls-verify=false "$CPOD_IMG_LAYERS" "$PLAIN/$b2:1"
	assert_line "*blob info cache: *" "the failure is logged at debug level"
	is "$(mounted "$PLAIN/[^ ]*" "$PLAIN/$b2")" 0 "no cache, no mount"
	is "$(layers "$PLAIN/$b2:1" | wc -l)" 3 "pushed all the same"
	run_cpod pull -q --signature-policy "$POLICY" "$CPOD_IMG_BUSYBOX"
}

# bearer_conf: a registries.conf with the fixtures' registries and the bearer one, insecure.
bearer_conf() {
	cat "$CPOD_REGISTRIES_CONF" "$CPOD_TEST_DIR/bearer.conf" >"$CPOD_TEST_DIR/both.conf"
	export CONTAINERS_REGISTRIES_CONF=$CPOD_TEST_DIR/both.conf
}

@test "push through the bearer registry after login: uploads, and mounts with a two-repository token" {
	start_bearer_registry "http://$PLAIN"
	bearer_conf
	run_cpod login -u tokuser -p tokpass "$BEARER"
	is "$output" "Login Succeeded!"
	run_cpod import -q "$CPOD_TEST_DIR/rootfs.tar" localhost/bearersrc:1
	: >"$CPOD_TEST_DIR/bearer.log"
	up=$BEARER/$(dest bearer-up)
	run_cpod push --tls-verify=false localhost/bearersrc:1 "$up:1"
	assert_line "Copying blob sha256:[0-9a-f]{64}" "the layer is uploaded"
	run grep -c "^PUT /v2/$(dest bearer-up)/blobs/uploads/[^ ]*digest=sha256%3[aA][0-9a-f]* Bearer tok-user-push-[0-9]* 201$" \
		"$CPOD_TEST_DIR/bearer.log"
	is "$output" 2 "the layer and the config went through the proxy with a push token"
	run fixture_skopeo inspect --tls-verify=false --creds tokuser:tokpass "docker://$up:1"
	is "$(jq -r '.Layers | length' <<<"$output")" 1 "skopeo reads the manifest back"

	run_cpod pull -q --signature-policy "$POLICY" "$BEARER/cpod-test/layers"
	: >"$CPOD_TEST_DIR/bearer.log"
	b=$(dest bearer-mount)
	run_cpod --log-level debug push --tls-verify=false "$BEARER/cpod-test/layers" "$BEARER/$b:1"
	is "$(mounted "$BEARER/cpod-test/layers" "$BEARER/$b")" 3 "the layers mounted"
	run grep -c "^/token?service=bearer-test&scope=repository%3a${b//\//%2f}%3apull%2cpush&scope=repository%3acpod-test%2flayers%3apull Basic " \
		"$CPOD_TEST_DIR/bearer.log"
	is "$output" 1 "one token for pushing to $b and pulling from cpod-test/layers"
	run grep -c "^POST /v2/$b/blobs/uploads/?mount=sha256%3a[0-9a-f]*&from=cpod-test%2flayers Bearer tok-user-push-[0-9]* 201$" \
		"$CPOD_TEST_DIR/bearer.log"
	is "$output" 3 "three mounts answered 201"
	run fixture_skopeo inspect --tls-verify=false --creds tokuser:tokpass "docker://$BEARER/$b:1"
	is "$(jq -r '.Layers | length' <<<"$output")" 3 "skopeo reads the manifest back"
	is "$(layers "$BEARER/$b:1" --creds tokuser:tokpass)" "$(layers "$CPOD_IMG_LAYERS")" \
		"the source's blobs"
}

@test "push through the bearer registry without credentials: refused with an auth error" {
	start_bearer_registry "http://$PLAIN"
	bearer_conf
	run_cpod import -q "$CPOD_TEST_DIR/rootfs.tar" localhost/bearersrc:1
	: >"$CPOD_TEST_DIR/bearer.log"
	d=$BEARER/$(dest anon)
	run_cpod 125 push --tls-verify=false localhost/bearersrc:1 "$d:1"
	assert_line "Error: pushing 'localhost/bearersrc:1' to 'docker://$d:1': uploading blob sha256:* to $d: unauthorized: authentication required"
	run grep -c "^/token?service=bearer-test&scope=repository%3a$(dest anon | sed 's,/,%2f,g')%3apull%2cpush $" \
		"$CPOD_TEST_DIR/bearer.log"
	is "$output" 1 "push was asked for, anonymously"
	run grep -c "^POST /v2/$(dest anon)/blobs/uploads/ Bearer tok-anon 401$" "$CPOD_TEST_DIR/bearer.log"
	is "$output" 1 "the anonymous token cannot start an upload"
	run fixture_skopeo inspect --tls-verify=false "docker://$d:1"
	[ "$status" -ne 0 ] || die "a manifest was written"
}
