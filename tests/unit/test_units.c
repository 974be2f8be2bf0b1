#include <locale.h>
#include <stdint.h>
#include <stdlib.h>

#include <cpod/error.h>

#include "common/units.h"
#include "tap.h"

static void is_owned(char *got, const char *want, const char *name)
{
	is_str(got, want, "%s", name);
	free(got);
}

static void size_prec(int64_t n, int prec, const char *want)
{
	is_owned(units_human_size_prec(n, prec), want, want);
}

static void test_human_size(void)
{
	/* podman's precision 3: images, ps --size, history */
	size_prec(0, 3, "0B");
	size_prec(999, 3, "999B");
	size_prec(1000, 3, "1kB");
	size_prec(5420, 3, "5.42kB");
	size_prec(5425, 3, "5.42kB"); /* 5.425 is below the tie in binary: rounds down, as in Go */
	size_prec(1200000, 3, "1.2MB");
	size_prec(1234567, 3, "1.23MB");
	size_prec(2050000000, 3, "2.05GB");
	size_prec(999999, 3, "1e+03kB"); /* go-units prints this too */
	size_prec(INT64_MAX, 3, "9.22EB");
	size_prec(-5, 3, "-5B");
	/* HumanSize, precision 4 (go-units' own examples) */
	is_owned(units_human_size(1000), "1kB", "HumanSize 1000");
	is_owned(units_human_size(1024), "1.024kB", "HumanSize 1024");
	is_owned(units_human_size(1048576), "1.049MB", "HumanSize 1 MiB");
	is_owned(units_human_size(2746000), "2.746MB", "HumanSize 2.746 MB");
	is_owned(units_human_size(796000), "796kB", "HumanSize 796 kB");
	is_owned(units_human_size(3420000000LL), "3.42GB", "HumanSize 3.42 GB");
	is_owned(units_human_size(5372000000000LL), "5.372TB", "HumanSize 5.372 TB");
	is_owned(units_human_size(2220000000000000LL), "2.22PB", "HumanSize 2.22 PB");
	/* BytesSize, binary */
	is_owned(units_bytes_size(1023), "1023B", "BytesSize 1023");
	is_owned(units_bytes_size(1024), "1KiB", "BytesSize 1024");
	is_owned(units_bytes_size(1536), "1.5KiB", "BytesSize 1536");
	is_owned(units_bytes_size(1048576), "1MiB", "BytesSize 1 MiB");
	is_owned(units_bytes_size(1000000000), "953.7MiB", "BytesSize 1e9");
	is_owned(units_bytes_size(1152921504606846976LL), "1EiB", "BytesSize 1 EiB");
}

static void test_locale(void)
{
	/* The decimal point stays '.' even when the program switched to a comma locale. */
	const char *names[] = { "de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "nl_NL.UTF-8" };
	const char *set = NULL;
	int64_t n = 0;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && !set; i++)
		set = setlocale(LC_NUMERIC, names[i]);
	if (!set) {
		diag("no comma-decimal locale installed; locale independence not exercised");
		return;
	}
	is_owned(units_human_size_prec(5420, 3), "5.42kB", "comma locale: '.' printed");
	ok(units_ram_in_bytes("1.5k", &n, NULL) == 0 && n == 1536, "comma locale: '.' parsed");
	setlocale(LC_NUMERIC, "C");
}

static void dur(int64_t seconds, const char *want)
{
	is_owned(units_human_duration(seconds), want, want);
}

static void test_duration(void)
{
	dur(-5, "Less than a second");
	dur(0, "Less than a second");
	dur(1, "1 second");
	dur(2, "2 seconds");
	dur(59, "59 seconds");
	dur(60, "About a minute");
	dur(89, "About a minute");
	dur(119, "About a minute");
	dur(120, "2 minutes");
	dur(300, "5 minutes");
	dur(3599, "59 minutes");
	dur(3600, "About an hour");
	is_owned(units_human_duration(5399), "About an hour", "1h29m59s rounds down");
	is_owned(units_human_duration(5400), "2 hours", "1h30m rounds up");
	is_owned(units_human_duration(47 * 3600), "47 hours", "47 hours");
	is_owned(units_human_duration(47 * 3600 + 1799), "47 hours", "47h29m59s");
	is_owned(units_human_duration(47 * 3600 + 1800), "2 days", "47h30m rounds to 48h");
	is_owned(units_human_duration(172800), "2 days", "2 days");
	is_owned(units_human_duration(335 * 3600 + 1799), "13 days", "just under 14 days");
	is_owned(units_human_duration(335 * 3600 + 1800), "2 weeks", "14 days");
	is_owned(units_human_duration(21 * 86400), "3 weeks", "3 weeks");
	is_owned(units_human_duration(1439 * 3600), "8 weeks", "59.96 days");
	is_owned(units_human_duration(1440 * 3600), "2 months", "60 days");
	is_owned(units_human_duration(120 * 86400), "4 months", "4 months (30-day)");
	is_owned(units_human_duration(17519LL * 3600), "24 months", "just under 730 days");
	/* go-units rounds hours to pick the branch but truncates them for years */
	is_owned(units_human_duration(17519LL * 3600 + 1800), "1 years", "go-units' 1 years quirk");
	is_owned(units_human_duration(17520LL * 3600), "2 years", "730 days");
	is_owned(units_human_duration(10LL * 365 * 86400), "10 years", "10 years");
}

static void test_ago(void)
{
	time_t now = 1700000000;

	is_owned(units_time_ago(now - 172800, now), "2 days ago", "2 days ago");
	is_owned(units_time_ago(now - 30, now), "30 seconds ago", "30 seconds ago");
	is_owned(units_time_ago(now + 100, now), "Less than a second ago", "future time");
	is_owned(units_up_since(now - 300, now), "Up 5 minutes", "Up 5 minutes");
	is_owned(units_up_since(now - 3600, now), "Up About an hour", "Up About an hour");
	is_owned(units_up_since(now, now), "Up Less than a second", "just started");
}

typedef int (*parse_fn)(const char *, int64_t *, cpod_error **);

static void parses(parse_fn fn, const char *s, int64_t want)
{
	int64_t got = -42;
	cpod_error *e = NULL;
	int r = fn(s, &got, &e);

	ok(r == 0 && got == want, "'%s' = %lld", s, (long long)want);
	if (r != 0 || got != want)
		diag("got %lld, error: %s", (long long)got, e ? cpod_error_message(e) : "none");
	cpod_error_free(e);
}

static void refuses(parse_fn fn, const char *s, const char *msg)
{
	int64_t got = -42;
	cpod_error *e = NULL;

	ok(fn(s, &got, &e) == -1 && got == -42, "'%s' refused, result untouched", s);
	is_int(e ? cpod_error_kind(e) : 0, CPOD_ERR_INVALID, "'%s': invalid", s);
	is_str(e ? cpod_error_message(e) : NULL, msg, "'%s': message", s);
	cpod_error_free(e);
}

static void test_ram_in_bytes(void)
{
	parse_fn f = units_ram_in_bytes;

	parses(f, "32", 32);
	parses(f, "32b", 32);
	parses(f, "32B", 32);
	parses(f, "32k", 32768);
	parses(f, "32K", 32768);
	parses(f, "32kb", 32768);
	parses(f, "32Kb", 32768);
	parses(f, "32kib", 32768);
	parses(f, "32KiB", 32768);
	parses(f, "100k", 102400);
	parses(f, "512m", 536870912);
	parses(f, "32Mb", 32LL << 20);
	parses(f, "1g", 1073741824);
	parses(f, "1.5GB", 1610612736);
	parses(f, "32Tb", 32LL << 40);
	parses(f, "32P", 32LL << 50);
	parses(f, "32.3", 32);
	parses(f, "32.3 KiB", 33075);
	parses(f, "32 mb", 32LL << 20);
	parses(f, ".5k", 512);
	parses(f, "5.", 5);
	parses(f, "+5k", 5120);
	parses(f, "1e3", 1000);
	parses(f, "1e3k", 1024000);
	parses(f, "-0", 0);
	parses(f, "8191p", 8191LL << 50);
	refuses(f, "", "invalid size: ''");
	refuses(f, "hello", "invalid size: 'hello'");
	refuses(f, "-32", "invalid size: '-32'");
	refuses(f, "8192p", "invalid size: '8192p'");
	refuses(f, " 32 ", "strconv.ParseFloat: parsing \" 32\": invalid syntax");
	refuses(f, "32  mb", "strconv.ParseFloat: parsing \"32 \": invalid syntax");
	refuses(f, "32m b", "strconv.ParseFloat: parsing \"32m\": invalid syntax");
	refuses(f, "32.5.3", "strconv.ParseFloat: parsing \"32.5.3\": invalid syntax");
	refuses(f, ".", "strconv.ParseFloat: parsing \".\": invalid syntax");
	refuses(f, "0x10", "strconv.ParseFloat: parsing \"0x10\": invalid syntax");
	refuses(f, "1e400", "strconv.ParseFloat: parsing \"1e400\": value out of range");
	refuses(f, "32bm", "invalid suffix: 'bm'");
	refuses(f, "32:m", "invalid suffix: ':m'");
	refuses(f, "32kbb", "invalid suffix: 'kbb'");
	refuses(f, "32MX", "invalid suffix: 'mx'");
	refuses(f, "32x", "invalid suffix: 'x'");
	refuses(f, "32KBytes", "invalid suffix: 'KBytes'");
}

static void test_from_human_size(void)
{
	parse_fn f = units_from_human_size;

	parses(f, "32", 32);
	parses(f, "1k", 1000);
	parses(f, "32kb", 32000);
	parses(f, "32KiB", 32000); /* go-units accepts "ib" with decimal multiples too */
	parses(f, "32MB", 32000000);
	parses(f, "1.5GB", 1500000000);
	parses(f, "1t", 1000000000000LL);
	parses(f, "2p", 2000000000000000LL);
	refuses(f, "1z", "invalid suffix: 'z'");
	refuses(f, "-1k", "invalid size: '-1k'");
}

int main(void)
{
	test_human_size();
	test_locale();
	test_duration();
	test_ago();
	test_ram_in_bytes();
	test_from_human_size();
	return done_testing();
}
