// SPDX-License-Identifier: GPL-2.0
/* reader.c — reading the pinned maps into plain arrays for the commands. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "pin_names.h"
#include "pins.h"
#include "pinset.h"
#include "reader.h"

#define BATCH 1024

__u64 reader_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

double reader_unix_time(__u64 mono_ns)
{
	struct timespec rt;
	__u64 now = reader_mono_ns();

	clock_gettime(CLOCK_REALTIME, &rt);
	return (double)rt.tv_sec + rt.tv_nsec / 1e9 - ((double)now - (double)mono_ns) / 1e9;
}

__s64 reader_unix_offset_ns(void)
{
	struct timespec rt;
	__u64 mono = reader_mono_ns();

	clock_gettime(CLOCK_REALTIME, &rt);
	return (__s64)((__u64)rt.tv_sec * 1000000000ULL + rt.tv_nsec) - (__s64)mono;
}

static int grow(char **keys, char **vals, size_t ksz, size_t vsz, size_t *cap, size_t max_cap)
{
	size_t want = *cap * 2 < max_cap ? *cap * 2 : max_cap;
	char *k, *v;

	if (*cap >= max_cap && want == *cap)
		want = max_cap;
	k = realloc(*keys, want * ksz);
	if (!k)
		return -ENOMEM;
	*keys = k;
	v = realloc(*vals, want * vsz);
	if (!v)
		return -ENOMEM;
	*vals = v;
	*cap = want;
	return 0;
}

/* Read all of a hash map: batched where the kernel can, key by key where it cannot. */
static int read_hash(int fd, size_t ksz, size_t vsz, void **keys_out, void **vals_out,
		     size_t *n_out)
{
	struct bpf_map_info info = {};
	__u32 info_len = sizeof(info);
	char *keys = NULL, *vals = NULL;
	size_t cap, max_cap, n = 0;
	__u64 batch_in = 0, batch_out = 0;
	bool first = true;
	int err = 0;

	if (bpf_obj_get_info_by_fd(fd, &info, &info_len))
		return -errno;
	/* Grow with what is there: sizing for max_entries up front cost a 14 MiB allocation
	 * (and its page faults) for a table of ten flows. */
	max_cap = info.max_entries + BATCH;
	cap = max_cap < 4 * BATCH ? max_cap : 4 * BATCH;
	keys = malloc(cap * ksz);
	vals = malloc(cap * vsz);
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		LIBBPF_OPTS(bpf_map_batch_opts, opts);
		__u32 count;

		if (cap - n < BATCH && cap < max_cap) {
			err = grow(&keys, &vals, ksz, vsz, &cap, max_cap);
			if (err)
				goto out;
		}
		count = cap - n < BATCH ? cap - n : BATCH;
		if (!count)
			break;
		err = bpf_map_lookup_batch(fd, first ? NULL : &batch_in, &batch_out,
					   keys + n * ksz, vals + n * vsz, &count, &opts);
		first = false;
		if (err && errno != ENOENT) {
			err = -errno;
			break;
		}
		n += count;
		if (err) { /* ENOENT: that was the last batch */
			err = 0;
			break;
		}
		batch_in = batch_out;
	}
	if (err == -EINVAL || err == -EOPNOTSUPP) {
		/* Old kernels: one key at a time. Entries may vanish meanwhile (LRU). */
		char *prev = NULL;
		char *key;

		err = grow(&keys, &vals, ksz, vsz, &cap, max_cap);
		if (err)
			goto out;
		key = malloc(ksz);

		if (!key) {
			err = -ENOMEM;
			goto out;
		}
		err = 0;
		n = 0;
		while (n < cap && !bpf_map_get_next_key(fd, prev, keys + n * ksz)) {
			memcpy(key, keys + n * ksz, ksz);
			prev = key;
			if (!bpf_map_lookup_elem(fd, keys + n * ksz, vals + n * vsz))
				n++;
		}
		free(key);
	}
out:
	if (err) {
		free(keys);
		free(vals);
		return err;
	}
	*keys_out = keys;
	*vals_out = vals;
	*n_out = n;
	return 0;
}

void reader_flow_counts(struct flow_rec *f)
{
	f->cnt.tx_packets = f->val.tx_packets;
	f->cnt.tx_bytes = f->val.tx_bytes;
	f->cnt.rx_packets = f->val.rx_packets;
	f->cnt.rx_bytes = f->val.rx_bytes;
}

/*
 * The records live in one mapping reserved for the whole table (max_entries) but touched only
 * as far as it fills, so nothing is ever copied to grow it, and with transparent huge pages a
 * 60k-flow listing takes a handful of page faults instead of thousands. A header before the
 * records keeps the mapping's size for reader_flows_free.
 */
#define RECS_HDR 64

static struct flow_rec *recs_map(size_t max)
{
	size_t bytes = RECS_HDR + max * sizeof(struct flow_rec);
	char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, bytes, MADV_HUGEPAGE); /* a hint: without THP, ordinary pages */
	*(size_t *)p = bytes;
	return (struct flow_rec *)(p + RECS_HDR);
}

void reader_flows_free(struct flow_rec *recs)
{
	char *p;

	if (!recs)
		return;
	p = (char *)recs - RECS_HDR;
	munmap(p, *(size_t *)p);
}

int reader_flows_pins(struct fo_pins *pins, struct flow_rec **out, size_t *n)
{
	struct flow_key *keys = NULL;
	struct flow_value *vals = NULL;
	struct flow_rec *recs = NULL;
	struct bpf_map_info info = {};
	__u32 info_len = sizeof(info);
	__u64 batch_in = 0, batch_out = 0;
	size_t cnt = 0, max, i;
	bool first = true;
	int fd, err = 0;

	fd = fo_pins_fd(pins, FO_PIN_FLOWS);
	if (fd < 0)
		return fd;
	if (bpf_obj_get_info_by_fd(fd, &info, &info_len)) {
		err = -errno;
		goto out;
	}
	max = (size_t)info.max_entries + BATCH;
	keys = malloc(BATCH * sizeof(*keys));
	vals = malloc(BATCH * sizeof(*vals));
	recs = recs_map(max);
	if (!keys || !vals || !recs) {
		err = -ENOMEM;
		goto out;
	}
	/* One bounce buffer of a batch: the records grow with the table, never twice its size. */
	for (;;) {
		LIBBPF_OPTS(bpf_map_batch_opts, opts);
		__u32 count = BATCH;
		int rc;

		rc = bpf_map_lookup_batch(fd, first ? NULL : &batch_in, &batch_out, keys, vals,
					  &count, &opts);
		first = false;
		if (rc && errno != ENOENT) {
			err = -errno;
			break;
		}
		if (count > max - cnt) /* an LRU table refilled while we read: enough */
			count = max - cnt;
		for (i = 0; i < count; i++) {
			recs[cnt].key = keys[i];
			recs[cnt].val = vals[i];
			reader_flow_counts(&recs[cnt]);
			cnt++;
		}
		if (rc || cnt >= max) /* ENOENT: that was the last batch */
			break;
		batch_in = batch_out;
	}
	if (err == -EINVAL || err == -EOPNOTSUPP) {
		/* Old kernels: one key at a time. Entries may vanish meanwhile (LRU). */
		struct flow_key prev;
		bool have_prev = false;

		err = 0;
		cnt = 0;
		while (cnt < max && !bpf_map_get_next_key(fd, have_prev ? &prev : NULL, &keys[0])) {
			prev = keys[0];
			have_prev = true;
			if (bpf_map_lookup_elem(fd, &keys[0], &recs[cnt].val))
				continue;
			recs[cnt].key = keys[0];
			reader_flow_counts(&recs[cnt]);
			cnt++;
		}
	}
	if (err)
		goto out;
	*out = recs;
	*n = cnt;
	recs = NULL;
out:
	reader_flows_free(recs);
	free(keys);
	free(vals);
	return err;
}

int reader_procs_pins(struct fo_pins *pins, struct proc_entry **out, size_t *n)
{
	__u32 *keys = NULL;
	struct proc_entry *vals = NULL;
	int fd, err;

	fd = fo_pins_fd(pins, FO_PIN_PROCS);
	if (fd < 0)
		return fd;
	err = read_hash(fd, sizeof(*keys), sizeof(*vals), (void **)&keys, (void **)&vals, n);
	if (err)
		return err;
	free(keys);
	*out = vals;
	return 0;
}

int reader_counters_pins(struct fo_pins *pins, __u64 out[FO_STAT_MAX])
{
	struct fo_counters *per_cpu;
	__u32 zero = 0;
	int ncpu, fd, i, j, err = 0;

	memset(out, 0, sizeof(__u64) * FO_STAT_MAX);
	ncpu = libbpf_num_possible_cpus();
	if (ncpu < 0)
		return ncpu;
	per_cpu = calloc(ncpu, sizeof(*per_cpu));
	if (!per_cpu)
		return -ENOMEM;
	fd = fo_pins_fd(pins, FO_PIN_STATS);
	if (fd < 0) {
		err = fd;
		goto out;
	}
	if (bpf_map_lookup_elem(fd, &zero, per_cpu)) {
		err = -errno;
		goto out;
	}
	for (i = 0; i < ncpu; i++)
		for (j = 0; j < FO_STAT_MAX; j++)
			out[j] += per_cpu[i].v[j];
out:
	free(per_cpu);
	return err;
}

int reader_map_fill_pins(struct fo_pins *pins, const char *name, __u32 *entries,
			 __u32 *max_entries)
{
	struct bpf_map_info info = {};
	__u32 info_len = sizeof(info), cnt = 0;
	char key[256], prev[256];
	int fd, err = 0;

	fd = fo_pins_fd(pins, name);
	if (fd < 0)
		return fd;
	if (bpf_obj_get_info_by_fd(fd, &info, &info_len)) {
		err = -errno;
		goto out;
	}
	*max_entries = info.max_entries;
	if (info.type == BPF_MAP_TYPE_SK_STORAGE || info.type == BPF_MAP_TYPE_RINGBUF ||
	    info.key_size > sizeof(key)) {
		err = -EOPNOTSUPP;
		goto out;
	}
	if (info.type == BPF_MAP_TYPE_ARRAY || info.type == BPF_MAP_TYPE_PERCPU_ARRAY) {
		*entries = info.max_entries;
		goto out;
	}
	if (info.type == BPF_MAP_TYPE_HASH || info.type == BPF_MAP_TYPE_LRU_HASH) {
		/* Counted a batch at a time: key by key, a full flow table cost 60k syscalls. */
		char *kb = malloc((size_t)BATCH * info.key_size), *vb = malloc((size_t)BATCH * info.value_size);
		__u64 in = 0, next = 0;
		bool first = true;
		int rc = 0;

		while (kb && vb) {
			LIBBPF_OPTS(bpf_map_batch_opts, opts);
			__u32 count = BATCH;

			rc = bpf_map_lookup_batch(fd, first ? NULL : &in, &next, kb, vb, &count, &opts);
			first = false;
			if (rc && errno != ENOENT)
				break;
			cnt += count;
			if (rc) {
				rc = 0;
				break;
			}
			in = next;
		}
		free(kb);
		free(vb);
		if (!rc && !first) {
			*entries = cnt;
			goto out;
		}
		cnt = 0; /* no batches here: walk the keys */
	}
	if (!bpf_map_get_next_key(fd, NULL, key)) {
		cnt = 1;
		for (;;) {
			memcpy(prev, key, info.key_size);
			if (bpf_map_get_next_key(fd, prev, key))
				break;
			cnt++;
		}
	}
	*entries = cnt;
out:
	return err;
}

/* The same reads for a command that reads once: its own set, closed at once. */
int reader_flows(const char *pin_dir, struct flow_rec **out, size_t *n)
{
	struct fo_pins p;
	int err;

	fo_pins_init(&p, pin_dir);
	err = reader_flows_pins(&p, out, n);
	fo_pins_close(&p);
	return err;
}

int reader_procs(const char *pin_dir, struct proc_entry **out, size_t *n)
{
	struct fo_pins p;
	int err;

	fo_pins_init(&p, pin_dir);
	err = reader_procs_pins(&p, out, n);
	fo_pins_close(&p);
	return err;
}

int reader_counters(const char *pin_dir, __u64 out[FO_STAT_MAX])
{
	struct fo_pins p;
	int err;

	fo_pins_init(&p, pin_dir);
	err = reader_counters_pins(&p, out);
	fo_pins_close(&p);
	return err;
}

int reader_map_fill(const char *pin_dir, const char *name, __u32 *entries, __u32 *max_entries)
{
	struct fo_pins p;
	int err;

	fo_pins_init(&p, pin_dir);
	err = reader_map_fill_pins(&p, name, entries, max_entries);
	fo_pins_close(&p);
	return err;
}
