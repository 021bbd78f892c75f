/* Unit files read as systemd reads them (ini.c). */
#ifndef CK_SYSTEMD_INI_H
#define CK_SYSTEMD_INI_H

#include "systemd_int.h"

typedef struct ck__ini_entry {
	char *section, *key, *value;
	unsigned int line; /* where the entry starts */
} ck__ini_entry;

typedef struct ck__ini {
	char *path;
	ck__ini_entry *entries; /* in file order */
	size_t n, cap;
} ck__ini;

/* Reads `path`; CK_EINVAL naming the file and line for a line that is not
 * a section header, an entry or a comment. */
int ck__ini_read(ck__ini *ini, const char *path);
void ck__ini_free(ck__ini *ini);
/* Splits a value into words: blanks separate, "..." and '...' group (C
 * escapes inside "..."), a backslash escapes one character.  `*out` is
 * NULL-terminated (ck_strv_free()); CK_EINVAL for unbalanced quotes. */
int ck__ini_words(char ***out, const char *value, const ck__ini *ini, unsigned int line);

#endif
