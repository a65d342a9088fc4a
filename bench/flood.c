// SPDX-License-Identifier: GPL-2.0
/* flood.c — 64-byte UDP frames as fast as one socket sends them, for the drop-rate figure. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* Usage: flood ADDR PORT SECONDS. 22 bytes of payload: 14 + 20 + 8 + 22 = 64-byte frames.
 * Prints the datagrams sent per second. */
int main(int argc, char **argv)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	char payload[22] = { 0 };
	unsigned long sent = 0;
	struct timespec t0, t;
	double secs, el = 0;
	int fd, i;

	if (argc != 4 || inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1 || (secs = atof(argv[3])) <= 0) {
		fprintf(stderr, "usage: flood ADDR PORT SECONDS\n");
		return 2;
	}
	dst.sin_port = htons(atoi(argv[2]));
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (void *)&dst, sizeof(dst))) {
		fprintf(stderr, "flood: %s:%s: %s\n", argv[1], argv[2], strerror(errno));
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (el < secs) {
		for (i = 0; i < 1024; i++)
			if (send(fd, payload, sizeof(payload), 0) == sizeof(payload))
				sent++;
		clock_gettime(CLOCK_MONOTONIC, &t);
		el = (t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9;
	}
	printf("%.0f\n", sent / el);
	close(fd);
	return 0;
}
