// SPDX-License-Identifier: GPL-2.0
/* fuzz_parsers.c — libFuzzer on the user-space parsers: netlink replies, CLI numbers, mark rules. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include "cli.h"
#include "nl.h"
#include "policy.h"
#include "tc.h"
#include "xdp.h"

/*
 * The first byte picks the parser; the rest is its input. Netlink parsers get what the
 * kernel could send them: a message whose nlmsg_len fits the bytes read (libmnl's
 * mnl_cb_run checks exactly that before a callback sees it), with anything inside.
 */
static union {
	char buf[65536];
	struct nlmsghdr align;
} nlbuf;

static void fuzz_netlink(uint8_t which, const uint8_t *data, size_t size)
{
	const struct nlmsghdr *nlh = &nlbuf.align;
	char text[256];

	if (size > sizeof(nlbuf.buf))
		size = sizeof(nlbuf.buf);
	memcpy(nlbuf.buf, data, size);
	/* mnl_nlmsg_ok compares nlmsg_len as an int: a length over 2 GiB would pass it, but no
	 * socket read returns one. The contract is the unsigned one. */
	if (size < sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > size)
		return;
	switch (which) {
	case 0: {
		struct tc_filter_info info;

		tc_filter_parse(nlh, &info);
		break;
	}
	case 1: {
		struct xdp_info info;

		xdp_link_parse(nlh, &info);
		break;
	}
	default:
		nl_parse_error(nlh, text, sizeof(text));
		nl_parse_error(nlh, text, 1); /* the smallest buffer a caller might give */
		break;
	}
}

/* The words of a command line, as main() would pass them: split at spaces and NULs. */
static void fuzz_words(uint8_t which, const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *argv[64], *p;
	int argc = 0;

	if (!s)
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	if (which == 3) {
		unsigned long long v;

		parse_u64(s, 0xffff, &v);
		parse_u64(s, ~0ULL, &v);
	} else {
		struct policy_rule r;
		const char *cg;
		char err[128];

		/* A rule file's line: split as mark restore splits it; each word, quoted as mark
		 * save quotes it, must split back to itself. */
		argc = policy_split(s, argv, 64, err, sizeof(err));
		for (int i = 0; i < argc; i++) {
			char q[1024], *back[2];

			if (strlen(argv[i]) > 100)
				continue;
			policy_quote(argv[i], strlen(argv[i]), q, sizeof(q));
			if (policy_split(q, back, 2, err, sizeof(err)) != 1 || strcmp(back[0], argv[i]))
				abort();
		}
		(void)p;
		if (argc > 0 && !policy_parse(argc, argv, &r, &cg, err, sizeof(err))) {
			char text[128];

			policy_selector_text(&r, text, sizeof(text));
			policy_actions_text(&r, text, sizeof(text));
		}
	}
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t which;

	if (size < 1)
		return 0;
	which = data[0] % 5;
	if (which < 3)
		fuzz_netlink(which, data + 1, size - 1);
	else
		fuzz_words(which, data + 1, size - 1);
	return 0;
}
