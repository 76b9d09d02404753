// The "Autograd for Torch" post's convolutional network through the nn bridge: nn modules
// (SpatialConvolution, Tanh, SpatialMaxPooling, Linear, LogSoftMax, ClassNLLCriterion) used
// as plain functions inside an autograd function, their parameters in a Table, their own
// backward reused. Trained with SGD on Fashion-MNIST; prints the test accuracy.
//
//   build/release/examples/autograd_cnn [--epochs N] [--batch N] [--lr X] [--data DIR]
//                                       [--seed N] [--train-size N] [--test-size N] [--smoke]
//
// The post's Lua and the C++ below:
//   local c1 = d.nn.SpatialConvolutionMM(3,16,5,5)       auto c1 = ag::functional(nn::SpatialConvolution<float>(1, 16, 5, 5));
//   local t1 = d.nn.Tanh()                               auto t1 = ag::functional(nn::Tanh<float>());
//   ...
//   local h1 = m1( t1( c1(x, params.W1, params.b1) ) )   auto h1 = m1(t1(c1(x, p["W1"], p["b1"])));
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
  int epochs = 2;
  index_t batch = 32;
  double lr = 0.05;
  std::string data;
  std::uint64_t seed = 1;
  index_t trainSize = 0, testSize = 0;  // 0: the whole set
  bool smoke = false;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw ValueError("autograd_cnn: " + a + " needs a value");
      return argv[++i];
    };
    if (a == "--epochs") o.epochs = std::stoi(next());
    else if (a == "--batch") o.batch = std::stol(next());
    else if (a == "--lr") o.lr = std::stod(next());
    else if (a == "--data") o.data = next();
    else if (a == "--seed") o.seed = std::stoull(next());
    else if (a == "--train-size") o.trainSize = std::stol(next());
    else if (a == "--test-size") o.testSize = std::stol(next());
    else if (a == "--smoke") o.smoke = true;
    else throw ValueError("autograd_cnn: unknown option " + a);
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) try {
  Options opt = parse(argc, argv);
  manualSeed(opt.seed);
  std::string dir = opt.data;
  if (dir.empty()) {
    auto found = data::findFashionMNIST();
    if (!found) {
      std::cerr << "autograd_cnn: Fashion-MNIST not found. Install it (apt-get install dataset-fashion-mnist), "
                   "set T7_DATA_DIR, or pass --data DIR with MNIST IDX files.\n";
      return 2;
    }
    dir = *found;
  }
  data::MNIST train = data::loadMNIST(dir, data::Split::Train);
  data::MNIST test = data::loadMNIST(dir, data::Split::Test);
  if (opt.smoke) {
    opt.epochs = 1;
    if (opt.trainSize == 0) opt.trainSize = 2000;
    if (opt.testSize == 0) opt.testSize = 1000;
  }
  if (opt.trainSize > 0) train = train.head(opt.trainSize);
  if (opt.testSize > 0) test = test.head(opt.testSize);
  auto prepare = [](const ByteTensor& images) {
    FloatTensor x = images.toFloat().view(images.size(0), 1, 28, 28);
    x = (x - 72.9f) / 90.0f;  // about zero mean, unit deviation for Fashion-MNIST
    return x;
  };
  const FloatTensor xTrain = prepare(train.images), xTest = prepare(test.images);
  const index_t n = xTrain.size(0);

  // ---- nn modules as functions ---------------------------------------------------------------
  auto c1 = ag::functional(nn::SpatialConvolution<float>(1, 16, 5, 5));   // 28 -> 24
  auto t1 = ag::functional(nn::Tanh<float>());
  auto m1 = ag::functional(nn::SpatialMaxPooling<float>(2, 2, 2, 2));     // 24 -> 12
  auto c2 = ag::functional(nn::SpatialConvolution<float>(16, 32, 5, 5));  // 12 -> 8
  auto t2 = ag::functional(nn::Tanh<float>());
  auto m2 = ag::functional(nn::SpatialMaxPooling<float>(2, 2, 2, 2));     // 8 -> 4
  auto l3 = ag::functional(nn::Linear<float>(4 * 4 * 32, 10));
  auto lsm = ag::functional(nn::LogSoftMax<float>());
  auto lossf = ag::functional(nn::ClassNLLCriterion<float>());

  // The parameters start as the modules' own initialisation (torch-autograd's
  // `fn, params = d.nn.Linear(...)`).
  ag::Table<FloatTensor> params{{"c1", c1.parameters()}, {"c2", c2.parameters()}, {"l3", l3.parameters()}};

  auto predict = [&](const auto& p, const FloatTensor& x) {
    auto h1 = m1(t1(c1(x, p["c1"])));
    auto h2 = m2(t2(c2(h1, p["c2"])));
    return lsm(l3(h2.view(x.size(0), 4 * 4 * 32), p["l3"]));
  };
  auto model = [&](const auto& p, const FloatTensor& x, const LongTensor& y) { return lossf(predict(p, x), y); };
  auto df = ag::grad(model);

  FloatTensor x;
  LongTensor y;
  for (int epoch = 1; epoch <= opt.epochs; ++epoch) {
    const LongTensor order = randperm(n);
    data::ProgressBar bar(n, {.label = "epoch " + std::to_string(epoch)});
    double total = 0;
    index_t seen = 0;
    for (index_t start = 0; start < n; start += opt.batch) {
      const index_t len = std::min(opt.batch, n - start);
      indexSelect(x, xTrain, 0, order.narrow(0, start, len));
      indexSelect(y, train.labels, 0, order.narrow(0, start, len));
      auto [grads, loss] = df(params, x, y);
      for (auto& [key, layer] : params)
        for (auto& [i, p] : layer.table()) p = p - grads[key][i] * static_cast<float>(opt.lr);
      total += loss * static_cast<double>(len);
      seen += len;
      char extra[32];
      std::snprintf(extra, sizeof extra, "loss %.4f", total / static_cast<double>(seen));
      bar.update(seen, extra);
    }
    // test accuracy: the same function, outside grad (no tape)
    optim::ConfusionMatrix confusion(10);
    for (index_t start = 0; start < xTest.size(0); start += 1000) {
      const index_t len = std::min<index_t>(1000, xTest.size(0) - start);
      confusion.batchAdd(predict(params, xTest.narrow(0, start, len)).value(), test.labels.narrow(0, start, len));
    }
    confusion.updateValids();
    std::printf("epoch %d: training loss %.4f, test accuracy %.2f%%, %.0f examples/s\n", epoch,
                total / static_cast<double>(n), 100 * confusion.totalValid, static_cast<double>(n) / bar.elapsed());
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << e.what() << "\n";
  return 1;
}
