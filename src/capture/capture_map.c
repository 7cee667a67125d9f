/* capture_map.c: classic pcap files read through mmap, without copying: the fast path of ingest. */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "../base/ft_err.h"
#include "capture_int.h"

#define PCAP_MAGIC_USEC 0xa1b2c3d4u
#define PCAP_MAGIC_NSEC 0xa1b23c4du
#define PCAP_REC_MAX 0x40000u	/* libpcap's largest believable record */
#define MAP_RELEASE (4u << 20)	/* drop read pages from RSS this often */

static uint32_t
rd32(const struct pcap_map *m, const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return m->swapped ? __builtin_bswap32(v) : v;
}

/* Recognise the file header; -FT_ENOTSUP for anything but classic pcap. */
static int
map_header(struct pcap_map *m)
{
	uint32_t magic;

	if (m->len < 24)
		return -FT_ENOTSUP;
	memcpy(&magic, m->base, 4);
	if (magic == PCAP_MAGIC_USEC || magic == PCAP_MAGIC_NSEC) {
		m->swapped = false;
	} else if (__builtin_bswap32(magic) == PCAP_MAGIC_USEC ||
	    __builtin_bswap32(magic) == PCAP_MAGIC_NSEC) {
		m->swapped = true;
		magic = __builtin_bswap32(magic);
	} else {
		return -FT_ENOTSUP;
	}
	m->nsec = magic == PCAP_MAGIC_NSEC;
	/* Low 16 bits are the LINKTYPE; it equals the DLT but for raw IP. */
	m->linktype = (int)(rd32(m, m->base + 20) & 0xffff);
	if (m->linktype == 101)
		m->linktype = DLT_RAW;
	m->off = 24;
	return 0;
}

int
pcap_map_open(const char *path, struct pcap_map *m)
{
	struct stat sb;
	void *p;
	int fd, rc;

	memset(m, 0, sizeof(*m));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -FT_ENOTSUP;
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode) || sb.st_size < 24 ||
	    (uint64_t)sb.st_size > (uint64_t)SIZE_MAX / 2) {
		close(fd);
		return -FT_ENOTSUP;
	}
	p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -FT_ENOTSUP;
	m->base = p;
	m->len = (size_t)sb.st_size;
	rc = map_header(m);
	if (rc) {
		pcap_map_close(m);
		return rc;
	}
	madvise(p, m->len, MADV_SEQUENTIAL);
	return 0;
}

/*
 * Pages already read stay in the page cache but need not count in this
 * process's resident set: release all but the last MAP_RELEASE bytes, so
 * the frame being decoded stays mapped.
 */
static void
map_release(struct pcap_map *m)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t upto = (m->off - MAP_RELEASE) & ~(page - 1);

	if (upto <= m->released)
		return;
	madvise((void *)(m->base + m->released), upto - m->released,
	    MADV_DONTNEED);
	m->released = upto;
}

int
pcap_map_next(struct pcap_map *m, struct ft_frame *f)
{
	const uint8_t *h;
	uint32_t caplen, frac;

	if (m->off == m->len)
		return -FT_ENOENT;
	if (m->len - m->off < 16)
		return -FT_EPARSE;
	h = m->base + m->off;
	caplen = rd32(m, h + 8);
	if (caplen > PCAP_REC_MAX || m->len - m->off - 16 < caplen)
		return -FT_EPARSE;
	frac = rd32(m, h + 4);
	f->ts_us = (uint64_t)rd32(m, h) * 1000000u +
	    (m->nsec ? frac / 1000u : frac);
	f->cap_len = caplen;
	f->wire_len = rd32(m, h + 12);
	if (f->wire_len < caplen)
		f->wire_len = caplen;
	f->linktype = m->linktype;
	f->iface = 0;
	f->data = h + 16;
	m->off += 16 + (size_t)caplen;
	if (m->off - m->released > 2 * MAP_RELEASE)
		map_release(m);
	return 0;
}

void
pcap_map_close(struct pcap_map *m)
{
	if (m->base)
		munmap((void *)m->base, m->len);
	memset(m, 0, sizeof(*m));
}
