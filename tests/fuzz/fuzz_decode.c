/* fuzz_decode.c: fuzz target of the decoder: a frame under every link type */
#include <stdint.h>
#include <stdlib.h>

#include "../../src/decode/decode.h"

/*
 * Input: one selector byte, then the frame. The low nibble picks the link
 * type of the first decode (an index into fz_links); the high nibble adds
 * (nibble * 97) bytes to the wire length, so the frame looks cut by a
 * snaplen. Then the frame is decoded once more under every link type. The
 * decoder lives across inputs, so the fragment table sees sequences.
 * Corpus files in corpus/decode/ follow this layout.
 */
static const int fz_links[] = {
	1,	/* 0 EN10MB */
	113,	/* 1 LINUX_SLL */
	276,	/* 2 LINUX_SLL2 */
	101,	/* 3 RAW */
	12,	/* 4 DLT_RAW */
	228,	/* 5 IPV4 */
	229,	/* 6 IPV6 */
	0,	/* 7 NULL */
	108,	/* 8 LOOP */
	9,	/* 9 PPP */
	50,	/* 10 PPP_SERIAL */
	104,	/* 11 C_HDLC */
	51,	/* 12 PPP_ETHER */
	147,	/* 13 a link type not decoded */
	239,	/* 14 NFLOG */
};

#define FZ_N_LINKS (sizeof(fz_links) / sizeof(fz_links[0]))

/* What must hold after any decode; abort() makes the fuzzer report it. */
static void
fz_check(const struct decoder *d, const struct ft_frame *f,
    const struct ft_pkt *p, int rc)
{
	const struct decode_stats *st = decoder_stats(d);
	const uint8_t *end = f->data + f->cap_len;

	if (st->ip_packets + st->non_ip_packets != st->packets ||
	    st->ip_bytes + st->non_ip_bytes != st->bytes)
		abort();
	if (rc == 0 && (p->ip_ver != 4 && p->ip_ver != 6))
		abort();
	if (rc != 0 && (p->ip_ver != 0 || p->l3 || p->payload))
		abort();
	if (p->l3 && (p->l3 < f->data || p->l3 + p->l3_len > end))
		abort();
	if (p->payload && (p->payload < f->data ||
	    p->payload + p->payload_len > end))
		abort();
}

static void
fz_decode(struct decoder *d, const uint8_t *data, uint32_t n, int link,
    uint32_t extra)
{
	static uint64_t ts_us = 1000000;
	struct ft_frame f = { ts_us, n + extra, n, link, 0, data };
	struct ft_pkt p;
	int rc;

	ts_us += 1000;
	rc = decode_frame(d, &f, &p);
	fz_check(d, &f, &p, rc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct decoder *d;
	struct decode_opts o = { 16, 30, true };
	uint32_t n;
	size_t i;

	if (!d && decoder_new(&o, &d, NULL))
		return 0;
	if (size < 1 || size > 70000)
		return 0;
	n = (uint32_t)(size - 1);
	fz_decode(d, data + 1, n, fz_links[(data[0] & 0x0f) % FZ_N_LINKS],
	    (uint32_t)(data[0] >> 4) * 97);
	for (i = 0; i < FZ_N_LINKS; i++)
		fz_decode(d, data + 1, n, fz_links[i], 0);
	return 0;
}
