// SPDX-License-Identifier: GPL-2.0
/* fo_rename.c — a process whose name changes under it: prctl rename, a renamed thread, exec. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

/*
 * Usage: fo_rename ADDR PORT NEWNAME EXECPATH
 * Sends one UDP datagram (unconnected, to ADDR:PORT+N) at each step from a new socket, and one
 * on a long-lived socket (to ADDR:PORT) at every step, pausing STEP_MS between steps:
 *   1  as started                        (PORT+1)
 *   2  after the leader renames itself   (PORT+2)
 *   3  from a thread that renamed itself (PORT+3): the process name is still the leader's
 *   4  after exec of EXECPATH            (PORT+4): the name exec gives is EXECPATH's basename
 * Prints "pid PID" first.
 */
#define STEP_MS 1300

static struct sockaddr_in dst;
static int port0;

static void send_to(int fd, int port)
{
	struct sockaddr_in a = dst;

	a.sin_port = htons(port);
	sendto(fd, "x", 1, 0, (struct sockaddr *)&a, sizeof(a));
}

static void send_new(int port)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		return;
	send_to(fd, port);
	close(fd);
}

static void *thread_main(void *arg)
{
	prctl(PR_SET_NAME, "fo-thread");
	send_new(port0 + 3);
	return NULL;
}

int main(int argc, char **argv)
{
	char fdtext[16];
	pthread_t th;
	int keep;

	if (argc == 4 && !strcmp(argv[1], "--after-exec")) {
		keep = atoi(argv[2]);
		port0 = atoi(argv[3]);
		dst.sin_family = AF_INET;
		inet_pton(AF_INET, getenv("FO_DST"), &dst.sin_addr);
		send_new(port0 + 4);
		send_to(keep, port0);
		usleep(STEP_MS * 1000);
		return 0;
	}
	if (argc != 5)
		return 2;
	dst.sin_family = AF_INET;
	if (inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1)
		return 2;
	port0 = atoi(argv[2]);
	setenv("FO_DST", argv[1], 1);
	printf("pid %d\n", getpid());
	fflush(stdout);
	keep = socket(AF_INET, SOCK_DGRAM, 0); /* no CLOEXEC: it lives on across exec */
	if (keep < 0)
		return 1;

	send_new(port0 + 1);
	send_to(keep, port0);
	usleep(STEP_MS * 1000);

	prctl(PR_SET_NAME, argv[3]);
	send_new(port0 + 2);
	send_to(keep, port0);
	usleep(STEP_MS * 1000);

	if (pthread_create(&th, NULL, thread_main, NULL) == 0)
		pthread_join(th, NULL);
	send_to(keep, port0);
	usleep(STEP_MS * 1000);

	snprintf(fdtext, sizeof(fdtext), "%d", keep);
	snprintf(argv[2], strlen(argv[2]) + 1, "%d", port0); /* unchanged; argv for exec */
	execl(argv[4], argv[4], "--after-exec", fdtext, argv[2], (char *)NULL);
	perror("fo_rename: exec");
	return 1;
}
