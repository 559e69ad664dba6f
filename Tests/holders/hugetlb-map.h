/* The hugetlb mappings a holder makes, one of each kind: anonymous shared/private, a hugetlbfs
 * file shared/private, SysV shared memory, memfd shared/private. Shared by
 * Tests/holders/holder.c (live tests) and Tests/vm/vmhold.c (VM guests). Header-only: each
 * program is one gcc command. */
#ifndef HUGECTL_HUGETLB_MAP_H
#define HUGECTL_HUGETLB_MAP_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "hugetlb-flags.h"

enum kind { K_NONE, K_ANON_SHARED, K_ANON_PRIVATE, K_FILE_SHARED, K_FILE_PRIVATE, K_SYSV,
            K_MEMFD_SHARED, K_MEMFD_PRIVATE };

/* The --kind names. */
static const struct { const char *name; enum kind kind; } kinds[] = {
    {"anon-shared", K_ANON_SHARED},   {"anon-private", K_ANON_PRIVATE},
    {"file-shared", K_FILE_SHARED},   {"file-private", K_FILE_PRIVATE},
    {"sysv", K_SYSV},                 {"memfd-shared", K_MEMFD_SHARED},
    {"memfd-private", K_MEMFD_PRIVATE},
};

/* The kind named `text`, or K_NONE; its name (static) in *name when found. */
static enum kind kind_named(const char *text, const char **name) {
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strcmp(text, kinds[i].name) == 0) {
            if (name) *name = kinds[i].name;
            return kinds[i].kind;
        }
    }
    return K_NONE;
}

/* What a mapping is, and what it leaves for the cleanup paths to close or remove. */
struct hugetlb_map {
    enum kind kind;
    size_t len;             /* bytes mapped */
    unsigned size_shift;    /* log2 of the page size for MAP_HUGE_*, 0 for the default size */
    int noreserve;          /* MAP_NORESERVE / SHM_NORESERVE */
    const char *path;       /* the hugetlbfs file, for K_FILE_* (created, grown to offset + len) */
    const char *memfd_name; /* for K_MEMFD_* */
    off_t offset;           /* where in the file or memfd the mapping starts */
    int fd;                 /* out: the file or memfd, else -1 */
    volatile sig_atomic_t *shm_id; /* where the SysV segment's id goes as soon as it exists (the
                                      caller's signal handlers remove it), else -1 */
    const char *step;       /* out, on failure: the call that failed */
};

/* Maps `m`: returns the address, or MAP_FAILED with errno set and m->step naming the call that
 * failed (open, fstat, ftruncate or memfd_create set the object up; mmap, shmget or shmat are
 * what the kernel answered the mapping itself). */
static void *hugetlb_map(struct hugetlb_map *m) {
    int prot = PROT_READ | PROT_WRITE;
    int extra = m->noreserve ? MAP_NORESERVE : 0;
    int size_flag = (int)(m->size_shift << MAP_HUGE_SHIFT);
    int shared = m->kind == K_ANON_SHARED || m->kind == K_FILE_SHARED || m->kind == K_MEMFD_SHARED;
    void *p = MAP_FAILED;
    m->fd = -1;
    *m->shm_id = -1;
    m->step = "mmap";
    switch (m->kind) {
    case K_ANON_SHARED:
    case K_ANON_PRIVATE:
        p = mmap(NULL, m->len, prot, (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS | MAP_HUGETLB | size_flag | extra,
                 -1, 0);
        break;
    case K_FILE_SHARED:
    case K_FILE_PRIVATE: {
        struct stat st;
        m->step = "open";
        m->fd = open(m->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (m->fd < 0) return MAP_FAILED;
        m->step = "fstat";
        if (fstat(m->fd, &st) < 0) return MAP_FAILED;
        m->step = "ftruncate";
        if (st.st_size < m->offset + (off_t)m->len && ftruncate(m->fd, m->offset + (off_t)m->len) < 0) return MAP_FAILED;
        m->step = "mmap";
        p = mmap(NULL, m->len, prot, (shared ? MAP_SHARED : MAP_PRIVATE) | extra, m->fd, m->offset);
        break;
    }
    case K_MEMFD_SHARED:
    case K_MEMFD_PRIVATE:
        m->step = "memfd_create";
        m->fd = memfd_create(m->memfd_name, MFD_HUGETLB | (unsigned)size_flag | MFD_CLOEXEC);
        if (m->fd < 0) return MAP_FAILED;
        /* memfd reserves nothing at ftruncate: a failure here is one of the set-up */
        m->step = "ftruncate";
        if (ftruncate(m->fd, m->offset + (off_t)m->len) < 0) return MAP_FAILED;
        m->step = "mmap";
        p = mmap(NULL, m->len, prot, (shared ? MAP_SHARED : MAP_PRIVATE) | extra, m->fd, m->offset);
        break;
    case K_SYSV: {
        m->step = "shmget";
        int id = shmget(IPC_PRIVATE, m->len, IPC_CREAT | 0600 | SHM_HUGETLB | size_flag | (m->noreserve ? SHM_NORESERVE : 0));
        if (id < 0) return MAP_FAILED;
        *m->shm_id = id;
        m->step = "shmat";
        p = shmat(id, NULL, 0);
        if (p == (void *)-1) p = MAP_FAILED;
        break;
    }
    case K_NONE:
        errno = EINVAL;
        break;
    }
    return p;
}

#endif
