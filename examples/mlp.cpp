// The seed paper's multi-layer perceptron, trained the way the Torch7 tutorial trains it:
// nn.Sequential (Linear 784->500, Tanh, Linear 500->10, LogSoftMax), ClassNLLCriterion, and
// optim.sgd through getParameters(), on Fashion-MNIST (Debian's dataset-fashion-mnist; any
// directory of MNIST IDX files with --data). Copy it as the template of a training loop.
//
//   build/release/examples/mlp [--epochs N] [--batch N] [--lr X] [--momentum X] [--hidden N]
//                              [--data DIR] [--seed N] [--threads N] [--save FILE] [--smoke]
//
// Prints the loss per epoch with a progress bar (examples/s, ETA), the test accuracy after
// each epoch, and the confusion matrix at the end; then saves the model (Torch7's .t7 format,
// mlp.t7 by default), loads it back and checks that it scores the same. Deterministic for a
// given seed and thread count. --smoke trains on 3,000 examples for one epoch (CI).
#include <t7/data/idx.hpp>
#include <t7/data/progress.hpp>
#include <t7/t7.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <tuple>

using namespace t7;

namespace {

struct Options {
  int epochs = 5;
  index_t batch = 32;
  double lr = 0.05, momentum = 0.9;
  index_t hidden = 500;
  std::string data;
  std::uint64_t seed = 1;
  int threads = 0;
  std::string save = "mlp.t7";  // where the trained model goes ("" = not saved)
  bool smoke = false;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw ValueError("mlp: " + a + " needs a value");
      return argv[++i];
    };
    if (a == "--epochs") o.epochs = std::stoi(next());
    else if (a == "--batch") o.batch = std::stol(next());
    else if (a == "--lr") o.lr = std::stod(next());
    else if (a == "--momentum") o.momentum = std::stod(next());
    else if (a == "--hidden") o.hidden = std::stol(next());
    else if (a == "--data") o.data = next();
    else if (a == "--seed") o.seed = std::stoull(next());
    else if (a == "--threads") o.threads = std::stoi(next());
    else if (a == "--save") o.save = next();
    else if (a == "--smoke") o.smoke = true;
    else throw ValueError("mlp: unknown option " + a + " (see the comment at the top of examples/mlp.cpp)");
  }
  return o;
}

/// Images [N x 28 x 28] bytes -> [N x 784] floats, standardised with the training set's
/// mean and standard deviation.
FloatTensor prepare(const ByteTensor& images, double mean, double stdv) {
  FloatTensor x = images.toFloat().view(images.size(0), images.size(1) * images.size(2));
  x = (x - static_cast<float>(mean)) / static_cast<float>(stdv);
  return x;
}

/// Test accuracy (and the confusion matrix) of the network on (x, y), in evaluation mode.
double evaluate(nn::Sequential<float>& net, const FloatTensor& x, const LongTensor& y, optim::ConfusionMatrix& cm) {
  net.evaluate();
  cm.zero();
  const index_t n = x.size(0), batch = 1000;
  for (index_t start = 0; start < n; start += batch) {
    const index_t len = std::min(batch, n - start);
    cm.batchAdd(net.forward(x.narrow(0, start, len)).tensor(), y.narrow(0, start, len));
  }
  net.training();
  cm.updateValids();
  return cm.totalValid;
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
      std::cerr << "mlp: Fashion-MNIST not found. Install it (apt-get install dataset-fashion-mnist), set "
                   "T7_DATA_DIR, or pass --data DIR with MNIST IDX files.\n";
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
  const FloatTensor raw = train.images.toFloat();
  const double mean = t7::mean(raw), stdv = t7::std(raw);
  const FloatTensor xTrain = prepare(train.images, mean, stdv), xTest = prepare(test.images, mean, stdv);
  const LongTensor& yTrain = train.labels;
  const LongTensor& yTest = test.labels;
  const index_t n = xTrain.size(0);
  std::printf("data: %s, %lld training and %lld test images\n", dir.c_str(), static_cast<long long>(n),
              static_cast<long long>(xTest.size(0)));

  // ---- model, criterion, optimizer (the Torch7 tutorial's) ----------------------------------
  nn::Sequential<float> net;
  net.add(nn::Linear(784, opt.hidden)).add(nn::Tanh()).add(nn::Linear(opt.hidden, 10)).add(nn::LogSoftMax());
  nn::ClassNLLCriterion<float> criterion;
  // (`auto [params, gradParams] = ...` reads better, but clang before 16 cannot capture a
  // structured binding in a lambda, as feval below does)
  FloatTensor params, gradParams;
  std::tie(params, gradParams) = net.getParameters();
  optim::SGDState<float> sgd{.learningRate = opt.lr, .momentum = opt.momentum};
  std::cout << net.toString() << "\n" << params.nElement() << " parameters\n";

  // ---- training ----------------------------------------------------------------------------
  optim::ConfusionMatrix confusion({"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                                    "Sneaker", "Bag", "Ankle boot"});
  FloatTensor inputs;
  LongTensor targets;
  double accuracy = 0;
  for (int epoch = 1; epoch <= opt.epochs; ++epoch) {
    const LongTensor order = randperm(n);
    data::ProgressBar bar(n, {.label = "epoch " + std::to_string(epoch)});
    double epochLoss = 0;
    index_t seen = 0;
    for (index_t start = 0; start < n; start += opt.batch) {
      const index_t len = std::min(opt.batch, n - start);
      const LongTensor idx = order.narrow(0, start, len);
      indexSelect(inputs, xTrain, 0, idx);
      indexSelect(targets, yTrain, 0, idx);

      // feval(x): the loss and the gradient at the current parameters (Torch7's closure).
      auto feval = [&](const FloatTensor&) -> optim::Eval<float> {
        net.zeroGradParameters();
        const FloatTensor& output = net.forward(inputs).tensor();
        const double loss = criterion.forward(output, targets);
        net.backward(inputs, criterion.backward(output, targets));
        return {loss, gradParams};
      };
      const auto [x, loss] = optim::sgd(feval, params, sgd);
      epochLoss += loss * static_cast<double>(len);
      seen += len;
      char extra[32];
      std::snprintf(extra, sizeof extra, "loss %.4f", epochLoss / static_cast<double>(seen));
      bar.update(seen, extra);
    }
    const double acc = accuracy = evaluate(net, xTest, yTest, confusion);
    std::printf("epoch %d: training loss %.4f, test accuracy %.2f%%\n", epoch, epochLoss / static_cast<double>(n),
                100 * acc);
  }
  std::cout << confusion << "\n";

  // ---- save, load back, check (torch.save / torch.load) -------------------------------------
  if (!opt.save.empty()) {
    net.clearState();  // as Torch7 users did: no activations in the file
    t7::save(opt.save, net);
    auto loaded = t7::load<nn::Sequential<float>>(opt.save);
    optim::ConfusionMatrix check(10);
    const double again = evaluate(loaded, xTest, yTest, check);
    std::printf("saved the model to %s; loaded back, its test accuracy is %.2f%% (%s)\n", opt.save.c_str(),
                100 * again, again == accuracy ? "the same" : "DIFFERENT");
    if (again != accuracy) return 1;
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << e.what() << "\n";
  return 1;
}
