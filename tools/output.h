/* SPDX-License-Identifier: GPL-2.0 */
/* output.h — one path for every listing: rows are JSON objects, printed as JSON or a table. */
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

struct column {
	const char *header;
	const char *key;
	enum col_fmt fmt;
	void (*custom)(json_t *row, char *buf, size_t len);
};

/* Print ROWS (an array of objects) as aligned columns under a header, like ss. */
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
