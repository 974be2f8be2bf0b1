#!/usr/bin/env bats
# cpod search against the fixture registries' /v2/_catalog: a registry-qualified term, a bare
# term in the unqualified-search registries, --limit, --list-tags, --format, auth and errors.
# The plain registry also holds repositories other tests pushed, so terms are narrow or the
# limit is high (more than one 100-name page: the Link pagination is followed).

load helpers

PLAIN=127.0.0.1:5100
AUTH=127.0.0.1:5101

setup_file() {
	cpod_setup_file
	require_fixtures
	cpod_registry_env
}

teardown() {
	if [ -n "${BEARER_PID:-}" ]; then
		kill "$BEARER_PID" 2>/dev/null || true
	fi
	cpod_teardown
}

@test "search a registry: the cpod-test repositories, in a NAME DESCRIPTION table" {
	run_cpod search --limit 100000 "$PLAIN/cpod-test"
	is "${lines[0]}" "NAME *DESCRIPTION" "header"
	for repo in busybox layers config multiarch; do
		assert_line "$PLAIN/cpod-test/$repo *"
	done
	# Every row names a repository containing the term.
	for line in "${lines[@]:1}"; do
		[[ $line == "$PLAIN/"*cpod-test* ]] || die "unexpected row '$line'"
	done
}

@test "search: a term matching nothing prints nothing (as podman), exit 0" {
	run_cpod search "$PLAIN/no-such-repository-xyz"
	is "$output" "" "no header, no rows"
}

@test "search --limit: at most N results; a full match comes first" {
	run_cpod search --limit 2 "$PLAIN/cpod-test"
	is "${#lines[@]}" 3 "header and two rows"
	run_cpod search --format '{{.Name}}' --limit 100000 "$PLAIN/cpod-test/busybox"
	is "${lines[0]}" "$PLAIN/cpod-test/busybox" "the full match first"
}

@test "search --format: a Go template per record, no header; json" {
	run_cpod search --format '{{.Name}}' --limit 100000 "$PLAIN/cpod-test/multiarch"
	is "$output" "$PLAIN/cpod-test/multiarch"
	run_cpod search --format '{{.Index}}|{{.Name}}|{{.Stars}}|{{.Tag}}|' "$PLAIN/cpod-test/multiarch"
	is "$output" "$PLAIN|$PLAIN/cpod-test/multiarch|0||"
	run_cpod search --format 'table {{.Name}} {{.Index}}' "$PLAIN/cpod-test/multiarch"
	is "${lines[0]}" "NAME *INDEX"
	is "${lines[1]}" "$PLAIN/cpod-test/multiarch *$PLAIN"
	run_cpod search --compatible "$PLAIN/cpod-test/multiarch"
	is "${lines[0]}" "NAME *DESCRIPTION *STARS *OFFICIAL *AUTOMATED" "--compatible columns"
	is "${lines[1]}" "$PLAIN/cpod-test/multiarch *0 *" "no stars"
	run_cpod search --format json "$PLAIN/cpod-test/multiarch"
	is "$(jq -r '.[0].Name' <<<"$output")" "$PLAIN/cpod-test/multiarch"
	is "$(jq -r '.[0] | keys_unsorted | join(",")' <<<"$output")" \
		"Index,Name,Description,Stars,Official,Automated,Tag"
}

@test "search --list-tags: NAME TAG rows of one repository, --limit, json" {
	run_cpod search --list-tags "$PLAIN/cpod-test/busybox"
	is "${lines[0]}" "NAME *TAG"
	is "$(printf '%s\n' "${lines[@]:1}" | awk '{print $1}' | sort -u)" "$PLAIN/cpod-test/busybox"
	is "$(printf '%s\n' "${lines[@]:1}" | awk '{print $2}' | sort | tr '\n' ' ')" \
		"latest oci v2s2 zstd "
	run_cpod search --list-tags --limit 2 "$PLAIN/cpod-test/busybox"
	is "${#lines[@]}" 3 "header and two tags"
	run_cpod search --list-tags --format json "$PLAIN/cpod-test/busybox"
	is "$(jq -r '.[0].Name' <<<"$output")" "$PLAIN/cpod-test/busybox"
	is "$(jq -r '.[0].Tags | sort | join(",")' <<<"$output")" "latest,oci,v2s2,zstd"
	run_cpod 125 search --list-tags "$PLAIN/cpod-test/no-such-repo"
	assert_line "*getting repository tags:*"
	run_cpod 125 search --list-tags "$PLAIN/Upper"
	assert_line '*reference "Upper" must be a docker reference'
}

@test "search a bare term: every unqualified-search registry" {
	cat >"$CPOD_TEST_DIR/search.conf" <<CONF
unqualified-search-registries = ["$PLAIN"]
[[registry]]
location = "$PLAIN"
insecure = true
CONF
	# Everything before the first slash is the registry, as podman takes it.
	CONTAINERS_REGISTRIES_CONF=$CPOD_TEST_DIR/search.conf \
		run_cpod 125 search cpod-test/multiarch
	assert_line "	* couldn't search registry \"cpod-test\": *"
	CONTAINERS_REGISTRIES_CONF=$CPOD_TEST_DIR/search.conf \
		run_cpod search --format '{{.Name}}' --limit 100000 multiarch
	assert_line "$PLAIN/cpod-test/multiarch"
}

@test "search the auth registry: refused without credentials, --creds, --authfile" {
	run_cpod 125 search "$AUTH/cpod-test"
	is "${lines[-1]}" "	* couldn't search registry \"$AUTH\": unable to retrieve auth token: invalid username/password: unauthorized: authentication required"
	run_cpod 125 search --creds cpoduser:wrong "$AUTH/cpod-test"
	assert_line "*unauthorized*"
	run_cpod search --creds "$CPOD_REGISTRY_USER:$CPOD_REGISTRY_PASS" "$AUTH/cpod-test"
	assert_line "$AUTH/cpod-test/busybox *"
	run_cpod search --format '{{.Name}}' --authfile "$CPOD_REGISTRY_AUTHFILE" "$AUTH/cpod-test/busybox"
	is "$output" "$AUTH/cpod-test/busybox"
	run_cpod 125 search --creds ":x" "$AUTH/cpod-test"
	assert_line "*credentials can't be empty*"
}

@test "search errors: unreachable registry, no v2 API, wrong arguments" {
	run_cpod 125 search 127.0.0.1:1/x
	is "${lines[0]}" "Error: 1 error occurred:"
	assert_line "	* couldn't search registry \"127.0.0.1:1\": pinging container registry 127.0.0.1:1:*"
	# An HTTP server that answers 404 to everything has no /v2/ API.
	mkdir -p "$CPOD_TEST_DIR/www"
	python3 -m http.server --bind 127.0.0.1 --directory "$CPOD_TEST_DIR/www" 5199 \
		>/dev/null 2>&1 &
	local pid=$!
	for _ in $(seq 50); do
		curl -s -o /dev/null http://127.0.0.1:5199/ && break
		sleep 0.1
	done
	run_cpod 125 search --tls-verify=false 127.0.0.1:5199/x
	kill "$pid"
	assert_line "	* couldn't search registry \"127.0.0.1:5199\": pinging container registry 127.0.0.1:5199: unexpected http status 404"
	run_cpod 125 search
	run_cpod 125 search a b
}

@test "search a registry with bearer tokens: the token asks for registry:catalog:*" {
	start_bearer_registry "http://$PLAIN"
	: >"$CPOD_TEST_DIR/bearer.log"
	CONTAINERS_REGISTRIES_CONF=$CPOD_TEST_DIR/bearer.conf \
		run_cpod search --format '{{.Index}}' --limit 1 "$BEARER/cpod"
	is "$output" "$BEARER" "one result"
	run grep -c '^/token?service=bearer-test&scope=registry%3acatalog%3a%2a $' \
		"$CPOD_TEST_DIR/bearer.log"
	is "$output" 1 "an anonymous token for the catalog scope"
	run grep -c '^/v2/_catalog Bearer tok-anon$' "$CPOD_TEST_DIR/bearer.log"
	is "$output" 1 "the catalog read with it"
	CONTAINERS_REGISTRIES_CONF=$CPOD_TEST_DIR/bearer.conf \
		run_cpod 125 search --creds tokuser:nope "$BEARER/cpod"
	assert_line "	* couldn't search registry \"$BEARER\": unable to retrieve auth token: invalid username/password: requesting a token from http://$BEARER/token for $BEARER: unauthorized: bad credentials"
}
