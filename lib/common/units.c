#include "common/units.h"

#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "common/banned.h"

static const char *const decimal_abbrs[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB" };
static const char *const binary_abbrs[] = { "B",   "KiB", "MiB", "GiB", "TiB",
					    "PiB", "EiB", "ZiB", "YiB" };

static locale_t c_locale_;
static pthread_once_t c_locale_once_ = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
	c_locale_ = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	if (!c_locale_)
		abort(); /* only fails without memory */
}

/* The "C" locale, so that '.' is the decimal point whatever setlocale() the program did. */
static locale_t c_locale(void)
{
	pthread_once(&c_locale_once_, c_locale_init);
	return c_locale_;
}

/* go-units CustomSize("%.*g%s", size, base, abbrs). */
static char *custom_size(double size, int precision, double base, const char *const *abbrs,
			 size_t n_abbrs)
{
	size_t i = 0;
	locale_t old;
	char *s;

	while (size >= base && i < n_abbrs - 1) {
		size /= base;
		i++;
	}
	old = uselocale(c_locale());
	s = xasprintf("%.*g%s", precision, size, abbrs[i]);
	uselocale(old);
	return s;
}

char *units_human_size_prec(int64_t size, int precision)
{
	return custom_size((double)size, precision, 1000.0, decimal_abbrs,
			   ARRAY_SIZE(decimal_abbrs));
}

char *units_human_size(int64_t size)
{
	return units_human_size_prec(size, 4);
}

char *units_bytes_size(int64_t size)
{
	return custom_size((double)size, 4, 1024.0, binary_abbrs, ARRAY_SIZE(binary_abbrs));
}

/* The plural forms of go-units HumanDuration, from the rounded hours onwards. */
static char *duration_from_hours(int64_t hours, int64_t seconds)
{
	if (hours == 1)
		return xstrdup("About an hour");
	if (hours < 48)
		return xasprintf("%lld hours", (long long)hours);
	if (hours < 24 * 7 * 2)
		return xasprintf("%lld days", (long long)(hours / 24));
	if (hours < 24 * 30 * 2)
		return xasprintf("%lld weeks", (long long)(hours / 24 / 7));
	if (hours < 24 * 365 * 2)
		return xasprintf("%lld months", (long long)(hours / 24 / 30));
	return xasprintf("%lld years", (long long)(seconds / 3600 / 24 / 365));
}

char *units_human_duration(int64_t seconds)
{
	int64_t minutes = seconds / 60;

	if (seconds < 1)
		return xstrdup("Less than a second");
	if (seconds == 1)
		return xstrdup("1 second");
	if (seconds < 60)
		return xasprintf("%lld seconds", (long long)seconds);
	if (minutes == 1)
		return xstrdup("About a minute");
	if (minutes < 60)
		return xasprintf("%lld minutes", (long long)minutes);
	/* int(d.Hours() + 0.5): hours rounded half up; whole seconds never hit a tie wrongly */
	return duration_from_hours(seconds / 3600 + (seconds % 3600 >= 1800), seconds);
}

char *units_time_ago(time_t t, time_t now)
{
	_cleanup_free_ char *d = units_human_duration((int64_t)now - (int64_t)t);

	return xasprintf("%s ago", d);
}

char *units_up_since(time_t t, time_t now)
{
	_cleanup_free_ char *d = units_human_duration((int64_t)now - (int64_t)t);

	return xasprintf("Up %s", d);
}

/* Checks the decimal subset of Go's float syntax: [+-]? (d+ (. d*)? | . d+) ([eE] [+-]? d+)? */
static int float_syntax_ok(const char *s)
{
	size_t digits = 0;

	if (*s == '+' || *s == '-')
		s++;
	for (; isdigit((unsigned char)*s); s++)
		digits++;
	if (*s == '.') {
		for (s++; isdigit((unsigned char)*s); s++)
			digits++;
	}
	if (!digits)
		return 0;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!isdigit((unsigned char)*s))
			return 0;
		while (isdigit((unsigned char)*s))
			s++;
	}
	return *s == '\0';
}

/* strconv.ParseFloat(num, 64), for the syntax above. */
static int parse_float(const char *num, double *ret, cpod_error **err)
{
	if (!float_syntax_ok(num))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"strconv.ParseFloat: parsing \"%s\": invalid syntax", num);
	errno = 0;
	*ret = strtod_l(num, NULL, c_locale());
	if (errno == ERANGE && isinf(*ret))
		return cpod_err(err, CPOD_ERR_INVALID, 0,
				"strconv.ParseFloat: parsing \"%s\": value out of range", num);
	return 0;
}

static double bad_suffix(const char *sfx, cpod_error **err)
{
	cpod_err(err, CPOD_ERR_INVALID, 0, "invalid suffix: '%s'", sfx);
	return 0;
}

/* The multiplier of the unit suffix sfx (non-empty, no digits), or 0 after setting *err. */
static double suffix_multiplier(const char *sfx, int binary, cpod_error **err)
{
	static const char units[] = "kmgtp";
	char low[4] = "";
	const char *u;
	double mul = 1;

	if (strlen(sfx) > 3)
		return bad_suffix(sfx, err); /* go-units quotes it before lowercasing */
	for (size_t i = 0; sfx[i]; i++)
		low[i] = (char)tolower((unsigned char)sfx[i]);
	if (low[0] == 'b')
		return low[1] ? bad_suffix(low, err) : 1;
	u = strchr(units, low[0]);
	if (!u)
		return bad_suffix(low, err);
	if ((low[1] && !low[2] && low[1] != 'b') || (low[2] && strcmp(low + 1, "ib") != 0))
		return bad_suffix(low, err);
	for (long i = 0; i <= u - units; i++)
		mul *= binary ? 1024.0 : 1000.0;
	return mul;
}

/* go-units parseSize. */
static int parse_size(const char *s, int binary, int64_t *ret, cpod_error **err)
{
	_cleanup_free_ char *num = NULL;
	const char *sfx;
	double size = 0, mul = 1;
	size_t sep = strlen(s);

	while (sep > 0 && !strchr("0123456789. ", s[sep - 1]))
		sep--;
	if (sep == 0)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "invalid size: '%s'", s);
	sfx = s + sep;
	num = xstrndup(s, s[sep - 1] == ' ' ? sep - 1 : sep);
	if (parse_float(num, &size, err) < 0)
		return -1;
	if (size < 0)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "invalid size: '%s'", s);
	if (*sfx) {
		mul = suffix_multiplier(sfx, binary, err);
		if (mul == 0)
			return -1;
	}
	size *= mul;
	/* Go's int64() of a larger float is undefined; refuse it instead. */
	if (size >= 9223372036854775808.0)
		return cpod_err(err, CPOD_ERR_INVALID, 0, "invalid size: '%s'", s);
	*ret = (int64_t)size;
	return 0;
}

int units_ram_in_bytes(const char *s, int64_t *ret, cpod_error **err)
{
	return parse_size(s, 1, ret, err);
}

int units_from_human_size(const char *s, int64_t *ret, cpod_error **err)
{
	return parse_size(s, 0, ret, err);
}
