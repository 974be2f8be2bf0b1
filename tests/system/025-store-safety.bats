#!/usr/bin/env bats
# The store under crashes and concurrency: kill -9 during imports never leaves a visible half
# image and the next command cleans up; parallel imports and removals leave a consistent store.

load helpers

# A tarball big enough that an import takes a while: 64 MiB of incompressible data in a few
# files, plus busybox so the image is usable.
make_big_tar() {
	local dir=$CPOD_TEST_DIR/big
	[ -f "$CPOD_TEST_DIR/big.tar" ] && return 0
	mkdir -p "$dir/bin" "$dir/data"
	cp /bin/busybox "$dir/bin/"
	for i in 1 2 3 4; do
		head -c 16M /dev/urandom >"$dir/data/blob$i"
	done
	tar -C "$dir" -cf "$CPOD_TEST_DIR/big.tar" .
}

make_small_tar() {	# make_small_tar NAME: a distinct tiny root file system
	local dir=$CPOD_TEST_DIR/small-$1
	mkdir -p "$dir/etc"
	echo "$1" >"$dir/etc/name"
	tar -C "$dir" -cf "$CPOD_TEST_DIR/small-$1.tar" .
}

# Nothing half-made is left: every layer directory has a ready row, every layer row is used by
# an image or another layer, and the database is intact.
assert_no_leftovers() {
	local db=$CPOD_ROOT/cpod.db driver n_dirs
	run_cpod info --format '{{.Store.GraphDriverName}}'
	driver=$output
	n_dirs=$(find "$CPOD_ROOT/$driver" -mindepth 1 -maxdepth 1 -type d ! -name l | wc -l)
	run sqlite3 "$db" "SELECT count(*) FROM layers;"
	is "$n_dirs" "$output" "layer directories match the layer rows ($driver)"
	run sqlite3 "$db" "SELECT count(*) FROM layers WHERE state != 'ready';"
	is "$output" "0" "no staging layer rows"
	run sqlite3 "$db" "SELECT count(*) FROM layers l WHERE NOT EXISTS
		(SELECT 1 FROM images i WHERE i.top_layer = l.id) AND NOT EXISTS
		(SELECT 1 FROM layers c WHERE c.parent = l.id) AND NOT EXISTS
		(SELECT 1 FROM containers_rw r WHERE r.layer_id = l.id);"
	is "$output" "0" "no layer row that nothing uses"
	run sqlite3 "$db" "PRAGMA integrity_check;"
	is "$output" "ok" "database integrity"
	run sqlite3 "$db" "PRAGMA foreign_key_check;"
	is "$output" "" "foreign keys hold"
	n_dirs=$(find "$CPOD_ROOT/images" -mindepth 1 -maxdepth 1 | wc -l)
	run sqlite3 "$db" "SELECT count(*) FROM images;"
	is "$n_dirs" "$output" "image directories match the image rows"
}

@test "kill -9 during import never leaves a half image; the next command cleans up" {
	command -v sqlite3 >/dev/null || skip "sqlite3 not installed"
	make_big_tar
	run_cpod import "$CPOD_TEST_DIR/big.tar" survivor
	for delay in 0.02 0.05 0.08 0.12 0.17 0.25 0.35 0.5; do
		"$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" import -q \
			"$CPOD_TEST_DIR/big.tar" "victim:$delay" >/dev/null 2>&1 &
		pid=$!
		sleep "$delay"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		# What is visible is either nothing or a whole image.
		run_cpod images --format '{{.Repository}}:{{.Tag}}'
		for name in "${lines[@]}"; do
			run_cpod image inspect --format '{{.Id}}' "$name"
		done
	done
	assert_no_leftovers
	run_cpod image exists survivor
}

@test "8 parallel imports and removals leave a consistent store" {
	command -v sqlite3 >/dev/null || skip "sqlite3 not installed"
	for i in 1 2 3 4 5 6 7 8; do
		make_small_tar "p$i"
	done
	pids=()
	for i in 1 2 3 4 5 6 7 8; do
		(
			for round in 1 2 3; do
				"$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" import -q \
					"$CPOD_TEST_DIR/small-p$i.tar" "par$i:r$round" >/dev/null || exit 1
				if [ "$round" != 3 ]; then
					"$CPOD" --root "$CPOD_ROOT" --runroot "$CPOD_RUNROOT" rmi \
						"par$i:r$round" >/dev/null || exit 1
				fi
			done
		) &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do
		wait "$pid" || die "a parallel import/rmi loop failed"
	done
	run_cpod images --format '{{.Repository}}:{{.Tag}}' --filter reference='par*'
	is "${#lines[@]}" 8 "one image per worker"
	for i in 1 2 3 4 5 6 7 8; do
		run_cpod image exists "par$i:r3"
	done
	assert_no_leftovers
}

# Hostile tarballs made with python's tarfile: each import fails naming the entry, and leaves
# the store as it was and nothing outside it.
make_hostile() {	# make_hostile KIND FILE
	python3 - "$1" "$2" <<'PY'
import io, sys, tarfile
kind, path = sys.argv[1], sys.argv[2]
with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as t:
    def add_file(name, data=b"x"):
        info = tarfile.TarInfo(name)
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    add_file("ok")
    if kind == "hardlink-shadow":
        info = tarfile.TarInfo("stolen")
        info.type = tarfile.LNKTYPE
        info.linkname = "/etc/shadow"
        t.addfile(info)
    elif kind == "hardlink-up":
        info = tarfile.TarInfo("stolen")
        info.type = tarfile.LNKTYPE
        info.linkname = "../../../../etc/shadow"
        t.addfile(info)
    elif kind == "whiteout-up":
        add_file("dir/.wh..", b"")
    elif kind == "long-name":
        add_file("d/" + "n" * 10240)
    elif kind == "symlink-escape":
        info = tarfile.TarInfo("up")
        info.type = tarfile.SYMTYPE
        info.linkname = "../../../../../../tmp"
        t.addfile(info)
        add_file("up/cpod-escaped-" + str(__import__("os").getppid()))
PY
}

@test "hostile tarballs: hard links out, whiteouts out, huge names; nothing escapes" {
	run_cpod images -q --no-trunc
	before=$output
	for kind in hardlink-shadow hardlink-up whiteout-up long-name; do
		make_hostile "$kind" "$CPOD_TEST_DIR/$kind.tar"
		run_cpod 125 import "$CPOD_TEST_DIR/$kind.tar" "hostile-$kind"
		case $kind in
		hardlink-*) is "$output" "*tar entry 'stolen'*" "$kind: the entry is named" ;;
		whiteout-up) is "$output" "*tar entry 'dir/.wh..'*" "$kind: the entry is named" ;;
		long-name) is "$output" "*tar entry 'd/nnnn*" "$kind: the entry is named" ;;
		esac
	done
	run_cpod images -q --no-trunc
	is "$output" "$before" "the store is unchanged"
	assert_no_leftovers

	# A symlink pointing up and a file written through it land inside the layer (as podman
	# resolves them), never in the host's /tmp.
	make_hostile symlink-escape "$CPOD_TEST_DIR/symlink.tar"
	run_cpod '?' import "$CPOD_TEST_DIR/symlink.tar" hostile-symlink
	[ -z "$(ls /tmp | grep '^cpod-escaped-' || true)" ] || die "a file escaped into /tmp"
}
