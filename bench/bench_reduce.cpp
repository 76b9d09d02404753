// Reductions against the memory-bandwidth reference, side by side:
//   g++ -std=c++20 -O3 -march=x86-64-v3 -fopenmp -Iinclude -I/usr/include/eigen3 \
//       bench/bench_reduce.cpp -lbenchmark -lpthread -o bench_reduce && ./bench_reduce
// The argument of each benchmark is the number of OpenMP threads (omp_set_num_threads).
// bytes_per_second counts the bytes each loop must move: a sum reads its input once; the
// memcpy row copies half as many bytes, reading and writing them, so both move the same
// total and the sum row over the memcpy row is the fraction of the memory limit reached.
#include <benchmark/benchmark.h>
#include <t7/t7.hpp>
#include <t7/math/reduce.hpp>

#include <cstring>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

using namespace t7;

namespace {

constexpr index_t kN = index_t{1} << 24;  // 2^24 floats = 64 MiB
constexpr index_t kRows = 4096, kCols = 4096;

void setThreads([[maybe_unused]] const benchmark::State& state) {
#ifdef _OPENMP
  omp_set_num_threads(static_cast<int>(state.range(0)));
#endif
}

void BM_memcpy_same_bytes(benchmark::State& state) {  // 32 MiB copied = 64 MiB moved
  setThreads(state);
  const index_t half = kN / 2;
  std::vector<float> src(half, 1.f), dst(half);
  for (auto _ : state) {
#ifdef _OPENMP
#pragma omp parallel
    {
      const index_t nt = omp_get_num_threads(), id = omp_get_thread_num();
      const index_t b = half * id / nt, e = half * (id + 1) / nt;
      std::memcpy(dst.data() + b, src.data() + b, (e - b) * sizeof(float));
    }
#else
    std::memcpy(dst.data(), src.data(), half * sizeof(float));
#endif
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * kN * static_cast<index_t>(sizeof(float)));
}
BENCHMARK(BM_memcpy_same_bytes)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_sum_all(benchmark::State& state) {  // sum(x) of 2^24 floats: blocked xsimd, fixed blocks per thread
  setThreads(state);
  FloatTensor x = ones<float>(kN);
  for (auto _ : state) benchmark::DoNotOptimize(sum(x));
  state.SetBytesProcessed(state.iterations() * kN * static_cast<index_t>(sizeof(float)));
}
BENCHMARK(BM_sum_all)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_naive_float_loop(benchmark::State& state) {  // for scale: one float accumulator (inaccurate)
  FloatTensor x = ones<float>(kN);
  const float* p = x.data();
  for (auto _ : state) {
    float s = 0;
    for (index_t i = 0; i < kN; ++i) s += p[i];
    benchmark::DoNotOptimize(s);
  }
  state.SetBytesProcessed(state.iterations() * kN * static_cast<index_t>(sizeof(float)));
}
BENCHMARK(BM_naive_float_loop)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_sum_dim0(benchmark::State& state) {  // 4096x4096 -> 1x4096: rows accumulated into a row
  setThreads(state);
  FloatTensor m = ones<float>(kRows, kCols), r;
  for (auto _ : state) {
    sum(r, m, 0);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * kRows * kCols * static_cast<index_t>(sizeof(float)));
}
BENCHMARK(BM_sum_dim0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_sum_dim1(benchmark::State& state) {  // 4096x4096 -> 4096x1: one contiguous run per row
  setThreads(state);
  FloatTensor m = ones<float>(kRows, kCols), r;
  for (auto _ : state) {
    sum(r, m, 1);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * kRows * kCols * static_cast<index_t>(sizeof(float)));
}
BENCHMARK(BM_sum_dim1)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
