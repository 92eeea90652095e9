/* The AVX2-only matmul before p44, row at a time (knowledge/native/e5_matmul.c at c01b5bd, its path without VNNI),
 * kept as the reference for knowledge/tests/test_native_engine.py: the engine built with it and the one built with
 * today's kernel, both for AVX2 only, must give the same vectors bit for bit. Not built into any engine. */
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

/* Without VNNI: one group of ro (<= RO) weight rows, expanded once per call and used by every token, laid out
 * block-major ([nb][RO]): one block's eight rows sit side by side, so the token loop reaches them at constant
 * offsets from one pointer instead of recomputing an index per row. */
typedef struct {
    int8_t *w;          /* [nb][RO][32]: the nibble q */
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
}

static void group_alloc(row_group *g, int nb) {
    g->w = (int8_t *)aligned_alloc(32, (size_t)RO * nb * QK);
    g->dw = (__m256 *)aligned_alloc(32, sizeof(__m256) * (size_t)RO * nb);
}

static void rows_for_tokens(const row_group *g, const int8_t *RESTRICT aq, const float *RESTRICT ad,
                            const int32_t *RESTRICT as, const float *bias, float *RESTRICT Y,
                            int L, int nout, int nin, int oo, int ro) {
    int nb = nin / QK;
    for (int t = 0; t < L; t++) {
        const int8_t *a = aq + (size_t)t * nin;
        float *y = Y + (size_t)t * nout + oo;
        if (ro == RO) rows_for_token(g, a, ad + (size_t)t * nb, as + (size_t)t * nb, bias, y, RO, nb);
        else rows_for_token(g, a, ad + (size_t)t * nb, as + (size_t)t * nb, bias, y, ro, nb);
    }
}

static void matmul_q4q8(const block_q4_0 *W, const float *bias,
                        const int8_t *aq, const float *ad, const int32_t *as,
                        float *Y, int L, int nout, int nin) {
    int nb = nin / QK;
#pragma omp parallel if (!omp_in_parallel())
    {
        row_group g;
        group_alloc(&g, nb);
#pragma omp for schedule(static)
        for (int oo = 0; oo < nout; oo += RO) {
            int ro = nout - oo < RO ? nout - oo : RO;
            expand_rows(W, oo, ro, nb, &g);
            rows_for_tokens(&g, aq, ad, as, bias ? bias + oo : NULL, Y, L, nout, nin, oo, ro);
        }
        free(g.w); free(g.dw);
    }
}
#undef RO
