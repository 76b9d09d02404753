// The seed MLP 784/500/10 training step (tanh hidden layer, LogSoftMax, mean class NLL, SGD
// with lr 0.01), float, batch 1 and 60, 1 and 2 threads, written two ways:
//   BM_nn_step        nn modules: Sequential forward, ClassNLLCriterion, zeroGradParameters,
//                     backward (no gradInput for the first layer), params.add(-lr, grads)
//   BM_autograd_step  a plain function of a parameter Table, its gradient from
//                     autograd::grad, and the update p = p - g * lr per tensor
// The targets: autograd <= 1.15x nn's time at batch 60, <= 1.5x at batch 1.
// BM_fused_backward: a fused node's backward in one pass vs one loop per operand.
// bench_autograd_libtorch has the same function in LibTorch's autograd; bench/run_autograd.sh
// runs both and prints the ratios. items_per_second = examples/s.
#include <benchmark/benchmark.h>

#include <t7/autograd.hpp>
#include <t7/nn.hpp>
#include <t7/t7.hpp>

namespace {

using namespace t7;
namespace ag = t7::autograd;

struct Data {
  std::vector<FloatTensor> inputs;
  std::vector<LongTensor> targets;
  explicit Data(index_t batch) {
    manualSeed(1);
    for (int i = 0; i < 16; ++i) {
      inputs.push_back(randn<float>({batch, 784}));
      LongTensor t(batch);
      for (index_t k = 0; k < batch; ++k) t(k) = (i * batch + k) % 10;
      targets.push_back(t);
    }
  }
};

void BM_nn_step(benchmark::State& state) {
  const index_t batch = state.range(0);
  setNumThreads(static_cast<int>(state.range(1)));
  Data d(batch);
  nn::Sequential<float> net;
  net.add(nn::Linear(784, 500)).add(nn::Tanh()).add(nn::Linear(500, 10)).add(nn::LogSoftMax());
  nn::ClassNLLCriterion<float> criterion;
  auto [params, grads] = net.getParameters();
  std::size_t i = 0;
  for (auto _ : state) {
    const FloatTensor& x = d.inputs[i % d.inputs.size()];
    const LongTensor& t = d.targets[i % d.targets.size()];
    ++i;
    const FloatTensor& y = net.forward(x).tensor();
    criterion.forward(y, t);
    const FloatTensor& g = criterion.backward(y, t);
    net.zeroGradParameters();
    // backward from the last layer down, the first one without gradInput (its input is data)
    nn::Activity<float> gout = g;
    const nn::Activity<float>* cur = &gout;
    for (std::size_t k = net.size(); k-- > 1;) cur = &net.get(k).backward(net.get(k - 1).output, *cur, 1);
    net.get(0).accGradParameters(nn::Activity<float>(x), *cur, 1);
    params.add(-0.01f, grads);
    benchmark::DoNotOptimize(params.data());
  }
  state.SetItemsProcessed(state.iterations() * batch);
  setNumThreads(getNumCores());
}
BENCHMARK(BM_nn_step)->ArgNames({"batch", "threads"})->ArgsProduct({{1, 60}, {1, 2}})->UseRealTime()->MinTime(1.0);

void BM_autograd_step(benchmark::State& state) {
  const index_t batch = state.range(0);
  setNumThreads(static_cast<int>(state.range(1)));
  Data d(batch);
  // Linear's default initialisation, in the layout x * W (784 x 500)
  auto uniform = [](index_t rows, index_t cols, double bound) {
    FloatTensor t = cols ? FloatTensor(rows, cols) : FloatTensor(rows);
    t.uniform(-bound, bound);
    return t;
  };
  ag::Table<FloatTensor> params{{"W1", uniform(784, 500, 1 / std::sqrt(784.0))}, {"b1", uniform(500, 0, 1 / std::sqrt(784.0))},
                                {"W2", uniform(500, 10, 1 / std::sqrt(500.0))}, {"b2", uniform(10, 0, 1 / std::sqrt(500.0))}};
  auto f = [](const auto& p, const FloatTensor& x, const LongTensor& y) {
    auto h = tanh(ag::mm(x, p["W1"]) + p["b1"]);
    auto out = ag::logSoftMax(ag::mm(h, p["W2"]) + p["b2"]);
    return ag::loss::classNLL(out, y);
  };
  auto df = ag::grad(f);
  std::size_t i = 0;
  for (auto _ : state) {
    const FloatTensor& x = d.inputs[i % d.inputs.size()];
    const LongTensor& t = d.targets[i % d.targets.size()];
    ++i;
    auto [grads, loss] = df(params, x, t);
    for (auto& [key, p] : params) p = p - grads[key] * 0.01f;
    benchmark::DoNotOptimize(loss);
  }
  state.SetItemsProcessed(state.iterations() * batch);
  setNumThreads(getNumCores());
}
BENCHMARK(BM_autograd_step)->ArgNames({"batch", "threads"})->ArgsProduct({{1, 60}, {1, 2}})->UseRealTime()->MinTime(1.0);

// The backward pass of a fused elementwise node with three operands of 2^20 floats, one thread:
// one pass computing every operand's gradient (onepass:1, the default) against one loop per
// operand (onepass:0). The step is a whole grad() call: forward, the loss's own nodes, backward.
void BM_fused_backward(benchmark::State& state) {
  ag::detail::fusedOnePass() = state.range(0) != 0;
  setNumThreads(1);
  const index_t n = index_t(1) << 20;
  manualSeed(2);
  const std::vector<FloatTensor> p{randn<float>({n}), randn<float>({n}), randn<float>({n})};
  const FloatTensor w = randn<float>({n});
  auto f = [&](const std::vector<ag::Var<float>>& v) {
    const ag::Var<float> e = v[0] * v[1] + v[0] * v[2] * v[1] - v[2];  // one node, six leaves
    return ag::sum(e * w);
  };
  auto df = ag::grad(f);
  for (auto _ : state) {
    auto [grads, loss] = df(p);
    benchmark::DoNotOptimize(loss);
  }
  state.SetItemsProcessed(state.iterations() * n);
  ag::detail::fusedOnePass() = true;
  setNumThreads(getNumCores());
}
BENCHMARK(BM_fused_backward)->ArgNames({"onepass"})->Arg(0)->Arg(1)->UseRealTime()->MinTime(1.0);

}  // namespace

BENCHMARK_MAIN();
