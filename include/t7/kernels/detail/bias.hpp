#pragma once
/// \file bias.hpp
/// The bias gradient of a layer whose output is [N x M x P] (M planes of P values per
/// sample): shared by the 2-D and volumetric convolutions.

#include "t7/core/config.hpp"

namespace t7::kernels::detail {

/// gb[m] += scale * sum over n < N and p < P of y[n][m][p] (sums in double; threads over m).
/// The sum of a plane runs vectorised (`omp simd`: several partial sums, added at the end);
/// a serial double sum ran one element per add's latency (5% of the Torch7 suite's CNN step).
template <class T>
void accBiasGrad(const T* y, index_t N, index_t M, index_t P, T* gb, T scale) {
#pragma omp parallel for schedule(static) if (static_cast<double>(N) * M * P >= (1 << 18))
  for (index_t m = 0; m < M; ++m) {
    double s = 0;
    for (index_t n = 0; n < N; ++n) {
      const T* row = y + (n * M + m) * P;
#pragma omp simd reduction(+ : s)
      for (index_t p = 0; p < P; ++p) s += static_cast<double>(row[p]);
    }
    gb[m] += static_cast<T>(scale * s);
  }
}

}  // namespace t7::kernels::detail
