// SPDX-License-Identifier: GPL-2.0
/* spawn.c — N sleeping processes for the snapshot benchmark, killed by pid when this one is told to stop. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

/*
 * Usage: spawn N. Prints "ready N" once all N children exist, then waits for SIGTERM or
 * SIGINT, kills exactly its own children by pid, reaps them and exits. Children also die
 * with their parent (PR_SET_PDEATHSIG), so a killed benchmark leaves nothing behind.
 */

static void child(pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent) /* the parent died before the line above */
		_exit(0);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	pid_t parent = getpid(), *kids;
	sigset_t set;
	int n, i, made = 0, sig, err = 0;

	if (argc != 2 || (n = atoi(argv[1])) < 1) {
		fprintf(stderr, "usage: spawn N\n");
		return 2;
	}
	kids = calloc(n, sizeof(*kids));
	if (!kids) {
		fprintf(stderr, "spawn: out of memory\n");
		return 1;
	}
	/* Block the stop signals before forking: children unblock nothing and just pause. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	for (i = 0; i < n; i++) {
		pid_t p = fork();

		if (p < 0) {
			err = errno;
			fprintf(stderr, "spawn: fork %d of %d: %s\n", i + 1, n, strerror(err));
			break;
		}
		if (p == 0)
			child(parent);
		kids[made++] = p;
	}
	if (!err) {
		printf("ready %d\n", made);
		fflush(stdout);
		sigwait(&set, &sig);
	}
	for (i = 0; i < made; i++)
		kill(kids[i], SIGKILL);
	for (i = 0; i < made; i++)
		waitpid(kids[i], NULL, 0);
	free(kids);
	return err ? 1 : 0;
}
