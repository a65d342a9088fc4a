/* SPDX-License-Identifier: GPL-2.0 */
/* policy.h — marking rules: parsing them, and keeping them in the pinned policy map. */
#ifndef FO_POLICY_H
#define FO_POLICY_H

#include <stddef.h>
#include "flowowner.h"

/* Parse "SELECTOR VALUE ACTION..." (argv without "mark add"). Pure: no system state.
 * A cgroup selector leaves its path in *cgroup_path for the caller to resolve.
 * Returns 0 or -EINVAL with a message naming the bad word in ERR. */
int policy_parse(int argc, char **argv, struct policy_rule *r, const char **cgroup_path,
		 char *err, size_t errlen);
/* An exe rule's file (R->path): canonical path, device and inode into R. -EINVAL with a
 * message naming the word when it is not an executable regular file. */
int policy_exe_resolve(struct policy_rule *r, char *err, size_t errlen);
/* "comm curl", "pid 42", ... and "mark 0x10/0xff priority 1:10 drop" for listings. */
void policy_selector_text(const struct policy_rule *r, char *buf, size_t len);
void policy_actions_text(const struct policy_rule *r, char *buf, size_t len);
/* Same selector and value: the rule a new one would duplicate. */
int policy_same_selector(const struct policy_rule *a, const struct policy_rule *b);

/* Add R with a fresh id (written to R->id); -EEXIST if it duplicates rule *dup_id. */
int policy_add(const char *pin_dir, struct policy_rule *r, __u32 *dup_id);
int policy_del(const char *pin_dir, __u32 id);
/* Every rule, by id. *out is malloc'd. */
int policy_list(const char *pin_dir, struct policy_rule **out, size_t *n);

#endif
