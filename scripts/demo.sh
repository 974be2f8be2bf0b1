#!/usr/bin/env bash
# On a fresh Debian 12 machine (as root): installs cpod's dependencies, builds cpod, and shows
# it working: the version, and what `cpod info` finds on this host (the OCI runtime it chose
# and why, conmon, cgroups, the store).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

scripts/install-deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null

cpod=build/cli/cpod
root=${CPOD_DEMO_ROOT:-/tmp/cpod-demo}
run() {
	echo "\$ cpod $*"
	"$cpod" --root "$root/root" --runroot "$root/run" "$@"
	echo
}
run version
run info
run info --format 'runtime: {{.Host.OCIRuntime.Name}} ({{.Host.OCIRuntime.Path}}), conmon {{.Host.Conmon.Version}}, cgroups {{.Host.CgroupVersion}} ({{.Host.CgroupMode}})'
