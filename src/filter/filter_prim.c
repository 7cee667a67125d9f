/* filter_prim.c: the filter language's primitives (host ... duration) */
/*
 * Each reads its arguments and emits its SQL over flows or series rows.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/ft_mac.h"
#include "../base/ft_proto.h"
#include "filter_int.h"

#define FILTER_TOKEN_MAX 256	/* bytes of one value token */

/* The fragment of pr for the target being compiled. */
static const char *
primitive_sql(const struct parser *p, const struct primitive *pr)
{
	return p->series ? pr->series_sql : pr->flows_sql;
}

/* The current token as a value argument of pr, consumed; NUL-terminated copy in buf. */
static int
take_arg(struct parser *p, const struct primitive *pr, const char *what,
    struct token *t, char *buf)
{
	if (p->token.kind != TOKEN_WORD || p->token.len >= FILTER_TOKEN_MAX)
		return filter_error_expected(p, what, pr->keyword);
	*t = p->token;
	memcpy(buf, p->text + t->offset, t->len);
	buf[t->len] = 0;
	filter_lex(p);
	return 0;
}

/* Decimal digits only; false on anything else or overflow. */
static bool
parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (!n)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

/* A whole-number argument in [0, max]. */
static int
take_num(struct parser *p, const struct primitive *pr, const char *what,
    uint64_t max, uint64_t *v)
{
	char buf[FILTER_TOKEN_MAX], show[64];
	struct token t;
	size_t skip = 0;
	bool all_digits;
	int rc;

	rc = take_arg(p, pr, what, &t, buf);
	if (rc)
		return rc;
	if (strcmp(pr->keyword, "asn") == 0 && strncasecmp(buf, "as", 2) == 0)
		skip = 2;
	all_digits = t.len > skip;
	for (size_t i = skip; i < t.len; i++)
		all_digits = all_digits && isdigit((unsigned char)buf[i]);
	if (!all_digits) {
		p->token = t;	/* report at the argument */
		return filter_error(p, &t, "expected %s after '%s', got %s",
		    what, pr->keyword, filter_token_show(p, &t, show,
		    sizeof(show)));
	}
	if (!parse_u64(buf + skip, t.len - skip, v) || *v > max)
		return filter_error(p, &t, "%s %s out of range (0-%llu)",
		    pr->keyword, filter_token_show(p, &t, show, sizeof(show)),
		    (unsigned long long)max);
	return 0;
}

/* An IPv4 or IPv6 address; returns its length (4 or 16), 0 if none. */
static size_t
parse_addr(const char *s, unsigned char *a)
{
	if (inet_pton(AF_INET, s, a) == 1)
		return 4;
	if (inet_pton(AF_INET6, s, a) == 1)
		return 16;
	return 0;
}

static int
primitive_host(struct parser *p, const struct primitive *pr, enum side side)
{
	char buf[FILTER_TOKEN_MAX];
	unsigned char a[16];
	struct query_value v = { .type = QUERY_BLOB, .p = a };
	struct token t;
	int rc;

	rc = take_arg(p, pr, "an address", &t, buf);
	if (rc)
		return rc;
	v.len = parse_addr(buf, a);
	if (!v.len) {
		p->token = t;
		return filter_error_expected(p, "an address", pr->keyword);
	}
	return filter_emit_sided(p, &t, side, (const char *const[]){
	    "f.cli = ?", "f.srv = ?", "key = ?" }, &v, 1);
}

/* Network's first and last address for buf "ADDR[/LEN]". */
static int
parse_cidr(struct parser *p, const struct primitive *pr, const struct token *t,
    char *buf, unsigned char *lo, unsigned char *hi, size_t *alen)
{
	char *slash = strchr(buf, '/'), show[64];
	uint64_t bits;

	if (slash)
		*slash = 0;
	*alen = parse_addr(buf, lo);
	if (!*alen) {
		p->token = *t;
		return filter_error_expected(p, "an address or CIDR",
		    pr->keyword);
	}
	bits = *alen * 8;
	if (slash && !parse_u64(slash + 1, strlen(slash + 1), &bits))
		return filter_error(p, t, "bad prefix length in %s",
		    filter_token_show(p, t, show, sizeof(show)));
	if (bits > *alen * 8)
		return filter_error(p, t, "prefix length %llu too long for "
		    "IPv%d (at most %zu)", (unsigned long long)bits,
		    *alen == 4 ? 4 : 6, *alen * 8);
	for (size_t i = 0; i < *alen; i++) {
		size_t have = bits > i * 8 ? bits - i * 8 : 0;
		unsigned char m = have >= 8 ? 0xff :
		    (unsigned char)(0xff << (8 - have));

		lo[i] &= m;
		hi[i] = lo[i] | (unsigned char)~m;
	}
	return 0;
}

static int
primitive_net(struct parser *p, const struct primitive *pr, enum side side)
{
	char buf[FILTER_TOKEN_MAX];
	unsigned char lo[16], hi[16];
	struct query_value v[2];
	struct token t;
	size_t n;
	int rc;

	rc = take_arg(p, pr, "an address or CIDR", &t, buf);
	if (!rc)
		rc = parse_cidr(p, pr, &t, buf, lo, hi, &n);
	if (rc)
		return rc;
	v[0] = (struct query_value){ .type = QUERY_BLOB, .p = lo, .len = n };
	v[1] = (struct query_value){ .type = QUERY_BLOB, .p = hi, .len = n };
	if (n == 4)
		return filter_emit_sided(p, &t, side, (const char *const[]){
		    "(length(f.cli) = 4 AND f.cli BETWEEN ? AND ?)",
		    "(length(f.srv) = 4 AND f.srv BETWEEN ? AND ?)",
		    "(length(key) = 4 AND key BETWEEN ? AND ?)" }, v, 2);
	return filter_emit_sided(p, &t, side, (const char *const[]){
	    "(length(f.cli) = 16 AND f.cli BETWEEN ? AND ?)",
	    "(length(f.srv) = 16 AND f.srv BETWEEN ? AND ?)",
	    "(length(key) = 16 AND key BETWEEN ? AND ?)" }, v, 2);
}

static int
primitive_port(struct parser *p, const struct primitive *pr, enum side side)
{
	struct query_value v = { .type = QUERY_INT };
	struct token t = p->token;
	uint64_t n;
	int rc;

	rc = take_num(p, pr, "a port number", 65535, &n);
	if (rc)
		return rc;
	v.i = (int64_t)n;
	return filter_emit_sided(p, &t, side, (const char *const[]){
	    "f.cport = ?", "f.sport = ?", NULL }, &v, 1);
}

static int
primitive_mac(struct parser *p, const struct primitive *pr, enum side side)
{
	char buf[FILTER_TOKEN_MAX];
	unsigned char m[6];
	struct query_value v = { .type = QUERY_BLOB, .p = m, .len = 6 };
	struct token t;
	int rc;

	rc = take_arg(p, pr, "a MAC address (AA:BB:CC:DD:EE:FF)", &t, buf);
	if (rc)
		return rc;
	if (ft_mac_parse(buf, strlen(buf), m) != 6) {
		p->token = t;
		return filter_error_expected(p, "a MAC address "
		    "(AA:BB:CC:DD:EE:FF)", pr->keyword);
	}
	return filter_emit_sided(p, &t, side, (const char *const[]){
	    "f.cli_mac IN (SELECT id FROM macs WHERE mac = ?)",
	    "f.srv_mac IN (SELECT id FROM macs WHERE mac = ?)", "key = ?" },
	    &v, 1);
}

static int
primitive_local(struct parser *p, const struct primitive *pr, enum side side)
{
	bool local = pr->keyword[0] == 'l';

	if (p->series)
		return filter_emit(p, local ? "kind = 4" : "kind = 5");
	if (side == SIDE_SRC)
		return filter_emit(p, local ? "(f.local & 1) != 0" :
		    "(f.local & 1) = 0");
	if (side == SIDE_DST)
		return filter_emit(p, local ? "(f.local & 2) != 0" :
		    "(f.local & 2) = 0");
	return filter_emit(p, local ? "(f.local & 3) = 3" :
	    "(f.local & 3) != 3");
}

static int
primitive_proto(struct parser *p, const struct primitive *pr, enum side side)
{
	const char *what = FT_PROTO_NAME_LIST "or a protocol number";
	struct token t = p->token;
	uint64_t n;
	int num;

	if (p->token.kind == TOKEN_WORD &&
	    !ft_proto_parse(p->text + p->token.offset, p->token.len, &num) &&
	    ft_proto_name(num)) {
		filter_lex(p);
		return filter_emit_int(p, &t, primitive_sql(p, pr), num);
	}
	if (take_num(p, pr, what, 255, &n))
		return -FT_EPARSE;
	return filter_emit_int(p, &t, primitive_sql(p, pr), (int64_t)n);
}

/* Copy of s with LIKE's \ % _ escaped by '\'; n is the result's length. */
static char *
like_escape(const char *s, size_t *n)
{
	char *o = malloc(strlen(s) * 2 + 1);

	*n = 0;
	for (; o && *s; s++) {
		if (*s == '\\' || *s == '%' || *s == '_')
			o[(*n)++] = '\\';
		o[(*n)++] = *s;
	}
	return o;
}

static int
primitive_app(struct parser *p, const struct primitive *pr, enum side side)
{
	char buf[FILTER_TOKEN_MAX], *esc;
	struct token t;
	size_t n;
	int rc;

	rc = take_arg(p, pr, "an application name", &t, buf);
	if (rc)
		return rc;
	esc = like_escape(buf, &n);
	if (!esc)
		return ft_err_set(p->err, FT_ENOMEM, "filter: %s",
		    ft_strerror(FT_ENOMEM));
	rc = filter_emit(p, primitive_sql(p, pr));
	if (!rc)
		rc = filter_bind_bytes(p, &t, QUERY_TEXT, buf, t.len);
	if (!rc)
		rc = filter_bind_bytes(p, &t, QUERY_TEXT, esc, n);
	if (!rc)
		rc = filter_bind_bytes(p, &t, QUERY_TEXT, esc, n);
	free(esc);
	return rc;
}

/* category, vendor, device, iface: one text, the fragment's only value. */
static int
primitive_text(struct parser *p, const struct primitive *pr, enum side side)
{
	static const char *const what[] = { "a category", "a vendor",
		"a device name", "an interface name" };
	char buf[FILTER_TOKEN_MAX];
	struct token t;
	int rc;

	rc = take_arg(p, pr, what[strchr("cvdi", pr->keyword[0]) - "cvdi"], &t,
	    buf);
	if (rc)
		return rc;
	return filter_emit_text(p, &t, primitive_sql(p, pr), buf, t.len);
}

static int
primitive_number(struct parser *p, const struct primitive *pr, enum side side)
{
	bool asn = pr->keyword[0] == 'a';
	struct token t = p->token;
	uint64_t n;
	int rc;

	rc = take_num(p, pr, asn ? "an AS number" : "a VLAN id",
	    asn ? 4294967295u : 4095, &n);
	if (rc)
		return rc;
	return filter_emit_int(p, &t, primitive_sql(p, pr), (int64_t)n);
}

static int
primitive_country(struct parser *p, const struct primitive *pr, enum side side)
{
	char buf[FILTER_TOKEN_MAX];
	struct token t;
	int rc;

	rc = take_arg(p, pr, "a two-letter country code", &t, buf);
	if (rc)
		return rc;
	if (t.len != 2 || !isalpha((unsigned char)buf[0]) ||
	    !isalpha((unsigned char)buf[1])) {
		p->token = t;
		return filter_error_expected(p, "a two-letter country code",
		    pr->keyword);
	}
	return filter_emit_int(p, &t, primitive_sql(p, pr),
	    toupper((unsigned char)buf[0]) * 256 +
	    toupper((unsigned char)buf[1]));
}

/* Lower-case GLOB pattern: '*' stays a wildcard, '?' and '[' match themselves. */
static int
primitive_name(struct parser *p, const struct primitive *pr, enum side side)
{
	char buf[FILTER_TOKEN_MAX], g[FILTER_TOKEN_MAX * 3];
	struct token t;
	size_t n = 0;
	int rc;

	rc = take_arg(p, pr, "a name pattern", &t, buf);
	if (rc)
		return rc;
	for (const char *s = buf; *s; s++) {
		if (*s == '?' || *s == '[') {
			g[n++] = '[';
			g[n++] = *s;
			g[n++] = ']';
		} else {
			g[n++] = (char)tolower((unsigned char)*s);
		}
	}
	return filter_emit_text(p, &t, "lower(n.name) GLOB ?", g, n);
}

static const struct { const char *op, *sql; } comparisons[] = {
	{ ">", " > ?" }, { ">=", " >= ?" }, { "<", " < ?" },
	{ "<=", " <= ?" }, { "=", " = ?" }, { "==", " = ?" },
	{ "!=", " != ?" },
};

static const struct unit { char kind; const char *suffix; uint64_t multiplier; } units[] = {
	{ 'b', "", 1 }, { 'b', "k", 1000 }, { 'b', "m", 1000000 },
	{ 'b', "g", 1000000000 }, { 'b', "kib", 1024 },
	{ 'b', "mib", 1048576 }, { 'b', "gib", 1073741824 },
	{ 'p', "", 1 }, { 'p', "k", 1000 }, { 'p', "m", 1000000 },
	{ 'p', "g", 1000000000 },
	{ 'd', "", 1000000 }, { 'd', "s", 1000000 }, { 'd', "ms", 1000 },
	{ 'd', "m", 60000000 }, { 'd', "h", 3600000000u },
};

/* NUMBER[unit] of kind ('b', 'p', 'd'); false on a bad number or overflow. */
static bool
parse_amount(char kind, const char *s, size_t len, int64_t *out)
{
	size_t d = 0;
	uint64_t v;

	while (d < len && isdigit((unsigned char)s[d]))
		d++;
	if (!parse_u64(s, d, &v))
		return false;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		const struct unit *u = &units[i];

		if (u->kind != kind || strlen(u->suffix) != len - d ||
		    strncasecmp(u->suffix, s + d, len - d) != 0)
			continue;
		if (v > (uint64_t)INT64_MAX / u->multiplier)
			return false;
		*out = (int64_t)(v * u->multiplier);
		return true;
	}
	return false;
}

int
filter_parse_amount(const char *s, char kind, int64_t *out)
{
	if (!s || (kind != 'b' && kind != 'p') || !parse_amount(kind, s,
	    strlen(s), out))
		return -FT_EINVAL;
	return 0;
}

static int
primitive_compare(struct parser *p, const struct primitive *pr, enum side side)
{
	static const char *const hint[] = { "k, M, G, KiB, MiB or GiB",
		"k, M or G", "s, ms, m or h" };
	const char *sql = NULL, *h;
	char buf[FILTER_TOKEN_MAX];
	struct token t;
	int64_t v;
	int rc;

	for (size_t i = 0; i < sizeof(comparisons) / sizeof(comparisons[0]);
	    i++)
		if (p->token.kind == TOKEN_OPERATOR &&
		    filter_token_is(p, &p->token, comparisons[i].op))
			sql = comparisons[i].sql;
	if (!sql)
		return filter_error_expected(p, "a comparison (> >= < <= = !=)",
		    pr->keyword);
	filter_lex(p);
	h = hint[pr->keyword[0] == 'b' ? 0 : pr->keyword[0] == 'p' ? 1 : 2];
	if (p->token.kind != TOKEN_WORD || p->token.len >= FILTER_TOKEN_MAX) {
		snprintf(buf, sizeof(buf), "a number (with %s)", h);
		return filter_error_expected(p, buf, pr->keyword);
	}
	rc = take_arg(p, pr, "a number", &t, buf);
	if (!rc && !parse_amount(pr->keyword[0], buf, t.len, &v)) {
		char show[64];

		return filter_error(p, &t, "bad number %s for '%s' (digits "
		    "with an optional %s, at most 2^63-1)",
		    filter_token_show(p, &t, show, sizeof(show)), pr->keyword,
		    h);
	}
	if (!rc)
		rc = filter_emit(p, pr->flows_sql);
	return rc ? rc : filter_emit_int(p, &t, sql, v);
}

#define APP_SQL(col) "(" col " = ? COLLATE NOCASE OR " col " LIKE ? || '.%' " \
	"ESCAPE '\\' OR " col " LIKE '%.' || ? ESCAPE '\\')"
#define NO_SERIES(why) -1, why

/* The primitives by keyword; one added here goes into FILTER_KEYWORDS too. */
static const struct primitive primitives[] = {
	{ "host", primitive_host, true, NULL, QUERY_SERIES_HOST, NULL },
	{ "net", primitive_net, true, NULL, QUERY_SERIES_HOST, NULL },
	{ "port", primitive_port, true, NULL,
	  NO_SERIES("they keep no ports") },
	{ "mac", primitive_mac, true, NULL, QUERY_SERIES_MAC, NULL },
	{ "local", primitive_local, true, NULL, QUERY_SERIES_HOST, NULL },
	{ "remote", primitive_local, true, NULL, QUERY_SERIES_HOST, NULL },
	{ "proto", primitive_proto, false, "f.proto = ?", QUERY_SERIES_PROTO,
	  "key = ?" },
	{ "app", primitive_app, false, APP_SQL("a.name"), QUERY_SERIES_APP,
	  APP_SQL("key") },
	{ "category", primitive_text, false, "a.category = ? COLLATE NOCASE",
	  QUERY_SERIES_APP, "key IN (SELECT name FROM apps WHERE category = ? "
	  "COLLATE NOCASE)" },
	{ "vendor", primitive_text, false, "mc.vendor = ? COLLATE NOCASE",
	  QUERY_SERIES_MAC, "key IN (SELECT mac FROM macs WHERE vendor = ? "
	  "COLLATE NOCASE)" },
	{ "device", primitive_text, false, "EXISTS (SELECT 1 FROM devices dv "
	  "WHERE dv.name = ? COLLATE NOCASE AND dv.mac IN (f.cli_mac, "
	  "f.srv_mac))", QUERY_SERIES_MAC, "key IN (SELECT m.mac FROM devices dv "
	  "JOIN macs m ON m.id = dv.mac WHERE dv.name = ? COLLATE NOCASE)" },
	{ "iface", primitive_text, false, "f.iface IN (SELECT id FROM ifaces "
	  "WHERE name = ?)", QUERY_SERIES_IFACE, "key = ?" },
	{ "asn", primitive_number, false, "f.asn = ?", QUERY_SERIES_ASN,
	  "key = ?" },
	{ "vlan", primitive_number, false, "f.vlan = ?",
	  NO_SERIES("they keep no VLANs") },
	{ "country", primitive_country, false, "f.country = ?",
	  QUERY_SERIES_COUNTRY, "key = ?" },
	{ "name", primitive_name, false, NULL,
	  NO_SERIES("they keep no names") },
	{ "bytes", primitive_compare, false, "f.bytes_cs + f.bytes_sc",
	  NO_SERIES("they hold sums, not flows to compare") },
	{ "packets", primitive_compare, false, "f.pkts_cs + f.pkts_sc",
	  NO_SERIES("they hold sums, not flows to compare") },
	{ "duration", primitive_compare, false, "f.last_us - f.first_us",
	  NO_SERIES("they hold sums, not flows to compare") },
};

const struct primitive *
filter_primitive_find(const struct parser *p, const struct token *t, bool sided)
{
	for (size_t i = 0; i < sizeof(primitives) / sizeof(primitives[0]); i++)
		if (filter_token_is(p, t, primitives[i].keyword) &&
		    (!sided || primitives[i].sided))
			return &primitives[i];
	return NULL;
}

bool
filter_primitive_flow_const(const struct primitive *pr, enum side side)
{
	static const char *const keywords[] = { "host", "net", "proto", "local",
		"remote" };
	size_t i;

	if (strcmp(pr->keyword, "port") == 0)
		return side == SIDE_DST;	/* the server port */
	for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (strcmp(pr->keyword, keywords[i]) == 0)
			return true;
	return false;
}
