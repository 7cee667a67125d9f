/* cmd_lookup.c: `flowtrail lookup IP|MAC...` and `flowtrail lut info` */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../base/ft_mac.h"
#include "../enrich/lut.h"
#include "../out/out.h"
#include "cmd_lut.h"

#define LOOKUP_LUT 1000		/* --lut */

void
cmd_lut_path(const struct cli *cli, const char *arg, char *buf, size_t len)
{
	if (arg)
		snprintf(buf, len, "%s", arg);
	else if (cli && cli->cfg.lut_path[0])
		snprintf(buf, len, "%s", cli->cfg.lut_path);
	else
		config_default_lut(buf, len);
}

void
cmd_lut_open_error(const struct cli *cli, const char *path, int rc,
    const char *msg)
{
	if (rc == -FT_ENOENT)
		cli_error(cli, "no lookup tables at %s: run `flowtrail lut update`",
		    path);
	else
		cli_error(cli, "%s", msg);
}

static void
print_date(const char *label, int64_t t, bool with_time)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[64];

	if (t < 631152000 || !gmtime_r(&tt, &tm))	/* < 1990: unknown */
		snprintf(buf, sizeof(buf), "-");
	else
		strftime(buf, sizeof(buf), with_time ? "%Y-%m-%d %H:%M:%S UTC" :
		    "%Y-%m-%d", &tm);
	printf(label, buf);
}

int
cmd_lut_info(struct cli *cli, const char *lut_arg)
{
	char path[CONFIG_PATH_MAX], n[32], n2[32];
	struct ft_err err = { 0 };
	struct lut_info in;
	struct lut *l;
	const char *a;
	size_t len;
	int i, rc;

	cmd_lut_path(cli, lut_arg, path, sizeof(path));
	rc = lut_open(path, &l, &err);
	if (rc) {
		cmd_lut_open_error(cli, path, rc, err.msg);
		return 1;
	}
	lut_info(l, &in);
	printf("path      %s\nsize      %s bytes\n", path,
	    cli_count(n, sizeof(n), in.file_size));
	print_date("built     %s\n", in.built_s, true);
	printf("format    %u\n\n%-22s %-24s %-30s %-16s %-10s %12s\n",
	    in.format_version, "table", "file", "package", "version", "date",
	    "rows");
	for (i = 0; i < in.n_sources; i++) {
		const struct lut_info_source *s = &in.src[i];

		printf("%-22s %-24s %-30s %-16s ", lut_kind_name(s->kind),
		    s->file, *s->package ? s->package : "-",
		    *s->version ? s->version : "-");
		print_date("%-10s ", s->date_s, false);
		printf("%12s\n", cli_count(n, sizeof(n), s->rows));
	}
	printf("\nranges stored:");
	for (i = 0; i < LUT_N_KINDS; i++)
		printf("%s %s %s", i ? "," : "",
		    lut_kind_name((enum lut_kind)i),
		    cli_count(n, sizeof(n), in.entries[i]));
	printf("\nAS records %s, vendors %s\n\nattribution:\n",
	    cli_count(n, sizeof(n), in.n_asns),
	    cli_count(n2, sizeof(n2), in.n_vendors));
	for (a = in.attribution ? in.attribution : ""; *a; a += len) {
		len = strcspn(a, "\n");
		fputs("  ", stdout);
		fwrite(a, 1, len, stdout);
		putchar('\n');
		len += a[len] == '\n';
	}
	lut_close(l);
	return 0;
}

/* A range of addresses that no AS announces, and what to call it. */
struct special {
	int ver;		/* 4 or 6 */
	int bits;		/* prefix length */
	uint8_t pfx[16];	/* network */
	const char *what;	/* one phrase */
};

/* First match wins: the more specific come first. */
static const struct special specials[] = {
	{ 4, 8, { 0 }, "\"this network\" address (RFC 791)" },
	{ 4, 8, { 10 }, "private address (RFC 1918)" },
	{ 4, 10, { 100, 64 }, "shared address space for carrier-grade NAT (RFC 6598)" },
	{ 4, 8, { 127 }, "loopback address (RFC 1122)" },
	{ 4, 16, { 169, 254 }, "link-local address (RFC 3927)" },
	{ 4, 12, { 172, 16 }, "private address (RFC 1918)" },
	{ 4, 24, { 192, 0, 0 }, "IETF protocol assignment (RFC 6890)" },
	{ 4, 24, { 192, 0, 2 }, "documentation address, TEST-NET-1 (RFC 5737)" },
	{ 4, 16, { 192, 168 }, "private address (RFC 1918)" },
	{ 4, 15, { 198, 18 }, "benchmarking address (RFC 2544)" },
	{ 4, 24, { 198, 51, 100 }, "documentation address, TEST-NET-2 (RFC 5737)" },
	{ 4, 24, { 203, 0, 113 }, "documentation address, TEST-NET-3 (RFC 5737)" },
	{ 4, 4, { 224 }, "multicast address (RFC 5771)" },
	{ 4, 32, { 255, 255, 255, 255 }, "limited broadcast address (RFC 919)" },
	{ 4, 4, { 240 }, "reserved address (RFC 1112)" },
	{ 6, 128, { 0 }, "unspecified address (RFC 4291)" },
	{ 6, 128, { [15] = 1 }, "loopback address (RFC 4291)" },
	{ 6, 64, { 0x01, 0x00 }, "discard-only address (RFC 6666)" },
	{ 6, 32, { 0x20, 0x01, 0x0d, 0xb8 }, "documentation address (RFC 3849)" },
	{ 6, 20, { 0x3f, 0xff }, "documentation address (RFC 9637)" },
	{ 6, 7, { 0xfc }, "unique local address, ULA (RFC 4193)" },
	{ 6, 10, { 0xfe, 0x80 }, "link-local address (RFC 4291)" },
	{ 6, 10, { 0xfe, 0xc0 }, "site-local address, deprecated (RFC 3879)" },
	{ 6, 8, { 0xff }, "multicast address (RFC 4291)" },
};

/* One answer, as text and as a row. */
struct answer {
	const char *query;	/* as typed */
	const char *type;	/* "ipv4", "ipv6", "mac" */
	bool has_asn;		/* asn/org valid */
	struct lut_asn asn;	/* AS and organisation */
	char cc[3];		/* country or "" */
	struct lut_vendor vendor;	/* names, or NULL */
	char note[160];		/* what is special, or "" */
};

static const struct out_col cols[] = {
	{ "query", OUT_TEXT, NULL }, { "type", OUT_TEXT, NULL },
	{ "asn", OUT_INT, NULL }, { "org", OUT_TEXT, NULL },
	{ "country", OUT_TEXT, NULL }, { "vendor", OUT_TEXT, NULL },
	{ "vendor_long", OUT_TEXT, NULL }, { "note", OUT_TEXT, NULL },
};

static void
usage(void)
{
	printf("usage: flowtrail lookup [--lut FILE] [--format text|table|csv|json] IP|MAC...\n"
	    "The AS number, AS organisation and country of IPv4/IPv6 addresses, the\n"
	    "vendor of MAC addresses (00:11:22:33:44:55, 00-11-22-..., 0011.2233.4455,\n"
	    "or an OUI like 00:11:22), from the tables of `flowtrail lut update`.\n"
	    "Private, reserved and locally administered addresses are named as such.\n");
}

static const char *
special_of(const uint8_t *a, int ver)
{
	size_t i;
	int full, rest;

	for (i = 0; i < sizeof(specials) / sizeof(specials[0]); i++) {
		const struct special *s = &specials[i];

		if (s->ver != ver)
			continue;
		full = s->bits / 8;
		rest = s->bits % 8;
		if (memcmp(a, s->pfx, (size_t)full))
			continue;
		if (rest && ((a[full] ^ s->pfx[full]) & (0xff00 >> rest)))
			continue;
		return s->what;
	}
	return NULL;
}

/* An IP address, allowing [brackets] and a %zone. */
static int
parse_ip(const char *s, uint8_t a[16])
{
	char buf[64];
	size_t n = strlen(s);

	if (n >= sizeof(buf))
		return 0;
	if (s[0] == '[' && n > 2 && s[n - 1] == ']') {
		s++;
		n -= 2;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	buf[strcspn(buf, "%")] = '\0';
	if (inet_pton(AF_INET, buf, a) == 1)
		return 4;
	if (inet_pton(AF_INET6, buf, a) == 1)
		return 6;
	return 0;
}

/* Opened on the first query that needs the tables. */
struct tables {
	struct cli *cli;	/* for messages */
	const char *path;	/* compiled file */
	struct lut *lut;	/* NULL until opened */
	int rc;			/* 0, or the exit code after a failed open */
};

static int
tables_get(struct tables *t)
{
	struct ft_err err = { 0 };
	int rc;

	if (t->lut || t->rc)
		return t->rc;
	rc = lut_open(t->path, &t->lut, &err);
	if (rc) {
		cmd_lut_open_error(t->cli, t->path, rc, err.msg);
		t->rc = 1;
	}
	return t->rc;
}

static int
answer_ip(struct tables *t, struct answer *an, const uint8_t *a, int ver)
{
	const char *what = special_of(a, ver);

	an->type = ver == 4 ? "ipv4" : "ipv6";
	if (ver == 6 && !memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12))
		what = special_of(a + 12, 4);
	if (what) {
		snprintf(an->note, sizeof(an->note), "%s, no ASN", what);
		return 0;
	}
	if (tables_get(t))
		return 1;
	an->has_asn = lut_asn(t->lut, a, ver, &an->asn) == 0;
	if (lut_country(t->lut, a, ver, an->cc))
		an->cc[0] = '\0';
	if (!an->has_asn)
		snprintf(an->note, sizeof(an->note), an->cc[0] ?
		    "no ASN (not announced)" :
		    "unknown address: no ASN or country known");
	return 0;
}

static int
answer_mac(struct tables *t, struct answer *an, const uint8_t *mac)
{
	an->type = "mac";
	if (!memcmp(mac, "\xff\xff\xff\xff\xff\xff", 6)) {
		snprintf(an->note, sizeof(an->note), "broadcast address");
		return 0;
	}
	if ((mac[0] & 3) == 2) {
		snprintf(an->note, sizeof(an->note),
		    "locally administered address (randomized or set by software), no vendor");
		return 0;
	}
	if (tables_get(t))
		return 1;
	if (lut_vendor(t->lut, mac, &an->vendor))
		an->vendor.long_name = an->vendor.short_name = NULL;
	if (mac[0] & 1)
		snprintf(an->note, sizeof(an->note), "multicast address");
	else if (!an->vendor.long_name)
		snprintf(an->note, sizeof(an->note),
		    "no vendor registered for %02x:%02x:%02x", mac[0], mac[1],
		    mac[2]);
	return 0;
}

/* Parts joined by ", ": AS and organisation, country, note (first for a MAC). */
static void
print_text(const struct answer *an)
{
	const struct lut_vendor *v = &an->vendor;
	bool mac = !strcmp(an->type, "mac");
	const char *sep = "";

	printf("%s: ", an->query);
	if (mac && an->note[0]) {
		printf("%s", an->note);
		sep = ", ";
	}
	if (an->has_asn) {
		printf("AS%u %s", an->asn.asn, an->asn.org);
		sep = ", ";
	}
	if (an->cc[0]) {
		printf("%scountry %s", sep, an->cc);
		sep = ", ";
	}
	if (v->long_name && *v->short_name &&
	    strcmp(v->short_name, v->long_name))
		printf("%s%s (%s)", sep, v->short_name, v->long_name);
	else if (v->long_name)
		printf("%s%s", sep, v->long_name);
	if (!mac && an->note[0])
		printf("%s%s", sep, an->note);
	putchar('\n');
}

static struct out_cell
text_cell(const char *s)
{
	return (struct out_cell){ .p = s, .len = s ? strlen(s) : 0,
		.null = !s || !*s };
}

static int
emit_row(struct out *w, const struct answer *an, struct ft_err *err)
{
	struct out_cell c[8];

	c[0] = text_cell(an->query);
	c[1] = text_cell(an->type);
	c[2] = (struct out_cell){ .i = an->asn.asn, .null = !an->has_asn };
	c[3] = text_cell(an->has_asn ? an->asn.org : NULL);
	c[4] = text_cell(an->cc);
	c[5] = text_cell(an->vendor.short_name);
	c[6] = text_cell(an->vendor.long_name);
	c[7] = text_cell(an->note);
	return out_row(w, c, err);
}

/* Answer each query; 2 if one was not an address, 1 if tables are missing. */
static int
lookup_all(struct tables *t, char **q, int n, struct out *w)
{
	struct ft_err err = { 0 };
	struct answer an;
	uint8_t a[16];
	int i, ver, rc = 0;

	for (i = 0; i < n; i++) {
		memset(&an, 0, sizeof(an));
		an.query = q[i];
		if (ft_mac_parse(q[i], strlen(q[i]), a) > 0) {
			if (answer_mac(t, &an, a))
				return 1;
		} else if ((ver = parse_ip(q[i], a))) {
			if (answer_ip(t, &an, a, ver))
				return 1;
		} else {
			cli_error(t->cli, "'%s': not an IP address or a MAC address",
			    q[i]);
			rc = 2;
			continue;
		}
		if (!w)
			print_text(&an);
		else if (emit_row(w, &an, &err)) {
			cli_error(t->cli, "%s", err.msg);
			return 1;
		}
	}
	return rc;
}

static int
lookup_run(struct cli *cli, const char *lut_arg, char **q, int n)
{
	char path[CONFIG_PATH_MAX];
	struct tables t = { .cli = cli, .path = path };
	struct out_opts oo = { .fp = stdout, .format = OUT_TABLE };
	struct ft_err err = { 0 };
	struct out *w = NULL;
	int rc;

	cmd_lut_path(cli, lut_arg, path, sizeof(path));
	if (cli->format == CLI_FMT_CSV)
		oo.format = OUT_CSV;
	else if (cli->format == CLI_FMT_JSON)
		oo.format = OUT_JSON;
	if (cli->format != CLI_FMT_DEFAULT && cli->format != CLI_FMT_TEXT &&
	    (out_new(&oo, &w, &err) ||
	    out_begin(w, cols, sizeof(cols) / sizeof(cols[0]), &err))) {
		cli_error(cli, "%s", err.msg);
		out_free(w);
		return 1;
	}
	rc = lookup_all(&t, q, n, w);
	if (w && rc != 1 && out_end(w, &err)) {
		cli_error(cli, "%s", err.msg);
		rc = 1;
	}
	out_free(w);
	lut_close(t.lut);
	return rc;
}

int
cmd_lookup(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "lut", required_argument, NULL, LOOKUP_LUT },
		CLI_COMMON_LONGOPTS
	};
	struct cli cli = { .cmd = "lookup" };
	const char *lut_arg = NULL;
	int opt;

	while ((opt = cli_next_opt(argc, argv, CLI_COMMON_SHORTOPTS, longopts,
	    usage)) >= 0) {
		if (opt == LOOKUP_LUT) {
			lut_arg = optarg;
			continue;
		}
		if (cli_common_opt(&cli, opt, optarg))
			return 2;
	}
	if (opt == CLI_HELP)
		return 0;
	if (optind >= argc) {
		cli_error(&cli, "nothing to look up: give IP or MAC addresses (see --help)");
		return 2;
	}
	if (cli_configure(&cli))
		return 2;
	return lookup_run(&cli, lut_arg, argv + optind, argc - optind);
}
