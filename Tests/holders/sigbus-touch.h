/* Writing to hugetlb pages and living through the SIGBUS the kernel sends when a fault finds
 * no page it may use (hugetlb_no_page() -> VM_FAULT_SIGBUS: no reservation and no free or
 * surplus page on the allowed nodes). Shared by Tests/holders/holder.c (live tests) and
 * Tests/vm/vmhold.c (VM guests). Header-only: each program is one gcc command. */
#ifndef HUGECTL_SIGBUS_TOUCH_H
#define HUGECTL_SIGBUS_TOUCH_H

#include <setjmp.h>
#include <signal.h>
#include <stddef.h>

static sigjmp_buf touch_jump;
static volatile sig_atomic_t touch_armed;

static void touch_on_sigbus(int sig) {
    if (touch_armed) siglongjmp(touch_jump, 1);
    /* not inside a touch: die of it as usual */
    signal(sig, SIG_DFL);
    raise(sig);
}

/* SIGBUS now jumps back into touch_page(); SA_NODEFER so the next one is delivered too. */
static void touch_catch_sigbus(void) {
    struct sigaction sa = {0};
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = touch_on_sigbus;
    sa.sa_flags = SA_NODEFER;
    sigaction(SIGBUS, &sa, NULL);
}

/* Writes `value` to the first byte of the page at `page`: 0 when written, -1 on SIGBUS. */
static int touch_page(volatile char *page, char value) {
    if (sigsetjmp(touch_jump, 1) != 0) {
        touch_armed = 0;
        return -1;
    }
    touch_armed = 1;
    *page = value;
    touch_armed = 0;
    return 0;
}

#endif
