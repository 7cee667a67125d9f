/* test_churn.c: a network whose every visitor is new */
/*
 * Names, MACs, devices and the file level off under retention.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/base/ft_log.h"
#include "../../src/store/store.h"
#include "ut.h"
#include "../lib/qfix.h"

#define DAY0 UINT32_C(1699920000)	/* 2023-11-14 00:00 UTC */
#define PER_HOUR 12			/* new devices (and names) an hour */

static char tmpdir[64], dbpath[160];

#define fresh_path(name) qfix_fresh_db(tmpdir, (name), dbpath, sizeof(dbpath))

/* One record of visitor v at t: its own MAC, address and server name. */
static struct ft_flowrec
visit(uint32_t v, uint32_t t)
{
	struct ft_flowrec r;

	memset(&r, 0, sizeof(r));
	r.flow_id = v + 1;
	r.first_us = r.last_us = r.start_us = (uint64_t)t * 1000000;
	r.ip_ver = 4;
	r.proto = 6;
	r.cli[0] = 10;
	memcpy(r.cli + 1, &v, 3);
	r.srv[0] = 93;
	r.srv[3] = (uint8_t)v;
	r.sport = 443;
	r.pkts[0] = r.pkts[1] = 1;
	r.bytes[0] = r.bytes[1] = 100;
	r.cli_mac[0] = 0x02;		/* locally administered: randomised */
	memcpy(r.cli_mac + 2, &v, 4);
	r.srv_mac[5] = 1;		/* the router */
	r.local = FT_LOCAL_CLI;
	r.flags = FT_REC_FINAL;
	snprintf(r.server_name, sizeof(r.server_name), "host%u.example", v);
	snprintf(r.cli_name, sizeof(r.cli_name), "phone-%u", v);
	r.cli_name_src = FT_NAME_DHCP;
	r.srv_name_src = FT_NAME_SNI;
	return r;
}

/* A minute point of a MAC key and one of a local host key for visitor v. */
static void
points(struct store *st, uint32_t v, uint32_t t)
{
	struct ft_series_pt p[2];
	struct ft_err err = { 0 };

	memset(p, 0, sizeof(p));
	p[0].t = p[1].t = t - t % 60;
	p[0].kind = FT_SK_MAC;
	p[0].addr[0] = 0x02;
	memcpy(p[0].addr + 2, &v, 4);
	p[1].kind = FT_SK_LHOST;
	p[1].ip_ver = 4;
	p[1].addr[0] = 10;
	memcpy(p[1].addr + 1, &v, 3);
	p[0].v[FT_SV_BYTES_IN] = p[1].v[FT_SV_BYTES_IN] = 200;
	if (store_append_series(st, p, 2, &err))
		UT_FAILF("store_append_series: %s", err.msg);
}

/*
 * days of churn from day first on, per_hour new visitors an hour, committed
 * hourly; sizes after the last.
 */
static void
churn_n(struct store *st, uint32_t first, uint32_t days, uint32_t per_hour,
    struct store_sizes *sz)
{
	struct ft_err err = { 0 };
	struct ft_flowrec r;
	uint32_t h, i, v, t;

	for (h = first * 24; h < (first + days) * 24; h++) {
		for (i = 0; i < per_hour; i++) {
			v = h * per_hour + i;
			t = DAY0 + h * 3600 + i * (3600 / per_hour);
			r = visit(v, t);
			if (store_append(st, &r, 1, &err))
				UT_FAILF("store_append: %s", err.msg);
			points(st, v, t);
		}
		if (store_commit(st, &err))
			UT_FAILF("store_commit: %s", err.msg);
	}
	if (store_gc_sizes(st, sz, &err))
		UT_FAILF("store_gc_sizes: %s", err.msg);
}

static void
churn(struct store *st, uint32_t first, uint32_t days, struct store_sizes *sz)
{
	churn_n(st, first, days, PER_HOUR, sz);
}

/*
 * Issue 12: names, MACs, devices and device addresses were never pruned,
 * so randomised MACs and many remote names grew them forever. With every
 * visitor new, their counts and the pages in use stop growing once the
 * longest window is full.
 */
static void
the_store_levels_off_under_churn(void)
{
	struct store_opts o = { .path = fresh_path("churn"),
	    .commit_interval_s = 3600, .command = "test",
	    .keep = { .flows_days = 2, .m1_days = 1, .h1_days = 3,
		.d1_days = 4 } };
	struct store_sizes a, b, c;
	struct store_stats ss;
	struct ft_err err = { 0 };
	struct store *st = NULL;
	uint64_t per_day = 24 * PER_HOUR;

	if (store_open(&o, &st, &err)) {
		UT_FAILF("store_open: %s", err.msg);
		return;
	}
	churn(st, 0, 12, &a);
	churn(st, 12, 12, &b);
	churn(st, 24, 12, &c);
	store_get_stats(st, &ss);
	/* what the windows need: 3 days of conversations, 4 of day keys */
	UT_ASSERT(b.names <= 2 * (4 * per_day + 1));
	UT_ASSERT(b.macs <= 6 * per_day);
	UT_ASSERT(b.devices <= 6 * per_day);
	UT_ASSERT(b.device_addrs <= 6 * per_day);
	UT_ASSERT(c.names <= b.names + per_day);
	UT_ASSERT(c.macs <= b.macs + per_day);
	UT_ASSERT(c.devices <= b.devices + per_day);
	UT_ASSERT(c.device_addrs <= b.device_addrs + per_day);
	UT_ASSERT(c.used_bytes <= b.used_bytes + b.used_bytes / 10);
	UT_ASSERT(ss.pruned_dict[0] >= 2 * 30 * per_day);
	UT_ASSERT(ss.pruned_dict[1] >= 30 * per_day);
	/* what is kept is what the newest rows still use */
	UT_EQ(ss.pruned_dict[2], ss.pruned_dict[1]);
	if (getenv("FT_CHURN_SIZES"))
		fprintf(stderr, "  names %llu %llu %llu, MACs %llu %llu %llu, "
		    "addrs %llu, bytes %llu %llu %llu\n",
		    (unsigned long long)a.names,
		    (unsigned long long)b.names, (unsigned long long)c.names,
		    (unsigned long long)a.macs, (unsigned long long)b.macs,
		    (unsigned long long)c.macs,
		    (unsigned long long)c.device_addrs,
		    (unsigned long long)a.used_bytes,
		    (unsigned long long)b.used_bytes,
		    (unsigned long long)c.used_bytes);
	store_close(st);
}

/*
 * A generated year, two new visitors an hour, under windows a router might
 * use (a week of flows, a month of hours, two of days): the counts of the
 * last four months stay where the first window filled them, and so do the
 * pages in use, where without the sweep every table grew by 17,520 rows.
 */
static void
a_year_of_churn_levels_off(void)
{
	struct store_opts o = { .path = fresh_path("year"),
	    .commit_interval_s = 3600, .command = "test",
	    .keep = { .flows_days = 7, .m1_days = 1, .h1_days = 30,
		.d1_days = 60 } };
	struct store_sizes q[3];
	struct ft_err err = { 0 };
	struct store *st = NULL;
	uint64_t per_day = 24 * 2;
	int i;

	if (store_open(&o, &st, &err)) {
		UT_FAILF("store_open: %s", err.msg);
		return;
	}
	churn_n(st, 0, 120, 2, &q[0]);
	churn_n(st, 120, 120, 2, &q[1]);
	churn_n(st, 240, 125, 2, &q[2]);
	for (i = 1; i < 3; i++) {
		UT_ASSERT(q[i].names <= q[0].names + per_day);
		UT_ASSERT(q[i].macs <= q[0].macs + per_day);
		UT_ASSERT(q[i].devices <= q[0].devices + per_day);
		UT_ASSERT(q[i].device_addrs <= q[0].device_addrs + per_day);
		UT_ASSERT(q[i].used_bytes <= q[0].used_bytes +
		    q[0].used_bytes / 10);
	}
	/* the longest window holding keys is the days': two months of them */
	UT_ASSERT(q[2].macs <= 62 * per_day);
	UT_ASSERT(q[2].names <= 2 * 31 * per_day);
	if (getenv("FT_CHURN_SIZES"))
		for (i = 0; i < 3; i++)
			fprintf(stderr, "  day %d: names %llu, MACs %llu, "
			    "devices %llu, addrs %llu, bytes %llu\n",
			    i == 2 ? 365 : 120 * (i + 1),
			    (unsigned long long)q[i].names,
			    (unsigned long long)q[i].macs,
			    (unsigned long long)q[i].devices,
			    (unsigned long long)q[i].device_addrs,
			    (unsigned long long)q[i].used_bytes);
	store_close(st);
}

int
main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ft-churn.XXXXXX");
	if (!mkdtemp(tmpdir))
		return 1;
	setenv("TZ", "UTC", 1);
	ft_log_level = FT_LOG_WARN;
	UT_RUN(the_store_levels_off_under_churn);
	UT_RUN(a_year_of_churn_levels_off);
	fresh_path("churn");
	fresh_path("year");
	rmdir(tmpdir);
	return UT_DONE();
}
