// nn normalization: BatchNormalization, SpatialBatchNormalization, VolumetricBatchNormalization,
// SpatialCrossMapLRN, SpatialSubtractive/Divisive/ContrastiveNormalization, Normalize,
// image::gaussian1D — against naive references written from Torch7's definitions.
#include "helpers.hpp"

#include <cmath>
#include <limits>
#include <vector>

#include "t7/nn.hpp"
#include "t7/nn/normalization.hpp"

using namespace t7;

namespace {

using Vec = std::vector<double>;

/// A new contiguous tensor of `sizes` holding `v` (row-major).
DoubleTensor fromVec(const Shape& sizes, const Vec& v) {
  DoubleTensor t(sizes);
  for (std::size_t i = 0; i < v.size(); ++i) t.data()[i] = v[i];
  return t;
}

// ---- batch norm reference --------------------------------------------------------------------

struct BnRef {
  Vec mean, var;  // biased batch variance
};

/// Per-channel batch statistics of x viewed as [n x c x s].
BnRef bnStats(const DoubleTensor& x, index_t n, index_t c, index_t s) {
  const Vec v = x.toVector();
  BnRef r{Vec(c, 0), Vec(c, 0)};
  for (index_t f = 0; f < c; ++f) {
    double sum = 0;
    for (index_t i = 0; i < n; ++i)
      for (index_t k = 0; k < s; ++k) sum += v[(i * c + f) * s + k];
    r.mean[f] = sum / (n * s);
    double ss = 0;
    for (index_t i = 0; i < n; ++i)
      for (index_t k = 0; k < s; ++k) ss += std::pow(v[(i * c + f) * s + k] - r.mean[f], 2);
    r.var[f] = ss / (n * s);
  }
  return r;
}

/// y = (x - mean) / sqrt(var + eps) * w + b per channel.
DoubleTensor bnApply(const DoubleTensor& x, index_t n, index_t c, index_t s, const Vec& mean, const Vec& var,
                     double eps, const Vec& w, const Vec& b) {
  const Vec v = x.toVector();
  Vec y(v.size());
  for (index_t i = 0; i < n; ++i)
    for (index_t f = 0; f < c; ++f)
      for (index_t k = 0; k < s; ++k) {
        const std::size_t at = (i * c + f) * s + k;
        y[at] = (v[at] - mean[f]) / std::sqrt(var[f] + eps) * (w.empty() ? 1 : w[f]) + (b.empty() ? 0 : b[f]);
      }
  return fromVec(x.sizes(), y);
}

// ---- LRN reference ---------------------------------------------------------------------------

DoubleTensor lrnRef(const DoubleTensor& x4, index_t size, double alpha, double beta, double k) {
  const index_t n = x4.size(0), c = x4.size(1), hw = x4.size(2) * x4.size(3);
  const Vec v = x4.toVector();
  Vec y(v.size());
  const index_t pre = (size - 1) / 2;
  for (index_t b = 0; b < n; ++b)
    for (index_t ch = 0; ch < c; ++ch)
      for (index_t q = 0; q < hw; ++q) {
        double s = 0;
        for (index_t j = ch - pre; j < ch - pre + size; ++j)
          if (j >= 0 && j < c) s += std::pow(v[(b * c + j) * hw + q], 2);
        const std::size_t at = (b * c + ch) * hw + q;
        y[at] = v[at] * std::pow(k + alpha / size * s, -beta);
      }
  return fromVec(x4.sizes(), y);
}

// ---- local normalization reference: Torch7's module graph, literally -----------------------

/// Torch7's mean estimator: zero padding, a per-plane SpatialConvolutionMap with kernel `kt`
/// (2-D, or 1-D applied along the rows then along the columns), Sum over the planes.
/// x is one sample [p x h x w]; returns [h x w].
Vec estimator(const Vec& x, index_t p, index_t h, index_t w, const DoubleTensor& kt) {
  const bool twoD = kt.dim() == 2;
  const index_t kH = kt.size(0), kW = twoD ? kt.size(1) : kt.size(0);
  const index_t ph = kH / 2, pw = kW / 2;
  const index_t H = h + 2 * ph, W = w + 2 * pw;
  const Vec kv = kt.toVector();
  Vec out(h * w, 0);
  for (index_t q = 0; q < p; ++q) {
    Vec pad(H * W, 0);
    for (index_t i = 0; i < h; ++i)
      for (index_t j = 0; j < w; ++j) pad[(i + ph) * W + j + pw] = x[(q * h + i) * w + j];
    if (twoD) {
      for (index_t i = 0; i < h; ++i)
        for (index_t j = 0; j < w; ++j)
          for (index_t u = 0; u < kH; ++u)
            for (index_t v = 0; v < kW; ++v) out[i * w + j] += kv[u * kW + v] * pad[(i + u) * W + j + v];
    } else {
      Vec rows(H * w, 0);  // valid horizontal conv (kW = k, kH = 1)
      for (index_t i = 0; i < H; ++i)
        for (index_t j = 0; j < w; ++j)
          for (index_t v = 0; v < kW; ++v) rows[i * w + j] += kv[v] * pad[i * W + j + v];
      for (index_t i = 0; i < h; ++i)
        for (index_t j = 0; j < w; ++j)
          for (index_t u = 0; u < kH; ++u) out[i * w + j] += kv[u] * rows[(i + u) * w + j];
    }
  }
  return out;
}

/// Torch7's SpatialSubtractiveNormalization on x4 [n x p x h x w] (kernel as the user gives it).
DoubleTensor subtractiveRef(const DoubleTensor& x4, const DoubleTensor& kernel) {
  const index_t n = x4.size(0), p = x4.size(1), h = x4.size(2), w = x4.size(3);
  DoubleTensor k2 = kernel.clone();
  k2.div(sum(kernel) * p);
  const Vec all = x4.toVector();
  const Vec coef = estimator(Vec(p * h * w, 1.0), p, h, w, k2);
  Vec y(all.size());
  for (index_t b = 0; b < n; ++b) {
    const Vec x(all.begin() + b * p * h * w, all.begin() + (b + 1) * p * h * w);
    const Vec ls = estimator(x, p, h, w, k2);
    for (index_t q = 0; q < p; ++q)
      for (index_t i = 0; i < h * w; ++i) y[(b * p + q) * h * w + i] = x[q * h * w + i] - ls[i] / coef[i];
  }
  return fromVec(x4.sizes(), y);
}

/// Torch7's SpatialDivisiveNormalization on x4 [n x p x h x w].
DoubleTensor divisiveRef(const DoubleTensor& x4, const DoubleTensor& kernel, double threshold, double thresval) {
  const index_t n = x4.size(0), p = x4.size(1), h = x4.size(2), w = x4.size(3);
  DoubleTensor k2 = kernel.clone();
  k2.div(sum(kernel) * (kernel.dim() == 2 ? p : std::sqrt(static_cast<double>(p))));
  const Vec all = x4.toVector();
  const Vec coef = estimator(Vec(p * h * w, 1.0), p, h, w, k2);
  Vec y(all.size());
  for (index_t b = 0; b < n; ++b) {
    const Vec x(all.begin() + b * p * h * w, all.begin() + (b + 1) * p * h * w);
    Vec x2(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) x2[i] = x[i] * x[i];
    const Vec ls = estimator(x2, p, h, w, k2);
    for (index_t i = 0; i < h * w; ++i) {
      const double adj = std::sqrt(ls[i]) / coef[i];
      const double t = adj > threshold ? adj : thresval;
      for (index_t q = 0; q < p; ++q) y[(b * p + q) * h * w + i] = x[q * h * w + i] / t;
    }
  }
  return fromVec(x4.sizes(), y);
}

/// The 4-D view of a 3-D sample.
DoubleTensor batch4(const DoubleTensor& x) { return x.dim() == 4 ? x : x.view(1, x.size(0), x.size(1), x.size(2)); }

/// Evaluates an expression into a new tensor.
template <class E>
DoubleTensor ev(const E& e) {
  return DoubleTensor(e);
}

double finiteMax(const DoubleTensor& t) {
  double m = 0;
  for (double v : t.toVector()) m = std::max(m, std::abs(v));
  return m;
}

}  // namespace

// =============================================================================================
// Batch normalization
// =============================================================================================

TEST_CASE("nn normalization: BatchNormalization forward, statistics and running averages by hand") {
  nn::BatchNormalization<double> bn(2, 0.0);  // eps = 0: exact numbers
  bn.weight.copy(DoubleTensor{2, 1});
  bn.bias.copy(DoubleTensor{0.5, 0});
  const DoubleTensor x{{1, 2}, {3, 6}};
  // channel 0: mean 2, biased var 1; channel 1: mean 4, biased var 4 (std 2)
  CHECK(allclose(bn.forward(x), DoubleTensor{{-1.5, -1}, {2.5, 1}}));
  CHECK(allclose(bn.save_mean, DoubleTensor{2, 4}));
  CHECK(allclose(bn.save_std, DoubleTensor{1, 0.5}));
  CHECK(allclose(bn.running_mean, DoubleTensor{0.2, 0.4}));
  // unbiased variances 2 and 8: 0.9 * 1 + 0.1 * v
  CHECK(allclose(bn.running_var, DoubleTensor{1.1, 1.7}));
  // evaluate: the running statistics
  bn.evaluate();
  CHECK(allclose(bn.forward(DoubleTensor{{1.2, 0.4}}),
                 DoubleTensor{{2 * (1.2 - 0.2) / std::sqrt(1.1) + 0.5, 0.0}}));
  CHECK(allclose(bn.forward(DoubleTensor{1.2, 0.4}), DoubleTensor{2 * (1.0) / std::sqrt(1.1) + 0.5, 0.0}));
  CHECK(bn.output.dim() == 1);
  // Torch7's initialisation: weight in [0, 1], bias 0, running_mean 0, running_var 1
  nn::SpatialBatchNormalization<double> fresh(5);
  CHECK(fresh.weight.nElement() == 5);
  for (double w : fresh.weight.toVector()) CHECK((w >= 0 && w <= 1));
  CHECK(equal(fresh.bias, zeros<double>({5})));
  CHECK(equal(fresh.running_mean, zeros<double>({5})));
  CHECK(equal(fresh.running_var, ones<double>({5})));
  CHECK(fresh.eps == 1e-5);
  CHECK(fresh.momentum == 0.1);
  CHECK(fresh.affine);
  CHECK(fresh.train);
}

TEST_CASE("nn normalization: batch norms follow the definition over several training steps, then evaluate") {
  manualSeed(11);
  struct Case {
    Shape batch;
    bool affine;
    double momentum;
  };
  for (const Case& cs : {Case{{5, 3}, true, 0.1}, Case{{3, 70}, false, 0.5}, Case{{4, 3, 2, 3}, true, 0.3},
                         Case{{3, 2, 3, 2}, false, 0.1},
                         Case{{2, 2, 2, 3, 2}, true, 0.2}, Case{{1, 4, 3, 3}, true, 0.1}}) {
    const int nd = static_cast<int>(cs.batch.size());
    const index_t n = cs.batch[0], c = cs.batch[1];
    index_t s = 1;
    for (int d = 2; d < nd; ++d) s *= cs.batch[d];
    auto run = [&](auto& bn) {
      INFO(bn.toString());
      REQUIRE(bn.weight.nElement() == (cs.affine ? c : 0));
      if (cs.affine) {
        bn.weight.copy(randn<double>({c}));
        bn.bias.copy(randn<double>({c}));
      }
      const Vec w = cs.affine ? bn.weight.toVector() : Vec{};
      const Vec b = cs.affine ? bn.bias.toVector() : Vec{};
      Vec rm(c, 0), rv(c, 1);
      for (int step = 0; step < 3; ++step) {
        DoubleTensor x = randn<double>(cs.batch) * 2 + double(step);
        if (step == 1) {  // a non-contiguous input: the transpose of a contiguous tensor
          Shape swapped = cs.batch;
          std::swap(swapped[0], swapped[1]);
          x = randn<double>(swapped).transpose(0, 1);
          if (n > 1) REQUIRE(!x.isContiguous());
        }
        const BnRef r = bnStats(x.contiguous(), n, c, s);
        const DoubleTensor expected = bnApply(x.contiguous(), n, c, s, r.mean, r.var, bn.eps, w, b);
        CHECK(maxAbsDiff(bn.forward(x), expected) < 1e-12);
        const double count = static_cast<double>(n * s);
        for (index_t f = 0; f < c; ++f) {
          rm[f] = cs.momentum * r.mean[f] + (1 - cs.momentum) * rm[f];
          rv[f] = cs.momentum * r.var[f] * count / (count - 1) + (1 - cs.momentum) * rv[f];
        }
        CHECK(maxAbsDiff(bn.running_mean, fromVec({c}, rm)) < 1e-12);
        CHECK(maxAbsDiff(bn.running_var, fromVec({c}, rv)) < 1e-12);
        for (index_t f = 0; f < c; ++f) {
          CHECK(bn.save_mean.data()[f] == Approx(r.mean[f]).margin(1e-13));
          CHECK(bn.save_std.data()[f] == Approx(1 / std::sqrt(r.var[f] + bn.eps)));
        }
      }
      bn.evaluate();
      const DoubleTensor xe = randn<double>(cs.batch);
      const DoubleTensor rmBefore = bn.running_mean.clone(), rvBefore = bn.running_var.clone();
      CHECK(maxAbsDiff(bn.forward(xe), bnApply(xe, n, c, s, rm, rv, bn.eps, w, b)) < 1e-12);
      CHECK(equal(bn.running_mean, rmBefore));  // evaluation leaves them alone
      CHECK(equal(bn.running_var, rvBefore));
      // one sample (one dimension less) in evaluate mode
      const DoubleTensor one = xe.select(0, 0);
      const DoubleTensor y1 = bn.forward(one).clone();
      CHECK(y1.sizes() == one.sizes());
      CHECK(maxAbsDiff(y1, bnApply(xe, n, c, s, rm, rv, bn.eps, w, b).select(0, 0)) < 1e-12);
    };
    if (nd == 2) {
      nn::BatchNormalization<double> bn(c, 1e-5, cs.momentum, cs.affine);
      run(bn);
    } else if (nd == 4) {
      nn::SpatialBatchNormalization<double> bn(c, 1e-5, cs.momentum, cs.affine);
      run(bn);
    } else {
      nn::VolumetricBatchNormalization<double> bn(c, 1e-5, cs.momentum, cs.affine);
      run(bn);
    }
  }
}

TEST_CASE("nn normalization: batch-norm gradients by finite differences, training and evaluate") {
  manualSeed(12);
  for (bool affine : {true, false}) {
    nn::BatchNormalization<double> bn(3, 1e-5, 0.1, affine);
    nn::SpatialBatchNormalization<double> sbn(2, 1e-5, 0.1, affine);
    nn::VolumetricBatchNormalization<double> vbn(2, 1e-5, 0.1, affine);
    if (affine) {
      bn.weight.copy(randn<double>({3}));
      sbn.weight.copy(randn<double>({2}));
    }
    const DoubleTensor xb = randn<double>({4, 3});
    const DoubleTensor xs = randn<double>({2, 2, 3, 2});
    const DoubleTensor xv = randn<double>({2, 2, 2, 2, 1});
    // training mode: the gradient through the batch mean and variance
    CHECK(nn::Jacobian::testJacobian(bn, xb) < 1e-6);
    nn::BatchNormalization<double> wide(66, 1e-5, 0.1, affine);  // two channel blocks
    CHECK(nn::Jacobian::testJacobian(wide, randn<double>({3, 66})) < 1e-6);
    CHECK(nn::Jacobian::testJacobian(sbn, xs) < 1e-6);
    CHECK(nn::Jacobian::testJacobian(sbn, randn<double>({1, 2, 2, 3})) < 1e-6);  // one sample, 6 values per plane
    CHECK(nn::Jacobian::testJacobian(vbn, xv) < 1e-6);
    CHECK(nn::Jacobian::testJacobian(sbn, randn<double>({2, 3, 2, 2}).transpose(0, 1)) < 1e-6);
    if (affine) {
      CHECK(nn::Jacobian::testJacobianParameters(bn, xb) < 1e-6);
      CHECK(nn::Jacobian::testJacobianParameters(sbn, xs) < 1e-6);
    } else {
      CHECK(bn.parameters().weights.empty());
    }
    // evaluate mode: an affine map per channel with the running statistics
    bn.running_var.copy(DoubleTensor{0.5, 2, 1.5});
    bn.running_mean.copy(DoubleTensor{0.1, -0.2, 0.3});
    bn.evaluate();
    sbn.evaluate();
    CHECK(nn::Jacobian::testJacobian(bn, xb) < 1e-6);
    CHECK(nn::Jacobian::testJacobian(bn, DoubleTensor{0.5, -1, 2}) < 1e-6);
    CHECK(nn::Jacobian::testJacobian(sbn, xs) < 1e-6);
    CHECK(nn::Jacobian::testJacobian(sbn, xs.select(0, 1)) < 1e-6);
    if (affine) {
      CHECK(nn::Jacobian::testJacobianParameters(bn, xb) < 1e-6);
      CHECK(nn::Jacobian::testJacobianParameters(sbn, xs) < 1e-6);
      CHECK(nn::Jacobian::testJacobianParameters(sbn, xs.select(0, 0)) < 1e-6);
      // evaluate-mode gradInput = gradOutput * weight / sqrt(running_var + eps)
      const DoubleTensor g = randn<double>({4, 3});
      bn.forward(xb);
      const DoubleTensor gi = bn.updateGradInput(xb, g).clone();
      for (index_t f = 0; f < 3; ++f)
        CHECK(maxAbsDiff(gi.select(1, f), ev(g.select(1, f) * (bn.weight.data()[f] /
                                                               std::sqrt(bn.running_var.data()[f] + bn.eps)))) < 1e-12);
    }
  }
}

TEST_CASE("nn normalization: batch-norm parameter gradients accumulate with scale; fused backward agrees") {
  manualSeed(13);
  nn::SpatialBatchNormalization<double> bn(3);
  const DoubleTensor x = randn<double>({2, 3, 2, 2}), g = randn<double>({2, 3, 2, 2});
  bn.zeroGradParameters();
  bn.forward(x);
  const DoubleTensor gi1 = bn.updateGradInput(x, g).clone();
  bn.accGradParameters(x, g, 1.0);
  const DoubleTensor gw1 = bn.gradWeight.clone(), gb1 = bn.gradBias.clone();
  // gradBias = sum of gradOutput per plane; gradWeight = sum of gradOutput * normalized input
  const BnRef r = bnStats(x, 2, 3, 4);
  const DoubleTensor xhat = bnApply(x, 2, 3, 4, r.mean, r.var, bn.eps, {}, {});
  for (index_t f = 0; f < 3; ++f) {
    CHECK(gb1.data()[f] == Approx(sum(g.select(1, f))).margin(1e-12));
    CHECK(gw1.data()[f] == Approx(sum(g.select(1, f) * xhat.select(1, f))).margin(1e-12));
  }
  bn.zeroGradParameters();
  const DoubleTensor gi2 = bn.backward(x, g, 0.5).clone();
  CHECK(maxAbsDiff(gi1, gi2) < 1e-14);
  CHECK(maxAbsDiff(bn.gradWeight, ev(gw1 * 0.5)) < 1e-14);
  CHECK(maxAbsDiff(bn.gradBias, ev(gb1 * 0.5)) < 1e-14);
  bn.backward(x, g, 0.5);  // accumulates
  CHECK(maxAbsDiff(bn.gradWeight, gw1) < 1e-14);
  // a non-contiguous gradOutput
  const DoubleTensor gt = g.transpose(2, 3).contiguous().transpose(2, 3);
  REQUIRE(!gt.isContiguous());
  CHECK(maxAbsDiff(bn.updateGradInput(x, gt), gi1) < 1e-14);
}

TEST_CASE("nn normalization: batch norm in float and on an [N x 64 x 32 x 32] batch") {
  manualSeed(14);
  nn::SpatialBatchNormalization bn(64);  // CTAD: float
  static_assert(std::is_same_v<decltype(bn), nn::SpatialBatchNormalization<float>>);
  const DoubleTensor xd = randn<double>({4, 64, 8, 8}) * 3 + 1;
  const FloatTensor xf = xd.toFloat();
  nn::SpatialBatchNormalization<double> ref(64);
  ref.weight.copy(bn.weight);
  CHECK(maxAbsDiff(bn.forward(xf), ref.forward(xd)) < 1e-4);
  CHECK(maxAbsDiff(bn.running_var, ref.running_var) < 1e-5);
  const FloatTensor big = randn<float>({8, 64, 32, 32});
  const FloatTensor& y = bn.forward(big);
  // per plane: mean 0, biased variance 1 before weight and bias
  for (index_t f : {0, 31, 63}) {
    const DoubleTensor yf = y.select(1, f).toDouble();
    const double w = bn.weight.data()[f];
    CHECK(std::abs(sum(yf) / yf.nElement()) < 1e-4);
    CHECK(std::abs(sum(yf * yf) / yf.nElement() - w * w) < 1e-3);
  }
  const FloatTensor& gi = bn.backward(big, FloatTensor(big.sizes()).fill(1.0f));
  CHECK(finiteMax(gi.toDouble()) < 1e-3);  // a constant gradOutput is projected out
  nn::BatchNormalization bn1(10);
  static_assert(std::is_same_v<decltype(bn1), nn::BatchNormalization<float>>);
}

TEST_CASE("nn normalization: batch-norm errors") {
  nn::BatchNormalization<double> bn(3);
  T7_REQUIRE_THROWS_WITH_ALL(bn.forward(DoubleTensor(4, 2)), SizeError, "BatchNormalization", "2-feature", "[4x2]",
                             "expected 3");
  T7_REQUIRE_THROWS_WITH_ALL(bn.forward(DoubleTensor(3)), SizeError, "BatchNormalization", "only mini-batch",
                             "training", "[3]", "evaluate()");
  T7_REQUIRE_THROWS_WITH_ALL(bn.forward(DoubleTensor(2, 3, 4)), SizeError, "BatchNormalization", "2D batch",
                             "[N x 3]", "[2x3x4]");
  T7_REQUIRE_THROWS_WITH_ALL(bn.forward(DoubleTensor(1, 3)), ValueError, "BatchNormalization",
                             "more than one value per channel", "[1x3]");
  T7_REQUIRE_THROWS_WITH_ALL(bn.backward(DoubleTensor(4, 3).zero(), DoubleTensor(4, 3).zero()), ValueError,
                             "must call forward()");
  bn.forward(randn<double>({4, 3}));
  T7_REQUIRE_THROWS_WITH_ALL(bn.backward(DoubleTensor(4, 3).zero(), DoubleTensor(4, 2)), SizeError, "gradOutput",
                             "[4x2]", "[4x3]");
  bn.evaluate();
  CHECK(bn.forward(DoubleTensor(1, 3).zero()).sizes() == Shape{1, 3});  // one value is fine in evaluate mode
  nn::SpatialBatchNormalization<double> sbn(4);
  T7_REQUIRE_THROWS_WITH_ALL(sbn.forward(DoubleTensor(2, 3, 5, 5)), SizeError, "SpatialBatchNormalization",
                             "3-feature", "expected 4");
  T7_REQUIRE_THROWS_WITH_ALL(sbn.forward(DoubleTensor(4, 5, 5)), SizeError, "SpatialBatchNormalization",
                             "only mini-batch supported in training mode (4D tensor)", "[4x5x5]");
  T7_REQUIRE_THROWS_WITH_ALL(sbn.forward(DoubleTensor(2, 4)), SizeError, "4D batch", "[N x 4 x H x W]", "[2x4]");
  T7_REQUIRE_THROWS_WITH_ALL(sbn.forward(DoubleTensor(1, 4, 1, 1)), ValueError, "more than one value");
  T7_REQUIRE_THROWS_WITH_ALL(nn::SpatialBatchNormalization<double>(0), ValueError, "SpatialBatchNormalization",
                             "positive");
  nn::VolumetricBatchNormalization<double> vbn(2);
  T7_REQUIRE_THROWS_WITH_ALL(vbn.forward(DoubleTensor(2, 2, 3)), SizeError, "VolumetricBatchNormalization",
                             "[N x 2 x T x H x W]");
  sbn.running_var = DoubleTensor(3).fill(1);
  T7_REQUIRE_THROWS_WITH_ALL(sbn.forward(DoubleTensor(2, 4, 2, 2).zero()), SizeError, "running_var");
}

TEST_CASE("nn normalization: batch-norm toString, clone, toFloat, clearState") {
  nn::BatchNormalization<double> bn(3, 1e-3, 0.25, false);
  CHECK(bn.toString() == "nn.BatchNormalization (2D) (3)");
  CHECK(nn::SpatialBatchNormalization<float>(64).toString() == "nn.SpatialBatchNormalization (4D) (64)");
  CHECK(nn::VolumetricBatchNormalization<float>(2).toString() == "nn.VolumetricBatchNormalization (5D) (2)");
  bn.forward(randn<double>({4, 3}));
  auto f = bn.toFloat();
  static_assert(std::is_same_v<decltype(f), nn::BatchNormalization<float>>);
  CHECK(f.eps == 1e-3);
  CHECK(f.momentum == 0.25);
  CHECK(!f.affine);
  CHECK(f.weight.nElement() == 0);
  CHECK(maxAbsDiff(f.running_var.toDouble(), bn.running_var) < 1e-6);
  auto c = bn.clone();
  c.running_mean.fill(7);
  CHECK(bn.running_mean.data()[0] != 7);  // a deep copy
  nn::SpatialBatchNormalization<double> s(2);
  s.forward(randn<double>({2, 2, 2, 2}));
  s.evaluate();
  auto sc = s.clone();
  CHECK(!sc.train);
  CHECK(equal(sc.weight, s.weight));
  s.clearState();
  CHECK(s.save_mean.nElement() == 0);
  CHECK(s.running_mean.nElement() == 2);  // state survives clearState
}

// =============================================================================================
// SpatialCrossMapLRN
// =============================================================================================

TEST_CASE("nn normalization: SpatialCrossMapLRN against the definition") {
  manualSeed(21);
  nn::SpatialCrossMapLRN<double> one(1, 2, 1, 3);
  // size 1: y = x / (3 + 2 x^2)
  CHECK(allclose(one.forward(DoubleTensor{1.0, 2.0}.view(2, 1, 1)), DoubleTensor{1.0 / 5, 2.0 / 11}.view(2, 1, 1)));
  struct Case {
    index_t size;
    double alpha, beta, k;
    Shape shape;
  };
  for (const Case& cs : {Case{5, 1e-4, 0.75, 1, {2, 6, 3, 4}}, Case{3, 0.5, 0.75, 2, {2, 4, 3, 3}},
                         Case{4, 0.7, 0.6, 1.5, {1, 5, 2, 3}}, Case{7, 1.0, 1.2, 1, {3, 3, 2, 2}},
                         Case{3, 0.4, 1.0, 1, {2, 3, 2, 2}}, Case{3, 0.4, 0.5, 1, {2, 3, 2, 2}},
                         Case{2, 0.3, 0.5, 1, {2, 4, 17, 19}}}) {
    nn::SpatialCrossMapLRN<double> lrn(cs.size, cs.alpha, cs.beta, cs.k);
    const DoubleTensor x = randn<double>(cs.shape);
    CHECK(maxAbsDiff(lrn.forward(x), lrnRef(x, cs.size, cs.alpha, cs.beta, cs.k)) < 1e-13);
    const DoubleTensor x3 = x.select(0, 0);
    CHECK(maxAbsDiff(lrn.forward(x3), lrnRef(batch4(x3), cs.size, cs.alpha, cs.beta, cs.k).select(0, 0)) < 1e-13);
    CHECK(lrn.output.sizes() == x3.sizes());
    const DoubleTensor xt = x.transpose(2, 3).contiguous().transpose(2, 3);
    CHECK(maxAbsDiff(lrn.forward(xt), lrnRef(x, cs.size, cs.alpha, cs.beta, cs.k)) < 1e-13);
    if (cs.shape[2] * cs.shape[3] < 50) {
      CHECK(nn::Jacobian::testJacobian(lrn, x) < 1e-6);
      CHECK(nn::Jacobian::testJacobian(lrn, x3) < 1e-6);
      CHECK(nn::Jacobian::testJacobian(lrn, xt) < 1e-6);
    }
  }
  nn::SpatialCrossMapLRN lrnf(5);
  static_assert(std::is_same_v<decltype(lrnf), nn::SpatialCrossMapLRN<float>>);
  const DoubleTensor xd = randn<double>({2, 8, 5, 5});
  CHECK(maxAbsDiff(lrnf.forward(xd.toFloat()).toDouble(), lrnRef(xd, 5, 1e-4, 0.75, 1)) < 1e-5);
  // the big-image path (pixel chunks, threads): gradients against the double reference
  const DoubleTensor gbig = randn<double>({2, 8, 5, 5});
  nn::SpatialCrossMapLRN<double> lrnd(5, 0.5, 0.75, 1);
  lrnd.forward(xd);
  lrnf.alpha = 0.5;
  lrnf.forward(xd.toFloat());
  CHECK(maxAbsDiff(lrnf.backward(xd.toFloat(), gbig.toFloat()).toDouble(), lrnd.backward(xd, gbig)) < 1e-5);
}

TEST_CASE("nn normalization: SpatialCrossMapLRN errors, options, Torch7 name") {
  nn::SpatialCrossMapLRN<double> lrn(3, 0.1, 0.5, 2);
  T7_REQUIRE_THROWS_WITH_ALL(lrn.forward(DoubleTensor(3, 4)), SizeError, "SpatialCrossMapLRN",
                             "[C x H x W] or [N x C x H x W]", "[3x4]");
  T7_REQUIRE_THROWS_WITH_ALL(lrn.backward(DoubleTensor(2, 3, 3).zero(), DoubleTensor(2, 3, 3)), ValueError,
                             "call forward");
  lrn.forward(DoubleTensor(2, 3, 3).zero());
  T7_REQUIRE_THROWS_WITH_ALL(lrn.backward(DoubleTensor(2, 3, 3).zero(), DoubleTensor(2, 3, 4)), SizeError,
                             "SpatialCrossMapLRN", "gradOutput", "[2x3x4]");
  T7_REQUIRE_THROWS_WITH_ALL(nn::SpatialCrossMapLRN<double>(0), ValueError, "size must be positive");
  CHECK(lrn.toString() == "nn.SpatialCrossMapLRN");
  auto f = lrn.toFloat();
  CHECK(f.size == 3);
  CHECK(f.alpha == 0.1);
  CHECK(f.beta == 0.5);
  CHECK(f.k == 2);
  CHECK(lrn.clone().size == 3);
}

// =============================================================================================
// Subtractive / divisive / contrastive normalization
// =============================================================================================

TEST_CASE("nn normalization: image::gaussian1D matches Torch7's image.gaussian1D") {
  const DoubleTensor g = image::gaussian1D<double>();  // size 3, sigma 0.25: centre 2
  const double e = std::exp(-std::pow(1 / 0.75, 2) / 2);
  CHECK(allclose(g, DoubleTensor{e, 1, e}));
  const DoubleTensor g7 = image::gaussian1D<double>(7, 0.3, 2, true);
  CHECK(sum(g7) == Approx(1));
  const double c7 = 0.5 * 7 + 0.5;
  for (index_t i = 0; i < 7; ++i)
    CHECK(g7.data()[i] == Approx(std::exp(-std::pow((i + 1 - c7) / (0.3 * 7), 2) / 2) /
                                 sum(image::gaussian1D<double>(7, 0.3, 1))));
  const DoubleTensor shifted = image::gaussian1D<double>(4, 0.25, 3, false, 0.25);  // centre 1.5
  CHECK(shifted.data()[0] == Approx(3 * std::exp(-std::pow(-0.5, 2) / 2)));
  CHECK(image::gaussian1D(5).nElement() == 5);  // FloatTensor
  T7_REQUIRE_THROWS_WITH_ALL(image::gaussian1D<double>(0), ValueError, "gaussian1D", "size");
  T7_REQUIRE_THROWS_WITH_ALL(image::gaussian1D<double>(3, 0), ValueError, "gaussian1D", "sigma");
}

TEST_CASE("nn normalization: local normalizations equal Torch7's module graphs") {
  manualSeed(31);
  const DoubleTensor k2d = rand<double>({3, 5}) + 0.2;  // non-square, uneven weights
  const DoubleTensor k1d = image::gaussian1D<double>(5);
  const DoubleTensor kflat = ones<double>({9, 9});  // the default, bigger than the image
  for (const DoubleTensor& kernel : {k2d, k1d, kflat}) {
    for (index_t p : {1, 2, 3}) {
      INFO("kernel [" << kernel.sizes().toString() << "], planes " << p);
      const DoubleTensor x = randn<double>({2, p, 6, 7}) + 0.5;
      const bool isDefault = kernel.dim() == 2 && kernel.size(0) == 9;
      nn::SpatialSubtractiveNormalization<double> sub =
          isDefault ? nn::SpatialSubtractiveNormalization<double>(p) : nn::SpatialSubtractiveNormalization<double>(p, kernel);
      nn::SpatialDivisiveNormalization<double> div(p, kernel);
      nn::SpatialContrastiveNormalization<double> con(p, kernel);
      const DoubleTensor s = subtractiveRef(x, kernel);
      CHECK(maxAbsDiff(sub.forward(x), s) < 1e-12);
      CHECK(maxAbsDiff(div.forward(x), divisiveRef(x, kernel, 1e-4, 1e-4)) < 1e-12);
      CHECK(maxAbsDiff(con.forward(x), divisiveRef(s, kernel, 1e-4, 1e-4)) < 1e-12);
      // a single sample, and a non-contiguous batch
      CHECK(maxAbsDiff(sub.forward(x.select(0, 1)), s.select(0, 1)) < 1e-12);
      CHECK(sub.output.dim() == 3);
      const DoubleTensor xt = x.transpose(2, 3).contiguous().transpose(2, 3);
      CHECK(maxAbsDiff(con.forward(xt), divisiveRef(s, kernel, 1e-4, 1e-4)) < 1e-12);
      // Torch7 keeps the kernel normalized: subtractive by sum * P; divisive by sum * P (2-D)
      // or sum * sqrt(P) (1-D); contrastive keeps the divisive one
      CHECK(maxAbsDiff(sub.kernel, ev(kernel / (sum(kernel) * p))) < 1e-15);
      const double dp = kernel.dim() == 2 ? p : std::sqrt(double(p));
      CHECK(maxAbsDiff(div.kernel, ev(kernel / (sum(kernel) * dp))) < 1e-15);
      CHECK(maxAbsDiff(con.kernel, div.kernel) < 1e-15);
    }
  }
  // the classic demo: SpatialContrastiveNormalization(3, image.gaussian1D(7)) in float
  nn::SpatialContrastiveNormalization cn(3, image::gaussian1D(7));
  static_assert(std::is_same_v<decltype(cn), nn::SpatialContrastiveNormalization<float>>);
  const DoubleTensor img = rand<double>({3, 12, 10});
  const DoubleTensor refImg =
      divisiveRef(subtractiveRef(batch4(img), image::gaussian1D<double>(7)), image::gaussian1D<double>(7), 1e-4, 1e-4);
  CHECK(maxAbsDiff(cn.forward(img.toFloat()).toDouble(), refImg.select(0, 0)) < 1e-4);
}

TEST_CASE("nn normalization: divisive thresholding and thresval") {
  manualSeed(32);
  // everything below the threshold: y = x / thresval, gradient 1 / thresval
  nn::SpatialDivisiveNormalization<double> div(2, image::gaussian1D<double>(3), 10.0, 4.0);
  const DoubleTensor x = randn<double>({2, 4, 5});
  CHECK(maxAbsDiff(div.forward(x), ev(x / 4.0)) < 1e-15);
  CHECK(maxAbsDiff(div.backward(x, ones<double>({2, 4, 5})), ev(ones<double>({2, 4, 5}) / 4.0)) < 1e-15);
  CHECK(nn::Jacobian::testJacobian(div, x) < 1e-6);
  // a zero image gives zeros (and a zero gradient through the std, no NaN)
  nn::SpatialContrastiveNormalization<double> con(1, image::gaussian1D<double>(3), 1e-4, 0.5);
  const DoubleTensor z = zeros<double>({1, 4, 4});
  CHECK(equal(con.forward(z), z));
  const DoubleTensor gz = con.backward(z, ones<double>({1, 4, 4})).clone();
  CHECK(std::isfinite(sum(gz)));
  CHECK(maxAbsDiff(con.thresholdedstds, DoubleTensor(1, 4, 4).fill(0.5)) == 0);  // thresval honoured
  const DoubleTensor partly = randn<double>({1, 5, 6});
  partly.narrow(2, 0, 3).zero();  // flat on the left: thresholded there
  con.threshold = 0.3;
  CHECK(maxAbsDiff(con.forward(partly), divisiveRef(subtractiveRef(batch4(partly), image::gaussian1D<double>(3)),
                                                     image::gaussian1D<double>(3), 0.3, 0.5)
                                            .select(0, 0)) < 1e-12);
}

TEST_CASE("nn normalization: local normalization gradients by finite differences") {
  manualSeed(33);
  const DoubleTensor k2d = rand<double>({3, 3}) + 0.5;
  const DoubleTensor k1d = image::gaussian1D<double>(5);
  for (const DoubleTensor& kernel : {k2d, k1d}) {
    nn::SpatialSubtractiveNormalization<double> sub(2, kernel);
    nn::SpatialDivisiveNormalization<double> div(2, kernel);
    nn::SpatialContrastiveNormalization<double> con(2, kernel);
    const DoubleTensor xb = randn<double>({2, 2, 4, 5});
    const DoubleTensor xs = randn<double>({2, 5, 3});
    const DoubleTensor xt = randn<double>({2, 2, 5, 4}).transpose(2, 3);
    for (const DoubleTensor& x : {xb, xs, xt}) {
      INFO("kernel [" << kernel.sizes().toString() << "], input [" << x.sizes().toString() << "]");
      CHECK(nn::Jacobian::testJacobian(sub, x) < 1e-6);
      CHECK(nn::Jacobian::testJacobian(div, x) < 1e-6);
      CHECK(nn::Jacobian::testJacobian(con, x) < 1e-6);
    }
  }
  // one plane, a kernel larger than the image
  nn::SpatialContrastiveNormalization<double> big(1);
  CHECK(nn::Jacobian::testJacobian(big, randn<double>({1, 3, 4})) < 1e-6);
}

TEST_CASE("nn normalization: local normalization errors, options, conversion") {
  using Sub = nn::SpatialSubtractiveNormalization<double>;
  using Div = nn::SpatialDivisiveNormalization<double>;
  using Con = nn::SpatialContrastiveNormalization<double>;
  T7_REQUIRE_THROWS_WITH_ALL(Sub(1, ones<double>({4, 3})), ValueError, "SpatialSubtractiveNormalization",
                             "ODD dimensions", "[4x3]");
  T7_REQUIRE_THROWS_WITH_ALL(Div(1, ones<double>({2})), ValueError, "SpatialDivisiveNormalization", "ODD");
  T7_REQUIRE_THROWS_WITH_ALL(Con(1, ones<double>({3, 3, 3})), ValueError, "SpatialContrastiveNormalization",
                             "2D or 1D", "[3x3x3]");
  T7_REQUIRE_THROWS_WITH_ALL(Sub(1, DoubleTensor{1, -2, 1}), ValueError, "non-zero finite sum");
  T7_REQUIRE_THROWS_WITH_ALL(Sub(0), ValueError, "nInputPlane must be positive");
  Con con(3, image::gaussian1D<double>(5), 2e-4, 3e-4);
  T7_REQUIRE_THROWS_WITH_ALL(con.forward(DoubleTensor(2, 5, 5)), SizeError, "SpatialContrastiveNormalization",
                             "[3 x H x W] or [N x 3 x H x W]", "[2x5x5]");
  T7_REQUIRE_THROWS_WITH_ALL(con.forward(DoubleTensor(5, 5)), SizeError, "got [5x5]");
  T7_REQUIRE_THROWS_WITH_ALL(con.backward(DoubleTensor(3, 4, 4).zero(), DoubleTensor(3, 4, 4).zero()), ValueError,
                             "call forward");
  con.forward(randn<double>({3, 4, 4}));
  T7_REQUIRE_THROWS_WITH_ALL(con.backward(randn<double>({3, 4, 4}), DoubleTensor(3, 4, 5)), SizeError, "gradOutput",
                             "[3x4x5]");
  T7_REQUIRE_THROWS_WITH_ALL(con.backward(randn<double>({2, 3, 4, 4}), DoubleTensor(2, 3, 4, 4)), ValueError,
                             "call forward");
  // the user's kernel is copied, not normalized in place (Torch7 divided the caller's tensor)
  const DoubleTensor mine = DoubleTensor{1, 2, 1};
  Sub keep(2, mine);
  CHECK(equal(mine, DoubleTensor{1, 2, 1}));
  auto f = con.toFloat();
  static_assert(std::is_same_v<decltype(f), nn::SpatialContrastiveNormalization<float>>);
  CHECK(f.nInputPlane == 3);
  CHECK(f.threshold == 2e-4);
  CHECK(f.thresval == 3e-4);
  CHECK(maxAbsDiff(f.kernel.toDouble(), con.kernel) < 1e-7);
  const DoubleTensor x = randn<double>({3, 4, 4});
  CHECK(maxAbsDiff(f.forward(x.toFloat()).toDouble(), con.forward(x)) < 1e-4);
  auto d = Div(2, image::gaussian1D<double>(3), 0.5, 0.25).clone();
  CHECK(d.threshold == 0.5);
  CHECK(d.thresval == 0.25);
  CHECK(d.kernel.dim() == 1);
  CHECK(Sub(1).toString() == "nn.SpatialSubtractiveNormalization");
  CHECK(Sub(1).kernel.sizes() == Shape{9, 9});
  CHECK(con.toString() == "nn.SpatialContrastiveNormalization");
  // the border coefficients follow the image size
  con.forward(randn<double>({3, 5, 6}));
  CHECK(con.coef.sizes() == Shape{5, 6});
  CHECK(con.coef.data()[2 * 6 + 2] == Approx(1));   // interior: the whole kernel
  CHECK(con.coef.data()[0] < 1);                     // corner: part of it
}

// =============================================================================================
// Normalize
// =============================================================================================

TEST_CASE("nn normalization: Normalize values for p = 1, 2, 1.5, inf") {
  const double inf = std::numeric_limits<double>::infinity();
  nn::Normalize<double> l2(2);
  CHECK(allclose(l2.forward(DoubleTensor{3, 4}), DoubleTensor{0.6, 0.8}));
  CHECK(allclose(l2.forward(DoubleTensor{{3, 4}, {0, -2}}), DoubleTensor{{0.6, 0.8}, {0, -1}}));
  CHECK(allclose(l2.norm, DoubleTensor{5, 2}));
  nn::Normalize<double> l1(1);
  CHECK(allclose(l1.forward(DoubleTensor{1, -3}), DoubleTensor{0.25, -0.75}));
  nn::Normalize<double> li(inf);
  CHECK(allclose(li.forward(DoubleTensor{{1, -4, 2}, {0.5, 0, 0}}), DoubleTensor{{0.25, -1, 0.5}, {1, 0, 0}}));
  CHECK(equal(li._indices, LongTensor{1, 0}));
  nn::Normalize<double> lp(1.5, 0);
  const double n15 = std::pow(std::pow(1.0, 1.5) + std::pow(2.0, 1.5), 1 / 1.5);
  CHECK(allclose(lp.forward(DoubleTensor{1, -2}), DoubleTensor{1 / n15, -2 / n15}));
  // eps inside the root: Torch7's (sum |x|^p + eps)^(1/p)
  nn::Normalize<double> eps(2, 0.5);
  CHECK(allclose(eps.forward(DoubleTensor{0, 0}), DoubleTensor{0, 0}));
  CHECK(eps.norm.data()[0] == Approx(std::sqrt(0.5)));
  // non-contiguous rows, float
  const DoubleTensor x = randn<double>({3, 5});
  nn::Normalize lf(2.0);
  static_assert(std::is_same_v<decltype(lf), nn::Normalize<float>>);
  const DoubleTensor y = l2.forward(x.t().contiguous().t()).clone();
  for (index_t r = 0; r < 3; ++r) CHECK(sum(y.select(0, r) * y.select(0, r)) == Approx(1));
  CHECK(maxAbsDiff(lf.forward(x.toFloat()).toDouble(), y) < 1e-6);
}

TEST_CASE("nn normalization: Normalize gradients by finite differences") {
  manualSeed(41);
  const double inf = std::numeric_limits<double>::infinity();
  for (double p : {1.0, 1.5, 2.0, 3.0, 4.0, inf}) {
    nn::Normalize<double> m(p);
    INFO(m.toString());
    CHECK(nn::Jacobian::testJacobian(m, randn<double>({4, 5})) < 1e-6);
    CHECK(nn::Jacobian::testJacobian(m, randn<double>({6})) < 1e-6);
    CHECK(nn::Jacobian::testJacobian(m, randn<double>({5, 3}).t()) < 1e-6);
  }
}

TEST_CASE("nn normalization: Normalize errors, toString, conversion") {
  T7_REQUIRE_THROWS_WITH_ALL(nn::Normalize<double>(0), ValueError, "Normalize", "0-norm not supported");
  T7_REQUIRE_THROWS_WITH_ALL(nn::Normalize<double>(-1), ValueError, "-1-norm");
  nn::Normalize<double> m(2);
  T7_REQUIRE_THROWS_WITH_ALL(m.forward(DoubleTensor(2, 3, 4)), SizeError, "Normalize", "[D] or [N x D]",
                             "[2x3x4]");
  T7_REQUIRE_THROWS_WITH_ALL(m.backward(DoubleTensor(2, 3).zero(), DoubleTensor(2, 3)), ValueError, "call forward");
  m.forward(randn<double>({2, 3}));
  T7_REQUIRE_THROWS_WITH_ALL(m.backward(DoubleTensor(2, 3).zero(), DoubleTensor(3, 2)), SizeError, "gradOutput",
                             "[3x2]");
  CHECK(m.toString() == "nn.Normalize(2)");
  CHECK(nn::Normalize<float>(1.5).toString() == "nn.Normalize(1.500000)");
  CHECK(nn::Normalize<float>(std::numeric_limits<double>::infinity()).toString() == "nn.Normalize(inf)");
  auto f = nn::Normalize<double>(3, 1e-6).toFloat();
  CHECK(f.p == 3);
  CHECK(f.eps == 1e-6);
}

// =============================================================================================
// Containers
// =============================================================================================

TEST_CASE("nn normalization: the modules inside nn::Sequential") {
  manualSeed(51);
  nn::Sequential<double> net;
  net.add(nn::SpatialCrossMapLRN<double>(3, 0.5, 0.75, 1))
      .add(nn::SpatialContrastiveNormalization<double>(2, image::gaussian1D<double>(3)))
      .add(nn::SpatialBatchNormalization<double>(2))
      .add(nn::SpatialSubtractiveNormalization<double>(2, ones<double>({3, 3})));
  const DoubleTensor x = randn<double>({2, 2, 3, 4});
  CHECK(nn::Jacobian::testJacobian(net, x) < 1e-6);
  CHECK(nn::Jacobian::testJacobianParameters(net, x) < 1e-6);
  net.evaluate();
  CHECK(nn::Jacobian::testJacobian(net, x.select(0, 0)) < 1e-6);
  CHECK(net.toString().find("nn.SpatialBatchNormalization (4D) (2)") != std::string::npos);
  auto nf = net.toFloat();
  CHECK(nf.forward(x.toFloat()).tensor().sizes() == x.sizes());
  net.training();

  nn::Sequential<double> mlp;
  mlp.add(nn::Linear<double>(4, 3)).add(nn::BatchNormalization<double>(3)).add(nn::Normalize<double>(2));
  const DoubleTensor xb = randn<double>({5, 4});
  CHECK(nn::Jacobian::testJacobian(mlp, xb) < 1e-6);
  CHECK(nn::Jacobian::testJacobianParameters(mlp, xb) < 1e-6);
  auto [w, gw] = mlp.getParameters();
  CHECK(w.nElement() == 4 * 3 + 3 + 3 + 3);  // Linear, then BatchNormalization's weight and bias
}
