/* capture.h: packet sources: capture files in order, or live interfaces */
#ifndef CAPTURE_H
#define CAPTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "../base/ft_err.h"
#include "../model/ft_pkt.h"

#define CAPTURE_MAX_IFACES 16

struct capture_opts {
	uint32_t snaplen;	/* live: bytes kept per packet */
	uint32_t buffer_mb;	/* live: kernel buffer, MiB */
	bool promisc;		/* live: promiscuous mode */
};

struct capture_stats {
	uint64_t received;	/* frames delivered to the caller */
	uint64_t dropped;	/* live: dropped by the kernel (ps_drop) */
	uint64_t if_dropped;	/* live: dropped by the interface */
	uint32_t files_done;	/* files: files read to their end */
	uint32_t files_cut;	/* files: files that ended mid-packet */
};

struct capture;

/*
 * Open capture files to be read one after the other. Every file is opened
 * and checked first, so a file that is not a capture fails before any
 * packet is read.
 */
int capture_open_files(char *const *paths, int n, struct capture **out,
    struct ft_err *err);

/* Open live interfaces; a missing interface or permission fails with how to fix it. */
int capture_open_live(char *const *ifaces, int n, const struct capture_opts *o,
    struct capture **out, struct ft_err *err);

/*
 * Next frame into f. Returns 0, -FT_EAGAIN when no packet came within
 * timeout_ms (live only), -FT_ENOENT at the end of the last file, or
 * -FT_EIO with err filled. A file cut mid-packet is logged as a warning
 * once, counted in files_cut, and reading goes on with the next file.
 */
int capture_next(struct capture *c, struct ft_frame *f, int timeout_ms,
    struct ft_err *err);

/* Name of source idx: the interface, or "file". */
const char *capture_source_name(const struct capture *c, unsigned idx);
unsigned capture_source_count(const struct capture *c);

/* Files: index of the file the last frame came from, -1 before any. */
int capture_file_index(const struct capture *c);

void capture_get_stats(struct capture *c, struct capture_stats *st);
void capture_close(struct capture *c);

#endif
