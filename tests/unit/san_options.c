// SPDX-License-Identifier: GPL-2.0
/* san_options.c — linked into the sanitizer builds: a sanitizer report must fail the run loudly. */

/*
 * tests/run.sh reads exit 1 as "a test said FAIL" and counts its FAIL lines; a sanitizer
 * that aborts prints none, so it exits 66 instead, which the runner counts as a failure.
 */
const char *__asan_default_options(void);
const char *__ubsan_default_options(void);

const char *__asan_default_options(void)
{
	return "exitcode=66:detect_leaks=1";
}

const char *__ubsan_default_options(void)
{
	return "exitcode=66:halt_on_error=1:print_stacktrace=1";
}
