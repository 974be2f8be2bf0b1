#include "common/timeparse.h"

#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "common/banned.h"

#define POW2_63 (UINT64_C(1) << 63)

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Go's time.quote(): double quotes, '"' and '\\' escaped, bytes outside printable ASCII
 * written as \xHH.  Returns a new string. */
static char *go_quote(const char *s)
{
	buf b = BUF_INIT;

	buf_addch(&b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x80 || c < ' ')
			buf_addf(&b, "\\x%02x", c);
		else if (c == '"' || c == '\\')
			buf_addf(&b, "\\%c", c);
		else
			buf_addch(&b, (char)c);
	}
	buf_addch(&b, '"');
	return buf_detach(&b, NULL);
}

/* --- Go durations ------------------------------------------------------------------------ */

static const struct {
	const char *name;
	uint64_t ns;
} duration_units[] = {
	{ "ns", 1 },
	{ "us", 1000 },
	{ "\xc2\xb5s", 1000 }, /* U+00B5 micro sign */
	{ "\xce\xbcs", 1000 }, /* U+03BC Greek mu */
	{ "ms", 1000000 },
	{ "s", 1000000000 },
	{ "m", UINT64_C(60) * 1000000000 },
	{ "h", UINT64_C(3600) * 1000000000 },
};

static int duration_invalid(const char *orig, cpod_error **err)
{
	_cleanup_free_ char *q = go_quote(orig);

	return cpod_err(err, CPOD_ERR_INVALID, 0, "time: invalid duration %s", q);
}

/* Go's leadingInt: [0-9]* into *x; -1 past 1<<63. */
static int leading_int(const char **s, uint64_t *x)
{
	const char *p = *s;

	for (*x = 0; is_digit(*p); p++) {
		if (*x > POW2_63 / 10)
			return -1;
		*x = *x * 10 + (uint64_t)(*p - '0');
		if (*x > POW2_63)
			return -1;
	}
	*s = p;
	return 0;
}

/* Go's leadingFraction: [0-9]*, precision simply stops accumulating on overflow. */
static void leading_fraction(const char **s, uint64_t *x, double *scale)
{
	const char *p = *s;
	int overflow = 0;

	*x = 0;
	*scale = 1;
	for (; is_digit(*p); p++) {
		uint64_t y;

		if (overflow)
			continue;
		if (*x > (POW2_63 - 1) / 10) {
			overflow = 1;
			continue;
		}
		y = *x * 10 + (uint64_t)(*p - '0');
		if (y > POW2_63) {
			overflow = 1;
			continue;
		}
		*x = y;
		*scale *= 10;
	}
	*s = p;
}

/* Looks up the unit of len bytes at u; -1 with Go's error when unknown. */
static int duration_unit(const char *u, size_t len, const char *orig, uint64_t *ret,
			 cpod_error **err)
{
	_cleanup_free_ char *name = xstrndup(u, len);
	_cleanup_free_ char *qn = NULL, *qo = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(duration_units); i++) {
		if (strcmp(duration_units[i].name, name) == 0) {
			*ret = duration_units[i].ns;
			return 0;
		}
	}
	qn = go_quote(name);
	qo = go_quote(orig);
	return cpod_err(err, CPOD_ERR_INVALID, 0, "time: unknown unit %s in duration %s", qn, qo);
}

/* One "<number><unit>" element of a duration: its value in nanoseconds into *ret. */
static int duration_element(const char **sp, const char *orig, uint64_t *ret, cpod_error **err)
{
	const char *s = *sp, *start;
	uint64_t v = 0, f = 0, unit = 1;
	double scale = 1;
	int pre, post = 0;
	size_t i = 0;

	if (!(*s == '.' || is_digit(*s)))
		return duration_invalid(orig, err);
	start = s;
	if (leading_int(&s, &v) < 0)
		return duration_invalid(orig, err);
	pre = s != start;
	if (*s == '.') {
		start = ++s;
		leading_fraction(&s, &f, &scale);
		post = s != start;
	}
	if (!pre && !post)
		return duration_invalid(orig, err);
	while (s[i] && s[i] != '.' && !is_digit(s[i]))
		i++;
	if (i == 0) {
		_cleanup_free_ char *q = go_quote(orig);

		return cpod_err(err, CPOD_ERR_INVALID, 0, "time: missing unit in duration %s", q);
	}
	if (duration_unit(s, i, orig, &unit, err) < 0)
		return -1;
	if (v > POW2_63 / unit)
		return duration_invalid(orig, err);
	v *= unit;
	if (f > 0) {
		/* Go computes this in float64 too: nanosecond-exact for fractions of hours. */
		v += (uint64_t)((double)f * ((double)unit / scale));
		if (v > POW2_63)
			return duration_invalid(orig, err);
	}
	*sp = s + i;
	*ret = v;
	return 0;
}

int timeparse_duration(const char *s, int64_t *ret_ns, cpod_error **err)
{
	const char *orig = s;
	uint64_t d = 0, v = 0;
	int neg = 0;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (strcmp(s, "0") == 0) {
		*ret_ns = 0;
		return 0;
	}
	if (!*s)
		return duration_invalid(orig, err);
	while (*s) {
		if (duration_element(&s, orig, &v, err) < 0)
			return -1;
		d += v; /* wraps past 2^64 exactly as Go's uint64 does */
		if (d > POW2_63)
			return duration_invalid(orig, err);
	}
	if (!neg && d > POW2_63 - 1)
		return duration_invalid(orig, err);
	*ret_ns = neg ? (int64_t)(0 - d) : (int64_t)d;
	return 0;
}

/* --- Timestamps --------------------------------------------------------------------------- */

/* The fields of "2006-01-02[T15[:04[:05[.999999999]]]][Z|+07:00]". */
struct tparts {
	int year, mon, day, hour, min, sec;
	long nsec;
	int clock;  /* clock fields given: 0 date only, 1 hour, 2 hour:minute, 3 all */
	int zoned;  /* "Z" or an offset was given */
	int offset; /* seconds east of UTC */
	int off_hour, off_min;
};

/* Reads min..max digits at *p into *ret. */
static int take_num(const char **p, int min, int max, int *ret)
{
	int n = 0, v = 0;

	while (n < max && is_digit((*p)[n])) {
		v = v * 10 + ((*p)[n] - '0');
		n++;
	}
	if (n < min)
		return -1;
	*p += n;
	*ret = v;
	return 0;
}

static int take_char(const char **p, char c)
{
	if (**p != c)
		return -1;
	(*p)++;
	return 0;
}

/* A fraction of a second after '.' or ',': any number of digits, truncated to ns. */
static void take_fraction(const char **p, long *nsec)
{
	const char *s = *p + 1;
	long scale = 100000000;

	*nsec = 0;
	for (; is_digit(*s); s++) {
		*nsec += (*s - '0') * scale;
		scale /= 10;
	}
	*p = s;
}

static int take_clock(const char **p, struct tparts *t)
{
	if (take_char(p, 'T') < 0)
		return 0;
	if (take_num(p, 1, 2, &t->hour) < 0)
		return -1;
	t->clock = 1;
	if (take_char(p, ':') < 0)
		return 0;
	if (take_num(p, 2, 2, &t->min) < 0)
		return -1;
	t->clock = 2;
	if (take_char(p, ':') < 0)
		return 0;
	if (take_num(p, 2, 2, &t->sec) < 0)
		return -1;
	t->clock = 3;
	if ((**p == '.' || **p == ',') && is_digit((*p)[1]))
		take_fraction(p, &t->nsec);
	return 0;
}

static int take_zone(const char **p, struct tparts *t)
{
	char sign = **p;

	if (take_char(p, 'Z') == 0) {
		t->zoned = 1;
		return 0;
	}
	if (sign != '+' && sign != '-')
		return 0;
	(*p)++;
	if (take_num(p, 2, 2, &t->off_hour) < 0 || take_char(p, ':') < 0 ||
	    take_num(p, 2, 2, &t->off_min) < 0)
		return -1;
	t->zoned = 1;
	t->offset = (t->off_hour * 60 + t->off_min) * 60 * (sign == '-' ? -1 : 1);
	return 0;
}

/* Splits s into t; returns NULL or what is wrong. */
static const char *split_time(const char *s, struct tparts *t)
{
	const char *p = s;

	*t = (struct tparts){ .year = 0 };
	if (take_num(&p, 4, 4, &t->year) < 0 || take_char(&p, '-') < 0 ||
	    take_num(&p, 2, 2, &t->mon) < 0 || take_char(&p, '-') < 0 ||
	    take_num(&p, 2, 2, &t->day) < 0)
		return "expected a date like 2006-01-02";
	if (take_clock(&p, t) < 0)
		return "expected a time of day like T15:04:05";
	if (take_zone(&p, t) < 0)
		return "expected a zone like Z or +07:00";
	if (*p)
		return "unexpected text after the time";
	return NULL;
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Returns NULL or the range Go would complain about. */
static const char *check_ranges(const struct tparts *t)
{
	if (t->mon < 1 || t->mon > 12)
		return "month out of range";
	if (t->day < 1 || t->day > days_in_month(t->year, t->mon))
		return "day out of range";
	if (t->hour > 23)
		return "hour out of range";
	if (t->min > 59)
		return "minute out of range";
	if (t->sec > 59)
		return "second out of range";
	if (t->off_hour > 24)
		return "time zone offset hour out of range";
	if (t->off_min > 60)
		return "time zone offset minute out of range";
	return NULL;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void parts_to_timespec(const struct tparts *t, int offset, struct timespec *ret)
{
	int64_t days = days_from_civil(t->year, t->mon, t->day);

	ret->tv_sec = (time_t)(days * 86400 + t->hour * 3600 + t->min * 60 + t->sec - offset);
	ret->tv_nsec = t->nsec;
}

static int time_error(const char *s, const char *why, cpod_error **err)
{
	_cleanup_free_ char *q = go_quote(s);

	return cpod_err(err, CPOD_ERR_INVALID, 0, "parsing time %s: %s", q, why);
}

/* split_time() and check_ranges() together. */
static int parse_parts(const char *s, struct tparts *t, cpod_error **err)
{
	const char *why = split_time(s, t);

	if (!why)
		why = check_ranges(t);
	return why ? time_error(s, why, err) : 0;
}

int timeparse_rfc3339(const char *s, struct timespec *ret, cpod_error **err)
{
	struct tparts t;

	if (parse_parts(s, &t, err) < 0)
		return -1;
	if (t.clock < 3)
		return time_error(s, "expected a time of day like T15:04:05", err);
	if (!t.zoned)
		return time_error(s, "expected a zone like Z or +07:00", err);
	parts_to_timespec(&t, t.offset, ret);
	return 0;
}

/* --- Formatting ------------------------------------------------------------------------ */

static char *format_tm(const struct tm *tm, long nsec, long offset)
{
	buf b = BUF_INIT;
	long long year = (long long)tm->tm_year + 1900;
	long zone = offset / 60;

	if (year < 0)
		buf_addch(&b, '-');
	buf_addf(&b, "%04lld", year < 0 ? -year : year);
	buf_addf(&b, "-%02d-%02dT%02d:%02d:%02d", tm->tm_mon + 1, tm->tm_mday, tm->tm_hour,
		 tm->tm_min, tm->tm_sec);
	if (nsec > 0) {
		buf_addf(&b, ".%09ld", nsec);
		while (b.s[b.len - 1] == '0')
			buf_truncate(&b, b.len - 1);
	}
	if (offset == 0)
		buf_addch(&b, 'Z');
	else
		buf_addf(&b, "%c%02ld:%02ld", zone < 0 ? '-' : '+', labs(zone) / 60,
			 labs(zone) % 60);
	return buf_detach(&b, NULL);
}

char *timeparse_format_utc(const struct timespec *ts)
{
	struct tm tm;

	if (!gmtime_r(&ts->tv_sec, &tm))
		return NULL;
	return format_tm(&tm, ts->tv_nsec, 0);
}

char *timeparse_format_local(const struct timespec *ts)
{
	struct tm tm;

	if (!localtime_r(&ts->tv_sec, &tm))
		return NULL;
	return format_tm(&tm, ts->tv_nsec, tm.tm_gmtoff);
}

/* --- Unix times and filters ------------------------------------------------------------- */

int timeparse_unix(const char *s, struct timespec *ret, cpod_error **err)
{
	const char *p = s;
	uint64_t v = 0, limit = POW2_63 - 1;
	int neg = 0;
	long nsec = 0;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (!is_digit(*p))
		goto bad;
	for (; is_digit(*p); p++) {
		if (v > (limit + (uint64_t)neg - (uint64_t)(*p - '0')) / 10)
			return cpod_err(err, CPOD_ERR_INVALID, 0,
					"invalid unix time \"%s\": out of range", s);
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.' && is_digit(p[1]))
		take_fraction(&p, &nsec);
	if (*p)
		goto bad;
	ret->tv_sec = neg ? (time_t)(0 - v) : (time_t)v;
	ret->tv_nsec = nsec;
	return 0;
bad:
	return cpod_err(err, CPOD_ERR_INVALID, 0, "invalid unix time \"%s\": %s", s,
			"expected seconds like 1700000000 or 1700000000.5");
}

/* now - d, cut to whole seconds (Go's reference.Add(-d).Unix()). */
static void subtract_duration(const struct timespec *now, int64_t d, struct timespec *ret)
{
	int64_t sec = (int64_t)now->tv_sec - d / NSEC_PER_SEC;
	int64_t ns = (int64_t)now->tv_nsec - d % NSEC_PER_SEC;

	if (ns < 0)
		sec--;
	else if (ns >= NSEC_PER_SEC)
		sec++;
	ret->tv_sec = (time_t)sec;
	ret->tv_nsec = 0;
}

static long local_offset(const struct timespec *now)
{
	struct tm tm;

	if (!localtime_r(&now->tv_sec, &tm))
		return 0;
	return tm.tm_gmtoff;
}

/* Hands the timestamp's own error to the caller, as podman does for values with a '-'. */
static int pass_error(cpod_error *e, cpod_error **err)
{
	if (err && !*err)
		*err = e;
	else
		cpod_error_free(e);
	return -1;
}

static int filter_error(const char *s, cpod_error **err)
{
	_cleanup_free_ char *q = go_quote(s);

	return cpod_err(err, CPOD_ERR_INVALID, 0, "failed to parse value as time or duration: %s",
			q);
}

int timeparse_filter(const char *s, const struct timespec *now, struct timespec *ret,
		     cpod_error **err)
{
	struct tparts t;
	cpod_error *terr = NULL;
	int64_t d;

	if (strcmp(s, "0") != 0 && timeparse_duration(s, &d, NULL) == 0) {
		subtract_duration(now, d, ret);
		return 0;
	}
	if (parse_parts(s, &t, &terr) == 0) {
		parts_to_timespec(&t, t.zoned ? t.offset : (int)local_offset(now), ret);
		return 0;
	}
	if (strchr(s, '-'))
		return pass_error(terr, err);
	cpod_error_free(terr);
	if (timeparse_unix(s, ret, NULL) == 0)
		return 0;
	return filter_error(s, err);
}
