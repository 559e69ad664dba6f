/*
 * mapper: load generator for bench/scan-bench. Holds many ordinary mappings (and optionally
 * one hugetlb mapping), says "ready" on stdout, then sleeps until killed.
 *
 *   gcc -O2 -static -o mapper bench/mapper.c      (scan-bench does this in its temp dir)
 *
 * Options:
 *   --maps M         ordinary mappings to create (default 320). One or two base pages each,
 *                    cycling anon rw (written) / file r / anon r / file r (read) / anon none,
 *                    so that no two neighbours can merge into one VMA.
 *   --file PATH      file for the file-backed mappings (at least 4 pages; offsets wrap
 *                    around it); without it, every mapping is anonymous (protections still
 *                    alternate: anon rw / r / rx / r / none).
 *   --huge KIND      also one hugetlb mapping of 2M pages: anon-shared | anon-private |
 *                    file-shared | memfd | sysv
 *   --huge-pages N   its length in 2M pages (default 1); every page is written (faulted)
 *   --huge-path F    file-shared: a file on a 2M hugetlbfs mount (created, kept open)
 *   --huge-files N   with --huge-dir D: N files D/rtemap_0.. of one 2M page each, each mapped
 *                    MAP_SHARED (its own VMA), written, and kept open: DPDK's legacy
 *                    one-file-per-page layout
 *
 * The process dies with its parent (PR_SET_PDEATHSIG), so a killed benchmark leaves nothing.
 * A sysv segment is IPC_RMID'd as soon as it is attached: it goes away with the process.
 * Errors: "error <what>: <strerror>" on stdout and exit 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../Tests/holders/hugetlb-flags.h"

#define HUGE_2M (2UL << 20)

static void die(const char *what)
{
    printf("error %s: %s\n", what, strerror(errno));
    fflush(stdout);
    exit(1);
}

static void touch(volatile char *p, size_t len, size_t step)
{
    for (size_t off = 0; off < len; off += step) p[off] = 1;
}

int main(int argc, char **argv)
{
    long maps = 320, huge_pages = 1;
    const char *file = NULL, *huge = NULL, *huge_path = NULL, *huge_dir = NULL;
    long huge_files = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) { errno = EINVAL; die(a); }
        if (!strcmp(a, "--maps")) maps = atol(v);
        else if (!strcmp(a, "--file")) file = v;
        else if (!strcmp(a, "--huge")) huge = v;
        else if (!strcmp(a, "--huge-pages")) huge_pages = atol(v);
        else if (!strcmp(a, "--huge-path")) huge_path = v;
        else if (!strcmp(a, "--huge-files")) huge_files = atol(v);
        else if (!strcmp(a, "--huge-dir")) huge_dir = v;
        else { errno = EINVAL; die(a); }
        i++;
    }
    pid_t parent = getppid();
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) die("prctl");
    if (getppid() != parent) return 0; /* the parent is already gone */

    long page = sysconf(_SC_PAGESIZE);
    int fd = -1;
    long file_pages = 0;
    if (file) {
        struct stat st;
        if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0) die("open file");
        if (fstat(fd, &st) != 0) die("fstat file");
        file_pages = st.st_size / page;
        if (file_pages < 4) { errno = EINVAL; die("file too small"); }
    }

    /* Ordinary mappings: 5 kinds in turn, 1 or 2 pages, no two neighbours alike. */
    long file_page = 0;
    for (long i = 0; i < maps; i++) {
        size_t len = (size_t)page * (1 + (i / 5) % 2);
        int kind = i % 5;
        if (fd < 0 && (kind == 1 || kind == 3)) kind = kind == 1 ? 5 : 6;
        void *p;
        switch (kind) {
        case 0: /* anon rw, written: resident, like a heap or stack page */
            p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p == MAP_FAILED) die("mmap anon rw");
            touch(p, len, page);
            break;
        case 1: /* file r, not read */
        case 3: /* file r, read: page cache, like a library's text */
            p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, file_page * page);
            if (p == MAP_FAILED) die("mmap file");
            file_page = (file_page + 2) % (file_pages - 2); /* never adjacent: no merging */
            if (kind == 3) for (size_t off = 0; off < len; off += page) (void)*(volatile char *)((char *)p + off);
            break;
        case 2:
        case 5:
            p = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p == MAP_FAILED) die("mmap anon r");
            break;
        case 6:
            p = mmap(NULL, len, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p == MAP_FAILED) die("mmap anon rx");
            break;
        default: /* 4: anon none, like a guard page */
            p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p == MAP_FAILED) die("mmap anon none");
            break;
        }
    }

    if (huge) {
        size_t len = (size_t)huge_pages * HUGE_2M;
        char *p = MAP_FAILED;
        if (!strcmp(huge, "anon-shared")) {
            p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
        } else if (!strcmp(huge, "anon-private")) {
            p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
        } else if (!strcmp(huge, "file-shared")) {
            if (!huge_path) { errno = EINVAL; die("--huge-path"); }
            int hfd = open(huge_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600); /* kept open */
            if (hfd < 0) die("open huge file");
            if (ftruncate(hfd, (off_t)len) != 0) die("ftruncate huge file");
            p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, hfd, 0);
        } else if (!strcmp(huge, "memfd")) {
            int mfd = memfd_create("scan-bench", MFD_CLOEXEC | MFD_HUGETLB); /* kept open */
            if (mfd < 0) die("memfd_create");
            if (ftruncate(mfd, (off_t)len) != 0) die("ftruncate memfd");
            p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
        } else if (!strcmp(huge, "sysv")) {
            int id = shmget(IPC_PRIVATE, len, IPC_CREAT | SHM_HUGETLB | 0600);
            if (id < 0) die("shmget");
            p = shmat(id, NULL, 0);
            int saved = errno;
            shmctl(id, IPC_RMID, NULL);
            errno = saved;
            if (p == (void *)-1) die("shmat");
        } else {
            errno = EINVAL;
            die(huge);
        }
        if (p == MAP_FAILED) die("mmap huge");
        touch(p, len, HUGE_2M);
    }

    if (huge_files > 0) {
        if (!huge_dir) { errno = EINVAL; die("--huge-dir"); }
        for (long k = 0; k < huge_files; k++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/rtemap_%ld", huge_dir, k);
            int hfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600); /* kept open */
            if (hfd < 0) die("open huge file");
            if (ftruncate(hfd, HUGE_2M) != 0) die("ftruncate huge file");
            char *p = mmap(NULL, HUGE_2M, PROT_READ | PROT_WRITE, MAP_SHARED, hfd, 0);
            if (p == MAP_FAILED) die("mmap huge file");
            touch(p, HUGE_2M, HUGE_2M);
        }
    }

    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    for (;;) pause();
}
