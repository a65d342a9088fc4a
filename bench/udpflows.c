// SPDX-License-Identifier: GPL-2.0
/* udpflows.c — N UDP flows from one socket (one datagram to each of N peer ports), held open for the listing benchmark. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define PORTS_PER_ADDR 60000 /* peer ports 1024..61023 on each peer address */

/*
 * Usage: udpflows N ADDR. Peer addresses are ADDR, ADDR+1, ... (60000 ports each), so one
 * socket makes N distinct flows however large N is. Prints "ready N" once every datagram is
 * sent, then holds the socket (the flows' owner stays alive) until SIGTERM or SIGINT.
 */
int main(int argc, char **argv)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	struct in_addr base;
	sigset_t set;
	long n, i;
	int sig, fd;
	char byte = 'x';

	if (argc != 3 || (n = atol(argv[1])) < 1 || inet_pton(AF_INET, argv[2], &base) != 1) {
		fprintf(stderr, "usage: udpflows N ADDR\n");
		return 2;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("udpflows: socket");
		return 1;
	}
	for (i = 0; i < n; i++) {
		dst.sin_addr.s_addr = htonl(ntohl(base.s_addr) + (uint32_t)(i / PORTS_PER_ADDR));
		dst.sin_port = htons(1024 + i % PORTS_PER_ADDR);
		while (sendto(fd, &byte, 1, 0, (void *)&dst, sizeof(dst)) != 1) {
			if (errno != ENOBUFS && errno != EAGAIN) {
				fprintf(stderr, "udpflows: datagram %ld of %ld: %s\n", i + 1, n, strerror(errno));
				return 1;
			}
			usleep(100); /* the device queue is full: let it drain */
		}
	}
	printf("ready %ld\n", n);
	fflush(stdout);
	sigwait(&set, &sig);
	return 0;
}
