/* decode.c: the decoder's lifecycle, per-frame entry point, counting */
#include <stdlib.h>
#include <string.h>

#include "decode_int.h"

/* Names as libpcap spells them (pcap_datalink_val_to_name). */
static const struct {
	int lt;			/* LINKTYPE_ or DLT_ value */
	const char *name;	/* its name */
} decode_lt_names[] = {
	{ LT_NULL, "NULL" },
	{ LT_EN10MB, "EN10MB" },
	{ LT_PPP, "PPP" },
	{ LT_RAW_DLT, "RAW" },
	{ LT_PPP_HDLC, "PPP_SERIAL" },
	{ LT_PPP_ETHER, "PPP_ETHER" },
	{ LT_RAW, "RAW" },
	{ LT_C_HDLC, "C_HDLC" },
	{ LT_LOOP, "LOOP" },
	{ LT_LINUX_SLL, "LINUX_SLL" },
	{ LT_IPV4, "IPV4" },
	{ LT_IPV6, "IPV6" },
	{ LT_NFLOG, "NFLOG" },
	{ LT_LINUX_SLL2, "LINUX_SLL2" },
};

#define DECODE_N_LT (sizeof(decode_lt_names) / sizeof(decode_lt_names[0]))

int
decoder_new(const struct decode_opts *o, struct decoder **out,
    struct ft_err *err)
{
	struct decoder *d;
	uint32_t slots;
	int i, rc;

	*out = NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return ft_err_set(err, FT_ENOMEM, "decoder: out of memory");
	d->opts.tunnels = true;
	if (o)
		d->opts = *o;
	if (!d->opts.frag_slots)
		d->opts.frag_slots = DECODE_FRAG_SLOTS;
	if (!d->opts.frag_timeout_s)
		d->opts.frag_timeout_s = DECODE_FRAG_TIMEOUT_S;
	for (i = 0; i < DECODE_MAX_LINKTYPES; i++)
		d->st.linktype[i] = -1;
	rc = decode_frag_init(d);
	if (rc)
		goto out_free;
	*out = d;
	return 0;
out_free:
	slots = d->opts.frag_slots;
	free(d);
	return ft_err_set(err, rc, "decoder: no memory for %u fragment slots",
	    slots);
}

void
decoder_free(struct decoder *d)
{
	if (!d)
		return;
	decode_frag_fini(d);
	free(d);
}

const struct decode_stats *
decoder_stats(const struct decoder *d)
{
	return &d->st;
}

const char *
decode_linktype_name(int linktype)
{
	size_t i;

	for (i = 0; i < DECODE_N_LT; i++)
		if (decode_lt_names[i].lt == linktype)
			return decode_lt_names[i].name;
	return "unknown";
}

int
decode_linktype_known(int linktype)
{
	return strcmp(decode_linktype_name(linktype), "unknown") != 0;
}

int
decode_short(struct decoder *d, const struct ft_frame *f)
{
	if (f->cap_len < f->wire_len)
		d->st.truncated++;
	else
		d->st.malformed++;
	return -FT_EPARSE;
}

/* Count the frame under its link type; slots fill in order of first sight. */
static void
decode_count_linktype(struct decoder *d, int linktype)
{
	struct decode_stats *st = &d->st;
	int i;

	for (i = 0; i < DECODE_MAX_LINKTYPES; i++) {
		if (st->linktype[i] == -1)
			st->linktype[i] = linktype;
		if (st->linktype[i] == linktype) {
			st->linktype_packets[i]++;
			return;
		}
	}
	st->linktype_untracked++;
}

static void
decode_pkt_reset(struct ft_pkt *pkt, const struct ft_frame *f)
{
	memset(pkt, 0, sizeof(*pkt));
	pkt->ts_us = f->ts_us;
	pkt->wire_len = f->wire_len;
	pkt->cap_len = f->cap_len;
	pkt->iface = f->iface;
}

/* Every frame lands in exactly one of ip_* and non_ip_*. */
static void
decode_count_result(struct decoder *d, const struct ft_pkt *pkt, int rc)
{
	struct decode_stats *st = &d->st;

	if (rc) {
		st->non_ip_packets++;
		st->non_ip_bytes += pkt->wire_len;
		return;
	}
	st->ip_packets++;
	st->ip_bytes += pkt->wire_len;
	if (pkt->ip_ver == 4)
		st->ipv4_packets++;
	else
		st->ipv6_packets++;
	st->proto_packets[pkt->proto]++;
	st->proto_bytes[pkt->proto] += pkt->wire_len;
	if (pkt->frag != FT_FRAG_NONE)
		st->fragments++;
}

/* Clear what a failed IP decode may have left, so non-IP looks non-IP. */
void
decode_pkt_drop_ip(struct ft_pkt *pkt)
{
	pkt->ip_ver = 0;
	pkt->proto = 0;
	pkt->tunnel = 0;
	pkt->tcp_flags = 0;
	pkt->frag = FT_FRAG_NONE;
	pkt->has_ports = 0;
	pkt->sport = 0;
	pkt->dport = 0;
	memset(pkt->src, 0, sizeof(pkt->src));
	memset(pkt->dst, 0, sizeof(pkt->dst));
	pkt->l3 = NULL;
	pkt->l3_len = 0;
	pkt->payload = NULL;
	pkt->payload_len = 0;
}

/*
 * The IP packet where the link left it: in the frame, or in the link's
 * container (NFLOG's payload), seen as a frame of its own whose wire length
 * is unknown up to the largest datagram. A datagram longer than its
 * container was cut by the sender's copy range: truncated, as by a snaplen.
 */
static int
decode_l3_ip(struct decoder *d, const struct ft_frame *f,
    struct decode_l3 *l3, struct ft_pkt *pkt)
{
	struct ft_frame c;
	uint32_t avail = decode_avail(f, l3->off);

	if (!l3->len)
		return decode_ip(d, f, l3, pkt);
	c = *f;
	c.data = f->data + l3->off;
	c.cap_len = avail < l3->len ? avail : l3->len;
	c.wire_len = DECODE_IP_MAX;
	l3->off = 0;
	return decode_ip(d, &c, l3, pkt);
}

int
decode_frame(struct decoder *d, const struct ft_frame *f,
    struct ft_pkt *pkt)
{
	struct decode_l3 l3 = { 0, 0, 0 };
	int rc;

	decode_pkt_reset(pkt, f);
	d->st.packets++;
	d->st.bytes += f->wire_len;
	decode_count_linktype(d, f->linktype);
	d->frag_hit = NULL;
	rc = decode_link(d, f, pkt, &l3);
	if (!rc)
		rc = decode_l3_ip(d, f, &l3, pkt);
	if (rc)
		decode_pkt_drop_ip(pkt);
	decode_count_result(d, pkt, rc);	/* the outermost header */
	if (!rc && d->opts.tunnels)
		decode_tunnel(d, f, pkt);
	return rc;
}
