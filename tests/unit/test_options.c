// SPDX-License-Identifier: GPL-2.0
/* test_options.c — a command's option table: values, bounds, choices and every usage error. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "test.h"

/* main.c's fo_usage adds the command's usage line; here the message is kept to be checked. */
static char said[96];

int fo_usage(const char *command, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(said, sizeof(said), fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

static unsigned long long pid;
static const char *comm;
static bool once, pid_seen;
static int sort;
static const char *const sorts[] = { "bytes", "packets", "age", NULL };
static const struct opt opts[] = {
	{ .name = "pid", .kind = OPT_U64, .dest = &pid, .what = "not a process id", .min = 1,
	  .max = 0x7fffffff, .seen = &pid_seen },
	{ .name = "comm", .kind = OPT_STR, .dest = &comm },
	{ .name = "once", .kind = OPT_FLAG, .dest = &once },
	{ .name = "sort", .kind = OPT_CHOICE, .dest = &sort, .what = "bytes, packets or age",
	  .choices = sorts },
	{ .name = NULL },
};

static int parse(const char *line, const char **args, int max_args)
{
	struct cli cli = { .pin_dir = "/nonexistent" };
	struct cmd_opts co = { .opts = opts, .args = args, .max_args = max_args };
	static char copy[256]; /* the arguments point into it after the call */
	char *argv[16], *save = NULL, *w;
	int argc = 0, ret;

	snprintf(copy, sizeof(copy), "%s", line);
	pid = 0, comm = NULL, once = pid_seen = false, sort = 0;
	for (w = strtok_r(copy, " ", &save); w && argc < 15; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	ret = cli_parse(&cli, "flows", &co, argc, argv);
	return ret;
}

static void test_options_fill_their_destinations(void)
{
	ASSERT_EQ(parse("flows --pid 42 --comm curl --once --sort age", NULL, 0), 0, "parses");
	ASSERT_EQ(pid, 42, "--pid");
	ASSERT_TRUE(pid_seen, "--pid seen");
	ASSERT_STREQ(comm, "curl", "--comm");
	ASSERT_TRUE(once, "--once");
	ASSERT_EQ(sort, 2, "--sort age is choice 2");
	ASSERT_EQ(parse("flows --sort=packets", NULL, 0), 0, "--opt=value");
	ASSERT_EQ(sort, 1, "packets");
	ASSERT_TRUE(!pid_seen, "not seen when not given");
}

static void test_options_refuse_with_usage_exit_code(void)
{
	ASSERT_EQ(parse("flows --pid 0", NULL, 0), EXIT_USAGE, "below min");
	ASSERT_STREQ(said, "--pid 0: not a process id", "names the option, value and why");
	ASSERT_EQ(parse("flows --pid 2147483648", NULL, 0), EXIT_USAGE, "above max");
	ASSERT_EQ(parse("flows --pid 12x", NULL, 0), EXIT_USAGE, "not a number");
	ASSERT_EQ(parse("flows --pid -3", NULL, 0), EXIT_USAGE, "negative");
	ASSERT_EQ(parse("flows --sort size", NULL, 0), EXIT_USAGE, "not a choice");
	ASSERT_EQ(parse("flows --bogus", NULL, 0), EXIT_USAGE, "unknown option");
	ASSERT_STREQ(said, "--bogus: unknown option", "unknown option named");
	ASSERT_EQ(parse("flows --comm", NULL, 0), EXIT_USAGE, "missing value");
	ASSERT_STREQ(said, "--comm needs a value", "missing value named");
	ASSERT_EQ(parse("flows extra", NULL, 0), EXIT_USAGE, "unexpected argument");
	ASSERT_STREQ(said, "extra: unexpected argument", "extra argument named");
}

static void test_options_positional_arguments(void)
{
	const char *args[2] = { NULL, NULL };

	ASSERT_EQ(parse("attach veth0 --once", args, 1), 0, "one argument, option after it");
	ASSERT_STREQ(args[0], "veth0", "the argument");
	ASSERT_TRUE(once, "option after the argument");
	ASSERT_EQ(parse("attach a b", args, 1), EXIT_USAGE, "one too many");
}

static void test_needs_loaded_checks_the_pins(void)
{
	struct cli cli = { .pin_dir = "/nonexistent/fo-test-options" };
	struct cmd_opts co = { .opts = opts, .needs_loaded = true };
	char *argv[] = { "flows", NULL };

	ASSERT_EQ(cli_parse(&cli, "flows", &co, 1, argv), EXIT_RUNTIME, "not loaded: runtime error");
	co.needs_loaded = false;
	ASSERT_EQ(cli_parse(&cli, "flows", &co, 1, argv), 0, "no check asked for");
}

static int mode_parse(const char *arg, void *dest)
{
	if (arg && strcmp(arg, "native") && strcmp(arg, "generic"))
		return -1;
	*(int *)dest = !arg ? 0 : !strcmp(arg, "native") ? 1 : 2;
	return 0;
}

static void test_optional_value_and_argument_messages(void)
{
	struct cli cli = { .pin_dir = "/nonexistent" };
	int mode = -1;
	bool given = false;
	const struct opt o[] = {
		{ .name = "xdp", .kind = OPT_FUNC_OPTIONAL, .dest = &mode, .parse = mode_parse,
		  .what = "not an XDP mode", .seen = &given },
		{ .name = NULL },
	};
	const char *dev = NULL;
	struct cmd_opts co = { .opts = o, .args = &dev, .min_args = 1, .max_args = 1,
			       .too_few = "which device?", .too_many = "one device at a time",
			       .check = cli_check_dev };
	char *a1[] = { "attach", "veth0", "--xdp", NULL };
	char *a2[] = { "attach", "--xdp=generic", "veth0", NULL };
	char *a3[] = { "attach", "--xdp=sideways", "veth0", NULL };
	char *a4[] = { "attach", NULL };
	char *a5[] = { "attach", "a", "b", NULL };
	char *a6[] = { "attach", "a-device-name-longer-than-ifnamsiz", NULL };

	ASSERT_EQ(cli_parse(&cli, "attach", &co, 3, a1), 0, "--xdp without a value");
	ASSERT_TRUE(given && mode == 0, "given, default mode");
	ASSERT_STREQ(dev, "veth0", "the device");
	ASSERT_EQ(cli_parse(&cli, "attach", &co, 3, a2), 0, "--xdp=generic");
	ASSERT_EQ(mode, 2, "generic");
	ASSERT_EQ(cli_parse(&cli, "attach", &co, 3, a3), EXIT_USAGE, "a bad mode");
	ASSERT_STREQ(said, "--xdp=sideways: not an XDP mode", "named as given");
	ASSERT_EQ(cli_parse(&cli, "attach", &co, 1, a4), EXIT_USAGE, "no device");
	ASSERT_STREQ(said, "which device?", "the command's own message");
	ASSERT_EQ(cli_parse(&cli, "attach", &co, 3, a5), EXIT_USAGE, "two devices");
	ASSERT_STREQ(said, "one device at a time", "the command's own message");
	ASSERT_EQ(cli_parse(&cli, "attach", &co, 2, a6), EXIT_USAGE, "a name too long");
	ASSERT_STREQ(said, "a-device-name-longer-than-ifnamsiz: not a device name (at most 15 characters)",
		     "the check's message");
}

static void test_no_option_table_takes_every_word(void)
{
	struct cli cli = { .pin_dir = "/nonexistent" };
	const char *words[4] = { NULL };
	int n = 0;
	struct cmd_opts co = { .args = words, .max_args = 4, .nargs = &n };
	char *argv[] = { "add", "comm", "-x", "--drop", NULL };

	ASSERT_EQ(cli_parse(&cli, "mark", &co, 4, argv), 0, "words that look like options");
	ASSERT_EQ(n, 3, "three words");
	ASSERT_STREQ(words[1], "-x", "kept as a word");
	ASSERT_STREQ(words[2], "--drop", "kept as a word");
}

int main(void)
{
	RUN_TEST(test_optional_value_and_argument_messages);
	RUN_TEST(test_no_option_table_takes_every_word);
	RUN_TEST(test_options_fill_their_destinations);
	RUN_TEST(test_options_refuse_with_usage_exit_code);
	RUN_TEST(test_options_positional_arguments);
	RUN_TEST(test_needs_loaded_checks_the_pins);
	return test_failures ? 1 : 0;
}
