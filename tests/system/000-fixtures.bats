#!/usr/bin/env bats
# The test fixtures themselves: the three local registries answer as they should and serve the
# images that tests/fixtures/images.sh built, with the properties later tests rely on.

load helpers

setup() {
	cpod_setup
	require_fixtures
}

# curl to the local registries only, never through a proxy.
lcurl() {
	curl --silent --show-error --noproxy '*' --max-time 20 "$@"
}

# blob REPO DIGEST: a blob's bytes from the plain registry.
blob() {
	lcurl --fail "http://$CPOD_REGISTRY_PLAIN/v2/$1/blobs/$2"
}

# ctype REPO TAG-OR-DIGEST: the Content-Type the plain registry serves that manifest with.
# (umoci and skopeo write OCI manifests without the optional mediaType field, so the header
# is what tells an OCI manifest.)
ctype() {
	lcurl --fail -o /dev/null -w '%{content_type}' \
		-H 'Accept: application/vnd.oci.image.manifest.v1+json' \
		-H 'Accept: application/vnd.oci.image.index.v1+json' \
		-H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
		"http://$CPOD_REGISTRY_PLAIN/v2/$1/manifests/$2"
}

# manifest REF [skopeo options]: the raw manifest, as the registry serves it.
manifest() {
	local ref=$1
	shift
	fixture_skopeo inspect --raw "$@" "docker://$ref"
}

@test "fixtures: the plain registry answers /v2/ on 127.0.0.1 only" {
	is "$(lcurl -o /dev/null -w '%{http_code}' "http://$CPOD_REGISTRY_PLAIN/v2/")" 200 "plain /v2/"
	run ss -Hltn "( sport = :$CPOD_REGISTRY_PLAIN_PORT or sport = :$CPOD_REGISTRY_AUTH_PORT \
		or sport = :$CPOD_REGISTRY_TLS_PORT )"
	is "${#lines[@]}" 3 "listening sockets on the three ports"
	for line in "${lines[@]}"; do
		is "$(awk '{ print $4 }' <<<"$line")" "127.0.0.1:*" "listen address"
	done
}

@test "fixtures: the auth registry wants basic auth over plain HTTP" {
	local url=http://$CPOD_REGISTRY_AUTH/v2/
	is "$(lcurl -o /dev/null -w '%{http_code}' "$url")" 401 "anonymous /v2/"
	is "$(lcurl -o /dev/null -w '%{http_code}' -u "$CPOD_REGISTRY_USER:wrong" "$url")" 401 \
		"/v2/ with a wrong password"
	is "$(lcurl -o /dev/null -w '%{http_code}' -u "$CPOD_REGISTRY_USER:$CPOD_REGISTRY_PASS" \
		"$url")" 200 "/v2/ with the right password"
	run lcurl -D - -o /dev/null "$url"
	assert_line 'Www-Authenticate: Basic realm="cpod-test"*' "the challenge"
	# shellcheck disable=SC2016 # a regex, not an expansion
	run grep -c '^cpoduser:\$2[aby]\$' "$CPOD_REGISTRY_HTPASSWD"
	is "$output" 1 "a bcrypt htpasswd entry for cpoduser"
}

@test "fixtures: the TLS registry has a certificate for 127.0.0.1 and localhost from our CA" {
	is "$(lcurl --cacert "$CPOD_REGISTRY_CA" -o /dev/null -w '%{http_code}' \
		"https://$CPOD_REGISTRY_TLS/v2/")" 200 "/v2/ over TLS, by IP"
	is "$(lcurl --cacert "$CPOD_REGISTRY_CA" -o /dev/null -w '%{http_code}' \
		--resolve "localhost:$CPOD_REGISTRY_TLS_PORT:127.0.0.1" \
		"https://localhost:$CPOD_REGISTRY_TLS_PORT/v2/")" 200 "/v2/ over TLS, by name"
	run lcurl -o /dev/null "https://$CPOD_REGISTRY_TLS/v2/"
	is "$status" 60 "curl without our CA: certificate not trusted"
	run openssl x509 -in "$CPOD_FIXTURES_DIR/tls/server.crt" -noout -ext subjectAltName
	assert_line '*IP Address:127.0.0.1, DNS:localhost*' "subjectAltName"
	cmp "$CPOD_REGISTRY_CA" "$CPOD_REGISTRY_CERTS_DIR/$CPOD_REGISTRY_TLS/ca.crt"
	cmp "$CPOD_REGISTRY_CA" "$CPOD_REGISTRY_CERTS_DIR/localhost:$CPOD_REGISTRY_TLS_PORT/ca.crt"
}

@test "fixtures: every image in images.env is served with the digest recorded there" {
	local var dvar ref opts n=0 raw=$BATS_TEST_TMPDIR/raw
	for var in $(compgen -v CPOD_IMG_ | grep -v '_DIGEST$'); do
		ref=${!var}
		dvar=${var}_DIGEST
		case $ref in
		"$CPOD_REGISTRY_AUTH"/*)
			opts=(--tls-verify=false --creds "$CPOD_REGISTRY_USER:$CPOD_REGISTRY_PASS") ;;
		"$CPOD_REGISTRY_TLS"/*)
			opts=(--cert-dir "$CPOD_REGISTRY_CERTS_DIR/$CPOD_REGISTRY_TLS") ;;
		*)
			opts=(--tls-verify=false) ;;
		esac
		fixture_skopeo inspect --raw "${opts[@]}" "docker://$ref" >"$raw" ||
			die "skopeo inspect $ref failed"
		is "sha256:$(sha256sum <"$raw" | cut -d' ' -f1)" "${!dvar}" "digest of $ref"
		n=$((n + 1))
	done
	is "$n" 10 "number of pushed references"
}

@test "fixtures: the auth registry refuses anonymous pulls" {
	run fixture_skopeo inspect --raw --tls-verify=false --no-creds \
		"docker://$CPOD_IMG_AUTH_BUSYBOX"
	is "$status" 1 "anonymous skopeo inspect"
	assert_line '.*(unauthorized|authentication required).*' "the error"
	run fixture_skopeo inspect --raw --tls-verify=false \
		--creds "$CPOD_REGISTRY_USER:wrong" "docker://$CPOD_IMG_AUTH_BUSYBOX"
	is "$status" 1 "skopeo inspect with a wrong password"
	run fixture_skopeo inspect --raw --tls-verify=false --authfile "$CPOD_REGISTRY_AUTHFILE" \
		"docker://$CPOD_IMG_AUTH_BUSYBOX"
	is "$status" 0 "skopeo inspect with the fixtures' auth.json"
}

@test "fixtures: the TLS registry needs its CA" {
	run fixture_skopeo inspect --raw "docker://$CPOD_IMG_TLS_BUSYBOX"
	is "$status" 1 "skopeo inspect without the CA"
	assert_line '*x509*' "the error names the certificate problem"
	run fixture_skopeo inspect --raw --cert-dir "$CPOD_REGISTRY_CERTS_DIR/$CPOD_REGISTRY_TLS" \
		"docker://$CPOD_IMG_TLS_BUSYBOX"
	is "$status" 0 "skopeo inspect with --cert-dir"
}

@test "fixtures: busybox is one layer with a static busybox, applet links and users" {
	local m layer
	m=$(manifest "$CPOD_IMG_BUSYBOX" --tls-verify=false)
	is "$(ctype cpod-test/busybox latest)" "application/vnd.oci.image.manifest.v1+json" \
		"media type"
	is "$(jq '.layers | length' <<<"$m")" 1 "layer count"
	layer=$(jq -r '.layers[0].digest' <<<"$m")
	blob cpod-test/busybox "$layer" >"$BATS_TEST_TMPDIR/base.tgz"
	run tar -tzvf "$BATS_TEST_TMPDIR/base.tgz"
	assert_line '-rwxr-xr-x 0/0 * bin/busybox'
	for applet in sh echo cat ls true false sleep id env; do
		assert_line "* bin/$applet -> busybox" "symlink for $applet"
	done
	assert_line 'drwxrwxrwt 0/0 * tmp/'
	assert_line 'drwx------ 0/0 * root/'
	run tar -xzOf "$BATS_TEST_TMPDIR/base.tgz" etc/passwd
	assert_line 'root:x:0:0:*'
	assert_line 'nobody:x:65534:65534:*'
	run tar -xzOf "$BATS_TEST_TMPDIR/base.tgz" etc/group
	assert_line 'nobody:x:65534:'
	tar -xzf "$BATS_TEST_TMPDIR/base.tgz" -C "$BATS_TEST_TMPDIR" bin/busybox
	run "$BATS_TEST_TMPDIR/bin/busybox" echo runs
	is "$output" runs "the image's busybox runs here"
}

@test "fixtures: busybox:oci is OCI and busybox:v2s2 is Docker schema 2" {
	local m
	m=$(manifest "$CPOD_IMG_BUSYBOX_OCI" --tls-verify=false)
	is "$(ctype cpod-test/busybox oci)" "application/vnd.oci.image.manifest.v1+json" \
		"oci manifest"
	is "$(jq -r .config.mediaType <<<"$m")" "application/vnd.oci.image.config.v1+json" \
		"oci config"
	m=$(manifest "$CPOD_IMG_BUSYBOX_V2S2" --tls-verify=false)
	is "$(jq -r .mediaType <<<"$m")" \
		"application/vnd.docker.distribution.manifest.v2+json" "v2s2 manifest"
	is "$(ctype cpod-test/busybox v2s2)" \
		"application/vnd.docker.distribution.manifest.v2+json" "v2s2 content type"
	is "$(jq -r .config.mediaType <<<"$m")" "application/vnd.docker.container.image.v1+json" \
		"v2s2 config"
	is "$(jq -r '.layers[0].mediaType' <<<"$m")" \
		"application/vnd.docker.image.rootfs.diff.tar.gzip" "v2s2 layer"
}

@test "fixtures: busybox:zstd has zstd layers that decompress" {
	local m digest
	m=$(manifest "$CPOD_IMG_BUSYBOX_ZSTD" --tls-verify=false)
	is "$(ctype cpod-test/busybox zstd)" "application/vnd.oci.image.manifest.v1+json" \
		"media type"
	run jq -r '.layers[].mediaType' <<<"$m"
	is "${#lines[@]}" 1 "layer count"
	is "$output" "application/vnd.oci.image.layer.v1.tar+zstd" "layer media type"
	digest=$(jq -r '.layers[0].digest' <<<"$m")
	blob cpod-test/busybox "$digest" >"$BATS_TEST_TMPDIR/layer.zst"
	is "$(head -c 4 "$BATS_TEST_TMPDIR/layer.zst" | od -An -tx1 | tr -d ' ')" 28b52ffd \
		"zstd magic"
	run bash -c "zstd -dc '$BATS_TEST_TMPDIR/layer.zst' | tar -t"
	assert_line bin/busybox
	# The same content as the gzip busybox: the config's diff_ids are equal.
	is "$(jq -r .config.digest <<<"$m")" \
		"$(manifest "$CPOD_IMG_BUSYBOX" --tls-verify=false | jq -r .config.digest)" \
		"config shared with busybox:latest"
}

@test "fixtures: layers:latest has whiteouts, an opaque dir, links and an xattr in layer 3" {
	local m l3
	m=$(manifest "$CPOD_IMG_LAYERS" --tls-verify=false)
	is "$(jq '.layers | length' <<<"$m")" 3 "layer count"
	is "$(jq -r '.layers[0].digest' <<<"$m")" \
		"$(manifest "$CPOD_IMG_BUSYBOX" --tls-verify=false | jq -r '.layers[0].digest')" \
		"base layer shared with busybox"
	blob cpod-test/layers "$(jq -r '.layers[1].digest' <<<"$m")" >"$BATS_TEST_TMPDIR/l2.tgz"
	run tar -tzvf "$BATS_TEST_TMPDIR/l2.tgz"
	assert_line '* data/removed.txt'
	assert_line '* opt/replaced/a'
	assert_line '* srv/olddir/x'
	assert_line '-rw-r----- 1000/1000 * data/owned.txt'
	l3=$BATS_TEST_TMPDIR/l3.tgz
	blob cpod-test/layers "$(jq -r '.layers[2].digest' <<<"$m")" >"$l3"
	run tar -tzvf "$l3"
	assert_line '-rw-r--r-- 0/0 * 0 2024-01-01 00:00 data/.wh.removed.txt' "whiteout of a file"
	assert_line '-rw-r--r-- 0/0 * 0 2024-01-01 00:00 srv/.wh.olddir' "whiteout of a directory"
	assert_line '-rw-r--r-- 0/0 * 0 2024-01-01 00:00 opt/replaced/.wh..wh..opq' "opaque whiteout"
	assert_line '* opt/replaced/c' "new content of the opaque directory"
	refute_line '* opt/replaced/a'
	assert_line 'lrwxrwxrwx * data/link-relative -> kept.txt'
	assert_line 'lrwxrwxrwx * data/link-absolute -> /data/kept.txt'
	assert_line 'hrw-r--r-- * data/hard2 link to data/hard1'
	run bash -c "zcat '$l3' | grep -ac 'SCHILY.xattr.user.cpod=test'"
	is "$output" 1 "pax xattr record"
	mkdir "$BATS_TEST_TMPDIR/x"
	tar -xzf "$l3" -C "$BATS_TEST_TMPDIR/x" --xattrs --xattrs-include='user.*' data/xattr.txt
	run getfattr --absolute-names --only-values -n user.cpod "$BATS_TEST_TMPDIR/x/data/xattr.txt"
	is "$output" test "xattr after extraction"
}

@test "fixtures: config:latest carries the whole runtime config" {
	local m cfg hc
	m=$(manifest "$CPOD_IMG_CONFIG" --tls-verify=false)
	is "$(jq -r .mediaType <<<"$m")" \
		"application/vnd.docker.distribution.manifest.v2+json" "config:latest is v2s2"
	cfg=$(blob cpod-test/config "$(jq -r .config.digest <<<"$m")" | jq -c .config)
	is "$(jq -c .Entrypoint <<<"$cfg")" '["/bin/echo","entry"]' Entrypoint
	is "$(jq -c .Cmd <<<"$cfg")" '["cmd-arg"]' Cmd
	is "$(jq -r .WorkingDir <<<"$cfg")" /srv/work WorkingDir
	is "$(jq -r .User <<<"$cfg")" nobody User
	is "$(jq -r .StopSignal <<<"$cfg")" SIGINT StopSignal
	is "$(jq -c .Env <<<"$cfg")" '\["PATH=/[^"]*","CPOD_TEST=config","SPACED=a b  c"\]' Env
	is "$(jq -c .Labels <<<"$cfg")" \
		'{"com.example.spaced":"value with spaces","org.cpod.test":"config"}' Labels
	is "$(jq -c .ExposedPorts <<<"$cfg")" '{"53/udp":{},"8080/tcp":{}}' ExposedPorts
	is "$(jq -c .Volumes <<<"$cfg")" '{"/data":{},"/var/cache/app":{}}' Volumes
	hc='{"Test":["CMD-SHELL","test -d /tmp"],"Interval":30000000000,"Timeout":5000000000,'
	hc+='"StartPeriod":1000000000,"Retries":3}'
	is "$(jq -c .Healthcheck <<<"$cfg")" "$hc" Healthcheck
	m=$(manifest "$CPOD_IMG_CONFIG_OCI" --tls-verify=false)
	is "$(ctype cpod-test/config oci)" "application/vnd.oci.image.manifest.v1+json" \
		"config:oci is OCI"
	is "$(jq -r .config.digest <<<"$m")" \
		"$(manifest "$CPOD_IMG_CONFIG" --tls-verify=false | jq -r .config.digest)" \
		"the same config blob in both formats"
}

@test "fixtures: multiarch:latest is an OCI index of linux/amd64 and linux/arm64/v8" {
	local idx arch digest m cfg
	idx=$(manifest "$CPOD_IMG_MULTIARCH" --tls-verify=false)
	is "$(jq -r .mediaType <<<"$idx")" "application/vnd.oci.image.index.v1+json" "media type"
	is "$(ctype cpod-test/multiarch latest)" "application/vnd.oci.image.index.v1+json" \
		"content type"
	is "$(jq -c '[.manifests[].platform | [.os, .architecture, .variant // ""] | join("/")]' \
		<<<"$idx")" '["linux/amd64/","linux/arm64/v8"]' platforms
	is "$(jq -r '.manifests[0].digest' <<<"$idx")" "$CPOD_IMG_MULTIARCH_AMD64_DIGEST" amd64
	is "$(jq -r '.manifests[1].digest' <<<"$idx")" "$CPOD_IMG_MULTIARCH_ARM64_DIGEST" arm64
	for arch in amd64 arm64; do
		digest=$(jq -r --arg a "$arch" \
			'.manifests[] | select(.platform.architecture == $a) | .digest' <<<"$idx")
		m=$(manifest "${CPOD_IMG_MULTIARCH%:*}@$digest" --tls-verify=false)
		cfg=$(blob cpod-test/multiarch "$(jq -r .config.digest <<<"$m")")
		is "$(jq -r .architecture <<<"$cfg")" "$arch" "config architecture of $arch"
		blob cpod-test/multiarch "$(jq -r '.layers[-1].digest' <<<"$m")" \
			>"$BATS_TEST_TMPDIR/$arch.tgz"
		run tar -xzOf "$BATS_TEST_TMPDIR/$arch.tgz" arch
		is "$output" "$arch" "/arch in the $arch image"
	done
	is "$(jq -r .variant <<<"$cfg")" v8 "arm64 config variant"
}

@test "fixtures: the plain registry deletes manifests" {
	local ref=$CPOD_REGISTRY_PLAIN/cpod-test/delete-probe:latest
	run fixture_skopeo copy --quiet --dest-tls-verify=false "oci:$CPOD_IMAGES_LAYOUT:busybox" \
		"docker://$ref"
	is "$status" 0 "push a probe image"
	run fixture_skopeo delete --tls-verify=false "docker://$ref"
	is "$status" 0 "skopeo delete"
	run fixture_skopeo inspect --raw --tls-verify=false "docker://$ref"
	is "$status" 1 "inspect after delete"
	assert_line '*manifest unknown*' "the error after delete"
}

@test "fixtures: the OCI layout holds every tag" {
	run jq -r '.manifests[].annotations["org.opencontainers.image.ref.name"]' \
		"$CPOD_IMAGES_LAYOUT/index.json"
	for tag in busybox busybox-zstd layers config multiarch multiarch-amd64 multiarch-arm64; do
		assert_line "$tag" "tag $tag in the layout"
	done
	run umoci ls --layout "$CPOD_IMAGES_LAYOUT"
	is "$status" 0 "umoci reads the layout"
}
