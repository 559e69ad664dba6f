/* See include/CHugetlbProbe.h. The structures and ioctl numbers are the kernel's
 * (include/uapi/linux/userfaultfd.h), written out here so that building does not depend on
 * how new the installed kernel headers are (Debian 12's lack POISON). */
#define _GNU_SOURCE
#include "CHugetlbProbe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 0x0001U
#endif
#ifndef MFD_HUGETLB
#define MFD_HUGETLB 0x0004U
#endif
#define HP_MFD_HUGE_SHIFT 26
#ifndef MAP_HUGETLB
#define MAP_HUGETLB 0x40000
#endif
#ifndef MADV_REMOVE
#define MADV_REMOVE 9
#endif
#define HP_MADV_POPULATE_READ 22
#define HP_MADV_POPULATE_WRITE 23
#define HP_FALLOC_FL_KEEP_SIZE 0x01
#define HP_FALLOC_FL_PUNCH_HOLE 0x02
#define HP_UFFD_USER_MODE_ONLY 1
#define HP_PR_SET_VMA 0x53564d41
#define HP_PR_SET_VMA_ANON_NAME 0

struct hp_uffdio_api { uint64_t api, features, ioctls; };
struct hp_uffdio_range { uint64_t start, len; };
struct hp_uffdio_register { struct hp_uffdio_range range; uint64_t mode, ioctls; };
struct hp_uffdio_copy { uint64_t dst, src, len, mode; int64_t copy; };
struct hp_uffdio_writeprotect { struct hp_uffdio_range range; uint64_t mode; };
struct hp_uffdio_continue { struct hp_uffdio_range range; uint64_t mode; int64_t mapped; };
struct hp_uffdio_poison { struct hp_uffdio_range range; uint64_t mode; int64_t updated; };

#define HP_UFFDIO 0xAA
#define HP_UFFDIO_API _IOWR(HP_UFFDIO, 0x3F, struct hp_uffdio_api)
#define HP_UFFDIO_REGISTER _IOWR(HP_UFFDIO, 0x00, struct hp_uffdio_register)
#define HP_UFFDIO_UNREGISTER _IOR(HP_UFFDIO, 0x01, struct hp_uffdio_range)
#define HP_UFFDIO_COPY _IOWR(HP_UFFDIO, 0x03, struct hp_uffdio_copy)
#define HP_UFFDIO_WRITEPROTECT _IOWR(HP_UFFDIO, 0x06, struct hp_uffdio_writeprotect)
#define HP_UFFDIO_CONTINUE _IOWR(HP_UFFDIO, 0x07, struct hp_uffdio_continue)
#define HP_UFFDIO_POISON _IOWR(HP_UFFDIO, 0x08, struct hp_uffdio_poison)
#define HP_USERFAULTFD_IOC_NEW _IO(HP_UFFDIO, 0x00)
#define HP_UFFDIO_WRITEPROTECT_MODE_WP 1ULL

static int fail(void) { return errno ? -errno : -EIO; }

int hp_memfd(const char *name, uint64_t page_size) {
    unsigned int flags = MFD_CLOEXEC;
    if (page_size) {
        int shift = 0;
        while (shift < 63 && (1ULL << shift) < page_size) shift++;
        if ((1ULL << shift) != page_size) return -EINVAL;
        flags |= MFD_HUGETLB | ((unsigned int)shift << HP_MFD_HUGE_SHIFT);
    }
#ifdef SYS_memfd_create
    long fd = syscall(SYS_memfd_create, name, flags);
    return fd < 0 ? fail() : (int)fd;
#else
    (void)name;
    return -ENOSYS;
#endif
}

int hp_truncate(int fd, uint64_t length) {
    return ftruncate(fd, (off_t)length) == 0 ? 0 : fail();
}

int64_t hp_file_blocks(int fd) {
    struct stat st;
    if (fstat(fd, &st) != 0) return fail();
    return (int64_t)st.st_blocks;
}

int hp_map(uint64_t length, int kind, int fd, void **out) {
    int flags;
    switch (kind) {
    case HP_MAP_SHARED_FILE: flags = MAP_SHARED; break;
    case HP_MAP_PRIVATE_FILE: flags = MAP_PRIVATE; break;
    case HP_MAP_PRIVATE_FILE_NORESERVE: flags = MAP_PRIVATE | MAP_NORESERVE; break;
    case HP_MAP_ANONYMOUS: flags = MAP_PRIVATE | MAP_ANONYMOUS; fd = -1; break;
    default: return -EINVAL;
    }
    void *p = mmap(NULL, (size_t)length, PROT_READ | PROT_WRITE, flags, fd, 0);
    if (p == MAP_FAILED) return fail();
    /* Name anonymous memory "[anon:hugectl-probe]" in /proc/PID/maps (5.17+, where configured),
     * like the memfds' "/memfd:hugectl-probe": what the probe holds can be told apart. */
    if (kind == HP_MAP_ANONYMOUS) {
        int saved = errno;
        (void)prctl(HP_PR_SET_VMA, HP_PR_SET_VMA_ANON_NAME, (unsigned long)p, (unsigned long)length, "hugectl-probe");
        errno = saved;
    }
    *out = p;
    return 0;
}

int hp_unmap(void *addr, uint64_t length) {
    return munmap(addr, (size_t)length) == 0 ? 0 : fail();
}

int hp_discard(int call, void *addr, int fd, uint64_t length) {
    switch (call) {
    case HP_DISCARD_DONTNEED: return madvise(addr, (size_t)length, MADV_DONTNEED) == 0 ? 0 : fail();
    case HP_DISCARD_REMOVE: return madvise(addr, (size_t)length, MADV_REMOVE) == 0 ? 0 : fail();
    case HP_DISCARD_PUNCH_HOLE:
        if (fd < 0) return -EBADF;
        return fallocate(fd, HP_FALLOC_FL_PUNCH_HOLE | HP_FALLOC_FL_KEEP_SIZE, 0, (off_t)length) == 0 ? 0 : fail();
    default: return -EINVAL;
    }
}

/* The base page holding addr, for madvise. */
static void *page_of(const void *addr) {
    long size = sysconf(_SC_PAGESIZE);
    uintptr_t mask = (uintptr_t)(size > 0 ? size : 4096) - 1;
    return (void *)((uintptr_t)addr & ~mask);
}

static int populate(const void *addr, int advice) {
    long size = sysconf(_SC_PAGESIZE);
    return madvise(page_of(addr), (size_t)(size > 0 ? size : 4096), advice) == 0 ? 0 : fail();
}

int hp_peek(const void *addr, unsigned char *out) {
    unsigned char byte = 0;
    struct iovec local = { &byte, 1 }, remote = { (void *)addr, 1 };
    ssize_t n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
    if (n == 1) { *out = byte; return 0; }
    if (n >= 0) return -EIO;
    if (errno == EFAULT || errno == ENOMEM) return -EFAULT;
    /* Refused outright (seccomp, no CONFIG_CROSS_MEMORY_ATTACH): fault it in another way. */
    int rc = populate(addr, HP_MADV_POPULATE_READ);
    if (rc != 0) return rc;
    *out = *(const volatile unsigned char *)addr;
    return 0;
}

int hp_poke(void *addr, unsigned char value) {
    unsigned char byte = value;
    struct iovec local = { &byte, 1 }, remote = { addr, 1 };
    ssize_t n = process_vm_writev(getpid(), &local, 1, &remote, 1, 0);
    if (n == 1) return 0;
    if (n >= 0) return -EIO;
    if (errno == EFAULT || errno == ENOMEM) return -EFAULT;
    int rc = populate(addr, HP_MADV_POPULATE_WRITE);
    if (rc != 0) return rc;
    *(volatile unsigned char *)addr = value;
    return 0;
}

int hp_page_present(const void *addr) {
    long size = sysconf(_SC_PAGESIZE);
    if (size <= 0) size = 4096;
    int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail();
    uint64_t entry = 0;
    off_t offset = (off_t)(((uintptr_t)addr / (uintptr_t)size) * sizeof entry);
    ssize_t n = pread(fd, &entry, sizeof entry, offset);
    int err = errno;
    close(fd);
    if (n != (ssize_t)sizeof entry) return n < 0 ? -err : -EIO;
    return (entry >> 63) & 1 ? 1 : 0;
}

int hp_uffd_open(int how) {
    int flags = O_CLOEXEC | O_NONBLOCK;
    if (how == 0 || how == 1) {
#ifdef SYS_userfaultfd
        long fd = syscall(SYS_userfaultfd, flags | (how == 1 ? HP_UFFD_USER_MODE_ONLY : 0));
        return fd < 0 ? fail() : (int)fd;
#else
        return -ENOSYS;
#endif
    }
    if (how != 2) return -EINVAL;
    int dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
    if (dev < 0) return fail();
    int fd = ioctl(dev, HP_USERFAULTFD_IOC_NEW, flags);
    int err = errno;
    close(dev);
    return fd < 0 ? -err : fd;
}

int hp_uffd_api(int fd, uint64_t features, uint64_t *api, uint64_t *features_out, uint64_t *ioctls) {
    struct hp_uffdio_api a = { 0xAA, features, 0 };
    if (ioctl(fd, HP_UFFDIO_API, &a) != 0) return fail();
    *api = a.api;
    *features_out = a.features;
    *ioctls = a.ioctls;
    return 0;
}

int hp_uffd_register(int fd, void *addr, uint64_t length, uint64_t mode, uint64_t *ioctls) {
    struct hp_uffdio_register r = { { (uint64_t)(uintptr_t)addr, length }, mode, 0 };
    if (ioctl(fd, HP_UFFDIO_REGISTER, &r) != 0) return fail();
    *ioctls = r.ioctls;
    return 0;
}

int hp_uffd_unregister(int fd, void *addr, uint64_t length) {
    struct hp_uffdio_range r = { (uint64_t)(uintptr_t)addr, length };
    return ioctl(fd, HP_UFFDIO_UNREGISTER, &r) == 0 ? 0 : fail();
}

int hp_uffd_copy(int fd, void *dst, const void *src, uint64_t length, int64_t *done) {
    struct hp_uffdio_copy c = { (uint64_t)(uintptr_t)dst, (uint64_t)(uintptr_t)src, length, 0, 0 };
    int rc = ioctl(fd, HP_UFFDIO_COPY, &c) == 0 ? 0 : fail();
    *done = c.copy;
    return rc;
}

int hp_uffd_writeprotect(int fd, void *addr, uint64_t length, int protect) {
    struct hp_uffdio_writeprotect w = { { (uint64_t)(uintptr_t)addr, length }, protect ? HP_UFFDIO_WRITEPROTECT_MODE_WP : 0 };
    return ioctl(fd, HP_UFFDIO_WRITEPROTECT, &w) == 0 ? 0 : fail();
}

int hp_uffd_continue(int fd, void *addr, uint64_t length, int64_t *done) {
    struct hp_uffdio_continue c = { { (uint64_t)(uintptr_t)addr, length }, 0, 0 };
    int rc = ioctl(fd, HP_UFFDIO_CONTINUE, &c) == 0 ? 0 : fail();
    *done = c.mapped;
    return rc;
}

int hp_uffd_poison(int fd, void *addr, uint64_t length, int64_t *done) {
    struct hp_uffdio_poison p = { { (uint64_t)(uintptr_t)addr, length }, 0, 0 };
    int rc = ioctl(fd, HP_UFFDIO_POISON, &p) == 0 ? 0 : fail();
    *done = p.updated;
    return rc;
}

void hp_close(int fd) {
    int saved = errno;
    if (fd >= 0) close(fd);
    errno = saved;
}
