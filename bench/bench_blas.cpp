// Single-precision matrix products C = A * B (n x n, n = 64 ... 2048), 1 and 2 threads:
//   BM_mm_t7          t7::mm(res, a, b) with the back-end this build chose (T7_BLAS)
//   BM_sgemm_openblas cblas_sgemm called directly on the same memory (T7_BLAS=OPENBLAS builds)
//   BM_gemm_eigen     Eigen's product on maps of the same memory: what t7::mm runs with
//                     T7_BLAS=EIGEN (t7::detail::blas::eigen::gemm)
// The FLOPS counter is 2 n^3 per call; after the table, the median GFLOP/s of three runs
// and the ratios t7 / OpenBLAS and t7 / Eigen at each size and thread count.
// See bench/README.md.
//   cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DT7_BUILD_BENCH=ON
//   cmake --build build/bench --target bench_blas && build/bench/bench/bench_blas
#include <benchmark/benchmark.h>
#include <t7/core/threads.hpp>
#include <t7/math/blas.hpp>
#include <t7/t7.hpp>

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

using namespace t7;

namespace {

struct Operands {
  explicit Operands(index_t n) : a(randn<float>(n, n)), b(randn<float>(n, n)), c(n, n) {}
  FloatTensor a, b, c;
};

void setFlops(benchmark::State& state) {
  const double n = static_cast<double>(state.range(0));
  state.counters["FLOPS"] = benchmark::Counter(2 * n * n * n, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_mm_t7(benchmark::State& state) {
  Operands o(state.range(0));
  setNumThreads(static_cast<int>(state.range(1)));
  for (auto _ : state) {
    mm(o.c, o.a, o.b);
    benchmark::DoNotOptimize(o.c.data());
  }
  setFlops(state);
}

#if T7_BLAS_HAS_CBLAS
void BM_sgemm_openblas(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  Operands o(n);
  setNumThreads(static_cast<int>(state.range(1)));
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.f, o.a.data(), n, o.b.data(), n, 0.f,
                o.c.data(), n);
    benchmark::DoNotOptimize(o.c.data());
  }
  setFlops(state);
}
#endif

void BM_gemm_eigen(benchmark::State& state) {
  const index_t n = state.range(0);
  Operands o(n);
  setNumThreads(static_cast<int>(state.range(1)));
  for (auto _ : state) {
    detail::blas::eigen::gemm(false, false, n, n, n, 1.f, o.a.data(), n, o.b.data(), n, 0.f, o.c.data(), n);
    benchmark::DoNotOptimize(o.c.data());
  }
  setFlops(state);
}

/// Registered size by size, thread count by thread count, the three contenders side by side,
/// so that the ratios compare runs made at nearly the same time (a shared machine's load
/// drifts); three repetitions each, the ratios taken from the medians.
void registerAll() {
  struct Contender {
    const char* name;
    void (*fn)(benchmark::State&);
  };
  const Contender contenders[] = {
      {"BM_mm_t7", BM_mm_t7},
#if T7_BLAS_HAS_CBLAS
      {"BM_sgemm_openblas", BM_sgemm_openblas},
#endif
      {"BM_gemm_eigen", BM_gemm_eigen},
  };
  for (std::int64_t n : {64, 128, 256, 512, 1024, 2048})
    for (std::int64_t threads : {1, 2})
      for (const Contender& c : contenders)
        benchmark::RegisterBenchmark(c.name, c.fn)
            ->Args({n, threads})
            ->ArgNames({"n", "threads"})
            ->Repetitions(3)
            ->DisplayAggregatesOnly(true)
            ->UseRealTime()
            ->Unit(benchmark::kMicrosecond);
}

/// The console table, then the ratios of t7's GFLOP/s to the other two at each size.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      const std::string name = r.benchmark_name();
      const auto slash = name.find('/');
      const auto it = r.counters.find("FLOPS");
      const bool median = r.run_type == Run::RT_Aggregate && r.aggregate_name == "median";
      if (slash == std::string::npos || it == r.counters.end() || !median) continue;
      long n = 0, threads = 0;
      if (std::sscanf(name.c_str() + slash + 1, "n:%ld/threads:%ld", &n, &threads) != 2) continue;
      gflops_[{n, threads}][name.substr(0, slash)] = it->second.value / 1e9;
    }
    ConsoleReporter::ReportRuns(runs);
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    std::printf("\nback-end of t7::mm: %s\n", blasBackend().c_str());
    std::printf("median GFLOP/s of 3 runs\n");
    std::printf("           n threads         t7   OpenBLAS      Eigen  t7/OpenBLAS  t7/Eigen\n");
    for (const auto& [key, by] : gflops_) {
      const auto get = [&](const char* k) { return by.count(k) ? by.at(k) : 0.0; };
      const double t7 = get("BM_mm_t7"), ob = get("BM_sgemm_openblas"), eig = get("BM_gemm_eigen");
      std::printf("        %5ld %7ld %10.1f %10.1f %10.1f %12.2f %9.2f\n", key.first, key.second, t7, ob, eig,
                  ob > 0 ? t7 / ob : 0.0, eig > 0 ? t7 / eig : 0.0);
    }
  }

 private:
  std::map<std::pair<long, long>, std::map<std::string, double>> gflops_;  // (n, threads) -> family -> GFLOP/s
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  registerAll();
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
