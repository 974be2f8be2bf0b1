#!/usr/bin/env bats
# cpod pull on a terminal: podman 4.3's progress bars, one per blob, redrawn in place, with the
# blob's size; "done" / "skipped: already exists" at the end; -q and a stderr that is not a
# terminal keep their output.  The terminal is script(1)'s pty.

load helpers

setup_file() {
	cpod_setup_file
	require_fixtures
	cpod_registry_env
	export IMG=$CPOD_REGISTRY_PLAIN/cpod-progress-test/r$(date +%s%N):multi
	make_multi_layer_image
}

# make_multi_layer_image: pushes $IMG, an OCI image of three gzip layers of 3, 2 and 1 MiB of
# random bytes (each takes many reads, so its bar shows before it is done), with skopeo from an
# OCI layout made here.  Sets LAYER_DIGESTS, LAYER_SIZES (manifest order) and CONFIG_DIGEST.
make_multi_layer_image() {
	local lay=$CPOD_TEST_DIR/layout i d dig size diffs=() layers=() cfg arch
	mkdir -p "$lay/blobs/sha256"
	LAYER_DIGESTS='' LAYER_SIZES=''
	for i in 3 2 1; do
		d=$CPOD_TEST_DIR/l$i
		mkdir -p "$d"
		head -c $((i << 20)) /dev/urandom >"$d/data$i"
		tar -C "$d" --owner=0 --group=0 -cf "$CPOD_TEST_DIR/l$i.tar" .
		diffs+=("\"sha256:$(sha256sum <"$CPOD_TEST_DIR/l$i.tar" | cut -d' ' -f1)\"")
		gzip -n -c "$CPOD_TEST_DIR/l$i.tar" >"$CPOD_TEST_DIR/l$i.tgz"
		dig=$(sha256sum <"$CPOD_TEST_DIR/l$i.tgz" | cut -d' ' -f1)
		size=$(stat -c %s "$CPOD_TEST_DIR/l$i.tgz")
		cp "$CPOD_TEST_DIR/l$i.tgz" "$lay/blobs/sha256/$dig"
		layers+=("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$dig\",\"size\":$size}")
		LAYER_DIGESTS+="$dig " LAYER_SIZES+="$size "
	done
	case $(uname -m) in
	x86_64) arch=amd64 ;;
	aarch64) arch=arm64 ;;
	*) arch=$(uname -m) ;;
	esac
	cfg="{\"architecture\":\"$arch\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[$(IFS=,; echo "${diffs[*]}")]}}"
	printf '%s' "$cfg" >"$CPOD_TEST_DIR/config.json"
	CONFIG_DIGEST=$(sha256sum <"$CPOD_TEST_DIR/config.json" | cut -d' ' -f1)
	cp "$CPOD_TEST_DIR/config.json" "$lay/blobs/sha256/$CONFIG_DIGEST"
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' \
		"$CONFIG_DIGEST" "$(stat -c %s "$CPOD_TEST_DIR/config.json")" \
		"$(IFS=,; echo "${layers[*]}")" >"$CPOD_TEST_DIR/manifest.json"
	dig=$(sha256sum <"$CPOD_TEST_DIR/manifest.json" | cut -d' ' -f1)
	cp "$CPOD_TEST_DIR/manifest.json" "$lay/blobs/sha256/$dig"
	printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s}]}' \
		"$dig" "$(stat -c %s "$CPOD_TEST_DIR/manifest.json")" >"$lay/index.json"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$lay/oci-layout"
	# skopeo runs as nobody
	chmod a+x "$CPOD_TEST_DIR"
	chmod -R a+rX "$lay"
	fixture_skopeo copy -q --dest-tls-verify=false "oci:$lay" "docker://$IMG" ||
		die "pushing the test image"
	export LAYER_DIGESTS LAYER_SIZES CONFIG_DIGEST
}

# Each test has a store of its own.
setup() {
	cpod_setup
	export CPOD_ROOT=$CPOD_TEST_DIR/t$BATS_TEST_NUMBER/root
	export CPOD_RUNROOT=$CPOD_TEST_DIR/t$BATS_TEST_NUMBER/runroot
	mkdir -p "$CPOD_ROOT" "$CPOD_RUNROOT"
}

# pty_pull COLUMNS ARGS...: cpod pull ARGS in a pty COLUMNS wide (cpod's stderr into the file
# $PTY_STDERR instead when set); $raw gets what the terminal received (without carriage
# returns), $output and $lines the text with the cursor movements and line erasures taken out
# (each redraw's lines follow the previous ones).
pty_pull() {
	local cols=$1
	shift
	local cmd
	cmd="stty cols $cols rows 50; $(printf '%q ' "$CPOD" --root "$CPOD_ROOT" --runroot \
		"$CPOD_RUNROOT" pull --signature-policy "$POLICY" "$@")"
	[ -z "${PTY_STDERR:-}" ] || cmd+=" 2>$(printf '%q' "$PTY_STDERR")"
	CPOD_LAST_COMMAND="cpod pull $* (in a pty of $cols columns)"
	echo "# $CPOD_LAST_COMMAND"
	raw=$(timeout 120 script -qfec "$cmd" /dev/null | tr -d '\r')
	output=$(sed -e $'s/\x1b\\[[0-9]*[AK]//g' <<<"$raw")
	mapfile -t lines <<<"$output"
	echo "$output"
}

# size_of BYTES: the size as podman's bars print it.
size_of() {
	awk -v n="$1" 'BEGIN {
		split("b KiB MiB GiB TiB", u, " "); i = 1
		while (i < 5 && n >= 1024 ^ i) i++
		printf "%.1f%s", n / 1024 ^ (i - 1), u[i] }'
}

@test "pull on a terminal: a bar per layer with its size, redrawn in place, every blob done" {
	local digests=($LAYER_DIGESTS) sizes=($LAYER_SIZES) i n=${#lines[@]} bar
	pty_pull 120 "$IMG"
	is "${lines[0]}" "Trying to pull $IMG..."
	is "${lines[1]}" "Getting image source signatures"
	# Drawn in place: the cursor goes back up over the three bars, each line is erased first.
	[[ $raw == *$'\x1b[3A'* ]] || die "no redraw over the three bars"
	[[ $raw == *$'\x1b[2KCopying blob '* ]] || die "bars are not erased before they are drawn"
	for i in 0 1 2; do
		bar="Copying blob ${digests[$i]:0:12} \[[=>-]{38}\] [0-9]+\.[0-9](b|KiB|MiB) / $(size_of "${sizes[$i]}")"
		assert_line "$bar" "a bar for layer $i, with its size"
	done
	refute_line "Copying blob sha256:*" "no line of the non-terminal form"
	# The last picture: every layer done in the manifest's order, then the config.
	n=${#lines[@]}
	is "${lines[$((n - 7))]}" "Copying blob ${digests[0]:0:12} done  "
	is "${lines[$((n - 6))]}" "Copying blob ${digests[1]:0:12} done  "
	is "${lines[$((n - 5))]}" "Copying blob ${digests[2]:0:12} done  "
	is "${lines[$((n - 4))]}" "Copying config ${CONFIG_DIGEST:0:10} done  "
	is "${lines[$((n - 3))]}" "Writing manifest to image destination"
	is "${lines[$((n - 2))]}" "Storing signatures"
	is "${lines[$((n - 1))]}" "$CONFIG_DIGEST" "the ID on stdout, last"

	# Again: the store has every layer.
	pty_pull 120 "$IMG"
	is "$output" "Trying to pull $IMG...
Getting image source signatures
Copying blob ${digests[0]:0:12} skipped: already exists  
Copying blob ${digests[1]:0:12} skipped: already exists  
Copying blob ${digests[2]:0:12} skipped: already exists  
Copying config ${CONFIG_DIGEST:0:10} done  
Writing manifest to image destination
Storing signatures
$CONFIG_DIGEST"
}

@test "pull on a narrow terminal: no bar line is wider than the terminal" {
	local line bars=0
	pty_pull 50 "$IMG"
	for line in "${lines[@]}"; do
		[[ $line == Copying* ]] || continue
		line=${line//$'\xe2\x80\xa6'/.} # "…" is one column
		[ ${#line} -le 50 ] || die "a line of ${#line} columns: '$line'"
		[[ $line =~ \[[=\>-]+\] ]] && bars=$((bars + 1))
	done
	[ $bars -gt 0 ] || die "no bar drawn in 50 columns"
	assert_line "Copying blob ${LAYER_DIGESTS:0:12} done  "
}

@test "pull -q on a terminal prints only the ID; without a terminal the steps are lines" {
	local digests=($LAYER_DIGESTS)
	pty_pull 120 -q "$IMG"
	is "$raw" "$CONFIG_DIGEST" "-q: the ID alone"

	# No terminal at all: podman's lines, byte for byte.
	local want="Trying to pull $IMG...
Getting image source signatures
Copying blob sha256:${digests[0]}
Copying blob sha256:${digests[1]}
Copying blob sha256:${digests[2]}
Copying config sha256:$CONFIG_DIGEST
Writing manifest to image destination
Storing signatures"
	run_cpod rmi -a
	run_cpod pull --signature-policy "$POLICY" "$IMG"
	is "$output" "$want
$CONFIG_DIGEST" "the lines, then the ID"

	# stderr not a terminal while stdout is: the lines as well.
	run_cpod rmi -a
	PTY_STDERR=$CPOD_TEST_DIR/stderr pty_pull 120 "$IMG"
	is "$raw" "$CONFIG_DIGEST" "only the ID on the terminal"
	is "$(cat "$CPOD_TEST_DIR/stderr")" "$want" "the steps as lines in the file"
}
