// OpenBLAS's cblas.h (include path from pkg-config openblas) plus its thread control.
#include <cblas.h>

// What the processor and the kernel let a program use, for choosing OpenBLAS's kernel set
// (Sources/Engine/BLAS/CPUFeatures.swift decodes the registers). Swift has no CPUID or
// XGETBV of its own; these are compiled by the Swift compiler's Clang when Swift calls them.
#if defined(__x86_64__)
#include <cpuid.h>

/// CPUID leaf/subleaf into regs[0..3] = EAX, EBX, ECX, EDX; returns 0 when the processor
/// has no such leaf (regs are then zero).
static inline int narformer_cpuid(unsigned leaf, unsigned subleaf, unsigned regs[4]) {
    regs[0] = regs[1] = regs[2] = regs[3] = 0;
    return __get_cpuid_count(leaf, subleaf, &regs[0], &regs[1], &regs[2], &regs[3]);
}

/// XCR0: the register state the operating system saves on a context switch (bits 1-2: SSE
/// and AVX, bits 5-7: AVX-512). Only valid when CPUID.1:ECX.OSXSAVE (bit 27) is set; XGETBV
/// faults otherwise.
static inline unsigned long long narformer_xgetbv0(void) {
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}
#endif
