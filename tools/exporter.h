/* SPDX-License-Identifier: GPL-2.0 */
/* exporter.h — an HTTP endpoint for Prometheus: GET /metrics, served until SIGTERM or SIGINT. */
#ifndef FO_EXPORTER_H
#define FO_EXPORTER_H

#include <stddef.h>
#include <sys/socket.h>

struct exporter_ops {
	/* The body of one scrape, malloc'd; 0 or -errno. */
	int (*render)(void *ctx, char **body, size_t *len);
	/* Called every poll_ms between scrapes (0: never). */
	void (*tick)(void *ctx);
	void *ctx;
	unsigned int poll_ms;
};

/* "ADDR:PORT", "[V6ADDR]:PORT" or ":PORT" (every address) as a socket address; -EINVAL if not. */
int exporter_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len);
/* Serve OPS at LISTEN until SIGTERM or SIGINT; render and tick never run at once. Returns an
 * exit code (EXIT_OK after a signal). */
int exporter_serve(const char *listen, const struct exporter_ops *ops);

#endif
