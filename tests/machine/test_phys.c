/* SPDX-License-Identifier: BSD-2-Clause */
/* Physical memory: regions, ownership, pins, errors, thread safety. */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "sim/machine/phys.h"
#include "tests/machine/harness.h"
#include "tests/machine/util.h"

static void regions_are_distinct(void)
{
	struct phys *p = small_phys();
	uint64_t g = phys_region_base(p, PHYS_REGION_GUEST);
	uint64_t md = phys_region_base(p, PHYS_REGION_MEDIATOR);
	uint64_t s = phys_region_base(p, PHYS_REGION_SECURE);
	uint64_t h = phys_region_base(p, PHYS_REGION_HYP);
	struct phys_frame_info info;

	CHECK_EQ(g, PHYS_DEFAULT_BASE);
	CHECK(g < md && md < s && s < h);
	CHECK_EQ(md - g, SMALL_GUEST_BYTES);
	CHECK_EQ(phys_region_of(p, g), PHYS_REGION_GUEST);
	CHECK_EQ(phys_region_of(p, md + 4096), PHYS_REGION_MEDIATOR);
	CHECK_EQ(phys_region_of(p, s), PHYS_REGION_SECURE);
	CHECK_EQ(phys_region_of(p, h), PHYS_REGION_HYP);
	CHECK_EQ(phys_region_of(p, g - 1), -1);
	CHECK_EQ(phys_region_of(p, g + phys_size(p)), -1);
	CHECK(!phys_contains(p, g + phys_size(p) - 8, 16));
	CHECK(phys_contains(p, g + phys_size(p) - 8, 8));
	CHECK(!phys_contains(p, UINT64_MAX - 2, 8));
	CHECK(phys_ptr(p, g - 4096) == NULL);
	CHECK_EQ(phys_frame_info(p, s, &info), 0);
	CHECK_EQ(info.owner, PHYS_SECURE);
	CHECK_EQ(phys_frame_info(p, h, &info), 0);
	CHECK_EQ(info.owner, PHYS_HYPERVISOR);
	CHECK_EQ(phys_frame_info(p, g, &info), 0);
	CHECK_EQ(info.owner, PHYS_FREE);
	phys_destroy(p);
}

static void alloc_free_and_scrub(void)
{
	struct phys *p = small_phys();
	struct phys_frame_info info;
	struct phys_stats st;
	uint64_t pa, pa2;
	uint8_t *v;

	CHECK_EQ(phys_alloc(p, PHYS_REGION_GUEST, PHYS_GUEST, 3, &pa), 0);
	CHECK_EQ(phys_region_of(p, pa), PHYS_REGION_GUEST);
	CHECK_EQ(phys_frame_info(p, pa, &info), 0);
	CHECK_EQ(info.owner, PHYS_GUEST);
	CHECK_EQ(info.dom, 3);
	v = phys_ptr(p, pa);
	memset(v, 0xa5, 4096);
	CHECK_EQ(phys_free(p, pa), 0);
	CHECK_EQ(phys_frame_info(p, pa, &info), 0);
	CHECK_EQ(info.owner, PHYS_FREE);
	/* The last freed frame comes back first, scrubbed. */
	CHECK_EQ(phys_alloc(p, PHYS_REGION_GUEST, PHYS_GUEST, 4, &pa2), 0);
	CHECK_EQ(pa2, pa);
	CHECK_EQ(v[0], 0);
	CHECK_EQ(v[4095], 0);
	CHECK_EQ(phys_free(p, pa2), 0);
	/* Double free: an error, counted. */
	CHECK_EQ(phys_free(p, pa2), -EINVAL);
	phys_stats(p, &st);
	CHECK_EQ(st.err_double_free, 1);
	CHECK_EQ(st.errors, 1);
	/* Mediator pages come from their own region. */
	CHECK_EQ(phys_alloc(p, PHYS_REGION_MEDIATOR, PHYS_MEDIATOR, 3, &pa), 0);
	CHECK_EQ(phys_region_of(p, pa), PHYS_REGION_MEDIATOR);
	CHECK_EQ(phys_free(p, pa), 0);
	/* Secure and hypervisor regions have nothing to allocate. */
	CHECK_EQ(phys_alloc(p, PHYS_REGION_SECURE, PHYS_SECURE, 0, &pa), -ENOMEM);
	phys_destroy(p);
}

static void exhaustion(void)
{
	struct phys *p = small_phys();
	size_t n = SMALL_GUEST_BYTES / 4096;
	uint64_t *pas = calloc(n + 1, sizeof(*pas));
	struct phys_stats st;
	size_t i;

	CHECK_EQ(phys_alloc_n(p, PHYS_REGION_GUEST, PHYS_GUEST, 0, n + 1, pas), -ENOMEM);
	CHECK_EQ(phys_alloc_n(p, PHYS_REGION_GUEST, PHYS_GUEST, 0, n, pas), 0);
	phys_stats(p, &st);
	CHECK_EQ(st.frames_free[PHYS_REGION_GUEST], 0);
	CHECK_EQ(phys_alloc(p, PHYS_REGION_GUEST, PHYS_GUEST, 0, &pas[n]), -ENOMEM);
	for (i = 0; i < n; i++)
		CHECK_EQ(phys_free(p, pas[i]), 0);
	phys_stats(p, &st);
	CHECK_EQ(st.frames_free[PHYS_REGION_GUEST], n);
	CHECK_EQ(st.errors, 0);
	free(pas);
	phys_destroy(p);
}

static void pin_accounting(void)
{
	struct phys *p = small_phys();
	struct phys_frame_info info;
	struct phys_stats st;
	uint64_t pa, mpa;

	CHECK_EQ(phys_alloc(p, PHYS_REGION_GUEST, PHYS_GUEST, 1, &pa), 0);
	CHECK_EQ(phys_alloc(p, PHYS_REGION_MEDIATOR, PHYS_MEDIATOR, 1, &mpa), 0);
	CHECK_EQ(phys_pin(p, pa, 1, PHYS_PIN_READ), 0);
	CHECK_EQ(phys_pin(p, pa, 1, PHYS_PIN_READ), 0);
	CHECK_EQ(phys_pin(p, pa, 1, PHYS_PIN_WRITE), 0);
	CHECK_EQ(phys_frame_info(p, pa, &info), 0);
	CHECK_EQ(info.rpins, 2);
	CHECK_EQ(info.wpins, 1);
	phys_stats(p, &st);
	CHECK_EQ(st.pins_live, 3);
	CHECK_EQ(st.frames_pinned, 1);
	/* Not guest 2's frame, not a guest frame, not a valid access. */
	CHECK_EQ(phys_pin(p, pa, 2, PHYS_PIN_READ), -EPERM);
	CHECK_EQ(phys_pin(p, mpa, 1, PHYS_PIN_READ), -EPERM);
	CHECK_EQ(phys_pin(p, pa, 1, 3), -EINVAL);
	CHECK_EQ(phys_pin(p, 0x1000, 1, PHYS_PIN_READ), -EINVAL);
	CHECK_EQ(phys_unpin(p, pa, 1, PHYS_PIN_WRITE), 0);
	/* No write pin left: an error. */
	CHECK_EQ(phys_unpin(p, pa, 1, PHYS_PIN_WRITE), -EINVAL);
	/* Wrong guest: an error. */
	CHECK_EQ(phys_unpin(p, pa, 2, PHYS_PIN_READ), -EINVAL);
	CHECK_EQ(phys_unpin(p, pa, 1, PHYS_PIN_READ), 0);
	CHECK_EQ(phys_unpin(p, pa, 1, PHYS_PIN_READ), 0);
	phys_stats(p, &st);
	CHECK_EQ(st.pins_live, 0);
	CHECK_EQ(st.frames_pinned, 0);
	CHECK_EQ(st.err_bad_unpin, 2);
	CHECK_EQ(st.errors, 2);
	phys_destroy(p);
}

static void free_with_pins_is_an_error(void)
{
	struct phys *p = small_phys();
	struct phys_frame_info info;
	struct phys_stats st;
	uint64_t pa;

	CHECK_EQ(phys_alloc(p, PHYS_REGION_GUEST, PHYS_GUEST, 1, &pa), 0);
	CHECK_EQ(phys_pin(p, pa, 1, PHYS_PIN_WRITE), 0);
	CHECK_EQ(phys_free(p, pa), -EBUSY);
	CHECK_EQ(phys_reassign(p, pa, PHYS_GUEST, 2), -EBUSY);
	CHECK_EQ(phys_reassign(p, pa, PHYS_HYPERVISOR, PHYS_NO_DOM), -EBUSY);
	phys_stats(p, &st);
	CHECK_EQ(st.err_free_pinned, 3);
	CHECK_EQ(phys_errors(p), 3);
	/* The frame was left as it was. */
	CHECK_EQ(phys_frame_info(p, pa, &info), 0);
	CHECK_EQ(info.owner, PHYS_GUEST);
	CHECK_EQ(info.dom, 1);
	CHECK_EQ(info.wpins, 1);
	CHECK_EQ(phys_unpin(p, pa, 1, PHYS_PIN_WRITE), 0);
	/* Unpinned: reassigning is fine. */
	CHECK_EQ(phys_reassign(p, pa, PHYS_GUEST, 2), 0);
	CHECK_EQ(phys_frame_info(p, pa, &info), 0);
	CHECK_EQ(info.dom, 2);
	CHECK_EQ(phys_free(p, pa), 0);
	CHECK_EQ(phys_errors(p), 3);
	phys_destroy(p);
}

static void release_is_deferred_by_pins(void)
{
	struct phys *p = small_phys();
	struct phys_frame_info info;
	struct phys_stats st0, st;
	uint64_t pa;

	CHECK_EQ(phys_alloc(p, PHYS_REGION_GUEST, PHYS_GUEST, 1, &pa), 0);
	phys_stats(p, &st0);
	CHECK_EQ(phys_pin(p, pa, 1, PHYS_PIN_READ), 0);
	CHECK_EQ(phys_pin(p, pa, 1, PHYS_PIN_WRITE), 0);
	CHECK_EQ(phys_release(p, pa, 2), -EINVAL);
	CHECK_EQ(phys_release(p, pa, 1), 1);
	CHECK_EQ(phys_frame_info(p, pa, &info), 0);
	CHECK_EQ(info.owner, PHYS_GUEST);
	CHECK(info.released);
	/* No new pin on a released frame. */
	CHECK_EQ(phys_pin(p, pa, 1, PHYS_PIN_READ), -EPERM);
	phys_stats(p, &st);
	CHECK_EQ(st.frames_free[PHYS_REGION_GUEST], st0.frames_free[PHYS_REGION_GUEST]);
	CHECK_EQ(st.frames_released_pinned, 1);
	CHECK_EQ(st.deferred_releases, 1);
	CHECK_EQ(phys_unpin(p, pa, 1, PHYS_PIN_READ), 0);
	CHECK_EQ(phys_frame_info(p, pa, &info), 0);
	CHECK_EQ(info.owner, PHYS_GUEST);
	CHECK_EQ(phys_unpin(p, pa, 1, PHYS_PIN_WRITE), 0);
	CHECK_EQ(phys_frame_info(p, pa, &info), 0);
	CHECK_EQ(info.owner, PHYS_FREE);
	phys_stats(p, &st);
	CHECK_EQ(st.frames_free[PHYS_REGION_GUEST], st0.frames_free[PHYS_REGION_GUEST] + 1);
	CHECK_EQ(st.frames_released_pinned, 0);
	CHECK_EQ(st.errors, 0);
	/* Unpinned release frees at once. */
	CHECK_EQ(phys_alloc(p, PHYS_REGION_GUEST, PHYS_GUEST, 1, &pa), 0);
	CHECK_EQ(phys_release(p, pa, 1), 0);
	CHECK_EQ(phys_frame_info(p, pa, &info), 0);
	CHECK_EQ(info.owner, PHYS_FREE);
	phys_destroy(p);
}

static void foreign_pas(void)
{
	struct phys *p = small_phys();
	uint64_t mine, other, med;

	CHECK_EQ(phys_alloc(p, PHYS_REGION_GUEST, PHYS_GUEST, 1, &mine), 0);
	CHECK_EQ(phys_alloc(p, PHYS_REGION_GUEST, PHYS_GUEST, 2, &other), 0);
	CHECK_EQ(phys_alloc(p, PHYS_REGION_MEDIATOR, PHYS_MEDIATOR, 1, &med), 0);
	CHECK(!phys_pa_is_foreign_to(p, 1, mine));
	CHECK(!phys_pa_is_foreign_to(p, 1, mine + 0x123));
	CHECK(phys_pa_is_foreign_to(p, 1, other));
	CHECK(phys_pa_is_foreign_to(p, 2, mine + 8));
	/* Even the page serving guest 1's own calls is not guest 1's. */
	CHECK(phys_pa_is_foreign_to(p, 1, med));
	CHECK(phys_pa_is_foreign_to(p, 1, phys_region_base(p, PHYS_REGION_SECURE)));
	CHECK(phys_pa_is_foreign_to(p, 1, phys_region_base(p, PHYS_REGION_HYP)));
	/* Free frames are not the guest's either. */
	CHECK(phys_pa_is_foreign_to(p, 1, phys_region_base(p, PHYS_REGION_GUEST) +
					     SMALL_GUEST_BYTES - 4096));
	/* Not PAs of the arena: guest IPAs, small values. */
	CHECK(!phys_pa_is_foreign_to(p, 1, 0x40000000));
	CHECK(!phys_pa_is_foreign_to(p, 1, 0));
	CHECK(!phys_pa_is_foreign_to(p, 1, phys_base(p) + phys_size(p)));
	phys_destroy(p);
}

struct pin_stress {
	struct phys *p;
	uint64_t pas[8];
	int fails;
};

static void *pin_stress_thread(void *arg)
{
	struct pin_stress *s = arg;
	int i;

	for (i = 0; i < 20000; i++) {
		uint64_t pa = s->pas[i % 8];
		unsigned acc = (i & 1) ? PHYS_PIN_WRITE : PHYS_PIN_READ;

		if (phys_pin(s->p, pa, 1, acc) || phys_unpin(s->p, pa, 1, acc))
			__atomic_add_fetch(&s->fails, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void pins_are_thread_safe(void)
{
	struct pin_stress s = { .p = small_phys() };
	pthread_t t[4];
	struct phys_stats st;
	int i;

	CHECK_EQ(phys_alloc_n(s.p, PHYS_REGION_GUEST, PHYS_GUEST, 1, 8, s.pas), 0);
	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, pin_stress_thread, &s);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	phys_stats(s.p, &st);
	CHECK_EQ(s.fails, 0);
	CHECK_EQ(st.pins_live, 0);
	CHECK_EQ(st.frames_pinned, 0);
	CHECK_EQ(st.errors, 0);
	phys_destroy(s.p);
}

static void access_checks_every_frame(void)
{
	struct phys *p = small_phys();
	uint64_t base = phys_region_base(p, PHYS_REGION_HYP);
	uint8_t buf[8192];

	memset(buf, 1, sizeof(buf));
	/* No allow(): everything inside the arena goes. */
	CHECK_EQ(phys_access(p, base + 4000, buf, 200, true, NULL, NULL), 0);
	CHECK_EQ(phys_access(p, base + phys_region_bytes(p, PHYS_REGION_HYP) - 8, buf, 16,
			     false, NULL, NULL), -EINVAL);
	CHECK_EQ(((uint8_t *)phys_ptr(p, base))[4000], 1);
	CHECK_EQ(((uint8_t *)phys_ptr(p, base))[4199], 1);
	phys_destroy(p);
}

void phys_tests(void)
{
	RUN(regions_are_distinct);
	RUN(alloc_free_and_scrub);
	RUN(exhaustion);
	RUN(pin_accounting);
	RUN(free_with_pins_is_an_error);
	RUN(release_is_deferred_by_pins);
	RUN(foreign_pas);
	RUN(pins_are_thread_safe);
	RUN(access_checks_every_frame);
}
