#!/usr/bin/env bash
# Installs (as root, on Debian 12) every package cpod builds and tests with. Idempotent: when
# everything is already installed it only asks dpkg and returns in well under a second;
# `apt-get update` runs only when something is missing.
#
# Debian's docker-registry package ships a service that would listen on all interfaces, port
# 5000. This script keeps it from starting while the package is installed, and stops it if it
# is found running anyway (cpod's tests start their own registries on 127.0.0.1 only).
set -euo pipefail

packages=(
	# build
	meson ninja-build pkg-config gcc clang
	libjson-c-dev libsqlite3-dev libcurl4-openssl-dev libarchive-dev libssl-dev
	libzstd-dev zlib1g-dev libisal-dev libseccomp-dev libcap-dev
	# runtime pieces cpod drives
	conmon runc crun catatonit containernetworking-plugins iproute2 util-linux
	# tests and fixtures
	bats skopeo docker-registry busybox-static umoci apache2-utils jq attr openssl
	curl ca-certificates procps tar gzip zstd xz-utils python3 shellcheck sqlite3
)

registry_config=/etc/docker/registry/config.yml

die() {
	echo "install-deps: $*" >&2
	exit 1
}

# One dpkg-query for all: prints, on one line, the packages that are not fully installed.
# (No process substitution: it needs /dev/fd, which a bare chroot lacks.)
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

# Debian's own registry service, however it was started: by its init script (pid file) or by
# hand with the package's config. Only processes running that exact command line are matched.
stop_debian_registry() {
	local pids pid
	if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
		systemctl disable --now docker-registry.service >/dev/null 2>&1 || true
	fi
	pids=$(pgrep -x -f "/usr/bin/docker-registry serve $registry_config" || true)
	if [ -s /run/docker-registry.pid ]; then
		pids="$pids $(cat /run/docker-registry.pid)"
	fi
	for pid in $pids; do
		[ -r "/proc/$pid/cmdline" ] || continue
		tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "docker-registry serve $registry_config" ||
			continue
		echo "install-deps: stopping Debian's docker-registry service (pid $pid)" >&2
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 50); do
			[ -d "/proc/$pid" ] || break
			sleep 0.1
		done
		[ ! -d "/proc/$pid" ] || kill -9 "$pid" 2>/dev/null || true
	done
	rm -f /run/docker-registry.pid
}

main() {
	local missing policy_rc=/usr/sbin/policy-rc.d made_policy=0

	[ "$(id -u)" = 0 ] || die "must run as root"
	command -v dpkg-query >/dev/null || die "not a Debian system (no dpkg-query)"

	read -ra missing <<<"$(missing_packages)"
	if [ "${#missing[@]}" -gt 0 ]; then
		echo "install-deps: installing ${missing[*]}" >&2
		# Refuse service starts during the install (invoke-rc.d honours policy-rc.d).
		if [ ! -e "$policy_rc" ]; then
			printf '#!/bin/sh\nexit 101\n' >"$policy_rc"
			chmod 755 "$policy_rc"
			made_policy=1
			trap 'rm -f "$policy_rc"' EXIT
		fi
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -q
		apt-get install -y -q --no-install-recommends "${missing[@]}"
		if [ "$made_policy" = 1 ]; then
			rm -f "$policy_rc"
			trap - EXIT
		fi
		read -ra missing <<<"$(missing_packages)"
		[ "${#missing[@]}" = 0 ] || die "still missing after install: ${missing[*]}"
	fi
	stop_debian_registry
}

main "$@"
