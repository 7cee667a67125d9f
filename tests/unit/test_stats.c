/* test_stats.c: minute placement, sums per kind, top-K fold, peaks */
#include <arpa/inet.h>
#include <stdlib.h>

#include "../../src/stats/stats.h"
#include "ut.h"

#define MIN_US UINT64_C(60000000)
#define T0 (UINT64_C(28333333) * MIN_US)	/* a whole minute, 2023-11-14 */

static struct ft_flowrec
rec(uint64_t id, uint64_t t_us, const char *cli, const char *srv,
    uint64_t up, uint64_t down, uint8_t local)
{
	struct ft_flowrec r;

	memset(&r, 0, sizeof(r));
	r.flow_id = id;
	r.first_us = r.start_us = t_us;
	r.last_us = t_us + 1000;
	r.ip_ver = 4;
	inet_pton(AF_INET, cli, r.cli);
	inet_pton(AF_INET, srv, r.srv);
	r.proto = 6;
	r.bytes[0] = up;
	r.bytes[1] = down;
	r.pkts[0] = 1 + up / 1000;
	r.pkts[1] = 1 + down / 1000;
	r.local = local;
	r.cli_mac[5] = 1;
	r.srv_mac[5] = 2;
	r.flags = FT_REC_FINAL;
	return r;
}

static struct stats *
mk(uint32_t k, uint32_t k_local, uint32_t max_keys)
{
	struct stats_opts o = { .top_k = k, .top_local = k_local,
		.max_keys = max_keys };
	struct ft_err err = { 0 };
	struct stats *s = NULL;

	if (stats_new(&o, &s, &err))
		UT_FAILF("stats_new: %s", err.msg);
	return s;
}

/* Sum of counter v over the points of one kind (and minute t, 0 any). */
static uint64_t
sum_kind(const struct ft_series_pt *p, size_t n, uint8_t kind, uint32_t t,
    unsigned v)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i].kind == kind && (!t || p[i].t == t))
			sum += p[i].v[v];
	return sum;
}

static size_t
count_kind(const struct ft_series_pt *p, size_t n, uint8_t kind)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		c += p[i].kind == kind;
	return c;
}

/* Every breakdown adds up to the interface rows; hosts and MACs both ways. */
static void
every_kind_sums_to_the_interface_totals(void)
{
	struct stats *s = mk(3, 3, 65536);
	const struct ft_series_pt *p;
	struct ft_flowrec r[40];
	uint64_t total = 0, in, out;
	char cli[32], srv[32];
	size_t n, i;
	uint8_t k;

	for (i = 0; i < 40; i++) {
		snprintf(cli, sizeof(cli), "192.168.1.%zu", i % 7 + 1);
		snprintf(srv, sizeof(srv), "203.0.113.%zu", i % 11 + 1);
		r[i] = rec(i + 1, T0 + i * 1000000, cli, srv, 100 * i + 7,
		    5000 * i + 11, i % 5 ? FT_LOCAL_CLI : FT_LOCAL_SRV);
		r[i].asn = 64500 + i % 6;
		memcpy(r[i].country, i % 2 ? "DE" : "US", 3);
		snprintf(r[i].app, sizeof(r[i].app), "App%zu", i % 9);
		r[i].proto = i % 3 ? 6 : 17;
		total += r[i].bytes[0] + r[i].bytes[1];
	}
	stats_add(s, r, 40);
	n = stats_close(s, UINT64_MAX, &p);
	in = sum_kind(p, n, FT_SK_IFACE, 0, FT_SV_BYTES_IN);
	out = sum_kind(p, n, FT_SK_IFACE, 0, FT_SV_BYTES_OUT);
	UT_EQ(in + out, total);
	for (k = FT_SK_PROTO; k <= FT_SK_COUNTRY; k++) {
		if (k == FT_SK_LHOST || k == FT_SK_RHOST || k == FT_SK_MAC)
			continue;
		UT_EQ(sum_kind(p, n, k, 0, FT_SV_BYTES_IN), in);
		UT_EQ(sum_kind(p, n, k, 0, FT_SV_BYTES_OUT), out);
		UT_ASSERT(count_kind(p, n, k) <= 4);	/* 3 + other */
	}
	/* Every byte is sent by one host and received by one host. */
	UT_EQ(sum_kind(p, n, FT_SK_LHOST, 0, FT_SV_BYTES_OUT) +
	    sum_kind(p, n, FT_SK_RHOST, 0, FT_SV_BYTES_OUT), total);
	UT_EQ(sum_kind(p, n, FT_SK_LHOST, 0, FT_SV_BYTES_IN) +
	    sum_kind(p, n, FT_SK_RHOST, 0, FT_SV_BYTES_IN), total);
	UT_EQ(sum_kind(p, n, FT_SK_MAC, 0, FT_SV_BYTES_OUT), total);
	UT_EQ(sum_kind(p, n, FT_SK_IFACE, 0, FT_SV_FLOWS), 40);
	UT_EQ(sum_kind(p, n, FT_SK_APP, 0, FT_SV_FLOWS), 40);
	stats_free(s);
}

/* The busiest K keys stay, in order; "other" holds exactly the rest. */
static void
the_top_k_stay_and_the_rest_is_other(void)
{
	struct stats *s = mk(2, 256, 65536);
	const struct ft_series_pt *p;
	struct ft_flowrec r[5];
	char srv[32];
	size_t n, i, seen = 0;

	for (i = 0; i < 5; i++) {
		snprintf(srv, sizeof(srv), "198.51.100.%zu", i + 1);
		r[i] = rec(i + 1, T0, "10.0.0.1", srv, 10, 1000 * (i + 1),
		    FT_LOCAL_CLI);
	}
	stats_add(s, r, 5);
	n = stats_close(s, UINT64_MAX, &p);
	for (i = 0; i < n; i++) {
		if (p[i].kind != FT_SK_RHOST)
			continue;
		if (seen == 0)
			UT_EQ(p[i].addr[3], 5);	/* busiest first */
		if (seen == 1)
			UT_EQ(p[i].addr[3], 4);
		if (seen == 2) {
			UT_EQ(p[i].other, 1);
			UT_EQ(p[i].v[FT_SV_BYTES_OUT], 3000 + 2000 + 1000);
			UT_EQ(p[i].v[FT_SV_BYTES_IN], 30);
			UT_EQ(p[i].v[FT_SV_FLOWS], 3);
		}
		seen++;
	}
	UT_EQ(seen, 3);
	UT_EQ(count_kind(p, n, FT_SK_LHOST), 1);
	stats_free(s);
}

/*
 * Records go to the minute of their first packet; stats_close hands out only
 * minutes that have ended; a record of a closed minute is counted as late
 * and still goes to its own minute (which the store adds to).
 */
static void
records_land_in_their_minute(void)
{
	struct stats *s = mk(50, 256, 65536);
	const struct ft_series_pt *p;
	struct stats_counters c;
	struct ft_flowrec a = rec(1, T0 + 5000000, "10.0.0.1", "8.8.8.8", 100,
	    200, FT_LOCAL_CLI);
	struct ft_flowrec b = rec(1, T0 + MIN_US + 1000, "10.0.0.1", "8.8.8.8",
	    1000, 2000, FT_LOCAL_CLI);
	size_t n;

	a.flags = 0;
	b.start_us = a.first_us;	/* b continues a's flow */
	stats_add(s, &a, 1);
	n = stats_close(s, T0 + MIN_US - 1, &p);
	UT_EQ(n, 0);			/* the minute has not ended */
	n = stats_close(s, T0 + MIN_US, &p);
	UT_ASSERT(n > 0);
	UT_EQ(p[0].t, T0 / 1000000);
	UT_EQ(sum_kind(p, n, FT_SK_IFACE, 0, FT_SV_BYTES_OUT), 100);
	stats_add(s, &b, 1);
	stats_add(s, &a, 1);		/* late: its minute is closed */
	n = stats_close(s, UINT64_MAX, &p);
	UT_EQ(p[0].t, T0 / 1000000 + 60);
	UT_EQ(sum_kind(p, n, FT_SK_IFACE, T0 / 1000000 + 60, FT_SV_BYTES_OUT),
	    1000);
	UT_EQ(sum_kind(p, n, FT_SK_IFACE, T0 / 1000000, FT_SV_BYTES_OUT), 100);
	UT_EQ(sum_kind(p, n, FT_SK_IFACE, T0 / 1000000, FT_SV_FLOWS), 1);
	UT_EQ(sum_kind(p, n, FT_SK_APP, T0 / 1000000, FT_SV_BYTES_OUT), 100);
	stats_get_counters(s, &c);
	UT_EQ(c.late, 1);
	UT_EQ(c.minutes, 3);
	stats_free(s);
}

/*
 * Records and frames that go back in time, by a minute or by years, land
 * in their own minutes: every minute's sums are those of its traffic
 * whatever the order (issue 12: a 2020 capture after a 2023 one filed
 * its traffic under 2023).
 */
static void
records_and_frames_of_earlier_minutes_keep_their_minutes(void)
{
	static const uint64_t when[] = { T0 + 3 * MIN_US, T0,
	    T0 - 1000 * 1440 * MIN_US, T0 + 2 * MIN_US, T0 + MIN_US / 2 };
	uint64_t want[5], got;
	struct stats *s = mk(50, 256, 65536);
	const struct ft_series_pt *p;
	struct ft_flowrec r;
	size_t n, i, j;

	for (i = 0; i < 5; i++) {
		r = rec(i + 1, when[i], "10.0.0.1", "8.8.8.8", 100 * (i + 1), 0,
		    FT_LOCAL_CLI);
		stats_frame(s, 0, when[i], 7 * (uint32_t)(i + 1), false);
		stats_add(s, &r, 1);
	}
	n = stats_close(s, UINT64_MAX, &p);
	for (i = 0; i < 5; i++) {
		want[i] = 0;
		for (j = 0; j < 5; j++)
			if (when[j] / MIN_US == when[i] / MIN_US)
				want[i] += 100 * (j + 1);
		got = sum_kind(p, n, FT_SK_IFACE, (uint32_t)(when[i] / MIN_US *
		    60), FT_SV_BYTES_OUT);
		UT_EQ(got, want[i]);
		UT_EQ(sum_kind(p, n, FT_SK_PROTO, (uint32_t)(when[i] / MIN_US *
		    60), FT_SV_BYTES_OUT), want[i]);
		UT_EQ(sum_kind(p, n, FT_SK_IFACE, (uint32_t)(when[i] / MIN_US *
		    60), FT_SV_NONIP_BYTES), want[i] / 100 * 7);
	}
	stats_free(s);
}

/* One new flow per first record; continuations are not active again. */
static void
new_and_active_flows_are_counted_once(void)
{
	struct stats *s = mk(50, 256, 65536);
	const struct ft_series_pt *p;
	struct ft_flowrec r[3];
	size_t n;

	r[0] = rec(1, T0, "10.0.0.1", "8.8.8.8", 1, 1, FT_LOCAL_CLI);
	r[1] = rec(1, T0 + 20000000, "10.0.0.1", "8.8.8.8", 1, 1, FT_LOCAL_CLI);
	r[1].start_us = T0;
	r[1].flags |= FT_REC_CONT;
	r[2] = rec(2, T0 + 30000000, "10.0.0.2", "8.8.8.8", 1, 1,
	    FT_LOCAL_CLI);
	stats_add(s, r, 3);
	n = stats_close(s, UINT64_MAX, &p);
	UT_EQ(sum_kind(p, n, FT_SK_IFACE, 0, FT_SV_FLOWS), 2);
	UT_EQ(sum_kind(p, n, FT_SK_IFACE, 0, FT_SV_ACTIVE), 2);
	stats_free(s);
}

/* The busiest second's bits, and frames in no flow, per interface. */
static void
peaks_and_non_ip_come_from_frames(void)
{
	struct stats *s = mk(50, 256, 65536);
	const struct ft_series_pt *p;
	size_t n, i;

	for (i = 0; i < 10; i++)
		stats_frame(s, 0, T0 + 2000000 + i, 1000, true);
	for (i = 0; i < 3; i++)
		stats_frame(s, 0, T0 + 7000000 + i, 1500, true);
	stats_frame(s, 0, T0 + 9000000, 60, false);
	stats_frame(s, 1, T0 + 9000000, 64, false);
	n = stats_close(s, UINT64_MAX, &p);
	UT_EQ(count_kind(p, n, FT_SK_IFACE), 2);
	for (i = 0; i < n; i++) {
		if (p[i].kind != FT_SK_IFACE)
			continue;
		if (p[i].num == 0) {
			UT_EQ(p[i].v[FT_SV_PEAK_BPS], 10 * 1000 * 8);
			UT_EQ(p[i].v[FT_SV_NONIP_BYTES], 60);
			UT_EQ(p[i].v[FT_SV_NONIP_PKTS], 1);
		} else {
			UT_EQ(p[i].v[FT_SV_PEAK_BPS], 64 * 8);
		}
	}
	stats_free(s);
}

/* Past max_keys new keys go to "other" at once, and are counted. */
static void
keys_past_the_limit_are_folded_and_counted(void)
{
	struct stats *s = mk(100000, 100000, 1024);
	const struct ft_series_pt *p;
	struct stats_counters c;
	struct ft_flowrec r;
	uint64_t total = 0;
	char srv[32];
	size_t n, i;

	for (i = 0; i < 3000; i++) {
		snprintf(srv, sizeof(srv), "10.%zu.%zu.1", i / 250, i % 250);
		r = rec(i + 1, T0, "192.168.0.1", srv, 1, i, FT_LOCAL_CLI);
		total += 1 + i;
		stats_add(s, &r, 1);
	}
	n = stats_close(s, UINT64_MAX, &p);
	stats_get_counters(s, &c);
	UT_ASSERT(c.overflow > 0);
	UT_EQ(sum_kind(p, n, FT_SK_RHOST, 0, FT_SV_BYTES_IN) +
	    sum_kind(p, n, FT_SK_LHOST, 0, FT_SV_BYTES_IN), total);
	UT_ASSERT(count_kind(p, n, FT_SK_RHOST) < 3000);
	stats_free(s);
}

/* A held record: everything but its application at once, then the
 * application in its own minute, even after that minute closed. */
static void
a_held_records_application_lands_in_its_own_minute(void)
{
	struct stats *s = mk(10, 10, 0);
	const struct ft_series_pt *p;
	struct stats_counters c;
	struct ft_flowrec r = rec(1, T0 + 5000000, "192.168.0.1", "10.0.0.1",
	    100, 900, FT_LOCAL_CLI), later;
	size_t n, i;

	r.flags = 0;	/* a delta */
	snprintf(r.app, sizeof(r.app), "TLS");
	stats_add_held(s, &r);
	n = stats_close(s, T0 + MIN_US, &p);
	UT_EQ(sum_kind(p, n, FT_SK_IFACE, T0 / 1000000, FT_SV_BYTES_OUT), 100);
	UT_EQ(count_kind(p, n, FT_SK_APP), 0);
	later = rec(2, T0 + MIN_US + 1000, "192.168.0.1", "10.0.0.2", 7, 0,
	    FT_LOCAL_CLI);
	stats_add(s, &later, 1);	/* the next minute is open */
	snprintf(r.app, sizeof(r.app), "TLS.Facebook");	/* final now */
	stats_add_app(s, &r);
	n = stats_close(s, UINT64_MAX, &p);
	UT_EQ(sum_kind(p, n, FT_SK_APP, T0 / 1000000, FT_SV_BYTES_OUT), 100);
	UT_EQ(sum_kind(p, n, FT_SK_APP, T0 / 1000000, FT_SV_BYTES_IN), 900);
	UT_EQ(sum_kind(p, n, FT_SK_APP, T0 / 1000000 + 60, FT_SV_BYTES_OUT), 7);
	for (i = 0; i < n; i++)
		if (p[i].kind == FT_SK_APP && p[i].t == T0 / 1000000)
			UT_ASSERT(!strcmp(p[i].app, "TLS.Facebook"));
	stats_get_counters(s, &c);
	UT_EQ(c.late_points, 1);
	UT_EQ(c.late, 0);
	stats_free(s);
}

int
main(void)
{
	UT_RUN(a_held_records_application_lands_in_its_own_minute);
	UT_RUN(every_kind_sums_to_the_interface_totals);
	UT_RUN(the_top_k_stay_and_the_rest_is_other);
	UT_RUN(records_land_in_their_minute);
	UT_RUN(records_and_frames_of_earlier_minutes_keep_their_minutes);
	UT_RUN(new_and_active_flows_are_counted_once);
	UT_RUN(peaks_and_non_ip_come_from_frames);
	UT_RUN(keys_past_the_limit_are_folded_and_counted);
	return UT_DONE();
}
