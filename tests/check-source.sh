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

echo "1..$n"
[ $fails -eq 0 ]
