#!/usr/bin/env bats
# Images without a registry: import of tarballs made here from busybox, then images, image
# inspect, inspect, image exists, tag, untag, rmi and history, as podman 4.3 prints them.

load helpers

# The tarballs every test imports, made once in $TARS:
#   img.tar        busybox, /bin/sh -> busybox, /etc/hello "one"
#   img2.tar       the same with /etc/hello "two" and 300 kB more (a bigger, different image)
#   img.tar.gz / img.tar.zst / img.tar.xz   img.tar compressed
#   notar.txt      text, not a tarball;  truncated.tar  img.tar cut inside busybox's data
#   escape.tar     a regular entry, then "../../../../../../../../$ESCAPE"
#   escape-tr.tar  made by GNU tar --transform: "../$ESCAPE-tr"
#   symlink.tar    "link" -> "/" then "link/$ESCAPE-link"
make_rootfs() {	# make_rootfs DIR HELLO
	mkdir -p "$1/bin" "$1/etc"
	cp /bin/busybox "$1/bin/busybox"
	ln -s busybox "$1/bin/sh"
	echo "$2" >"$1/etc/hello"
}

setup_file() {
	cpod_setup_file
	[ -x /bin/busybox ] || die "/bin/busybox is missing (apt-get install busybox-static)"
	export TARS=$CPOD_TEST_DIR/tars
	export ESCAPE="cpod-escape-$$-$RANDOM"
	mkdir -p "$TARS"
	make_rootfs "$TARS/r1" one
	tar -C "$TARS/r1" -cf "$TARS/img.tar" .
	make_rootfs "$TARS/r2" two
	head -c 300000 /dev/urandom >"$TARS/r2/etc/big"
	tar -C "$TARS/r2" -cf "$TARS/img2.tar" .
	gzip -c "$TARS/img.tar" >"$TARS/img.tar.gz"
	zstd -q -c "$TARS/img.tar" >"$TARS/img.tar.zst"
	xz -c "$TARS/img.tar" >"$TARS/img.tar.xz"
	printf 'this is not a tarball\n' >"$TARS/notar.txt"
	head -c 100000 "$TARS/img.tar" >"$TARS/truncated.tar"
	python3 - "$TARS" "$ESCAPE" <<-'PY'
	import io, sys, tarfile
	tars, name = sys.argv[1], sys.argv[2]
	def add_file(t, path, data):
	    info = tarfile.TarInfo(path)
	    info.size = len(data)
	    t.addfile(info, io.BytesIO(data))
	with tarfile.open(tars + "/escape.tar", "w", format=tarfile.GNU_FORMAT) as t:
	    add_file(t, "ok.txt", b"fine\n")
	    add_file(t, "../../../../../../../../" + name, b"escaped\n")
	with tarfile.open(tars + "/symlink.tar", "w", format=tarfile.GNU_FORMAT) as t:
	    link = tarfile.TarInfo("link")
	    link.type = tarfile.SYMTYPE
	    link.linkname = "/"
	    t.addfile(link)
	    add_file(t, "link/" + name + "-link", b"escaped\n")
	PY
	mkdir -p "$TARS/tr"
	echo escaped >"$TARS/tr/payload"
	tar -C "$TARS/tr" --transform "s|^payload\$|../$ESCAPE-tr|" -cf "$TARS/escape-tr.tar" payload
	tar -tf "$TARS/escape-tr.tar" | grep -qx "../$ESCAPE-tr" || die "tar --transform did not make ../"
}

# Each test has a store of its own.
setup() {
	cpod_setup
	export CPOD_ROOT=$CPOD_TEST_DIR/t$BATS_TEST_NUMBER/root
	export CPOD_RUNROOT=$CPOD_TEST_DIR/t$BATS_TEST_NUMBER/runroot
	mkdir -p "$CPOD_ROOT" "$CPOD_RUNROOT"
}

# cpod_split [STATUS] ARGS...: run_cpod keeping stdout ($stdout) and stderr ($stderr) apart.
cpod_split() {
	local expected=0 dir=$CPOD_TEST_DIR/t$BATS_TEST_NUMBER
	case ${1:-} in
	'?' | [0-9] | [0-9][0-9] | [0-9][0-9][0-9])
		expected=$1
		shift
		;;
	esac
	CPOD_LAST_COMMAND="cpod $*"
	echo "# $CPOD_LAST_COMMAND"
	status=0
	timeout --kill-after=10 "$CPOD_TIMEOUT" "$CPOD" --root "$CPOD_ROOT" \
		--runroot "$CPOD_RUNROOT" "$@" >"$dir/stdout" 2>"$dir/stderr" || status=$?
	stdout=$(cat "$dir/stdout")
	stderr=$(cat "$dir/stderr")
	printf '# stdout:\n%s\n# stderr:\n%s\n' "$stdout" "$stderr"
	if [ "$expected" != '?' ] && [ "$status" -ne "$expected" ]; then
		die "exit status $status, expected $expected: $CPOD_LAST_COMMAND"
	fi
}

# import_id [ARGS...]: imports quietly and sets $iid to the new image's ID (64 hex digits).
import_id() {
	cpod_split import -q "$@"
	[[ $stdout =~ ^sha256:([0-9a-f]{64})$ ]] || die "import printed '$stdout', not an image ID"
	iid=${BASH_REMATCH[1]}
}

# The IDs of every image in the store, sorted, one a line.
all_ids() {
	run_cpod images -a -q --no-trunc
	sort <<<"$output"
}

# Fails when a file named like $ESCAPE* exists outside the store, where an escape would put it.
assert_nothing_escaped() {
	local found
	found=$(find "$CPOD_TEST_DIR" / /tmp /var/tmp -xdev -maxdepth 1 -name "$ESCAPE*" 2>/dev/null)
	found+=$(find "$CPOD_TEST_DIR" -name "$ESCAPE*" -not -path "$CPOD_ROOT/*" 2>/dev/null)
	[ -z "$found" ] || die "an archive entry escaped the store: $found"
}

# ---- import ------------------------------------------------------------------------------------

@test "import: the ID on stdout, containers/image's steps on stderr, -q silences them" {
	cpod_split import "$TARS/img.tar"
	[[ $stdout =~ ^sha256:([0-9a-f]{64})$ ]] || die "stdout is '$stdout', not sha256:<ID>"
	iid=${BASH_REMATCH[1]}
	is "${stderr%%$'\n'*}" "Getting image source signatures" "first progress line"
	[[ $stderr == *$'\nCopying blob sha256:'* ]] || die "no 'Copying blob' line"
	[[ $stderr == *$'\nCopying config sha256:'"$iid"$'\n'* ]] || die "no 'Copying config' line"
	[[ $stderr == *$'\nWriting manifest to image destination\nStoring signatures' ]] ||
		die "the last progress lines are not podman's"

	cpod_split import -q "$TARS/img.tar"
	is "$stdout" "sha256:[0-9a-f]{64}" "-q: only the ID"
	is "$stderr" "" "-q: nothing on stderr"
	[ "$stdout" != "sha256:$iid" ] || die "a second import made the same image ID"

	run_cpod image exists "$iid"
	run_cpod images -q --no-trunc
	assert_line "sha256:$iid"
	is "${#lines[@]}" 2 "two images"
}

@test "import: the image holds the tarball's files as one layer" {
	import_id "$TARS/img.tar"
	run_cpod image inspect --format '{{len .RootFS.Layers}} {{.RootFS.Type}} {{.Os}}' "$iid"
	is "$output" "1 layers linux"
	run_cpod image inspect --format '{{.Size}}' "$iid"
	size=$output
	busybox_size=$(stat -c %s /bin/busybox)
	[ "$size" -ge "$busybox_size" ] || die "image size $size is smaller than busybox ($busybox_size)"
	[ "$size" -lt $((busybox_size + 200000)) ] || die "image size $size is far above the tarball's"
	run_cpod images --format '{{.Repository}} {{.Tag}}'
	is "$output" "<none> <none>" "an import without a name is untagged"
}

@test "import: a reference names the image, short names under localhost/" {
	import_id "$TARS/img.tar" myimg
	run_cpod images --format '{{.Repository}}:{{.Tag}}'
	is "$output" "localhost/myimg:latest"
	import_id "$TARS/img2.tar" quay.io/some/thing:v1
	run_cpod image inspect --format '{{.RepoTags}}' "$iid"
	is "$output" "[quay.io/some/thing:v1]"
	run_cpod image exists myimg
	run_cpod image exists quay.io/some/thing:v1
}

@test "import from stdin with -, and of gzip, zstd and xz tarballs: the same layer" {
	import_id "$TARS/img.tar"
	run_cpod image inspect --format '{{index .RootFS.Layers 0}}' "$iid"
	layer=$output
	is "$layer" "sha256:[0-9a-f]{64}" "layer digest"

	cpod_split import -q - stdin-img <"$TARS/img.tar"
	is "$stdout" "sha256:[0-9a-f]{64}" "import from stdin"
	run_cpod image inspect --format '{{index .RootFS.Layers 0}}' stdin-img
	is "$output" "$layer" "stdin: same content, same layer"

	for ext in gz zst xz; do
		import_id "$TARS/img.tar.$ext"
		run_cpod image inspect --format '{{index .RootFS.Layers 0}}' "$iid"
		is "$output" "$layer" "img.tar.$ext: decompressed to the same layer"
	done
	import_id "$TARS/img2.tar"
	run_cpod image inspect --format '{{index .RootFS.Layers 0}}' "$iid"
	[ "$output" != "$layer" ] || die "different tarballs gave the same layer"
}

@test "import --change: CMD, ENTRYPOINT, ENV, LABEL, WORKDIR, USER, EXPOSE, VOLUME, STOPSIGNAL" {
	import_id "$TARS/img.tar" changed \
		-c 'CMD ["/bin/busybox", "echo", "hi"]' \
		--change 'ENTRYPOINT /bin/sh' \
		-c 'ENV A=1' -c 'ENV=B=2' -c 'ENV C="quoted"' -c 'ENV D=two words' \
		-c 'LABEL color=blue' -c 'LABEL "size"="xl"' \
		-c 'WORKDIR /srv' -c 'WORKDIR app' \
		-c 'USER 1000:1000' -c 'EXPOSE 8080' -c 'EXPOSE 53/udp' \
		-c 'VOLUME /data /cache' -c 'STOPSIGNAL SIGINT' -c 'ONBUILD RUN true'
	run_cpod image inspect --format '{{json .Config.Cmd}}' changed
	is "$output" '["/bin/busybox","echo","hi"]' "CMD, JSON form"
	run_cpod image inspect --format '{{json .Config.Entrypoint}}' changed
	is "$output" '["/bin/sh","-c","/bin/sh"]' "ENTRYPOINT, shell form"
	run_cpod image inspect --format '{{json .Config.Env}}' changed
	is "$output" '["A=1","B=2","C=quoted","D=two words"]' "ENV: with =, quoted, a space in the value"
	run_cpod image inspect --format '{{.Config.Labels.color}} {{.Config.Labels.size}}' changed
	is "$output" "blue xl" "LABEL"
	run_cpod image inspect --format '{{.Labels.color}}' changed
	is "$output" "blue" "the labels are the image's too"
	run_cpod image inspect --format '{{.Config.WorkingDir}}' changed
	is "$output" "/srv/app" "WORKDIR relative to the previous one"
	run_cpod image inspect --format '{{.Config.User}} {{.Config.StopSignal}}' changed
	is "$output" "1000:1000 2" "USER; STOPSIGNAL as a number"
	run_cpod image inspect --format '{{json .Config.ExposedPorts}}' changed
	is "$(jq -cS . <<<"$output")" '{"53/udp":{},"8080/tcp":{}}' "EXPOSE"
	run_cpod image inspect --format '{{json .Config.Volumes}}' changed
	is "$(jq -cS . <<<"$output")" '{"/cache":{},"/data":{}}' "VOLUME"
	run_cpod image inspect --format '{{json .Config.OnBuild}}' changed
	is "$output" '["RUN true"]' "ONBUILD"

	import_id "$TARS/img.tar" shellcmd -c 'CMD echo hello world'
	run_cpod image inspect --format '{{json .Config.Cmd}}' shellcmd
	is "$output" '["/bin/sh","-c","echo hello world"]' "CMD, shell form"
}

@test "image inspect: Go maps (ExposedPorts, Volumes, Labels) come out with sorted keys" {
	import_id "$TARS/img.tar" maps -c 'EXPOSE 8080' -c 'EXPOSE 53/udp' -c 'VOLUME /data /cache' \
		-c 'LABEL zz=1' -c 'LABEL aa=2'
	run_cpod image inspect --format '{{json .Config.ExposedPorts}}' maps
	is "$output" '{"53/udp":{},"8080/tcp":{}}' "ExposedPorts"
	run_cpod image inspect --format '{{json .Config.Volumes}}' maps
	is "$output" '{"/cache":{},"/data":{}}' "Volumes"
	run_cpod image inspect --format '{{json .Config.Labels}}' maps
	is "$output" '{"aa":"2","zz":"1"}' "Config.Labels"
	run_cpod image inspect --format '{{json .Labels}}' maps
	is "$output" '{"aa":"2","zz":"1"}' "Labels"
}

@test "import --change: a bad instruction fails and imports nothing" {
	run_cpod 125 import "$TARS/img.tar" -c 'BOGUS x'
	is "$output" "*Error: *BOGUS*" "the instruction is named"
	run_cpod 125 import "$TARS/img.tar" -c 'EXPOSE 99999'
	is "$output" "*Error: *EXPOSE*"
	run_cpod 125 import "$TARS/img.tar" -c 'LABEL novalue'
	is "$output" "*Error: *LABEL*"
	run_cpod 125 import "$TARS/img.tar" -c 'NOSPACE'
	is "$output" "*Error: *NOSPACE*"
	run_cpod 125 import "$TARS/img.tar" -c 'ENV=B=two words'
	is "$output" "*Error: *ENV=B=TWO*" "as in podman, the first space ends the instruction"
	run_cpod images -a -q
	is "$output" "" "no image was made"
}

@test "import --message, --os, --arch, --variant" {
	import_id "$TARS/img.tar" -m "from a tarball" --os freebsd --arch arm64 --variant v8
	run_cpod image inspect --format '{{.Os}}/{{.Architecture}}/{{.Variant}}' "$iid"
	is "$output" "freebsd/arm64/v8"
	run_cpod history --format '{{.Comment}}' "$iid"
	is "$output" "from a tarball" "the message is the history comment"
	import_id "$TARS/img.tar"
	run_cpod image inspect --format '{{.Os}}/{{.Architecture}}' "$iid"
	case $(uname -m) in
	x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;;
	esac
	is "$output" "linux/$arch" "the host's platform by default"
}

@test "import: bad sources fail with status 125, name the problem, change nothing" {
	import_id "$TARS/img.tar" keep
	before=$(all_ids)

	run_cpod 125 import "$TARS/nonexistent.tar"
	is "$output" "*Error: *nonexistent.tar*" "a missing file is named"
	run_cpod 125 import "$TARS/notar.txt"
	is "$output" "*Error: *" "not a tarball"
	run_cpod 125 import "$TARS/truncated.tar"
	is "$output" "*Error: *" "a truncated tarball"
	run_cpod 125 import "$TARS/escape.tar"
	is "$output" "*Error: *../../../../../../../../$ESCAPE*" "the ../ entry is named"
	run_cpod 125 import "$TARS/escape-tr.tar"
	is "$output" "*Error: *../$ESCAPE-tr*" "the ../ entry made by tar --transform is named"
	run_cpod 125 import - <"$TARS/escape.tar"
	is "$output" "*Error: *$ESCAPE*" "from stdin too"
	run_cpod 125 import http://127.0.0.1:1/x.tar
	is "$output" "*Error: *not supported*" "URLs are refused, not fetched"
	run_cpod 125 import
	is "$output" "Error: *" "no arguments"
	run_cpod 125 import a b c
	is "$output" "Error: *" "three arguments"

	is "$(all_ids)" "$before" "the store is as before"
	assert_nothing_escaped

	# A symlink to / in the archive must not let a later entry write outside.
	run_cpod '?' import "$TARS/symlink.tar"
	assert_nothing_escaped
}

# ---- images ------------------------------------------------------------------------------------

@test "images: podman's table, a row per name, <none> for untagged, 12-digit IDs" {
	run_cpod images
	is "$output" "REPOSITORY  TAG         IMAGE ID    CREATED     SIZE" "only the header when empty"

	import_id "$TARS/img.tar" alpha:1
	a=$iid
	run_cpod tag "$a" beta:2
	import_id "$TARS/img2.tar"
	b=$iid

	run_cpod images
	is "${#lines[@]}" 4 "header and three rows"
	is "${lines[0]}" "REPOSITORY +TAG +IMAGE ID +CREATED +SIZE"
	assert_line "localhost/alpha +1 +${a:0:12} +(Less than a second|[0-9]+ seconds?) ago +[0-9.]+ [kM]?B"
	assert_line "localhost/beta +2 +${a:0:12} +.* ago +[0-9.]+ [kM]?B"
	assert_line "<none> +<none> +${b:0:12} +(Less than a second|[0-9]+ seconds?) ago +[0-9.]+ [kM]?B"

	run_cpod images --noheading
	is "${#lines[@]}" 3 "--noheading: no header"
	refute_line "REPOSITORY*"
	run_cpod images -n
	is "${#lines[@]}" 3 "-n"

	run_cpod images --no-trunc
	assert_line "localhost/alpha +1 +sha256:$a +.*"

	run_cpod images --digests
	is "${lines[0]}" "REPOSITORY +TAG +DIGEST +IMAGE ID +CREATED +SIZE"
	assert_line "localhost/alpha +1 +sha256:[0-9a-f]{64} +${a:0:12} +.*"

	run_cpod images --history
	is "${lines[0]}" "REPOSITORY +TAG +IMAGE ID +CREATED +SIZE +HISTORY"
	assert_line "localhost/alpha +1 +${a:0:12} +.* ago +[0-9.]+ [kM]?B +(localhost/[a-z]+:[0-9], )*localhost/alpha:1(, localhost/[a-z]+:[0-9])*"
	assert_line "<none> +<none> +${b:0:12} +.* +<none>"
}

@test "images: SIZE and CREATED as podman prints them" {
	import_id "$TARS/img.tar" sized
	run_cpod image inspect --format '{{.Size}}' sized
	size=$output
	# go-units HumanSizeWithPrecision(size, 3), then a space before the unit.
	want=$(python3 -c '
import sys
s = float(sys.argv[1]); units = ["B", "kB", "MB", "GB"]; i = 0
while s >= 1000 and i < 3: s /= 1000; i += 1
print("%s %s" % ("%.3g" % s, units[i]))' "$size")
	run_cpod images --format '{{.Size}}' sized
	is "$output" "$want" "human size of $size bytes"
	run_cpod images --format '{{.Created}}' sized
	is "$output" "(Less than a second|[0-9]+ seconds?) ago" "created just now"
	created=$output
	run_cpod images --format '{{.CreatedSince}}' sized
	is "$output" "$created" "CreatedSince is Created"
	run_cpod images --format '{{.CreatedAt}}' sized
	is "$output" "20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9:]{8} \+0000 UTC" "Go's time.String()"
}

@test "images -q: each image once; --no-trunc: sha256:ID" {
	import_id "$TARS/img.tar" q1
	a=$iid
	run_cpod tag q1 q2 q3
	import_id "$TARS/img2.tar"
	b=$iid
	run_cpod images -q
	is "$(sort <<<"$output")" "$(printf '%s\n' "${a:0:12}" "${b:0:12}" | sort)" "unique short IDs"
	run_cpod images -q --no-trunc
	is "$(sort <<<"$output")" "$(printf 'sha256:%s\n' "$a" "$b" | sort)" "unique full IDs"
	run_cpod images --quiet --filter dangling=true
	is "$output" "${b:0:12}"
}

@test "images --sort: created (default, newest first), id, repository, size, tag" {
	import_id "$TARS/img2.tar" alpha:zz
	big=$iid
	sleep 1.1
	import_id "$TARS/img.tar" zeta:aa
	small=$iid

	run_cpod images --format '{{.Repository}}'
	is "$output" "localhost/zeta
localhost/alpha" "created: newest first by default"
	run_cpod images --sort created --format '{{.Repository}}'
	is "$output" "localhost/zeta
localhost/alpha"
	run_cpod images --sort repository --format '{{.Repository}}'
	is "$output" "localhost/alpha
localhost/zeta"
	run_cpod images --sort tag --format '{{.Tag}}'
	is "$output" "aa
zz"
	run_cpod images --sort size --format '{{.Repository}}'
	is "$output" "localhost/zeta
localhost/alpha" "size: smallest first"
	run_cpod images --sort id --format '{{.ID}}'
	is "$output" "$(printf '%s\n' "${big:0:12}" "${small:0:12}" | sort)" "id: ascending"
	run_cpod 125 images --sort name
	is "$output" 'Error: "name" is not a valid field for sorting. Choose from: created, id, repository, size, tag'
}

@test "images --format: templates, table, json" {
	import_id "$TARS/img.tar" fmt:v1 -c 'LABEL team=core'
	a=$iid

	run_cpod images --format '{{.ID}} {{.Repository}}:{{.Tag}}'
	is "$output" "${a:0:12} localhost/fmt:v1" "a template: no header"
	run_cpod images --format '{{.ID|upper}}'
	is "$output" "$(tr a-f A-F <<<"${a:0:12}")" "functions"
	run_cpod images --format '{{.Labels.team}}'
	is "$output" "core" "labels"
	run_cpod images --format '{{.ID}}' --no-trunc
	is "$output" "sha256:$a"
	run_cpod images --format 'table {{.Repository}} {{.Tag}}'
	is "${lines[0]}" "REPOSITORY +TAG" "table: header"
	is "${lines[1]}" "localhost/fmt +v1"
	run_cpod images --noheading --format 'table {{.ID}}'
	is "$output" "${a:0:12}" "table --noheading"
	run_cpod images --format '{{range .}}{{.Tag}};{{end}}'
	is "$output" "v1;" "range over all rows"
	run_cpod 125 images --format '{{.ID'
	is "$output" "Error: template: *" "a bad template"

	run_cpod images --format json
	echo "$output" | jq -e . >/dev/null || die "not JSON"
	is "$(jq -r length <<<"$output")" 1
	is "$(jq -r '.[0].Id' <<<"$output")" "$a" "Id: no sha256: prefix"
	is "$(jq -r '.[0].RepoTags' <<<"$output")" "null" "RepoTags is null, as podman prints it"
	is "$(jq -r '.[0].Names[0]' <<<"$output")" "localhost/fmt:v1"
	is "$(jq -r '.[0].Digest' <<<"$output")" "sha256:[0-9a-f]{64}"
	is "$(jq -r '.[0].Labels.team' <<<"$output")" "core"
	is "$(jq -r '.[0].Created | type' <<<"$output")" "number"
	is "$(jq -r '.[0].CreatedAt' <<<"$output")" "20[0-9-]+T[0-9:]+Z"
	is "$(jq -r '.[0].Size' <<<"$output")" "[0-9]+"
	is "$(jq -r '.[0] | keys_unsorted | .[0]' <<<"$output")" "Id" "podman's key order"
	is "$(jq -r '.[0] | keys_unsorted | .[-1]' <<<"$output")" "CreatedAt"
	is "${lines[2]}" '        "Id": "*' "indented by four spaces"

	run_cpod untag fmt:v1
	run_cpod images --format '{{json .}}'
	is "$(jq -r .Repository <<<"$output")" "<none>" "{{json .}}: one record a line"
}

@test "images: positional REPOSITORY and the reference, dangling and label filters" {
	import_id "$TARS/img.tar" red:1 -c 'LABEL color=red' -c 'LABEL tier=a'
	red=$iid
	import_id "$TARS/img2.tar" blue:1 -c 'LABEL color=blue'
	blue=$iid
	import_id "$TARS/img.tar"
	none=$iid

	run_cpod images --format '{{.ID}}' red
	is "$output" "${red:0:12}" "positional short name"
	run_cpod images --format '{{.ID}}' localhost/blue:1
	is "$output" "${blue:0:12}" "positional full name"
	run_cpod images --format '{{.ID}}' nothing-like-this
	is "$output" "" "positional: no match"
	run_cpod images --noheading nothing-like-this
	is "$output" "" "no match, no rows"

	run_cpod images -f reference=blue --format '{{.ID}}'
	is "$output" "${blue:0:12}" "reference="
	run_cpod images --filter dangling=true --format '{{.ID}}'
	is "$output" "${none:0:12}" "dangling=true"
	run_cpod images --filter dangling=false --format '{{.ID}}' --sort id
	is "$output" "$(printf '%s\n' "${red:0:12}" "${blue:0:12}" | sort)" "dangling=false"
	run_cpod images --filter label=color=blue --format '{{.ID}}'
	is "$output" "${blue:0:12}" "label=key=value"
	run_cpod images --filter label=tier --format '{{.ID}}'
	is "$output" "${red:0:12}" "label=key"
	run_cpod images --filter label=color --filter reference=red --format '{{.ID}}'
	is "$output" "${red:0:12}" "two filters: both must match"
	run_cpod images --filter label=color=blue,reference=red --format '{{.ID}}'
	is "$output" "" "comma-separated filters: both must match"

	run_cpod 125 images -f reference=red red
	is "$output" "Error: cannot specify an image and a filter(s)"
	run_cpod 125 images --filter bogus=1
	is "$output" "Error: *bogus*" "an unknown filter is named"
	run_cpod 125 images a b
	is "$output" "Error: *"
}

# ---- inspect -----------------------------------------------------------------------------------

@test "image inspect: a JSON array; found ones printed, missing ones errors with status 125" {
	import_id "$TARS/img.tar" insp
	a=$iid
	import_id "$TARS/img2.tar"
	b=$iid

	cpod_split image inspect insp
	is "$(jq -r length <<<"$stdout")" 1
	is "$(jq -r '.[0].Id' <<<"$stdout")" "$a"
	is "$(jq -r '.[0].RepoTags[0]' <<<"$stdout")" "localhost/insp:latest"
	is "${stdout%%$'\n'*}" "[" "podman's layout"
	is "$(sed -n 2p <<<"$stdout")" "     {" "indented by five spaces"

	cpod_split image inspect "$a" "${b:0:12}"
	is "$(jq -r '.[].Id' <<<"$stdout")" "$a
$b" "by ID and by ID prefix, in order"

	cpod_split 125 image inspect insp nosuch
	is "$(jq -r '.[].Id' <<<"$stdout")" "$a" "the found image is still printed"
	is "$stderr" "Error: inspecting object: nosuch: image not known"

	cpod_split 125 image inspect nosuch1 nosuch2
	is "$stdout" "[]" "nothing found: an empty array"
	is "$stderr" "error inspecting object: nosuch2: image not known
Error: inspecting object: nosuch1: image not known"

	run_cpod image inspect --format '{{.Id}} {{.ID}}' insp
	is "$output" "$a $a"
	run_cpod image inspect -f '{{.Id}}' insp "$b"
	is "$output" "$a
$b" "a template per image"
	run_cpod image inspect -f json insp
	is "$(jq -r '.[0].Id' <<<"$output")" "$a"
	run_cpod 125 image inspect
	is "$output" "Error: no names or ids specified"
	run_cpod 125 image inspect -f '{{.Nope' insp
	is "$output" "*Error: *template*"
}

@test "inspect: images by name with --type image or all; other types do not find them" {
	import_id "$TARS/img.tar" topinsp
	a=$iid
	run_cpod inspect --format '{{.Id}}' topinsp
	is "$output" "$a" "--type all finds images"
	run_cpod inspect --type image -f '{{.Id}}' "${a:0:12}"
	is "$output" "$a"
	run_cpod inspect -t image topinsp
	is "$(jq -r '.[0].Id' <<<"$output")" "$a" "JSON by default"

	cpod_split 125 inspect nosuch
	is "$stdout" "[]"
	is "$stderr" 'Error: inspecting object: no such object: "nosuch"'
	cpod_split 125 inspect --type image nosuch
	is "$stderr" "Error: inspecting object: nosuch: image not known"

	run_cpod 125 inspect --type bogus topinsp
	is "$output" 'Error: invalid type "bogus": must be "image", "container", "pod", "network", "volume", or "all"'
	run_cpod 125 inspect --type image --size topinsp
	is "$output" 'Error: size is not supported for type "image"'
	run_cpod 125 inspect --type image --latest
	is "$output" 'Error: latest is not supported for type "image"'
	cpod_split 125 inspect --type container topinsp
	is "$stderr" "Error: inspecting object: no such container topinsp"
	run_cpod 125 inspect --type pod topinsp
	is "$output" "Error: *not supported*"
	run_cpod 125 inspect
	is "$output" "Error: no names or ids specified"
}

@test "image exists: status 0 or 1, no output" {
	import_id "$TARS/img.tar" there:v1
	run_cpod image exists there:v1
	is "$output" ""
	run_cpod image exists localhost/there:v1
	run_cpod image exists "$iid"
	run_cpod image exists "${iid:0:12}"
	run_cpod 1 image exists there:v2
	is "$output" "" "no output when missing"
	run_cpod 1 image exists nosuch
	run_cpod 125 image exists
	is "$output" "Error: accepts 1 arg(s), received 0"
}

# ---- tag, untag, rmi ---------------------------------------------------------------------------

@test "tag and untag: names come and go, the image stays" {
	import_id "$TARS/img.tar"
	run_cpod tag "$iid" t1 t2:v2 quay.io/x/t3:v3
	is "$output" "" "tag prints nothing"
	run_cpod images --sort repository --format '{{.Repository}}:{{.Tag}}'
	is "$output" "localhost/t1:latest
localhost/t2:v2
quay.io/x/t3:v3"
	run_cpod image tag t1 t4
	run_cpod image exists localhost/t4:latest

	run_cpod untag "$iid" localhost/t1:latest
	is "$output" ""
	run_cpod 1 image exists t1
	run_cpod image exists t2:v2
	run_cpod image untag t2:v2 t2:v2
	run_cpod 1 image exists t2:v2
	run_cpod image inspect --format '{{len .RepoTags}}' "$iid"
	is "$output" 2 "t3 and t4 left"

	run_cpod untag "$iid"
	run_cpod image inspect --format '{{len .RepoTags}}' "$iid"
	is "$output" 0 "untag without names removes them all"
	run_cpod images --format '{{.Repository}} {{.Tag}} {{.ID}}'
	is "$output" "<none> <none> ${iid:0:12}" "the image is still there"

	run_cpod 125 tag nosuch x
	is "$output" "Error: nosuch: image not known"
	run_cpod 125 tag "$iid" 'Bad:Name'
	is "$output" "Error: *Bad*"
	run_cpod 125 tag "$iid"
	is "$output" "Error: requires at least 2 arg(s), only received 1"
	run_cpod 125 untag nosuch
	is "$output" "Error: nosuch: image not known"
	run_cpod 125 untag
	is "$output" "Error: requires at least 1 arg(s), only received 0"
}

@test "tag: a name held by another image moves to this one" {
	import_id "$TARS/img.tar" shared
	first=$iid
	import_id "$TARS/img2.tar"
	second=$iid
	run_cpod tag "$second" shared
	run_cpod image inspect --format '{{.Id}}' shared
	is "$output" "$second"
	run_cpod image inspect --format '{{len .RepoTags}}' "$first"
	is "$output" 0 "the first image lost the name"
}

@test "rmi: Untagged while other names remain, Deleted with the last" {
	import_id "$TARS/img.tar" n1
	run_cpod tag n1 n2
	run_cpod rmi n1
	is "$output" "Untagged: localhost/n1:latest" "only the name goes"
	run_cpod image exists "$iid"
	run_cpod image rm n2
	is "$output" "Untagged: localhost/n2:latest
Deleted: $iid" "the last name takes the image with it"
	run_cpod 1 image exists "$iid"
	run_cpod images -a -q
	is "$output" ""

	import_id "$TARS/img.tar"
	run_cpod rmi "${iid:0:12}"
	is "$output" "Deleted: $iid" "an untagged image by ID prefix"
	run_cpod 1 image exists "$iid"
}

@test "rmi: status 1 for a missing image, the others still removed; -i and -f" {
	import_id "$TARS/img.tar" gone1
	one=$iid
	import_id "$TARS/img2.tar" gone2

	cpod_split 1 rmi gone1 nosuch
	is "$stdout" "Untagged: localhost/gone1:latest
Deleted: $one" "the existing image is removed"
	is "$stderr" "Error: nosuch: image not known"

	cpod_split 1 rmi nosuch1 nosuch2
	is "$stderr" "Error: 2 errors occurred:
	* nosuch1: image not known
	* nosuch2: image not known"

	cpod_split rmi -i nosuch
	is "$stdout$stderr" "" "--ignore: a missing image is no error"
	cpod_split rmi --force nosuch
	is "$stdout$stderr" "" "--force: a missing image is no error"
	run_cpod image exists gone2

	run_cpod 125 rmi
	is "$output" "Error: image name or ID must be specified"
	run_cpod 125 rmi -a gone2
	is "$output" "Error: when using the --all switch, you may not pass any images names or IDs"
}

@test "rmi -a removes every image" {
	import_id "$TARS/img.tar" all1
	a=$iid
	run_cpod tag all1 all2
	import_id "$TARS/img2.tar"
	b=$iid
	run_cpod rmi -a
	assert_line "Untagged: localhost/all1:latest"
	assert_line "Untagged: localhost/all2:latest"
	assert_line "Deleted: $a"
	assert_line "Deleted: $b"
	run_cpod images -a -q
	is "$output" "" "nothing left"
	run_cpod rmi --all
	is "$output" "" "nothing to remove is fine"
}

# ---- history -----------------------------------------------------------------------------------

@test "history: podman's table, -q, --no-trunc, --human=false, --format, json" {
	import_id "$TARS/img.tar" hist -m "imported & tested"
	run_cpod image inspect --format '{{.Size}}' hist
	size=$output

	run_cpod history hist
	is "${lines[0]}" "ID +CREATED +CREATED BY +SIZE +COMMENT" "header"
	is "${#lines[@]}" 2 "one entry"
	is "${lines[1]}" "([0-9a-f]{12}|<missing>) +(Less than a second|[0-9]+ seconds?) ago +/bin/sh -c #\(nop\) ADD file:[0-9a-f]{15}\.\.\. +[0-9.]+ [kM]?B +imported & tested"

	run_cpod history --no-trunc --format '{{.CreatedBy}}' hist
	full=$output
	is "$full" "/bin/sh -c #\(nop\) ADD file:[0-9a-f]{64} in / *" "--no-trunc: CREATED BY whole"
	run_cpod history --format '{{.CreatedBy}}' hist
	is "$output" "${full:0:42}..." "CREATED BY cut to 45 characters"

	run_cpod image history -q hist
	is "$output" "([0-9a-f]{12}|<missing>)" "-q: the ID only"
	run_cpod history -q --no-trunc hist
	is "$output" "([0-9a-f]{64}|<missing>)" "--no-trunc: whole ID, no sha256:"

	run_cpod history --human=false --format '{{.Created}}' hist
	is "$output" "20[0-9-]+T[0-9:]+Z" "--human=false: RFC 3339"
	run_cpod history -H --format '{{.Created}}' hist
	is "$output" "*ago"
	run_cpod history --format '{{.Comment}}; {{.Size}}' hist
	is "$output" "imported & tested; [0-9.]+ [kM]?B"
	run_cpod history --format 'table {{.Comment}}' hist
	is "$output" "COMMENT
imported & tested"

	run_cpod history --format json hist
	is "${#lines[@]}" 1 "json: one line"
	is "$(jq -r '.[0].comment' <<<"$output")" "imported & tested"
	is "$(jq -r '.[0].size' <<<"$output")" "[0-9]+"
	is "$(jq -r '.[0].created' <<<"$output")" "20[0-9-]+T[0-9:.]+Z"
	is "$(jq -r '.[0].Created' <<<"$output")" "20[0-9-]+T[0-9:]+Z"
	[[ $output == *'imported \u0026 tested'* ]] || die "json: & is escaped as Go's encoder does"

	run_cpod 125 history nosuch
	is "$output" "Error: nosuch: image not known"
	run_cpod 125 history
	is "$output" "Error: accepts 1 arg(s), received 0"
}

# ---- the command table -------------------------------------------------------------------------

@test "the image commands answer under podman's names" {
	run_cpod help --list
	for path in import "image import" images "image list" "image ls" "image inspect" inspect \
		"image exists" tag "image tag" untag "image untag" rmi "image rm" history \
		"image history"; do
		# shellcheck disable=SC2086
		run_cpod $path --help
		assert_line "  cpod $path *" "$path --help shows its usage"
	done
	run_cpod images --help
	assert_line "  -q, --quiet +Display only image IDs"
	assert_line "      --sort string +Sort by created, id, repository, size, tag \(default \"created\"\)"
	run_cpod import --help
	assert_line "  -c, --change stringArray   Apply the following possible instructions to the created image*"
	run_cpod history --help
	assert_line "  -H, --human +Display sizes and dates in human readable format \(default true\)"
}
