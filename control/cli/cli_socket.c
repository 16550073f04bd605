/* cli_socket.c: serves operator commands on a Unix socket (mediaplane-cli, or `nc -U`). */
#include "cli_socket.h"
#include "cli.h"
#include "control.h"
#include "mp_error.h"
#include "mp_log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#define CLI_MAX_LINE 1024

struct mp_cli_server {
	struct evconnlistener *listener;
	char path[108];
};

static void conn_done(struct bufferevent *bev, short what, void *arg)
{
	(void)what;
	(void)arg;
	bufferevent_free(bev);
}

static void conn_written(struct bufferevent *bev, void *arg)
{
	(void)arg;
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		bufferevent_free(bev);
}

static void conn_read(struct bufferevent *bev, void *arg)
{
	struct mp_control *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct mp_strbuf out = { 0 };
	size_t n;
	char *line = evbuffer_readln(in, &n, EVBUFFER_EOL_ANY);

	if (!line) {
		if (evbuffer_get_length(in) > CLI_MAX_LINE)
			bufferevent_free(bev);
		return;
	}
	/* The first line of every answer is OK or ERROR, then the command's output, then close. */
	switch (mp_cli_exec(c, line, &out)) {
	case MP_CLI_OK:
		bufferevent_write(bev, "OK\n", 3);
		break;
	case MP_CLI_QUIT:
		bufferevent_write(bev, "ERROR\nquit is for the interactive prompt; stop the appliance with SIGTERM\n", 75);
		break;
	default:
		bufferevent_write(bev, "ERROR\n", 6);
		break;
	}
	free(line);
	bufferevent_disable(bev, EV_READ);
	bufferevent_setcb(bev, NULL, conn_written, conn_done, c);
	bufferevent_write(bev, out.s ? out.s : "", out.len);
	mp_strbuf_free(&out);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg)
{
	struct mp_control *c = arg;
	struct bufferevent *bev = bufferevent_socket_new(c->base, fd, BEV_OPT_CLOSE_ON_FREE);

	(void)l;
	(void)sa;
	(void)salen;
	if (!bev) {
		close(fd);
		return;
	}
	bufferevent_setcb(bev, conn_read, NULL, conn_done, c);
	bufferevent_enable(bev, EV_READ);
}

int mp_cli_socket_start(struct mp_control *c, const char *path, char *err, size_t errcap)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct mp_cli_server *s;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errcap, "key 'cli_socket': path longer than %zu bytes", sizeof(sun.sun_path) - 1);
		return MP_ERR_CONFIG;
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	/* A socket file nobody answers on is left over from a crash: replace it. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		close(fd);
		snprintf(err, errcap, "CLI socket %s already in use (another mediaplane?)", path);
		return MP_ERR_ADDRINUSE;
	}
	if (fd >= 0)
		close(fd);
	unlink(path);
	s = calloc(1, sizeof(*s));
	if (!s)
		return MP_ERR_NOMEM;
	snprintf(s->path, sizeof(s->path), "%s", path);
	s->listener = evconnlistener_new_bind(c->base, on_accept, c, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 16,
					      (struct sockaddr *)&sun, sizeof(sun));
	if (!s->listener) {
		snprintf(err, errcap, "CLI socket %s: %s", path, strerror(errno));
		free(s);
		return MP_ERR_IO;
	}
	chmod(path, 0600);
	c->cli_server = s;
	MP_INFO("CLI listening on %s (build/mediaplane-cli -s %s)", path, path);
	return MP_OK;
}

void mp_cli_socket_stop(struct mp_control *c)
{
	if (!c->cli_server)
		return;
	evconnlistener_free(c->cli_server->listener);
	unlink(c->cli_server->path);
	free(c->cli_server);
	c->cli_server = NULL;
}
