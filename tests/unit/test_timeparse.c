#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <cpod/error.h>

#include "common/timeparse.h"
#include "tap.h"

#define SEC NSEC_PER_SEC
#define MS 1000000LL
#define MIN (60 * SEC)
#define HOUR (60 * MIN)

static void set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static void check_error(cpod_error *e, const char *msg, const char *s)
{
	is_int(e ? cpod_error_kind(e) : 0, CPOD_ERR_INVALID, "'%s': invalid", s);
	is_str(e ? cpod_error_message(e) : NULL, msg, "'%s': message", s);
	cpod_error_free(e);
}

/* --- durations ---------------------------------------------------------------------------- */

static void dur_ok(const char *s, int64_t want)
{
	int64_t got = -42;
	cpod_error *e = NULL;
	int r = timeparse_duration(s, &got, &e);

	ok(r == 0 && got == want, "duration '%s' = %lld ns", s, (long long)want);
	if (r != 0 || got != want)
		diag("got %lld, error %s", (long long)got, e ? cpod_error_message(e) : "none");
	cpod_error_free(e);
}

static void dur_bad(const char *s, const char *msg)
{
	int64_t got = -42;
	cpod_error *e = NULL;

	ok(timeparse_duration(s, &got, &e) == -1 && got == -42, "duration '%s' refused", s);
	check_error(e, msg, s);
}

/* Go's own ParseDuration table (time_test.go). */
static void test_duration(void)
{
	dur_ok("0", 0);
	dur_ok("-0", 0);
	dur_ok("+0", 0);
	dur_ok("5s", 5 * SEC);
	dur_ok("1478s", 1478 * SEC);
	dur_ok("-5s", -5 * SEC);
	dur_ok("+5s", 5 * SEC);
	dur_ok("5.6s", 5 * SEC + 600 * MS);
	dur_ok("5.s", 5 * SEC);
	dur_ok(".5s", 500 * MS);
	dur_ok("1.004s", SEC + 4 * MS);
	dur_ok("100.00100s", 100 * SEC + MS);
	dur_ok("10ns", 10);
	dur_ok("11us", 11000);
	dur_ok("1us", 1000);
	dur_ok("1\xc2\xb5s", 1000);
	dur_ok("12\xce\xbcs", 12000);
	dur_ok("300ms", 300 * MS);
	dur_ok("15m", 15 * MIN);
	dur_ok("16h", 16 * HOUR);
	dur_ok("-1.5h", -90 * MIN);
	dur_ok("1h30m", 90 * MIN);
	dur_ok("2h45m10.5s", 2 * HOUR + 45 * MIN + 10 * SEC + 500 * MS);
	dur_ok("10.5s4m", 4 * MIN + 10 * SEC + 500 * MS);
	dur_ok("-2m3.4s", -(2 * MIN + 3 * SEC + 400 * MS));
	dur_ok("1h2m3s4ms5us6ns", HOUR + 2 * MIN + 3 * SEC + 4 * MS + 5000 + 6);
	dur_ok("39h9m14.425s", 39 * HOUR + 9 * MIN + 14 * SEC + 425 * MS);
	dur_ok("0.3333333333333333333h", 20 * MIN);
	dur_ok("9007199254740993ns", (1LL << 53) + 1);
	dur_ok("9223372036854775807ns", INT64_MAX);
	dur_ok("9223372036854775.807us", INT64_MAX);
	dur_ok("9223372036s854ms775us807ns", INT64_MAX);
	dur_ok("-9223372036854775808ns", INT64_MIN);
	dur_ok("-9223372036854775.808us", INT64_MIN);
	dur_ok("-9223372036s854ms775us808ns", INT64_MIN);
	dur_ok("-2562047h47m16.854775808s", INT64_MIN);
	dur_ok("0.100000000000000000000h", 6 * MIN);
	dur_ok("0.830103483285477580700h", 49 * MIN + 48 * SEC + 372539827);
}

/* For plain ASCII s: refused with Go's "time: invalid duration" wording. */
static void dur_invalid(const char *s)
{
	char msg[200];

	snprintf(msg, sizeof(msg), "time: invalid duration \"%s\"", s);
	dur_bad(s, msg);
}

static void test_duration_errors(void)
{
	dur_bad("", "time: invalid duration \"\"");
	dur_bad("3", "time: missing unit in duration \"3\"");
	dur_bad("-", "time: invalid duration \"-\"");
	dur_bad("s", "time: invalid duration \"s\"");
	dur_bad(".", "time: invalid duration \".\"");
	dur_bad("-.", "time: invalid duration \"-.\"");
	dur_bad(".s", "time: invalid duration \".s\"");
	dur_bad("+.s", "time: invalid duration \"+.s\"");
	dur_bad("1d", "time: unknown unit \"d\" in duration \"1d\"");
	dur_bad("1..5s", "time: missing unit in duration \"1..5s\"");
	dur_bad("1h-5m", "time: unknown unit \"h-\" in duration \"1h-5m\"");
	dur_bad("1h.", "time: invalid duration \"1h.\"");
	dur_bad(" 1s", "time: invalid duration \" 1s\"");
	dur_bad("1s ", "time: unknown unit \"s \" in duration \"1s \"");
	dur_bad("\x85\x85", "time: invalid duration \"\\x85\\x85\"");
	dur_bad("5\xc2\xb5x", "time: unknown unit \"\\xc2\\xb5x\" in duration \"5\\xc2\\xb5x\"");
	dur_bad("1\"s", "time: unknown unit \"\\\"s\" in duration \"1\\\"s\"");
	dur_bad("9223372036854775808ns", "time: invalid duration \"9223372036854775808ns\"");
	dur_bad("9223372036854775.808us", "time: invalid duration \"9223372036854775.808us\"");
	dur_invalid("9223372036854ms775us808ns");
	dur_bad("-9223372036854775809ns", "time: invalid duration \"-9223372036854775809ns\"");
	dur_bad("2562048h", "time: invalid duration \"2562048h\"");
}

/* --- RFC3339 ------------------------------------------------------------------------------ */

static void rfc_ok(const char *s, long long sec, long nsec)
{
	struct timespec ts = { -1, -1 };
	cpod_error *e = NULL;
	int r = timeparse_rfc3339(s, &ts, &e);

	ok(r == 0 && ts.tv_sec == sec && ts.tv_nsec == nsec, "'%s' = %lld.%09ld", s, sec, nsec);
	if (r != 0 || ts.tv_sec != sec || ts.tv_nsec != nsec)
		diag("got %lld.%09ld, error %s", (long long)ts.tv_sec, ts.tv_nsec,
		     e ? cpod_error_message(e) : "none");
	cpod_error_free(e);
}

static void rfc_bad(const char *s, const char *why)
{
	struct timespec ts = { -1, -1 };
	cpod_error *e = NULL;
	char *msg = NULL;

	ok(timeparse_rfc3339(s, &ts, &e) == -1 && ts.tv_sec == -1, "'%s' refused", s);
	if (asprintf(&msg, "parsing time \"%s\": %s", s, why) < 0)
		abort();
	check_error(e, msg, s);
	free(msg);
}

static void test_rfc3339(void)
{
	rfc_ok("2024-01-02T15:04:05Z", 1704207845, 0);
	rfc_ok("2024-01-02T15:04:05.123456789Z", 1704207845, 123456789);
	rfc_ok("2024-01-02T15:04:05.1Z", 1704207845, 100000000);
	rfc_ok("2024-01-02T15:04:05.000000001Z", 1704207845, 1);
	rfc_ok("2024-01-02T15:04:05.1234567899Z", 1704207845, 123456789);
	rfc_ok("2024-01-02T15:04:05,5Z", 1704207845, 500000000);
	rfc_ok("2024-01-02T15:04:05+01:00", 1704207845 - 3600, 0);
	rfc_ok("2024-01-02T15:04:05.5-07:30", 1704207845 + 7 * 3600 + 1800, 500000000);
	rfc_ok("2024-01-02T15:04:05+24:00", 1704207845 - 86400, 0);
	rfc_ok("2024-01-02T5:04:05Z", 1704207845 - 10 * 3600, 0);
	rfc_ok("1970-01-01T00:00:00Z", 0, 0);
	rfc_ok("1969-12-31T23:59:59.5Z", -1, 500000000);
	rfc_ok("0000-01-01T00:00:00Z", -62167219200LL, 0);
	rfc_ok("9999-12-31T23:59:59Z", 253402300799LL, 0);
	rfc_ok("2000-02-29T12:00:00Z", 951825600, 0);
	rfc_ok("2024-02-29T00:00:00Z", 1709164800, 0);
}

static void test_rfc3339_errors(void)
{
	rfc_bad("2023-02-29T00:00:00Z", "day out of range");
	rfc_bad("1900-02-29T00:00:00Z", "day out of range");
	rfc_bad("2024-04-31T00:00:00Z", "day out of range");
	rfc_bad("2024-01-00T00:00:00Z", "day out of range");
	rfc_bad("2024-13-01T00:00:00Z", "month out of range");
	rfc_bad("2024-00-01T00:00:00Z", "month out of range");
	rfc_bad("2024-01-02T24:00:00Z", "hour out of range");
	rfc_bad("2024-01-02T23:60:00Z", "minute out of range");
	rfc_bad("2024-01-02T23:59:60Z", "second out of range");
	rfc_bad("2024-01-02T15:04:05+25:00", "time zone offset hour out of range");
	rfc_bad("2024-01-02T15:04:05+01:61", "time zone offset minute out of range");
	rfc_bad("2024-01-02T15:04:05", "expected a zone like Z or +07:00");
	rfc_bad("2024-01-02T15:04Z", "expected a time of day like T15:04:05");
	rfc_bad("2024-01-02", "expected a time of day like T15:04:05");
	rfc_bad("2024-01-02T15:04:05+0100", "expected a zone like Z or +07:00");
	rfc_bad("2024-01-02T15:04:05z", "unexpected text after the time");
	rfc_bad("2024-01-02t15:04:05Z", "unexpected text after the time");
	rfc_bad("2024-01-02T15:04:05.Z", "unexpected text after the time");
	rfc_bad("2024-01-02T15:04:05Z ", "unexpected text after the time");
	rfc_bad("2024-01-02T15:4:05Z", "expected a time of day like T15:04:05");
	rfc_bad("2024-1-02T15:04:05Z", "expected a date like 2006-01-02");
	rfc_bad("24-01-02T15:04:05Z", "expected a date like 2006-01-02");
	rfc_bad(" 2024-01-02T15:04:05Z", "expected a date like 2006-01-02");
	rfc_bad("", "expected a date like 2006-01-02");
}

/* --- formatting --------------------------------------------------------------------------- */

static void fmt_utc(long long sec, long nsec, const char *want)
{
	struct timespec ts = { (time_t)sec, nsec };
	char *s = timeparse_format_utc(&ts);

	is_str(s, want, "utc %lld.%09ld", sec, nsec);
	free(s);
}

static void fmt_local(const char *tz, long long sec, long nsec, const char *want)
{
	struct timespec ts = { (time_t)sec, nsec };
	char *s;

	set_tz(tz);
	s = timeparse_format_local(&ts);
	is_str(s, want, "TZ=%s %lld.%09ld", tz, sec, nsec);
	free(s);
}

static void test_format(void)
{
	struct timespec ts = { 1704207845, 120000000 }, back = { 0, 0 };
	char *s;

	fmt_utc(1704207845, 123456789, "2024-01-02T15:04:05.123456789Z");
	fmt_utc(1704207845, 0, "2024-01-02T15:04:05Z");
	fmt_utc(1704207845, 100000000, "2024-01-02T15:04:05.1Z");
	fmt_utc(1704207845, 120000000, "2024-01-02T15:04:05.12Z");
	fmt_utc(1704207845, 1, "2024-01-02T15:04:05.000000001Z");
	fmt_utc(-1, 500000000, "1969-12-31T23:59:59.5Z");
	fmt_utc(-62167219200LL, 0, "0000-01-01T00:00:00Z");
	fmt_utc(253402300799LL, 0, "9999-12-31T23:59:59Z");
	ts.tv_sec = INT64_MAX;
	s = timeparse_format_utc(&ts);
	ok(s == NULL, "a time past struct tm gives NULL");
	free(s);

	fmt_local("UTC0", 1704207845, 0, "2024-01-02T15:04:05Z");
	fmt_local("CET-1", 1704207845, 5000, "2024-01-02T16:04:05.000005+01:00");
	fmt_local("EST5", 1704207845, 0, "2024-01-02T10:04:05-05:00");
	fmt_local("IST-5:30", 1704207845, 0, "2024-01-02T20:34:05+05:30");
	fmt_local("NST3:30", 1704207845, 0, "2024-01-02T11:34:05-03:30");
	fmt_local("CET-1CEST,M3.5.0,M10.5.0/3", 1688169600, 0, "2023-07-01T02:00:00+02:00");

	ts = (struct timespec){ 1704207845, 120000000 };
	set_tz("IST-5:30");
	s = timeparse_format_local(&ts);
	ok(s && timeparse_rfc3339(s, &back, NULL) == 0 && back.tv_sec == ts.tv_sec &&
		   back.tv_nsec == ts.tv_nsec,
	   "local format parses back to the same instant");
	free(s);
}

/* --- unix times and filters ---------------------------------------------------------------- */

static void unix_ok(const char *s, long long sec, long nsec)
{
	struct timespec ts = { -1, -1 };

	ok(timeparse_unix(s, &ts, NULL) == 0 && ts.tv_sec == sec && ts.tv_nsec == nsec,
	   "unix '%s' = %lld + %ld ns", s, sec, nsec);
}

static void unix_bad(const char *s, const char *msg)
{
	struct timespec ts = { -1, -1 };
	cpod_error *e = NULL;

	ok(timeparse_unix(s, &ts, &e) == -1 && ts.tv_sec == -1, "unix '%s' refused", s);
	check_error(e, msg, s);
}

static void unix_range(const char *s)
{
	char msg[200];

	snprintf(msg, sizeof(msg), "invalid unix time \"%s\": out of range", s);
	unix_bad(s, msg);
}

static void test_unix(void)
{
	const char *expect = "expected seconds like 1700000000 or 1700000000.5";
	char msg[200];

	unix_ok("1700000000", 1700000000, 0);
	unix_ok("1700000000.5", 1700000000, 500000000);
	unix_ok("1700000000.000000001", 1700000000, 1);
	unix_ok("1700000000.1234567891", 1700000000, 123456789);
	unix_ok("0", 0, 0);
	unix_ok("+5", 5, 0);
	unix_ok("-1.5", -1, 500000000);
	unix_ok("9223372036854775807", INT64_MAX, 0);
	unix_ok("-9223372036854775808", INT64_MIN, 0);
	unix_range("9223372036854775808");
	unix_range("-9223372036854775809");
#define UNIX_BAD(s)                                                                    \
	do {                                                                           \
		snprintf(msg, sizeof(msg), "invalid unix time \"%s\": %s", s, expect); \
		unix_bad(s, msg);                                                      \
	} while (0)
	UNIX_BAD("");
	UNIX_BAD("abc");
	UNIX_BAD("1.");
	UNIX_BAD("1.5.5");
	UNIX_BAD(".5");
	UNIX_BAD("1e9");
	UNIX_BAD("-");
	UNIX_BAD("1.-5");
	UNIX_BAD(" 1");
#undef UNIX_BAD
}

static void filter_ok(const char *s, long long sec, long nsec)
{
	struct timespec now = { 1700000000, 250000000 }, ts = { -1, -1 };
	cpod_error *e = NULL;
	int r = timeparse_filter(s, &now, &ts, &e);

	ok(r == 0 && ts.tv_sec == sec && ts.tv_nsec == nsec, "filter '%s' = %lld.%09ld", s, sec,
	   nsec);
	if (r != 0 || ts.tv_sec != sec || ts.tv_nsec != nsec)
		diag("got %lld.%09ld, error %s", (long long)ts.tv_sec, ts.tv_nsec,
		     e ? cpod_error_message(e) : "none");
	cpod_error_free(e);
}

static void filter_bad(const char *s, const char *msg)
{
	struct timespec now = { 1700000000, 0 }, ts = { -1, -1 };
	cpod_error *e = NULL;

	ok(timeparse_filter(s, &now, &ts, &e) == -1 && ts.tv_sec == -1, "filter '%s' refused", s);
	check_error(e, msg, s);
}

static void test_filter_durations(void)
{
	/* now is 2023-11-14T22:13:20.25Z */
	filter_ok("24h", 1700000000 - 86400, 0);
	filter_ok("10m", 1700000000 - 600, 0);
	filter_ok("1.5s", 1699999998, 0);
	filter_ok("300ms", 1699999999, 0);
	filter_ok("250ms", 1700000000, 0);
	filter_ok("0s", 1700000000, 0);
	filter_ok("-1h", 1700003600, 0);
	filter_ok("0", 0, 0); /* "0" is a unix time, not a duration */
}

static void test_filter_timestamps(void)
{
	set_tz("UTC0");
	filter_ok("2006-01-02", 1136160000, 0);
	filter_ok("2006-01-02T15", 1136214000, 0);
	filter_ok("2006-01-02T15:04", 1136214240, 0);
	filter_ok("2006-01-02T15:04:05", 1136214245, 0);
	filter_ok("2006-01-02T15:04:05.5", 1136214245, 500000000);
	filter_ok("2006-01-02Z", 1136160000, 0);
	filter_ok("2006-01-02+01:00", 1136156400, 0);
	filter_ok("2006-01-02-07:00", 1136185200, 0);
	filter_ok("2006-01-02T15Z", 1136214000, 0);
	filter_ok("2006-01-02T15:04-07:00", 1136214240 + 7 * 3600, 0);
	filter_ok("2006-01-02T15:04:05.123+01:00", 1136214245 - 3600, 123000000);
	set_tz("CET-1");
	filter_ok("2006-01-02", 1136156400, 0);
	filter_ok("2006-01-02T15:04:05Z", 1136214245, 0);
	/* the offset is now's (winter, +01:00), even for a summer date, as podman does */
	set_tz("CET-1CEST,M3.5.0,M10.5.0/3");
	filter_ok("2023-07-01", 1688169600 - 3600, 0);
	set_tz("UTC0");
	filter_ok("1700000000", 1700000000, 0);
	filter_ok("1700000000.5", 1700000000, 500000000);
	filter_ok("+5", 5, 0);
}

static void test_filter_errors(void)
{
	filter_bad("2006-13-02", "parsing time \"2006-13-02\": month out of range");
	filter_bad("2006-01-02T15:04:05.", "parsing time \"2006-01-02T15:04:05.\": "
					   "unexpected text after the time");
	filter_bad("-5", "parsing time \"-5\": expected a date like 2006-01-02");
	filter_bad("yesterday", "failed to parse value as time or duration: \"yesterday\"");
	filter_bad("1d", "failed to parse value as time or duration: \"1d\"");
	filter_bad("", "failed to parse value as time or duration: \"\"");
	filter_bad("1.5.5", "failed to parse value as time or duration: \"1.5.5\"");
}

int main(void)
{
	test_duration();
	test_duration_errors();
	test_rfc3339();
	test_rfc3339_errors();
	test_format();
	test_unix();
	test_filter_durations();
	test_filter_timestamps();
	test_filter_errors();
	return done_testing();
}
