/* cmd_lut.h: the lookup-table commands: `lut update|info`, `lookup` */
#ifndef CMD_LUT_H
#define CMD_LUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"

int cmd_lut(int argc, char **argv);
int cmd_lookup(int argc, char **argv);

/*
 * The compiled file: --lut (arg), else $FLOWTRAIL_LUT, else
 * /var/lib/flowtrail/lut.bin as root, else ~/.local/share/flowtrail/lut.bin.
 */
void cmd_lut_path(const struct cli *cli, const char *arg, char *buf,
    size_t len);

/* `flowtrail lut info`: the compiled file's sources, counts and credits. */
int cmd_lut_info(struct cli *cli, const char *lut_arg);

/* The one line for a missing or unreadable compiled file, on stderr. */
void cmd_lut_open_error(const struct cli *cli, const char *path, int rc,
    const char *msg);

/* How `lut update` fetches the npm packages (cmd_lut_npm.c). */
struct lut_npm {
	struct cli *cli;	/* messages; -q hides the progress lines */
	const char *work;	/* directory the tarballs are packed into */
	uint32_t timeout_s;	/* the registry may take this long in all */
	bool offline;		/* npm's cache only */
};

/*
 * npm pack @ip-location-db/asn and dbip-country (asn-country when dbip is
 * not to be had) into o->work. npm's registry (or proxy) is tried first
 * with a connect of at most 5 s; out of reach, or past timeout_s, npm's
 * cache is used instead (npm --offline). Says on stderr what it waits
 * for. 0, or one error line and -FT_E*.
 */
int cmd_lut_npm_fetch(const struct lut_npm *o);

/* Is prog an executable in $PATH? */
bool cmd_lut_in_path(const char *prog);

#endif
