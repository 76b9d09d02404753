// One nn::SpatialConvolution training pass per iteration (forward, accGradParameters, and
// updateGradInput except for first layers, whose input is data: Torch7's `-gi false`), float,
// on the layer shapes of bench/conv_shapes.hpp, batch 1 and 60, 1 and 2 threads. Compare with
// bench_conv_libtorch (the same passes in LibTorch); bench/run_conv.sh runs both and prints
// the ratios next to GFLOP/s and this machine's GEMM GFLOP/s (BM_sgemm: t7::mm, n = 512).
// Counters: items_per_second = examples/s, GFLOPS = 2 x multiply-adds per second.
#include <benchmark/benchmark.h>

#include <t7/t7.hpp>

#include "conv_shapes.hpp"

namespace {

using namespace t7;
using convbench::Shape;

void BM_conv(benchmark::State& state) {
  const Shape& s = convbench::shapes[state.range(0)];
  const index_t batch = state.range(1);
  setNumThreads(static_cast<int>(state.range(2)));
  manualSeed(1);
  nn::SpatialConvolution<float> conv(s.nIn, s.nOut, s.k, s.k, 1, 1, s.pad, s.pad);
  const FloatTensor x = randn<float>({batch, s.nIn, s.height, s.width});
  const FloatTensor gy = randn<float>({batch, s.nOut, s.outH(), s.outW()});
  for (auto _ : state) {
    conv.forward(x);
    if (s.inputGrad) conv.updateGradInput(x, gy);
    conv.accGradParameters(x, gy, 1.0);
    benchmark::DoNotOptimize(conv.gradWeight.data());
  }
  state.SetItemsProcessed(state.iterations() * batch);
  state.counters["GFLOPS"] =
      benchmark::Counter(s.stepFlops(batch) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(s.name);
}
BENCHMARK(BM_conv)->Apply([](benchmark::internal::Benchmark* b) {
  b->ArgNames({"shape", "batch", "threads"});
  for (int i = 0; i < convbench::shapeCount; ++i)
    for (int batch : {1, 60})
      for (int threads : {1, 2}) b->Args({i, batch, threads});
  b->UseRealTime()->MinTime(0.3);
});

/// examples/lenet.cpp's training step (forward, ClassNLLCriterion, backward, optim.sgd with
/// momentum 0.9 on getParameters()' flat tensors), batch 32; examples/s. The first layer's
/// gradInput is computed, as in the example (nn.Sequential's backward computes every one).
void BM_lenet_step(benchmark::State& state) {
  const index_t batch = state.range(0);
  setNumThreads(static_cast<int>(state.range(1)));
  manualSeed(1);
  nn::Sequential<float> net;
  net.add(nn::SpatialConvolution(1, 6, 5, 5, 1, 1, 2, 2)).add(nn::ReLU()).add(nn::SpatialMaxPooling(2, 2, 2, 2));
  net.add(nn::SpatialConvolution(6, 16, 5, 5)).add(nn::ReLU()).add(nn::SpatialMaxPooling(2, 2, 2, 2));
  net.add(nn::View(400)).add(nn::Linear(400, 120)).add(nn::ReLU()).add(nn::Linear(120, 84)).add(nn::ReLU());
  net.add(nn::Linear(84, 10)).add(nn::LogSoftMax());
  nn::ClassNLLCriterion<float> criterion;
  auto [params, gradParams] = net.getParameters();
  optim::SGDState<float> sgd{.learningRate = 0.05, .momentum = 0.9};
  std::vector<FloatTensor> inputs;
  std::vector<LongTensor> targets;
  for (int i = 0; i < 16; ++i) {
    inputs.push_back(randn<float>({batch, 1, 28, 28}));
    LongTensor t(batch);
    for (index_t k = 0; k < batch; ++k) t(k) = (i * batch + k) % 10;
    targets.push_back(t);
  }
  std::size_t i = 0;
  for (auto _ : state) {
    const FloatTensor& x = inputs[i % inputs.size()];
    const LongTensor& t = targets[i % targets.size()];
    ++i;
    auto feval = [&](const FloatTensor&) -> optim::Eval<float> {
      net.zeroGradParameters();
      const FloatTensor& y = net.forward(x).tensor();
      const double loss = criterion.forward(y, t);
      net.backward(x, criterion.backward(y, t));
      return {loss, gradParams};
    };
    benchmark::DoNotOptimize(optim::sgd(feval, params, sgd));
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(BM_lenet_step)->ArgNames({"batch", "threads"})->ArgsProduct({{32}, {1, 2}})->UseRealTime()->MinTime(1.0);

/// The machine's GEMM rate through t7::mm (OpenBLAS when linked), the yardstick of GFLOPS.
void BM_sgemm(benchmark::State& state) {
  const index_t n = 512;
  setNumThreads(static_cast<int>(state.range(0)));
  const FloatTensor a = randn<float>({n, n}), b = randn<float>({n, n});
  FloatTensor c(n, n);
  for (auto _ : state) {
    mm(c, a, b);
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["GFLOPS"] =
      benchmark::Counter(2.0 * n * n * n * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_sgemm)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->MinTime(0.3);

}  // namespace

BENCHMARK_MAIN();
