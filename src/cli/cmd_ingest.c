/* cmd_ingest.c: `flowtrail ingest`: capture files through the pipeline into the store, then a summary. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "../base/ft_log.h"
#include "../base/ft_time.h"
#include "../capture/capture.h"
#include "../enrich/enrich.h"
#include "cli.h"
#include "ingest_summary.h"
#include "pipeline.h"

static volatile sig_atomic_t ingest_stop;

static void
on_signal(int sig)
{
	ingest_stop = 1;
}

static void
usage(void)
{
	printf("usage: flowtrail ingest [--db FILE] [--format text|json] [--set KEY=VALUE]...\n"
	    "                        [--no-store] CAPTURE...\n"
	    "Read pcap/pcapng files in order (packet time, flow state carried across\n"
	    "files) into the store and print what was seen.\n");
}

/* Every frame of every file through the pipeline. */
static int
ingest_loop(struct cli *cli, struct capture *cap, struct pipeline *p)
{
	struct ft_err err = { 0 };
	struct ft_frame f;
	int rc;

	struct ft_err cap_err = { 0 };

	while (!ingest_stop) {
		rc = capture_next(cap, &f, 0, &cap_err);
		if (rc == -FT_ENOENT)
			break;
		if (rc)
			goto out_cut;
		if (pipeline_frame(p, &f, &err)) {
			cli_error(cli, "%s", err.msg);
			return 1;
		}
	}
	if (pipeline_finish(p, &err)) {
		cli_error(cli, "%s", err.msg);
		return 1;
	}
	return 0;
out_cut:
	/* What was read before the file went bad is kept: commit it. */
	if (pipeline_finish(p, &err))
		cli_error(cli, "%s", err.msg);
	else
		cli_error(cli, "%s; what was read before is committed",
		    cap_err.msg);
	return 1;
}

static int
ingest_files(struct cli *cli, char **files, int n, bool no_store)
{
	struct store_opts so;
	struct ft_err err = { 0 };
	struct capture *cap = NULL;
	struct pipeline *p = NULL;
	struct store *st = NULL;
	uint64_t t0 = ft_mono_us();
	int rc;

	if (capture_open_files(files, n, &cap, &err)) {
		cli_error(cli, "%s", err.msg);
		return 1;
	}
	rc = 1;
	cli_store_opts(cli, true, &so);
	if (!no_store && (cli_make_db_dir(cli) || store_open(&so, &st, &err) ||
	    store_set_iface(st, 0, "file", &err))) {
		if (err.msg[0])
			cli_error(cli, "%s", err.msg);
		goto out_close;
	}
	if (pipeline_new(&cli->cfg, st, &p, &err)) {
		cli_error(cli, "%s", err.msg);
		goto out_close;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rc = ingest_loop(cli, cap, p);
	if (rc == 0)
		ingest_summary_print(cli, cap, p, st, ft_mono_us() - t0);
out_close:
	pipeline_free(p);
	store_close(st);
	capture_close(cap);
	return rc;
}

int
cmd_ingest(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "no-store", no_argument, NULL, 'N' },
		CLI_COMMON_LONGOPTS
	};
	struct cli cli = { .cmd = "ingest" };
	bool no_store = false;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (opt == 'h') {
			usage();
			return 0;
		}
		if (opt == 'N') {
			no_store = true;
			continue;
		}
		rc = cli_common_opt(&cli, opt, optarg);
		if (rc)
			return 2;
	}
	if (optind >= argc) {
		cli_error(&cli, "no capture file given (usage: flowtrail ingest [--db FILE] CAPTURE...)");
		return 2;
	}
	if (cli.format != CLI_FMT_DEFAULT && cli.format != CLI_FMT_TEXT &&
	    cli.format != CLI_FMT_JSON) {
		cli_error(&cli, "--format: ingest prints text or json");
		return 2;
	}
	if (cli_configure(&cli))
		return 2;
	/* Today's leases say nothing about an old capture: only when asked. */
	if (!cli.cfg.leases_path[0])
		snprintf(cli.cfg.leases_path, sizeof(cli.cfg.leases_path), "%s",
		    ENRICH_NO_LEASES);
	return ingest_files(&cli, argv + optind, argc - optind, no_store);
}
