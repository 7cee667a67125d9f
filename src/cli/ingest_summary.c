/* ingest_summary.c: what `ingest` saw, as aligned text or one JSON object. */
#include <netdb.h>
#include <stdio.h>

#include "../out/out.h"
#include "ingest_summary.h"

/* Protocol name as reports print it, or proto-N. */
static const char *
proto_name(unsigned proto, char *buf, size_t len)
{
	const char *name = out_proto_name((int)proto);

	if (name)
		return name;
	snprintf(buf, len, "proto-%u", proto);
	return buf;
}

/* What retention did in this ingest, and what it will do next. */
struct ingest_keep {
	struct store_windows w;		/* windows as they stand */
	uint64_t behind;		/* own records before the flows window */
	struct store_sizes sz;		/* tables that grow with churn */
};

static void
json_retention(const struct store_stats *ss, const struct ingest_keep *k)
{
	char a[32], b[32];

	printf("\"retention\":{\"windows_end\":\"%s\",\"flows_from\":\"%s\","
	    "\"pruned_flows\":%llu,\"pruned_series\":%llu,"
	    "\"pruned_conversations\":%llu,\"kept_before_window\":%llu},",
	    store_fmt_utc(k->w.horizon_s, a, sizeof(a)),
	    store_fmt_utc(k->w.flows_s, b, sizeof(b)),
	    (unsigned long long)ss->pruned_flows,
	    (unsigned long long)ss->pruned_series,
	    (unsigned long long)ss->pruned_conv,
	    (unsigned long long)k->behind);
	printf("\"tables\":{\"names\":%llu,\"macs\":%llu,\"devices\":%llu,"
	    "\"device_addrs\":%llu,\"used_bytes\":%llu,\"pruned_names\":%llu,"
	    "\"pruned_macs\":%llu,\"pruned_devices\":%llu,"
	    "\"pruned_device_addrs\":%llu},",
	    (unsigned long long)k->sz.names, (unsigned long long)k->sz.macs,
	    (unsigned long long)k->sz.devices,
	    (unsigned long long)k->sz.device_addrs,
	    (unsigned long long)k->sz.used_bytes,
	    (unsigned long long)ss->pruned_dict[0],
	    (unsigned long long)ss->pruned_dict[1],
	    (unsigned long long)ss->pruned_dict[2],
	    (unsigned long long)ss->pruned_dict[3]);
}

/*
 * The retention lines: what was pruned and why, and this ingest's records
 * that are already past the flows window (kept: an ingest never prunes
 * what it writes, but the next writer will).
 */
static void
print_retention(const struct store_stats *ss, const struct ingest_keep *k)
{
	char a[32], b[32], c[32], d[32], e[32];

	printf("retention    pruned %s flow records, %s series rows, %s "
	    "conversation rows (windows end at the newest data, %s; flows "
	    "kept from %s)\n", cli_count(a, 32, ss->pruned_flows),
	    cli_count(b, 32, ss->pruned_series),
	    cli_count(c, 32, ss->pruned_conv),
	    store_fmt_utc(k->w.horizon_s, d, sizeof(d)),
	    store_fmt_utc(k->w.flows_s, e, sizeof(e)));
	if (k->behind)
		printf("             %s records of this ingest are older than "
		    "history.keep-flows allows: kept for now, the next "
		    "writer prunes them\n", cli_count(a, 32, k->behind));
	printf("tables       %s names, %s MACs, %s devices, %s device "
	    "addresses", cli_count(a, 32, k->sz.names),
	    cli_count(b, 32, k->sz.macs), cli_count(c, 32, k->sz.devices),
	    cli_count(d, 32, k->sz.device_addrs));
	if (ss->pruned_dict[0] | ss->pruned_dict[1] | ss->pruned_dict[3])
		printf(" (no longer needed: %s names, %s MACs and their "
		    "devices, %s addresses removed)", cli_count(a, 32,
		    ss->pruned_dict[0]), cli_count(b, 32, ss->pruned_dict[1]),
		    cli_count(c, 32, ss->pruned_dict[3]));
	printf("\n");
}

/*
 * Rows the store holds of this ingest: the records the pipeline handed on,
 * less the empty final records written as the end of a flow's latest row.
 */
static uint64_t
rows_stored(const struct pipeline *p, const struct store_stats *ss)
{
	uint64_t marked = ss ? ss->ends_marked : 0;

	return p->records > marked ? p->records - marked : 0;
}

static void
print_json(struct capture_stats *cs, const struct decode_stats *ds,
    const struct flow_stats *fs, const struct pipeline *p,
    const struct enrich_stats *es, const struct store_stats *ss,
    const struct ingest_keep *k)
{
	struct stats_counters sc = { 0 };
	const char *sep = "";
	unsigned i;

	if (p->stats)
		stats_get_counters(p->stats, &sc);
	printf("{\"packets\":%llu,\"bytes\":%llu,\"ip_packets\":%llu,"
	    "\"ip_bytes\":%llu,\"non_ip_packets\":%llu,\"non_ip_bytes\":%llu,"
	    "\"ipv4_packets\":%llu,\"ipv6_packets\":%llu,\"flows\":%llu,"
	    "\"records\":%llu,\"ends_marked\":%llu,\"evicted\":%llu,"
	    "\"truncated\":%llu,"
	    "\"malformed\":%llu,\"unknown_link\":%llu,\"fragments\":%llu,"
	    "\"frag_orphans\":%llu,\"tunnel_packets\":%llu,"
	    "\"tunnel_bad\":%llu,\"files_cut\":%u,\"link_types\":{",
	    (unsigned long long)ds->packets, (unsigned long long)ds->bytes,
	    (unsigned long long)ds->ip_packets,
	    (unsigned long long)ds->ip_bytes,
	    (unsigned long long)ds->non_ip_packets,
	    (unsigned long long)ds->non_ip_bytes,
	    (unsigned long long)ds->ipv4_packets,
	    (unsigned long long)ds->ipv6_packets,
	    (unsigned long long)fs->created,
	    (unsigned long long)rows_stored(p, ss),
	    (unsigned long long)(ss ? ss->ends_marked : 0),
	    (unsigned long long)fs->evicted, (unsigned long long)ds->truncated,
	    (unsigned long long)ds->malformed,
	    (unsigned long long)ds->unknown_link,
	    (unsigned long long)ds->fragments,
	    (unsigned long long)ds->frag_orphans,
	    (unsigned long long)ds->tunnel_packets,
	    (unsigned long long)ds->tunnel_bad, cs->files_cut);
	for (i = 0; i < DECODE_MAX_LINKTYPES; i++) {
		if (ds->linktype[i] < 0 || !ds->linktype_packets[i])
			continue;
		printf("%s\"%s\":%llu", sep, decode_linktype_name(ds->linktype[i]),
		    (unsigned long long)ds->linktype_packets[i]);
		sep = ",";
	}
	printf("},\"ip_protocols\":{");
	sep = "";
	for (i = 0; i < 256; i++) {
		if (!ds->proto_packets[i])
			continue;
		printf("%s\"%u\":{\"packets\":%llu,\"bytes\":%llu}", sep, i,
		    (unsigned long long)ds->proto_packets[i],
		    (unsigned long long)ds->proto_bytes[i]);
		sep = ",";
	}
	printf("},\"names\":{\"dns_answers\":%llu,\"dns_evicted\":%llu,"
	    "\"dns_bad\":%llu,\"dhcp_names\":%llu,\"dhcp_bad\":%llu,"
	    "\"lookup_tables\":%s},", (unsigned long long)es->dns_answers,
	    (unsigned long long)es->dns_evicted,
	    (unsigned long long)es->dns_bad,
	    (unsigned long long)es->dhcp_names,
	    (unsigned long long)es->dhcp_bad, es->lut_loaded ? "true" : "false");
	if (ss) {
		printf("\"conversations\":{\"hours\":%llu,\"hours_left_to_"
		    "records\":%llu,\"hours_read_back\":%llu},",
		    (unsigned long long)ss->conv_hours,
		    (unsigned long long)ss->conv_raw,
		    (unsigned long long)ss->conv_read_back);
		json_retention(ss, k);
	}
	printf("\"series\":{\"enabled\":%s,\"minutes\":%llu,\"points\":%llu,"
	    "\"late_points\":%llu,"
	    "\"late_records\":%llu,\"keys_folded\":%llu,"
	    "\"minutes_lost\":%llu,\"rewinds\":%llu}}\n",
	    p->stats ? "true" : "false",
	    (unsigned long long)sc.minutes, (unsigned long long)sc.points,
	    (unsigned long long)sc.late_points,
	    (unsigned long long)sc.late, (unsigned long long)sc.overflow,
	    (unsigned long long)sc.lost, (unsigned long long)p->rewinds);
}

/* The series line: what the stats stage made, and what it had to fold. */
static void
print_series(const struct pipeline *p)
{
	struct stats_counters sc;
	char a[32], b[32], c[32], d[32], e[32];

	if (!p->stats) {
		printf("series       off (history.enabled = false)\n");
		return;
	}
	stats_get_counters(p->stats, &sc);
	printf("series       %s minutes, %s points (%s late records, %s keys "
	    "past history.max-keys, %s minutes lost)\n",
	    cli_count(a, 32, sc.minutes), cli_count(b, 32, sc.points),
	    cli_count(c, 32, sc.late), cli_count(d, 32, sc.overflow),
	    cli_count(e, 32, sc.lost));
	if (p->rewinds)
		printf("             packet time went back %s times: the open "
		    "flows and minutes ended there\n",
		    cli_count(a, 32, p->rewinds));
}

static void
print_text(const struct cli *cli, struct capture_stats *cs,
    const struct decode_stats *ds, const struct flow_stats *fs,
    const struct pipeline *p, const struct enrich_stats *es,
    const struct store_stats *ss, const struct ingest_keep *k)
{
	char a[32], b[32], c[32], pn[16];
	unsigned i;

	printf("packets      %s (%s bytes)\n", cli_count(a, 32, ds->packets),
	    cli_count(b, 32, ds->bytes));
	printf("IP           %s packets, %s bytes (IPv4 %s, IPv6 %s packets)\n",
	    cli_count(a, 32, ds->ip_packets), cli_count(b, 32, ds->ip_bytes),
	    cli_count(c, 32, ds->ipv4_packets),
	    cli_count(pn, 16, ds->ipv6_packets));
	printf("non-IP       %s packets, %s bytes\n",
	    cli_count(a, 32, ds->non_ip_packets),
	    cli_count(b, 32, ds->non_ip_bytes));
	printf("flows        %s (%s records, %s evicted)\n",
	    cli_count(a, 32, fs->created),
	    cli_count(b, 32, rows_stored(p, ss)),
	    cli_count(c, 32, fs->evicted));
	printf("link types  ");
	for (i = 0; i < DECODE_MAX_LINKTYPES; i++)
		if (ds->linktype[i] >= 0 && ds->linktype_packets[i])
			printf(" %s %s", decode_linktype_name(ds->linktype[i]),
			    cli_count(a, 32, ds->linktype_packets[i]));
	printf("\nprotocols   ");
	for (i = 0; i < 256; i++)
		if (ds->proto_packets[i])
			printf(" %s %s/%s", proto_name(i, pn, sizeof(pn)),
			    cli_count(a, 32, ds->proto_packets[i]),
			    cli_count(b, 32, ds->proto_bytes[i]));
	printf("\nproblems     truncated %s, malformed %s, unknown link %s, "
	    "files cut %u\n", cli_count(a, 32, ds->truncated),
	    cli_count(b, 32, ds->malformed), cli_count(c, 32, ds->unknown_link),
	    cs->files_cut);
	printf("fragments    %s (%s without their first)\n",
	    cli_count(a, 32, ds->fragments), cli_count(b, 32, ds->frag_orphans));
	printf("tunnels      %s packets decoded inside (%s unusable)\n",
	    cli_count(a, 32, ds->tunnel_packets),
	    cli_count(b, 32, ds->tunnel_bad));
	printf("names        %s addresses from DNS answers (%s evicted, %s "
	    "malformed), %s DHCP host names; lookup tables %s\n",
	    cli_count(a, 32, es->dns_answers), cli_count(b, 32, es->dns_evicted),
	    cli_count(c, 32, es->dns_bad), cli_count(pn, 16, es->dhcp_names),
	    es->lut_loaded ? "loaded" : "not loaded (flowtrail lut update)");
	if (ss)
		printf("maps         %s hours rolled into conversations, %s "
		    "left to the flow records\n", cli_count(a, 32,
		    ss->conv_hours), cli_count(b, 32, ss->conv_raw));
	if (ss)
		print_retention(ss, k);
	print_series(p);
}

void
ingest_summary_print(const struct cli *cli, struct capture *cap,
    const struct pipeline *p, struct store *st, uint64_t elapsed_us)
{
	struct store_stats ss = { 0 };
	struct ingest_keep k = { .behind = 0 };
	struct ft_err err = { 0 };
	const struct decode_stats *ds = decoder_stats(p->dec);
	struct classify_stats ks;
	struct enrich_stats es;
	struct capture_stats cs;
	struct flow_stats fs;
	double secs = (double)elapsed_us / 1e6;

	capture_get_stats(cap, &cs);
	flow_table_get_stats(p->flows, &fs);
	classify_get_stats(p->cls, &ks);
	enrich_get_stats(p->enr, &es);
	if (st) {	/* the writer is idle: every flow is committed */
		store_get_stats(st, &ss);
		store_get_windows(st, &k.w);
		/* the writer thread is idle: no batch open, no SQLite call */
		if (store_count_own_behind(st, &k.behind, &err) ||
		    store_gc_sizes(st, &k.sz, &err))
			cli_error(cli, "%s", err.msg);
	}
	if (cli->format == CLI_FMT_JSON)
		print_json(&cs, ds, &fs, p, &es, st ? &ss : NULL, &k);
	else
		print_text(cli, &cs, ds, &fs, p, &es, st ? &ss : NULL, &k);
	if (!cli->quiet)
		fprintf(stderr, "flowtrail: ingest: %s, %llu detected, %llu "
		    "gave up, %llu not inspected; %llu records into %s in "
		    "%.2f s (%.2f Mpps)\n",
		    classify_engine(p->cls), (unsigned long long)ks.detected,
		    (unsigned long long)ks.gave_up,
		    (unsigned long long)ks.no_slot,
		    (unsigned long long)rows_stored(p, st ? &ss : NULL),
		    p->wq ? cli->cfg.db_path : "(no store)", secs,
		    secs > 0 ? (double)ds->packets / secs / 1e6 : 0.0);
}
