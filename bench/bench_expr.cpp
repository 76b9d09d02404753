// Fused elementwise expressions against the memory-bandwidth reference, side by side:
//   cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DT7_BUILD_BENCH=ON
//   cmake --build build/bench -j2 --target bench_expr
//   OMP_NUM_THREADS=1 build/bench/bench/bench_expr; OMP_NUM_THREADS=2 build/bench/bench/bench_expr
// bytes_per_second counts the bytes each loop must move (3 reads + 1 write for a*b + c), so
// the fused row over the memcpy row is the fraction of the memory limit reached.
#include <benchmark/benchmark.h>
#include <t7/t7.hpp>

#include <cstring>
#include <limits>
#include <thread>
#include <vector>

using namespace t7;

namespace {

constexpr index_t kN = index_t{1} << 26;  // 2^26 floats = 256 MiB per tensor

void BM_memcpy_same_bytes(benchmark::State& state) {  // moves 4 x 256 MiB like a*b + c
  std::vector<float> src(2 * kN, 1.f), dst(2 * kN);
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), src.size() * sizeof(float));
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * 4 * kN * static_cast<index_t>(sizeof(float)));
}
BENCHMARK(BM_memcpy_same_bytes)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_fused_mul_add(benchmark::State& state) {
  FloatTensor a = ones<float>(kN), b = ones<float>(kN), c = ones<float>(kN), r(kN);
  for (auto _ : state) {
    r = a * b + c;  // one loop, no temporary
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * 4 * kN * static_cast<index_t>(sizeof(float)));
}
BENCHMARK(BM_fused_mul_add)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_unfused_mul_add(benchmark::State& state) {  // the same math as two separate passes
  FloatTensor a = ones<float>(kN), b = ones<float>(kN), c = ones<float>(kN), r(kN);
  for (auto _ : state) {
    r = a * b;
    r += c;
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * 4 * kN * static_cast<index_t>(sizeof(float)));
}
BENCHMARK(BM_unfused_mul_add)->Unit(benchmark::kMillisecond)->UseRealTime();

// In-cache loops (2^14 floats, one thread), where per-element work shows: a * b + c, and
// tanh(a) * b (compute-bound).
void BM_cached_mul_add(benchmark::State& state) {
  const index_t n = index_t{1} << 14;
  FloatTensor a = ones<float>(n), b = ones<float>(n), c = ones<float>(n), r(n);
  for (auto _ : state) {
    r = a * b + c;
    benchmark::DoNotOptimize(r.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_cached_mul_add);
void BM_cached_tanh_mul(benchmark::State& state) {
  const index_t n = index_t{1} << 14;
  FloatTensor a = ones<float>(n), b = ones<float>(n), r(n);
  for (auto _ : state) {
    r = tanh(a) * b;
    benchmark::DoNotOptimize(r.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_cached_tanh_mul);

// Operands broadcast along the inner dimension (stride 0): an outer product written as
// x.unsqueeze(1) * y.unsqueeze(0) (1024 x 1024), and a matrix times one number broadcast
// from a 1-element tensor (how a sum's gradient reaches the expression below it).
void BM_broadcast_outer(benchmark::State& state) {
  const index_t n = 1024;
  FloatTensor x = ones<float>(n), y = ones<float>(n), r(n, n);
  for (auto _ : state) {
    r = x.unsqueeze(1) * y.unsqueeze(0);
    benchmark::DoNotOptimize(r.data());
  }
  state.SetItemsProcessed(state.iterations() * n * n);
}
BENCHMARK(BM_broadcast_outer);
void BM_broadcast_scalar(benchmark::State& state) {
  const index_t n = 1024;
  FloatTensor a = ones<float>(n, n), s = ones<float>(1), r(n, n);
  for (auto _ : state) {
    r = a * s.view(1, 1).expand(n, n);
    benchmark::DoNotOptimize(r.data());
  }
  state.SetItemsProcessed(state.iterations() * n * n);
}
BENCHMARK(BM_broadcast_scalar);

void BM_tiny_add(benchmark::State& state) {  // per-call overhead: 16 elements into an existing tensor
  FloatTensor a = ones<float>(16), b = ones<float>(16), r(16);
  for (auto _ : state) {
    r = a + b;
    benchmark::DoNotOptimize(r.data());
  }
}
BENCHMARK(BM_tiny_add);

// The same once the process has had a second thread (as any program that ran an OpenMP
// loop has): handle reference counts then take atomic instructions. Runs after
// BM_tiny_add, which must see a single-threaded process.
void BM_tiny_add_threaded(benchmark::State& state) {
  std::thread([] {}).join();
  FloatTensor a = ones<float>(16), b = ones<float>(16), r(16);
  for (auto _ : state) {
    r = a + b;
    benchmark::DoNotOptimize(r.data());
  }
}
BENCHMARK(BM_tiny_add_threaded);

// Where to start splitting across threads: a*b + c on n floats, one thread vs two (the
// threshold forced to 0 or to infinity). The crossover is expr::kParallelThreshold.
void BM_threshold(benchmark::State& state) {
  const index_t n = state.range(0);
  const bool parallel = state.range(1) != 0;
  FloatTensor a = ones<float>(n), b = ones<float>(n), c = ones<float>(n), r(n);
  const index_t saved = expr::parallelThreshold();
  expr::parallelThreshold() = parallel ? 0 : std::numeric_limits<index_t>::max();
  for (auto _ : state) {
    r = a * b + c;
    benchmark::DoNotOptimize(r.data());
  }
  expr::parallelThreshold() = saved;
  state.SetBytesProcessed(state.iterations() * 4 * n * static_cast<index_t>(sizeof(float)));
}
BENCHMARK(BM_threshold)->ArgsProduct({{1 << 12, 1 << 13, 1 << 14, 1 << 15, 1 << 16, 1 << 17, 1 << 18}, {0, 1}});

}  // namespace

BENCHMARK_MAIN();
