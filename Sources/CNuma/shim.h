#ifndef HUGECTL_CNUMA_SHIM_H
#define HUGECTL_CNUMA_SHIM_H

#if !__has_include(<numa.h>) || !__has_include(<numaif.h>)
#error "hugectl needs libnuma's headers: run 'apt-get install -y libnuma-dev'"
#else
#include <numa.h>
#include <numaif.h>
#endif

#endif
