// The "Autograd for Torch" post's autoencoder with tied weights and an L2 penalty, written
// both ways the post compares:
//   - the nn way: six nn.Linear modules whose decoder weights are transposed views of the
//     encoder's (weight and gradWeight), sigmoids, BCECriterion, the backward chain by hand,
//     and the L2 penalty's gradient added by hand;
//   - the autograd way: one function of a parameter Table (`h * t(W[2])` ties the weights),
//     the penalty written as it reads, every gradient from autograd::grad.
// It first checks on one batch that both give the same loss and gradients (within 1e-5 of the
// largest entry of each gradient: exits 1 otherwise), then trains the autograd version with SGD on Fashion-MNIST and prints the
// reconstruction loss per epoch.
//
//   build/release/examples/autograd_autoencoder [--epochs N] [--batch N] [--lr X]
//                                               [--lambda X] [--data DIR] [--seed N] [--smoke]
#include <t7/autograd.hpp>
#include <t7/data/idx.hpp>
#include <t7/data/progress.hpp>
#include <t7/t7.hpp>

#include <array>
#include <cstdio>
#include <iostream>
#include <string>

using namespace t7;
namespace ag = t7::autograd;

namespace {

struct Options {
  int epochs = 3;
  index_t batch = 100;
  double lr = 0.1, lambda = 1e-4;
  std::string data;
  std::uint64_t seed = 1;
  bool smoke = false;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw ValueError("autograd_autoencoder: " + a + " needs a value");
      return argv[++i];
    };
    if (a == "--epochs") o.epochs = std::stoi(next());
    else if (a == "--batch") o.batch = std::stol(next());
    else if (a == "--lr") o.lr = std::stod(next());
    else if (a == "--lambda") o.lambda = std::stod(next());
    else if (a == "--data") o.data = next();
    else if (a == "--seed") o.seed = std::stoull(next());
    else if (a == "--smoke") o.smoke = true;
    else throw ValueError("autograd_autoencoder: unknown option " + a);
  }
  return o;
}

constexpr std::array<index_t, 4> kSizes{784, 100, 50, 25};  // input, h1, h2, h3

// ---- the nn way (the post's makeAutoencoderNN and aeLossAndGrad) ----------------------------

struct AutoencoderNN {
  std::array<nn::Linear<float>, 6> layers{nn::Linear<float>(kSizes[0], kSizes[1]), nn::Linear<float>(kSizes[1], kSizes[2]),
                                          nn::Linear<float>(kSizes[2], kSizes[3]), nn::Linear<float>(kSizes[3], kSizes[2]),
                                          nn::Linear<float>(kSizes[2], kSizes[1]), nn::Linear<float>(kSizes[1], kSizes[0])};
  std::array<nn::Sigmoid<float>, 6> sigmoids;
  nn::BCECriterion<float> criterion{false};  // a sum, as autograd's logBCELoss

  AutoencoderNN() {
    // Tie the decoder to the encoder: l4 = l3^T, l5 = l2^T, l6 = l1^T, weights and gradients.
    for (int i = 0; i < 3; ++i) {
      layers[5 - i].weight = layers[i].weight.t();
      layers[5 - i].gradWeight = layers[i].gradWeight.t();
    }
  }

  /// The loss and, in the layers' gradWeight/gradBias, its gradient.
  double lossAndGrad(const FloatTensor& input, double l2Lambda) {
    for (auto& l : layers) l.zeroGradParameters();  // (tied gradWeights are zeroed twice: harmless)
    std::array<FloatTensor, 13> act;  // act[2i] input of layer i, act[2i+1] its linear output
    act[0] = input;
    for (int i = 0; i < 6; ++i) {
      act[2 * i + 1] = layers[i].forward(act[2 * i]);
      act[2 * i + 2] = sigmoids[i].forward(act[2 * i + 1]);
    }
    const FloatTensor& prediction = act[12];
    double loss = criterion.forward(prediction, input);
    FloatTensor g = criterion.backward(prediction, input);
    for (int i = 5; i >= 0; --i) {
      g = sigmoids[i].backward(act[2 * i + 1], g);
      g = layers[i].backward(act[2 * i], g);
    }
    // The L2 penalty on the (tied) weights, its gradient by hand.
    for (int i = 0; i < 3; ++i) {
      loss += l2Lambda * t7::sum(layers[i].weight * layers[i].weight);
      layers[i].gradWeight.add(static_cast<float>(2 * l2Lambda), layers[i].weight);
    }
    return loss;
  }
};

// ---- the autograd way (the post's predict and f) --------------------------------------------

template <class P>
auto predict(const P& params, const FloatTensor& input) {
  const auto& W = params["W"];
  const auto& B = params["B"];
  // Encoder
  auto h1 = ag::util::sigmoid(ag::mm(input, W[0]) + B[0]);
  auto h2 = ag::util::sigmoid(ag::mm(h1, W[1]) + B[1]);
  auto h3 = ag::util::sigmoid(ag::mm(h2, W[2]) + B[2]);
  // Decoder: the same weights, transposed
  auto h4 = ag::util::sigmoid(ag::mm(h3, W[2].t()) + B[3]);
  auto h5 = ag::util::sigmoid(ag::mm(h4, W[1].t()) + B[4]);
  return ag::Var<float>(ag::util::sigmoid(ag::mm(h5, W[0].t()) + B[5]));
}

auto f = [](const auto& params, const FloatTensor& input, double l2Lambda) {
  auto prediction = predict(params, input);
  ag::Var<float> loss = ag::loss::logBCELoss(prediction, input, 1e-12);
  for (int i = 0; i < 3; ++i) {
    const auto& w = params["W"][i];
    loss = loss + static_cast<float>(l2Lambda) * ag::sum(pow(w, 2.0f));
  }
  return std::tuple{loss, prediction};
};

/// The autograd parameters holding the nn model's values: W[i] = layer i's weight^T (x * W).
ag::Table<FloatTensor> paramsOf(const AutoencoderNN& m) {
  ag::Table<FloatTensor> W, B;
  for (int i = 0; i < 3; ++i) W[i] = m.layers[i].weight.t().contiguous();
  for (int i = 0; i < 6; ++i) B[i] = m.layers[i].bias.clone();
  return ag::Table<FloatTensor>{{"W", W}, {"B", B}};
}

/// The largest |a - b| relative to the largest |b| (float sums of 100 x 784 terms: the
/// absolute differences scale with the gradients).
double maxDiff(const FloatTensor& a, const FloatTensor& b) {
  return t7::max(abs(a - b)) / std::max(1.0, static_cast<double>(t7::max(abs(b))));
}

}  // namespace

int main(int argc, char** argv) try {
  Options opt = parse(argc, argv);
  manualSeed(opt.seed);

  std::string dir = opt.data;
  if (dir.empty()) {
    auto found = data::findFashionMNIST();
    if (!found) {
      std::cerr << "autograd_autoencoder: Fashion-MNIST not found. Install it (apt-get install "
                   "dataset-fashion-mnist), set T7_DATA_DIR, or pass --data DIR with MNIST IDX files.\n";
      return 2;
    }
    dir = *found;
  }
  data::MNIST train = data::loadMNIST(dir, data::Split::Train);
  if (opt.smoke) {
    train = train.head(2000);
    opt.epochs = 1;
  }
  FloatTensor x = train.images.toFloat().view(train.images.size(0), kSizes[0]);
  x /= 255.0f;
  const index_t n = x.size(0);

  // ---- both ways on one batch: the same loss and gradients --------------------------------
  AutoencoderNN net;
  ag::Table<FloatTensor> params = paramsOf(net);
  const FloatTensor batch = x.narrow(0, 0, opt.batch);
  const double nnLoss = net.lossAndGrad(batch, opt.lambda);
  auto [grads, agLoss, prediction] = ag::grad(f)(params, batch, opt.lambda);
  double worst = 0;
  for (int i = 0; i < 3; ++i) worst = std::max(worst, maxDiff(grads["W"][i], net.layers[i].gradWeight.t()));
  for (int i = 0; i < 6; ++i) worst = std::max(worst, maxDiff(grads["B"][i], net.layers[i].gradBias));
  const double lossDiff = std::abs(nnLoss - agLoss) / std::abs(nnLoss);
  std::printf("one batch of %lld: loss nn %.6f, autograd %.6f (relative difference %.1e); largest gradient "
              "difference %.2e (relative to the largest entry)\n", static_cast<long long>(opt.batch), nnLoss, static_cast<double>(agLoss), lossDiff, worst);
  if (worst > 1e-5 || lossDiff > 1e-5) {
    std::cerr << "autograd_autoencoder: the nn and autograd gradients differ by more than 1e-5\n";
    return 1;
  }

  // ---- training, the autograd way --------------------------------------------------------
  auto df = ag::grad(f);
  FloatTensor input;
  for (int epoch = 1; epoch <= opt.epochs; ++epoch) {
    const LongTensor order = randperm(n);
    data::ProgressBar bar(n, {.label = "epoch " + std::to_string(epoch)});
    double total = 0;
    index_t seen = 0;
    for (index_t start = 0; start + opt.batch <= n; start += opt.batch) {
      indexSelect(input, x, 0, order.narrow(0, start, opt.batch));
      auto [g, loss, out] = df(params, input, opt.lambda);
      const float step = static_cast<float>(opt.lr / static_cast<double>(opt.batch));
      for (int i = 0; i < 3; ++i) params["W"][i] = params["W"][i] - g["W"][i] * step;
      for (int i = 0; i < 6; ++i) params["B"][i] = params["B"][i] - g["B"][i] * step;
      total += loss;
      seen += opt.batch;
      char extra[48];
      std::snprintf(extra, sizeof extra, "loss/image %.2f", total / static_cast<double>(seen));
      bar.update(seen, extra);
    }
    std::printf("epoch %d: reconstruction loss per image %.2f (binary cross-entropy over 784 pixels + L2)\n", epoch,
                total / static_cast<double>(seen));
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << e.what() << "\n";
  return 1;
}
