# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# nginx.sh — the bench's web server, one definition for bench/run.sh (fig_http) and bench/ab.sh:
# nginx with 1 worker, a 2048-byte index.html, 100 requests per keep-alive connection, no
# access log, everything under DIR. Sourced, not run.

# Writes DIR/www/index.html and DIR/nginx.conf for a server on ADDR:8080.
nginx_conf() { # DIR ADDR
	mkdir -p "$1/www" "$1/tmp" || return 1
	head -c 2048 /dev/zero | tr '\0' 'x' >"$1/www/index.html"
	cat >"$1/nginx.conf" <<-CONF
	user root;
	worker_processes 1;
	daemon off;
	pid $1/nginx.pid;
	error_log $1/error.log;
	events { worker_connections 1024; }
	http {
		access_log off;
		keepalive_requests 100;
		keepalive_timeout 60s;
		client_body_temp_path $1/tmp;
		proxy_temp_path $1/tmp;
		fastcgi_temp_path $1/tmp;
		uwsgi_temp_path $1/tmp;
		scgi_temp_path $1/tmp;
		server {
			listen $2:8080;
			root $1/www;
		}
	}
	CONF
}
