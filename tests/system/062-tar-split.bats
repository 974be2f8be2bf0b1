#!/usr/bin/env bats
# Tar-split records: a layer pulled or loaded comes back from the store as the tar it came in,
# byte for byte, so that save and push keep the image's config, diff_ids and ID.  The layers
# are the fixture registry's (GNU tar pax layers) and tars made here by GNU tar in each of its
# formats, Python's tarfile and busybox tar; without the records (removed from the store) the
# same images get cpod's own tars and new diff_ids, which shows those tars are not cpod's.

load helpers

setup_file() {
	cpod_setup_file
	require_fixtures
	cpod_registry_env
	RUN=r$(date +%s%N)
	export RUN
	make_archive "$CPOD_TEST_DIR/tools"
}

setup() {
	cpod_setup
	export CPOD_ROOT=$CPOD_TEST_DIR/t$BATS_TEST_NUMBER/root
	export CPOD_RUNROOT=$CPOD_TEST_DIR/t$BATS_TEST_NUMBER/runroot
	export WORK=$CPOD_TEST_DIR/t$BATS_TEST_NUMBER/work
	mkdir -p "$CPOD_ROOT" "$CPOD_RUNROOT" "$WORK/tmp"
	export TMPDIR=$WORK/tmp
}

teardown() {
	"$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" image unmount --all >/dev/null 2>&1 ||
		true
	cpod_teardown
}

sha() { sha256sum "$@" | cut -d' ' -f1; }

cpod_images_id() {
	"$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" images -q --no-trunc
}

# make_tree DIR: files, directories, long names, links and an empty file.
make_tree() {
	local r=$1 long
	long=$1/usr/share/$(printf 'd%.0s' {1..60})/$(printf 'e%.0s' {1..60})
	mkdir -p "$r/etc" "$r/bin" "$r/empty-dir" "$long"
	echo hello >"$r/etc/hello"
	: >"$r/etc/empty"
	head -c 70000 /bin/busybox >"$r/bin/blob"
	ln -s ../etc/hello "$r/bin/link"
	ln "$r/etc/hello" "$r/etc/hard"
	echo deep >"$long/$(printf 'f%.0s' {1..90})"
	chmod 4755 "$r/bin/blob"
	touch -d @1500000000 "$r/etc/hello"
}

# make_archive DIR: DIR/archive.tar, a docker-archive of localhost/tools:latest whose layers
# were written by GNU tar (gnu, pax, ustar, v7, odd ends), Python's tarfile and busybox tar.
# DIR/config.json and DIR/layers/<diffID hex>.tar are kept for comparisons.
make_archive() {
	local d=$1 t=$1/tree s=$1/short l=$1/layers f hex diffs=() names=()
	mkdir -p "$l"
	make_tree "$t"
	mkdir -p "$s/v7dir"
	echo v7 >"$s/v7dir/file"
	ln -s file "$s/v7dir/sym"
	tar --format=gnu -C "$t" -cf "$l/gnu" .
	tar --format=pax -C "$t" -cf "$l/pax" .
	tar --format=ustar -C "$t" -cf "$l/ustar" .
	tar --format=v7 -C "$s" -cf "$l/v7" .
	python3 - "$t" "$l/python" <<-'PY'
		import os, sys, tarfile
		with tarfile.open(sys.argv[2], "w") as t:
		    t.add(sys.argv[1], arcname=".")
	PY
	(cd "$t" && busybox tar -cf "$l/busybox" .)
	# odd ends: one block per record, three more zero blocks and bytes after the end
	tar --format=gnu --blocking-factor=1 -C "$s" -cf "$l/odd" .
	head -c 1536 /dev/zero >>"$l/odd"
	printf 'not a tar block\n' >>"$l/odd"
	for f in gnu pax ustar v7 python busybox odd; do
		hex=$(sha "$l/$f")
		mv "$l/$f" "$l/$hex.tar"
		diffs+=("\"sha256:$hex\"")
		names+=("\"$hex.tar\"")
	done
	jq -cn --argjson d "[$(IFS=,; echo "${diffs[*]}")]" '{architecture: "amd64", os: "linux",
		config: {Cmd: ["/bin/sh"]}, rootfs: {type: "layers", diff_ids: $d}}' >"$d/config.json"
	hex=$(sha "$d/config.json")
	cp "$d/config.json" "$l/$hex.json"
	printf '[{"Config":"%s.json","RepoTags":["localhost/tools:latest"],"Layers":[%s]}]' \
		"$hex" "$(IFS=,; echo "${names[*]}")" >"$l/manifest.json"
	(cd "$l" && tar -cf "$d/archive.tar" manifest.json ./*.json ./*.tar)
	rm "$l/manifest.json" "$l/$hex.json"
	echo "sha256:$hex" >"$d/id"
}

# saved ARCHIVE: prints "CONFIG_DIGEST DIFF_IDS" of the first image of a docker-archive, and
# checks that each layer file's digest is its diffID.
saved() {
	local m cfg layer
	m=$(tar -xOf "$1" manifest.json)
	cfg=$(jq -r '.[0].Config' <<<"$m")
	for layer in $(jq -r '.[0].Layers[]' <<<"$m"); do
		is "$(tar -xOf "$1" "$layer" | sha)" "${layer%.tar}" "layer $layer is named by its digest"
	done
	echo "sha256:$(tar -xOf "$1" "$cfg" | sha) $(tar -xOf "$1" "$cfg" | jq -c .rootfs.diff_ids)"
}

@test "pull then save: the registry's layers, config and image ID come back" {
	local src_id src_diffs
	fixture_skopeo inspect --config --raw --tls-verify=false "docker://$CPOD_IMG_LAYERS" \
		>"$WORK/config.json"
	src_id=sha256:$(sha "$WORK/config.json")
	src_diffs=$(jq -c .rootfs.diff_ids "$WORK/config.json")
	run_cpod pull -q --signature-policy "$POLICY" "$CPOD_IMG_LAYERS"
	is "sha256:$output" "$src_id" "the image ID is the config's digest"
	run ls "$CPOD_ROOT/tar-split"
	is "${#lines[@]}" 3 "a tar-split record per layer"

	run_cpod save -o "$WORK/a.tar" "$CPOD_IMG_LAYERS"
	is "$(saved "$WORK/a.tar")" "$src_id $src_diffs" "the same config and diff_ids"
	run_cpod rmi "$CPOD_IMG_LAYERS"
	run_cpod load -q -i "$WORK/a.tar"
	is "$(cpod_images_id)" "$src_id" "save, rmi, load: the same image ID"

	# Without the records the layers are cpod's own tars: other diffIDs, another config.
	rm "$CPOD_ROOT"/tar-split/*.zst
	run_cpod save -o "$WORK/b.tar" "$CPOD_IMG_LAYERS"
	local canon
	canon=$(saved "$WORK/b.tar")
	[ "${canon%% *}" != "$src_id" ] || die "the fixture's layers are already cpod's tars"
	[ "${canon#* }" != "$src_diffs" ] || die "the diff_ids did not change without records"
}

@test "load then save: layers by GNU tar, Python's tarfile and busybox tar come back" {
	local id arch=$CPOD_TEST_DIR/tools
	id=$(cat "$arch/id")
	run_cpod load -q -i "$arch/archive.tar"
	is "$output" "Loaded image: localhost/tools:latest"
	is "$(cpod_images_id)" "$id" "the image ID is the config's digest"
	run_cpod save -o "$WORK/out.tar" localhost/tools
	is "$(saved "$WORK/out.tar")" "$id $(jq -c .rootfs.diff_ids "$arch/config.json")" \
		"the same config and diff_ids"
	local hex
	for hex in $(jq -r '.rootfs.diff_ids[] | sub("sha256:"; "")' "$arch/config.json"); do
		tar -xOf "$WORK/out.tar" "$hex.tar" | cmp - "$arch/layers/$hex.tar" ||
			die "layer $hex differs"
	done
	cmp <(tar -xOf "$WORK/out.tar" "${id#sha256:}.json") "$arch/config.json" ||
		die "the config differs"

	run_cpod rmi localhost/tools
	run_cpod load -q -i "$WORK/out.tar"
	is "$(cpod_images_id)" "$id" "save, rmi, load: the same image ID"
	run_cpod save -o "$WORK/again.tar" localhost/tools
	cmp "$WORK/out.tar" "$WORK/again.tar" || die "a second save differs"
}

@test "push: the registry gets the source's config digest and diff_ids" {
	local src_id src_diffs d=$CPOD_REGISTRY_PLAIN/cpod-tsplit/$RUN-layers:1 raw
	fixture_skopeo inspect --config --raw --tls-verify=false "docker://$CPOD_IMG_LAYERS" \
		>"$WORK/config.json"
	src_id=sha256:$(sha "$WORK/config.json")
	src_diffs=$(jq -c .rootfs.diff_ids "$WORK/config.json")
	run_cpod pull -q --signature-policy "$POLICY" "$CPOD_IMG_LAYERS"
	run_cpod push -q --tls-verify=false "$CPOD_IMG_LAYERS" "$d"
	raw=$(fixture_skopeo inspect --raw --tls-verify=false "docker://$d")
	is "$(jq -r .config.digest <<<"$raw")" "$src_id" "the config digest is the source's"
	run fixture_skopeo inspect --config --raw --tls-verify=false "docker://$d"
	is "$(jq -c .rootfs.diff_ids <<<"$output")" "$src_diffs" "the same diff_ids"

	# and an image whose layers GNU tar, Python and busybox wrote
	local arch=$CPOD_TEST_DIR/tools t=$CPOD_REGISTRY_PLAIN/cpod-tsplit/$RUN-tools:1
	run_cpod load -q -i "$arch/archive.tar"
	run_cpod push -q --tls-verify=false localhost/tools "$t"
	raw=$(fixture_skopeo inspect --raw --tls-verify=false "docker://$t")
	is "$(jq -r .config.digest <<<"$raw")" "$(cat "$arch/id")" "the config digest is the source's"
	run fixture_skopeo inspect --config --raw --tls-verify=false "docker://$t"
	is "$(jq -c .rootfs.diff_ids <<<"$output")" "$(jq -c .rootfs.diff_ids "$arch/config.json")"
}

@test "a layer whose files changed is saved as cpod's own tar, with the change" {
	local arch=$CPOD_TEST_DIR/tools f
	run_cpod load -q -i "$arch/archive.tar"
	# etc/hello in each layer's files (a hard link of etc/hard)
	f=$(find "$CPOD_ROOT" -path '*/etc/hello' -not -path '*/merged/*' | head -1)
	[ -n "$f" ] || die "no etc/hello in the store"
	find "$CPOD_ROOT" -path '*/etc/hello' -not -path '*/merged/*' -exec sh -c 'echo changed >"$1"' \
		sh {} \;
	run_cpod save -o "$WORK/c.tar" localhost/tools
	assert_line "*the tar it came in cannot be written again (file 'etc/h* is not the regular*"
	local got
	got=$(saved "$WORK/c.tar")
	[ "${got%% *}" != "$(cat "$arch/id")" ] || die "the config did not change"
	run_cpod rmi localhost/tools
	run_cpod load -q -i "$WORK/c.tar"
	local mnt
	mnt=$("$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" image mount localhost/tools)
	is "$(cat "$mnt/etc/hello")" changed "the saved layers hold the change"
}
