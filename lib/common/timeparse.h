/* Parsing and printing times and durations the way podman (that is, Go) does.
 *
 * A point in time is a struct timespec: tv_sec seconds since the epoch (UTC) and tv_nsec in
 * 0..999999999.  A duration is an int64_t count of nanoseconds, like Go's time.Duration.
 * Parsers return 0 and fill their ret_ argument, or -1 with *err set (CPOD_ERR_INVALID) and
 * the argument untouched.  Formatters return a new string (caller frees).
 */
#ifndef CPOD_COMMON_TIMEPARSE_H
#define CPOD_COMMON_TIMEPARSE_H

#include <stdint.h>
#include <time.h>

#include <cpod/error.h>

#define NSEC_PER_SEC 1000000000LL

/* RFC3339 / RFC3339Nano as Go's time.Parse(time.RFC3339Nano, s) reads them:
 * "2006-01-02T15:04:05Z", "2006-01-02T15:04:05.123456789+07:00".  The 'T' and 'Z' are
 * uppercase; the fraction (after '.' or ',') has any number of digits, truncated to
 * nanoseconds; the hour may have one digit; offsets go up to 24:60 as Go allows; months, days
 * (leap years included), hours, minutes and seconds are range-checked (no leap second). */
int timeparse_rfc3339(const char *s, struct timespec *ret, cpod_error **err);

/* Go's Format(time.RFC3339Nano), as podman's inspect JSON prints times: the fraction has its
 * trailing zeros removed and is left out when zero.  _utc ends in "Z"
 * ("2024-01-02T15:04:05.123456789Z"); _local uses the local zone of that instant
 * (localtime_r, honours TZ) and prints "+01:00", or "Z" when the offset is zero. */
char *timeparse_format_utc(const struct timespec *ts);
char *timeparse_format_local(const struct timespec *ts);

/* Unix time as podman's filters take it: "1700000000" or "1700000000.5" (a leading sign is
 * allowed on the seconds; the fraction, digits only, is scaled to nanoseconds and added, so
 * "-1.5" is -1 s + 0.5 s, as in containers/common's timetype.ParseTimestamps). */
int timeparse_unix(const char *s, struct timespec *ret, cpod_error **err);

/* Exactly Go's time.ParseDuration: a possibly signed sequence of decimal numbers, each with
 * an optional fraction and a unit (ns, us, µs, μs, ms, s, m, h): "300ms", "-1.5h", "1h30m",
 * "2h45m10.5s"; "0" alone needs no unit.  Errors read like Go's:
 *   time: invalid duration "x"   time: missing unit in duration "1"
 *   time: unknown unit "d" in duration "1d" */
int timeparse_duration(const char *s, int64_t *ret_ns, cpod_error **err);

/* podman's time filter argument (until=, since=, --since/--until of logs and events),
 * containers/common timetype.GetTimestamp followed by ParseTimestamps, relative to now:
 *   a Go duration other than "0"   now minus it, cut to whole seconds ("24h", "10m")
 *   a timestamp                    "2006-01-02", "2006-01-02T15", "2006-01-02T15:04",
 *                                  "2006-01-02T15:04:05[.frac]", each optionally followed by
 *                                  "Z" or "+07:00"; without a zone the local offset at now
 *                                  applies (as podman does, the offset of now, not of the date)
 *   a unix time                    "1700000000", "1700000000.5"
 * A malformed value containing '-' gets the timestamp's error; anything else fails with
 * failed to parse value as time or duration: "<s>". */
int timeparse_filter(const char *s, const struct timespec *now, struct timespec *ret,
		     cpod_error **err);

#endif
