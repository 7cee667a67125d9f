/* config.c: one option table: defaults, file, --set and `config dump` */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../base/ft_log.h"
#include "config.h"

/* OPT_TICK: an OPT_UINT that must also divide a minute (flow ticks). */
enum opt_type { OPT_UINT, OPT_TICK, OPT_BOOL, OPT_PATH, OPT_LEVEL };

struct option_def {
	const char *key;	/* name in files and --set */
	enum opt_type type;	/* how value text is read */
	size_t off;		/* offset into struct ft_config */
	const char *def;	/* default, as text */
	uint64_t min, max;	/* bounds of OPT_UINT and OPT_TICK */
	const char *help;	/* one line for dump and the man page */
};

#define OFF(f) offsetof(struct ft_config, f)

static const struct option_def options[] = {
	{ "store.path", OPT_PATH, OFF(db_path), "", 0, 0,
	  "store file (empty: $FLOWTRAIL_DB, /var/lib/flowtrail/flowtrail.db "
	  "as root, else ~/.local/share/flowtrail/flowtrail.db)" },
	{ "lut.path", OPT_PATH, OFF(lut_path), "", 0, 0,
	  "lookup tables file (empty: $FLOWTRAIL_LUT, "
	  "/var/lib/flowtrail/lut.bin as root, else ~/.local/share/flowtrail/lut.bin)" },
	{ "lut.fetch-timeout", OPT_UINT, OFF(lut_fetch_timeout_s), "120", 1, 86400,
	  "seconds `lut update` waits for the npm registry in all before it "
	  "takes the packages from npm's cache" },
	{ "names.local-networks", OPT_PATH, OFF(local_networks), "", 0, 0,
	  "CIDR list of local networks (empty: RFC 1918, 100.64/10, "
	  "link-local, ULA, and the capture interfaces' prefixes)" },
	{ "names.labels", OPT_PATH, OFF(labels_path), "", 0, 0,
	  "labels file: IP, CIDR or MAC, then a label; labels win over every other name" },
	{ "names.leases", OPT_PATH, OFF(leases_path), "", 0, 0,
	  "dnsmasq/OpenWrt DHCP lease file (empty: /tmp/dhcp.leases when "
	  "present, for run; - for none)" },
	{ "names.dns-cache", OPT_UINT, OFF(dns_cache), "65536", 16, 1 << 24,
	  "addresses remembered from DNS answers (least recently used go first)" },
	{ "names.hosts-cache", OPT_UINT, OFF(hosts_cache), "4096", 16, 1 << 20,
	  "DHCP host names remembered per MAC" },
	{ "store.commit-interval", OPT_UINT, OFF(commit_interval_s), "60", 0, 86400,
	  "seconds between commits; at most this much is lost on power loss" },
	{ "store.busy-timeout", OPT_UINT, OFF(busy_timeout_s), "300", 1, 86400,
	  "seconds a writer waits for another writer of the same store" },
	{ "run.status-interval", OPT_UINT, OFF(status_interval_s), "60", 0, 86400,
	  "seconds between status lines of `run` (0: none)" },
	{ "run.user", OPT_PATH, OFF(run_user), "", 0, 0,
	  "user run becomes once capture and store are open, keeping no "
	  "capability (empty: $FLOWTRAIL_USER, else flowtrail, else nobody; root: stay root)" },
	{ "log.level", OPT_LEVEL, OFF(log_level), "info", 0, 0,
	  "error, warning, info or debug" },
	{ "capture.snaplen", OPT_UINT, OFF(capture.snaplen), "1600", 64, 262144,
	  "bytes kept of each live packet (counts always use the wire length)" },
	{ "capture.buffer-mb", OPT_UINT, OFF(capture.buffer_mb), "8", 1, 4096,
	  "kernel capture buffer per interface, MiB" },
	{ "capture.promisc", OPT_BOOL, OFF(capture.promisc), "true", 0, 0,
	  "put interfaces in promiscuous mode" },
	{ "decode.frag-slots", OPT_UINT, OFF(decode.frag_slots), "4096", 16, 1 << 24,
	  "first IP fragments remembered so later fragments join their flow" },
	{ "decode.frag-timeout", OPT_UINT, OFF(decode.frag_timeout_s), "30", 1, 3600,
	  "seconds a first fragment is remembered" },
	{ "decode.tunnels", OPT_BOOL, OFF(decode.tunnels), "true", 0, 0,
	  "key 6in4, IP-in-IP, GRE, VXLAN and GTP-U packets on their inner "
	  "packet (false: on the outer header)" },
	{ "flow.max-flows", OPT_UINT, OFF(flow.max_flows), "131072", 64, 1 << 26,
	  "flow table size, allocated at start; when full the oldest idle flow is evicted" },
	{ "flow.tcp-timeout", OPT_UINT, OFF(flow.tcp_timeout_s), "300", 1, 86400,
	  "seconds of silence that end an open TCP flow" },
	{ "flow.tcp-closed-timeout", OPT_UINT, OFF(flow.tcp_closed_timeout_s), "10", 0, 86400,
	  "seconds a TCP flow is kept after FIN both ways or RST" },
	{ "flow.udp-timeout", OPT_UINT, OFF(flow.udp_timeout_s), "60", 1, 86400,
	  "seconds of silence that end a UDP flow" },
	{ "flow.other-timeout", OPT_UINT, OFF(flow.other_timeout_s), "60", 1, 86400,
	  "seconds of silence that end an ICMP or other flow" },
	{ "flow.active-timeout", OPT_TICK, OFF(flow.active_timeout_s), "60", 1, 60,
	  "a long flow is written as a delta at every multiple of this many "
	  "seconds; a divisor of 60, so no record straddles a minute" },
	{ "classify.enabled", OPT_BOOL, OFF(classify.enabled), "true", 0, 0,
	  "inspect payloads with nDPI (when built in); false: port guesses only" },
	{ "classify.max-packets", OPT_UINT, OFF(classify.max_packets), "32", 1, 255,
	  "packets of a flow inspected before giving up" },
	{ "classify.max-active", OPT_UINT, OFF(classify.max_active), "0", 0, 1 << 26,
	  "flows inspected at the same time (nDPI state, about 700 bytes "
	  "each); 0: flow.max-flows" },
	{ "history.enabled", OPT_BOOL, OFF(history.enabled), "true", 0, 0,
	  "keep per-minute series with hour and day rollups (false: raw flows only)" },
	{ "history.top-k", OPT_UINT, OFF(history.top_k), "50", 1, 100000,
	  "keys kept per minute, hour and day for protocols, applications, "
	  "remote hosts, ASNs and countries; the rest is summed as other" },
	{ "history.top-local", OPT_UINT, OFF(history.top_local), "256", 1, 100000,
	  "keys kept per minute, hour and day for local hosts and MACs" },
	{ "history.max-keys", OPT_UINT, OFF(history.max_keys), "65536", 1024, 1 << 24,
	  "distinct keys held for the open minute; past it new keys are summed "
	  "as other and counted" },
	{ "history.keep-flows", OPT_UINT, OFF(history.keep_flows), "60", 0, 36500,
	  "days raw flow records are kept (0: forever)" },
	{ "history.keep-1m", OPT_UINT, OFF(history.keep_1m), "7", 0, 36500,
	  "days 1-minute series are kept (0: forever)" },
	{ "history.keep-1h", OPT_UINT, OFF(history.keep_1h), "365", 0, 36500,
	  "days 1-hour rollups are kept (0: forever)" },
	{ "history.keep-1d", OPT_UINT, OFF(history.keep_1d), "3650", 0, 36500,
	  "days 1-day rollups are kept (0: forever)" },
	{ "history.timezone", OPT_PATH, OFF(history.timezone), "", 0, 0,
	  "time zone of days and months, as in /usr/share/zoneinfo (e.g. "
	  "Europe/Berlin) or a POSIX TZ string; empty: the system's" },
	{ "history.billing-day", OPT_UINT, OFF(history.billing_day), "1", 1, 28,
	  "day of the month on which a billing month starts (usage --monthly)" },
	{ "classify.max-names", OPT_UINT, OFF(classify.max_names), "65536", 16, 1 << 24,
	  "distinct server names held for open flows" },
};

#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

static const char *level_names[] = { "error", "warning", "info", "debug" };

static const struct option_def *
option_find(const char *key)
{
	size_t i;

	for (i = 0; i < N_OPTIONS; i++)
		if (strcmp(options[i].key, key) == 0)
			return &options[i];
	return NULL;
}

static int
parse_bool(const char *v, bool *out)
{
	if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") ||
	    !strcasecmp(v, "on") || !strcmp(v, "1"))
		*out = true;
	else if (!strcasecmp(v, "false") || !strcasecmp(v, "no") ||
	    !strcasecmp(v, "off") || !strcmp(v, "0"))
		*out = false;
	else
		return -FT_EINVAL;
	return 0;
}

static int
option_apply(struct ft_config *cfg, const struct option_def *o,
    const char *v, struct ft_err *err)
{
	char *p = (char *)cfg + o->off;
	unsigned long long n;
	char *end;
	size_t i;

	switch (o->type) {
	case OPT_UINT:
	case OPT_TICK:
		errno = 0;
		n = strtoull(v, &end, 10);
		if (errno || end == v || *end || *v == '-' || n < o->min ||
		    n > o->max)
			return ft_err_set(err, FT_EINVAL,
			    "%s: expected a whole number from %llu to %llu, got '%s'",
			    o->key, (unsigned long long)o->min,
			    (unsigned long long)o->max, v);
		if (o->type == OPT_TICK && 60 % n)
			return ft_err_set(err, FT_EINVAL,
			    "%s: expected a divisor of 60 (1, 2, 3, 4, 5, 6, "
			    "10, 12, 15, 20, 30 or 60), got '%s'",
			    o->key, v);
		*(uint32_t *)p = (uint32_t)n;
		return 0;
	case OPT_BOOL:
		if (parse_bool(v, (bool *)p))
			return ft_err_set(err, FT_EINVAL,
			    "%s: expected true or false, got '%s'", o->key, v);
		return 0;
	case OPT_PATH:
		if (strlen(v) >= CONFIG_PATH_MAX)
			return ft_err_set(err, FT_EINVAL, "%s: path too long",
			    o->key);
		memcpy(p, v, strlen(v) + 1);
		return 0;
	case OPT_LEVEL:
		for (i = 0; i < 4; i++) {
			if (!strcasecmp(v, level_names[i])) {
				*(int *)p = (int)i;
				return 0;
			}
		}
		return ft_err_set(err, FT_EINVAL,
		    "%s: expected error, warning, info or debug, got '%s'",
		    o->key, v);
	}
	return -FT_EINVAL;
}

void
config_defaults(struct ft_config *cfg)
{
	size_t i;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < N_OPTIONS; i++)
		option_apply(cfg, &options[i], options[i].def, NULL);
}

int
config_set(struct ft_config *cfg, const char *key, const char *value,
    struct ft_err *err)
{
	const struct option_def *o = option_find(key);

	if (!o)
		return ft_err_set(err, FT_EINVAL,
		    "unknown option '%s' (see `flowtrail config dump`)", key);
	return option_apply(cfg, o, value, err);
}

/* Trim spaces at both ends, in place. */
static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
	    e[-1] == '\r'))
		*--e = '\0';
	return s;
}

int
config_set_arg(struct ft_config *cfg, const char *arg, struct ft_err *err)
{
	char buf[CONFIG_PATH_MAX + 128];
	char *eq;

	if (strlen(arg) >= sizeof(buf))
		return ft_err_set(err, FT_EINVAL, "--set: argument too long");
	memcpy(buf, arg, strlen(arg) + 1);
	eq = strchr(buf, '=');
	if (!eq)
		return ft_err_set(err, FT_EINVAL,
		    "--set: expected key=value, got '%s'", arg);
	*eq = '\0';
	return config_set(cfg, trim(buf), trim(eq + 1), err);
}

int
config_load(struct ft_config *cfg, const char *path, struct ft_err *err)
{
	char line[CONFIG_PATH_MAX + 128];
	struct ft_err e = { 0 };
	unsigned lineno = 0;
	char *s, *eq;
	int rc = 0;
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		return ft_err_set(err, FT_EIO, "cannot read config %s: %s",
		    path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		s = trim(line);
		if (*s == '#' || *s == '\0')
			continue;
		eq = strchr(s, '=');
		if (!eq) {
			rc = ft_err_set(err, FT_EINVAL,
			    "%s:%u: expected key = value", path, lineno);
			break;
		}
		*eq = '\0';
		rc = config_set(cfg, trim(s), trim(eq + 1), &e);
		if (rc) {
			ft_err_set(err, FT_EINVAL, "%s:%u: %s", path, lineno,
			    e.msg);
			break;
		}
	}
	fclose(f);
	return rc;
}

static void
option_print(const struct ft_config *cfg, const struct option_def *o,
    FILE *out)
{
	const char *p = (const char *)cfg + o->off;

	fprintf(out, "# %s\n%s = ", o->help, o->key);
	switch (o->type) {
	case OPT_UINT:
	case OPT_TICK:
		fprintf(out, "%u\n", *(const uint32_t *)p);
		break;
	case OPT_BOOL:
		fprintf(out, "%s\n", *(const bool *)p ? "true" : "false");
		break;
	case OPT_PATH:
		fprintf(out, "%s\n", p);
		break;
	case OPT_LEVEL:
		fprintf(out, "%s\n", level_names[*(const int *)p & 3]);
		break;
	}
}

void
config_dump(const struct ft_config *cfg, FILE *out)
{
	size_t i;

	for (i = 0; i < N_OPTIONS; i++)
		option_print(cfg, &options[i], out);
}

/* $ENV, else /var/lib/flowtrail/FILE as root, else the XDG data directory. */
static void
default_data_path(const char *env_name, const char *file, char *buf,
    size_t len)
{
	const char *env = getenv(env_name);
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");

	if (env && *env)
		snprintf(buf, len, "%s", env);
	else if (geteuid() == 0)
		snprintf(buf, len, "/var/lib/flowtrail/%s", file);
	else if (xdg && *xdg)
		snprintf(buf, len, "%s/flowtrail/%s", xdg, file);
	else
		snprintf(buf, len, "%s/.local/share/flowtrail/%s",
		    home ? home : ".", file);
}

void
config_default_db(char *buf, size_t len)
{
	default_data_path("FLOWTRAIL_DB", "flowtrail.db", buf, len);
}

void
config_default_lut(char *buf, size_t len)
{
	default_data_path("FLOWTRAIL_LUT", "lut.bin", buf, len);
}
