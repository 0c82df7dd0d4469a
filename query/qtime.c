/* qtime.c: time parsing and printing for rgq (see qtime.h). */
#include "qtime.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define NS 1000000000LL

static bool local_zone; /* --tz local: print (and read zone-less times) in local time */

void rgq_time_local(bool local)
{
	local_zone = local;
	if (local)
		tzset();
}

/* n digits at *p into *v; advances. */
static bool digits(const char **p, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return true;
}

/* ".fraction" (1-9 digits) as ns. */
static bool fraction(const char **p, int64_t *ns)
{
	*ns = 0;
	if (**p != '.')
		return true;
	(*p)++;
	int n = 0;
	int64_t scale = NS;
	while (isdigit((unsigned char)**p)) {
		if (++n > 9)
			return false;
		scale /= 10;
		*ns += (**p - '0') * scale;
		(*p)++;
	}
	return n > 0;
}

/* "Z", "+HH:MM", "+HHMM", "+HH" or nothing (UTC): seconds east of UTC. */
static bool zone(const char **p, long *east, bool *given)
{
	*east = 0;
	*given = **p != '\0';
	if (**p == 'Z' || **p == 'z') {
		(*p)++;
		return true;
	}
	if (**p != '+' && **p != '-')
		return true;
	int sign = **p == '-' ? -1 : 1, h, m = 0;
	(*p)++;
	if (!digits(p, 2, &h))
		return false;
	if (**p == ':')
		(*p)++;
	if (isdigit((unsigned char)**p) && !digits(p, 2, &m))
		return false;
	if (h > 23 || m > 59)
		return false;
	*east = sign * (h * 3600L + m * 60L);
	return true;
}

static bool parse_iso(const char *s, int64_t *out)
{
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0;
	int64_t frac = 0;
	long east = 0;
	bool zoned = false;
	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
	    !digits(&p, 2, &d))
		return false;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
			return false;
		if (*p == ':' && (p++, !digits(&p, 2, &sec) || !fraction(&p, &frac)))
			return false;
		if (!zone(&p, &east, &zoned))
			return false;
	}
	/* int64 ns reach from 1677 to 2262: stay well inside */
	if (*p || y < 1900 || y > 2200 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || sec > 60)
		return false;
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
			.tm_min = mi, .tm_sec = sec};
	time_t t;
	if (local_zone && !zoned) {
		tm.tm_isdst = -1;
		t = mktime(&tm);
	} else {
		t = timegm(&tm);
	}
	if (tm.tm_mday != d) /* 2026-02-31 */
		return false;
	*out = ((int64_t)t - east) * NS + frac;
	return true;
}

/* "1h30m", "500ms", "2d": a duration in ns. */
static bool parse_duration(const char *s, int64_t *out)
{
	static const struct {
		const char *unit;
		int64_t ns;
	} units[] = {{"ms", NS / 1000}, {"s", NS}, {"m", 60 * NS}, {"h", 3600 * NS},
		     {"d", 86400 * NS}, {"w", 7 * 86400 * NS}};
	int64_t total = 0;
	const char *p = s;
	if (!*p)
		return false;
	while (*p) {
		if (!isdigit((unsigned char)*p))
			return false;
		int64_t v = 0;
		while (isdigit((unsigned char)*p)) {
			v = v * 10 + (*p++ - '0');
			if (v > 1000000000LL)
				return false;
		}
		size_t i, n = 0;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			n = strlen(units[i].unit);
			if (!strncmp(p, units[i].unit, n) && !isalpha((unsigned char)p[n]))
				break;
		}
		if (i == sizeof(units) / sizeof(units[0]))
			return false;
		if (v > (INT64_MAX - total) / units[i].ns)
			return false;
		total += v * units[i].ns;
		p += n;
	}
	*out = total;
	return true;
}

static bool parse_epoch(const char *s, int64_t *out)
{
	const char *p = s + 1;
	int64_t sec = 0, frac;
	if (!isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p)) {
		sec = sec * 10 + (*p++ - '0');
		if (sec > 9000000000LL)
			return false;
	}
	if (!fraction(&p, &frac) || *p)
		return false;
	*out = sec * NS + frac;
	return true;
}

int rgq_time_parse(const char *s, int64_t now_ns, int64_t *out, char *err, size_t errlen)
{
	int64_t d;
	if (!strcmp(s, "now")) {
		*out = now_ns;
		return 0;
	}
	if ((s[0] == '@' && parse_epoch(s, out)) || parse_iso(s, out))
		return 0;
	if (parse_duration(s, &d)) {
		*out = now_ns - d;
		return 0;
	}
	snprintf(err, errlen, "bad time '%.60s' (ISO 8601 such as 2026-11-29T18:02:03Z, a "
		 "duration before now such as 1h or 30m, now, or @EPOCH_SECONDS)", s);
	return -1;
}

/* v as exactly w decimal digits, ending at p + w. */
static void put_digits(char *p, unsigned w, unsigned long long v)
{
	while (w--) {
		p[w] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* "YYYY-MM-DDTHH:MM:SS.NNNNNNNNN" (29 bytes), as snprintf would write it
 * for a year of four digits. A replay formats a time for every alert, and
 * snprintf costs as much as the rest of the row. */
static void put_time(char *buf, const struct tm *tm, int64_t frac)
{
	memcpy(buf, "0000-00-00T00:00:00.", 20);
	put_digits(buf, 4, (unsigned)(tm->tm_year + 1900));
	put_digits(buf + 5, 2, (unsigned)tm->tm_mon + 1);
	put_digits(buf + 8, 2, (unsigned)tm->tm_mday);
	put_digits(buf + 11, 2, (unsigned)tm->tm_hour);
	put_digits(buf + 14, 2, (unsigned)tm->tm_min);
	put_digits(buf + 17, 2, (unsigned)tm->tm_sec);
	put_digits(buf + 20, 9, (unsigned long long)frac);
}

char *rgq_time_format(int64_t ns, char *buf, size_t len)
{
	int64_t sec = ns / NS, frac = ns % NS;
	if (frac < 0) {
		frac += NS;
		sec--;
	}
	time_t t = (time_t)sec;
	struct tm tm;
	if (!(local_zone ? localtime_r(&t, &tm) : gmtime_r(&t, &tm))) {
		snprintf(buf, len, "%lld", (long long)ns);
		return buf;
	}
	char zone_s[16] = "Z";
	if (local_zone) {
		long east = tm.tm_gmtoff, a = east < 0 ? -east : east;
		snprintf(zone_s, sizeof(zone_s), "%c%02d:%02d", east < 0 ? '-' : '+',
			 (int)(a / 3600 % 100), (int)(a / 60 % 60));
	}
	size_t zn = strlen(zone_s);
	if (len > 29 + zn && tm.tm_year + 1900 >= 0 && tm.tm_year + 1900 <= 9999) {
		put_time(buf, &tm, frac);
		memcpy(buf + 29, zone_s, zn + 1);
		return buf;
	}
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09lld%s", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long long)frac,
		 zone_s);
	return buf;
}
