/* ingest_summary.h: the summary `ingest` prints, as text or JSON. */
#ifndef INGEST_SUMMARY_H
#define INGEST_SUMMARY_H

#include <stdint.h>

#include "../capture/capture.h"
#include "cli.h"
#include "pipeline.h"

void ingest_summary_print(const struct cli *cli, struct capture *cap,
    const struct pipeline *p, struct store *st, uint64_t elapsed_us);

#endif
