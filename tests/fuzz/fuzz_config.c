/* fuzz_config.c: fuzz target of the configuration file and --set */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/config/config.h"
#include "../../src/enrich/enrich_int.h"
#include "fuzz_file.h"

/* The options as `config dump` prints them; the caller frees. */
static char *
fz_dump(const struct ft_config *cfg, size_t *len)
{
	char *text = NULL;
	FILE *out = open_memstream(&text, len);

	if (!out)
		abort();
	config_dump(cfg, out);
	if (fclose(out))
		abort();
	return text;
}

/* Every line of the input as one --set argument, as a command line would give it. */
static void
fz_set_lines(const uint8_t *data, size_t size)
{
	struct ft_config cfg;
	struct ft_err err;
	char arg[CONFIG_PATH_MAX + 256];
	const uint8_t *nl;
	size_t n;

	config_defaults(&cfg);
	while (size) {
		nl = memchr(data, '\n', size);
		n = nl ? (size_t)(nl - data) : size;
		if (n < sizeof(arg)) {
			memcpy(arg, data, n);
			arg[n] = '\0';
			config_set_arg(&cfg, arg, &err);
		}
		n += nl != NULL;
		data += n;
		size -= n;
	}
}

/*
 * Input: a configuration file. It is loaded over the defaults, dumped, and
 * the dump must load again and dump the same text (what `config dump`
 * prints is a valid file, and it says everything that was set). Each line
 * is also given as a --set argument, and names.local-networks is parsed
 * as enrich parses it. Corpus files in corpus/config/ are
 * configuration files.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ft_config *cfg;
	struct enrich_nets *nets;
	struct ft_err err = { 0 };
	char *dump, *dump2;
	size_t len, len2;

	if (size > 65536)
		return 0;
	fz_set_lines(data, size);
	cfg = malloc(sizeof(*cfg));
	if (!cfg)
		abort();
	config_defaults(cfg);
	if (config_load(cfg, fz_file(data, size), &err)) {
		if (err.msg[0] == '\0')
			abort();
		free(cfg);
		return 0;
	}
	/* names.local-networks is parsed where run and ingest start enrich. */
	nets = malloc(sizeof(*nets));
	if (!nets)
		abort();
	if (enrich_nets_parse(nets, cfg->local_networks, &err) == 0 &&
	    (nets->n < 0 || nets->n > ENRICH_MAX_NETS))
		abort();
	free(nets);
	dump = fz_dump(cfg, &len);
	config_defaults(cfg);
	if (config_load(cfg, fz_file((const uint8_t *)dump, len), &err))
		abort();
	dump2 = fz_dump(cfg, &len2);
	if (len != len2 || memcmp(dump, dump2, len) != 0)
		abort();
	free(dump2);
	free(dump);
	free(cfg);
	return 0;
}
