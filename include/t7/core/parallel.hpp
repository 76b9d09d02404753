#pragma once
/// \file parallel.hpp
/// When t7's flat loops (elementwise expressions, fill) split across OpenMP threads, and how:
/// from `expr::parallelThreshold()` elements, in blocks of kParallelBlock consecutive elements
/// dealt out by OpenMP's static schedule, so that each thread gets one run of the data, the
/// same run in every such loop over a tensor of that size (what one loop leaves in a core's
/// cache, the next finds there).

#include <algorithm>

#include "t7/core/config.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace t7 {
namespace expr {

/// The default of `parallelThreshold()`, measured with bench_expr's BM_threshold (see
/// docs/status.md): below it, waking a second thread costs more than it saves.
inline constexpr index_t kParallelThreshold = index_t{1} << 15;

/// Elements from which an elementwise loop is split across OpenMP threads; settable (for
/// benchmarks, or machines where waking threads costs more or less).
inline index_t& parallelThreshold() {
  static index_t threshold = kParallelThreshold;
  return threshold;
}

}  // namespace expr

namespace detail {

/// Elements per block of a split flat loop: a multiple of every SIMD batch width.
inline constexpr index_t kParallelBlock = 4096;

/// Calls f(lo, hi) over [0, total), block by block on OpenMP's threads from
/// parallelThreshold() elements (outside a parallel region), else once: f(0, total).
template <class F>
void forEachFlatBlock(index_t total, F&& f) {
#ifdef _OPENMP
  if (total >= expr::parallelThreshold() && omp_in_parallel() == 0) {
    const index_t blocks = (total + kParallelBlock - 1) / kParallelBlock;
#pragma omp parallel for schedule(static)
    for (index_t b = 0; b < blocks; ++b) f(b * kParallelBlock, std::min(total, (b + 1) * kParallelBlock));
    return;
  }
#endif
  f(index_t{0}, total);
}

}  // namespace detail
}  // namespace t7
