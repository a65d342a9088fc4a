// SPDX-License-Identifier: GPL-2.0
/* test_output.c — the output helpers: units, names, table alignment, JSON and Prometheus text. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include "output.h"
#include "test.h"

static void test_fmt_bytes_units(void)
{
	char b[32];

	fmt_bytes(0, b, sizeof(b));
	ASSERT_STREQ(b, "0 B", "zero");
	fmt_bytes(1023, b, sizeof(b));
	ASSERT_STREQ(b, "1023 B", "below a KiB");
	fmt_bytes(1024, b, sizeof(b));
	ASSERT_STREQ(b, "1.0 KiB", "one KiB");
	fmt_bytes(1536, b, sizeof(b));
	ASSERT_STREQ(b, "1.5 KiB", "one and a half");
	fmt_bytes(12897485, b, sizeof(b)); /* 12.3 MiB */
	ASSERT_STREQ(b, "12.3 MiB", "MiB");
	fmt_bytes(5ULL << 40, b, sizeof(b));
	ASSERT_STREQ(b, "5.0 TiB", "TiB");
	fmt_bytes(~0ULL, b, sizeof(b));
	ASSERT_STREQ(b, "16384.0 PiB", "the largest stays in PiB");
}

static void test_fmt_rate_is_bits_per_second(void)
{
	char b[32];

	fmt_rate(0, b, sizeof(b));
	ASSERT_STREQ(b, "0 bit/s", "idle");
	fmt_rate(100, b, sizeof(b));
	ASSERT_STREQ(b, "800 bit/s", "bytes become bits");
	fmt_rate(125, b, sizeof(b));
	ASSERT_STREQ(b, "1.0 kbit/s", "decimal prefixes, as links are sold");
	fmt_rate(512500, b, sizeof(b));
	ASSERT_STREQ(b, "4.1 Mbit/s", "Mbit/s");
	fmt_rate(1.25e9, b, sizeof(b));
	ASSERT_STREQ(b, "10.0 Gbit/s", "Gbit/s");
}

static void test_comm_text_escapes_odd_bytes(void)
{
	char out[80];

	comm_text("curl", 16, out, sizeof(out));
	ASSERT_STREQ(out, "curl", "plain");
	comm_text("a\nb\\c\"d", 16, out, sizeof(out));
	ASSERT_STREQ(out, "a\\x0ab\\x5cc\"d", "newline and backslash escaped, quote kept");
	comm_text("\xff\x01z", 16, out, sizeof(out));
	ASSERT_STREQ(out, "\\xff\\x01z", "high and control bytes");
	/* A full 16-byte comm has no terminator inside LEN: it must stop at LEN. */
	comm_text("0123456789abcdefXXXX", 16, out, sizeof(out));
	ASSERT_STREQ(out, "0123456789abcdef", "stops at len");
	comm_text("\x01\x02\x03\x04", 16, out, 12);
	ASSERT_TRUE(strlen(out) < 12, "never overruns a small buffer");
}

static void test_proto_name_known_and_numbers(void)
{
	char b[8];

	ASSERT_STREQ(proto_name(6, b, sizeof(b)), "tcp", "tcp");
	ASSERT_STREQ(proto_name(17, b, sizeof(b)), "udp", "udp");
	ASSERT_STREQ(proto_name(1, b, sizeof(b)), "icmp", "icmp");
	ASSERT_STREQ(proto_name(58, b, sizeof(b)), "icmpv6", "icmpv6");
	ASSERT_STREQ(proto_name(132, b, sizeof(b)), "132", "sctp as its number");
}

static void test_fmt_addr_both_families(void)
{
	__u32 v4[4] = { htonl(0x0a000001) }, v6[4] = { htonl(0xfd000000), 0, 0, htonl(2) };
	char b[64];

	fmt_addr(4, v4, b, sizeof(b));
	ASSERT_STREQ(b, "10.0.0.1", "v4");
	fmt_addr(6, v6, b, sizeof(b));
	ASSERT_STREQ(b, "fd00::2", "v6");
}

static const struct column cols[] = {
	{ "Name", "name", COL_STR, NULL },
	{ "Bytes", "bytes", COL_BYTES, NULL },
	{ "Rate", "rate", COL_RATE, NULL },
	{ "Note", "note", COL_STR, NULL },
};

static char *render(json_t *rows, bool numeric, bool colour)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	out_table_fp(f, cols, 4, rows, numeric, colour);
	fclose(f);
	return text;
}

static void test_table_aligns_columns(void)
{
	json_t *rows = json_pack("[{s:s,s:i,s:f,s:s},{s:s,s:i,s:n,s:s}]",
				 "name", "a", "bytes", 1536, "rate", 125.0, "note", "x",
				 "name", "longer-name", "bytes", 5, "rate", "note", "");
	char *t = render(rows, false, false);

	/* Text left, numbers right; the last column has no trailing blanks; null is "-". */
	ASSERT_STREQ(t, "Name           Bytes        Rate  Note\n"
			"a            1.5 KiB  1.0 kbit/s  x\n"
			"longer-name      5 B           -  \n",
		     "human table");
	free(t);
	t = render(rows, true, false);
	ASSERT_STREQ(t, "Name         Bytes  Rate  Note\n"
			"a             1536   125  x\n"
			"longer-name      5     -  \n",
		     "--numeric table");
	free(t);
	t = render(rows, false, true);
	ASSERT_TRUE(t && !strncmp(t, "\033[1mName ", 9), "bold header on a terminal");
	ASSERT_TRUE(t && strstr(t, "Note\033[0m\n"), "escape closed before the newline");
	ASSERT_TRUE(t && !strchr(strchr(t, '\n'), '\033'), "rows carry no escapes");
	free(t);
	json_decref(rows);
}

static void test_table_with_no_rows_prints_the_header(void)
{
	json_t *rows = json_array();
	char *t = render(rows, false, false);

	ASSERT_STREQ(t, "Name  Bytes  Rate  Note\n", "header only");
	free(t);
	json_decref(rows);
}

static void test_json_of_odd_names_is_ascii_and_valid(void)
{
	char comm[80], *s;
	json_t *v, *back;
	json_error_t err;

	comm_text("\xc3\x28\n\"", 16, comm, sizeof(comm));
	v = json_pack("{s:s}", "comm", comm);
	s = json_dumps(v, JSON_ENSURE_ASCII | JSON_COMPACT);
	ASSERT_TRUE(s != NULL, "dumps");
	back = s ? json_loads(s, 0, &err) : NULL;
	ASSERT_TRUE(back != NULL, "loads back");
	if (back)
		ASSERT_STREQ(json_string_value(json_object_get(back, "comm")), comm, "round trip");
	ASSERT_STREQ(s, "{\"comm\":\"\\\\xc3(\\\\x0a\\\"\"}", "escaped text");
	free(s);
	json_decref(v);
	json_decref(back);
}

static void test_prom_label_escaping(void)
{
	char b[64];

	fmt_prom_label("plain", b, sizeof(b));
	ASSERT_STREQ(b, "plain", "plain");
	fmt_prom_label("a\\b\"c\nd", b, sizeof(b));
	ASSERT_STREQ(b, "a\\\\b\\\"c\\nd", "backslash, quote, newline");
	fmt_prom_label("\"\"\"\"\"\"", b, 8);
	ASSERT_TRUE(strlen(b) < 8 && b[strlen(b) - 1] != '\\', "never ends in half an escape");
}

static void test_prom_text_format(void)
{
	json_t *fams = json_pack("[{s:s,s:s,s:s,s:[{s:{s:i,s:s},s:I},{s:{s:i,s:s},s:I}]},"
				 "{s:s,s:s,s:s,s:[{s:{},s:i}]}]",
				 "name", "fo_bytes_total", "type", "counter", "help", "Bytes \\ sent\nby pid.",
				 "samples",
				 "labels", "pid", 7, "comm", "a\"b", "value", (json_int_t)12345678901LL,
				 "labels", "pid", 0, "comm", "", "value", (json_int_t)0,
				 "name", "fo_flows", "type", "gauge", "help", "Flows.",
				 "samples", "labels", "value", 3);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ASSERT_TRUE(fams != NULL, "pack");
	ASSERT_OK(out_prom(f, fams), "out_prom");
	fclose(f);
	ASSERT_STREQ(text, "# HELP fo_bytes_total Bytes \\\\ sent\\nby pid.\n"
			   "# TYPE fo_bytes_total counter\n"
			   "fo_bytes_total{pid=\"7\",comm=\"a\\\"b\"} 12345678901\n"
			   "fo_bytes_total{pid=\"0\",comm=\"\"} 0\n"
			   "# HELP fo_flows Flows.\n"
			   "# TYPE fo_flows gauge\n"
			   "fo_flows 3\n",
		     "exposition text");
	free(text);
	json_decref(fams);
}


/* What jansson writes for S (valid UTF-8 only), with the flags out_json uses. */
static char *jansson_string(const char *s)
{
	json_t *v = json_string(s);
	char *d = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_ENSURE_ASCII | JSON_COMPACT) : NULL;

	json_decref(v);
	return d;
}

/* Every string jansson accepts escapes as jansson escapes it; every other one still parses
 * as JSON, to the text with each stray byte as \xNN. */
static bool escape_agrees(const char *s, const char *want_text)
{
	char out[256], *ref = jansson_string(s);
	json_error_t e;
	json_t *back;
	bool ok;

	json_escape(s, out, sizeof(out));
	if (ref) {
		ok = !strcmp(out, ref);
		free(ref);
		return ok;
	}
	back = json_loads(out, JSON_DECODE_ANY, &e);
	ok = back && json_is_string(back) && (!want_text || !strcmp(json_string_value(back), want_text));
	json_decref(back);
	return ok;
}

static void test_json_escape_every_byte(void)
{
	char s[2] = { 0, 0 }, want[8];
	int b, bad = 0;

	for (b = 1; b < 256; b++) {
		s[0] = (char)b;
		snprintf(want, sizeof(want), "\\x%02x", b);
		if (!escape_agrees(s, b < 0x80 ? NULL : want))
			bad++;
	}
	ASSERT_EQ(bad, 0, "each byte 1..255 alone");
}

static void test_json_escape_every_pair_and_sequence(void)
{
	unsigned char s[5];
	int a, b, c, bad = 0, valid = 0;
	char out[64];

	/* All two-byte strings, and every three-byte one that starts a 3-byte sequence: the
	 * overlong, surrogate and truncated cases are all in there. */
	for (a = 1; a < 256; a++) {
		for (b = 1; b < 256; b++) {
			s[0] = a, s[1] = b, s[2] = 0;
			if (!escape_agrees((char *)s, NULL))
				bad++;
		}
	}
	for (a = 0xe0; a <= 0xef; a++) {
		for (b = 0x80; b < 0xc0; b++) {
			for (c = 1; c < 256; c += 3) {
				s[0] = a, s[1] = b, s[2] = c, s[3] = 0;
				if (!escape_agrees((char *)s, NULL))
					bad++;
			}
		}
	}
	ASSERT_EQ(bad, 0, "two- and three-byte strings");
	/* Four bytes: beyond the BMP as a surrogate pair, exactly as jansson writes it. */
	for (a = 0xf0; a <= 0xf5; a++) {
		for (b = 0x80; b < 0xc0; b += 7) {
			s[0] = a, s[1] = b, s[2] = 0x80, s[3] = 0xbf, s[4] = 0;
			if (!escape_agrees((char *)s, NULL))
				bad++;
			char *d = jansson_string((char *)s);

			valid += d ? 1 : 0;
			free(d);
		}
	}
	ASSERT_EQ(bad, 0, "four-byte strings");
	ASSERT_TRUE(valid > 0, "some of them valid");
	json_escape("\xf0\x9f\x98\x80", out, sizeof(out));
	ASSERT_STREQ(out, "\"\\uD83D\\uDE00\"", "surrogate pair");
	json_escape("a\xff" "b\xc3\xa9", out, sizeof(out));
	ASSERT_STREQ(out, "\"a\\\\xffb\\u00E9\"", "stray byte as text, valid one as \\u");
}

static void test_utf8_text_makes_any_name_acceptable_to_jansson(void)
{
	char buf[64];
	const char *plain = "caf\xc3\xa9-veth0";
	json_t *v;

	ASSERT_TRUE(utf8_text(plain, buf, sizeof(buf)) == plain, "valid UTF-8 passes as it is");
	ASSERT_STREQ(utf8_text("fo\xff\xc3x", buf, sizeof(buf)), "fo\\xff\\xc3x", "stray bytes as text");
	v = json_string(utf8_text("\xed\xa0\x80\xc3\xa9", buf, sizeof(buf)));
	ASSERT_TRUE(v != NULL, "jansson takes the result (a surrogate is not UTF-8)");
	ASSERT_STREQ(json_string_value(v), "\\xed\\xa0\\x80\xc3\xa9", "valid part kept");
	json_decref(v);
	utf8_text("\xff\xff\xff\xff\xff\xff", buf, 12);
	ASSERT_TRUE(strlen(buf) < 12, "never overruns a small buffer");
}

/* Small random documents through both writers: byte for byte the same, compact and indented. */
static void write_value(struct jw *w, json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;

	if (json_is_object(v)) {
		jw_start_object(w);
		json_object_foreach(v, k, x) {
			jw_key(w, k);
			write_value(w, x);
		}
		jw_end_object(w);
	} else if (json_is_array(v)) {
		jw_start_array(w);
		json_array_foreach(v, i, x)
			write_value(w, x);
		jw_end_array(w);
	} else if (json_is_string(v)) {
		jw_string(w, json_string_value(v));
	} else if (json_is_integer(v)) {
		jw_s64(w, json_integer_value(v));
	} else if (json_is_boolean(v)) {
		jw_bool(w, json_is_true(v));
	} else {
		jw_null(w);
	}
}

static void test_jw_writes_what_jansson_writes(void)
{
	json_t *doc = json_pack("[{s:s,s:i,s:I,s:b,s:n,s:[],s:{},s:[i,{s:s}],s:s},{},[],{s:[[]]}]",
				"proto", "udp", "family", 4, "big", (json_int_t)-9007199254740993LL,
				"closed", 1, "cgroup", "empty_a", "empty_o", "nested", 1, "x", "y\n",
				"comm", "caf\xc3\xa9 \"q\"", "a");
	int pretty;

	for (pretty = 0; pretty < 2; pretty++) {
		char *text = NULL, *ref;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		struct jw *w = jw_open(f, pretty);

		write_value(w, doc);
		ASSERT_OK(jw_close(w), "close");
		fclose(f);
		ref = json_dumps(doc, JSON_ENSURE_ASCII | (pretty ? JSON_INDENT(2) : JSON_COMPACT));
		ASSERT_TRUE(text && ref && strlen(text) == strlen(ref) + 1 && text[strlen(ref)] == '\n' &&
			    !strncmp(text, ref, strlen(ref)), pretty ? "indented" : "compact");
		free(text);
		free(ref);
	}
	json_decref(doc);
}

static void test_jw_unix_time_is_exact(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct jw *w = jw_open(f, false);

	jw_start_array(w);
	jw_unix_ns(w, 1796179416145622300ULL);
	jw_unix_ns(w, 5000000000ULL);
	jw_unix_ns(w, 7);
	jw_end_array(w);
	jw_close(w);
	fclose(f);
	ASSERT_STREQ(text, "[1796179416.1456223,5.0,0.000000007]\n", "seconds with a fraction");
	free(text);
}

static void test_fmt_bytes_matches_printf(void)
{
	static const char *units[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
	unsigned long long n = 1, seed = 88172645463325252ULL;
	int i, bad = 0;

	/* Integer rounding must give what "%.1f" of the double gives, ties included. */
	for (i = 0; i < 200000; i++) {
		char a[32], b[32];
		double v;
		int u = -1;

		seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
		n = i < 4096 ? (unsigned long long)i * 51 : seed >> (seed % 60);
		if (i % 5 == 0)
			n = (n | 1023) - 972; /* near a half of a tenth */
		fmt_bytes(n, a, sizeof(a));
		if (n < 1024) {
			snprintf(b, sizeof(b), "%llu B", n);
		} else {
			v = n;
			while (v >= 1024 && u < 4) {
				v /= 1024;
				u++;
			}
			snprintf(b, sizeof(b), "%.1f %s", v, units[u]);
		}
		if (strcmp(a, b) && bad++ < 3)
			fprintf(stderr, "  fmt_bytes(%llu): %s, printf %s\n", n, a, b);
	}
	ASSERT_EQ(bad, 0, "200k values");
}

/* A typed row and its columns, as flows and procs define theirs. */
struct trow {
	const char *name;
	__u64 bytes;
};

static size_t c_name(const struct tcol *c, const void *r, bool numeric, char *buf, size_t len)
{
	return cell_str(buf, len, ((const struct trow *)r)->name);
}

static size_t c_bytes(const struct tcol *c, const void *r, bool numeric, char *buf, size_t len)
{
	return cell_bytes(buf, len, ((const struct trow *)r)->bytes, numeric);
}

static const void *trow_get(void *ctx, size_t i)
{
	return &((const struct trow *)ctx)[i];
}

static void test_typed_table_matches_json_table(void)
{
	static const struct trow rows[] = { { "a", 1536 }, { "longer-name", 5 }, { NULL, 0 } };
	static const struct tcol tcols[] = { { "Name", false, c_name, NULL },
					     { "Bytes", true, c_bytes, NULL },
					     { "Note", false, c_name, NULL } };
	static const struct column jcols[] = { { "Name", "name", COL_STR, NULL },
					       { "Bytes", "bytes", COL_BYTES, NULL },
					       { "Note", "name", COL_STR, NULL } };
	struct trows src = { .n = 3, .row = trow_get, .ctx = (void *)rows };
	json_t *j = json_pack("[{s:s,s:i},{s:s,s:i},{s:n,s:i}]", "name", "a", "bytes", 1536,
			      "name", "longer-name", "bytes", 5, "name", "bytes", 0);
	char *a = NULL, *b = NULL;
	size_t la = 0, lb = 0;
	FILE *f;

	f = open_memstream(&a, &la);
	ASSERT_OK(table_print(f, tcols, 3, &src, false, false), "typed table");
	fclose(f);
	f = open_memstream(&b, &lb);
	out_table_fp(f, jcols, 3, j, false, false);
	fclose(f);
	ASSERT_STREQ(a, "Name           Bytes  Note\n"
			"a            1.5 KiB  a\n"
			"longer-name      5 B  longer-name\n"
			"-                0 B  -\n",
		     "typed rows");
	ASSERT_STREQ(a, b, "the same printer for both kinds of row");
	free(a);
	free(b);
	json_decref(j);
}

/* Rows made from their index, and how often the printer asked for each. */
struct many {
	struct trow row;
	char name[32];
	unsigned int *asked;
};

static const void *many_get(void *ctx, size_t i)
{
	struct many *m = ctx;

	m->asked[i]++;
	snprintf(m->name, sizeof(m->name), "row-%zu", i);
	m->row.name = m->name;
	m->row.bytes = (__u64)i * 7;
	return &m->row;
}

static void test_large_table_aligns_past_the_kept_cells(void)
{
	static const struct tcol tcols[] = { { "Name", false, c_name, NULL },
					     { "Bytes", true, c_bytes, NULL } };
	const size_t n = 200000; /* about 4 MB of cells: more than the printer keeps */
	struct many m = { .asked = calloc(n, sizeof(unsigned int)) };
	struct trows src = { .n = n, .row = many_get, .ctx = &m };
	char *text = NULL, *line, want[64];
	size_t len = 0, i, bad = 0, once = 0;
	FILE *f = open_memstream(&text, &len);

	ASSERT_TRUE(f && m.asked, "memstream");
	if (!f || !m.asked)
		return;
	ASSERT_OK(table_print(f, tcols, 2, &src, true, false), "table of 200k rows");
	fclose(f);
	/* "row-199999" is the widest name, "1399993" the widest number: every line as wide. */
	line = text;
	ASSERT_TRUE(!strncmp(line, "Name          Bytes\n", 20), "header padded to the last row");
	line = strchr(line, '\n') + 1;
	for (i = 0; i < n && line; i++) {
		snprintf(want, sizeof(want), "row-%-6zu  %7llu\n", i, (unsigned long long)i * 7);
		if (strncmp(line, want, strlen(want)))
			bad++;
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	for (i = 0; i < n; i++)
		once += m.asked[i] == 1;
	ASSERT_EQ(bad, 0, "every row as a small table prints it");
	ASSERT_TRUE(line && !*line, "nothing after the last row");
	ASSERT_TRUE(once > 10000 && once < n, "the first rows made once, the rest twice");
	free(text);
	free(m.asked);
}

int main(void)
{
	RUN_TEST(test_fmt_bytes_units);
	RUN_TEST(test_fmt_rate_is_bits_per_second);
	RUN_TEST(test_comm_text_escapes_odd_bytes);
	RUN_TEST(test_proto_name_known_and_numbers);
	RUN_TEST(test_fmt_addr_both_families);
	RUN_TEST(test_table_aligns_columns);
	RUN_TEST(test_table_with_no_rows_prints_the_header);
	RUN_TEST(test_json_of_odd_names_is_ascii_and_valid);
	RUN_TEST(test_prom_label_escaping);
	RUN_TEST(test_prom_text_format);
	RUN_TEST(test_json_escape_every_byte);
	RUN_TEST(test_json_escape_every_pair_and_sequence);
	RUN_TEST(test_utf8_text_makes_any_name_acceptable_to_jansson);
	RUN_TEST(test_jw_writes_what_jansson_writes);
	RUN_TEST(test_jw_unix_time_is_exact);
	RUN_TEST(test_fmt_bytes_matches_printf);
	RUN_TEST(test_typed_table_matches_json_table);
	RUN_TEST(test_large_table_aligns_past_the_kept_cells);
	return test_failures ? 1 : 0;
}
