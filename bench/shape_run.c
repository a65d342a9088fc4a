// SPDX-License-Identifier: GPL-2.0
/* shape_run.c — per-packet cost of a known flow under a rate rule vs the same flow under a mark rule. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/socket.h>
#include "testrun.h"

/*
 * Usage: shape_run FO_BIN PIN_DIR LOCAL4 REMOTE4 REPEAT ROUNDS
 *
 * Run inside the namespace whose address LOCAL4 is (nsenter --net): fo_tc_ingress's socket
 * lookup finds the UDP socket this program binds, so the flow's owner is this process and a
 * `pid` rule selects it. Each round, in ABBA order, adds one rule with FO_BIN — `mark 0x10` or
 * `rate 10tbit` (never out of tokens here, so every run passes and takes the whole rate path) —
 * creates the flow with one run, checks the verdict it cached, and times REPEAT runs of the
 * same 64-byte packet (the kernel's average). Prints "round case ns" lines (TSV).
 */

#define PORT 9100

/* `FO_BIN --pin-dir PIN mark add pid SELF ACTION`: the new rule's id, or -1. */
static int rule_add(const char *fo, const char *pin, const char *action)
{
	char cmd[1024];
	FILE *p;
	int id = -1;

	snprintf(cmd, sizeof(cmd), "%s --pin-dir %s mark add pid %d %s", fo, pin, (int)getpid(), action);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (fscanf(p, "%d", &id) != 1)
		id = -1;
	pclose(p);
	return id;
}

static void rule_del(const char *fo, const char *pin, int id)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "%s --pin-dir %s mark del %d", fo, pin, id);
	if (system(cmd))
		fprintf(stderr, "shape_run: %s failed\n", cmd);
}

int main(int argc, char **argv)
{
	static const char *const actions[2] = { "mark 0x10", "rate 10tbit" };
	static const char *const names[2] = { "mark", "rate" };
	static const __u8 bits[2] = { FO_ACT_MARK, FO_ACT_RATE };
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	int prog_fd = -1, flows_fd = -1, sock = -1, repeat, rounds, r, k, c, id, err = 1;
	unsigned char pkt[PKT_LEN];
	struct addrs a = {};
	char path[512];
	long ns;

	if (argc != 7 || inet_pton(AF_INET, argv[3], &a.l4) != 1 ||
	    inet_pton(AF_INET, argv[4], &a.r4) != 1) {
		fprintf(stderr, "usage: shape_run FO_BIN PIN_DIR LOCAL4 REMOTE4 REPEAT ROUNDS\n");
		return 2;
	}
	repeat = atoi(argv[5]);
	rounds = atoi(argv[6]);
	if (repeat < 1 || rounds < 1)
		return 2;
	snprintf(path, sizeof(path), "%s/fo_tc_ingress", argv[2]);
	prog_fd = bpf_obj_get(path);
	snprintf(path, sizeof(path), "%s/fo_flows", argv[2]);
	flows_fd = bpf_obj_get(path);
	if (prog_fd < 0 || flows_fd < 0) {
		fprintf(stderr, "shape_run: %s: %s\n", argv[2], strerror(errno));
		goto out;
	}
	sa.sin_addr = a.l4;
	sock = socket(AF_INET, SOCK_DGRAM, 0);
	if (sock < 0 || bind(sock, (void *)&sa, sizeof(sa))) {
		fprintf(stderr, "shape_run: bind %s:%d: %s\n", argv[3], PORT, strerror(errno));
		goto out;
	}
	pkt_build(pkt, PKT_UDP4, &a, 0, PORT, 5555);
	printf("round\tcase\tns\n");
	for (r = 0; r < rounds; r++) {
		for (k = 0; k < 2; k++) {
			struct flow_value fv;
			struct flow_key key = {};

			c = (r % 2) ? 1 - k : k; /* ABBA: a drift in the machine's load cancels out */
			id = rule_add(argv[1], argv[2], actions[c]);
			if (id < 0) {
				fprintf(stderr, "shape_run: mark add %s failed\n", actions[c]);
				goto out;
			}
			flows_clear(flows_fd);
			ns = run(prog_fd, pkt, 1);
			/* The one flow there is now must have cached this rule's verdict. */
			if (ns >= 0 && (bpf_map_get_next_key(flows_fd, NULL, &key) ||
					bpf_map_lookup_elem(flows_fd, &key, &fv) || !(fv.verdict & bits[c])))
				ns = -ENOENT;
			if (ns >= 0)
				ns = run(prog_fd, pkt, repeat);
			rule_del(argv[1], argv[2], id);
			if (ns < 0) {
				fprintf(stderr, "shape_run: %s: %s (is the owner found?)\n", names[c],
					strerror((int)-ns));
				goto out;
			}
			printf("%d\t%s\t%ld\n", r, names[c], ns);
			fflush(stdout);
		}
	}
	err = 0;
out:
	if (sock >= 0)
		close(sock);
	if (prog_fd >= 0)
		close(prog_fd);
	if (flows_fd >= 0)
		close(flows_fd);
	return err;
}
