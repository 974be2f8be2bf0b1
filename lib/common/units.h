/* Human-readable sizes and durations, printed and parsed exactly as podman does it through
 * docker/go-units v0.5.0.
 *
 * Every function returning char * hands a new string to the caller (free() it).  Numbers are
 * always printed and parsed with '.' as the decimal point, whatever the process locale.
 */
#ifndef CPOD_COMMON_UNITS_H
#define CPOD_COMMON_UNITS_H

#include <stdint.h>
#include <time.h>

#include <cpod/error.h>

/* go-units HumanSizeWithPrecision: decimal units (B, kB, MB, GB, TB, PB, EB, ZB, YB), printed
 * with C's "%.*g", which rounds and trims exactly like Go's.  podman uses precision 3 for
 * `images`, `ps --size` and `history` ("1.2MB", "5.42kB", "2.05GB"; 999999 gives "1e+03kB",
 * as in podman).  `podman images` then puts a space before the unit; that is the caller's. */
char *units_human_size_prec(int64_t size, int precision);
/* go-units HumanSize: precision 4 ("2.746MB"); podman's `system df`, `stats`, `prune`. */
char *units_human_size(int64_t size);
/* go-units BytesSize: binary units (B, KiB, MiB, GiB, ...), precision 4 ("1.5KiB"). */
char *units_bytes_size(int64_t size);

/* go-units HumanDuration for a number of whole seconds: "Less than a second" (also for
 * negative values), "1 second", "59 seconds", "About a minute", "59 minutes", "About an hour",
 * "47 hours", "13 days", "8 weeks", "23 months", "2 years".  Minutes are truncated, hours
 * rounded, and days, weeks, months (30 days) and years (365 days) counted from the rounded
 * hours, except years, from the truncated hours. */
char *units_human_duration(int64_t seconds);
/* "<duration> ago" for the time t seen at now: podman's CREATED column ("2 days ago"). */
char *units_time_ago(time_t t, time_t now);
/* "Up <duration>" for a container started at t: the Docker API's Status of a running
 * container.  (podman 4.3.1's own `ps` appends " ago" to it; the CLI adds that itself.) */
char *units_up_since(time_t t, time_t now);

/* go-units RAMInBytes: binary multiples, for --memory, --memory-swap, --shm-size and the
 * like: "512m" = 512 MiB, "1g", "1.5GB" = 1.5 GiB, "100k", "1024", "2 kb".  The suffix is
 * k, m, g, t or p, any case, optionally followed by "b" or "ib"; a lone "b" means bytes.  The
 * number is a decimal float; fractions of a byte are truncated.
 * Returns 0 and *ret, or -1 with CPOD_ERR_INVALID and go-units' words:
 *   invalid size: '<s>'         no digit at all, a negative number, or a result past int64
 *   invalid suffix: '<sfx>'     unknown unit (the suffix lowercased, as go-units prints it)
 *   strconv.ParseFloat: parsing "<num>": invalid syntax / value out of range
 * Unlike Go's ParseFloat, hexadecimal floats, '_' digit separators, "inf" and "nan" are
 * refused as invalid syntax. */
int units_ram_in_bytes(const char *s, int64_t *ret, cpod_error **err);
/* go-units FromHumanSize: the same syntax with decimal (SI) multiples, for --log-opt max-size
 * and similar: "1k" = 1000, "1.5GB" = 1500000000. */
int units_from_human_size(const char *s, int64_t *ret, cpod_error **err);

#endif
