// nn conv other: TemporalConvolution, VolumetricConvolution, SpatialDepthWiseConvolution,
// SpatialConvolutionLocal, each against a direct-loop reference written from the definition,
// plus gradient checks, errors, printing, copies and use inside a Sequential.
#include "helpers.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include "t7/nn.hpp"
#include "t7/nn/convolutions.hpp"

using namespace t7;

namespace {

/// The same values as x in a non-contiguous layout (last two dimensions stored transposed).
DoubleTensor nonContiguous(const DoubleTensor& x) {
  const int d = x.dim();
  DoubleTensor t = x.transpose(d - 2, d - 1).contiguous().transpose(d - 2, d - 1);
  REQUIRE(!t.isContiguous());
  REQUIRE(equal(t, x));
  return t;
}

/// The largest |element|.
double maxAbs(const DoubleTensor& x) {
  double m = 0;
  for (double v : x.toVector()) m = std::max(m, std::abs(v));
  return m;
}

/// A random integer in [lo, hi].
index_t pick(std::mt19937& rng, index_t lo, index_t hi) {
  return std::uniform_int_distribution<index_t>(lo, hi)(rng);
}

/// Adds a leading batch dimension of 1 when the input is one sample, so references loop
/// over samples uniformly.
DoubleTensor asBatch(const DoubleTensor& x, int sampleDims) { return x.dim() == sampleDims ? x.unsqueeze(0) : x; }

// ---- direct-loop references --------------------------------------------------------------

DoubleTensor temporalRef(const DoubleTensor& input, const nn::TemporalConvolution<double>& m) {
  const DoubleTensor x = asBatch(input, 2);
  const index_t n = x.size(0), T = x.size(1), nOut = (T - m.kW) / m.dW + 1;
  DoubleTensor y(n, nOut, m.outputFrameSize);
  for (index_t s = 0; s < n; ++s)
    for (index_t t = 0; t < nOut; ++t)
      for (index_t o = 0; o < m.outputFrameSize; ++o) {
        double acc = m.bias(o);
        for (index_t k = 0; k < m.kW; ++k)
          for (index_t f = 0; f < m.inputFrameSize; ++f)
            acc += m.weight(o, k * m.inputFrameSize + f) * x(s, t * m.dW + k, f);
        y(s, t, o) = acc;
      }
  return input.dim() == 2 ? y.select(0, 0) : y;
}

DoubleTensor volumetricRef(const DoubleTensor& input, const nn::VolumetricConvolution<double>& m) {
  const DoubleTensor x = asBatch(input, 4);
  const index_t n = x.size(0), D = x.size(2), H = x.size(3), W = x.size(4);
  const index_t oT = (D + 2 * m.padT - m.kT) / m.dT + 1, oH = (H + 2 * m.padH - m.kH) / m.dH + 1,
                oW = (W + 2 * m.padW - m.kW) / m.dW + 1;
  DoubleTensor y(Shape{n, m.nOutputPlane, oT, oH, oW});
  for (index_t s = 0; s < n; ++s)
    for (index_t o = 0; o < m.nOutputPlane; ++o)
      for (index_t t = 0; t < oT; ++t)
        for (index_t r = 0; r < oH; ++r)
          for (index_t c = 0; c < oW; ++c) {
            double acc = m.bias(o);
            for (index_t i = 0; i < m.nInputPlane; ++i)
              for (index_t kt = 0; kt < m.kT; ++kt)
                for (index_t kh = 0; kh < m.kH; ++kh)
                  for (index_t kw = 0; kw < m.kW; ++kw) {
                    const index_t it = t * m.dT - m.padT + kt, ih = r * m.dH - m.padH + kh,
                                  iw = c * m.dW - m.padW + kw;
                    if (it < 0 || it >= D || ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                    acc += m.weight(o, i, kt, kh, kw) * x(s, i, it, ih, iw);
                  }
            y(s, o, t, r, c) = acc;
          }
  return input.dim() == 4 ? y.select(0, 0) : y;
}

DoubleTensor depthWiseRef(const DoubleTensor& input, const nn::SpatialDepthWiseConvolution<double>& m) {
  const DoubleTensor x = asBatch(input, 3);
  const index_t n = x.size(0), H = x.size(2), W = x.size(3);
  const index_t oH = (H + 2 * m.padH - m.kH) / m.dH + 1, oW = (W + 2 * m.padW - m.kW) / m.dW + 1;
  const DoubleTensor w = m.weight.view(m.depthwiseMultiplier, m.nInputPlane, m.kH, m.kW);
  DoubleTensor y(n, m.nOutputPlane, oH, oW);
  for (index_t s = 0; s < n; ++s)
    for (index_t i = 0; i < m.nInputPlane; ++i)
      for (index_t k = 0; k < m.depthwiseMultiplier; ++k)
        for (index_t r = 0; r < oH; ++r)
          for (index_t c = 0; c < oW; ++c) {
            double acc = m.bias.nElement() > 0 ? m.bias(k, i) : 0.0;
            for (index_t kh = 0; kh < m.kH; ++kh)
              for (index_t kw = 0; kw < m.kW; ++kw) {
                const index_t ih = r * m.dH - m.padH + kh, iw = c * m.dW - m.padW + kw;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                acc += w(k, i, kh, kw) * x(s, i, ih, iw);
              }
            y(s, i * m.depthwiseMultiplier + k, r, c) = acc;
          }
  return input.dim() == 3 ? y.select(0, 0) : y;
}

DoubleTensor localRef(const DoubleTensor& input, const nn::SpatialConvolutionLocal<double>& m) {
  const DoubleTensor x = asBatch(input, 3);
  const index_t n = x.size(0), H = m.iH, W = m.iW;
  DoubleTensor y(n, m.nOutputPlane, m.oH, m.oW);
  for (index_t s = 0; s < n; ++s)
    for (index_t o = 0; o < m.nOutputPlane; ++o)
      for (index_t r = 0; r < m.oH; ++r)
        for (index_t c = 0; c < m.oW; ++c) {
          double acc = m.bias(o, r, c);
          for (index_t i = 0; i < m.nInputPlane; ++i)
            for (index_t kh = 0; kh < m.kH; ++kh)
              for (index_t kw = 0; kw < m.kW; ++kw) {
                const index_t ih = r * m.dH - m.padH + kh, iw = c * m.dW - m.padW + kw;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                acc += m.weight(r, c, o, i, kh, kw) * x(s, i, ih, iw);
              }
          y(s, o, r, c) = acc;
        }
  return input.dim() == 3 ? y.select(0, 0) : y;
}

/// accGradParameters(scale) adds exactly scale times the scale-1 gradient, and accumulates.
template <class M>
void checkScale(M& m, const DoubleTensor& x) {
  const DoubleTensor y = m.forward(x).clone();
  const DoubleTensor g = randn<double>(y.sizes());
  m.zeroGradParameters();
  m.accGradParameters(x, g, 1.0);
  const DoubleTensor w1 = m.gradWeight.clone(), b1 = m.gradBias.clone();
  m.accGradParameters(x, g, 0.5);
  CHECK(maxAbsDiff(m.gradWeight, DoubleTensor(w1 * 1.5)) < 1e-12);
  CHECK(maxAbsDiff(m.gradBias, DoubleTensor(b1 * 1.5)) < 1e-12);
  m.zeroGradParameters();
  m.backward(x, g, -2.0);
  CHECK(maxAbsDiff(m.gradWeight, DoubleTensor(w1 * -2.0)) < 1e-12);
}

}  // namespace

// ==== TemporalConvolution ====================================================================

TEST_CASE("nn conv other: TemporalConvolution forward by hand") {
  nn::TemporalConvolution<double> m(1, 1, 2, 1);
  m.weight.copy(DoubleTensor{{1, 10}});
  m.bias.fill(0.5);
  const DoubleTensor x{{1}, {2}, {3}};
  CHECK(equal(m.forward(x), DoubleTensor{{21.5}, {32.5}}));
  // two frames of 2 features, kernel 2, stride 2 on 5 frames: frames (0,1), (2,3)
  nn::TemporalConvolution<double> m2(2, 1, 2, 2);
  m2.weight.copy(DoubleTensor{{1, 2, 3, 4}});
  m2.bias.zero();
  const DoubleTensor x2{{1, 0}, {0, 1}, {1, 1}, {2, 0}, {9, 9}};
  CHECK(equal(m2.forward(x2), DoubleTensor{{5}, {9}}));
}

TEST_CASE("nn conv other: TemporalConvolution matches the direct loop") {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 24; ++trial) {
    const index_t F = pick(rng, 1, 4), O = pick(rng, 1, 5), kW = pick(rng, 1, 4), dW = pick(rng, 1, 5);
    const index_t T = kW + pick(rng, 0, 9);
    nn::TemporalConvolution<double> m(F, O, kW, dW);
    INFO("F=" << F << " O=" << O << " kW=" << kW << " dW=" << dW << " T=" << T);
    const DoubleTensor single = randn<double>(T, F);
    CHECK(maxAbsDiff(m.forward(single), temporalRef(single, m)) < 1e-12);
    const DoubleTensor batch = randn<double>(3, T, F);
    CHECK(maxAbsDiff(m.forward(batch), temporalRef(batch, m)) < 1e-12);
    if (T > 1 && F > 1) {
      const DoubleTensor nc = nonContiguous(batch);
      CHECK(maxAbsDiff(m.forward(nc), temporalRef(batch, m)) < 1e-12);
    }
  }
}

TEST_CASE("nn conv other: TemporalConvolution gradients") {
  for (auto [kW, dW] : {std::pair<index_t, index_t>{3, 1}, {2, 3}, {3, 2}, {1, 1}}) {
    INFO("kW=" << kW << " dW=" << dW);
    nn::TemporalConvolution<double> m(3, 2, kW, dW);
    const DoubleTensor single = randn<double>(7, 3);
    CHECK(nn::Jacobian::testJacobian(m, single) < 1e-6);
    CHECK(nn::Jacobian::testJacobianParameters(m, single) < 1e-6);
    const DoubleTensor batch = randn<double>(2, 6, 3);
    CHECK(nn::Jacobian::testJacobian(m, batch) < 1e-6);
    CHECK(nn::Jacobian::testJacobianParameters(m, batch) < 1e-6);
    CHECK(nn::Jacobian::testJacobian(m, nonContiguous(batch)) < 1e-6);
    checkScale(m, batch);
  }
}

// ==== VolumetricConvolution ==================================================================

TEST_CASE("nn conv other: VolumetricConvolution forward by hand") {
  nn::VolumetricConvolution<double> m(1, 1, 2, 2, 2);
  m.weight.fill(1);
  m.bias.fill(-1);
  const DoubleTensor x = range<double>(0, 7).view(1, 2, 2, 2);  // sum = 28
  CHECK(equal(m.forward(x), DoubleTensor{27}.view(1, 1, 1, 1)));
  // padding 1, 1x1x1 kernel of 2: the border planes are the bias
  nn::VolumetricConvolution<double> p(1, 1, 1, 1, 1, 1, 1, 1, 1);
  p.weight.fill(2);
  p.bias.zero();
  const DoubleTensor y = p.forward(DoubleTensor{3}.view(1, 1, 1, 1));
  CHECK(y.sizes() == Shape{1, 3, 3, 3});
  CHECK(y(0, 1, 1, 1) == 6);
  CHECK(sum(y) == 6);
}

TEST_CASE("nn conv other: VolumetricConvolution matches the direct loop") {
  std::mt19937 rng(5);
  for (int trial = 0; trial < 16; ++trial) {
    const index_t nIn = pick(rng, 1, 3), nOut = pick(rng, 1, 3);
    const index_t kT = pick(rng, 1, 3), kW = pick(rng, 1, 3), kH = pick(rng, 1, 3);
    const index_t dT = pick(rng, 1, 2), dW = pick(rng, 1, 3), dH = pick(rng, 1, 2);
    const index_t padT = pick(rng, 0, 1), padW = pick(rng, 0, 2), padH = pick(rng, 0, 1);
    nn::VolumetricConvolution<double> m(nIn, nOut, kT, kW, kH, dT, dW, dH, padT, padW, padH);
    const index_t D = std::max<index_t>(1, kT - 2 * padT) + pick(rng, 0, 3);
    const index_t H = std::max<index_t>(1, kH - 2 * padH) + pick(rng, 0, 3);
    const index_t W = std::max<index_t>(1, kW - 2 * padW) + pick(rng, 0, 4);
    INFO(m.toString() << " on " << D << "x" << H << "x" << W);
    const DoubleTensor single = randn<double>(nIn, D, H, W);
    CHECK(maxAbsDiff(m.forward(single), volumetricRef(single, m)) < 1e-12);
    const DoubleTensor batch = randn<double>(Shape{3, nIn, D, H, W});
    CHECK(maxAbsDiff(m.forward(batch), volumetricRef(batch, m)) < 1e-12);
    if (H > 1 && W > 1) CHECK(maxAbsDiff(m.forward(nonContiguous(batch)), volumetricRef(batch, m)) < 1e-12);
  }
  // the pointwise fast path (1x1x1, stride 1, no padding): the input is the columns matrix
  nn::VolumetricConvolution<double> pw(3, 2, 1, 1, 1);
  const DoubleTensor b = randn<double>(Shape{2, 3, 2, 3, 4});
  CHECK(maxAbsDiff(pw.forward(b), volumetricRef(b, pw)) < 1e-12);
}

TEST_CASE("nn conv other: VolumetricConvolution gradients") {
  nn::VolumetricConvolution<double> m(2, 2, 2, 3, 2, 1, 2, 1, 1, 1, 0);
  const DoubleTensor single = randn<double>(2, 3, 4, 3);
  CHECK(nn::Jacobian::testJacobian(m, single) < 1e-6);
  CHECK(nn::Jacobian::testJacobianParameters(m, single) < 1e-6);
  const DoubleTensor batch = randn<double>(Shape{2, 2, 2, 3, 3});
  CHECK(nn::Jacobian::testJacobian(m, batch) < 1e-6);
  CHECK(nn::Jacobian::testJacobianParameters(m, batch) < 1e-6);
  CHECK(nn::Jacobian::testJacobian(m, nonContiguous(batch)) < 1e-6);
  checkScale(m, batch);
  nn::VolumetricConvolution<double> pw(2, 3, 1, 1, 1);
  const DoubleTensor small = randn<double>(Shape{2, 2, 2, 2, 1});
  CHECK(nn::Jacobian::testJacobian(pw, small) < 1e-6);
  CHECK(nn::Jacobian::testJacobianParameters(pw, small) < 1e-6);
  checkScale(pw, small);
}

TEST_CASE("nn conv other: VolumetricConvolution on a batch large enough for threads") {
  // above the kernels' threading threshold: per-thread column slices
  nn::VolumetricConvolution<double> m(3, 4, 3, 3, 3, 1, 1, 1, 1);
  const DoubleTensor batch = randn<double>(Shape{6, 3, 5, 6, 7});
  const DoubleTensor y = m.forward(batch);
  CHECK(maxAbsDiff(y, volumetricRef(batch, m)) < 1e-11);
  // gradInput of each sample equals the single-sample one
  const DoubleTensor g = randn<double>(y.sizes());
  const DoubleTensor gi = m.updateGradInput(batch, g).clone();
  for (index_t s = 0; s < 6; s += 5) {
    m.forward(batch.select(0, s));
    CHECK(maxAbsDiff(m.updateGradInput(batch.select(0, s), g.select(0, s)), gi.select(0, s)) < 1e-11);
  }
}

TEST_CASE("nn conv other: VolumetricConvolution in several column chunks") {
  // 81 x 40*40 columns per output slice: the kernels unfold 2 of the 5 output slices at a time
  nn::VolumetricConvolution<double> m(3, 2, 3, 3, 3, 1, 1, 1, 1);
  for (const DoubleTensor& x : {randn<double>(3, 5, 40, 40), randn<double>(Shape{2, 3, 5, 40, 40})}) {
    const DoubleTensor y = m.forward(x).clone();
    CHECK(maxAbsDiff(y, volumetricRef(x, m)) < 1e-11);
    // the map is affine: <g, y - b> = <gradInput, x> = <gradWeight, weight>
    const DoubleTensor g = randn<double>(y.sizes());
    double gy = 0;
    const Shape bs = x.dim() == 5 ? Shape{1, 2, 1, 1, 1} : Shape{2, 1, 1, 1};
    gy = sum(DoubleTensor(g * (y - m.bias.view(bs).expandAs(y))));
    m.zeroGradParameters();
    const DoubleTensor gi = m.backward(x, g);
    CHECK(std::abs(sum(DoubleTensor(gi * x)) - gy) < 1e-9 * std::abs(gy) + 1e-9);
    CHECK(std::abs(sum(DoubleTensor(m.gradWeight * m.weight)) - gy) < 1e-9 * std::abs(gy) + 1e-9);
    CHECK(std::abs(sum(m.gradBias) - sum(g)) < 1e-9);
  }
}

// ==== SpatialDepthWiseConvolution ============================================================

TEST_CASE("nn conv other: SpatialDepthWiseConvolution forward by hand") {
  // 2 input planes, multiplier 2, 1x1 kernels: output plane i*2+m = w[m][i] * x[i] + b[m][i]
  nn::SpatialDepthWiseConvolution<double> m(2, 2, 1, 1);
  m.weight.copy(DoubleTensor{1, 2, 3, 4});  // w[0][0]=1 w[0][1]=2 w[1][0]=3 w[1][1]=4
  m.bias.copy(DoubleTensor{10, 20, 30, 40});
  const DoubleTensor x = DoubleTensor{1, 2}.view(2, 1, 1);
  CHECK(equal(m.forward(x), DoubleTensor{11, 33, 24, 48}.view(4, 1, 1)));
  CHECK(m.output.sizes() == Shape{4, 1, 1});
}

TEST_CASE("nn conv other: SpatialDepthWiseConvolution matches the direct loop") {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    const index_t nIn = pick(rng, 1, 4), mult = pick(rng, 1, 3), kW = pick(rng, 1, 4), kH = pick(rng, 1, 3);
    const index_t dW = pick(rng, 1, 3), dH = pick(rng, 1, 2), padW = pick(rng, 0, 2), padH = pick(rng, 0, 1);
    nn::SpatialDepthWiseConvolution<double> m(nIn, mult, kW, kH, dW, dH, padW, padH);
    if (trial % 5 == 4) m.noBias();
    const index_t H = std::max<index_t>(1, kH - 2 * padH) + pick(rng, 0, 4);
    const index_t W = std::max<index_t>(1, kW - 2 * padW) + pick(rng, 0, 5);
    INFO(m.toString() << " on " << H << "x" << W);
    const DoubleTensor single = randn<double>(nIn, H, W);
    CHECK(maxAbsDiff(m.forward(single), depthWiseRef(single, m)) < 1e-12);
    const DoubleTensor batch = randn<double>(3, nIn, H, W);
    CHECK(maxAbsDiff(m.forward(batch), depthWiseRef(batch, m)) < 1e-12);
    if (H > 1 && W > 1) CHECK(maxAbsDiff(m.forward(nonContiguous(batch)), depthWiseRef(batch, m)) < 1e-12);
  }
  // Torch7's constructor-time 2-D weight [multiplier x nIn*kH*kW] is accepted as well
  nn::SpatialDepthWiseConvolution<double> m(3, 2, 3, 2);
  const DoubleTensor x = randn<double>(2, 3, 5, 4);
  const DoubleTensor y = m.forward(x).clone();
  m.weight = m.weight.view(2, 3 * 2 * 3);
  CHECK(maxAbsDiff(m.forward(x), y) == 0);
}

TEST_CASE("nn conv other: SpatialDepthWiseConvolution gradients") {
  nn::SpatialDepthWiseConvolution<double> m(2, 3, 3, 2, 2, 1, 1, 1);
  const DoubleTensor single = randn<double>(2, 4, 5);
  CHECK(nn::Jacobian::testJacobian(m, single) < 1e-6);
  CHECK(nn::Jacobian::testJacobianParameters(m, single) < 1e-6);
  const DoubleTensor batch = randn<double>(2, 2, 3, 4);
  CHECK(nn::Jacobian::testJacobian(m, batch) < 1e-6);
  CHECK(nn::Jacobian::testJacobianParameters(m, batch) < 1e-6);
  CHECK(nn::Jacobian::testJacobian(m, nonContiguous(batch)) < 1e-6);
  checkScale(m, batch);
  nn::SpatialDepthWiseConvolution<double> nb(2, 1, 2, 2);
  nb.noBias();
  CHECK(nn::Jacobian::testJacobianParameters(nb, batch) < 1e-6);
  CHECK(nb.parameters().weights.size() == 1);
}

// ==== SpatialConvolutionLocal ================================================================

TEST_CASE("nn conv other: SpatialConvolutionLocal forward by hand") {
  // 1 plane 2x1 image, 1x1 kernel: each of the 2 locations has its own weight
  nn::SpatialConvolutionLocal<double> m(1, 1, 1, 2, 1, 1);
  CHECK(m.weight.sizes() == Shape{2, 1, 1, 1, 1, 1});
  CHECK(m.bias.sizes() == Shape{1, 2, 1});
  m.weight.copy(DoubleTensor{2, 3});
  m.bias.copy(DoubleTensor{1, -1});
  CHECK(equal(m.forward(DoubleTensor{5, 7}.view(1, 2, 1)), DoubleTensor{11, 20}.view(1, 2, 1)));
}

TEST_CASE("nn conv other: SpatialConvolutionLocal matches the direct loop") {
  std::mt19937 rng(3);
  for (int trial = 0; trial < 16; ++trial) {
    const index_t nIn = pick(rng, 1, 3), nOut = pick(rng, 1, 3), kW = pick(rng, 1, 3), kH = pick(rng, 1, 3);
    const index_t dW = pick(rng, 1, 2), dH = pick(rng, 1, 3), padW = pick(rng, 0, 1), padH = pick(rng, 0, 2);
    const index_t iH = std::max<index_t>(1, kH - 2 * padH) + pick(rng, 0, 3);
    const index_t iW = std::max<index_t>(1, kW - 2 * padW) + pick(rng, 0, 4);
    nn::SpatialConvolutionLocal<double> m(nIn, nOut, iW, iH, kW, kH, dW, dH, padW, padH);
    INFO(m.toString());
    const DoubleTensor single = randn<double>(nIn, iH, iW);
    CHECK(maxAbsDiff(m.forward(single), localRef(single, m)) < 1e-12);
    const DoubleTensor batch = randn<double>(3, nIn, iH, iW);
    CHECK(maxAbsDiff(m.forward(batch), localRef(batch, m)) < 1e-12);
    if (iH > 1 && iW > 1) CHECK(maxAbsDiff(m.forward(nonContiguous(batch)), localRef(batch, m)) < 1e-12);
  }
  // a batch above the threading threshold
  nn::SpatialConvolutionLocal<double> big(4, 6, 10, 9, 3, 3, 1, 1, 1);
  const DoubleTensor x = randn<double>(8, 4, 9, 10);
  CHECK(maxAbsDiff(big.forward(x), localRef(x, big)) < 1e-11);
}

TEST_CASE("nn conv other: SpatialConvolutionLocal gradients") {
  nn::SpatialConvolutionLocal<double> m(2, 2, 4, 3, 2, 2, 1, 2, 1, 0);
  const DoubleTensor single = randn<double>(2, 3, 4);
  CHECK(nn::Jacobian::testJacobian(m, single) < 1e-6);
  CHECK(nn::Jacobian::testJacobianParameters(m, single) < 1e-6);
  const DoubleTensor batch = randn<double>(2, 2, 3, 4);
  CHECK(nn::Jacobian::testJacobian(m, batch) < 1e-6);
  CHECK(nn::Jacobian::testJacobianParameters(m, batch) < 1e-6);
  CHECK(nn::Jacobian::testJacobian(m, nonContiguous(batch)) < 1e-6);
  checkScale(m, batch);
}

// ==== common ==================================================================================

TEST_CASE("nn conv other: errors name the module and the sizes") {
  nn::TemporalConvolution<double> t(4, 2, 3);
  T7_REQUIRE_THROWS_WITH_ALL(t.forward(randn<double>(5, 3)), SizeError, "TemporalConvolution", "[T x 4]", "[5x3]");
  T7_REQUIRE_THROWS_WITH_ALL(t.forward(randn<double>(2, 4)), SizeError, "T >= kW = 3", "[2x4]");
  T7_REQUIRE_THROWS_WITH_ALL(t.forward(randn<double>(4)), SizeError, "TemporalConvolution", "[4]");
  t.forward(randn<double>(5, 4));
  T7_REQUIRE_THROWS_WITH_ALL(t.backward(randn<double>(5, 4), randn<double>(2, 2)), SizeError, "gradOutput",
                             "[3x2]", "[5x4]", "[2x2]");
  T7_REQUIRE_THROWS_WITH_ALL(nn::TemporalConvolution<double>(0, 2, 3), ValueError, "TemporalConvolution");
  T7_REQUIRE_THROWS_WITH_ALL(nn::TemporalConvolution<double>(2, 2, 3, 0), ValueError, "kW and dW");

  nn::VolumetricConvolution<double> v(2, 3, 3, 3, 3);
  T7_REQUIRE_THROWS_WITH_ALL(v.forward(randn<double>(3, 4, 4, 4)), SizeError, "VolumetricConvolution",
                             "[2 x T x H x W]", "[3x4x4x4]");
  T7_REQUIRE_THROWS_WITH_ALL(v.forward(randn<double>(2, 4, 4)), SizeError, "[2x4x4]");
  T7_REQUIRE_THROWS_WITH_ALL(v.forward(randn<double>(2, 4, 2, 4)), SizeError, "too small", "[2x4x2x4]",
                             "3x3x3", "output would be 2x0x2");
  v.forward(randn<double>(2, 3, 3, 3));
  T7_REQUIRE_THROWS_WITH_ALL(v.updateGradInput(randn<double>(2, 3, 3, 3), randn<double>(3, 1, 1, 2)), SizeError,
                             "gradOutput should be [3x1x1x1]", "[3x1x1x2]");
  T7_REQUIRE_THROWS_WITH_ALL(nn::VolumetricConvolution<double>(2, 3, 3, 3, 3, 1, 1, 1, -1), ValueError, "padding");
  T7_REQUIRE_THROWS_WITH_ALL(nn::VolumetricConvolution<double>(2, 3, 3, 0, 3), ValueError, "kernel sizes");

  nn::SpatialDepthWiseConvolution<double> d(3, 2, 3, 3);
  T7_REQUIRE_THROWS_WITH_ALL(d.forward(randn<double>(2, 5, 5)), SizeError, "SpatialDepthWiseConvolution",
                             "[3 x H x W]", "[2x5x5]");
  T7_REQUIRE_THROWS_WITH_ALL(d.forward(randn<double>(3, 2, 5)), SizeError, "too small", "output would be 0x3");
  d.forward(randn<double>(3, 4, 4));
  T7_REQUIRE_THROWS_WITH_ALL(d.updateGradInput(randn<double>(3, 4, 4), randn<double>(3, 2, 2)), SizeError,
                             "gradOutput should be [6x2x2]", "[3x2x2]");
  T7_REQUIRE_THROWS_WITH_ALL(nn::SpatialDepthWiseConvolution<double>(3, 0, 3, 3), ValueError,
                             "depthwiseMultiplier");

  nn::SpatialConvolutionLocal<double> l(2, 3, 6, 5, 3, 3);
  T7_REQUIRE_THROWS_WITH_ALL(l.forward(randn<double>(2, 6, 5)), SizeError, "SpatialConvolutionLocal", "[2x5x6]",
                             "[2x6x5]");
  T7_REQUIRE_THROWS_WITH_ALL(l.forward(randn<double>(4, 3, 5, 6)), SizeError, "[N x 2x5x6]", "[4x3x5x6]");
  l.forward(randn<double>(2, 5, 6));
  T7_REQUIRE_THROWS_WITH_ALL(l.updateGradInput(randn<double>(2, 5, 6), randn<double>(3, 4, 3)), SizeError,
                             "gradOutput should be [3x3x4]", "[3x4x3]");
  T7_REQUIRE_THROWS_WITH_ALL(nn::SpatialConvolutionLocal<double>(2, 3, 2, 2, 3, 3), ValueError,
                             "illegal configuration", "gives an output of 0x0");

  // parameters replaced by ones of the wrong size, or non-contiguous ones
  nn::TemporalConvolution<double> w(2, 2, 2);
  w.weight = randn<double>(2, 3);
  T7_REQUIRE_THROWS_WITH_ALL(w.forward(randn<double>(3, 2)), SizeError, "weight should have 8 elements", "[2x3]");
  w.weight = randn<double>(4, 2).t();
  T7_REQUIRE_THROWS_WITH_ALL(w.forward(randn<double>(3, 2)), ValueError, "weight must be contiguous");
  nn::SpatialDepthWiseConvolution<double> gb(2, 1, 1, 1);
  gb.gradWeight = DoubleTensor(3);
  T7_REQUIRE_THROWS_WITH_ALL(gb.backward(randn<double>(2, 2, 2), randn<double>(2, 2, 2)), SizeError,
                             "gradWeight should have 2 elements");
}

TEST_CASE("nn conv other: toString as Torch7's __tostring__") {
  CHECK(nn::TemporalConvolution(3, 4, 5).toString() == "nn.TemporalConvolution");
  CHECK(nn::VolumetricConvolution(2, 4, 3, 5, 7).toString() == "nn.VolumetricConvolution(2 -> 4, 3x5x7)");
  CHECK(nn::VolumetricConvolution(2, 4, 3, 3, 3, 1, 2, 1).toString() ==
        "nn.VolumetricConvolution(2 -> 4, 3x3x3, 1,2,1)");
  CHECK(nn::VolumetricConvolution(2, 4, 3, 3, 3, 1, 1, 1, 1).toString() ==
        "nn.VolumetricConvolution(2 -> 4, 3x3x3, 1,1,1, 1,1,1)");
  CHECK(nn::VolumetricConvolution(2, 4, 3, 3, 3, 2, 2, 2, 0, 1, 2).toString() ==
        "nn.VolumetricConvolution(2 -> 4, 3x3x3, 2,2,2, 0,1,2)");
  CHECK(nn::SpatialDepthWiseConvolution(3, 2, 5, 3).toString() == "nn.SpatialDepthWiseConvolution(3 -> 2, 5x3)");
  CHECK(nn::SpatialDepthWiseConvolution(3, 2, 5, 3, 2, 1).toString() ==
        "nn.SpatialDepthWiseConvolution(3 -> 2, 5x3, 2,1)");
  CHECK(nn::SpatialDepthWiseConvolution(3, 2, 3, 3, 1, 1, 1).toString() ==
        "nn.SpatialDepthWiseConvolution(3 -> 2, 3x3, 1,1, 1,1)");
  CHECK(nn::SpatialDepthWiseConvolution(3, 2, 3, 3).noBias().toString() ==
        "nn.SpatialDepthWiseConvolution(3 -> 2, 3x3) without bias");
  CHECK(nn::SpatialConvolutionLocal(3, 4, 8, 6, 3, 3).toString() == "nn.SpatialConvolutionLocal(3 -> 4, 8x6, 3x3)");
  CHECK(nn::SpatialConvolutionLocal(3, 4, 8, 6, 3, 3, 1, 1, 1, 2).toString() ==
        "nn.SpatialConvolutionLocal(3 -> 4, 8x6, 3x3, 1,1, 1,2)");
}

TEST_CASE("nn conv other: constructors follow Torch7's shapes and defaults") {
  nn::TemporalConvolution<double> t(3, 4, 5);
  CHECK((t.dW == 1 && t.weight.sizes() == Shape{4, 15} && t.bias.sizes() == Shape{4}));
  CHECK(maxAbs(t.weight) <= 1 / std::sqrt(15.0));
  nn::VolumetricConvolution<double> v(2, 4, 3, 5, 7, 1, 1, 1, 2);
  CHECK(v.weight.sizes() == Shape{4, 2, 3, 7, 5});
  CHECK((v.padT == 2 && v.padW == 2 && v.padH == 2));
  CHECK(maxAbs(v.weight) <= 1 / std::sqrt(2.0 * 3 * 5 * 7));
  nn::VolumetricConvolution<double> v2(2, 4, 3, 3, 3, 1, 1, 1, 0, 1);
  CHECK((v2.padT == 0 && v2.padW == 1 && v2.padH == 1));
  nn::SpatialDepthWiseConvolution<double> d(3, 2, 5, 4, 1, 1, 2);
  CHECK((d.nOutputPlane == 6 && d.padH == 2 && d.weight.sizes() == Shape{2, 3, 4, 5} &&
         d.bias.sizes() == Shape{2, 3}));
  nn::SpatialConvolutionLocal<double> l(3, 4, 8, 6, 3, 2, 2, 1, 1);
  CHECK((l.oW == 4 && l.oH == 7 && l.padH == 1));
  CHECK(l.weight.sizes() == Shape{7, 4, 4, 3, 2, 3});
  CHECK(l.bias.sizes() == Shape{4, 7, 4});
  t.reset(0.1);
  CHECK(maxAbs(t.weight) <= 0.1 * std::sqrt(3.0));
}

TEST_CASE("nn conv other: clone and toFloat keep the options and the values") {
  nn::VolumetricConvolution<double> v(2, 3, 3, 2, 1, 1, 2, 1, 1, 0, 1);
  auto vf = v.toFloat();
  CHECK((vf.nInputPlane == 2 && vf.nOutputPlane == 3 && vf.kT == 3 && vf.kW == 2 && vf.kH == 1 && vf.dT == 1 &&
         vf.dW == 2 && vf.dH == 1 && vf.padT == 1 && vf.padW == 0 && vf.padH == 1));
  const DoubleTensor xv = randn<double>(2, 2, 4, 3, 3);
  CHECK(maxAbsDiff(vf.forward(xv.toFloat()).toDouble(), v.forward(xv)) < 1e-5);

  nn::TemporalConvolution<double> t(3, 2, 2, 3);
  auto tf = t.toFloat();
  CHECK((tf.inputFrameSize == 3 && tf.outputFrameSize == 2 && tf.kW == 2 && tf.dW == 3));
  const DoubleTensor xt = randn<double>(2, 8, 3);
  CHECK(maxAbsDiff(tf.forward(xt.toFloat()).toDouble(), t.forward(xt)) < 1e-5);

  nn::SpatialDepthWiseConvolution<double> d(2, 3, 3, 2, 2, 1, 1, 0);
  d.noBias();
  auto df = d.toFloat();
  CHECK((df.nInputPlane == 2 && df.depthwiseMultiplier == 3 && df.nOutputPlane == 6 && df.kW == 3 && df.kH == 2 &&
         df.dW == 2 && df.dH == 1 && df.padW == 1 && df.padH == 0 && df.bias.nElement() == 0));
  const DoubleTensor xd = randn<double>(2, 5, 5);
  CHECK(maxAbsDiff(df.forward(xd.toFloat()).toDouble(), d.forward(xd)) < 1e-5);

  nn::SpatialConvolutionLocal<double> l(2, 3, 5, 4, 3, 2, 2, 1, 1, 0);
  auto lc = l.clone();
  CHECK((lc.iW == 5 && lc.iH == 4 && lc.kW == 3 && lc.kH == 2 && lc.dW == 2 && lc.dH == 1 && lc.padW == 1 &&
         lc.padH == 0 && lc.oW == 3 && lc.oH == 3 && lc.nInputPlane == 2 && lc.nOutputPlane == 3));
  CHECK(lc.weight.storage().data() != l.weight.storage().data());
  const DoubleTensor xl = randn<double>(2, 2, 4, 5);
  CHECK(equal(lc.forward(xl), l.forward(xl)));
  auto lf = l.toFloat();
  CHECK(maxAbsDiff(lf.forward(xl.toFloat()).toDouble(), l.forward(xl)) < 1e-5);
}

TEST_CASE("nn conv other: inside a Sequential") {
  nn::Sequential<double> net;
  net.add(nn::SpatialDepthWiseConvolution<double>(2, 2, 3, 3, 1, 1, 1))
      .add(nn::Tanh<double>())
      .add(nn::SpatialConvolutionLocal<double>(4, 2, 4, 3, 2, 2, 2, 1))
      .add(nn::Sigmoid<double>());
  const DoubleTensor x = randn<double>(2, 2, 3, 4);
  CHECK(net.forward(x).tensor().sizes() == Shape{2, 2, 2, 2});
  CHECK(nn::Jacobian::testJacobian(net, x) < 1e-6);
  CHECK(nn::Jacobian::testJacobianParameters(net, x) < 1e-6);

  nn::Sequential<double> seq;
  seq.add(nn::TemporalConvolution<double>(3, 4, 2)).add(nn::Tanh<double>()).add(nn::TemporalConvolution<double>(4, 2, 2, 2));
  const DoubleTensor s = randn<double>(2, 7, 3);
  CHECK(seq.forward(s).tensor().sizes() == Shape{2, 3, 2});
  CHECK(nn::Jacobian::testJacobian(seq, s) < 1e-6);
  CHECK(nn::Jacobian::testJacobianParameters(seq, s) < 1e-6);

  nn::Sequential<double> vol;
  vol.add(nn::VolumetricConvolution<double>(1, 2, 2, 2, 2)).add(nn::Tanh<double>()).add(
      nn::VolumetricConvolution<double>(2, 1, 1, 2, 1, 1, 1, 1, 0, 1, 0));
  const DoubleTensor xv = randn<double>(1, 3, 3, 3);
  CHECK(vol.forward(xv).tensor().sizes() == Shape{1, 2, 2, 3});
  CHECK(nn::Jacobian::testJacobian(vol, xv) < 1e-6);
  CHECK(nn::Jacobian::testJacobianParameters(vol, xv) < 1e-6);
}

TEST_CASE("nn conv other: a steady step reuses its buffers") {
  nn::VolumetricConvolution<double> v(2, 3, 2, 2, 2, 1, 1, 1, 1);
  const DoubleTensor x = nonContiguous(randn<double>(Shape{3, 2, 3, 4, 4}));
  v.forward(x);
  v.backward(x, randn<double>(v.output.sizes()));
  const double* out = v.output.data();
  const double* cols = v.finput.data();
  const double* gcols = v.fgradInput.data();
  const double* in = v._input.data();
  for (int i = 0; i < 2; ++i) {
    v.forward(x);
    v.backward(x, v.output);
  }
  CHECK((v.output.data() == out && v.finput.data() == cols && v.fgradInput.data() == gcols && v._input.data() == in));
  nn::SpatialConvolutionLocal<double> l(2, 2, 4, 4, 3, 3);
  const DoubleTensor xl = randn<double>(3, 2, 4, 4);
  l.forward(xl);
  l.backward(xl, l.output);
  const double* lcols = l.finput.data();
  const double* scratch = l._scratch.data();
  l.forward(xl);
  l.backward(xl, l.output);
  CHECK((l.finput.data() == lcols && l._scratch.data() == scratch));
}
