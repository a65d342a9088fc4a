// SPDX-License-Identifier: GPL-2.0
/* test_policy.c — parsing marking rules: every selector, every action, and what is refused. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "policy.h"
#include "test.h"

static int parse(const char *line, struct policy_rule *r, const char **cg, char *err, size_t errlen)
{
	static char buf[512];
	char *argv[32], *tok;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (tok = strtok(buf, " "); tok && argc < 32; tok = strtok(NULL, " "))
		argv[argc++] = tok;
	return policy_parse(argc, argv, r, cg, err, errlen);
}

static void test_comm_with_mark_and_mask(void)
{
	struct policy_rule r;
	const char *cg;
	char err[256];

	if (!ASSERT_OK(parse("comm curl mark 0x10/0xff", &r, &cg, err, sizeof(err)), "parse"))
		return;
	ASSERT_EQ(r.selector, FO_SEL_COMM, "selector");
	ASSERT_STREQ(r.comm, "curl", "comm");
	ASSERT_EQ(r.actions, FO_ACT_MARK, "actions");
	ASSERT_EQ(r.mark, 0x10, "mark");
	ASSERT_EQ(r.mark_mask, 0xff, "mask");
	ASSERT_TRUE(cg == NULL, "no cgroup path");
}

static void test_mark_without_mask_owns_all_bits(void)
{
	struct policy_rule r;
	const char *cg;
	char err[256];

	ASSERT_OK(parse("pid 42 mark 7", &r, &cg, err, sizeof(err)), "parse");
	ASSERT_EQ(r.selector, FO_SEL_PID, "selector");
	ASSERT_EQ(r.value, 42, "pid");
	ASSERT_EQ(r.mark_mask, 0xffffffffu, "mask");
}

static void test_priority_is_tc_hex_notation(void)
{
	struct policy_rule r;
	const char *cg;
	char err[256], text[64];

	ASSERT_OK(parse("uid 1000 priority 1:10 mark 3", &r, &cg, err, sizeof(err)), "parse");
	ASSERT_EQ(r.priority, 0x00010010, "1:10 is 0x10010");
	ASSERT_EQ(r.actions, FO_ACT_MARK | FO_ACT_PRIORITY, "both actions");
	policy_actions_text(&r, text, sizeof(text));
	ASSERT_STREQ(text, "mark 0x3 priority 1:10", "text");
}

static void test_cgroup_path_left_for_the_caller(void)
{
	struct policy_rule r;
	const char *cg;
	char err[256];

	ASSERT_OK(parse("cgroup /system.slice/x.service drop", &r, &cg, err, sizeof(err)), "parse");
	ASSERT_EQ(r.selector, FO_SEL_CGROUP, "selector");
	ASSERT_STREQ(cg, "/system.slice/x.service", "path");
	ASSERT_EQ(r.actions, FO_ACT_DROP, "drop");
}

static void test_bad_rules_refused_with_the_word_named(void)
{
	static const struct {
		const char *line, *says;
	} bad[] = {
		{ "program curl drop", "program: unknown selector" },
		{ "comm curl", "an action is needed" },
		{ "comm", "a selector and its value" },
		{ "comm abcdefghijklmnop drop", "1 to 15 characters" },
		{ "pid 0 drop", "pid 0: not a process id" },
		{ "pid -3 drop", "not a process id" },
		{ "pid 12x drop", "not a process id" },
		{ "uid 4294967295 drop", "not a user id" },
		{ "comm x mark 0x100000000", "out of range" },
		{ "comm x mark 5/4", "outside the mask" },
		{ "comm x mark 1/0", "mask out of range" },
		{ "comm x mark", "needs VALUE" },
		{ "comm x priority 1-10", "not MAJ:MIN" },
		{ "comm x priority 10000:1", "not MAJ:MIN" },
		{ "comm x priority 1:", "not MAJ:MIN" },
		{ "comm x mark 1 mark 2", "given twice" },
		{ "comm x drop mark 1", "neither marked" },
		{ "comm x shape 10mbit", "shape: unknown action" },
		{ "comm x rate 10furlongs", "rate 10furlongs: not a rate" },
		{ "comm x rate", "rate : not a rate" },
		{ "comm x rate 0mbit", "rate 0mbit: not a rate" },
		{ "comm x rate -5mbit", "rate -5mbit: not a rate" },
		{ "comm x rate 999bit", "rate 999bit: not a rate" },
		{ "comm x rate 1mbit rate 2mbit", "rate: given twice" },
		{ "comm x quota 5XB", "quota 5XB: not a size" },
		{ "comm x quota 0", "quota 0: not a size" },
		{ "comm x quota 1MiB quota 2MiB", "quota: given twice" },
		{ "comm x burst 1M mark 1", "burst: only with a rate" },
		{ "comm x drop rate 1mbit", "neither marked, prioritised nor shaped" },
	};
	struct policy_rule r;
	const char *cg;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ASSERT_EQ(parse(bad[i].line, &r, &cg, err, sizeof(err)), -22, bad[i].line);
		ASSERT_TRUE(strstr(err, bad[i].says) != NULL, bad[i].line);
	}
}

static void test_rate_and_quota_combine_with_marks(void)
{
	struct policy_rule r;
	const char *cg;
	char err[256], text[128];

	if (!ASSERT_OK(parse("comm backup mark 0x10 rate 5mbit quota 1GiB", &r, &cg, err, sizeof(err)), "parse"))
		return;
	ASSERT_EQ(r.actions, FO_ACT_MARK | FO_ACT_RATE | FO_ACT_QUOTA, "three actions");
	ASSERT_EQ(r.rate, 5000000, "5mbit in bit/s");
	ASSERT_EQ(r.quota, 1ULL << 30, "1GiB");
	ASSERT_EQ(r.burst, policy_default_burst(r.rate), "default burst");
	ASSERT_TRUE(r.burst >= 64 * 1024, "a burst at least a GSO packet");
	policy_actions_text(&r, text, sizeof(text));
	ASSERT_TRUE(!strcmp(text, "mark 0x10 rate 5mbit quota 1GiB"), "listed as given");
	ASSERT_OK(parse("pid 7 rate 1.5gbit burst 2MiB", &r, &cg, err, sizeof(err)), "fraction, burst");
	ASSERT_EQ(r.rate, 1500000000, "1.5gbit");
	ASSERT_EQ(r.burst, 2 << 20, "2MiB");
	policy_actions_text(&r, text, sizeof(text));
	ASSERT_TRUE(!strcmp(text, "rate 1500mbit burst 2MiB"), "an explicit burst is listed");
}

static void test_units_are_tc_rates_and_si_or_binary_sizes(void)
{
	static const struct {
		const char *s;
		__u64 v;
	} rates[] = { { "1000", 1000 }, { "20mbit", 20000000 }, { "20Mbit", 20000000 },
		      { "100kbps", 800000 }, { "1gbit", 1000000000 }, { "2tbit", 2000000000000ULL } },
	  sizes[] = { { "1500", 1500 }, { "64k", 64000 }, { "1KiB", 1024 }, { "1.5M", 1500000 },
		      { "50GiB", 50ULL << 30 }, { "2G", 2000000000 }, { "1MiB", 1 << 20 } };
	char text[32];
	__u64 v;
	size_t i;

	for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		ASSERT_OK(policy_parse_rate(rates[i].s, &v), rates[i].s);
		ASSERT_EQ(v, rates[i].v, rates[i].s);
	}
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		ASSERT_OK(policy_parse_size(sizes[i].s, &v), sizes[i].s);
		ASSERT_EQ(v, sizes[i].v, sizes[i].s);
	}
	ASSERT_EQ(policy_parse_size("1.5.5M", &v), -22, "two points");
	ASSERT_EQ(policy_parse_rate("20 mbit", &v), -22, "a space");
	policy_rate_text(20000000, text, sizeof(text));
	ASSERT_TRUE(!strcmp(text, "20mbit"), "20mbit");
	policy_rate_text(1234, text, sizeof(text));
	ASSERT_TRUE(!strcmp(text, "1234bit"), "1234bit");
	ASSERT_EQ(policy_parse_rate("999", &v), -22, "under 1 kbit");
	policy_size_text(50ULL << 30, text, sizeof(text));
	ASSERT_TRUE(!strcmp(text, "50GiB"), "50GiB");
	policy_size_text(1500000, text, sizeof(text));
	ASSERT_TRUE(!strcmp(text, "1500k"), "1500k");
	policy_size_text(1001, text, sizeof(text));
	ASSERT_TRUE(!strcmp(text, "1001"), "1001");
}

static void test_exe_is_the_file_behind_the_path(void)
{
	struct policy_rule r;
	const char *cg;
	char err[256], real[PATH_MAX];
	struct stat st;

	if (!ASSERT_OK(parse("exe /bin/sh drop", &r, &cg, err, sizeof(err)), "parse"))
		return;
	ASSERT_EQ(r.selector, FO_SEL_EXE, "selector");
	ASSERT_TRUE(!strcmp(r.path, "/bin/sh"), "path as given, until resolved");
	if (!ASSERT_OK(policy_exe_resolve(&r, err, sizeof(err)), "resolve /bin/sh"))
		return;
	/* /bin/sh is a symlink on Debian: the rule names the file exec runs. */
	ASSERT_TRUE(realpath("/bin/sh", real) && !strcmp(r.path, real), "canonical path");
	ASSERT_OK(stat(real, &st), "stat");
	ASSERT_EQ(r.value, st.st_ino, "inode");
	ASSERT_EQ(r.dev, major(st.st_dev) << 20 | minor(st.st_dev), "kernel dev_t");
	parse("exe /etc/passwd drop", &r, &cg, err, sizeof(err));
	ASSERT_EQ(policy_exe_resolve(&r, err, sizeof(err)), -22, "a data file");
	ASSERT_TRUE(strstr(err, "exe /etc/passwd: not an executable regular file") != NULL, "message names the word");
	parse("exe /etc drop", &r, &cg, err, sizeof(err));
	ASSERT_EQ(policy_exe_resolve(&r, err, sizeof(err)), -22, "a directory");
}

static void test_same_selector_detects_duplicates(void)
{
	struct policy_rule a, b;
	const char *cg;
	char err[256];

	parse("comm curl drop", &a, &cg, err, sizeof(err));
	parse("comm curl mark 1", &b, &cg, err, sizeof(err));
	ASSERT_TRUE(policy_same_selector(&a, &b), "same comm");
	parse("comm wget mark 1", &b, &cg, err, sizeof(err));
	ASSERT_TRUE(!policy_same_selector(&a, &b), "other comm");
	parse("pid 5 drop", &a, &cg, err, sizeof(err));
	parse("uid 5 drop", &b, &cg, err, sizeof(err));
	ASSERT_TRUE(!policy_same_selector(&a, &b), "pid 5 is not uid 5");
}

static void test_unit_and_container_selectors_leave_the_name(void)
{
	struct policy_rule r;
	const char *cg;
	char err[256];

	if (ASSERT_OK(parse("unit nginx.service mark 0x1", &r, &cg, err, sizeof(err)), "unit")) {
		ASSERT_EQ(r.selector, FO_SEL_UNIT, "unit selector");
		ASSERT_STREQ(cg, "nginx.service", "unit name left to resolve");
	}
	if (ASSERT_OK(parse("container 0123456789ab drop", &r, &cg, err, sizeof(err)), "container")) {
		ASSERT_EQ(r.selector, FO_SEL_CONTAINER, "container selector");
		ASSERT_STREQ(cg, "0123456789ab", "container id left to resolve");
	}
	ASSERT_TRUE(parse("unit nginx drop", &r, &cg, err, sizeof(err)) && strstr(err, "unit nginx:"),
		    "a unit needs its type suffix");
	ASSERT_TRUE(parse("unit a/b.service drop", &r, &cg, err, sizeof(err)), "a unit is no path");
	ASSERT_TRUE(parse("container 0123456789a drop", &r, &cg, err, sizeof(err)) &&
		    strstr(err, "container 0123456789a:"), "11 digits");
	ASSERT_TRUE(parse("container 0123456789AB drop", &r, &cg, err, sizeof(err)), "upper case");
}

static void test_rule_file_words_round_trip(void)
{
	static const char *const words[] = { "plain", "a b", "it's", "x\"y", "back\\slash",
					     "#hash", "tab\there", "\x01ctl", "" };
	char line[512], quoted[128], *argv[8], err[128];
	size_t i;
	int n;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		policy_quote(words[i], strlen(words[i]), quoted, sizeof(quoted));
		snprintf(line, sizeof(line), "mark add comm %s drop # trailing comment", quoted);
		n = policy_split(line, argv, 8, err, sizeof(err));
		if (!ASSERT_EQ(n, 5, words[i]))
			continue;
		ASSERT_STREQ(argv[3], words[i], "the word back");
		ASSERT_STREQ(argv[4], "drop", "the next word");
	}
	snprintf(line, sizeof(line), "   # only a comment");
	ASSERT_EQ(policy_split(line, argv, 8, err, sizeof(err)), 0, "comment line");
	snprintf(line, sizeof(line), "mark add comm 'open drop");
	ASSERT_TRUE(policy_split(line, argv, 8, err, sizeof(err)) < 0 && strstr(err, "unterminated"),
		    "unterminated quote refused");
	snprintf(line, sizeof(line), "a b c d e f g h i");
	ASSERT_TRUE(policy_split(line, argv, 8, err, sizeof(err)) < 0, "too many words");
}

int main(void)
{
	RUN_TEST(test_comm_with_mark_and_mask);
	RUN_TEST(test_mark_without_mask_owns_all_bits);
	RUN_TEST(test_priority_is_tc_hex_notation);
	RUN_TEST(test_cgroup_path_left_for_the_caller);
	RUN_TEST(test_bad_rules_refused_with_the_word_named);
	RUN_TEST(test_rate_and_quota_combine_with_marks);
	RUN_TEST(test_units_are_tc_rates_and_si_or_binary_sizes);
	RUN_TEST(test_exe_is_the_file_behind_the_path);
	RUN_TEST(test_same_selector_detects_duplicates);
	RUN_TEST(test_unit_and_container_selectors_leave_the_name);
	RUN_TEST(test_rule_file_words_round_trip);
	return test_failures != 0;
}
