#ifndef CPOD_EXPORT_H
#define CPOD_EXPORT_H
/* Everything is built with -fvisibility=hidden; only the public API carries this. */
#define CPOD_EXPORT __attribute__((visibility("default")))
#endif
