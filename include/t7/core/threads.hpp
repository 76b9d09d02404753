#pragma once
/// \file threads.hpp
/// One switch for every thread pool t7 computes with (Torch7's `torch.setnumthreads`,
/// `torch.getnumthreads`, `torch.getnumcores`): t7's own OpenMP loops, the BLAS back-end
/// (OpenBLAS when t7 is built with `T7_USE_CBLAS=1` against it) and Eigen's products.
///
/// OpenMP keeps the thread count per calling thread: call `setNumThreads` from the thread
/// that runs the math (usually `main`).

#include <thread>

#include <Eigen/Core>

#include "t7/core/error.hpp"
#include "t7/math/detail/blas_backend.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace t7 {

/// Sets how many threads t7's parallel loops, the BLAS back-end and Eigen use (Torch7's
/// `torch.setnumthreads(n)`). `n` must be >= 1 (ValueError otherwise). Without OpenMP, only
/// a pthread build of OpenBLAS has threads to set; t7's loops and Eigen run on one.
inline void setNumThreads(int n);

/// The number of threads parallel work uses (Torch7's `torch.getnumthreads()`): OpenMP's
/// `omp_get_max_threads()`; without OpenMP, OpenBLAS's count when linked, else 1.
inline int getNumThreads();

/// The number of processors available to this process (Torch7's `torch.getnumcores()`):
/// OpenMP's `omp_get_num_procs()`, else `std::thread::hardware_concurrency()`. Torch7
/// returned 1 without OpenMP; t7 still reports the machine's count.
inline int getNumCores();

// ---- definitions ---------------------------------------------------------------------------

inline void setNumThreads(int n) {
  if (n < 1) detail::fail<ValueError>("setNumThreads: the number of threads must be >= 1, got ", n);
#ifdef _OPENMP
  omp_set_num_threads(n);
#endif
  Eigen::setNbThreads(n);  // Eigen runs single-threaded without OpenMP whatever this says
#if T7_BLAS_HAS_OPENBLAS
  // The OpenMP build of OpenBLAS follows omp_set_num_threads by itself; its pthread build
  // has a pool of its own, which this sizes.
  openblas_set_num_threads(n);
#endif
}

inline int getNumThreads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#elif T7_BLAS_HAS_OPENBLAS
  return openblas_get_num_threads();
#else
  return 1;
#endif
}

inline int getNumCores() {
#ifdef _OPENMP
  return omp_get_num_procs();
#else
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
#endif
}

}  // namespace t7
