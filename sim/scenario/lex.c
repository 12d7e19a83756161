/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Reading a scenario file into tokenized lines; expressions and data
 * tokens (docs/scenarios.md, "Values").
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario/scn.h"

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Split "key<op>value"; a token with no operator stays bare. */
static void split_tok(char *t, struct scn_tok *tok)
{
	char *p;

	tok->key = t;
	tok->val = NULL;
	tok->op = SCN_OP_EQ;
	/* Data and invoke-parameter tokens (hex:.., value-in:..) are bare. */
	for (p = t; *p && *p != ':'; p++) {
		if (*p == '=' || *p == '<' || *p == '>' || (*p == '!' && p[1] == '=')) {
			char c = *p;

			*p = '\0';
			p++;
			if (c == '!') {
				tok->op = SCN_OP_NE;
				p++;
			} else if (c == '<' || c == '>') {
				int eq = *p == '=';

				tok->op = c == '<' ? (eq ? SCN_OP_LE : SCN_OP_LT)
						   : (eq ? SCN_OP_GE : SCN_OP_GT);
				p += eq;
			}
			tok->val = p;
			return;
		}
	}
}

static int tokenize(struct scn_line *l, char *s, char *err, size_t errlen)
{
	char *save = NULL;
	char *t;

	l->ntok = 0;
	for (t = strtok_r(s, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (l->ntok == SCN_MAX_TOK) {
			snprintf(err, errlen, "line %d: more than %d tokens", l->lineno,
				 SCN_MAX_TOK);
			return -1;
		}
		split_tok(t, &l->tok[l->ntok]);
		if (l->tok[l->ntok].val && !l->tok[l->ntok].key[0]) {
			snprintf(err, errlen, "line %d: '%s' has no key before its operator",
				 l->lineno, l->tok[l->ntok].val);
			return -1;
		}
		l->ntok++;
	}
	return 0;
}

int scn_file_read(const char *path, struct scn_file *f, char *err, size_t errlen)
{
	char buf[SCN_LINE_MAX + 2];
	FILE *fp = fopen(path, "r");
	int lineno = 0, cap = 0;

	memset(f, 0, sizeof(*f));
	if (!fp) {
		snprintf(err, errlen, "cannot open: %s", strerror(errno));
		return -1;
	}
	while (fgets(buf, sizeof(buf), fp)) {
		struct scn_line *l;
		char *s, *hash;

		lineno++;
		if (!strchr(buf, '\n') && !feof(fp)) {
			snprintf(err, errlen, "line %d: longer than %d characters", lineno,
				 SCN_LINE_MAX);
			goto fail;
		}
		hash = strchr(buf, '#');
		if (hash)
			*hash = '\0';
		s = trim(buf);
		if (!*s)
			continue;
		if (f->nlines == cap) {
			int ncap = cap ? cap * 2 : 64;
			struct scn_line *n = realloc(f->lines, (size_t)ncap * sizeof(*n));

			if (!n) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
			f->lines = n;
			cap = ncap;
		}
		l = &f->lines[f->nlines];
		memset(l, 0, sizeof(*l));
		l->lineno = lineno;
		l->text = strdup(s);
		l->tok[0].key = NULL;
		f->nlines++;
		if (!l->text) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		/* Tokens point into a second copy; text stays whole for messages. */
		s = strdup(s);
		if (!s) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		if (tokenize(l, s, err, errlen)) {
			free(s);
			l->ntok = 0;
			goto fail;
		}
	}
	fclose(fp);
	return 0;
fail:
	fclose(fp);
	scn_file_free(f);
	return -1;
}

void scn_file_free(struct scn_file *f)
{
	int i;

	for (i = 0; i < f->nlines; i++) {
		free(f->lines[i].text);
		if (f->lines[i].ntok)
			free(f->lines[i].tok[0].key); /* the token copy's start */
	}
	free(f->lines);
	memset(f, 0, sizeof(*f));
}

const char *scn_pos(const struct scn_line *l, int i)
{
	int k;

	for (k = 1; k < l->ntok; k++)
		if (!l->tok[k].val && i-- == 0)
			return l->tok[k].key;
	return NULL;
}

int scn_npos(const struct scn_line *l)
{
	int k, n = 0;

	for (k = 1; k < l->ntok; k++)
		n += !l->tok[k].val;
	return n;
}

const char *scn_key(const struct scn_line *l, const char *key, const struct scn_tok **tok)
{
	int k;

	for (k = 1; k < l->ntok; k++)
		if (l->tok[k].val && !strcmp(l->tok[k].key, key)) {
			if (tok)
				*tok = &l->tok[k];
			return l->tok[k].val;
		}
	return NULL;
}

const char *scn_op_str(enum scn_op op)
{
	static const char *const s[] = { "=", "!=", "<", "<=", ">", ">=" };

	return s[op];
}

bool scn_op_holds(enum scn_op op, uint64_t got, uint64_t want)
{
	switch (op) {
	case SCN_OP_EQ: return got == want;
	case SCN_OP_NE: return got != want;
	case SCN_OP_LT: return got < want;
	case SCN_OP_LE: return got <= want;
	case SCN_OP_GT: return got > want;
	case SCN_OP_GE: return got >= want;
	}
	return false;
}

/* One term of an expression at *sp; advances *sp. */
static int term(struct scn_run *r, const char **sp, int g, int v, uint64_t *out, char *err,
		size_t errlen)
{
	const char *s = *sp;
	char name[SCN_NAME_MAX * 2];
	size_t n = 0;

	if (*s == '$') {
		s++;
		while (isalnum((unsigned char)s[n]) || s[n] == '_' || s[n] == '.')
			n++;
		if (!n || n >= sizeof(name)) {
			snprintf(err, errlen, "bad variable after '$' in '%s'", *sp);
			return -1;
		}
		memcpy(name, s, n);
		name[n] = '\0';
		*sp = s + n;
		if (name[0] == 'a' && name[1] >= '0' && name[1] <= '7' && !name[2]) {
			int reg = name[1] - '0';

			if (!r) {
				*out = 0;
				return 0;
			}
			if (g < 0) {
				g = r->cur_g;
				v = r->cur_v;
			}
			if (g < 0 || !r->guests[g].last[v].valid) {
				snprintf(err, errlen, "$%s: no SMC result on that vCPU yet", name);
				return -1;
			}
			*out = r->guests[g].last[v].out[reg];
			return 0;
		}
		if (!r) {
			*out = 0;
			if (scn_check_var(name))
				return 0;
			snprintf(err, errlen, "variable $%s is not set before this line", name);
			return -1;
		}
		if (scn_var_get(r, name, out))
			return 0;
		snprintf(err, errlen, "variable $%s is not set", name);
		return -1;
	}
	if (isdigit((unsigned char)*s)) {
		char *end;
		uint64_t val;

		errno = 0;
		val = strtoull(s, &end, 0);
		if (errno || end == s) {
			snprintf(err, errlen, "bad number in '%s'", *sp);
			return -1;
		}
		switch (*end) {
		case 'K': val <<= 10; end++; break;
		case 'M': val <<= 20; end++; break;
		case 'G': val <<= 30; end++; break;
		default: break;
		}
		if (isalnum((unsigned char)*end) || *end == '_') {
			snprintf(err, errlen, "bad number in '%s'", *sp);
			return -1;
		}
		*out = val;
		*sp = end;
		return 0;
	}
	while (isalnum((unsigned char)s[n]) || s[n] == '_')
		n++;
	if (!n || n >= sizeof(name)) {
		snprintf(err, errlen, "expected a number, NAME or $var in '%s'", *sp);
		return -1;
	}
	memcpy(name, s, n);
	name[n] = '\0';
	if (!scn_const_lookup(name, out)) {
		snprintf(err, errlen, "unknown name '%s'", name);
		return -1;
	}
	*sp = s + n;
	return 0;
}

int scn_eval(struct scn_run *r, const char *s, int g, int v, uint64_t *out, char *err,
	     size_t errlen)
{
	uint64_t acc = 0, t;
	int sign = 1;

	if (!s || !*s) {
		snprintf(err, errlen, "empty value");
		return -1;
	}
	if (*s == '-') {
		sign = -1;
		s++;
	}
	for (;;) {
		if (term(r, &s, g, v, &t, err, errlen))
			return -1;
		acc = sign > 0 ? acc + t : acc - t;
		if (!*s)
			break;
		if (*s != '+' && *s != '-') {
			snprintf(err, errlen, "unexpected '%c' in value", *s);
			return -1;
		}
		sign = *s == '+' ? 1 : -1;
		s++;
	}
	*out = acc;
	return 0;
}

int scn_eval_alts(struct scn_run *r, const char *s, int g, int v, uint64_t *alts, int max,
		  int *n, char *err, size_t errlen)
{
	char buf[SCN_LINE_MAX];
	char *save = NULL, *t;

	if (strlen(s) >= sizeof(buf)) {
		snprintf(err, errlen, "value too long");
		return -1;
	}
	strcpy(buf, s);
	*n = 0;
	if (!*s || s[strlen(s) - 1] == '|' || *s == '|' || strstr(s, "||")) {
		snprintf(err, errlen, "empty alternative in '%s'", s);
		return -1;
	}
	for (t = strtok_r(buf, "|", &save); t; t = strtok_r(NULL, "|", &save)) {
		if (*n == max) {
			snprintf(err, errlen, "more than %d alternatives", max);
			return -1;
		}
		if (scn_eval(r, t, g, v, &alts[*n], err, errlen))
			return -1;
		(*n)++;
	}
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int scn_data(struct scn_run *r, const char *tok, uint8_t *buf, size_t *len, char *err,
	     size_t errlen)
{
	const char *colon = strchr(tok, ':');
	char list[SCN_LINE_MAX];
	char *save = NULL, *t;
	size_t width;

	if (!colon) {
		snprintf(err, errlen, "'%s' is not data (hex:, u8:, u16:, u32:, u64:, zero:)",
			 tok);
		return -1;
	}
	if (!strncmp(tok, "hex:", 4)) {
		const char *h = tok + 4;
		size_t n = strlen(h);

		if (!n || n % 2) {
			snprintf(err, errlen, "hex: needs an even, non-zero number of digits");
			return -1;
		}
		if (*len + n / 2 > SCN_DATA_MAX)
			goto too_long;
		for (; *h; h += 2) {
			int hi = hexval((unsigned char)h[0]), lo = hexval((unsigned char)h[1]);

			if (hi < 0 || lo < 0) {
				snprintf(err, errlen, "bad hex digit in '%s'", tok);
				return -1;
			}
			buf[(*len)++] = (uint8_t)(hi << 4 | lo);
		}
		return 0;
	}
	if (!strncmp(tok, "zero:", 5)) {
		uint64_t n;

		if (scn_eval(r, tok + 5, -1, 0, &n, err, errlen))
			return -1;
		if (n > SCN_DATA_MAX || *len + n > SCN_DATA_MAX)
			goto too_long;
		memset(buf + *len, 0, n);
		*len += n;
		return 0;
	}
	if (!strncmp(tok, "u8:", 3))
		width = 1;
	else if (!strncmp(tok, "u16:", 4))
		width = 2;
	else if (!strncmp(tok, "u32:", 4))
		width = 4;
	else if (!strncmp(tok, "u64:", 4))
		width = 8;
	else {
		snprintf(err, errlen, "unknown data kind in '%s' (hex, u8, u16, u32, u64, zero)",
			 tok);
		return -1;
	}
	if (strlen(colon + 1) >= sizeof(list) || !colon[1]) {
		snprintf(err, errlen, "no values in '%s'", tok);
		return -1;
	}
	strcpy(list, colon + 1);
	for (t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		uint64_t v;

		if (scn_eval(r, t, -1, 0, &v, err, errlen))
			return -1;
		if (width < 8 && (v >> (8 * width)) && (v >> (8 * width)) != (UINT64_MAX >> (8 * width))) {
			snprintf(err, errlen, "value %s does not fit in %zu bytes", t, width);
			return -1;
		}
		if (*len + width > SCN_DATA_MAX)
			goto too_long;
		/* Little endian, as the ABI's structures are on AArch64. */
		for (size_t i = 0; i < width; i++)
			buf[(*len)++] = (uint8_t)(v >> (8 * i));
	}
	return 0;
too_long:
	snprintf(err, errlen, "more than %d bytes of data on one line", SCN_DATA_MAX);
	return -1;
}
