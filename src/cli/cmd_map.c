/* cmd_map.c: `flowtrail map`: which clients use which server services */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "../map/map.h"
#include "cli_report.h"

static void
usage(void)
{
	printf("usage: flowtrail map [--format dot|mermaid|lucid|drawio|json]\n"
	    "                     [--group-by host|subnet[/V4[,V6]]|label]\n"
	    "                     [--min-bytes N] [--min-flows N] [--top-edges N]\n"
	    "                     [--since T] [--until T] [--source auto|flows|conv]\n"
	    "                     [--db FILE] [FILTER]\n"
	    "Nodes are hosts, labelled with their best name, address and MAC vendor;\n"
	    "edges go from clients to server services (protocol, server port,\n"
	    "application) with bytes and distinct flows.\n"
	    "  --format      dot (default; `| dot -Tsvg`), mermaid, lucid (LucidChart\n"
	    "                CSV import), drawio (Arrange > Insert > Advanced > CSV), json\n"
	    "  --group-by    host (default), subnet (/24 and /64, or subnet/16,48),\n"
	    "                label (the best name): clusters in dot and mermaid\n"
	    "  --min-bytes   drop edges with fewer bytes (units k, M, G, KiB, MiB, GiB)\n"
	    "  --min-flows   drop edges with fewer distinct flows\n"
	    "  --top-edges   keep the N biggest edges by bytes (default %d; 0 all,\n"
	    "                up to %d)\n"
	    "  --source      auto (default): the hourly conversations for the hours\n"
	    "                they hold and filters on host, net, proto, dst port,\n"
	    "                local, remote; the flow records for the rest. flows:\n"
	    "                always the records. conv: as auto, but a filter they\n"
	    "                cannot answer is an error\n",
	    MAP_TOP_EDGES, MAP_EDGES_MAX);
}

/* An amount option (--min-bytes 10M, --min-flows 5): 0 or 2 printed. */
static int
parse_amount(struct cli *cli, const char *opt, const char *arg, char kind,
    uint64_t *out)
{
	int64_t v;

	if (filter_parse_amount(arg, kind, &v)) {
		cli_error(cli, "%s: expected a number%s, got '%s'", opt,
		    kind == 'b' ? " of bytes (with k, M, G, KiB, MiB or GiB)" :
		    " (with k, M or G)", arg);
		return 2;
	}
	*out = (uint64_t)v;
	return 0;
}

static int
parse_top(struct cli *cli, const char *arg, uint64_t *out)
{
	unsigned long long n;
	char *end;

	errno = 0;
	n = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || *arg == '-' || n > MAP_EDGES_MAX) {
		cli_error(cli, "--top-edges: expected 0 (all) to %d, got '%s'",
		    MAP_EDGES_MAX, arg);
		return 2;
	}
	*out = n;
	return 0;
}

/* The map's own options; 0 handled, 1 not one, 2 error printed. */
static int
map_opt(struct cli *cli, struct map_opts *o, enum map_format *f, int opt,
    const char *arg)
{
	struct ft_err err = { 0 };

	switch (opt) {
	case 'F':
		if (!map_parse_format(arg, f, &err))
			return 0;
		cli_error(cli, "--format: %s", err.msg);
		return 2;
	case 'G':
		if (!map_parse_group(arg, o, &err))
			return 0;
		cli_error(cli, "--group-by: %s", err.msg);
		return 2;
	case 'b':
		return parse_amount(cli, "--min-bytes", arg, 'b',
		    &o->min_bytes);
	case 'm':
		return parse_amount(cli, "--min-flows", arg, 'p',
		    &o->min_flows);
	case 't':
		return parse_top(cli, arg, &o->top_edges);
	case 'R':
		if (!map_parse_source(arg, &o->source, &err))
			return 0;
		cli_error(cli, "--source: %s", err.msg);
		return 2;
	}
	return 1;
}

int
cmd_map(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "group-by", required_argument, NULL, 'G' },
		{ "min-bytes", required_argument, NULL, 'b' },
		{ "min-flows", required_argument, NULL, 'm' },
		{ "top-edges", required_argument, NULL, 't' },
		{ "source", required_argument, NULL, 'R' },
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		CLI_COMMON_LONGOPTS
	};
	struct map_opts o = { .top_edges = MAP_TOP_EDGES };
	enum map_format f = MAP_FMT_DOT;
	struct cli cli = { .cmd = "map" };
	struct cli_report r = { 0 };
	struct ft_err err = { 0 };
	struct map *m = NULL;
	int opt, rc;

	while ((opt = cli_next_opt(argc, argv, CLI_COMMON_SHORTOPTS, longopts,
	    usage)) >= 0) {
		rc = map_opt(&cli, &o, &f, opt, optarg);
		if (rc == 2)
			return 2;
		if (rc == 1 && cli_report_opt(&cli, &r, opt, optarg))
			return 2;
	}
	if (opt == CLI_HELP)
		return 0;
	rc = cli_report_start(&cli, &r, argc, argv, optind);
	if (rc)
		return rc;
	o.range = r.range;
	rc = map_build(r.st, &o, &m, &err);
	if (!rc)
		rc = map_write(m, f, stdout, &err);
	if (rc)
		cli_error(&cli, "%s", err.msg);
	else if (m->truncated)
		cli_error(&cli, "kept the %d biggest edges of more; narrow "
		    "the filter or time range, or raise --min-bytes",
		    MAP_EDGES_MAX);
	map_free(m);
	cli_report_close(&r);
	return rc ? 1 : 0;
}
