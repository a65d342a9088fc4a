// SPDX-License-Identifier: GPL-2.0
/* fo_server.c — a test server whose every accepting process says who it is. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Usage: fo_server [-u] [-k WORKERS] [-s BYTES] [-i] ADDR PORT
 *   TCP (default): accept; read until EOF; then send BYTES (-s) and close. With -k, WORKERS
 *   pre-forked processes share the listener, each printing "accept PID PEERPORT".
 *   -i  idle: after accepting, wait for a line on stdin, then send BYTES and close
 *       (an established connection that stays idle until the test says so).
 *   -u  UDP, unconnected: echo every datagram back with sendto, printing "recv PID PEERPORT".
 * Prints "ready PID" once listening.
 */
static int peer_port(struct sockaddr_storage *ss)
{
	return ntohs(ss->ss_family == AF_INET ? ((struct sockaddr_in *)ss)->sin_port
					      : ((struct sockaddr_in6 *)ss)->sin6_port);
}

static void serve_tcp(int lfd, long bytes, int idle)
{
	static char buf[65536];

	memset(buf, 'y', sizeof(buf));
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		long sent = 0;
		ssize_t r;
		int fd = accept(lfd, (struct sockaddr *)&ss, &sl);

		if (fd < 0)
			continue;
		printf("accept %d %d\n", getpid(), peer_port(&ss));
		fflush(stdout);
		if (idle) {
			char line[64];

			if (!fgets(line, sizeof(line), stdin))
				_exit(0);
		} else {
			while ((r = read(fd, buf, sizeof(buf))) > 0)
				;
		}
		while (sent < bytes) {
			long n = bytes - sent > (long)sizeof(buf) ? (long)sizeof(buf) : bytes - sent;
			ssize_t w = write(fd, buf, n);

			if (w <= 0)
				break;
			sent += w;
		}
		close(fd);
	}
}

static void serve_udp(int fd)
{
	static char buf[65536];

	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&ss, &sl);

		if (n < 0)
			continue;
		printf("recv %d %d\n", getpid(), peer_port(&ss));
		fflush(stdout);
		sendto(fd, buf, n, 0, (struct sockaddr *)&ss, sl);
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss = {};
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	int opt, udp = 0, workers = 0, idle = 0, one = 1, fd, i;
	long bytes = 0;
	socklen_t sl;

	while ((opt = getopt(argc, argv, "uk:s:i")) != -1) {
		switch (opt) {
		case 'u': udp = 1; break;
		case 'k': workers = atoi(optarg); break;
		case 's': bytes = atol(optarg); break;
		case 'i': idle = 1; break;
		default: return 2;
		}
	}
	if (optind + 2 != argc)
		return 2;
	if (inet_pton(AF_INET, argv[optind], &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(atoi(argv[optind + 1]));
		sl = sizeof(*s4);
	} else if (inet_pton(AF_INET6, argv[optind], &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(atoi(argv[optind + 1]));
		sl = sizeof(*s6);
	} else {
		return 2;
	}
	fd = socket(ss.ss_family, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	if (fd < 0)
		return 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) || (!udp && listen(fd, 128))) {
		perror("fo_server: bind/listen");
		return 1;
	}
	printf("ready %d\n", getpid());
	fflush(stdout);
	if (udp)
		serve_udp(fd);
	if (!workers)
		serve_tcp(fd, bytes, idle);
	/* Pre-forked: the children accept, the parent only waits; killing the parent's group
	 * ends them all. */
	for (i = 0; i < workers; i++) {
		if (fork() == 0) {
			prctl(PR_SET_PDEATHSIG, SIGTERM); /* the test kills the parent only */
			serve_tcp(fd, bytes, idle);
			_exit(0);
		}
	}
	signal(SIGTERM, SIG_DFL);
	while (wait(NULL) > 0)
		;
	return 0;
}
