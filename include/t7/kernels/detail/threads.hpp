#pragma once
/// \file threads.hpp
/// OpenMP helpers of the layer kernels: the team size and thread id (1 and 0 without
/// OpenMP), and the per-thread partial sums behind every weight gradient computed one sample
/// per thread.

#include <cstring>

#include "t7/core/config.hpp"
#include "t7/tensor/tensor.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace t7::kernels::detail {

/// The number of threads a parallel region would start (OpenMP's omp_get_max_threads()).
inline int maxThreads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

/// This thread's number in its team (0 outside a parallel region or without OpenMP).
inline int threadId() {
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}

/// G [size] += scale * sum over n < N of what `sample(n, partial, thread)` adds into the
/// zeroed per-thread array `partial` [size]: the N samples run one per thread (static
/// schedule), each thread adding into its own row of `partials` (resized to [threads x
/// size], kept by the caller); the rows are then summed into G in a fixed order, so the
/// result does not depend on timing.
template <class T, class Sample>
void sumPerThread(index_t N, index_t size, Tensor<T>& partials, T* G, T scale, Sample&& sample) {
  partials.resize(maxThreads(), size);
  T* part = partials.data();
  int team = 1;
#pragma omp parallel
  {
    const int t = threadId();
#pragma omp single
    {
#ifdef _OPENMP
      team = omp_get_num_threads();
#endif
    }
    T* mine = part + t * size;
    std::memset(static_cast<void*>(mine), 0, sizeof(T) * size);
#pragma omp for schedule(static)
    for (index_t n = 0; n < N; ++n) sample(n, mine, t);
  }
#pragma omp parallel for schedule(static) if (static_cast<double>(size) * team >= (1 << 16))
  for (index_t i = 0; i < size; ++i) {
    T s = T(0);
    for (int t = 0; t < team; ++t) s += part[t * size + i];
    G[i] += scale * s;
  }
}

}  // namespace t7::kernels::detail
