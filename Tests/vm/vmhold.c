/*
 * vmhold: the guest-side holder of the VM scenarios (Tests/vm/scenarios). It creates one hugetlb
 * mapping under a NUMA memory policy, holds it, touches its pages when told, and says what
 * really happened: mmap errors, SIGBUS per page, the node each page landed on.
 *
 *   gcc -O1 -Wall -Werror -static -o vmhold vmhold.c     (Tests/vm/run-in-vm builds it)
 *
 * Unlike Tests/holders/holder.c (the host-side holder of the live tests) it sets policies,
 * knows 1G pages, keeps touching after a SIGBUS (so it counts every page that fails), and
 * talks through two named pipes so that a busybox shell script can drive several at once.
 *
 * Options:
 *   --name NAME            a label for the reply lines (default: the pid)
 *   --kind K               anon-shared | anon-private | file-shared | file-private | sysv |
 *                          memfd-shared | memfd-private
 *   --pages N              mapping length in huge pages (default 1)
 *   --page-size 2M|1G      huge page size (default 2M)
 *   --path FILE            file kinds: a file on a hugetlbfs mount of that page size, created
 *                          if absent and grown with ftruncate to the mapping length
 *   --noreserve            MAP_NORESERVE (SHM_NORESERVE for sysv)
 *   --offset K             file and memfd kinds: map from huge page K of the object (the file
 *                          is grown to K + pages); the VMA's vm_pgoff, which sets where an
 *                          interleave policy puts each page
 *   --prefault K           write-fault pages 0..K-1 right after mapping (and after --vma-policy)
 *   --fork                 after the prefault, fork: the child (a copy of a private mapping
 *                          has no reservation) is the holder that replies and touches; the
 *                          parent keeps the mapping and waits for it
 *   --task-policy P        set_mempolicy(P) before mmap: the task policy, which the kernel's
 *                          reservation check looks at
 *   --vma-policy P         mbind(P) on the mapping after mmap: the VMA policy, which it does not
 *   --vma-policy-range I:J:P  mbind(P) on pages I..J-1 only, after --vma-policy (splits the VMA;
 *                          up to 8 of them, applied in order)
 *   --thread-policy P      a worker thread sets its own task policy P (set_mempolicy is per
 *                          thread) before the ready line, and every touch is done by that
 *                          thread: the main thread keeps its own task policy
 *   --cpu N                run on CPU N only (sched_setaffinity) from the start
 *   --main-thread-cgroup DIR
 *                          map in a helper thread that stays in the current cgroup, after
 *                          moving the main thread (which later touches the pages) into the
 *                          threaded cgroup DIR (its cgroup.threads): the VMA policy is set
 *                          under the current cpuset, the faults come under DIR's; the
 *                          helper exits once mapped (--task-policy applies to it alone)
 *   --ctl DIR              talk through the FIFOs DIR/in (commands) and DIR/out (replies),
 *                          which the caller makes with mkfifo; without it, stdin and stdout
 *
 *   P is MODE[=FLAGS][:NODES]: MODE default | local | preferred | preferred_many | bind |
 *   interleave | weighted_interleave; FLAGS static | relative; NODES as in 0-1,3.
 *
 * Replies are single lines of space-separated key=value fields:
 *   ready name= pid= kind= page_size_kb= pages= noreserve= mmap=ok|<ERRNO> task_policy_set=ok|<ERRNO>
 *         mbind=ok|<ERRNO>|none prefaulted= prefault_failed= task_policy= vma_policy= policy=
 *         addr= [range_mbind=ok|<ERRNO>,...] [thread_tid= thread_policy_set=ok|<ERRNO>
 *         thread_policy=]   (the last fields only with --vma-policy-range / --thread-policy)
 *     task_policy/vma_policy are what get_mempolicy(2) says afterwards (the VMA's own policy,
 *     `default` when it has none); policy= is the one that governs the mapping: the VMA's own,
 *     else the task's (what /proc/PID/numa_maps shows). Written mode:nodes, e.g. bind:1,
 *     interleave:0-1, preferred_many:1, local; flags as bind=static:1.
 *   touch [I J]  -> touched name= pid= pages= ok= failed= failed_pages=I,J|- sigbus=0|1 nodes=N:C,..|-
 *     writes one byte in each page I..J-1 (default: all), continuing after a SIGBUS; ok and
 *     failed count the pages; nodes= is the node placement of all the mapping's pages
 *     afterwards, from /proc/self/numa_maps.
 *   info        -> info name= pid= nodes= numa_maps_policy=<policy word with spaces as _>
 *   exit        -> no reply: it unmaps, removes its SysV segment and exits 0 (the caller
 *                  waits for the process instead)
 * End of input on stdin (never with --ctl) and SIGTERM/SIGINT/SIGHUP clean up the same way.
 * When setup fails before mmap (bad option, open, ftruncate) it prints `error <what>: <reason>`
 * and exits 1. A failing mmap/shmget is not a setup failure: it is reported as mmap=<ERRNO>
 * and the holder stays, holding nothing, so the caller's protocol stays the same.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../holders/hugetlb-map.h"
#include "../holders/sigbus-touch.h"

#define HUGE_SHIFT_1G 30U
#define HUGE_SHIFT_2M 21U

/* <linux/mempolicy.h>, spelled out: the guest build needs no libnuma. */
#define MPOL_DEFAULT 0
#define MPOL_PREFERRED 1
#define MPOL_BIND 2
#define MPOL_INTERLEAVE 3
#define MPOL_LOCAL 4
#define MPOL_PREFERRED_MANY 5
#define MPOL_WEIGHTED_INTERLEAVE 6
#define MPOL_F_STATIC_NODES (1 << 15)
#define MPOL_F_RELATIVE_NODES (1 << 14)
#define MPOL_F_NUMA_BALANCING (1 << 13)
#define MPOL_MODE_FLAGS (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES | MPOL_F_NUMA_BALANCING)
#define MPOL_F_ADDR (1 << 1)
#define MAX_NODES 1024
#define MASK_WORDS (MAX_NODES / (8 * sizeof(unsigned long)))

static const char *const mode_names[] = {"default", "preferred", "bind", "interleave", "local",
                                         "preferred_many", "weighted_interleave"};

struct policy {
    int given;
    int mode;
    int flags;
    unsigned long mask[MASK_WORDS];
};

static char name[64];
static const char *kind_name;
static char *map_addr;
static size_t map_len, page_bytes;
static long pages = 1;
static int mapped, is_sysv;
static volatile sig_atomic_t shm_id = -1;
static const char *ctl_dir;
static FILE *in;

static void on_terminate(int sig) {
    (void)sig;
    if (shm_id >= 0) shmctl(shm_id, IPC_RMID, NULL);
    _exit(1);
}

static void cleanup_and_exit(int status) {
    if (mapped) {
        if (is_sysv) shmdt(map_addr);
        else munmap(map_addr, map_len);
        mapped = 0;
    }
    if (shm_id >= 0) shmctl(shm_id, IPC_RMID, NULL);
    exit(status);
}

/* One reply line: to DIR/out (opened for this line only, so the reader sees EOF after it), or
 * to stdout. */
static void reply(const char *fmt, ...) {
    char line[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (ctl_dir) {
        char path[4096];
        snprintf(path, sizeof path, "%s/out", ctl_dir);
        FILE *out = fopen(path, "w");
        if (!out) cleanup_and_exit(2);
        fprintf(out, "%s\n", line);
        fclose(out);
    } else {
        printf("%s\n", line);
        fflush(stdout);
    }
}

static void fail_setup(const char *what) {
    int e = errno;
    reply("error %s: %s", what, e ? strerror(e) : "invalid");
    cleanup_and_exit(1);
}

static const char *errno_name(int e) {
    switch (e) {
    case ENOMEM: return "ENOMEM";
    case EINVAL: return "EINVAL";
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ENOSPC: return "ENOSPC";
    case EFAULT: return "EFAULT";
    case EIO: return "EIO";
    case EXDEV: return "EXDEV";
    case ENOENT: return "ENOENT";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    default: {
        static char buf[32];
        snprintf(buf, sizeof buf, "E%d", e);
        return buf;
    }
    }
}

static void mask_set(unsigned long *mask, int node) {
    mask[node / (8 * sizeof(unsigned long))] |= 1UL << (node % (8 * sizeof(unsigned long)));
}

static int mask_test(const unsigned long *mask, int node) {
    return (mask[node / (8 * sizeof(unsigned long))] >> (node % (8 * sizeof(unsigned long)))) & 1;
}

/* "0-1,3" into mask; returns -1 when it is not a node list. */
static int parse_nodes(const char *text, unsigned long *mask) {
    const char *p = text;
    while (*p) {
        char *end;
        long a = strtol(p, &end, 10);
        if (end == p || a < 0 || a >= MAX_NODES) return -1;
        long b = a;
        if (*end == '-') {
            p = end + 1;
            b = strtol(p, &end, 10);
            if (end == p || b < a || b >= MAX_NODES) return -1;
        }
        for (long n = a; n <= b; n++) mask_set(mask, (int)n);
        if (*end == ',') end++;
        else if (*end) return -1;
        p = end;
    }
    return 0;
}

/* MODE[=FLAGS][:NODES] */
static int parse_policy(const char *text, struct policy *pol) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", text);
    memset(pol, 0, sizeof *pol);
    pol->given = 1;
    char *nodes = strchr(buf, ':');
    if (nodes) *nodes++ = 0;
    char *flags = strchr(buf, '=');
    if (flags) *flags++ = 0;
    pol->mode = -1;
    for (int m = 0; m < (int)(sizeof mode_names / sizeof mode_names[0]); m++)
        if (strcmp(buf, mode_names[m]) == 0) pol->mode = m;
    if (pol->mode < 0) return -1;
    if (flags) {
        for (char *f = strtok(flags, "|"); f; f = strtok(NULL, "|")) {
            if (strcmp(f, "static") == 0) pol->flags |= MPOL_F_STATIC_NODES;
            else if (strcmp(f, "relative") == 0) pol->flags |= MPOL_F_RELATIVE_NODES;
            else return -1;
        }
    }
    if (nodes && parse_nodes(nodes, pol->mask) < 0) return -1;
    return 0;
}

static int has_nodes(const struct policy *pol) {
    for (size_t i = 0; i < MASK_WORDS; i++)
        if (pol->mask[i]) return 1;
    return 0;
}

/* mode:nodes as hugectl's JSON names them (bind:1, bind=static:0-1, local). */
static void format_policy(int mode_with_flags, const unsigned long *mask, char *out, size_t size) {
    int mode = mode_with_flags & ~MPOL_MODE_FLAGS;
    int flags = mode_with_flags & MPOL_MODE_FLAGS;
    size_t n = 0;
    if (mode >= 0 && mode < (int)(sizeof mode_names / sizeof mode_names[0]))
        n += snprintf(out + n, size - n, "%s", mode_names[mode]);
    else
        n += snprintf(out + n, size - n, "mode%d", mode);
    const char *sep = "=";
    if (flags & MPOL_F_STATIC_NODES) { n += snprintf(out + n, size - n, "%sstatic", sep); sep = "|"; }
    if (flags & MPOL_F_RELATIVE_NODES) { n += snprintf(out + n, size - n, "%srelative", sep); sep = "|"; }
    if (flags & MPOL_F_NUMA_BALANCING) { n += snprintf(out + n, size - n, "%sbalancing", sep); }
    int first = 1;
    for (int node = 0; node < MAX_NODES && n < size; node++) {
        if (!mask_test(mask, node)) continue;
        int last = node;
        while (last + 1 < MAX_NODES && mask_test(mask, last + 1)) last++;
        n += snprintf(out + n, size - n, "%s%d", first ? ":" : ",", node);
        if (last > node) n += snprintf(out + n, size - n, "-%d", last);
        first = 0;
        node = last;
    }
}

static long sys_set_mempolicy(const struct policy *pol) {
    return syscall(SYS_set_mempolicy, pol->mode | pol->flags, has_nodes(pol) ? pol->mask : NULL,
                   has_nodes(pol) ? (unsigned long)MAX_NODES + 1 : 0UL);
}

static long sys_mbind(void *addr, size_t len, const struct policy *pol) {
    return syscall(SYS_mbind, addr, len, pol->mode | pol->flags, has_nodes(pol) ? pol->mask : NULL,
                   has_nodes(pol) ? (unsigned long)MAX_NODES + 1 : 0UL, 0UL);
}

static void current_policy(void *addr, char *out, size_t size) {
    int mode = 0;
    unsigned long mask[MASK_WORDS];
    memset(mask, 0, sizeof mask);
    if (syscall(SYS_get_mempolicy, &mode, mask, (unsigned long)MAX_NODES, addr, addr ? MPOL_F_ADDR : 0) != 0) {
        snprintf(out, size, "?%s", errno_name(errno));
        return;
    }
    format_policy(mode, mask, out, size);
}

/* The numa_maps lines of the mapping (one per VMA: mbind on a page range splits it): their
 * N<node>=<pages> fields summed as "0:2,1:1" (or "-"), and the policy word(s) of the first
 * with spaces as '_'. */
static void numa_maps_line(char *nodes, size_t nodes_size, char *policy, size_t policy_size) {
    snprintf(nodes, nodes_size, "-");
    snprintf(policy, policy_size, "-");
    if (!mapped) return;
    FILE *f = fopen("/proc/self/numa_maps", "r");
    if (!f) return;
    static long counts[MAX_NODES];
    memset(counts, 0, sizeof counts);
    unsigned long from = (unsigned long)map_addr, to = from + map_len;
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        char *after;
        unsigned long start = strtoul(line, &after, 16);
        if (after == line || *after != ' ' || start < from || start >= to) continue;
        line[strcspn(line, "\n")] = 0;
        char *p = after + 1;
        /* policy: from after the address to " file=" / " anon=" / " huge" */
        char *end = strstr(p, " file=");
        if (!end) end = strstr(p, " huge");
        if (!end) end = p + strlen(p);
        if (start == from) {
            size_t n = 0;
            for (char *c = p; c < end && n + 1 < policy_size; c++) policy[n++] = *c == ' ' ? '_' : *c;
            policy[n] = 0;
        }
        for (char *tok = strtok(end, " "); tok; tok = strtok(NULL, " ")) {
            int node, count;
            if (sscanf(tok, "N%d=%d", &node, &count) == 2 && node >= 0 && node < MAX_NODES) counts[node] += count;
        }
    }
    fclose(f);
    size_t m = 0;
    nodes[0] = 0;
    for (int node = 0; node < MAX_NODES && m < nodes_size; node++)
        if (counts[node]) m += snprintf(nodes + m, nodes_size - m, "%s%d:%ld", m ? "," : "", node, counts[node]);
    if (m == 0) snprintf(nodes, nodes_size, "-");
}

/* Writes one byte in each page first..last-1, going on after a SIGBUS. */
static void touch_pages(long first, long last, long *ok, long *failed, char *failed_list, size_t size) {
    long good = 0, bad = 0;
    size_t n = 0;
    failed_list[0] = 0;
    for (long i = first; i < last; i++) {
        if (touch_page(map_addr + i * page_bytes, (char)(i + 1)) == 0) {
            good++;
            continue;
        }
        bad++;
        if (n < size) n += snprintf(failed_list + n, size - n, "%s%ld", n ? "," : "", i);
    }
    *ok = good;
    *failed = bad;
    if (n == 0) snprintf(failed_list, size, "-");
}

/* --thread-policy: the worker thread that does the touches under its own task policy. */
static struct policy thread_pol;
static pthread_t worker;
static pthread_mutex_t work_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work_cond = PTHREAD_COND_INITIALIZER;
static int work_state;            /* 0 idle, 1 touch requested, 2 touch done, 3 worker ready */
static long work_first, work_last, work_ok, work_failed;
static char work_list[4096];
static char worker_set[32] = "none", worker_now[256] = "-";
static int worker_tid;

static void *worker_main(void *arg) {
    (void)arg;
    worker_tid = (int)syscall(SYS_gettid);
    snprintf(worker_set, sizeof worker_set, "%s",
             sys_set_mempolicy(&thread_pol) == 0 ? "ok" : errno_name(errno));
    current_policy(NULL, worker_now, sizeof worker_now);
    pthread_mutex_lock(&work_lock);
    work_state = 3;
    pthread_cond_broadcast(&work_cond);
    for (;;) {
        while (work_state != 1) pthread_cond_wait(&work_cond, &work_lock);
        pthread_mutex_unlock(&work_lock);
        touch_pages(work_first, work_last, &work_ok, &work_failed, work_list, sizeof work_list);
        pthread_mutex_lock(&work_lock);
        work_state = 2;
        pthread_cond_broadcast(&work_cond);
    }
    return NULL;
}

static void worker_start(void) {
    if (pthread_create(&worker, NULL, worker_main, NULL) != 0) fail_setup("pthread_create");
    pthread_mutex_lock(&work_lock);
    while (work_state != 3) pthread_cond_wait(&work_cond, &work_lock);
    work_state = 0;
    pthread_mutex_unlock(&work_lock);
}

/* The touch, done by the worker thread; the caller waits for it. */
static void worker_touch(long first, long last, long *ok, long *failed, char *list, size_t size) {
    pthread_mutex_lock(&work_lock);
    work_first = first;
    work_last = last;
    work_state = 1;
    pthread_cond_broadcast(&work_cond);
    while (work_state != 2) pthread_cond_wait(&work_cond, &work_lock);
    work_state = 0;
    *ok = work_ok;
    *failed = work_failed;
    snprintf(list, size, "%s", work_list);
    pthread_mutex_unlock(&work_lock);
}

/* DIR/in is opened read-write: that never blocks, and since this process then holds a writer
 * too, each command the caller writes (open, write, close) arrives without an end of file. */
static FILE *open_input(void) {
    if (!ctl_dir) return stdin;
    char path[4096];
    snprintf(path, sizeof path, "%s/in", ctl_dir);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    return fd < 0 ? NULL : fdopen(fd, "r");
}

/* The options, and what mapping did. */
static enum kind kind = K_NONE;
static long prefault = 0, offset = 0;
static const char *path = NULL, *main_cgroup = NULL;
static int noreserve = 0, cpu = -1, gigantic = 0, fd = -1, map_errno = 0, do_fork = 0;
static struct policy task_pol, vma_pol;
static const char *task_set = "none", *mbind_result = "none";
static long prefaulted = 0, prefault_failed = 0;
static int go_pipe[2] = {-1, -1};
/* --vma-policy-range: mbind on page ranges after --vma-policy, and what each returned. */
static struct { long first, last; struct policy pol; } ranges[8];
static int nranges = 0;
static char range_result[256] = "";

/* set_mempolicy, mmap (or shmget), mbind, prefault: in the calling thread. */
/* The calls whose failure is the kernel's answer to the mapping, reported as its outcome;
 * the failure of any other (open, fstat, ftruncate, memfd_create) is a failed set-up. */
static const char *const answer_steps[] = {"mmap", "shmget", "shmat"};

static int is_answer_step(const char *step) {
    for (size_t i = 0; i < sizeof answer_steps / sizeof answer_steps[0]; i++)
        if (strcmp(step, answer_steps[i]) == 0) return 1;
    return 0;
}

static void map_and_bind(void) {
    if (task_pol.given) task_set = sys_set_mempolicy(&task_pol) == 0 ? "ok" : errno_name(errno);

    page_bytes = gigantic ? (1UL << 30) : (2UL << 20);
    unsigned size_flag = (gigantic ? HUGE_SHIFT_1G : HUGE_SHIFT_2M);
    map_len = (size_t)pages * page_bytes;
    struct hugetlb_map m = {.kind = kind, .len = map_len, .size_shift = size_flag, .noreserve = noreserve,
                            .path = path, .memfd_name = name, .offset = (off_t)((size_t)offset * page_bytes),
                            .shm_id = &shm_id};
    void *p = hugetlb_map(&m);
    fd = m.fd;
    is_sysv = kind == K_SYSV;
    if (p == MAP_FAILED && !is_answer_step(m.step)) fail_setup(m.step);
    if (p == MAP_FAILED) {
        map_errno = errno;
        p = NULL;
    } else {
        map_addr = p;
        mapped = 1;
    }

    if (mapped && vma_pol.given) mbind_result = sys_mbind(map_addr, map_len, &vma_pol) == 0 ? "ok" : errno_name(errno);

    if (mapped && nranges > 0) {
        size_t n = (size_t)snprintf(range_result, sizeof range_result, " range_mbind=");
        for (int r = 0; r < nranges && n < sizeof range_result; r++) {
            long rc = sys_mbind(map_addr + ranges[r].first * page_bytes,
                                (size_t)(ranges[r].last - ranges[r].first) * page_bytes, &ranges[r].pol);
            n += (size_t)snprintf(range_result + n, sizeof range_result - n, "%s%s", r ? "," : "",
                                  rc == 0 ? "ok" : errno_name(errno));
        }
    }

    if (mapped && prefault > 0) {
        char list[4096];
        touch_pages(0, prefault, &prefaulted, &prefault_failed, list, sizeof list);
    }
}

static void *map_in_helper(void *arg) {
    char go;
    (void)arg;
    if (read(go_pipe[0], &go, 1) != 1) fail_setup("pipe read");
    map_and_bind();
    return NULL;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* --ctl first, so that even an option error reaches the caller through its FIFO */
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "--ctl") == 0) ctl_dir = argv[i + 1];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        errno = 0;
        if (strcmp(a, "--noreserve") == 0) { noreserve = 1; continue; }
        if (strcmp(a, "--fork") == 0) { do_fork = 1; continue; }
        if (!v) fail_setup(a);
        i++;
        if (strcmp(a, "--name") == 0) snprintf(name, sizeof name, "%s", v);
        else if (strcmp(a, "--kind") == 0) {
            kind = kind_named(v, &kind_name);
            if (kind == K_NONE) fail_setup("--kind");
        } else if (strcmp(a, "--pages") == 0) pages = atol(v);
        else if (strcmp(a, "--page-size") == 0) {
            if (strcmp(v, "1G") == 0) gigantic = 1;
            else if (strcmp(v, "2M") != 0) fail_setup("--page-size");
        } else if (strcmp(a, "--path") == 0) path = v;
        else if (strcmp(a, "--prefault") == 0) prefault = atol(v);
        else if (strcmp(a, "--offset") == 0) offset = atol(v);
        else if (strcmp(a, "--main-thread-cgroup") == 0) main_cgroup = v;
        else if (strcmp(a, "--task-policy") == 0) { if (parse_policy(v, &task_pol) < 0) fail_setup("--task-policy"); }
        else if (strcmp(a, "--vma-policy") == 0) { if (parse_policy(v, &vma_pol) < 0) fail_setup("--vma-policy"); }
        else if (strcmp(a, "--vma-policy-range") == 0) {
            char *end;
            if (nranges >= 8) fail_setup("--vma-policy-range");
            ranges[nranges].first = strtol(v, &end, 10);
            if (*end != ':') fail_setup("--vma-policy-range");
            ranges[nranges].last = strtol(end + 1, &end, 10);
            if (*end != ':' || parse_policy(end + 1, &ranges[nranges].pol) < 0) fail_setup("--vma-policy-range");
            nranges++;
        } else if (strcmp(a, "--thread-policy") == 0) { if (parse_policy(v, &thread_pol) < 0) fail_setup("--thread-policy"); }
        else if (strcmp(a, "--cpu") == 0) cpu = atoi(v);
        else if (strcmp(a, "--ctl") == 0) ctl_dir = v;
        else fail_setup(a);
    }
    if (!name[0]) snprintf(name, sizeof name, "%d", (int)getpid());
    errno = 0;
    if (kind == K_NONE) fail_setup("--kind is required");
    if (pages < 1 || prefault < 0 || prefault > pages) fail_setup("--pages/--prefault");
    int file_kind = kind == K_FILE_SHARED || kind == K_FILE_PRIVATE;
    if (file_kind && !path) fail_setup("--path is required for file kinds");
    for (int r = 0; r < nranges; r++)
        if (ranges[r].first < 0 || ranges[r].last <= ranges[r].first || ranges[r].last > pages)
            fail_setup("--vma-policy-range I:J must have 0 <= I < J <= --pages");
    int fd_kind = file_kind || kind == K_MEMFD_SHARED || kind == K_MEMFD_PRIVATE;
    if (offset < 0 || (offset > 0 && !fd_kind)) fail_setup("--offset (file and memfd kinds only)");

    in = open_input();
    if (!in) fail_setup("open ctl in");

    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_terminate;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    touch_catch_sigbus();

    if (cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        if (sched_setaffinity(0, sizeof set, &set) != 0) fail_setup("sched_setaffinity");
    }

    if (main_cgroup) {
        /* The helper thread is created before the main thread moves, so it keeps this cgroup's
         * cpuset while it maps and binds; it exits before anything else happens. */
        pthread_t helper;
        if (pipe(go_pipe) != 0) fail_setup("pipe");
        if (pthread_create(&helper, NULL, map_in_helper, NULL) != 0) fail_setup("pthread_create");
        char file[4096], tid[32];
        snprintf(file, sizeof file, "%s/cgroup.threads", main_cgroup);
        snprintf(tid, sizeof tid, "%ld\n", (long)syscall(SYS_gettid));
        int cfd = open(file, O_WRONLY | O_CLOEXEC);
        if (cfd < 0 || write(cfd, tid, strlen(tid)) < 0) fail_setup("moving the main thread to --main-thread-cgroup");
        close(cfd);
        if (write(go_pipe[1], "g", 1) != 1) fail_setup("pipe write");
        pthread_join(helper, NULL);
    } else {
        map_and_bind();
    }

    if (do_fork) {
        pid_t child = fork();
        if (child < 0) fail_setup("fork");
        if (child > 0) {
            /* The parent holds its mapping (the owner of the reservation) until the child ends. */
            int status;
            while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
            _exit(0);
        }
    }

    char task_now[256], vma_now[256], governing[256];
    current_policy(NULL, task_now, sizeof task_now);
    if (mapped) current_policy(map_addr, vma_now, sizeof vma_now);
    else snprintf(vma_now, sizeof vma_now, "-");
    snprintf(governing, sizeof governing, "%s",
             mapped && strncmp(vma_now, "default", 7) != 0 ? vma_now : task_now);

    char thread_result[512] = "";
    if (thread_pol.given) {
        worker_start();
        snprintf(thread_result, sizeof thread_result, " thread_tid=%d thread_policy_set=%s thread_policy=%s",
                 worker_tid, worker_set, worker_now);
    }

    reply("ready name=%s pid=%d kind=%s page_size_kb=%lu pages=%ld noreserve=%d mmap=%s task_policy_set=%s "
          "mbind=%s prefaulted=%ld prefault_failed=%ld task_policy=%s vma_policy=%s policy=%s addr=%lx%s%s",
          name, (int)getpid(), kind_name, (unsigned long)(page_bytes >> 10), pages, noreserve,
          mapped ? "ok" : errno_name(map_errno), task_set, mbind_result, prefaulted, prefault_failed,
          task_now, vma_now, governing, (unsigned long)map_addr, range_result, thread_result);

    char line[256];
    for (;;) {
        if (!fgets(line, sizeof line, in)) break;   /* stdin closed: the caller is gone */
        line[strcspn(line, "\n")] = 0;
        if (strncmp(line, "touch", 5) == 0 && (line[5] == 0 || line[5] == ' ')) {
            long first = 0, last = pages;
            if (line[5] == ' ' && (sscanf(line + 6, "%ld %ld", &first, &last) != 2 || first < 0 ||
                                   last < first || last > pages)) {
                reply("error bad range (pages 0..%ld)", pages);
                continue;
            }
            long ok = 0, failed = 0;
            char list[4096] = "-", nodes[1024], pol[256];
            if (mapped && thread_pol.given) worker_touch(first, last, &ok, &failed, list, sizeof list);
            else if (mapped) touch_pages(first, last, &ok, &failed, list, sizeof list);
            numa_maps_line(nodes, sizeof nodes, pol, sizeof pol);
            reply("touched name=%s pid=%d pages=%ld ok=%ld failed=%ld failed_pages=%s sigbus=%d nodes=%s",
                  name, (int)getpid(), mapped ? last - first : 0L, ok, failed, list, failed > 0, nodes);
        } else if (strcmp(line, "info") == 0) {
            char nodes[1024], pol[256];
            numa_maps_line(nodes, sizeof nodes, pol, sizeof pol);
            reply("info name=%s pid=%d nodes=%s numa_maps_policy=%s", name, (int)getpid(), nodes, pol);
        } else if (strcmp(line, "exit") == 0) {
            break;
        } else {
            reply("error unknown command");
        }
    }
    if (fd >= 0) close(fd);
    cleanup_and_exit(0);
}
