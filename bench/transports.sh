#!/usr/bin/env bash
# Moving images without a registry, side by side with podman 4.3, on one image of a 100 MB
# layer (bench_gen_tar: half compressible text, half random bytes, fixed seed), imported
# untimed into both stores:
#   - `save -o FILE` (docker-archive; podman refuses an existing file, so it is removed before
#     every run) and `load -i FILE` of that archive (the image is removed, untimed, before every
#     load);
#   - `save --format oci-dir -o DIR` (gzip layers; the directory is removed before every run);
#   - `push IMAGE oci:DIR:tag` (gzip) and `pull oci:DIR:tag` of the layout each engine wrote
#     (every image is removed before every pull: the engines name the pulled image differently).
# At the end each engine must have an image again.
#
# Environment: BENCH_TRANSPORT_MB (100), BENCH_BIG_RUNS (5 runs after 1 warm-up).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
bench_init "$@"

mb=${BENCH_TRANSPORT_MB:-100}
runs=(--runs "${BENCH_BIG_RUNS:-5}" --warmup 1)
data=$BENCH_TMP/data
img=localhost/bench/moved:latest
mkdir -p "$data"
bench_gen_tar "$data/layer.tar" "$mb"
cpod_run import -q "$data/layer.tar" "$img" >/dev/null
podman_run import -q "$data/layer.tar" "$img" >/dev/null
# podman 4.3 names an image pulled from oci:PATH:REF "localhost/PATH" and fails when PATH has
# an uppercase letter, as $BENCH_TMP's random suffix may: the outputs go to a lowercase path.
outs=/tmp/cpod-bench-transports.$$
out_c=$outs/cpod
out_p=$outs/podman
mkdir -p "$out_c" "$out_p"

bench_compare "${runs[@]}" \
	--prepare-cpod "rm -f $out_c/a.tar" --prepare-podman "rm -f $out_p/a.tar" \
	"save docker-archive (${mb} MB layer)" \
	"$(cpod_sh save -o "$out_c/a.tar" "$img")" "$(podman_sh save -o "$out_p/a.tar" "$img")"

bench_compare "${runs[@]}" \
	--prepare-cpod "$(cpod_sh rmi -f "$img") >/dev/null 2>&1 || true" \
	--prepare-podman "$(podman_sh rmi -f "$img") >/dev/null 2>&1 || true" \
	"load docker-archive (${mb} MB layer)" \
	"$(cpod_sh load -q -i "$out_c/a.tar")" "$(podman_sh load -q -i "$out_p/a.tar")"

bench_compare "${runs[@]}" \
	--prepare-cpod "rm -rf $out_c/od" --prepare-podman "rm -rf $out_p/od" \
	"save --format oci-dir (${mb} MB layer, gzip)" \
	"$(cpod_sh save --format oci-dir -o "$out_c/od" "$img")" \
	"$(podman_sh save --format oci-dir -o "$out_p/od" "$img")"

bench_compare "${runs[@]}" \
	--prepare-cpod "rm -rf $out_c/lay" --prepare-podman "rm -rf $out_p/lay" \
	"push oci:DIR (${mb} MB layer, gzip)" \
	"$(cpod_sh push -q "$img" "oci:$out_c/lay:t")" \
	"$(podman_sh push -q "$img" "oci:$out_p/lay:t")"
# The layouts the timed runs removed, once more for the pulls.
cpod_run push -q "$img" "oci:$out_c/lay:t"
podman_run push -q "$img" "oci:$out_p/lay:t"

bench_compare "${runs[@]}" \
	--prepare-cpod "$(cpod_sh rmi -a -f) >/dev/null 2>&1 || true" \
	--prepare-podman "$(podman_sh rmi -a -f) >/dev/null 2>&1 || true" \
	"pull oci:DIR (${mb} MB layer, gzip)" \
	"$(cpod_sh pull -q "oci:$out_c/lay:t")" "$(podman_sh pull -q "oci:$out_p/lay:t")"

[ -n "$(cpod_run images -q)" ] || bench_die "cpod lost the image"
[ -n "$(podman_run images -q)" ] || bench_die "podman lost the image"
rm -rf "$outs"
