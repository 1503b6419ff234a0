/* SPDX-License-Identifier: MIT */
/* perfbudget::alloc_hook: allocations per call for C suites, opt-in by linking this object into
 * the suite executable. An executable's own malloc takes the place of the C library's for the
 * whole process (ELF symbol interposition, no LD_PRELOAD); these count each call and hand it to
 * glibc's allocator under its internal names, so every pointer stays glibc's and its free,
 * malloc_usable_size and the rest work on it unchanged. The count is process-wide state by
 * nature, and lives here, outside the core. */
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "perfbudget/measure.h"

/* A sanitizer replaces malloc itself; counting under it would bypass it. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define PERFBUDGET_HOOK_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define PERFBUDGET_HOOK_SANITIZED 1
#endif

#if defined(__GLIBC__) && !defined(PERFBUDGET_HOOK_SANITIZED)

void *__libc_malloc(size_t size);
void *__libc_calloc(size_t count, size_t size);
void *__libc_realloc(void *pointer, size_t size);
void *__libc_memalign(size_t alignment, size_t size);

static atomic_uint_fast64_t allocation_calls;

static void count_call(void) {
    atomic_fetch_add_explicit(&allocation_calls, 1, memory_order_relaxed);
}

void *malloc(size_t size) {
    count_call();
    return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
    count_call();
    return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
    count_call();
    return __libc_realloc(pointer, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
    count_call();
    return __libc_memalign(alignment, size);
}

void *memalign(size_t alignment, size_t size);
void *memalign(size_t alignment, size_t size) {
    count_call();
    return __libc_memalign(alignment, size);
}

int posix_memalign(void **out, size_t alignment, size_t size);
int posix_memalign(void **out, size_t alignment, size_t size) {
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0) return EINVAL;
    count_call();
    void *pointer = __libc_memalign(alignment, size);
    if (pointer == NULL) return ENOMEM;
    *out = pointer;
    return 0;
}

/* 1 when calls to malloc reach the functions above, -1 when something else took malloc's
 * place first (valgrind's memcheck redirects the executable's malloc too: counting would say
 * 0), 0 until checked. Checked once, by one call, before anything is counted. */
static atomic_int hook_in_place;

static int check_in_place(void) {
    int known = atomic_load(&hook_in_place);
    if (known != 0) return known;
    void *(*volatile allocate)(size_t) = malloc; /* a call the compiler cannot elide */
    uint_fast64_t before = atomic_load(&allocation_calls);
    void *probe = allocate(1);
    int counted = atomic_load(&allocation_calls) != before;
    free(probe);
    atomic_store(&hook_in_place, counted ? 1 : -1);
    return counted ? 1 : -1;
}

int perfbudget_alloc_hook_read(void *userdata, uint64_t *count) {
    (void)userdata;
    *count = 0;
    if (check_in_place() < 0) return 0;
    *count = (uint64_t)atomic_load_explicit(&allocation_calls, memory_order_relaxed);
    return 1;
}

#else

int perfbudget_alloc_hook_read(void *userdata, uint64_t *count) {
    (void)userdata;
    *count = 0;
    return 0;
}

#endif
