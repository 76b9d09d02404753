// The Torch7 paper's benchmark suite, t7's side: every network of networks.hpp trained with
// plain SGD, batch 1 and 60, 1 and 2 threads; one Google Benchmark per cell, items_per_second =
// examples/s. bench/torch7_suite/run.sh runs it beside suite_libtorch and prints the table.
//
//   suite_t7 [--step 2011] [Google Benchmark flags]   time every cell (--benchmark_filter=cnn32/
//                                                     for a few)
//   suite_t7 [--step 2011] --check DIR   one SGD step of every network from fixed weights and
//                                        data, written to DIR for suite_libtorch --check
//
// Two training steps, both plain SGD on the same networks (Step):
// - the default, cells "t7/...": Torch7's tutorial step, the loop LibTorch's side runs too:
//   forward, criterion, zeroGradParameters, backward (no gradInput for the first layer), then
//   w -= lr * dw on getParameters()' flat tensors;
// - `--step 2011`, cells "t7-2011/...": the step of Torch7's 2011 benchmark script (and of
//   nn.StochasticGradient), which the Torch7 figures of bench-spec.md measure: each layer's
//   gradInput, then accUpdateGradParameters(input, gradOutput, lr) applies the layer's gradient
//   straight to its weights. No gradient buffer is zeroed, filled and read back: a batch-1 MLP
//   step touches its weights 3 times instead of 5 and its gradients not at all.
#include <t7/t7.hpp>
#include <t7/nn.hpp>

#include <cstdio>
#include <cstring>
#include <string>

#include "harness.hpp"

namespace {

using namespace t7;

/// The network of `net` in Torch7's layers.
nn::Sequential<float> build(const suite::Net& net) {
  nn::Sequential<float> s;
  if (net.isMlp()) {
    index_t in = 784;
    for (index_t h : net.hidden) {
      if (h == 0) break;
      s.add(nn::Linear(in, h)).add(nn::Tanh());
      in = h;
    }
    s.add(nn::Linear(in, 10));
  } else {
    const auto pool = [&](index_t planes, index_t k) {
      if (net.theano) s.add(nn::SpatialMaxPooling(k, k, k, k));
      else s.add(nn::SpatialSubSampling(planes, k, k, k, k));
    };
    s.add(nn::SpatialConvolution(1, 6, net.k, net.k)).add(nn::Tanh());
    pool(6, net.pool1);
    s.add(nn::Tanh());
    s.add(nn::SpatialConvolution(6, 16, net.k, net.k)).add(nn::Tanh());
    pool(16, net.pool2);
    s.add(nn::Tanh());
    s.add(nn::Reshape(Shape{net.flat()}));
    s.add(nn::Linear(net.flat(), 120));
    if (net.theano) s.add(nn::Tanh());
    s.add(nn::Linear(120, 10));
  }
  s.add(nn::LogSoftMax());
  return s;
}

/// A pool of N(0,1) examples cut into mini-batches (views), with labels i mod 10.
struct Data {
  std::vector<FloatTensor> inputs;
  std::vector<LongTensor> targets;

  Data(const suite::Net& net, index_t batch) {
    const index_t n = net.pool;
    const FloatTensor pool = net.isMlp() ? randn<float>({n, 784}) : randn<float>({n, 1, net.side, net.side});
    for (index_t first = 0; first + batch <= n; first += batch) {
      inputs.push_back(batch == 1 ? pool.select(0, first) : pool.narrow(0, first, batch));
      LongTensor t(batch);
      for (index_t k = 0; k < batch; ++k) t(k) = suite::label(first + k);
      targets.push_back(t);
    }
  }
};

/// The training step a run times (see the top of this file).
enum class Step { tutorial, torch2011 };

/// One network in training: the step the suite times.
template <Step kind>
struct Trainer {
  nn::Sequential<float> net;
  nn::ClassNLLCriterion<float> criterion;
  FloatTensor params, grads;

  explicit Trainer(const suite::Net& spec) : net(build(spec)) { std::tie(params, grads) = net.getParameters(); }

  /// One SGD step on (x, t); returns the loss.
  double step(const FloatTensor& x, const LongTensor& t) {
    const FloatTensor& y = net.forward(x).tensor();
    const double loss = criterion.forward(y, t);
    const FloatTensor& g = criterion.backward(y, t);
    // from the last layer to the first, which computes no gradInput (its input is data)
    nn::Activity<float> gout = g;
    const nn::Activity<float>* cur = &gout;
    if constexpr (kind == Step::tutorial) {
      net.zeroGradParameters();
      for (std::size_t i = net.size(); i-- > 1;) cur = &net.get(i).backward(net.get(i - 1).output, *cur, 1);
      net.get(0).accGradParameters(nn::Activity<float>(x), *cur, 1);
      params.add(static_cast<float>(-suite::learningRate), grads);
    } else {
      // a layer's gradInput first, from the weights before this step's update
      for (std::size_t i = net.size(); i-- > 1;) {
        const nn::Activity<float>& input = net.get(i - 1).output;
        const nn::Activity<float>* gradInput = &net.get(i).updateGradInput(input, *cur);
        net.get(i).accUpdateGradParameters(input, *cur, suite::learningRate);
        cur = gradInput;
      }
      net.get(0).accUpdateGradParameters(nn::Activity<float>(x), *cur, suite::learningRate);
    }
    return loss;
  }
};

/// One cell: the network trained on its data pool (batch `batch`, `threads` threads).
template <Step kind>
void runCell(benchmark::State& state, int net, index_t batch, int threads) {
  setNumThreads(threads);
  manualSeed(1);
  suite::trainCell<Trainer<kind>, Data>(state, net, batch);
  setNumThreads(getNumCores());
}

/// Writes the check files of every network and batch (networks.hpp, "the check exchange").
template <Step kind>
void writeChecks(const std::string& dir) {
  const auto array = [](const FloatTensor& t) {
    suite::Array a;
    for (index_t s : t.sizes()) a.sizes.push_back(s);
    const FloatTensor c = t.contiguous();
    a.values.assign(c.data(), c.data() + c.nElement());
    return a;
  };
  for (int n = 0; n < suite::netCount; ++n) {
    for (int batch : suite::batches) {
      const suite::Net& net = suite::nets[n];
      manualSeed(7);
      Trainer<kind> t(net);
      Data data(net, batch);
      std::vector<suite::Array> init;
      for (const FloatTensor& w : t.net.parameters().weights) init.push_back(array(w));
      suite::Array labels;
      labels.sizes = {batch};
      for (index_t k = 0; k < batch; ++k) labels.values.push_back(static_cast<float>(data.targets[0](k)));
      const double loss = t.step(data.inputs[0], data.targets[0]);
      std::vector<suite::Array> after{suite::Array{{1}, {static_cast<float>(loss)}}};
      for (const FloatTensor& w : t.net.parameters().weights) after.push_back(array(w));
      suite::writeTensors(suite::checkFile(dir, net, batch, "init"), init);
      suite::writeTensors(suite::checkFile(dir, net, batch, "data"), {array(data.inputs[0]), labels});
      suite::writeTensors(suite::checkFile(dir, net, batch, "after"), after);
      std::printf("%-18s batch %2d: loss %.6f, %zu weight tensors\n", net.name, batch, loss, init.size());
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  // `--step 2011` (anywhere) picks the 2011 step; the other arguments go on to the harness
  bool torch2011 = false;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--step") == 0 && i + 1 < argc) {
      if (std::strcmp(argv[i + 1], "2011") != 0) {
        std::fprintf(stderr, "suite_t7: --step takes 2011, not %s\n", argv[i + 1]);
        return 2;
      }
      torch2011 = true;
      ++i;
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  const auto checks = [](auto writer) {
    return [writer](const std::string& dir) {
      writer(dir);
      return 0;
    };
  };
  if (torch2011)
    return suite::runSuite("t7-2011", argc, argv, runCell<Step::torch2011>,
                           checks(writeChecks<Step::torch2011>));
  return suite::runSuite("t7", argc, argv, runCell<Step::tutorial>, checks(writeChecks<Step::tutorial>));
}
