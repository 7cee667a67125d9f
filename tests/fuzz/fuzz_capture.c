/* fuzz_capture.c: fuzz target of the capture readers (mmap, libpcap) */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "../../src/base/ft_log.h"
#include "../../src/capture/capture.h"
#include "../../src/decode/decode.h"
#include "fuzz_file.h"

#define FZ_FRAMES_MAX 4096	/* frames read from one input */
#define FZ_CAP_MAX 0x40000u	/* no reader may hand out a longer frame */

uint8_t fz_capture_sum;		/* the bytes read, kept so reads stay */
static bool fz_swapped;		/* the file is of the other byte order */

/*
 * libpcap's own reading of a classic pcap file of format 2.4 or later
 * (libpcap swaps caplen and len of older ones, of 2.3 when caplen is over
 * len; docs/internals/capture.md) whose link-type
 * field has its reserved bits 16-25 clear (the mapped reader takes the low
 * 16 bits as the format says; libpcap keeps the reserved ones), to hold
 * the mapped reader to; NULL for anything else.
 */
static pcap_t *
fz_ref_open(const uint8_t *data, size_t size, const char *path)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	uint32_t magic, link;
	uint16_t minor;

	if (size < 24)
		return NULL;
	memcpy(&magic, data, 4);
	memcpy(&minor, data + 6, 2);
	memcpy(&link, data + 20, 4);
	fz_swapped = magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u;
	if (fz_swapped) {
		minor = __builtin_bswap16(minor);
		link = __builtin_bswap32(link);
	} else if (magic != 0xa1b2c3d4u && magic != 0xa1b23c4du) {
		return NULL;
	}
	if (minor < 4 || (link & 0x03ff0000u))
		return NULL;
	return pcap_open_offline_with_tstamp_precision(path,
	    PCAP_TSTAMP_PRECISION_MICRO, ebuf);
}

/*
 * The frame must be libpcap's next one: same time, link type and bytes;
 * libpcap cuts a frame longer than the file's snaplen to it (the mapped
 * reader keeps it whole), reads seconds and fraction as signed (the
 * mapped reader as unsigned, as the format says: seconds past 2038
 * differ; a fraction over one second, which the format does not allow, is
 * not compared), and a frame is at least as long as caught.
 */
static void
fz_ref_frame(pcap_t *ref, const struct ft_frame *f)
{
	struct pcap_pkthdr *ph;
	const u_char *d;
	uint32_t snap = (uint32_t)pcap_snapshot(ref), want;
	uint64_t base_us;

	if (pcap_next_ex(ref, &ph, &d) != 1)
		abort();
	want = f->cap_len < snap ? f->cap_len : snap;
#ifdef FZ_DEBUG
	fprintf(stderr, "libpcap %u/%u %ld.%06ld dlt %d snap %u; mapped "
	    "%u/%u %llu us dlt %d\n", ph->caplen, ph->len,
	    (long)ph->ts.tv_sec, (long)ph->ts.tv_usec, pcap_datalink(ref),
	    snap, f->cap_len, f->wire_len, (unsigned long long)f->ts_us,
	    f->linktype);
#endif
	if (ph->caplen != want)
		abort();
	base_us = (uint64_t)(uint32_t)ph->ts.tv_sec * 1000000u;
	if (f->ts_us < base_us || (f->ts_us - base_us < 1000000u &&
	    f->ts_us - base_us != (uint64_t)ph->ts.tv_usec))
		abort();
	/*
	 * Link types the decoder does not read may differ: libpcap renumbers
	 * some (LINKTYPE 100 is DLT 11, ...; the mapped reader only 101, raw
	 * IP) and, in files of the other byte order, rewrites host-order
	 * pseudo-headers (Linux USB, NFLOG, CAN in Linux SLL and SLL2:
	 * docs/internals/capture.md). Otherwise the bytes must agree.
	 */
	if (!decode_linktype_known(pcap_datalink(ref)) &&
	    !decode_linktype_known(f->linktype))
		return;
	if (pcap_datalink(ref) != f->linktype)
		abort();
	if (!(fz_swapped && (f->linktype == 113 || f->linktype == 276 ||
	    f->linktype == 239)) && memcmp(d, f->data, want) != 0)
		abort();
	if (f->cap_len <= snap &&
	    (ph->len > ph->caplen ? ph->len : ph->caplen) != f->wire_len)
		abort();
}

/*
 * Input: a whole capture file, read through capture_open_files() and
 * capture_next() as ingest reads it: a classic pcap file through the
 * mapped reader, anything else through libpcap. Every byte of every frame
 * is read, so a frame that reaches past the file trips AddressSanitizer;
 * a classic file is read by libpcap too, and both must agree (build with
 * -DFZ_DEBUG to see both readings of each frame). Corpus
 * files in corpus/capture/ are capture files.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ft_err err = { 0 };
	struct capture_stats st;
	struct capture *c;
	struct ft_frame f;
	struct pcap_pkthdr *ph;
	const u_char *d;
	pcap_t *ref;
	char *paths[1];
	uint32_t i, n = 0;
	uint8_t sum = 0;
	int rc = 0;

	ft_log_level = FT_LOG_ERROR;	/* cut files warn; that is expected */
	paths[0] = (char *)fz_file(data, size);
	if (capture_open_files(paths, 1, &c, &err)) {
		if (err.msg[0] == '\0')
			abort();
		return 0;
	}
	ref = fz_ref_open(data, size, paths[0]);
	while (n < FZ_FRAMES_MAX && (rc = capture_next(c, &f, 0, &err)) == 0) {
		if (f.cap_len > FZ_CAP_MAX || f.cap_len > f.wire_len ||
		    (f.cap_len && !f.data) || f.iface != 0)
			abort();
		for (i = 0; i < f.cap_len; i++)
			sum ^= f.data[i];
		if (ref)
			fz_ref_frame(ref, &f);
		n++;
	}
	if (n < FZ_FRAMES_MAX && rc != -FT_ENOENT)
		abort();
	capture_get_stats(c, &st);
	if (st.received != n ||
	    st.files_done + st.files_cut != (n < FZ_FRAMES_MAX))
		abort();
	/* Where the mapped reader ends, libpcap ends: cut (-1) or done (-2). */
	if (ref && n < FZ_FRAMES_MAX &&
	    pcap_next_ex(ref, &ph, &d) != (st.files_cut ? -1 : -2))
		abort();
	if (ref)
		pcap_close(ref);
	capture_close(c);
	fz_capture_sum = sum;
	return 0;
}
