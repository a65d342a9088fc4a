// SPDX-License-Identifier: GPL-2.0
/* socks.c — N UDP sockets, each sending one datagram to a peer, held open for the owner-lookup benchmark. */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

/*
 * Usage: socks N ADDR PORT. Every socket gets its own ephemeral port, so each is one flow.
 * Prints "ready N" once all have sent, then holds them until SIGTERM or SIGINT.
 */
int main(int argc, char **argv)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	struct rlimit rl;
	sigset_t set;
	int n, i, sig, fd;
	char byte = 'x';

	if (argc != 4 || (n = atoi(argv[1])) < 1 || inet_pton(AF_INET, argv[2], &dst.sin_addr) != 1) {
		fprintf(stderr, "usage: socks N ADDR PORT\n");
		return 2;
	}
	dst.sin_port = htons(atoi(argv[3]));
	rl.rlim_cur = rl.rlim_max = n + 64;
	if (setrlimit(RLIMIT_NOFILE, &rl)) {
		fprintf(stderr, "socks: RLIMIT_NOFILE %d: %s\n", n + 64, strerror(errno));
		return 1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	for (i = 0; i < n; i++) {
		fd = socket(AF_INET, SOCK_DGRAM, 0);
		if (fd < 0 || sendto(fd, &byte, 1, 0, (void *)&dst, sizeof(dst)) != 1) {
			fprintf(stderr, "socks: socket %d of %d: %s\n", i + 1, n, strerror(errno));
			return 1;
		}
	}
	printf("ready %d\n", n);
	fflush(stdout);
	sigwait(&set, &sig);
	return 0; /* exit closes them all */
}
