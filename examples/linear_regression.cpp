// A complete training run with t7's Tensor core: linear regression by mini-batch SGD on
// data it generates. Copy it as the template of a training loop: seeded data, a shuffled
// epoch over mini-batches (randperm + narrow), a forward pass, the gradient, the update,
// and a progress line per epoch.
//
// The loops below spell out the matrix products by hand because this example uses only
// the Tensor core; with t7's math library they become `mm(x, w)` and friends, and with
// `nn` the whole model is `nn::Linear` + `nn::MSECriterion` + `optim::sgd`.
//
//   build/release/examples/linear_regression [--smoke]
#include <t7/t7.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>

using namespace t7;

int main(int argc, char** argv) {
  const bool smoke = argc > 1 && std::strcmp(argv[1], "--smoke") == 0;
  const index_t n = smoke ? 512 : 20000, d = 16, batch = 32;
  const int epochs = smoke ? 15 : 30;
  const float lr = 0.05f;

  // The data: y = x . wTrue + bTrue + noise, with x ~ N(0, 1) (torch.manualSeed(1234)).
  manualSeed(1234);
  FloatTensor wTrue = randn<float>(d);
  const float bTrue = 0.5f;
  FloatTensor x = randn<float>(n, d);
  FloatTensor y(n);
  FloatTensor noise = randn<float>(n);
  for (index_t i = 0; i < n; ++i) {
    float s = bTrue + 0.1f * noise(i);
    for (index_t j = 0; j < d; ++j) s += x(i, j) * wTrue(j);
    y(i) = s;
  }

  // The model: weights and bias, initialised as Torch7's nn.Linear does (uniform +-1/sqrt(d)).
  const double stdv = 1.0 / std::sqrt(static_cast<double>(d));
  FloatTensor w(d);
  w.uniform(-stdv, stdv);
  float b = 0;
  FloatTensor gradW(d), xb(batch, d), yb(batch);

  float loss = 0;
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    LongTensor order = randperm(n);  // a new shuffle every epoch
    double epochLoss = 0;
    for (index_t start = 0; start + batch <= n; start += batch) {
      LongTensor idx = order.narrow(0, start, batch);
      for (index_t k = 0; k < batch; ++k) {  // gather the mini-batch
        xb.select(0, k).copy(x.select(0, idx(k)));
        yb(k) = y(idx(k));
      }
      // forward + gradient of the mean squared error 1/B sum (x.w + b - y)^2
      gradW.zero();
      float gradB = 0, batchLoss = 0;
      for (index_t k = 0; k < batch; ++k) {
        float pred = b;
        for (index_t j = 0; j < d; ++j) pred += xb(k, j) * w(j);
        const float err = pred - yb(k);
        batchLoss += err * err;
        gradW.map(xb.select(0, k), [&](float g, float xv) { return g + 2 * err * xv / batch; });
        gradB += 2 * err / batch;
      }
      // update
      w.map(gradW, [&](float wv, float g) { return wv - lr * g; });
      b -= lr * gradB;
      epochLoss += batchLoss / batch;
    }
    loss = static_cast<float>(epochLoss / static_cast<double>(n / batch));
    std::printf("epoch %2d  mse %.6f\n", epoch, loss);
  }

  double werr = 0;
  for (index_t j = 0; j < d; ++j) werr = std::fmax(werr, std::fabs(w(j) - wTrue(j)));
  std::printf("max |w - wTrue| = %.4f, b = %.4f (true %.1f)\n", werr, b, bTrue);
  // The noise has variance 0.01: a trained model reaches about that.
  const bool ok = loss < 0.02f && werr < 0.05;
  std::printf("%s\n", ok ? "converged" : "DID NOT CONVERGE");
  return ok ? 0 : 1;
}
