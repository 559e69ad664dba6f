/* Fallbacks for the hugetlb flags an older libc's headers may lack (the values are the
 * kernel's, include/uapi). Included after the system headers by Tests/holders/hugetlb-map.h
 * (holder.c, vmhold.c) and bench/mapper.c. */
#ifndef HUGECTL_HUGETLB_FLAGS_H
#define HUGECTL_HUGETLB_FLAGS_H

#ifndef MAP_HUGETLB
#define MAP_HUGETLB 0x40000
#endif
#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif
#ifndef MFD_HUGETLB
#define MFD_HUGETLB 0x0004U
#endif
#ifndef SHM_HUGETLB
#define SHM_HUGETLB 04000
#endif
#ifndef SHM_NORESERVE
#define SHM_NORESERVE 010000
#endif

#endif
