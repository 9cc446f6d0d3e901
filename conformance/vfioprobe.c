/*
 * vfioprobe: issues VFIO type1 container ioctls one per input line and prints
 * each result, so doorbell's kernel model can be diffed against a real kernel.
 * Built statically by conformance/setup.sh; runs inside the test guests.
 *
 * Input (stdin), one command per line; '#' starts a comment:
 *   case NAME          close everything (a fresh container follows); prints CASE NAME
 *   limit N            vfio_iommu_type1 dma_entry_limit := N (applies to the next container)
 *   container          open /dev/vfio/vfio
 *   group N            open /dev/vfio/N, VFIO_GROUP_SET_CONTAINER
 *   iommu type1v2|type1  VFIO_SET_IOMMU
 *   info               VFIO_IOMMU_GET_INFO: prints RANGE lines (valid IOVA ranges)
 *   map IOVA SIZE      VFIO_IOMMU_MAP_DMA of fresh anonymous memory, read/write
 *   map! IOVA SIZE     the same, issued beyond PIN_CAP (for maps the kernel must
 *                      refuse: vfio_dma_do_map validates before it pins)
 *   unmap IOVA SIZE    VFIO_IOMMU_UNMAP_DMA
 * Output: "STEP <command> = 0" or "STEP <command> = -<ERRNO NAME>",
 *         "RANGE 0x<start> 0x<inclusive end>".
 *
 * A successful map pins its memory: a case may pin at most PIN_CAP bytes; a
 * plain map beyond that is not issued and prints "= SKIPPED-PIN-CAP".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/vfio.h>

#define PIN_CAP (512ULL << 20)
#define MAX_GROUPS 256

static int container = -1;
static int group_fd[MAX_GROUPS];
static unsigned long long pinned;

static const char *errno_name(int e)
{
	static const struct { int e; const char *n; } names[] = {
		{ EINVAL, "EINVAL" }, { EEXIST, "EEXIST" }, { EPERM, "EPERM" }, { EBUSY, "EBUSY" },
		{ ENOSPC, "ENOSPC" }, { ENOMEM, "ENOMEM" }, { EFAULT, "EFAULT" }, { ENODEV, "ENODEV" },
		{ ENOENT, "ENOENT" }, { EADDRINUSE, "EADDRINUSE" }, { ENOTTY, "ENOTTY" },
		{ EACCES, "EACCES" }, { EOVERFLOW, "EOVERFLOW" },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == e)
			return names[i].n;
	return "E?";
}

static void step(const char *cmd, int rc)
{
	if (rc < 0)
		printf("STEP %s = -%s\n", cmd, errno_name(errno));
	else
		printf("STEP %s = 0\n", cmd);
}

static void reset(void)
{
	for (int g = 0; g < MAX_GROUPS; g++)
		if (group_fd[g] > 0) {
			close(group_fd[g]);
			group_fd[g] = 0;
		}
	if (container >= 0)
		close(container);
	container = -1;
	pinned = 0;
}

static void info(const char *cmd)
{
	struct vfio_iommu_type1_info *in = calloc(1, sizeof(*in));
	in->argsz = sizeof(*in);
	if (ioctl(container, VFIO_IOMMU_GET_INFO, in) == 0 && in->argsz > sizeof(*in)) {
		uint32_t sz = in->argsz;
		in = realloc(in, sz);
		memset(in, 0, sz);
		in->argsz = sz;
	}
	int rc = ioctl(container, VFIO_IOMMU_GET_INFO, in);
	if (rc == 0 && (in->flags & VFIO_IOMMU_INFO_CAPS)) {
		for (uint32_t off = in->cap_offset; off; ) {
			struct vfio_info_cap_header *h = (void *)((char *)in + off);
			if (h->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
				struct vfio_iommu_type1_info_cap_iova_range *r = (void *)h;
				for (uint32_t i = 0; i < r->nr_iovas; i++)
					printf("RANGE 0x%llx 0x%llx\n", (unsigned long long)r->iova_ranges[i].start,
					       (unsigned long long)r->iova_ranges[i].end);
			}
			off = h->next;
		}
	}
	step(cmd, rc);
	free(in);
}

static void map(const char *cmd, uint64_t iova, uint64_t size, int force)
{
	if (!force && pinned + size > PIN_CAP) {
		printf("STEP %s = SKIPPED-PIN-CAP\n", cmd);
		return;
	}
	size_t len = size ? size : 4096;
	void *va = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (va == MAP_FAILED) {
		printf("STEP %s = MMAP-FAILED\n", cmd);
		return;
	}
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m), .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)va, .iova = iova, .size = size,
	};
	int rc = ioctl(container, VFIO_IOMMU_MAP_DMA, &m);
	step(cmd, rc);
	if (rc < 0)
		munmap(va, len);
	else
		pinned += size;
}

static void run(char *line)
{
	char cmd[256], *w[3] = { 0 }, *save = NULL;
	int n = 0;
	line[strcspn(line, "#\r\n")] = 0;
	for (char *t = strtok_r(line, " \t", &save); t && n < 3; t = strtok_r(NULL, " \t", &save))
		w[n++] = t;
	if (!n)
		return;
	snprintf(cmd, sizeof(cmd), "%s%s%s%s%s", w[0], n > 1 ? " " : "", n > 1 ? w[1] : "", n > 2 ? " " : "", n > 2 ? w[2] : "");

	if (!strcmp(w[0], "case")) {
		reset();
		printf("CASE %s\n", n > 1 ? w[1] : "?");
	} else if (!strcmp(w[0], "limit") && n == 2) {
		FILE *f = fopen("/sys/module/vfio_iommu_type1/parameters/dma_entry_limit", "w");
		int rc = f && fprintf(f, "%s\n", w[1]) > 0 ? 0 : -1;
		if (f && fclose(f))
			rc = -1;
		step(cmd, rc);
	} else if (!strcmp(w[0], "container")) {
		container = open("/dev/vfio/vfio", O_RDWR);
		step(cmd, container);
	} else if (!strcmp(w[0], "group") && n == 2) {
		int g = atoi(w[1]);
		char path[32];
		if (g < 0 || g >= MAX_GROUPS) {
			printf("STEP %s = BAD-GROUP\n", cmd);
			return;
		}
		snprintf(path, sizeof(path), "/dev/vfio/%d", g);
		if (group_fd[g] <= 0)
			group_fd[g] = open(path, O_RDWR);
		if (group_fd[g] < 0) {
			step(cmd, -1);
			group_fd[g] = 0;
			return;
		}
		step(cmd, ioctl(group_fd[g], VFIO_GROUP_SET_CONTAINER, &container));
	} else if (!strcmp(w[0], "iommu") && n == 2) {
		step(cmd, ioctl(container, VFIO_SET_IOMMU, strcmp(w[1], "type1") ? VFIO_TYPE1v2_IOMMU : VFIO_TYPE1_IOMMU));
	} else if (!strcmp(w[0], "info")) {
		info(cmd);
	} else if ((!strcmp(w[0], "map") || !strcmp(w[0], "map!")) && n == 3) {
		map(cmd, strtoull(w[1], NULL, 0), strtoull(w[2], NULL, 0), w[0][3] == '!');
	} else if (!strcmp(w[0], "unmap") && n == 3) {
		struct vfio_iommu_type1_dma_unmap u = {
			.argsz = sizeof(u), .iova = strtoull(w[1], NULL, 0), .size = strtoull(w[2], NULL, 0),
		};
		step(cmd, ioctl(container, VFIO_IOMMU_UNMAP_DMA, &u));
	} else {
		printf("STEP %s = UNKNOWN-COMMAND\n", cmd);
	}
}

int main(void)
{
	char line[512];
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stdin))
		run(line);
	reset();
	return 0;
}
