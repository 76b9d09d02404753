// nn transfer functions: Threshold, ReLU, ReLU6, HardTanh, Clamp, LeakyReLU, PReLU, RReLU, ELU,
// SELU, GELU, HardShrink, SoftShrink, SoftPlus, SoftSign, LogSigmoid, Abs, Square, Sqrt, Power,
// Exp, Log, TanhShrink: forward by hand, gradients at Torch7's kinks, Jacobians, in-place
// variants, non-contiguous inputs, float, errors, toString, clone/toFloat, Sequential.
#include "helpers.hpp"

#include <cmath>
#include <limits>

#include "t7/kernels/activation.hpp"
#include "t7/nn.hpp"
#include "t7/nn/transfer.hpp"

using namespace t7;

namespace {

/// |a - b| <= 1e-12 everywhere (double references computed by hand with std:: functions).
bool close(const DoubleTensor& a, const DoubleTensor& b, double tol = 1e-12) {
  return a.sizes() == b.sizes() && maxAbsDiff(a, b) <= tol;
}

/// Normal draws moved at least `gap` away from every kink (finite differences straddling a
/// kink are meaningless).
DoubleTensor awayFrom(const Shape& shape, std::initializer_list<double> kinks, double scale = 1, double gap = 0.02) {
  DoubleTensor x = randn<double>(shape);
  double* p = x.data();
  for (index_t i = 0; i < x.nElement(); ++i) {
    double v = p[i] * scale;
    for (double k : kinks)
      if (std::abs(v - k) < gap) v = k + (v >= k ? 2 * gap : -2 * gap);
    p[i] = v;
  }
  return x;
}

/// Positive draws (for Sqrt, Log, Power with a non-integer exponent).
DoubleTensor positive(const Shape& shape) {
  DoubleTensor x = randn<double>(shape);
  DoubleTensor r(shape);
  r = abs(x) + 0.5;
  return r;
}

/// Runs the in-place module and the out-of-place one on the same values; checks the in-place
/// output IS the input tensor, its gradInput IS the gradOutput tensor, and both agree with the
/// out-of-place results.
template <class M>
void checkInPlace(M inPlace, M outOfPlace, const DoubleTensor& x) {
  REQUIRE(inPlace.inplace);
  REQUIRE_FALSE(outOfPlace.inplace);
  DoubleTensor g = randn<double>(x.sizes());
  const DoubleTensor y = outOfPlace.forward(x).clone();
  const DoubleTensor gi = outOfPlace.backward(x, g).clone();
  DoubleTensor xi = x.clone();
  DoubleTensor gcopy = g.clone();
  const DoubleTensor& yi = inPlace.forward(xi);
  CHECK(yi.isSetTo(xi));
  CHECK(equal(xi, y));  // the input's values were overwritten
  const DoubleTensor& gii = inPlace.backward(xi, gcopy);
  CHECK(gii.isSetTo(gcopy));
  CHECK(equal(gcopy, gi));
  CHECK(equal(inPlace.gradInput, gi));
  // also through a non-contiguous view: the transposed input stays transposed
  if (x.dim() == 2) {
    DoubleTensor xt = x.t().clone().t();  // same values, column-major
    REQUIRE_FALSE(xt.isContiguous());
    const DoubleTensor& yt = inPlace.forward(xt);
    CHECK(yt.isSetTo(xt));
    CHECK(equal(xt, y));
  }
}

}  // namespace

TEST_CASE("nn transfer: Threshold and ReLU by hand, the gradient at the threshold is 0") {
  nn::ReLU<double> relu;
  DoubleTensor x{-1, 0, 0.5, 2};
  CHECK(equal(relu.forward(x), DoubleTensor{0, 0, 0.5, 2}));
  CHECK(equal(relu.backward(x, DoubleTensor{1, 1, 1, 1}), DoubleTensor{0, 0, 1, 1}));
  DoubleTensor xb{{-1, 3}, {2, -0.25}};
  CHECK(equal(relu.forward(xb), DoubleTensor{{0, 3}, {2, 0}}));
  CHECK(equal(relu.backward(xb, DoubleTensor{{5, 6}, {7, 8}}), DoubleTensor{{0, 6}, {7, 0}}));
  CHECK(relu.threshold == 0);
  CHECK(relu.val == 0);

  nn::Threshold<double> th(1, -2);
  DoubleTensor x2{-1, 0, 1, 2};
  CHECK(equal(th.forward(x2), DoubleTensor{-2, -2, -2, 2}));
  CHECK(equal(th.backward(x2, DoubleTensor{1, 1, 1, 1}), DoubleTensor{0, 0, 0, 1}));
  nn::Threshold<double> def;
  CHECK(def.threshold == 1e-6);
  CHECK(equal(def.forward(DoubleTensor{1e-6, 2e-6}), DoubleTensor{0, 2e-6}));

  nn::ReLU<float> rf;
  CHECK(equal(rf.forward(FloatTensor{-1.5f, 2.5f}), FloatTensor{0, 2.5f}));
  CHECK(relu.toString() == "nn.ReLU");
  CHECK(th.toString() == "nn.Threshold");
  auto ctad = nn::ReLU(true);
  static_assert(std::is_same_v<decltype(ctad), nn::ReLU<float>>);
  CHECK(ctad.inplace);
}

TEST_CASE("nn transfer: in-place ReLU and Threshold write into the input and the gradOutput") {
  manualSeed(1);
  DoubleTensor x{{-1, 2}, {3, -4}};
  nn::ReLU<double> relu(true);
  const DoubleTensor& y = relu.forward(x);
  CHECK(y.isSetTo(x));
  CHECK(y.storage().isSameAs(x.storage()));
  CHECK(equal(x, DoubleTensor{{0, 2}, {3, 0}}));
  DoubleTensor g{{10, 20}, {30, 40}};
  const DoubleTensor& gi = relu.backward(x, g);
  CHECK(gi.isSetTo(g));
  CHECK(equal(g, DoubleTensor{{0, 20}, {30, 0}}));

  checkInPlace(nn::ReLU<double>(true), nn::ReLU<double>(false), awayFrom({3, 4}, {0}));
  checkInPlace(nn::Threshold<double>(0.5, -1, true), nn::Threshold<double>(0.5, -1, false), awayFrom({3, 4}, {0.5}));

  // Torch7's validateParameters: in place, val may not exceed the threshold
  T7_REQUIRE_THROWS_WITH_ALL(nn::Threshold<double>(0, 1, true), ValueError, "Threshold", "in-place", "value (1)",
                             "threshold (0)");
  nn::ReLU<double> r(true);
  r.val = 2;
  T7_REQUIRE_THROWS_WITH_ALL(r.forward(DoubleTensor{1}), ValueError, "ReLU: in-place");
}

TEST_CASE("nn transfer: ReLU6, HardTanh and Clamp by hand, gradient 0 at the bounds") {
  nn::ReLU6<double> r6;
  DoubleTensor x{-1, 0, 3, 6, 7};
  CHECK(equal(r6.forward(x), DoubleTensor{0, 0, 3, 6, 6}));
  CHECK(equal(r6.backward(x, DoubleTensor{1, 1, 1, 1, 1}), DoubleTensor{0, 0, 1, 0, 0}));

  nn::HardTanh<double> ht;
  DoubleTensor x2{{-2, -1, -0.5}, {1, 3, 0.25}};
  CHECK(equal(ht.forward(x2), DoubleTensor{{-1, -1, -0.5}, {1, 1, 0.25}}));
  CHECK(equal(ht.backward(x2, DoubleTensor{{2, 2, 2}, {2, 2, 2}}), DoubleTensor{{0, 0, 2}, {0, 0, 2}}));
  nn::HardTanh<double> ht2(-3, 0.5);
  CHECK(equal(ht2.forward(DoubleTensor{-4, 0, 1}), DoubleTensor{-3, 0, 0.5}));
  CHECK(ht2.min_val == -3);
  CHECK(ht2.max_val == 0.5);

  nn::Clamp<double> cl(-0.5, 0.5);
  CHECK(equal(cl.forward(DoubleTensor{-1, 0.25, 0.5, 2}), DoubleTensor{-0.5, 0.25, 0.5, 0.5}));
  CHECK(equal(cl.backward(DoubleTensor{-1, 0.25, 0.5, 2}, DoubleTensor{1, 1, 1, 1}), DoubleTensor{0, 1, 0, 0}));
  CHECK(cl.toString() == "nn.Clamp");
  CHECK_FALSE(cl.inplace);

  nn::HardTanh<float> hf;
  CHECK(equal(hf.forward(FloatTensor{-7, 0.5f, 7}), FloatTensor{-1, 0.5f, 1}));

  checkInPlace(nn::ReLU6<double>(true), nn::ReLU6<double>(false), awayFrom({3, 4}, {0, 6}, 4));
  checkInPlace(nn::HardTanh<double>(-1, 1, true), nn::HardTanh<double>(-1, 1, false), awayFrom({3, 4}, {-1, 1}, 2));

  T7_REQUIRE_THROWS_WITH_ALL(nn::HardTanh<double>(1, 1), ValueError, "HardTanh", "max_value must be larger");
  T7_REQUIRE_THROWS_WITH_ALL(nn::Clamp<double>(2, -2), ValueError, "Clamp", "max_value must be larger");
}

TEST_CASE("nn transfer: LeakyReLU by hand, in place") {
  nn::LeakyReLU<double> lr(0.1);
  DoubleTensor x{-2, 0, 3};
  CHECK(close(lr.forward(x), DoubleTensor{-0.2, 0, 3}));
  CHECK(close(lr.backward(x, DoubleTensor{1, 1, 1}), DoubleTensor{0.1, 0.1, 1}));
  nn::LeakyReLU<double> def;
  CHECK(def.negval == 0.01);
  CHECK(close(def.forward(DoubleTensor{{-100, 1}}), DoubleTensor{{-1, 1}}));
  nn::LeakyReLU<float> lf(0.5);
  CHECK(equal(lf.forward(FloatTensor{-2, 2}), FloatTensor{-1, 2}));
  checkInPlace(nn::LeakyReLU<double>(0.2, true), nn::LeakyReLU<double>(0.2, false), awayFrom({3, 4}, {0}));
  T7_REQUIRE_THROWS_WITH_ALL(nn::LeakyReLU<double>(-0.5, true), ValueError, "LeakyReLU", "negval >= 0");
  nn::LeakyReLU<double> neg(-0.5);  // out of place a negative slope is fine
  CHECK(close(neg.forward(DoubleTensor{-2}), DoubleTensor{1}));
}

TEST_CASE("nn transfer: PReLU shared and per-channel, by hand") {
  nn::PReLU<double> shared;
  CHECK(shared.nOutputPlane == 0);
  CHECK(equal(shared.weight, DoubleTensor{0.25}));
  CHECK(equal(shared.gradWeight, DoubleTensor{0}));
  DoubleTensor x{-4, 2, 0};
  CHECK(equal(shared.forward(x), DoubleTensor{-1, 2, 0}));
  CHECK(equal(shared.backward(x, DoubleTensor{1, 3, 5}, 0.5), DoubleTensor{0.25, 3, 1.25}));
  CHECK(equal(shared.gradWeight, DoubleTensor{-2}));  // 0.5 * (-4 * 1 + 0 * 5)
  shared.backward(x, DoubleTensor{1, 3, 5});          // accumulates
  CHECK(equal(shared.gradWeight, DoubleTensor{-6}));

  nn::PReLU<double> pc(3);
  pc.weight.copy(DoubleTensor{0.1, 0.2, 0.3});
  DoubleTensor xb{{-1, -1, -1}, {-2, 4, -10}};
  CHECK(close(pc.forward(xb), DoubleTensor{{-0.1, -0.2, -0.3}, {-0.2, 4, -3}}));
  CHECK(close(pc.backward(xb, DoubleTensor{{1, 1, 1}, {1, 1, 2}}), DoubleTensor{{0.1, 0.2, 0.3}, {0.1, 1, 0.6}}));
  CHECK(close(pc.gradWeight, DoubleTensor{-3, -1, -21}));
  // one sample [C]
  CHECK(close(pc.forward(DoubleTensor{-1, 1, -2}), DoubleTensor{-0.1, 1, -0.6}));
  // [N x C x H x W]: one weight per plane of dimension 1
  DoubleTensor x4(2, 3, 2, 2);
  x4.fill(-1);
  const DoubleTensor& y4 = pc.forward(x4);
  for (index_t c = 0; c < 3; ++c) CHECK(close(y4.select(1, c), (x4.select(1, c) * pc.weight.toVector()[c]).eval()));
  pc.zeroGradParameters();
  DoubleTensor g4(2, 3, 2, 2);
  g4.fill(1);
  pc.backward(x4, g4);
  CHECK(close(pc.gradWeight, DoubleTensor{-8, -8, -8}));

  nn::PReLU<float> pf(2);
  CHECK(equal(pf.forward(FloatTensor{{-4, 4}}), FloatTensor{{-1, 4}}));
  CHECK(pc.toString() == "nn.PReLU");
  auto ctad = nn::PReLU(4);
  static_assert(std::is_same_v<decltype(ctad), nn::PReLU<float>>);
  CHECK(ctad.weight.nElement() == 4);
}

TEST_CASE("nn transfer: PReLU Jacobians, shared and per-channel, one sample, batch, 4-D") {
  manualSeed(7);
  for (index_t planes : {index_t{0}, index_t{3}}) {
    nn::PReLU<double> m(planes);
    m.weight.uniform(0.1, 0.5);
    for (const Shape& s : {Shape{3}, Shape{4, 3}, Shape{2, 3, 5}, Shape{2, 3, 2, 2}}) {
      DoubleTensor x = awayFrom(s, {0});
      INFO("planes " << planes << " input [" << s.toString() << "]");
      CHECK(nn::Jacobian::testJacobian(m, x) < 1e-6);
      CHECK(nn::Jacobian::testJacobianParameters(m, x) < 1e-6);
    }
  }
  // non-contiguous input: a transposed batch
  nn::PReLU<double> m(3);
  m.weight.copy(DoubleTensor{0.1, 0.2, 0.3});
  DoubleTensor xt = awayFrom({3, 4}, {0}).t();
  REQUIRE_FALSE(xt.isContiguous());
  CHECK(equal(m.forward(xt).clone(), m.forward(xt.contiguous())));
  m.zeroGradParameters();
  m.backward(xt, ones<double>({4, 3}));
  const DoubleTensor gw1 = m.gradWeight.clone();
  m.zeroGradParameters();
  m.backward(xt.contiguous(), ones<double>({4, 3}));
  CHECK(close(gw1, m.gradWeight));
}

TEST_CASE("nn transfer: PReLU errors") {
  nn::PReLU<double> m(3);
  T7_REQUIRE_THROWS_WITH_ALL(m.forward(DoubleTensor(2, 4)), SizeError, "PReLU", "expected 3 input planes",
                             "dimension 1", "[2x4]");
  T7_REQUIRE_THROWS_WITH_ALL(m.forward(DoubleTensor(4)), SizeError, "dimension 0", "[4]");
  T7_REQUIRE_THROWS_WITH_ALL(m.forward(DoubleTensor()), SizeError, "PReLU", "non-empty");
  m.forward(DoubleTensor(2, 3));
  T7_REQUIRE_THROWS_WITH_ALL(m.backward(DoubleTensor(2, 3), DoubleTensor(3, 2)), SizeError, "PReLU", "gradOutput",
                             "[3x2]", "[2x3]");
  T7_REQUIRE_THROWS_WITH_ALL(nn::PReLU<double>(-1), ValueError, "PReLU", "nOutputPlane");
  m.weight.resize(2);
  T7_REQUIRE_THROWS_WITH_ALL(m.forward(DoubleTensor(2, 3)), SizeError, "PReLU", "weight [2]", "nOutputPlane 3");
}

TEST_CASE("nn transfer: RReLU in evaluation and in training (noise), Torch7's draws") {
  nn::RReLU<double> ev(0.1, 0.3);
  ev.evaluate();
  DoubleTensor x{-1, 2, 0, -4};
  CHECK(close(ev.forward(x), DoubleTensor{-0.2, 2, 0, -0.8}));
  CHECK(close(ev.backward(x, DoubleTensor{1, 1, 1, 1}), DoubleTensor{0.2, 1, 0.2, 0.2}));
  manualSeed(3);
  CHECK(nn::Jacobian::testJacobian(ev, awayFrom({5}, {0})) < 1e-6);
  CHECK(nn::Jacobian::testJacobian(ev, awayFrom({3, 4}, {0})) < 1e-6);

  // training: one slope per x <= 0, drawn in row-major order from the default generator
  nn::RReLU<double> tr(0.1, 0.3);
  REQUIRE(tr.isTraining());
  DoubleTensor xb = awayFrom({4, 5}, {0});
  manualSeed(42);
  const DoubleTensor y = tr.forward(xb).clone();
  REQUIRE(tr.noise.sizes() == xb.sizes());
  manualSeed(42);
  const double* px = xb.data();
  const double* pn = tr.noise.data();
  for (index_t i = 0; i < xb.nElement(); ++i) {
    if (px[i] <= 0) {
      CHECK(pn[i] == uniform(0.1, 0.3));
    } else {
      CHECK(pn[i] == 1);
    }
  }
  CHECK(equal(y, (xb * tr.noise).eval()));
  // with the noise fixed, the gradient is exactly gradOutput * noise
  DoubleTensor g = randn<double>({4, 5});
  CHECK(equal(tr.updateGradInput(xb, g), (g * tr.noise).eval()));
  // the same seed gives the same slopes again
  manualSeed(42);
  nn::RReLU<double> tr2(0.1, 0.3);
  CHECK(equal(tr2.forward(xb), y));
  // lower == upper: the constant slope in the backward (Torch7's rule)
  nn::RReLU<double> flat(0.2, 0.2);
  flat.forward(DoubleTensor{-1, 1});
  CHECK(close(flat.noise, DoubleTensor{0.2, 1}));
  CHECK(close(flat.backward(DoubleTensor{-1, 1}, DoubleTensor{1, 1}), DoubleTensor{0.2, 1}));

  // in place, in training and in evaluation
  nn::RReLU<double> ip(0.1, 0.3, true);
  DoubleTensor xi = xb.clone();
  DoubleTensor gi = g.clone();
  const DoubleTensor& yi = ip.forward(xi);
  CHECK(yi.isSetTo(xi));
  CHECK(equal(xi, (xb * ip.noise).eval()));
  const DoubleTensor& gri = ip.backward(xi, gi);
  CHECK(gri.isSetTo(gi));
  CHECK(equal(gi, (g * ip.noise).eval()));
  checkInPlace(nn::RReLU<double>(0.1, 0.3, true).evaluate(), nn::RReLU<double>(0.1, 0.3, false).evaluate(),
               awayFrom({3, 4}, {0}));

  nn::RReLU<float> rf(0.5, 0.5);
  rf.evaluate();
  CHECK(equal(rf.forward(FloatTensor{-2, 2}), FloatTensor{-1, 2}));
  nn::RReLU<double> def;
  CHECK(def.lower == 1.0 / 8);
  CHECK(def.upper == 1.0 / 3);
  CHECK(def.toString() == "nn.RReLU (l:0.125000, u:0.333333, channel-wise:false)");
  T7_REQUIRE_THROWS_WITH_ALL(nn::RReLU<double>(0.5, 0.1), ValueError, "RReLU", "0 <= lower <= upper");
  T7_REQUIRE_THROWS_WITH_ALL(nn::RReLU<double>(-0.5, 0.1), ValueError, "RReLU");
  T7_REQUIRE_THROWS_WITH_ALL(tr.updateGradInput(xb, DoubleTensor(4, 4)), SizeError, "RReLU", "gradOutput");
  tr.clearState();
  CHECK(tr.noise.nElement() == 0);
}

TEST_CASE("nn transfer: ELU and SELU by hand, gradients from the output, in place") {
  nn::ELU<double> elu(0.5);
  DoubleTensor x{-1, 0, 2};
  CHECK(close(elu.forward(x), DoubleTensor{0.5 * std::expm1(-1.0), 0, 2}));
  // y <= 0: dy (y + alpha); at 0 that is alpha (Torch7)
  CHECK(close(elu.backward(x, DoubleTensor{1, 1, 1}), DoubleTensor{0.5 * std::exp(-1.0), 0.5, 1}));
  CHECK(elu.toString() == "nn.ELU (alpha:0.500000)");
  CHECK(nn::ELU<double>().toString() == "nn.ELU (alpha:1.000000)");
  checkInPlace(nn::ELU<double>(1.5, true), nn::ELU<double>(1.5, false), awayFrom({3, 4}, {0}));

  nn::SELU<double> selu;
  const double a = 1.6732632423543772, s = 1.0507009873554805;
  CHECK(close(selu.forward(x), DoubleTensor{s * a * std::expm1(-1.0), 0, 2 * s}));
  CHECK(close(selu.backward(x, DoubleTensor{1, 1, 1}), DoubleTensor{s * a * std::exp(-1.0), s * a, s}));
  CHECK(selu.toString() == "nn.SELU");
  checkInPlace(nn::SELU<double>(true), nn::SELU<double>(false), awayFrom({3, 4}, {0}));

  nn::ELU<float> ef;
  CHECK(allclose(ef.forward(FloatTensor{-1, 1}), FloatTensor{std::expm1(-1.0f), 1}));
}

TEST_CASE("nn transfer: GELU, exact erf form") {
  nn::GELU<double> gelu;
  DoubleTensor x{-1, 0, 1, 3};
  auto phi = [](double v) { return 0.5 * (1 + std::erf(v / std::sqrt(2.0))); };
  auto pdf = [](double v) { return std::exp(-v * v / 2) / std::sqrt(2 * std::numbers::pi); };
  CHECK(close(gelu.forward(x), DoubleTensor{-phi(-1), 0, phi(1), 3 * phi(3)}));
  CHECK(std::abs(gelu.output.toVector()[2] - 0.8413447460685429) < 1e-15);
  CHECK(close(gelu.backward(x, DoubleTensor{1, 1, 1, 2}),
              DoubleTensor{phi(-1) - pdf(-1), 0.5, phi(1) + pdf(1), 2 * (phi(3) + 3 * pdf(3))}));
  nn::GELU<float> gf;
  CHECK(allclose(gf.forward(FloatTensor{1}), FloatTensor{0.84134475f}));
  CHECK(gelu.toString() == "nn.GELU");
}

TEST_CASE("nn transfer: HardShrink and SoftShrink by hand, the boundaries") {
  nn::HardShrink<double> hs;
  DoubleTensor x{-1, -0.5, 0, 0.5, 1};
  CHECK(equal(hs.forward(x), DoubleTensor{-1, 0, 0, 0, 1}));
  CHECK(equal(hs.backward(x, DoubleTensor{2, 2, 2, 2, 2}), DoubleTensor{2, 0, 0, 0, 2}));
  nn::SoftShrink<double> ss;
  CHECK(equal(ss.forward(x), DoubleTensor{-0.5, 0, 0, 0, 0.5}));
  CHECK(equal(ss.backward(x, DoubleTensor{2, 2, 2, 2, 2}), DoubleTensor{2, 0, 0, 0, 2}));
  nn::SoftShrink<double> ss2(2);
  CHECK(equal(ss2.forward(DoubleTensor{{-3, 1, 5}}), DoubleTensor{{-1, 0, 3}}));
  nn::HardShrink<float> hf(1);
  CHECK(equal(hf.forward(FloatTensor{-2, 0.5f, 1.5f}), FloatTensor{-2, 0, 1.5f}));
}

TEST_CASE("nn transfer: SoftPlus, SoftSign, LogSigmoid by hand") {
  nn::SoftPlus<double> sp(2);
  DoubleTensor x{0, 1, -3, 20};
  // beta x = 40 > 20: linear
  CHECK(close(sp.forward(x), DoubleTensor{std::log(2.0) / 2, std::log1p(std::exp(2.0)) / 2,
                                          std::log1p(std::exp(-6.0)) / 2, 20}));
  auto sg = [](double v) { return 1 / (1 + std::exp(-v)); };
  CHECK(close(sp.backward(x, DoubleTensor{1, 1, 1, 1}), DoubleTensor{0.5, sg(2), sg(-6), 1}));
  nn::SoftPlus<double> def;
  CHECK(def.beta == 1);
  CHECK(def.threshold == 20);
  CHECK(close(def.forward(DoubleTensor{100, -100}), DoubleTensor{100, std::exp(-100.0)}));

  nn::SoftSign<double> ssg;
  CHECK(close(ssg.forward(DoubleTensor{-3, 0, 1}), DoubleTensor{-0.75, 0, 0.5}));
  CHECK(close(ssg.backward(DoubleTensor{-3, 0, 1}, DoubleTensor{1, 1, 1}), DoubleTensor{1.0 / 16, 1, 0.25}));

  nn::LogSigmoid<double> ls;
  DoubleTensor xl{0, 2, -1000, 1000};
  CHECK(close(ls.forward(xl), DoubleTensor{-std::log(2.0), -std::log1p(std::exp(-2.0)), -1000, 0}));
  CHECK(close(ls.buffer, DoubleTensor{0.5, sg(-2), 1, 0}));
  CHECK(close(ls.backward(xl, DoubleTensor{1, 1, 1, 1}), DoubleTensor{0.5, sg(-2), 1, 0}));
  nn::LogSigmoid<float> lf;
  CHECK(equal(lf.forward(FloatTensor{-1000, 1000}), FloatTensor{-1000, 0}));  // no overflow
  ls.clearState();
  CHECK(ls.buffer.nElement() == 0);
}

TEST_CASE("nn transfer: Abs, Square, Sqrt, Power, Exp, Log, TanhShrink by hand") {
  nn::Abs<double> ab;
  DoubleTensor x{-2, 0, 3};
  CHECK(equal(ab.forward(x), DoubleTensor{2, 0, 3}));
  CHECK(equal(ab.backward(x, DoubleTensor{1, 1, 1}), DoubleTensor{-1, 1, 1}));  // +1 at 0 (Torch7)

  nn::Square<double> sq;
  CHECK(equal(sq.forward(x), DoubleTensor{4, 0, 9}));
  CHECK(equal(sq.backward(x, DoubleTensor{1, 1, 0.5}), DoubleTensor{-4, 0, 3}));

  nn::Sqrt<double> sr;
  DoubleTensor xs{0, 4, 9};
  CHECK(equal(sr.forward(xs), DoubleTensor{0, 2, 3}));
  CHECK(close(sr.backward(xs, DoubleTensor{1, 1, 3}), DoubleTensor{0, 0.25, 0.5}));  // 0 where y = 0
  const DoubleTensor& yn = sr.forward(DoubleTensor{-1});  // NaN, no error (Torch7)
  CHECK(std::isnan(yn.toVector()[0]));
  CHECK(nn::Sqrt<double>(0.1).eps == 0.1);

  nn::Power<double> p3(3);
  CHECK(close(p3.forward(x), DoubleTensor{-8, 0, 27}));  // xsimd pow: not exact
  CHECK(close(p3.backward(x, DoubleTensor{1, 1, 1}), DoubleTensor{12, 0, 27}));
  nn::Power<double> ph(0.5);
  CHECK(close(ph.forward(xs), DoubleTensor{0, 2, 3}));
  CHECK(close(ph.backward(DoubleTensor{4}, DoubleTensor{1}), DoubleTensor{0.25}));
  CHECK(p3.pow == 3);

  nn::Exp<double> ex;
  CHECK(close(ex.forward(DoubleTensor{0, 1}), DoubleTensor{1, std::exp(1.0)}));
  CHECK(close(ex.backward(DoubleTensor{0, 1}, DoubleTensor{2, 2}), DoubleTensor{2, 2 * std::exp(1.0)}));

  nn::Log<double> lg;
  CHECK(close(lg.forward(DoubleTensor{1, 4}), DoubleTensor{0, std::log(4.0)}));
  CHECK(close(lg.backward(DoubleTensor{1, 4}, DoubleTensor{1, 1}), DoubleTensor{1, 0.25}));
  const DoubleTensor& l0 = lg.forward(DoubleTensor{0, -1});
  CHECK(l0.toVector()[0] == -std::numeric_limits<double>::infinity());
  CHECK(std::isnan(l0.toVector()[1]));

  nn::TanhShrink<double> ts;
  CHECK(close(ts.forward(DoubleTensor{0, 1}), DoubleTensor{0, 1 - std::tanh(1.0)}));
  CHECK(close(ts.backward(DoubleTensor{0, 1}, DoubleTensor{1, 1}), DoubleTensor{0, std::tanh(1.0) * std::tanh(1.0)}));

  nn::Square<float> sf;
  CHECK(equal(sf.forward(FloatTensor{{-1.5f, 2}}), FloatTensor{{2.25f, 4}}));
  nn::Sqrt<float> srf;
  CHECK(equal(srf.forward(FloatTensor{16}), FloatTensor{4}));
}

namespace {
/// Jacobian (and non-contiguous, float) checks of one module on single-sample and batch inputs.
template <template <class> class M, class... A>
void checkModule(const char* name, DoubleTensor (*draw)(const Shape&), double tol, A... args) {
  INFO(name);
  M<double> m(args...);
  for (const Shape& s : {Shape{5}, Shape{3, 4}, Shape{2, 2, 3}}) {
    DoubleTensor x = draw(s);
    INFO("input [" << s.toString() << "]");
    CHECK(nn::Jacobian::testJacobian(m, x) < tol);
  }
  // non-contiguous inputs: transposed, narrowed, expanded (stride 0)
  DoubleTensor base = draw({4, 6});
  for (const DoubleTensor& v : {base.t(), base.narrow(1, 1, 3), base.narrow(0, 1, 1).expand(3, 6)}) {
    REQUIRE_FALSE(v.isContiguous());
    const DoubleTensor y = m.forward(v).clone();
    CHECK(equal(y, m.forward(v.contiguous())));
    DoubleTensor g = randn<double>(v.sizes());
    m.forward(v);
    const DoubleTensor gi = m.backward(v, g.t().contiguous().t()).clone();
    m.forward(v.contiguous());
    CHECK(equal(gi, m.backward(v.contiguous(), g)));
  }
  // float agrees with double
  M<float> mf(args...);
  FloatTensor xf = base.toFloat();
  CHECK(allclose(mf.forward(xf), m.forward(xf.toDouble()).toFloat(), {1e-5, 1e-6}));
  // an empty batch, and a steady forward reuses its output
  CHECK(m.forward(DoubleTensor(0, 3)).sizes() == Shape{0, 3});
  m.forward(base);
  const double* before = m.output.data();
  m.forward(base);
  CHECK(m.output.data() == before);
  // gradOutput of the wrong size
  T7_REQUIRE_THROWS_WITH_ALL(m.backward(base, DoubleTensor(6, 4)), SizeError, "gradOutput", "[6x4]", "[4x6]");
}

DoubleTensor awayFromZero(const Shape& s) { return awayFrom(s, {0}); }
DoubleTensor awayFromUnit(const Shape& s) { return awayFrom(s, {-1, 1}, 2); }
DoubleTensor awayFromSix(const Shape& s) { return awayFrom(s, {0, 6}, 4); }
DoubleTensor awayFromHalf(const Shape& s) { return awayFrom(s, {-0.5, 0.5}); }
DoubleTensor anyInput(const Shape& s) { return randn<double>(s); }
DoubleTensor wide(const Shape& s) { return awayFrom(s, {}, 3); }
}  // namespace

TEST_CASE("nn transfer: Jacobians, non-contiguous inputs, float, empty, reuse, errors for every module") {
  manualSeed(11);
  checkModule<nn::ReLU>("ReLU", awayFromZero, 1e-6);
  checkModule<nn::Threshold>("Threshold", +[](const Shape& s) { return awayFrom(s, {0.3}); }, 1e-6, 0.3, -2.0);
  checkModule<nn::ReLU6>("ReLU6", awayFromSix, 1e-6);
  checkModule<nn::HardTanh>("HardTanh", awayFromUnit, 1e-6);
  checkModule<nn::Clamp>("Clamp", awayFromHalf, 1e-6, -0.5, 0.5);
  checkModule<nn::LeakyReLU>("LeakyReLU", awayFromZero, 1e-6, 0.2);
  checkModule<nn::PReLU>("PReLU", awayFromZero, 1e-6);
  checkModule<nn::ELU>("ELU", awayFromZero, 1e-6, 0.8);
  checkModule<nn::SELU>("SELU", awayFromZero, 1e-6);
  checkModule<nn::GELU>("GELU", wide, 1e-6);
  checkModule<nn::HardShrink>("HardShrink", awayFromHalf, 1e-6);
  checkModule<nn::SoftShrink>("SoftShrink", awayFromHalf, 1e-6);
  checkModule<nn::SoftPlus>("SoftPlus", wide, 1e-6, 1.5);
  checkModule<nn::SoftSign>("SoftSign", wide, 1e-6);
  checkModule<nn::LogSigmoid>("LogSigmoid", wide, 1e-6);
  checkModule<nn::Abs>("Abs", awayFromZero, 1e-6);
  checkModule<nn::Square>("Square", wide, 1e-6);
  checkModule<nn::Sqrt>("Sqrt", positive, 1e-6);
  checkModule<nn::Power>("Power 2.5", positive, 1e-6, 2.5);
  checkModule<nn::Power>("Power 3", wide, 1e-5, 3.0);
  checkModule<nn::Exp>("Exp", anyInput, 1e-5);
  checkModule<nn::Log>("Log", positive, 1e-6);
  checkModule<nn::TanhShrink>("TanhShrink", wide, 1e-6);
  // Tanh and Sigmoid (the lead's) through the same checks
  checkModule<nn::Tanh>("Tanh", wide, 1e-6);
  checkModule<nn::Sigmoid>("Sigmoid", wide, 1e-6);
  {
    nn::RReLU<double> r;
    r.evaluate();
    CHECK(nn::Jacobian::testJacobian(r, awayFrom({2, 2, 3}, {0})) < 1e-6);
  }
}

TEST_CASE("nn transfer: clone and toFloat keep the options") {
  auto roundTrip = [](const auto& m, auto check) {
    auto c = m.clone();
    check(c);
    auto f = m.toFloat();
    static_assert(std::is_same_v<typename decltype(f)::value_type, float>);
    check(f);
    check(f.toDouble());
  };
  roundTrip(nn::Threshold<double>(0.5, -1, true), [](const auto& m) {
    CHECK(m.threshold == 0.5);
    CHECK(m.val == -1);
    CHECK(m.inplace);
  });
  roundTrip(nn::ReLU<double>(true), [](const auto& m) {
    CHECK(m.inplace);
    CHECK(m.threshold == 0);
  });
  roundTrip(nn::ReLU6<double>(true), [](const auto& m) { CHECK(m.inplace); });
  roundTrip(nn::HardTanh<double>(-2, 3, true), [](const auto& m) {
    CHECK(m.min_val == -2);
    CHECK(m.max_val == 3);
    CHECK(m.inplace);
  });
  roundTrip(nn::Clamp<double>(-0.25, 0.75), [](const auto& m) {
    CHECK(m.min_val == -0.25);
    CHECK(m.max_val == 0.75);
  });
  roundTrip(nn::LeakyReLU<double>(0.25, true), [](const auto& m) {
    CHECK(m.negval == 0.25);
    CHECK(m.inplace);
  });
  nn::PReLU<double> pr(3);
  pr.weight.copy(DoubleTensor{0.5, 0.25, 0.125});
  roundTrip(pr, [](const auto& m) {
    CHECK(m.nOutputPlane == 3);
    CHECK(equal(m.weight, DoubleTensor{0.5, 0.25, 0.125}));
    CHECK(m.gradWeight.nElement() == 3);
  });
  {
    auto c = pr.clone();
    c.weight.fill(1);  // a deep copy
    CHECK(equal(pr.weight, DoubleTensor{0.5, 0.25, 0.125}));
  }
  roundTrip(nn::RReLU<double>(0.25, 0.5, true).evaluate(), [](const auto& m) {
    CHECK(m.lower == 0.25);
    CHECK(m.upper == 0.5);
    CHECK(m.inplace);
    CHECK_FALSE(m.isTraining());
  });
  roundTrip(nn::ELU<double>(0.75, true), [](const auto& m) {
    CHECK(m.alpha == 0.75);
    CHECK(m.inplace);
  });
  roundTrip(nn::SELU<double>(true), [](const auto& m) { CHECK(m.inplace); });
  roundTrip(nn::HardShrink<double>(0.75), [](const auto& m) { CHECK(m.lambda == 0.75); });
  roundTrip(nn::SoftShrink<double>(0.25), [](const auto& m) { CHECK(m.lambda == 0.25); });
  roundTrip(nn::SoftPlus<double>(3, 10), [](const auto& m) {
    CHECK(m.beta == 3);
    CHECK(m.threshold == 10);
  });
  roundTrip(nn::Sqrt<double>(0.5), [](const auto& m) { CHECK(m.eps == 0.5); });
  roundTrip(nn::Power<double>(2.5), [](const auto& m) { CHECK(m.pow == 2.5); });
}

TEST_CASE("nn transfer: a Sequential of transfer modules under testJacobian") {
  manualSeed(5);
  nn::Sequential<double> net;
  net.add(nn::Linear<double>(4, 5))
      .add(nn::PReLU<double>(5))
      .add(nn::Linear<double>(5, 5))
      .add(nn::ELU<double>(0.7))
      .add(nn::SoftPlus<double>(1.5))
      .add(nn::Linear<double>(5, 5))
      .add(nn::LeakyReLU<double>(0.2))
      .add(nn::GELU<double>())
      .add(nn::SELU<double>())
      .add(nn::SoftSign<double>())
      .add(nn::TanhShrink<double>())
      .add(nn::LogSigmoid<double>());
  for (const Shape& s : {Shape{4}, Shape{3, 4}}) {
    DoubleTensor x = randn<double>(s);
    CHECK(nn::Jacobian::testJacobian(net, x) < 1e-6);
    CHECK(nn::Jacobian::testJacobianParameters(net, x) < 1e-6);
  }
  CHECK(net.get(1).toString() == "nn.PReLU");
  CHECK(net.get(3).toString() == "nn.ELU (alpha:0.700000)");

  // an in-place ReLU in a Sequential overwrites the previous module's output, as in Torch7
  nn::Sequential<double> ip;
  ip.add(nn::Linear<double>(3, 4)).add(nn::ReLU<double>(true));
  DoubleTensor x = randn<double>({2, 3});
  const DoubleTensor& y = ip.forward(x).tensor();
  CHECK(y.isSetTo(ip.get<nn::Linear<double>>(0).output));
  CHECK(min(y) >= 0);
  nn::Sequential<double> ref;
  ref.add(nn::Linear<double>(3, 4)).add(nn::ReLU<double>(false));
  ref.get<nn::Linear<double>>(0).weight.copy(ip.get<nn::Linear<double>>(0).weight);
  ref.get<nn::Linear<double>>(0).bias.copy(ip.get<nn::Linear<double>>(0).bias);
  CHECK(equal(ref.forward(x).tensor(), y));
  DoubleTensor g = randn<double>({2, 4});
  const DoubleTensor gref = ref.backward(x, g).tensor().clone();
  CHECK(close(ip.backward(x, g.clone()).tensor(), gref));
}
