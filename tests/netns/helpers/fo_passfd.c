// SPDX-License-Identifier: GPL-2.0
/* fo_passfd.c — a TCP socket that changes hands: passed with SCM_RIGHTS, or shared by fork. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Usage: fo_passfd pass|fork ADDR PORT
 *   pass: the parent connects and sends 1000 bytes, then hands the socket to its child
 *         ("fo-receiver") over a unix socket with SCM_RIGHTS and closes its copy; the child
 *         sends 2000 bytes.
 *   fork: the parent connects, forks; the child ("fo-forked") sends 2000 bytes and exits;
 *         then the parent sends 3000 more.
 * Each step is 1.3 s apart. Prints "parent PID" and "child PID".
 */
#define STEP_US 1300000

static char buf[4096];

static void send_n(int fd, int n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n > (int)sizeof(buf) ? (int)sizeof(buf) : n);

		if (w <= 0)
			return;
		n -= w;
	}
}

static int send_fd(int us, int fd)
{
	char c = 0, cbuf[CMSG_SPACE(sizeof(int))] = {};
	struct iovec iov = { &c, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(us, &m, 0) == 1 ? 0 : -1;
}

static int recv_fd(int us)
{
	char c, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &c, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(us, &m, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&m);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static int tcp_connect(const char *addr, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || inet_pton(AF_INET, addr, &a.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&a, sizeof(a)))
		return -1;
	return fd;
}

int main(int argc, char **argv)
{
	int us[2], fd;
	pid_t child;

	if (argc != 4)
		return 2;
	memset(buf, 'p', sizeof(buf));
	printf("parent %d\n", getpid());
	fflush(stdout);
	if (!strcmp(argv[1], "pass")) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, us))
			return 1;
		/* The child exists before the TCP socket: it can only get it by being handed it. */
		child = fork();
		if (child == 0) {
			prctl(PR_SET_NAME, "fo-receiver");
			close(us[0]);
			fd = recv_fd(us[1]);
			if (fd < 0)
				_exit(1);
			send_n(fd, 2000);
			usleep(STEP_US);
			close(fd);
			_exit(0);
		}
		printf("child %d\n", child);
		fflush(stdout);
		fd = tcp_connect(argv[2], atoi(argv[3]));
		if (fd < 0)
			return 1;
		send_n(fd, 1000);
		usleep(STEP_US);
		if (send_fd(us[0], fd))
			return 1;
		close(fd);
		waitpid(child, NULL, 0);
		return 0;
	}
	fd = tcp_connect(argv[2], atoi(argv[3]));
	if (fd < 0)
		return 1;
	send_n(fd, 1000);
	usleep(STEP_US);
	child = fork();
	if (child == 0) {
		prctl(PR_SET_NAME, "fo-forked");
		send_n(fd, 2000);
		usleep(STEP_US);
		_exit(0);
	}
	printf("child %d\n", child);
	fflush(stdout);
	waitpid(child, NULL, 0);
	send_n(fd, 3000);
	usleep(STEP_US);
	close(fd);
	return 0;
}
