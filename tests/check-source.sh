#!/usr/bin/env bash
# Source rules that the compiler cannot check, as TAP (run by tests/run-all.sh):
# banned.h everywhere, the include boundaries of DESIGN.md §2, the exported symbol set,
# and clang-format.
set -uo pipefail
cd "$(dirname "$0")/.."
n=0
fails=0
result() {	# result OK|FAIL description [details...]
	n=$((n + 1))
	if [ "$1" = OK ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		shift 2
		printf '#   %s\n' "$@"
		fails=$((fails + 1))
	fi
}

mapfile -t csrc < <(git ls-files -co --exclude-standard 'lib/*.c' 'cli/*.c' 'api/*.c')

# 1. banned.h is the last #include of every library and CLI source file.
bad=()
for f in "${csrc[@]}"; do
	last=$(grep -E '^#include' "$f" | tail -n 1)
	[ "$last" = '#include "common/banned.h"' ] || bad+=("$f")
done
[ ${#bad[@]} -eq 0 ] && result OK "every .c file includes common/banned.h last" ||
	result FAIL "every .c file includes common/banned.h last" "${bad[@]}"

# 2. cli/ and api/ see only the public API and lib/common.
bad=()
while IFS= read -r line; do
	bad+=("$line")
done < <(git ls-files -co --exclude-standard 'cli/*' 'api/*' | grep -E '\.[ch]$' |
	xargs -r grep -nE '^#include "(config|storage|image|oci|engine|network|build)/' || true)
[ ${#bad[@]} -eq 0 ] && result OK "cli/ and api/ include only include/ and lib/common/" ||
	result FAIL "cli/ and api/ include only include/ and lib/common/" "${bad[@]}"

# 3. Layering: storage knows nothing of images or the engine; image knows nothing of the engine.
bad=()
while IFS= read -r line; do
	bad+=("$line")
done < <( (git ls-files -co --exclude-standard 'lib/storage/*' | xargs -r grep -nE '^#include "(image|engine|oci|network)/';
	git ls-files -co --exclude-standard 'lib/image/*' | xargs -r grep -nE '^#include "(engine|oci|network)/';
	git ls-files -co --exclude-standard 'lib/common/*' | xargs -r grep -nE '^#include "(config|storage|image|oci|engine|network|build)/') || true)
[ ${#bad[@]} -eq 0 ] && result OK "library areas respect the layering of DESIGN.md" ||
	result FAIL "library areas respect the layering of DESIGN.md" "${bad[@]}"

# 4. libcpod.so exports only cpod_* symbols.
so=build/lib/libcpod.so
if [ -f "$so" ]; then
	mapfile -t bad < <(nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^cpod_' || true)
	[ ${#bad[@]} -eq 0 ] && result OK "libcpod.so exports only cpod_* symbols" ||
		result FAIL "libcpod.so exports only cpod_* symbols" "${bad[@]}"
	count=$(nm -D --defined-only "$so" | grep -c ' T cpod_' || true)
	[ "$count" -gt 0 ] && result OK "libcpod.so exports its API ($count functions)" ||
		result FAIL "libcpod.so exports its API" "no cpod_ functions exported"
else
	result FAIL "libcpod.so exports only cpod_* symbols" "$so not built"
fi

# 5. clang-format, kernel style.
if command -v clang-format >/dev/null; then
	mapfile -t all < <(git ls-files -co --exclude-standard '*.c' '*.h')
	mapfile -t bad < <(for f in "${all[@]}"; do
		clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || echo "$f"
	done)
	[ ${#bad[@]} -eq 0 ] && result OK "sources are clang-formatted (.clang-format)" ||
		result FAIL "sources are clang-formatted (.clang-format)" "${bad[@]}" \
			"fix with: clang-format -i FILE"
fi

# 6. libcurl and libarchive are loaded on first use (lib/common/lazylib.h): not linked, every
# function libcpod calls has a forwarder, and a command that needs neither maps neither.
b=${CPOD_BUILD_DIR:-build}
if [ -f "$b/lib/libcpod.so" ] && [ -x "$b/cli/cpod" ]; then
	mapfile -t bad < <(readelf -d "$b/lib/libcpod.so" "$b/cli/cpod" |
		grep -E 'NEEDED.*lib(curl|archive)' || true)
	[ ${#bad[@]} -eq 0 ] && result OK "libcpod.so and cpod do not link libcurl or libarchive" ||
		result FAIL "libcpod.so and cpod do not link libcurl or libarchive" "${bad[@]}"
	mapfile -t bad < <(nm -D --undefined-only "$b/lib/libcpod.so" |
		awk '$2 ~ /^(curl|archive)_/ {print $2}')
	[ ${#bad[@]} -eq 0 ] && result OK "every curl_/archive_ function has a forwarder" ||
		result FAIL "every curl_/archive_ function has a forwarder" "${bad[@]}" \
			"add them to lib/common/lazy_curl.c or lazy_archive.c"
	mapfile -t bad < <(LD_DEBUG=files "$b/cli/cpod" version 2>&1 >/dev/null |
		grep -E 'lib(curl|archive)\.so' || true)
	[ ${#bad[@]} -eq 0 ] && result OK "cpod version maps neither libcurl nor libarchive" ||
		result FAIL "cpod version maps neither libcurl nor libarchive" "${bad[@]}"
else
	result FAIL "libcurl and libarchive are loaded on first use" "$b/ not built"
fi

echo "1..$n"
[ $fails -eq 0 ]
