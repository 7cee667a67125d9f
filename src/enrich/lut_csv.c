/* lut_csv.c: the lookup sources: RFC 4180 reader with ceilings, row formats */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lut_int.h"

int
lut_csv_open(struct lut_csv *c, const char *path, char sep, bool quotes,
    struct ft_err *err)
{
	memset(c, 0, sizeof(*c));
	c->path = path;
	c->sep = sep;
	c->quotes = quotes;
	c->cap = 4096;
	c->buf = malloc(c->cap);
	if (!c->buf)
		return ft_err_set(err, FT_ENOMEM, "%s: out of memory", path);
	c->f = fopen(path, "r");
	if (!c->f) {
		free(c->buf);
		c->buf = NULL;
		return ft_err_set(err, errno == ENOENT ? FT_ENOENT : FT_EIO,
		    "cannot read %s: %s", path, strerror(errno));
	}
	return 0;
}

void
lut_csv_close(struct lut_csv *c)
{
	if (c->f)
		fclose(c->f);
	free(c->buf);
	c->f = NULL;
	c->buf = NULL;
}

/* Append one byte to the record, growing up to the ceiling. */
static int
csv_put(struct lut_csv *c, size_t *len, int ch, struct ft_err *err)
{
	char *nb;
	size_t ncap;

	if (*len + 1 >= c->cap) {
		if (c->cap >= LUT_CSV_MAX_RECORD)
			return ft_err_set(err, FT_EPARSE,
			    "%s:%" PRIu64 ": record longer than %d bytes",
			    c->path, c->rec_line, LUT_CSV_MAX_RECORD);
		ncap = c->cap * 2 > LUT_CSV_MAX_RECORD ? LUT_CSV_MAX_RECORD :
		    c->cap * 2;
		nb = realloc(c->buf, ncap);
		if (!nb)
			return ft_err_set(err, FT_ENOMEM, "out of memory");
		c->buf = nb;
		c->cap = ncap;
	}
	c->buf[(*len)++] = (char)ch;
	return 0;
}

/* Fields are kept as offsets while buf may move; pointers at the end. */
static int
csv_end_field(struct lut_csv *c, size_t *len, size_t *starts, int *nf,
    struct ft_err *err)
{
	if (*nf >= LUT_CSV_MAX_FIELDS)
		return ft_err_set(err, FT_EPARSE,
		    "%s:%" PRIu64 ": more than %d fields", c->path,
		    c->rec_line, LUT_CSV_MAX_FIELDS);
	if (csv_put(c, len, '\0', err))
		return -FT_EPARSE;
	(*nf)++;
	starts[*nf] = *len;
	return 0;
}

/* Inside "...": "" is a quote, anything else (newlines too) is data. */
static int
csv_quoted(struct lut_csv *c, size_t *len, struct ft_err *err)
{
	int ch;

	for (;;) {
		ch = getc_unlocked(c->f);
		if (ch == EOF)
			return ft_err_set(err, FT_EPARSE,
			    "%s:%" PRIu64 ": quote not closed", c->path,
			    c->rec_line);
		if (ch == '"') {
			ch = getc_unlocked(c->f);
			if (ch != '"') {
				if (ch != EOF)
					ungetc(ch, c->f);
				return 0;
			}
		} else if (ch == '\n') {
			c->line++;
		}
		if (csv_put(c, len, ch, err))
			return -FT_EPARSE;
	}
}

int
lut_csv_next(struct lut_csv *c, struct ft_err *err)
{
	size_t len = 0, starts[LUT_CSV_MAX_FIELDS + 1] = { 0 };
	int ch, nf = 0, i, rc;
	bool fresh = true;	/* nothing yet in the current field */

	c->rec_line = c->line + 1;
	for (;;) {
		ch = getc_unlocked(c->f);
		if (ch == '\r') {
			ch = getc_unlocked(c->f);
			if (ch != '\n') {
				if (ch != EOF)
					ungetc(ch, c->f);
				ch = '\r';
			}
		}
		if (ch == EOF && ferror(c->f))
			return ft_err_set(err, FT_EIO, "%s: read error",
			    c->path);
		if (ch == EOF && len == 0 && nf == 0)
			return 0;
		if (ch == '\n' || ch == EOF) {
			if (ch == '\n')
				c->line++;
			if (len == 0 && nf == 0) {	/* blank line */
				c->rec_line = c->line + 1;
				continue;
			}
			break;
		}
		if (ch == c->sep) {
			if (csv_end_field(c, &len, starts, &nf, err))
				return -FT_EPARSE;
			fresh = true;
			continue;
		}
		if (ch == '"' && c->quotes && fresh) {
			rc = csv_quoted(c, &len, err);
			if (rc)
				return rc;
			fresh = false;
			continue;
		}
		fresh = false;
		if (csv_put(c, &len, ch, err))
			return -FT_EPARSE;
	}
	if (csv_end_field(c, &len, starts, &nf, err))
		return -FT_EPARSE;
	for (i = 0; i < nf; i++)
		c->field[i] = c->buf + starts[i];
	return nf;
}

/* Trim; control characters (embedded newlines) become spaces; runs collapse. */
static char *
clean(char *s)
{
	char *r, *w;

	for (r = w = s; *r; r++) {
		char ch = iscntrl((unsigned char)*r) ? ' ' : *r;

		if (ch == ' ' && (w == s || w[-1] == ' '))
			continue;
		*w++ = ch;
	}
	while (w > s && w[-1] == ' ')
		w--;
	*w = '\0';
	return s;
}

/* (hi,lo) = (hi,lo) * 10 + d; false on overflow of 128 bits. */
static bool
key_mul10_add(struct lut_key *k, unsigned d)
{
	uint64_t ll = (k->lo & 0xffffffffu) * 10 + d;
	uint64_t lh = (k->lo >> 32) * 10 + (ll >> 32);
	uint64_t carry = lh >> 32;

	if (k->hi > (UINT64_MAX - carry) / 10)
		return false;
	k->hi = k->hi * 10 + carry;
	k->lo = (lh << 32) | (ll & 0xffffffffu);
	return true;
}

/* An address as text (1.2.3.4, 2001:db8::) or decimal (the -num files). */
static int
parse_addr(const char *s, int width, struct lut_key *k)
{
	uint8_t b[16];
	int i;

	k->hi = k->lo = 0;
	if (width == 32 && strchr(s, '.')) {
		if (inet_pton(AF_INET, s, b) != 1)
			return -FT_EPARSE;
		k->lo = (uint64_t)b[0] << 24 | (uint64_t)b[1] << 16 |
		    (uint64_t)b[2] << 8 | b[3];
		return 0;
	}
	if (width == 128 && strchr(s, ':')) {
		if (inet_pton(AF_INET6, s, b) != 1)
			return -FT_EPARSE;
		for (i = 0; i < 8; i++) {
			k->hi = k->hi << 8 | b[i];
			k->lo = k->lo << 8 | b[i + 8];
		}
		return 0;
	}
	if (!*s)
		return -FT_EPARSE;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) ||
		    !key_mul10_add(k, (unsigned)(*s - '0')))
			return -FT_EPARSE;
	if (width == 32 && (k->hi || k->lo > UINT32_MAX))
		return -FT_EPARSE;
	return 0;
}

static bool
key_less(struct lut_key a, struct lut_key b)
{
	return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo);
}

/* START,END of an IP row into row->start/end. */
static int
ip_range(struct lut_csv *c, int width, struct lut_row *row,
    struct ft_err *err)
{
	if (parse_addr(clean(c->field[0]), width, &row->start) ||
	    parse_addr(clean(c->field[1]), width, &row->end))
		return ft_err_set(err, FT_EPARSE,
		    "%s:%" PRIu64 ": expected IPv%d addresses, got '%s,%s'",
		    c->path, c->rec_line, width == 32 ? 4 : 6, c->field[0],
		    c->field[1]);
	if (key_less(row->end, row->start))
		return ft_err_set(err, FT_EPARSE,
		    "%s:%" PRIu64 ": range ends before it starts", c->path,
		    c->rec_line);
	return 0;
}

/* START,END,ASN,ORG; an unquoted ORG with commas is joined back. */
static int
asn_row(struct lut_csv *c, int nf, int width, struct lut_row *row,
    struct ft_err *err)
{
	const char *s;
	char *end;
	unsigned long long n;
	int i;

	if (nf < 3)
		return ft_err_set(err, FT_EPARSE,
		    "%s:%" PRIu64 ": expected START,END,ASN,ORGANISATION",
		    c->path, c->rec_line);
	if (ip_range(c, width, row, err))
		return -FT_EPARSE;
	s = clean(c->field[2]);
	if (!strncasecmp(s, "AS", 2))
		s += 2;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (!isdigit((unsigned char)*s) || *end || errno || n > UINT32_MAX)
		return ft_err_set(err, FT_EPARSE,
		    "%s:%" PRIu64 ": expected an AS number, got '%s'",
		    c->path, c->rec_line, c->field[2]);
	row->asn = (uint32_t)n;
	for (i = 4; i < nf; i++)
		c->field[i][-1] = ',';
	row->a = nf > 3 ? clean(c->field[3]) : "";
	return 0;
}

/* START,END,CC with a two-letter code, upper-cased in place. */
static int
cc_row(struct lut_csv *c, int nf, int width, struct lut_row *row,
    struct ft_err *err)
{
	char *cc;

	if (nf < 3)
		return ft_err_set(err, FT_EPARSE,
		    "%s:%" PRIu64 ": expected START,END,COUNTRY", c->path,
		    c->rec_line);
	if (ip_range(c, width, row, err))
		return -FT_EPARSE;
	cc = clean(c->field[2]);
	if (strlen(cc) != 2 || !isalpha((unsigned char)cc[0]) ||
	    !isalpha((unsigned char)cc[1]))
		return ft_err_set(err, FT_EPARSE,
		    "%s:%" PRIu64 ": expected a two-letter country code, got '%s'",
		    c->path, c->rec_line, cc);
	cc[0] = (char)toupper((unsigned char)cc[0]);
	cc[1] = (char)toupper((unsigned char)cc[1]);
	row->a = cc;
	return 0;
}

/* A MAC prefix "00:55:DA:10:00:00/28" or "00-00-0C" into a 48-bit range. */
static int
mac_prefix(char *s, struct lut_row *row)
{
	uint64_t v = 0, mask;
	int octets = 0, bits = -1, digits;
	char *slash = strchr(s, '/'), *end;

	if (slash) {
		*slash = '\0';
		bits = (int)strtol(slash + 1, &end, 10);
		if (*end || bits < 1 || bits > 48)
			return -FT_EPARSE;
	}
	while (*s) {
		for (digits = 0; isxdigit((unsigned char)*s) && digits < 2;
		    digits++, s++)
			v = v << 4 | (uint64_t)(isdigit((unsigned char)*s) ?
			    *s - '0' : (tolower((unsigned char)*s) - 'a' + 10));
		if (digits != 2 || ++octets > 6)
			return -FT_EPARSE;
		if (*s == ':' || *s == '-' || *s == '.')
			s++;
		else if (*s)
			return -FT_EPARSE;
	}
	if (octets == 0)
		return -FT_EPARSE;
	v <<= 8 * (6 - octets);
	if (bits < 0)
		bits = 8 * octets;
	mask = bits == 48 ? 0 : (UINT64_C(1) << (48 - bits)) - 1;
	row->start = (struct lut_key){ 0, v & ~mask & 0xffffffffffffu };
	row->end = (struct lut_key){ 0, row->start.lo | mask };
	return 0;
}

/* PREFIX<TAB>SHORT[<TAB>LONG][<TAB># comment]; old files: SHORT # LONG. */
static int
manuf_row(struct lut_csv *c, int nf, struct lut_row *row, struct ft_err *err)
{
	char *hash;
	int i;

	if (nf < 2 || mac_prefix(clean(c->field[0]), row))
		return ft_err_set(err, FT_EPARSE,
		    "%s:%" PRIu64 ": expected MAC-PREFIX<TAB>NAME", c->path,
		    c->rec_line);
	row->a = clean(c->field[1]);
	row->b = NULL;
	hash = strchr(c->field[1], '#');
	if (hash) {
		*hash = '\0';
		row->a = clean(c->field[1]);
		row->b = clean(hash + 1);
	}
	for (i = 2; i < nf && !row->b; i++) {
		char *f = clean(c->field[i]);

		if (*f == '#')
			break;
		if (*f)
			row->b = f;
	}
	if (!row->b || !*row->b)
		row->b = row->a;
	return 0;
}

static bool
is_corporate_word(const char *w, size_t n)
{
	static const char *const words[] = { "inc", "incorporated", "corp",
		"corporation", "co", "company", "ltd", "limited", "llc", "gmbh",
		"ag", "sa", "srl", "bv", "plc", "kg", "oy", "ab", "spa", "pty",
		"the", "systems", "technologies", "technology", "electronics",
		"group", "holdings", "international", "de", "of", "and" };
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i]) == n && !strncasecmp(w, words[i], n))
			return true;
	return false;
}

/* Short name from an IEEE organisation, as manuf has them: "Apple, Inc." -> "Apple". */
static void
ieee_short(const char *org, char *out, size_t cap)
{
	size_t len = 0, n;
	const char *w = org;

	while (*w && len + 1 < cap) {
		while (*w && !isalnum((unsigned char)*w))
			w++;
		for (n = 0; isalnum((unsigned char)w[n]) || w[n] == '-'; n++)
			;
		if (n && !is_corporate_word(w, n))
			for (size_t i = 0; i < n && len + 1 < cap; i++)
				out[len++] = (char)(i ? w[i] :
				    toupper((unsigned char)w[i]));
		w += n;
	}
	out[len] = '\0';
}

/* Registry,Assignment,Organization Name,Organization Address */
static int
ieee_row(struct lut_csv *c, int nf, struct lut_row *row, char *short_buf,
    struct ft_err *err)
{
	char *hex = nf > 1 ? clean(c->field[1]) : NULL;
	size_t n = hex ? strlen(hex) : 0, i;
	uint64_t v = 0, mask;

	for (i = 0; i < n && isxdigit((unsigned char)hex[i]); i++)
		v = v << 4 | (uint64_t)(isdigit((unsigned char)hex[i]) ?
		    hex[i] - '0' : (tolower((unsigned char)hex[i]) - 'a' + 10));
	if (nf < 3 || n == 0 || n > 12 || i != n)
		return ft_err_set(err, FT_EPARSE,
		    "%s:%" PRIu64 ": expected REGISTRY,HEX-ASSIGNMENT,ORGANISATION",
		    c->path, c->rec_line);
	mask = n == 12 ? 0 : (UINT64_C(1) << (48 - 4 * n)) - 1;
	row->start = (struct lut_key){ 0, v << (48 - 4 * n) };
	row->end = (struct lut_key){ 0, row->start.lo | mask };
	row->b = clean(c->field[2]);
	ieee_short(row->b, short_buf, 9);
	row->a = short_buf;
	return 0;
}

/* The row of one record of s, or -FT_ENOENT for a record to skip. */
static int
source_row(struct lut_source *s, struct lut_csv *c, int nf,
    struct lut_row *row, char *tmp, struct ft_err *err)
{
	const char *f0 = c->field[0];

	memset(row, 0, sizeof(*row));
	switch (s->kind) {
	case LUT_ASN4:
	case LUT_ASN6:
		return asn_row(c, nf, s->kind == LUT_ASN4 ? 32 : 128, row, err);
	case LUT_CC4:
	case LUT_CC6:
		return cc_row(c, nf, s->kind == LUT_CC4 ? 32 : 128, row, err);
	case LUT_VENDOR:
		while (*f0 == ' ' || *f0 == '\t')
			f0++;
		if (s->ieee)
			return !strcmp(f0, "Registry") ? -FT_ENOENT :
			    ieee_row(c, nf, row, tmp, err);
		if (*f0 == '#' || (*f0 == '\0' && nf == 1))
			return -FT_ENOENT;
		return manuf_row(c, nf, row, err);
	default:
		return ft_err_set(err, FT_EINVAL, "bad source kind");
	}
}

int
lut_read_source(struct lut_source *s, lut_row_fn fn, void *arg,
    struct ft_err *err)
{
	bool ip = s->kind != LUT_VENDOR;
	struct lut_csv c;
	struct lut_row row;
	char tmp[16];
	int nf, rc;

	rc = lut_csv_open(&c, s->path, ip || s->ieee ? ',' : '\t',
	    ip || s->ieee, err);
	if (rc)
		return rc;
	s->rows = 0;
	while ((nf = lut_csv_next(&c, err)) > 0) {
		rc = source_row(s, &c, nf, &row, tmp, err);
		if (rc == -FT_ENOENT) {	/* a record to skip, not an error */
			rc = 0;
			continue;
		}
		if (rc)
			break;
		rc = fn(arg, &row, err);
		if (rc)
			break;
		s->rows++;
	}
	if (nf < 0)
		rc = nf;
	lut_csv_close(&c);
	return rc;
}
