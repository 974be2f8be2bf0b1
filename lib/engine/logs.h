/* Reading container logs in conmon's k8s-file format (conmon.md section 6), as `podman logs`
 * shows them.
 *
 * A record is one line: "<timestamp> <stream> <tag> <content>", the timestamp
 * "2006-01-02T15:04:05.000000000+07:00" (always nine digits, a numeric offset or Z), the stream
 * "stdout" or "stderr", the tag "P" for a piece of a longer line (conmon split it at its 8 KiB
 * buffer, or the output ended without a newline) or anything else ("F") for a piece that ends
 * a line.  Pieces are joined: a line is any number of P records and the F record that ends it;
 * it carries the F record's time and stream.  A line still open at the end of the log (the
 * container printed no final newline) is shown without a newline.
 *
 * Output per line, as podman's LogLine.String(): [color] [prefix] [timestamp " "] content
 * [reset] "\n" (no "\n" for an open line), where the timestamp is the record's own text with a
 * zero offset written "Z" (Go prints it so).  Malformed lines (too few fields, a bad
 * timestamp, an unknown stream, longer than LOGS_LINE_MAX) are skipped with a debug message.
 */
#ifndef CPOD_ENGINE_LOGS_H
#define CPOD_ENGINE_LOGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cpod/error.h>

#include "common/buf.h"

/* The longest record accepted (conmon's are at most 8192 bytes of content + ~50). */
#define LOGS_LINE_MAX (64 * 1024)
/* How often a followed log is polled, as podman's tail does. */
#define LOGS_POLL_MS 250

typedef enum { LOGS_STDOUT = 1, LOGS_STDERR = 2 } logs_stream;

/* One record, pointing into the line it was parsed from. */
typedef struct {
	int64_t time_ns;       /* unix time in nanoseconds */
	const char *timestamp; /* the timestamp text */
	size_t timestamp_len;
	logs_stream stream;
	bool partial; /* tag "P" */
	const char *content;
	size_t content_len;
} logs_record;

/* Parses one record (line without its '\n', need not be NUL-terminated); -1 when malformed. */
int logs_parse_record(const char *line, size_t len, logs_record *ret);

/* A joined line, handed to logs_output.emit.  Borrowed for the call. */
typedef struct {
	int64_t time_ns;
	const char *timestamp; /* of the ending record */
	size_t timestamp_len;
	logs_stream stream;
	const char *content; /* all pieces joined */
	size_t content_len;
	bool partial; /* no F record ended it (end of the log) */
} logs_line;

/* One container's log. */
typedef struct {
	const char *path; /* its k8s-file log; a missing file shows nothing */
	/* Printed before each line: podman shows "<12-char id> " (or "<name> " with --names)
	 * when several containers are logged.  NULL: nothing. */
	const char *prefix;
	int color; /* podman's --color: an index into its colors; < 0: no color */
	/* follow: returns false once the container has stopped; the log is then read to its end
	 * and its reading stops.  NULL: followed until until_ns passes (or forever). */
	bool (*is_running)(void *userdata);
	void *userdata;
} logs_source;

typedef struct {
	int64_t since_ns; /* only lines after this time (0: all) */
	int64_t until_ns; /* only lines before this time (0: all) */
	int64_t tail;	  /* < 0: all lines; else the last tail lines (tail is applied first) */
	bool timestamps;  /* print the timestamp before each line */
	bool follow;	  /* keep reading as the log grows, across rotations */
	int poll_ms;	  /* follow: polling interval; 0 = LOGS_POLL_MS */
} logs_opts;

typedef struct {
	int stdout_fd; /* lines of stdout go here (-1: dropped) */
	int stderr_fd; /* lines of stderr go here (-1: dropped) */
	/* When set, called for each line instead of writing to the descriptors; a failure stops
	 * the reading and is returned. */
	int (*emit)(void *userdata, const logs_source *src, const logs_line *line,
		    cpod_error **err);
	void *userdata;
} logs_output;

/* Shows the logs of n sources: one after the other, or with follow all of them as they grow
 * (polled in turn every poll_ms) until each is done.  Errors: reading a log (CPOD_ERR_SYSTEM,
 * naming it), writing the output, or what emit returned. */
int logs_read(const logs_source *srcs, size_t n, const logs_opts *opts, const logs_output *out,
	      cpod_error **err);

/* The text podman prints for line (prefix, timestamp, colors, final "\n"), appended to b. */
void logs_format_line(buf *b, const logs_source *src, const logs_opts *opts, const logs_line *line);

/* Where the last tail lines of the log open as fd start, found by reading backwards from the
 * end in blocks: *ret_offset is the offset of the first record to read (0 when the log has
 * fewer lines, the size of the file for tail 0).  Counts as podman does: lines ended by an F
 * record, plus a final open line. */
int logs_tail_offset(int fd, int64_t tail, off_t *ret_offset, cpod_error **err);

#endif
