/* ft_err.c: error texts and the error-detail setter. */
#include <stdio.h>
#include <stdlib.h>

#include "ft_err.h"

const char *
ft_strerror(int code)
{
	if (code < 0)
		code = -code;
	switch (code) {
	case 0:
		return "success";
#define FT_ERR_TEXT(name, val, text) case val: return text;
	FT_ERR_MAP(FT_ERR_TEXT)
#undef FT_ERR_TEXT
	}
	return "unknown error";
}

int
ft_err_set(struct ft_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (code < 0)
		code = -code;
	if (err) {
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -code;
}
