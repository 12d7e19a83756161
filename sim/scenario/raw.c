/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Raw guest actions: bytes in guest memory, hand-built optee_msg_arg
 * headers and parameters, page-list pages, stage-2 changes and SMCs with
 * chosen registers. Nothing is validated beyond what the format needs:
 * building hostile inputs is the point.
 */
#include <string.h>

#include "sim/scenario/scn.h"
#include "teemed/optee_msg.h"

/*
 * Copy between `buf` and guest memory at `ipa`, page by page through the
 * guest's stage 2. Writes need read-write RAM (the guest could not store
 * elsewhere); reads accept read-only RAM too. 0 or -1 with a runtime error.
 */
int scn_mem(struct scn_run *r, struct scn_guest *sg, uint64_t ipa, void *buf, size_t len,
	    int write)
{
	struct stage2 *s2 = machine_guest_stage2(sg->mg);
	uint8_t *p = buf;

	while (len) {
		uint64_t page = ipa & ~(uint64_t)0xfff, pa;
		size_t off = (size_t)(ipa & 0xfff);
		size_t chunk = len < 4096 - off ? len : 4096 - off;
		enum s2_type t = stage2_lookup(s2, page, &pa);
		uint8_t *host;

		if (t != S2_RAM_RW && (write || t != S2_RAM_RO))
			return scn_error(r, "guest '%s' cannot %s IPA 0x%llx: not %s RAM", sg->name,
					 write ? "write" : "read", (unsigned long long)ipa,
					 write ? "read-write" : "mapped");
		host = stage2_guest_ptr(s2, page);
		if (!host)
			return scn_error(r, "IPA 0x%llx has no host page", (unsigned long long)page);
		if (write)
			memcpy(host + off, p, chunk);
		else
			memcpy(p, host + off, chunk);
		p += chunk;
		ipa += chunk;
		len -= chunk;
	}
	return 0;
}

static int pos_eval(struct scn_run *r, const struct scn_line *l, int i, uint64_t *out)
{
	char err[SCN_ERR_MAX];

	if (scn_eval(r, scn_pos(l, i), -1, 0, out, err, sizeof(err)))
		return scn_error(r, "%s", err);
	return 0;
}

/* GUEST IPA at positions 0 and 1, common to most raw commands. */
static struct scn_guest *guest_ipa(struct scn_run *r, const struct scn_line *l, uint64_t *ipa)
{
	struct scn_guest *sg = scn_live_guest(r, scn_pos(l, 0), NULL);

	if (!sg || pos_eval(r, l, 1, ipa))
		return NULL;
	return sg;
}

int scn_collect_data(struct scn_run *r, const struct scn_line *l, int first, uint8_t *buf,
		     size_t *len)
{
	char err[SCN_ERR_MAX];
	const char *t;
	int i;

	*len = 0;
	for (i = first; (t = scn_pos(l, i)); i++)
		if (scn_data(r, t, buf, len, err, sizeof(err)))
			return scn_error(r, "%s", err);
	return 0;
}

int scn_run_write(struct scn_run *r, const struct scn_line *l)
{
	uint8_t buf[SCN_DATA_MAX];
	struct scn_guest *sg;
	uint64_t ipa;
	size_t len;

	sg = guest_ipa(r, l, &ipa);
	if (!sg || scn_collect_data(r, l, 2, buf, &len))
		return -1;
	return scn_mem(r, sg, ipa, buf, len, 1);
}

int scn_run_load(struct scn_run *r, const struct scn_line *l)
{
	struct scn_guest *sg = scn_live_guest(r, scn_pos(l, 1), NULL);
	const char *w = scn_pos(l, 3);
	size_t width = !w ? 8 : !strcmp(w, "u8") ? 1 : !strcmp(w, "u16") ? 2
			 : !strcmp(w, "u32") ? 4 : 8;
	uint8_t b[8] = { 0 };
	uint64_t ipa, v = 0;
	size_t i;

	if (!sg || pos_eval(r, l, 2, &ipa) || scn_mem(r, sg, ipa, b, width, 0))
		return -1;
	for (i = 0; i < width; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return scn_var_set(r, scn_pos(l, 0), v);
}

int scn_run_arg(struct scn_run *r, const struct scn_line *l)
{
	struct optee_msg_arg hdr;
	struct scn_guest *sg;
	uint64_t ipa, v[8];

	sg = guest_ipa(r, l, &ipa);
	if (!sg || scn_key_eval(r, l, "cmd", -1, 0, 0, &v[0]) ||
	    scn_key_eval(r, l, "func", -1, 0, 0, &v[1]) ||
	    scn_key_eval(r, l, "session", -1, 0, 0, &v[2]) ||
	    scn_key_eval(r, l, "cancel", -1, 0, 0, &v[3]) ||
	    scn_key_eval(r, l, "pad", -1, 0, 0, &v[4]) ||
	    scn_key_eval(r, l, "ret", -1, 0, 0, &v[5]) ||
	    scn_key_eval(r, l, "origin", -1, 0, 0, &v[6]) ||
	    scn_key_eval(r, l, "num_params", -1, 0, 0, &v[7]))
		return -1;
	hdr.cmd = (uint32_t)v[0];
	hdr.func = (uint32_t)v[1];
	hdr.session = (uint32_t)v[2];
	hdr.cancel_id = (uint32_t)v[3];
	hdr.pad = (uint32_t)v[4];
	hdr.ret = (uint32_t)v[5];
	hdr.ret_origin = (uint32_t)v[6];
	hdr.num_params = (uint32_t)v[7];
	return scn_mem(r, sg, ipa, &hdr, sizeof(hdr), 1);
}

/* The one of several alias keys given (at most one may be); 0 if none. */
static int alias(struct scn_run *r, const struct scn_line *l, const char *const *keys,
		 uint64_t *out)
{
	const char *given = NULL;

	*out = 0;
	for (; *keys; keys++) {
		if (!scn_key(l, *keys, NULL))
			continue;
		if (given)
			return scn_error(r, "'%s' and '%s' set the same field", given, *keys);
		given = *keys;
		if (scn_key_eval(r, l, *keys, -1, 0, 0, out))
			return -1;
	}
	return 0;
}

int scn_run_param(struct scn_run *r, const struct scn_line *l)
{
	static const char *const ka[] = { "a", "buf", "offs", NULL };
	static const char *const kb[] = { "b", "size", NULL };
	static const char *const kc[] = { "c", "shm_ref", "cookie", "login", NULL };
	struct optee_msg_param p;
	struct scn_guest *sg;
	const char *uuid = scn_key(l, "uuid", NULL);
	uint64_t ipa, idx;

	sg = guest_ipa(r, l, &ipa);
	if (!sg || pos_eval(r, l, 2, &idx) ||
	    scn_key_eval(r, l, "attr", -1, 0, 0, &p.attr) || alias(r, l, ka, &p.u.value.a) ||
	    alias(r, l, kb, &p.u.value.b) || alias(r, l, kc, &p.u.value.c))
		return -1;
	if (idx > OPTEE_MSG_MAX_NUM_PARAMS + 1)
		return scn_error(r, "param index %llu is past any argument page",
				 (unsigned long long)idx);
	if (uuid) {
		TEEC_UUID u;
		uint8_t o[16];

		if (scn_key(l, "a", NULL) || scn_key(l, "b", NULL))
			return scn_error(r, "uuid= sets a and b: give neither");
		if (!scn_ta_uuid(uuid, &u))
			return scn_error(r, "unknown TA '%s'", uuid);
		scn_uuid_octets(&u, o);
		/* OP-TEE reads the octets from value.a and value.b in memory order. */
		memcpy(&p.u.value.a, o, 8);
		memcpy(&p.u.value.b, o + 8, 8);
	}
	return scn_mem(r, sg, ipa + sizeof(struct optee_msg_arg) + idx * sizeof(p), &p,
		       sizeof(p), 1);
}

int scn_run_pagelist(struct scn_run *r, const struct scn_line *l)
{
	uint64_t page[OPTEE_MSG_PAGELIST_ENTRIES + 1];
	char list[SCN_LINE_MAX], err[SCN_ERR_MAX];
	char *save = NULL, *t;
	struct scn_guest *sg;
	uint64_t ipa, first, count, i;
	size_t n = 0;

	sg = guest_ipa(r, l, &ipa);
	if (!sg || scn_key_eval(r, l, "first", -1, 0, 0, &first) ||
	    scn_key_eval(r, l, "count", -1, 0, 0, &count))
		return -1;
	if (ipa & 0xfff)
		return scn_error(r, "a page-list page is a whole page: IPA 0x%llx is not aligned",
				 (unsigned long long)ipa);
	memset(page, 0, sizeof(page));
	if (scn_key_eval(r, l, "next", -1, 0, 0, &page[OPTEE_MSG_PAGELIST_NEXT_SLOT]))
		return -1;
	snprintf(list, sizeof(list), "%s", scn_key(l, "entries", NULL) ? scn_key(l, "entries", NULL)
									: "");
	for (t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (n == OPTEE_MSG_PAGELIST_ENTRIES)
			return scn_error(r, "more than %u entries in one list page",
					 OPTEE_MSG_PAGELIST_ENTRIES);
		if (scn_eval(r, t, -1, 0, &page[n], err, sizeof(err)))
			return scn_error(r, "entries: %s", err);
		n++;
	}
	/* first=IPA count=N: N consecutive pages after the listed entries. */
	for (i = 0; i < count; i++, n++) {
		if (n == OPTEE_MSG_PAGELIST_ENTRIES)
			return scn_error(r, "more than %u entries in one list page",
					 OPTEE_MSG_PAGELIST_ENTRIES);
		page[n] = first + i * 4096;
	}
	return scn_mem(r, sg, ipa, page, sizeof(page), 1);
}

int scn_run_map(struct scn_run *r, const struct scn_line *l)
{
	struct scn_guest *sg;
	const char *mode = scn_pos(l, 2);
	uint64_t ipa, pages, i;

	sg = guest_ipa(r, l, &ipa);
	if (!sg || scn_key_eval(r, l, "pages", -1, 0, 1, &pages))
		return -1;
	if (ipa & 0xfff)
		return scn_error(r, "map: IPA 0x%llx is not page aligned", (unsigned long long)ipa);
	for (i = 0; i < pages; i++, ipa += 4096) {
		struct stage2 *s2 = machine_guest_stage2(sg->mg);
		uint64_t pa;
		int rc;

		if (!strcmp(mode, "ram-ro")) {
			rc = stage2_set_ro(s2, ipa, 1);
		} else if (!strcmp(mode, "ram-rw")) {
			/* Back an unmapped or MMIO page by fresh RAM; else just make it writable. */
			enum s2_type t = stage2_lookup(s2, ipa, &pa);

			rc = t == S2_RAM_RO || t == S2_RAM_RW ? stage2_set_ro(s2, ipa, 0)
							      : stage2_remap(s2, ipa, NULL);
		} else if (!strcmp(mode, "mmio")) {
			rc = stage2_map_mmio(s2, ipa, S2_DEFAULT_MMIO_PA);
		} else if (!strcmp(mode, "unmapped")) {
			rc = stage2_unmap(s2, ipa);
		} else {
			rc = stage2_remap(s2, ipa, NULL);
		}
		if (rc)
			return scn_error(r, "map %s of IPA 0x%llx failed (%d): outside the guest's "
					 "RAM window?", mode, (unsigned long long)ipa, rc);
	}
	return 0;
}

/* Registers of an smc line; $aN refers to vCPU g.v's previous result. */
int scn_smc_regs(struct scn_run *r, const struct scn_line *l, int g, int v, uint64_t regs[8],
		 char *err, size_t len)
{
	static const char *const names[8] = { "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7" };
	const char *s;
	uint64_t pair;
	int i;

	for (i = 0; i < 8; i++) {
		regs[i] = 0;
		s = scn_key(l, names[i], NULL);
		if (s && scn_eval(r, s, g, v, &regs[i], err, len))
			return -1;
	}
	for (i = 1; i <= 4; i += 3) {
		s = scn_key(l, i == 1 ? "a1a2" : "a4a5", NULL);
		if (!s)
			continue;
		if (scn_key(l, names[i], NULL) || scn_key(l, names[i + 1], NULL)) {
			snprintf(err, len, "%s and %s/%s set the same registers",
				 i == 1 ? "a1a2" : "a4a5", names[i], names[i + 1]);
			return -1;
		}
		if (scn_eval(r, s, g, v, &pair, err, len))
			return -1;
		/* 64-bit values travel as two 32-bit halves, high first (ABI 1.1). */
		regs[i] = pair >> 32;
		regs[i + 1] = pair & 0xffffffffu;
	}
	return 0;
}

int scn_run_smc(struct scn_run *r, const struct scn_line *l)
{
	char err[SCN_ERR_MAX];
	uint64_t regs[8];
	int g, v;

	if (scn_target(r, scn_pos(l, 0), &g, &v))
		return -1;
	if (scn_smc_regs(r, l, g, v, regs, err, sizeof(err)))
		return scn_error(r, "%s", err);
	scn_smc(r, g, v, regs);
	r->cur_g = g;
	r->cur_v = v;
	return 0;
}
