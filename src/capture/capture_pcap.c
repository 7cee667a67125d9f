/* capture_pcap.c: libpcap sources: files in packet-time order, interfaces */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "../base/ft_log.h"
#include "capture.h"
#include "capture_int.h"

/*
 * Files: only one handle is open at a time; cur indexes paths. Live: one
 * handle per interface, all non-blocking, polled together; cur is where
 * the round-robin read resumes.
 */
struct capture {
	bool live;				/* live interfaces, else files */
	int n;					/* paths or interfaces */
	int cur;				/* file being read / next iface to read */
	pcap_t *h[CAPTURE_MAX_IFACES];		/* live handles; files use h[0] */
	char *names[CAPTURE_MAX_IFACES];	/* interface names (live) */
	int linktype[CAPTURE_MAX_IFACES];	/* DLT of each handle */
	char *const *paths;			/* files, borrowed from argv */
	struct capture_stats st;		/* counters */
	struct pcap_map map;			/* files: classic pcap, mapped */
	bool mapped;				/* file being read through map */
};

static int
file_open(const char *path, pcap_t **out, struct ft_err *err)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *h;

	if (access(path, R_OK) != 0)
		return ft_err_set(err, errno == ENOENT ? FT_ENOENT : FT_EIO,
		    "%s: %s", path, errno == ENOENT ? "no such file" :
		    strerror(errno));
	h = pcap_open_offline_with_tstamp_precision(path,
	    PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	if (!h) {
		return ft_err_set(err, FT_EPARSE,
		    "%s: not a pcap or pcapng capture (%s)", path, ebuf);
	}
	*out = h;
	return 0;
}

int
capture_open_files(char *const *paths, int n, struct capture **out,
    struct ft_err *err)
{
	struct capture *c;
	pcap_t *h;
	int i, rc;

	if (n < 1)
		return ft_err_set(err, FT_EINVAL, "no capture file given");
	for (i = 0; i < n; i++) {
		rc = file_open(paths[i], &h, err);
		if (rc)
			return rc;
		pcap_close(h);
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return ft_err_set(err, FT_ENOMEM, "out of memory");
	c->n = n;
	c->paths = paths;
	c->cur = -1;
	*out = c;
	return 0;
}

/* Advance to the next file; -FT_ENOENT after the last. */
static int
file_next(struct capture *c, struct ft_err *err)
{
	int rc;

	if (c->h[0]) {
		pcap_close(c->h[0]);
		c->h[0] = NULL;
	}
	if (c->mapped) {
		pcap_map_close(&c->map);
		c->mapped = false;
	}
	if (++c->cur >= c->n)
		return -FT_ENOENT;
	if (pcap_map_open(c->paths[c->cur], &c->map) == 0) {
		c->mapped = true;
		return 0;
	}
	rc = file_open(c->paths[c->cur], &c->h[0], err);
	if (rc)
		return rc;
	c->linktype[0] = pcap_datalink(c->h[0]);
	return 0;
}

static void
frame_fill(struct ft_frame *f, const struct pcap_pkthdr *ph,
    const u_char *data, int linktype, unsigned iface)
{
	f->ts_us = (uint64_t)ph->ts.tv_sec * 1000000u +
	    (uint64_t)ph->ts.tv_usec;
	/*
	 * A frame is at least as long as what was captured of it: a record
	 * with len below caplen counts caplen, as the mapped reader does.
	 */
	f->wire_len = ph->len > ph->caplen ? ph->len : ph->caplen;
	f->cap_len = ph->caplen;
	f->linktype = linktype;
	f->iface = (uint8_t)iface;
	f->data = data;
}

/* One frame from the mapped file; at its end, close it and return -FT_ENOENT. */
static int
map_read(struct capture *c, struct ft_frame *f, struct ft_err *err)
{
	int rc = pcap_map_next(&c->map, f);

	if (rc == 0) {
		c->st.received++;
		return 0;
	}
	if (rc == -FT_EIO) {
		ft_err_set(err, FT_EIO, "%s: the file changed while it was read "
		    "(it shrank, as a log rotation's copy-truncate does): "
		    "%llu packets taken from it, reading stops",
		    c->paths[c->cur], (unsigned long long)c->map.frames);
		c->st.files_cut++;
	} else if (rc == -FT_EPARSE) {
		ft_log(FT_LOG_WARN, "%s: truncated dump file: the record at byte "
		    "%zu is cut or impossible; reading stops there",
		    c->paths[c->cur], c->map.off);
		c->st.files_cut++;
	} else {
		c->st.files_done++;
	}
	pcap_map_close(&c->map);
	c->mapped = false;
	return rc;
}

static int
file_read(struct capture *c, struct ft_frame *f, struct ft_err *err)
{
	struct pcap_pkthdr *ph;
	const u_char *data;
	int rc;

	for (;;) {
		if (!c->h[0] && !c->mapped) {
			rc = file_next(c, err);
			if (rc)
				return rc;
		}
		if (c->mapped) {
			rc = map_read(c, f, err);
			if (rc == 0 || rc == -FT_EIO)
				return rc;
			continue;
		}
		rc = pcap_next_ex(c->h[0], &ph, &data);
		if (rc == 1) {
			frame_fill(f, ph, data, c->linktype[0], 0);
			c->st.received++;
			return 0;
		}
		if (rc == PCAP_ERROR) {
			ft_log(FT_LOG_WARN, "%s: %s; reading stops there",
			    c->paths[c->cur], pcap_geterr(c->h[0]));
			c->st.files_cut++;
		} else {
			c->st.files_done++;
		}
		pcap_close(c->h[0]);
		c->h[0] = NULL;
	}
}

static int
live_error(pcap_t *h, const char *ifname, int rc, struct ft_err *err)
{
	switch (rc) {
	case PCAP_ERROR_NO_SUCH_DEVICE:
		return ft_err_set(err, FT_ENOENT,
		    "no interface '%s' (list them with `ip link`)", ifname);
	case PCAP_ERROR_PERM_DENIED:
		return ft_err_set(err, FT_EPERM,
		    "no permission to capture on '%s': run as root or grant "
		    "`setcap cap_net_raw,cap_net_admin=eip $(command -v flowtrail)`",
		    ifname);
	case PCAP_ERROR_IFACE_NOT_UP:
		return ft_err_set(err, FT_EIO,
		    "interface '%s' is down (`ip link set %s up`)", ifname,
		    ifname);
	}
	return ft_err_set(err, FT_EIO, "cannot capture on '%s': %s", ifname,
	    pcap_geterr(h));
}

static int
live_open_one(const char *ifname, const struct capture_opts *o,
    pcap_t **out, struct ft_err *err)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *h;
	int rc;

	h = pcap_create(ifname, ebuf);
	if (!h)
		return ft_err_set(err, FT_EIO, "cannot capture on '%s': %s",
		    ifname, ebuf);
	pcap_set_snaplen(h, (int)o->snaplen);
	pcap_set_promisc(h, o->promisc);
	pcap_set_timeout(h, 250);
	pcap_set_buffer_size(h, (int)(o->buffer_mb << 20));
	rc = pcap_activate(h);
	if (rc < 0) {
		rc = live_error(h, ifname, rc, err);
		pcap_close(h);
		return rc;
	}
	if (pcap_setnonblock(h, 1, ebuf) < 0) {
		pcap_close(h);
		return ft_err_set(err, FT_EIO, "%s: %s", ifname, ebuf);
	}
	*out = h;
	return 0;
}

int
capture_open_live(char *const *ifaces, int n, const struct capture_opts *o,
    struct capture **out, struct ft_err *err)
{
	struct capture *c;
	int i, rc;

	if (n < 1 || n > CAPTURE_MAX_IFACES)
		return ft_err_set(err, FT_EINVAL,
		    "give 1 to %d interfaces with -i", CAPTURE_MAX_IFACES);
	c = calloc(1, sizeof(*c));
	if (!c)
		return ft_err_set(err, FT_ENOMEM, "out of memory");
	c->live = true;
	for (i = 0; i < n; i++) {
		rc = live_open_one(ifaces[i], o, &c->h[i], err);
		if (rc)
			goto out_close;
		c->names[i] = strdup(ifaces[i]);
		c->linktype[i] = pcap_datalink(c->h[i]);
		c->n = i + 1;
		if (!c->names[i]) {
			rc = ft_err_set(err, FT_ENOMEM, "out of memory");
			goto out_close;
		}
	}
	*out = c;
	return 0;
out_close:
	capture_close(c);
	return rc;
}

/* One non-blocking read over the handles, round robin; -FT_EAGAIN if none had a packet. */
static int
live_try(struct capture *c, struct ft_frame *f, struct ft_err *err)
{
	struct pcap_pkthdr *ph;
	const u_char *data;
	int i, k, rc;

	for (k = 0; k < c->n; k++) {
		i = (c->cur + k) % c->n;
		errno = 0;
		rc = pcap_next_ex(c->h[i], &ph, &data);
		if (rc == 1) {
			c->cur = i;
			frame_fill(f, ph, data, c->linktype[i], (unsigned)i);
			c->st.received++;
			return 0;
		}
		/* libpcap 1.10's nflog reader reports a non-blocking EAGAIN as an error */
		if (rc == PCAP_ERROR && c->linktype[i] == DLT_NFLOG &&
		    (errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		if (rc < 0)
			return ft_err_set(err, FT_EIO, "%s: %s", c->names[i],
			    pcap_geterr(c->h[i]));
	}
	c->cur = (c->cur + 1) % c->n;
	return -FT_EAGAIN;
}

static int
live_read(struct capture *c, struct ft_frame *f, int timeout_ms,
    struct ft_err *err)
{
	struct pollfd pfd[CAPTURE_MAX_IFACES];
	int i, rc;

	rc = live_try(c, f, err);
	if (rc != -FT_EAGAIN)
		return rc;
	for (i = 0; i < c->n; i++) {
		pfd[i].fd = pcap_get_selectable_fd(c->h[i]);
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
	}
	rc = poll(pfd, (nfds_t)c->n, timeout_ms);
	if (rc < 0 && errno != EINTR)
		return ft_err_set(err, FT_EIO, "poll: %s", strerror(errno));
	if (rc <= 0)
		return -FT_EAGAIN;
	return live_try(c, f, err);
}

int
capture_next(struct capture *c, struct ft_frame *f, int timeout_ms,
    struct ft_err *err)
{
	if (c->live)
		return live_read(c, f, timeout_ms, err);
	return file_read(c, f, err);
}

const char *
capture_source_name(const struct capture *c, unsigned idx)
{
	if (!c->live)
		return "file";
	return idx < (unsigned)c->n ? c->names[idx] : "?";
}

unsigned
capture_source_count(const struct capture *c)
{
	return c->live ? (unsigned)c->n : 1;
}

int
capture_file_index(const struct capture *c)
{
	return c->live ? -1 : c->cur;
}

void
capture_get_stats(struct capture *c, struct capture_stats *st)
{
	struct pcap_stat ps;
	int i;

	if (c->live) {
		c->st.dropped = 0;
		c->st.if_dropped = 0;
		for (i = 0; i < c->n; i++) {
			if (pcap_stats(c->h[i], &ps) == 0) {
				c->st.dropped += ps.ps_drop;
				c->st.if_dropped += ps.ps_ifdrop;
			}
		}
	}
	*st = c->st;
}

void
capture_close(struct capture *c)
{
	int i;

	if (!c)
		return;
	if (c->mapped)
		pcap_map_close(&c->map);
	for (i = 0; i < CAPTURE_MAX_IFACES; i++) {
		if (c->h[i])
			pcap_close(c->h[i]);
		free(c->names[i]);
	}
	free(c);
}
