// The "Deep Learning with Torch" tutorial's LeNet, trained as the tutorial trains it:
// nn.Sequential of SpatialConvolution(1 -> 6, 5x5), SpatialMaxPooling(2x2), SpatialConvolution
// (6 -> 16, 5x5), SpatialMaxPooling(2x2), View(16*5*5), Linear 400 -> 120 -> 84 -> 10 and
// LogSoftMax, with ReLU after each convolution and hidden Linear layer (the tutorial's full
// program has them; its slide shortens the list), ClassNLLCriterion and optim.sgd through
// getParameters(). The 28x28 images are padded to 32x32 by the first convolution (padding 2),
// so the shapes are the tutorial's. Data: Fashion-MNIST (Debian's dataset-fashion-mnist), or
// any directory of MNIST IDX files with --data. Copy it as the template of a CNN training loop.
//
//   build/release/examples/lenet [--epochs N] [--batch N] [--lr X] [--lr-decay X] [--momentum X] [--data DIR]
//                                [--seed N] [--threads N] [--save FILE] [--train-size N] [--test-size N]
//                                [--smoke]
//
// Prints the network, the loss per epoch with a progress bar, examples/s, the test accuracy
// after each epoch, and the confusion matrix at the end; then saves the model (Torch7's .t7
// format, lenet.t7 by default), loads it back and checks that it scores the same. --smoke
// trains on 3,000 examples for one epoch (CI); --train-size / --test-size take the first N
// examples of each set.
#include <t7/data/idx.hpp>
#include <t7/data/progress.hpp>
#include <t7/t7.hpp>

#include <cstdio>
#include <iostream>
#include <string>
#include <tuple>

using namespace t7;

namespace {

struct Options {
  int epochs = 10;
  index_t batch = 32;
  double lr = 0.05, lrDecay = 1e-4, momentum = 0.9;  // the tutorial's learningRateDecay
  std::string data;
  std::uint64_t seed = 1;
  int threads = 0;
  std::string save = "lenet.t7";  // where the trained model goes ("" = not saved)
  index_t trainSize = 0, testSize = 0;  // 0: the whole set
  bool smoke = false;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw ValueError("lenet: " + a + " needs a value");
      return argv[++i];
    };
    if (a == "--epochs") o.epochs = std::stoi(next());
    else if (a == "--batch") o.batch = std::stol(next());
    else if (a == "--lr") o.lr = std::stod(next());
    else if (a == "--lr-decay") o.lrDecay = std::stod(next());
    else if (a == "--momentum") o.momentum = std::stod(next());
    else if (a == "--data") o.data = next();
    else if (a == "--seed") o.seed = std::stoull(next());
    else if (a == "--threads") o.threads = std::stoi(next());
    else if (a == "--save") o.save = next();
    else if (a == "--train-size") o.trainSize = std::stol(next());
    else if (a == "--test-size") o.testSize = std::stol(next());
    else if (a == "--smoke") o.smoke = true;
    else throw ValueError("lenet: unknown option " + a + " (see the comment at the top of examples/lenet.cpp)");
  }
  return o;
}

/// Images [N x 28 x 28] bytes -> [N x 1 x 28 x 28] floats, standardised with the training
/// set's mean and standard deviation.
FloatTensor prepare(const ByteTensor& images, double mean, double stdv) {
  FloatTensor x = images.toFloat().view(images.size(0), 1, images.size(1), images.size(2));
  x = (x - static_cast<float>(mean)) / static_cast<float>(stdv);
  return x;
}

/// Test accuracy (and the confusion matrix) of the network on (x, y), in evaluation mode.
double evaluate(nn::Sequential<float>& net, const FloatTensor& x, const LongTensor& y, optim::ConfusionMatrix& cm) {
  net.evaluate();
  cm.zero();
  const index_t n = x.size(0), batch = 500;
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
      std::cerr << "lenet: Fashion-MNIST not found. Install it (apt-get install dataset-fashion-mnist), set "
                   "T7_DATA_DIR, or pass --data DIR with MNIST IDX files.\n";
      return 2;
    }
    dir = *found;
  }
  data::MNIST train = data::loadMNIST(dir, data::Split::Train);
  data::MNIST test = data::loadMNIST(dir, data::Split::Test);
  if (opt.smoke) {
    opt.epochs = 1;
    if (opt.trainSize == 0) opt.trainSize = 3000;
    if (opt.testSize == 0) opt.testSize = 1000;
  }
  if (opt.trainSize > 0) train = train.head(opt.trainSize);
  if (opt.testSize > 0) test = test.head(opt.testSize);
  const FloatTensor raw = train.images.toFloat();
  const double mean = t7::mean(raw), stdv = t7::std(raw);
  const FloatTensor xTrain = prepare(train.images, mean, stdv), xTest = prepare(test.images, mean, stdv);
  const LongTensor& yTrain = train.labels;
  const LongTensor& yTest = test.labels;
  const index_t n = xTrain.size(0);
  std::printf("data: %s, %lld training and %lld test images\n", dir.c_str(), static_cast<long long>(n),
              static_cast<long long>(xTest.size(0)));

  // ---- model (the tutorial's LeNet), criterion, optimizer -----------------------------------
  nn::Sequential<float> net;
  net.add(nn::SpatialConvolution(1, 6, 5, 5, 1, 1, 2, 2))  // 1 -> 6 maps, 5x5, 28x28 padded to 32x32
      .add(nn::ReLU())
      .add(nn::SpatialMaxPooling(2, 2, 2, 2))  // 6 x 28 x 28 -> 6 x 14 x 14
      .add(nn::SpatialConvolution(6, 16, 5, 5))  // -> 16 x 10 x 10
      .add(nn::ReLU())
      .add(nn::SpatialMaxPooling(2, 2, 2, 2))  // -> 16 x 5 x 5
      .add(nn::View(16 * 5 * 5))
      .add(nn::Linear(16 * 5 * 5, 120))
      .add(nn::ReLU())
      .add(nn::Linear(120, 84))
      .add(nn::ReLU())
      .add(nn::Linear(84, 10))
      .add(nn::LogSoftMax());
  nn::ClassNLLCriterion<float> criterion;
  // (`auto [params, gradParams] = ...` reads better, but clang before 16 cannot capture a
  // structured binding in a lambda, as feval below does)
  FloatTensor params, gradParams;
  std::tie(params, gradParams) = net.getParameters();
  optim::SGDState<float> sgd{.learningRate = opt.lr, .learningRateDecay = opt.lrDecay, .momentum = opt.momentum};
  std::cout << net << "\n" << params.nElement() << " parameters\n";

  // ---- training ----------------------------------------------------------------------------
  optim::ConfusionMatrix confusion({"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                                    "Sneaker", "Bag", "Ankle boot"});
  FloatTensor inputs;
  LongTensor targets;
  double accuracy = 0;
  for (int epoch = 1; epoch <= opt.epochs; ++epoch) {
    const LongTensor order = randperm(n);
    data::ProgressBar bar(n, {.label = "epoch " + std::to_string(epoch)});
    Timer timer;
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
    const double seconds = timer.time().real;
    const double acc = accuracy = evaluate(net, xTest, yTest, confusion);
    std::printf("epoch %d: training loss %.4f, %.0f examples/s (%.1f s), test accuracy %.2f%%\n", epoch,
                epochLoss / static_cast<double>(n), static_cast<double>(n) / seconds, seconds, 100 * acc);
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
