/*
 * holder: creates one hugetlb mapping of 2M pages, holds it, and obeys commands on stdin.
 * A test fixture for hugectl's live tests (Tests/HugectlCLITests/ConsumerLiveTests.swift).
 *
 *   gcc -O1 -Wall -Werror -static -o holder holder.c
 *
 * Options:
 *   --kind K            anon-shared | anon-private | file-shared | file-private | sysv |
 *                       memfd-shared | memfd-private
 *   --pages N           mapping length in 2M pages (default 1)
 *   --path FILE         file kinds: a file on a 2M hugetlbfs mount; created if absent and grown
 *                       with ftruncate to the mapping length (never shrunk) before mmap
 *   --noreserve         MAP_NORESERVE (SHM_NORESERVE for sysv)
 *   --prefault K        write-fault pages 0..K-1 after mapping
 *   --fork              after mapping and prefault, fork a child that inherits the mapping
 *   --keep-file         file kinds: leave the file at exit (this is also the default; tests
 *                       remove their files)
 *   --unmap-after-setup munmap (shmdt for sysv) right after prefault and before any fork, then
 *                       keep running; memfd's fd stays open, the sysv segment stays until exit
 *
 * After setup, one line on stdout:
 *   ready pid=<pid> addr=<hex start, no 0x> child=<child pid or 0> shmid=<id or -1>
 * Then one reply line per command line on stdin:
 *   touch I J        write-fault pages I..J-1 here      -> touched n=<count> sigbus=<0|1>
 *   child-touch I J  the same in the fork child         -> the child's reply
 *   exit             kill and reap the child, unmap, IPC_RMID, close, exit 0
 * End of stdin (the test died or closed the pipe) and SIGTERM/SIGINT/SIGHUP clean up the same
 * way. A touch stops at the first page that raises SIGBUS; n counts the pages written before it.
 * Bad commands get `error <what>` and the holder keeps running. Setup failures print
 * `error <what>: <strerror>` and exit 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hugetlb-map.h"
#include "sigbus-touch.h"

#define PAGE_2M (2UL << 20)

/* State the cleanup paths (including the signal handler) need. */
static char *map_addr;            /* start of the mapping (kept for the ready line after unmap) */
static size_t map_len;
static int mapped;                /* still mapped in this process */
static int is_sysv;
static volatile sig_atomic_t shm_id = -1;
static volatile sig_atomic_t child_pid;
static int fd = -1;
static int to_child = -1, from_child = -1;

/* Async-signal-safe teardown: what must not outlive us even if we die by a signal. */
static void on_terminate(int sig) {
    (void)sig;
    if (child_pid > 0) kill(child_pid, SIGKILL);
    if (shm_id >= 0) shmctl(shm_id, IPC_RMID, NULL);
    _exit(1);
}

static void die(const char *what) {
    int e = errno;
    printf("error %s: %s\n", what, strerror(e));
    fflush(stdout);
    if (shm_id >= 0) shmctl(shm_id, IPC_RMID, NULL);
    exit(1);
}

static void usage(const char *what) {
    printf("error usage: %s\n", what);
    fflush(stdout);
    exit(1);
}

static long parse_count(const char *text, const char *option) {
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || *end || end == text || v < 0) usage(option);
    return v;
}

/* Write one byte in each page first..last-1. Returns the count written before a SIGBUS. */
static long touch_pages(long first, long last, int *sigbus) {
    long done = 0;
    *sigbus = 0;
    for (long i = first; i < last; i++) {
        if (touch_page(map_addr + i * PAGE_2M, (char)(i + 1)) != 0) {
            *sigbus = 1;
            break;
        }
        done++;
    }
    return done;
}

/* Handles "touch I J" for this process; writes the reply line to out. */
static void do_touch(const char *args, FILE *out, long pages) {
    long first, last;
    char extra;
    if (sscanf(args, "%ld %ld %c", &first, &last, &extra) != 2 || first < 0 || last < first || last > pages) {
        fprintf(out, "error bad range (pages 0..%ld)\n", pages);
    } else if (!mapped) {
        fprintf(out, "error not mapped\n");
    } else {
        int sigbus;
        long n = touch_pages(first, last, &sigbus);
        fprintf(out, "touched n=%ld sigbus=%d\n", n, sigbus);
    }
    fflush(out);
}

/* The fork child: obeys "touch I J" and "exit" from the parent through a pipe. */
static void child_loop(int cmd_fd, int reply_fd, long pages) {
    FILE *in = fdopen(cmd_fd, "r"), *out = fdopen(reply_fd, "w");
    if (!in || !out) _exit(2);
    char line[256];
    while (fgets(line, sizeof line, in)) {
        line[strcspn(line, "\n")] = 0;
        if (strncmp(line, "touch ", 6) == 0) do_touch(line + 6, out, pages);
        else if (strcmp(line, "exit") == 0) break;
        else { fprintf(out, "error unknown command\n"); fflush(out); }
    }
    _exit(0);
}

static void cleanup_and_exit(int status) {
    if (child_pid > 0) {
        kill(child_pid, SIGKILL);
        while (waitpid(child_pid, NULL, 0) < 0 && errno == EINTR) {}
        child_pid = 0;
    }
    if (to_child >= 0) close(to_child);
    if (from_child >= 0) close(from_child);
    if (mapped) {
        if (is_sysv) shmdt(map_addr);
        else munmap(map_addr, map_len);
        mapped = 0;
    }
    if (shm_id >= 0) {
        shmctl(shm_id, IPC_RMID, NULL);
        shm_id = -1;
    }
    if (fd >= 0) close(fd);
    exit(status);
}

int main(int argc, char **argv) {
    enum kind kind = K_NONE;
    long pages = 1, prefault = 0;
    const char *path = NULL;
    int noreserve = 0, want_fork = 0, unmap_after_setup = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;
        if (strcmp(a, "--kind") == 0 && has_value) {
            kind = kind_named(argv[++i], NULL);
            if (kind == K_NONE) usage("unknown --kind");
        } else if (strcmp(a, "--pages") == 0 && has_value) {
            pages = parse_count(argv[++i], "--pages");
        } else if (strcmp(a, "--path") == 0 && has_value) {
            path = argv[++i];
        } else if (strcmp(a, "--prefault") == 0 && has_value) {
            prefault = parse_count(argv[++i], "--prefault");
        } else if (strcmp(a, "--noreserve") == 0) {
            noreserve = 1;
        } else if (strcmp(a, "--fork") == 0) {
            want_fork = 1;
        } else if (strcmp(a, "--keep-file") == 0) {
            /* the default */
        } else if (strcmp(a, "--unmap-after-setup") == 0) {
            unmap_after_setup = 1;
        } else {
            usage(a);
        }
    }
    if (kind == K_NONE) usage("--kind is required");
    if (pages < 1) usage("--pages must be at least 1");
    if (prefault > pages) usage("--prefault exceeds --pages");
    int file_kind = kind == K_FILE_SHARED || kind == K_FILE_PRIVATE;
    if (file_kind != (path != NULL)) usage("--path goes with the file kinds only");

    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_terminate;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    touch_catch_sigbus();

    map_len = (size_t)pages * PAGE_2M;
    struct hugetlb_map m = {.kind = kind, .len = map_len, .noreserve = noreserve, .path = path,
                            .memfd_name = "hugectl-holder", .shm_id = &shm_id};
    void *p = hugetlb_map(&m);
    fd = m.fd;
    is_sysv = kind == K_SYSV;
    if (p == MAP_FAILED) die(m.step);
    map_addr = p;
    mapped = 1;

    if (prefault > 0) {
        int sigbus;
        long n = touch_pages(0, prefault, &sigbus);
        if (sigbus) {
            printf("error prefault: SIGBUS at page %ld\n", n);
            cleanup_and_exit(1);
        }
    }

    if (unmap_after_setup) {
        if (is_sysv) shmdt(map_addr);
        else munmap(map_addr, map_len);
        mapped = 0;
    }

    if (want_fork) {
        int down[2], up[2];
        if (pipe2(down, O_CLOEXEC) < 0 || pipe2(up, O_CLOEXEC) < 0) die("pipe");
        pid_t parent = getpid();
        fflush(stdout);
        pid_t c = fork();
        if (c < 0) die("fork");
        if (c == 0) {
            /* never outlive the parent, and keep off its stdin/stdout so EOF works */
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != parent) _exit(0);
            int devnull = open("/dev/null", O_RDWR);
            if (devnull >= 0) {
                dup2(devnull, 0);
                dup2(devnull, 1);
                close(devnull);
            }
            close(down[1]);
            close(up[0]);
            shm_id = -1;   /* the parent owns the segment's removal */
            child_loop(down[0], up[1], pages);
        }
        child_pid = c;
        close(down[0]);
        close(up[1]);
        to_child = down[1];
        from_child = up[0];
    }

    printf("ready pid=%d addr=%lx child=%d shmid=%d\n", (int)getpid(), (unsigned long)map_addr,
           (int)child_pid, (int)shm_id);
    fflush(stdout);

    FILE *child_in = from_child >= 0 ? fdopen(from_child, "r") : NULL;
    char line[256];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = 0;
        if (strncmp(line, "touch ", 6) == 0) {
            do_touch(line + 6, stdout, pages);
        } else if (strncmp(line, "child-touch ", 12) == 0) {
            char reply[256];
            if (!child_in) {
                printf("error no child\n");
            } else if (dprintf(to_child, "touch %s\n", line + 12) < 0 || !fgets(reply, sizeof reply, child_in)) {
                printf("error child gone\n");
            } else {
                fputs(reply, stdout);
            }
            fflush(stdout);
        } else if (strcmp(line, "exit") == 0) {
            break;
        } else {
            printf("error unknown command\n");
            fflush(stdout);
        }
    }
    if (child_in) {
        fclose(child_in);
        from_child = -1;
    }
    cleanup_and_exit(0);
}
