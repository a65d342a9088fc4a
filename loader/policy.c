// SPDX-License-Identifier: GPL-2.0
/* policy.c — marking rules: parsing them, and keeping them in the pinned policy map. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <bpf/bpf.h>
#include "pinset.h"
#include "number.h"
#include "policy.h"

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

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && !strcmp(s + n - m, suffix);
}

/* What systemd names a unit whose processes have a cgroup of their own; no '/' (a path). */
static int unit_name_ok(const char *s)
{
	return (ends_with(s, ".service") || ends_with(s, ".scope")) && !strchr(s, '/') &&
	       strlen(s) < 256;
}

static int container_ref_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 12 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

struct unit {
	const char *name;
	double scale;
};

/* A number with one of UNITS after it (case as tc: any). 0 and negatives are refused. */
static int parse_scaled(const char *s, const struct unit *units, double max, __u64 *out)
{
	double v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || *s == '.')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !(v > 0))
		return -EINVAL;
	for (; units->name; units++) {
		if (strcasecmp(end, units->name))
			continue;
		v *= units->scale;
		if (!(v >= 1) || v > max)
			return -EINVAL;
		*out = (__u64)(v + 0.5);
		return 0;
	}
	return -EINVAL;
}

/* tc's rate units: bits per second, or bytes per second with "bps". */
static const struct unit rate_units[] = {
	{ "", 1 }, { "bit", 1 }, { "kbit", 1e3 }, { "mbit", 1e6 }, { "gbit", 1e9 }, { "tbit", 1e12 },
	{ "bps", 8 }, { "kbps", 8e3 }, { "mbps", 8e6 }, { "gbps", 8e9 }, { NULL, 0 },
};

/* Sizes: k, M, G, T are powers of 1000; KiB, MiB, GiB, TiB of 1024. */
static const struct unit size_units[] = {
	{ "", 1 }, { "b", 1 }, { "k", 1e3 }, { "kb", 1e3 }, { "m", 1e6 }, { "mb", 1e6 },
	{ "g", 1e9 }, { "gb", 1e9 }, { "t", 1e12 }, { "tb", 1e12 }, { "kib", 1024.0 },
	{ "mib", 1048576.0 }, { "gib", 1073741824.0 }, { "tib", 1099511627776.0 }, { NULL, 0 },
};

int policy_parse_rate(const char *s, __u64 *bits_per_s)
{
	/* At least 1 kbit; at most 10 tbit, far past any NIC. */
	return parse_scaled(s, rate_units, 1e13, bits_per_s) || *bits_per_s < FO_RATE_MIN ? -EINVAL : 0;
}

int policy_parse_size(const char *s, __u64 *bytes)
{
	return parse_scaled(s, size_units, 1e18, bytes);
}

/*
 * The bucket depth when the rule names none: FO_BURST_MS of traffic at the rate, and never
 * less than FO_BURST_MIN, so TCP over a policer with no queue to absorb its bursts still
 * reaches the rate (measured in docs/performance.md).
 */
#define FO_BURST_MS 200
#define FO_BURST_MIN (64 * 1024)

__u64 policy_default_burst(__u64 rate)
{
	__u64 b = rate / 8 * FO_BURST_MS / 1000;

	return b < FO_BURST_MIN ? FO_BURST_MIN : b;
}

#define SIZE_EXPECTED "not a size (a number and k, M, G, or KiB, MiB, GiB)"

/*
 * ARGV[*I] is an action with one value: parse the next word with PARSE into OUT, or say what
 * was expected, naming the word. BIT is the action's FO_ACT_* bit, refused when given twice
 * (0: a modifier, such as burst).
 */
static int take_value(int argc, char **argv, int *i, int (*parse)(const char *, __u64 *),
		      __u64 *out, struct policy_rule *r, __u32 bit, const char *expected, char *err,
		      size_t errlen)
{
	const char *a = argv[*i];

	if (++*i >= argc || parse(argv[*i], out)) {
		snprintf(err, errlen, "%s %s: %s", a, *i < argc ? argv[*i] : "", expected);
		return -EINVAL;
	}
	if (r->actions & bit) {
		snprintf(err, errlen, "%s: given twice", a);
		return -EINVAL;
	}
	r->actions |= bit;
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
		snprintf(err, errlen, "a selector and its value are needed (comm NAME, exe PATH, pid N, uid N, cgroup PATH, unit NAME, container ID)");
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
		if (parse_u64(argv[1], 4194304, &v) || !v) {
			snprintf(err, errlen, "pid %s: not a process id", argv[1]);
			return -EINVAL;
		}
		r->value = v;
	} else if (!strcmp(argv[0], "uid")) {
		r->selector = FO_SEL_UID;
		if (parse_u64(argv[1], 0xfffffffeULL, &v)) {
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
	} else if (!strcmp(argv[0], "unit")) {
		r->selector = FO_SEL_UNIT;
		if (!unit_name_ok(argv[1])) {
			snprintf(err, errlen, "unit %s: not a systemd unit name (NAME.service or NAME.scope)",
				 argv[1]);
			return -EINVAL;
		}
		*cgroup_path = argv[1];
	} else if (!strcmp(argv[0], "container")) {
		r->selector = FO_SEL_CONTAINER;
		if (!container_ref_ok(argv[1])) {
			snprintf(err, errlen, "container %s: a container id is 12 to 64 hex digits", argv[1]);
			return -EINVAL;
		}
		*cgroup_path = argv[1];
	} else {
		snprintf(err, errlen, "%s: unknown selector (comm, exe, pid, uid, cgroup, unit or container)", argv[0]);
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
				if (parse_u64(slash + 1, 0xffffffffULL, &mask) || !mask) {
					snprintf(err, errlen, "mark %s: mask out of range (1 to 0xffffffff)", argv[i]);
					return -EINVAL;
				}
			}
			if (parse_u64(buf, 0xffffffffULL, &v)) {
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
		} else if (!strcmp(a, "rate")) {
			if (take_value(argc, argv, &i, policy_parse_rate, &r->rate, r, FO_ACT_RATE,
				       "not a rate (a number and bit, kbit, mbit, gbit or tbit, as tc writes rates)",
				       err, errlen))
				return -EINVAL;
		} else if (!strcmp(a, "burst")) {
			if (take_value(argc, argv, &i, policy_parse_size, &r->burst, r, 0, SIZE_EXPECTED,
				       err, errlen))
				return -EINVAL;
		} else if (!strcmp(a, "quota")) {
			if (take_value(argc, argv, &i, policy_parse_size, &r->quota, r, FO_ACT_QUOTA,
				       SIZE_EXPECTED, err, errlen))
				return -EINVAL;
		} else {
			snprintf(err, errlen, "%s: unknown action (mark VALUE[/MASK], priority MAJ:MIN, drop, rate RATE, quota BYTES)", a);
			return -EINVAL;
		}
	}
	if (!r->actions) {
		snprintf(err, errlen, "an action is needed (mark VALUE[/MASK], priority MAJ:MIN, drop, rate RATE, quota BYTES)");
		return -EINVAL;
	}
	if ((r->actions & FO_ACT_DROP) && r->actions != FO_ACT_DROP) {
		snprintf(err, errlen, "drop: a dropped packet is neither marked, prioritised nor shaped");
		return -EINVAL;
	}
	if (r->burst && !(r->actions & FO_ACT_RATE)) {
		snprintf(err, errlen, "burst: only with a rate");
		return -EINVAL;
	}
	if ((r->actions & FO_ACT_RATE) && !r->burst)
		r->burst = policy_default_burst(r->rate);
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

static const char *numeric_selector_name(__u32 sel)
{
	switch (sel) {
	case FO_SEL_PID: return "pid";
	case FO_SEL_UID: return "uid";
	case FO_SEL_CGROUP: return "cgroup";
	case FO_SEL_UNIT: return "unit";
	case FO_SEL_CONTAINER: return "container";
	}
	return "?";
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
	case FO_SEL_UID:
	case FO_SEL_CGROUP:
	case FO_SEL_UNIT:      /* the ids: callers that can name them do (mark list, save) */
	case FO_SEL_CONTAINER:
		snprintf(buf, len, "%s %llu", numeric_selector_name(r->selector),
			 (unsigned long long)r->value);
		break;
	default:
		snprintf(buf, len, "?");
	}
}

void policy_actions_text(const struct policy_rule *r, char *buf, size_t len)
{
	char num[32];
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
	if (r->actions & FO_ACT_RATE && o < len) {
		policy_rate_text(r->rate, num, sizeof(num));
		o += snprintf(buf + o, len - o, "%srate %s", o ? " " : "", num);
		if (r->burst != policy_default_burst(r->rate) && o < len) {
			policy_size_text(r->burst, num, sizeof(num));
			o += snprintf(buf + o, len - o, " burst %s", num);
		}
	}
	if (r->actions & FO_ACT_QUOTA && o < len) {
		policy_size_text(r->quota, num, sizeof(num));
		o += snprintf(buf + o, len - o, "%squota %s", o ? " " : "", num);
	}
	if (r->actions & FO_ACT_DROP && o < len)
		snprintf(buf + o, len - o, "%sdrop", o ? " " : "");
}

struct spelling {
	const char *name;
	__u64 scale;
};

/* The first unit of ORDER (largest first, ending in scale 1) that divides V: exact, so a
 * listing reads back as the rule it shows. */
static void spelled(__u64 v, const struct spelling *order, char *buf, size_t len)
{
	while (order->scale > 1 && v % order->scale)
		order++;
	snprintf(buf, len, "%llu%s", (unsigned long long)(v / order->scale), order->name);
}

void policy_rate_text(__u64 bits, char *buf, size_t len)
{
	static const struct spelling order[] = {
		{ "tbit", 1000000000000ULL }, { "gbit", 1000000000 }, { "mbit", 1000000 },
		{ "kbit", 1000 }, { "bit", 1 },
	};

	spelled(bits, order, buf, len);
}

void policy_size_text(__u64 bytes, char *buf, size_t len)
{
	static const struct spelling order[] = {
		{ "TiB", 1ULL << 40 }, { "T", 1000000000000ULL }, { "GiB", 1ULL << 30 },
		{ "G", 1000000000 }, { "MiB", 1 << 20 }, { "M", 1000000 }, { "KiB", 1024 },
		{ "k", 1000 }, { "", 1 },
	};

	spelled(bytes, order, buf, len);
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

static int config_read(struct fo_pins *p, struct fo_config *cfg)
{
	__u32 zero = 0;
	int fd, err = 0;

	fd = fo_pins_fd(p, FO_PIN_CONFIG);
	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &zero, cfg))
		err = -errno;
	return err;
}

/* Every rule in the map, of both banks (BANK < 0), or of one. */
static int rules_read(struct fo_pins *p, int bank, struct policy_rule **out, size_t *n)
{
	struct policy_rule *rules;
	__u32 key, next, *prev = NULL;
	size_t cnt = 0;
	int fd;

	fd = fo_pins_fd(p, FO_PIN_POLICY);
	if (fd < 0)
		return fd;
	/* Both banks can be full for a moment during a restore. */
	rules = calloc(2 * FO_MAX_RULES, sizeof(*rules));
	if (!rules)
		return -ENOMEM;
	while (cnt < 2 * FO_MAX_RULES && !bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bank >= 0 && (key & FO_RULE_BANK) != (__u32)bank)
			continue;
		if (!bpf_map_lookup_elem(fd, &key, &rules[cnt]))
			cnt++;
	}
	qsort(rules, cnt, sizeof(*rules), cmp_id);
	*out = rules;
	*n = cnt;
	return 0;
}

int policy_list(struct fo_pins *p, struct policy_rule **out, size_t *n)
{
	struct fo_config cfg;
	size_t i;
	int err;

	err = config_read(p, &cfg);
	if (!err)
		err = rules_read(p, fo_rule_bank(cfg.policy_gen), out, n);
	for (i = 0; !err && i < *n; i++)
		(*out)[i].id &= ~FO_RULE_BANK; /* the bank is the datapath's business */
	return err;
}

int policy_datapath_id(struct fo_pins *p, __u32 id, __u32 *key)
{
	struct fo_config cfg;
	int err;

	if (!id || id >= FO_RULE_BANK)
		return -ENOENT;
	err = config_read(p, &cfg);
	if (!err)
		*key = id | fo_rule_bank(cfg.policy_gen);
	return err;
}

/* Every change bumps the generation: each flow re-decides on its next packet. STEP 2 keeps the
 * bank in force, STEP 1 flips it (restore); STEP 0 only sets nr_rules. */
static int config_bump(struct fo_pins *p, __u32 nr_rules, __u32 step)
{
	struct fo_config cfg;
	__u32 zero = 0;
	int fd, err = 0;

	fd = fo_pins_fd(p, FO_PIN_CONFIG);
	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &zero, &cfg)) {
		err = -errno;
		goto out;
	}
	cfg.policy_gen += step;
	if (!cfg.policy_gen)
		cfg.policy_gen = 2; /* 0 is what a new flow starts with: never "already decided" */
	cfg.nr_rules = nr_rules;
	if (bpf_map_update_elem(fd, &zero, &cfg, BPF_EXIST))
		err = -errno;
out:
	return err;
}

/* A new rule's rate and quota state, in place before the rule is: its first packet finds it. */
static int shape_create(struct fo_pins *p, const struct policy_rule *r)
{
	struct shape_state st = {};
	int fd, err = 0;

	if (!(r->actions & FO_ACT_SHAPE))
		return 0;
	if (r->actions & FO_ACT_RATE) {
		st.rate = r->rate;
		st.ns_per_byte = (__u64)(8e9 * (double)(1ULL << FO_COST_SHIFT) / (double)r->rate);
		st.burst_ns = (__u64)((double)r->burst * 8e9 / (double)r->rate);
	}
	if (r->actions & FO_ACT_QUOTA)
		st.quota = r->quota;
	fd = fo_pins_fd(p, FO_PIN_SHAPE);
	if (fd < 0)
		return fd;
	if (bpf_map_update_elem(fd, &r->id, &st, BPF_ANY))
		err = -errno;
	return err;
}

static void shape_delete(struct fo_pins *p, __u32 id)
{
	int fd = fo_pins_fd(p, FO_PIN_SHAPE);

	if (fd < 0)
		return;
	bpf_map_delete_elem(fd, &id); /* ENOENT: the rule had no rate or quota */
}

int policy_shape_get(struct fo_pins *p, __u32 id, struct shape_state *out)
{
	int fd, err;

	err = policy_datapath_id(p, id, &id);
	if (err)
		return err;
	fd = fo_pins_fd(p, FO_PIN_SHAPE);
	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &id, out))
		err = -errno;
	return err;
}

int policy_reset(struct fo_pins *p, __u32 id)
{
	struct policy_rule r;
	struct shape_state st;
	int pfd, fd = -1, err;

	err = policy_datapath_id(p, id, &id);
	if (err)
		return err;
	pfd = fo_pins_fd(p, FO_PIN_POLICY);
	if (pfd < 0)
		return pfd;
	if (bpf_map_lookup_elem(pfd, &id, &r)) {
		err = -errno;
		goto out;
	}
	if (!(r.actions & FO_ACT_SHAPE)) {
		err = -EINVAL;
		goto out;
	}
	fd = fo_pins_fd(p, FO_PIN_SHAPE);
	if (fd < 0) {
		err = fd;
		goto out;
	}
	/* Packets in flight on other CPUs may add to the old count meanwhile: a few bytes
	 * that the new count does not see, never a second budget. */
	if (bpf_map_lookup_elem(fd, &id, &st)) {
		err = -errno;
		goto out;
	}
	st.used = 0;
	st.vt[0] = st.vt[1] = 0;
	if (bpf_map_update_elem(fd, &id, &st, BPF_EXIST))
		err = -errno;
out:
	return err;
}

int policy_add(struct fo_pins *p, struct policy_rule *r, __u32 *dup_id)
{
	struct policy_rule *rules = NULL;
	struct fo_config cfg;
	size_t n = 0, i;
	__u32 id, bank;
	int fd = -1, err;

	err = config_read(p, &cfg);
	if (err)
		return err;
	bank = fo_rule_bank(cfg.policy_gen);
	id = bank + 1;
	err = rules_read(p, bank, &rules, &n);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		if (policy_same_selector(&rules[i], r)) {
			*dup_id = rules[i].id & ~FO_RULE_BANK;
			err = -EEXIST;
			goto out;
		}
		if (rules[i].id >= id)
			id = rules[i].id + 1;
	}
	if (n >= FO_MAX_RULES || id >= bank + FO_RULE_BANK) {
		err = -ENOSPC;
		goto out;
	}
	r->id = id;
	err = shape_create(p, r);
	if (err)
		goto out;
	fd = fo_pins_fd(p, FO_PIN_POLICY);
	if (fd < 0) {
		err = fd;
		shape_delete(p, id);
		goto out;
	}
	if (bpf_map_update_elem(fd, &id, r, BPF_NOEXIST)) {
		err = -errno;
		shape_delete(p, id);
		goto out;
	}
	err = config_bump(p, n + 1, 2);
	r->id &= ~FO_RULE_BANK;
out:
	free(rules);
	return err;
}

int policy_del(struct fo_pins *p, __u32 id)
{
	struct policy_rule *rules = NULL;
	size_t n = 0;
	int fd, err;

	err = policy_datapath_id(p, id, &id);
	if (err)
		return err;
	fd = fo_pins_fd(p, FO_PIN_POLICY);
	if (fd < 0)
		return fd;
	err = bpf_map_delete_elem(fd, &id) ? -errno : 0;
	if (err)
		return err;
	err = policy_list(p, &rules, &n);
	if (!err)
		err = config_bump(p, n, 2);
	/* After the bump: a flow still holding the old verdict finds no state and passes. */
	shape_delete(p, id);
	free(rules);
	return err;
}

static int delete_all(int fd, const struct policy_rule *rules, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (bpf_map_delete_elem(fd, &rules[i].id) && errno != ENOENT)
			return -errno;
	return 0;
}

static void shape_delete_all(struct fo_pins *p, const struct policy_rule *rules, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (rules[i].actions & FO_ACT_SHAPE)
			shape_delete(p, rules[i].id);
}

int policy_replace(struct fo_pins *p, struct policy_rule *rules, size_t n)
{
	struct policy_rule *old = NULL, *idle = NULL;
	struct fo_config cfg;
	size_t nold = 0, nidle = 0, i;
	__u32 bank, next_bank;
	int fd = -1, err;

	if (n > FO_MAX_RULES)
		return -ENOSPC;
	err = config_read(p, &cfg);
	if (err)
		return err;
	bank = fo_rule_bank(cfg.policy_gen);
	next_bank = bank ^ FO_RULE_BANK;
	err = rules_read(p, bank, &old, &nold);
	if (!err)
		err = rules_read(p, next_bank, &idle, &nidle);
	if (err)
		goto out;
	fd = fo_pins_fd(p, FO_PIN_POLICY);
	if (fd < 0) {
		err = fd;
		goto out;
	}
	/* The datapath reads only the bank in force: what a failed restore left in the idle one,
	 * and the new set written there, are invisible to it until the flip. */
	shape_delete_all(p, idle, nidle);
	err = delete_all(fd, idle, nidle);
	for (i = 0; !err && i < n; i++) {
		rules[i].id = next_bank + 1 + i;
		/* A restored rate or quota starts afresh: its state is keyed by the new id. */
		err = shape_create(p, &rules[i]);
		if (!err && bpf_map_update_elem(fd, &rules[i].id, &rules[i], BPF_NOEXIST))
			err = -errno;
	}
	if (err) {
		for (i = 0; i < n; i++) {
			bpf_map_delete_elem(fd, &rules[i].id);
			shape_delete(p, rules[i].id);
		}
		goto out;
	}
	for (i = 0; i < n; i++)
		rules[i].id &= ~FO_RULE_BANK;
	/* nr_rules is a separate word the datapath may read apart from policy_gen: it is only
	 * "any rules at all?", so it is never 0 while either set may be in force. */
	err = config_bump(p, nold > n ? nold : n, 0);
	if (!err)
		err = config_bump(p, nold > n ? nold : n, 1); /* the flip: one word */
	if (!err)
		err = config_bump(p, n, 0);
	if (!err)
		err = delete_all(fd, old, nold);
	if (!err)
		shape_delete_all(p, old, nold);
out:
	free(old);
	free(idle);
	return err;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int policy_split(char *line, char **argv, int max, char *err, size_t errlen)
{
	char *r = line, *w = line;
	int argc = 0;

	/* Shell words, as far as rule files need them: blanks split, '...' is literal, \xNN and
	 * \C escape, # at the start of a word comments out the rest. Words are rewritten in place. */
	for (;;) {
		while (*r == ' ' || *r == '\t' || *r == '\r' || *r == '\n')
			r++;
		if (!*r || *r == '#')
			return argc;
		if (argc == max) {
			snprintf(err, errlen, "%s: too many words", r);
			return -EINVAL;
		}
		argv[argc++] = w;
		while (*r && *r != ' ' && *r != '\t' && *r != '\r' && *r != '\n') {
			if (*r == '\'') {
				char *end = strchr(r + 1, '\'');

				if (!end) {
					snprintf(err, errlen, "%s: unterminated quote", r);
					return -EINVAL;
				}
				memmove(w, r + 1, end - r - 1);
				w += end - r - 1;
				r = end + 1;
			} else if (*r == '\\' && r[1] == 'x' && hexval(r[2]) >= 0 && hexval(r[3]) >= 0) {
				*w++ = (char)(hexval(r[2]) << 4 | hexval(r[3]));
				r += 4;
			} else if (*r == '\\' && r[1]) {
				*w++ = r[1];
				r += 2;
			} else {
				*w++ = *r++;
			}
		}
		if (*r)
			r++;
		*w++ = '\0';
	}
}

void policy_quote(const char *word, size_t len, char *buf, size_t buflen)
{
	size_t i, o = 0;
	bool plain = len > 0;

	for (i = 0; i < len; i++) {
		unsigned char c = word[i];

		if (!(c > 0x20 && c < 0x7f) || strchr("'\"\\#$`;&|<>()*?[]{}~!", c))
			plain = false;
	}
	if (plain) {
		snprintf(buf, buflen, "%.*s", (int)len, word);
		return;
	}
	/* In quotes, what a shell and policy_split both read back the same; \xNN for the rest. */
	if (o + 1 < buflen)
		buf[o++] = '\'';
	for (i = 0; i < len && o + 8 < buflen; i++) {
		unsigned char c = word[i];

		if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\')
			buf[o++] = c;
		else
			o += snprintf(buf + o, buflen - o, "'\\x%02x'", c);
	}
	if (o + 1 < buflen)
		buf[o++] = '\'';
	buf[o < buflen ? o : buflen - 1] = '\0';
}
