// SPDX-License-Identifier: BSD-2-Clause
/*
 * /init of the Linux guest's initramfs (tools/linux/, mk/linux.mk): a static
 * program (aarch64-linux-gnu-gcc -static) that loads Debian's tee.ko and
 * optee.ko, waits for /dev/tee0, runs user-space tests through the Linux
 * TEE ioctl interface (linux/tee.h) against the OP-TEE model's TAs
 * (sim/optee/ta_api.h), all of which goes through the teemed mediator, and
 * ends with "linux-tests: N passed, M failed". It then powers the guest off
 * if every test passed and reboots it otherwise: the hypervisor takes PSCI
 * SYSTEM_OFF as the guest's PASS and SYSTEM_RESET as its FAIL.
 *
 * A minimal tee-supplicant runs as a thread on /dev/teepriv0: it serves
 * the storage TA's FS requests (the protocol at the end of ta_api.h) from a
 * directory in the initramfs' tmpfs, and the SHM_ALLOC/SHM_FREE requests
 * of application shared memory these need.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/reboot.h>
#include <linux/tee.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "optee/ta_api.h"

/* TEE return codes (GlobalPlatform) and origins. */
#define TEEC_SUCCESS		    0x00000000u
#define TEEC_ERROR_GENERIC	    0xffff0000u
#define TEEC_ERROR_ACCESS_CONFLICT  0xffff0003u
#define TEEC_ERROR_BAD_PARAMETERS   0xffff0006u
#define TEEC_ERROR_ITEM_NOT_FOUND   0xffff0008u
#define TEEC_ERROR_SHORT_BUFFER	    0xffff0010u
#define TEEC_ERROR_OUT_OF_MEMORY    0xffff000cu
#define TEEC_ERROR_TARGET_DEAD	    0xffff3024u
#define TEEC_ERROR_CANCEL	    0xffff0002u
#define OPTEE_RPC_CMD_FS	    2u
#define OPTEE_RPC_CMD_SHM_ALLOC	    6u
#define OPTEE_RPC_CMD_SHM_FREE	    7u
#define OPTEE_RPC_SHM_TYPE_APPL	    0u
#define OPTEE_RPC_SHM_TYPE_KERNEL   1u

#define P_NONE	 TEE_IOCTL_PARAM_ATTR_TYPE_NONE
#define P_VIN	 TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT
#define P_VOUT	 TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT
#define P_VINOUT TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT
#define P_MIN	 TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT
#define P_MOUT	 TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT
#define P_MINOUT TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT

#define MiB (1024u * 1024u)

static unsigned long passed, failed;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void say(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	pthread_mutex_lock(&out_lock);
	if (write(1, buf, (size_t)n) < 0) {
		/* nowhere to report it */
	}
	pthread_mutex_unlock(&out_lock);
}

static int check(int ok, const char *what, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, what);
	vsnprintf(buf, sizeof(buf), what, ap);
	va_end(ap);
	pthread_mutex_lock(&out_lock);
	if (ok)
		passed++;
	else
		failed++;
	pthread_mutex_unlock(&out_lock);
	if (!ok)
		say("linux-tests: FAIL: %s\n", buf);
	return ok;
}

/* --- the TEE ioctl interface --- */

static void uuid_bytes(const struct ta_uuid *u, uint8_t out[16])
{
	out[0] = (uint8_t)(u->time_low >> 24);
	out[1] = (uint8_t)(u->time_low >> 16);
	out[2] = (uint8_t)(u->time_low >> 8);
	out[3] = (uint8_t)u->time_low;
	out[4] = (uint8_t)(u->time_mid >> 8);
	out[5] = (uint8_t)u->time_mid;
	out[6] = (uint8_t)(u->time_hi_and_version >> 8);
	out[7] = (uint8_t)u->time_hi_and_version;
	memcpy(out + 8, u->clock_seq_and_node, 8);
}

/* The argument and its params, contiguous: the kernel checks buf_len exactly. */
struct open_call {
	struct tee_ioctl_open_session_arg open;
	struct tee_ioctl_param p[4];
};
struct inv_call {
	struct tee_ioctl_invoke_arg inv;
	struct tee_ioctl_param p[4];
};

/* Open a session; returns the TEE result, *sess on success. */
static uint32_t open_session(int fd, const struct ta_uuid *ta, uint32_t *sess)
{
	struct open_call c;
	struct tee_ioctl_buf_data buf = {(uintptr_t)&c, sizeof(c)};

	memset(&c, 0, sizeof(c));
	uuid_bytes(ta, c.open.uuid);
	c.open.clnt_login = TEE_IOCTL_LOGIN_PUBLIC;
	c.open.num_params = 4;
	if (ioctl(fd, TEE_IOC_OPEN_SESSION, &buf))
		return TEEC_ERROR_GENERIC ^ (uint32_t)errno;
	*sess = c.open.session;
	return c.open.ret;
}

static int close_session(int fd, uint32_t sess)
{
	struct tee_ioctl_close_session_arg a = {.session = sess};

	return ioctl(fd, TEE_IOC_CLOSE_SESSION, &a);
}

/* Invoke with up to 4 params (p[i].attr etc. filled by the caller); results back in p. */
static uint32_t invoke(int fd, uint32_t sess, uint32_t cmd, struct tee_ioctl_param p[4],
		       uint32_t cancel_id)
{
	struct inv_call c;
	struct tee_ioctl_buf_data buf = {(uintptr_t)&c, sizeof(c)};

	memset(&c, 0, sizeof(c));
	c.inv.func = cmd;
	c.inv.session = sess;
	c.inv.cancel_id = cancel_id;
	c.inv.num_params = 4;
	memcpy(c.p, p, sizeof(c.p));
	if (ioctl(fd, TEE_IOC_INVOKE, &buf))
		return TEEC_ERROR_GENERIC ^ (uint32_t)errno;
	memcpy(p, c.p, sizeof(c.p));
	return c.inv.ret;
}

static void pval(struct tee_ioctl_param *p, uint64_t attr, uint64_t a, uint64_t b)
{
	p->attr = attr;
	p->a = a;
	p->b = b;
	p->c = 0;
}

/* A memref param: a = offset, b = size, c = shm id. */
static void pmem(struct tee_ioctl_param *p, uint64_t attr, int id, uint64_t off, uint64_t size)
{
	p->attr = attr;
	p->a = off;
	p->b = size;
	p->c = (uint64_t)id;
}

struct shm {
	int fd, id;
	void *va;
	size_t size;
	int registered;
};

static int shm_alloc(int tee, size_t size, struct shm *s)
{
	struct tee_ioctl_shm_alloc_data d = {.size = size};

	memset(s, 0, sizeof(*s));
	s->fd = ioctl(tee, TEE_IOC_SHM_ALLOC, &d);
	if (s->fd < 0)
		return -1;
	s->id = d.id;
	s->size = size;
	s->va = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, 0);
	if (s->va == MAP_FAILED) {
		close(s->fd);
		return -1;
	}
	return 0;
}

static int shm_register(int tee, void *va, size_t size, struct shm *s)
{
	struct tee_ioctl_shm_register_data d = {.addr = (uintptr_t)va, .length = size};

	memset(s, 0, sizeof(*s));
	s->fd = ioctl(tee, TEE_IOC_SHM_REGISTER, &d);
	if (s->fd < 0)
		return -1;
	s->id = d.id;
	s->va = va;
	s->size = size;
	s->registered = 1;
	return 0;
}

static void shm_release(struct shm *s)
{
	if (!s->registered && s->va)
		munmap(s->va, s->size);
	close(s->fd);
	s->fd = -1;
}

static uint64_t fnv1a64(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (n--) {
		h ^= *p++;
		h *= 0x100000001b3ull;
	}
	return h;
}

static void pattern(uint8_t *p, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 131u + (i >> 12));
}

static const struct ta_uuid ta_arith = TA_ARITH_UUID, ta_buf = TA_BUF_UUID,
			    ta_storage = TA_STORAGE_UUID, ta_shmkeep = TA_SHMKEEP_UUID,
			    ta_sleep = TA_SLEEP_UUID, ta_panic = TA_PANIC_UUID;

/* --- the minimal supplicant (/dev/teepriv0) --- */

#define SUPP_SHM_MAX 16
static struct shm supp_shm[SUPP_SHM_MAX];
static unsigned long supp_served;
static const char supp_root[] = "/data/tee";

static void *supp_find(int id, uint64_t off, uint64_t size)
{
	unsigned i;

	for (i = 0; i < SUPP_SHM_MAX; i++)
		if (supp_shm[i].fd > 0 && supp_shm[i].id == id) {
			if (off > supp_shm[i].size || size > supp_shm[i].size - off)
				return NULL;
			return (uint8_t *)supp_shm[i].va + off;
		}
	return NULL;
}

/* A path parameter: NUL-terminated inside its size; made absolute under supp_root. */
static int supp_path(const struct tee_ioctl_param *p, char *out, size_t n)
{
	const char *s = supp_find((int)p->c, p->a, p->b);
	const char *q;

	if (!s || p->b == 0 || s[p->b - 1] != '\0' || strstr(s, ".."))
		return -1;
	snprintf(out, n, "%s/%s", supp_root, s);
	/* create the parent directories */
	for (q = strchr(out + strlen(supp_root) + 1, '/'); q; q = strchr(q + 1, '/')) {
		char dir[256];

		snprintf(dir, sizeof(dir), "%.*s", (int)(q - out), out);
		mkdir(dir, 0700);
	}
	return 0;
}

static uint32_t supp_fs(uint32_t num, struct tee_ioctl_param *p)
{
	char path[256], path2[256];
	void *data;
	ssize_t n;
	int fd;

	if (num < 1 || (p[0].attr & TEE_IOCTL_PARAM_ATTR_TYPE_MASK) != P_VIN)
		return TEEC_ERROR_BAD_PARAMETERS;
	switch (p[0].a) {
	case 0: /* OPEN */
	case 1: /* CREATE */
		if (num != 3 || supp_path(&p[1], path, sizeof(path)))
			return TEEC_ERROR_BAD_PARAMETERS;
		fd = open(path, p[0].a ? O_RDWR | O_CREAT | O_TRUNC : O_RDWR, 0600);
		if (fd < 0)
			return errno == ENOENT ? TEEC_ERROR_ITEM_NOT_FOUND : TEEC_ERROR_GENERIC;
		p[2].a = (uint64_t)fd;
		return TEEC_SUCCESS;
	case 2: /* CLOSE */
		return close((int)p[0].b) ? TEEC_ERROR_GENERIC : TEEC_SUCCESS;
	case 3: /* READ */
		if (num != 2 || !(data = supp_find((int)p[1].c, p[1].a, p[1].b)))
			return TEEC_ERROR_BAD_PARAMETERS;
		n = pread((int)p[0].b, data, p[1].b, (off_t)p[0].c);
		if (n < 0)
			return TEEC_ERROR_GENERIC;
		p[1].b = (uint64_t)n;
		return TEEC_SUCCESS;
	case 4: /* WRITE */
		if (num != 2 || !(data = supp_find((int)p[1].c, p[1].a, p[1].b)))
			return TEEC_ERROR_BAD_PARAMETERS;
		n = pwrite((int)p[0].b, data, p[1].b, (off_t)p[0].c);
		return n == (ssize_t)p[1].b ? TEEC_SUCCESS : TEEC_ERROR_GENERIC;
	case 5: /* TRUNCATE */
		return ftruncate((int)p[0].b, (off_t)p[0].c) ? TEEC_ERROR_GENERIC : TEEC_SUCCESS;
	case 6: /* REMOVE */
		if (num != 2 || supp_path(&p[1], path, sizeof(path)))
			return TEEC_ERROR_BAD_PARAMETERS;
		if (unlink(path))
			return errno == ENOENT ? TEEC_ERROR_ITEM_NOT_FOUND : TEEC_ERROR_GENERIC;
		return TEEC_SUCCESS;
	case 7: /* RENAME */
		if (num != 3 || supp_path(&p[1], path, sizeof(path)) ||
		    supp_path(&p[2], path2, sizeof(path2)))
			return TEEC_ERROR_BAD_PARAMETERS;
		if (!p[0].b && access(path2, F_OK) == 0)
			return TEEC_ERROR_ACCESS_CONFLICT;
		return rename(path, path2) ? TEEC_ERROR_GENERIC : TEEC_SUCCESS;
	default:
		return TEEC_ERROR_BAD_PARAMETERS;
	}
}

static int supp_priv_fd;

static uint32_t supp_shm_alloc(uint32_t num, struct tee_ioctl_param *p)
{
	unsigned i;

	if (num != 1)
		return TEEC_ERROR_BAD_PARAMETERS;
	for (i = 0; i < SUPP_SHM_MAX; i++)
		if (supp_shm[i].fd <= 0)
			break;
	/* Like tee-supplicant with TEE_GEN_CAP_REG_MEM: user memory, registered. */
	{
		size_t n = p[0].b ? p[0].b : 1;
		void *va = NULL;

		if (i == SUPP_SHM_MAX || posix_memalign(&va, 4096, n))
			return TEEC_ERROR_OUT_OF_MEMORY;
		if (shm_register(supp_priv_fd, va, n, &supp_shm[i])) {
			free(va);
			return TEEC_ERROR_OUT_OF_MEMORY;
		}
	}
	/* As tee-supplicant: the value's c carries the id (optee_rpc_cmd_alloc_suppl). */
	p[0].c = (uint64_t)supp_shm[i].id;
	return TEEC_SUCCESS;
}

static uint32_t supp_shm_free(uint32_t num, struct tee_ioctl_param *p)
{
	unsigned i;

	if (num != 1)
		return TEEC_ERROR_BAD_PARAMETERS;
	for (i = 0; i < SUPP_SHM_MAX; i++)
		if (supp_shm[i].fd > 0 && supp_shm[i].id == (int)p[0].b) {
			shm_release(&supp_shm[i]);
			free(supp_shm[i].va);
			supp_shm[i].fd = 0;
			return TEEC_SUCCESS;
		}
	return TEEC_ERROR_BAD_PARAMETERS;
}

static void *supplicant(void *arg)
{
	struct {
		struct tee_iocl_supp_recv_arg r;
		struct tee_ioctl_param p[5];
	} m;
	struct tee_ioctl_buf_data buf = {(uintptr_t)&m, sizeof(m)};

	(void)arg;
	mkdir("/data", 0700);
	mkdir(supp_root, 0700);
	for (;;) {
		struct {
			struct tee_iocl_supp_send_arg s;
			struct tee_ioctl_param p[5];
		} a;
		struct tee_ioctl_buf_data sbuf = {(uintptr_t)&a, sizeof(a)};
		uint32_t ret, num;

		memset(&m, 0, sizeof(m));
		m.r.num_params = 5;
		if (ioctl(supp_priv_fd, TEE_IOC_SUPPL_RECV, &buf)) {
			if (errno == EINTR)
				continue;
			say("linux-tests: supplicant: RECV failed: %s\n", strerror(errno));
			return NULL;
		}
		num = m.r.num_params > 5 ? 5 : m.r.num_params;
		switch (m.r.func) {
		case OPTEE_RPC_CMD_FS:
			ret = supp_fs(num, m.p);
			break;
		case OPTEE_RPC_CMD_SHM_ALLOC:
			ret = supp_shm_alloc(num, m.p);
			break;
		case OPTEE_RPC_CMD_SHM_FREE:
			ret = supp_shm_free(num, m.p);
			break;
		default:
			ret = TEEC_ERROR_BAD_PARAMETERS;
			break;
		}
		supp_served++;
		memset(&a, 0, sizeof(a));
		a.s.ret = ret;
		a.s.num_params = num;
		memcpy(a.p, m.p, num * sizeof(m.p[0]));
		if (ioctl(supp_priv_fd, TEE_IOC_SUPPL_SEND, &sbuf))
			say("linux-tests: supplicant: SEND failed: %s\n", strerror(errno));
	}
}

/* --- tests --- */

static int tee_fd;

static void t_version(void)
{
	struct tee_ioctl_version_data v;

	memset(&v, 0, sizeof(v));
	if (!check(ioctl(tee_fd, TEE_IOC_VERSION, &v) == 0, "TEE_IOC_VERSION: %s", strerror(errno)))
		return;
	say("linux-tests: TEE_IOC_VERSION: impl_id %u (OP-TEE), impl_caps 0x%x, gen_caps 0x%x\n",
	    v.impl_id, v.impl_caps, v.gen_caps);
	check(v.impl_id == TEE_IMPL_ID_OPTEE, "impl_id %u", v.impl_id);
	check(v.impl_caps & TEE_OPTEE_CAP_TZ, "impl_caps 0x%x: TZ", v.impl_caps);
	check(v.gen_caps & TEE_GEN_CAP_REG_MEM, "gen_caps 0x%x: REG_MEM", v.gen_caps);
}

static void t_devices(void)
{
	DIR *d = opendir("/sys/bus/tee/devices");
	struct dirent *e;
	unsigned n = 0;

	if (!check(d != NULL, "/sys/bus/tee/devices: %s", strerror(errno)))
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			say("linux-tests: tee bus device (device enumeration PTA): %s\n", e->d_name);
			n++;
		}
	closedir(d);
	check(n >= 1, "the device enumeration PTA reported %u devices", n);
}

static void t_values(void)
{
	struct tee_ioctl_param p[4];
	uint32_t s, r;
	unsigned i;

	r = open_session(tee_fd, &ta_arith, &s);
	if (!check(r == TEEC_SUCCESS, "open arith: 0x%x", r))
		return;
	memset(p, 0, sizeof(p));
	pval(&p[0], P_VIN, 0xfffffffffffffff0ull, 0x20);
	pval(&p[1], P_VOUT, 0, 0);
	r = invoke(tee_fd, s, TA_ARITH_CMD_ADD, p, 0);
	check(r == 0 && p[1].a == 0x10 && p[1].b == 1, "ADD: 0x%x a=0x%llx b=%llu", r,
	      (unsigned long long)p[1].a, (unsigned long long)p[1].b);
	memset(p, 0, sizeof(p));
	pval(&p[0], P_VIN, 0x123456789ull, 0x1000000000ull);
	pval(&p[1], P_VOUT, 0, 0);
	r = invoke(tee_fd, s, TA_ARITH_CMD_MUL, p, 0);
	{
		unsigned __int128 m = (unsigned __int128)0x123456789ull * 0x1000000000ull;

		check(r == 0 && p[1].a == (uint64_t)m && p[1].b == (uint64_t)(m >> 64),
		      "MUL: 0x%x", r);
	}
	for (i = 0; i < 4; i++)
		pval(&p[i], P_VINOUT, 10 * i, 100 * i);
	r = invoke(tee_fd, s, TA_ARITH_CMD_INC4, p, 0);
	for (i = 0; i < 4; i++)
		check(r == 0 && p[i].a == 10 * i + 1 && p[i].b == 100 * i + 2, "INC4 p%u: 0x%x", i,
		      r);
	memset(p, 0, sizeof(p));
	pval(&p[0], P_VOUT, 0, 0);
	r = invoke(tee_fd, s, TA_ARITH_CMD_COUNT, p, 0);
	check(r == 0 && p[0].a == 4, "COUNT: 0x%x a=%llu", r, (unsigned long long)p[0].a);
	check(close_session(tee_fd, s) == 0, "close arith");
	/* 50 more sessions opened and closed, each with an invoke */
	for (i = 0; i < 50; i++) {
		r = open_session(tee_fd, &ta_arith, &s);
		if (!check(r == 0, "open arith #%u: 0x%x", i, r))
			break;
		memset(p, 0, sizeof(p));
		pval(&p[0], P_VIN, i, i);
		pval(&p[1], P_VOUT, 0, 0);
		r = invoke(tee_fd, s, TA_ARITH_CMD_ADD, p, 0);
		check(r == 0 && p[1].a == 2ull * i, "ADD #%u", i);
		check(close_session(tee_fd, s) == 0, "close #%u", i);
	}
	/* A session of a TA that does not exist. */
	{
		struct ta_uuid none = {0x7e3dffff, 0, 0x4000, {0}};

		r = open_session(tee_fd, &none, &s);
		check(r != TEEC_SUCCESS, "a missing TA must be refused");
	}
}

/* Checksum, fill and reverse on one shared buffer (allocated or registered). */
static void buf_ops(struct shm *m, size_t off, size_t len, const char *what)
{
	struct tee_ioctl_param p[4];
	uint8_t *b = (uint8_t *)m->va + off;
	uint32_t s, r;
	size_t i, bad = 0;

	r = open_session(tee_fd, &ta_buf, &s);
	if (!check(r == 0, "%s: open buf: 0x%x", what, r))
		return;
	pattern(b, len, (unsigned)len);
	memset(p, 0, sizeof(p));
	pmem(&p[0], P_MIN, m->id, off, len);
	pval(&p[1], P_VOUT, 0, 0);
	r = invoke(tee_fd, s, TA_BUF_CMD_CHECKSUM, p, 0);
	check(r == 0 && p[1].a == fnv1a64(b, len), "%s: CHECKSUM of %zu bytes: 0x%x", what, len, r);
	memset(p, 0, sizeof(p));
	pval(&p[0], P_VIN, 0x5a, 0);
	pmem(&p[1], P_MOUT, m->id, off, len);
	r = invoke(tee_fd, s, TA_BUF_CMD_FILL, p, 0);
	for (i = 0; i < len; i++)
		bad += b[i] != 0x5a;
	check(r == 0 && bad == 0, "%s: FILL: 0x%x, %zu bytes wrong", what, r, bad);
	pattern(b, len, 7);
	memset(p, 0, sizeof(p));
	pmem(&p[0], P_MINOUT, m->id, off, len);
	r = invoke(tee_fd, s, TA_BUF_CMD_REVERSE, p, 0);
	{
		uint8_t *ref = malloc(len);

		pattern(ref, len, 7);
		for (i = 0, bad = 0; i < len; i++)
			bad += b[i] != ref[len - 1 - i];
		free(ref);
	}
	check(r == 0 && bad == 0, "%s: REVERSE: 0x%x, %zu bytes wrong", what, r, bad);
	close_session(tee_fd, s);
}

static void t_shm_alloc(void)
{
	static const size_t sizes[] = {4096, 65536, 1 * MiB, 4 * MiB};
	unsigned i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct shm m;
		char what[64];

		snprintf(what, sizeof(what), "SHM_ALLOC %zu KiB", sizes[i] / 1024);
		if (!check(shm_alloc(tee_fd, sizes[i], &m) == 0, "%s: %s", what, strerror(errno)))
			continue;
		buf_ops(&m, 0, sizes[i], what);
		if (sizes[i] > 8192)
			buf_ops(&m, 4096 + 100, sizes[i] - 8192, what); /* an inner range */
		shm_release(&m);
	}
}

static void t_shm_register(void)
{
	static const size_t sizes[] = {4096, 3 * 4096, 1 * MiB, 6 * MiB};
	unsigned i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct shm m;
		char what[64];
		void *va = NULL;

		snprintf(what, sizeof(what), "SHM_REGISTER %zu KiB", sizes[i] / 1024);
		if (posix_memalign(&va, 4096, sizes[i]))
			continue;
		memset(va, 0, sizes[i]);
		if (check(shm_register(tee_fd, va, sizes[i], &m) == 0, "%s: %s", what,
			  strerror(errno))) {
			buf_ops(&m, 0, sizes[i], what);
			if (sizes[i] > 4096)
				buf_ops(&m, 4000, sizes[i] - 5000, what); /* across page boundaries */
			shm_release(&m);
		}
		free(va);
	}
}

/* Temporary buffers the way libteec makes them: registered for one call. */
static void t_temp(void)
{
	size_t len = 2 * MiB + 300;
	uint8_t *in = malloc(len), *out = malloc(len);
	struct tee_ioctl_param p[4];
	struct shm a, b;
	uint32_t s, r;
	unsigned round;

	if (!in || !out || open_session(tee_fd, &ta_buf, &s) != 0) {
		check(0, "temp: setup");
		return;
	}
	for (round = 0; round < 8; round++) {
		size_t n = len - round * 100000;

		pattern(in, n, round);
		memset(out, 0, n);
		if (!check(shm_register(tee_fd, in, n, &a) == 0 && shm_register(tee_fd, out, n, &b) == 0,
			   "temp: register"))
			break;
		memset(p, 0, sizeof(p));
		pmem(&p[0], P_MIN, a.id, 0, n);
		pmem(&p[1], P_MOUT, b.id, 0, n);
		r = invoke(tee_fd, s, TA_BUF_CMD_COPY, p, 0);
		check(r == 0 && memcmp(in, out, n) == 0, "temp COPY %zu bytes (malloc, unaligned): 0x%x",
		      n, r);
		/* too short an output: SHORT_BUFFER and the size needed */
		memset(p, 0, sizeof(p));
		pmem(&p[0], P_MIN, a.id, 0, n);
		pmem(&p[1], P_MOUT, b.id, 0, 10);
		r = invoke(tee_fd, s, TA_BUF_CMD_COPY, p, 0);
		check(r == TEEC_ERROR_SHORT_BUFFER && p[1].b == n, "temp COPY short: 0x%x size %llu",
		      r, (unsigned long long)p[1].b);
		shm_release(&a);
		shm_release(&b);
	}
	close_session(tee_fd, s);
	free(in);
	free(out);
}

static void t_rpc(void)
{
	struct tee_ioctl_param p[4];
	uint32_t s, r;

	r = open_session(tee_fd, &ta_sleep, &s);
	if (!check(r == 0, "open sleep: 0x%x", r))
		return;
	memset(p, 0, sizeof(p));
	pval(&p[0], P_VOUT, 0, 0);
	r = invoke(tee_fd, s, TA_SLEEP_CMD_GET_TIME, p, 0);
	check(r == 0 && p[0].a > 0, "GET_TIME: 0x%x, %llu s", r, (unsigned long long)p[0].a);
	memset(p, 0, sizeof(p));
	pval(&p[0], P_VIN, 200, 0);
	pval(&p[1], P_VOUT, 0, 0);
	r = invoke(tee_fd, s, TA_SLEEP_CMD_RPC_LOOP, p, 0);
	check(r == 0 && p[1].a == 200, "RPC_LOOP 200: 0x%x, %llu done", r,
	      (unsigned long long)p[1].a);
	memset(p, 0, sizeof(p));
	pval(&p[0], P_VIN, 20, 0);
	r = invoke(tee_fd, s, TA_SLEEP_CMD_SUSPEND, p, 0);
	check(r == 0, "SUSPEND 20 ms: 0x%x", r);
	close_session(tee_fd, s);

	/*
	 * RPC-allocated shared memory kept across invokes: kernel type (one
	 * page: the model's limit with dynamic SHM) and application type (the
	 * supplicant's, 64 KiB).
	 */
	{
		static const struct {
			uint32_t type, size;
			const char *name;
		} k[2] = {{OPTEE_RPC_SHM_TYPE_KERNEL, 4096, "kernel"},
			  {OPTEE_RPC_SHM_TYPE_APPL, 64 * 1024, "application"}};
		unsigned j;

		for (j = 0; j < 2; j++) {
			r = open_session(tee_fd, &ta_shmkeep, &s);
			if (!check(r == 0, "open shmkeep: 0x%x", r))
				return;
			memset(p, 0, sizeof(p));
			pval(&p[0], P_VIN, k[j].size, k[j].type);
			r = invoke(tee_fd, s, TA_SHMKEEP_CMD_ALLOC, p, 0);
			/*
			 * Linux 6.1 answers a kernel-type SHM_ALLOC with a contiguous
			 * TMEM_OUTPUT (its private buffers are not "dynamic"), which
			 * teemed refuses (src/rpc.c wants NONCONTIG): OP-TEE then gets
			 * no buffer and the TA says OUT_OF_MEMORY; the driver frees it.
			 */
			if (k[j].type == OPTEE_RPC_SHM_TYPE_KERNEL && r == TEEC_ERROR_OUT_OF_MEMORY) {
				say("linux-tests: known limit: kernel-type RPC SHM_ALLOC answered "
				    "contiguous by Linux, refused by the mediator (OUT_OF_MEMORY)\n");
				memset(p, 0, sizeof(p));
				pval(&p[0], P_VIN, 77, 0);
				r = invoke(tee_fd, s, TA_SHMKEEP_CMD_FILL, p, 0);
				check(r == 0xffff0007u, "SHMKEEP FILL without a buffer: 0x%x", r);
				close_session(tee_fd, s);
				continue;
			}
			check(r == 0, "SHMKEEP ALLOC %u bytes of %s SHM (RPC SHM_ALLOC): 0x%x",
			      k[j].size, k[j].name, r);
			memset(p, 0, sizeof(p));
			pval(&p[0], P_VIN, 77, 0);
			r = invoke(tee_fd, s, TA_SHMKEEP_CMD_FILL, p, 0);
			check(r == 0, "SHMKEEP FILL (%s): 0x%x", k[j].name, r);
			memset(p, 0, sizeof(p));
			pval(&p[0], P_VIN, 77, 0);
			pval(&p[1], P_VOUT, 0, 0);
			r = invoke(tee_fd, s, TA_SHMKEEP_CMD_CHECK, p, 0);
			check(r == 0 && p[1].a == 1, "SHMKEEP CHECK (%s): 0x%x, intact %llu", k[j].name,
			      r, (unsigned long long)p[1].a);
			memset(p, 0, sizeof(p));
			r = invoke(tee_fd, s, TA_SHMKEEP_CMD_FREE, p, 0);
			check(r == 0, "SHMKEEP FREE (%s, RPC SHM_FREE): 0x%x", k[j].name, r);
			close_session(tee_fd, s);
		}
	}

	/* A panicking TA. */
	r = open_session(tee_fd, &ta_panic, &s);
	if (check(r == 0, "open panic TA: 0x%x", r)) {
		memset(p, 0, sizeof(p));
		r = invoke(tee_fd, s, TA_PANIC_CMD_PANIC, p, 0);
		check(r == TEEC_ERROR_TARGET_DEAD, "panic TA: 0x%x", r);
		memset(p, 0, sizeof(p));
		r = invoke(tee_fd, s, TA_PANIC_CMD_PANIC, p, 0);
		check(r == TEEC_ERROR_TARGET_DEAD, "dead session: 0x%x", r);
		close_session(tee_fd, s);
	}
}

static void t_storage(void)
{
	static const size_t sizes[] = {100, 64 * 1024};
	struct tee_ioctl_param p[4];
	uint32_t s, r;
	unsigned i;

	r = open_session(tee_fd, &ta_storage, &s);
	if (!check(r == 0, "open storage: 0x%x", r))
		return;
	for (i = 0; i < 2; i++) {
		size_t n = sizes[i];
		struct shm a, b;
		uint64_t id = 0x1000 + i;

		if (shm_alloc(tee_fd, n, &a) || shm_alloc(tee_fd, n, &b)) {
			check(0, "storage: shm");
			break;
		}
		pattern(a.va, n, 3 + i);
		memset(p, 0, sizeof(p));
		pval(&p[0], P_VIN, id, 0);
		pmem(&p[1], P_MIN, a.id, 0, n);
		r = invoke(tee_fd, s, TA_STORAGE_CMD_WRITE, p, 0);
		check(r == 0, "storage WRITE %zu bytes (FS RPCs to the supplicant): 0x%x", n, r);
		memset(b.va, 0, n);
		memset(p, 0, sizeof(p));
		pval(&p[0], P_VIN, id, 0);
		pmem(&p[1], P_MOUT, b.id, 0, n);
		r = invoke(tee_fd, s, TA_STORAGE_CMD_READ, p, 0);
		check(r == 0 && p[1].b == n && memcmp(a.va, b.va, n) == 0,
		      "storage READ %zu bytes back: 0x%x", n, r);
		memset(p, 0, sizeof(p));
		pval(&p[0], P_VIN, id, 0);
		pmem(&p[1], P_MOUT, b.id, 0, n / 2);
		r = invoke(tee_fd, s, TA_STORAGE_CMD_READ, p, 0);
		check(r == TEEC_ERROR_SHORT_BUFFER && p[1].b == n, "storage short READ: 0x%x", r);
		memset(p, 0, sizeof(p));
		pval(&p[0], P_VIN, id, 0);
		r = invoke(tee_fd, s, TA_STORAGE_CMD_DELETE, p, 0);
		check(r == 0, "storage DELETE: 0x%x", r);
		r = invoke(tee_fd, s, TA_STORAGE_CMD_DELETE, p, 0);
		check(r == TEEC_ERROR_ITEM_NOT_FOUND, "storage DELETE again: 0x%x", r);
		shm_release(&a);
		shm_release(&b);
	}
	close_session(tee_fd, s);
}

/* More concurrent callers than OP-TEE has threads for this guest. */
#define NTHREADS 8
static void *worker(void *arg)
{
	unsigned k = (unsigned)(uintptr_t)arg, i;
	struct tee_ioctl_param p[4];
	uint32_t s, r;

	r = open_session(tee_fd, k & 1 ? &ta_sleep : &ta_arith, &s);
	if (!check(r == 0, "thread %u: open: 0x%x", k, r))
		return NULL;
	for (i = 0; i < 20; i++) {
		memset(p, 0, sizeof(p));
		if (k & 1) {
			pval(&p[0], P_VIN, 20, 0);
			if (i % 4)
				pval(&p[1], P_VOUT, 0, 0);
			r = invoke(tee_fd, s, i % 4 == 0 ? TA_SLEEP_CMD_SUSPEND : TA_SLEEP_CMD_RPC_LOOP,
				   p, 0);
			if (!check(r == 0, "thread %u: sleep call %u: 0x%x", k, i, r))
				break;
		} else {
			pval(&p[0], P_VIN, k, i);
			pval(&p[1], P_VOUT, 0, 0);
			r = invoke(tee_fd, s, TA_ARITH_CMD_ADD, p, 0);
			if (!check(r == 0 && p[1].a == k + i, "thread %u: ADD %u: 0x%x", k, i, r))
				break;
		}
	}
	close_session(tee_fd, s);
	return NULL;
}

static void t_threads(void)
{
	pthread_t th[NTHREADS];
	unsigned i;

	for (i = 0; i < NTHREADS; i++)
		check(pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)i) == 0, "thread %u", i);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
}

/* Cancellation: TEE_IOC_CANCEL of an invoke in flight (the model marks the session). */
struct cancel_arg {
	uint32_t s, r;
};
static void *cancel_target(void *arg)
{
	struct cancel_arg *c = arg;
	struct tee_ioctl_param p[4];

	memset(p, 0, sizeof(p));
	pval(&p[0], P_VIN, 300, 0);
	c->r = invoke(tee_fd, c->s, TA_SLEEP_CMD_SUSPEND, p, 42);
	return NULL;
}

static void t_cancel(void)
{
	struct cancel_arg c;
	struct tee_ioctl_cancel_arg a;
	pthread_t th;
	uint32_t r;

	r = open_session(tee_fd, &ta_sleep, &c.s);
	if (!check(r == 0, "cancel: open: 0x%x", r))
		return;
	pthread_create(&th, NULL, cancel_target, &c);
	usleep(50000);
	a.cancel_id = 42;
	a.session = c.s;
	check(ioctl(tee_fd, TEE_IOC_CANCEL, &a) == 0, "TEE_IOC_CANCEL: %s", strerror(errno));
	pthread_join(th, NULL);
	check(c.r == 0 || c.r == TEEC_ERROR_CANCEL, "cancelled invoke ended: 0x%x", c.r);
	close_session(tee_fd, c.s);
}

/* --- setup --- */

static int load_module(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = (int)syscall(SYS_finit_module, fd, "", 0);
	close(fd);
	return rc;
}

static int wait_for(const char *path, unsigned ms)
{
	while (access(path, F_OK)) {
		if (ms < 10)
			return -1;
		usleep(10000);
		ms -= 10;
	}
	return 0;
}

int main(void)
{
	struct timespec t0, t1;
	pthread_t supp;

	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("tmpfs", "/data", "tmpfs", 0, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	say("linux-tests: /init up, loading tee.ko and optee.ko\n");
	if (!check(load_module("/lib/modules/tee.ko") == 0, "insmod tee.ko: %s", strerror(errno)) ||
	    !check(load_module("/lib/modules/optee.ko") == 0, "insmod optee.ko: %s",
		   strerror(errno)) ||
	    !check(wait_for("/dev/tee0", 10000) == 0, "/dev/tee0 did not appear") ||
	    !check(wait_for("/dev/teepriv0", 1000) == 0, "/dev/teepriv0 did not appear"))
		goto out;
	tee_fd = open("/dev/tee0", O_RDWR);
	supp_priv_fd = open("/dev/teepriv0", O_RDWR);
	if (!check(tee_fd >= 0 && supp_priv_fd >= 0, "open /dev/tee0, /dev/teepriv0: %s",
		   strerror(errno)))
		goto out;
	pthread_create(&supp, NULL, supplicant, NULL);
	usleep(100000); /* the devices the PTA reports are added from a work queue */
	t_version();
	t_devices();
	t_values();
	say("linux-tests: values and sessions: %lu passed, %lu failed so far\n", passed, failed);
	t_shm_alloc();
	t_shm_register();
	t_temp();
	say("linux-tests: shared memory: %lu passed, %lu failed so far\n", passed, failed);
	t_rpc();
	t_storage();
	say("linux-tests: RPCs, storage (%lu supplicant requests): %lu passed, %lu failed so far\n",
	    supp_served, passed, failed);
	t_threads();
	t_cancel();
out:
	clock_gettime(CLOCK_MONOTONIC, &t1);
	say("linux-tests: %lu passed, %lu failed (%ld ms)\n", passed, failed,
	    (long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
	sync();
	usleep(100000);
	reboot(failed ? LINUX_REBOOT_CMD_RESTART : LINUX_REBOOT_CMD_POWER_OFF);
	for (;;)
		pause();
}
