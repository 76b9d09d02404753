// The "Autograd for Torch" post's first example: logistic regression written as plain tensor
// code, its gradients from autograd::grad, trained with SGD on Fashion-MNIST (Debian's
// dataset-fashion-mnist; any directory of MNIST IDX files with --data).
//
//   build/release/examples/autograd_logistic [--epochs N] [--batch N] [--lr X] [--data DIR]
//                                            [--seed N] [--threads N] [--smoke]
//
// The Lua of the post, and its C++ twin below:
//
//   local function f(params, input, target)                 auto f = [](const auto& params, ...) {
//      local h1 = input * params.W + params.B                 auto h1 = mm(input, params["W"]) + params["B"];
//      local out = util.logSoftMax(h1)                        auto out = util::logSoftMax(h1);
//      local loss = grad.loss.logMultinomialLoss(out, target) auto l = loss::logMultinomialLoss(out, target);
//      return loss, out                                       return std::tuple{l, out};
//   end                                                     };
//   local df = grad(f)                                      auto df = autograd::grad(f);
//   local grads, loss, out = df(params, x, y)               auto [grads, loss, out] = df(params, x, y);
//   params.W = params.W - grads.W * 0.01                    params["W"] = params["W"] - grads["W"] * lr;
//
// Prints the loss and the training accuracy per epoch (with examples/s), then the test
// accuracy and the confusion matrix. --smoke trains on 3,000 examples for one epoch (CI).
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
  int epochs = 5;
  index_t batch = 100;
  double lr = 0.1;
  std::string data;
  std::uint64_t seed = 1;
  int threads = 0;
  bool smoke = false;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw ValueError("autograd_logistic: " + a + " needs a value");
      return argv[++i];
    };
    if (a == "--epochs") o.epochs = std::stoi(next());
    else if (a == "--batch") o.batch = std::stol(next());
    else if (a == "--lr") o.lr = std::stod(next());
    else if (a == "--data") o.data = next();
    else if (a == "--seed") o.seed = std::stoull(next());
    else if (a == "--threads") o.threads = std::stoi(next());
    else if (a == "--smoke") o.smoke = true;
    else throw ValueError("autograd_logistic: unknown option " + a + " (see the top of examples/autograd_logistic.cpp)");
  }
  return o;
}

/// Images [N x 28 x 28] bytes -> [N x 784] floats in [0, 1].
FloatTensor prepare(const ByteTensor& images) {
  FloatTensor x = images.toFloat().view(images.size(0), images.size(1) * images.size(2));
  x /= 255.0f;
  return x;
}

}  // namespace

int main(int argc, char** argv) try {
  Options opt = parse(argc, argv);
  if (opt.threads > 0) setNumThreads(opt.threads);
  manualSeed(opt.seed);

  // ---- data ---------------------------------------------------------------------------------
  std::string dir = opt.data;
  if (dir.empty()) {
    auto found = data::findFashionMNIST();
    if (!found) {
      std::cerr << "autograd_logistic: Fashion-MNIST not found. Install it (apt-get install "
                   "dataset-fashion-mnist), set T7_DATA_DIR, or pass --data DIR with MNIST IDX files.\n";
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
  const FloatTensor xTrain = prepare(train.images), xTest = prepare(test.images);
  const index_t n = xTrain.size(0), inputSize = xTrain.size(1), classes = 10;
  std::printf("data: %s, %lld training and %lld test images\n", dir.c_str(), static_cast<long long>(n),
              static_cast<long long>(xTest.size(0)));

  // ---- the model: plain tensor code; autograd writes the gradients --------------------------
  auto predict = [](const auto& params, const FloatTensor& input) {
    return ag::util::logSoftMax(ag::mm(input, params["W"]) + params["B"]);
  };
  auto f = [&](const auto& params, const FloatTensor& input, const FloatTensor& target) {
    auto prediction = predict(params, input);
    auto loss = ag::loss::logMultinomialLoss(prediction, target);
    return std::tuple{loss, prediction};
  };
  auto df = ag::grad(f);

  // The parameters: W uniform in [-1/sqrt(10), 1/sqrt(10)], as the post's MNIST example.
  const double range = 1 / std::sqrt(static_cast<double>(classes));
  ag::Table<FloatTensor> params{{"W", FloatTensor(inputSize, classes).uniform(-range, range)},
                                {"B", zeros<float>({classes})}};

  // ---- training: SGD on mini-batches (the loss is a sum: the step divides by the batch) -----
  FloatTensor x, y;
  LongTensor labels;
  for (int epoch = 1; epoch <= opt.epochs; ++epoch) {
    const LongTensor order = randperm(n);
    data::ProgressBar bar(n, {.label = "epoch " + std::to_string(epoch)});
    double epochLoss = 0;
    index_t seen = 0, correct = 0;
    for (index_t start = 0; start < n; start += opt.batch) {
      const index_t len = std::min(opt.batch, n - start);
      const LongTensor idx = order.narrow(0, start, len);
      indexSelect(x, xTrain, 0, idx);
      indexSelect(labels, train.labels, 0, idx);
      y = ag::util::oneHot(labels, classes);

      auto [grads, loss, prediction] = df(params, x, y);
      const float step = static_cast<float>(opt.lr / static_cast<double>(len));
      params["W"] = params["W"] - grads["W"] * step;  // one fused loop, in W's memory
      params["B"] = params["B"] - grads["B"] * step;

      const LongTensor guess = t7::max(prediction, 1).indices.view(len);
      correct += static_cast<index_t>(t7::sum(eq(guess, labels)));
      epochLoss += loss;
      seen += len;
      char extra[48];
      std::snprintf(extra, sizeof extra, "loss %.4f", epochLoss / static_cast<double>(seen));
      bar.update(seen, extra);
    }
    std::printf("epoch %d: training loss %.4f, training accuracy %.2f%%, %.0f examples/s\n", epoch,
                epochLoss / static_cast<double>(n), 100.0 * static_cast<double>(correct) / static_cast<double>(n),
                static_cast<double>(n) / bar.elapsed());
  }

  // ---- test ----------------------------------------------------------------------------------
  optim::ConfusionMatrix confusion({"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                                    "Sneaker", "Bag", "Ankle boot"});
  const FloatTensor testOut = mm(xTest, params["W"].value()) + params["B"].value();  // no tape needed
  confusion.batchAdd(testOut, test.labels);
  confusion.updateValids();
  std::cout << confusion << "\n";
  std::printf("test accuracy %.2f%%\n", 100 * confusion.totalValid);
  return 0;
} catch (const std::exception& e) {
  std::cerr << e.what() << "\n";
  return 1;
}
