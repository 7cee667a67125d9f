/* ft_log.h: leveled logging to stderr, level checked before formatting */
#ifndef FT_LOG_H
#define FT_LOG_H

enum ft_log_level { FT_LOG_ERROR, FT_LOG_WARN, FT_LOG_INFO, FT_LOG_DEBUG };

extern int ft_log_level;	/* messages above this level are dropped */

void ft_log_write(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define ft_log(level, ...)                                      \
	do {                                                    \
		if ((level) <= ft_log_level)                    \
			ft_log_write((level), __VA_ARGS__);     \
	} while (0)

#endif
