// SPDX-License-Identifier: GPL-2.0
/* fo_client.c — a test client with a known pid and name: connect, send N bytes, read, exit. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/*
 * Usage: fo_client [-u|-U] [-n NAME] [-b BYTES] [-r] [-w MS] [-c COUNT] ADDR PORT
 *   -u  UDP, connected          -U  UDP, unconnected (sendto)
 *   -n  set the process name (prctl PR_SET_NAME) before the socket exists
 *   -b  bytes to send (UDP: per datagram, -c datagrams)
 *   -r  then read until EOF (TCP) or one reply per datagram (UDP, 2 s timeout)
 *   -w  wait MS milliseconds before closing (after printing "ready")
 * Prints "pid PID port LOCALPORT" once connected, so a test knows its ground truth.
 */
static int parse_addr(const char *a, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, a, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		*len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, a, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*len = sizeof(*s6);
		return 0;
	}
	return -EINVAL;
}

static int local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return -1;
	return ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					     : ((struct sockaddr_in6 *)&ss)->sin6_port);
}

int main(int argc, char **argv)
{
	int opt, type = SOCK_STREAM, connected = 1, do_read = 0, wait_ms = 0, count = 1, fd, i;
	long bytes = 0, got = 0;
	const char *name = NULL;
	struct sockaddr_storage ss;
	socklen_t sl;
	static char buf[65536];

	while ((opt = getopt(argc, argv, "uUn:b:rw:c:")) != -1) {
		switch (opt) {
		case 'u': type = SOCK_DGRAM; break;
		case 'U': type = SOCK_DGRAM; connected = 0; break;
		case 'n': name = optarg; break;
		case 'b': bytes = atol(optarg); break;
		case 'r': do_read = 1; break;
		case 'w': wait_ms = atoi(optarg); break;
		case 'c': count = atoi(optarg); break;
		default: return 2;
		}
	}
	if (optind + 2 != argc || parse_addr(argv[optind], atoi(argv[optind + 1]), &ss, &sl)) {
		fprintf(stderr, "usage: fo_client [-u|-U] [-n NAME] [-b BYTES] [-r] [-w MS] ADDR PORT\n");
		return 2;
	}
	if (name && prctl(PR_SET_NAME, name))
		return 1;
	fd = socket(ss.ss_family, type, 0);
	if (fd < 0) {
		perror("fo_client: socket");
		return 1;
	}
	if (connected && connect(fd, (struct sockaddr *)&ss, sl)) {
		perror("fo_client: connect");
		return 1;
	}
	memset(buf, 'x', sizeof(buf));
	if (type == SOCK_STREAM) {
		printf("pid %d port %d\n", getpid(), local_port(fd));
		fflush(stdout);
		while (got < bytes) {
			long n = bytes - got > (long)sizeof(buf) ? (long)sizeof(buf) : bytes - got;
			ssize_t w = write(fd, buf, n);

			if (w <= 0) {
				perror("fo_client: write");
				return 1;
			}
			got += w;
		}
		if (do_read) {
			ssize_t r;

			shutdown(fd, SHUT_WR);
			while ((r = read(fd, buf, sizeof(buf))) > 0)
				;
		}
	} else {
		struct timeval tv = { .tv_sec = 2 };

		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		for (i = 0; i < count; i++) {
			ssize_t w = connected ? send(fd, buf, bytes, 0)
					      : sendto(fd, buf, bytes, 0, (struct sockaddr *)&ss, sl);

			if (w < 0) {
				perror("fo_client: send");
				return 1;
			}
			if (i == 0) {
				printf("pid %d port %d\n", getpid(), local_port(fd));
				fflush(stdout);
			}
			if (do_read && recv(fd, buf, sizeof(buf), 0) < 0) {
				perror("fo_client: recv");
				return 1;
			}
		}
	}
	if (wait_ms) {
		printf("ready\n");
		fflush(stdout);
		usleep(wait_ms * 1000);
	}
	close(fd);
	return 0;
}
