// LibTorch's twin of bench_conv.cpp: one convolution layer's training pass (forward, then
// the weight and bias gradients, and the input gradient except for first layers), float, on
// the shapes of bench/conv_shapes.hpp, batch 1 and 60, 1 and 2 threads. Two variants, and
// bench/run_conv.sh takes the faster one for each row (LibTorch at its best):
//   BM_torch_conv_aten      at::convolution + at::convolution_backward (the kernels alone:
//                           oneDNN or THNN's im2col, as LibTorch's dispatcher picks)
//   BM_torch_conv_autograd  torch::nn::Conv2d forward, backward through autograd
// Run with OPENBLAS_NUM_THREADS=1 (run_conv.sh does; ../shared/bench-spec.md). Counters:
// items_per_second = examples/s, GFLOPS = 2 x multiply-adds per second.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include "conv_shapes.hpp"

namespace {

using convbench::Shape;

void BM_torch_conv_aten(benchmark::State& state) {
  const Shape& s = convbench::shapes[state.range(0)];
  const std::int64_t batch = state.range(1);
  at::set_num_threads(static_cast<int>(state.range(2)));
  torch::manual_seed(1);
  const auto x = torch::randn({batch, s.nIn, s.height, s.width});
  const auto w = torch::randn({s.nOut, s.nIn, s.k, s.k}) * 0.1;
  const auto b = torch::randn({s.nOut});
  const auto gy = torch::randn({batch, s.nOut, s.outH(), s.outW()});
  const std::vector<std::int64_t> stride{1, 1}, pad{s.pad, s.pad}, dil{1, 1}, outPad{0, 0};
  const std::vector<std::int64_t> biasSizes{s.nOut};
  for (auto _ : state) {
    auto y = at::convolution(x, w, b, stride, pad, dil, false, outPad, 1);
    auto grads = at::convolution_backward(gy, x, w, at::IntArrayRef(biasSizes), stride, pad, dil, false, outPad, 1,
                                          {s.inputGrad, true, true});
    benchmark::DoNotOptimize(y.data_ptr());
    benchmark::DoNotOptimize(std::get<1>(grads).data_ptr());
  }
  state.SetItemsProcessed(state.iterations() * batch);
  state.counters["GFLOPS"] =
      benchmark::Counter(s.stepFlops(batch) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(s.name);
}

void BM_torch_conv_autograd(benchmark::State& state) {
  const Shape& s = convbench::shapes[state.range(0)];
  const std::int64_t batch = state.range(1);
  at::set_num_threads(static_cast<int>(state.range(2)));
  torch::manual_seed(1);
  torch::nn::Conv2d conv(torch::nn::Conv2dOptions(s.nIn, s.nOut, s.k).padding(s.pad));
  const auto x = torch::randn({batch, s.nIn, s.height, s.width}).requires_grad_(s.inputGrad);
  const auto gy = torch::randn({batch, s.nOut, s.outH(), s.outW()});
  for (auto _ : state) {
    conv->zero_grad();
    if (s.inputGrad && x.grad().defined()) x.grad().zero_();
    auto y = conv->forward(x);
    y.backward(gy);
    benchmark::DoNotOptimize(conv->weight.grad().data_ptr());
  }
  state.SetItemsProcessed(state.iterations() * batch);
  state.counters["GFLOPS"] =
      benchmark::Counter(s.stepFlops(batch) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(s.name);
}

void shapeArgs(benchmark::internal::Benchmark* b) {
  b->ArgNames({"shape", "batch", "threads"});
  for (int i = 0; i < convbench::shapeCount; ++i)
    for (int batch : {1, 60})
      for (int threads : {1, 2}) b->Args({i, batch, threads});
  b->UseRealTime()->MinTime(0.3);
}
BENCHMARK(BM_torch_conv_aten)->Apply(shapeArgs);
BENCHMARK(BM_torch_conv_autograd)->Apply(shapeArgs);

/// examples/lenet.cpp's training step in LibTorch: the same LeNet (ReLU, max pooling),
/// nll_loss on log_softmax, torch::optim::SGD with momentum 0.9, batch 32 (examples/s; an
/// epoch of Fashion-MNIST is 60,000 examples).
void BM_torch_lenet_step(benchmark::State& state) {
  const std::int64_t batch = state.range(0);
  at::set_num_threads(static_cast<int>(state.range(1)));
  torch::manual_seed(1);
  torch::nn::Sequential net(
      torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 6, 5).padding(2)), torch::nn::ReLU(),
      torch::nn::MaxPool2d(2), torch::nn::Conv2d(6, 16, 5), torch::nn::ReLU(), torch::nn::MaxPool2d(2),
      torch::nn::Flatten(), torch::nn::Linear(400, 120), torch::nn::ReLU(), torch::nn::Linear(120, 84),
      torch::nn::ReLU(), torch::nn::Linear(84, 10), torch::nn::LogSoftmax(1));
  torch::optim::SGD opt(net->parameters(), torch::optim::SGDOptions(0.05).momentum(0.9));
  std::vector<torch::Tensor> inputs, targets;
  for (int i = 0; i < 16; ++i) {
    inputs.push_back(torch::randn({batch, 1, 28, 28}));
    targets.push_back(torch::arange(i * batch, (i + 1) * batch, torch::kLong).remainder(10));
  }
  std::size_t i = 0;
  for (auto _ : state) {
    const auto& x = inputs[i % inputs.size()];
    const auto& t = targets[i % targets.size()];
    ++i;
    opt.zero_grad();
    auto loss = torch::nll_loss(net->forward(x), t);
    loss.backward();
    opt.step();
    benchmark::DoNotOptimize(loss.data_ptr());
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(BM_torch_lenet_step)->ArgNames({"batch", "threads"})->ArgsProduct({{32}, {1, 2}})->UseRealTime()->MinTime(1.0);

}  // namespace

BENCHMARK_MAIN();
