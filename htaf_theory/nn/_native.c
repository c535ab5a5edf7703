/* Native float32 kernels of the torch layer: HTAF h(x) = sigmoid(a tanh(b x)) (paper eq. (1)) and its
 * derivative h'(x) = 4ab e1/(1 + e1)^2 e2/(1 + e2)^2, e1 = e^{-2|bx|}, e2 = e^{-|a tanh(bx)|}, and the scaled
 * sigmoid sigma(gamma x) with gamma e/(1 + e)^2, e = e^{-|gamma x|} (also, times a gradient, the STE surrogates'
 * backward), and the step: the same formulas as the torch reference in _formulas.py, written as plain C loops that
 * the compiler vectorizes (any architecture with a C compiler). tanh(bx) comes from e^{-2|bx|} - 1
 * (exp_and_expm1), not from the torch formulas' polynomial branch.
 *
 * Why C: inductor calls Sleef's exp out of line, and an exp written in torch ops compiles to slower code (no
 * vectorized bit cast, no FMA contraction); here the exp is inlined, so the two exps of HTAF and their
 * neighbours are scheduled together (benchmarks/bench_activation.py, docs/performance.md).
 *
 * Threads: a call may run on the caller's OpenMP runtime (torch's pool) through GOMP_parallel, passed in as a
 * function pointer; threads take 16,384-element blocks (one huge page's worth for large outputs, below) from an
 * atomic counter. Each thread computes with the caller's floating-point control word (x86 MXCSR: flush-to-zero and
 * denormals-are-zero), so the results do not depend on which thread computed them (elsewhere each thread keeps its
 * own). Compiled and loaded by _native.py.
 *
 * Memory: an output of 32 MiB or more is usually a fresh mapping of glibc's malloc (above its largest mmap threshold;
 * unless the heap's free top holds it), whose first touch faults 4 KiB page by page; the kernel asks Linux for transparent huge pages there first (madvise), so
 * that it faults 2 MiB at a time: at 2^23-2^24 elements the faults cost as much as the arithmetic otherwise.
 */
#define _DEFAULT_SOURCE                 /* madvise under -std=c11 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#define HAVE_MXCSR 1
#endif

/* a*b + c: fused where the CPU has an FMA (one rounding, and the compiler vectorizes it); elsewhere two operations,
 * as Sleef's non-FMA variants (a call to fmaf there would be a scalar library call in the middle of the loop) */
#ifdef __FP_FAST_FMAF
#define MLA(a, b, c) fmaf(a, b, c)
#else
#define MLA(a, b, c) ((a) * (b) + (c))
#endif

/* the kernels below are instantiated once per kind (run_range) with the kind a literal, so that each loop compiles
 * without the branch on it; GCC stops inlining them by itself once they grow, and then vectorizes one generic loop
 * with masked stores (14x slower) */
#if defined(__GNUC__) || defined(__clang__)
#define KERNEL static inline __attribute__((always_inline))
#else
#define KERNEL static inline
#endif

static inline float bits_to_float(uint32_t i) { float f; memcpy(&f, &i, sizeof f); return f; }

static inline uint32_t float_to_bits(float f) { uint32_t i; memcpy(&i, &f, sizeof i); return i; }

/* Sleef's expf: 1/ln 2, ln 2 in two parts (Cody-Waite: q ln 2 is exact
 * in the first), the shifter 1.5 * 2^23 that rounds d / ln 2 to an integer q in its last bits, the clamp below which
 * e^d is 0 in float32, and c(s) of e^s = 1 + s + s^2 c(s) on |s| <= ln 2 / 2, highest degree first (degree 7) */
#define EXP_LOG2E 1.442695040888963407f
#define EXP_LN2_HI 0.693145751953125f
#define EXP_LN2_LO 1.428606765330187045e-06f
#define EXP_SHIFTER 12582912.0f
#define EXP_CLAMP (-110.0f)
static const float EXP_POLY[] = {0.000198527617612853646278381f, 0.00139304355252534151077271f,
                                 0.00833336077630519866943359f, 0.0416664853692054748535156f,
                                 0.166666671633720397949219f, 0.5f};
#define EXP_POLY_TERMS ((int)(sizeof EXP_POLY / sizeof EXP_POLY[0]))

/* e^d for d <= 0, to ~1 ulp, subnormal results included; NaN gives NaN; in three steps, so that HTAF can also take
 * e^d - 1 before the 1 is added. exp_reduce: d = q ln 2 + s (no float-to-int conversion, defined for NaN too); *t
 * keeps q in its last bits. */
static inline float exp_reduce(float d, float *t) {
    d = d < EXP_CLAMP ? EXP_CLAMP : d;             /* NaN stays NaN */
    *t = MLA(d, EXP_LOG2E, EXP_SHIFTER);
    float q = *t - EXP_SHIFTER;
    float s = MLA(q, -EXP_LN2_HI, d);
    return MLA(q, -EXP_LN2_LO, s);
}

/* P = e^s - 1 = s + s^2 c(s) on the reduced argument */
static inline float expm1_poly(float s) {
    float u = EXP_POLY[0];
#pragma GCC unroll 16     /* unrolled before the outer loop is vectorized (else it is not: 10x slower) */
    for (int k = 1; k < EXP_POLY_TERMS; k++)
        u = MLA(u, s, EXP_POLY[k]);
    return MLA(s * s, u, s);
}

/* v 2^q for the q in t's last bits, as 2^(q + 64) 2^-64: q + 64 >= -95 is a normal exponent, and the last product
 * rounds once, also below 2^-126 (subnormal results), like a correct exp; bits(t) - 0x4B400000 = q */
static inline float exp_scale(float v, float t) {
    uint32_t biased = float_to_bits(t) - (0x4B400000u - 64 - 127);   /* unsigned: wraps, never overflows */
    return v * bits_to_float(biased << 23) * 0x1p-64f;
}

/* e^d for d <= 0: 2^q (1 + P), branch-free, so the compiler vectorizes it with the loop around it */
static inline float exp_nonpositive(float d) {
    float t, s = exp_reduce(d, &t);
    return exp_scale(expm1_poly(s) + 1.0f, t);
}

/* e1 = e^{-2u} (*e1) and e1 - 1 (returned) for u >= 0, the parts of tanh(u) = (1 - e1)/(1 + e1): where q = 0
 * (2u < ln 2 / 2) e1 - 1 is P itself, taken before the 1 is added (no cancellation near 0); elsewhere e1 - 1, exact
 * for e1 >= 1/2 by Sterbenz's lemma and without cancellation below. (The torch formulas, _formulas._tanh_abs, use
 * Cephes' tanh polynomial below u = 0.625 instead: inductor has no such split.) */
static inline float exp_and_expm1(float u, float *e1) {
    float t, s = exp_reduce(-2.0f * u, &t);
    float p = expm1_poly(s);
    *e1 = exp_scale(p + 1.0f, t);
    return t == EXP_SHIFTER ? p : *e1 - 1.0f;      /* q = 0 */
}

enum kind { HTAF_FWD = 0, HTAF_FWD_GRAD = 1, HTAF_BWD = 2, SS_FWD_GRAD = 3, SIGMOID_SLOPE_BWD = 4, STEP_FWD = 5, SS_FWD = 6 };

/* kind HTAF_FWD: out0 = h; HTAF_FWD_GRAD: out0 = h, out1 = h'; HTAF_BWD: out0 = g h'. p0 = a, p1 = b.
 * NaN in, NaN out (h and h'): the exps propagate it; a NaN gradient g propagates through the product. */
KERNEL void htaf_range(int kind, const float *restrict x, const float *restrict g, float *restrict out0,
                       float *restrict out1, ptrdiff_t lo, ptrdiff_t hi, float a, float b) {
    const float ab4 = 4.0f * a * b;
    for (ptrdiff_t i = lo; i < hi; i++) {
        float xi = x[i];
        float y = b * xi, u = fabsf(y);
        float e1, e1m1 = exp_and_expm1(u, &e1);
        float r1 = 1.0f / (1.0f + e1);
        float e2 = exp_nonpositive(a * e1m1 * r1);           /* -a tanh(u) */
        float r2 = 1.0f / (1.0f + e2);
        float value = y >= 0.0f ? r2 : e2 * r2;
        float slope = ab4 * e1 * r1 * r1 * e2 * r2 * r2;
        if (kind == HTAF_FWD) {
            out0[i] = value;
        } else if (kind == HTAF_FWD_GRAD) {
            out0[i] = value;
            out1[i] = slope;
        } else {
            out0[i] = g[i] * slope;
        }
    }
}

/* sigma(gamma x) and (kind SS_FWD_GRAD) gamma e/(1 + e)^2, e = e^{-|gamma x|}: one exp, one division; as
 * _formulas._ss_forward_and_grad */
KERNEL void ss_range(int kind, const float *restrict x, float *restrict out0, float *restrict out1, ptrdiff_t lo,
                     ptrdiff_t hi, float gamma) {
    for (ptrdiff_t i = lo; i < hi; i++) {
        float xi = x[i];
        float z = gamma * xi;
        float e = exp_nonpositive(-fabsf(z));
        float r = 1.0f / (1.0f + e);
        float value = z >= 0.0f ? r : e * r;
        out0[i] = value;
        if (kind == SS_FWD_GRAD)
            out1[i] = gamma * e * r * r;
    }
}

/* g c e/(1 + e)^2, e = e^{-c|x|}: the derivative of sigma(c x) times g (ScaledSigmoid's recomputing backward and the
 * STE sigmoid surrogate with c = gamma; the STE tanh surrogate, d/dx (1 + tanh(kx))/2, with c = 2k); as
 * _formulas._ss_backward */
static void sigmoid_slope_range(const float *restrict x, const float *restrict g, float *restrict out0, ptrdiff_t lo,
                                ptrdiff_t hi, float c) {
    for (ptrdiff_t i = lo; i < hi; i++) {
        float xi = x[i];
        float e = exp_nonpositive(-fabsf(c * xi));
        float r = 1.0f / (1.0f + e);
        float slope = c * e * r * r;
        out0[i] = g[i] * slope;
    }
}

/* the step H(x) = 1 for x >= 0, else 0; NaN stays NaN; as _formulas._step_forward */
static void step_range(const float *restrict x, float *restrict out0, ptrdiff_t lo, ptrdiff_t hi) {
    for (ptrdiff_t i = lo; i < hi; i++) {
        float xi = x[i];
        out0[i] = xi >= 0.0f ? 1.0f : (xi == xi ? 0.0f : xi);
    }
}

typedef void (*task_fn)(void *);
typedef void (*gomp_parallel_fn)(task_fn, void *, unsigned, unsigned);

#define BLOCK 16384   /* elements per block taken by a thread: 64 KB of input, well above the dispatch cost */

struct job {
    int kind;
    const float *x, *g;
    float *out0, *out1;
    ptrdiff_t n;
    float p0, p1;
    unsigned csr;
    ptrdiff_t next;   /* next block's start, taken atomically (the first may start before 0: it is cut there) */
    ptrdiff_t block;  /* elements per block */
};

static void run_range(struct job *j, ptrdiff_t lo, ptrdiff_t hi) {
    /* a literal kind for each call, so that each loop is compiled (and vectorized) without the branch */
    switch (j->kind) {
    case HTAF_FWD: htaf_range(HTAF_FWD, j->x, j->g, j->out0, j->out1, lo, hi, j->p0, j->p1); break;
    case HTAF_FWD_GRAD: htaf_range(HTAF_FWD_GRAD, j->x, j->g, j->out0, j->out1, lo, hi, j->p0, j->p1); break;
    case HTAF_BWD: htaf_range(HTAF_BWD, j->x, j->g, j->out0, j->out1, lo, hi, j->p0, j->p1); break;
    case SS_FWD: ss_range(SS_FWD, j->x, j->out0, j->out1, lo, hi, j->p0); break;
    case SS_FWD_GRAD: ss_range(SS_FWD_GRAD, j->x, j->out0, j->out1, lo, hi, j->p0); break;
    case SIGMOID_SLOPE_BWD: sigmoid_slope_range(j->x, j->g, j->out0, lo, hi, j->p0); break;
    default: step_range(j->x, j->out0, lo, hi); break;
    }
}

static void task(void *data) {
    struct job *j = data;
#ifdef HAVE_MXCSR
    unsigned saved = _mm_getcsr();
    _mm_setcsr(j->csr);
#endif
    for (;;) {
        ptrdiff_t lo = __atomic_fetch_add(&j->next, j->block, __ATOMIC_RELAXED);
        if (lo >= j->n) break;
        run_range(j, lo > 0 ? lo : 0, lo + j->block < j->n ? lo + j->block : j->n);
    }
#ifdef HAVE_MXCSR
    _mm_setcsr(saved);
#endif
}

/* Transparent huge pages for the whole 2 MiB pages inside a large output not yet touched (advice only: a failure or
 * a kernel without THP changes nothing, and pages already present stay as they are). */
#define HUGE_PAGE ((uintptr_t)2 << 20)
#define HUGE_FROM ((ptrdiff_t)32 << 20)
static void advise_huge_pages(void *p, ptrdiff_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (p == NULL || bytes < HUGE_FROM)
        return;
    uintptr_t lo = ((uintptr_t)p + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1), hi = ((uintptr_t)p + bytes) & ~(HUGE_PAGE - 1);
    if (hi > lo)
        madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
    (void)p;
    (void)bytes;
#endif
}

/* The one entry point. threads > 1 and a non-null gomp_parallel: that many threads of the caller's OpenMP
 * runtime; else this thread alone. */
void htaf_native_run(int kind, const float *x, const float *g, float *out0, float *out1, ptrdiff_t n, float p0,
                     float p1, unsigned threads, void *gomp_parallel) {
    struct job j = {kind, x, g, out0, out1, n, p0, p1, 0, 0, BLOCK};
    if (n * (ptrdiff_t)sizeof(float) >= HUGE_FROM) {
        /* one huge page of out0 per block, so that the threads fault their own pages instead of queueing on
         * each other's (the first block runs up to out0's first 2 MiB boundary) */
        j.block = HUGE_PAGE / sizeof(float);
        j.next = (ptrdiff_t)(((HUGE_PAGE - (uintptr_t)out0 % HUGE_PAGE) % HUGE_PAGE) / sizeof(float)) - j.block;
    }
    advise_huge_pages(out0, n * (ptrdiff_t)sizeof(float));
    advise_huge_pages(out1, n * (ptrdiff_t)sizeof(float));
    if (threads <= 1 || gomp_parallel == NULL || n <= BLOCK) {
        run_range(&j, 0, n);
        return;
    }
#ifdef HAVE_MXCSR
    j.csr = _mm_getcsr();
#endif
    ((gomp_parallel_fn)gomp_parallel)(task, &j, threads, 0);
}
