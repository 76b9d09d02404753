// nn spatial shape: SpatialZeroPadding, SpatialReflectionPadding, SpatialReplicationPadding,
// SpatialUpSamplingNearest, SpatialUpSamplingBilinear, SpatialDropout, VolumetricDropout,
// SpatialClassNLLCriterion, SpatialCrossEntropyCriterion; kernels/spatial_shape.hpp.
#include "helpers.hpp"

#include <algorithm>
#include <cmath>

#include "t7/kernels/spatial_shape.hpp"
#include "t7/nn.hpp"
#include "t7/nn/spatial_criterions.hpp"
#include "t7/nn/spatial_shape.hpp"

using namespace t7;

namespace {

using t7test::as4d;

/// The naive padding from the definition: out(n, c, i, j) = in(n, c, src(i), src(j)).
DoubleTensor naivePad(const DoubleTensor& input, index_t l, index_t r, index_t t, index_t b, int mode) {
  const DoubleTensor x = as4d(input);
  const index_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  const index_t oh = h + t + b, ow = w + l + r;
  auto src = [mode](index_t o, index_t before, index_t len) -> index_t {
    const index_t u = o - before;
    if (u >= 0 && u < len) return u;
    if (mode == 0) return -1;                                 // zeros
    if (mode == 1) return u < 0 ? -u : 2 * (len - 1) - u;    // reflection
    return std::clamp<index_t>(u, 0, len - 1);                // replication
  };
  DoubleTensor out(Shape{n, c, oh, ow});
  for (index_t a = 0; a < n; ++a)
    for (index_t k = 0; k < c; ++k)
      for (index_t i = 0; i < oh; ++i)
        for (index_t j = 0; j < ow; ++j) {
          const index_t si = src(i, t, h), sj = src(j, l, w);
          out(a, k, i, j) = si < 0 || sj < 0 ? 0.0 : x(a, k, si, sj);
        }
  return input.dim() == 4 ? out : out.select(0, 0);
}

DoubleTensor naiveNearest(const DoubleTensor& input, index_t s) {
  const DoubleTensor x = as4d(input);
  DoubleTensor out(Shape{x.size(0), x.size(1), x.size(2) * s, x.size(3) * s});
  for (index_t a = 0; a < out.size(0); ++a)
    for (index_t k = 0; k < out.size(1); ++k)
      for (index_t i = 0; i < out.size(2); ++i)
        for (index_t j = 0; j < out.size(3); ++j) out(a, k, i, j) = x(a, k, i / s, j / s);
  return input.dim() == 4 ? out : out.select(0, 0);
}

/// Align-corners bilinear sampling straight from the definition.
DoubleTensor naiveBilinear(const DoubleTensor& input, index_t oh, index_t ow) {
  const DoubleTensor x = as4d(input);
  const index_t h = x.size(2), w = x.size(3);
  DoubleTensor out(Shape{x.size(0), x.size(1), oh, ow});
  for (index_t a = 0; a < out.size(0); ++a)
    for (index_t k = 0; k < out.size(1); ++k)
      for (index_t i = 0; i < oh; ++i)
        for (index_t j = 0; j < ow; ++j) {
          const double sy = oh > 1 ? double(i) * double(h - 1) / double(oh - 1) : 0.0;
          const double sx = ow > 1 ? double(j) * double(w - 1) / double(ow - 1) : 0.0;
          const index_t y0 = std::min<index_t>(index_t(std::floor(sy)), h - 1);
          const index_t x0 = std::min<index_t>(index_t(std::floor(sx)), w - 1);
          const index_t y1 = std::min(y0 + 1, h - 1), x1 = std::min(x0 + 1, w - 1);
          const double ly = sy - double(y0), lx = sx - double(x0);
          out(a, k, i, j) = (1 - ly) * ((1 - lx) * x(a, k, y0, x0) + lx * x(a, k, y0, x1)) +
                            ly * ((1 - lx) * x(a, k, y1, x0) + lx * x(a, k, y1, x1));
        }
  return input.dim() == 4 ? out : out.select(0, 0);
}

/// A random [N x C x H x W] (or [C x H x W] when n == 0) tensor laid out with H and W swapped
/// in memory (a transposed view): non-contiguous.
DoubleTensor randnTransposed(index_t n, index_t c, index_t h, index_t w) {
  if (n == 0) return randn<double>({c, w, h}).transpose(1, 2);
  return randn<double>({n, c, w, h}).transpose(2, 3);
}

/// The naive spatial NLL: -sum w[t] x[n, t, y, x] [/ sum w[t]], skipping ignore.
double naiveNLL(const DoubleTensor& input, const LongTensor& target, const DoubleTensor& weights, bool sizeAverage,
                int64_t ignore = -100) {
  const DoubleTensor x = as4d(input);
  const LongTensor t = target.dim() == 3 ? target : target.unsqueeze(0);
  double loss = 0, total = 0;
  for (index_t a = 0; a < x.size(0); ++a)
    for (index_t i = 0; i < x.size(2); ++i)
      for (index_t j = 0; j < x.size(3); ++j) {
        const int64_t c = t(a, i, j);
        if (c == ignore) continue;
        const double w = weights.nElement() ? weights(c) : 1.0;
        loss -= w * x(a, c, i, j);
        total += w;
      }
  return sizeAverage && total != 0 ? loss / total : loss;
}

}  // namespace

// ---- padding ----------------------------------------------------------------------------------

TEST_CASE("nn spatial shape: padding forward values, hand-derived") {
  const DoubleTensor x{{{1, 2, 3}, {4, 5, 6}}};  // [1 x 2 x 3]
  nn::SpatialReflectionPadding<double> refl(2, 1, 1, 0);
  CHECK(equal(refl.forward(x), DoubleTensor{{{6, 5, 4, 5, 6, 5}, {3, 2, 1, 2, 3, 2}, {6, 5, 4, 5, 6, 5}}}));
  nn::SpatialReplicationPadding<double> repl(2, 1, 1, 0);
  CHECK(equal(repl.forward(x), DoubleTensor{{{1, 1, 1, 2, 3, 3}, {1, 1, 1, 2, 3, 3}, {4, 4, 4, 5, 6, 6}}}));
  nn::SpatialZeroPadding<double> zero(1);  // all four pads = 1
  CHECK(zero.pad_r == 1);
  CHECK(zero.pad_t == 1);
  CHECK(zero.pad_b == 1);
  CHECK(equal(zero.forward(x), DoubleTensor{{{0, 0, 0, 0, 0}, {0, 1, 2, 3, 0}, {0, 4, 5, 6, 0}, {0, 0, 0, 0, 0}}}));
  // Negative pads crop (BigDL's documented example of Torch7's module).
  nn::SpatialZeroPadding<double> crop(1, 0, -1, 0);
  const DoubleTensor x2{{{1, 2}, {3, 4}}, {{1, 2}, {3, 4}}};
  CHECK(equal(crop.forward(x2), DoubleTensor{{{0, 3, 4}}, {{0, 3, 4}}}));
  // Mixed: crop on the left, pad on the right.
  nn::SpatialZeroPadding<double> mixed(-2, 1, 0, -1);
  CHECK(equal(mixed.forward(x), DoubleTensor{{{3, 0}}}));
  // Reflection with negative pads reflects around the uncropped input.
  nn::SpatialReflectionPadding<double> rc(-1, 2, 0, 0);
  CHECK(equal(rc.forward(x), DoubleTensor{{{2, 3, 2, 1}, {5, 6, 5, 4}}}));
  // Batch: each sample padded alike; backward sums the copies.
  const DoubleTensor xb = DoubleTensor{{{{1, 2, 3}, {4, 5, 6}}}, {{{7, 8, 9}, {1, 2, 3}}}};  // [2x1x2x3]
  const DoubleTensor& yb = repl.forward(xb);
  CHECK(yb.sizes() == Shape{2, 1, 3, 6});
  CHECK(equal(yb.select(0, 1), DoubleTensor{{{7, 7, 7, 8, 9, 9}, {7, 7, 7, 8, 9, 9}, {1, 1, 1, 2, 3, 3}}}));
  const DoubleTensor& gb = repl.backward(xb, ones<double>({2, 1, 3, 6}));
  // Each input pixel's gradient counts the output pixels that copy it.
  CHECK(equal(gb.select(0, 0), DoubleTensor{{{6, 2, 4}, {3, 1, 2}}}));
  CHECK(equal(refl.backward(x, ones<double>({1, 3, 6})), DoubleTensor{{{1, 3, 2}, {2, 6, 4}}}));
}

TEST_CASE("nn spatial shape: padding against a naive reference, random shapes and pads") {
  manualSeed(11);
  for (int trial = 0; trial < 24; ++trial) {
    const index_t n = trial % 3 == 0 ? 0 : 1 + trial % 2, c = 1 + trial % 3;
    const index_t h = 2 + trial % 4, w = 3 + (trial * 7) % 4;
    const bool transposed = trial % 2 == 1;
    const DoubleTensor x = transposed ? randnTransposed(n, c, h, w)
                                      : (n == 0 ? randn<double>({c, h, w}) : randn<double>({n, c, h, w}));
    auto pick = [&](index_t size, int k) { return index_t((trial * 5 + k * 3) % (2 * size - 1)) - (size - 1); };
    const index_t l = pick(w, 1), r = pick(w, 2), t = pick(h, 3), b = pick(h, 4);
    INFO("trial " << trial << " x [" << x.sizes().toString() << "] pads " << l << " " << r << " " << t << " " << b);
    if (h + t + b < 1 || w + l + r < 1) continue;
    nn::SpatialZeroPadding<double> z(l, r, t, b);
    nn::SpatialReflectionPadding<double> f(l, r, t, b);
    nn::SpatialReplicationPadding<double> p(l, r, t, b);
    CHECK(maxAbsDiff(z.forward(x), naivePad(x, l, r, t, b, 0)) == 0);
    CHECK(maxAbsDiff(f.forward(x), naivePad(x, l, r, t, b, 1)) == 0);
    CHECK(maxAbsDiff(p.forward(x), naivePad(x, l, r, t, b, 2)) == 0);
    // The backward is the adjoint: <out(x), g> = <x, back(g)>.
    const DoubleTensor g = randn<double>(z.output.sizes());
    CHECK(std::abs(sum(z.output * g) - sum(x * z.backward(x, g))) < 1e-10);
    CHECK(std::abs(sum(f.output * g) - sum(x * f.backward(x, g))) < 1e-10);
    CHECK(std::abs(sum(p.output * g) - sum(x * p.backward(x, g))) < 1e-10);
  }
  // Float forward matches double.
  nn::SpatialReflectionPadding<float> ff(1, 2, 2, 1);
  const DoubleTensor xd = randn<double>({2, 2, 3, 4});
  const FloatTensor xf = xd.toFloat();
  CHECK(maxAbsDiff(ff.forward(xf).toDouble(), naivePad(xd, 1, 2, 2, 1, 1)) < 1e-6);
}

TEST_CASE("nn spatial shape: padding Jacobians, single sample and batch") {
  manualSeed(3);
  const DoubleTensor xs = randn<double>({2, 3, 4}), xb = randnTransposed(2, 2, 3, 3);
  nn::SpatialZeroPadding<double> z(1, 2, 0, 1), zc(-1, 1, 1, -2);
  nn::SpatialReflectionPadding<double> f(2, 1, 1, 2), fc(-1, 2, 2, -1);
  nn::SpatialReplicationPadding<double> p(3, 0, 2, 1), pc(1, -2, -1, 3);
  CHECK(nn::Jacobian::testJacobian(z, xs) < 1e-6);
  CHECK(nn::Jacobian::testJacobian(z, xb) < 1e-6);
  CHECK(nn::Jacobian::testJacobian(zc, xs) < 1e-6);
  CHECK(nn::Jacobian::testJacobian(f, xs) < 1e-6);
  CHECK(nn::Jacobian::testJacobian(f, xb) < 1e-6);
  CHECK(nn::Jacobian::testJacobian(fc, xs) < 1e-6);
  CHECK(nn::Jacobian::testJacobian(p, xs) < 1e-6);
  CHECK(nn::Jacobian::testJacobian(p, xb) < 1e-6);
  CHECK(nn::Jacobian::testJacobian(pc, xb) < 1e-6);
}

TEST_CASE("nn spatial shape: padding errors and strings") {
  nn::SpatialReflectionPadding<double> f(3, 1, 1, 1);
  T7_REQUIRE_THROWS_WITH_ALL(f.forward(randn<double>({1, 3, 3})), SizeError, "SpatialReflectionPadding",
                             "(l=3, r=1)", "less than the input width 3", "[1x3x3]");
  nn::SpatialReflectionPadding<double> fh(0, 0, 1, 2);
  T7_REQUIRE_THROWS_WITH_ALL(fh.forward(randn<double>({1, 2, 5})), SizeError, "SpatialReflectionPadding",
                             "(t=1, b=2)", "input height 2");
  nn::SpatialZeroPadding<double> z(-2, -1, 0, 0);
  T7_REQUIRE_THROWS_WITH_ALL(z.forward(randn<double>({2, 3, 3})), SizeError, "SpatialZeroPadding", "[2x3x3]",
                             "too small", "output would be 3x0");
  T7_REQUIRE_THROWS_WITH_ALL(z.forward(randn<double>({3, 3})), SizeError, "SpatialZeroPadding", "3-D", "got [3x3]");
  T7_REQUIRE_THROWS_WITH_ALL(z.forward(randn<double>({1, 1, 1, 3, 3})), SizeError, "SpatialZeroPadding",
                             "[1x1x1x3x3]");
  nn::SpatialReplicationPadding<double> p(1);
  T7_REQUIRE_THROWS_WITH_ALL(p.forward(DoubleTensor(Shape{2, 0, 3})), SizeError, "SpatialReplicationPadding",
                             "non-empty");
  const DoubleTensor x = randn<double>({2, 3, 3});
  p.forward(x);
  T7_REQUIRE_THROWS_WITH_ALL(p.backward(x, randn<double>({2, 5, 4})), SizeError, "SpatialReplicationPadding",
                             "gradOutput [2x5x4]", "output [2x5x5]");
  // Zero padding of an empty plane gives zeros; an empty batch gives an empty batch.
  nn::SpatialZeroPadding<double> z1(1);
  CHECK(equal(z1.forward(DoubleTensor(Shape{1, 0, 1})), zeros<double>({1, 2, 3})));
  CHECK(z1.forward(DoubleTensor(Shape{0, 2, 3, 3})).sizes() == Shape{0, 2, 5, 5});
  CHECK(nn::SpatialZeroPadding<double>(1, 2, 3, 4).toString() == "nn.SpatialZeroPadding(l=1, r=2, t=3, b=4)");
  CHECK(nn::SpatialReflectionPadding<double>(2, 2).toString() == "nn.SpatialReflectionPadding(l=2, r=2, t=2, b=2)");
  CHECK(nn::SpatialReplicationPadding<double>(1, 2, 3).toString() ==
        "nn.SpatialReplicationPadding(l=1, r=2, t=3, b=1)");
  auto cf = nn::SpatialReplicationPadding(1, -2, 3, 4);  // CTAD: float
  auto cd = cf.toDouble();
  CHECK(cd.pad_l == 1);
  CHECK(cd.pad_r == -2);
  CHECK(cd.pad_t == 3);
  CHECK(cd.pad_b == 4);
  CHECK(cf.clone().toString() == cf.toString());
}

// ---- up-sampling -------------------------------------------------------------------------------

TEST_CASE("nn spatial shape: SpatialUpSamplingNearest values, reference, Jacobian, errors") {
  nn::SpatialUpSamplingNearest<double> up(2);
  const DoubleTensor x{{{1, 2}, {3, 4}}};
  CHECK(equal(up.forward(x), DoubleTensor{{{1, 1, 2, 2}, {1, 1, 2, 2}, {3, 3, 4, 4}, {3, 3, 4, 4}}}));
  CHECK(equal(up.backward(x, ones<double>({1, 4, 4})), full<double>({1, 2, 2}, 4)));
  manualSeed(5);
  for (index_t s = 1; s <= 3; ++s) {
    nn::SpatialUpSamplingNearest<double> m(static_cast<double>(s));
    const DoubleTensor xb = randnTransposed(2, 3, 2, 3), xs = randn<double>({2, 3, 2});
    CHECK(equal(m.forward(xb), naiveNearest(xb, s)));
    CHECK(equal(m.forward(xs), naiveNearest(xs, s)));
    CHECK(nn::Jacobian::testJacobian(m, xs) < 1e-6);
    CHECK(nn::Jacobian::testJacobian(m, xb) < 1e-6);
  }
  nn::SpatialUpSamplingNearest<float> uf(3);
  const DoubleTensor xd = randn<double>({2, 2, 3, 2});
  CHECK(maxAbsDiff(uf.forward(xd.toFloat()).toDouble(), naiveNearest(xd, 3)) < 1e-6);
  T7_REQUIRE_THROWS_WITH_ALL(nn::SpatialUpSamplingNearest<double>(0.5), ValueError, "SpatialUpSamplingNearest",
                             "greater than 1");
  T7_REQUIRE_THROWS_WITH_ALL(nn::SpatialUpSamplingNearest<double>(2.5), ValueError, "SpatialUpSamplingNearest",
                             "must be integer", "2.5");
  T7_REQUIRE_THROWS_WITH_ALL(up.forward(randn<double>({4, 4})), SizeError, "SpatialUpSamplingNearest", "[4x4]");
  up.forward(x);
  T7_REQUIRE_THROWS_WITH_ALL(up.backward(x, randn<double>({1, 4, 3})), SizeError, "SpatialUpSamplingNearest",
                             "gradOutput [1x4x3]", "[1x4x4]");
  CHECK(up.toString() == "nn.SpatialUpSamplingNearest");
  auto f = nn::SpatialUpSamplingNearest(4);
  CHECK(f.toDouble().scale_factor == 4);
}

TEST_CASE("nn spatial shape: SpatialUpSamplingBilinear values, corners, reference, Jacobian") {
  nn::SpatialUpSamplingBilinear<double> up(2);
  const DoubleTensor x{{{1, 2}, {3, 4}}};
  // Align corners: out(y, x) = 1 + x/3 + 2y/3 on a 4 x 4 grid.
  DoubleTensor want(Shape{1, 4, 4});
  for (index_t i = 0; i < 4; ++i)
    for (index_t j = 0; j < 4; ++j) want(0, i, j) = 1 + double(j) / 3 + 2 * double(i) / 3;
  CHECK(maxAbsDiff(up.forward(x), want) < 1e-14);
  // The backward of a one at a corner lands on the input corner only.
  DoubleTensor g = zeros<double>({1, 4, 4});
  g(0, 3, 3) = 1;
  CHECK(equal(up.backward(x, g), DoubleTensor{{{0, 0}, {0, 1}}}));
  // Explicit sizes, up and down, corners kept; a single output row samples row 0.
  manualSeed(9);
  const struct {
    index_t oh, ow;
  } sizes[] = {{5, 7}, {2, 2}, {3, 2}, {1, 4}, {4, 1}, {6, 6}};
  for (auto s : sizes) {
    nn::SpatialUpSamplingBilinear<double> m(s.oh, s.ow);
    const DoubleTensor xb = randnTransposed(2, 2, 3, 4), xs = randn<double>({2, 4, 3});
    INFO("to " << s.oh << "x" << s.ow);
    const DoubleTensor& yb = m.forward(xb);
    CHECK(yb.sizes() == Shape{2, 2, s.oh, s.ow});
    CHECK(maxAbsDiff(yb, naiveBilinear(xb, s.oh, s.ow)) < 1e-12);
    CHECK(yb(1, 1, 0, 0) == xb(1, 1, 0, 0));
    if (s.oh > 1 && s.ow > 1) CHECK(std::abs(yb(1, 0, s.oh - 1, s.ow - 1) - xb(1, 0, 2, 3)) < 1e-12);
    CHECK(maxAbsDiff(m.forward(xs), naiveBilinear(xs, s.oh, s.ow)) < 1e-12);
    CHECK(nn::Jacobian::testJacobian(m, xs) < 1e-6);
    CHECK(nn::Jacobian::testJacobian(m, xb) < 1e-6);
  }
  nn::SpatialUpSamplingBilinear<double> s3(3);
  const DoubleTensor x3 = randn<double>({2, 1, 2, 3});
  CHECK(maxAbsDiff(s3.forward(x3), naiveBilinear(x3, 6, 9)) < 1e-12);
  CHECK(nn::Jacobian::testJacobian(s3, x3) < 1e-6);
  nn::SpatialUpSamplingBilinear<float> sf(2);
  CHECK(maxAbsDiff(sf.forward(x3.toFloat()).toDouble(), naiveBilinear(x3, 4, 6)) < 1e-5);
}

TEST_CASE("nn spatial shape: SpatialUpSamplingBilinear errors, strings, conversion") {
  T7_REQUIRE_THROWS_WITH_ALL(nn::SpatialUpSamplingBilinear<double>(0.0), ValueError, "SpatialUpSamplingBilinear",
                             "greater than 1");
  T7_REQUIRE_THROWS_WITH_ALL(nn::SpatialUpSamplingBilinear<double>(1.5), ValueError, "must be integer");
  T7_REQUIRE_THROWS_WITH_ALL(nn::SpatialUpSamplingBilinear<double>(0, 4), ValueError, "SpatialUpSamplingBilinear",
                             "0x4");
  nn::SpatialUpSamplingBilinear<double> up(2);
  T7_REQUIRE_THROWS_WITH_ALL(up.forward(randn<double>({2, 2})), SizeError, "SpatialUpSamplingBilinear", "[2x2]");
  T7_REQUIRE_THROWS_WITH_ALL(up.forward(DoubleTensor(Shape{1, 0, 3})), SizeError, "SpatialUpSamplingBilinear",
                             "greater than 0", "[1x0x3]");
  const DoubleTensor x = randn<double>({1, 2, 2});
  up.forward(x);
  T7_REQUIRE_THROWS_WITH_ALL(up.backward(x, randn<double>({1, 4, 5})), SizeError, "gradOutput [1x4x5]", "[1x4x4]");
  nn::SpatialUpSamplingBilinear<double> unset;
  T7_REQUIRE_THROWS_WITH_ALL(unset.forward(x), ValueError, "SpatialUpSamplingBilinear", "scale_factor");
  CHECK(up.toString() == "nn.SpatialUpSamplingBilinear(2)");
  auto sized = nn::SpatialUpSamplingBilinear(5, 7);  // CTAD: float
  CHECK(sized.toString() == "nn.SpatialUpSamplingBilinear(5, 7)");
  auto sd = sized.toDouble();
  CHECK(!sd.scale_factor);
  CHECK(sd.oheight == index_t{5});
  CHECK(sd.owidth == index_t{7});
  CHECK(up.clone().scale_factor == index_t{2});
  CHECK(up.toFloat().toString() == "nn.SpatialUpSamplingBilinear(2)");
}

// ---- dropout -----------------------------------------------------------------------------------

TEST_CASE("nn spatial shape: SpatialDropout masks whole planes at rate p, Torch7's scaling") {
  const double p = 0.3;
  nn::SpatialDropout<double> d(p);
  CHECK(d.toString() == "nn.SpatialDropout(0.300000)");
  manualSeed(21);
  const DoubleTensor x = full<double>({60, 50, 3, 2}, 2);
  const DoubleTensor& y = d.forward(x);
  REQUIRE(d.noise.sizes() == Shape{60, 50, 1, 1});
  // Each plane is all kept (x 1: no scaling in training) or all zero, as its noise says.
  const DoubleTensor planeMin = min(min(y, 3).values, 2).values, planeMax = max(max(y, 3).values, 2).values;
  CHECK(equal(planeMin, planeMax));
  CHECK(equal(planeMin, DoubleTensor(d.noise * 2.0)));
  const double dropped = static_cast<double>(sum(eq(d.noise, 0.0))) / 3000;
  CHECK(std::abs(dropped - p) < 0.04);
  // The backward masks with the same noise.
  const DoubleTensor go = randn<double>({60, 50, 3, 2});
  CHECK(equal(d.backward(x, go), DoubleTensor(go * d.noise.expand({60, 50, 3, 2}))));
  // Non-contiguous input and gradOutput.
  const DoubleTensor xt = randnTransposed(3, 4, 2, 3);
  const DoubleTensor& yt = d.forward(xt);
  CHECK(equal(yt, DoubleTensor(xt * d.noise.expand({3, 4, 2, 3}))));
  CHECK(equal(d.backward(xt, xt), yt));
  // A single sample: noise [C x 1 x 1]. Same seed, same mask.
  manualSeed(4);
  const DoubleTensor xs = randn<double>({5, 2, 2});
  const DoubleTensor first = d.forward(xs).clone();
  CHECK(d.noise.sizes() == Shape{5, 1, 1});
  manualSeed(4);
  (void)randn<double>({5, 2, 2});
  CHECK(equal(d.forward(xs), first));
  // Evaluation: input * (1 - p), and its gradient.
  d.evaluate();
  CHECK(maxAbsDiff(d.forward(xs), DoubleTensor(xs * (1 - p))) < 1e-15);
  CHECK(nn::Jacobian::testJacobian(d, xs) < 1e-6);
  CHECK(nn::Jacobian::testJacobian(d, xt) < 1e-6);
  // Training with p = 0 keeps everything, p = 1 drops everything: fixed masks.
  nn::SpatialDropout<double> keep(0), drop(1);
  CHECK(equal(keep.forward(xt), xt));
  CHECK(nn::Jacobian::testJacobian(keep, xt) < 1e-6);
  CHECK(equal(drop.forward(xt), zeros<double>({3, 4, 2, 3})));
  CHECK(nn::Jacobian::testJacobian(drop, xs) < 1e-6);
  // Stochastic inference keeps dropping in evaluation.
  nn::SpatialDropout<double> st(0.5, true);
  st.evaluate();
  const DoubleTensor ones4 = ones<double>({40, 2, 2});
  const DoubleTensor& ys = st.forward(ones4);
  CHECK(sum(eq(ys, 0.0)) > 0);
  CHECK(sum(eq(ys, 1.0)) > 0);
  CHECK(equal(st.backward(ones4, ones4), ys));
  auto sf = st.toFloat();
  CHECK(sf.stochastic_inference);
  CHECK(sf.p == 0.5);
  CHECK(!sf.train);
}

TEST_CASE("nn spatial shape: VolumetricDropout and dropout errors") {
  nn::VolumetricDropout<double> v(0.5);
  CHECK(v.toString() == "nn.VolumetricDropout(0.500000)");
  manualSeed(8);
  const DoubleTensor x = ones<double>({20, 10, 2, 2, 3});
  const DoubleTensor& y = v.forward(x);
  REQUIRE(v.noise.sizes() == Shape{20, 10, 1, 1, 1});
  CHECK(equal(y, DoubleTensor(v.noise.expand({20, 10, 2, 2, 3}) * 1.0)));
  const double dropped = static_cast<double>(sum(eq(v.noise, 0.0))) / 200;
  CHECK(std::abs(dropped - 0.5) < 0.1);
  const DoubleTensor xs = randn<double>({3, 2, 2, 2});
  v.forward(xs);
  CHECK(v.noise.sizes() == Shape{3, 1, 1, 1});
  CHECK(equal(v.backward(xs, xs), v.output));
  v.evaluate();
  CHECK(nn::Jacobian::testJacobian(v, xs) < 1e-6);
  auto vf = nn::VolumetricDropout(0.25, true);  // CTAD: float
  CHECK(vf.toDouble().si);
  CHECK(vf.toDouble().p == 0.25);

  T7_REQUIRE_THROWS_WITH_ALL(nn::SpatialDropout<double>(1.5), ValueError, "SpatialDropout", "0 <= p <= 1", "1.5");
  T7_REQUIRE_THROWS_WITH_ALL(nn::VolumetricDropout<double>(-0.5), ValueError, "VolumetricDropout");
  nn::SpatialDropout<double> d(0.5);
  T7_REQUIRE_THROWS_WITH_ALL(d.setp(2), ValueError, "SpatialDropout");
  CHECK(d.setp(0.2).p == 0.2);
  T7_REQUIRE_THROWS_WITH_ALL(d.forward(randn<double>({3, 4})), SizeError, "SpatialDropout", "[3x4]");
  T7_REQUIRE_THROWS_WITH_ALL(nn::VolumetricDropout<double>().forward(randn<double>({3, 4, 4})), SizeError,
                             "VolumetricDropout", "[3x4x4]");
  const DoubleTensor a = randn<double>({2, 3, 3});
  T7_REQUIRE_THROWS_WITH_ALL(d.backward(a, a), SizeError, "SpatialDropout", "call forward before backward");
  d.forward(a);
  T7_REQUIRE_THROWS_WITH_ALL(d.backward(a, randn<double>({2, 3, 4})), SizeError, "SpatialDropout",
                             "gradOutput [2x3x4]");
}

// ---- criterions --------------------------------------------------------------------------------

TEST_CASE("nn spatial shape: SpatialClassNLLCriterion values, weights, ignoreIndex, gradients") {
  // [1 x 2 x 1 x 2] log-probabilities, targets {0, 1}: -(x[0,0,0,0] + x[0,1,0,1]) / 2.
  const DoubleTensor x{{{{-0.5, -1.0}}, {{-2.0, -0.25}}}};
  const LongTensor t{{{0, 1}}};
  nn::SpatialClassNLLCriterion<double> nll;
  CHECK(nll.forward(x, t) == Approx((0.5 + 0.25) / 2));
  CHECK(nll.totalWeight == 2);
  CHECK(equal(nll.backward(x, t), DoubleTensor{{{{-0.5, 0}}, {{0, -0.5}}}}));
  nn::SpatialClassNLLCriterion<double> w(DoubleTensor{2, 3}, false);
  CHECK(w.forward(x, t) == Approx(2 * 0.5 + 3 * 0.25));
  CHECK(equal(w.backward(x, t), DoubleTensor{{{{-2, 0}}, {{0, -3}}}}));
  nn::SpatialClassNLLCriterion<double> wa(DoubleTensor{2, 3});
  CHECK(wa.forward(x, t) == Approx((2 * 0.5 + 3 * 0.25) / 5));
  // Random shapes against the naive sum; weights and sizeAverage both ways; ignored pixels.
  manualSeed(13);
  const index_t n = 2, c = 4, h = 3, wd = 2;
  const DoubleTensor in = randn<double>({n, c, h, wd});
  LongTensor tg(Shape{n, h, wd});
  tg.random(0, c - 1);
  tg(1, 2, 1) = -100;
  tg(0, 0, 0) = 2;
  const DoubleTensor cw{0.5, 2, 1, 3};
  for (bool avg : {true, false}) {
    nn::SpatialClassNLLCriterion<double> plain(avg), weighted(cw, avg);
    CHECK(plain.forward(in, tg) == Approx(naiveNLL(in, tg, DoubleTensor(), avg)).epsilon(1e-12));
    CHECK(weighted.forward(in, tg) == Approx(naiveNLL(in, tg, cw, avg)).epsilon(1e-12));
    CHECK(nn::Jacobian::testCriterion(plain, in, tg) < 1e-6);
    CHECK(nn::Jacobian::testCriterion(weighted, in, tg) < 1e-6);
    CHECK(nn::Jacobian::testCriterion(weighted, in.select(0, 1), tg.select(0, 1)) < 1e-6);
  }
  // The ignored pixel has a zero gradient; a custom ignoreIndex.
  nn::SpatialClassNLLCriterion<double> plain;
  CHECK(sum(abs(plain.backward(in, tg).select(0, 1).select(1, 2).select(1, 1))) == 0);
  nn::SpatialClassNLLCriterion<double> ig(DoubleTensor(), true, 2);
  LongTensor tg2 = tg.clone();
  tg2(1, 2, 1) = 1;
  CHECK(ig.forward(in, tg2) == Approx(naiveNLL(in, tg2, DoubleTensor(), true, 2)).epsilon(1e-12));
  CHECK(ig.totalWeight == static_cast<double>(sum(ne(tg2, int64_t{2}))));
  CHECK(nn::Jacobian::testCriterion(ig, in, tg2) < 1e-6);
  T7_REQUIRE_THROWS_WITH_ALL(ig.forward(in, tg), IndexError, "target -100");
  // Single sample [C x H x W] with target [H x W]; non-contiguous input and target.
  CHECK(plain.forward(in.select(0, 0), tg.select(0, 0)) ==
        Approx(naiveNLL(in.select(0, 0), tg.select(0, 0), DoubleTensor(), true)).epsilon(1e-12));
  const DoubleTensor inT = in.transpose(2, 3).contiguous().transpose(2, 3);
  const LongTensor tgT = tg.transpose(1, 2).contiguous().transpose(1, 2);
  REQUIRE(!inT.isContiguous());
  CHECK(plain.forward(inT, tgT) == Approx(naiveNLL(in, tg, DoubleTensor(), true)).epsilon(1e-12));
  const DoubleTensor gref = plain.backward(in, tg).clone();
  CHECK(equal(plain.backward(inT, tgT), gref));
  // Every pixel ignored: loss 0 (no division by 0), zero gradient.
  LongTensor none = full<int64_t>({n, h, wd}, -100);
  CHECK(plain.forward(in, none) == 0);
  CHECK(equal(plain.backward(in, none), zeros<double>({n, c, h, wd})));
  // Float.
  nn::SpatialClassNLLCriterion<float> f(FloatTensor{0.5f, 2, 1, 3});
  CHECK(f.forward(in.toFloat(), tg) == Approx(naiveNLL(in, tg, cw, true)).epsilon(1e-5));
}

TEST_CASE("nn spatial shape: SpatialCrossEntropyCriterion equals LogSoftMax + SpatialClassNLL and CrossEntropy") {
  manualSeed(17);
  const index_t n = 2, c = 3, h = 2, w = 3;
  const DoubleTensor x = randn<double>({n, c, h, w});
  LongTensor t(Shape{n, h, w});
  t.random(0, c - 1);
  const DoubleTensor cw{1.5, 0.5, 2};
  for (bool avg : {true, false}) {
    for (bool weighted : {false, true}) {
      nn::SpatialCrossEntropyCriterion<double> ce = weighted ? nn::SpatialCrossEntropyCriterion<double>(cw, avg)
                                                            : nn::SpatialCrossEntropyCriterion<double>(avg);
      nn::SpatialClassNLLCriterion<double> nll = weighted ? nn::SpatialClassNLLCriterion<double>(cw, avg)
                                                         : nn::SpatialClassNLLCriterion<double>(avg);
      nn::LogSoftMax<double> lsm;  // over dimension 1 of a 4-D input
      const double loss = ce.forward(x, t);
      CHECK(loss == Approx(nll.forward(lsm.forward(x), t)).epsilon(1e-12));
      // The same as the non-spatial CrossEntropyCriterion on the [N*H*W x C] pixels.
      const DoubleTensor flat = x.permute(0, 2, 3, 1).contiguous().view(-1, c);
      nn::CrossEntropyCriterion<double> flatCe = weighted ? nn::CrossEntropyCriterion<double>(cw, avg)
                                                          : nn::CrossEntropyCriterion<double>(avg);
      CHECK(loss == Approx(flatCe.forward(flat, t.contiguous().view(-1))).epsilon(1e-12));
      const DoubleTensor flatGrad = flatCe.backward(flat, t.contiguous().view(-1)).view(n, h, w, c).permute(0, 3, 1, 2);
      CHECK(maxAbsDiff(ce.backward(x, t), flatGrad) < 1e-12);
      CHECK(nn::Jacobian::testCriterion(ce, x, t) < 1e-6);
      CHECK(nn::Jacobian::testCriterion(ce, x.select(0, 1), t.select(0, 1)) < 1e-6);
    }
  }
  // Ignored pixels: no loss, zero gradient across every class.
  LongTensor ti = t.clone();
  ti(0, 1, 2) = -100;
  nn::SpatialCrossEntropyCriterion<double> ce;
  ce.forward(x, ti);
  CHECK(ce.totalWeight == n * h * w - 1);
  CHECK(sum(abs(ce.backward(x, ti).select(0, 0).select(1, 1).select(1, 2))) == 0);
  CHECK(nn::Jacobian::testCriterion(ce, x, ti) < 1e-6);
  // Non-contiguous input.
  const DoubleTensor xt = x.transpose(2, 3).contiguous().transpose(2, 3);
  CHECK(ce.forward(xt, t) == Approx(ce.forward(x, t)).epsilon(1e-14));
  // Float.
  nn::SpatialCrossEntropyCriterion<float> cf;
  CHECK(cf.forward(x.toFloat(), t) == Approx(ce.forward(x, t)).epsilon(1e-5));
  CHECK(cf.typeName() == "cudnn.SpatialCrossEntropyCriterion");
}

TEST_CASE("nn spatial shape: spatial criterion errors, clone and conversion") {
  nn::SpatialClassNLLCriterion<double> nll;
  nn::SpatialCrossEntropyCriterion<double> ce;
  const DoubleTensor x = randn<double>({2, 3, 2, 2});
  LongTensor t = zeros<int64_t>({2, 2, 2});
  T7_REQUIRE_THROWS_WITH_ALL(nll.forward(randn<double>({2, 3}), t), SizeError, "SpatialClassNLLCriterion",
                             "[N x C x H x W]", "got [2x3]");
  T7_REQUIRE_THROWS_WITH_ALL(nll.forward(x, zeros<int64_t>({2, 2, 3})), SizeError, "SpatialClassNLLCriterion",
                             "input [2x3x2x2]", "target [2x2x2]", "got [2x2x3]");
  T7_REQUIRE_THROWS_WITH_ALL(ce.forward(x, zeros<int64_t>({2, 2})), SizeError, "SpatialCrossEntropyCriterion",
                             "target [2x2x2]", "got [2x2]");
  T7_REQUIRE_THROWS_WITH_ALL(nll.forward(x.select(0, 0), zeros<int64_t>({1, 2, 2})), SizeError, "target [2x2]");
  t(1, 0, 1) = 3;
  T7_REQUIRE_THROWS_WITH_ALL(nll.forward(x, t), IndexError, "SpatialClassNLLCriterion", "target 3", "sample 1",
                             "out of range [0, 3)");
  T7_REQUIRE_THROWS_WITH_ALL(nll.backward(x, t), IndexError, "SpatialClassNLLCriterion", "target 3");
  t(1, 0, 1) = -1;
  T7_REQUIRE_THROWS_WITH_ALL(ce.forward(x, t), IndexError, "SpatialCrossEntropyCriterion", "target -1");
  T7_REQUIRE_THROWS_WITH_ALL(ce.backward(x, t), IndexError, "SpatialCrossEntropyCriterion", "target -1");
  t(1, 0, 1) = 0;
  nn::SpatialClassNLLCriterion<double> bad(DoubleTensor{1, 2});
  T7_REQUIRE_THROWS_WITH_ALL(bad.forward(x, t), SizeError, "SpatialClassNLLCriterion", "weights [2]", "3 classes");
  T7_REQUIRE_THROWS_WITH_ALL(nn::SpatialClassNLLCriterion<double>(ones<double>({3, 1})), SizeError,
                             "1-D", "[3x1]");
  // clone / toFloat keep the options.
  nn::SpatialClassNLLCriterion<double> o(DoubleTensor{1, 2, 3}, false, 7);
  auto of = o.toFloat();
  CHECK(!of.sizeAverage);
  CHECK(of.ignoreIndex == 7);
  CHECK(equal(of.weights, FloatTensor{1, 2, 3}));
  auto oc = o.clone();
  CHECK(oc.weights.data() != o.weights.data());
  nn::SpatialCrossEntropyCriterion<double> ow(DoubleTensor{1, 2, 3}, false, 1);
  auto cf = ow.toFloat();
  CHECK(!cf.sizeAverage);
  CHECK(cf.ignoreIndex == 1);
  CHECK(cf.weights.nElement() == 3);
  CHECK(nll.toString() == "nn.SpatialClassNLLCriterion");
  // Boxed as an AnyCriterion (targets as whole numbers in a tensor of T).
  auto any = nn::anyCriterion(nn::SpatialClassNLLCriterion<double>());
  const DoubleTensor tt = zeros<double>({2, 2, 2});
  CHECK(any->forward(x, tt) == Approx(nll.forward(x, zeros<int64_t>({2, 2, 2}))));
}

// ---- containers --------------------------------------------------------------------------------

TEST_CASE("nn spatial shape: the modules chained in a Sequential, Jacobian through the chain") {
  nn::Sequential<double> net;
  net.add(nn::SpatialZeroPadding<double>(1, 0, -1, 1))           // [n x 2 x 3 x 3] -> [.. x 3 x 4]
      .add(nn::SpatialReflectionPadding<double>(1, 1, 0, 1))     // [.. x 4 x 6]
      .add(nn::SpatialUpSamplingNearest<double>(2))             // [.. x 8 x 12]
      .add(nn::SpatialReplicationPadding<double>(-2, -3, -1, -2))  // [.. x 5 x 7]
      .add(nn::SpatialUpSamplingBilinear<double>(3, 4))          // [.. x 3 x 4]
      .add(nn::SpatialDropout<double>(0.25));
  net.evaluate();
  manualSeed(2);
  const DoubleTensor xb = randn<double>({2, 2, 3, 3}), xs = randn<double>({2, 3, 3});
  CHECK(net.forward(xb).tensor().sizes() == Shape{2, 2, 3, 4});
  CHECK(nn::Jacobian::testJacobian(net, xb) < 1e-6);
  CHECK(nn::Jacobian::testJacobian(net, xs) < 1e-6);
  auto nf = net.toFloat();
  CHECK(nf.forward(xs.toFloat()).tensor().sizes() == Shape{2, 3, 4});
  CHECK(net.toString() ==
        "nn.Sequential {\n  [input -> (0) -> (1) -> (2) -> (3) -> (4) -> (5) -> output]\n"
        "  (0): nn.SpatialZeroPadding(l=1, r=0, t=-1, b=1)\n"
        "  (1): nn.SpatialReflectionPadding(l=1, r=1, t=0, b=1)\n"
        "  (2): nn.SpatialUpSamplingNearest\n"
        "  (3): nn.SpatialReplicationPadding(l=-2, r=-3, t=-1, b=-2)\n"
        "  (4): nn.SpatialUpSamplingBilinear(3, 4)\n"
        "  (5): nn.SpatialDropout(0.250000)\n}");
}

TEST_CASE("nn spatial shape: a steady forward/backward reuses its tensors") {
  nn::SpatialReflectionPadding<float> pad(2);
  nn::SpatialUpSamplingBilinear<float> up(2);
  const FloatTensor x = randn<float>({2, 3, 8, 8});
  pad.forward(x);
  const float* o = pad.output.data();
  pad.backward(x, pad.output);
  const float* g = pad.gradInput.data();
  pad.forward(x);
  pad.backward(x, pad.output);
  CHECK(pad.output.data() == o);
  CHECK(pad.gradInput.data() == g);
  up.forward(x);
  const float* uo = up.output.data();
  up.forward(x);
  CHECK(up.output.data() == uo);
}
