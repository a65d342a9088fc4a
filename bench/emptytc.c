// SPDX-License-Identifier: GPL-2.0
/* emptytc.c — the floor for real traffic: pin an empty direct-action classifier for tc to attach. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

/*
 * Usage: emptytc PIN_PATH
 * Loads `return TC_ACT_OK` as a sched_cls program and pins it at PIN_PATH, so that
 * `tc filter add ... bpf object-pinned PIN_PATH da` puts the same program in every place
 * flowowner goes, and bpf_stats time it there. Remove the pin (rm) to free it.
 */
int main(int argc, char **argv)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: emptytc PIN_PATH\n");
		return 2;
	}
	fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "fo_bench_empty", "GPL", insns, 2, NULL);
	if (fd < 0 || bpf_obj_pin(fd, argv[1])) {
		fprintf(stderr, "emptytc: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	close(fd);
	return 0;
}
