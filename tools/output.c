// SPDX-License-Identifier: GPL-2.0
/* output.c — one path for every listing: typed rows, printed as a table or streamed as JSON. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "output.h"

bool out_colour(void)
{
	/* Escapes only for a person at a terminal; NO_COLOR (no-color.org) always wins. */
	return !getenv("NO_COLOR") && isatty(STDOUT_FILENO);
}

void fmt_bytes(__u64 n, char *buf, size_t len)
{
	static const char *units[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
	__u64 d = 1024, q, r;
	double v = n;
	int u = 0;

	if (n < 1024) { /* most cells of a listing: no printf */
		size_t k = cell_u64(buf, len, n);

		if (k + 3 <= len)
			memcpy(buf + k, " B", 3);
		else
			snprintf(buf + k, len - k, " B");
		return;
	}
	if (n >= 1ULL << 53) { /* beyond a double's exact integers: as printf rounds it */
		u = -1;
		while (v >= 1024 && u < 4) {
			v /= 1024;
			u++;
		}
		snprintf(buf, len, "%.1f %s", v, units[u]);
		return;
	}
	/* "%.1f" of n / 1024^k, in integers: a listing formats two of these per row, twice. The
	 * quotient is exact, so rounding half to even matches printf's. */
	while (u < 4 && n >= d * 1024) {
		d *= 1024;
		u++;
	}
	q = n * 10 / d;
	r = n * 10 % d;
	if (2 * r > d || (2 * r == d && (q & 1)))
		q++;
	if (len < 32) {
		snprintf(buf, len, "%llu.%llu %s", (unsigned long long)(q / 10),
			 (unsigned long long)(q % 10), units[u]);
		return;
	}
	/* The same text without printf: two of these per row of a 100k-row table. */
	r = cell_u64(buf, len, q / 10);
	buf[r++] = '.';
	buf[r++] = '0' + q % 10;
	buf[r++] = ' ';
	memcpy(buf + r, units[u], 4);
}

void fmt_rate(double bytes_per_sec, char *buf, size_t len)
{
	static const char *units[] = { "bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s" };
	double v = bytes_per_sec * 8;
	int u = 0;

	while (v >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

void fmt_addr(int family, const __u32 addr[4], char *buf, size_t len)
{
	if (family != 6 && len >= 16) {
		/* inet_ntop's dotted quad, without its call per address per row */
		const unsigned char *b = (const unsigned char *)addr;
		char *o = buf;
		int i;

		for (i = 0; i < 4; i++) {
			unsigned int c = b[i];

			if (c >= 100)
				*o++ = '0' + c / 100;
			if (c >= 10)
				*o++ = '0' + c / 10 % 10;
			*o++ = '0' + c % 10;
			*o++ = i < 3 ? '.' : '\0';
		}
		return;
	}
	if (!inet_ntop(family == 6 ? AF_INET6 : AF_INET, addr, buf, len))
		snprintf(buf, len, "?");
}

const char *proto_name(int proto, char *buf, size_t len)
{
	switch (proto) {
	case 6: return "tcp";
	case 17: return "udp";
	case 1: return "icmp";
	case 58: return "icmpv6";
	}
	snprintf(buf, len, "%d", proto);
	return buf;
}

void comm_text(const char *comm, size_t len, char *out, size_t outlen)
{
	size_t i, o = 0;

	/* Bytes outside printable ASCII become \xNN, so any name stays readable and valid. */
	for (i = 0; i < len && comm[i] && o + 5 < outlen; i++) {
		unsigned char c = comm[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			out[o++] = c;
		else
			o += snprintf(out + o, outlen - o, "\\x%02x", c);
	}
	out[o] = '\0';
}

/* One cell of a JSON row, by its column's key (or its custom formatter). */
static size_t json_cell(const struct tcol *tc, const void *rowp, bool numeric, char *buf,
			size_t len)
{
	const struct column *c = tc->arg;
	json_t *row = (json_t *)rowp, *v;

	buf[0] = '\0';
	if (c->fmt == COL_CUSTOM) {
		c->custom(row, buf, len);
		return strlen(buf);
	}
	v = json_object_get(row, c->key);
	if (!v || json_is_null(v))
		return cell_str(buf, len, NULL);
	if (json_is_string(v))
		return cell_str(buf, len, json_string_value(v));
	if (json_is_real(v)) {
		if (c->fmt == COL_RATE && !numeric)
			fmt_rate(json_real_value(v), buf, len);
		else
			snprintf(buf, len, "%.0f", json_real_value(v));
	} else if (json_is_integer(v)) {
		json_int_t n = json_integer_value(v);

		if (c->fmt == COL_BYTES && !numeric)
			fmt_bytes((__u64)n, buf, len);
		else if (c->fmt == COL_RATE && !numeric)
			fmt_rate((double)n, buf, len);
		else
			snprintf(buf, len, "%lld", (long long)n);
	} else if (json_is_boolean(v)) {
		snprintf(buf, len, "%s", json_is_true(v) ? "yes" : "no");
	}
	return strlen(buf);
}

static bool right_aligned(const struct column *c)
{
	return c->fmt == COL_NUM || c->fmt == COL_BYTES || c->fmt == COL_RATE;
}

static const void *json_row(void *ctx, size_t i)
{
	return json_array_get(ctx, i);
}

void out_table_fp(FILE *f, const struct column *cols, size_t ncols, json_t *rows, bool numeric,
		  bool colour)
{
	struct tcol tc[32];
	struct trows src = { .n = json_array_size(rows), .row = json_row, .ctx = rows };
	size_t i;

	if (ncols > 32)
		ncols = 32;
	for (i = 0; i < ncols; i++)
		tc[i] = (struct tcol){ cols[i].header, right_aligned(&cols[i]), json_cell, &cols[i] };
	table_print(f, tc, ncols, &src, numeric, colour);
}

void out_table(const struct column *cols, size_t ncols, json_t *rows, bool numeric)
{
	out_table_fp(stdout, cols, ncols, rows, numeric, out_colour());
}

int out_json(json_t *v, bool pretty)
{
	size_t flags = JSON_ENSURE_ASCII | (pretty ? JSON_INDENT(2) : JSON_COMPACT) |
		       JSON_REAL_PRECISION(17);
	int err = json_dumpf(v, stdout, flags);

	putchar('\n');
	fflush(stdout);
	return err ? -1 : 0;
}

void fmt_prom_label(const char *in, char *out, size_t len)
{
	size_t o = 0;

	if (!len)
		return;
	/* The exposition format escapes exactly these three in label values. */
	for (; *in && o + 2 < len; in++) {
		if (*in == '\\' || *in == '"') {
			out[o++] = '\\';
			out[o++] = *in;
		} else if (*in == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else {
			out[o++] = *in;
		}
	}
	out[o] = '\0';
}

static void prom_help(FILE *f, const char *s)
{
	/* HELP text escapes backslash and newline, but not quotes. */
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

int out_prom(FILE *f, json_t *families)
{
	json_t *fam, *sample, *val;
	size_t i, j;
	char buf[1024];

	json_array_foreach(families, i, fam) {
		const char *name = json_string_value(json_object_get(fam, "name"));
		const char *type = json_string_value(json_object_get(fam, "type"));
		const char *help = json_string_value(json_object_get(fam, "help"));
		json_t *samples = json_object_get(fam, "samples");

		if (!name || !type || !json_is_array(samples))
			return -1;
		fprintf(f, "# HELP %s ", name);
		prom_help(f, help ? help : "");
		fprintf(f, "\n# TYPE %s %s\n", name, type);
		json_array_foreach(samples, j, sample) {
			json_t *labels = json_object_get(sample, "labels");
			const char *key;
			bool first = true;

			fputs(name, f);
			if (json_object_size(labels)) {
				fputc('{', f);
				json_object_foreach(labels, key, val) {
					if (json_is_string(val))
						fmt_prom_label(json_string_value(val), buf, sizeof(buf));
					else
						snprintf(buf, sizeof(buf), "%lld",
							 (long long)json_integer_value(val));
					fprintf(f, "%s%s=\"%s\"", first ? "" : ",", key, buf);
					first = false;
				}
				fputc('}', f);
			}
			val = json_object_get(sample, "value");
			if (json_is_integer(val))
				fprintf(f, " %lld\n", (long long)json_integer_value(val));
			else
				fprintf(f, " %.17g\n", json_number_value(val));
		}
	}
	return ferror(f) ? -EIO : 0;
}

void ob_init(struct obuf *o, FILE *f)
{
	o->f = f;
	o->len = 0;
	o->err = 0;
}

static void ob_drain(struct obuf *o)
{
	if (o->len && !o->err && fwrite(o->buf, 1, o->len, o->f) != o->len)
		o->err = errno ? -errno : -EIO;
	o->len = 0;
}

void ob_write(struct obuf *o, const char *s, size_t n)
{
	if (o->len + n > sizeof(o->buf)) {
		ob_drain(o);
		if (n > sizeof(o->buf)) {
			if (!o->err && fwrite(s, 1, n, o->f) != n)
				o->err = errno ? -errno : -EIO;
			return;
		}
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

void ob_puts(struct obuf *o, const char *s)
{
	ob_write(o, s, strlen(s));
}

void ob_putc(struct obuf *o, char c)
{
	if (o->len == sizeof(o->buf))
		ob_drain(o);
	o->buf[o->len++] = c;
}

void ob_pad(struct obuf *o, size_t n)
{
	static const char blanks[] = "                                                                ";

	while (n) {
		size_t k = n < sizeof(blanks) - 1 ? n : sizeof(blanks) - 1;

		ob_write(o, blanks, k);
		n -= k;
	}
}

/* Decimal digits of V ending before BUF[20] (20 digits hold any __u64); returns where they
 * start. */
static char *u64_digits(__u64 v, char buf[21])
{
	char *p = &buf[20];

	do {
		*--p = '0' + v % 10;
		v /= 10;
	} while (v);
	return p;
}

void ob_u64(struct obuf *o, __u64 v)
{
	char d[21], *p = u64_digits(v, d);

	ob_write(o, p, &d[20] - p);
}

int ob_flush(struct obuf *o)
{
	ob_drain(o);
	if (fflush(o->f) && !o->err)
		o->err = errno ? -errno : -EIO;
	return o->err;
}

size_t cell_str(char *buf, size_t len, const char *s)
{
	size_t n;

	if (!s)
		s = "-";
	n = strlen(s);
	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return n;
}

size_t cell_u64(char *buf, size_t len, __u64 v)
{
	char d[21], *p = u64_digits(v, d);
	size_t n = &d[20] - p;

	if (n >= len)
		n = len - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return n;
}

size_t cell_concat(char *buf, size_t len, const char *a, const char *b)
{
	size_t n = a ? cell_str(buf, len, a) : 0;

	if (b)
		n += cell_str(buf + n, len - n, b);
	buf[n] = '\0';
	return n;
}

size_t cell_endpoint(char *buf, size_t len, int family, const char *addr, unsigned int port)
{
	size_t n = 0;

	if (len < 80) {
		int k = snprintf(buf, len, family == 6 ? "[%s]:%u" : "%s:%u", addr, port);

		return k < 0 ? 0 : (size_t)k < len ? (size_t)k : len - 1;
	}
	if (family == 6)
		buf[n++] = '[';
	n += cell_str(buf + n, 64, addr);
	if (family == 6)
		buf[n++] = ']';
	buf[n++] = ':';
	return n + cell_u64(buf + n, len - n, port);
}

size_t cell_bytes(char *buf, size_t len, __u64 v, bool numeric)
{
	if (numeric)
		return cell_u64(buf, len, v);
	fmt_bytes(v, buf, len);
	return strlen(buf);
}

#define CELL_MAX 512
#define CELL_CACHE (1U << 20)

int table_print(FILE *f, const struct tcol *cols, size_t ncols, const struct trows *rows,
		bool numeric, bool colour)
{
	size_t width[32] = { 0 }, used = 0, cached = 0;
	unsigned char *cache;
	struct obuf *o;
	char buf[CELL_MAX];
	size_t i, r;
	int err;

	if (ncols > 32)
		ncols = 32;
	o = malloc(sizeof(*o));
	if (!o)
		return -ENOMEM;
	ob_init(o, f);
	for (i = 0; i < ncols; i++)
		width[i] = strlen(cols[i].header);
	/* The widths need every cell before the first line: the first rows' cells are kept
	 * (up to CELL_CACHE bytes, each as a length byte and its text) for the second pass, so
	 * a listing of some thousand rows makes each row and cell once. */
	cache = malloc(CELL_CACHE);
	for (r = 0; r < rows->n; r++) {
		const void *row = rows->row(rows->ctx, r);
		size_t start = used;
		bool keep = cache && cached == r;

		for (i = 0; i < ncols; i++) {
			size_t n = cols[i].cell(&cols[i], row, numeric, buf, sizeof(buf));

			if (n > width[i])
				width[i] = n;
			if (keep && n <= 255 && used + 1 + n <= CELL_CACHE) {
				cache[used++] = (unsigned char)n;
				memcpy(cache + used, buf, n);
				used += n;
			} else {
				keep = false;
			}
		}
		if (keep)
			cached++;
		else
			used = start; /* this row is made again; so is every later one */
	}
	used = 0;
	/* The escapes wrap the whole header line, so they never count toward a width. */
	if (colour)
		ob_puts(o, "\033[1m");
	for (r = 0; r <= rows->n; r++) {
		const void *row = r && r - 1 >= cached ? rows->row(rows->ctx, r - 1) : NULL;

		for (i = 0; i < ncols; i++) {
			const char *text = buf;
			size_t n;
			bool last = i + 1 == ncols;

			if (r && r - 1 < cached) {
				n = cache[used++];
				text = (const char *)cache + used;
				used += n;
			} else {
				n = row ? cols[i].cell(&cols[i], row, numeric, buf, sizeof(buf))
					: cell_str(buf, sizeof(buf), cols[i].header);
			}
			if (cols[i].right)
				ob_pad(o, width[i] - n);
			ob_write(o, text, n);
			if (last)
				break; /* no trailing blanks */
			if (!cols[i].right)
				ob_pad(o, width[i] - n);
			ob_write(o, "  ", 2);
		}
		if (!r && colour)
			ob_puts(o, "\033[0m");
		ob_putc(o, '\n');
	}
	err = ob_flush(o);
	free(cache);
	free(o);
	return err;
}

int rows_print(FILE *f, const struct tcol *cols, size_t ncols, const struct trows *rows,
	       void (*row_json)(struct jw *w, const void *row), bool json, bool pretty,
	       bool numeric, bool colour)
{
	struct jw *w;
	size_t i;

	if (!json)
		return table_print(f, cols, ncols, rows, numeric, colour);
	w = jw_open(f, pretty);
	if (!w)
		return -ENOMEM;
	jw_start_array(w);
	for (i = 0; i < rows->n; i++)
		row_json(w, rows->row(rows->ctx, i));
	jw_end_array(w);
	return jw_close(w);
}

struct jw *jw_open(FILE *f, bool pretty)
{
	struct jw *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	ob_init(&w->out, f);
	w->pretty = pretty;
	return w;
}

int jw_close(struct jw *w)
{
	int err;

	ob_putc(&w->out, '\n');
	err = ob_flush(&w->out);
	free(w);
	return err;
}

/* Before a value or a key: the comma and, indented, the line break jansson puts there. */
static void jw_sep(struct jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (!w->depth)
		return;
	if (w->nonempty[w->depth])
		ob_putc(&w->out, ',');
	w->nonempty[w->depth] = true;
	if (w->pretty) {
		ob_putc(&w->out, '\n');
		ob_pad(&w->out, 2 * w->depth);
	}
}

static void jw_open_c(struct jw *w, char c)
{
	jw_sep(w);
	ob_putc(&w->out, c);
	if (w->depth + 1 < JW_MAX_DEPTH)
		w->depth++;
	w->nonempty[w->depth] = false;
}

static void jw_close_c(struct jw *w, char c)
{
	if (w->pretty && w->nonempty[w->depth]) {
		ob_putc(&w->out, '\n');
		ob_pad(&w->out, 2 * (w->depth - 1));
	}
	if (w->depth)
		w->depth--;
	ob_putc(&w->out, c);
}

void jw_start_array(struct jw *w) { jw_open_c(w, '['); }
void jw_end_array(struct jw *w) { jw_close_c(w, ']'); }
void jw_start_object(struct jw *w) { jw_open_c(w, '{'); }
void jw_end_object(struct jw *w) { jw_close_c(w, '}'); }

void jw_key_n(struct jw *w, const char *key, size_t len)
{
	struct obuf *o = &w->out;

	jw_sep(w);
	if (o->len + len + 4 > sizeof(o->buf))
		ob_drain(o);
	o->buf[o->len++] = '"';
	memcpy(o->buf + o->len, key, len);
	o->len += len;
	o->buf[o->len++] = '"';
	o->buf[o->len++] = ':';
	if (w->pretty)
		o->buf[o->len++] = ' ';
	w->after_key = true;
}

/* The code point of the valid UTF-8 sequence at S (N bytes), or -1 with *LEN = 1. */
static long utf8_decode(const unsigned char *s, size_t n, size_t *len)
{
	unsigned char c = s[0];
	long cp, min;
	size_t k, i;

	*len = 1;
	if (c >= 0xc2 && c <= 0xdf) {
		k = 2, cp = c & 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		k = 3, cp = c & 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		k = 4, cp = c & 0x07, min = 0x10000;
	} else {
		return -1;
	}
	if (k > n)
		return -1;
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and beyond U+10FFFF are not UTF-8 (RFC 3629). */
	if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return -1;
	*len = k;
	return cp;
}

/* S escaped into OUT (at least 13 bytes per input byte), quotes included; returns the length. */
static size_t escape(const char *str, size_t n, char *out)
{
	static const char hex[] = "0123456789ABCDEF", lhex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	char *o = out;
	size_t i = 0, k;
	long cp;

	*o++ = '"';
	while (i < n) {
		unsigned char c = s[i];

		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			*o++ = c;
			i++;
			continue;
		}
		if (c < 0x80) {
			const char *short_esc = NULL;

			switch (c) {
			case '"': short_esc = "\\\""; break;
			case '\\': short_esc = "\\\\"; break;
			case '\b': short_esc = "\\b"; break;
			case '\f': short_esc = "\\f"; break;
			case '\n': short_esc = "\\n"; break;
			case '\r': short_esc = "\\r"; break;
			case '\t': short_esc = "\\t"; break;
			}
			if (short_esc) {
				*o++ = short_esc[0];
				*o++ = short_esc[1];
			} else {
				o += sprintf(o, "\\u%04X", c);
			}
			i++;
			continue;
		}
		cp = utf8_decode(s + i, n - i, &k);
		i += k;
		if (cp < 0) {
			/* Not UTF-8: the byte as text, "\\xNN" in JSON, like comm_text. */
			*o++ = '\\';
			*o++ = '\\';
			*o++ = 'x';
			*o++ = lhex[c >> 4];
			*o++ = lhex[c & 15];
		} else if (cp < 0x10000) {
			*o++ = '\\';
			*o++ = 'u';
			*o++ = hex[cp >> 12 & 15];
			*o++ = hex[cp >> 8 & 15];
			*o++ = hex[cp >> 4 & 15];
			*o++ = hex[cp & 15];
		} else {
			long v = cp - 0x10000;

			o += sprintf(o, "\\u%04lX\\u%04lX", 0xd800 | (v >> 10), 0xdc00 | (v & 0x3ff));
		}
	}
	*o++ = '"';
	return o - out;
}

const char *utf8_text(const char *s, char *buf, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, o = 0, k;

	while (i < n && (u[i] < 0x80 || utf8_decode(u + i, n - i, &k) >= 0))
		i += u[i] < 0x80 ? 1 : k;
	if (i == n || !len)
		return s; /* valid already: nothing to copy */
	for (i = 0; i < n && o + 5 < len;) {
		if (u[i] >= 0x80 && utf8_decode(u + i, n - i, &k) < 0) {
			o += snprintf(buf + o, len - o, "\\x%02x", u[i]);
			i++;
			continue;
		}
		k = u[i] < 0x80 ? 1 : k;
		if (o + k >= len)
			break;
		memcpy(buf + o, u + i, k);
		o += k;
		i += k;
	}
	buf[o] = '\0';
	return buf;
}

size_t json_escape(const char *s, char *out, size_t len)
{
	size_t n = strlen(s);
	char *tmp;

	if (len < n * 13 + 3) {
		tmp = malloc(n * 13 + 3);
		if (!tmp)
			return 0;
		n = escape(s, n, tmp);
		if (n >= len)
			n = len - 1;
		memcpy(out, tmp, n);
		free(tmp);
	} else {
		n = escape(s, n, out);
	}
	out[n] = '\0';
	return n;
}

void jw_string(struct jw *w, const char *s)
{
	size_t n = strlen(s), i;
	char small[13 * 64 + 3], *buf = small;

	jw_sep(w);
	/* Fast path: printable ASCII without quote or backslash is written as it is. */
	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\')
			break;
	}
	if (i == n) {
		ob_putc(&w->out, '"');
		ob_write(&w->out, s, n);
		ob_putc(&w->out, '"');
		return;
	}
	if (n > 64) {
		buf = malloc(n * 13 + 3);
		if (!buf) {
			w->out.err = w->out.err ? w->out.err : -ENOMEM;
			return;
		}
	}
	ob_write(&w->out, buf, escape(s, n, buf));
	if (buf != small)
		free(buf);
}

void jw_u64(struct jw *w, __u64 v)
{
	jw_sep(w);
	ob_u64(&w->out, v);
}

void jw_s64(struct jw *w, long long v)
{
	jw_sep(w);
	if (v < 0) {
		ob_putc(&w->out, '-');
		ob_u64(&w->out, -(unsigned long long)v);
	} else {
		ob_u64(&w->out, v);
	}
}

void jw_bool(struct jw *w, bool v)
{
	jw_sep(w);
	ob_write(&w->out, v ? "true" : "false", v ? 4 : 5);
}

void jw_null(struct jw *w)
{
	jw_sep(w);
	ob_write(&w->out, "null", 4);
}

void jw_unix_ns(struct jw *w, __u64 ns)
{
	char frac[10];
	int i, n = 9;

	jw_sep(w);
	ob_u64(&w->out, ns / 1000000000ULL);
	for (i = 8, ns %= 1000000000ULL; i >= 0; i--, ns /= 10)
		frac[i] = '0' + ns % 10;
	while (n > 1 && frac[n - 1] == '0') /* keep one digit: still a number with a fraction */
		n--;
	ob_putc(&w->out, '.');
	ob_write(&w->out, frac, n);
}
