/* capture_map.c: classic pcap files read through mmap, without copying */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
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

/*
 * The map being read, for the SIGBUS handler: one at a time (files are read
 * one after the other, by one thread).
 */
static struct pcap_map *volatile map_live;
static struct sigaction map_old_bus;	/* the handler before ours */

/*
 * A file that shrinks under its mapping (copy-truncate of a log rotation)
 * raises SIGBUS on the first access past its new end. In our mapping, the
 * pages from the fault on become zero pages (mmap is a plain system call,
 * safe here), the access is retried and reads zeros, and the reader sees
 * shrunk and stops. A fault anywhere else gets the old handler back and
 * happens again, as it would have without us.
 */
static void
map_on_sigbus(int sig, siginfo_t *si, void *ctx)
{
	struct pcap_map *m = map_live;
	uintptr_t a = (uintptr_t)si->si_addr, base, page;

	(void)sig;
	(void)ctx;
	if (!m || a < (uintptr_t)m->base || a >= (uintptr_t)m->base + m->span) {
		sigaction(SIGBUS, &map_old_bus, NULL);
		return;
	}
	base = (uintptr_t)m->base;
	page = (uintptr_t)sysconf(_SC_PAGESIZE);
	a &= ~(page - 1);
	if (mmap((void *)a, base + m->span - a, PROT_READ, MAP_PRIVATE |
	    MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED) {
		sigaction(SIGBUS, &map_old_bus, NULL);
		return;
	}
	m->shrunk = 1;
}

static void
map_catch_sigbus(void)
{
	static int installed;
	struct sigaction sa;

	if (installed)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = map_on_sigbus;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, &map_old_bus) == 0)
		installed = 1;
}

/*
 * Test hook: FT_TEST_SHRINK_AFTER=N truncates the file to nothing after N
 * records, as a copy-truncate would, at a point a test can rely on.
 */
static void
map_hook_open(struct pcap_map *m, const char *path)
{
	const char *v = getenv("FT_TEST_SHRINK_AFTER");
	char *end;

	m->shrink_fd = -1;
	if (!v || !*v)
		return;
	m->shrink_at = strtoull(v, &end, 10);
	if (*end || !m->shrink_at)
		return;
	m->shrink_fd = open(path, O_WRONLY | O_CLOEXEC);
}

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
	m->shrink_fd = -1;
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
	m->span = (m->len + (size_t)sysconf(_SC_PAGESIZE) - 1) &
	    ~((size_t)sysconf(_SC_PAGESIZE) - 1);
	map_hook_open(m, path);
	map_catch_sigbus();
	map_live = m;
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

/* Read every page of [p, p + n), so a shrunk file shows before we use it. */
static void
map_touch(const uint8_t *p, size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), i;
	uint8_t sum = 0;

	for (i = 0; i < n; i += page)
		sum ^= ((const volatile uint8_t *)p)[i];
	if (n)
		sum ^= ((const volatile uint8_t *)p)[n - 1];
	(void)sum;
}

int
pcap_map_next(struct pcap_map *m, struct ft_frame *f)
{
	const uint8_t *h;
	uint32_t caplen, frac;

	if (m->shrink_at && m->frames == m->shrink_at && m->shrink_fd >= 0 &&
	    ftruncate(m->shrink_fd, 0) == 0)
		m->shrink_at = 0;
	if (m->shrunk)
		return -FT_EIO;
	if (m->off == m->len)
		return -FT_ENOENT;
	if (m->len - m->off < 16)
		return -FT_EPARSE;
	h = m->base + m->off;
	caplen = rd32(m, h + 8);
	if (m->shrunk)
		return -FT_EIO;
	if (caplen > PCAP_REC_MAX || m->len - m->off - 16 < caplen)
		return -FT_EPARSE;
	map_touch(h, 16 + (size_t)caplen);
	if (m->shrunk)
		return -FT_EIO;
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
	m->frames++;
	if (m->off - m->released > 2 * MAP_RELEASE)
		map_release(m);
	return 0;
}

void
pcap_map_close(struct pcap_map *m)
{
	if (map_live == m)
		map_live = NULL;
	if (m->base)
		munmap((void *)m->base, m->len);
	if (m->shrink_fd >= 0)
		close(m->shrink_fd);
	memset(m, 0, sizeof(*m));
	m->shrink_fd = -1;
}
