// SPDX-License-Identifier: GPL-2.0
/* fo_churn.c — many UDP flows fast: one datagram from each of SOCKS sockets to each of PORTS ports. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

/*
 * Usage: fo_churn [-n NAME] ADDR SOCKS PORTS
 * Sends SOCKS x PORTS one-byte datagrams to ADDR (IPv4), destination ports 1..PORTS, each from
 * one of SOCKS sockets bound to its own ephemeral port: SOCKS x PORTS distinct flows, with no
 * port reuse (a closed socket's port coming back would repeat a flow). Prints the count sent.
 */
int main(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	unsigned long socks, ports, s, p, sent = 0;
	int opt, *fds;

	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt != 'n')
			return 2;
		prctl(PR_SET_NAME, optarg, 0, 0, 0);
	}
	if (argc - optind != 3 || inet_pton(AF_INET, argv[optind], &to.sin_addr) != 1) {
		fprintf(stderr, "usage: fo_churn [-n NAME] ADDR SOCKS PORTS\n");
		return 2;
	}
	socks = strtoul(argv[optind + 1], NULL, 10);
	ports = strtoul(argv[optind + 2], NULL, 10);
	if (!socks || socks > 64 || !ports || ports > 65535)
		return 2;
	fds = calloc(socks, sizeof(*fds));
	if (!fds)
		return 1;
	for (s = 0; s < socks; s++) {
		fds[s] = socket(AF_INET, SOCK_DGRAM, 0);
		if (fds[s] < 0) {
			perror("socket");
			return 1;
		}
	}
	for (p = 1; p <= ports; p++) {
		to.sin_port = htons(p);
		for (s = 0; s < socks; s++) {
			/* a full qdisc or neighbour queue pushes back: wait and send it again */
			while (sendto(fds[s], "x", 1, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
				if (errno != ENOBUFS && errno != EAGAIN) {
					perror("sendto");
					return 1;
				}
				usleep(100);
			}
			sent++;
		}
	}
	printf("%lu\n", sent);
	return 0;
}
