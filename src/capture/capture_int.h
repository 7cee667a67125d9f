/* capture_int.h: private to capture: the mmap reader of classic pcap */
#ifndef CAPTURE_INT_H
#define CAPTURE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../model/ft_pkt.h"

/*
 * A classic pcap file mapped read-only. Invariant: off is the offset of the
 * next record header, 24 <= off <= len.
 */
struct pcap_map {
	const uint8_t *base;	/* the mapping */
	size_t len;		/* file size */
	size_t off;		/* next record */
	size_t released;	/* pages before this were unmapped from RSS */
	size_t span;		/* len rounded up to whole pages */
	uint64_t frames;	/* records returned so far */
	uint64_t shrink_at;	/* test hook: truncate after this many, 0 never */
	int shrink_fd;		/* test hook: the file for writing, or -1 */
	volatile int shrunk;	/* the file shrank under the mapping (SIGBUS) */
	bool swapped;		/* written on a machine of the other byte order */
	bool nsec;		/* nanosecond timestamps */
	int linktype;		/* DLT of the file */
};

/*
 * Map path when it is a classic pcap file. -FT_ENOTSUP when it is not (a
 * pcapng file, or too big to map here): the caller falls back to libpcap.
 */
int pcap_map_open(const char *path, struct pcap_map *m);

/*
 * Next frame: 0, -FT_ENOENT at the end, -FT_EPARSE when a record is cut or
 * impossible, -FT_EIO when the file shrank while it was read (a log
 * rotation's copy-truncate): the pages past the new end read as zeros
 * instead of raising SIGBUS, and no frame touching them is returned.
 */
int pcap_map_next(struct pcap_map *m, struct ft_frame *f);

void pcap_map_close(struct pcap_map *m);

#endif
