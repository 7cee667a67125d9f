/* replay.c: runs a libFuzzer-style target over files (corpus replay) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return -1;
	}
	buf = malloc(n ? (size_t)n : 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

int
main(int argc, char **argv)
{
	int i, bad = 0;

	for (i = 1; i < argc; i++) {
		if (replay_file(argv[i])) {
			fprintf(stderr, "replay: cannot read %s\n", argv[i]);
			bad++;
		}
	}
	printf("replayed %d inputs\n", argc - 1 - bad);
	return bad ? 1 : 0;
}
