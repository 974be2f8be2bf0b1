/* Functions cpod's code must not call: unbounded copies, non-reentrant time conversion,
 * and anything that runs a shell.  Every .c file under lib/, cli/ and api/ includes it as its
 * last #include (after the system headers, whose declarations it would otherwise break);
 * tests/check-banned.sh enforces that. */
#ifndef CPOD_COMMON_BANNED_H
#define CPOD_COMMON_BANNED_H

#define BANNED(func) sorry_##func##_is_banned_in_cpod

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef gmtime
#define gmtime(t) BANNED(gmtime)
#undef localtime
#define localtime(t) BANNED(localtime)
#undef ctime
#define ctime(t) BANNED(ctime)
#undef asctime
#define asctime(t) BANNED(asctime)
#undef system
#define system(c) BANNED(system)
#undef popen
#define popen(c, m) BANNED(popen)

#endif
