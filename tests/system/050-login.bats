#!/usr/bin/env bats
# cpod login / logout against the fixture registries, with an auth file of the test's own.

load helpers

setup_file() {
	cpod_setup_file
	require_fixtures
	export CONTAINERS_REGISTRIES_CONF=$CPOD_REGISTRIES_CONF
	export HOME=$CPOD_TEST_DIR/home XDG_RUNTIME_DIR=$CPOD_TEST_DIR/xdg-run
	export XDG_CONFIG_HOME=$CPOD_TEST_DIR/home/.config
	unset DOCKER_CONFIG
	mkdir -p "$HOME" "$XDG_RUNTIME_DIR" "$CPOD_TEST_DIR/empty-certs"
	export AUTH_REG=$CPOD_REGISTRY_AUTH TLS_REG=$CPOD_REGISTRY_TLS
}

# Each test has a store and an auth file of its own.
setup() {
	cpod_setup
	local t=$CPOD_TEST_DIR/t$BATS_TEST_NUMBER
	export CPOD_ROOT=$t/root CPOD_RUNROOT=$t/runroot
	export REGISTRY_AUTH_FILE=$t/auth.json
	mkdir -p "$CPOD_ROOT" "$CPOD_RUNROOT"
}

teardown() {
	if [ -n "${BEARER_PID:-}" ]; then
		kill "$BEARER_PID" 2>/dev/null || true
	fi
	cpod_teardown
}


# The "auth" member stored for registry $1 in $REGISTRY_AUTH_FILE.
stored_auth() {
	jq -r --arg k "$1" '.auths[$k].auth // "none"' "$REGISTRY_AUTH_FILE"
}


@test "login -u -p: checked, stored with mode 0600, --get-login, used by pull; logout" {
	run_cpod login -u "$CPOD_REGISTRY_USER" -p "$CPOD_REGISTRY_PASS" "$AUTH_REG"
	is "$output" "Login Succeeded!"
	is "$(stat -c %a "$REGISTRY_AUTH_FILE")" 600 "auth file mode"
	is "$(stored_auth "$AUTH_REG")" "$(printf '%s:%s' "$CPOD_REGISTRY_USER" \
		"$CPOD_REGISTRY_PASS" | base64)" "base64 of user:password"

	run_cpod login --get-login "$AUTH_REG"
	is "$output" "$CPOD_REGISTRY_USER"
	run_cpod login -v -u "$CPOD_REGISTRY_USER" -p "$CPOD_REGISTRY_PASS" "$AUTH_REG"
	is "$output" "Used:  $REGISTRY_AUTH_FILE
Login Succeeded!" "--verbose names the file written"

	# The stored login is what pull uses: no --creds.
	run_cpod pull -q --signature-policy "$CPOD_REGISTRY_POLICY" "$CPOD_IMG_AUTH_BUSYBOX"
	run_cpod image inspect --format '{{.Digest}}' "$CPOD_IMG_AUTH_BUSYBOX"
	is "$output" "$CPOD_IMG_AUTH_BUSYBOX_DIGEST"

	run_cpod logout "$AUTH_REG"
	is "$output" "Removed login credentials for $AUTH_REG"
	is "$(stored_auth "$AUTH_REG")" none "entry removed"
	run_cpod rmi -a
	run_cpod 125 pull -q --signature-policy "$CPOD_REGISTRY_POLICY" "$CPOD_IMG_AUTH_BUSYBOX"
	assert_line "*unauthorized: authentication required"

	run_cpod 125 logout "$AUTH_REG"
	is "$output" "Error: not logged into $AUTH_REG"
	run_cpod 125 login --get-login "$AUTH_REG"
	is "$output" "Error: not logged into $AUTH_REG"
}

@test "login --password-stdin; with --password or without --username refused" {
	run_cpod login -u "$CPOD_REGISTRY_USER" --password-stdin "$AUTH_REG" \
		<<<"$CPOD_REGISTRY_PASS"
	is "$output" "Login Succeeded!"
	is "$(stored_auth "$AUTH_REG")" "$(printf '%s:%s' "$CPOD_REGISTRY_USER" \
		"$CPOD_REGISTRY_PASS" | base64)" "the password read from stdin, without newline"

	run_cpod 125 login -u x -p y --password-stdin "$AUTH_REG" </dev/null
	is "$output" "Error: Can't specify both --password-stdin and --password"
	run_cpod 125 login --password-stdin "$AUTH_REG" </dev/null
	is "$output" "Error: Must provide --username with --password-stdin"
}

@test "login with a wrong password stores nothing; no terminal and no password fails" {
	run_cpod 125 login -u "$CPOD_REGISTRY_USER" -p wrong "$AUTH_REG"
	is "$output" "Error: logging into \"$AUTH_REG\": invalid username/password"
	[ ! -e "$REGISTRY_AUTH_FILE" ] || die "an auth file was written: $(cat "$REGISTRY_AUTH_FILE")"

	run_cpod 125 login -u nobody -p "$CPOD_REGISTRY_PASS" "$AUTH_REG"
	is "$output" "Error: logging into \"$AUTH_REG\": invalid username/password"

	# A wrong password does not replace a stored good one.
	run_cpod login -u "$CPOD_REGISTRY_USER" -p "$CPOD_REGISTRY_PASS" "$AUTH_REG"
	local good
	good=$(stored_auth "$AUTH_REG")
	run_cpod 125 login -u "$CPOD_REGISTRY_USER" -p wrong "$AUTH_REG"
	is "$(stored_auth "$AUTH_REG")" "$good" "the good entry stays"

	run_cpod 125 login -u "$CPOD_REGISTRY_USER" "$AUTH_REG" </dev/null
	is "$output" "Password: Error: getting username and password: reading password: inappropriate ioctl for device"
	run_cpod 125 login -p x "$AUTH_REG" </dev/null
	is "$output" "Username ($CPOD_REGISTRY_USER): Error: getting username and password: reading username: EOF"
}

@test "login without -u and -p reuses valid stored credentials" {
	run_cpod login -u "$CPOD_REGISTRY_USER" -p "$CPOD_REGISTRY_PASS" "$AUTH_REG"
	run_cpod login "$AUTH_REG" </dev/null
	is "${lines[0]}" "Authenticating with existing credentials for $AUTH_REG"
	is "${lines[1]}" "Existing credentials are valid. Already logged in to $AUTH_REG"

	# Stored but invalid: podman says so, then prompts.
	printf '{"auths":{"%s":{"auth":"%s"}}}' "$AUTH_REG" "$(printf 'cpoduser:bad' | base64)" \
		>"$REGISTRY_AUTH_FILE"
	run_cpod 125 login "$AUTH_REG" </dev/null
	is "${lines[1]}" "Existing credentials are invalid, please enter valid username and password"
	is "${lines[2]}" "Username (cpoduser): Error: getting username and password: reading username: EOF"
}

@test "login to a namespace, --authfile, URL arguments; logout -a" {
	local af=$CPOD_TEST_DIR/t$BATS_TEST_NUMBER/other.json
	run_cpod login --authfile "$af" -u "$CPOD_REGISTRY_USER" -p "$CPOD_REGISTRY_PASS" \
		"$AUTH_REG/cpod-test"
	is "$output" "Login Succeeded!"
	is "$(REGISTRY_AUTH_FILE=$af stored_auth "$AUTH_REG/cpod-test")" \
		"$(printf 'cpoduser:cpodpass' | base64)" "stored under the namespace"
	[ ! -e "$REGISTRY_AUTH_FILE" ] || die "REGISTRY_AUTH_FILE written despite --authfile"
	run_cpod login --authfile "$af" -u "$CPOD_REGISTRY_USER" -p "$CPOD_REGISTRY_PASS" \
		"http://$AUTH_REG/v2/"
	is "$(REGISTRY_AUTH_FILE=$af stored_auth "$AUTH_REG")" "$(printf 'cpoduser:cpodpass' |
		base64)" "a URL is stored under its host:port"

	run_cpod 125 login -u a -p b "$AUTH_REG/cpod-test/busybox:latest"
	is "$output" "Error: reference \"$AUTH_REG/cpod-test/busybox:latest\" contains tag or digest"

	run_cpod 125 logout --authfile "$af" -a "$AUTH_REG"
	is "$output" "Error: --all takes no arguments"
	run_cpod logout --authfile "$af" -a
	is "$output" "Removed login credentials for all registries"
	is "$(jq -c .auths "$af")" "{}" "every entry removed"
	run_cpod 125 logout --authfile "$af" "$AUTH_REG"
	is "$output" "Error: not logged into $AUTH_REG"

	# logout checks that the auth file exists.
	run_cpod 125 logout --authfile "$CPOD_TEST_DIR/missing.json" "$AUTH_REG"
	is "$output" "Error: checking authfile: stat $CPOD_TEST_DIR/missing.json: no such file or directory"
	# No registry and none in unqualified-search-registries.
	run_cpod 125 login -u a -p b
	is "$output" "Error: no registries found in registries.conf, a registry must be provided"
}

@test "login to the TLS registry: --cert-dir, no CA fails, --tls-verify=false" {
	run_cpod 125 login --cert-dir "$CPOD_TEST_DIR/empty-certs" -u a -p b "$TLS_REG"
	is "$output" "Error: authenticating creds for \"$TLS_REG\": pinging container registry $TLS_REG: SSL certificate problem: *"
	[ ! -e "$REGISTRY_AUTH_FILE" ] || die "stored after a failed login"

	# The TLS registry is anonymous: any credentials pass the check.
	run_cpod login --cert-dir "$CPOD_REGISTRY_CERTS_DIR" -u a -p b "$TLS_REG"
	is "$output" "Login Succeeded!"
	run_cpod logout "$TLS_REG"
	run_cpod login --tls-verify=false --cert-dir "$CPOD_TEST_DIR/empty-certs" -u a -p b \
		"$TLS_REG"
	is "$output" "Login Succeeded!"
	is "$(stored_auth "$TLS_REG")" "$(printf 'a:b' | base64)"
}

@test "login to a port where nothing listens fails cleanly" {
	run_cpod 125 login -u a -p b 127.0.0.1:1
	is "$output" "Error: authenticating creds for \"127.0.0.1:1\": pinging container registry 127.0.0.1:1: *"
	[ ! -e "$REGISTRY_AUTH_FILE" ] || die "stored after a failed login"
}

@test "login to a registry with bearer tokens: the token is asked for with the credentials" {
	start_bearer_registry -
	: >"$CPOD_TEST_DIR/bearer.log"
	CONTAINERS_REGISTRIES_CONF=$CPOD_TEST_DIR/bearer.conf run_cpod login -u tokuser -p tokpass \
		"$BEARER"
	is "$output" "Login Succeeded!"
	is "$(stored_auth "$BEARER")" "$(printf 'tokuser:tokpass' | base64)"
	run grep -c "^/token?service=bearer-test Basic $(printf 'tokuser:tokpass' | base64)$" \
		"$CPOD_TEST_DIR/bearer.log"
	is "$output" 1 "one token request, no scope, with the credentials"
	run grep -c "^/v2/ Bearer tok-user$" "$CPOD_TEST_DIR/bearer.log"
	is "$output" 1 "/v2/ checked with the token"

	CONTAINERS_REGISTRIES_CONF=$CPOD_TEST_DIR/bearer.conf run_cpod 125 login -u tokuser \
		-p nope "$BEARER"
	is "$output" "Error: logging into \"$BEARER\": invalid username/password"
	is "$(stored_auth "$BEARER")" "$(printf 'tokuser:tokpass' | base64)" "the good entry stays"
}
