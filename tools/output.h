/* SPDX-License-Identifier: GPL-2.0 */
/* output.h — one path for every listing: typed rows, printed as a table or streamed as JSON. */
#ifndef FO_OUTPUT_H
#define FO_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <jansson.h>
#include <linux/types.h>

enum col_fmt {
	COL_STR,    /* the value as it is */
	COL_NUM,    /* an integer, right-aligned */
	COL_BYTES,  /* an integer byte count: 12.3 MiB, unless --numeric */
	COL_RATE,   /* bits per second from a byte rate: 4.1 Mbit/s, unless --numeric */
	COL_CUSTOM, /* FMT formats it */
};

/* A buffered writer: listings of 100k rows go out in 64 KiB writes, not one call per cell. */
struct obuf {
	FILE *f;
	size_t len;
	int err; /* the first write error, as -errno */
	char buf[1 << 16];
};

void ob_init(struct obuf *o, FILE *f);
void ob_write(struct obuf *o, const char *s, size_t n);
void ob_puts(struct obuf *o, const char *s);
void ob_putc(struct obuf *o, char c);
void ob_u64(struct obuf *o, __u64 v);
void ob_pad(struct obuf *o, size_t n); /* N blanks */
/* Write out what is buffered and fflush F; returns 0 or the first error. */
int ob_flush(struct obuf *o);

/*
 * A streaming JSON writer (bpftool's json_writer is the model): each row is written as it is
 * made, so a listing never holds a tree. Output is what jansson prints with JSON_ENSURE_ASCII
 * (compact, or JSON_INDENT(2) with PRETTY), strings included: see jw_string.
 */
#define JW_MAX_DEPTH 16
struct jw {
	struct obuf out;
	bool pretty;
	bool after_key;
	int depth;
	bool nonempty[JW_MAX_DEPTH];
};

/* A writer on F (malloc'd: the buffer is large); NULL without memory. */
struct jw *jw_open(FILE *f, bool pretty);
/* End the document with a newline, flush, free W; returns 0 or -errno of a failed write. */
int jw_close(struct jw *w);
void jw_start_array(struct jw *w);
void jw_end_array(struct jw *w);
void jw_start_object(struct jw *w);
void jw_end_object(struct jw *w);
/* An object key: a plain ASCII name, written as it is. */
void jw_key_n(struct jw *w, const char *key, size_t len);
#define jw_key(w, key) jw_key_n((w), (key), __builtin_strlen(key)) /* constant for literals */
/* A key and its value: the common member. */
#define jw_kv_u64(w, key, v) (jw_key(w, key), jw_u64((w), (v)))
#define jw_kv_string(w, key, s) (jw_key(w, key), jw_string((w), (s)))
#define jw_kv_bool(w, key, b) (jw_key(w, key), jw_bool((w), (b)))
/* A string value. Valid UTF-8 comes out as jansson writes it (\uXXXX beyond ASCII, short
 * escapes for control bytes); a byte that is not part of valid UTF-8 becomes the text \xNN,
 * as comm_text writes it, so any bytes at all (a cgroup path, a device name) make valid JSON
 * where jansson would refuse the string. */
void jw_string(struct jw *w, const char *s);
void jw_u64(struct jw *w, __u64 v);
void jw_s64(struct jw *w, long long v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/* Unix time in ns as seconds with a fraction (a JSON number, exact to the ns). */
void jw_unix_ns(struct jw *w, __u64 ns);
/* S as jansson will take it: each byte that is not part of valid UTF-8 becomes the text \xNN,
 * as jw_string writes it (json_string refuses such a string, and the field would be lost). */
const char *utf8_text(const char *s, char *buf, size_t len);
/* The escaped form of S with its quotes, as jw_string writes it, into OUT (for tests). */
size_t json_escape(const char *s, char *out, size_t len);

/* Table columns over typed rows. CELL formats its column of ROW into BUF (LEN bytes, NUL
 * terminated) and returns the length. */
struct tcol {
	const char *header;
	bool right; /* numbers: right-aligned */
	size_t (*cell)(const struct tcol *c, const void *row, bool numeric, char *buf, size_t len);
	const void *arg; /* the column's own data, for CELL */
};

/* The rows of a table: ROW makes row I current and returns it (storage the source owns, valid
 * until the next call). Rows are made twice, once for the widths and once to print them, so
 * a table of any length is never held as text. */
struct trows {
	size_t n;
	const void *(*row)(void *ctx, size_t i);
	void *ctx;
};

/* Aligned columns under a header, like ss: text left, numbers right, no trailing blanks. */
int table_print(FILE *f, const struct tcol *cols, size_t ncols, const struct trows *rows,
		bool numeric, bool colour);
/* The one choice every listing makes: ROWS as a JSON array (each row written by ROW_JSON) with
 * JSON, else as the table of COLS. Returns 0 or -errno. */
int rows_print(FILE *f, const struct tcol *cols, size_t ncols, const struct trows *rows,
	       void (*row_json)(struct jw *w, const void *row), bool json, bool pretty,
	       bool numeric, bool colour);
/* Cell helpers for typed rows. */
size_t cell_str(char *buf, size_t len, const char *s); /* NULL prints "-" */
size_t cell_u64(char *buf, size_t len, __u64 v);
size_t cell_bytes(char *buf, size_t len, __u64 v, bool numeric);
/* "ADDR:PORT", or "[ADDR]:PORT" for family 6, as ss writes them. */
size_t cell_endpoint(char *buf, size_t len, int family, const char *addr, unsigned int port);
/* The strings A and B (either may be NULL) one after the other. */
size_t cell_concat(char *buf, size_t len, const char *a, const char *b);

/* Columns of a table made of JSON objects (status, top, mark): KEY names the field. */
struct column {
	const char *header;
	const char *key;
	enum col_fmt fmt;
	void (*custom)(json_t *row, char *buf, size_t len);
};

/* Print ROWS (an array of objects) as aligned columns under a header, through table_print. */
void out_table(const struct column *cols, size_t ncols, json_t *rows, bool numeric);
/* The same table written to F; COLOUR sets the header in bold. top draws its screen with it. */
void out_table_fp(FILE *f, const struct column *cols, size_t ncols, json_t *rows, bool numeric,
		  bool colour);
/* Whether human output may use escapes: stdout is a terminal and NO_COLOR is not set. */
bool out_colour(void);
/* Prometheus text exposition (format 0.0.4) of FAMILIES, an array of
 * {"name", "type", "help", "samples": [{"labels": {k: v}, "value": n}]} -- the same objects
 * `metrics -j` prints. Returns 0 or -EIO. */
int out_prom(FILE *f, json_t *families);
/* A label value escaped for the exposition format: backslash, double quote, newline. */
void fmt_prom_label(const char *in, char *out, size_t len);
/* Print V as JSON on one line (or indented with PRETTY), then a newline. */
int out_json(json_t *v, bool pretty);
/* "12.3 MiB" */
void fmt_bytes(__u64 n, char *buf, size_t len);
/* "4.1 Mbit/s" from bytes per second */
void fmt_rate(double bytes_per_sec, char *buf, size_t len);
/* Address text: family 4 or 6, network-order words. */
void fmt_addr(int family, const __u32 addr[4], char *buf, size_t len);
/* "tcp", "udp", "icmp", "icmpv6", or the number. */
const char *proto_name(int proto, char *buf, size_t len);
/* A process name may hold any byte: make it valid UTF-8 text for JSON and terminals. */
void comm_text(const char *comm, size_t len, char *out, size_t outlen);

#endif
