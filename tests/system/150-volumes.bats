#!/usr/bin/env bats
# Named volumes as podman 4.3 has them: volume create (names, labels, the local driver's
# options, --ignore), ls (table, -q, --format, filters), inspect, exists, rm (exit codes, in
# use, --force) and prune (confirmation, filters); --volumepath.  The tests that need
# containers (volumes in use, data kept across containers, copy-up, anonymous volumes, tmpfs
# volumes, image volumes) are at the end.

load helpers

# Each test has a store of its own.
setup() {
	cpod_setup
	export CPOD_ROOT=$CPOD_TEST_DIR/t$BATS_TEST_NUMBER/root
	export CPOD_RUNROOT=$CPOD_TEST_DIR/t$BATS_TEST_NUMBER/runroot
	mkdir -p "$CPOD_ROOT" "$CPOD_RUNROOT"
}

teardown() {
	cpod_rm_all
	cpod_unmount_under "$CPOD_TEST_DIR/t$BATS_TEST_NUMBER"
	cpod_teardown
}

# run_cpod_stdin INPUT STATUS ARGS...: run_cpod with INPUT (printf %b) on stdin.
run_cpod_stdin() {
	local input=$1 expected=$2
	shift 2
	CPOD_LAST_COMMAND="cpod $* <<< '$input'"
	echo "# $CPOD_LAST_COMMAND"
	status=0
	output=$(printf '%b' "$input" | timeout --kill-after=10 "$CPOD_TIMEOUT" \
		"$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" "$@" 2>&1) || status=$?
	lines=()
	[ -z "$output" ] || mapfile -t lines <<<"$output"
	echo "$output"
	[ "$status" -eq "$expected" ] || die "exit status $status, expected $expected"
}

# The sorted names of `volume ls -q`, on one line.
vol_names() {
	echo $("$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" volume ls -q | sort)
}

@test "volume ls: nothing at all when there are no volumes, [] as JSON" {
	run_cpod volume ls
	is "$output" "" "no header either"
	run_cpod volume ls --noheading
	is "$output" ""
	run_cpod volume ls --format json
	is "$output" "[]"
}

@test "volume create / ls / inspect / exists" {
	run_cpod volume create --label l=one myvol
	is "$output" "myvol" "create prints the name"
	run_cpod volume ls
	is "${lines[0]}" "DRIVER      VOLUME NAME" "the table header"
	is "${lines[1]}" "local       myvol"
	is "${#lines[@]}" 2
	run_cpod volume ls --noheading
	is "$output" "local       myvol"
	run_cpod volume ls -q
	is "$output" "myvol"
	run_cpod volume ls --format '{{.Name}}:{{.Driver}}:{{.Scope}}'
	is "$output" "myvol:local:local"
	run_cpod volume ls --format 'table {{.Name}} {{.Driver}}'
	is "${lines[0]}" "VOLUME NAME  DRIVER"
	is "${lines[1]}" "myvol        local"
	run_cpod volume ls --format '{{.Labels.l}}'
	is "$output" "one" "a label through a template"

	run_cpod volume ls --format json
	is "$(jq -r '.[0].Name' <<<"$output")" "myvol"
	is "$(jq -r '.[0].Driver' <<<"$output")" "local"
	is "$(jq -r '.[0].Labels.l' <<<"$output")" "one"
	is "$(jq -r '.[0].Scope' <<<"$output")" "local"
	is "$(jq -r '.[0].NeedsCopyUp' <<<"$output")" "true"
	is "$(jq -r '.[0].NeedsChown' <<<"$output")" "true"
	is "$(jq -r '.[0].MountCount' <<<"$output")" "0"
	mountpoint=$(jq -r '.[0].Mountpoint' <<<"$output")
	is "$mountpoint" "$CPOD_ROOT/volumes/myvol/_data" "under <graphroot>/volumes"
	[ -d "$mountpoint" ] || die "$mountpoint is not a directory"
	is "$(stat -c %a "$mountpoint")" "755"
	is "$(stat -c %a "$(dirname "$mountpoint")")" "700"

	run_cpod volume inspect myvol
	[ "${#lines[@]}" -ge 10 ] || die "inspect output is not indented (podman #8011)"
	is "$(jq -r '.[0].Mountpoint' <<<"$output")" "$mountpoint"
	is "$(jq -r '.[0].CreatedAt' <<<"$output")" '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9]{2}:[0-9]{2})'
	run_cpod volume inspect --format '{{.Driver}} {{.Scope}} {{.Name}}' myvol
	is "$output" "local local myvol"
	run_cpod volume inspect --format '{{.Name}}' myv
	is "$output" "myvol" "a unique prefix names the volume"

	run_cpod volume exists myvol
	run_cpod 1 volume exists myv
	is "$output" "" "exists takes exact names and prints nothing"
	run_cpod 1 volume exists nosuchvolume
}

@test "volume create: random names, existing names, --ignore" {
	run_cpod volume create
	[[ $output =~ ^[0-9a-f]{64}$ ]] || die "no name: '$output' is not 64 hex digits"
	run_cpod volume create v1
	run_cpod 125 volume create v1
	is "$output" "Error: volume with name v1 already exists: volume already exists"
	run_cpod volume create --ignore v1
	is "$output" "v1" "--ignore prints the existing name"
	run_cpod volume ls -q
	is "${#lines[@]}" 2
}

@test "volume create: bad names, drivers, labels and options" {
	for name in _x .x 'a b' a/b 'a:b' 'ü' 'a$'; do
		run_cpod 125 volume create "$name"
		is "$output" "Error: running volume create option: names must match \\[a-zA-Z0-9\\]\\[a-zA-Z0-9_.-\\]\\*: invalid argument" "name '$name'"
	done
	run_cpod 125 volume create -- -x
	is "$output" "Error: running volume create option: names must match *" "name '-x'"
	run_cpod 125 volume create --driver nfs dv
	is "$output" "Error: volume dv uses volume plugin nfs but it could not be retrieved: no volume plugin with name nfs available: required plugin missing"
	run_cpod 125 volume create --label =x lv
	is "$output" 'Error: unable to process labels: invalid label format: "=x"'
	run_cpod 125 volume create -o foo=bar ov
	is "$output" "Error: invalid mount option foo for driver 'local': invalid argument"
	run_cpod 125 volume create -o type=bind -o device=/bogus ov
	is "$output" "Error: invalid volume option device for driver 'local': stat /bogus: no such file or directory"
	run_cpod 125 volume create -o o=size=2m ov
	is "$output" "Error: volume options size and inodes not supported. Filesystem does not support Project Quota"
	run_cpod 125 volume create -o o=uid=abc ov
	is "$output" "Error: cannot convert UID abc to integer: *"
	run_cpod volume ls -q
	is "$output" "" "no failed create left a volume"
	run_cpod volume create -o type=bind -o device=$CPOD_TEST_DIR ov
	run_cpod volume create -o type=tmpfs -o device=tmpfs -o o=size=2m,nodev tv
	run_cpod volume inspect --format '{{.Options.type}} {{.Options.o}} {{.Options.SIZE}}' tv
	is "$output" "tmpfs size=2m,nodev 2m"
	run_cpod volume create -o o=uid=1000,gid=2000 uv
	run_cpod volume inspect --format '{{.UID}} {{.GID}} {{.Options.UID}} {{.NeedsChown}}' uv
	is "$output" "1000 2000 1000 false"
	is "$(stat -c %u:%g "$CPOD_ROOT/volumes/uv/_data")" "1000:2000"
}

@test "volume ls --filter" {
	for v in volume_1_abc volume_2_abc other; do
		run_cpod volume create $v
	done
	run_cpod volume create --label mylabel=x labeled
	run_cpod volume create -o type=tmpfs -o device=tmpfs withopt
	run_cpod volume ls --filter name=volume_1.+ --format '{{.Name}}'
	is "$output" "volume_1_abc"
	# A regular expression, not a glob: _1* matches "_" too.
	run_cpod volume ls --filter 'name=volume_1*' --format '{{.Name}}'
	is "$(echo $output)" "volume_1_abc volume_2_abc"
	run_cpod volume ls --filter label=mylabel -q
	is "$output" "labeled"
	run_cpod volume ls --filter label=mylabel=y -q
	is "$output" ""
	run_cpod volume ls --filter opt=type=tmpfs -q
	is "$output" "withopt"
	run_cpod volume ls --filter driver=local --filter name=^o -q
	is "$output" "other"
	run_cpod volume ls --filter dangling=true --filter name=abc -q
	is "$(echo $output)" "volume_1_abc volume_2_abc"
	run_cpod volume ls --filter dangling=false -q
	is "$output" ""
	run_cpod volume ls --filter until=2000-01-01 -q
	is "$output" ""
	run_cpod volume ls --filter until=1h --filter name=other -q
	is "$output" "" "created less than an hour ago"
	run_cpod 125 volume ls --filter bogus=1
	is "$output" 'Error: "bogus" is an invalid volume filter'
	run_cpod 125 volume ls --filter name
	is "$output" "Error: filter input must be in the form of filter=value: name is invalid"
	run_cpod 125 volume ls --filter dangling=maybe
	is "$output" 'Error: "maybe" is not a valid value for the "dangling" filter - must be true or false'
	run_cpod 125 volume ls -q --format '{{.Name}}'
	is "$output" "Error: quiet and format flags cannot be used together"
}

@test "volume inspect: --all, missing volumes, bad arguments" {
	run_cpod volume create a1
	run_cpod volume create a2
	run_cpod volume inspect --all --format '{{.Name}}'
	is "$(echo $output)" "a1 a2"
	run_cpod 125 volume inspect nosuch
	is "${lines[0]}" "[]" "an empty array is still printed"
	is "${lines[1]}" "Error: inspecting object: no such volume nosuch"
	run_cpod 125 volume inspect --format '{{.Name}}' a1 nosuch a2 nosuch2
	is "${lines[0]}" "a1"
	is "${lines[1]}" "a2"
	assert_line "error inspecting object: no such volume nosuch2"
	assert_line "Error: inspecting object: no such volume nosuch"
	run_cpod 125 volume inspect
	is "$output" "Error: provide one or more volume names or use --all"
	run_cpod 125 volume inspect --all a1
	is "$output" "Error: provide one or more volume names or use --all"
	run_cpod volume create a3
	run_cpod 125 volume inspect a
	is "$output" '*more than one result for volume name "a": volume already exists*'
}

@test "volume rm: exit codes, --force, --all" {
	run_cpod volume create r1
	run_cpod volume inspect --format '{{.Mountpoint}}' r1
	mountpoint=$output
	run_cpod volume rm r1
	is "$output" "r1"
	[ ! -e "$(dirname "$mountpoint")" ] || die "the volume's directory is still there"
	run_cpod 1 volume rm bogus
	is "$output" 'Error: no volume with name "bogus" found: no such volume'
	run_cpod volume rm --force bogus
	is "$output" "" "--force: a missing volume is no error"
	run_cpod volume create r2
	run_cpod volume create r3
	run_cpod 1 volume rm r2 bogus
	is "${lines[0]}" "r2" "the others are still removed"
	is "${lines[1]}" 'Error: no volume with name "bogus" found: no such volume'
	run_cpod volume rm r
	is "$output" "r3" "a unique prefix, the full name printed"
	run_cpod volume create r4
	run_cpod volume create r5
	run_cpod volume rm -a
	is "$(echo $(sort <<<"$output"))" "r4 r5"
	run_cpod volume ls -q
	is "$output" ""
	run_cpod 125 volume rm
	is "$output" "Error: choose either one or more volumes or all"
	run_cpod 125 volume rm -a r4
	is "$output" "Error: choose either one or more volumes or all"
	run_cpod 125 volume rm -t 0 r4
	is "$output" "Error: --force option must be specified to use the --time option"
	run_cpod volume remove --force --time 0 bogus
}

@test "volume prune: the confirmation, --force, --filter" {
	for i in 1 2 3; do
		run_cpod volume create p$i
	done
	run_cpod volume create --label mylabel p4
	run_cpod_stdin 'N\n' 0 volume prune
	is "${lines[0]}" "WARNING! This will remove all volumes not used by at least one container. The following volumes will be removed:"
	is "$(echo $(sort <<<"${lines[*]:1:4}"))" "p1 p2 p3 p4"
	is "${lines[5]}" "Are you sure you want to continue? \\[y/N\\] "
	is "$(vol_names)" "p1 p2 p3 p4" "N removes nothing"
	run_cpod_stdin 'N\n' 0 volume prune --filter label=mylabel
	is "${lines[1]}" "p4" "the filter selects what is listed"
	is "${#lines[@]}" 3
	run_cpod_stdin 'y\n' 0 volume prune --filter label=mylabel
	is "${lines[2]}" "Are you sure you want to continue? \\[y/N\\] p4"
	is "$(vol_names)" "p1 p2 p3"
	run_cpod_stdin '' 125 volume prune
	is "${lines[-1]}" "*Error: EOF"
	run_cpod volume prune --force
	is "$(echo $(sort <<<"$output"))" "p1 p2 p3"
	run_cpod volume prune -f
	is "$output" "" "nothing left to prune"
	run_cpod_stdin 'y\n' 0 volume prune
	is "${lines[1]}" "No dangling volumes found"
	run_cpod 125 volume prune -f --filter bogus=1
	is "$output" 'Error: "bogus" is an invalid volume filter'
}

@test "--volumepath places volumes elsewhere" {
	local vp=$CPOD_TEST_DIR/t$BATS_TEST_NUMBER/elsewhere
	run_cpod --volumepath "$vp" volume create placed
	run_cpod --volumepath "$vp" volume inspect --format '{{.Mountpoint}}' placed
	is "$output" "$vp/placed/_data"
	[ -d "$vp/placed/_data" ] || die "not made there"
	[ ! -e "$CPOD_ROOT/volumes/placed" ] || die "made under the graphroot too"
	run_cpod volume rm placed
	[ ! -e "$vp/placed" ] || die "rm left the directory"
}

# ---- with containers -------------------------------------------------------------------------
# These need the engine to call volume_register_for_container() at create and
# volume_resolve_for_container() at init (lib/engine/volume_internal.h).

@test "volume rm: a volume in use is refused (2), --force removes its container" {
	cpod_import_busybox
	run_cpod create --name user -v used:/data localhost/bb:latest true
	cid=$output
	run_cpod volume exists used
	run_cpod 2 volume rm used
	is "$output" "Error: volume used is being used by the following container(s): $cid: volume is being used"
	run_cpod volume ls --filter dangling=false -q
	is "$output" "used"
	run_cpod volume prune -f
	is "$output" "" "prune leaves volumes in use alone"
	run_cpod volume rm --force used
	is "$output" "used"
	run_cpod 1 container exists user
	run_cpod run -d --name runner -v busy:/data localhost/bb:latest sleep 100
	run_cpod 2 volume rm busy
	run_cpod volume rm -f -t 0 busy
	is "$output" "busy" "a running container is stopped and removed first"
	run_cpod 1 container exists runner
}

@test "volumes: data persists across containers, :ro, anonymous volumes and rm -v" {
	cpod_import_busybox
	run_cpod volume create keep
	run_cpod volume inspect --format '{{.Mountpoint}}' keep
	mountpoint=$output
	run_cpod run --rm -v keep:/vol localhost/bb:latest sh -c 'echo hello >/vol/file'
	is "$(cat "$mountpoint/file")" "hello" "written through the volume"
	run_cpod run --rm -v keep:/vol:ro localhost/bb:latest cat /vol/file
	is "$output" "hello" "read by a second container"
	run_cpod 1 run --rm -v keep:/vol:ro localhost/bb:latest touch /vol/x
	assert_line "*Read-only file system*"
	run_cpod run --rm -v auto:/a -v auto:/b localhost/bb:latest sh -c 'echo x >/a/f; cat /b/f'
	is "$output" "x" "an autocreated named volume, twice in one container"
	run_cpod volume exists auto
	run_cpod run --name anon -v /myvol localhost/bb:latest sh -c 'echo a >/myvol/f'
	run_cpod volume ls -q --filter name='^[0-9a-f]{64}$'
	anon=$output
	[[ $anon =~ ^[0-9a-f]{64}$ ]] || die "no anonymous volume"
	run_cpod volume inspect --format '{{.Anonymous}}' $anon
	is "$output" "true"
	run_cpod rm -v anon
	run_cpod 1 volume exists $anon
	run_cpod volume exists keep
	run_cpod volume exists auto
}

@test "volumes: copy-up of the image's content, chown on first use" {
	cpod_import_busybox
	run_cpod volume create cu
	run_cpod run --rm -v cu:/vol localhost/bb:latest true
	run_cpod volume inspect --format '{{.NeedsCopyUp}} {{.NeedsChown}}' cu
	is "$output" "true false" "an empty destination copies nothing, chowns once"
	run_cpod run --rm -v cu:/etc localhost/bb:latest ls /etc/passwd
	is "$output" "/etc/passwd" "the image's /etc copied up into the empty volume"
	run_cpod volume inspect --format '{{.NeedsCopyUp}} {{.Mountpoint}}' cu
	is "${output%% *}" "false" "copied up once"
	[ -f "${output#* }/passwd" ] || die "the image's /etc is not in the volume"
	run_cpod volume create cu2
	run_cpod volume inspect --format '{{.Mountpoint}}' cu2
	mountpoint=$output
	echo mine >"$mountpoint/mine"
	run_cpod run --rm -v cu2:/etc localhost/bb:latest cat /etc/mine
	is "$output" "mine"
	[ ! -e "$mountpoint/passwd" ] || die "copied up into a volume that had content"
	run_cpod volume inspect --format '{{.NeedsCopyUp}}' cu2
	is "$output" "true" "and the copy-up is still pending"
	run_cpod run --rm -u tester -v cu3:/home/tester localhost/bb:latest stat -c %u:%g /home/tester
	is "$output" "1000:1000" "the volume takes the owner of the directory it covers"
}

@test "volumes: type=tmpfs volumes are mounted while in use" {
	cpod_import_busybox
	run_cpod volume create -o type=tmpfs -o device=tmpfs -o o=size=2m tv
	run_cpod run --rm -v tv:/vol localhost/bb:latest stat -f -c %T /vol
	is "$output" "tmpfs"
	run_cpod volume inspect --format '{{.MountCount}}' tv
	is "$output" "0" "unmounted after the container"
}

@test "volumes: --image-volume bind, tmpfs and ignore" {
	cpod_import_busybox
	"$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" import --change 'CMD ["sh"]' \
		--change 'VOLUME /data' "$CPOD_TEST_DIR/busybox-rootfs.tar" localhost/vi >/dev/null
	run_cpod run --rm --image-volume tmpfs localhost/vi stat -f -c %T /data
	is "$output" "tmpfs"
	run_cpod 1 run --rm --image-volume ignore localhost/vi stat -f -c %T /data
	run_cpod run --rm localhost/vi stat -f -c %T /data
	[ "$output" != "tmpfs" ] || die "bind (the default) made a tmpfs"
	run_cpod volume ls -q
	is "$output" "" "run --rm removed the anonymous image volume"
}

@test "inspect: a container's volumes in Mounts, with their sources" {
	cpod_import_busybox
	run_cpod run -d --name vm -v insvol:/data:ro -v /anon localhost/bb:latest sleep 100
	run_cpod inspect --format '{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}} {{.RW}} {{.Source}}
{{end}}' vm
	assert_line "volume insvol /data false */volumes/insvol/_data"
	assert_line "volume * /anon true */_data"
	run_cpod rm -f -t 0 -v vm
}
