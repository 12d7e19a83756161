/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The differential check: two runs of the same workload (same seed, same
 * guest shape), compared record by record, vCPU by vCPU.
 */
#include <string.h>

#include "sim/workload/wl_internal.h"

void wl_rec_print(const struct wl_rec *r, FILE *out)
{
	const char *rn = wl_ret_name(r->ret);

	fprintf(out, "vcpu %u %s/%s cmd %u arg 0x%llx -> ret 0x%x%s%s%s origin %u out 0x%llx 0x%llx",
		r->vcpu, wl_kind_name((enum wl_kind)r->kind), wl_call_name((enum wl_call)r->call),
		r->cmd, (unsigned long long)r->arg, r->ret, rn ? " (" : "", rn ? rn : "",
		rn ? ")" : "", r->origin, (unsigned long long)r->out[0],
		(unsigned long long)r->out[1]);
}

static bool rec_equal(const struct wl_rec *a, const struct wl_rec *b)
{
	return a->kind == b->kind && a->call == b->call && a->vcpu == b->vcpu &&
	       a->cmd == b->cmd && a->arg == b->arg && a->ret == b->ret &&
	       a->origin == b->origin && a->out[0] == b->out[0] && a->out[1] == b->out[1];
}

uint64_t wl_diff(const struct wl_guest *a, const char *a_name, const struct wl_guest *b,
		 const char *b_name, FILE *out, unsigned max_print)
{
	uint64_t diffs = 0;
	uint32_t vcpu;
	size_t i;

	if (a->nvcpus != b->nvcpus) {
		fprintf(out, "diff: guest %u has %u vCPUs in %s, %u in %s\n", a->index,
			a->nvcpus, a_name, b->nvcpus, b_name);
		return 1;
	}
	for (vcpu = 0; vcpu < a->nvcpus; vcpu++) {
		const struct wl_vcpu *va = &a->vcpus[vcpu], *vb = &b->vcpus[vcpu];
		size_t n = va->nrec < vb->nrec ? va->nrec : vb->nrec;

		if (va->dropped || vb->dropped) {
			fprintf(out, "diff: guest %u vcpu %u dropped records (%llu, %llu)\n",
				a->index, vcpu, (unsigned long long)va->dropped,
				(unsigned long long)vb->dropped);
			diffs++;
		}
		for (i = 0; i < n; i++) {
			if (rec_equal(&va->recs[i], &vb->recs[i]))
				continue;
			if (diffs++ < max_print) {
				fprintf(out, "diff: guest %u record %zu\n  %-9s ", a->index, i,
					a_name);
				wl_rec_print(&va->recs[i], out);
				fprintf(out, "\n  %-9s ", b_name);
				wl_rec_print(&vb->recs[i], out);
				fputc('\n', out);
			}
		}
		if (va->nrec != vb->nrec) {
			if (diffs++ < max_print)
				fprintf(out, "diff: guest %u vcpu %u: %zu records in %s, %zu in %s\n",
					a->index, vcpu, va->nrec, a_name, vb->nrec, b_name);
		}
	}
	return diffs;
}
