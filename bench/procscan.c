// SPDX-License-Identifier: GPL-2.0
/* procscan.c — the /proc baseline: read every /proc/PID/stat for pid, comm and ppid, as /proc-based tools do. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * The least a /proc-based tool must do to name every process: list /proc, then open, read
 * and parse one stat file per pid. Prints how many processes it named, so the caller can
 * check it saw what flowowner saw.
 */
int main(void)
{
	char path[300], buf[1024];
	struct dirent *de;
	unsigned long n = 0, ppid_sum = 0;
	DIR *d = opendir("/proc");

	if (!d) {
		perror("procscan: /proc");
		return 1;
	}
	while ((de = readdir(d))) {
		char *comm_end;
		ssize_t len;
		int fd, ppid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue; /* exited meanwhile */
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = 0;
		/* "pid (comm) state ppid ...": comm may hold spaces and parentheses. */
		comm_end = strrchr(buf, ')');
		if (!comm_end || sscanf(comm_end + 2, "%*c %d", &ppid) != 1)
			continue;
		ppid_sum += ppid;
		n++;
	}
	closedir(d);
	printf("%lu processes (ppid sum %lu)\n", n, ppid_sum);
	return 0;
}
