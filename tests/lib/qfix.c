/* qfix.c: report-test helper: flow records, stores of them, output */
#include <arpa/inet.h>
#include <sqlite3.h>
#include <stdio.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qfix.h"

static char qfix_dir[64];	/* per-process scratch directory */

struct ft_flowrec
qfix_rec(uint64_t id, uint64_t t_s, uint8_t proto, const char *cli,
    uint16_t cport, const char *srv, uint16_t sport, const char *app,
    uint64_t bcs, uint64_t bsc, uint64_t pcs, uint64_t psc)
{
	struct ft_flowrec r;
	int af = strchr(cli, ':') ? AF_INET6 : AF_INET;

	memset(&r, 0, sizeof(r));
	r.flow_id = id;
	r.first_us = QFIX_T0 + t_s * QFIX_SEC;
	r.last_us = r.first_us + 2500000;
	r.start_us = r.first_us;
	r.ip_ver = af == AF_INET ? 4 : 6;
	inet_pton(af, cli, r.cli);
	inet_pton(af, srv, r.srv);
	r.proto = proto;
	r.cport = cport;
	r.sport = sport;
	snprintf(r.app, sizeof(r.app), "%s", app);
	r.bytes[0] = bcs;
	r.bytes[1] = bsc;
	r.pkts[0] = pcs;
	r.pkts[1] = psc;
	r.flags = FT_REC_FINAL;
	return r;
}

void
qfix_local_ends(struct ft_flowrec *r, uint8_t cli_mac, uint8_t srv_mac,
    const char *name, uint8_t name_src, const char *vendor)
{
	memcpy(r->cli_mac, "\x02\x00\x00\x00\x00", 5);
	r->cli_mac[5] = cli_mac;
	r->local = FT_LOCAL_CLI;
	if (srv_mac) {
		memcpy(r->srv_mac, "\x02\x00\x00\x00\x00", 5);
		r->srv_mac[5] = srv_mac;
		r->local |= FT_LOCAL_SRV;
	}
	snprintf(r->cli_name, FT_NAME_MAX, "%s", name);
	r->cli_name_src = name_src;
	snprintf(r->cli_vendor, FT_VENDOR_MAX, "%s", vendor);
}

void
qfix_remote_end(struct ft_flowrec *r, uint32_t asn, const char *org,
    const char *cc)
{
	r->asn = asn;
	snprintf(r->as_org, FT_ORG_MAX, "%s", org);
	snprintf(r->country, sizeof(r->country), "%s", cc);
}

int
qfix_dir_init(void)
{
	snprintf(qfix_dir, sizeof(qfix_dir), "/tmp/test_query.XXXXXX");
	return mkdtemp(qfix_dir) ? 0 : -1;
}

void
qfix_dir_remove(void)
{
	char p[384];
	struct dirent *e;
	DIR *d = opendir(qfix_dir);

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", qfix_dir, e->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(qfix_dir);
}

struct store *
qfix_store(const char *name, const struct ft_flowrec *r, size_t n,
    const char *const *ifaces)
{
	char path[128];
	struct store_opts o = { .path = path, .commit_interval_s = 60 };
	struct ft_err err = { 0 };
	struct store *st = NULL;
	unsigned i;

	snprintf(path, sizeof(path), "%s/%s.db", qfix_dir, name);
	if (store_open(&o, &st, &err))
		goto out_err;
	for (i = 0; ifaces && ifaces[i]; i++)
		if (store_set_iface(st, i, ifaces[i], &err))
			goto out_err;
	if (store_append(st, r, n, &err))
		goto out_err;
	store_close(st);
	st = NULL;
	o.read_only = true;
	if (store_open(&o, &st, &err))
		goto out_err;
	return st;
out_err:
	fprintf(stderr, "  qfix_store %s: %s\n", name, err.msg);
	store_close(st);
	return NULL;
}

void
qfix_out_begin(struct qfix_out *c, enum out_format f, bool human)
{
	struct out_opts o = { .format = f, .human = human };

	memset(c, 0, sizeof(*c));
	c->fp = open_memstream(&c->buf, &c->len);
	o.fp = c->fp;
	out_new(&o, &c->w, NULL);
}

char *
qfix_out_end(struct qfix_out *c)
{
	out_free(c->w);
	fclose(c->fp);
	return c->buf;
}

char *
qfix_fresh_db(const char *dir, const char *name, char *out, size_t cap)
{
	char p[300];

	snprintf(out, cap, "%s/%s.db", dir, name);
	unlink(out);
	snprintf(p, sizeof(p), "%s-wal", out);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", out);
	unlink(p);
	return out;
}

int64_t
qfix_sql_int(struct store *st, const char *sql)
{
	sqlite3_stmt *s;
	int64_t v = -1;

	if (sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL) != SQLITE_OK) {
		fprintf(stderr, "qfix_sql_int: %s: %s\n", sql,
		    sqlite3_errmsg(store_db(st)));
		return -2;
	}
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}
