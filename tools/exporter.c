// SPDX-License-Identifier: GPL-2.0
/* exporter.c — an HTTP endpoint for Prometheus: GET /metrics, served until SIGTERM or SIGINT. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <microhttpd.h>
#include "cli.h"
#include "exporter.h"

/* What the exposition format's version 0.0.4 is served as (CONTRACT.md). */
#define PROM_CONTENT_TYPE "text/plain; version=0.0.4"

struct server {
	const struct exporter_ops *ops;
	pthread_mutex_t lock; /* render and tick share the accumulated totals */
};

int exporter_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	char host[128];
	const char *colon, *port;
	unsigned long p;
	char *end;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':' || (size_t)(close - s - 1) >= sizeof(host))
			return -EINVAL;
		snprintf(host, sizeof(host), "%.*s", (int)(close - s - 1), s + 1);
		port = close + 2;
	} else {
		colon = strrchr(s, ':');
		if (!colon || (size_t)(colon - s) >= sizeof(host) || memchr(s, ':', colon - s))
			return -EINVAL;
		snprintf(host, sizeof(host), "%.*s", (int)(colon - s), s);
		port = colon + 1;
	}
	errno = 0;
	p = strtoul(port, &end, 10);
	if (!*port || *end || errno || !p || p > 65535)
		return -EINVAL;
	if (getaddrinfo(host[0] ? host : NULL, port, &hints, &res) || !res)
		return -EINVAL;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status, const char *type,
			     char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **req)
{
	static char index_page[] = "flowowner exporter: the metrics are at /metrics\n";
	static char not_found[] = "not found: the metrics are at /metrics\n";
	static char not_allowed[] = "only GET and HEAD\n";
	struct server *srv = cls;
	char *body = NULL, msg[256];
	size_t len = 0;
	int err;

	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", not_allowed,
			     strlen(not_allowed), MHD_RESPMEM_PERSISTENT);
	if (!strcmp(url, "/"))
		return reply(c, MHD_HTTP_OK, "text/plain", index_page, strlen(index_page),
			     MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/metrics"))
		return reply(c, MHD_HTTP_NOT_FOUND, "text/plain", not_found, strlen(not_found),
			     MHD_RESPMEM_PERSISTENT);
	pthread_mutex_lock(&srv->lock);
	err = srv->ops->render(srv->ops->ctx, &body, &len);
	pthread_mutex_unlock(&srv->lock);
	if (err) {
		snprintf(msg, sizeof(msg), "flowowner: cannot read the counters: %s\n", strerror(-err));
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", msg, strlen(msg),
			     MHD_RESPMEM_MUST_COPY);
	}
	return reply(c, MHD_HTTP_OK, PROM_CONTENT_TYPE, body, len, MHD_RESPMEM_MUST_FREE);
}

int exporter_serve(const char *listen, const struct exporter_ops *ops)
{
	struct server srv = { .ops = ops, .lock = PTHREAD_MUTEX_INITIALIZER };
	struct sockaddr_storage ss;
	struct MHD_Daemon *d;
	sigset_t set, old;
	socklen_t len;
	int sig;

	if (exporter_parse_listen(listen, &ss, &len))
		return fo_usage("metrics", "--listen %s: not ADDR:PORT ([ADDR]:PORT for IPv6)", listen);
	/* Signals wait for the main thread alone: blocked before the server's thread exists, so
	 * it inherits the mask, and taken with sigtimedwait, which doubles as the poll timer. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	signal(SIGPIPE, SIG_IGN);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
				     (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
			     0, NULL, NULL, handle, &srv, MHD_OPTION_SOCK_ADDR, &ss,
			     MHD_OPTION_CONNECTION_TIMEOUT, 10U, MHD_OPTION_CONNECTION_LIMIT, 64U,
			     MHD_OPTION_END);
	if (!d) {
		int e = errno;

		pthread_sigmask(SIG_SETMASK, &old, NULL);
		fo_warn("%s: cannot listen: %s", listen, e ? strerror(e) : "libmicrohttpd refused");
		return EXIT_RUNTIME;
	}
	fprintf(stderr, "flowowner: serving http://%s/metrics\n", listen);
	for (;;) {
		struct timespec ts = { .tv_sec = ops->poll_ms / 1000,
				       .tv_nsec = (long)(ops->poll_ms % 1000) * 1000000 };

		sig = ops->poll_ms ? sigtimedwait(&set, NULL, &ts) : sigwaitinfo(&set, NULL);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (sig < 0 && errno == EAGAIN && ops->tick) {
			pthread_mutex_lock(&srv.lock);
			ops->tick(ops->ctx);
			pthread_mutex_unlock(&srv.lock);
		}
	}
	/* In-flight requests finish; no new ones start. */
	MHD_stop_daemon(d);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return EXIT_OK;
}
