// Tensor core data movement against the memory-bandwidth reference (memcpy / memset),
// side by side in one run:
//   cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DT7_BUILD_BENCH=ON
//   cmake --build build/bench -j2 --target bench_tensor && build/bench/bench/bench_tensor
// Compare bytes_per_second of t7 rows with their memcpy/memset rows.
#include <benchmark/benchmark.h>
#include <t7/t7.hpp>

#include <cstring>
#include <vector>

using namespace t7;

namespace {

constexpr index_t kSide = 1024;  // 1024x1024 floats = 4 MiB per tensor

void setBytes(benchmark::State& state, index_t elements, int tensorsTouched) {
  state.SetBytesProcessed(state.iterations() * elements * static_cast<index_t>(sizeof(float)) * tensorsTouched);
}

void BM_memcpy(benchmark::State& state) {
  std::vector<float> a(kSide * kSide, 1.f), b(kSide * kSide);
  for (auto _ : state) {
    std::memcpy(b.data(), a.data(), a.size() * sizeof(float));
    benchmark::ClobberMemory();
  }
  setBytes(state, kSide * kSide, 2);
}
BENCHMARK(BM_memcpy);

void BM_copy_contiguous(benchmark::State& state) {
  FloatTensor a = ones<float>(kSide, kSide), b(kSide, kSide);
  for (auto _ : state) {
    b.copy(a);
    benchmark::ClobberMemory();
  }
  setBytes(state, kSide * kSide, 2);
}
BENCHMARK(BM_copy_contiguous);

void BM_copy_float_to_double(benchmark::State& state) {
  FloatTensor a = ones<float>(kSide, kSide);
  DoubleTensor b(kSide, kSide);
  for (auto _ : state) {
    b.copy(a);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * kSide * kSide * 12);
}
BENCHMARK(BM_copy_float_to_double);

void BM_copy_transposed(benchmark::State& state) {
  FloatTensor a = ones<float>(kSide, kSide), b(kSide, kSide);
  FloatTensor at = a.t();
  for (auto _ : state) {
    b.copy(at);
    benchmark::ClobberMemory();
  }
  setBytes(state, kSide * kSide, 2);
}
BENCHMARK(BM_copy_transposed);

void BM_memset(benchmark::State& state) {
  std::vector<float> a(kSide * kSide);
  for (auto _ : state) {
    std::memset(a.data(), 0, a.size() * sizeof(float));
    benchmark::ClobberMemory();
  }
  setBytes(state, kSide * kSide, 1);
}
BENCHMARK(BM_memset);

void BM_fill_contiguous(benchmark::State& state) {
  FloatTensor a(kSide, kSide);
  for (auto _ : state) {
    a.fill(0.f);
    benchmark::ClobberMemory();
  }
  setBytes(state, kSide * kSide, 1);
}
BENCHMARK(BM_fill_contiguous);

void BM_fill_narrowed(benchmark::State& state) {
  FloatTensor base(kSide, kSide + 16);
  FloatTensor a = base.narrow(1, 8, kSide);  // rows of 1024 with gaps: one inner loop per row
  for (auto _ : state) {
    a.fill(0.f);
    benchmark::ClobberMemory();
  }
  setBytes(state, kSide * kSide, 1);
}
BENCHMARK(BM_fill_narrowed);

void BM_uniform(benchmark::State& state) {
  FloatTensor a(kSide, kSide);
  Generator g(1);
  for (auto _ : state) {
    a.uniform(g);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * kSide * kSide);
}
BENCHMARK(BM_uniform);

void BM_view_chain(benchmark::State& state) {  // the cost of a handle: views allocate nothing
  FloatTensor a = ones<float>(64, 64);
  for (auto _ : state) {
    FloatTensor v = a.narrow(0, 8, 32).t().unsqueeze(0).view(1, 64, 32).select(0, 0);
    benchmark::DoNotOptimize(v.data());
  }
}
BENCHMARK(BM_view_chain);

}  // namespace

BENCHMARK_MAIN();
