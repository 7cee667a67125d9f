/* cmd_lut.h: the lookup-table commands: `flowtrail lut update|info` and `flowtrail lookup`. */
#ifndef CMD_LUT_H
#define CMD_LUT_H

#include <stddef.h>

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

#endif
