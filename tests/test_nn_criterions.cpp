// nn criterions: MSE, Abs, SmoothL1, DistKLDiv, BCE, Margin, SoftMargin, HingeEmbedding,
// CrossEntropy, MultiMargin, MultiLabelMargin, MultiLabelSoftMargin, CosineEmbedding,
// MarginRanking, L1HingeEmbedding, MultiCriterion, ParallelCriterion; kernels/loss.hpp.
#include "helpers.hpp"

#include <cmath>

#include "t7/kernels/loss.hpp"
#include "t7/nn.hpp"
#include "t7/nn/criterions.hpp"

using namespace t7;

namespace {

/// A tensor of the given sizes cycling through `vals` in row-major order.
DoubleTensor cycle(const Shape& sizes, std::initializer_list<double> vals) {
  DoubleTensor t(sizes);
  auto it = vals.begin();
  for (double& v : t) {
    v = *it;
    if (++it == vals.end()) it = vals.begin();
  }
  return t;
}

double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }

}  // namespace

// ---- pointwise -------------------------------------------------------------------------------

TEST_CASE("nn criterions: MSECriterion values, sizeAverage, gradients, layouts") {
  nn::MSECriterion<double> mse;
  DoubleTensor x{{1, 2}, {3, 4}}, y{{0, 2}, {1, 1}};
  CHECK(mse.forward(x, y) == Approx(3.5));
  CHECK(mse.output == Approx(3.5));
  CHECK(equal(mse.backward(x, y), DoubleTensor{{0.5, 0}, {1, 1.5}}));
  CHECK(mse.forward(DoubleTensor{1, -1}, DoubleTensor{0, 0}) == Approx(1));
  nn::MSECriterion<double> sum(false);
  CHECK(sum.forward(x, y) == Approx(14));
  CHECK(equal(sum.backward(x, y), DoubleTensor{{2, 0}, {4, 6}}));
  // Torch7 pairs elements in row-major order: an [N x 1] output against an [N] target.
  CHECK(sum.forward(DoubleTensor{{1}, {2}}, DoubleTensor{0, 0}) == Approx(5));
  CHECK(sum.backward(DoubleTensor{{1}, {2}}, DoubleTensor{0, 0}).sizes() == Shape{2, 1});
  // Non-contiguous input and an expanded (stride-0) target.
  DoubleTensor xt = x.t();
  CHECK(sum.forward(xt, DoubleTensor{1}.expand(2, 2)) == Approx(0 + 4 + 1 + 9));
  CHECK(equal(sum.backward(xt, DoubleTensor{1}.expand(2, 2)), DoubleTensor{{0, 4}, {2, 6}}));
  // Non-contiguous target of another shape.
  CHECK(sum.forward(DoubleTensor{1, 2, 3, 4}, x.t()) == Approx(0 + 1 + 1 + 0));
  // A steady backward reuses gradInput's storage.
  const double* gp = sum.backward(x, y).data();
  CHECK(sum.backward(x * 2.0, y).data() == gp);
  CHECK(std::isnan(mse.forward(DoubleTensor(0), DoubleTensor(0))));  // mean of nothing, as Torch7
  nn::MSECriterion<float> f;
  CHECK(f.forward(FloatTensor{1, 2}, FloatTensor{0, 0}) == Approx(2.5));
  Generator g(1);
  auto xr = randn<double>(g, {3, 4});
  auto yr = randn<double>(g, {3, 4});
  CHECK(nn::Jacobian::testCriterion(mse, xr, yr) < 1e-6);
  CHECK(nn::Jacobian::testCriterion(sum, xr, yr) < 1e-6);
  T7_REQUIRE_THROWS_WITH_ALL(mse.forward(x, DoubleTensor{1, 2, 3}), SizeError, "MSECriterion", "[2x2]", "[3]");
  T7_REQUIRE_THROWS_WITH_ALL(mse.backward(x, DoubleTensor{1, 2, 3}), SizeError, "MSECriterion", "[2x2]", "[3]");
}

TEST_CASE("nn criterions: AbsCriterion and SmoothL1Criterion") {
  nn::AbsCriterion<double> abs;
  DoubleTensor x{1, -2, 3}, y{0, 0, 3};
  CHECK(abs.forward(x, y) == Approx(1));
  CHECK(allclose(abs.backward(x, y), DoubleTensor{1.0 / 3, -1.0 / 3, 1.0 / 3}));  // +1 at x = y (Torch7)
  nn::AbsCriterion<double> absSum(false);
  CHECK(absSum.forward(DoubleTensor{{1, -2}, {3, 0}}, DoubleTensor{{0, 0}, {3, 1}}) == Approx(4));

  nn::SmoothL1Criterion<double> sl1;
  DoubleTensor xs{0, 0.5, 3, -2}, zero{0, 0, 0, 0};
  CHECK(sl1.forward(xs, zero) == Approx((0 + 0.125 + 2.5 + 1.5) / 4));
  CHECK(allclose(sl1.backward(xs, zero), DoubleTensor{0, 0.125, 0.25, -0.25}));
  nn::SmoothL1Criterion<double> sl1Sum(false);
  CHECK(sl1Sum.forward(xs, zero) == Approx(4.125));
  CHECK(allclose(sl1Sum.backward(xs.view(2, 2), zero), DoubleTensor{{0, 0.5}, {1, -1}}));

  // Gradients away from the kinks (|x - y| = 0 for Abs, |x - y| = 1 for SmoothL1).
  Generator g(2);
  for (auto shape : {Shape{5}, Shape{3, 4}}) {
    auto xr = randn<double>(g, shape);
    DoubleTensor ya = xr + cycle(shape, {0.3, -0.7, 1.6, -2.2});
    CHECK(nn::Jacobian::testCriterion(abs, xr, ya) < 1e-6);
    CHECK(nn::Jacobian::testCriterion(absSum, xr, ya) < 1e-6);
    CHECK(nn::Jacobian::testCriterion(sl1, xr, ya) < 1e-6);
    CHECK(nn::Jacobian::testCriterion(sl1Sum, xr, ya) < 1e-6);
  }
  nn::SmoothL1Criterion<float> f;
  CHECK(f.forward(FloatTensor{0.5f, 3}, FloatTensor{0, 0}) == Approx((0.125 + 2.5) / 2));
  T7_REQUIRE_THROWS_WITH_ALL(abs.forward(x, DoubleTensor{1}), SizeError, "AbsCriterion", "[3]", "[1]");
  T7_REQUIRE_THROWS_WITH_ALL(sl1.forward(x, DoubleTensor(2, 2)), SizeError, "SmoothL1Criterion", "[3]", "[2x2]");
}

TEST_CASE("nn criterions: DistKLDivCriterion") {
  nn::DistKLDivCriterion<double> kl;
  DoubleTensor x{std::log(0.5), std::log(0.25), std::log(0.25)}, y{0.5, 0.5, 0};
  CHECK(kl.forward(x, y) == Approx(0.5 * std::log(2.0) / 3));
  CHECK(allclose(kl.backward(x, y), DoubleTensor{-0.5 / 3, -0.5 / 3, 0}));
  nn::DistKLDivCriterion<double> sum(false);
  CHECK(sum.forward(x, y) == Approx(0.5 * std::log(2.0)));
  Generator g(3);
  auto xr = randn<double>(g, {2, 5});
  auto yr = rand<double>(g, {2, 5});
  CHECK(nn::Jacobian::testCriterion(kl, xr, yr) < 1e-6);
  CHECK(nn::Jacobian::testCriterion(sum, xr, yr) < 1e-6);
  T7_REQUIRE_THROWS_WITH_ALL(kl.forward(x, DoubleTensor{1, 2}), SizeError, "DistKLDivCriterion", "[3]", "[2]");
}

TEST_CASE("nn criterions: BCECriterion values, weights, gradients, errors") {
  nn::BCECriterion<double> bce;
  DoubleTensor x{0.5, 0.8}, y{1, 0};
  const double l5 = std::log(0.5), l2 = std::log(0.2);
  CHECK(bce.forward(x, y) == Approx(-(l5 + l2) / 2));
  const double eps = 1e-12;
  auto grad = [&](double xv, double yv, double w, double n) {
    return -w * (yv - xv) / ((1 - xv + eps) * (xv + eps)) / n;
  };
  CHECK(allclose(bce.backward(x, y), DoubleTensor{grad(0.5, 1, 1, 2), grad(0.8, 0, 1, 2)}));
  // Weights on a 1-D input: one per element.
  nn::BCECriterion<double> w(DoubleTensor{1, 2});
  CHECK(w.forward(x, y) == Approx(-(l5 + 2 * l2) / 2));
  nn::BCECriterion<double> wSum(DoubleTensor{1, 2}, false);
  CHECK(wSum.forward(x, y) == Approx(-(l5 + 2 * l2)));
  CHECK(allclose(wSum.backward(x, y), DoubleTensor{grad(0.5, 1, 1, 1), grad(0.8, 0, 2, 1)}));
  // A 2-D input takes one weight per column (Torch7's expandAs).
  DoubleTensor x2{{0.5, 0.8}, {0.1, 0.9}}, y2{{1, 0}, {0, 1}};
  const double l9 = std::log(0.9);
  CHECK(w.forward(x2, y2) == Approx(-(l5 + 2 * l2 + l9 + 2 * l9) / 4));
  CHECK(allclose(w.backward(x2, y2), DoubleTensor{{grad(0.5, 1, 1, 4), grad(0.8, 0, 2, 4)},
                                                  {grad(0.1, 0, 1, 4), grad(0.9, 1, 2, 4)}}));
  CHECK(bce.forward(DoubleTensor{1, 0}, DoubleTensor{1, 0}) == Approx(0).margin(1e-11));  // eps keeps log finite
  // Non-contiguous input (a column of a transposed matrix).
  CHECK(bce.forward(x2.t().select(0, 0), DoubleTensor{1, 0}) == Approx(-(l5 + l9) / 2));
  Generator g(4);
  DoubleTensor xrt = rand<double>(g, {3, 4}) * 0.8 + 0.1;
  auto yr = rand<double>(g, {3, 4});
  CHECK(nn::Jacobian::testCriterion(bce, xrt, yr) < 1e-6);
  nn::BCECriterion<double> w4(DoubleTensor{0.5, 1, 2, 3}, false);
  CHECK(nn::Jacobian::testCriterion(w4, xrt, yr) < 1e-6);
  nn::BCECriterion<float> f(FloatTensor{1, 2});
  CHECK(f.forward(FloatTensor{0.5f, 0.8f}, FloatTensor{1, 0}) == Approx(-(l5 + 2 * l2) / 2).epsilon(1e-6));
  T7_REQUIRE_THROWS_WITH_ALL(bce.forward(DoubleTensor{1.5, 0.5}, y), ValueError, "BCECriterion", "1.5",
                             "between 0 and 1");
  T7_REQUIRE_THROWS_WITH_ALL(bce.backward(DoubleTensor{-0.1, 0.5}, y), ValueError, "BCECriterion", "-0.1");
  T7_REQUIRE_THROWS_WITH_ALL(w.forward(DoubleTensor{0.5, 0.5, 0.5}, DoubleTensor{1, 1, 1}), SizeError,
                             "BCECriterion", "weights [2]", "[3]");
  T7_REQUIRE_THROWS_WITH_ALL(bce.forward(x, DoubleTensor{1}), SizeError, "BCECriterion", "[2]", "[1]");
  T7_REQUIRE_THROWS_WITH_ALL(nn::BCECriterion<double>(DoubleTensor{{1, 2}}), SizeError, "BCECriterion", "1-D",
                             "[1x2]");
}

TEST_CASE("nn criterions: MarginCriterion and SoftMarginCriterion") {
  nn::MarginCriterion<double> m;
  DoubleTensor x{0.5, 2, -0.3}, y{1, 1, -1};
  CHECK(m.forward(x, y) == Approx(1.2 / 3));
  CHECK(allclose(m.backward(x, y), DoubleTensor{-1.0 / 3, 0, 1.0 / 3}));
  nn::MarginCriterion<double> half(0.5, false);
  CHECK(half.forward(x, y) == Approx(0.2));
  CHECK(allclose(half.backward(x, y), DoubleTensor{0, 0, 1}));

  nn::SoftMarginCriterion<double> sm;
  DoubleTensor xs{0, 1}, ys{1, -1};
  CHECK(sm.forward(xs, ys) == Approx((std::log(2.0) + std::log(1 + std::exp(1.0))) / 2));
  CHECK(allclose(sm.backward(xs, ys), DoubleTensor{-0.5 / 2, sigmoid(1) / 2}));
  nn::SoftMarginCriterion<double> smSum(false);
  CHECK(smSum.forward(DoubleTensor{1000}, DoubleTensor{-1}) == Approx(1000));  // no overflow
  CHECK(smSum.forward(DoubleTensor{1000}, DoubleTensor{1}) == Approx(0).margin(1e-300));

  Generator g(5);
  for (auto shape : {Shape{6}, Shape{3, 4}}) {
    auto xr = randn<double>(g, shape);
    DoubleTensor yr = cycle(shape, {1, -1, -1});
    // Margin: keep x y away from the margin.
    DoubleTensor xm = xr.clone();
    for (double& v : xm)
      if (std::abs(std::abs(v) - 1) < 0.05) v += 0.2;
    CHECK(nn::Jacobian::testCriterion(m, xm, yr) < 1e-6);
    CHECK(nn::Jacobian::testCriterion(sm, xr, yr) < 1e-6);
    CHECK(nn::Jacobian::testCriterion(smSum, xr, yr) < 1e-6);
  }
  nn::MarginCriterion<float> f;
  CHECK(f.forward(FloatTensor{0.5f}, FloatTensor{1}) == Approx(0.5));
  T7_REQUIRE_THROWS_WITH_ALL(m.forward(x, DoubleTensor{1, 1}), SizeError, "MarginCriterion", "[3]", "[2]");
  T7_REQUIRE_THROWS_WITH_ALL(sm.forward(x, DoubleTensor{1, 1}), SizeError, "SoftMarginCriterion", "[3]", "[2]");
}

TEST_CASE("nn criterions: HingeEmbeddingCriterion") {
  nn::HingeEmbeddingCriterion<double> h;
  DoubleTensor x{0.3, 2, 0.5}, y{1, -1, -1};
  CHECK(h.forward(x, y) == Approx(0.8 / 3));
  CHECK(allclose(h.backward(x, y), DoubleTensor{1.0 / 3, 0, -1.0 / 3}));
  CHECK(h.forward(DoubleTensor{0.4}, -1.0) == Approx(0.6));
  CHECK(equal(h.backward(DoubleTensor{0.4}, -1.0), DoubleTensor{-1}));
  nn::HingeEmbeddingCriterion<double> h3(3, false);
  CHECK(h3.forward(x, y) == Approx(0.3 + 1 + 2.5));
  Generator g(6);
  DoubleTensor xr = rand<double>(g, {3, 4}) * 2.0;
  for (double& v : xr)
    if (std::abs(v - 1) < 0.05) v += 0.2;
  DoubleTensor yr = cycle({3, 4}, {1, -1, -1, 1, -1});
  CHECK(nn::Jacobian::testCriterion(h, xr, yr) < 1e-6);
  nn::HingeEmbeddingCriterion<float> f;
  CHECK(f.forward(FloatTensor{0.4f}, -1.0f) == Approx(0.6));
  T7_REQUIRE_THROWS_WITH_ALL(h.forward(x, DoubleTensor{1, 0.5, -1}), ValueError, "HingeEmbeddingCriterion",
                             "target 0.5", "1 or -1");
  T7_REQUIRE_THROWS_WITH_ALL(h.backward(x, DoubleTensor{1, 0, -1}), ValueError, "target 0");
  T7_REQUIRE_THROWS_WITH_ALL(h.forward(x, -1.0), SizeError, "HingeEmbeddingCriterion", "[3]", "[1]");
}

// ---- classification -------------------------------------------------------------------------

TEST_CASE("nn criterions: CrossEntropyCriterion equals LogSoftMax + ClassNLL, 1-D and 2-D") {
  nn::CrossEntropyCriterion<double> ce;
  DoubleTensor x{{1, 2, 3}, {1, 1, 1}};
  LongTensor t{2, 0};
  const double lse = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0));
  CHECK(ce.forward(x, t) == Approx(((lse - 3) + std::log(3.0)) / 2));
  // The same through the two modules by hand.
  nn::LogSoftMax<double> lsm;
  nn::ClassNLLCriterion<double> nll;
  DoubleTensor lp = lsm.forward(x).clone();
  CHECK(ce.forward(x, t) == Approx(nll.forward(lp, t)));
  DoubleTensor byHand = lsm.backward(x, nll.backward(lp, t)).clone();
  ce.forward(x, t);
  CHECK(allclose(ce.backward(x, t), byHand));
  // softmax - onehot, / N.
  DoubleTensor sm = exp(lp);
  CHECK(allclose(ce.gradInput, DoubleTensor{{sm(0, 0) / 2, sm(0, 1) / 2, (sm(0, 2) - 1) / 2},
                                           {(sm(1, 0) - 1) / 2, sm(1, 1) / 2, sm(1, 2) / 2}}));
  const double* gp = ce.gradInput.data();
  ce.forward(x * 2.0, t);
  CHECK(ce.backward(x * 2.0, t).data() == gp);  // steady: storage reused
  // One sample: 1-D input with a number or a one-element LongTensor.
  DoubleTensor x1{1, 2, 3};
  CHECK(ce.forward(x1, 0) == Approx(lse - 1));
  CHECK(ce.forward(x1, LongTensor{0}) == Approx(lse - 1));
  CHECK(allclose(ce.backward(x1, 0), DoubleTensor{std::exp(1 - lse) - 1, std::exp(2 - lse), std::exp(3 - lse)}));
  // Weights and sizeAverage.
  nn::CrossEntropyCriterion<double> w(DoubleTensor{1, 2, 3});
  CHECK(w.forward(x, t) == Approx((3 * (lse - 3) + 1 * std::log(3.0)) / 4));
  nn::CrossEntropyCriterion<double> wSum(DoubleTensor{1, 2, 3}, false);
  CHECK(wSum.forward(x, t) == Approx(3 * (lse - 3) + std::log(3.0)));
  nn::CrossEntropyCriterion<double> sum(false);
  CHECK(sum.forward(x, t) == Approx((lse - 3) + std::log(3.0)));
  // Non-contiguous input.
  DoubleTensor xt = DoubleTensor{{1, 1}, {2, 1}, {3, 1}}.t();
  CHECK(ce.forward(xt, t) == Approx(((lse - 3) + std::log(3.0)) / 2));
  Generator g(7);
  auto xr = randn<double>(g, {4, 5});
  CHECK(nn::Jacobian::testCriterion(ce, xr, LongTensor{0, 4, 2, 2}) < 1e-6);
  CHECK(nn::Jacobian::testCriterion(wSum = nn::CrossEntropyCriterion<double>(DoubleTensor{1, 2, 3, 4, 5}, false), xr,
                                    LongTensor{1, 3, 0, 4}) < 1e-6);
  auto xr1 = randn<double>(g, {5});
  CHECK(nn::Jacobian::testCriterion(ce, xr1, LongTensor{3}) < 1e-6);
  nn::CrossEntropyCriterion<float> f;
  CHECK(f.forward(FloatTensor{1, 2, 3}, 0) == Approx(lse - 1).epsilon(1e-6));
  T7_REQUIRE_THROWS_WITH_ALL(ce.forward(x, LongTensor{2, 3}), IndexError, "ClassNLLCriterion", "target 3",
                             "[0, 3)");
  T7_REQUIRE_THROWS_WITH_ALL(ce.forward(x, LongTensor{2}), SizeError, "needs 2 targets", "[1]");
  T7_REQUIRE_THROWS_WITH_ALL(ce.forward(DoubleTensor(2, 2, 2), LongTensor{0}), SizeError, "CrossEntropyCriterion",
                             "[C] or [N x C]", "[2x2x2]");
}

TEST_CASE("nn criterions: the cross-entropy kernel agrees with the criterion") {
  Generator g(8);
  auto x = randn<double>(g, {3, 4});
  LongTensor t{3, 0, 1};
  DoubleTensor w{1, 0.5, 2, 1.5};
  nn::CrossEntropyCriterion<double> ce(w);
  DoubleTensor lp, gi;
  CHECK(kernels::crossEntropyLoss(lp, x, t, w, true) == Approx(ce.forward(x, t)));
  kernels::crossEntropyLossBackward(gi, lp, t, w, true, 2.0);
  CHECK(allclose(gi, ce.backward(x, t) * 2.0));
  T7_REQUIRE_THROWS_WITH_ALL(kernels::crossEntropyLoss(lp, x, LongTensor{0, 4, 0}, w, true), IndexError,
                             "CrossEntropyCriterion", "target 4", "sample 1");
}

TEST_CASE("nn criterions: MultiMarginCriterion p, margin, weights, batch") {
  nn::MultiMarginCriterion<double> mm;
  DoubleTensor x{0.1, 0.2, 0.4, 0.8};
  CHECK(mm.forward(x, 3) == Approx(1.3 / 4));
  CHECK(allclose(mm.backward(x, 3), DoubleTensor{0.25, 0.25, 0.25, -0.75}));
  CHECK(mm.forward(x, LongTensor{3}) == Approx(1.3 / 4));
  nn::MultiMarginCriterion<double> p2(2);
  CHECK(p2.forward(x, 3) == Approx((0.09 + 0.16 + 0.36) / 4));
  CHECK(allclose(p2.backward(x, 3), DoubleTensor{0.6, 0.8, 1.2, -2.6} / 4.0));
  nn::MultiMarginCriterion<double> w(1, DoubleTensor{1, 1, 1, 2});
  CHECK(w.forward(x, 3) == Approx(2 * 1.3 / 4));
  nn::MultiMarginCriterion<double> m05(1, DoubleTensor(), 0.5);
  CHECK(m05.forward(x, 3) == Approx((0 + 0 + 0.1) / 4));
  // A batch: mean over samples; the second sample has no active margin.
  DoubleTensor xb{{0.1, 0.2, 0.4, 0.8}, {2, 0, 0.5, 0}};
  CHECK(mm.forward(xb, LongTensor{3, 0}) == Approx(1.3 / 4 / 2));
  CHECK(allclose(mm.backward(xb, LongTensor{3, 0}), DoubleTensor{{0.125, 0.125, 0.125, -0.375}, {0, 0, 0, 0}}));
  mm.sizeAverage = false;
  CHECK(mm.forward(xb, LongTensor{3, 0}) == Approx(1.3 / 4));
  mm.sizeAverage = true;
  // Non-contiguous rows.
  DoubleTensor xbt = xb.t().clone().t();
  CHECK(mm.forward(xbt, LongTensor{3, 0}) == Approx(1.3 / 4 / 2));
  Generator g(9);
  auto xr = randn<double>(g, {3, 5});
  CHECK(nn::Jacobian::testCriterion(mm, xr, LongTensor{0, 4, 2}) < 1e-6);
  nn::MultiMarginCriterion<double> p2w(2, DoubleTensor{1, 2, 3, 4, 5}, 0.7);
  CHECK(nn::Jacobian::testCriterion(p2w, xr, LongTensor{1, 1, 3}) < 1e-6);
  auto xr1 = randn<double>(g, {5});
  CHECK(nn::Jacobian::testCriterion(p2, xr1, LongTensor{2}) < 1e-6);
  nn::MultiMarginCriterion<float> f;
  CHECK(f.forward(FloatTensor{0.1f, 0.2f, 0.4f, 0.8f}, 3) == Approx(0.325));
  T7_REQUIRE_THROWS_WITH_ALL(mm.forward(x, 4), IndexError, "MultiMarginCriterion", "target 4", "[0, 4)");
  T7_REQUIRE_THROWS_WITH_ALL(mm.forward(xb, LongTensor{0}), SizeError, "MultiMarginCriterion", "needs 2 targets",
                             "[1]");
  T7_REQUIRE_THROWS_WITH_ALL(mm.forward(DoubleTensor(2, 2, 2), LongTensor{0, 0}), SizeError, "[2x2x2]");
  T7_REQUIRE_THROWS_WITH_ALL(nn::MultiMarginCriterion<double>(3), ValueError, "p = 1 and p = 2", "3");
  T7_REQUIRE_THROWS_WITH_ALL(w.forward(DoubleTensor{1, 2, 3}, 0), SizeError, "weights [4]", "3 classes");
}

TEST_CASE("nn criterions: MultiLabelMarginCriterion with -1-terminated 0-based targets") {
  nn::MultiLabelMarginCriterion<double> ml;
  DoubleTensor x{0.1, 0.2, 0.4, 0.8};
  LongTensor t{3, 0, -1, 1};  // classes 3 and 0 (Torch7: {4, 1, 0, 2})
  CHECK(ml.forward(x, t) == Approx(0.85));
  CHECK(allclose(ml.backward(x, t), DoubleTensor{-0.5, 0.5, 0.5, -0.5}));
  CHECK(equal(ml.isTarget, DoubleTensor{1, 0, 0, 1}));
  DoubleTensor xb{{0.1, 0.2, 0.4, 0.8}, {0.1, 0.2, 0.4, 0.8}};
  LongTensor tb{{3, 0, -1, 1}, {1, -1, 2, 2}};  // entries after the -1 are ignored
  CHECK(ml.forward(xb, tb) == Approx((0.85 + 0.925) / 2));
  CHECK(allclose(ml.backward(xb, tb), DoubleTensor{{-0.25, 0.25, 0.25, -0.25}, {0.125, -0.375, 0.125, 0.125}}));
  nn::MultiLabelMarginCriterion<double> sum(false);
  CHECK(sum.forward(xb, tb) == Approx(0.85 + 0.925));
  CHECK(sum.forward(x, LongTensor{-1, 0, 1, 2}) == 0);  // no target class: no loss
  Generator g(10);
  auto xr = randn<double>(g, {3, 5});
  LongTensor tr{{0, 3, -1, 0, 0}, {4, -1, 0, 0, 0}, {1, 2, 3, 0, -1}};
  CHECK(nn::Jacobian::testCriterion(ml, xr, tr) < 1e-6);
  CHECK(nn::Jacobian::testCriterion(sum, xr, tr) < 1e-6);
  nn::MultiLabelMarginCriterion<float> f;
  CHECK(f.forward(FloatTensor{0.1f, 0.2f, 0.4f, 0.8f}, t) == Approx(0.85));
  T7_REQUIRE_THROWS_WITH_ALL(ml.forward(x, LongTensor{3, 4, -1, 0}), IndexError, "MultiLabelMarginCriterion",
                             "target 4", "[0, 4)");
  T7_REQUIRE_THROWS_WITH_ALL(ml.forward(xb, t), SizeError, "MultiLabelMarginCriterion", "[4]", "[2x4]");
}

TEST_CASE("nn criterions: MultiLabelSoftMarginCriterion") {
  nn::MultiLabelSoftMarginCriterion<double> mlsm;
  DoubleTensor x{0.4, 0.5, 0.6}, y{0, 1, 1};
  const double p0 = sigmoid(0.4), p1 = sigmoid(0.5), p2 = sigmoid(0.6);
  CHECK(mlsm.forward(x, y) == Approx(-(std::log(1 - p0) + std::log(p1) + std::log(p2)) / 3));
  CHECK(mlsm.output == Approx(0.608193395686766));
  CHECK(allclose(mlsm.backward(x, y), DoubleTensor{p0, p1 - 1, p2 - 1} / 3.0, {.rtol = 1e-9, .atol = 1e-9}));
  nn::MultiLabelSoftMarginCriterion<double> w(DoubleTensor{1, 2, 1});
  CHECK(w.forward(x, y) == Approx(-(std::log(1 - p0) + 2 * std::log(p1) + std::log(p2)) / 3));
  nn::MultiLabelSoftMarginCriterion<double> wSum(DoubleTensor{1, 2, 1}, false);
  CHECK(wSum.forward(DoubleTensor{{0.4, 0.5, 0.6}}, DoubleTensor{{0, 1, 1}}) ==
        Approx(-(std::log(1 - p0) + 2 * std::log(p1) + std::log(p2))));
  Generator g(11);
  auto xr = randn<double>(g, {3, 4});
  DoubleTensor yr = cycle({3, 4}, {0, 1, 1, 0, 1});
  CHECK(nn::Jacobian::testCriterion(mlsm, xr, yr) < 1e-6);
  nn::MultiLabelSoftMarginCriterion<double> w4(DoubleTensor{1, 2, 3, 4});
  CHECK(nn::Jacobian::testCriterion(w4, xr, yr) < 1e-6);
  nn::MultiLabelSoftMarginCriterion<float> f;
  CHECK(f.forward(FloatTensor{0.4f, 0.5f, 0.6f}, FloatTensor{0, 1, 1}) == Approx(0.6081934).epsilon(1e-5));
  T7_REQUIRE_THROWS_WITH_ALL(mlsm.forward(x, DoubleTensor{0, 1}), SizeError, "BCECriterion", "[3]", "[2]");
}

// ---- pairs ------------------------------------------------------------------------------------

TEST_CASE("nn criterions: CosineEmbeddingCriterion") {
  nn::CosineEmbeddingCriterion<double> c;
  nn::Table<double> in{DoubleTensor{1, 0}, DoubleTensor{1, 1}};
  const double r = 1 / std::sqrt(2.0);
  CHECK(c.forward(in, 1.0) == Approx(1 - r));
  const nn::Table<double>& gi = c.backward(in, 1.0);
  CHECK(allclose(gi[0].tensor(), DoubleTensor{0, -r}));
  CHECK(allclose(gi[1].tensor(), DoubleTensor{-0.5 * r, 0.5 * r}));
  CHECK(c.forward(in, -1.0) == Approx(r));
  nn::CosineEmbeddingCriterion<double> m05(0.5);
  CHECK(m05.forward(in, DoubleTensor{-1}) == Approx(r - 0.5));
  const nn::Table<double>& gm = m05.backward(in, DoubleTensor{-1});
  CHECK(allclose(gm[0].tensor(), DoubleTensor{0, r}));
  // A batch: the second pair is opposite, so y = -1 costs nothing.
  nn::Table<double> batch{DoubleTensor{{1, 0}, {0, 1}}, DoubleTensor{{1, 1}, {0, -1}}};
  CHECK(c.forward(batch, DoubleTensor{1, -1}) == Approx((1 - r) / 2));
  const nn::Table<double>& gb = c.backward(batch, DoubleTensor{1, -1});
  CHECK(allclose(gb[0].tensor(), DoubleTensor{{0, -r / 2}, {0, 0}}));
  CHECK(allclose(gb[1].tensor(), DoubleTensor{{-0.25 * r, 0.25 * r}, {0, 0}}));
  nn::CosineEmbeddingCriterion<double> sum(0, false);
  CHECK(sum.forward(batch, DoubleTensor{1, 1}) == Approx(1 - r + 2));
  Generator g(12);
  nn::CosineEmbeddingCriterion<double> neg(-2);  // every y = -1 pair active: no kink
  nn::Table<double> rb{randn<double>(g, {4, 3}), randn<double>(g, {4, 3})};
  CHECK(nn::Jacobian::testCriterion(neg, rb, DoubleTensor{1, -1, -1, 1}) < 1e-6);
  CHECK(nn::Jacobian::testCriterion(sum, rb, DoubleTensor{1, 1, 1, 1}) < 1e-6);
  nn::Table<double> r1{randn<double>(g, {3}), randn<double>(g, {3})};
  CHECK(nn::Jacobian::testCriterion(neg, r1, DoubleTensor{-1}) < 1e-6);
  nn::CosineEmbeddingCriterion<float> f;
  CHECK(f.forward(nn::Table<float>{FloatTensor{1, 0}, FloatTensor{1, 1}}, 1.0f) == Approx(1 - r).epsilon(1e-6));
  T7_REQUIRE_THROWS_WITH_ALL(c.forward(in, 0.0), ValueError, "CosineEmbeddingCriterion", "target 0", "1 or -1");
  T7_REQUIRE_THROWS_WITH_ALL(c.forward(batch, DoubleTensor{1}), SizeError, "CosineEmbeddingCriterion", "[2x2]",
                             "need 2 targets", "[1]");
  T7_REQUIRE_THROWS_WITH_ALL(c.forward(nn::Table<double>{DoubleTensor{1, 0}, DoubleTensor{1, 1, 1}}, 1.0), SizeError,
                             "input[0] [2]", "input[1] [3]");
  T7_REQUIRE_THROWS_WITH_ALL(c.forward(nn::Table<double>{DoubleTensor{1, 0}}, 1.0), TypeError,
                             "CosineEmbeddingCriterion", "two tensors", "{[2]}");
}

TEST_CASE("nn criterions: MarginRankingCriterion") {
  nn::MarginRankingCriterion<double> mr;
  nn::Table<double> in{DoubleTensor{0.5, 2}, DoubleTensor{1, 1}};
  CHECK(mr.forward(in, DoubleTensor{1, -1}) == Approx(1.75));
  const nn::Table<double>& gi = mr.backward(in, DoubleTensor{1, -1});
  CHECK(equal(gi[0].tensor(), DoubleTensor{-0.5, 0.5}));
  CHECK(equal(gi[1].tensor(), DoubleTensor{0.5, -0.5}));
  // One pair with a number target.
  nn::Table<double> one{DoubleTensor{3}, DoubleTensor{1}};
  CHECK(mr.forward(one, 1.0) == 0);
  CHECK(equal(mr.backward(one, 1.0)[0].tensor(), DoubleTensor{0}));
  CHECK(mr.forward(one, -1.0) == Approx(3));
  CHECK(equal(mr.backward(one, -1.0)[0].tensor(), DoubleTensor{1}));
  nn::MarginRankingCriterion<double> sum(0.5, false);
  CHECK(sum.forward(in, DoubleTensor{1, -1}) == Approx(1 + 1.5));
  Generator g(13);
  nn::Table<double> rb{randn<double>(g, {6}), randn<double>(g, {6})};
  DoubleTensor y = cycle({6}, {1, -1});
  nn::MarginRankingCriterion<double> big(100);  // every pair active: no kink
  CHECK(nn::Jacobian::testCriterion(big, rb, y) < 1e-6);
  nn::MarginRankingCriterion<double> none(-100);  // no pair active
  CHECK(nn::Jacobian::testCriterion(none, rb, y) < 1e-6);
  CHECK(none.forward(rb, y) == 0);
  nn::MarginRankingCriterion<float> f;
  CHECK(f.forward(nn::Table<float>{FloatTensor{3}, FloatTensor{1}}, -1.0f) == Approx(3));
  T7_REQUIRE_THROWS_WITH_ALL(mr.forward(in, DoubleTensor{1}), SizeError, "MarginRankingCriterion", "[2]", "[1]");
  T7_REQUIRE_THROWS_WITH_ALL(mr.forward(nn::Table<double>{DoubleTensor{1, 2}, DoubleTensor{1}}, DoubleTensor{1, 1}),
                             SizeError, "MarginRankingCriterion", "input[0] [2]", "input[1] [1]");
}

TEST_CASE("nn criterions: L1HingeEmbeddingCriterion") {
  nn::L1HingeEmbeddingCriterion<double> l1;
  nn::Table<double> in{DoubleTensor{1, 2}, DoubleTensor{0, 4}};
  CHECK(l1.forward(in, 1.0) == Approx(3));
  const nn::Table<double>& gi = l1.backward(in, 1.0);
  CHECK(equal(gi[0].tensor(), DoubleTensor{1, -1}));
  CHECK(equal(gi[1].tensor(), DoubleTensor{-1, 1}));
  CHECK(l1.forward(in, -1.0) == 0);
  CHECK(equal(l1.backward(in, -1.0)[0].tensor(), DoubleTensor{0, 0}));
  nn::L1HingeEmbeddingCriterion<double> m5(5);
  CHECK(m5.forward(in, DoubleTensor{-1}) == Approx(2));
  CHECK(equal(m5.backward(in, DoubleTensor{-1})[0].tensor(), DoubleTensor{-1, 1}));
  Generator g(14);
  nn::Table<double> r{randn<double>(g, {5}), randn<double>(g, {5})};
  CHECK(nn::Jacobian::testCriterion(l1, r, DoubleTensor{1}) < 1e-6);
  nn::L1HingeEmbeddingCriterion<double> m100(100);
  CHECK(nn::Jacobian::testCriterion(m100, r, DoubleTensor{-1}) < 1e-6);
  nn::L1HingeEmbeddingCriterion<float> f;
  CHECK(f.forward(nn::Table<float>{FloatTensor{1, 2}, FloatTensor{0, 4}}, 1.0f) == Approx(3));
  T7_REQUIRE_THROWS_WITH_ALL(l1.forward(in, 2.0), ValueError, "L1HingeEmbeddingCriterion", "target 2");
  T7_REQUIRE_THROWS_WITH_ALL(l1.forward(in, DoubleTensor{1, 1}), SizeError, "L1HingeEmbeddingCriterion",
                             "one target", "[2]");
  T7_REQUIRE_THROWS_WITH_ALL(l1.forward(nn::Table<double>{DoubleTensor{1, 2}, DoubleTensor{1, 2, 3}}, 1.0),
                             SizeError, "input[0] [2]", "input[1] [3]");
  T7_REQUIRE_THROWS_WITH_ALL(l1.forward(nn::Table<double>{DoubleTensor{1}, nn::Table<double>{DoubleTensor{1}}}, 1.0),
                             TypeError, "L1HingeEmbeddingCriterion", "expected a tensor");
}

// ---- criterions of criterions -----------------------------------------------------------------

TEST_CASE("nn criterions: MultiCriterion sums weighted criterions on one input and target") {
  // MSE + ClassNLL on an [N x 1] input: MSE pairs the N elements with the N targets, ClassNLL
  // reads the targets (whole numbers in a DoubleTensor) as 0-based classes.
  nn::MultiCriterion<double> mc;
  mc.add(nn::MSECriterion<double>(), 2).add(nn::ClassNLLCriterion<double>(), 3);
  DoubleTensor x{{-0.5}, {-1}};
  DoubleTensor t{0, 0};
  const double mse = (0.25 + 1) / 2, nll = (0.5 + 1) / 2;
  CHECK(mc.forward(x, t) == Approx(2 * mse + 3 * nll));
  CHECK(mc.output == Approx(2 * mse + 3 * nll));
  // d mse = 2 x / 2; d nll = -1 / 2.
  CHECK(allclose(mc.backward(x, t).tensor(), DoubleTensor{{2 * -0.5 + 3 * -0.5}, {2 * -1.0 + 3 * -0.5}}));
  CHECK(mc.size() == 2);
  CHECK(mc.get(1).typeName() == "nn.ClassNLLCriterion");
  CHECK(mc.get(0).as<nn::MSECriterion<double>>() != nullptr);
  // Two class criterions on raw scores.
  nn::MultiCriterion<double> cls;
  cls.add(nn::CrossEntropyCriterion<double>(), 0.5).add(nn::MultiMarginCriterion<double>(), 2);
  Generator g(15);
  nn::Activity<double> xs = randn<double>(g, {3, 4});
  nn::Activity<double> ts = DoubleTensor{3, 0, 2};
  nn::CrossEntropyCriterion<double> ce;
  nn::MultiMarginCriterion<double> mm;
  const double expected =
      0.5 * ce.forward(xs.tensor(), LongTensor{3, 0, 2}) + 2 * mm.forward(xs.tensor(), LongTensor{3, 0, 2});
  CHECK(cls.forward(xs, ts) == Approx(expected));
  CHECK(nn::Jacobian::testCriterion(cls, xs, ts) < 1e-6);
  nn::Activity<double> xa = x;
  nn::Activity<double> ta = t;
  CHECK(nn::Jacobian::testCriterion(mc, xa, ta) < 1e-6);
  // A MultiCriterion on a table input: criterions on pairs.
  nn::MultiCriterion<double> pairs;
  pairs.add(nn::CosineEmbeddingCriterion<double>(), 1).add(nn::L1HingeEmbeddingCriterion<double>(), 0.25);
  nn::Activity<double> pin = nn::Table<double>{randn<double>(g, {3}), randn<double>(g, {3})};
  nn::Activity<double> py = DoubleTensor{1};
  CHECK(nn::Jacobian::testCriterion(pairs, pin, py) < 1e-6);
  T7_REQUIRE_THROWS_WITH_ALL(mc.forward(x, DoubleTensor{0.5, 0}), ValueError, "ClassNLLCriterion", "0.5",
                             "whole number");
  T7_REQUIRE_THROWS_WITH_ALL(mc.forward(nn::Table<double>{x}, t), TypeError, "MSECriterion", "expected a tensor");
  T7_REQUIRE_THROWS_WITH_ALL(mc.get(2), IndexError, "MultiCriterion", "index 2", "2 criterions");
  T7_REQUIRE_THROWS_WITH_ALL(mc.add(std::unique_ptr<nn::AnyCriterion<double>>()), ValueError, "null");
}

TEST_CASE("nn criterions: ParallelCriterion applies criterion i to input[i] and target[i]") {
  nn::ParallelCriterion<double> pc;
  pc.add(nn::MSECriterion<double>(), 0.5).add(nn::ClassNLLCriterion<double>(), 2);
  DoubleTensor a{1, 2}, ya{0, 0};
  DoubleTensor lp{{-1, -2, -3}, {-0.5, -1.5, -2.5}};
  nn::Activity<double> in = nn::Table<double>{a, lp};
  nn::Activity<double> tg = nn::Table<double>{ya, DoubleTensor{1, 0}};
  CHECK(pc.forward(in, tg) == Approx(0.5 * 2.5 + 2 * (2 + 0.5) / 2));
  const nn::Activity<double>& gi = pc.backward(in, tg);
  CHECK(allclose(gi[0].tensor(), DoubleTensor{0.5 * 1, 0.5 * 2}));
  CHECK(allclose(gi[1].tensor(), DoubleTensor{{0, -1, 0}, {-1, 0, 0}}));
  CHECK(nn::Jacobian::testCriterion(pc, in, tg) < 1e-6);
  // Entries without a criterion get zero gradients.
  nn::Activity<double> in3 = nn::Table<double>{a, lp, DoubleTensor{7, 8}};
  const nn::Activity<double>& g3 = pc.backward(in3, tg);
  CHECK(g3.size() == 3);
  CHECK(equal(g3[2].tensor(), DoubleTensor{0, 0}));
  // repeatTarget: every criterion sees the whole target.
  nn::ParallelCriterion<double> rep(true);
  rep.add(nn::MSECriterion<double>()).add(nn::AbsCriterion<double>(false), 3);
  nn::Activity<double> rin = nn::Table<double>{DoubleTensor{1, 2}, DoubleTensor{-1, 4}};
  nn::Activity<double> rt = DoubleTensor{0, 1};
  CHECK(rep.forward(rin, rt) == Approx((1 + 1) / 2.0 + 3 * (1 + 3)));
  const nn::Activity<double>& rg = rep.backward(rin, rt);
  CHECK(allclose(rg[0].tensor(), DoubleTensor{1, 1}));
  CHECK(allclose(rg[1].tensor(), DoubleTensor{-3, 3}));
  // Nested: a ParallelCriterion holding a MultiCriterion.
  nn::MultiCriterion<double> inner;
  inner.add(nn::MSECriterion<double>()).add(nn::SmoothL1Criterion<double>(), 2);
  nn::ParallelCriterion<double> outer;
  outer.add(std::move(inner), 0.5).add(nn::CrossEntropyCriterion<double>());
  Generator g(16);
  nn::Activity<double> oin = nn::Table<double>{randn<double>(g, {2, 3}), randn<double>(g, {2, 4})};
  nn::Activity<double> otg = nn::Table<double>{DoubleTensor(randn<double>(g, {2, 3}) * 5.0), DoubleTensor{3, 1}};
  CHECK(nn::Jacobian::testCriterion(outer, oin, otg) < 1e-5);
  T7_REQUIRE_THROWS_WITH_ALL(pc.forward(a, tg), TypeError, "ParallelCriterion", "expected a table", "[2]");
  T7_REQUIRE_THROWS_WITH_ALL(pc.forward(nn::Table<double>{a}, tg), SizeError, "ParallelCriterion", "1 entries",
                             "2 criterions");
  T7_REQUIRE_THROWS_WITH_ALL(pc.forward(in, nn::Table<double>{ya}), SizeError, "ParallelCriterion", "target",
                             "2 criterions");
  T7_REQUIRE_THROWS_WITH_ALL(pc.forward(in, nn::Table<double>{ya, DoubleTensor{1, 3}}), IndexError,
                             "ClassNLLCriterion", "target 3");
}

// ---- copies and conversions ---------------------------------------------------------------------

TEST_CASE("nn criterions: clone and toFloat keep options and weights") {
  SECTION("tensor-target criterions") {
    nn::BCECriterion<double> bce(DoubleTensor{1, 2}, false);
    auto bc = bce.clone();
    CHECK(!bc.sizeAverage);
    CHECK(equal(bc.weights, bce.weights));
    CHECK(!bc.weights.storage().isSameAs(bce.weights.storage()));
    nn::BCECriterion<float> bf = bce.toFloat();
    CHECK(!bf.sizeAverage);
    CHECK(equal(bf.weights, FloatTensor{1, 2}));
    CHECK(bf.forward(FloatTensor{0.5f, 0.8f}, FloatTensor{1, 0}) ==
          Approx(bce.forward(DoubleTensor{0.5, 0.8}, DoubleTensor{1, 0})).epsilon(1e-6));
    CHECK(nn::MSECriterion<double>(false).toFloat().sizeAverage == false);
    CHECK(nn::AbsCriterion<double>(false).clone().sizeAverage == false);
    CHECK(nn::SmoothL1Criterion<double>(false).toFloat().sizeAverage == false);
    CHECK(nn::DistKLDivCriterion<double>(false).toFloat().sizeAverage == false);
    CHECK(nn::SoftMarginCriterion<double>(false).toFloat().sizeAverage == false);
    auto mf = nn::MarginCriterion<double>(0.25, false).toFloat();
    CHECK((mf.margin == 0.25 && !mf.sizeAverage));
    auto hf = nn::HingeEmbeddingCriterion<double>(0.3, false).toFloat();
    CHECK((hf.margin == 0.3 && !hf.sizeAverage));
    nn::MultiLabelSoftMarginCriterion<double> mlsm(DoubleTensor{1, 2, 3}, false);
    auto mlf = mlsm.toFloat();
    CHECK(equal(mlf.nll.weights, FloatTensor{1, 2, 3}));
    CHECK(!mlf.nll.sizeAverage);
    auto mlc = mlsm.clone();
    CHECK(!mlc.nll.weights.storage().isSameAs(mlsm.nll.weights.storage()));
  }
  SECTION("class criterions") {
    nn::MultiMarginCriterion<double> mm(2, DoubleTensor{1, 2, 3}, 0.5);
    mm.sizeAverage = false;
    auto mf = mm.toFloat();
    CHECK((mf.p == 2 && mf.margin == 0.5 && !mf.sizeAverage));
    CHECK(equal(mf.weights, FloatTensor{1, 2, 3}));
    CHECK(mf.forward(FloatTensor{0.1f, 0.7f, 0.3f}, 0) ==
          Approx(mm.forward(DoubleTensor{0.1, 0.7, 0.3}, 0)).epsilon(1e-6));
    nn::CrossEntropyCriterion<double> ce(DoubleTensor{1, 2, 3}, false);
    ce.forward(DoubleTensor{1, 2, 3}, 1);
    auto cc = ce.clone();
    CHECK(!cc.sizeAverage);
    CHECK(equal(cc.nll.weights, DoubleTensor{1, 2, 3}));
    CHECK(!cc.nll.weights.storage().isSameAs(ce.nll.weights.storage()));
    CHECK(!cc.lsm.output.storage().isSameAs(ce.lsm.output.storage()));
    auto cf = ce.toFloat();
    CHECK(!cf.sizeAverage);
    CHECK(equal(cf.nll.weights, FloatTensor{1, 2, 3}));
    CHECK(cf.forward(FloatTensor{1, 2, 3}, 1) == Approx(ce.forward(DoubleTensor{1, 2, 3}, 1)).epsilon(1e-6));
    CHECK(nn::MultiLabelMarginCriterion<double>(false).toFloat().sizeAverage == false);
  }
  SECTION("pair criterions") {
    auto cf = nn::CosineEmbeddingCriterion<double>(0.2, false).toFloat();
    CHECK((cf.margin == Approx(0.2) && !cf.sizeAverage));
    auto rf = nn::MarginRankingCriterion<double>(0.7, false).clone();
    CHECK((rf.margin == 0.7 && !rf.sizeAverage));
    CHECK(nn::L1HingeEmbeddingCriterion<double>(2).toFloat().margin == 2);
  }
  SECTION("criterions of criterions") {
    nn::ParallelCriterion<double> pc(true);
    nn::MultiCriterion<double> inner;
    inner.add(nn::MSECriterion<double>(false), 2).add(nn::BCECriterion<double>(DoubleTensor{1, 3}), 0.5);
    pc.add(std::move(inner), 3).add(nn::AbsCriterion<double>());
    nn::Activity<double> in = nn::Table<double>{DoubleTensor{0.2, 0.6}, DoubleTensor{0.1, 0.9}};
    nn::Activity<double> tg = DoubleTensor{1, 0};
    const double loss = pc.forward(in, tg);
    nn::ParallelCriterion<float> pf = pc.toFloat();
    CHECK(pf.repeatTarget);
    CHECK(pf.weights == std::vector<double>{3, 1});
    auto* mf = pf.get(0).as<nn::MultiCriterion<float>>();
    REQUIRE(mf != nullptr);
    CHECK(mf->weights == std::vector<double>{2, 0.5});
    CHECK(mf->get(1).as<nn::BCECriterion<float>>()->weights.nElement() == 2);
    CHECK(mf->get(0).as<nn::MSECriterion<float>>()->sizeAverage == false);
    nn::Activity<float> inf = nn::Table<float>{FloatTensor{0.2f, 0.6f}, FloatTensor{0.1f, 0.9f}};
    CHECK(pf.forward(inf, nn::Activity<float>(FloatTensor{1, 0})) == Approx(loss).epsilon(1e-6));
    nn::ParallelCriterion<double> back = pf.toDouble();
    CHECK(back.forward(in, tg) == Approx(loss).epsilon(1e-6));
    nn::ParallelCriterion<double> pcc = pc.clone();
    CHECK(pcc.forward(in, tg) == Approx(loss));
    auto* bc = pcc.get(0).as<nn::MultiCriterion<double>>()->get(1).as<nn::BCECriterion<double>>();
    bc->weights.fill(0);
    CHECK(pc.forward(in, tg) == Approx(loss));  // the clone is deep
    // A member added boxed cannot change its element type.
    nn::MultiCriterion<double> boxed;
    boxed.add(nn::anyCriterion(nn::MSECriterion<double>()));
    CHECK(boxed.clone().size() == 1);
    T7_REQUIRE_THROWS_WITH_ALL(boxed.toFloat(), TypeError, "MultiCriterion", "criterion 0", "nn.MSECriterion");
  }
}
