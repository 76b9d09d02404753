// nn 2-D convolutions: im2col/col2im, SpatialConvolution(MM), SpatialDilatedConvolution,
// SpatialFullConvolution against direct loops, Jacobians, errors, printing, conversion.

#include "helpers.hpp"
#include "t7/nn.hpp"
#include "t7/kernels/im2col.hpp"
#include "t7/kernels/conv2d.hpp"
#include "t7/nn/spatial_convolution.hpp"

#include <random>

using namespace t7;

namespace {

/// The options of one convolution, drawn at random.
struct Geometry {
  index_t nIn, nOut, kW, kH, dW, dH, padW, padH, dilW = 1, dilH = 1, adjW = 0, adjH = 0;
};

/// Direct loops from the definition: out[n,o,y,x] = b[o] + sum w[o,i,ki,kj] in[n,i,y dH - padH + ki dilH, ...].
/// `in` is [N x C x H x W] (any layout), w [nOut x nIn x kH x kW], b [nOut] or empty.
DoubleTensor naiveConv(const DoubleTensor& in, const DoubleTensor& w, const DoubleTensor& b, const Geometry& g) {
  const index_t N = in.size(0), C = in.size(1), H = in.size(2), W = in.size(3), O = w.size(0);
  const index_t oH = (H + 2 * g.padH - (g.dilH * (g.kH - 1) + 1)) / g.dH + 1;
  const index_t oW = (W + 2 * g.padW - (g.dilW * (g.kW - 1) + 1)) / g.dW + 1;
  DoubleTensor out(N, O, oH, oW);
  for (index_t n = 0; n < N; ++n)
    for (index_t o = 0; o < O; ++o)
      for (index_t y = 0; y < oH; ++y)
        for (index_t x = 0; x < oW; ++x) {
          double s = b.nElement() > 0 ? b(o) : 0.0;
          for (index_t i = 0; i < C; ++i)
            for (index_t ki = 0; ki < g.kH; ++ki)
              for (index_t kj = 0; kj < g.kW; ++kj) {
                const index_t ih = y * g.dH - g.padH + ki * g.dilH, iw = x * g.dW - g.padW + kj * g.dilW;
                if (ih >= 0 && ih < H && iw >= 0 && iw < W) s += w(o, i, ki, kj) * in(n, i, ih, iw);
              }
          out(n, o, y, x) = s;
        }
  return out;
}

/// The convolution's gradients by direct loops (the adjoint of naiveConv).
void naiveConvBackward(const DoubleTensor& in, const DoubleTensor& w, const DoubleTensor& go, const Geometry& g,
                       DoubleTensor& gi, DoubleTensor& gw, DoubleTensor& gb) {
  const index_t N = in.size(0), C = in.size(1), H = in.size(2), W = in.size(3), O = w.size(0);
  gi = DoubleTensor(in.sizes());
  gi.zero();
  gw = DoubleTensor(w.sizes());
  gw.zero();
  gb = DoubleTensor(O);
  gb.zero();
  for (index_t n = 0; n < N; ++n)
    for (index_t o = 0; o < O; ++o)
      for (index_t y = 0; y < go.size(2); ++y)
        for (index_t x = 0; x < go.size(3); ++x) {
          const double d = go(n, o, y, x);
          gb(o) += d;
          for (index_t i = 0; i < C; ++i)
            for (index_t ki = 0; ki < g.kH; ++ki)
              for (index_t kj = 0; kj < g.kW; ++kj) {
                const index_t ih = y * g.dH - g.padH + ki * g.dilH, iw = x * g.dW - g.padW + kj * g.dilW;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                gi(n, i, ih, iw) += w(o, i, ki, kj) * d;
                gw(o, i, ki, kj) += in(n, i, ih, iw) * d;
              }
        }
}

/// The transposed convolution by direct loops (scatter): out[n,o,h dH - padH + ki, w dW - padW + kj]
/// += in[n,i,h,w] wt[i,o,ki,kj]; output (H-1) dH - 2 padH + kH + adjH.
DoubleTensor naiveFullConv(const DoubleTensor& in, const DoubleTensor& wt, const DoubleTensor& b, const Geometry& g) {
  const index_t N = in.size(0), C = in.size(1), H = in.size(2), W = in.size(3), O = wt.size(1);
  const index_t oH = (H - 1) * g.dH - 2 * g.padH + g.kH + g.adjH, oW = (W - 1) * g.dW - 2 * g.padW + g.kW + g.adjW;
  DoubleTensor out(N, O, oH, oW);
  for (index_t n = 0; n < N; ++n)
    for (index_t o = 0; o < O; ++o)
      for (index_t y = 0; y < oH; ++y)
        for (index_t x = 0; x < oW; ++x) out(n, o, y, x) = b.nElement() > 0 ? b(o) : 0.0;
  for (index_t n = 0; n < N; ++n)
    for (index_t i = 0; i < C; ++i)
      for (index_t h = 0; h < H; ++h)
        for (index_t w = 0; w < W; ++w)
          for (index_t o = 0; o < O; ++o)
            for (index_t ki = 0; ki < g.kH; ++ki)
              for (index_t kj = 0; kj < g.kW; ++kj) {
                const index_t y = h * g.dH - g.padH + ki, x = w * g.dW - g.padW + kj;
                if (y >= 0 && y < oH && x >= 0 && x < oW) out(n, o, y, x) += in(n, i, h, w) * wt(i, o, ki, kj);
              }
  return out;
}

/// An [N x C x H x W] tensor with the values of randn, stored transposed (H and W swapped in
/// memory), so it is not contiguous.
DoubleTensor transposedInput(index_t N, index_t C, index_t H, index_t W) {
  return randn<double>({N, C, W, H}).transpose(2, 3);
}

}  // namespace

TEST_CASE("nn conv: im2col and col2im follow the definition and are adjoint") {
  std::mt19937 rng(5);
  auto pick = [&](int lo, int hi) { return static_cast<index_t>(lo + static_cast<int>(rng() % (hi - lo + 1))); };
  int checked = 0;
  for (int it = 0; it < 200; ++it) {
    kernels::Window2d g{.channels = pick(1, 3), .height = pick(1, 8), .width = pick(1, 8), .kH = pick(1, 4),
                        .kW = pick(1, 4), .dH = pick(1, 3), .dW = pick(1, 3), .padH = pick(0, 2), .padW = pick(0, 2),
                        .dilationH = pick(1, 2), .dilationW = pick(1, 3)};
    if (g.outH() < 1 || g.outW() < 1) continue;
    ++checked;
    const index_t P = g.outH() * g.outW();
    DoubleTensor x = randn<double>({g.channels, g.height, g.width});
    DoubleTensor c = randn<double>({g.patchSize(), P});
    DoubleTensor cx(g.patchSize(), P);
    cx.fill(99);  // every entry must be written
    kernels::im2col(x.data(), g, cx.data());
    for (index_t ch = 0; ch < g.channels; ++ch)
      for (index_t ki = 0; ki < g.kH; ++ki)
        for (index_t kj = 0; kj < g.kW; ++kj)
          for (index_t oh = 0; oh < g.outH(); ++oh)
            for (index_t ow = 0; ow < g.outW(); ++ow) {
              const index_t ih = oh * g.dH - g.padH + ki * g.dilationH, iw = ow * g.dW - g.padW + kj * g.dilationW;
              const double e = ih >= 0 && ih < g.height && iw >= 0 && iw < g.width ? x(ch, ih, iw) : 0.0;
              REQUIRE(cx((ch * g.kH + ki) * g.kW + kj, oh * g.outW() + ow) == e);
            }
    DoubleTensor folded(g.channels, g.height, g.width);
    folded.zero();
    kernels::col2im(c.data(), g, folded.data());
    const double lhs = sum(folded * x), rhs = sum(c * cx);
    REQUIRE(std::abs(lhs - rhs) < 1e-9 * (1 + std::abs(lhs)));
    // col2im accumulates
    kernels::col2im(c.data(), g, folded.data());
    REQUIRE(std::abs(sum(folded * x) - 2 * rhs) < 1e-9 * (1 + std::abs(lhs)));
  }
  CHECK(checked > 50);
  // Torch7's floor formula; too small an input gives <= 0 (never a rounded-up 1)
  CHECK(kernels::Window2d{.channels = 1, .height = 32, .width = 28, .kH = 5, .kW = 5, .padH = 2}.outH() == 32);
  CHECK(kernels::Window2d{.channels = 1, .height = 32, .width = 28, .kH = 5, .kW = 5, .padH = 2}.outW() == 24);
  CHECK(kernels::Window2d{.channels = 1, .height = 7, .width = 7, .kH = 3, .kW = 3, .dH = 2, .dW = 3}.outH() == 3);
  CHECK(kernels::Window2d{.channels = 1, .height = 7, .width = 7, .kH = 3, .kW = 3, .dH = 2, .dW = 3}.outW() == 2);
  CHECK(kernels::Window2d{.channels = 1, .height = 4, .width = 4, .kH = 5, .kW = 5, .dH = 2, .dW = 2}.outH() == 0);
  CHECK(kernels::Window2d{.channels = 1, .height = 5, .width = 5, .kH = 3, .kW = 3, .dilationH = 3}.outH() == -1);
}

TEST_CASE("nn conv: SpatialConvolution, MM and Dilated match direct loops") {
  manualSeed(11);
  std::mt19937 rng(7);
  auto pick = [&](int lo, int hi) { return static_cast<index_t>(lo + static_cast<int>(rng() % (hi - lo + 1))); };
  for (int it = 0; it < 24; ++it) {
    Geometry g{pick(1, 4), pick(1, 5), pick(1, 4), pick(1, 4), pick(1, 3), pick(1, 3), pick(0, 2), pick(0, 2)};
    const bool dilated = it % 3 == 2;
    if (dilated) {
      g.dilW = pick(1, 3);
      g.dilH = pick(1, 3);
    }
    const index_t N = pick(1, 3), H = pick(1, 9), W = pick(1, 9);
    const index_t oH = kernels::Window2d::outSize(H, g.kH, g.dH, g.padH, g.dilH);
    const index_t oW = kernels::Window2d::outSize(W, g.kW, g.dW, g.padW, g.dilW);
    if (oH < 1 || oW < 1) continue;
    nn::SpatialDilatedConvolution<double> m(g.nIn, g.nOut, g.kW, g.kH, g.dW, g.dH, g.padW, g.padH, g.dilW, g.dilH);
    const DoubleTensor x = it % 2 ? transposedInput(N, g.nIn, H, W) : randn<double>({N, g.nIn, H, W});
    const DoubleTensor ref = naiveConv(x, m.weight, m.bias, g);
    INFO("it " << it << " " << m.toString() << " input " << x.sizes().toString());
    CHECK(maxAbsDiff(m.forward(x), ref) < 1e-12);
    // one sample (3-D) gives the same planes
    CHECK(maxAbsDiff(m.forward(x.select(0, N - 1)), ref.select(0, N - 1)) < 1e-12);
    CHECK(m.output.dim() == 3);
    // gradients against the adjoint loops, with scale
    const DoubleTensor go = randn<double>({N, g.nOut, oH, oW});
    DoubleTensor gi, gw, gb;
    naiveConvBackward(x, m.weight, go, g, gi, gw, gb);
    m.zeroGradParameters();
    m.forward(x);
    CHECK(maxAbsDiff(m.updateGradInput(x, go), gi) < 1e-12);
    m.accGradParameters(x, go, 0.5);
    CHECK(maxAbsDiff(m.gradWeight, DoubleTensor(gw * 0.5)) < 1e-12);
    CHECK(maxAbsDiff(m.gradBias, DoubleTensor(gb * 0.5)) < 1e-12);
    if (!dilated) {
      // SpatialConvolution and SpatialConvolutionMM with the same weights agree
      nn::SpatialConvolution<double> sc(g.nIn, g.nOut, g.kW, g.kH, g.dW, g.dH, g.padW, g.padH);
      nn::SpatialConvolutionMM<double> mm(g.nIn, g.nOut, g.kW, g.kH, g.dW, g.dH, g.padW, g.padH);
      sc.weight.copy(m.weight);
      sc.bias.copy(m.bias);
      mm.weight.copy(m.weight.view(g.nOut, g.nIn * g.kH * g.kW));
      mm.bias.copy(m.bias);
      CHECK(maxAbsDiff(sc.forward(x), ref) < 1e-12);
      CHECK(maxAbsDiff(mm.forward(x), ref) < 1e-12);
      CHECK(mm.weight.dim() == 2);
      CHECK(maxAbsDiff(mm.updateGradInput(x, go), gi) < 1e-12);
    }
  }
}

TEST_CASE("nn conv: SpatialFullConvolution matches direct loops") {
  manualSeed(12);
  std::mt19937 rng(8);
  auto pick = [&](int lo, int hi) { return static_cast<index_t>(lo + static_cast<int>(rng() % (hi - lo + 1))); };
  for (int it = 0; it < 20; ++it) {
    Geometry g{pick(1, 4), pick(1, 4), pick(1, 4), pick(1, 4), pick(1, 3), pick(1, 3), pick(0, 1), pick(0, 1)};
    g.adjW = pick(0, static_cast<int>(g.dW) - 1);
    g.adjH = pick(0, static_cast<int>(g.dH) - 1);
    const index_t N = pick(1, 3), H = pick(1, 5), W = pick(1, 5);
    const index_t oH = (H - 1) * g.dH - 2 * g.padH + g.kH + g.adjH, oW = (W - 1) * g.dW - 2 * g.padW + g.kW + g.adjW;
    if (oH < 1 || oW < 1) continue;
    nn::SpatialFullConvolution<double> m(g.nIn, g.nOut, g.kW, g.kH, g.dW, g.dH, g.padW, g.padH, g.adjW, g.adjH);
    CHECK(m.weight.sizes() == Shape{g.nIn, g.nOut, g.kH, g.kW});
    const DoubleTensor x = it % 2 ? transposedInput(N, g.nIn, H, W) : randn<double>({N, g.nIn, H, W});
    const DoubleTensor ref = naiveFullConv(x, m.weight, m.bias, g);
    INFO("it " << it << " " << m.toString() << " input " << x.sizes().toString());
    CHECK(maxAbsDiff(m.forward(x), ref) < 1e-12);
    CHECK(maxAbsDiff(m.forward(x.select(0, 0)), ref.select(0, 0)) < 1e-12);
  }
}

TEST_CASE("nn conv: threaded batch, 1x1 kernels and noBias agree with one sample at a time") {
  manualSeed(13);
  const int saved = getNumThreads();
  for (int threads : {1, 3}) {
    setNumThreads(threads);  // 3 threads over 7 samples: one sample per thread, uneven split
    INFO("threads " << threads);
    for (const Geometry& g : {Geometry{4, 6, 3, 3, 1, 1, 1, 1}, Geometry{8, 9, 1, 1, 1, 1, 0, 0},
                              Geometry{6, 8, 3, 2, 2, 1, 0, 1, 2, 1}}) {
      nn::SpatialDilatedConvolution<double> m(g.nIn, g.nOut, g.kW, g.kH, g.dW, g.dH, g.padW, g.padH, g.dilW, g.dilH);
      nn::SpatialFullConvolution<double> f(g.nIn, g.nOut, g.kW, g.kH, g.dW, g.dH, g.padW, g.padH);
      const DoubleTensor x = randn<double>({7, g.nIn, 14, 13});
      const DoubleTensor ref = naiveConv(x, m.weight, m.bias, g);
      CHECK(maxAbsDiff(m.forward(x), ref) < 1e-11);
      const DoubleTensor go = randn<double>(ref.sizes());
      DoubleTensor gi, gw, gb;
      naiveConvBackward(x, m.weight, go, g, gi, gw, gb);
      m.zeroGradParameters();
      CHECK(maxAbsDiff(m.updateGradInput(x, go), gi) < 1e-11);
      m.accGradParameters(x, go, 2.0);
      CHECK(maxAbsDiff(m.gradWeight, DoubleTensor(gw * 2.0)) < 1e-10);
      CHECK(maxAbsDiff(m.gradBias, DoubleTensor(gb * 2.0)) < 1e-10);
      // transposed: batch == samples one by one (forward, gradInput, accumulated gradients)
      const DoubleTensor y = f.forward(x).clone();
      const DoubleTensor fgo = randn<double>(y.sizes());
      const DoubleTensor fgi = f.updateGradInput(x, fgo).clone();
      f.zeroGradParameters();
      f.accGradParameters(x, fgo);
      const DoubleTensor fgw = f.gradWeight.clone(), fgb = f.gradBias.clone();
      f.zeroGradParameters();
      for (index_t n = 0; n < 7; ++n) {
        CHECK(maxAbsDiff(f.forward(x.select(0, n)), y.select(0, n)) < 1e-11);
        CHECK(maxAbsDiff(f.updateGradInput(x.select(0, n), fgo.select(0, n)), fgi.select(0, n)) < 1e-11);
        f.accGradParameters(x.select(0, n), fgo.select(0, n));
      }
      CHECK(maxAbsDiff(f.gradWeight, fgw) < 1e-10);
      CHECK(maxAbsDiff(f.gradBias, fgb) < 1e-10);
      CHECK(maxAbsDiff(f.forward(x), naiveFullConv(x, f.weight, f.bias, g)) < 1e-11);
      // without bias
      m.noBias();
      f.noBias();
      CHECK(maxAbsDiff(m.forward(x), naiveConv(x, m.weight, DoubleTensor(), g)) < 1e-11);
      CHECK(maxAbsDiff(f.forward(x), naiveFullConv(x, f.weight, DoubleTensor(), g)) < 1e-11);
      m.accGradParameters(x, go);
      CHECK(m.parameters().weights.size() == 1);
    }
  }
  setNumThreads(saved);
  // float: the same numbers within float rounding
  nn::SpatialConvolution<float> mf(3, 4, 3, 3, 1, 1, 1);
  const FloatTensor xf = randn<float>({2, 3, 6, 5});
  const DoubleTensor reff = naiveConv(xf.toDouble(), mf.weight.toDouble(), mf.bias.toDouble(),
                                      Geometry{3, 4, 3, 3, 1, 1, 1, 1});
  CHECK(maxAbsDiff(mf.forward(xf).toDouble(), reff) < 1e-5);
}

TEST_CASE("nn conv: Jacobians of input and parameters, single sample and batch") {
  manualSeed(14);
  SECTION("SpatialConvolution") {
    nn::SpatialConvolution<double> m(2, 3, 3, 2, 2, 1, 1, 0);
    CHECK(nn::Jacobian::testJacobian(m, randn<double>({2, 5, 4})) < 1e-6);
    CHECK(nn::Jacobian::testJacobian(m, transposedInput(2, 2, 4, 5)) < 1e-6);
    CHECK(nn::Jacobian::testJacobianParameters(m, randn<double>({2, 4, 5})) < 1e-6);
    CHECK(nn::Jacobian::testJacobianParameters(m, randn<double>({2, 2, 4, 5})) < 1e-6);
    m.noBias();
    CHECK(nn::Jacobian::testJacobianParameters(m, randn<double>({2, 2, 4, 5})) < 1e-6);
  }
  SECTION("SpatialConvolutionMM") {
    nn::SpatialConvolutionMM<double> m(2, 2, 2, 3, 1, 2, 1);
    CHECK(nn::Jacobian::testJacobian(m, randn<double>({2, 2, 5, 4})) < 1e-6);
    CHECK(nn::Jacobian::testJacobianParameters(m, randn<double>({2, 4, 4})) < 1e-6);
  }
  SECTION("SpatialDilatedConvolution") {
    nn::SpatialDilatedConvolution<double> m(2, 2, 2, 2, 1, 2, 1, 0, 2, 1);
    CHECK(nn::Jacobian::testJacobian(m, randn<double>({2, 5, 5})) < 1e-6);
    CHECK(nn::Jacobian::testJacobian(m, randn<double>({2, 2, 5, 4})) < 1e-6);
    CHECK(nn::Jacobian::testJacobianParameters(m, randn<double>({2, 2, 5, 4})) < 1e-6);
  }
  SECTION("SpatialFullConvolution") {
    nn::SpatialFullConvolution<double> m(2, 2, 3, 2, 2, 2, 1, 0, 1, 1);
    CHECK(nn::Jacobian::testJacobian(m, randn<double>({2, 3, 2})) < 1e-6);
    CHECK(nn::Jacobian::testJacobian(m, randn<double>({2, 2, 2, 3})) < 1e-6);
    CHECK(nn::Jacobian::testJacobianParameters(m, randn<double>({2, 2, 2, 2})) < 1e-6);
    m.noBias();
    CHECK(nn::Jacobian::testJacobianParameters(m, randn<double>({2, 2, 3})) < 1e-6);
  }
  SECTION("accGradParameters scales and accumulates") {
    nn::SpatialFullConvolution<double> f(2, 3, 3, 3, 2, 2, 1, 1, 1, 0);
    nn::SpatialConvolution<double> c(2, 3, 3, 3, 2, 2, 1, 1);
    const DoubleTensor x = randn<double>({2, 2, 4, 4});
    const DoubleTensor gc = randn<double>(c.forward(x).sizes());
    c.zeroGradParameters();
    c.accGradParameters(x, gc);
    const DoubleTensor cw1 = c.gradWeight.clone(), cb1 = c.gradBias.clone();
    c.accGradParameters(x, gc, 0.25);
    CHECK(maxAbsDiff(c.gradWeight, DoubleTensor(cw1 * 1.25)) < 1e-12);
    CHECK(maxAbsDiff(c.gradBias, DoubleTensor(cb1 * 1.25)) < 1e-12);
    const DoubleTensor go = randn<double>(f.forward(x).sizes());
    f.zeroGradParameters();
    f.accGradParameters(x, go, 1);
    const DoubleTensor w1 = f.gradWeight.clone(), b1 = f.gradBias.clone();
    f.accGradParameters(x, go, -3);
    CHECK(maxAbsDiff(f.gradWeight, DoubleTensor(w1 * -2.0)) < 1e-12);
    CHECK(maxAbsDiff(f.gradBias, DoubleTensor(b1 * -2.0)) < 1e-12);
  }
}

TEST_CASE("nn conv: empty batch and one-pixel inputs") {
  manualSeed(16);
  nn::SpatialConvolution<double> m(3, 4, 3, 3, 2, 2, 1);
  const DoubleTensor none(0, 3, 8, 8);
  CHECK(m.forward(none).sizes() == Shape{0, 4, 4, 4});
  CHECK(m.updateGradInput(none, DoubleTensor(0, 4, 4, 4)).sizes() == Shape{0, 3, 8, 8});
  m.zeroGradParameters();
  m.accGradParameters(none, DoubleTensor(0, 4, 4, 4));
  CHECK(sum(abs(m.gradWeight)) == 0);
  // a 1x1 image with padding 1: only the kernel's centre sees it
  const DoubleTensor px = randn<double>({3, 1, 1});
  const DoubleTensor y = m.forward(px);
  REQUIRE(y.sizes() == Shape{4, 1, 1});
  for (index_t o = 0; o < 4; ++o) {
    double s = m.bias(o);
    for (index_t i = 0; i < 3; ++i) s += m.weight(o, i, 1, 1) * px(i, 0, 0);
    CHECK(std::abs(y(o, 0, 0) - s) < 1e-12);
  }
  CHECK(nn::Jacobian::testJacobian(m, px) < 1e-6);
  // the transposed convolution of a 1x1 image is the (cropped) kernel plus the bias
  nn::SpatialFullConvolution<double> f(1, 1, 3, 3, 2, 2, 1, 1, 1, 1);
  DoubleTensor one(1, 1, 1);
  one.fill(2);
  const DoubleTensor z = f.forward(one);
  REQUIRE(z.sizes() == Shape{1, 2, 2});
  CHECK(std::abs(z(0, 1, 1) - (2 * f.weight(0, 0, 2, 2) + f.bias(0))) < 1e-12);
  CHECK(std::abs(z(0, 0, 1) - (2 * f.weight(0, 0, 1, 2) + f.bias(0))) < 1e-12);
}

TEST_CASE("nn conv: errors name the module and the sizes") {
  nn::SpatialConvolution<double> m(3, 4, 5, 5);
  T7_REQUIRE_THROWS_WITH_ALL(m.forward(DoubleTensor(2, 4, 8, 8)), SizeError, "SpatialConvolution: expected input",
                             "[3xHxW] or [Nx3xHxW]", "got [2x4x8x8]");
  T7_REQUIRE_THROWS_WITH_ALL(m.forward(DoubleTensor(3, 8)), SizeError, "got [3x8]");
  T7_REQUIRE_THROWS_WITH_ALL(m.forward(DoubleTensor(1, 1, 3, 8, 8)), SizeError, "got [1x1x3x8x8]");
  T7_REQUIRE_THROWS_WITH_ALL(m.forward(DoubleTensor(2, 3, 4, 9)), SizeError, "input [2x3x4x9] is too small",
                             "kernel 5x5, stride 1,1, padding 0,0", "calculated output size 4x0x5");
  nn::SpatialDilatedConvolution<double> d(1, 1, 3, 3, 1, 1, 0, 0, 3, 2);
  T7_REQUIRE_THROWS_WITH_ALL(d.forward(DoubleTensor(1, 6, 6)), SizeError, "SpatialDilatedConvolution: input [1x6x6]",
                             "dilation 3,2", "output size 1x2x0");
  DoubleTensor x = randn<double>({2, 3, 8, 8});
  m.forward(x);
  T7_REQUIRE_THROWS_WITH_ALL(m.updateGradInput(x, DoubleTensor(2, 4, 4, 5)), SizeError,
                             "SpatialConvolution: gradOutput should be [2x4x4x4] for input [2x3x8x8], got [2x4x4x5]");
  T7_REQUIRE_THROWS_WITH_ALL(m.accGradParameters(x, DoubleTensor(4, 4, 4)), SizeError, "got [4x4x4]");
  nn::SpatialFullConvolution<double> f(3, 2, 3, 3, 2, 2, 1, 1, 1, 1);
  T7_REQUIRE_THROWS_WITH_ALL(f.forward(DoubleTensor(2, 8, 8)), SizeError, "SpatialFullConvolution: expected input",
                             "got [2x8x8]");
  f.forward(DoubleTensor(3, 4, 4).zero());
  CHECK(f.output.sizes() == Shape{2, 8, 8});
  T7_REQUIRE_THROWS_WITH_ALL(f.updateGradInput(DoubleTensor(3, 4, 4), DoubleTensor(2, 7, 8)), SizeError,
                             "gradOutput should be [2x8x8] for input [3x4x4], got [2x7x8]");
  nn::SpatialFullConvolution<double> tight(1, 1, 1, 1, 1, 1, 1, 1);
  T7_REQUIRE_THROWS_WITH_ALL(tight.forward(DoubleTensor(1, 2, 2)), SizeError, "too small",
                             "calculated output size 1x0x0");
  // constructor arguments
  T7_REQUIRE_THROWS_WITH_ALL(nn::SpatialConvolution<double>(3, 4, 0, 5), ValueError,
                             "SpatialConvolution: kernel size should be greater than zero, got kW=0 kH=5");
  T7_REQUIRE_THROWS_WITH_ALL(nn::SpatialConvolutionMM<double>(3, 4, 3, 3, 1, 0), ValueError,
                             "SpatialConvolutionMM: stride should be greater than zero, got dW=1 dH=0");
  T7_REQUIRE_THROWS_WITH_ALL(nn::SpatialConvolution<double>(0, 4, 3, 3), ValueError, "plane counts must be positive",
                             "0 -> 4");
  T7_REQUIRE_THROWS_WITH_ALL(nn::SpatialConvolution<double>(1, 4, 3, 3, 1, 1, -1), ValueError,
                             "padding should not be negative, got padW=-1 padH=-1");
  T7_REQUIRE_THROWS_WITH_ALL(nn::SpatialDilatedConvolution<double>(1, 1, 3, 3, 1, 1, 0, 0, 0, 1), ValueError,
                             "SpatialDilatedConvolution: dilation should be greater than zero, got dilationW=0");
  T7_REQUIRE_THROWS_WITH_ALL(nn::SpatialFullConvolution<double>(1, 1, 3, 3, 2, 2, 0, 0, 2, 0), ValueError,
                             "SpatialFullConvolution: adjW and adjH must be smaller than dW and dH",
                             "got adjW=2 adjH=0 with dW=2 dH=2");
  // an empty (default-constructed) module, and parameters replaced by wrong ones
  nn::SpatialConvolution<double> empty;
  T7_REQUIRE_THROWS_WITH_ALL(empty.forward(x), ValueError, "SpatialConvolution: the module is empty");
  nn::SpatialConvolution<double> bad(3, 4, 5, 5);
  bad.weight = DoubleTensor(4, 3, 5, 4);
  T7_REQUIRE_THROWS_WITH_ALL(bad.forward(x), SizeError, "weight should be a contiguous tensor of 300 elements",
                             "got [4x3x5x4]");
  bad.weight = DoubleTensor(4, 3, 5, 5).transpose(2, 3);
  T7_REQUIRE_THROWS_WITH_ALL(bad.forward(x), SizeError, "(not contiguous)");
  bad.weight = DoubleTensor(4, 3, 5, 5).zero();
  bad.bias = DoubleTensor(3);
  T7_REQUIRE_THROWS_WITH_ALL(bad.forward(x), SizeError, "bias should be a contiguous tensor of 4 elements", "got [3]");
  bad.gradWeight = DoubleTensor(2);
  T7_REQUIRE_THROWS_WITH_ALL(bad.accGradParameters(x, DoubleTensor(2, 4, 4, 4)), SizeError, "gradWeight should be");
}

TEST_CASE("nn conv: toString as Torch7's __tostring__") {
  CHECK(nn::SpatialConvolution(3, 16, 5, 5, 1, 1, 2, 2).toString() == "nn.SpatialConvolution(3 -> 16, 5x5, 1,1, 2,2)");
  CHECK(nn::SpatialConvolution(1, 6, 5, 5).toString() == "nn.SpatialConvolution(1 -> 6, 5x5)");
  CHECK(nn::SpatialConvolution(1, 6, 5, 3, 2, 1).toString() == "nn.SpatialConvolution(1 -> 6, 5x3, 2,1)");
  CHECK(nn::SpatialConvolution(1, 6, 3, 3, 1, 1, 1).toString() == "nn.SpatialConvolution(1 -> 6, 3x3, 1,1, 1,1)");
  CHECK(nn::SpatialConvolution(1, 6, 3, 3, 1, 1, 1, 0).toString() == "nn.SpatialConvolution(1 -> 6, 3x3, 1,1, 1,0)");
  CHECK(nn::SpatialConvolution(1, 6, 3, 3).noBias().toString() == "nn.SpatialConvolution(1 -> 6, 3x3) without bias");
  CHECK(nn::SpatialConvolutionMM(3, 8, 3, 3, 2, 2, 1).toString() == "nn.SpatialConvolutionMM(3 -> 8, 3x3, 2,2, 1,1)");
  CHECK(nn::SpatialDilatedConvolution(3, 8, 3, 3).toString() == "nn.SpatialDilatedConvolution(3 -> 8, 3x3, 1,1)");
  CHECK(nn::SpatialDilatedConvolution(3, 8, 3, 3, 1, 1, 2, 2, 2, 2).toString() ==
        "nn.SpatialDilatedConvolution(3 -> 8, 3x3, 1,1, 2,2, 2,2)");
  CHECK(nn::SpatialFullConvolution(16, 3, 4, 4, 2, 2, 1, 1).toString() ==
        "nn.SpatialFullConvolution(16 -> 3, 4x4, 2,2, 1,1)");
  CHECK(nn::SpatialFullConvolution(16, 3, 3, 3, 2, 2, 1, 1, 1, 1).noBias().toString() ==
        "nn.SpatialFullConvolution(16 -> 3, 3x3, 2,2, 1,1, 1,1) without bias");
  // CTAD gives float; Torch7's shapes and initialisation range
  auto m = nn::SpatialConvolution(3, 16, 5, 5, 1, 1, 2, 2);
  static_assert(std::is_same_v<decltype(m), nn::SpatialConvolution<float>>);
  CHECK(m.weight.sizes() == Shape{16, 3, 5, 5});
  CHECK(m.bias.sizes() == Shape{16});
  CHECK(nn::SpatialConvolutionMM(3, 16, 5, 5).weight.sizes() == Shape{16, 75});
  const double stdv = 1 / std::sqrt(75.0);
  CHECK(max(m.weight) <= stdv);
  CHECK(min(m.weight) >= -stdv);
  CHECK(max(m.weight) > 0.8 * stdv);
  CHECK(sum(abs(m.gradWeight)) == 0);
  CHECK(m.padH == 2);
  CHECK(nn::SpatialConvolution(3, 16, 5, 5, 1, 1, 3).padH == 3);  // padH defaults to padW
}

TEST_CASE("nn conv: clone, toFloat and Sequential keep the options") {
  manualSeed(15);
  nn::SpatialDilatedConvolution<double> d(2, 3, 3, 2, 2, 1, 1, 2, 2, 1);
  nn::SpatialFullConvolution<double> f(3, 2, 3, 3, 2, 2, 1, 1, 1, 0);
  f.noBias();
  const DoubleTensor x = randn<double>({2, 2, 5, 6});
  auto dc = d.clone();
  CHECK(dc.toString() == d.toString());
  CHECK(equal(dc.forward(x), d.forward(x)));
  dc.weight.fill(0);
  CHECK(!equal(dc.weight, d.weight));
  auto df = d.toFloat();
  CHECK(df.dilationW == 2);
  CHECK(df.padH == 2);
  CHECK(maxAbsDiff(df.forward(x.toFloat()).toDouble(), d.forward(x)) < 1e-5);
  auto ff = f.toFloat();
  CHECK(ff.adjW == 1);
  CHECK(ff.bias.nElement() == 0);
  CHECK(ff.toString() == f.toString());
  nn::SpatialConvolutionMM<float> mmf = nn::SpatialConvolutionMM<double>(2, 2, 3, 3, 1, 1, 1).toFloat();
  CHECK(mmf.weight.sizes() == Shape{2, 18});
  CHECK(mmf.padW == 1);
  // a small conv net: conv -> tanh -> transposed conv -> tanh -> conv
  nn::Sequential<double> net;
  net.add(nn::SpatialConvolution<double>(2, 3, 3, 3, 2, 2, 1))
      .add(nn::Tanh<double>())
      .add(nn::SpatialFullConvolution<double>(3, 2, 3, 3, 2, 2, 1, 1, 1, 1))
      .add(nn::Tanh<double>())
      .add(nn::SpatialDilatedConvolution<double>(2, 1, 2, 2, 1, 1, 0, 0, 2, 2));
  const DoubleTensor xs = randn<double>({2, 2, 4, 4});
  CHECK(net.forward(xs).tensor().sizes() == Shape{2, 1, 2, 2});
  CHECK(nn::Jacobian::testJacobian(net, xs) < 1e-6);
  CHECK(nn::Jacobian::testJacobianParameters(net, randn<double>({1, 2, 4, 4})) < 1e-6);
  // clearState empties the workspaces, and the module still runs
  net.clearState();
  CHECK(net.get<nn::SpatialConvolution<double>>(0).finput.nElement() == 0);
  CHECK(net.forward(xs).tensor().sizes() == Shape{2, 1, 2, 2});
}

TEST_CASE("nn conv: the direct kernels for few input planes match direct loops") {
  // stride 1, undilated, 1-4 input planes, output rows of one vector or more: the kernels of
  // kernels/conv2d_direct.hpp (row tails, plane blocks of 1-4, kernel-column blocks of 1-4,
  // padding, threads over samples and over rows), in double and float
  manualSeed(5);
  std::mt19937 rng(3);
  auto pick = [&](int lo, int hi) { return static_cast<index_t>(lo + static_cast<int>(rng() % (hi - lo + 1))); };
  int directRuns = 0;
  for (int it = 0; it < 24; ++it) {
    const index_t pad = pick(0, 3);
    Geometry g{pick(1, 4), pick(1, 9), pick(1, 8), pick(1, 6), 1, 1, pad, pick(0, 3)};
    const index_t N = it % 4 == 0 ? 5 : pick(1, 2), H = pick(g.kH, 14), W = pick(16, 41);
    const index_t oW = W + 2 * g.padW - g.kW + 1;
    kernels::Window2d win{.channels = g.nIn, .height = H, .width = W, .kH = g.kH, .kW = g.kW, .padH = g.padH,
                          .padW = g.padW};
    if (win.outH() < 1 || oW < 1) continue;
    directRuns += kernels::detail::direct::applies<double>(win);
    nn::SpatialConvolution<double> m(g.nIn, g.nOut, g.kW, g.kH, 1, 1, g.padW, g.padH);
    const DoubleTensor x = randn<double>({N, g.nIn, H, W});
    INFO("it " << it << " " << m.toString() << " input " << x.sizes().toString());
    CHECK(maxAbsDiff(m.forward(x), naiveConv(x, m.weight, m.bias, g)) < 1e-12);
    const DoubleTensor go = randn<double>({N, g.nOut, win.outH(), win.outW()});
    DoubleTensor gi, gw, gb;
    naiveConvBackward(x, m.weight, go, g, gi, gw, gb);
    m.zeroGradParameters();
    m.accGradParameters(x, go, 0.25);
    CHECK(maxAbsDiff(m.gradWeight, DoubleTensor(gw * 0.25)) < 1e-11);
    CHECK(maxAbsDiff(m.gradBias, DoubleTensor(gb * 0.25)) < 1e-11);
    // float: the same to float precision
    nn::SpatialConvolution<float> f(g.nIn, g.nOut, g.kW, g.kH, 1, 1, g.padW, g.padH);
    f.weight.copy(m.weight);
    f.bias.copy(m.bias);
    CHECK(maxAbsDiff(f.forward(x.toFloat()).toDouble(), m.output) < 1e-4);
    f.zeroGradParameters();
    f.accGradParameters(x.toFloat(), go.toFloat(), 0.25);
    CHECK(maxAbsDiff(f.gradWeight.toDouble(), m.gradWeight) < 1e-3);
  }
  CHECK(directRuns >= 12);
  // every plane count 1-13 (blocks of up to 4 or, with AVX-512, 6 planes, and the partial last
  // block of the weight gradient) with 3-, 5- and 7-column kernels
  for (index_t nOut = 1; nOut <= 13; ++nOut)
    for (index_t k : {3, 5, 7}) {
      const index_t nIn = 1 + nOut % 2;
      Geometry g{nIn, nOut, k, k, 1, 1, 1, 1};
      kernels::Window2d win{.channels = nIn, .height = 12, .width = 21, .kH = k, .kW = k, .padH = 1, .padW = 1};
      REQUIRE(kernels::detail::direct::applies<double>(win));
      nn::SpatialConvolution<double> m(nIn, nOut, k, k, 1, 1, 1, 1);
      const DoubleTensor x = randn<double>({2, nIn, 12, 21});
      INFO(m.toString());
      CHECK(maxAbsDiff(m.forward(x), naiveConv(x, m.weight, m.bias, g)) < 1e-12);
      const DoubleTensor go = randn<double>({2, nOut, win.outH(), win.outW()});
      DoubleTensor gi, gw, gb;
      naiveConvBackward(x, m.weight, go, g, gi, gw, gb);
      m.zeroGradParameters();
      m.accGradParameters(x, go, 1.0);
      CHECK(maxAbsDiff(m.gradWeight, gw) < 1e-11);
      CHECK(maxAbsDiff(m.gradBias, gb) < 1e-11);
    }
  // a non-finite input value reaches only the outputs whose window holds it
  nn::SpatialConvolution<float> f(1, 2, 3, 3);
  FloatTensor x = randn<float>({1, 1, 5, 20});
  x(0, 0, 2, 0) = std::numeric_limits<float>::infinity();
  const FloatTensor& y = f.forward(x);
  CHECK(std::isinf(y(0, 0, 0, 0)));
  CHECK(std::isfinite(y(0, 0, 0, 1)));
  CHECK(std::isfinite(y(0, 1, 2, 17)));
}

TEST_CASE("nn conv: the tiled kernels for many planes match direct loops") {
  // kernels/conv2d_tiles.hpp called directly, in double and float (the module picks them where
  // they are faster): partial and several plane tiles, pixel tiles (input gradients of 3-11
  // planes, blocks of 3-6), tiles across row ends, padding
  // 0 to k - 1 (the input gradient's full correlation), one sample split over threads and one
  // sample per thread; outputs are overwritten
  namespace tiles = kernels::detail::tiles;
  manualSeed(6);
  std::mt19937 rng(4);
  auto pick = [&](index_t lo, index_t hi) { return lo + static_cast<index_t>(rng() % (hi - lo + 1)); };
  const int saved = getNumThreads();
  for (int it = 0; it < 24; ++it) {
    setNumThreads(it % 3 == 0 ? 3 : 1);
    const index_t kH = pick(1, 5), kW = pick(1, 8);
    Geometry g{pick(1, 20), pick(1, 40), kW, kH, 1, 1, pick(0, kW - 1), pick(0, kH - 1)};
    const index_t N = it % 2 ? 1 : pick(2, 5), H = pick(kH, 16), W = pick(kW, 19);
    const kernels::Window2d win{.channels = g.nIn, .height = H, .width = W, .kH = kH, .kW = kW, .padH = g.padH,
                                .padW = g.padW};
    const index_t oH = win.outH(), oW = win.outW();
    const DoubleTensor x = randn<double>({N, g.nIn, H, W}), w = randn<double>({g.nOut, g.nIn, kH, kW});
    const DoubleTensor b = randn<double>({g.nOut}), go = randn<double>({N, g.nOut, oH, oW});
    INFO("it " << it << ": " << g.nIn << " -> " << g.nOut << " planes, " << kH << "x" << kW << " pad " << g.padH
               << "," << g.padW << ", input " << x.sizes().toString() << ", threads " << getNumThreads());
    const DoubleTensor ref = naiveConv(x, w, b, g);
    DoubleTensor gi, gw, gb;
    naiveConvBackward(x, w, go, g, gi, gw, gb);
    DoubleTensor y = full<double>({N, g.nOut, oH, oW}, 7.0), gx = full<double>({N, g.nIn, H, W}, 7.0), work;
    tiles::forward(x.data(), win, w.data(), g.nOut, b.data(), y.data(), N, work);
    CHECK(maxAbsDiff(y, ref) < 1e-11);
    tiles::backwardInput(go.data(), win, w.data(), g.nOut, gx.data(), N, work);
    CHECK(maxAbsDiff(gx, gi) < 1e-11);
    DoubleTensor gwt = randn<double>({g.nOut, g.nIn, kH, kW}), partials;  // accumulates
    const DoubleTensor gw0 = gwt.clone();
    tiles::accGrad(x.data(), win, go.data(), g.nOut, gwt.data(), 0.5, N, work, partials);
    CHECK(maxAbsDiff(gwt, DoubleTensor(gw0 + gw * 0.5)) < 1e-11);
    // float, no bias
    const FloatTensor xf = x.toFloat(), wf = w.toFloat(), gof = go.toFloat();
    FloatTensor yf = full<float>({N, g.nOut, oH, oW}, 7.0f), gxf = full<float>({N, g.nIn, H, W}, 7.0f), workf;
    tiles::forward(xf.data(), win, wf.data(), g.nOut, static_cast<const float*>(nullptr), yf.data(), N, workf);
    CHECK(maxAbsDiff(yf.toDouble(), naiveConv(x, w, DoubleTensor(), g)) < 1e-3);
    tiles::backwardInput(gof.data(), win, wf.data(), g.nOut, gxf.data(), N, workf);
    CHECK(maxAbsDiff(gxf.toDouble(), gi) < 1e-3);
    FloatTensor gwf = zeros<float>({g.nOut, g.nIn, kH, kW}), partialsf;
    tiles::accGrad(xf.data(), win, gof.data(), g.nOut, gwf.data(), 1.0f, N, workf, partialsf);
    CHECK(maxAbsDiff(gwf.toDouble(), gw) < 1e-3);
  }
  setNumThreads(saved);
  // the module on LeNet's second layer (6 -> 16 planes, 5x5, 14x14: its input gradient by
  // pixel tiles) and a vgg-like 3x3 layer: the tiles where they apply (float under AVX-512), im2col + GEMM elsewhere, same results
  for (const Geometry& g : {Geometry{6, 16, 5, 5, 1, 1, 0, 0}, Geometry{16, 24, 3, 3, 1, 1, 1, 1}}) {
    const kernels::Window2d win{.channels = g.nIn, .height = 14, .width = 14, .kH = g.kH, .kW = g.kW,
                                .padH = g.padH, .padW = g.padW};
    CHECK(tiles::forwardApplies<float>(win, g.nOut) == (XSIMD_WITH_AVX512F != 0));
    CHECK(tiles::inputApplies<float>(win, g.nOut) == (XSIMD_WITH_AVX512F != 0));
    CHECK(tiles::gradApplies<float>(win, g.nOut) == (XSIMD_WITH_AVX512F != 0 && g.kW == 5));
    nn::SpatialConvolution<float> f(g.nIn, g.nOut, g.kW, g.kH, 1, 1, g.padW, g.padH);
    const DoubleTensor x = randn<double>({3, g.nIn, 14, 14});
    const DoubleTensor go = randn<double>({3, g.nOut, win.outH(), win.outW()});
    DoubleTensor gi, gw, gb;
    naiveConvBackward(x, f.weight.toDouble(), go, g, gi, gw, gb);
    CHECK(maxAbsDiff(f.forward(x.toFloat()).toDouble(), naiveConv(x, f.weight.toDouble(), f.bias.toDouble(), g)) <
          1e-4);
    CHECK(maxAbsDiff(f.updateGradInput(x.toFloat(), go.toFloat()).toDouble(), gi) < 1e-4);
    f.zeroGradParameters();
    f.accGradParameters(x.toFloat(), go.toFloat(), 1.0);
    CHECK(maxAbsDiff(f.gradWeight.toDouble(), gw) < 1e-3);
    CHECK(maxAbsDiff(f.gradBias.toDouble(), gb) < 1e-3);
  }
  // padding of k or more has no full-correlation form: im2col + GEMM computes its gradient
  const kernels::Window2d wide{.channels = 16, .height = 6, .width = 6, .kH = 3, .kW = 3, .padH = 3, .padW = 1};
  CHECK_FALSE(tiles::inputApplies<float>(wide, 16));
}
