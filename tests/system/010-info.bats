#!/usr/bin/env bats
# cpod info and cpod version: the host, the chosen OCI runtime and why, the configuration.

load helpers

@test "info --format json is podman's shape" {
	run_cpod info --format json
	echo "$output" | jq -e . >/dev/null || die "not JSON: $output"
	for key in .host.ociRuntime.name .host.ociRuntime.path .host.conmon.path \
		.host.cgroupVersion .host.kernel .store.graphRoot .store.runRoot \
		.store.graphDriverName .version.Version .version.APIVersion; do
		value=$(echo "$output" | jq -r "$key")
		[ -n "$value" ] && [ "$value" != null ] || die "info has no $key"
	done
	is "$(echo "$output" | jq -r .store.graphRoot)" "$(realpath "$CPOD_ROOT")" "graphRoot is --root"
	is "$(echo "$output" | jq -r .store.runRoot)" "$(realpath "$CPOD_RUNROOT")" "runRoot is --runroot"
	is "$(echo "$output" | jq -r .host.kernel)" "$(uname -r)" "kernel"
	is "$(echo "$output" | jq -r .host.security.rootless)" "false" "root is not rootless"
}

@test "info reports the cgroup version of the host" {
	case $(stat -f -c %T /sys/fs/cgroup) in
	cgroup2fs) want=v2 ;;
	tmpfs) want=v1 ;;
	*) skip "unknown cgroup layout" ;;
	esac
	run_cpod info --format '{{.Host.CgroupVersion}}'
	is "$output" "$want" "cgroup version"
}

@test "info: the chosen OCI runtime really runs containers here" {
	run_cpod info --format '{{.Host.OCIRuntime.Path}}'
	path=$output
	[ -x "$path" ] || die "runtime '$path' is not executable"
	# Run a container with it by hand, the way the probe does.
	b=$(mktemp -d)
	mkdir -p "$b/rootfs/usr" "$b/rootfs/proc"
	ln -s usr/bin "$b/rootfs/bin"
	ln -s usr/lib "$b/rootfs/lib"
	ln -s usr/lib64 "$b/rootfs/lib64"
	cat >"$b/config.json" <<-JSON
	{"ociVersion":"1.0.2","process":{"args":["/usr/bin/echo","ran"],"cwd":"/","user":{"uid":0,"gid":0}},
	 "root":{"path":"rootfs","readonly":true},
	 "mounts":[{"destination":"/usr","type":"bind","source":"/usr","options":["rbind","ro"]},
	           {"destination":"/proc","type":"proc","source":"proc"}],
	 "linux":{"namespaces":[{"type":"pid"},{"type":"mount"}],"cgroupsPath":"/cpod-bats-$$"}}
	JSON
	run "$path" --root "$b/state" run --bundle "$b" "cpod-bats-$$"
	rm -rf "$b"
	is "$output" "ran" "the runtime cpod chose ran a container"
}

@test "info: a runtime that cannot run containers is passed over, and info says why" {
	fake=$CPOD_TEST_DIR/fake-crun
	printf '#!/bin/sh\necho "fake runtime refuses: boom" >&2\nexit 1\n' >"$fake"
	chmod +x "$fake"
	conf=$CPOD_TEST_DIR/containers.conf
	printf '[engine.runtimes]\ncrun = ["%s"]\nrunc = ["/usr/sbin/runc", "/usr/bin/runc"]\n' "$fake" >"$conf"
	CONTAINERS_CONF=$conf run_cpod info --format '{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.SelectedBecause}}'
	is "$output" "runc *crun ($fake) cannot run containers here*boom*" "runc chosen, crun's failure named"
	# The probe's verdict is cached in the runroot, keyed by the binary's size and mtime.
	[ -s "$CPOD_RUNROOT/oci-runtime-probe.json" ] || die "no probe cache"
	grep -q "$fake" "$CPOD_RUNROOT/oci-runtime-probe.json" || die "fake runtime not in the cache"
}

@test "info: --runtime chooses the runtime, a missing one is an error" {
	run_cpod --runtime runc info --format '{{.Host.OCIRuntime.Name}}: {{.Host.OCIRuntime.SelectedBecause}}'
	is "$output" "runc: set by --runtime"
	run_cpod 125 --runtime /nonexistent/runtime info
	is "$output" "Error: *'/nonexistent/runtime'*" "error names the runtime"
}

@test "info: a malformed containers.conf is an error naming file and line" {
	conf=$CPOD_TEST_DIR/bad.conf
	printf '[engine]\nstop_timeout = 10\nruntime = "runc\n' >"$conf"
	CONTAINERS_CONF=$conf run_cpod 125 info
	is "$output" "Error: *$conf:3:*" "file and line named"
	printf '[engine]\nstop_timeout = "ten"\n' >"$conf"
	CONTAINERS_CONF=$conf run_cpod 125 info
	is "$output" "Error: *$conf:2:*stop_timeout*" "wrong type: file, line and key named"
}

@test "info: a malformed registries.conf is an error naming file and line" {
	conf=$CPOD_TEST_DIR/registries.conf
	printf 'unqualified-search-registries = ["a.example"]\n[[registry]]\nlocation = \n' >"$conf"
	CONTAINERS_REGISTRIES_CONF=$conf run_cpod 125 info
	is "$output" "Error: *$conf:3:*" "file and line named"
	printf 'unqualified-search-registries = ["127.0.0.1:5100", "docker.io"]\n' >"$conf"
	CONTAINERS_REGISTRIES_CONF=$conf run_cpod info --format '{{json .Registries.Search}}'
	is "$output" '["127.0.0.1:5100","docker.io"]' "search registries from the file"
}

@test "info: default output is YAML like podman's" {
	run_cpod info
	assert_line "host:"
	assert_line "  ociRuntime:"
	assert_line "store:"
	assert_line "  graphRoot: $(realpath "$CPOD_ROOT")"
}

@test "version" {
	run_cpod version --format '{{.Client.Version}}'
	is "$output" "[0-9]+\.[0-9]+\.[0-9]+" "version number"
	run_cpod version
	assert_line "Version: *[0-9]*"
	assert_line "API Version: *"
	run_cpod --version
	is "$output" "cpod version [0-9]+\.[0-9]+\.[0-9]+"
	run_cpod version --format json
	is "$(echo "$output" | jq -r .Client.Os)" linux
}

@test "info: the store's driver and image count come from the open store" {
	run_cpod info --format '{{.Store.ImageStore.Number}}'
	is "$output" "0" "no images yet"
	dir=$CPOD_TEST_DIR/rootfs
	mkdir -p "$dir/etc"
	echo hi >"$dir/etc/hi"
	tar -C "$dir" -cf "$CPOD_TEST_DIR/r.tar" .
	run_cpod import -q "$CPOD_TEST_DIR/r.tar" counted
	run_cpod info --format '{{.Store.ImageStore.Number}}'
	is "$output" "1" "one image"
	vroot=$CPOD_TEST_DIR/vfsroot
	run "$CPOD" --root "$vroot" --runroot "$CPOD_TEST_DIR/vfsrun" --storage-driver vfs \
		info --format '{{.Store.GraphDriverName}}'
	is "$output" "vfs" "--storage-driver vfs"
	# Once chosen, a store keeps its driver when none is configured.
	run "$CPOD" --root "$vroot" --runroot "$CPOD_TEST_DIR/vfsrun" info \
		--format '{{.Store.GraphDriverName}}'
	is "$output" "vfs" "the store's existing driver"
}
