// The harness both sides of the suite share: the timing protocol of a cell, its report through
// Google Benchmark, and the programs' main (suite_t7.cpp and suite_libtorch.cpp differ only in
// how they build and train a network, and in what --check does).
#pragma once

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "networks.hpp"

namespace suite {

/// Training steps run and the seconds they took.
struct Timing {
  std::int64_t steps;
  double seconds;
};

/// The timing protocol of one cell: `step()` for >= warmUpSeconds (not counted), then for
/// >= minSeconds and >= 3 steps, timed as one span. The clock is read after runs of steps that
/// double while they take under a millisecond (a clock read costs up to ~0.4 us on a VM, a
/// fifth of the fastest step).
template <class Step>
Timing timeSteps(Step&& step) {
  using clock = std::chrono::steady_clock;
  const auto run = [&](double seconds, std::int64_t minSteps) {
    const auto start = clock::now();
    Timing t{0, 0.0};
    std::int64_t stride = 1;
    do {
      for (std::int64_t k = 0; k < stride; ++k) step();
      t.steps += stride;
      const double now = std::chrono::duration<double>(clock::now() - start).count();
      if (now - t.seconds < 1e-3) stride *= 2;
      t.seconds = now;
    } while (t.seconds < seconds || t.steps < minSteps);
    return t;
  };
  run(warmUpSeconds, 1);
  return run(minSeconds, 3);
}

/// Times `step` (one training step of `batch` examples) for one cell: items_per_second =
/// examples/s; counter "steps".
template <class Step>
void timeCell(benchmark::State& state, std::int64_t batch, Step&& step) {
  Timing t{};
  for (auto _ : state) {
    t = timeSteps(step);
    state.SetIterationTime(t.seconds);
  }
  state.SetItemsProcessed(t.steps * batch);
  state.counters["steps"] = static_cast<double>(t.steps);
}

/// One cell of either side: a Trainer (`Trainer(net)`, `double step(input, target)`) trained on a
/// Data pool (`Data(net, batch)`, `inputs`, `targets`), timed by timeCell. The caller sets the
/// thread count and the seed first.
template <class Trainer, class Data>
void trainCell(benchmark::State& state, int net, std::int64_t batch) {
  Trainer trainer(nets[net]);
  const Data data(nets[net], batch);
  std::size_t next = 0;
  double loss = 0;
  timeCell(state, batch, [&] {
    const std::size_t i = next++ % data.inputs.size();
    loss = trainer.step(data.inputs[i], data.targets[i]);
  });
  benchmark::DoNotOptimize(loss);
}

/// The main of both sides. `--check DIR` returns `check(DIR)` (an exit code). Otherwise every
/// cell runs as benchmark "<side>/<net>/batch:B/threads:T", `run(state, net, batch, threads)`,
/// with Google Benchmark's flags (--benchmark_filter, --benchmark_out...).
template <class Run, class Check>
int runSuite(const char* side, int argc, char** argv, Run run, Check check) try {
  if (argc == 3 && std::strcmp(argv[1], "--check") == 0) return check(std::string(argv[2]));
  for (int n = 0; n < netCount; ++n)
    for (int batch : batches)
      for (int threads : threadCounts) {
        const std::string name = std::string(side) + "/" + nets[n].name + "/batch:" + std::to_string(batch) +
                                 "/threads:" + std::to_string(threads);
        benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& s) { run(s, n, batch, threads); })
            ->Iterations(1)  // the one iteration runs timeSteps: warm-up, then >= 2 s of steps
            ->UseManualTime();
      }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "suite %s: %s\n", side, e.what());
  return 1;
}

}  // namespace suite
