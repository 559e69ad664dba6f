/*
 * The few calls `hugectl features --probe` needs that Swift cannot make itself: the variadic
 * syscall() and ioctl() with the kernel's structure layouts, memfd_create, and memory access
 * that reports a fault as an error instead of a signal.
 *
 * Rules: every function returns 0 (or a file descriptor) on success and -errno on failure;
 * none keeps state, starts a thread, installs a signal handler, or keeps anything open or
 * mapped after it returns — what it creates (an fd, a mapping) is handed to the caller, who
 * owns it from then on.
 */
#ifndef CHUGETLBPROBE_H
#define CHUGETLBPROBE_H

#include <stddef.h>
#include <stdint.h>

/* Registration modes (UFFDIO_REGISTER_MODE_*). */
#define HP_UFFD_MODE_MISSING 1ULL
#define HP_UFFD_MODE_WP 2ULL
#define HP_UFFD_MODE_MINOR 4ULL

/* UFFD_FEATURE_SIGBUS: a fault in a registered range fails (SIGBUS, or EFAULT for a system
 * call) instead of waiting for a handler, so nothing the probe does can ever block. */
#define HP_UFFD_FEATURE_SIGBUS (1ULL << 7)

/* Mapping kinds for hp_map. */
#define HP_MAP_SHARED_FILE 1
#define HP_MAP_PRIVATE_FILE 2
#define HP_MAP_PRIVATE_FILE_NORESERVE 3
#define HP_MAP_ANONYMOUS 4

/* Discard calls for hp_discard. */
#define HP_DISCARD_DONTNEED 1
#define HP_DISCARD_REMOVE 2
#define HP_DISCARD_PUNCH_HOLE 3

/* memfd_create(name, MFD_CLOEXEC [| MFD_HUGETLB | log2(page_size) << MFD_HUGE_SHIFT]);
 * page_size 0 means an ordinary (shmem) memfd. */
int hp_memfd(const char *name, uint64_t page_size);

/* ftruncate(fd, length). */
int hp_truncate(int fd, uint64_t length);

/* fstat(fd).st_blocks: 512-byte blocks the file holds, or -errno. */
int64_t hp_file_blocks(int fd);

/* mmap(NULL, length, PROT_READ|PROT_WRITE, kind, fd, 0); *out is the address. */
int hp_map(uint64_t length, int kind, int fd, void **out);

/* munmap(addr, length). */
int hp_unmap(void *addr, uint64_t length);

/* One discard call on [addr, addr + length) (or the file's [0, length) for the hole punch). */
int hp_discard(int call, void *addr, int fd, uint64_t length);

/* Reads / writes one byte at addr through process_vm_readv/writev on this process, so that a
 * fault the kernel cannot satisfy (no huge page: what would be SIGBUS) comes back as -EFAULT.
 * Where those calls are refused (a seccomp filter), MADV_POPULATE_READ/WRITE (5.14+) fault the
 * page in first with the same effect, then the byte is accessed directly. */
int hp_peek(const void *addr, unsigned char *out);
int hp_poke(void *addr, unsigned char value);

/* Is the page at addr mapped in this process (/proc/self/pagemap bit 63)? 1, 0 or -errno. */
int hp_page_present(const void *addr);

/* A userfaultfd: how = 0 plain userfaultfd(2), 1 with UFFD_USER_MODE_ONLY, 2 through
 * /dev/userfaultfd and USERFAULTFD_IOC_NEW. Always O_CLOEXEC | O_NONBLOCK. */
int hp_uffd_open(int how);

/* UFFDIO_API asking for `features`; the kernel's answer in the out parameters. */
int hp_uffd_api(int fd, uint64_t features, uint64_t *api, uint64_t *features_out, uint64_t *ioctls);

int hp_uffd_register(int fd, void *addr, uint64_t length, uint64_t mode, uint64_t *ioctls);
int hp_uffd_unregister(int fd, void *addr, uint64_t length);

/* UFFDIO_COPY from src; *done is the kernel's `copy` field. */
int hp_uffd_copy(int fd, void *dst, const void *src, uint64_t length, int64_t *done);
/* UFFDIO_WRITEPROTECT with or without MODE_WP. */
int hp_uffd_writeprotect(int fd, void *addr, uint64_t length, int protect);
/* UFFDIO_CONTINUE; *done is `mapped`. */
int hp_uffd_continue(int fd, void *addr, uint64_t length, int64_t *done);
/* UFFDIO_POISON (6.6+); *done is `updated`. */
int hp_uffd_poison(int fd, void *addr, uint64_t length, int64_t *done);

/* close(fd), keeping errno out of it. */
void hp_close(int fd);

#endif
