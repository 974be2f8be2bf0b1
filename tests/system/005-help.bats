#!/usr/bin/env bats
# The command frame: every command answers --help, the command and option errors look like
# podman's, global options work before and after the command name.

load helpers

# The command paths of the table, one a line ("system info"), from the hidden list.
command_paths() {
	"$CPOD" help --list
}

@test "help --list prints the command table" {
	run_cpod help --list
	assert_line "version"
	assert_line "info"
	assert_line "system info"
	assert_line "help"
}

@test "every command answers --help with its usage" {
	local path n=0
	while read -r path; do
		# shellcheck disable=SC2086 # the path is words on purpose
		run_cpod $path --help
		assert_line -n 0 "?*" "$path: first line is the description"
		assert_line "Usage:" "$path: has a Usage section"
		assert_line "  cpod $path*" "$path: usage line names the command"
		n=$((n + 1))
	done < <(command_paths)
	[ "$n" -ge 4 ] || die "only $n commands listed"
}

@test "cpod help PATH prints the same as PATH --help" {
	local path
	while read -r path; do
		# shellcheck disable=SC2086
		run_cpod $path --help
		want=$output
		# shellcheck disable=SC2086
		run_cpod help $path
		is "$output" "$want" "help $path"
	done < <(command_paths)
}

@test "cpod --help lists the top-level commands, a noun --help its verbs" {
	run_cpod --help
	assert_line -n 0 "Manage pods, containers and images"
	assert_line "Usage:"
	assert_line "  cpod \[options\] \[command\]"
	assert_line "Available Commands:"
	assert_line "  version +Display the cpod version information"
	assert_line "  info +Display cpod system information"
	assert_line "  system +Manage cpod"
	assert_line "  help +Help about any command"
	assert_line "Options:"
	assert_line "      --root string +Path to the root directory.*"
	assert_line "  -v, --version +version for cpod"
	run_cpod -h
	assert_line "Available Commands:"
	run_cpod system --help
	assert_line "  cpod system \[command\]"
	assert_line "  info +Display cpod system information"
	refute_line "  version *" "system lists only its own verbs"
}

@test "a command's --help shows its options aligned" {
	run_cpod version --help
	assert_line -n 0 "Display the cpod version information"
	assert_line "Description:"
	assert_line "  cpod version \[options\]"
	assert_line "  -f, --format string   Change the output format to JSON or a Go template"
	run_cpod version -h
	assert_line "  -f, --format string   *"
	run_cpod --help version
	assert_line "  cpod version \[options\]" "--help before the command asks for its help"
}

@test "--version and -v" {
	run_cpod --version
	is "$output" "cpod version [0-9]+\.[0-9]+\.[0-9]+.*"
	run_cpod -v
	is "$output" "cpod version [0-9]+\.[0-9]+\.[0-9]+.*"
	run_cpod version --format '{{.Client.Version}}'
	version=$output
	run_cpod --version
	is "$output" "cpod version $version" "same version both ways"
}

@test "version: text layout and --format" {
	run_cpod version
	assert_line -n 0 "Client:       cpod Engine"
	assert_line "Version:      [0-9]*"
	assert_line "API Version:  4.3.1"
	assert_line "OS/Arch:      linux/*"
	run_cpod version --format '{{.Client.APIVersion}}'
	is "$output" "4.3.1"
	run_cpod version --format '{{.Version}}'
	is "$output" "[0-9]+\.[0-9]+\.[0-9]+.*" "old form: client fields directly"
	run_cpod version --format json
	is "$output" '\{"Client":\{"APIVersion":"4.3.1",*' "json is one line"
	run_cpod 125 version --format '{{.Client.Version'
	is "$output" "Error: template: *" "bad template"
}

@test "unknown command: error, hint, status 125" {
	run_cpod 125 nosuchcommand
	is "$output" "Error: unrecognized command \`cpod nosuchcommand\`
Try 'cpod --help' for more information"
	run_cpod 125 verison
	assert_line "Did you mean this?"
	assert_line "	version"
	run_cpod 125 system nosuchverb
	is "$output" "Error: unrecognized command \`cpod system nosuchverb\`*Try 'cpod system --help'*"
}

@test "missing command: help and status 125" {
	run_cpod 125
	assert_line "Available Commands:"
	assert_line "Error: missing command 'cpod COMMAND'"
	run_cpod 125 system
	assert_line "Error: missing command 'cpod system COMMAND'"
}

@test "option errors look like podman's and exit 125" {
	run_cpod 125 version --foo
	is "$output" "Error: unknown flag: --foo
See 'cpod version --help'"
	run_cpod 125 version -x
	is "$output" "Error: unknown shorthand flag: 'x' in -x*"
	run_cpod 125 version -f
	is "$output" "Error: flag needs an argument: 'f' in -f*"
	run_cpod 125 version --format
	is "$output" "Error: flag needs an argument: --format*"
	run_cpod 125 --bogus version
	is "$output" "Error: unknown flag: --bogus
See 'cpod --help'"
	run_cpod 125 version extra
	is "$output" "Error: \`cpod version\` takes no arguments"
	run_cpod 125 version -- extra
	is "$output" "Error: \`cpod version\` takes no arguments" "-- ends the options"
	run_cpod 125 --noout=maybe version
	is "$output" 'Error: invalid argument "maybe" for "--noout" flag: strconv.ParseBool: parsing "maybe": invalid syntax*'
}

@test "global options: persistent ones after the command, root-only ones not" {
	run_cpod version --log-level=error --format '{{.Client.APIVersion}}'
	is "$output" "4.3.1" "--log-level after the command"
	run_cpod system --log-level error info --help
	assert_line "  cpod system info \[options\]" "global option between noun and verb"
	run_cpod 125 version --remote
	is "$output" "Error: unknown flag: --remote*" "--remote only before the command"
}

@test "--log-level: podman's level names, status 1 for a bad one, logrus lines" {
	run_cpod 1 --log-level=telepathic version
	is "$output" 'Log Level "telepathic" is not supported, choose from: trace, debug, info, warn, warning, error, fatal, panic'
	run_cpod --log-level=warning version --format x
	is "$output" "x"
	run_cpod --log-level=INFO version --format x
	assert_line 'time="*" level=info msg="*filtering at log level info"'
	assert_line "x"
	run_cpod 1 --log-level=debug -D version
	is "$output" "Setting --log-level and --debug is not allowed"
}

@test "remote access is refused honestly" {
	run_cpod 125 --remote version
	is "$output" "Error: remote access *not supported by cpod yet"
	run_cpod 125 --url unix:///tmp/x.sock version
	is "$output" "Error: remote access *"
	CONTAINER_HOST=unix:///tmp/x.sock run_cpod 125 version
	is "$output" "Error: remote access *"
	CONTAINER_HOST=unix:///tmp/x.sock run_cpod version --help
	assert_line "Usage:" "help still works"
}

@test "--noout discards standard output" {
	run_cpod --noout version
	is "$output" "" "nothing printed"
}
