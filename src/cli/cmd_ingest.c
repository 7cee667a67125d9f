/* cmd_ingest.c: `flowtrail ingest`: captures into the store, a summary */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "../base/ft_log.h"
#include "../base/ft_time.h"
#include "../capture/capture.h"
#include "../enrich/enrich.h"
#include "cli.h"
#include "ingest_caps.h"
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
	    "                        [--no-store] [--force] CAPTURE...\n"
	    "Read pcap/pcapng files in order (packet time, flow state carried across\n"
	    "files) into the store and print what was seen. A capture the store has\n"
	    "taken already is skipped (--force adds it again); one whose ingest\n"
	    "stopped part-way is taken out and ingested again.\n");
}

/* Every frame of every file through the pipeline. */
static int
ingest_loop(struct cli *cli, struct capture *cap, struct pipeline *p,
    struct ingest_caps *ic)
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
		ingest_caps_frame(ic, capture_file_index(cap), f.ts_us);
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

/* "flowtrail ingest FILE...", for `runs` and for a writer waiting on us. */
static void
ingest_command(char *buf, size_t cap, char **files, int n)
{
	size_t len = (size_t)snprintf(buf, cap, "flowtrail ingest");
	int i;

	for (i = 0; i < n && len < cap; i++)
		len += (size_t)snprintf(buf + len, cap - len, " %s", files[i]);
}

/* Open the store and learn which files it still has to take. */
static int
ingest_store(struct cli *cli, char **files, int n, bool force,
    struct store **st, struct ingest_caps *ic)
{
	struct ft_err err = { 0 };
	struct store_opts so;
	char command[256];

	cli_store_opts(cli, true, &so);
	ingest_command(command, sizeof(command), files, n);
	so.command = command;
	so.journal = true;
	if (cli_make_db_dir(cli) || store_open(&so, st, &err) ||
	    store_set_iface(*st, 0, "file", &err)) {
		if (err.msg[0])
			cli_error(cli, "%s", err.msg);
		return 1;
	}
	return ingest_caps_prepare(cli, *st, files, n, force, ic);
}

static int
ingest_files(struct cli *cli, char **files, int n, bool no_store, bool force)
{
	struct ft_err err = { 0 };
	struct ingest_caps ic = { 0 };
	struct capture *cap = NULL;
	struct pipeline *p = NULL;
	struct store *st = NULL;
	uint64_t t0 = ft_mono_us();
	int rc;

	if (capture_open_files(files, n, &cap, &err)) {
		cli_error(cli, "%s", err.msg);
		return 1;
	}
	rc = no_store ? ingest_caps_prepare(cli, NULL, files, n, force, &ic) :
	    ingest_store(cli, files, n, force, &st, &ic);
	if (rc || !ic.n_todo)
		goto out_close;
	if (ic.n_todo != n) {
		capture_close(cap);
		cap = NULL;
		if (capture_open_files(ic.todo, ic.n_todo, &cap, &err)) {
			cli_error(cli, "%s", err.msg);
			rc = 1;
			goto out_close;
		}
	}
	rc = 1;
	if (pipeline_new(&cli->cfg, st, &p, &err)) {
		cli_error(cli, "%s", err.msg);
		goto out_close;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rc = ingest_loop(cli, cap, p, &ic);
	if (rc == 0)
		ingest_summary_print(cli, cap, p, st, ft_mono_us() - t0);
	pipeline_free(p);
	p = NULL;
	if (rc == 0 && ingest_stop)
		cli_error(cli, "interrupted: what was read is committed, and "
		    "the captures stay marked partial: ingesting them again "
		    "replaces it");
	else if (rc == 0)
		rc = ingest_caps_done(cli, st, &ic);
out_close:
	pipeline_free(p);
	store_close(st);
	capture_close(cap);
	ingest_caps_fini(&ic);
	return rc;
}

int
cmd_ingest(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "no-store", no_argument, NULL, 'N' },
		{ "force", no_argument, NULL, 'f' },
		CLI_COMMON_LONGOPTS
	};
	struct cli cli = { .cmd = "ingest" };
	bool no_store = false, force = false;
	int opt, rc;

	while ((opt = cli_next_opt(argc, argv, CLI_COMMON_SHORTOPTS, longopts,
	    usage)) >= 0) {
		if (opt == 'N') {
			no_store = true;
			continue;
		}
		if (opt == 'f') {
			force = true;
			continue;
		}
		rc = cli_common_opt(&cli, opt, optarg);
		if (rc)
			return 2;
	}
	if (opt == CLI_HELP)
		return 0;
	if (optind >= argc) {
		cli_error(&cli, "no capture file given (usage: flowtrail "
		    "ingest [--db FILE] CAPTURE...)");
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
	return ingest_files(&cli, argv + optind, argc - optind, no_store,
	    force);
}
