// LibTorch's twin of bench_nn.cpp: the MLP 784/500/10 (Linear, Tanh, Linear, LogSoftmax,
// nll_loss), one SGD step per iteration, float, batch 1 and 60, 1 and 2 threads. The input
// does not require grad, so LibTorch computes no gradInput for the first layer (as t7's
// bench and Torch7's `-gi false`). Optimizer: torch::optim::SGD (lr 0.01), zero_grad() each
// step. items_per_second = examples/s. Threads: at::set_num_threads (OpenMP); run it with
// OPENBLAS_NUM_THREADS=1 (bench/run_mlp.sh does) so OpenBLAS's own pool does not fight
// torch's on 2 cores (../shared/bench-spec.md: LibTorch's best configuration here).
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <vector>

namespace {

void BM_torch_mlp_step(benchmark::State& state) {
  const std::int64_t batch = state.range(0);
  at::set_num_threads(static_cast<int>(state.range(1)));
  torch::manual_seed(1);
  torch::nn::Sequential net(torch::nn::Linear(784, 500), torch::nn::Tanh(), torch::nn::Linear(500, 10),
                            torch::nn::LogSoftmax(1));
  torch::optim::SGD opt(net->parameters(), torch::optim::SGDOptions(0.01));
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
    opt.zero_grad();
    auto loss = torch::nll_loss(net->forward(x), t);
    loss.backward();
    opt.step();
    benchmark::DoNotOptimize(loss.data_ptr());
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(BM_torch_mlp_step)->ArgNames({"batch", "threads"})->ArgsProduct({{1, 60}, {1, 2}})->UseRealTime()->MinTime(1.0);

}  // namespace

BENCHMARK_MAIN();
