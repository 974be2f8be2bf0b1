#!/usr/bin/env bash
# Installs (as root, on Debian 12) what cpod's benchmarks need, with apt-get, only when something
# is missing; then prints the versions the benchmarks will compare against. Idempotent: when all
# is installed it only asks dpkg. `apt-get update` runs only when a package is missing.
#
# Recommends are not installed: podman's (buildah, slirp4netns, fuse-overlayfs, dbus-user-session)
# are for rootless use and builds, which the benchmarks, run as root, do not need.
set -euo pipefail

packages=(
	podman conmon crun runc skopeo hyperfine jq
	# build of cpod's release binary (bench/lib.sh builds build-release when it is missing)
	meson ninja-build gcc pkg-config
	# tarball generation and images for the benchmarks
	tar gzip zstd coreutils python3
)

die() {
	echo "bench/setup: $*" >&2
	exit 1
}

missing_packages() {
	local -A installed=()
	local status name pkg missing=()
	while read -r status name; do
		[[ $status == ii ]] && installed[$name]=1
	done <<<"$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "${packages[@]}" \
		2>/dev/null || true)"
	for pkg in "${packages[@]}"; do
		[ -n "${installed[$pkg]:-}" ] || missing+=("$pkg")
	done
	echo "${missing[*]}"
}

first_line() {
	"$@" 2>&1 | head -n 1 || true
}

main() {
	local missing
	missing=$(missing_packages)
	if [ -n "$missing" ]; then
		[ "$(id -u)" -eq 0 ] || die "missing packages ($missing); run this script as root"
		echo "bench/setup: installing: $missing" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		# shellcheck disable=SC2086 # one word per package
		apt-get install -y -qq --no-install-recommends $missing >/dev/null
		missing=$(missing_packages)
		[ -z "$missing" ] || die "still missing after apt-get install: $missing"
	fi
	echo "podman:    $(first_line podman --version)" # `podman version` would open /var/lib/containers
	echo "conmon:    $(first_line conmon --version)"
	echo "crun:      $(first_line crun --version)"
	echo "runc:      $(first_line runc --version)"
	echo "skopeo:    $(first_line skopeo --version)"
	echo "hyperfine: $(first_line hyperfine --version)"
	echo "jq:        $(first_line jq --version)"
}

main "$@"
