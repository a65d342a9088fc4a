// SPDX-License-Identifier: GPL-2.0
/* test_cgname.c — units and container ids from cgroup paths: systemd and cgroupfs layouts. */
#include <stdio.h>
#include <string.h>
#include "cgname.h"
#include "test.h"

#define ID64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID12 "0123456789ab"

static void check(const char *path, const char *unit, const char *container)
{
	struct cgroup_names n;
	char name[512];

	snprintf(name, sizeof(name), "%s", path);
	if (!ASSERT_OK(cgroup_names_of(path, &n), name))
		return;
	if (!ASSERT_TRUE(!strcmp(n.unit, unit), name))
		fprintf(stderr, "    unit \"%s\", expected \"%s\"\n", n.unit, unit);
	if (!ASSERT_TRUE(!strcmp(n.container, container), name))
		fprintf(stderr, "    container \"%s\", expected \"%s\"\n", n.container, container);
}

static void test_systemd_service_is_the_unit(void)
{
	check("/system.slice/nginx.service", "nginx.service", "");
	check("system.slice/nginx.service", "nginx.service", "");
	check("/system.slice/nginx.service/worker", "nginx.service", "");
	check("/user.slice/user-1000.slice/session-3.scope", "session-3.scope", "");
	check("/init.scope", "init.scope", "");
}

static void test_innermost_unit_wins(void)
{
	check("/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service",
	      "foo.service", "");
	check("/user.slice/user-1000.slice/user@1000.service/init.scope", "init.scope", "");
}

static void test_slices_and_plain_dirs_are_no_unit(void)
{
	check("/", "", "");
	check("", "", "");
	check(NULL, "", "");
	check("/system.slice", "", "");
	check("/user.slice/user-1000.slice", "", "");
	check("/mygroup/service", "", "");
	check("/.service", "", "");
}

static void test_docker_systemd_driver(void)
{
	check("/system.slice/docker-" ID64 ".scope", "docker-" ID64 ".scope", ID12);
}

static void test_containerd_and_crio_under_kubepods_slices(void)
{
	check("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234_5678.slice/"
	      "cri-containerd-" ID64 ".scope",
	      "cri-containerd-" ID64 ".scope", ID12);
	check("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-podab.slice/crio-" ID64
	      ".scope",
	      "crio-" ID64 ".scope", ID12);
}

static void test_podman_scope_and_its_inner_container_dir(void)
{
	check("/machine.slice/libpod-" ID64 ".scope", "libpod-" ID64 ".scope", ID12);
	check("/machine.slice/libpod-" ID64 ".scope/container", "libpod-" ID64 ".scope", ID12);
	/* conmon watches the container from its own scope: not the container */
	check("/machine.slice/libpod-conmon-" ID64 ".scope", "libpod-conmon-" ID64 ".scope", "");
}

static void test_cgroupfs_layouts(void)
{
	check("/docker/" ID64, "", ID12);
	check("/kubepods/burstable/pod1f2e3d4c-0000-1111-2222-333344445555/" ID64, "", ID12);
	check("/kubepods/pod1f2e3d4c-0000-1111-2222-333344445555/" ID64, "", ID12);
	check("/libpod_parent/libpod-" ID64, "", ID12);
	check("/libpod_parent/libpod-" ID64 "/ctr", "", ID12);
}

static void test_innermost_container_wins(void)
{
	check("/docker/" ID64 "/docker/fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210",
	      "", "fedcba987654");
}

static void test_not_a_container_id(void)
{
	check("/docker/" ID12, "", "");                   /* short: not how a runtime names it */
	check("/docker/" ID64 "0", "", "");               /* 65 digits */
	check("/docker/0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF", "", "");
	check("/system.slice/docker-xyz.scope", "docker-xyz.scope", "");
	check("/system.slice/docker.service", "docker.service", "");
}

static void test_container_reference(void)
{
	ASSERT_TRUE(cgroup_is_container_ref(ID12), "12 digits");
	ASSERT_TRUE(cgroup_is_container_ref(ID64), "64 digits");
	ASSERT_TRUE(!cgroup_is_container_ref("0123456789a"), "11 digits");
	ASSERT_TRUE(!cgroup_is_container_ref(ID64 "0"), "65 digits");
	ASSERT_TRUE(!cgroup_is_container_ref("0123456789aZ"), "not hex");
	ASSERT_TRUE(!cgroup_is_container_ref(""), "empty");
}

int main(void)
{
	RUN_TEST(test_systemd_service_is_the_unit);
	RUN_TEST(test_innermost_unit_wins);
	RUN_TEST(test_slices_and_plain_dirs_are_no_unit);
	RUN_TEST(test_docker_systemd_driver);
	RUN_TEST(test_containerd_and_crio_under_kubepods_slices);
	RUN_TEST(test_podman_scope_and_its_inner_container_dir);
	RUN_TEST(test_cgroupfs_layouts);
	RUN_TEST(test_innermost_container_wins);
	RUN_TEST(test_not_a_container_id);
	RUN_TEST(test_container_reference);
	return test_failures ? 1 : 0;
}
