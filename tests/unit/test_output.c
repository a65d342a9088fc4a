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
	return test_failures ? 1 : 0;
}
