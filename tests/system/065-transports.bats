#!/usr/bin/env bats
# pull and push through the local transports (oci:, oci-archive:, docker-archive:, dir:,
# containers-storage:) and save --format oci-dir / docker-dir, as podman 4.3 does them; skopeo
# reads what cpod writes and cpod reads what skopeo writes; hostile layouts fail and leave the
# store as it was.

load helpers

setup_file() {
	cpod_setup_file
	[ -x /bin/busybox ] || die "/bin/busybox is missing (apt-get install busybox-static)"
	export TARS=$CPOD_TEST_DIR/tars
	mkdir -p "$TARS/r1/bin" "$TARS/r1/etc" "$TARS/r2/etc"
	cp /bin/busybox "$TARS/r1/bin/busybox"
	echo one >"$TARS/r1/etc/hello"
	echo two >"$TARS/r2/etc/hello"
	tar -C "$TARS/r1" -cf "$TARS/img1.tar" .
	tar -C "$TARS/r2" -cf "$TARS/img2.tar" .
}

setup() {
	cpod_setup
	export CPOD_ROOT=$CPOD_TEST_DIR/t$BATS_TEST_NUMBER/root
	export CPOD_RUNROOT=$CPOD_TEST_DIR/t$BATS_TEST_NUMBER/runroot
	export WORK=$CPOD_TEST_DIR/t$BATS_TEST_NUMBER/work
	mkdir -p "$CPOD_ROOT" "$CPOD_RUNROOT" "$WORK"
	# skopeo runs as nobody: it must reach $WORK.
	chmod 711 "$CPOD_TEST_DIR" "$CPOD_TEST_DIR/t$BATS_TEST_NUMBER"
	chmod 777 "$WORK"
	export TMPDIR=$WORK/tmp
	mkdir -p "$TMPDIR"
}

# An image whose layer is cpod's canonical tar (imported, saved and loaded once), so that its ID
# survives any copy whether or not the store keeps the tar it came in.
import_canonical() { # import_canonical TAR NAME
	cpod_raw import -q "$1" "$2" >/dev/null || die "import $1"
	cpod_raw save -o "$WORK/canon.tar" "$2" || die "save $2"
	cpod_raw rmi "$2" >/dev/null
	cpod_raw load -q -i "$WORK/canon.tar" >/dev/null || die "load $2"
	rm -f "$WORK/canon.tar"
}

image_id() {
	cpod_raw images -q --no-trunc "$1" | sed 's/^sha256://'
}

# json FILE FILTER: jq on a file.
json() {
	jq -c -r "$2" "$1"
}

@test "push/pull oci: a layout of several named images, gzip and zstd layers" {
	import_canonical "$TARS/img1.tar" one
	import_canonical "$TARS/img2.tar" two
	local id1 id2
	id1=$(image_id one)
	id2=$(image_id two)
	run_cpod push one "oci:$WORK/lay:v1"
	assert_line "Writing manifest to image destination"
	is "$(json "$WORK/lay/oci-layout" .imageLayoutVersion)" "1.0.0"
	run_cpod push --compression-format zstd two "oci:$WORK/lay:v2"
	is "$(json "$WORK/lay/index.json" '[.manifests[].annotations["org.opencontainers.image.ref.name"]]')" \
		'["v1","v2"]'
	# The same name again moves it to the new entry; the old manifest stays unnamed.
	run_cpod push two "oci:$WORK/lay:v1"
	is "$(json "$WORK/lay/index.json" '[.manifests[] | .annotations["org.opencontainers.image.ref.name"]]')" \
		'[null,"v2","v1"]'
	local m
	m=$(json "$WORK/lay/index.json" '.manifests[1].digest')
	is "$(json "$WORK/lay/blobs/sha256/${m#sha256:}" '.layers[0].mediaType')" \
		"application/vnd.oci.image.layer.v1.tar+zstd"
	m=$(json "$WORK/lay/index.json" '.manifests[2].digest')
	is "$(json "$WORK/lay/blobs/sha256/${m#sha256:}" '.layers[0].mediaType')" \
		"application/vnd.oci.image.layer.v1.tar+gzip"
	is "$(json "$WORK/lay/blobs/sha256/${m#sha256:}" '.config.digest')" "sha256:$id2"

	run_cpod rmi -a
	run_cpod pull "oci:$WORK/lay:v2"
	is "${lines[-1]}" "$id2" "pull prints the ID"
	assert_line "Copying blob sha256:*"
	run_cpod images --format '{{.Repository}}:{{.Tag}} {{.ID}}'
	is "$output" "localhost/v2:latest ${id2:0:12}"
	is "$(image_file v2 etc/hello)" two
	# Without a name: the layout must hold one image.
	run_cpod 125 pull "oci:$WORK/lay"
	assert_line "*more than one image in the OCI layout*"
	run_cpod 125 pull "oci:$WORK/lay:nope"
	assert_line "*no image named 'nope' in the OCI layout*"
	run_cpod 125 pull "oci:$WORK/missing:x"
	assert_line "*missing*"
}

@test "pull oci: without a name takes the only image, unnamed" {
	import_canonical "$TARS/img1.tar" one
	local id
	id=$(image_id one)
	run_cpod push -q one "oci:$WORK/single"
	is "$(json "$WORK/single/index.json" '.manifests[0].annotations')" "null"
	# The store has the layer: the blob is not read (a broken one would not be noticed).
	local layer
	layer=$(json "$WORK/single/blobs/sha256/$(json "$WORK/single/index.json" \
		'.manifests[0].digest' | cut -d: -f2)" '.layers[0].digest')
	mv "$WORK/single/blobs/sha256/${layer#sha256:}" "$WORK/layer.blob"
	run_cpod pull "oci:$WORK/single"
	assert_line "Copying blob $layer skipped: already exists"
	mv "$WORK/layer.blob" "$WORK/single/blobs/sha256/${layer#sha256:}"
	run_cpod rmi one
	run_cpod pull -q "oci:$WORK/single"
	is "$output" "$id"
	run_cpod images --format '{{.Repository}}:{{.Tag}}'
	is "$output" "<none>:<none>"
}

@test "save --format oci-dir: compressed by default, --uncompressed, load -i DIR" {
	import_canonical "$TARS/img1.tar" one
	local id m
	id=$(image_id one)
	run_cpod save --format oci-dir -o "$WORK/od" one
	m=$(json "$WORK/od/index.json" '.manifests[0].digest')
	is "$(json "$WORK/od/index.json" '.manifests[0].annotations["org.opencontainers.image.ref.name"]')" \
		"localhost/one:latest"
	is "$(json "$WORK/od/blobs/sha256/${m#sha256:}" '.layers[0].mediaType')" \
		"application/vnd.oci.image.layer.v1.tar+gzip"
	run_cpod save --uncompressed --format oci-archive -o "$WORK/u.tar" one
	mkdir "$WORK/u" && tar -C "$WORK/u" -xf "$WORK/u.tar"
	m=$(json "$WORK/u/index.json" '.manifests[0].digest')
	is "$(json "$WORK/u/blobs/sha256/${m#sha256:}" '.layers[0].mediaType')" \
		"application/vnd.oci.image.layer.v1.tar"
	run_cpod rmi one
	run_cpod load -q -i "$WORK/od"
	is "$output" "Loaded image: localhost/one:latest"
	is "$(image_id one)" "$id" "same ID through oci-dir"
	tmp_is_empty
}

@test "dir: save --format docker-dir, push dir:, pull dir:, replace only image dirs" {
	import_canonical "$TARS/img1.tar" one
	local id
	id=$(image_id one)
	run_cpod save --format docker-dir -o "$WORK/dd" one
	is "$(cat "$WORK/dd/version")" "Directory Transport Version: 1.1"
	is "$(json "$WORK/dd/manifest.json" .mediaType)" \
		"application/vnd.docker.distribution.manifest.v2+json"
	is "$(json "$WORK/dd/manifest.json" .config.digest)" "sha256:$id"
	is "$(json "$WORK/dd/manifest.json" '.layers[0].mediaType')" \
		"application/vnd.docker.image.rootfs.diff.tar"
	[ -f "$WORK/dd/$id" ] || die "the config is not named by its hex digest"
	run_cpod save --format docker-dir --compress -o "$WORK/dz" one
	is "$(json "$WORK/dz/manifest.json" '.layers[0].mediaType')" \
		"application/vnd.docker.image.rootfs.diff.tar.gzip"
	# push dir: replaces the image in an image directory...
	run_cpod push --compress one "dir:$WORK/dd"
	is "$(json "$WORK/dd/manifest.json" .mediaType)" "application/vnd.oci.image.manifest.v1+json"
	is "$(json "$WORK/dd/manifest.json" '.layers[0].mediaType')" \
		"application/vnd.oci.image.layer.v1.tar+gzip"
	is "$(ls "$WORK/dd" | wc -l)" 4 "version, manifest.json, config, layer"
	# ...and refuses any other non-empty directory, touching nothing.
	mkdir "$WORK/mine" && echo keep >"$WORK/mine/file"
	run_cpod 125 push one "dir:$WORK/mine"
	assert_line "*is not empty and is not an image directory*"
	is "$(cat "$WORK/mine/file")" keep
	run_cpod rmi one
	run_cpod pull "dir:$WORK/dz"
	is "${lines[-1]}" "$id"
	run_cpod images --format '{{.Repository}}'
	is "$output" "<none>" "dir: pulls are unnamed"
	echo "Directory Transport Version: 9" >"$WORK/dz/version"
	run_cpod 125 pull "dir:$WORK/dz"
	assert_line "*unknown dir: version*"
}

@test "docker-archive: push names, pull by name or position, several images" {
	import_canonical "$TARS/img1.tar" one
	import_canonical "$TARS/img2.tar" two
	local id1 id2
	id1=$(image_id one)
	id2=$(image_id two)
	run_cpod push one "docker-archive:$WORK/a.tar:ex/named:v1"
	runx tar -xOf "$WORK/a.tar" manifest.json
	[[ $output == *'"RepoTags":["ex/named:v1"]'* ]] || die "manifest.json: $output"
	run_cpod push two "docker-archive:$WORK/b.tar"
	runx tar -xOf "$WORK/b.tar" manifest.json
	[[ $output == *'"RepoTags":["localhost/two:latest"]'* ]] || die "manifest.json: $output"
	run_cpod save -m -o "$WORK/m.tar" one two
	run_cpod rmi -a
	run_cpod pull -q "docker-archive:$WORK/a.tar"
	is "$output" "$id1"
	run_cpod images --format '{{.Repository}}:{{.Tag}}'
	is "$output" "localhost/ex/named:v1"
	run_cpod 125 pull "docker-archive:$WORK/m.tar"
	assert_line "*the archive holds 2 images: name one*"
	run_cpod pull -q "docker-archive:$WORK/m.tar:@1"
	is "$output" "$id2"
	run_cpod rmi -a
	run_cpod pull -q "docker-archive:$WORK/m.tar:one"
	is "$output" "$id1"
	run_cpod images --format '{{.Repository}}:{{.Tag}}'
	is "$output" "localhost/one:latest"
	run_cpod 125 pull "docker-archive:$WORK/m.tar:three"
	assert_line "*no image 'three' in the archive*"
	run_cpod 125 push one "docker-archive:$WORK/c.tar:@0"
	assert_line "*takes a name, not an index*"
	tmp_is_empty
}

@test "oci-archive: push, pull named by its annotation" {
	import_canonical "$TARS/img1.tar" one
	local id
	id=$(image_id one)
	run_cpod push one "oci-archive:$WORK/o.tar:ex/arch:v3"
	runx tar -xOf "$WORK/o.tar" index.json
	[[ $output == *'"org.opencontainers.image.ref.name":"ex/arch:v3"'* ]] || die "$output"
	run_cpod rmi one
	run_cpod pull -q "oci-archive:$WORK/o.tar"
	is "$output" "$id"
	run_cpod images --format '{{.Repository}}:{{.Tag}}'
	is "$output" "localhost/ex/arch:v3"
	tmp_is_empty
}

@test "containers-storage: push tags, pull finds" {
	import_canonical "$TARS/img1.tar" one
	local id
	id=$(image_id one)
	run_cpod push one containers-storage:localhost/copy:v9
	run_cpod images --format '{{.Repository}}:{{.Tag}}' --sort repository
	assert_line localhost/copy:v9
	run_cpod pull -q containers-storage:localhost/copy:v9
	is "$output" "$id"
	run_cpod 125 pull containers-storage:nosuch
	assert_line "*nosuch*"
	run_cpod 125 pull "containers-storage:[overlay@/x]y"
	assert_line "*naming another store is not supported*"
}

@test "skopeo reads cpod's oci: and dir:, cpod reads skopeo's dir: and oci:" {
	require_fixtures
	import_canonical "$TARS/img1.tar" one
	local id cfg
	id=$(image_id one)
	cpod_raw push -q one "oci:$WORK/lay:one"
	cpod_raw push -q one "dir:$WORK/d"
	chmod -R a+rX "$WORK/lay" "$WORK/d"
	for src in "oci:$WORK/lay:one" "dir:$WORK/d"; do
		runx fixture_skopeo inspect --config --raw "$src"
		[ "$status" -eq 0 ] || die "skopeo inspect $src: $output"
		is "$(printf '%s' "$output" | sha256sum | cut -d' ' -f1)" "$id" "$src config"
	done
	fixture_skopeo copy --src-tls-verify=false "docker://$CPOD_IMG_LAYERS" "dir:$WORK/sk"
	fixture_skopeo copy --src-tls-verify=false "docker://$CPOD_IMG_BUSYBOX_ZSTD" \
		"oci:$WORK/sko:zz"
	cfg=$(fixture_skopeo inspect --config --raw "dir:$WORK/sk" | sha256sum | cut -d' ' -f1)
	run_cpod pull -q "dir:$WORK/sk"
	is "$output" "$cfg"
	is "$(image_file "$cfg" data/kept.txt)" "$(image_file "$cfg" data/link-relative)"
	cfg=$(fixture_skopeo inspect --config --raw "oci:$WORK/sko:zz" | sha256sum | cut -d' ' -f1)
	run_cpod pull -q "oci:$WORK/sko:zz"
	is "$output" "$cfg"
	cmp /bin/busybox <(image_file zz bin/busybox)
}

@test "local transports: policy.json, corrupt and hostile layouts leave the store alone" {
	import_canonical "$TARS/img1.tar" one
	cpod_raw push -q one "oci:$WORK/lay:one"
	cat >"$WORK/policy.json" <<-EOF
		{"default":[{"type":"insecureAcceptAnything"}],
		 "transports":{"oci":{"":[{"type":"reject"}]}}}
	EOF
	run_cpod rmi one
	local before
	before=$(all_images)
	run_cpod 125 pull --signature-policy "$WORK/policy.json" "oci:$WORK/lay:one"
	assert_line "*rejected by policy*"
	# A corrupt layer blob.
	local m layer
	m=$(json "$WORK/lay/index.json" '.manifests[0].digest')
	layer=$(json "$WORK/lay/blobs/sha256/${m#sha256:}" '.layers[0].digest')
	cp "$WORK/lay/blobs/sha256/${layer#sha256:}" "$WORK/layer.bak"
	echo garbage >>"$WORK/lay/blobs/sha256/${layer#sha256:}"
	run_cpod 125 pull "oci:$WORK/lay:one"
	assert_line "*digest mismatch*"
	cp "$WORK/layer.bak" "$WORK/lay/blobs/sha256/${layer#sha256:}"
	# A link out of the layout resolves inside it: the good index.json outside is not read.
	mv "$WORK/lay/index.json" "$WORK/index.json"
	ln -s "$WORK/index.json" "$WORK/lay/index.json"
	run_cpod 125 pull "oci:$WORK/lay:one"
	assert_line "*index.json*"
	rm "$WORK/lay/index.json"
	# An index entry whose manifest is not there.
	jq -c '.manifests[0].digest = "sha256:'"$(printf 'x' | sha256sum | cut -d' ' -f1)"'"' \
		"$WORK/index.json" >"$WORK/lay/index.json"
	run_cpod 125 pull "oci:$WORK/lay:one"
	assert_line "*blobs/sha256/*"
	is "$(all_images)" "$before" "images unchanged"
	tmp_is_empty
}
