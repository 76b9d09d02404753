// LibTorch (Debian's libtorch-dev, ATen's CPU kernels) on the same work as t7's bench_blas
// and bench_expr, so the figures can be read side by side. Built only when CMake finds
// Torch (find_package(Torch)); see bench/README.md.
//   BM_torch_mm_out               at::mm_out(c, a, b), float n x n, n = 64 ... 2048, 1 and 2
//                                 threads (at::set_num_threads); FLOPS = 2 n^3 per call
//                                 (compare bench_blas's BM_mm_t7)
//   BM_torch_eager_mul_add        r = a * b + c on 2^26 floats, eager: two kernels and a
//                                 temporary (compare bench_expr's BM_fused_mul_add)
//   BM_torch_addcmul_out          at::addcmul_out(r, c, a, b): LibTorch's one-kernel c + a * b
//   BM_torch_tiny_add_out         at::add_out(r, a, b) on 16 floats into an existing tensor
//                                 (compare bench_expr's BM_tiny_add)
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <benchmark/benchmark.h>

#include <cstdint>

namespace {

constexpr std::int64_t kN = std::int64_t{1} << 26;  // 2^26 floats = 256 MiB per tensor

void BM_torch_mm_out(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  at::set_num_threads(static_cast<int>(state.range(1)));
  const at::Tensor a = at::randn({n, n}), b = at::randn({n, n});
  at::Tensor c = at::empty({n, n});
  for (auto _ : state) {
    at::mm_out(c, a, b);
    benchmark::DoNotOptimize(c.data_ptr());
  }
  const double f = static_cast<double>(n);
  state.counters["FLOPS"] = benchmark::Counter(2 * f * f * f, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_torch_mm_out)
    ->ArgNames({"n", "threads"})
    ->ArgsProduct({{64, 128, 256, 512, 1024, 2048}, {1, 2}})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

/// bytes_per_second counts 3 reads + 1 write of 2^26 floats, as bench_expr does.
void setStreamBytes(benchmark::State& state) {
  state.SetBytesProcessed(state.iterations() * 4 * kN * static_cast<std::int64_t>(sizeof(float)));
}

void BM_torch_eager_mul_add(benchmark::State& state) {
  at::set_num_threads(static_cast<int>(state.range(0)));
  const at::Tensor a = at::ones({kN}), b = at::ones({kN}), c = at::ones({kN});
  at::Tensor r;
  for (auto _ : state) {
    r = a * b + c;
    benchmark::DoNotOptimize(r.data_ptr());
  }
  setStreamBytes(state);
}
BENCHMARK(BM_torch_eager_mul_add)->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_torch_addcmul_out(benchmark::State& state) {
  at::set_num_threads(static_cast<int>(state.range(0)));
  const at::Tensor a = at::ones({kN}), b = at::ones({kN}), c = at::ones({kN});
  at::Tensor r = at::empty({kN});
  for (auto _ : state) {
    at::addcmul_out(r, c, a, b);
    benchmark::DoNotOptimize(r.data_ptr());
  }
  setStreamBytes(state);
}
BENCHMARK(BM_torch_addcmul_out)->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_torch_tiny_add_out(benchmark::State& state) {
  at::set_num_threads(1);
  const at::Tensor a = at::ones({16}), b = at::ones({16});
  at::Tensor r = at::empty({16});
  for (auto _ : state) {
    at::add_out(r, a, b);
    benchmark::DoNotOptimize(r.data_ptr());
  }
}
BENCHMARK(BM_torch_tiny_add_out);

}  // namespace

BENCHMARK_MAIN();
