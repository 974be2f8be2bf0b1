#!/usr/bin/env bash
# On a fresh Debian 12 machine (as root): installs cpod's dependencies, builds cpod, and shows
# it working: the OCI runtime it chose and why, then a real pull of busybox from a local
# registry (Debian's docker-registry on 127.0.0.1, with a test image built offline) into cpod's
# store, listed and inspected, and containers run from it: `run --rm ... echo hello`, a
# detached one that `ps`, `exec`, `logs` and `stop` work on.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

scripts/install-deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null

cpod=$top/build/cli/cpod
root=${CPOD_DEMO_ROOT:-/tmp/cpod-demo}
run() {
	echo "\$ cpod $*"
	"$cpod" --root "$root/root" --runroot "$root/run" "$@"
	echo
}

started=
if ! tests/fixtures/registry.sh status >/dev/null 2>&1; then
	tests/fixtures/registry.sh start >/dev/null
	started=1
fi
trap '[ -z "$started" ] || tests/fixtures/registry.sh stop >/dev/null' EXIT
tests/fixtures/images.sh >/dev/null
# shellcheck source=/dev/null
source "${CPOD_FIXTURES_DIR:-/tmp/cpod-fixtures}/images.env"
image=$CPOD_IMG_BUSYBOX

run version
run info --format 'runtime: {{.Host.OCIRuntime.Name}} ({{.Host.OCIRuntime.SelectedBecause}})
conmon: {{.Host.Conmon.Version}}
cgroups: {{.Host.CgroupVersion}} ({{.Host.CgroupMode}}), storage: {{.Store.GraphDriverName}} in {{.Store.GraphRoot}}'
run pull --tls-verify=false "$image"
run images
run image inspect --format '{{.Id}} {{.Architecture}}/{{.Os}} layers={{len .RootFS.Layers}}' "$image"
mnt=$("$cpod" --root "$root/root" --runroot "$root/run" image mount "$image")
echo "\$ ls \$(cpod image mount $image)/bin | head"
ls "$mnt/bin" | head
"$cpod" --root "$root/root" --runroot "$root/run" image unmount "$image" >/dev/null
echo
run run --rm "$image" echo hello from a cpod container
run run -d --name demo "$image" sh -c 'echo started; sleep 1000'
run ps
run exec demo sh -c 'echo "exec into $(hostname): pid 1 is $(cat /proc/1/comm)"'
run logs demo
run stop -t 1 demo
run ps -a
run rm demo
