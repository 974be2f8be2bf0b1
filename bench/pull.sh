#!/usr/bin/env bash
# Pulling from a registry, side by side: `cpod pull` vs `podman pull` (4.3) vs `skopeo copy` to an
# OCI layout, of one ~300 MB, 5-layer image from the local plain-HTTP test registry
# (tests/fixtures/registry.sh, 127.0.0.1:5100), in two variants:
#   127.0.0.1:5100/cpod-bench/big:gzip   layers application/vnd.oci.image.layer.v1.tar+gzip
#   127.0.0.1:5100/cpod-bench/big:zstd   the same layers recompressed by skopeo,
#                                        application/vnd.oci.image.layer.v1.tar+zstd
#
# The image is made here, offline and deterministic: 5 layers of BENCH_PULL_MB/5 MiB each, in
# 1 MiB files, even-numbered ones text lines (compress about 5:1), odd-numbered ones random bytes,
# all from seed 20261127 (plus the layer number); reproducible tars (fixed mtime, owners, order),
# `gzip -n`; the config has fixed timestamps. It is written as an OCI layout, pushed with skopeo
# (through tests/fixtures/skopeo.sh, so skopeo runs as nobody and never writes
# /var/lib/containers), and the zstd variant is made by a skopeo copy into a scratch layout first
# (copying straight to the registry could reuse the gzip blobs already there). The pushed zstd
# manifest must list only zstd layers, the gzip one only gzip layers, or the script stops.
#
# Every measured run starts from an empty store: hyperfine's --prepare (not timed) removes the
# engine's store and runroot and lets the engine open the empty store once (`images`), which must
# list nothing, so the timed pull is the whole download, decompression and store write, without
# the one-off store initialisation. skopeo's layout directory is removed likewise. After the
# measured runs each engine must list the image (and the layout must hold the tag), so a pull
# that fails quietly is never reported as fast, and cpod's image ID must be podman's. Both
# engines use --tls-verify=false, the hidden --signature-policy with an accept-anything
# policy.json written into $BENCH_TMP, and an empty registries.conf (CONTAINERS_REGISTRIES_CONF).
# skopeo.sh's own per-call set-up (a temporary HOME, setpriv) is inside skopeo's time; it is a few
# milliseconds.
#
# skopeo copy to an OCI layout stores the compressed blobs as they arrive (checking digests), so
# it does no decompression and no layer unpacking: it is the floor for the transfer itself, while
# cpod and podman also decompress and write each layer's files into the store.
#
# Printed: one line per variant for cpod vs podman, one per variant for skopeo vs cpod, and cpod's
# throughput (compressed bytes pulled per second, and uncompressed bytes per second).
#
# The registry is started when `registry.sh status` says it is not running, and then stopped at
# the end; one that was already running is left running. The pushed images stay in the registry
# (its data dir, under CPOD_FIXTURES_DIR), and are pushed again (identical blobs) on every run.
#
# Environment: BENCH_PULL_MB (300, a multiple of 10: 5 layers of whole MiB files, half text
# half random), BENCH_PULL_RUNS (5), BENCH_PULL_WARMUP (1).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
bench_init "$@"

pull_mb=${BENCH_PULL_MB:-300}
runs=${BENCH_PULL_RUNS:-5}
warmup=${BENCH_PULL_WARMUP:-1}
layers=5
fixtures=$BENCH_TOP/tests/fixtures
registry=127.0.0.1:5100
repo=$registry/cpod-bench/big
data=$BENCH_TMP/data
oci_gzip=application/vnd.oci.image.layer.v1.tar+gzip
oci_zstd=application/vnd.oci.image.layer.v1.tar+zstd
if ! [[ $pull_mb =~ ^[0-9]+$ ]] || [ "$pull_mb" -eq 0 ] || [ $((pull_mb % (2 * layers))) -ne 0 ]
then
	bench_die "BENCH_PULL_MB must be a positive multiple of $((2 * layers)), not '$pull_mb'"
fi

sk() { "$fixtures/skopeo.sh" "$@"; }

# ---- the registry ------------------------------------------------------------------------------

started_registry=
if ! "$fixtures/registry.sh" status >/dev/null 2>&1; then
	bench_log "starting the test registries"
	"$fixtures/registry.sh" start >/dev/null || bench_die "the test registries do not start"
	started_registry=1
fi
stop_registry() {
	[ -z "$started_registry" ] || "$fixtures/registry.sh" stop >/dev/null ||
		bench_log "stopping the test registries failed"
}
# Keep bench_init's EXIT trap (store teardown), with stopping the registry in front of it; its
# text is taken now on purpose.
# shellcheck disable=SC2064
trap "stop_registry; $(trap -p EXIT | sed -e "s/^trap -- '//" -e "s/' EXIT\$//")" EXIT

# ---- the image -----------------------------------------------------------------------------------

# gen_layers DIR MB: DIR/layer-N.tar for N in 1..5, each MB/5 MiB of 1 MiB files, alternately
# text (compressible) and random (seed 20261127 + N), with fixed names, mtimes and owners.
gen_layers() {
	python3 - "$1" "$2" "$layers" <<-'EOF'
		import io, random, sys, tarfile
		out, mb, nlayers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
		per = mb // nlayers
		for n in range(1, nlayers + 1):
		    rng = random.Random(20261127 + n)
		    words = [("w%05d" % rng.randrange(100000)).encode() for _ in range(2000)]
		    with tarfile.open("%s/layer-%d.tar" % (out, n), "w", format=tarfile.PAX_FORMAT) as tar:
		        d = tarfile.TarInfo("bench/layer%d" % n)
		        d.type, d.mtime, d.mode = tarfile.DIRTYPE, 1700000000, 0o755
		        tar.addfile(d)
		        for i in range(per):
		            if i % 2:
		                body = rng.randbytes(1 << 20)
		            else:
		                buf = bytearray()
		                while len(buf) < 1 << 20:
		                    buf += b" ".join(rng.choices(words, k=12)) + b"\n"
		                body = bytes(buf[: 1 << 20])
		            info = tarfile.TarInfo("bench/layer%d/file-%04d" % (n, i))
		            info.size, info.mtime, info.mode = len(body), 1700000000, 0o644
		            tar.addfile(info, io.BytesIO(body))
	EOF
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

# put_blob LAYOUT FILE: moves FILE into LAYOUT's blobs, prints "sha256:HEX SIZE".
put_blob() {
	local hex size
	hex=$(sha "$2")
	size=$(stat -c %s "$2")
	mv "$2" "$1/blobs/sha256/$hex"
	echo "sha256:$hex $size"
}

# build_layout DIR: an OCI layout at DIR/oci with the image tagged "big" (gzip layers).
build_layout() {
	local dir=$1 layout=$1/oci n digest size descs=() diffs=() pids=() pid cfg
	mkdir -p "$layout/blobs/sha256"
	gen_layers "$dir" "$pull_mb"
	for ((n = 1; n <= layers; n++)); do
		diffs+=("\"sha256:$(sha "$dir/layer-$n.tar")\"")
		gzip -n -6 "$dir/layer-$n.tar" &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do
		wait "$pid" || bench_die "gzip of a layer failed"
	done
	for ((n = 1; n <= layers; n++)); do
		read -r digest size < <(put_blob "$layout" "$dir/layer-$n.tar.gz")
		descs+=("{\"mediaType\":\"$oci_gzip\",\"digest\":\"$digest\",\"size\":$size}")
	done
	jq -cn --argjson d "[$(IFS=,; echo "${diffs[*]}")]" '{
		architecture: "amd64", os: "linux", created: "2023-11-14T22:13:20Z",
		config: {Env: ["PATH=/usr/bin:/bin"], Cmd: ["/bin/sh"]},
		rootfs: {type: "layers", diff_ids: $d},
		history: [range($d | length) | {created: "2023-11-14T22:13:20Z",
			created_by: "cpod bench layer \(. + 1)"}]}' >"$dir/config.json"
	read -r digest size < <(put_blob "$layout" "$dir/config.json")
	cfg=$(jq -cn --arg d "$digest" --argjson s "$size" \
		'{mediaType: "application/vnd.oci.image.config.v1+json", digest: $d, size: $s}')
	jq -cn --argjson c "$cfg" --argjson l "[$(IFS=,; echo "${descs[*]}")]" \
		'{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
		  config: $c, layers: $l}' >"$dir/manifest.json"
	read -r digest size < <(put_blob "$layout" "$dir/manifest.json")
	jq -cn --arg d "$digest" --argjson s "$size" '{schemaVersion: 2, manifests: [{
		mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d, size: $s,
		annotations: {"org.opencontainers.image.ref.name": "big"}}]}' >"$layout/index.json"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
}

# check_pushed REF MEDIATYPE: the registry's manifest for REF has 5 layers, all of MEDIATYPE;
# prints the sum of their sizes.
check_pushed() {
	local manifest
	manifest=$(sk inspect --raw --tls-verify=false "docker://$1") ||
		bench_die "cannot read back the manifest of $1"
	jq -e --arg t "$2" --argjson n "$layers" \
		'(.layers | length) == $n and all(.layers[]; .mediaType == $t)' <<<"$manifest" \
		>/dev/null || bench_die "$1 does not have $layers layers of type $2: $manifest"
	jq '[.layers[].size] | add' <<<"$manifest"
}

# skopeo runs as nobody: it must reach $BENCH_TMP (traverse only) and own where it writes.
chmod 711 "$BENCH_TMP"
mkdir -p "$data/img" "$BENCH_TMP/skopeo"
bench_log "generating a ${pull_mb} MB, $layers-layer image"
build_layout "$data/img"
bench_log "making the zstd variant"
chown -R 65534:65534 "$data/img" "$BENCH_TMP/skopeo"
sk copy --quiet --dest-compress-format zstd "oci:$data/img/oci:big" \
	"oci:$data/img/oci-zstd:big" || bench_die "recompressing with zstd failed"
bench_log "pushing $repo:gzip and $repo:zstd"
sk copy --quiet --dest-tls-verify=false "oci:$data/img/oci:big" "docker://$repo:gzip" ||
	bench_die "pushing $repo:gzip failed"
sk copy --quiet --dest-tls-verify=false "oci:$data/img/oci-zstd:big" "docker://$repo:zstd" ||
	bench_die "pushing $repo:zstd failed"
declare -A pushed_bytes
pushed_bytes[gzip]=$(check_pushed "$repo:gzip" "$oci_gzip")
pushed_bytes[zstd]=$(check_pushed "$repo:zstd" "$oci_zstd")
rm -rf "$data/img"
bench_note "image: $layers layers, $pull_mb MiB uncompressed; compressed layers:" \
	"gzip ${pushed_bytes[gzip]} bytes, zstd ${pushed_bytes[zstd]} bytes"

# ---- measuring -----------------------------------------------------------------------------------

echo '{"default":[{"type":"insecureAcceptAnything"}]}' >"$BENCH_TMP/policy.json"
echo 'unqualified-search-registries = []' >"$BENCH_TMP/registries.conf"
export CONTAINERS_REGISTRIES_CONF=$BENCH_TMP/registries.conf

cpod_ok=1
if ! cpod_has pull; then
	cpod_ok=
	BENCH_CPOD_SKIP="cpod has no 'pull' yet"
	bench_note "cpod has no 'pull' yet: measuring podman and skopeo alone"
fi

# empty_store ENGINE: a shell command line that empties ENGINE's store and runroot, opens the
# empty store once and fails unless it lists no image.
empty_store() {
	local dir=$BENCH_TMP/$1 sh=${1}_sh
	# shellcheck disable=SC2016 # the $( ) runs in the prepare step
	printf 'rm -rf --one-file-system %q %q && mkdir -p %q %q && test -z "$(%s 2>&1)"' \
		"$dir/root" "$dir/runroot" "$dir/root" "$dir/runroot" "$($sh images -q)"
}

# lists ENGINE REF: ENGINE's store has REF.
lists() {
	"${1}_run" images --format '{{.Repository}}:{{.Tag}}' | grep -qxF "$2"
}

# image_id ENGINE REF: the ID ENGINE gives the image REF (the config's digest for both).
image_id() {
	"${1}_run" image inspect --format '{{.Id}}' "$2"
}

skopeo_dest=$BENCH_TMP/skopeo/layout
declare -A cpod_ms
for variant in gzip zstd; do
	ref=$repo:$variant
	bench_compare --runs "$runs" --warmup "$warmup" \
		--prepare-cpod "$(empty_store cpod)" --prepare-podman "$(empty_store podman)" \
		"pull $pull_mb MB $variant" \
		"$([ -z "$cpod_ok" ] || cpod_sh pull -q --tls-verify=false \
			--signature-policy "$BENCH_TMP/policy.json" "$ref")" \
		"$(podman_sh pull -q --tls-verify=false --signature-policy "$BENCH_TMP/policy.json" \
			"$ref")"
	lists podman "$ref" || bench_die "after its measured pulls podman does not list $ref"
	cpod_ms[$variant]=
	if [ -n "$cpod_ok" ]; then
		lists cpod "$ref" || bench_die "after its measured pulls cpod does not list $ref"
		[ "$(image_id cpod "$ref")" = "$(image_id podman "$ref")" ] ||
			bench_die "cpod's image ID for $ref is $(image_id cpod "$ref"), podman's" \
				"$(image_id podman "$ref")"
		# cpod's mean, unrounded, unless bench_compare just recorded it as failed.
		tail -n 1 "$BENCH_RESULTS" | grep -q 'cpod failed' ||
			cpod_ms[$variant]=$(jq -r '.results[0].mean * 1000' \
				"$BENCH_TMP/json/cpod_pull_${pull_mb}_MB_$variant.json" 2>/dev/null || true)
	fi

	if bench_cmd --runs "$runs" --warmup "$warmup" \
		--prepare "$(printf 'rm -rf %q' "$skopeo_dest")" "skopeo $variant" -- \
		"$(bench_sh_line "$fixtures/skopeo.sh" copy --quiet --src-tls-verify=false \
			"docker://$ref" "oci:$skopeo_dest:big")"; then
		sms=$BENCH_MS
		jq -e '[.manifests[].annotations["org.opencontainers.image.ref.name"]] | index("big")' \
			"$skopeo_dest/index.json" >/dev/null 2>&1 ||
			bench_die "after its measured copies skopeo's layout has no tag big"
	else
		sms=failed
	fi
	if [ -n "${cpod_ms[$variant]}" ] && [ "$sms" != failed ]; then
		bench_record "pull $pull_mb MB $variant: cpod $(printf '%.1f' "${cpod_ms[$variant]}") ms,\
 skopeo copy to oci: $sms ms, ratio skopeo/cpod $(awk -v c="${cpod_ms[$variant]}" \
			-v s="$sms" 'BEGIN { printf "%.1fx", s / c }')"
		bench_note "cpod pull $variant: $(awk -v c="${cpod_ms[$variant]}" \
			-v b="${pushed_bytes[$variant]}" -v u="$pull_mb" 'BEGIN {
				printf "%.0f MB/s compressed (%.0f MiB/s uncompressed)",
					b / 1e6 / (c / 1e3), u / (c / 1e3) }')"
	else
		[ "$sms" = failed ] || sms+=" ms"
		cms="failed or n/a"
		[ -z "${cpod_ms[$variant]}" ] || cms=$(printf '%.1f ms' "${cpod_ms[$variant]}")
		bench_record "pull $pull_mb MB $variant: cpod $cms, skopeo copy to oci: $sms, ratio n/a"
	fi
	rm -rf "$skopeo_dest"
done
