// SPDX-License-Identifier: GPL-2.0
/* probe.c — does this kernel have what flowowner needs? Asked before the first load. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "probe.h"
#include "classifier.skel.h"
#include "tracing.skel.h"
#include "xdp.skel.h"

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"

/* What is missing, as one growing list. */
struct missing {
	char *buf;
	size_t len;
	size_t used;
	int count;
};

static void missing_add(struct missing *m, const char *fmt, const char *name)
{
	int n;

	if (m->used >= m->len)
		return;
	n = snprintf(m->buf + m->used, m->len - m->used, "%s", m->count ? ", " : "");
	if (n > 0)
		m->used += n;
	if (m->used < m->len) {
		n = snprintf(m->buf + m->used, m->len - m->used, fmt, name);
		if (n > 0)
			m->used += n;
	}
	if (m->used > m->len)
		m->used = m->len;
	m->count++;
}

typedef const void *(*elf_bytes_fn)(size_t *sz);

/*
 * The kfuncs an object calls, from its own BTF: libbpf replaces them in the opened object,
 * so the ELF is parsed as built (through a memfd, as btf__parse_elf wants a path).
 */
static struct btf *object_btf(elf_bytes_fn bytes)
{
	char path[64];
	const void *data;
	size_t sz;
	struct btf *btf = NULL;
	int fd;

	data = bytes(&sz);
	fd = memfd_create("fo-probe", MFD_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (write(fd, data, sz) == (ssize_t)sz) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		btf = btf__parse_elf(path, NULL);
		if (libbpf_get_error(btf))
			btf = NULL;
	}
	close(fd);
	return btf;
}

static void check_kfuncs(const struct btf *vmlinux, elf_bytes_fn bytes, struct missing *m,
			 const char **seen, int *nseen, int maxseen)
{
	struct btf *obj = object_btf(bytes);
	__u32 id, n;
	int i;

	if (!obj)
		return;
	n = btf__type_cnt(obj);
	for (id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(obj, id);
		const char *name;
		bool dup = false;

		/* an extern function in a BPF object is a kfunc (linkage lives in vlen) */
		if (!btf_is_func(t) || btf_vlen(t) != BTF_FUNC_EXTERN)
			continue;
		name = btf__name_by_offset(obj, t->name_off);
		if (!name || btf__find_by_name_kind(vmlinux, name, BTF_KIND_FUNC) >= 0)
			continue;
		for (i = 0; i < *nseen; i++)
			dup |= !strcmp(seen[i], name);
		if (dup)
			continue;
		if (*nseen < maxseen)
			seen[(*nseen)++] = strdup(name);
		missing_add(m, "kfunc %s", name);
	}
	btf__free(obj);
}

const struct fo_optional_hook fo_optional_hooks[] = {
	/* TCP sends claimed before tcp_push: without it, at sock_send_length, after the send */
	{ "tcp_sendmsg_locked", "fo_tcp_sendmsg" },
};
const size_t fo_optional_hooks_n = sizeof(fo_optional_hooks) / sizeof(fo_optional_hooks[0]);

const struct fo_optional_hook *probe_optional_hook(const char *tp)
{
	size_t i;

	for (i = 0; i < fo_optional_hooks_n; i++)
		if (!strcmp(fo_optional_hooks[i].tracepoint, tp))
			return &fo_optional_hooks[i];
	return NULL;
}

static bool has_tracepoint(const struct btf *vmlinux, const char *tp)
{
	char name[128];

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	return btf__find_by_name_kind(vmlinux, name, BTF_KIND_TYPEDEF) >= 0;
}

int probe_tracepoint(const char *tp)
{
	struct btf *vmlinux = btf__parse(VMLINUX_BTF, NULL);
	int ret;

	if (libbpf_get_error(vmlinux))
		return -ENOENT;
	ret = has_tracepoint(vmlinux, tp);
	btf__free(vmlinux);
	return ret;
}

bool probe_hook_disabled(const char *tp)
{
	const char *list = getenv("FO_DISABLE_HOOKS"), *p;
	size_t n = strlen(tp);

	for (p = list; p && *p; p += strcspn(p, ",")) {
		p += strspn(p, ", ");
		if (!strncmp(p, tp, n) && (p[n] == ',' || p[n] == ' ' || !p[n]))
			return true;
	}
	return false;
}

/* tp_btf/NAME attaches where the kernel has the typedef btf_trace_NAME. An optional hook's
 * absence is no reason to refuse the kernel. */
static void check_tracepoints(const struct btf *vmlinux, struct missing *m)
{
	struct tracing *skel = tracing__open();
	struct bpf_program *prog;

	if (!skel)
		return;
	bpf_object__for_each_program(prog, skel->obj) {
		const char *sec = bpf_program__section_name(prog);

		if (strncmp(sec, "tp_btf/", 7) || probe_optional_hook(sec + 7))
			continue;
		if (!has_tracepoint(vmlinux, sec + 7))
			missing_add(m, "tracepoint %s", sec + 7);
	}
	tracing__destroy(skel);
}

int probe_kernel_config(const char *opt, char *val, size_t len)
{
	char path[300], line[256];
	struct utsname u;
	size_t olen = strlen(opt);
	int err = -ENOENT;
	gzFile f;

	f = gzopen("/proc/config.gz", "r");
	if (!f && !uname(&u)) {
		snprintf(path, sizeof(path), "/boot/config-%s", u.release);
		f = gzopen(path, "r"); /* gzopen reads plain files too */
	}
	if (!f)
		return -ENODATA;
	while (gzgets(f, line, sizeof(line))) {
		if (!strncmp(line, opt, olen) && line[olen] == '=') {
			snprintf(val, len, "%s", line + olen + 1);
			val[strcspn(val, "\n")] = 0;
			err = 0;
			break;
		}
	}
	gzclose(f);
	return err;
}

/* 'y', 'm' or 'n' for CONFIG_OPT in the running kernel's config; 0 when it cannot be read. */
static char kernel_config(const char *opt)
{
	char val[8];
	int err = probe_kernel_config(opt, val, sizeof(val));

	if (err == -ENODATA)
		return 0;
	return err ? 'n' : val[0];
}

/* Whether a module file for MOD is installed for the running kernel; -1 when unknown. */
static int module_installed(const char *mod)
{
	char path[300], line[512], want[64];
	struct utsname u;
	int found = 0;
	FILE *f;

	if (uname(&u))
		return -1;
	snprintf(path, sizeof(path), "/lib/modules/%s/modules.dep", u.release);
	f = fopen(path, "r");
	if (!f)
		return -1;
	snprintf(want, sizeof(want), "/%s.ko", mod);
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, want) != NULL;
	fclose(f);
	return found;
}

/*
 * A tc part is there if the kernel's BTF has its code (built in), its module BTF is
 * loaded, or it can be loaded as a module. Only positive evidence of absence fails.
 */
static bool tc_part_present(const struct btf *vmlinux, const char *func, const char *mod,
			    const char *config)
{
	char path[128];
	char c;
	int inst;

	if (btf__find_by_name_kind(vmlinux, func, BTF_KIND_FUNC) >= 0)
		return true;
	snprintf(path, sizeof(path), "/sys/kernel/btf/%s", mod);
	if (!access(path, F_OK))
		return true;
	c = kernel_config(config);
	if (c == 'y' || c == 'm')
		return true;
	if (c == 'n')
		return false;
	inst = module_installed(mod);
	return inst != 0; /* unknown counts as present */
}

int probe_btf(const struct btf *vmlinux, char *msg, size_t len)
{
	struct missing m = { .buf = msg, .len = len };
	const char *seen[32];
	int nseen = 0, i;

	if (len)
		msg[0] = '\0';
	check_kfuncs(vmlinux, tracing__elf_bytes, &m, seen, &nseen, 32);
	check_kfuncs(vmlinux, classifier__elf_bytes, &m, seen, &nseen, 32);
	check_kfuncs(vmlinux, xdp__elf_bytes, &m, seen, &nseen, 32);
	for (i = 0; i < nseen; i++)
		free((void *)seen[i]);
	check_tracepoints(vmlinux, &m);
	if (!tc_part_present(vmlinux, "cls_bpf_classify", "cls_bpf", "CONFIG_NET_CLS_BPF"))
		missing_add(&m, "%s", "tc classifier cls_bpf (CONFIG_NET_CLS_BPF)");
	if (!tc_part_present(vmlinux, "clsact_init", "sch_ingress", "CONFIG_NET_SCH_INGRESS"))
		missing_add(&m, "%s", "tc qdisc clsact (CONFIG_NET_SCH_INGRESS)");
	return m.count ? -EOPNOTSUPP : 0;
}

/* 1 if the kernel loads a trivial program of TYPE, 0 if it does not know the type, -errno when
 * the question cannot be asked (no privilege): the real load will then say why. */
static int prog_type_loads(enum bpf_prog_type type, enum bpf_attach_type at)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	/* syscall programs must be sleepable */
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = at,
		    .prog_flags = type == BPF_PROG_TYPE_SYSCALL ? BPF_F_SLEEPABLE : 0);
	int fd = bpf_prog_load(type, "fo_probe", "GPL", insns, 2, &opts);

	if (fd >= 0) {
		close(fd);
		return 1;
	}
	return errno == EINVAL ? 0 : -errno;
}

static void check_prog_types(struct missing *m)
{
	static const struct {
		enum bpf_prog_type type;
		enum bpf_attach_type at;
		const char *name;
	} types[] = {
		{ BPF_PROG_TYPE_SCHED_CLS, 0, "program type sched_cls (tc)" },
		{ BPF_PROG_TYPE_XDP, 0, "program type xdp" },
		{ BPF_PROG_TYPE_SYSCALL, 0, "program type syscall" },
		{ BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE, "program type cgroup/sock" },
		{ BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_CONNECT,
		  "program type cgroup/sock_addr" },
	};
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		int r = prog_type_loads(types[i].type, types[i].at);

		if (r < 0)
			return; /* not allowed to ask: the load reports the permission error */
		if (r == 0)
			missing_add(m, "%s", types[i].name);
	}
}

int probe_kernel(char *msg, size_t len)
{
	struct missing m = { .buf = msg, .len = len };
	struct btf *vmlinux;
	char what[400];
	int err;

	if (access(VMLINUX_BTF, R_OK)) {
		snprintf(msg, len, "no BTF at " VMLINUX_BTF " (CONFIG_DEBUG_INFO_BTF): flowowner needs "
			 "Linux " FO_MIN_KERNEL " or later built with BTF");
		return -EOPNOTSUPP;
	}
	vmlinux = btf__parse(VMLINUX_BTF, NULL);
	if (libbpf_get_error(vmlinux)) {
		snprintf(msg, len, VMLINUX_BTF ": cannot be parsed: flowowner needs Linux "
			 FO_MIN_KERNEL " or later built with BTF");
		return -EOPNOTSUPP;
	}
	err = probe_btf(vmlinux, what, sizeof(what));
	btf__free(vmlinux);
	m.buf = what + strlen(what);
	m.len = sizeof(what) - strlen(what);
	m.count = err ? 1 : 0;
	check_prog_types(&m);
	if (!err && !m.count)
		return 0;
	snprintf(msg, len, "missing %s: flowowner needs Linux " FO_MIN_KERNEL " or later", what);
	return -EOPNOTSUPP;
}
