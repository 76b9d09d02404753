// The Torch7 paper's benchmark suite, LibTorch's side: the networks of networks.hpp written
// with LibTorch's C++ API and trained the way a LibTorch user does it: torch::optim::SGD
// (lr 0.01), zero_grad() each step, loss.backward(), opt.step(). The input does not require
// grad, so no gradInput is computed for the first layer. SpatialSubSampling (no LibTorch
// module) is avg_pool2d, then one addcmul with the per-plane weight (x k^2) and bias
// (bench-spec.md §2.4: faster than a depthwise conv2d).
//
//   suite_libtorch [Google Benchmark flags]   time every cell
//   suite_libtorch --check DIR                load suite_t7 --check's weights and data, run one
//                                             step, compare loss and updated weights (exit 1
//                                             when they differ beyond float tolerance)
//
// Threads: at::set_num_threads (torch's OpenMP pool). OpenBLAS's own threads are set from the
// environment: run.sh runs this program twice, with OPENBLAS_NUM_THREADS=1 and without, and
// keeps LibTorch's best configuration for each cell (bench-spec.md: on 2 cores the two pools
// fight).
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "harness.hpp"

namespace {

/// Torch7's nn.SpatialSubSampling: out[c] = bias[c] + weight[c] * (sum of the k x k window).
struct SubSamplingImpl : torch::nn::Module {
  std::int64_t k;
  torch::Tensor weight, bias;
  SubSamplingImpl(std::int64_t planes, std::int64_t kernel) : k(kernel) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(k * k));
    weight = register_parameter("weight", torch::empty({planes}).uniform_(-bound, bound));
    bias = register_parameter("bias", torch::empty({planes}).uniform_(-bound, bound));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    const auto avg = torch::avg_pool2d(x, {k, k});
    return torch::addcmul(bias.view({1, -1, 1, 1}), avg, (weight * static_cast<double>(k * k)).view({1, -1, 1, 1}));
  }
};
TORCH_MODULE(SubSampling);

torch::nn::Sequential build(const suite::Net& net) {
  torch::nn::Sequential s;
  if (net.isMlp()) {
    std::int64_t in = 784;
    for (std::int64_t h : net.hidden) {
      if (h == 0) break;
      s->push_back(torch::nn::Linear(in, h));
      s->push_back(torch::nn::Tanh());
      in = h;
    }
    s->push_back(torch::nn::Linear(in, 10));
  } else {
    const auto pool = [&](std::int64_t planes, std::int64_t k) {
      if (net.theano) s->push_back(torch::nn::MaxPool2d(k));
      else s->push_back(SubSampling(planes, k));
    };
    s->push_back(torch::nn::Conv2d(1, 6, net.k));
    s->push_back(torch::nn::Tanh());
    pool(6, net.pool1);
    s->push_back(torch::nn::Tanh());
    s->push_back(torch::nn::Conv2d(6, 16, net.k));
    s->push_back(torch::nn::Tanh());
    pool(16, net.pool2);
    s->push_back(torch::nn::Tanh());
    s->push_back(torch::nn::Flatten());
    s->push_back(torch::nn::Linear(net.flat(), 120));
    if (net.theano) s->push_back(torch::nn::Tanh());
    s->push_back(torch::nn::Linear(120, 10));
  }
  s->push_back(torch::nn::LogSoftmax(1));
  return s;
}

struct Trainer {
  torch::nn::Sequential net;
  torch::optim::SGD opt;
  explicit Trainer(const suite::Net& spec)
      : net(build(spec)), opt(net->parameters(), torch::optim::SGDOptions(suite::learningRate)) {}
  /// One SGD step; returns the loss.
  double step(const torch::Tensor& x, const torch::Tensor& t) {
    opt.zero_grad();
    auto loss = torch::nll_loss(net->forward(x), t);
    loss.backward();
    opt.step();
    return loss.item<double>();
  }
};

struct Data {
  std::vector<torch::Tensor> inputs, targets;
  Data(const suite::Net& net, std::int64_t batch) {
    const std::int64_t n = net.pool;
    const auto pool = net.isMlp() ? torch::randn({n, 784}) : torch::randn({n, 1, net.side, net.side});
    for (std::int64_t first = 0; first + batch <= n; first += batch) {
      inputs.push_back(pool.narrow(0, first, batch));
      targets.push_back(torch::arange(first, first + batch, torch::kLong).remainder(10));
    }
  }
};

/// One cell, as suite_t7's.
void runCell(benchmark::State& state, int net, std::int64_t batch, int threads) {
  at::set_num_threads(threads);
  torch::manual_seed(1);
  suite::trainCell<Trainer, Data>(state, net, batch);
}

torch::Tensor tensorOf(const suite::Array& a) {
  return torch::from_blob(const_cast<float*>(a.values.data()), a.sizes, torch::kFloat).clone();
}

/// Loads suite_t7 --check's files, runs one step, compares; returns the number of mismatches.
int check(const std::string& dir) {
  int bad = 0;
  for (const suite::Net& net : suite::nets) {
    for (int batch : suite::batches) {
      const auto init = suite::readTensors(suite::checkFile(dir, net, batch, "init"));
      const auto data = suite::readTensors(suite::checkFile(dir, net, batch, "data"));
      const auto after = suite::readTensors(suite::checkFile(dir, net, batch, "after"));
      Trainer t(net);
      auto params = t.net->parameters();
      if (params.size() != init.size() || after.size() != init.size() + 1)
        throw std::runtime_error(std::string(net.name) + ": " + std::to_string(params.size()) +
                                 " LibTorch parameters, " + std::to_string(init.size()) + " from t7");
      {
        torch::NoGradGuard guard;
        for (std::size_t i = 0; i < params.size(); ++i) {
          const auto w = tensorOf(init[i]);
          if (w.numel() != params[i].numel())
            throw std::runtime_error(std::string(net.name) + ": parameter " + std::to_string(i) + " has " +
                                     std::to_string(params[i].numel()) + " elements in LibTorch, " +
                                     std::to_string(w.numel()) + " in t7");
          params[i].copy_(w.view(params[i].sizes()));
        }
      }
      auto x = tensorOf(data[0]);
      if (batch == 1) x = x.unsqueeze(0);  // t7 fed one example without a batch dimension
      const auto target = tensorOf(data[1]).to(torch::kLong);
      const double loss = t.step(x, target);
      const double t7loss = after[0].values[0];
      // The updates themselves (w_after - w_init: lr x gradient) compared per tensor, relative to
      // the largest update of that tensor: a wrong gradient shows even where it is tiny.
      double worst = 0;
      for (std::size_t i = 0; i < params.size(); ++i) {
        const auto w0 = tensorOf(init[i]).view(params[i].sizes());
        const auto t7step = tensorOf(after[i + 1]).view(params[i].sizes()) - w0;
        const auto torchStep = params[i].detach() - w0;
        const double scale = torchStep.abs().max().item<double>();
        worst = std::max(worst, (t7step - torchStep).abs().max().item<double>() / std::max(scale, 1e-30));
      }
      const double lossDiff = std::abs(loss - t7loss) / (1 + std::abs(t7loss));
      const bool ok = lossDiff < 1e-5 && worst < 5e-3;  // a wrong gradient is off by O(1)
      bad += ok ? 0 : 1;
      std::printf("%-18s batch %2d: loss t7 %.6f LibTorch %.6f (|diff| %.1e); SGD updates differ by <= %.1e of the "
                  "largest: %s\n",
                  net.name, batch, t7loss, loss, std::abs(loss - t7loss), worst, ok ? "same" : "DIFFERENT");
    }
  }
  return bad;
}

}  // namespace

int main(int argc, char** argv) {
  return suite::runSuite("torch", argc, argv, runCell, [](const std::string& dir) {
    const int bad = check(dir);
    if (bad) std::printf("%d network(s) differ between t7 and LibTorch\n", bad);
    return bad ? 1 : 0;
  });
}
