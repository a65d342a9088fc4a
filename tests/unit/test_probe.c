// SPDX-License-Identifier: GPL-2.0
/* test_probe.c — the kernel support probe: passes here, and names what a kernel without it lacks. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "probe.h"
#include "test.h"

static void test_this_kernel_has_everything(void)
{
	char msg[512] = "";

	ASSERT_OK(probe_kernel(msg, sizeof(msg)), "probe");
	ASSERT_STREQ(msg, "", "nothing missing");
}

/* A kernel whose BTF has none of it: every kfunc and tracepoint is named, none invented. */
static void test_empty_btf_names_kfuncs_and_tracepoints(void)
{
	struct btf *btf = btf__new_empty();
	char msg[2048] = "";
	int err;

	if (!ASSERT_TRUE(btf != NULL, "btf"))
		return;
	err = probe_btf(btf, msg, sizeof(msg));
	ASSERT_EQ(err, -EOPNOTSUPP, "refused");
	ASSERT_TRUE(strstr(msg, "kfunc bpf_iter_task_new") != NULL, "task iterator named");
	ASSERT_TRUE(strstr(msg, "kfunc bpf_iter_task_next") != NULL, "task iterator next");
	ASSERT_TRUE(strstr(msg, "kfunc bpf_cast_to_kern_ctx") != NULL, "classifier's kfunc");
	ASSERT_TRUE(strstr(msg, "tracepoint sched_process_fork") != NULL, "fork tracepoint");
	ASSERT_TRUE(strstr(msg, "tracepoint sched_process_exit") != NULL, "exit tracepoint");
	/* each kfunc once, though several objects call it */
	ASSERT_TRUE(strstr(strstr(msg, "kfunc bpf_cast_to_kern_ctx") + 1, "kfunc bpf_cast_to_kern_ctx") == NULL,
		    "named once");
	btf__free(btf);
}

/* Every FUNC and every btf_trace_ TYPEDEF of VM, by name, into BTF: bar the one named SKIP. */
static void copy_names(const struct btf *vm, struct btf *btf, const char *skip)
{
	__u32 id, n = btf__type_cnt(vm);

	for (id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(vm, id);
		const char *name = btf__name_by_offset(vm, t->name_off);

		if (!name || !strcmp(name, skip))
			continue;
		if (btf_is_func(t)) {
			int proto = btf__add_func_proto(btf, 0);

			btf__add_func(btf, name, BTF_FUNC_GLOBAL, proto);
		} else if (btf_is_typedef(t) && !strncmp(name, "btf_trace_", 10)) {
			btf__add_typedef(btf, name, 0);
		}
	}
}

/* A kernel with everything but a tracepoint newer than the floor (a 6.7 kernel has no
 * tcp_sendmsg_locked): accepted, the tracing side runs without that hook. */
static void test_kernel_without_an_optional_hook_is_accepted(void)
{
	struct btf *vm = btf__load_vmlinux_btf(), *btf = btf__new_empty();
	char msg[2048] = "";

	if (!ASSERT_TRUE(vm && btf, "btf"))
		goto out;
	copy_names(vm, btf, "btf_trace_tcp_sendmsg_locked");
	ASSERT_EQ(probe_btf(btf, msg, sizeof(msg)), 0, "accepted");
	ASSERT_STREQ(msg, "", "nothing named missing");
out:
	btf__free(btf);
	btf__free(vm);
}

/* The same BTF plus the kfuncs and tracepoints: only what is still absent is named. */
static void test_btf_with_one_kfunc_missing_names_only_it(void)
{
	struct btf *vm = btf__load_vmlinux_btf(), *btf = btf__new_empty();
	char msg[2048] = "";
	int err;

	if (!ASSERT_TRUE(vm && btf, "btf"))
		goto out;
	copy_names(vm, btf, "bpf_iter_task_new");
	err = probe_btf(btf, msg, sizeof(msg));
	ASSERT_EQ(err, -EOPNOTSUPP, "refused");
	ASSERT_STREQ(msg, "kfunc bpf_iter_task_new", "only the one missing");
out:
	btf__free(btf);
	btf__free(vm);
}

int main(void)
{
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		SKIP_TEST(test_probe, "no kernel BTF");
		return 0;
	}
	if (geteuid() == 0)
		RUN_TEST(test_this_kernel_has_everything);
	RUN_TEST(test_empty_btf_names_kfuncs_and_tracepoints);
	RUN_TEST(test_kernel_without_an_optional_hook_is_accepted);
	RUN_TEST(test_btf_with_one_kfunc_missing_names_only_it);
	return test_failures != 0;
}
