// SPDX-License-Identifier: GPL-2.0
/* floortc.c — pin the bench's floor classifiers (floor.bpf.o) for tc to attach. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

/*
 * Usage: floortc OBJECT PIN_DIR
 * Loads OBJECT (build/bench/floor.bpf.o) and pins each of its programs as PIN_DIR/<name>, so
 * that `tc filter add ... bpf object-pinned PIN da` puts them where flowowner's go and
 * bpf_stats time them there. Remove PIN_DIR (rm -r) to free them and their maps.
 */
int main(int argc, char **argv)
{
	struct bpf_program *prog;
	struct bpf_object *obj;
	char path[PATH_MAX];
	int err;

	if (argc != 3) {
		fprintf(stderr, "usage: floortc OBJECT PIN_DIR\n");
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	err = libbpf_get_error(obj);
	if (err) {
		fprintf(stderr, "floortc: %s: %s\n", argv[1], strerror(-err));
		return 1;
	}
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "floortc: %s: load failed: %s\n", argv[1], strerror(-err));
		goto out;
	}
	bpf_object__for_each_program(prog, obj) {
		snprintf(path, sizeof(path), "%s/%s", argv[2], bpf_program__name(prog));
		err = bpf_program__pin(prog, path);
		if (err) {
			fprintf(stderr, "floortc: %s: %s\n", path, strerror(-err));
			goto out;
		}
	}
out:
	bpf_object__close(obj);
	return err ? 1 : 0;
}
