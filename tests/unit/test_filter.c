/* test_filter.c: the filter compiler's SQL, bound values and errors */
/*
 * Over flows and series rows (test_filter_sqlite.c runs them).
 */
#include <stdbool.h>
#include <stdlib.h>

#include "../../src/filter/filter.h"
#include "ut.h"

struct sql_case {
	const char *expr;
	const char *sql;
	const char *types;	/* one letter per value: i int, t text, b blob */
};

static const char NET4[] = "(length(f.cli) = 4 AND f.cli BETWEEN ? AND ?)";
static const char APP[] = "(a.name = ? COLLATE NOCASE OR a.name LIKE ? || "
    "'.%' ESCAPE '\\' OR a.name LIKE '%.' || ? ESCAPE '\\')";

/* c compiled for flows, or for series rows with the kind it reads in *sk. */
static void
check_sql_case(const struct sql_case *c, bool series, enum query_series_kind *sk)
{
	struct ft_err err = { 0 };
	struct filter *f;
	const struct query_where *w;
	int rc = series ? filter_compile_series(c->expr, &f, sk, &err) :
	    filter_compile(c->expr, &f, &err);

	if (rc) {
		UT_FAILF("'%s': %s", c->expr, err.msg);
		return;
	}
	w = filter_where(f);
	UT_STREQ(w->sql, c->sql);
	UT_EQ(w->n_vals, strlen(c->types));
	for (size_t k = 0; k < w->n_vals && k < strlen(c->types); k++)
		UT_EQ("itb"[w->vals[k].type], c->types[k]);
	filter_free(f);
}

static void
check_sql(const struct sql_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		check_sql_case(&c[i], false, NULL);
}

static void
and_binds_tighter_than_or_and_not_tighter_than_and(void)
{
	static const struct sql_case c[] = {
		{ "port 1 or port 2 and port 3",
		  "((f.cport = ? OR f.sport = ?) OR ((f.cport = ? OR f.sport = ?)"
		  " AND (f.cport = ? OR f.sport = ?)))", "iiiiii" },
		{ "not src port 1 and dst port 2",
		  "(NOT f.cport = ? AND f.sport = ?)", "ii" },
		{ "src port 1 dst port 2", "(f.cport = ? AND f.sport = ?)", "ii" },
		{ "SRC PORT 1 AND DST PORT 2 Or vlan 3",
		  "((f.cport = ? AND f.sport = ?) OR f.vlan = ?)", "iii" },
		{ "(src port 1 or dst port 2) and vlan 3",
		  "(((f.cport = ? OR f.sport = ?)) AND f.vlan = ?)", "iii" },
		{ "not (vlan 1 or vlan 2)", "NOT ((f.vlan = ? OR f.vlan = ?))",
		  "ii" },
		{ "not not vlan 1", "NOT NOT f.vlan = ?", "i" },
	};

	check_sql(c, sizeof(c) / sizeof(c[0]));
}

static void
every_primitive_compiles_to_fixed_sql_and_bound_values(void)
{
	static const struct sql_case c[] = {
		{ "host 10.0.0.1", "(f.cli = ? OR f.srv = ?)", "bb" },
		{ "src host 2001:db8::1", "f.cli = ?", "b" },
		{ "dst host 10.0.0.1", "f.srv = ?", "b" },
		{ "src net 10.0.0.0/8", NET4, "bb" },
		{ "dst net 2001:db8::/32",
		  "(length(f.srv) = 16 AND f.srv BETWEEN ? AND ?)", "bb" },
		{ "net 10.1.2.3", "((length(f.cli) = 4 AND f.cli BETWEEN ? AND ?)"
		  " OR (length(f.srv) = 4 AND f.srv BETWEEN ? AND ?))", "bbbb" },
		{ "port 53", "(f.cport = ? OR f.sport = ?)", "ii" },
		{ "proto tcp", "f.proto = ?", "i" },
		{ "proto 47", "f.proto = ?", "i" },
		{ "app TLS", APP, "ttt" },
		{ "category Web", "a.category = ? COLLATE NOCASE", "t" },
		{ "vendor Apple", "mc.vendor = ? COLLATE NOCASE", "t" },
		{ "asn AS15169", "f.asn = ?", "i" },
		{ "country de", "f.country = ?", "i" },
		{ "name *.Netflix.com", "lower(n.name) GLOB ?", "t" },
		{ "mac aa:bb:cc:dd:ee:ff",
		  "(f.cli_mac IN (SELECT id FROM macs WHERE mac = ?) OR "
		  "f.srv_mac IN (SELECT id FROM macs WHERE mac = ?))", "bb" },
		{ "dst mac AA-BB-CC-DD-EE-FF",
		  "f.srv_mac IN (SELECT id FROM macs WHERE mac = ?)", "b" },
		{ "vlan 4095", "f.vlan = ?", "i" },
		{ "local", "(f.local & 3) = 3", "" },
		{ "remote", "(f.local & 3) != 3", "" },
		{ "src local", "(f.local & 1) != 0", "" },
		{ "dst remote", "(f.local & 2) = 0", "" },
		{ "bytes > 1k", "f.bytes_cs + f.bytes_sc > ?", "i" },
		{ "packets<=10", "f.pkts_cs + f.pkts_sc <= ?", "i" },
		{ "duration != 2m", "f.last_us - f.first_us != ?", "i" },
		{ "bytes >= 1MiB", "f.bytes_cs + f.bytes_sc >= ?", "i" },
		{ "device Laptop", "EXISTS (SELECT 1 FROM devices dv WHERE "
		  "dv.name = ? COLLATE NOCASE AND dv.mac IN (f.cli_mac, "
		  "f.srv_mac))", "t" },
		{ "iface eth0", "f.iface IN (SELECT id FROM ifaces WHERE "
		  "name = ?)", "t" },
	};

	check_sql(c, sizeof(c) / sizeof(c[0]));
}

struct val_case {
	const char *expr;
	size_t idx;		/* which value */
	int64_t i;		/* QUERY_INT */
	const char *bytes;	/* QUERY_TEXT/BLOB */
	size_t len;
};

static void
values_are_converted_and_owned_by_the_filter(void)
{
	static const struct val_case c[] = {
		{ "proto udp", 0, 17, NULL, 0 },
		{ "proto icmp6", 0, 58, NULL, 0 },
		{ "country de", 0, 68 * 256 + 69, NULL, 0 },
		{ "asn AS15169", 0, 15169, NULL, 0 },
		{ "bytes > 1k", 0, 1000, NULL, 0 },
		{ "bytes > 2KiB", 0, 2048, NULL, 0 },
		{ "bytes > 3G", 0, 3000000000ll, NULL, 0 },
		{ "packets > 2M", 0, 2000000, NULL, 0 },
		{ "duration > 90", 0, 90000000, NULL, 0 },
		{ "duration > 2h", 0, 7200000000ll, NULL, 0 },
		{ "duration < 500ms", 0, 500000, NULL, 0 },
		{ "src net 192.168.1.77/24", 0, 0, "\xc0\xa8\x01\x00", 4 },
		{ "src net 192.168.1.77/24", 1, 0, "\xc0\xa8\x01\xff", 4 },
		{ "src net 10.0.0.0/0", 1, 0, "\xff\xff\xff\xff", 4 },
		{ "src net 10.0.0.0/9", 1, 0, "\x0a\x7f\xff\xff", 4 },
		{ "dst host 1.2.3.4", 0, 0, "\x01\x02\x03\x04", 4 },
		{ "mac 01:02:03:0a:0B:ff", 1, 0, "\x01\x02\x03\x0a\x0b\xff", 6 },
		{ "name *.Netflix.COM", 0, 0, "*.netflix.com", 13 },
		{ "name a?b[c", 0, 0, "a[?]b[[]c", 9 },
		{ "app TLS", 0, 0, "TLS", 3 },
		{ "app a_b%", 1, 0, "a\\_b\\%", 6 },
		{ "vendor Apple", 0, 0, "Apple", 5 },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct ft_err err = { 0 };
		struct filter *f;
		const struct query_value *v;

		if (filter_compile(c[i].expr, &f, &err)) {
			UT_FAILF("'%s': %s", c[i].expr, err.msg);
			continue;
		}
		v = &filter_where(f)->vals[c[i].idx];
		if (!c[i].bytes) {
			UT_EQ(v->type, QUERY_INT);
			UT_EQ(v->i, c[i].i);
		} else {
			UT_EQ(v->len, c[i].len);
			if (v->len == c[i].len && memcmp(v->p, c[i].bytes,
			    v->len) != 0)
				UT_FAILF("'%s': value %zu differs", c[i].expr,
				    c[i].idx);
		}
		filter_free(f);
	}
}

static void
ipv6_nets_span_the_whole_prefix(void)
{
	struct ft_err err = { 0 };
	struct filter *f;
	const struct query_value *v;
	static const unsigned char lo[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x12, 0x30 };
	unsigned char hi[16];

	memset(hi, 0xff, sizeof(hi));
	memcpy(hi, lo, 5);
	hi[4] = 0x12;
	hi[5] = 0x3f;
	UT_EQ(filter_compile("net 2001:db8:1234::/44", &f, &err), 0);
	v = filter_where(f)->vals;
	UT_EQ(v[0].len, 16);
	UT_ASSERT(memcmp(v[0].p, lo, 16) == 0);
	UT_ASSERT(memcmp(v[1].p, hi, 16) == 0);
	filter_free(f);
}

struct err_case {
	const char *expr;
	const char *msg;
};

/* Each case fails with its message, for flows or for series rows. */
static void
check_errors(const struct err_case *c, size_t n, bool series)
{
	for (size_t i = 0; i < n; i++) {
		struct ft_err err = { 0 };
		struct filter *f = (struct filter *)&err;
		enum query_series_kind sk;

		UT_EQ(series ? filter_compile_series(c[i].expr, &f, &sk, &err) :
		    filter_compile(c[i].expr, &f, &err), -FT_EPARSE);
		UT_ASSERT(f == NULL);
		UT_STREQ(err.msg, c[i].msg);
	}
}

static void
every_error_names_the_column_and_what_was_expected(void)
{
	static const struct err_case c[] = {
		{ "", "filter: column 1: empty expression" },
		{ "   ", "filter: column 4: empty expression" },
		{ "src host 1.2.3.4 net foo", "filter: column 22: expected an "
		  "address or CIDR after 'net', got 'foo'" },
		{ "host", "filter: column 5: expected an address after 'host', "
		  "got end of input" },
		{ "host 1.2.3", "filter: column 6: expected an address after "
		  "'host', got '1.2.3'" },
		{ "net 10.0.0.0/33", "filter: column 5: prefix length 33 too "
		  "long for IPv4 (at most 32)" },
		{ "net ::/129", "filter: column 5: prefix length 129 too long "
		  "for IPv6 (at most 128)" },
		{ "net 10.0.0.0/x", "filter: column 5: bad prefix length in "
		  "'10.0.0.0/x'" },
		{ "port 70000", "filter: column 6: port '70000' out of range "
		  "(0-65535)" },
		{ "port http", "filter: column 6: expected a port number after "
		  "'port', got 'http'" },
		{ "vlan 4096", "filter: column 6: vlan '4096' out of range "
		  "(0-4095)" },
		{ "proto xyz", "filter: column 7: expected icmp, igmp, ipip, "
		  "tcp, udp, ipv6, gre, esp, ah, icmp6, ospf, vrrp, sctp, or a "
		  "protocol number after 'proto', got 'xyz'" },
		{ "asn 99999999999", "filter: column 5: asn '99999999999' out "
		  "of range (0-4294967295)" },
		{ "country DEU", "filter: column 9: expected a two-letter "
		  "country code after 'country', got 'DEU'" },
		{ "mac aa:bb", "filter: column 5: expected a MAC address "
		  "(AA:BB:CC:DD:EE:FF) after 'mac', got 'aa:bb'" },
		{ "bytes 5", "filter: column 7: expected a comparison (> >= < "
		  "<= = !=) after 'bytes', got '5'" },
		{ "bytes >", "filter: column 8: expected a number (with k, M, G,"
		  " KiB, MiB or GiB) after 'bytes', got end of input" },
		{ "bytes > 1x", "filter: column 9: bad number '1x' for 'bytes' "
		  "(digits with an optional k, M, G, KiB, MiB or GiB, at most "
		  "2^63-1)" },
		{ "duration > 99999999999999999h", "filter: column 12: bad "
		  "number '99999999999999999h' for 'duration' (digits with an "
		  "optional s, ms, m or h, at most 2^63-1)" },
		{ "(port 1", "filter: column 8: unbalanced parentheses: "
		  "expected ')' for the '(' at column 1, got end of input" },
		{ "port 1)", "filter: column 7: unbalanced parentheses: ')' "
		  "without a '('" },
		{ "()", "filter: column 2: expected a primitive, 'not' or '(' "
		  "after '(', got ')'" },
		{ "port 1 and", "filter: column 11: expected a primitive, 'not' "
		  "or '(' after 'and', got end of input" },
		{ "port 1 or or", "filter: column 11: expected a primitive, "
		  "'not' or '(' after 'or', got 'or'" },
		{ "and port 1", "filter: column 1: expected a primitive, 'not' "
		  "or '(', got 'and'" },
		{ "not", "filter: column 4: expected a primitive, 'not' or '(' "
		  "after 'not', got end of input" },
		{ "src proto tcp", "filter: column 5: expected host, net, port, "
		  "mac, local or remote after 'src', got 'proto'" },
		{ "hots 1.2.3.4", "filter: column 1: unknown keyword 'hots' "
		  "(expected host, net, port, mac, local, remote, proto, app, "
		  "category, vendor, device, iface, asn, vlan, country, name, "
		  "bytes, packets, duration, src, dst, not or '(')" },
		{ "device", "filter: column 7: expected a device name after "
		  "'device', got end of input" },
		{ "iface (", "filter: column 7: expected an interface name "
		  "after 'iface', got '('" },
	};

	check_errors(c, sizeof(c) / sizeof(c[0]), false);
}

static void
more_than_the_maximum_values_is_an_error(void)
{
	char expr[64 * 12 + 16];
	struct ft_err err = { 0 };
	struct filter *f;
	size_t n = 0;

	for (int i = 0; i <= QUERY_WHERE_MAX; i++)
		n += (size_t)snprintf(expr + n, sizeof(expr) - n, "vlan %d ",
		    i % 10);
	UT_EQ(filter_compile(expr, &f, &err), -FT_EPARSE);
	UT_STREQ(err.msg, "filter: column 454: too many values (at most 64)");
	expr[7 * QUERY_WHERE_MAX] = 0;	/* exactly 64 */
	UT_EQ(filter_compile(expr, &f, &err), 0);
	UT_EQ(filter_where(f)->n_vals, QUERY_WHERE_MAX);
	filter_free(f);
}

static void
deep_nesting_is_refused_not_recursed(void)
{
	char expr[400];
	struct ft_err err = { 0 };
	struct filter *f;

	memset(expr, '(', sizeof(expr) - 1);
	expr[sizeof(expr) - 1] = 0;
	UT_EQ(filter_compile(expr, &f, &err), -FT_EPARSE);
	UT_STREQ(err.msg, "filter: column 65: nested deeper than 64");
}

static void
user_text_never_reaches_the_sql(void)
{
	struct ft_err err = { 0 };
	struct filter *f;

	UT_EQ(filter_compile("app x';DROP name 'y'--", &f, &err), 0);
	UT_ASSERT(strstr(filter_where(f)->sql, "DROP") == NULL);
	UT_ASSERT(strchr(filter_where(f)->sql, 'x') == NULL);
	filter_free(f);
}

static void
amounts_outside_filters_read_the_same_units(void)
{
	int64_t v = 0;

	UT_EQ(filter_parse_amount("10M", 'b', &v), 0);
	UT_EQ(v, 10000000);
	UT_EQ(filter_parse_amount("2KiB", 'b', &v), 0);
	UT_EQ(v, 2048);
	UT_EQ(filter_parse_amount("1g", 'b', &v), 0);
	UT_EQ(v, 1000000000);
	UT_EQ(filter_parse_amount("3k", 'p', &v), 0);
	UT_EQ(v, 3000);
	UT_EQ(filter_parse_amount("42", 'p', &v), 0);
	UT_EQ(v, 42);
	UT_EQ(filter_parse_amount("3KiB", 'p', &v), -FT_EINVAL);
	UT_EQ(filter_parse_amount("", 'b', &v), -FT_EINVAL);
	UT_EQ(filter_parse_amount("M", 'b', &v), -FT_EINVAL);
	UT_EQ(filter_parse_amount("-1", 'b', &v), -FT_EINVAL);
	UT_EQ(filter_parse_amount("10 M", 'b', &v), -FT_EINVAL);
	UT_EQ(filter_parse_amount("99999999999G", 'b', &v), -FT_EINVAL);
	UT_EQ(filter_parse_amount("5s", 'd', &v), -FT_EINVAL);
}

/* --- the series target --- */

#define SQ(x) "key != -1 AND (" x ")"

/* A series case: SQL, values and the kind it reads. */
struct ssql_case {
	struct sql_case c;
	enum query_series_kind sk;
};

static void
check_series_sql(const struct ssql_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		enum query_series_kind sk = (enum query_series_kind)-1;

		check_sql_case(&c[i].c, true, &sk);
		if (sk != c[i].sk)
			UT_FAILF("'%s' reads kind %d, expected %d", c[i].c.expr,
			    (int)sk, (int)c[i].sk);
	}
}

static void
series_target_reads_each_primitive_from_the_key(void)
{
	static const struct ssql_case c[] = {
		{ { "host 10.0.0.1", SQ("key = ?"), "b" }, QUERY_SERIES_HOST },
		{ { "net 10.0.0.0/8", SQ("(length(key) = 4 AND key BETWEEN ? "
		  "AND ?)"), "bb" }, QUERY_SERIES_HOST },
		{ { "net 2001:db8::/32", SQ("(length(key) = 16 AND key BETWEEN "
		  "? AND ?)"), "bb" }, QUERY_SERIES_HOST },
		{ { "local", SQ("kind = 4"), "" }, QUERY_SERIES_HOST },
		{ { "remote", SQ("kind = 5"), "" }, QUERY_SERIES_HOST },
		{ { "mac aa:bb:cc:dd:ee:ff", SQ("key = ?"), "b" }, QUERY_SERIES_MAC },
		{ { "vendor Apple", SQ("key IN (SELECT mac FROM macs WHERE "
		  "vendor = ? COLLATE NOCASE)"), "t" }, QUERY_SERIES_MAC },
		{ { "device laptop", SQ("key IN (SELECT m.mac FROM devices dv "
		  "JOIN macs m ON m.id = dv.mac WHERE dv.name = ? COLLATE "
		  "NOCASE)"), "t" }, QUERY_SERIES_MAC },
		{ { "proto tcp", SQ("key = ?"), "i" }, QUERY_SERIES_PROTO },
		{ { "proto 47", SQ("key = ?"), "i" }, QUERY_SERIES_PROTO },
		{ { "app TLS", SQ("(key = ? COLLATE NOCASE OR key LIKE ? || "
		  "'.%' ESCAPE '\\' OR key LIKE '%.' || ? ESCAPE '\\')"),
		  "ttt" }, QUERY_SERIES_APP },
		{ { "category Web", SQ("key IN (SELECT name FROM apps WHERE "
		  "category = ? COLLATE NOCASE)"), "t" }, QUERY_SERIES_APP },
		{ { "asn AS15169", SQ("key = ?"), "i" }, QUERY_SERIES_ASN },
		{ { "country de", SQ("key = ?"), "i" }, QUERY_SERIES_COUNTRY },
		{ { "iface eth0", SQ("key = ?"), "t" }, QUERY_SERIES_IFACE },
	};

	check_series_sql(c, sizeof(c) / sizeof(c[0]));
}

static void
series_target_keeps_the_precedence_of_and_or_not(void)
{
	static const struct ssql_case c[] = {
		{ { "host 1.1.1.1 or host 2.2.2.2 and not local",
		  SQ("(key = ? OR (key = ? AND NOT kind = 4))"), "bb" },
		  QUERY_SERIES_HOST },
		{ { "net 10.0.0.0/8 remote", SQ("((length(key) = 4 AND key "
		  "BETWEEN ? AND ?) AND kind = 5)"), "bb" }, QUERY_SERIES_HOST },
		{ { "not (proto tcp or proto udp)", SQ("NOT ((key = ? OR "
		  "key = ?))"), "ii" }, QUERY_SERIES_PROTO },
		{ { "mac 00:11:22:33:44:55 or vendor Apple and not device x",
		  SQ("(key = ? OR (key IN (SELECT mac FROM macs WHERE vendor = "
		  "? COLLATE NOCASE) AND NOT key IN (SELECT m.mac FROM devices "
		  "dv JOIN macs m ON m.id = dv.mac WHERE dv.name = ? COLLATE "
		  "NOCASE)))"), "btt" }, QUERY_SERIES_MAC },
		{ { "(country DE or country FR) and not country US",
		  SQ("(((key = ? OR key = ?)) AND NOT key = ?)"), "iii" },
		  QUERY_SERIES_COUNTRY },
	};

	check_series_sql(c, sizeof(c) / sizeof(c[0]));
}

static void
series_target_refuses_what_the_series_cannot_answer_at_its_column(void)
{
	static const struct err_case c[] = {
		{ "port 443", "filter: column 1: 'port' cannot be answered "
		  "from the series (they keep no ports): use top or flows" },
		{ "host 10.0.0.1 and name *.netflix.com", "filter: column 19: "
		  "'name' cannot be answered from the series (they keep no "
		  "names): use top or flows" },
		{ "vlan 10", "filter: column 1: 'vlan' cannot be answered from "
		  "the series (they keep no VLANs): use top or flows" },
		{ "app TLS and bytes > 1M", "filter: column 13: 'bytes' cannot "
		  "be answered from the series (they hold sums, not flows to "
		  "compare): use top or flows" },
		{ "not packets > 1", "filter: column 5: 'packets' cannot be "
		  "answered from the series (they hold sums, not flows to "
		  "compare): use top or flows" },
		{ "(duration > 1s)", "filter: column 2: 'duration' cannot be "
		  "answered from the series (they hold sums, not flows to "
		  "compare): use top or flows" },
		{ "src host 1.2.3.4", "filter: column 1: 'src' has no meaning in "
		  "the series (a host's rows hold what it sent and received): "
		  "use 'host', or top or flows" },
		{ "not dst net 10.0.0.0/8", "filter: column 5: 'dst' has no "
		  "meaning in the series (a host's rows hold what it sent and "
		  "received): use 'host', or top or flows" },
		{ "app TLS and host 10.0.0.1", "filter: column 13: 'host' reads "
		  "hosts but 'app' at column 1 reads applications, and the "
		  "series keep each kind apart: use top or flows to combine "
		  "them" },
		{ "(proto tcp) or country DE", "filter: column 16: 'country' "
		  "reads countries but 'proto' at column 2 reads protocols, "
		  "and the series keep each kind apart: use top or flows to "
		  "combine them" },
		{ "local or asn 1", "filter: column 10: 'asn' reads AS numbers "
		  "but 'local' at column 1 reads hosts, and the series keep "
		  "each kind apart: use top or flows to combine them" },
		{ "host", "filter: column 5: expected an address after 'host', "
		  "got end of input" },
		{ "(app TLS", "filter: column 9: unbalanced parentheses: "
		  "expected ')' for the '(' at column 1, got end of input" },
		{ "", "filter: column 1: empty expression" },
		{ "hots 1.2.3.4", "filter: column 1: unknown keyword 'hots' "
		  "(expected host, net, port, mac, local, remote, proto, app, "
		  "category, vendor, device, iface, asn, vlan, country, name, "
		  "bytes, packets, duration, src, dst, not or '(')" },
	};

	check_errors(c, sizeof(c) / sizeof(c[0]), true);
}

/* Which filters the hourly conversations can answer (map --source). */
static void
flow_const_marks_filters_on_what_a_flows_records_share(void)
{
	static const struct {
		const char *expr;
		bool flow_const;
	} c[] = {
		{ "src net 10.0.0.0/8 and dst port 443", true },
		{ "not host 192.168.1.1 or (proto udp and local)", true },
		{ "remote and dst net 2001:db8::/32", true },
		{ "port 443", false },
		{ "src port 40000", false },
		{ "dst port 53 or app DNS", false },
		{ "host 10.0.0.1 and bytes > 1M", false },
		{ "name *.example.com", false },
		{ "mac 02:00:00:00:00:01", false },
	};
	struct ft_err err = { 0 };
	struct filter *f;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		f = NULL;
		if (filter_compile(c[i].expr, &f, &err)) {
			UT_FAILF("%s: %s", c[i].expr, err.msg);
			continue;
		}
		if (filter_where(f)->flow_const != c[i].flow_const)
			UT_FAILF("%s: flow_const %d", c[i].expr,
			    filter_where(f)->flow_const);
		filter_free(f);
	}
}

int
main(void)
{
	UT_RUN(and_binds_tighter_than_or_and_not_tighter_than_and);
	UT_RUN(every_primitive_compiles_to_fixed_sql_and_bound_values);
	UT_RUN(values_are_converted_and_owned_by_the_filter);
	UT_RUN(ipv6_nets_span_the_whole_prefix);
	UT_RUN(every_error_names_the_column_and_what_was_expected);
	UT_RUN(flow_const_marks_filters_on_what_a_flows_records_share);
	UT_RUN(more_than_the_maximum_values_is_an_error);
	UT_RUN(deep_nesting_is_refused_not_recursed);
	UT_RUN(user_text_never_reaches_the_sql);
	UT_RUN(amounts_outside_filters_read_the_same_units);
	UT_RUN(series_target_reads_each_primitive_from_the_key);
	UT_RUN(series_target_keeps_the_precedence_of_and_or_not);
	UT_RUN(series_target_refuses_what_the_series_cannot_answer_at_its_column);
	return UT_DONE();
}
