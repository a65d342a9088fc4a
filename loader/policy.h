/* SPDX-License-Identifier: GPL-2.0 */
/* policy.h — marking rules: parsing them, and keeping them in the pinned policy map. */
#ifndef FO_POLICY_H
#define FO_POLICY_H

#include <stddef.h>
#include "flowowner.h"
#include "pinset.h"

/* Parse "SELECTOR VALUE ACTION..." (argv without "mark add"). Pure: no system state.
 * A cgroup, unit or container selector leaves its path, unit name or container id in
 * *cgroup_path for the caller to resolve to a cgroup id.
 * Returns 0 or -EINVAL with a message naming the bad word in ERR. */
int policy_parse(int argc, char **argv, struct policy_rule *r, const char **cgroup_path,
		 char *err, size_t errlen);
/* An exe rule's file (R->path): canonical path, device and inode into R. -EINVAL with a
 * message naming the word when it is not an executable regular file. */
int policy_exe_resolve(struct policy_rule *r, char *err, size_t errlen);
/* RATE in tc's units (bit, kbit, mbit, gbit, tbit; bps... for bytes) to bits per second, and
 * a size (k, M, G, T decimal; KiB, MiB, GiB, TiB binary) to bytes. 0 or -EINVAL. */
int policy_parse_rate(const char *s, __u64 *bits_per_s);
int policy_parse_size(const char *s, __u64 *bytes);
/* The bucket depth a rate rule gets when it names none, in bytes. */
__u64 policy_default_burst(__u64 rate);
/* Exact spellings that parse back to the same value: "20mbit", "1MiB", "1500". */
void policy_rate_text(__u64 bits, char *buf, size_t len);
void policy_size_text(__u64 bytes, char *buf, size_t len);
/* "comm curl", "pid 42", ... and "mark 0x10/0xff priority 1:10 drop" for listings. */
void policy_selector_text(const struct policy_rule *r, char *buf, size_t len);
void policy_actions_text(const struct policy_rule *r, char *buf, size_t len);
/* Same selector and value: the rule a new one would duplicate. */
int policy_same_selector(const struct policy_rule *a, const struct policy_rule *b);

/* Split a rule file's LINE into words in place (blanks; '...' literal; \xNN and \C escapes;
 * # comments). Returns the number of words, or -EINVAL with ERR naming the bad word. Pure. */
int policy_split(char *line, char **argv, int max, char *err, size_t errlen);
/* WORD (LEN bytes, any bytes) as one word that policy_split reads back unchanged (and a shell
 * too, unless it holds unprintable bytes, written \\xNN). */
void policy_quote(const char *word, size_t len, char *buf, size_t buflen);

/* Add R with a fresh id (written to R->id); -EEXIST if it duplicates rule *dup_id. */
int policy_add(struct fo_pins *p, struct policy_rule *r, __u32 *dup_id);
int policy_del(struct fo_pins *p, __u32 id);
/* Start rule ID's quota count again (and fill its rate's bucket): -ENOENT without the rule,
 * -EINVAL when it has neither rate nor quota. */
int policy_reset(struct fo_pins *p, __u32 id);
/* The live state of rule ID's rate and quota; -ENOENT when it has none. */
int policy_shape_get(struct fo_pins *p, __u32 id, struct shape_state *out);
/* Replace every rule with RULES[0..N) at once: the datapath sees the old set or the new one,
 * never a mix (see FO_RULE_BANK). New ids are written to RULES. The caller holds the pins lock. */
int policy_replace(struct fo_pins *p, struct policy_rule *rules, size_t n);
/* The key in fo_policy (and in flow_value.rule_id, and in any map keyed by rule id) of the rule
 * users call ID: ID with the FO_RULE_BANK bit of the bank in force. */
int policy_datapath_id(struct fo_pins *p, __u32 id, __u32 *key);
/* Every rule in force, by id. *out is malloc'd. Ids here and in policy_add/policy_del are as
 * users see them: without the FO_RULE_BANK bit, so a restore renumbers from 1 in file order. */
int policy_list(struct fo_pins *p, struct policy_rule **out, size_t *n);

#endif
