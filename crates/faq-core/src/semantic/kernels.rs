//! The int8 kernels of the semantic path: a dot product, and the full scan of the entry
//! vectors in AVX-512 VNNI, AVX2 or portable Rust, chosen at run time.

use std::sync::OnceLock;

/// Dot product of two int8 vectors, in lanes of 16 that the compiler turns into SIMD (AVX2
/// when the processor has it: detected at run time, the portable build being SSE2 only).
pub fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor supports AVX2, checked just above.
        return unsafe { dot_i8_avx2(a, b) };
    }
    dot_i8_lanes(a, b)
}

/// 32 components at a time: |a| as unsigned bytes times b with a's sign (`vpsignb`),
/// multiplied and summed in pairs to i16 (`vpmaddubsw`: |a|, |b| ≤ 127, so a pair stays
/// under 2 × 127² < 32,767 and never saturates) and in pairs again to i32 (`vpmaddwd` by
/// ones); then 16 at a time sign-extended (`vpmaddwd`), then one by one. Components are
/// quantised to [-127, 127] ([`quantise`]): -128, whose |·| does not fit, never occurs.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn dot_i8_avx2(a: &[i8], b: &[i8]) -> i32 {
    use std::arch::x86_64::{
        __m128i, __m256i, _mm_loadu_si128, _mm256_abs_epi8, _mm256_add_epi32, _mm256_cvtepi8_epi16, _mm256_loadu_si256, _mm256_madd_epi16,
        _mm256_maddubs_epi16, _mm256_set1_epi16, _mm256_setzero_si256, _mm256_sign_epi8, _mm256_storeu_si256,
    };
    let n = a.len().min(b.len());
    let mut sum = _mm256_setzero_si256();
    let ones = _mm256_set1_epi16(1);
    let mut i = 0;
    while i + 32 <= n {
        // SAFETY: i + 32 <= n, so both 32-byte loads stay inside the slices; unaligned
        // loads are allowed.
        let (x, y) =
            unsafe { (_mm256_loadu_si256(a.as_ptr().add(i) as *const __m256i), _mm256_loadu_si256(b.as_ptr().add(i) as *const __m256i)) };
        let pairs = _mm256_maddubs_epi16(_mm256_abs_epi8(x), _mm256_sign_epi8(y, x));
        sum = _mm256_add_epi32(sum, _mm256_madd_epi16(pairs, ones));
        i += 32;
    }
    while i + 16 <= n {
        // SAFETY: i + 16 <= n, as above.
        let (x, y) = unsafe {
            (
                _mm256_cvtepi8_epi16(_mm_loadu_si128(a.as_ptr().add(i) as *const __m128i)),
                _mm256_cvtepi8_epi16(_mm_loadu_si128(b.as_ptr().add(i) as *const __m128i)),
            )
        };
        sum = _mm256_add_epi32(sum, _mm256_madd_epi16(x, y));
        i += 16;
    }
    let mut lanes = [0i32; 8];
    // SAFETY: `lanes` is 32 bytes, the size of the store.
    unsafe { _mm256_storeu_si256(lanes.as_mut_ptr() as *mut __m256i, sum) };
    lanes.iter().sum::<i32>() + a[i..n].iter().zip(&b[i..n]).map(|(&x, &y)| x as i32 * y as i32).sum::<i32>()
}

/// The kernels of the full scan, best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// AVX-512 VNNI: `vpdpbusd`, 64 components a step.
    Vnni,
    /// AVX2: `vpmaddubsw` / `vpmaddwd`, 32 components a step.
    Avx2,
    /// Plain Rust (16 lanes the compiler vectorises).
    Portable,
}

impl Kernel {
    /// The best kernel this processor runs (detected once).
    pub fn best() -> Kernel {
        static BEST: OnceLock<Kernel> = OnceLock::new();
        *BEST.get_or_init(|| {
            #[cfg(target_arch = "x86_64")]
            {
                if std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512bw")
                    && std::arch::is_x86_feature_detected!("avx512vnni")
                {
                    return Kernel::Vnni;
                }
                if std::arch::is_x86_feature_detected!("avx2") {
                    return Kernel::Avx2;
                }
            }
            Kernel::Portable
        })
    }
}

/// [`scan_avx2`] on AVX-512 VNNI: 64 components a step in one `vpdpbusd` (unsigned × signed
/// bytes, summed by fours into 32-bit lanes: exact). The query is made unsigned by adding
/// 128 to each component, so q·v = (q + 128)·v − 128 Σv, with `sums` (Σv of each vector)
/// computed once per opened index. `STEPS` = stride / 64 when known at compile time.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
pub(super) unsafe fn scan_vnni<const STEPS: usize>(
    query: &[i8],
    vectors: &[i8],
    stride: usize,
    sums: &[i32],
    scale: f32,
    scales: &[f32],
    out: &mut [f32],
) {
    use std::arch::x86_64::{
        __m512i, _mm512_dpbusd_epi32, _mm512_loadu_si512, _mm512_reduce_add_epi32, _mm512_set1_epi8, _mm512_setzero_si512, _mm512_xor_si512,
    };
    let steps = if STEPS > 0 { STEPS } else { stride / 64 };
    debug_assert!(stride == 64 * steps && query.len() == stride && sums.len() * stride == vectors.len());
    // SAFETY (every load below): offset 64 * step + 64 <= stride, the length of the query
    // and of each vector; unaligned loads are allowed.
    let load = |bytes: &[i8], step: usize| unsafe { _mm512_loadu_si512(bytes.as_ptr().add(64 * step) as *const __m512i) };
    let flip = _mm512_set1_epi8(i8::MIN);
    for ((vector, (&sum, own)), slot) in vectors.chunks_exact(stride).zip(sums.iter().zip(scales)).zip(out.iter_mut()) {
        let mut lanes = _mm512_setzero_si512();
        for step in 0..steps {
            // q + 128 as unsigned bytes: the sign bit flipped.
            lanes = _mm512_dpbusd_epi32(lanes, _mm512_xor_si512(load(query, step), flip), load(vector, step));
        }
        let dot = _mm512_reduce_add_epi32(lanes) - 128 * sum;
        *slot = dot as f32 * scale * own;
    }
}

/// The dot products of `query` with each `stride`-component vector of `vectors`, each
/// times `scale` and the vector's own scale, into `out` (one per vector). `stride` is a
/// multiple of 32 and the query has `stride` components. `STEPS` = stride / 32 when known
/// at compile time (10 for the 300-dimension table, so the inner loop unrolls), else 0.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
pub(super) unsafe fn scan_avx2<const STEPS: usize>(
    query: &[i8],
    vectors: &[i8],
    stride: usize,
    scale: f32,
    scales: &[f32],
    out: &mut [f32],
) {
    use std::arch::x86_64::{
        __m256i, _mm_add_epi32, _mm_cvtsi128_si32, _mm_shuffle_epi32, _mm256_abs_epi8, _mm256_add_epi32, _mm256_castsi256_si128,
        _mm256_extracti128_si256, _mm256_loadu_si256, _mm256_madd_epi16, _mm256_maddubs_epi16, _mm256_set1_epi16, _mm256_setzero_si256,
        _mm256_sign_epi8,
    };
    let steps = if STEPS > 0 { STEPS } else { stride / 32 };
    debug_assert!(stride == 32 * steps && query.len() == stride);
    // SAFETY (every load below): offset 32 * step + 32 <= stride, the length of the query
    // and of each vector; unaligned loads are allowed.
    let load = |bytes: &[i8], step: usize| unsafe { _mm256_loadu_si256(bytes.as_ptr().add(32 * step) as *const __m256i) };
    let ones = _mm256_set1_epi16(1);
    let dot = |vector: &[i8]| {
        let mut pairs = _mm256_setzero_si256();
        for step in 0..steps {
            let q = load(query, step);
            // |q| × (v with q's sign): i16 pairs, each ≤ 2 × 127² (no saturation).
            let products = _mm256_maddubs_epi16(_mm256_abs_epi8(q), _mm256_sign_epi8(load(vector, step), q));
            pairs = _mm256_add_epi32(pairs, _mm256_madd_epi16(products, ones));
        }
        let half = _mm_add_epi32(_mm256_castsi256_si128(pairs), _mm256_extracti128_si256::<1>(pairs));
        let quarter = _mm_add_epi32(half, _mm_shuffle_epi32::<0b01_00_11_10>(half));
        _mm_cvtsi128_si32(_mm_add_epi32(quarter, _mm_shuffle_epi32::<0b10_11_00_01>(quarter)))
    };
    for ((vector, own), slot) in vectors.chunks_exact(stride).zip(scales).zip(out.iter_mut()) {
        *slot = dot(vector) as f32 * scale * own;
    }
}

pub(super) fn dot_i8_lanes(a: &[i8], b: &[i8]) -> i32 {
    let (chunks_a, chunks_b) = (a.chunks_exact(16), b.chunks_exact(16));
    let tail: i32 = chunks_a.remainder().iter().zip(chunks_b.remainder()).map(|(&x, &y)| x as i32 * y as i32).sum();
    let mut lanes = [0i32; 16];
    for (x, y) in chunks_a.zip(chunks_b) {
        for i in 0..16 {
            lanes[i] += x[i] as i32 * y[i] as i32;
        }
    }
    lanes.iter().sum::<i32>() + tail
}
