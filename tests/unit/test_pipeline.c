/* test_pipeline.c: the hold of deltas whose application is not final */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/cli/pipeline.h"
#include "../lib/pcapw.h"
#include "ut.h"

#define S_US UINT64_C(1000000)
#define T0 (UINT64_C(1700000000) * S_US)	/* a whole minute */

static struct pipeline *
mk(void)
{
	struct ft_config cfg;
	struct ft_err err = { 0 };
	struct pipeline *p = NULL;

	config_defaults(&cfg);
	snprintf(cfg.lut_path, sizeof(cfg.lut_path), "/nonexistent/lut.bin");
	if (pipeline_new(&cfg, NULL, &p, &err))
		UT_FAILF("pipeline_new: %s", err.msg);
	return p;
}

/* One UDP packet of a payload no protocol claims, at ts_us. */
static void
udp(struct pipeline *p, uint64_t ts_us)
{
	static const uint8_t junk[] = "qzv7 nothing any dissector knows 93x";
	struct pcapw_spec s;
	struct pcapw_frame fr;
	struct ft_frame f;
	struct ft_err err = { 0 };

	pcapw_spec_init(&s);
	s.src = "10.0.0.1";
	s.dst = "10.0.0.2";
	s.proto = PCAPW_UDP;
	s.sport = 40001;
	s.dport = 40002;
	s.payload = junk;
	s.payload_len = sizeof(junk) - 1;
	if (pcapw_build(&s, &fr))
		UT_FAILF("pcapw_build: %s", pcapw_errmsg());
	f = pcapw_ft_frame(&fr, s.link, ts_us);
	if (pipeline_frame(p, &f, &err))
		UT_FAILF("pipeline_frame: %s", err.msg);
}

/*
 * A flow nDPI cannot classify, one packet every 20 s: its deltas wait
 * in the hold, but never longer than PIPELINE_HOLD_S (+ one tick): then
 * its classification ends and they go on, every one with one label.
 */
static void
held_deltas_leave_after_the_hold_bound(void)
{
	struct pipeline *p = mk();
	struct ft_err err = { 0 };
	bool held = false;
	uint64_t t;

	if (strncmp(classify_engine(p->cls), "nDPI", 4)) {
		pipeline_free(p);	/* ports only: nothing is ever held */
		return;
	}
	for (t = T0; t < T0 + 600 * S_US; t += 20 * S_US) {
		udp(p, t);
		if (p->n_held)
			held = true;
		if (p->n_held)
			UT_ASSERT(p->held[0].first_us +
			    (PIPELINE_HOLD_S + 60) * S_US > t);
	}
	UT_ASSERT(held);
	UT_EQ(p->forced, 1);
	UT_EQ(p->n_held, 0);
	if (pipeline_finish(p, &err))
		UT_FAILF("pipeline_finish: %s", err.msg);
	UT_EQ(p->provisional, 0);
	UT_EQ(p->final_records, 1);
	pipeline_free(p);
}

int
main(void)
{
	UT_RUN(held_deltas_leave_after_the_hold_bound);
	return UT_DONE();
}
