// SPDX-License-Identifier: GPL-2.0
/* prog_run.c — classifier cost per packet: BPF_PROG_TEST_RUN of the pinned tc programs vs an empty one. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <sys/socket.h>
#include "testrun.h"

/*
 * Usage: prog_run PIN_DIR LOCAL4 REMOTE4 LOCAL6 REMOTE6 REPEAT ROUNDS BATCH
 *
 * Run inside the namespace whose addresses LOCAL4/LOCAL6 are (nsenter --net, so the pins
 * stay visible): the ingress program's socket lookup then finds the sockets this program
 * opens on LOCAL:PORT, as it would for real traffic.
 *
 * Prints one TSV line per measurement: round prog pkt case ns
 *   case "known":    REPEAT runs of one packet whose flow exists (kernel-timed average)
 *   case "r1_known": median of BATCH single runs (repeat=1) of that same packet
 *   case "r1_new":   median of BATCH single runs, each with a remote port never seen before
 * A single run's time includes the test-run timer's own overhead, which a 1M-repeat average
 * hides; new-flow cost is therefore reported as known + (r1_new - r1_known) by the report.
 */

#define PORT 9000

static const char *pkt_name[PKT_MAX] = { "tcp4", "udp4", "udp6" };

/* The floor: `return TC_ACT_OK`, loaded as a tc classifier in this run. */
static int empty_load(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "fo_bench_empty", "GPL", insns, 2, NULL);
}

/*
 * Building blocks of the known-flow path, each alone in an otherwise empty classifier, so
 * the report can say where the time goes: the clock read every packet makes, the flow-table
 * lookup (an LRU hash shaped like fo_flows: its key and value sizes, hit), and that lookup
 * plus the two atomic counter adds a known flow costs.
 */
enum probe { PROBE_KTIME_BOOT, PROBE_KTIME_COARSE, PROBE_LOOKUP, PROBE_LOOKUP_ATOMIC2, PROBE_MAX };
static const char *probe_name[PROBE_MAX] = { "ktime_get_boot_ns", "ktime_get_coarse_ns",
					     "lru_lookup_56B", "lru_lookup_56B+2_atomics" };

#define INSN(c, d, s_, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s_), \
						 .off = (o), .imm = (i) })

static int probe_load(enum probe which, int map_fd)
{
	struct bpf_insn insns[32];
	int n = 0, i;

	switch (which) {
	case PROBE_KTIME_BOOT:
	case PROBE_KTIME_COARSE:
		insns[n++] = INSN(BPF_JMP | BPF_CALL, 0, 0, 0,
				  which == PROBE_KTIME_BOOT ? BPF_FUNC_ktime_get_boot_ns
							    : BPF_FUNC_ktime_get_coarse_ns);
		break;
	case PROBE_LOOKUP:
	case PROBE_LOOKUP_ATOMIC2:
		/* an all-zero key on the stack, as the classifier builds one */
		insns[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_1, 0, 0, 0);
		for (i = 1; i <= 7; i++)
			insns[n++] = INSN(BPF_STX | BPF_DW | BPF_MEM, BPF_REG_10, BPF_REG_1, -8 * i, 0);
		insns[n++] = INSN(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, map_fd);
		insns[n++] = INSN(0, 0, 0, 0, 0);
		insns[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0);
		insns[n++] = INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -56);
		insns[n++] = INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
		if (which == PROBE_LOOKUP_ATOMIC2) {
			insns[n++] = INSN(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 3, 0);
			insns[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_1, 0, 0, 1);
			insns[n++] = INSN(BPF_STX | BPF_DW | BPF_ATOMIC, BPF_REG_0, BPF_REG_1, 56, BPF_ADD);
			insns[n++] = INSN(BPF_STX | BPF_DW | BPF_ATOMIC, BPF_REG_0, BPF_REG_1, 64, BPF_ADD);
		}
		break;
	default:
		return -EINVAL;
	}
	insns[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
	insns[n++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "fo_bench_probe", "GPL", insns, n, NULL);
}

/* A private map shaped like fo_flows, holding the all-zero key the probes look up. */
static int probe_map_create(void)
{
	unsigned char key[sizeof(struct flow_key)] = {}, val[sizeof(struct flow_value)] = {};
	int fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "fo_bench_flows", sizeof(key), sizeof(val),
				65536, NULL);

	if (fd < 0)
		return -errno;
	if (bpf_map_update_elem(fd, key, val, BPF_ANY)) {
		close(fd);
		return -errno;
	}
	return fd;
}

/* Sockets on LOCAL:PORT so the ingress lookup finds an owner, as for real traffic. */
static int sockets_open(const struct addrs *a, int fds[3])
{
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(PORT), .sin_addr = a->l4 };
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(PORT),
				   .sin6_addr = a->l6 };

	fds[0] = socket(AF_INET, SOCK_STREAM, 0);
	fds[1] = socket(AF_INET, SOCK_DGRAM, 0);
	fds[2] = socket(AF_INET6, SOCK_DGRAM, 0);
	if (fds[0] < 0 || fds[1] < 0 || fds[2] < 0)
		return -errno;
	if (bind(fds[0], (void *)&s4, sizeof(s4)) || listen(fds[0], 16) ||
	    bind(fds[1], (void *)&s4, sizeof(s4)) || bind(fds[2], (void *)&s6, sizeof(s6)))
		return -errno;
	return 0;
}

static int ev_drop(void *ctx, void *data, size_t len)
{
	return 0;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

static long median(long *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_long);
	return v[n / 2];
}

int main(int argc, char **argv)
{
	static const char *prog_names[] = { "empty", "fo_tc_egress", "fo_tc_ingress" };
	int prog_fd[3] = { -1, -1, -1 }, sock_fd[3] = { -1, -1, -1 };
	int probe_fd[PROBE_MAX] = { -1, -1, -1, -1 }, probe_map = -1;
	int flows_fd = -1, events_fd = -1, err = 0, repeat, rounds, batch, r, p, k, i;
	struct ring_buffer *rb = NULL;
	unsigned char pkt[PKT_LEN];
	__u16 next_port = 10000;
	struct addrs a;
	char path[512];
	long *t = NULL, ns;

	if (argc != 9 || inet_pton(AF_INET, argv[2], &a.l4) != 1 ||
	    inet_pton(AF_INET, argv[3], &a.r4) != 1 || inet_pton(AF_INET6, argv[4], &a.l6) != 1 ||
	    inet_pton(AF_INET6, argv[5], &a.r6) != 1) {
		fprintf(stderr, "usage: prog_run PIN_DIR LOCAL4 REMOTE4 LOCAL6 REMOTE6 REPEAT ROUNDS BATCH\n");
		return 2;
	}
	repeat = atoi(argv[6]);
	rounds = atoi(argv[7]);
	batch = atoi(argv[8]);
	if (repeat < 1 || rounds < 1 || batch < 1) {
		fprintf(stderr, "prog_run: REPEAT, ROUNDS and BATCH must be positive\n");
		return 2;
	}
	t = calloc(batch, sizeof(*t));
	if (!t) {
		err = -ENOMEM;
		goto out;
	}
	prog_fd[0] = empty_load();
	if (prog_fd[0] < 0) {
		err = -errno;
		fprintf(stderr, "prog_run: empty program: %s\n", strerror(errno));
		goto out;
	}
	for (p = 1; p < 3; p++) {
		snprintf(path, sizeof(path), "%s/%s", argv[1], prog_names[p]);
		prog_fd[p] = bpf_obj_get(path);
		if (prog_fd[p] < 0) {
			err = -errno;
			fprintf(stderr, "prog_run: %s: %s\n", path, strerror(errno));
			goto out;
		}
	}
	snprintf(path, sizeof(path), "%s/fo_flows", argv[1]);
	flows_fd = bpf_obj_get(path);
	snprintf(path, sizeof(path), "%s/fo_events", argv[1]);
	events_fd = bpf_obj_get(path);
	if (flows_fd < 0 || events_fd < 0) {
		err = -errno;
		fprintf(stderr, "prog_run: %s/fo_flows, fo_events: %s\n", argv[1], strerror(errno));
		goto out;
	}
	/* New flows emit FLOW_START; draining keeps the ring from filling, so every batch
	 * measures a successful reserve as a user running `watch` would see. */
	rb = ring_buffer__new(events_fd, ev_drop, NULL, NULL);
	if (!rb) {
		err = -errno;
		fprintf(stderr, "prog_run: fo_events: %s\n", strerror(errno));
		goto out;
	}
	probe_map = probe_map_create();
	for (i = 0; i < PROBE_MAX && probe_map >= 0; i++) {
		probe_fd[i] = probe_load(i, probe_map);
		if (probe_fd[i] < 0) /* a helper this kernel lacks: that row is left out */
			fprintf(stderr, "prog_run: probe %s: %s\n", probe_name[i], strerror(errno));
	}
	err = sockets_open(&a, sock_fd);
	if (err) {
		fprintf(stderr, "prog_run: sockets on port %d: %s\n", PORT, strerror(-err));
		goto out;
	}

	printf("round\tprog\tpkt\tcase\tns\n");
	/* A/B alternation: every round measures the floor and both programs back to back. */
	for (r = 0; r < rounds; r++) {
		for (k = 0; k < PKT_MAX; k++) {
			for (p = 0; p < 3; p++) {
				int egress = p == 1;

				flows_clear(flows_fd);
				ring_buffer__consume(rb);
				pkt_build(pkt, k, &a, egress, PORT, 5555);
				ns = run(prog_fd[p], pkt, 1); /* the flow now exists */
				if (ns >= 0)
					ns = run(prog_fd[p], pkt, repeat);
				if (ns < 0) {
					err = ns;
					fprintf(stderr, "prog_run: %s on %s: %s\n", prog_names[p],
						pkt_name[k], strerror(-err));
					goto out;
				}
				printf("%d\t%s\t%s\tknown\t%ld\n", r, prog_names[p], pkt_name[k], ns);
				for (i = 0; i < batch; i++)
					t[i] = run(prog_fd[p], pkt, 1);
				printf("%d\t%s\t%s\tr1_known\t%ld\n", r, prog_names[p], pkt_name[k],
				       median(t, batch));
				for (i = 0; i < batch; i++) {
					if (++next_port < 10000)
						next_port = 10000;
					pkt_build(pkt, k, &a, egress, PORT, next_port);
					t[i] = run(prog_fd[p], pkt, 1);
				}
				ring_buffer__consume(rb);
				printf("%d\t%s\t%s\tr1_new\t%ld\n", r, prog_names[p], pkt_name[k],
				       median(t, batch));
				fflush(stdout);
			}
		}
		pkt_build(pkt, PKT_UDP4, &a, 1, PORT, 5555);
		for (i = 0; i < PROBE_MAX; i++) {
			if (probe_fd[i] < 0)
				continue;
			ns = run(probe_fd[i], pkt, repeat);
			if (ns >= 0)
				printf("%d\t%s\tudp4\tprobe\t%ld\n", r, probe_name[i], ns);
		}
		ns = run(prog_fd[0], pkt, repeat);
		if (ns >= 0)
			printf("%d\tempty\tudp4\tprobe\t%ld\n", r, ns);
		fflush(stdout);
	}
out:
	ring_buffer__free(rb);
	for (i = 0; i < 3; i++) {
		if (prog_fd[i] >= 0)
			close(prog_fd[i]);
		if (sock_fd[i] >= 0)
			close(sock_fd[i]);
	}
	for (i = 0; i < PROBE_MAX; i++)
		if (probe_fd[i] >= 0)
			close(probe_fd[i]);
	if (probe_map >= 0)
		close(probe_map);
	if (flows_fd >= 0)
		close(flows_fd);
	if (events_fd >= 0)
		close(events_fd);
	free(t);
	return err ? 1 : 0;
}
