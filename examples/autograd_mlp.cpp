// The "Autograd for Torch" post's two-layer network with a hand-written cross-entropy and
// L2 penalties on the hidden states and on the weights: the kind of loss that would need a
// custom nn module with a hand-derived gradient, here written as it reads. Trained with SGD
// on Fashion-MNIST; prints the loss and test accuracy per epoch.
//
//   build/release/examples/autograd_mlp [--epochs N] [--batch N] [--lr X] [--hidden N]
//                                       [--data DIR] [--seed N] [--smoke]
//
// The post's Lua and the C++ below, line by line:
//   local h1 = torch.tanh(params.W1 * input + params.b1)        auto h1 = tanh(mm(x, p["W1"]) + p["b1"]);
//   local h2 = params.W2 * h1 + params.b2                       auto h2 = mm(h1, p["W2"]) + p["b2"];
//   local logSoftMaxPred = h2 - torch.log(torch.sum(torch.exp(h2)))   auto logp = h2 - logSumExp(h2, 1);
//   local crossEntropy = - torch.sum(torch.cmul(logSoftMaxPred, target))
//   local sl2 = torch.sum(torch.cmul(states, states))           (states: h1 and h2)
//   local wl2 = torch.sum(torch.cmul(params.W2, params.W2))
#include <t7/autograd.hpp>
#include <t7/data/idx.hpp>
#include <t7/data/progress.hpp>
#include <t7/t7.hpp>

#include <cstdio>
#include <iostream>
#include <string>

using namespace t7;
namespace ag = t7::autograd;

namespace {

struct Options {
  int epochs = 3;
  index_t batch = 50, hidden = 200;
  double lr = 0.05;
  std::string data;
  std::uint64_t seed = 1;
  bool smoke = false;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw ValueError("autograd_mlp: " + a + " needs a value");
      return argv[++i];
    };
    if (a == "--epochs") o.epochs = std::stoi(next());
    else if (a == "--batch") o.batch = std::stol(next());
    else if (a == "--hidden") o.hidden = std::stol(next());
    else if (a == "--lr") o.lr = std::stod(next());
    else if (a == "--data") o.data = next();
    else if (a == "--seed") o.seed = std::stoull(next());
    else if (a == "--smoke") o.smoke = true;
    else throw ValueError("autograd_mlp: unknown option " + a);
  }
  return o;
}

// The model and its loss, as one function of the parameters (the post's `model`).
auto model = [](const auto& p, const FloatTensor& input, const FloatTensor& target) {
  auto h1 = ag::Var<float>(tanh(ag::mm(input, p["W1"]) + p["b1"]));
  auto h2 = ag::Var<float>(ag::mm(h1, p["W2"]) + p["b2"]);
  // cross-entropy, by hand: log-softmax of each row, then -sum(log p .* one-hot target)
  auto logSoftMaxPred = h2 - ag::logSumExp(h2, 1);
  auto crossEntropy = -ag::sum(logSoftMaxPred * target);
  // l2 on the states, and on the output weights
  auto sl2 = ag::sum(h1 * h1) + ag::sum(h2 * h2);
  auto wl2 = ag::sum(p["W2"] * p["W2"]);
  return std::tuple{crossEntropy + 1e-4f * sl2 + 1e-3f * wl2, h2};
};

}  // namespace

int main(int argc, char** argv) try {
  Options opt = parse(argc, argv);
  manualSeed(opt.seed);
  std::string dir = opt.data;
  if (dir.empty()) {
    auto found = data::findFashionMNIST();
    if (!found) {
      std::cerr << "autograd_mlp: Fashion-MNIST not found. Install it (apt-get install dataset-fashion-mnist), "
                   "set T7_DATA_DIR, or pass --data DIR with MNIST IDX files.\n";
      return 2;
    }
    dir = *found;
  }
  data::MNIST train = data::loadMNIST(dir, data::Split::Train);
  data::MNIST test = data::loadMNIST(dir, data::Split::Test);
  if (opt.smoke) {
    train = train.head(3000);
    test = test.head(1000);
    opt.epochs = 1;
  }
  auto prepare = [](const ByteTensor& images) {
    FloatTensor x = images.toFloat().view(images.size(0), 784);
    x /= 255.0f;
    return x;
  };
  const FloatTensor xTrain = prepare(train.images), xTest = prepare(test.images);
  const index_t n = xTrain.size(0);

  auto uniform = [](index_t rows, index_t cols, double bound) {
    FloatTensor t = cols ? FloatTensor(rows, cols) : FloatTensor(rows);
    t.uniform(-bound, bound);
    return t;
  };
  ag::Table<FloatTensor> params{{"W1", uniform(784, opt.hidden, 1 / std::sqrt(784.0))},
                                {"b1", uniform(opt.hidden, 0, 1 / std::sqrt(784.0))},
                                {"W2", uniform(opt.hidden, 10, 1 / std::sqrt(static_cast<double>(opt.hidden)))},
                                {"b2", uniform(10, 0, 1 / std::sqrt(static_cast<double>(opt.hidden)))}};
  auto df = ag::grad(model);

  FloatTensor x;
  LongTensor labels;
  for (int epoch = 1; epoch <= opt.epochs; ++epoch) {
    const LongTensor order = randperm(n);
    data::ProgressBar bar(n, {.label = "epoch " + std::to_string(epoch)});
    double total = 0;
    index_t seen = 0;
    for (index_t start = 0; start < n; start += opt.batch) {
      const index_t len = std::min(opt.batch, n - start);
      indexSelect(x, xTrain, 0, order.narrow(0, start, len));
      indexSelect(labels, train.labels, 0, order.narrow(0, start, len));
      auto [grads, loss, scores] = df(params, x, ag::util::oneHot(labels, 10));
      const float step = static_cast<float>(opt.lr / static_cast<double>(len));
      for (auto& [key, p] : params) p = p - grads[key] * step;
      total += loss;
      seen += len;
      char extra[32];
      std::snprintf(extra, sizeof extra, "loss %.4f", total / static_cast<double>(seen));
      bar.update(seen, extra);
    }
    // test accuracy: the forward pass on plain tensors (no tape)
    const FloatTensor h = tanh(mm(xTest, params["W1"].value()) + params["b1"].value());
    const FloatTensor scores = mm(h, params["W2"].value()) + params["b2"].value();
    const LongTensor guess = t7::max(scores, 1).indices.view(xTest.size(0));
    const double acc = static_cast<double>(t7::sum(eq(guess, test.labels))) / static_cast<double>(xTest.size(0));
    std::printf("epoch %d: training loss %.4f, test accuracy %.2f%%, %.0f examples/s\n", epoch,
                total / static_cast<double>(n), 100 * acc, static_cast<double>(n) / bar.elapsed());
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << e.what() << "\n";
  return 1;
}
