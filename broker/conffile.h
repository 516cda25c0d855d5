/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_CONFFILE_H
#define AIRLOCK_CONFFILE_H

/*
 * Root's configuration files: the device policy, VM files, the bind list.
 * Each is root's word on what root will open or allow, so it is read only
 * when nobody else could have written it or swapped it (conffile__read),
 * and each is plain text in lines where a word starting with '#' begins a
 * comment. Every error is one line, "PATH:LINE: what; what to do" where a
 * line is at fault.
 */
#include <stddef.h>

struct conffile_kind {
	const char *what;	/* "policy": "no policy file PATH", "a policy is plain text" */
	const char *missing;	/* after "no <what> file PATH: ": what that means and what to do */
	const char *owner_could;	/* after "its owner could ": what a writer other than root could do */
	size_t max;		/* bytes in the file */
	size_t line_max;	/* bytes in a line, without its newline */
};

/*
 * The file at path into text (k->max + 1 bytes), its length into len. It
 * must be a regular file (not a symbolic link) owned by root and not
 * writable by group or others, in directories up to / that are root's and
 * not writable by others unless sticky. 0; -ENOENT when there is no such
 * file (err says what k->missing says); -EPERM, -EFBIG or another -errno
 * with err holding one line.
 */
int conffile__read(const struct conffile_kind *k, const char *path, char *text, size_t *len, char *err, size_t errlen);

/*
 * Calls fn with each line of text (len bytes read from path, and room for
 * one more), numbered from 1, as long as it returns 0. The lines are cut
 * in place, each newline (or the byte after the last line) becoming a NUL:
 * what fn keeps of a line lives as long as text.
 * A line that is too long or not plain text, or fn's error, ends the walk:
 * its return, with "PATH:LINE: " put before the line fn left in err.
 */
int conffile__lines(const struct conffile_kind *k, const char *path, char *text, size_t len,
		    int (*fn)(char *line, unsigned int nr, void *arg), void *arg, char *err, size_t errlen);

/* The next word at *pos, cut out in place; NULL at the end of the line or at a comment. */
char *conffile__word(char **pos);
/* What is left of the line at *pos, blanks around it and a comment cut off; NULL when nothing is. */
char *conffile__rest(char **pos);

#endif
