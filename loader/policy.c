// SPDX-License-Identifier: GPL-2.0
/* policy.c — marking rules: parsing them, and keeping them in the pinned policy map. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <bpf/bpf.h>
#include "pins.h"
#include "policy.h"

static int parse_num(const char *s, unsigned long long max, unsigned long long *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* tc's notation: MAJ:MIN in hex, each at most ffff. */
static int parse_handle(const char *s, __u32 *out)
{
	unsigned long maj, min;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	maj = strtoul(s, &end, 16);
	if (errno || end == s || *end != ':' || maj > 0xffff)
		return -EINVAL;
	s = end + 1;
	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	min = strtoul(s, &end, 16);
	if (errno || *end || min > 0xffff)
		return -EINVAL;
	*out = (__u32)(maj << 16 | min);
	return 0;
}

int policy_parse(int argc, char **argv, struct policy_rule *r, const char **cgroup_path,
		 char *err, size_t errlen)
{
	unsigned long long v;
	int i;

	memset(r, 0, sizeof(*r));
	*cgroup_path = NULL;
	if (argc < 2) {
		snprintf(err, errlen, "a selector and its value are needed (comm NAME, exe PATH, pid N, uid N, cgroup PATH)");
		return -EINVAL;
	}
	if (!strcmp(argv[0], "comm")) {
		r->selector = FO_SEL_COMM;
		if (!*argv[1] || strlen(argv[1]) >= FO_COMM_LEN) {
			snprintf(err, errlen, "comm %s: a process name has 1 to %d characters", argv[1],
				 FO_COMM_LEN - 1);
			return -EINVAL;
		}
		strncpy(r->comm, argv[1], FO_COMM_LEN - 1);
	} else if (!strcmp(argv[0], "pid")) {
		r->selector = FO_SEL_PID;
		if (parse_num(argv[1], 4194304, &v) || !v) {
			snprintf(err, errlen, "pid %s: not a process id", argv[1]);
			return -EINVAL;
		}
		r->value = v;
	} else if (!strcmp(argv[0], "uid")) {
		r->selector = FO_SEL_UID;
		if (parse_num(argv[1], 0xfffffffeULL, &v)) {
			snprintf(err, errlen, "uid %s: not a user id", argv[1]);
			return -EINVAL;
		}
		r->value = v;
	} else if (!strcmp(argv[0], "cgroup")) {
		r->selector = FO_SEL_CGROUP;
		if (!*argv[1]) {
			snprintf(err, errlen, "cgroup: empty path");
			return -EINVAL;
		}
		*cgroup_path = argv[1];
	} else if (!strcmp(argv[0], "exe")) {
		r->selector = FO_SEL_EXE;
		if (!*argv[1] || strlen(argv[1]) >= FO_PATH_LEN) {
			snprintf(err, errlen, "exe %s: a path has 1 to %d characters", argv[1],
				 FO_PATH_LEN - 1);
			return -EINVAL;
		}
		/* The file is found by policy_exe_resolve: parsing touches no system state. */
		snprintf(r->path, sizeof(r->path), "%s", argv[1]);
	} else {
		snprintf(err, errlen, "%s: unknown selector (comm, exe, pid, uid or cgroup)", argv[0]);
		return -EINVAL;
	}

	for (i = 2; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "drop")) {
			r->actions |= FO_ACT_DROP;
		} else if (!strcmp(a, "mark")) {
			char buf[64], *slash;
			unsigned long long mask = 0xffffffffULL;

			if (++i >= argc) {
				snprintf(err, errlen, "mark: needs VALUE[/MASK]");
				return -EINVAL;
			}
			snprintf(buf, sizeof(buf), "%s", argv[i]);
			slash = strchr(buf, '/');
			if (slash) {
				*slash = '\0';
				if (parse_num(slash + 1, 0xffffffffULL, &mask) || !mask) {
					snprintf(err, errlen, "mark %s: mask out of range (1 to 0xffffffff)", argv[i]);
					return -EINVAL;
				}
			}
			if (parse_num(buf, 0xffffffffULL, &v)) {
				snprintf(err, errlen, "mark %s: value out of range (0 to 0xffffffff)", argv[i]);
				return -EINVAL;
			}
			if (v & ~mask) {
				snprintf(err, errlen, "mark %s: value has bits outside the mask", argv[i]);
				return -EINVAL;
			}
			if (r->actions & FO_ACT_MARK) {
				snprintf(err, errlen, "mark: given twice");
				return -EINVAL;
			}
			r->actions |= FO_ACT_MARK;
			r->mark = v;
			r->mark_mask = mask;
		} else if (!strcmp(a, "priority")) {
			if (++i >= argc || parse_handle(argv[i], &r->priority)) {
				snprintf(err, errlen, "priority %s: not MAJ:MIN (hex, as tc writes class ids)",
					 i < argc ? argv[i] : "");
				return -EINVAL;
			}
			if (r->actions & FO_ACT_PRIORITY) {
				snprintf(err, errlen, "priority: given twice");
				return -EINVAL;
			}
			r->actions |= FO_ACT_PRIORITY;
		} else {
			snprintf(err, errlen, "%s: unknown action (mark VALUE[/MASK], priority MAJ:MIN, drop)", a);
			return -EINVAL;
		}
	}
	if (!r->actions) {
		snprintf(err, errlen, "an action is needed (mark VALUE[/MASK], priority MAJ:MIN, drop)");
		return -EINVAL;
	}
	if ((r->actions & FO_ACT_DROP) && r->actions != FO_ACT_DROP) {
		snprintf(err, errlen, "drop: a dropped packet is neither marked nor prioritised");
		return -EINVAL;
	}
	return 0;
}

/*
 * The file an exe rule names, as the kernel will see it at exec: symlinks followed (a
 * program started as /usr/bin/python3 runs /usr/bin/python3.11), then its device and inode.
 * The device is kept in the kernel's own dev_t encoding, which the tracing side reads.
 */
int policy_exe_resolve(struct policy_rule *r, char *err, size_t errlen)
{
	char real[PATH_MAX];
	struct stat st;

	if (!realpath(r->path, real) || stat(real, &st)) {
		snprintf(err, errlen, "exe %s: %s", r->path, strerror(errno));
		return -EINVAL;
	}
	if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111)) {
		snprintf(err, errlen, "exe %s: not an executable regular file", r->path);
		return -EINVAL;
	}
	if (strlen(real) >= sizeof(r->path)) {
		snprintf(err, errlen, "exe %s: resolves to a path of more than %d characters", r->path,
			 FO_PATH_LEN - 1);
		return -EINVAL;
	}
	snprintf(r->path, sizeof(r->path), "%s", real);
	r->value = st.st_ino;
	r->dev = (__u32)(major(st.st_dev) << 20 | minor(st.st_dev));
	return 0;
}

void policy_selector_text(const struct policy_rule *r, char *buf, size_t len)
{
	switch (r->selector) {
	case FO_SEL_EXE:
		snprintf(buf, len, "exe %.*s", FO_PATH_LEN, r->path);
		break;
	case FO_SEL_COMM:
		snprintf(buf, len, "comm %.*s", FO_COMM_LEN, r->comm);
		break;
	case FO_SEL_PID:
		snprintf(buf, len, "pid %llu", (unsigned long long)r->value);
		break;
	case FO_SEL_UID:
		snprintf(buf, len, "uid %llu", (unsigned long long)r->value);
		break;
	case FO_SEL_CGROUP:
		snprintf(buf, len, "cgroup %llu", (unsigned long long)r->value);
		break;
	default:
		snprintf(buf, len, "?");
	}
}

void policy_actions_text(const struct policy_rule *r, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	if (r->actions & FO_ACT_MARK) {
		if (r->mark_mask == 0xffffffff)
			o += snprintf(buf + o, len - o, "mark 0x%x", r->mark);
		else
			o += snprintf(buf + o, len - o, "mark 0x%x/0x%x", r->mark, r->mark_mask);
	}
	if (r->actions & FO_ACT_PRIORITY && o < len)
		o += snprintf(buf + o, len - o, "%spriority %x:%x", o ? " " : "", r->priority >> 16,
			      r->priority & 0xffff);
	if (r->actions & FO_ACT_DROP && o < len)
		snprintf(buf + o, len - o, "%sdrop", o ? " " : "");
}

int policy_same_selector(const struct policy_rule *a, const struct policy_rule *b)
{
	if (a->selector != b->selector)
		return 0;
	if (a->selector == FO_SEL_COMM)
		return !strncmp(a->comm, b->comm, FO_COMM_LEN);
	if (a->selector == FO_SEL_EXE)
		return a->value == b->value && a->dev == b->dev;
	return a->value == b->value;
}

static int cmp_id(const void *a, const void *b)
{
	const struct policy_rule *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

int policy_list(const char *pin_dir, struct policy_rule **out, size_t *n)
{
	struct policy_rule *rules;
	__u32 key, next, *prev = NULL;
	size_t cnt = 0;
	int fd;

	fd = pins_get(pin_dir, "fo_policy");
	if (fd < 0)
		return fd;
	rules = calloc(FO_MAX_RULES, sizeof(*rules));
	if (!rules) {
		close(fd);
		return -ENOMEM;
	}
	while (cnt < FO_MAX_RULES && !bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (!bpf_map_lookup_elem(fd, &key, &rules[cnt]))
			cnt++;
	}
	close(fd);
	qsort(rules, cnt, sizeof(*rules), cmp_id);
	*out = rules;
	*n = cnt;
	return 0;
}

/* Every change bumps the generation: each flow re-decides on its next packet. */
static int config_bump(const char *pin_dir, __u32 nr_rules)
{
	struct fo_config cfg;
	__u32 zero = 0;
	int fd, err = 0;

	fd = pins_get(pin_dir, "fo_config");
	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &zero, &cfg)) {
		err = -errno;
		goto out;
	}
	cfg.policy_gen++;
	if (!cfg.policy_gen)
		cfg.policy_gen = 1; /* 0 is what a new flow starts with: never "already decided" */
	cfg.nr_rules = nr_rules;
	if (bpf_map_update_elem(fd, &zero, &cfg, BPF_EXIST))
		err = -errno;
out:
	close(fd);
	return err;
}

int policy_add(const char *pin_dir, struct policy_rule *r, __u32 *dup_id)
{
	struct policy_rule *rules = NULL;
	size_t n = 0, i;
	__u32 id = 1;
	int fd = -1, err;

	err = policy_list(pin_dir, &rules, &n);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		if (policy_same_selector(&rules[i], r)) {
			*dup_id = rules[i].id;
			err = -EEXIST;
			goto out;
		}
		if (rules[i].id >= id)
			id = rules[i].id + 1;
	}
	if (n >= FO_MAX_RULES || id > 0xffff) {
		err = -ENOSPC;
		goto out;
	}
	r->id = id;
	fd = pins_get(pin_dir, "fo_policy");
	if (fd < 0) {
		err = fd;
		goto out;
	}
	if (bpf_map_update_elem(fd, &id, r, BPF_NOEXIST)) {
		err = -errno;
		goto out;
	}
	err = config_bump(pin_dir, n + 1);
out:
	if (fd >= 0)
		close(fd);
	free(rules);
	return err;
}

int policy_del(const char *pin_dir, __u32 id)
{
	struct policy_rule *rules = NULL;
	size_t n = 0;
	int fd, err;

	fd = pins_get(pin_dir, "fo_policy");
	if (fd < 0)
		return fd;
	err = bpf_map_delete_elem(fd, &id) ? -errno : 0;
	close(fd);
	if (err)
		return err;
	err = policy_list(pin_dir, &rules, &n);
	if (!err)
		err = config_bump(pin_dir, n);
	free(rules);
	return err;
}
