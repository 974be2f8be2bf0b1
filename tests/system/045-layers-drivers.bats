#!/usr/bin/env bats
# The Foundation's whiteout/opaque fixture image, pulled into an overlay store and into a vfs
# store: both mounted root file systems are the same tree, file by file, and the whiteouts,
# opaque directory, links, owners and xattrs are what the fixture says.

load helpers

# One line per entry: path, type, mode, owner, size, link target, content digest, xattr.
tree_of() {
	local root=$1
	(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | while read -r p; do
		local line
		line=$(stat -c '%F %a %u:%g %s' "$p")
		if [ -L "$p" ]; then
			line="$line -> $(readlink "$p")"
		elif [ -f "$p" ]; then
			line="$line $(sha256sum <"$p" | cut -c1-16) $(getfattr --only-values -n user.cpod "$p" 2>/dev/null || true)"
		fi
		echo "$p $line"
	done)
}

@test "the layers fixture: overlay and vfs give the same tree, with the whiteouts applied" {
	require_fixtures
	cpod_bin() { "$CPOD" --root "$CPOD_TEST_DIR/$1/root" --runroot "$CPOD_TEST_DIR/$1/run" \
		--storage-driver "$1" "${@:2}"; }
	for d in overlay vfs; do
		cpod_bin "$d" pull -q --tls-verify=false --signature-policy "$CPOD_REGISTRY_POLICY" \
			"$CPOD_IMG_LAYERS" >/dev/null ||
			die "pull into the $d store failed"
	done
	ov=$(cpod_bin overlay image mount "$CPOD_IMG_LAYERS") || die "image mount (overlay)"
	vf=$(cpod_bin vfs image mount "$CPOD_IMG_LAYERS") || die "image mount (vfs)"
	tree_of "$ov" >"$CPOD_TEST_DIR/overlay.tree"
	tree_of "$vf" >"$CPOD_TEST_DIR/vfs.tree"
	cpod_bin overlay image unmount "$CPOD_IMG_LAYERS" >/dev/null
	run diff -u "$CPOD_TEST_DIR/overlay.tree" "$CPOD_TEST_DIR/vfs.tree"
	[ "$status" -eq 0 ] || die "the trees differ: $output"

	t=$(cat "$CPOD_TEST_DIR/vfs.tree")
	for gone in ./data/removed.txt ./srv/olddir ./opt/replaced/a ./opt/replaced/sub; do
		! grep -q "^$gone " <<<"$t" || die "$gone should be hidden by a whiteout"
	done
	grep -q '^./opt/replaced/c regular' <<<"$t" || die "the opaque directory keeps its new file"
	grep -q '^./srv directory' <<<"$t" || die "/srv stays, empty"
	grep -q '^./data/owned.txt regular file 640 1000:1000' <<<"$t" || die "owner and mode kept"
	grep -q '^./data/link-relative symbolic link .* -> kept.txt' <<<"$t" || die "relative symlink"
	grep -q '^./data/link-absolute symbolic link .* -> /data/kept.txt' <<<"$t" || die "absolute symlink"
	grep -q '^./data/xattr.txt regular.* test$' <<<"$t" || die "the xattr user.cpod=test"
	[ "$(stat -c %i "$vf/data/hard1")" = "$(stat -c %i "$vf/data/hard2")" ] || die "hard link (vfs)"
	grep -q '^./bin/busybox regular' <<<"$t" || die "the base layer is there"
}
