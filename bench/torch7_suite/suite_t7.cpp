// The Torch7 paper's benchmark suite, t7's side: every network of networks.hpp trained with
// plain SGD, batch 1 and 60, 1 and 2 threads; one Google Benchmark per cell, items_per_second =
// examples/s. bench/torch7_suite/run.sh runs it beside suite_libtorch and prints the table.
//
//   suite_t7 [Google Benchmark flags]   time every cell (--benchmark_filter=cnn32/ for a few)
//   suite_t7 --check DIR                one SGD step of every network from fixed weights and
//                                       data, written to DIR for suite_libtorch --check
//
// The step is Torch7's tutorial one: forward, criterion, zeroGradParameters, backward (no
// gradInput for the first layer), then w -= lr * dw on getParameters()' flat tensors.
#include <t7/t7.hpp>
#include <t7/nn.hpp>

#include <cstdio>
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

/// One network in training: the step the suite times.
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
    net.zeroGradParameters();
    // backward from the last layer to the first, which computes no gradInput (its input is data)
    nn::Activity<float> gout = g;
    const nn::Activity<float>* cur = &gout;
    for (std::size_t i = net.size(); i-- > 1;) cur = &net.get(i).backward(net.get(i - 1).output, *cur, 1);
    net.get(0).accGradParameters(nn::Activity<float>(x), *cur, 1);
    params.add(static_cast<float>(-suite::learningRate), grads);
    return loss;
  }
};

/// One cell: the network trained on its data pool (batch `batch`, `threads` threads).
void runCell(benchmark::State& state, int net, index_t batch, int threads) {
  setNumThreads(threads);
  manualSeed(1);
  suite::trainCell<Trainer, Data>(state, net, batch);
  setNumThreads(getNumCores());
}

/// Writes the check files of every network and batch (networks.hpp, "the check exchange").
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
      Trainer t(net);
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
  return suite::runSuite("t7", argc, argv, runCell, [](const std::string& dir) {
    writeChecks(dir);
    return 0;
  });
}
