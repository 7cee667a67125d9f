/* ft_err.h: error codes as data, and the caller-supplied error detail. */
#ifndef FT_ERR_H
#define FT_ERR_H

#include <stdarg.h>

#define FT_ERR_MAP(X)                                   \
	X(NOMEM, 1, "out of memory")                    \
	X(INVAL, 2, "invalid argument")                 \
	X(IO, 3, "I/O error")                           \
	X(PARSE, 4, "malformed input")                  \
	X(FULL, 5, "table full")                        \
	X(NOTSUP, 6, "not built in")                    \
	X(NOENT, 7, "not found")                        \
	X(PERM, 8, "permission denied")                 \
	X(DB, 9, "database error")                      \
	X(AGAIN, 10, "try again")

enum {
#define FT_ERR_ENUM(name, val, text) FT_E##name = val,
	FT_ERR_MAP(FT_ERR_ENUM)
#undef FT_ERR_ENUM
};

/* Human detail for one failure, as in pcap's errbuf; may be NULL. */
struct ft_err {
	int code;		/* FT_E* of the failure, 0 when none */
	char msg[256];		/* one line, no trailing newline */
};

/* Text of an FT_E* code (positive or negative). */
const char *ft_strerror(int code);

/*
 * Fill err (if not NULL) with code and a printf-style message; returns
 * -code so callers can write `return ft_err_set(err, FT_EIO, "...")`.
 */
int ft_err_set(struct ft_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
