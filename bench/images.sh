#!/usr/bin/env bash
# The image store, side by side with podman 4.3:
#   - `import FILE NAME` of a 200 MB tarball (half compressible text, half random bytes, made
#     from a fixed seed, so every run and every machine imports the same bytes); the image is
#     removed (untimed) before every run, so each run is a whole import;
#   - `images` with 1, 200 and 1,000 images in the store;
#   - `image inspect NAME` and `rmi NAME` with 1,000 images in the store (before every `rmi`
#     run a fresh one-layer image is imported untimed, so each run deletes an image and its layer).
#
# The 1,000 images are real images in both stores, not tags: each has its own one-file layer
# (distinct content, so distinct layer digest, config and image ID) and one name,
# localhost/bench/img-NNNN:latest, so `images` prints 1,000 rows backed by 1,000 image records
# and 1,000 layers in each engine. (1,000 tags of one image would also print 1,000 rows, but
# podman would load one image record and one layer: not the same work.) They are made the fastest
# way each engine has: podman loads one docker-archive holding all of a batch's images (one
# process start instead of 1,000 `podman import`s, which take minutes); cpod imports the tiny
# tarballs one by one. How the stores were filled is not measured; only their contents matter.
#
# When `cpod import --help` fails (a cpod from before its image store), the cpod side is skipped
# with the note "cpod has no 'import' yet" and podman is measured alone. After the import, both
# images must exist (their sizes are noted); before each `images`, each engine must list exactly
# the expected number of images; after `rmi`, the image must be gone and the others left.
#
# Environment: BENCH_IMPORT_MB (200), BENCH_IMAGES_COUNTS ("1 200 1000", ascending),
# BENCH_BIG_RUNS (5): the number of runs, after 1 warm-up, of the slow measurements (the 200 MB
# import, and `images` at 1,000 images, which takes podman 4.3 about 11 s here); the others get
# the usual 2 warm-up runs and at least 10 runs.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
bench_init "$@"

import_mb=${BENCH_IMPORT_MB:-200}
read -r -a counts <<<"${BENCH_IMAGES_COUNTS:-1 200 1000}"
big_runs=${BENCH_BIG_RUNS:-5}
data=$BENCH_TMP/data

# gen_small DIR FIRST LAST: DIR/img-NNNN.tar for NNNN in FIRST..LAST (one file, /bench/id, whose
# content is NNNN) and DIR/load-FIRST-LAST.tar, a docker-archive holding the same layers as
# images named localhost/bench/img-NNNN:latest.
gen_small() {
	python3 - "$@" <<-'EOF'
		import hashlib, io, json, sys, tarfile
		out, first, last = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

		def add(tar, name, body):
		    info = tarfile.TarInfo(name)
		    info.size, info.mtime, info.mode = len(body), 1700000000, 0o644
		    tar.addfile(info, io.BytesIO(body))

		manifest = []
		with tarfile.open("%s/load-%d-%d.tar" % (out, first, last), "w") as archive:
		    for n in range(first, last + 1):
		        buf = io.BytesIO()
		        with tarfile.open(fileobj=buf, mode="w") as layer:
		            add(layer, "bench/id", b"%04d\n" % n)
		        body = buf.getvalue()
		        with open("%s/img-%04d.tar" % (out, n), "wb") as f:
		            f.write(body)
		        diff = hashlib.sha256(body).hexdigest()
		        config = json.dumps({
		            "architecture": "amd64", "os": "linux",
		            "created": "2023-11-14T22:13:20Z",
		            "config": {"Cmd": ["/bin/sh"]},
		            "rootfs": {"type": "layers", "diff_ids": ["sha256:" + diff]},
		            "history": [{"created": "2023-11-14T22:13:20Z",
		                         "created_by": "bench image %04d" % n}],
		        }, sort_keys=True).encode()
		        cid = hashlib.sha256(config).hexdigest()
		        add(archive, diff + "/layer.tar", body)
		        add(archive, cid + ".json", config)
		        manifest.append({"Config": cid + ".json",
		                         "RepoTags": ["localhost/bench/img-%04d:latest" % n],
		                         "Layers": [diff + "/layer.tar"]})
		    add(archive, "manifest.json", json.dumps(manifest).encode())
	EOF
}

# fill FIRST LAST: adds images FIRST..LAST to both stores.
fill() {
	local first=$1 last=$2 n
	gen_small "$data/small" "$first" "$last"
	podman_run load -q -i "$data/small/load-$first-$last.tar" >/dev/null
	if [ -n "$cpod_ok" ]; then
		for ((n = first; n <= last; n++)); do
			cpod_run import -q "$(printf '%s/img-%04d.tar' "$data/small" "$n")" \
				"$(printf 'localhost/bench/img-%04d:latest' "$n")" >/dev/null
		done
	fi
	rm -f "$data/small"/*.tar
}

# The number of images an engine lists (one row per image here: every image has one name).
count_images() {
	"$@" images -q --no-trunc | sort -u | wc -l
}

cpod_ok=1
if ! cpod_has import; then
	cpod_ok=
	BENCH_CPOD_SKIP="cpod has no 'import' yet"
	bench_note "cpod has no 'import' yet: measuring podman alone"
fi
cpod_cmd() {
	if [ -n "$cpod_ok" ]; then cpod_sh "$@"; fi
}

mkdir -p "$data/small"
bench_log "generating a ${import_mb} MB tarball"
bench_gen_tar "$data/big.tar" "$import_mb"

big=localhost/bench/big:latest
bench_compare --runs "$big_runs" --warmup 1 \
	--prepare-cpod "$(cpod_sh rmi -f "$big") >/dev/null 2>&1 || true" \
	--prepare-podman "$(podman_sh rmi -f "$big") >/dev/null 2>&1 || true" \
	"import ${import_mb} MB tarball" "$(cpod_cmd import -q "$data/big.tar" "$big")" \
	"$(podman_sh import -q "$data/big.tar" "$big")"
# The last timed run must have left the image.
podman_run image inspect "$big" >/dev/null || bench_die "podman import made no image $big"
[ -z "$cpod_ok" ] || cpod_run image inspect "$big" >/dev/null ||
	bench_die "cpod import made no image $big"
size_of() {
	"$@" image inspect --format '{{.Size}}' "$big" 2>/dev/null || echo '?'
}
bench_note "size of the imported image: podman $(size_of podman_run) bytes," \
	"cpod $([ -n "$cpod_ok" ] && size_of cpod_run || echo n/a) bytes"
podman_run rmi -f "$big" >/dev/null 2>&1 || true
[ -z "$cpod_ok" ] || cpod_run rmi -f "$big" >/dev/null 2>&1 || true
rm -f "$data/big.tar"

have=0
for want in "${counts[@]}"; do
	bench_log "filling both stores up to $want images"
	fill $((have + 1)) "$want"
	have=$want
	got=$(count_images podman_run)
	[ "$got" -eq "$want" ] || bench_die "podman lists $got images, expected $want"
	if [ -n "$cpod_ok" ]; then
		got=$(count_images cpod_run)
		[ "$got" -eq "$want" ] || bench_die "cpod lists $got images, expected $want"
	fi
	# podman 4.3 takes seconds per `images` at 1,000 images: fewer runs there.
	runs=()
	[ "$want" -lt 1000 ] || runs=(--runs "$big_runs" --warmup 1)
	bench_compare "${runs[@]}" "images ($want image$([ "$want" -eq 1 ] || echo s))" \
		"$(cpod_cmd images)" "$(podman_sh images)"
done

mid=$(printf 'localhost/bench/img-%04d:latest' $(((have + 1) / 2)))
bench_compare "image inspect ($have images)" "$(cpod_cmd image inspect "$mid")" \
	"$(podman_sh image inspect "$mid")"

# rmi: every run deletes a one-layer image imported just before it (not timed).
gen_small "$data/small" 9999 9999
victim=localhost/bench/victim:latest
bench_compare \
	--prepare-cpod "$(cpod_sh import -q "$data/small/img-9999.tar" "$victim") >/dev/null" \
	--prepare-podman "$(podman_sh import -q "$data/small/img-9999.tar" "$victim") >/dev/null" \
	"rmi ($have images)" "$(cpod_cmd rmi "$victim")" "$(podman_sh rmi "$victim")"
# The last timed run must have removed the image, and only it.
for engine in podman_run cpod_run; do
	[ "$engine" = podman_run ] || [ -n "$cpod_ok" ] || continue
	! "$engine" image inspect "$victim" >/dev/null 2>&1 ||
		bench_die "${engine%_run} rmi left $victim"
	got=$(count_images "$engine")
	[ "$got" -eq "$have" ] || bench_die "${engine%_run} lists $got images after rmi, expected $have"
done
