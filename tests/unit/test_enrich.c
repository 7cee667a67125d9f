/* test_enrich.c: the enrich stage */
/*
 * Local networks, labels, passive DNS, DHCP and leases, name priority,
 * ASN/country/vendor.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/base/ft_mac.h"
#include "../../src/enrich/enrich_int.h"
#include "ut.h"

static char tmpdir[64];		/* per-process scratch directory */

static const char *
write_file(const char *name, const char *text)
{
	static char paths[8][128];
	static int next;
	char *p = paths[next++ % 8];
	FILE *f;

	snprintf(p, 128, "%s/%s", tmpdir, name);
	f = fopen(p, "w");
	if (f) {
		fputs(text ? text : "", f);
		fclose(f);
	}
	return p;
}

static const char *
tmp_path(const char *name)
{
	static char paths[4][128];
	static int next;
	char *p = paths[next++ % 4];

	snprintf(p, 128, "%s/%s", tmpdir, name);
	return p;
}

/* Address text to bytes; returns the IP version. */
static int
ip(const char *s, uint8_t out[16])
{
	int v = strchr(s, ':') ? 6 : 4;

	memset(out, 0, 16);
	if (inet_pton(v == 4 ? AF_INET : AF_INET6, s, out) != 1)
		UT_FAILF("bad test address %s", s);
	return v;
}

static void
mac(const char *s, uint8_t out[6])
{
	memset(out, 0, 6);
	if (s && ft_mac_parse(s, strlen(s), out) != 6)
		UT_FAILF("bad test MAC %s", s);
}

/* Options that never pick up this machine's /tmp/dhcp.leases. */
static struct enrich_opts
opts_none(void)
{
	return (struct enrich_opts){ .leases_path = tmp_path("no-leases") };
}

static struct enrich *
new_or_fail(const struct enrich_opts *o)
{
	struct ft_err err = { 0 };
	struct enrich *e = NULL;

	if (enrich_new(o, &e, &err))
		UT_FAILF("enrich_new: %s", err.msg);
	return e;
}

static void
text_copy_cuts_between_utf8_characters_and_replaces_controls(void)
{
	static const struct {
		const char *in;		/* source */
		size_t cap;		/* destination size */
		const char *out;	/* expected */
	} cases[] = {
		{ "plain", 16, "plain" },
		{ "a\tb\x01" "c", 16, "a b?c" },
		{ "K\xc3\xbc" "che", 3, "K" },	/* the u-umlaut does not fit */
		{ "K\xc3\xbc" "che", 4, "K\xc3\xbc" },
		{ "bad\xc3(", 16, "bad?(" },		/* cut sequence */
		{ "\xed\xa0\x80x", 16, "???x" },	/* surrogate */
		{ "\xe2\x82\xac", 4, "\xe2\x82\xac" },	/* euro sign */
		{ "toolong", 4, "too" },
	};
	char buf[16];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enrich_text_copy(buf, cases[i].cap, cases[i].in,
		    strlen(cases[i].in));
		UT_STREQ(buf, cases[i].out);
	}
}

static void
cidr_parsing_accepts_v4_v6_and_short_forms_and_refuses_bad_entries(void)
{
	static const struct {
		const char *in;		/* text */
		int ok;			/* 1: parses */
		int ver;		/* family */
		int len;		/* prefix length */
		const char *net;	/* masked address */
	} cases[] = {
		{ "10.0.0.0/8", 1, 4, 8, "10.0.0.0" },
		{ "10/8", 1, 4, 8, "10.0.0.0" },
		{ "172.16/12", 1, 4, 12, "172.16.0.0" },
		{ "192.168.1.77/24", 1, 4, 24, "192.168.1.0" },
		{ "192.168.1.77", 1, 4, 32, "192.168.1.77" },
		{ "0.0.0.0/0", 1, 4, 0, "0.0.0.0" },
		{ "fc00::/7", 1, 6, 7, "fc00::" },
		{ "fe80::1/10", 1, 6, 10, "fe80::" },
		{ "2001:db8::1", 1, 6, 128, "2001:db8::1" },
		{ "2001:db8:ffff::/33", 1, 6, 33, "2001:db8:8000::" },
		{ "10.0.0.0/33", 0, 0, 0, NULL },
		{ "fc00::/129", 0, 0, 0, NULL },
		{ "10", 0, 0, 0, NULL },
		{ "10.0.0", 0, 0, 0, NULL },
		{ "256.0.0.0/8", 0, 0, 0, NULL },
		{ "10.0.0.0/", 0, 0, 0, NULL },
		{ "10.0.0.0/8x", 0, 0, 0, NULL },
		{ "10..0.0/8", 0, 0, 0, NULL },
		{ "1.2.3.4.5", 0, 0, 0, NULL },
		{ "fc00:::/7", 0, 0, 0, NULL },
		{ "host.lan", 0, 0, 0, NULL },
		{ "/8", 0, 0, 0, NULL },
	};
	struct enrich_net n, want;
	uint8_t a[16];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = enrich_cidr_parse(cases[i].in, strlen(cases[i].in),
		    &n);

		if (!cases[i].ok) {
			if (rc == 0)
				UT_FAILF("'%s' was accepted", cases[i].in);
			continue;
		}
		if (rc) {
			UT_FAILF("'%s' was refused", cases[i].in);
			continue;
		}
		UT_EQ(n.ver, cases[i].ver);
		UT_EQ(n.len, cases[i].len);
		enrich_net_make(a, ip(cases[i].net, a), (unsigned)cases[i].len,
		    &want);
		UT_ASSERT(!memcmp(n.w, want.w, 16) && !memcmp(n.m, want.m, 16));
	}
}

static void
default_local_networks_are_private_cgnat_link_local_and_ula(void)
{
	static const struct {
		const char *addr;	/* address */
		bool local;		/* expected */
	} cases[] = {
		{ "10.1.2.3", true }, { "172.16.0.1", true },
		{ "172.31.255.255", true }, { "172.32.0.1", false },
		{ "192.168.200.1", true }, { "192.169.0.1", false },
		{ "100.64.0.1", true }, { "100.127.255.255", true },
		{ "100.128.0.1", false }, { "169.254.10.10", true },
		{ "8.8.8.8", false }, { "fd12:3456::1", true },
		{ "fc00::1", true }, { "fe80::1", true }, { "febf::1", true },
		{ "fec0::1", false }, { "2001:db8::1", false },
		{ "::ffff:10.0.0.1", false },
	};
	struct enrich_nets ns;
	uint8_t a[16];
	size_t i;

	UT_EQ(enrich_nets_parse(&ns, NULL, NULL), 0);
	UT_EQ(ns.n, 7);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int v = ip(cases[i].addr, a);

		if (enrich_nets_has(&ns, a, v) != cases[i].local)
			UT_FAILF("%s: local should be %d", cases[i].addr,
			    cases[i].local);
	}
}

static void
a_local_networks_list_replaces_the_defaults_and_add_local_extends_it(void)
{
	struct enrich_opts o = opts_none();
	struct enrich_stats st;
	struct ft_flowrec r;
	struct enrich *e;
	uint8_t a[16];

	o.local_networks = "192.0.2.0/24,  2001:db8::/32\t198.51.100.7";
	e = new_or_fail(&o);
	if (!e)
		return;
	enrich_get_stats(e, &st);
	UT_EQ(st.local_nets, 3);
	memset(&r, 0, sizeof(r));
	r.ip_ver = 4;
	ip("192.0.2.9", r.cli);
	ip("10.0.0.1", r.srv);
	enrich_batch(e, &r, 1);
	UT_EQ(r.local, FT_LOCAL_CLI);
	ip("198.51.100.7", r.srv);
	enrich_batch(e, &r, 1);
	UT_EQ(r.local, FT_LOCAL_CLI | FT_LOCAL_SRV);
	ip("203.0.113.1", r.cli);
	enrich_batch(e, &r, 1);
	UT_EQ(r.local, FT_LOCAL_SRV);
	ip("203.0.113.77", a);
	UT_EQ(enrich_add_local(e, a, 4, 24), 0);
	UT_EQ(enrich_add_local(e, a, 4, 24), 0);	/* twice: once */
	UT_EQ(enrich_add_local(e, a, 4, 33), -FT_EINVAL);
	UT_EQ(enrich_add_local(e, a, 5, 8), -FT_EINVAL);
	enrich_batch(e, &r, 1);
	UT_EQ(r.local, FT_LOCAL_CLI | FT_LOCAL_SRV);
	enrich_get_stats(e, &st);
	UT_EQ(st.local_nets, 4);
	enrich_free(e);
}

static void
a_bad_local_network_or_too_many_fail_with_the_entry_named(void)
{
	static char many[ENRICH_MAX_NETS * 20];
	struct enrich_opts o = opts_none();
	struct ft_err err = { 0 };
	struct enrich *e = NULL;
	size_t off = 0;
	int i;

	o.local_networks = "10.0.0.0/8, 192.168.0.0/33, fd00::/8";
	UT_EQ(enrich_new(&o, &e, &err), -FT_EINVAL);
	UT_ASSERT(e == NULL);
	UT_ASSERT(strstr(err.msg, "'192.168.0.0/33'") != NULL);
	for (i = 0; i <= ENRICH_MAX_NETS; i++)
		off += (size_t)snprintf(many + off, sizeof(many) - off,
		    "10.%d.0.0/16,", i);
	o.local_networks = many;
	UT_EQ(enrich_new(&o, &e, &err), -FT_EFULL);
	UT_ASSERT(strstr(err.msg, "10.64.0.0/16") != NULL);
}

/* Labels ------------------------------------------------------------ */

static struct enrich_labels *
labels_or_fail(const char *text)
{
	struct ft_err err = { 0 };
	struct enrich_labels *l = NULL;

	if (enrich_labels_load(write_file("labels", text), &l, &err))
		UT_FAILF("labels: %s", err.msg);
	return l;
}

static const char *
label_ip(const struct enrich_labels *l, const char *addr)
{
	uint8_t a[16];
	int v = ip(addr, a);
	const char *s = enrich_labels_find_ip(l, a, v);

	return s ? s : "(none)";
}

static const char *
label_mac(const struct enrich_labels *l, const char *m)
{
	uint8_t b[6];
	const char *s;

	mac(m, b);
	s = enrich_labels_find_mac(l, b);
	return s ? s : "(none)";
}

static void
labels_file_reads_ips_cidrs_macs_comments_and_labels_with_spaces(void)
{
	struct enrich_labels *l = labels_or_fail(
	    "# who is who\n"
	    "\n"
	    "192.168.1.20   NAS in the  attic  \n"
	    "  192.168.1.0/24\tHome LAN\r\n"
	    "10/8 Office\n"
	    "10.1.0.0/16 Office, floor 1 #2\n"
	    "AA:BB:CC:DD:EE:01 Anna's phone\n"
	    "aa-bb-cc-dd-ee-02 Printer\n"
	    "2001:db8::/32 Lab v6\n"
	    "2001:db8::42 Lab host\n"
	    "fe80::/10 link-local\n"
	    "192.168.1.20 NAS (renamed)\n"
	    "   # indented comment\n");

	if (!l)
		return;
	UT_EQ(l->n, 10);
	UT_STREQ(label_ip(l, "192.168.1.20"), "NAS (renamed)");
	UT_STREQ(label_ip(l, "192.168.1.21"), "Home LAN");
	UT_STREQ(label_ip(l, "10.9.9.9"), "Office");
	UT_STREQ(label_ip(l, "10.1.2.3"), "Office, floor 1 #2");
	UT_STREQ(label_ip(l, "11.0.0.1"), "(none)");
	UT_STREQ(label_ip(l, "2001:db8::42"), "Lab host");
	UT_STREQ(label_ip(l, "2001:db8:1::1"), "Lab v6");
	UT_STREQ(label_ip(l, "fe80::1234"), "link-local");
	UT_STREQ(label_ip(l, "2001:db9::1"), "(none)");
	UT_STREQ(label_mac(l, "aa:bb:cc:dd:ee:01"), "Anna's phone");
	UT_STREQ(label_mac(l, "AA:BB:CC:DD:EE:02"), "Printer");
	UT_STREQ(label_mac(l, "aa:bb:cc:dd:ee:03"), "(none)");
	enrich_labels_free(l);
}

static void
a_bad_labels_line_is_named_by_file_and_line(void)
{
	static const struct {
		const char *text;	/* file */
		int rc;			/* expected */
		const char *msg;	/* expected in the message */
	} cases[] = {
		{ "# ok\n10.0.0.1\n", -FT_EPARSE, "labels:2: expected a label after '10.0.0.1'" },
		{ "10.0.0.1 a\nnas.lan NAS\n", -FT_EPARSE,
		  "labels:2: expected an IP address, a CIDR or a MAC address, got 'nas.lan'" },
		{ "10.0.0.0/40 x\n", -FT_EPARSE, "labels:1: expected an IP" },
		{ "aa:bb:cc:dd:ee Short MAC\n", -FT_EPARSE, "labels:1: expected an IP" },
		{ "aa:bb:cc:dd:ee:fg Bad hex\n", -FT_EPARSE, "labels:1:" },
		{ "2001:db8::/32\t \n", -FT_EPARSE, "labels:1: expected a label" },
	};
	struct ft_err err;
	struct enrich_labels *l;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&err, 0, sizeof(err));
		l = NULL;
		UT_EQ(enrich_labels_load(write_file("labels", cases[i].text),
		    &l, &err), cases[i].rc);
		UT_ASSERT(l == NULL);
		if (!strstr(err.msg, cases[i].msg))
			UT_FAILF("case %zu: message '%s'", i, err.msg);
	}
}

static void
labels_file_refuses_overlong_lines_and_more_entries_than_the_ceiling(void)
{
	static char line[ENRICH_LINE_MAX + 64];
	struct ft_err err = { 0 };
	struct enrich_labels *l = NULL;
	const char *p;
	FILE *f;
	int i;

	memset(line, 'x', sizeof(line) - 1);
	memcpy(line, "10.0.0.1 ", 9);
	UT_EQ(enrich_labels_load(write_file("labels", line), &l, &err),
	    -FT_EPARSE);
	UT_ASSERT(strstr(err.msg, "labels:1: line longer than") != NULL);
	p = tmp_path("many-labels");
	f = fopen(p, "w");
	if (!f)
		return;
	for (i = 0; i <= ENRICH_MAX_LABELS; i++)
		fprintf(f, "10.%d.%d.%d host %d\n", i >> 16, (i >> 8) & 255,
		    i & 255, i);
	fclose(f);
	UT_EQ(enrich_labels_load(p, &l, &err), -FT_EFULL);
	UT_ASSERT(strstr(err.msg, ":65537: more than 65536 labels") != NULL);
	UT_ASSERT(l == NULL);
}

static void
a_label_longer_than_a_name_is_cut_between_characters(void)
{
	char text[400];
	struct enrich_labels *l;
	const char *s;
	size_t i, o;

	o = (size_t)snprintf(text, sizeof(text), "10.0.0.1 ");
	for (i = 0; i < 100; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "\xc3\xa9");
	l = labels_or_fail(text);
	if (!l)
		return;
	s = label_ip(l, "10.0.0.1");
	UT_EQ(strlen(s), FT_NAME_MAX - 2);	/* 63 two-byte characters */
	enrich_labels_free(l);
}

/* Passive DNS -------------------------------------------------------- */

/* A DNS message under construction. */
struct msg {
	uint8_t b[4096];	/* bytes */
	size_t n;		/* length */
};

static void
put16(struct msg *m, unsigned v)
{
	m->b[m->n++] = (uint8_t)(v >> 8);
	m->b[m->n++] = (uint8_t)v;
}

static void
put_bytes(struct msg *m, const void *p, size_t n)
{
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

/* Labels of a dotted name; ends with a pointer to ptr when ptr != 0. */
static size_t
put_name(struct msg *m, const char *dotted, unsigned ptr)
{
	size_t start = m->n, len;
	const char *dot;

	while (*dotted) {
		dot = strchr(dotted, '.');
		len = dot ? (size_t)(dot - dotted) : strlen(dotted);
		m->b[m->n++] = (uint8_t)len;
		put_bytes(m, dotted, len);
		dotted += len + (dot ? 1 : 0);
	}
	if (ptr)
		put16(m, 0xc000 | ptr);
	else
		m->b[m->n++] = 0;
	return start;
}

static void
put_header(struct msg *m, unsigned flags, unsigned qd, unsigned an)
{
	m->n = 0;
	put16(m, 0x1234);
	put16(m, flags);
	put16(m, qd);
	put16(m, an);
	put16(m, 0);
	put16(m, 0);
}

/* Type, class IN, TTL 60 and rdlength after an owner name. */
static void
put_rr(struct msg *m, unsigned type, unsigned rdlen)
{
	put16(m, type);
	put16(m, 1);
	put16(m, 0);
	put16(m, 60);
	put16(m, rdlen);
}

static void
put_addr_rr(struct msg *m, unsigned owner_ptr, const char *addr)
{
	uint8_t a[16];
	int v = ip(addr, a);

	put16(m, 0xc000 | owner_ptr);
	put_rr(m, v == 4 ? 1 : 28, v == 4 ? 4 : 16);
	put_bytes(m, a, v == 4 ? 4 : 16);
}

/* CNAME at owner_ptr whose target is labels + a pointer (or root); returns the target's offset. */
static size_t
put_cname_rr(struct msg *m, unsigned owner_ptr, const char *labels,
    unsigned ptr)
{
	size_t len_at, start;

	put16(m, 0xc000 | owner_ptr);
	put_rr(m, 5, 0);
	len_at = m->n - 2;
	start = put_name(m, labels, ptr);
	m->b[len_at] = (uint8_t)((m->n - start) >> 8);
	m->b[len_at + 1] = (uint8_t)(m->n - start);
	return start;
}

/*
 * WWW.Example.COM -> CNAME cdn.example.com (compressed into the question)
 * -> CNAME edge.akamai.net, A and AAAA of the edge, the A placed first;
 * and an A of an unrelated name.
 */
static void
build_cname_chain(struct msg *m)
{
	size_t cdn, edge_at;

	put_header(m, 0x8180, 1, 6);
	put_name(m, "WWW.Example.COM", 0);	/* at 12; example at 16 */
	put16(m, 1);
	put16(m, 1);
	/* the address first: its owner is the edge name, written below */
	put16(m, 0xc000 | 12);
	put_rr(m, 16, 4);			/* TXT, skipped */
	put_bytes(m, "\x03" "abc", 4);
	cdn = put_cname_rr(m, 12, "cdn", 16);
	edge_at = put_cname_rr(m, (unsigned)cdn, "edge.akamai.net", 0);
	put_addr_rr(m, (unsigned)edge_at, "93.184.216.34");
	put_addr_rr(m, (unsigned)edge_at, "2606:2800:220:1::1");
	put16(m, 0xc000 | 16);			/* example.com itself */
	put_rr(m, 1, 4);
	put_bytes(m, "\x01\x02\x03\x04", 4);
}

static const char *
dns_at(struct enrich_dns *d, const char *addr)
{
	uint8_t a[16];
	int v = ip(addr, a);
	const char *s = enrich_dns_find(d, a, v);

	return s ? s : "(none)";
}

static void
dns_answers_through_a_cname_chain_map_to_the_question_name(void)
{
	struct enrich_dns d;
	struct msg m;

	if (enrich_dns_init(&d, 64))
		return;
	build_cname_chain(&m);
	UT_EQ(enrich_dns_learn(&d, m.b, m.n), 2);
	UT_STREQ(dns_at(&d, "93.184.216.34"), "www.example.com");
	UT_STREQ(dns_at(&d, "2606:2800:220:1::1"), "www.example.com");
	UT_STREQ(dns_at(&d, "1.2.3.4"), "(none)");
	UT_EQ(d.answers, 2);
	enrich_dns_fini(&d);
}

static void
dns_queries_errors_and_empty_questions_teach_nothing(void)
{
	struct enrich_dns d;
	struct msg m;

	if (enrich_dns_init(&d, 64))
		return;
	build_cname_chain(&m);
	m.b[2] = 0x01;				/* QR clear: a query */
	UT_EQ(enrich_dns_learn(&d, m.b, m.n), 0);
	build_cname_chain(&m);
	m.b[3] = 0x83;				/* NXDOMAIN */
	UT_EQ(enrich_dns_learn(&d, m.b, m.n), 0);
	build_cname_chain(&m);
	m.b[2] = 0x90;				/* opcode 2 */
	UT_EQ(enrich_dns_learn(&d, m.b, m.n), 0);
	put_header(&m, 0x8180, 1, 1);		/* root question */
	put_name(&m, "", 0);
	put16(&m, 2);
	put16(&m, 1);
	put_addr_rr(&m, 12, "9.9.9.9");
	UT_EQ(enrich_dns_learn(&d, m.b, m.n), 0);
	UT_EQ(d.answers, 0);
	enrich_dns_fini(&d);
}

static void
dns_pointer_loops_and_forward_pointers_are_refused(void)
{
	static const struct {
		const char *what;	/* case */
		uint8_t name[8];	/* question name at offset 12 */
		size_t len;		/* its bytes */
	} cases[] = {
		{ "pointer to itself", { 0xc0, 12 }, 2 },
		{ "label then pointer to its start", { 1, 'a', 0xc0, 12 }, 4 },
		{ "forward pointer", { 0xc0, 16, 0, 0, 1, 'a', 0 }, 7 },
		{ "reserved label type", { 0x41, 'a', 0 }, 3 },
		{ "pointer cut in half", { 0xc0 }, 1 },
	};
	struct enrich_dns d;
	struct msg m;
	size_t i;

	if (enrich_dns_init(&d, 64))
		return;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		put_header(&m, 0x8180, 1, 0);
		put_bytes(&m, cases[i].name, cases[i].len);
		if (i + 1 < sizeof(cases) / sizeof(cases[0])) {
			put16(&m, 1);
			put16(&m, 1);
		}
		if (enrich_dns_learn(&d, m.b, m.n) != -FT_EPARSE)
			UT_FAILF("%s was not refused", cases[i].what);
	}
	enrich_dns_fini(&d);
}

/*
 * The owner of an A record is a pointer to the last of n pointers kept in
 * a TXT record's data, each pointing to the one before, the first to the
 * question's name.
 */
static int
learn_pointer_chain(struct enrich_dns *d, int n)
{
	struct msg m;
	size_t prev = 12;
	int i;

	put_header(&m, 0x8180, 1, 2);
	put_name(&m, "example.org", 0);		/* at 12 */
	put16(&m, 1);
	put16(&m, 1);
	put16(&m, 0xc000 | 12);
	put_rr(&m, 16, (unsigned)(2 * n));
	for (i = 0; i < n; i++) {
		size_t here = m.n;

		put16(&m, 0xc000 | (unsigned)prev);
		prev = here;
	}
	put_addr_rr(&m, (unsigned)prev, "192.0.2.99");
	return enrich_dns_learn(d, m.b, m.n);
}

static void
dns_names_follow_at_most_32_pointers(void)
{
	struct enrich_dns d;

	if (enrich_dns_init(&d, 64))
		return;
	UT_EQ(learn_pointer_chain(&d, 8), 1);
	UT_STREQ(dns_at(&d, "192.0.2.99"), "example.org");
	UT_EQ(learn_pointer_chain(&d, ENRICH_DNS_MAX_JUMPS + 8), -FT_EPARSE);
	enrich_dns_fini(&d);
}

static void
every_truncation_of_a_response_is_refused_without_reading_past_it(void)
{
	struct enrich_dns d;
	struct msg m;
	uint8_t *cut;
	size_t len;

	if (enrich_dns_init(&d, 64))
		return;
	build_cname_chain(&m);
	for (len = 0; len < m.n; len++) {
		cut = malloc(len ? len : 1);	/* exact size: ASan sees overreads */
		if (!cut)
			break;
		memcpy(cut, m.b, len);
		if (enrich_dns_learn(&d, cut, len) != -FT_EPARSE)
			UT_FAILF("a response cut to %zu bytes was accepted", len);
		free(cut);
	}
	UT_EQ(d.answers, 0);
	UT_EQ(enrich_dns_learn(&d, NULL, 0), -FT_EPARSE);
	enrich_dns_fini(&d);
}

static void
a_bad_record_length_or_a_cname_leaving_its_data_is_refused(void)
{
	struct enrich_dns d;
	struct msg m;

	if (enrich_dns_init(&d, 64))
		return;
	put_header(&m, 0x8180, 1, 1);
	put_name(&m, "a.example", 0);
	put16(&m, 1);
	put16(&m, 1);
	put16(&m, 0xc000 | 12);
	put_rr(&m, 1, 5);			/* A with 5 bytes */
	put_bytes(&m, "\x01\x02\x03\x04\x05", 5);
	UT_EQ(enrich_dns_learn(&d, m.b, m.n), -FT_EPARSE);
	put_header(&m, 0x8180, 1, 2);
	put_name(&m, "a.example", 0);
	put16(&m, 1);
	put16(&m, 1);
	put16(&m, 0xc000 | 12);
	put_rr(&m, 5, 3);			/* CNAME data: 3 of 9 bytes */
	put_name(&m, "b.example", 0);
	UT_EQ(enrich_dns_learn(&d, m.b, m.n), -FT_EPARSE);
	UT_EQ(d.answers, 0);
	enrich_dns_fini(&d);
}

/* Q -> c1 -> ... -> cn, then the address of cn. */
static int
learn_long_chain(struct enrich_dns *d, int n, const char *addr)
{
	struct msg m;
	size_t owner = 12;
	char label[16];
	int i;

	put_header(&m, 0x8180, 1, (unsigned)n + 1);
	put_name(&m, "start.example", 0);	/* example at 18 */
	put16(&m, 1);
	put16(&m, 1);
	for (i = 0; i < n; i++) {
		snprintf(label, sizeof(label), "c%d", i + 1);
		owner = put_cname_rr(&m, (unsigned)owner, label, 18);
	}
	put_addr_rr(&m, (unsigned)owner, addr);
	return enrich_dns_learn(d, m.b, m.n);
}

static void
more_answers_than_fit_are_walked_and_the_cache_keeps_the_newest(void)
{
	struct enrich_dns d;
	struct msg m;
	char a[32];
	int i;

	if (enrich_dns_init(&d, 16))
		return;
	UT_EQ(learn_long_chain(&d, ENRICH_DNS_MAX_CNAME, "192.0.2.1"), 1);
	UT_STREQ(dns_at(&d, "192.0.2.1"), "start.example");
	UT_EQ(learn_long_chain(&d, ENRICH_DNS_MAX_CNAME + 1, "192.0.2.2"), 0);
	UT_EQ(learn_long_chain(&d, 100, "192.0.2.3"), 0);
	UT_STREQ(dns_at(&d, "192.0.2.3"), "(none)");
	put_header(&m, 0x8180, 1, 100);
	put_name(&m, "many.example", 0);
	put16(&m, 1);
	put16(&m, 1);
	for (i = 0; i < 100; i++) {
		snprintf(a, sizeof(a), "198.51.100.%d", i);
		put_addr_rr(&m, 12, a);
	}
	UT_EQ(enrich_dns_learn(&d, m.b, m.n), 100);
	UT_EQ(d.used, 16);
	UT_EQ(d.evicted, 100 + 1 - 16);
	UT_STREQ(dns_at(&d, "198.51.100.83"), "(none)");
	UT_STREQ(dns_at(&d, "198.51.100.84"), "many.example");
	UT_STREQ(dns_at(&d, "198.51.100.99"), "many.example");
	UT_STREQ(dns_at(&d, "192.0.2.1"), "(none)");
	enrich_dns_fini(&d);
}

static void
the_dns_cache_evicts_the_least_recently_used_address(void)
{
	struct enrich_dns d;
	uint8_t a[16];

	if (enrich_dns_init(&d, 3))
		return;
	enrich_dns_put(&d, (ip("10.0.0.1", a), a), 4, "one");
	enrich_dns_put(&d, (ip("10.0.0.2", a), a), 4, "two");
	enrich_dns_put(&d, (ip("2001:db8::3", a), a), 6, "three");
	UT_STREQ(dns_at(&d, "10.0.0.1"), "one");	/* now the newest */
	enrich_dns_put(&d, (ip("10.0.0.4", a), a), 4, "four");
	UT_STREQ(dns_at(&d, "10.0.0.2"), "(none)");
	UT_STREQ(dns_at(&d, "10.0.0.1"), "one");
	enrich_dns_put(&d, (ip("10.0.0.4", a), a), 4, "four again");
	UT_EQ(d.used, 3);
	UT_EQ(d.evicted, 1);
	enrich_dns_put(&d, (ip("10.0.0.5", a), a), 4, "five");
	UT_STREQ(dns_at(&d, "2001:db8::3"), "(none)");
	UT_STREQ(dns_at(&d, "10.0.0.4"), "four again");
	UT_STREQ(dns_at(&d, "10.0.0.5"), "five");
	UT_EQ(d.evicted, 2);
	enrich_dns_fini(&d);
}

static void
random_damage_to_a_response_never_reads_past_it(void)
{
	struct enrich_dns d;
	struct msg m;
	uint32_t seed = 12345;
	uint8_t *buf;
	int round, k;
	size_t len;

	if (enrich_dns_init(&d, 64))
		return;
	build_cname_chain(&m);
	for (round = 0; round < 20000; round++) {
		seed = seed * 1103515245 + 12345;
		len = 12 + (seed >> 8) % (m.n - 11);
		buf = malloc(len);
		if (!buf)
			break;
		memcpy(buf, m.b, len);
		for (k = 0; k < 1 + (int)(seed % 4); k++) {
			seed = seed * 1103515245 + 12345;
			buf[(seed >> 8) % len] = (uint8_t)(seed >> 20);
		}
		(void)enrich_dns_learn(&d, buf, len);
		free(buf);
	}
	UT_ASSERT(d.used <= d.cap);
	enrich_dns_fini(&d);
}

/* DHCP and leases ---------------------------------------------------- */

/* A BOOTP/DHCP message: op, chaddr, yiaddr/ciaddr, then options. */
static void
put_dhcp(struct msg *m, int op, const char *chaddr, const char *yiaddr,
    const char *ciaddr)
{
	uint8_t a[16];

	memset(m->b, 0, 240);
	m->b[0] = (uint8_t)op;
	m->b[1] = 1;
	m->b[2] = 6;
	if (ciaddr)
		memcpy(m->b + 12, (ip(ciaddr, a), a), 4);
	if (yiaddr)
		memcpy(m->b + 16, (ip(yiaddr, a), a), 4);
	mac(chaddr, m->b + 28);
	memcpy(m->b + 236, "\x63\x82\x53\x63", 4);
	m->n = 240;
}

static void
put_opt(struct msg *m, int code, const void *data, size_t len)
{
	m->b[m->n++] = (uint8_t)code;
	m->b[m->n++] = (uint8_t)len;
	put_bytes(m, data, len);
}

static void
put_type(struct msg *m, int type)
{
	uint8_t t = (uint8_t)type;

	put_opt(m, 53, &t, 1);
}

static struct ft_pkt
udp_pkt(uint16_t sport, uint16_t dport, const struct msg *m)
{
	struct ft_pkt p;

	memset(&p, 0, sizeof(p));
	p.ip_ver = 4;
	p.proto = 17;
	p.has_ports = 1;
	p.sport = sport;
	p.dport = dport;
	p.payload = m->b;
	p.payload_len = (uint32_t)m->n;
	return p;
}

static const struct enrich_host *
host_of(const struct enrich_hosts *h, const char *m)
{
	uint8_t b[6];

	mac(m, b);
	return enrich_hosts_find_mac(h, b);
}

static void
dhcp_discover_request_and_ack_give_name_client_id_and_address(void)
{
	const struct enrich_host *x;
	struct enrich_hosts h;
	struct msg m;
	uint8_t a[16];
	bool named;

	if (enrich_hosts_init(&h, 16))
		return;
	put_dhcp(&m, 1, "02:00:00:00:00:0b", NULL, NULL);	/* DISCOVER */
	put_type(&m, 1);
	put_opt(&m, 61, "\x01\x02\x00\x00\x00\x00\x0b", 7);
	put_opt(&m, 12, "Annas-Phone\0", 12);		/* with a NUL */
	m.b[m.n++] = 0;					/* pad */
	m.b[m.n++] = 255;
	UT_EQ(enrich_dhcp_learn(&h, m.b, m.n, &named), 0);
	UT_ASSERT(named);
	x = host_of(&h, "02:00:00:00:00:0b");
	UT_ASSERT(x != NULL);
	if (!x)
		goto out;
	UT_STREQ(x->name, "Annas-Phone");
	UT_STREQ(x->client_id, "01:02:00:00:00:00:0b");
	UT_EQ(x->ver, 0);
	put_dhcp(&m, 1, "02:00:00:00:00:0b", NULL, NULL);	/* REQUEST */
	put_type(&m, 3);
	put_opt(&m, 50, (ip("192.168.1.50", a), a), 4);
	put_opt(&m, 12, "Annas-Phone", 11);
	UT_EQ(enrich_dhcp_learn(&h, m.b, m.n, &named), 0);
	UT_ASSERT(!named);				/* same name again */
	UT_ASSERT(enrich_hosts_find_addr(&h, a, 4) == x);
	put_dhcp(&m, 2, "02:00:00:00:00:0b", "192.168.1.51", NULL); /* ACK */
	put_type(&m, 5);
	UT_EQ(enrich_dhcp_learn(&h, m.b, m.n, &named), 0);
	UT_ASSERT(enrich_hosts_find_addr(&h, a, 4) == NULL);
	UT_ASSERT(enrich_hosts_find_addr(&h, (ip("192.168.1.51", a), a), 4)
	    == x);
	put_dhcp(&m, 1, "02:00:00:00:00:0c", NULL, NULL);	/* text id */
	put_type(&m, 1);
	put_opt(&m, 61, "tv-livingroom", 13);
	UT_EQ(enrich_dhcp_learn(&h, m.b, m.n, &named), 0);
	UT_ASSERT(!named);
	x = host_of(&h, "02:00:00:00:00:0c");
	UT_ASSERT(x && !strcmp(x->client_id, "tv-livingroom") && !x->name[0]);
out:
	enrich_hosts_fini(&h);
}

static void
dhcp_messages_that_are_not_whole_are_refused_and_others_ignored(void)
{
	struct enrich_hosts h;
	struct msg m;
	bool named;

	if (enrich_hosts_init(&h, 16))
		return;
	put_dhcp(&m, 1, "02:00:00:00:00:01", NULL, NULL);
	put_type(&m, 1);
	put_opt(&m, 12, "cut", 3);
	m.b[m.n - 4] = 40;				/* length past the end */
	UT_EQ(enrich_dhcp_learn(&h, m.b, m.n, &named), -FT_EPARSE);
	UT_EQ(enrich_dhcp_learn(&h, m.b, 200, &named), -FT_EPARSE);
	m.b[0] = 3;					/* bad op */
	UT_EQ(enrich_dhcp_learn(&h, m.b, m.n, &named), -FT_EPARSE);
	put_dhcp(&m, 1, "02:00:00:00:00:01", NULL, NULL);
	put_opt(&m, 12, "plain-bootp", 11);		/* no message type */
	UT_EQ(enrich_dhcp_learn(&h, m.b, m.n, &named), 0);
	m.b[236] = 0;					/* no cookie */
	UT_EQ(enrich_dhcp_learn(&h, m.b, m.n, &named), 0);
	put_dhcp(&m, 1, "02:00:00:00:00:01", NULL, NULL);
	put_type(&m, 1);
	put_opt(&m, 12, "infiniband", 10);
	m.b[1] = 32;					/* not Ethernet */
	UT_EQ(enrich_dhcp_learn(&h, m.b, m.n, &named), 0);
	UT_EQ(h.used, 0);
	enrich_hosts_fini(&h);
}

static void
the_hosts_table_evicts_the_oldest_and_unlinks_it_everywhere(void)
{
	struct enrich_hosts h;
	struct enrich_host *x;
	uint8_t m[6] = { 2, 0, 0, 0, 0, 0 }, a[16];
	int i;

	if (enrich_hosts_init(&h, 4))
		return;
	for (i = 1; i <= 6; i++) {
		m[5] = (uint8_t)i;
		a[0] = 10, a[1] = 0, a[2] = 0, a[3] = (uint8_t)i;
		x = enrich_hosts_get(&h, m);
		snprintf(x->name, sizeof(x->name), "h%d", i);
		enrich_hosts_set_addr(&h, x, a, 4);
		if (i == 4) {				/* touch 1: 2, 3 go first */
			m[5] = 1;
			enrich_hosts_get(&h, m);
		}
	}
	UT_EQ(h.evicted, 2);
	m[5] = 2;
	UT_ASSERT(enrich_hosts_find_mac(&h, m) == NULL);
	m[5] = 3;
	UT_ASSERT(enrich_hosts_find_mac(&h, m) == NULL);
	a[3] = 3;
	UT_ASSERT(enrich_hosts_find_addr(&h, a, 4) == NULL);
	m[5] = 1;
	x = enrich_hosts_find_mac(&h, m);
	UT_ASSERT(x && !strcmp(x->name, "h1"));
	a[3] = 6;
	x = enrich_hosts_find_addr(&h, a, 4);
	UT_ASSERT(x && !strcmp(x->name, "h6"));
	enrich_hosts_fini(&h);
}

static void
lease_file_lines_give_names_by_mac_and_address_and_skip_stars(void)
{
	const char *p = write_file("dhcp.leases",
	    "1700000000 02:00:00:00:00:0d 192.168.1.13 printer 01:02:00:00:00:00:0d\n"
	    "0 02:00:00:00:00:0e 192.168.1.14 * *\n"
	    "1700000000 02:00:00:00:00:0f 192.168.1.15 tablet\n"
	    "duid 00:01:00:01:2a:2b:2c:2d:02:00:00:00:00:0d\n"
	    "1700000000 305419896 2001:db8::d printer6 00:01:00:01:2a\n"
	    "garbage\n"
	    "1700000000 not-a-mac 192.168.1.99 nobody *\n"
	    "\n");
	struct ft_err err = { 0 };
	const struct enrich_host *x;
	struct enrich_hosts *h;
	uint32_t n, dropped;
	uint8_t a[16];

	UT_EQ(enrich_leases_load(p, 16, &h, &n, &dropped, &err), 0);
	if (!h)
		return;
	UT_EQ(n, 3);
	UT_EQ(dropped, 2);
	x = host_of(h, "02:00:00:00:00:0d");
	UT_ASSERT(x && !strcmp(x->name, "printer") &&
	    !strcmp(x->client_id, "01:02:00:00:00:00:0d"));
	UT_ASSERT(host_of(h, "02:00:00:00:00:0e") == NULL);
	x = enrich_hosts_find_addr(h, (ip("192.168.1.15", a), a), 4);
	UT_ASSERT(x && !strcmp(x->name, "tablet"));
	x = enrich_hosts_find_addr(h, (ip("2001:db8::d", a), a), 6);
	UT_ASSERT(x && !strcmp(x->name, "printer6") && !x->has_mac);
	enrich_leases_free(h);
	UT_EQ(enrich_leases_load(p, 2, &h, &n, &dropped, &err), 0);
	UT_EQ(n, 2);
	UT_EQ(dropped, 3);
	enrich_leases_free(h);
}

/* The stage ---------------------------------------------------------- */

/* An enrich with labels, leases, DHCP and DNS learned from packets. */
static struct enrich *
names_setup(void)
{
	struct enrich_opts o = opts_none();
	struct enrich *e;
	struct ft_pkt p;
	struct msg m;
	uint8_t a[16];

	o.labels_path = write_file("names.labels",
	    "02:00:00:00:00:0a Labelled Laptop\n"
	    "192.168.1.20 NAS box\n"
	    "192.168.9.0/24 Lab net\n"
	    "192.168.9.128/25 Lab rack\n"
	    "203.0.113.7 Partner API\n");
	o.leases_path = write_file("names.leases",
	    "0 02:00:00:00:00:0b 192.168.1.11 lease-phone *\n"
	    "0 02:00:00:00:00:0d 192.168.1.13 lease-printer *\n"
	    "0 02:00:00:00:00:0e 192.168.1.14 * *\n");
	e = new_or_fail(&o);
	if (!e)
		return NULL;
	put_dhcp(&m, 2, "02:00:00:00:00:0b", "192.168.1.11", NULL);
	put_type(&m, 5);
	put_opt(&m, 12, "dhcp-phone", 10);
	p = udp_pkt(67, 68, &m);
	enrich_packet(e, &p);
	put_dhcp(&m, 1, "02:00:00:00:00:0c", NULL, NULL);
	put_type(&m, 3);
	put_opt(&m, 50, (ip("192.168.1.12", a), a), 4);
	put_opt(&m, 12, "dhcp-tv", 7);
	p = udp_pkt(68, 67, &m);
	enrich_packet(e, &p);
	put_header(&m, 0x8180, 1, 1);
	put_name(&m, "api.example.com", 0);
	put16(&m, 1);
	put16(&m, 1);
	put_addr_rr(&m, 12, "198.51.100.10");
	p = udp_pkt(53, 40000, &m);
	enrich_packet(e, &p);
	return e;
}

static void
names_follow_label_dhcp_lease_sni_dns_priority(void)
{
	static const struct {
		const char *cli, *cli_mac;	/* client */
		const char *srv, *srv_mac;	/* server */
		const char *sni;		/* server_name from classify */
		const char *cli_name;		/* expected */
		int cli_src;			/* expected */
		const char *srv_name;		/* expected */
		int srv_src;			/* expected */
	} cases[] = {
		{ "192.168.1.10", "02:00:00:00:00:0a", "8.8.8.8", NULL, "",
		  "Labelled Laptop", FT_NAME_LABEL, "", FT_NAME_NONE },
		{ "192.168.1.11", "02:00:00:00:00:0b", "8.8.8.8", NULL, "",
		  "dhcp-phone", FT_NAME_DHCP, "", FT_NAME_NONE },
		{ "192.168.1.11", NULL, "8.8.8.8", NULL, "",
		  "dhcp-phone", FT_NAME_DHCP, "", FT_NAME_NONE },
		{ "192.168.1.12", "02:00:00:00:00:99", "8.8.8.8", NULL, "",
		  "dhcp-tv", FT_NAME_DHCP, "", FT_NAME_NONE },
		{ "192.168.1.13", "02:00:00:00:00:0d", "8.8.8.8", NULL, "",
		  "lease-printer", FT_NAME_LEASE, "", FT_NAME_NONE },
		{ "192.168.1.14", "02:00:00:00:00:0e", "8.8.8.8", NULL, "",
		  "", FT_NAME_NONE, "", FT_NAME_NONE },
		{ "192.168.1.20", "02:00:00:00:00:0b", "8.8.8.8", NULL, "",
		  "NAS box", FT_NAME_LABEL, "", FT_NAME_NONE },
		{ "192.168.9.200", NULL, "8.8.8.8", NULL, "",
		  "Lab rack", FT_NAME_LABEL, "", FT_NAME_NONE },
		{ "192.168.9.5", NULL, "8.8.8.8", NULL, "",
		  "Lab net", FT_NAME_LABEL, "", FT_NAME_NONE },
		{ "8.8.4.4", "02:00:00:00:00:0a", "192.168.1.30", NULL, "",
		  "", FT_NAME_NONE, "", FT_NAME_NONE },
		{ "192.168.1.99", NULL, "198.51.100.10", NULL, "",
		  "", FT_NAME_NONE, "api.example.com", FT_NAME_DNS },
		{ "192.168.1.99", NULL, "198.51.100.10", NULL, "sni.example",
		  "", FT_NAME_NONE, "sni.example", FT_NAME_SNI },
		{ "192.168.1.99", NULL, "203.0.113.7", NULL, "sni.example",
		  "", FT_NAME_NONE, "Partner API", FT_NAME_LABEL },
		{ "192.168.1.99", NULL, "192.168.1.11", "02:00:00:00:00:0b", "",
		  "", FT_NAME_NONE, "dhcp-phone", FT_NAME_DHCP },
		{ "192.168.1.99", NULL, "192.168.1.13", "02:00:00:00:00:0d",
		  "printer.sni", "", FT_NAME_NONE, "lease-printer",
		  FT_NAME_LEASE },
		{ "192.168.1.99", NULL, "198.51.100.99", "02:00:00:00:00:0b",
		  "", "", FT_NAME_NONE, "", FT_NAME_NONE },
	};
	struct enrich *e = names_setup();
	struct enrich_stats st;
	struct ft_flowrec r[sizeof(cases) / sizeof(cases[0])];
	size_t i, n = sizeof(cases) / sizeof(cases[0]);

	if (!e)
		return;
	memset(r, 0, sizeof(r));
	for (i = 0; i < n; i++) {
		r[i].ip_ver = 4;
		ip(cases[i].cli, r[i].cli);
		ip(cases[i].srv, r[i].srv);
		mac(cases[i].cli_mac, r[i].cli_mac);
		mac(cases[i].srv_mac, r[i].srv_mac);
		snprintf(r[i].server_name, sizeof(r[i].server_name), "%s",
		    cases[i].sni);
		memset(r[i].cli_name, 'x', 8);		/* stale: overwritten */
	}
	enrich_batch(e, r, n);
	for (i = 0; i < n; i++) {
		if (strcmp(r[i].cli_name, cases[i].cli_name) ||
		    r[i].cli_name_src != cases[i].cli_src ||
		    strcmp(r[i].server_name, cases[i].srv_name) ||
		    r[i].srv_name_src != cases[i].srv_src)
			UT_FAILF("case %zu: client '%s' (%d), server '%s' (%d)",
			    i, r[i].cli_name, r[i].cli_name_src,
			    r[i].server_name, r[i].srv_name_src);
	}
	enrich_get_stats(e, &st);
	UT_EQ(st.labels, 5);
	UT_EQ(st.leases, 2);
	UT_EQ(st.dhcp_names, 2);
	UT_EQ(st.dns_answers, 1);
	UT_EQ(st.lut_loaded, 0);
	enrich_free(e);
}

static void
enrich_packet_counts_malformed_dns_and_dhcp_and_skips_the_rest(void)
{
	struct enrich *e;
	struct enrich_opts o = opts_none();
	struct enrich_stats st;
	struct ft_pkt p;
	struct msg m;

	e = new_or_fail(&o);
	if (!e)
		return;
	build_cname_chain(&m);
	m.n -= 3;
	p = udp_pkt(53, 5555, &m);
	enrich_packet(e, &p);				/* truncated */
	m.n += 3;
	p = udp_pkt(5353, 5353, &m);			/* mDNS: not read */
	enrich_packet(e, &p);
	p = udp_pkt(53, 5555, &m);
	p.proto = 6;					/* TCP */
	enrich_packet(e, &p);
	p.proto = 17;
	p.frag = FT_FRAG_LATER;
	enrich_packet(e, &p);
	put_dhcp(&m, 1, "02:00:00:00:00:01", NULL, NULL);
	m.n = 100;
	p = udp_pkt(68, 67, &m);
	enrich_packet(e, &p);
	p.ip_ver = 6;					/* DHCP is IPv4 */
	enrich_packet(e, &p);
	enrich_get_stats(e, &st);
	UT_EQ(st.dns_bad, 1);
	UT_EQ(st.dns_answers, 0);
	UT_EQ(st.dhcp_bad, 1);
	enrich_free(e);
}

/* Lookup tables ------------------------------------------------------ */

/* Compile tiny tables to path from CSV texts. */
static int
build_lut(const char *path, const char *asn4, struct ft_err *err)
{
	struct lut_sources s = { .n = 0 };

	s.src[s.n++] = (struct lut_source){ .kind = LUT_ASN4,
		.path = write_file("asn4.csv", asn4) };
	s.src[s.n++] = (struct lut_source){ .kind = LUT_ASN6,
		.path = write_file("asn6.csv",
		    "2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,15169,Google LLC\n") };
	s.src[s.n++] = (struct lut_source){ .kind = LUT_CC4,
		.path = write_file("cc4.csv",
		    "8.8.8.0,8.8.8.255,US\n9.9.9.0,9.9.9.255,CH\n") };
	s.src[s.n++] = (struct lut_source){ .kind = LUT_CC6,
		.path = write_file("cc6.csv",
		    "2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,US\n") };
	s.src[s.n++] = (struct lut_source){ .kind = LUT_VENDOR,
		.path = write_file("manuf",
		    "00:00:0C\tCisco\tCisco Systems, Inc\n"
		    "00:11:22\t\tLong Only Inc\n") };
	return lut_build(&s, path, err);
}

static const char long_org[] =
    "An Organisation Whose Name Goes On And On Past Ninety-Five Bytes, "
    "So That It Has To Be Cut Somewhere Sensible";

static void
asn_country_and_vendors_come_from_the_remote_side_and_the_macs(void)
{
	static const struct {
		const char *cli, *srv;	/* addresses */
		uint32_t asn;		/* expected */
		const char *cc;		/* expected */
	} cases[] = {
		{ "192.168.1.10", "8.8.8.8", 15169, "US" },	/* server */
		{ "8.8.8.8", "192.168.1.10", 15169, "US" },	/* client */
		{ "9.9.9.9", "8.8.8.8", 15169, "US" },		/* both: server */
		{ "192.168.1.10", "192.168.1.20", 0, "" },	/* neither */
		{ "192.168.1.10", "1.1.1.1", 0, "" },		/* no data */
		{ "192.168.1.10", "9.9.9.9", 19281, "CH" },
		{ "fd00::1", "2001:4860::8888", 15169, "US" },
	};
	char asn4[256];
	struct enrich_opts o = opts_none();
	struct ft_err err = { 0 };
	struct enrich_stats st;
	struct ft_flowrec r;
	struct enrich *e;
	size_t i;

	snprintf(asn4, sizeof(asn4), "8.8.8.0,8.8.8.255,15169,Google LLC\n"
	    "9.9.9.0,9.9.9.255,19281,\"%s\"\n", long_org);
	o.lut_path = tmp_path("enrich.lut");
	if (build_lut(o.lut_path, asn4, &err)) {
		UT_FAILF("lut_build: %s", err.msg);
		return;
	}
	e = new_or_fail(&o);
	if (!e)
		return;
	enrich_get_stats(e, &st);
	UT_EQ(st.lut_loaded, 1);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&r, 0, sizeof(r));
		r.ip_ver = (uint8_t)ip(cases[i].cli, r.cli);
		ip(cases[i].srv, r.srv);
		r.asn = 7;				/* stale */
		enrich_batch(e, &r, 1);
		if (r.asn != cases[i].asn || strcmp(r.country, cases[i].cc))
			UT_FAILF("case %zu: AS%u %s", i, r.asn, r.country);
	}
	UT_STREQ(r.as_org, "Google LLC");
	memset(&r, 0, sizeof(r));
	r.ip_ver = 4;
	ip("192.168.1.10", r.cli);
	ip("9.9.9.9", r.srv);
	mac("00:00:0c:12:34:56", r.cli_mac);
	mac("00:11:22:33:44:55", r.srv_mac);
	enrich_batch(e, &r, 1);
	UT_EQ(strlen(r.as_org), FT_ORG_MAX - 1);
	UT_ASSERT(!strncmp(r.as_org, long_org, FT_ORG_MAX - 1));
	UT_STREQ(r.cli_vendor, "Cisco");
	UT_STREQ(r.srv_vendor, "Long Only Inc");
	mac("00:00:00:00:00:00", r.cli_mac);
	mac("02:99:99:00:00:01", r.srv_mac);
	enrich_batch(e, &r, 1);
	UT_STREQ(r.cli_vendor, "");
	UT_STREQ(r.srv_vendor, "");
	enrich_free(e);
}

static void
a_missing_lut_is_no_error_until_it_appears_but_a_corrupt_one_is(void)
{
	struct enrich_opts o = opts_none();
	struct ft_err err = { 0 };
	struct enrich_stats st;
	struct enrich *e = NULL;

	o.lut_path = tmp_path("later.lut");
	unlink(o.lut_path);
	e = new_or_fail(&o);
	if (!e)
		return;
	enrich_get_stats(e, &st);
	UT_EQ(st.lut_loaded, 0);
	UT_EQ(enrich_reload(e, &err), 0);
	write_file("later.lut", "not a lookup file at all, but long enough to be "
	    "read as one....................................................."
	    "................................................................"
	    "................................................................"
	    "................................................................"
	    "................................................................"
	    "................................................................"
	    "................................................................"
	    "................................................................"
	    "................................................................"
	    ".......................");
	UT_ASSERT(enrich_reload(e, &err) < 0);		/* reported once */
	UT_EQ(enrich_reload(e, &err), 0);
	if (build_lut(o.lut_path, "8.8.8.0,8.8.8.255,15169,Google LLC\n",
	    &err))
		UT_FAILF("lut_build: %s", err.msg);
	UT_EQ(enrich_reload(e, &err), 0);
	enrich_get_stats(e, &st);
	UT_EQ(st.lut_loaded, 1);
	enrich_free(e);
	write_file("bad.lut", "garbage");
	o.lut_path = tmp_path("bad.lut");
	e = NULL;
	UT_ASSERT(enrich_new(&o, &e, &err) < 0);
	UT_ASSERT(e == NULL && strstr(err.msg, "bad.lut") != NULL);
}

/* Rewrite a file with a new mtime, so a reload sees it changed. */
static void
rewrite(const char *name, const char *text)
{
	struct timespec ts[2] = { { 0, UTIME_OMIT }, { 0, 0 } };
	const char *p = write_file(name, text);
	static time_t t = 1000000000;

	ts[1].tv_sec = t++;
	utimensat(AT_FDCWD, p, ts, 0);
}

static void
reload_rereads_changed_labels_and_leases_and_keeps_them_on_errors(void)
{
	struct enrich_opts o = opts_none();
	struct ft_err err = { 0 };
	struct enrich_stats st;
	struct ft_flowrec r;
	struct enrich *e;

	rewrite("r.labels", "10.0.0.1 first\n");
	rewrite("r.leases", "0 02:00:00:00:00:01 10.0.0.2 lamp *\n");
	o.labels_path = tmp_path("r.labels");
	o.leases_path = tmp_path("r.leases");
	e = new_or_fail(&o);
	if (!e)
		return;
	memset(&r, 0, sizeof(r));
	r.ip_ver = 4;
	ip("10.0.0.1", r.cli);
	ip("10.0.0.2", r.srv);
	enrich_batch(e, &r, 1);
	UT_STREQ(r.cli_name, "first");
	UT_STREQ(r.server_name, "lamp");
	UT_EQ(enrich_reload(e, &err), 0);		/* unchanged */
	rewrite("r.labels", "10.0.0.1 second\n");
	rewrite("r.leases", "0 02:00:00:00:00:01 10.0.0.2 lamp2 *\n"
	    "0 02:00:00:00:00:03 10.0.0.3 fan *\n");
	UT_EQ(enrich_reload(e, &err), 0);
	r.server_name[0] = '\0';
	enrich_batch(e, &r, 1);
	UT_STREQ(r.cli_name, "second");
	UT_STREQ(r.server_name, "lamp2");
	rewrite("r.labels", "10.0.0.1 third\nbroken\n");
	UT_EQ(enrich_reload(e, &err), -FT_EPARSE);
	UT_ASSERT(strstr(err.msg, "r.labels:2:") != NULL);
	UT_EQ(enrich_reload(e, &err), 0);		/* reported once */
	enrich_batch(e, &r, 1);
	UT_STREQ(r.cli_name, "second");
	unlink(o.labels_path);
	UT_EQ(enrich_reload(e, &err), 0);		/* vanished: kept */
	enrich_batch(e, &r, 1);
	UT_STREQ(r.cli_name, "second");
	enrich_get_stats(e, &st);
	UT_EQ(st.labels, 1);
	UT_EQ(st.leases, 2);
	enrich_free(e);
}

static void
a_missing_labels_file_is_an_error_but_missing_or_no_leases_are_not(void)
{
	struct enrich_opts o = opts_none();
	struct ft_err err = { 0 };
	struct enrich *e = NULL;

	o.labels_path = tmp_path("no-such.labels");
	UT_EQ(enrich_new(&o, &e, &err), -FT_ENOENT);
	UT_ASSERT(strstr(err.msg, "no-such.labels") != NULL);
	o.labels_path = NULL;
	o.leases_path = tmp_path("no-such.leases");
	e = new_or_fail(&o);
	enrich_free(e);
	o.leases_path = ENRICH_NO_LEASES;
	e = new_or_fail(&o);
	UT_ASSERT(e && e->leases_path == NULL);
	enrich_free(e);
	enrich_free(NULL);
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

int
main(void)
{
	int rc;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_enrich.XXXXXX");
	if (!mkdtemp(tmpdir))
		return 2;
	UT_RUN(text_copy_cuts_between_utf8_characters_and_replaces_controls);
	UT_RUN(cidr_parsing_accepts_v4_v6_and_short_forms_and_refuses_bad_entries);
	UT_RUN(default_local_networks_are_private_cgnat_link_local_and_ula);
	UT_RUN(a_local_networks_list_replaces_the_defaults_and_add_local_extends_it);
	UT_RUN(a_bad_local_network_or_too_many_fail_with_the_entry_named);
	UT_RUN(labels_file_reads_ips_cidrs_macs_comments_and_labels_with_spaces);
	UT_RUN(a_bad_labels_line_is_named_by_file_and_line);
	UT_RUN(labels_file_refuses_overlong_lines_and_more_entries_than_the_ceiling);
	UT_RUN(a_label_longer_than_a_name_is_cut_between_characters);
	UT_RUN(dns_answers_through_a_cname_chain_map_to_the_question_name);
	UT_RUN(dns_queries_errors_and_empty_questions_teach_nothing);
	UT_RUN(dns_pointer_loops_and_forward_pointers_are_refused);
	UT_RUN(dns_names_follow_at_most_32_pointers);
	UT_RUN(every_truncation_of_a_response_is_refused_without_reading_past_it);
	UT_RUN(a_bad_record_length_or_a_cname_leaving_its_data_is_refused);
	UT_RUN(more_answers_than_fit_are_walked_and_the_cache_keeps_the_newest);
	UT_RUN(the_dns_cache_evicts_the_least_recently_used_address);
	UT_RUN(random_damage_to_a_response_never_reads_past_it);
	UT_RUN(dhcp_discover_request_and_ack_give_name_client_id_and_address);
	UT_RUN(dhcp_messages_that_are_not_whole_are_refused_and_others_ignored);
	UT_RUN(the_hosts_table_evicts_the_oldest_and_unlinks_it_everywhere);
	UT_RUN(lease_file_lines_give_names_by_mac_and_address_and_skip_stars);
	UT_RUN(names_follow_label_dhcp_lease_sni_dns_priority);
	UT_RUN(enrich_packet_counts_malformed_dns_and_dhcp_and_skips_the_rest);
	UT_RUN(asn_country_and_vendors_come_from_the_remote_side_and_the_macs);
	UT_RUN(a_missing_lut_is_no_error_until_it_appears_but_a_corrupt_one_is);
	UT_RUN(reload_rereads_changed_labels_and_leases_and_keeps_them_on_errors);
	UT_RUN(a_missing_labels_file_is_an_error_but_missing_or_no_leases_are_not);
	rc = UT_DONE();
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
