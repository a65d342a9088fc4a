/* SPDX-License-Identifier: GPL-2.0 */
/* test.h — the unit tests' asserts: each prints one PASS/FAIL line the runner counts. */
#ifndef FO_TEST_H
#define FO_TEST_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int test_failures;

static inline bool test_check(bool ok, const char *name, const char *file, int line,
			      const char *what)
{
	if (!ok) {
		fprintf(stderr, "  %s:%d: %s: %s\n", file, line, name, what);
		test_failures++;
	}
	return ok;
}

#define ASSERT_TRUE(c, name) test_check(!!(c), name, __FILE__, __LINE__, #c)
#define ASSERT_OK(err, name) test_check((err) == 0, name, __FILE__, __LINE__, "expected 0: " #err)
#define ASSERT_EQ(a, b, name)                                                               \
	({                                                                                   \
		long long _a = (long long)(a), _b = (long long)(b);                          \
		char _m[160];                                                                \
		snprintf(_m, sizeof(_m), "%s == %s: %lld != %lld", #a, #b, _a, _b);          \
		test_check(_a == _b, name, __FILE__, __LINE__, _m);                         \
	})
#define ASSERT_STREQ(a, b, name)                                                            \
	({                                                                                   \
		const char *_a = (a), *_b = (b);                                             \
		char _m[256];                                                                \
		snprintf(_m, sizeof(_m), "\"%s\" != \"%s\"", _a ? _a : "(null)",              \
			 _b ? _b : "(null)");                                                \
		test_check(_a && _b && !strcmp(_a, _b), name, __FILE__, __LINE__, _m);       \
	})

/* One test is one function; RUN_TEST prints its verdict for tests/run.sh to count. */
#define RUN_TEST(fn)                                                                        \
	do {                                                                                 \
		int _before = test_failures;                                                 \
		fn();                                                                        \
		printf("%s %s\n", test_failures == _before ? "PASS" : "FAIL", #fn);        \
		fflush(stdout);                                                              \
	} while (0)

/* A test that cannot run here (missing kernel feature, not root) says so. */
#define SKIP_TEST(fn, why) printf("SKIP %s (%s)\n", #fn, why)

#endif
