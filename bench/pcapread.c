/* pcapread.c: the ceiling for file ingest, a bare libpcap read of a capture */
/*
 * Reads every record with pcap_next_ex() and touches each frame's first and
 * last captured byte, so the data really crosses the CPU, then prints
 * packets, wire bytes and the rate.  Nothing else: no decode, no table.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int
main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const unsigned char *data;
	uint64_t n = 0, bytes = 0, touch = 0;
	pcap_t *p;
	double t0, dt;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: pcapread FILE.pcap\n");
		return 2;
	}
	p = pcap_open_offline(argv[1], errbuf);
	if (!p) {
		fprintf(stderr, "pcapread: %s\n", errbuf);
		return 1;
	}
	t0 = now_s();
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		n++;
		bytes += h->len;
		if (h->caplen)
			touch += data[0] ^ data[h->caplen - 1];
	}
	dt = now_s() - t0;
	if (rc == -1) {
		fprintf(stderr, "pcapread: %s: %s\n", argv[1], pcap_geterr(p));
		pcap_close(p);
		return 1;
	}
	pcap_close(p);
	printf("pcapread: %llu packets, %llu wire bytes, %.2f s, %.2f Mpps "
	    "(check %llu)\n", (unsigned long long)n, (unsigned long long)bytes,
	    dt, dt > 0 ? (double)n / dt / 1e6 : 0.0,
	    (unsigned long long)(touch & 0xff));
	return 0;
}
