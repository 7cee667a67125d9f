/* fuzz_file.h: a fuzz input as a file for parsers that read a path (memfd). */
#ifndef FUZZ_FILE_H
#define FUZZ_FILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * The input as the whole content of one memory file, reused across inputs
 * (no disk writes, nothing left behind); returns its path. Every open of
 * the path starts at offset 0, as a real file would.
 */
static const char *
fz_file(const uint8_t *data, size_t size)
{
	static char path[64];
	static int fd = -1;
	size_t off = 0;
	ssize_t n;

	if (fd < 0) {
		fd = memfd_create("flowtrail-fuzz", MFD_CLOEXEC);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0))
		abort();
	while (off < size) {
		n = pwrite(fd, data + off, size - off, (off_t)off);
		if (n <= 0)
			abort();
		off += (size_t)n;
	}
	return path;
}

#endif
