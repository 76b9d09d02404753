// Tests of the pooling modules (nn/pooling.hpp, nn/pooling_extra.hpp, kernels/pooling.hpp):
// forward values against naive references written from the definitions, Jacobians, errors,
// printing, copies and use in a Sequential.

#include <cmath>
#include <limits>
#include <tuple>
#include <vector>

#include "helpers.hpp"
#include "t7/nn.hpp"
#include "t7/nn/pooling.hpp"
#include "t7/nn/pooling_extra.hpp"

using namespace t7;
using t7test::values;

namespace {

/// Distinct values (no ties, 2/n apart) in [-1, 1) in random order: max pooling is
/// differentiable everywhere on them.
DoubleTensor distinct(Generator& g, const Shape& shape) {
  index_t n = 1;
  for (index_t s : shape) n *= s;
  DoubleTensor x = randperm(g, n).toDouble();
  x.mul(2.0 / static_cast<double>(n)).add(-1.0);
  return x.view(shape);
}

/// A [.. x H x W] input stored transposed (H and W swapped in memory): not contiguous.
DoubleTensor transposedLast2(const DoubleTensor& x) {
  const int d = x.dim();
  return x.transpose(d - 2, d - 1).contiguous().transpose(d - 2, d - 1);
}

/// Torch7's output size, written from its formula: floor/ceil of a float division, plus 1,
/// then the "last window starts inside" rule.
index_t refSize(index_t in, index_t k, index_t d, index_t pad, bool ceilMode) {
  const double q = static_cast<double>(in - k + 2 * pad) / static_cast<double>(d);
  index_t o = static_cast<index_t>(ceilMode ? std::ceil(q) : std::floor(q)) + 1;
  if ((o - 1) * d >= in + pad) --o;
  return o;
}

using t7test::as4d;

struct Pool2d {
  index_t kW, kH, dW, dH, padW, padH;
  bool ceil;
};

/// Naive max pooling: output and 0-based plane indices; Torch7's rule `v > max or isnan(v)` (the
/// first maximum wins ties, a NaN wins its window, the last of several).
std::pair<DoubleTensor, LongTensor> naiveMax(const DoubleTensor& x3or4, const Pool2d& p) {
  const DoubleTensor x = as4d(x3or4);
  const index_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const index_t oH = refSize(H, p.kH, p.dH, p.padH, p.ceil), oW = refSize(W, p.kW, p.dW, p.padW, p.ceil);
  DoubleTensor y(N, C, oH, oW);
  LongTensor ind(N, C, oH, oW);
  for (index_t n = 0; n < N; ++n)
    for (index_t c = 0; c < C; ++c)
      for (index_t i = 0; i < oH; ++i)
        for (index_t j = 0; j < oW; ++j) {
          double m = -std::numeric_limits<double>::infinity();
          index_t best = -1;
          for (index_t h = i * p.dH - p.padH; h < i * p.dH - p.padH + p.kH; ++h)
            for (index_t w = j * p.dW - p.padW; w < j * p.dW - p.padW + p.kW; ++w) {
              if (h < 0 || h >= H || w < 0 || w >= W) continue;
              if (best < 0 || x(n, c, h, w) > m || std::isnan(x(n, c, h, w))) {
                m = x(n, c, h, w);
                best = h * W + w;
              }
            }
          y(n, c, i, j) = m;
          ind(n, c, i, j) = best;
        }
  if (x3or4.dim() == 3) return {y.select(0, 0), ind.select(0, 0)};
  return {y, ind};
}

/// Naive average pooling with THNN's divisor rules.
DoubleTensor naiveAvg(const DoubleTensor& x3or4, const Pool2d& p, bool countIncludePad) {
  const DoubleTensor x = as4d(x3or4);
  const index_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const index_t oH = refSize(H, p.kH, p.dH, p.padH, p.ceil), oW = refSize(W, p.kW, p.dW, p.padW, p.ceil);
  DoubleTensor y(N, C, oH, oW);
  for (index_t n = 0; n < N; ++n)
    for (index_t c = 0; c < C; ++c)
      for (index_t i = 0; i < oH; ++i)
        for (index_t j = 0; j < oW; ++j) {
          double s = 0;
          index_t inside = 0, padded = 0;
          for (index_t h = i * p.dH - p.padH; h < i * p.dH - p.padH + p.kH; ++h)
            for (index_t w = j * p.dW - p.padW; w < j * p.dW - p.padW + p.kW; ++w) {
              if (h >= H + p.padH || w >= W + p.padW) continue;  // beyond the padded input (ceil mode)
              ++padded;
              if (h < 0 || h >= H || w < 0 || w >= W) continue;
              ++inside;
              s += x(n, c, h, w);
            }
          y(n, c, i, j) = s / static_cast<double>(countIncludePad ? padded : inside);
        }
  return x3or4.dim() == 3 ? y.select(0, 0) : y;
}

/// Naive SpatialSubSampling.
DoubleTensor naiveSubSampling(const DoubleTensor& x3or4, const DoubleTensor& weight, const DoubleTensor& bias,
                              index_t kW, index_t kH, index_t dW, index_t dH) {
  const DoubleTensor x = as4d(x3or4);
  const index_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const index_t oH = (H - kH) / dH + 1, oW = (W - kW) / dW + 1;
  DoubleTensor y(N, C, oH, oW);
  for (index_t n = 0; n < N; ++n)
    for (index_t c = 0; c < C; ++c)
      for (index_t i = 0; i < oH; ++i)
        for (index_t j = 0; j < oW; ++j) {
          double s = 0;
          for (index_t h = 0; h < kH; ++h)
            for (index_t w = 0; w < kW; ++w) s += x(n, c, i * dH + h, j * dW + w);
          y(n, c, i, j) = weight(c) * s + bias(c);
        }
  return x3or4.dim() == 3 ? y.select(0, 0) : y;
}

/// Naive adaptive pooling (max or average), Torch7's float START_IND / END_IND.
DoubleTensor naiveAdaptive(const DoubleTensor& x3or4, index_t oW, index_t oH, bool isMax) {
  const DoubleTensor x = as4d(x3or4);
  const index_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  DoubleTensor y(N, C, oH, oW);
  for (index_t n = 0; n < N; ++n)
    for (index_t c = 0; c < C; ++c)
      for (index_t i = 0; i < oH; ++i)
        for (index_t j = 0; j < oW; ++j) {
          const auto h0 = static_cast<index_t>(std::floor(static_cast<float>(i * H) / static_cast<float>(oH)));
          const auto h1 = static_cast<index_t>(std::ceil(static_cast<float>((i + 1) * H) / static_cast<float>(oH)));
          const auto w0 = static_cast<index_t>(std::floor(static_cast<float>(j * W) / static_cast<float>(oW)));
          const auto w1 = static_cast<index_t>(std::ceil(static_cast<float>((j + 1) * W) / static_cast<float>(oW)));
          double m = -std::numeric_limits<double>::infinity(), s = 0;
          for (index_t h = h0; h < h1; ++h)
            for (index_t w = w0; w < w1; ++w) {
              m = std::max(m, x(n, c, h, w));
              s += x(n, c, h, w);
            }
          y(n, c, i, j) = isMax ? m : s / static_cast<double>((h1 - h0) * (w1 - w0));
        }
  return x3or4.dim() == 3 ? y.select(0, 0) : y;
}

/// Naive Lp pooling: (sum x^p)^(1/p).
DoubleTensor naiveLP(const DoubleTensor& x3or4, double p, index_t kW, index_t kH, index_t dW, index_t dH) {
  const DoubleTensor x = as4d(x3or4);
  const index_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const index_t oH = (H - kH) / dH + 1, oW = (W - kW) / dW + 1;
  DoubleTensor y(N, C, oH, oW);
  for (index_t n = 0; n < N; ++n)
    for (index_t c = 0; c < C; ++c)
      for (index_t i = 0; i < oH; ++i)
        for (index_t j = 0; j < oW; ++j) {
          double s = 0;
          for (index_t h = 0; h < kH; ++h)
            for (index_t w = 0; w < kW; ++w) s += std::pow(x(n, c, i * dH + h, j * dW + w), p);
          y(n, c, i, j) = std::pow(s, 1 / p);
        }
  return x3or4.dim() == 3 ? y.select(0, 0) : y;
}

/// A 5-D view of a 4-D or 5-D input.
DoubleTensor as5d(const DoubleTensor& x) { return x.dim() == 4 ? x.unsqueeze(0) : x; }

/// Naive volumetric max (with padding and ceil mode) or average (no padding) pooling.
std::pair<DoubleTensor, LongTensor> naiveVolumetric(const DoubleTensor& x4or5, index_t kT, index_t kW, index_t kH,
                                                    index_t dT, index_t dW, index_t dH, index_t pT, index_t pW,
                                                    index_t pH, bool ceilMode, bool isMax) {
  const DoubleTensor x = as5d(x4or5);
  const index_t N = x.size(0), C = x.size(1), T = x.size(2), H = x.size(3), W = x.size(4);
  const index_t oT = refSize(T, kT, dT, pT, ceilMode), oH = refSize(H, kH, dH, pH, ceilMode),
                oW = refSize(W, kW, dW, pW, ceilMode);
  DoubleTensor y(N, C, oT, oH, oW);
  LongTensor ind(N, C, oT, oH, oW);
  for (index_t n = 0; n < N; ++n)
    for (index_t c = 0; c < C; ++c)
      for (index_t a = 0; a < oT; ++a)
        for (index_t i = 0; i < oH; ++i)
          for (index_t j = 0; j < oW; ++j) {
            double m = 0, s = 0;
            index_t best = -1, count = 0;
            for (index_t t = a * dT - pT; t < a * dT - pT + kT; ++t)
              for (index_t h = i * dH - pH; h < i * dH - pH + kH; ++h)
                for (index_t w = j * dW - pW; w < j * dW - pW + kW; ++w) {
                  if (t < 0 || t >= T || h < 0 || h >= H || w < 0 || w >= W) continue;
                  const double v = x(n, c, t, h, w);
                  s += v;
                  ++count;
                  if (best < 0 || v > m) {
                    m = v;
                    best = (t * H + h) * W + w;
                  }
                }
            y(n, c, a, i, j) = isMax ? m : s / static_cast<double>(count);
            ind(n, c, a, i, j) = best;
          }
  if (x4or5.dim() == 4) return {y.select(0, 0), ind.select(0, 0)};
  return {y, ind};
}

}  // namespace

// ---- SpatialMaxPooling ---------------------------------------------------------------------------

TEST_CASE("nn pooling: SpatialMaxPooling forward by hand, ties and NaN") {
  nn::SpatialMaxPooling<double> pool(2, 2);
  const DoubleTensor x{{{1, 5, 2, 0}, {3, 4, 8, 1}, {0, 0, 2, 2}, {-1, 6, 2, 2}}};
  CHECK(equal(pool.forward(x), DoubleTensor{{{5, 8}, {6, 2}}}));
  // 0-based positions h * W + w in the plane; ties keep the first maximum (Torch7's '>').
  CHECK(equal(pool.indices, LongTensor{{{1, 6}, {13, 10}}}));
  CHECK(pool.iheight == 4);
  CHECK(pool.iwidth == 4);
  // Backward scatters through the indices.
  const DoubleTensor& gi = pool.backward(x, DoubleTensor{{{1, 2}, {3, 4}}});
  CHECK(equal(gi, DoubleTensor{{{0, 1, 0, 0}, {0, 0, 2, 0}, {0, 0, 4, 0}, {0, 3, 0, 0}}}));

  // Overlapping windows (3x3 step 1): the first 9 wins all four windows (the second 9, in three
  // of them, is a tie) and gets all four gradients.
  nn::SpatialMaxPooling<double> overlap(3, 3, 1, 1);
  const DoubleTensor y{{{0, 1, 2, 3}, {4, 9, 9, 5}, {6, 7, 8, 1}, {2, 3, 4, 5}}};
  CHECK(equal(overlap.forward(y), DoubleTensor{{{9, 9}, {9, 9}}}));
  CHECK(equal(overlap.indices, LongTensor{{{5, 5}, {5, 5}}}));
  CHECK(equal(overlap.backward(y, DoubleTensor{{{1, 2}, {3, 4}}}),
              DoubleTensor{{{0, 0, 0, 0}, {0, 10, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}}}));

  // A NaN wins its window, as in Torch7.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  DoubleTensor z{{{1, nan}, {3, 2}}};
  nn::SpatialMaxPooling<double> p2(2, 2);
  CHECK(std::isnan(p2.forward(z)(0, 0, 0)));
  CHECK(p2.indices(0, 0, 0) == 1);

  // Padding: padded positions never win; ceil mode adds the partial last window.
  nn::SpatialMaxPooling<double> padded(3, 3, 2, 2, 1, 1);
  const DoubleTensor w{{{-1, -2, -3}, {-4, -5, -6}, {-7, -8, -9}}};
  CHECK(equal(padded.forward(w), DoubleTensor{{{-1, -2}, {-4, -5}}}));
  nn::SpatialMaxPooling<double> ceil(2, 2);
  ceil.ceil();
  CHECK(equal(ceil.forward(w), DoubleTensor{{{-1, -3}, {-7, -9}}}));
  CHECK(equal(ceil.indices, LongTensor{{{0, 2}, {6, 8}}}));
  ceil.floor();
  CHECK(equal(ceil.forward(w), full<double>({1, 1, 1}, -1.0)));
}

TEST_CASE("nn pooling: SpatialMaxPooling matches the naive reference on random shapes") {
  Generator gen(7);
  for (int trial = 0; trial < 60; ++trial) {
    const index_t kW = 1 + gen.random() % 4, kH = 1 + gen.random() % 4;
    const index_t dW = 1 + gen.random() % 3, dH = 1 + gen.random() % 3;
    const index_t padW = gen.random() % (kW / 2 + 1), padH = gen.random() % (kH / 2 + 1);
    const bool ceilMode = trial % 2 == 1;
    const index_t H = kH + gen.random() % 6, W = kW + gen.random() % 6, C = 1 + gen.random() % 3;
    const bool batch = trial % 3 != 0;
    DoubleTensor x = batch ? randn<double>(gen, {2, C, H, W}) : randn<double>(gen, {C, H, W});
    if (trial % 4 == 3) x = transposedLast2(x);
    INFO("trial " << trial << " k " << kW << "x" << kH << " d " << dW << "," << dH << " pad " << padW << "," << padH
                  << " ceil " << ceilMode << " input " << x.sizes().toString());
    nn::SpatialMaxPooling<double> pool(kW, kH, dW, dH, padW, padH);
    if (ceilMode) pool.ceil();
    const auto [y, ind] = naiveMax(x, Pool2d{kW, kH, dW, dH, padW, padH, ceilMode});
    REQUIRE(equal(pool.forward(x), y));
    REQUIRE(equal(pool.indices, ind));
  }
}

// Rows of at least one vector of outputs go through the gathered, branch-free kernel
// (kernels/pooling.hpp, maxPoolColumns) where their windows lie inside the input; the rest of
// the row through the scalar loop. Small integers make ties common, and NaNs are sprinkled in:
// the winner must be the scalar loop's (the first maximum, or the last NaN), in float and double.
TEMPLATE_TEST_CASE("nn pooling: SpatialMaxPooling on wide rows, ties and NaNs, float and double", "", float, double) {
  Generator gen(17);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (int trial = 0; trial < 40; ++trial) {
    const index_t kW = 1 + gen.random() % 5, kH = 1 + gen.random() % 4;
    const index_t dW = 1 + gen.random() % 4, dH = 1 + gen.random() % 3;
    const index_t padW = gen.random() % (kW / 2 + 1), padH = gen.random() % (kH / 2 + 1);
    const bool ceilMode = trial % 2 == 1;
    const index_t H = kH + gen.random() % 5, W = 40 + gen.random() % 90, C = 1 + gen.random() % 2;
    DoubleTensor x = floor(randn<double>(gen, {2, C, H, W}) * 2.0);
    if (trial % 3 == 0)
      for (int i = 0; i < 12; ++i) x(0, 0, static_cast<index_t>(gen.random() % H), static_cast<index_t>(gen.random() % W)) = nan;
    INFO("trial " << trial << " k " << kW << "x" << kH << " d " << dW << "," << dH << " pad " << padW << "," << padH
                  << " ceil " << ceilMode << " input " << x.sizes().toString());
    nn::SpatialMaxPooling<TestType> pool(kW, kH, dW, dH, padW, padH);
    if (ceilMode) pool.ceil();
    const auto [want, ind] = naiveMax(x, Pool2d{kW, kH, dW, dH, padW, padH, ceilMode});
    const DoubleTensor got = pool.forward(x.to<TestType>()).toDouble();
    REQUIRE(equal(pool.indices, ind));
    REQUIRE(equal(ne(got, got), ne(want, want)));
    CHECK(equal(DoubleTensor(where(ne(got, got), 0.0, got)), DoubleTensor(where(ne(want, want), 0.0, want))));
  }
}

TEST_CASE("nn pooling: SpatialMaxPooling Jacobian, single and batch, overlapping, padded, ceil") {
  Generator gen(11);
  {
    nn::SpatialMaxPooling<double> m(2, 2);
    CHECK(nn::Jacobian::testJacobian(m, distinct(gen, {2, 4, 6})) < 1e-6);
    CHECK(nn::Jacobian::testJacobian(m, distinct(gen, {2, 2, 5, 4})) < 1e-6);
  }
  {
    nn::SpatialMaxPooling<double> m(3, 2, 1, 2, 1, 1);  // overlapping in W, padded
    m.ceil();
    CHECK(nn::Jacobian::testJacobian(m, distinct(gen, {2, 5, 6})) < 1e-6);
    CHECK(nn::Jacobian::testJacobian(m, transposedLast2(distinct(gen, {2, 2, 5, 4}))) < 1e-6);
  }
}

// ---- SpatialAveragePooling ----------------------------------------------------------------------

TEST_CASE("nn pooling: SpatialAveragePooling forward by hand, padding divisors, divide") {
  const DoubleTensor x{{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}}};
  nn::SpatialAveragePooling<double> a(2, 2);  // step 1 by default
  CHECK(equal(a.forward(x), DoubleTensor{{{3, 4}, {6, 7}}}));
  CHECK(equal(a.backward(x, DoubleTensor{{{4, 8}, {12, 16}}}),
              DoubleTensor{{{1, 3, 2}, {4, 10, 6}, {3, 7, 4}}}));

  // Padding 1, 3x3 window, step 2: the corner window holds 4 inputs of 9 positions.
  nn::SpatialAveragePooling<double> p(3, 3, 2, 2, 1, 1);
  CHECK(allclose(p.forward(x), DoubleTensor{{{12.0 / 9, 16.0 / 9}, {24.0 / 9, 28.0 / 9}}}));
  p.setCountExcludePad();
  CHECK(!p.count_include_pad);
  CHECK(allclose(p.forward(x), DoubleTensor{{{3, 4}, {6, 7}}}));
  p.setCountIncludePad();
  CHECK(p.count_include_pad);

  // divide = false (Torch7's old models): sums.
  nn::SpatialAveragePooling<double> s(2, 2, 1, 1);
  s.divide = false;
  CHECK(equal(s.forward(x), DoubleTensor{{{12, 16}, {24, 28}}}));
  CHECK(equal(s.backward(x, DoubleTensor{{{1, 0}, {0, 0}}}), DoubleTensor{{{1, 1, 0}, {1, 1, 0}, {0, 0, 0}}}));

  // Ceil mode: the last window is clipped at the input: divided by its 2 or 1 elements.
  nn::SpatialAveragePooling<double> c(2, 2, 2, 2);
  c.ceil();
  CHECK(equal(c.forward(x), DoubleTensor{{{3, 4.5}, {7.5, 9}}}));
}

TEST_CASE("nn pooling: SpatialAveragePooling matches the naive reference on random shapes") {
  Generator gen(5);
  for (int trial = 0; trial < 60; ++trial) {
    const index_t kW = 1 + gen.random() % 4, kH = 1 + gen.random() % 4;
    const index_t dW = 1 + gen.random() % 3, dH = 1 + gen.random() % 3;
    const index_t padW = gen.random() % (kW / 2 + 1), padH = gen.random() % (kH / 2 + 1);
    const bool ceilMode = trial % 2 == 1, include = trial % 4 < 2;
    const index_t H = kH + gen.random() % 6, W = kW + gen.random() % 6, C = 1 + gen.random() % 3;
    DoubleTensor x = trial % 3 ? randn<double>(gen, {2, C, H, W}) : randn<double>(gen, {C, H, W});
    if (trial % 5 == 4) x = transposedLast2(x);
    INFO("trial " << trial << " k " << kW << "x" << kH << " d " << dW << "," << dH << " pad " << padW << "," << padH
                  << " ceil " << ceilMode << " include " << include);
    nn::SpatialAveragePooling<double> pool(kW, kH, dW, dH, padW, padH);
    if (ceilMode) pool.ceil();
    if (!include) pool.setCountExcludePad();
    REQUIRE(maxAbsDiff(pool.forward(x), naiveAvg(x, Pool2d{kW, kH, dW, dH, padW, padH, ceilMode}, include)) <
            1e-12);
  }
}

TEST_CASE("nn pooling: SpatialAveragePooling Jacobian in every mode") {
  Generator gen(3);
  for (int mode = 0; mode < 4; ++mode) {
    nn::SpatialAveragePooling<double> m(3, 2, 2, 1, 1, 1);
    if (mode & 1) m.ceil();
    if (mode & 2) m.setCountExcludePad();
    CHECK(nn::Jacobian::testJacobian(m, randn<double>(gen, {2, 5, 4})) < 1e-6);
    CHECK(nn::Jacobian::testJacobian(m, transposedLast2(randn<double>(gen, {2, 2, 4, 5}))) < 1e-6);
  }
  nn::SpatialAveragePooling<double> nodiv(2, 2);
  nodiv.divide = false;
  CHECK(nn::Jacobian::testJacobian(nodiv, randn<double>(gen, {2, 3, 3})) < 1e-6);
}

// ---- SpatialSubSampling -------------------------------------------------------------------------

TEST_CASE("nn pooling: SpatialSubSampling forward by hand and against the naive reference") {
  nn::SpatialSubSampling<double> s(2, 2, 2, 2, 2);
  s.weight.copy(DoubleTensor{2, -1});
  s.bias.copy(DoubleTensor{0.5, 1});
  const DoubleTensor x{{{1, 2}, {3, 4}}, {{1, 1}, {1, 1}}};
  CHECK(equal(s.forward(x), DoubleTensor{20.5, -3}.view(2, 1, 1)));
  CHECK(equal(s.backward(x, DoubleTensor{1, 2}.view(2, 1, 1)), DoubleTensor{{{2, 2}, {2, 2}}, {{-2, -2}, {-2, -2}}}));
  CHECK(equal(s.gradWeight, DoubleTensor{10, 8}));
  CHECK(equal(s.gradBias, DoubleTensor{1, 2}));

  Generator gen(9);
  for (int trial = 0; trial < 30; ++trial) {
    const index_t kW = 1 + gen.random() % 3, kH = 1 + gen.random() % 3, dW = 1 + gen.random() % 3,
                  dH = 1 + gen.random() % 3, C = 1 + gen.random() % 3;
    const index_t H = kH + gen.random() % 5, W = kW + gen.random() % 5;
    nn::SpatialSubSampling<double> m(C, kW, kH, dW, dH);
    DoubleTensor x = trial % 2 ? randn<double>(gen, {3, C, H, W}) : randn<double>(gen, {C, H, W});
    if (trial % 3 == 2) x = transposedLast2(x);
    INFO("trial " << trial);
    REQUIRE(maxAbsDiff(m.forward(x), naiveSubSampling(x, m.weight, m.bias, kW, kH, dW, dH)) < 1e-12);
  }
  // Reset draws in +-1/sqrt(kW kH).
  nn::SpatialSubSampling<double> big(500, 2, 8);
  CHECK(max(abs(big.weight)) <= 0.25);
  CHECK(max(abs(big.bias)) <= 0.25);
  CHECK(max(abs(big.weight)) > 0.2);
  big.reset(0.01);
  CHECK(max(abs(big.weight)) <= 0.01 * std::sqrt(3.0) + 1e-12);
}

TEST_CASE("nn pooling: SpatialSubSampling Jacobians, parameters and scale") {
  Generator gen(21);
  for (auto [kW, kH, dW, dH] : {std::tuple<index_t, index_t, index_t, index_t>{2, 2, 2, 2}, {3, 2, 1, 2}, {2, 3, 3, 1}}) {
    nn::SpatialSubSampling<double> m(2, kW, kH, dW, dH);
    CHECK(nn::Jacobian::testJacobian(m, randn<double>(gen, {2, 6, 5})) < 1e-6);
    CHECK(nn::Jacobian::testJacobian(m, transposedLast2(randn<double>(gen, {2, 2, 5, 6}))) < 1e-6);
    CHECK(nn::Jacobian::testJacobianParameters(m, randn<double>(gen, {2, 6, 5})) < 1e-6);
    CHECK(nn::Jacobian::testJacobianParameters(m, randn<double>(gen, {3, 2, 5, 6})) < 1e-6);
  }
  // accGradParameters accumulates scale times the gradient.
  nn::SpatialSubSampling<double> m(3, 2, 2, 2, 2);
  const DoubleTensor x = randn<double>(gen, {4, 3, 6, 6}), gy = randn<double>(gen, {4, 3, 3, 3});
  m.zeroGradParameters();
  m.forward(x);
  m.backward(x, gy, 1.0);
  const DoubleTensor gw1 = m.gradWeight.clone(), gb1 = m.gradBias.clone();
  m.accGradParameters(x, gy, 0.5);
  CHECK(maxAbsDiff(m.gradWeight, DoubleTensor(gw1 * 1.5)) < 1e-12);
  CHECK(maxAbsDiff(m.gradBias, DoubleTensor(gb1 * 1.5)) < 1e-12);
  // ... into non-contiguous gradients too (stride-2 views).
  DoubleTensor wide(3, 2);
  wide.zero();
  m.gradWeight = wide.select(1, 0);
  m.gradBias = wide.select(1, 1);
  REQUIRE(!m.gradWeight.isContiguous());
  m.accGradParameters(x, gy, 2.0);
  CHECK(maxAbsDiff(m.gradWeight, DoubleTensor(gw1 * 2.0)) < 1e-12);
  CHECK(maxAbsDiff(m.gradBias, DoubleTensor(gb1 * 2.0)) < 1e-12);
}

// The kernels sum windows through a row of column sums, a chunk of output columns at a time
// (kernels/pooling.hpp, 512 input columns per chunk); windows wider than a chunk take a direct
// loop. Rows of 1301 columns cross chunk boundaries; forward, backward and the parameter
// gradients are checked against loops over each window.
TEST_CASE("nn pooling: SpatialSubSampling on rows wider than the kernels' chunk") {
  Generator gen(33);
  for (auto [kW, kH, dW, dH] : {std::tuple<index_t, index_t, index_t, index_t>{5, 5, 4, 4}, {3, 3, 3, 3}, {2, 3, 1, 2},
                                {530, 2, 7, 1}, {1, 1, 1, 1}}) {
    INFO("kW " << kW << " kH " << kH << " dW " << dW << " dH " << dH);
    const index_t N = 2, C = 2, H = kH + 3, W = 1301;
    const index_t oH = (H - kH) / dH + 1, oW = (W - kW) / dW + 1;
    nn::SpatialSubSampling<double> m(C, kW, kH, dW, dH);
    const DoubleTensor x = randn<double>(gen, {N, C, H, W}), gy = randn<double>(gen, {N, C, oH, oW});
    REQUIRE(maxAbsDiff(m.forward(x), naiveSubSampling(x, m.weight, m.bias, kW, kH, dW, dH)) < 1e-10);
    DoubleTensor gx = zeros<double>(N, C, H, W), gw = zeros<double>(C), gb = zeros<double>(C);
    for (index_t n = 0; n < N; ++n)
      for (index_t c = 0; c < C; ++c)
        for (index_t i = 0; i < oH; ++i)
          for (index_t j = 0; j < oW; ++j) {
            const double g = gy(n, c, i, j);
            double sum = 0;
            for (index_t h = 0; h < kH; ++h)
              for (index_t w = 0; w < kW; ++w) {
                gx(n, c, i * dH + h, j * dW + w) += m.weight(c) * g;
                sum += x(n, c, i * dH + h, j * dW + w);
              }
            gw(c) += g * sum;
            gb(c) += g;
          }
    m.zeroGradParameters();
    CHECK(maxAbsDiff(m.backward(x, gy), gx) < 1e-10);
    CHECK(maxAbsDiff(m.gradWeight, gw) < 1e-8);
    CHECK(maxAbsDiff(m.gradBias, gb) < 1e-9);
  }
}

// ---- adaptive pooling -----------------------------------------------------------------------------

TEST_CASE("nn pooling: adaptive pooling windows, values and Jacobians") {
  const DoubleTensor x{{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}}};
  // 3 -> 2: windows [0, 2) and [1, 3) (floor(i n / o), ceil((i + 1) n / o)), overlapping.
  nn::SpatialAdaptiveMaxPooling<double> am(2, 2);
  CHECK(equal(am.forward(x), DoubleTensor{{{5, 6}, {8, 9}}}));
  CHECK(equal(am.indices, LongTensor{{{4, 5}, {7, 8}}}));
  nn::SpatialAdaptiveAveragePooling<double> aa(2, 2);
  CHECK(equal(aa.forward(x), DoubleTensor{{{3, 4}, {6, 7}}}));
  // Output larger than the input (3 -> 5 columns), non-square.
  nn::SpatialAdaptiveAveragePooling<double> up(5, 1);
  CHECK(equal(up.forward(x), DoubleTensor{{{4, 4.5, 5, 5.5, 6}}}));

  Generator gen(4);
  for (auto [oW, oH] : {std::pair<index_t, index_t>{2, 2}, {3, 1}, {4, 6}}) {
    for (int trial = 0; trial < 6; ++trial) {
      const index_t H = 1 + gen.random() % 7, W = 1 + gen.random() % 7;
      DoubleTensor in = trial % 2 ? randn<double>(gen, {2, 2, H, W}) : randn<double>(gen, {3, H, W});
      if (trial % 3 == 2) in = transposedLast2(in);
      nn::SpatialAdaptiveMaxPooling<double> mx(oW, oH);
      nn::SpatialAdaptiveAveragePooling<double> av(oW, oH);
      REQUIRE(equal(mx.forward(in), naiveAdaptive(in, oW, oH, true)));
      REQUIRE(maxAbsDiff(av.forward(in), naiveAdaptive(in, oW, oH, false)) < 1e-12);
    }
    nn::SpatialAdaptiveMaxPooling<double> mx(oW, oH);
    nn::SpatialAdaptiveAveragePooling<double> av(oW, oH);
    CHECK(nn::Jacobian::testJacobian(mx, distinct(gen, {2, 5, 4})) < 1e-6);
    CHECK(nn::Jacobian::testJacobian(mx, distinct(gen, {2, 2, 3, 5})) < 1e-6);
    CHECK(nn::Jacobian::testJacobian(av, randn<double>(gen, {2, 5, 4})) < 1e-6);
    CHECK(nn::Jacobian::testJacobian(av, transposedLast2(randn<double>(gen, {2, 2, 3, 5}))) < 1e-6);
  }
}

// ---- SpatialLPPooling -----------------------------------------------------------------------------

TEST_CASE("nn pooling: SpatialLPPooling values and Jacobians") {
  nn::SpatialLPPooling<double> l2(1, 2, 2, 2);
  const DoubleTensor x{{{3, 0, 1, 1}, {4, 0, 1, 1}}};
  CHECK(allclose(l2.forward(x), DoubleTensor{{{5, 2}}}));
  // Square -> sum -> Sqrt's gradient: x / out.
  CHECK(allclose(l2.backward(x, DoubleTensor{{{1, 2}}}), DoubleTensor{{{0.6, 0, 1, 1}, {0.8, 0, 1, 1}}}));
  // An all-zero window: Torch7's Sqrt gives gradient 0 there.
  const DoubleTensor z{{{0, 0}, {0, 0}}};
  nn::SpatialLPPooling<double> l2b(1, 2, 2, 2);
  CHECK(equal(l2b.forward(z), full<double>({1, 1, 1}, 0.0)));
  CHECK(equal(l2b.backward(z, full<double>({1, 1, 1}, 1.0)), z));

  Generator gen(8);
  for (double p : {1.0, 2.0, 3.0, 1.5}) {
    for (int trial = 0; trial < 4; ++trial) {
      const index_t kW = 1 + gen.random() % 3, kH = 1 + gen.random() % 3, dW = 1 + gen.random() % 2,
                    dH = 1 + gen.random() % 2;
      DoubleTensor in = rand<double>(gen, {2, 2, kH + 2, kW + 3}).add(0.1);
      if (trial % 2) in = transposedLast2(in);
      nn::SpatialLPPooling<double> m(2, p, kW, kH, dW, dH);
      INFO("p " << p << " trial " << trial);
      REQUIRE(maxAbsDiff(m.forward(in), naiveLP(in, p, kW, kH, dW, dH)) < 1e-12);
      CHECK(nn::Jacobian::testJacobian(m, in) < 1e-6);
      CHECK(nn::Jacobian::testJacobian(m, rand<double>(gen, {2, kH + 1, kW + 2}).add(0.1)) < 1e-6);
    }
  }
  // Default steps are the kernel sizes; no parameters.
  nn::SpatialLPPooling<double> d(3, 2, 3, 2);
  CHECK(d.dW == 3);
  CHECK(d.dH == 2);
  CHECK(d.parameters().weights.empty());
}

// ---- SpatialMaxUnpooling --------------------------------------------------------------------------

TEST_CASE("nn pooling: SpatialMaxUnpooling inverts its pooling module") {
  nn::SpatialMaxPooling<double> pool(2, 2);
  nn::SpatialMaxUnpooling<double> unpool(pool);
  const DoubleTensor x{{{1, 5, 2, 0, 7}, {3, 4, 8, 1, 7}, {0, 0, 2, 2, 7}, {-1, 6, 2, 3, 7}}};
  const DoubleTensor& y = pool.forward(x);
  const DoubleTensor& u = unpool.forward(y);
  CHECK(unpool.oheight == 4);
  CHECK(unpool.owidth == 5);  // the pooling module's input size, not 2 * 2
  CHECK(equal(u, DoubleTensor{{{0, 5, 0, 0, 0}, {0, 0, 8, 0, 0}, {0, 0, 0, 0, 0}, {0, 6, 0, 3, 0}}}));
  const DoubleTensor g = randn<double>({1, 4, 5});
  const DoubleTensor& gi = unpool.backward(y, g);
  CHECK(equal(gi, DoubleTensor{{{g(0, 0, 1), g(0, 1, 2)}, {g(0, 3, 1), g(0, 3, 3)}}}));
  CHECK(unpool.toString() == "nn.SpatialMaxUnpooling associated to nn.SpatialMaxPooling(2x2, 2,2)");

  // Jacobian with the indices of a batch forward fixed.
  Generator gen(12);
  pool.forward(distinct(gen, {2, 3, 4, 6}));
  CHECK(nn::Jacobian::testJacobian(unpool, randn<double>(gen, {2, 3, 2, 3})) < 1e-6);

  // In a network: link to the pooling module held by the container (stable address).
  nn::Sequential<double> net;
  net.add(nn::SpatialMaxPooling<double>(2, 2)).add(nn::Tanh<double>());
  net.add(nn::SpatialMaxUnpooling<double>(net.get(0)));
  const DoubleTensor in = distinct(gen, {2, 2, 4, 4});
  CHECK(nn::Jacobian::testJacobian(net, nn::Activity<double>(in)) < 1e-6);
  const DoubleTensor& out = net.forward(nn::Activity<double>(in)).tensor();
  CHECK(out.isSize(Shape{2, 2, 4, 4}));
  CHECK(sum(ne(out, 0.0)) == 16);  // one survivor per window

  // clone() keeps the pointer; conversion unlinks.
  auto c = unpool.clone();
  CHECK(c.pooling == &pool);
  auto f = unpool.toFloat();
  CHECK(f.pooling == nullptr);
  T7_REQUIRE_THROWS_WITH_ALL(f.forward(FloatTensor(1, 2, 2)), ValueError, "SpatialMaxUnpooling",
                             "no pooling module");
  CHECK(f.toString() == "nn.SpatialMaxUnpooling (no pooling module)");
}

TEST_CASE("nn pooling: SpatialMaxUnpooling errors") {
  nn::SpatialMaxPooling<double> overlapping(3, 3, 2, 2);
  T7_REQUIRE_THROWS_WITH_ALL(nn::SpatialMaxUnpooling<double>{overlapping}, ValueError, "SpatialMaxUnpooling",
                             "kernel must equal its stride", "nn.SpatialMaxPooling(3x3, 2,2)");
  nn::Sequential<double> net;
  net.add(nn::Tanh<double>());
  T7_REQUIRE_THROWS_WITH_ALL(nn::SpatialMaxUnpooling<double>{net.get(0)}, TypeError, "SpatialMaxUnpooling",
                             "nn.Tanh");
  nn::SpatialMaxPooling<double> pool(2, 2);
  nn::SpatialMaxUnpooling<double> unpool(pool);
  pool.forward(randn<double>({3, 4, 4}));
  T7_REQUIRE_THROWS_WITH_ALL(unpool.forward(randn<double>({3, 2, 3})), SizeError, "SpatialMaxUnpooling", "[3x2x3]",
                             "indices [3x2x2]");
  T7_REQUIRE_THROWS_WITH_ALL(unpool.forward(randn<double>({3, 2})), SizeError, "SpatialMaxUnpooling", "3-D");
  unpool.forward(pool.output);
  T7_REQUIRE_THROWS_WITH_ALL(unpool.backward(pool.output, randn<double>({3, 4, 5})), SizeError,
                             "SpatialMaxUnpooling", "gradOutput should be [3x4x4]", "[3x4x5]");
  pool.indices(1, 1, 1) = 16;  // corrupted: outside the 4x4 plane
  T7_REQUIRE_THROWS_WITH_ALL(unpool.forward(pool.output), IndexError, "SpatialMaxUnpooling", "4x4");
  T7_REQUIRE_THROWS_WITH_ALL(unpool.backward(pool.output, randn<double>({3, 4, 4})), IndexError,
                             "SpatialMaxUnpooling");
  pool.dW = 1;  // changed after linking
  T7_REQUIRE_THROWS_WITH_ALL(unpool.forward(pool.output), ValueError, "kernel must equal its stride");
}

// ---- TemporalMaxPooling ---------------------------------------------------------------------------

TEST_CASE("nn pooling: TemporalMaxPooling values, indices and Jacobians") {
  nn::TemporalMaxPooling<double> t(2);
  const DoubleTensor x{{1, 9}, {3, 2}, {0, 4}, {5, 4}, {7, 7}};
  CHECK(equal(t.forward(x), DoubleTensor{{3, 9}, {5, 4}}));
  CHECK(equal(t.indices, LongTensor{{1, 0}, {1, 0}}));  // offsets in the window; ties keep the first
  CHECK(equal(t.backward(x, DoubleTensor{{1, 2}, {3, 4}}), DoubleTensor{{0, 2}, {1, 0}, {0, 4}, {3, 0}, {0, 0}}));

  Generator gen(13);
  for (auto [kW, dW] : {std::pair<index_t, index_t>{3, 1}, {2, 3}, {1, 1}, {4, 2}}) {
    nn::TemporalMaxPooling<double> m(kW, dW);
    for (int trial = 0; trial < 4; ++trial) {
      const index_t T = kW + gen.random() % 5, F = 1 + gen.random() % 4;
      DoubleTensor in = trial % 2 ? randn<double>(gen, {2, T, F}) : randn<double>(gen, {T, F});
      if (trial >= 2) in = transposedLast2(in);
      const DoubleTensor y = m.forward(in);
      const index_t oT = (T - kW) / dW + 1;
      REQUIRE(y.size(y.dim() - 2) == oT);
      const DoubleTensor in3 = in.dim() == 2 ? in.unsqueeze(0) : in;
      const DoubleTensor y3 = y.dim() == 2 ? y.unsqueeze(0) : y;
      for (index_t b = 0; b < in3.size(0); ++b)
        for (index_t o = 0; o < oT; ++o)
          for (index_t f = 0; f < F; ++f) {
            double mx = in3(b, o * dW, f);
            for (index_t k = 1; k < kW; ++k) mx = std::max(mx, in3(b, o * dW + k, f));
            REQUIRE(y3(b, o, f) == mx);
          }
    }
    CHECK(nn::Jacobian::testJacobian(m, distinct(gen, {kW + 4, 3})) < 1e-6);
    CHECK(nn::Jacobian::testJacobian(m, transposedLast2(distinct(gen, {2, kW + 3, 2}))) < 1e-6);
  }
}

// ---- volumetric pooling ---------------------------------------------------------------------------

TEST_CASE("nn pooling: VolumetricMaxPooling and VolumetricAveragePooling against naive references") {
  Generator gen(17);
  for (int trial = 0; trial < 30; ++trial) {
    const index_t kT = 1 + gen.random() % 3, kW = 1 + gen.random() % 3, kH = 1 + gen.random() % 3;
    const index_t dT = 1 + gen.random() % 2, dW = 1 + gen.random() % 3, dH = 1 + gen.random() % 2;
    const index_t pT = gen.random() % (kT / 2 + 1), pW = gen.random() % (kW / 2 + 1), pH = gen.random() % (kH / 2 + 1);
    const bool ceilMode = trial % 2 == 1;
    const index_t T = kT + gen.random() % 3, H = kH + gen.random() % 4, W = kW + gen.random() % 4;
    DoubleTensor x = trial % 3 ? randn<double>(gen, {2, 2, T, H, W}) : randn<double>(gen, {2, T, H, W});
    if (trial % 4 == 3) x = transposedLast2(x);
    INFO("trial " << trial);
    nn::VolumetricMaxPooling<double> mp(kT, kW, kH, dT, dW, dH, pT, pW, pH);
    if (ceilMode) mp.ceil();
    const auto [y, ind] = naiveVolumetric(x, kT, kW, kH, dT, dW, dH, pT, pW, pH, ceilMode, true);
    REQUIRE(equal(mp.forward(x), y));
    REQUIRE(equal(mp.indices, ind));
    CHECK(mp.itime == T);
    nn::VolumetricAveragePooling<double> ap(kT, kW, kH, dT, dW, dH);
    const DoubleTensor ya = naiveVolumetric(x, kT, kW, kH, dT, dW, dH, 0, 0, 0, false, false).first;
    REQUIRE(maxAbsDiff(ap.forward(x), ya) < 1e-12);
  }
  nn::VolumetricMaxPooling<double> mp(2, 2, 2);
  CHECK(mp.dT == 2);
  CHECK(nn::Jacobian::testJacobian(mp, distinct(gen, {2, 4, 4, 5})) < 1e-6);
  nn::VolumetricMaxPooling<double> mo(3, 2, 3, 1, 1, 2, 1, 1, 1);
  mo.ceil();
  CHECK(nn::Jacobian::testJacobian(mo, distinct(gen, {2, 1, 4, 3, 4})) < 1e-6);
  nn::VolumetricAveragePooling<double> ap(2, 3, 2, 1, 2, 1);
  CHECK(nn::Jacobian::testJacobian(ap, randn<double>(gen, {2, 3, 5, 3})) < 1e-6);
  CHECK(nn::Jacobian::testJacobian(ap, transposedLast2(randn<double>(gen, {2, 1, 3, 3, 5}))) < 1e-6);
}

// ---- float, errors, printing, copies, containers --------------------------------------------------

TEST_CASE("nn pooling: float modules agree with double") {
  Generator gen(2);
  const DoubleTensor x = randn<double>(gen, {2, 3, 6, 7});
  const FloatTensor xf = x.toFloat();
  const double tol = 1e-5;
  CHECK(maxAbsDiff(nn::SpatialMaxPooling(3, 3, 2, 2, 1, 1).forward(xf), naiveMax(x, {3, 3, 2, 2, 1, 1, false}).first) <
        tol);
  CHECK(maxAbsDiff(nn::SpatialAveragePooling(2, 3).forward(xf), naiveAvg(x, {2, 3, 1, 1, 0, 0, false}, true)) < tol);
  nn::SpatialSubSampling<double> sd(3, 2, 2, 2, 2);
  auto sf = sd.toFloat();
  CHECK(maxAbsDiff(sf.forward(xf), sd.forward(x)) < tol);
  CHECK(maxAbsDiff(nn::SpatialAdaptiveMaxPooling(3, 2).forward(xf), naiveAdaptive(x, 3, 2, true)) < tol);
  CHECK(maxAbsDiff(nn::SpatialAdaptiveAveragePooling(3, 2).forward(xf), naiveAdaptive(x, 3, 2, false)) < tol);
  const DoubleTensor pos = abs(x) + 0.1;
  CHECK(maxAbsDiff(nn::SpatialLPPooling(3, 2, 2, 2).forward(pos.toFloat()), naiveLP(pos, 2, 2, 2, 2, 2)) < tol);
  CHECK(maxAbsDiff(nn::TemporalMaxPooling(2).forward(xf.select(0, 0)),
                   nn::TemporalMaxPooling<double>(2).forward(x.select(0, 0))) < tol);
  CHECK(maxAbsDiff(nn::VolumetricMaxPooling(2, 2, 2).forward(xf),
                   naiveVolumetric(x, 2, 2, 2, 2, 2, 2, 0, 0, 0, false, true).first) < tol);
  CHECK(maxAbsDiff(nn::VolumetricAveragePooling(2, 2, 2).forward(xf),
                   naiveVolumetric(x, 2, 2, 2, 2, 2, 2, 0, 0, 0, false, false).first) < tol);
}

TEST_CASE("nn pooling: errors name the module and the sizes") {
  // Constructor arguments.
  T7_REQUIRE_THROWS_WITH_ALL(nn::SpatialMaxPooling(3, 3, 1, 1, 2, 0), ValueError, "SpatialMaxPooling",
                             "pad should be at most half", "padW = 2", "kW = 3");
  T7_REQUIRE_THROWS_WITH_ALL(nn::SpatialMaxPooling(0, 2), ValueError, "SpatialMaxPooling", "positive");
  T7_REQUIRE_THROWS_WITH_ALL(nn::SpatialAveragePooling(2, 2, 1, 1, 0, 2), ValueError, "SpatialAveragePooling",
                             "padH = 2");
  T7_REQUIRE_THROWS_WITH_ALL(nn::SpatialAveragePooling(2, 2, 0, 1), ValueError, "positive");
  T7_REQUIRE_THROWS_WITH_ALL(nn::SpatialSubSampling(0, 2, 2), ValueError, "SpatialSubSampling", "nInputPlane");
  T7_REQUIRE_THROWS_WITH_ALL(nn::SpatialSubSampling(2, 2, -1), ValueError, "SpatialSubSampling", "positive");
  T7_REQUIRE_THROWS_WITH_ALL(nn::SpatialAdaptiveMaxPooling(0, 2), ValueError, "SpatialAdaptiveMaxPooling", "W = 0");
  T7_REQUIRE_THROWS_WITH_ALL(nn::SpatialAdaptiveAveragePooling(2, -1), ValueError, "H = -1");
  T7_REQUIRE_THROWS_WITH_ALL(nn::SpatialLPPooling(0, 2, 2, 2), ValueError, "SpatialLPPooling", "nInputPlane");
  T7_REQUIRE_THROWS_WITH_ALL(nn::SpatialLPPooling(2, -1, 2, 2), ValueError, "SpatialLPPooling", "pnorm");
  T7_REQUIRE_THROWS_WITH_ALL(nn::TemporalMaxPooling(0), ValueError, "TemporalMaxPooling", "positive");
  T7_REQUIRE_THROWS_WITH_ALL(nn::VolumetricMaxPooling(2, 2, 2, 1, 1, 1, 2, 0, 0), ValueError, "VolumetricMaxPooling",
                             "padT = 2");
  T7_REQUIRE_THROWS_WITH_ALL(nn::VolumetricAveragePooling(2, 0, 2), ValueError, "VolumetricAveragePooling");

  // Ranks.
  nn::SpatialMaxPooling<double> mp(2, 2);
  T7_REQUIRE_THROWS_WITH_ALL(mp.forward(DoubleTensor(4, 4)), SizeError, "SpatialMaxPooling", "3-D", "[4x4]");
  nn::SpatialAveragePooling<double> ap(2, 2);
  T7_REQUIRE_THROWS_WITH_ALL(ap.forward(DoubleTensor(1, 1, 1, 4, 4)), SizeError, "SpatialAveragePooling",
                             "[1x1x1x4x4]");
  nn::TemporalMaxPooling<double> tp(3);
  T7_REQUIRE_THROWS_WITH_ALL(tp.forward(DoubleTensor(4)), SizeError, "TemporalMaxPooling", "2-D", "[4]");
  nn::VolumetricMaxPooling<double> vp(2, 2, 2);
  T7_REQUIRE_THROWS_WITH_ALL(vp.forward(DoubleTensor(2, 4, 4)), SizeError, "VolumetricMaxPooling", "4-D",
                             "[2x4x4]");
  nn::VolumetricAveragePooling<double> va(2, 2, 2);
  T7_REQUIRE_THROWS_WITH_ALL(va.forward(DoubleTensor(2, 4, 4)), SizeError, "VolumetricAveragePooling", "[2x4x4]");

  // Too small.
  T7_REQUIRE_THROWS_WITH_ALL(mp.forward(DoubleTensor(2, 3, 1, 5)), SizeError, "SpatialMaxPooling", "[2x3x1x5]",
                             "too small", "[2x3x0x2]");
  T7_REQUIRE_THROWS_WITH_ALL(ap.forward(DoubleTensor(3, 5, 1)), SizeError, "SpatialAveragePooling", "too small");
  nn::SpatialSubSampling<double> ss(3, 3, 2);
  T7_REQUIRE_THROWS_WITH_ALL(ss.forward(DoubleTensor(3, 5, 2)), SizeError, "SpatialSubSampling", "[3x5x2]",
                             "smaller than the 3x2 kernel");
  T7_REQUIRE_THROWS_WITH_ALL(tp.forward(DoubleTensor(2, 2, 5)), SizeError, "TemporalMaxPooling", "2 frames",
                             "kernel width 3");
  T7_REQUIRE_THROWS_WITH_ALL(vp.forward(DoubleTensor(1, 1, 4, 4)), SizeError, "VolumetricMaxPooling", "too small");
  T7_REQUIRE_THROWS_WITH_ALL(va.forward(DoubleTensor(1, 1, 4, 4)), SizeError, "VolumetricAveragePooling",
                             "smaller than the 2x2x2 kernel");
  nn::SpatialLPPooling<double> lp(3, 2, 3, 3);
  T7_REQUIRE_THROWS_WITH_ALL(lp.forward(DoubleTensor(3, 2, 5)), SizeError, "SpatialLPPooling", "smaller");
  nn::SpatialAdaptiveMaxPooling<double> am(2, 2);
  T7_REQUIRE_THROWS_WITH_ALL(am.forward(DoubleTensor(3, 0, 5)), SizeError, "SpatialAdaptiveMaxPooling",
                             "non-empty", "[3x0x5]");

  // Plane counts.
  T7_REQUIRE_THROWS_WITH_ALL(ss.forward(DoubleTensor(2, 4, 5, 5)), SizeError, "SpatialSubSampling", "[Nx3xHxW]",
                             "[2x4x5x5]");
  T7_REQUIRE_THROWS_WITH_ALL(lp.forward(DoubleTensor(2, 5, 5)), SizeError, "SpatialLPPooling", "[3xHxW]");
  ss.weight = DoubleTensor(2);
  T7_REQUIRE_THROWS_WITH_ALL(ss.forward(DoubleTensor(3, 5, 5)), SizeError, "SpatialSubSampling", "weight [2]",
                             "nInputPlane = 3");

  // Pads changed after construction are checked at the call.
  mp.padW = 5;
  T7_REQUIRE_THROWS_WITH_ALL(mp.forward(DoubleTensor(1, 6, 6)), ValueError, "pad should be at most half");
  mp.padW = 0;

  // gradOutput shapes and missing forward.
  const DoubleTensor x = randn<double>({2, 4, 4});
  nn::SpatialMaxPooling<double> fresh(2, 2);
  T7_REQUIRE_THROWS_WITH_ALL(fresh.updateGradInput(x, DoubleTensor(2, 2, 2)), SizeError, "SpatialMaxPooling",
                             "run forward");
  fresh.forward(x);
  T7_REQUIRE_THROWS_WITH_ALL(fresh.backward(x, DoubleTensor(2, 2, 3)), SizeError, "SpatialMaxPooling",
                             "gradOutput should be [2x2x2]", "input [2x4x4]", "[2x2x3]");
  fresh.indices(0, 0, 0) = -1;
  T7_REQUIRE_THROWS_WITH_ALL(fresh.backward(x, DoubleTensor(2, 2, 2)), IndexError, "SpatialMaxPooling", "4x4");
  T7_REQUIRE_THROWS_WITH_ALL(ap.backward(x, DoubleTensor(2, 3, 2)), SizeError, "SpatialAveragePooling",
                             "gradOutput should be [2x3x3]");
  nn::SpatialSubSampling<double> s2(2, 2, 2, 2, 2);
  T7_REQUIRE_THROWS_WITH_ALL(s2.backward(x, DoubleTensor(2, 1, 2)), SizeError, "SpatialSubSampling",
                             "gradOutput should be [2x2x2]");
  T7_REQUIRE_THROWS_WITH_ALL(s2.accGradParameters(x, DoubleTensor(2, 1, 2)), SizeError, "SpatialSubSampling");
  T7_REQUIRE_THROWS_WITH_ALL(am.backward(x, DoubleTensor(2, 2, 2)), SizeError, "SpatialAdaptiveMaxPooling",
                             "run forward");
  nn::SpatialAdaptiveAveragePooling<double> aa(3, 1);
  T7_REQUIRE_THROWS_WITH_ALL(aa.backward(x, DoubleTensor(2, 3, 1)), SizeError, "SpatialAdaptiveAveragePooling",
                             "[2x1x3]");
  nn::SpatialLPPooling<double> lp2(2, 2, 2, 2);
  T7_REQUIRE_THROWS_WITH_ALL(lp2.backward(x, DoubleTensor(2, 2, 2)), SizeError, "SpatialLPPooling", "run forward");
  T7_REQUIRE_THROWS_WITH_ALL(lp2.backward(x, DoubleTensor(2, 2, 1)), SizeError, "SpatialLPPooling",
                             "gradOutput should be [2x2x2]");
  nn::TemporalMaxPooling<double> t2(2);
  t2.forward(DoubleTensor(4, 3).zero());
  T7_REQUIRE_THROWS_WITH_ALL(t2.backward(DoubleTensor(4, 3).zero(), DoubleTensor(3, 3)), SizeError,
                             "TemporalMaxPooling", "gradOutput should be [2x3]");
  t2.indices(0, 0) = 2;
  T7_REQUIRE_THROWS_WITH_ALL(t2.backward(DoubleTensor(4, 3).zero(), DoubleTensor(2, 3)), IndexError,
                             "TemporalMaxPooling", "window of 2 frames");
  nn::VolumetricMaxPooling<double> v2(2, 2, 2);
  const DoubleTensor xv = randn<double>({1, 2, 4, 4});
  v2.forward(xv);
  T7_REQUIRE_THROWS_WITH_ALL(v2.backward(xv, DoubleTensor(1, 1, 2, 1)), SizeError, "VolumetricMaxPooling",
                             "gradOutput should be [1x1x2x2]");
  v2.indices(0, 0, 0, 0) = 32;
  T7_REQUIRE_THROWS_WITH_ALL(v2.backward(xv, DoubleTensor(1, 1, 2, 2)), IndexError, "VolumetricMaxPooling",
                             "2x4x4");
  T7_REQUIRE_THROWS_WITH_ALL(va.backward(xv, DoubleTensor(1, 1, 2, 1)), SizeError, "VolumetricAveragePooling",
                             "gradOutput should be [1x1x2x2]");
}

TEST_CASE("nn pooling: toString as Torch7's __tostring__") {
  CHECK(nn::SpatialMaxPooling(2, 2).toString() == "nn.SpatialMaxPooling(2x2, 2,2)");
  CHECK(nn::SpatialMaxPooling(3, 2, 1, 2, 1, 0).toString() == "nn.SpatialMaxPooling(3x2, 1,2, 1,0)");
  CHECK(nn::SpatialAveragePooling(2, 2).toString() == "nn.SpatialAveragePooling(2x2, 1,1)");
  CHECK(nn::SpatialAveragePooling(3, 3, 2, 2, 1, 1).toString() == "nn.SpatialAveragePooling(3x3, 2,2, 1,1)");
  CHECK(nn::SpatialSubSampling(3, 2, 2).toString() == "nn.SpatialSubSampling");
  CHECK(nn::SpatialAdaptiveMaxPooling(4, 3).toString() == "nn.SpatialAdaptiveMaxPooling");
  CHECK(nn::SpatialAdaptiveAveragePooling(4, 3).toString() == "nn.SpatialAdaptiveAveragePooling");
  CHECK(nn::SpatialLPPooling(3, 2, 2, 2).toString() == "nn.SpatialLPPooling(p=2, 2x2, 2,2)");
  CHECK(nn::SpatialLPPooling(3, 1.5, 3, 2, 1, 1).toString() == "nn.SpatialLPPooling(p=1.5, 3x2, 1,1)");
  CHECK(nn::TemporalMaxPooling(2).toString() == "nn.TemporalMaxPooling");
  CHECK(nn::VolumetricMaxPooling(2, 3, 4).toString() == "nn.VolumetricMaxPooling(2x3x4, 2,3,4)");
  CHECK(nn::VolumetricMaxPooling(3, 3, 3, 1, 1, 1, 1, 0, 1).toString() ==
        "nn.VolumetricMaxPooling(3x3x3, 1,1,1, 1,0,1)");
  CHECK(nn::VolumetricAveragePooling(2, 2, 2, 1, 1, 1).toString() == "nn.VolumetricAveragePooling(2x2x2, 1,1,1)");
}

TEST_CASE("nn pooling: clone and toFloat keep every option") {
  nn::SpatialMaxPooling<double> mp(3, 2, 2, 1, 1, 1);
  mp.ceil();
  const auto mc = mp.clone();
  CHECK((mc.kW == 3 && mc.kH == 2 && mc.dW == 2 && mc.dH == 1 && mc.padW == 1 && mc.padH == 1 && mc.ceil_mode));
  const nn::SpatialMaxPooling<float> mf = mp.toFloat();
  CHECK((mf.kW == 3 && mf.padH == 1 && mf.ceil_mode));

  nn::SpatialAveragePooling<double> ap(3, 3, 2, 2, 1, 1);
  ap.ceil().setCountExcludePad();
  ap.divide = false;
  const nn::SpatialAveragePooling<float> af = ap.toFloat();
  CHECK((af.kW == 3 && af.padW == 1 && af.ceil_mode && !af.count_include_pad && !af.divide));
  const DoubleTensor x = randn<double>({2, 5, 6});
  CHECK(maxAbsDiff(ap.clone().forward(x), ap.forward(x)) == 0);

  nn::SpatialSubSampling<double> ss(2, 3, 2, 2, 1);
  const nn::SpatialSubSampling<float> sf = ss.toFloat();
  CHECK((sf.nInputPlane == 2 && sf.kW == 3 && sf.kH == 2 && sf.dW == 2 && sf.dH == 1));
  CHECK(maxAbsDiff(sf.weight, ss.weight.toFloat()) == 0);
  auto sc = ss.clone();
  sc.weight.fill(0);
  CHECK(max(abs(ss.weight)) > 0);  // deep copy

  nn::SpatialLPPooling<double> lp(3, 1.5, 3, 2, 1, 2);
  const nn::SpatialLPPooling<float> lf = lp.toFloat();
  CHECK((lf.nInputPlane == 3 && lf.pnorm == 1.5 && lf.kW == 3 && lf.dH == 2));
  const nn::SpatialAdaptiveMaxPooling<float> amf = nn::SpatialAdaptiveMaxPooling<double>(4, 3).toFloat();
  CHECK((amf.W == 4 && amf.H == 3));
  const nn::SpatialAdaptiveAveragePooling<float> aaf = nn::SpatialAdaptiveAveragePooling<double>(4, 3).toFloat();
  CHECK((aaf.W == 4 && aaf.H == 3));
  const nn::TemporalMaxPooling<float> tf = nn::TemporalMaxPooling<double>(3, 2).toFloat();
  CHECK((tf.kW == 3 && tf.dW == 2));
  nn::VolumetricMaxPooling<double> vm(3, 2, 4, 1, 2, 3, 1, 1, 2);
  vm.ceil();
  const nn::VolumetricMaxPooling<float> vf = vm.toFloat();
  CHECK((vf.kT == 3 && vf.kW == 2 && vf.kH == 4 && vf.dT == 1 && vf.dW == 2 && vf.dH == 3 && vf.padT == 1 &&
         vf.padW == 1 && vf.padH == 2 && vf.ceil_mode));
  const nn::VolumetricAveragePooling<float> vaf = nn::VolumetricAveragePooling<double>(3, 2, 4, 1, 2, 3).toFloat();
  CHECK((vaf.kT == 3 && vaf.kH == 4 && vaf.dW == 2 && vaf.dH == 3));

  // clearState empties the indices and buffers.
  mp.forward(transposedLast2(randn<double>({2, 6, 6})));
  CHECK(mp.inputBuffer.nElement() > 0);
  mp.clearState();
  CHECK(mp.indices.nElement() == 0);
  CHECK(mp.inputBuffer.nElement() == 0);
}

TEST_CASE("nn pooling: a Sequential of pooling modules passes the Jacobian check") {
  Generator gen(31);
  nn::Sequential<double> net;
  net.add(nn::SpatialSubSampling<double>(2, 2, 2, 1, 1))
      .add(nn::Tanh<double>())
      .add(nn::SpatialMaxPooling<double>(2, 2, 1, 1))
      .add(nn::SpatialAveragePooling<double>(2, 2, 1, 1, 1, 1))
      .add(nn::SpatialAdaptiveAveragePooling<double>(2, 3));
  const DoubleTensor x = randn<double>(gen, {2, 2, 7, 6});
  CHECK(net.forward(nn::Activity<double>(x)).tensor().isSize(Shape{2, 2, 3, 2}));
  CHECK(nn::Jacobian::testJacobian(net, nn::Activity<double>(x)) < 1e-6);
  CHECK(nn::Jacobian::testJacobianParameters(net, nn::Activity<double>(x)) < 1e-6);
  CHECK(nn::Jacobian::testJacobian(net, nn::Activity<double>(x.select(0, 1))) < 1e-6);

  nn::Sequential<double> lp;
  lp.add(nn::SpatialLPPooling<double>(2, 2, 2, 2, 1, 1)).add(nn::SpatialAdaptiveMaxPooling<double>(2, 2));
  CHECK(nn::Jacobian::testJacobian(lp, nn::Activity<double>(distinct(gen, {2, 5, 5}).add(1.5))) < 1e-6);
  CHECK(net.toString().find("nn.SpatialMaxPooling(2x2, 1,1)") != std::string::npos);
}

TEST_CASE("nn pooling: large inputs take the parallel paths with the same results") {
  Generator gen(41);
  const DoubleTensor x = randn<double>(gen, {4, 16, 32, 32});
  const DoubleTensor gy = randn<double>(gen, {4, 16, 16, 16});
  const int threads = getNumThreads();
  auto run = [&](int n) {
    setNumThreads(n);
    nn::SpatialMaxPooling<double> mp(2, 2);
    nn::SpatialAveragePooling<double> ap(2, 2, 2, 2);
    nn::SpatialSubSampling<double> ss(16, 2, 2, 2, 2);
    ss.weight.copy(range<double>(1, 16));
    ss.bias.copy(range<double>(-8, 7));
    ss.zeroGradParameters();
    std::vector<DoubleTensor> r;
    r.push_back(mp.forward(x).clone());
    r.push_back(mp.backward(x, gy).clone());
    r.push_back(ap.forward(x).clone());
    r.push_back(ap.backward(x, gy).clone());
    r.push_back(ss.forward(x).clone());
    r.push_back(ss.backward(x, gy, 0.5).clone());
    r.push_back(ss.gradWeight.clone());
    r.push_back(ss.gradBias.clone());
    return r;
  };
  const auto one = run(1);
  const auto many = run(std::max(threads, 4));
  setNumThreads(threads);
  for (std::size_t i = 0; i < one.size(); ++i) {
    INFO("result " << i);
    CHECK(equal(one[i], many[i]));
  }
  CHECK(equal(one[0], naiveMax(x, {2, 2, 2, 2, 0, 0, false}).first));
  CHECK(maxAbsDiff(one[2], naiveAvg(x, {2, 2, 2, 2, 0, 0, false}, true)) < 1e-12);
  // Average pooling is linear: <avg(x), g> = <x, avg'(g)>.
  CHECK(std::abs(sum(one[2] * gy) - sum(x * one[3])) < 1e-9);
}
