// The seed paper's MLP 784/500/10 (Linear, Tanh, Linear, LogSoftMax, ClassNLLCriterion),
// one SGD training step per iteration, float, batch 1 and 60, 1 and 2 threads. Compare with
// bench_nn_libtorch (the same step in LibTorch); bench/run_mlp.sh runs both and prints ratios.
//   BM_mlp_step        Torch7's tutorial step: forward, criterion, zeroGradParameters,
//                      backward, then x -= lr * dx on getParameters()' flat tensors
//   BM_mlp_step_accupd Torch7's 2011 benchmark step: forward, criterion, updateGradInput,
//                      accUpdateGradParameters (gradients applied straight to the weights)
// As Torch7's `-gi false`, the first layer computes no gradInput (its input is data).
// items_per_second = examples/s.
#include <benchmark/benchmark.h>

#include <t7/t7.hpp>
#include <t7/nn.hpp>

namespace {

using namespace t7;

struct Mlp {
  nn::Sequential<float> net;
  nn::ClassNLLCriterion<float> criterion;
  FloatTensor params, grads;
  std::vector<FloatTensor> inputs;
  std::vector<LongTensor> targets;

  explicit Mlp(index_t batch) {
    net.add(nn::Linear(784, 500)).add(nn::Tanh()).add(nn::Linear(500, 10)).add(nn::LogSoftMax());
    std::tie(params, grads) = net.getParameters();
    for (int i = 0; i < 16; ++i) {
      inputs.push_back(batch == 1 ? randn<float>({784}) : randn<float>({batch, 784}));
      LongTensor t(batch);
      for (index_t k = 0; k < batch; ++k) t(k) = (i * batch + k) % 10;
      targets.push_back(t);
    }
  }
  /// The backward pass from the last layer to the first, `step(module, input, gradOutput,
  /// isFirst)` per layer (it returns the layer's gradInput), so the first layer can skip its
  /// gradInput.
  template <class Step>
  void backwardNoInputGrad(const FloatTensor& x, const FloatTensor& g, Step&& step) {
    nn::Activity<float> gout = g;
    const nn::Activity<float>* cur = &gout;
    for (std::size_t i = net.size(); i-- > 1;) cur = &step(net.get(i), net.get(i - 1).output, *cur, false);
    step(net.get(0), nn::Activity<float>(x), *cur, true);
  }
};

void BM_mlp_step(benchmark::State& state) {
  const index_t batch = state.range(0);
  setNumThreads(static_cast<int>(state.range(1)));
  Mlp m(batch);
  std::size_t i = 0;
  for (auto _ : state) {
    const FloatTensor& x = m.inputs[i % m.inputs.size()];
    const LongTensor& t = m.targets[i % m.targets.size()];
    ++i;
    const FloatTensor& y = m.net.forward(x).tensor();
    m.criterion.forward(y, t);
    const FloatTensor& g = m.criterion.backward(y, t);
    m.net.zeroGradParameters();
    m.backwardNoInputGrad(x, g, [](nn::AnyModule<float>& mod, const nn::Activity<float>& in,
                                   const nn::Activity<float>& go, bool first) -> const nn::Activity<float>& {
      if (first) {
        mod.accGradParameters(in, go, 1);
        return go;
      }
      return mod.backward(in, go, 1);
    });
    m.params.add(-0.01f, m.grads);
    benchmark::DoNotOptimize(m.params.data());
  }
  state.SetItemsProcessed(state.iterations() * batch);
  setNumThreads(getNumCores());
}
BENCHMARK(BM_mlp_step)->ArgNames({"batch", "threads"})->ArgsProduct({{1, 60}, {1, 2}})->UseRealTime()->MinTime(1.0);

void BM_mlp_step_accupd(benchmark::State& state) {
  const index_t batch = state.range(0);
  setNumThreads(static_cast<int>(state.range(1)));
  Mlp m(batch);
  std::size_t i = 0;
  for (auto _ : state) {
    const FloatTensor& x = m.inputs[i % m.inputs.size()];
    const LongTensor& t = m.targets[i % m.targets.size()];
    ++i;
    const FloatTensor& y = m.net.forward(x).tensor();
    m.criterion.forward(y, t);
    const FloatTensor& g = m.criterion.backward(y, t);
    m.backwardNoInputGrad(x, g, [](nn::AnyModule<float>& mod, const nn::Activity<float>& in,
                                   const nn::Activity<float>& go, bool first) -> const nn::Activity<float>& {
      if (first) {
        mod.accUpdateGradParameters(in, go, 0.01);
        return go;
      }
      mod.updateGradInput(in, go);
      mod.accUpdateGradParameters(in, go, 0.01);
      return mod.gradInput;
    });
    benchmark::DoNotOptimize(m.params.data());
  }
  state.SetItemsProcessed(state.iterations() * batch);
  setNumThreads(getNumCores());
}
BENCHMARK(BM_mlp_step_accupd)->ArgNames({"batch", "threads"})->ArgsProduct({{1, 60}, {1, 2}})->UseRealTime()->MinTime(1.0);

}  // namespace

BENCHMARK_MAIN();
