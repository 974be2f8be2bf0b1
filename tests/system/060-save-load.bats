#!/usr/bin/env bats
# cpod save / cpod load with docker-archive, as podman 4.3 does them: round trips, several
# images in one archive, skopeo's archives in and cpod's archives out, and hostile archives
# that must fail naming the file and leave the store unchanged.

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
	# cpod's image_copy_tmp_dir: where load extracts and save stages layers.
	export TMPDIR=$WORK/tmp
	mkdir -p "$TMPDIR"
}

# An image that went through save and load once after its import (its layer is the imported
# tar, kept by its tar-split record; the name is older than the records).
make_canonical() { # make_canonical TAR NAME
	cpod_raw import -q "$1" "$2" >/dev/null || die "import $1"
	cpod_raw save -o "$WORK/canon.tar" "$2" || die "save $2"
	cpod_raw rmi "$2" >/dev/null
	cpod_raw load -q -i "$WORK/canon.tar" >/dev/null || die "load $2"
	rm -f "$WORK/canon.tar"
}

# mktar OUT NAME=FILE...: a tar with these entries (python's tarfile: names as given).
mktar() {
	python3 - "$@" <<'PY'
import sys, tarfile
out = sys.argv[1]
with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
    for spec in sys.argv[2:]:
        name, src = spec.split("=", 1)
        ti = t.gettarinfo(src, arcname=name)
        ti.name = name  # gettarinfo strips a leading "/"
        if ti.isreg():
            with open(src, "rb") as f:
                t.addfile(ti, f)
        else:
            t.addfile(ti)
PY
}

@test "save: docker-archive layout, names and the first round trip" {
	run_cpod import -q "$TARS/img1.tar" first
	local imported=$output
	run_cpod save -o "$WORK/a.tar" first
	is "$output" "" "save -o prints nothing"
	runx tar -tf "$WORK/a.tar"
	assert_line '^[0-9a-f]{64}\.tar$'
	assert_line '^[0-9a-f]{64}\.json$'
	assert_line manifest.json
	assert_line repositories
	runx tar -xOf "$WORK/a.tar" manifest.json
	[[ $output =~ ^\[\{\"Config\":\"([0-9a-f]{64})\.json\",\"RepoTags\":\[\"localhost/first:latest\"\],\"Layers\":\[\"([0-9a-f]{64})\.tar\"\]\}\]$ ]] ||
		die "manifest.json: $output"
	local cfg=${BASH_REMATCH[1]} layer=${BASH_REMATCH[2]}
	is "$(tar -xOf "$WORK/a.tar" "$cfg.json" | sha256sum | cut -d' ' -f1)" "$cfg" "config digest"
	is "$(tar -xOf "$WORK/a.tar" "$layer.tar" | sha256sum | cut -d' ' -f1)" "$layer" "layer digest"
	# The layer is the imported tar (its tar-split record), so the config and ID are kept.
	is "sha256:$cfg" "$imported" "the saved config is the imported image's"
	cmp <(tar -xOf "$WORK/a.tar" "$layer.tar") "$TARS/img1.tar" || die "not the imported tar"
	runx tar -xOf "$WORK/a.tar" repositories
	is "$output" "{\"localhost/first\":{\"latest\":\"$layer\"}}"

	run_cpod rmi first
	run_cpod load -i "$WORK/a.tar"
	# podman's copy steps on stderr, then the names.
	is "$output" "Getting image source signatures
Copying blob sha256:$layer
Copying config sha256:$cfg
Writing manifest to image destination
Storing signatures
Loaded image: localhost/first:latest"
	run_cpod images --no-trunc --format '{{.ID}} {{.Names}}'
	is "$output" "sha256:$cfg \[localhost/first:latest\]"
	is "$(image_file first etc/hello)" one "file content after the round trip"
	tmp_is_empty
}

@test "save/load: a second round trip keeps the ID, inspect and the files" {
	make_canonical "$TARS/img1.tar" rt
	run_cpod image inspect rt
	local before=$output id
	id=$(cpod_raw images -q --no-trunc rt)
	cpod_raw save rt >"$WORK/b.tar" # to stdout
	run_cpod rmi rt
	run_cpod load -q <"$WORK/b.tar" # from stdin
	is "$output" "Loaded image: localhost/rt:latest"
	is "$(cpod_raw images -q --no-trunc rt)" "$id" "same image ID"
	run_cpod image inspect rt
	[ "$output" = "$before" ] || die "inspect differs: $output"
	cmp "$TARS/r1/bin/busybox" <(image_file rt bin/busybox)
	# Saved again: the same archive.
	cpod_raw save -o "$WORK/c.tar" rt
	cmp "$WORK/b.tar" "$WORK/c.tar"
}

@test "save: extra names tag the first image; -m saves each; load restores all" {
	make_canonical "$TARS/img1.tar" one
	make_canonical "$TARS/img2.tar" two
	run_cpod save -o "$WORK/tags.tar" one localhost/alias:v1
	runx tar -xOf "$WORK/tags.tar" manifest.json
	[[ $output == *'"RepoTags":["localhost/one:latest","localhost/alias:v1"]'* ]] ||
		die "manifest.json: $output"
	run_cpod save -m -o "$WORK/multi.tar" one two
	local before
	before=$(all_images)
	run_cpod rmi one two
	run_cpod load -q -i "$WORK/multi.tar"
	is "$output" "Loaded image: localhost/one:latest
Loaded image: localhost/two:latest"
	is "$(all_images)" "$before" "both images back"
	is "$(image_file two etc/hello)" two
	run_cpod load -q -i "$WORK/tags.tar"
	is "$output" "Loaded image: localhost/one:latest
Loaded image: localhost/alias:v1"
	run_cpod images --format '{{.Repository}}:{{.Tag}}' --sort repository
	assert_line localhost/alias:v1
}

@test "save: by ID the archive has no tag and load prints the ID" {
	make_canonical "$TARS/img2.tar" byid
	local id
	id=$(cpod_raw images -q --no-trunc byid | sed 's/^sha256://')
	run_cpod save -o "$WORK/id.tar" "${id:0:12}"
	runx tar -xOf "$WORK/id.tar" manifest.json
	[[ $output == *'"RepoTags":[]'* ]] || die "manifest.json: $output"
	run_cpod rmi byid
	run_cpod load -q -i "$WORK/id.tar"
	is "$output" "Loaded image: sha256:$id"
}

@test "save/load: errors" {
	run_cpod 125 save -o "$WORK/x.tar" nosuchimage
	assert_line "*nosuchimage: image not known*"
	[ ! -e "$WORK/x.tar" ] || die "a failed save left its output"
	run_cpod 125 save --format oci-dirs -o "$WORK/x.tar" nosuchimage
	assert_line "*format value must be one of docker-archive oci-archive oci-dir docker-dir*"
	run_cpod 125 save --format oci-archive --compress -o "$WORK/x.tar" nosuchimage
	assert_line "*--compress can only be set when --format is 'docker-dir'*"
	run_cpod 125 save --format oci-dir nosuchimage
	assert_line "*needs a directory: use -o DIR*"
	run_cpod 125 load -i "$WORK/none.tar"
	assert_line "*none.tar*"
	echo "not a tar" >"$WORK/junk"
	run_cpod 125 load -i "$WORK/junk"
	run_cpod images -q
	is "$output" ""
}

@test "load: skopeo's docker-archive (three layers, whiteouts, links)" {
	require_fixtures
	fixture_skopeo copy --src-tls-verify=false "docker://$CPOD_IMG_LAYERS" \
		"docker-archive:$WORK/sk.tar:cpod-test/layers:latest"
	local cfg
	cfg=$(fixture_skopeo inspect --config --raw "docker-archive:$WORK/sk.tar" | sha256sum | cut -d' ' -f1)
	run_cpod load -q -i "$WORK/sk.tar"
	is "$output" "Loaded image: docker.io/cpod-test/layers:latest"
	is "$(cpod_raw images -q --no-trunc)" "sha256:$cfg" "the ID is skopeo's config digest"
	is "$(image_file cpod-test/layers data/kept.txt)" "$(image_file cpod-test/layers data/link-relative)"
	local mnt
	mnt=$(cpod_raw image mount cpod-test/layers)
	[ ! -e "$mnt/data/removed.txt" ] || die "the whiteout was not applied"
	[ -e "$mnt/opt/replaced/c" ] && [ ! -e "$mnt/opt/replaced/a" ] || die "opaque dir"
	cpod_raw image unmount cpod-test/layers
}

@test "save: skopeo reads cpod's docker-archive" {
	require_fixtures
	make_canonical "$TARS/img1.tar" forskopeo
	local id
	id=$(cpod_raw images -q --no-trunc forskopeo)
	cpod_raw save -o "$WORK/out.tar" forskopeo
	chmod 644 "$WORK/out.tar"
	runx fixture_skopeo inspect --config --raw "docker-archive:$WORK/out.tar"
	[ "$status" -eq 0 ] || die "skopeo inspect: $output"
	is "sha256:$(printf '%s' "$output" | sha256sum | cut -d' ' -f1)" "$id" "config digest"
	runx fixture_skopeo inspect "docker-archive:$WORK/out.tar"
	[ "$status" -eq 0 ] || die "skopeo inspect: $output"
	local layer
	layer=$(tar -tf "$WORK/out.tar" | grep '\.tar$')
	[[ $output == *"\"sha256:${layer%.tar}\""* ]] || die "Layers: $output"
	fixture_skopeo copy "docker-archive:$WORK/out.tar" "oci:$WORK/layout:x"
}

# tamper ARCHIVE DIR: extracts ARCHIVE into DIR (for editing).
tamper() {
	mkdir -p "$2"
	tar -C "$2" -xf "$1"
}

@test "load: a layer that does not match the config's diffID fails, store unchanged" {
	make_canonical "$TARS/img1.tar" keep
	make_canonical "$TARS/img2.tar" victim
	cpod_raw save -o "$WORK/v.tar" victim
	cpod_raw rmi victim >/dev/null
	local before layer
	before=$(all_images)
	tamper "$WORK/v.tar" "$WORK/v"
	layer=$(cd "$WORK/v" && ls ./*.tar)
	# Same name, other content: the diffID check must catch it.
	tar -C "$TARS/r1" -cf "$WORK/v/$layer" .
	(cd "$WORK/v" && tar -cf "$WORK/bad.tar" manifest.json ./*.json ./*.tar repositories)
	run_cpod 125 load -i "$WORK/bad.tar"
	assert_line "*layer '${layer#./}'*"
	is "$(all_images)" "$before" "images unchanged"
	tmp_is_empty
}

@test "load: hostile archives fail naming the file, store unchanged" {
	make_canonical "$TARS/img1.tar" good
	cpod_raw save -o "$WORK/g.tar" good
	# Gone from the store, so that a load cannot reuse its layer instead of reading the file.
	cpod_raw rmi good >/dev/null
	tamper "$WORK/g.tar" "$WORK/g"
	local before cfg layer
	before=$(all_images)
	cfg=$(cd "$WORK/g" && ls -- *.json | grep -v manifest)
	layer=$(cd "$WORK/g" && ls -- *.tar)
	echo evil >"$WORK/evil"

	mktar "$WORK/h1.tar" "../evil=$WORK/evil" "manifest.json=$WORK/g/manifest.json"
	run_cpod 125 load -i "$WORK/h1.tar"
	assert_line "*archive entry '../evil': unsafe name*"

	mktar "$WORK/h2.tar" "/abs/evil=$WORK/evil" "manifest.json=$WORK/g/manifest.json"
	run_cpod 125 load -i "$WORK/h2.tar"
	assert_line "*archive entry '/abs/evil': unsafe name*"

	mktar "$WORK/h3.tar" "$cfg=$WORK/g/$cfg" "$layer=$WORK/g/$layer"
	run_cpod 125 load -i "$WORK/h3.tar"
	assert_line "*file 'manifest.json' is missing from the archive*"

	mktar "$WORK/h4.tar" "manifest.json=$WORK/g/manifest.json" "$cfg=$WORK/g/$cfg"
	run_cpod 125 load -i "$WORK/h4.tar"
	assert_line "*file '$layer' is missing from the archive*"

	mktar "$WORK/h5.tar" "manifest.json=$WORK/g/manifest.json" "$layer=$WORK/g/$layer"
	run_cpod 125 load -i "$WORK/h5.tar"
	assert_line "*file '$cfg' is missing from the archive*"

	head -c $((4 * 1024 * 1024 + 1)) /dev/zero >"$WORK/big"
	mktar "$WORK/h6.tar" "manifest.json=$WORK/big"
	run_cpod 125 load -i "$WORK/h6.tar"
	assert_line "*'manifest.json' is larger than 4194304 bytes*"

	mktar "$WORK/h7.tar" "manifest.json=$WORK/g/manifest.json" "$cfg=$WORK/big" \
		"$layer=$WORK/g/$layer"
	run_cpod 125 load -i "$WORK/h7.tar"
	assert_line "*'$cfg' is larger than*"

	ln -s ../../etc/passwd "$WORK/lnk"
	mktar "$WORK/h8.tar" "manifest.json=$WORK/lnk"
	run_cpod 125 load -i "$WORK/h8.tar"
	assert_line "*unsafe link target '../../etc/passwd'*"

	echo '[{"Config":"x.json","Layers":{}}]' >"$WORK/m.json"
	mktar "$WORK/h9.tar" "manifest.json=$WORK/m.json"
	run_cpod 125 load -i "$WORK/h9.tar"
	assert_line "*'manifest.json': '\[0\].Layers': expected array*"

	is "$(all_images)" "$before" "images unchanged"
	tmp_is_empty
}

@test "load: docker's legacy layer symlinks and a gzip-compressed archive" {
	make_canonical "$TARS/img1.tar" legacy
	cpod_raw save -o "$WORK/l.tar" legacy
	tamper "$WORK/l.tar" "$WORK/l"
	local layer id
	layer=$(cd "$WORK/l" && ls -- *.tar)
	id=$(cpod_raw images -q --no-trunc legacy)
	mkdir "$WORK/l/abc"
	ln -s "../$layer" "$WORK/l/abc/layer.tar"
	sed -i "s|\"$layer\"|\"abc/layer.tar\"|" "$WORK/l/manifest.json"
	(cd "$WORK/l" && tar -czf "$WORK/legacy.tar.gz" .)
	cpod_raw rmi legacy >/dev/null
	run_cpod load -q -i "$WORK/legacy.tar.gz"
	is "$output" "Loaded image: localhost/legacy:latest"
	is "$(cpod_raw images -q --no-trunc legacy)" "$id"
}

# ---- oci-archive -------------------------------------------------------------------------------

@test "save/load: oci-archive round trip" {
	make_canonical "$TARS/img1.tar" ocirt
	local id before
	id=$(cpod_raw images -q --no-trunc ocirt)
	run_cpod image inspect ocirt
	before=$output
	run_cpod save --format oci-archive -o "$WORK/o.tar" ocirt
	runx tar -tf "$WORK/o.tar"
	assert_line oci-layout
	assert_line index.json
	assert_line "blobs/sha256/${id#sha256:}"
	runx tar -xOf "$WORK/o.tar" index.json
	[[ $output == *'"org.opencontainers.image.ref.name":"localhost/ocirt:latest"'* ]] ||
		die "index.json: $output"
	run_cpod rmi ocirt
	run_cpod load -q -i "$WORK/o.tar"
	is "$output" "Loaded image: localhost/ocirt:latest"
	is "$(cpod_raw images -q --no-trunc ocirt)" "$id" "same image ID"
	run_cpod image inspect --format '{{.ManifestType}}' ocirt
	is "$output" "application/vnd.oci.image.manifest.v1+json"
	run_cpod image inspect ocirt
	# The stored manifest is now an OCI one: everything else is equal.
	is "$(grep -v -e '"ManifestType"' -e '"Digest"' -e '@sha256:' <<<"$output")" \
		"$(grep -v -e '"ManifestType"' -e '"Digest"' -e '@sha256:' <<<"$before")"
	is "$(image_file ocirt etc/hello)" one
	run_cpod 125 save --format oci-archive -o "$WORK/two.tar" ocirt ocirt
	assert_line "*an oci-archive holds one image*"
	tmp_is_empty
}

@test "load: skopeo's oci-archive with zstd and gzip layers" {
	require_fixtures
	local img cfg
	for img in "$CPOD_IMG_BUSYBOX_ZSTD" "$CPOD_IMG_LAYERS"; do
		rm -f "$WORK/sk.tar"
		fixture_skopeo copy --src-tls-verify=false "docker://$img" \
			"oci-archive:$WORK/sk.tar:cpod-test/oci:x"
		cfg=$(fixture_skopeo inspect --config --raw "oci-archive:$WORK/sk.tar" |
			sha256sum | cut -d' ' -f1)
		run_cpod load -q -i "$WORK/sk.tar"
		is "$output" "Loaded image: localhost/cpod-test/oci:x"
		is "$(cpod_raw images -q --no-trunc cpod-test/oci:x)" "sha256:$cfg"
		is "$(image_file cpod-test/oci:x bin/busybox | sha256sum)" \
			"$(sha256sum </bin/busybox)"
	done
	is "$(image_file cpod-test/oci:x data/kept.txt)" "$(image_file cpod-test/oci:x data/link-relative)"
}

@test "save: skopeo reads cpod's oci layout" {
	require_fixtures
	make_canonical "$TARS/img2.tar" ocisk
	local id
	id=$(cpod_raw images -q --no-trunc ocisk)
	cpod_raw save --format oci-archive -o "$WORK/o.tar" ocisk
	# skopeo runs as nobody and cannot chown what it untars from a root-made archive, so
	# it reads the layout unpacked.
	mkdir "$WORK/layout"
	tar -C "$WORK/layout" -xf "$WORK/o.tar"
	chmod -R a+rX "$WORK/layout"
	runx fixture_skopeo inspect --config --raw "oci:$WORK/layout:localhost/ocisk:latest"
	[ "$status" -eq 0 ] || die "skopeo inspect: $output"
	is "sha256:$(printf '%s' "$output" | sha256sum | cut -d' ' -f1)" "$id"
	fixture_skopeo copy "oci:$WORK/layout:localhost/ocisk:latest" "dir:$WORK/copy"
}

@test "load: an oci-archive with a corrupt blob fails, store unchanged" {
	make_canonical "$TARS/img1.tar" keep
	make_canonical "$TARS/img2.tar" ocibad
	cpod_raw save --format oci-archive -o "$WORK/o.tar" ocibad
	cpod_raw rmi ocibad >/dev/null
	local before layer
	before=$(all_images)
	tamper "$WORK/o.tar" "$WORK/o"
	layer=$(cd "$WORK/o/blobs/sha256" && ls -S | head -1)
	tar -C "$TARS/r1" -cf "$WORK/o/blobs/sha256/$layer" .
	(cd "$WORK/o" && tar -cf "$WORK/bad.tar" .)
	run_cpod 125 load -i "$WORK/bad.tar"
	assert_line "*blob 'blobs/sha256/$layer': digest mismatch*"
	rm "$WORK/o/blobs/sha256/$layer"
	(cd "$WORK/o" && tar -cf "$WORK/bad2.tar" .)
	run_cpod 125 load -i "$WORK/bad2.tar"
	assert_line "*file 'blobs/sha256/$layer' is missing from the archive*"
	is "$(all_images)" "$before" "images unchanged"
	tmp_is_empty
}

@test "save/load: a terminal is refused as the archive" {
	command -v script >/dev/null || skip "no script(1)"
	runx script -qec "$CPOD --root $CPOD_ROOT --runroot $CPOD_RUNROOT save anything" /dev/null
	[ "$status" -eq 125 ] || die "status $status: $output"
	assert_line "*refusing to save to terminal. Use -o flag or redirect*"
	runx script -qec "$CPOD --root $CPOD_ROOT --runroot $CPOD_RUNROOT load" /dev/null
	[ "$status" -eq 125 ] || die "status $status: $output"
	assert_line "*cannot read from terminal, use command-line redirection or the --input flag*"
}
