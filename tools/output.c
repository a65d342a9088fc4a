// SPDX-License-Identifier: GPL-2.0
/* output.c — one path for every listing: rows are JSON objects, printed as JSON or a table. */
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
	double v = n;
	int u = -1;

	if (n < 1024) {
		snprintf(buf, len, "%llu B", (unsigned long long)n);
		return;
	}
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f %s", v, units[u]);
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

static void cell(const struct column *c, json_t *row, bool numeric, char *buf, size_t len)
{
	json_t *v;

	buf[0] = '\0';
	if (c->fmt == COL_CUSTOM) {
		c->custom(row, buf, len);
		return;
	}
	v = json_object_get(row, c->key);
	if (!v || json_is_null(v)) {
		snprintf(buf, len, "-");
		return;
	}
	if (json_is_string(v)) {
		snprintf(buf, len, "%s", json_string_value(v));
		return;
	}
	if (json_is_real(v)) {
		if (c->fmt == COL_RATE && !numeric)
			fmt_rate(json_real_value(v), buf, len);
		else
			snprintf(buf, len, "%.0f", json_real_value(v));
		return;
	}
	if (json_is_integer(v)) {
		json_int_t n = json_integer_value(v);

		if (c->fmt == COL_BYTES && !numeric)
			fmt_bytes((__u64)n, buf, len);
		else if (c->fmt == COL_RATE && !numeric)
			fmt_rate((double)n, buf, len);
		else
			snprintf(buf, len, "%lld", (long long)n);
		return;
	}
	if (json_is_boolean(v))
		snprintf(buf, len, "%s", json_is_true(v) ? "yes" : "no");
}

static bool right_aligned(const struct column *c)
{
	return c->fmt == COL_NUM || c->fmt == COL_BYTES || c->fmt == COL_RATE;
}

void out_table_fp(FILE *f, const struct column *cols, size_t ncols, json_t *rows, bool numeric,
		  bool colour)
{
	size_t width[32] = { 0 };
	size_t i, r;
	json_t *row;
	char buf[512];

	if (ncols > 32)
		ncols = 32;
	for (i = 0; i < ncols; i++)
		width[i] = strlen(cols[i].header);
	json_array_foreach(rows, r, row) {
		for (i = 0; i < ncols; i++) {
			cell(&cols[i], row, numeric, buf, sizeof(buf));
			if (strlen(buf) > width[i])
				width[i] = strlen(buf);
		}
	}
	/* The escapes wrap the whole header line, so they never count toward a width. */
	if (colour)
		fputs("\033[1m", f);
	for (i = 0; i < ncols; i++) {
		if (i + 1 == ncols && !right_aligned(&cols[i]))
			fprintf(f, "%s", cols[i].header);
		else
			fprintf(f, right_aligned(&cols[i]) ? "%*s%s" : "%-*s%s", (int)width[i],
				cols[i].header, i + 1 < ncols ? "  " : "");
	}
	fputs(colour ? "\033[0m\n" : "\n", f);
	json_array_foreach(rows, r, row) {
		for (i = 0; i < ncols; i++) {
			cell(&cols[i], row, numeric, buf, sizeof(buf));
			if (i + 1 == ncols && !right_aligned(&cols[i]))
				fprintf(f, "%s\n", buf); /* no trailing blanks */
			else
				fprintf(f, right_aligned(&cols[i]) ? "%*s%s" : "%-*s%s", (int)width[i], buf,
					i + 1 < ncols ? "  " : "\n");
		}
	}
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
