#!/usr/bin/env bats
# cpod pull --all-tags (-a): every tag of a repository of the plain fixture registry, listed
# through /v2/<repo>/tags/list; short names through the search registries; the errors.

load helpers

setup_file() {
	cpod_setup_file
	require_fixtures
	cpod_registry_env
	mkdir -p "$CPOD_TEST_DIR/tmp"
	export TMPDIR=$CPOD_TEST_DIR/tmp
	# A repository of this run's own: t1 and t2 are one image, t3 another.
	export REPO_PATH=cpod-alltags-test/r$(date +%s%N)
	export REPO=$CPOD_REGISTRY_PLAIN/$REPO_PATH
	export REPO_TAGS_URL=$CPOD_REGISTRY_PLAIN/v2/$REPO_PATH/tags/list
	local r=$CPOD_TEST_DIR/rootfs
	mkdir -p "$r"
	echo one >"$r/file"
	tar -C "$r" -cf "$CPOD_TEST_DIR/one.tar" .
	echo two >"$r/file"
	tar -C "$r" -cf "$CPOD_TEST_DIR/two.tar" .
	run_cpod import -q "$CPOD_TEST_DIR/one.tar" localhost/alltags:one
	run_cpod import -q "$CPOD_TEST_DIR/two.tar" localhost/alltags:two
	run_cpod tag alltags:one "$REPO:t1" "$REPO:t2"
	run_cpod tag alltags:two "$REPO:t3"
	for t in t1 t2 t3; do
		run_cpod push -q --tls-verify=false "$REPO:$t"
	done
	# The IDs a pull gives: the config digests in the registry.
	export ID_ONE=$(registry_image_id t1) ID_TWO=$(registry_image_id t3)
	[ -n "$ID_ONE" ] && [ -n "$ID_TWO" ] || die "no config digests in $REPO"
}

# registry_image_id TAG: the config digest (hex) of REPO:TAG in the registry.
registry_image_id() {
	curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
		"http://$CPOD_REGISTRY_PLAIN/v2/$REPO_PATH/manifests/$1" |
		jq -r '.config.digest' | sed 's/^sha256://'
}

# Each test has a store of its own.
setup() {
	cpod_setup
	export CPOD_ROOT=$CPOD_TEST_DIR/t$BATS_TEST_NUMBER/root
	export CPOD_RUNROOT=$CPOD_TEST_DIR/t$BATS_TEST_NUMBER/runroot
	mkdir -p "$CPOD_ROOT" "$CPOD_RUNROOT"
}

# ids_in_order: the IDs expected for the tags in the order the registry lists them.
ids_in_order() {
	local t ids=()
	for t in $(curl -sf "http://$REPO_TAGS_URL" | jq -r '.tags[]'); do
		case $t in
		t1 | t2) ids+=("$ID_ONE") ;;
		t3) ids+=("$ID_TWO") ;;
		*) die "unexpected tag $t" ;;
		esac
	done
	printf '%s\n' "${ids[@]}"
}

@test "pull -a: every tag, in the registry's order, each ID printed as it is pulled" {
	pull -a "$REPO"
	# Each pull's steps, then its ID, before the next tag's pull starts.
	local i tag=
	for i in "${!lines[@]}"; do
		if [[ ${lines[$i]} == "Trying to pull $REPO:"* ]]; then
			[ -z "$tag" ] || die "the pull of $tag printed no ID before the next one"
			tag=${lines[$i]#"Trying to pull $REPO:"}
			tag=${tag%...}
		elif [[ ${lines[$i]} =~ ^[0-9a-f]{64}$ ]]; then
			case $tag in
			t1 | t2) is "${lines[$i]}" "$ID_ONE" "$tag's ID" ;;
			t3) is "${lines[$i]}" "$ID_TWO" "$tag's ID" ;;
			*) die "an ID without a pull: ${lines[$i]}" ;;
			esac
			tag=
		fi
	done
	is "$tag" "" "the last pull printed its ID"
	is "$(grep -c '^Trying to pull' <<<"$output")" 3 "three pulls"

	run_cpod images --format '{{.Repository}}:{{.Tag}} {{.ID}}' --no-trunc
	assert_line "$REPO:t1 sha256:$ID_ONE"
	assert_line "$REPO:t2 sha256:$ID_ONE"
	assert_line "$REPO:t3 sha256:$ID_TWO"
	is "${#lines[@]}" 3 "a row per tag, of two images"

	# -q: one ID per tag (podman prints one per tag, duplicates included).
	pull -q --all-tags "docker://$REPO"
	is "$output" "$(ids_in_order)"
}

@test "pull -a with a short name: the first search registry that lists the tags" {
	local conf=$CPOD_TEST_DIR/short.conf
	cat >"$conf" <<EOF
unqualified-search-registries = ["127.0.0.1:5199", "$CPOD_REGISTRY_PLAIN"]
short-name-mode = "permissive"
[[registry]]
location = "$CPOD_REGISTRY_PLAIN"
insecure = true
[[registry]]
location = "127.0.0.1:5199"
insecure = true
EOF
	CONTAINERS_REGISTRIES_CONF=$conf pull -q --retry 0 -a "$REPO_PATH"
	is "$output" "$(ids_in_order)"
	run_cpod images --format '{{.Repository}}:{{.Tag}}'
	assert_line "$REPO:t1"
	assert_line "$REPO:t3"

	# No candidate answers: both failures are told.
	sed -i "s|\"$CPOD_REGISTRY_PLAIN\"\\]|\"127.0.0.1:5198\"]|" "$conf"
	CONTAINERS_REGISTRIES_CONF=$conf pull 125 -q --retry 0 -a "$REPO_PATH"
	assert_line "Error: 2 errors occurred while listing tags: * *127.0.0.1:5199*; * *127.0.0.1:5198*"
}

@test "pull -a: a tag or digest, another transport, an unknown repository are errors" {
	pull 125 -a "$REPO:t1"
	is "$output" "Error: tag can't be used with --all-tags/-a"
	pull 125 -a "$REPO@sha256:$(printf '0%.0s' {1..64})"
	is "$output" "Error: tag can't be used with --all-tags/-a"
	pull 125 -a "docker://$REPO:t1"
	is "$output" "Error: tag can't be used with --all-tags/-a"
	pull 125 -a "oci:$CPOD_TEST_DIR/layout"
	is "$output" "Error: pulling all tags is not supported for oci transport"
	pull 125 -a "$CPOD_REGISTRY_PLAIN/cpod-alltags-test/no-such-repo-$RANDOM"
	assert_line "Error: listing tags of $CPOD_REGISTRY_PLAIN/cpod-alltags-test/no-such-repo-*"
	run_cpod images -q
	is "$output" "" "nothing pulled"
}
