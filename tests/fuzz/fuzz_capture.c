/* fuzz_capture.c: fuzz target of the capture-file readers: classic pcap (mapped) and pcapng (libpcap). */
#include <stdint.h>
#include <stdlib.h>

#include "../../src/base/ft_log.h"
#include "../../src/capture/capture.h"
#include "fuzz_file.h"

#define FZ_FRAMES_MAX 4096	/* frames read from one input */
#define FZ_CAP_MAX 0x40000u	/* no reader may hand out a longer frame */

uint8_t fz_capture_sum;		/* the bytes read, kept so reads stay */

/*
 * Input: a whole capture file, read through capture_open_files() and
 * capture_next() as ingest reads it: a classic pcap file through the
 * mapped reader, anything else through libpcap. Every byte of every frame
 * is read, so a frame that reaches past the file trips AddressSanitizer.
 * Corpus files in corpus/capture/ are capture files.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ft_err err = { 0 };
	struct capture_stats st;
	struct capture *c;
	struct ft_frame f;
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
	while (n < FZ_FRAMES_MAX && (rc = capture_next(c, &f, 0, &err)) == 0) {
		if (f.cap_len > FZ_CAP_MAX || f.cap_len > f.wire_len ||
		    (f.cap_len && !f.data) || f.iface != 0)
			abort();
		for (i = 0; i < f.cap_len; i++)
			sum ^= f.data[i];
		n++;
	}
	if (n < FZ_FRAMES_MAX && rc != -FT_ENOENT)
		abort();
	capture_get_stats(c, &st);
	if (st.received != n || st.files_done + st.files_cut != (n < FZ_FRAMES_MAX))
		abort();
	capture_close(c);
	fz_capture_sum = sum;
	return 0;
}
