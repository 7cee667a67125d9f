/* config.h: the option table: defaults, config file, --set, and dump. */
#ifndef CONFIG_H
#define CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../base/ft_err.h"
#include "../classify/classify.h"
#include "../decode/decode.h"
#include "../flow/flow.h"

#define CONFIG_PATH_MAX 1024

struct capture_cfg {
	uint32_t snaplen;	/* bytes kept per packet in live capture */
	uint32_t buffer_mb;	/* kernel ring size, MiB */
	bool promisc;		/* promiscuous mode */
};

/* Long-term history: series, rollups, retention (docs/internals/stats.md). */
struct history_cfg {
	bool enabled;		/* keep per-minute series */
	uint32_t top_k;		/* keys kept per minute and kind */
	uint32_t top_local;	/* the same for local hosts and MACs */
	uint32_t max_keys;	/* keys held per minute before folding */
	uint32_t keep_flows;	/* days of raw flow records, 0 forever */
	uint32_t keep_1m;	/* days of 1-minute series */
	uint32_t keep_1h;	/* days of 1-hour rollups */
	uint32_t keep_1d;	/* days of 1-day rollups */
	uint32_t billing_day;	/* day of the month a billing month starts */
	char timezone[CONFIG_PATH_MAX];	/* days and months follow it; "" system */
};

/* Everything a run can be told; modules get their own part. */
struct ft_config {
	char db_path[CONFIG_PATH_MAX];	/* store file */
	char lut_path[CONFIG_PATH_MAX];	/* compiled lookup tables */
	uint32_t lut_fetch_timeout_s;	/* lut update: wait for npm's registry */
	char local_networks[CONFIG_PATH_MAX]; /* CIDR list, "" for the defaults */
	char labels_path[CONFIG_PATH_MAX];	/* labels file, "" none */
	char leases_path[CONFIG_PATH_MAX];	/* DHCP leases, "" /tmp/dhcp.leases */
	uint32_t dns_cache;			/* passive DNS entries */
	uint32_t hosts_cache;			/* DHCP names remembered */
	uint32_t commit_interval_s;	/* store batch length */
	uint32_t busy_timeout_s;	/* wait for another writer this long */
	uint32_t status_interval_s;	/* run: status line period */
	char run_user[CONFIG_PATH_MAX];	/* run: user after opening, "" default */
	int log_level;			/* FT_LOG_* */
	struct capture_cfg capture;	/* live capture */
	struct decode_opts decode;	/* decoder */
	struct flow_opts flow;		/* flow table */
	struct classify_opts classify;	/* classifier */
	struct history_cfg history;	/* series and retention */
};

/* Fill cfg with the defaults of the option table. */
void config_defaults(struct ft_config *cfg);

/* Set one option from text; err names the key and what was expected. */
int config_set(struct ft_config *cfg, const char *key, const char *value,
    struct ft_err *err);

/* Parse "key=value" as given to --set. */
int config_set_arg(struct ft_config *cfg, const char *arg, struct ft_err *err);

/* Read a `key = value` file (# comments); err says FILE:LINE: what. */
int config_load(struct ft_config *cfg, const char *path, struct ft_err *err);

/* Print every option as `key = value` with its help as a comment. */
void config_dump(const struct ft_config *cfg, FILE *out);

/* The default lookup-table path: $FLOWTRAIL_LUT, then as for the store. */
void config_default_lut(char *buf, size_t len);

/* The default store path: $FLOWTRAIL_DB, /var/lib/flowtrail (root) or ~/.local/share. */
void config_default_db(char *buf, size_t len);

#endif
