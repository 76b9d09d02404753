// LibTorch's twin of bench_autograd.cpp's BM_autograd_step: the same MLP 784/500/10 written
// as a plain function of parameter tensors (torch::mm, tanh, log_softmax, nll_loss), its
// gradient from LibTorch's autograd (backward()), and the update p -= g * lr under NoGradGuard
// with the gradients zeroed for the next step. float, batch 1 and 60, 1 and 2 threads
// (at::set_num_threads; run with OPENBLAS_NUM_THREADS=1, as bench/run_autograd.sh does).
// items_per_second = examples/s.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <cmath>
#include <vector>

namespace {

void BM_torch_autograd_step(benchmark::State& state) {
  const std::int64_t batch = state.range(0);
  at::set_num_threads(static_cast<int>(state.range(1)));
  torch::manual_seed(1);
  auto uniform = [](std::vector<std::int64_t> sizes, double bound) {
    return (torch::rand(sizes) * (2 * bound) - bound).requires_grad_(true);
  };
  std::vector<torch::Tensor> p{uniform({784, 500}, 1 / std::sqrt(784.0)), uniform({500}, 1 / std::sqrt(784.0)),
                               uniform({500, 10}, 1 / std::sqrt(500.0)), uniform({10}, 1 / std::sqrt(500.0))};
  std::vector<torch::Tensor> inputs, targets;
  for (int i = 0; i < 16; ++i) {
    inputs.push_back(torch::randn({batch, 784}));
    targets.push_back(torch::arange(i * batch, (i + 1) * batch, torch::kLong).remainder(10));
  }
  std::size_t i = 0;
  for (auto _ : state) {
    const auto& x = inputs[i % inputs.size()];
    const auto& t = targets[i % targets.size()];
    ++i;
    auto h = torch::tanh(torch::mm(x, p[0]) + p[1]);
    auto out = torch::log_softmax(torch::mm(h, p[2]) + p[3], 1);
    auto loss = torch::nll_loss(out, t);
    loss.backward();
    {
      torch::NoGradGuard guard;
      for (auto& w : p) {
        w.sub_(w.grad() * 0.01f);
        w.mutable_grad().zero_();
      }
    }
    benchmark::DoNotOptimize(loss.data_ptr());
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(BM_torch_autograd_step)->ArgNames({"batch", "threads"})->ArgsProduct({{1, 60}, {1, 2}})->UseRealTime()->MinTime(1.0);

}  // namespace

BENCHMARK_MAIN();
