// nn simple modules: Identity, View, Reshape, Narrow, Select, Transpose, Squeeze, Unsqueeze,
// Replicate, Copy, Padding, Contiguous; Sum, Mean, Max, Min, MulConstant, AddConstant; Mul,
// Add, CMul, CAdd, Euclidean, Cosine, Bilinear, LookupTable; Dropout.
#include "helpers.hpp"

#include <cmath>

#include "t7/nn.hpp"
#include "t7/nn/dropout.hpp"
#include "t7/nn/reduce_modules.hpp"
#include "t7/nn/shape_modules.hpp"
#include "t7/nn/simple.hpp"

using namespace t7;

namespace {

/// 1 .. n*m as an [n x m] tensor.
DoubleTensor iota(index_t n, index_t m) { return range<double>(1, static_cast<double>(n * m)).view(n, m); }

/// A non-contiguous copy of x's values: a transposed view of a transposed copy.
DoubleTensor strided(const DoubleTensor& x) {
  REQUIRE(x.dim() == 2);
  DoubleTensor t = x.t().contiguous().t();
  REQUIRE(!t.isContiguous());
  return t;
}

bool sameStorage(const DoubleTensor& a, const DoubleTensor& b) { return a.storage().data() == b.storage().data(); }

}  // namespace

// ---- Identity, View, Reshape ------------------------------------------------------------

TEST_CASE("nn simple: Identity aliases tensors and tables") {
  nn::Identity<double> id;
  DoubleTensor x{{1, 2}, {3, 4}}, g{{5, 6}, {7, 8}};
  CHECK(id.forward(x).tensor().isSetTo(x));
  CHECK(id.backward(x, g).tensor().isSetTo(g));
  nn::Activity<double> table = nn::Table<double>{x, g};
  const nn::Activity<double>& y = id.forward(table);
  REQUIRE(y.isTable());
  CHECK(y[0].tensor().isSetTo(x));
  CHECK(y[1].tensor().isSetTo(g));
  CHECK(id.backward(table, table)[1].tensor().isSetTo(g));
  CHECK(nn::Jacobian::testJacobian(id, nn::Activity<double>(randn<double>({3, 2}))) < 1e-9);
  CHECK(nn::Jacobian::testJacobian(id, nn::Activity<double>(nn::Table<double>{randn<double>({2}), randn<double>({3})})) <
        1e-9);
  CHECK(id.toString() == "nn.Identity");
  auto f = nn::Identity();  // CTAD: float
  CHECK(f.forward(FloatTensor{1, 2}).tensor().isSetTo(f.output.tensor()));
}

TEST_CASE("nn simple: View by hand, batch inference, numInputDims, non-contiguous input") {
  const DoubleTensor x = iota(4, 4);
  nn::View<double> v28(2, 8);
  const DoubleTensor& y = v28.forward(x);
  CHECK(y.sizes() == Shape{2, 8});
  CHECK(y.data() == x.data());  // a view
  CHECK(equal(y, range<double>(1, 16).view(2, 8)));
  CHECK(v28.toString() == "nn.View(2, 8)");
  CHECK(nn::View<double>(16).forward(x).sizes() == Shape{16});
  // More elements than the view: the rest is a batch.
  CHECK(nn::View<double>(4).forward(randn<double>({3, 2, 2})).sizes() == Shape{3, 4});
  CHECK(nn::View<double>(6).forward(randn<double>({5, 2, 3})).sizes() == Shape{5, 6});
  nn::View<double> flat(-1);
  CHECK(flat.toString() == "nn.View(-1)");
  CHECK(flat.forward(randn<double>({5, 2, 3})).sizes() == Shape{30});
  flat.setNumInputDims(2);
  CHECK(flat.forward(randn<double>({2, 3})).sizes() == Shape{6});
  CHECK(flat.forward(randn<double>({5, 2, 3})).sizes() == Shape{5, 6});
  CHECK(nn::View<double>(Shape{3, -1}).forward(randn<double>({2, 3, 2})).sizes() == Shape{3, 4});
  // A layout no view can show is copied (Torch7 raises an error).
  const DoubleTensor xt = x.t();
  const DoubleTensor& yt = v28.forward(xt);
  CHECK(!sameStorage(yt, x));
  CHECK(equal(yt, xt.contiguous().view(2, 8)));
  // Gradients: gradOutput viewed as the input.
  auto xb = randn<double>({3, 2, 2});
  nn::View<double> v4(4);
  v4.forward(xb);
  DoubleTensor g = randn<double>({3, 4});
  CHECK(v4.backward(xb, g).data() == g.data());
  CHECK(v4.gradInput.sizes() == Shape{3, 2, 2});
  CHECK(nn::Jacobian::testJacobian(v4, xb) < 1e-9);
  CHECK(nn::Jacobian::testJacobian(flat, randn<double>({2, 2, 3})) < 1e-9);
  CHECK(nn::Jacobian::testJacobian(v28, strided(iota(4, 4))) < 1e-9);
  // Errors.
  T7_REQUIRE_THROWS_WITH_ALL(nn::View<double>(4).forward(randn<double>({3, 5})), SizeError, "View", "(3x5)", "(4)",
                             "do not match");
  T7_REQUIRE_THROWS_WITH_ALL(nn::View<double>(-1, -1), ValueError, "only one size may be -1");
  T7_REQUIRE_THROWS_WITH_ALL(nn::View<double>(2, -3), ValueError, ">= 0 or -1");
  T7_REQUIRE_THROWS_WITH_ALL(nn::View<double>(-1).setNumInputDims(3).forward(randn<double>({2, 3})), SizeError,
                             "fewer than numInputDims = 3", "[2x3]");
  v4.forward(xb);
  T7_REQUIRE_THROWS_WITH_ALL(v4.backward(xb, randn<double>({4, 3})), SizeError, "View", "gradOutput", "3x4", "4x3");
}

TEST_CASE("nn simple: Reshape with and without batch mode") {
  const DoubleTensor x = iota(4, 4);
  nn::Reshape<double> r28(2, 8);
  CHECK(equal(r28.forward(x), range<double>(1, 16).view(2, 8)));
  CHECK(r28.output.data() == x.data());
  CHECK(r28.toString() == "nn.Reshape(2x8)");
  CHECK(equal(nn::Reshape<double>(8, 2).forward(x), range<double>(1, 16).view(8, 2)));
  CHECK(nn::Reshape<double>(16).forward(x).sizes() == Shape{16});
  // Torch7's doc examples: a [1 x 4] input is a batch of one unless batchMode is false.
  const DoubleTensor one(1, 4);
  CHECK(nn::Reshape<double>(4).forward(one).sizes() == Shape{1, 4});
  CHECK(nn::Reshape<double>({4}, false).forward(one).sizes() == Shape{4});
  CHECK(nn::Reshape<double>({2, 2}, true).forward(randn<double>({2, 4})).sizes() == Shape{2, 2, 2});
  CHECK(nn::Reshape<double>(3, 2).forward(randn<double>({5, 6})).sizes() == Shape{5, 3, 2});
  // Non-contiguous input: a copy with the right values.
  const DoubleTensor xs = strided(iota(4, 4));
  CHECK(equal(r28.forward(xs), range<double>(1, 16).view(2, 8)));
  CHECK(!sameStorage(r28.output, xs));
  auto xb = randn<double>({3, 6});
  nn::Reshape<double> r32(3, 2);
  CHECK(nn::Jacobian::testJacobian(r32, xb) < 1e-9);
  CHECK(nn::Jacobian::testJacobian(r28, strided(iota(4, 4))) < 1e-9);
  T7_REQUIRE_THROWS_WITH_ALL(nn::Reshape<double>(5).forward(randn<double>({3, 4})), SizeError, "Reshape",
                             "[3x4]", "cannot be reshaped to [3x5]");
  T7_REQUIRE_THROWS_WITH_ALL(nn::Reshape<double>({4}, false).forward(randn<double>({2, 3})), SizeError,
                             "cannot be reshaped to [4]");
  T7_REQUIRE_THROWS_WITH_ALL(nn::Reshape<double>(Shape{2, -1}), ValueError, "Reshape", ">= 0");
  r32.forward(xb);
  T7_REQUIRE_THROWS_WITH_ALL(r32.backward(xb, randn<double>({3, 6})), SizeError, "Reshape", "gradOutput");
}

// ---- Narrow, Select, Transpose ----------------------------------------------------------

TEST_CASE("nn simple: Narrow with negative dimension, offset and length") {
  const DoubleTensor x = iota(4, 5);
  CHECK(equal(nn::Narrow<double>(0, 1, 3).forward(x), x.narrow(0, 1, 3)));
  CHECK(equal(nn::Narrow<double>(0, 1, -1).forward(x), x.narrow(0, 1, 3)));  // to the end
  CHECK(equal(nn::Narrow<double>(0, 1, -2).forward(x), x.narrow(0, 1, 2)));  // one short of it
  CHECK(equal(nn::Narrow<double>(1, 1, 3).forward(x), x.narrow(1, 1, 3)));
  CHECK(equal(nn::Narrow<double>(1, 1, -2).forward(x), x.narrow(1, 1, 3)));
  CHECK(equal(nn::Narrow<double>(-1, -2, 2).forward(x), x.narrow(1, 3, 2)));
  CHECK(equal(nn::Narrow<double>(0, -1).forward(x), x.narrow(0, 3, 1)));
  nn::Narrow<double> n(1, 1, 2);
  const DoubleTensor& y = n.forward(strided(x));
  CHECK(equal(y, x.narrow(1, 1, 2)));
  CHECK(!sameStorage(y, x));  // a copy
  DoubleTensor g = DoubleTensor{{1, 2}, {3, 4}, {5, 6}, {7, 8}};
  CHECK(equal(n.backward(x, g), DoubleTensor{{0, 1, 2, 0, 0}, {0, 3, 4, 0, 0}, {0, 5, 6, 0, 0}, {0, 7, 8, 0, 0}}));
  CHECK(nn::Jacobian::testJacobian(n, randn<double>({3, 4})) < 1e-9);
  nn::Narrow<double> batch(-1, -3, -1);
  CHECK(nn::Jacobian::testJacobian(batch, randn<double>({2, 3, 5})) < 1e-9);
  T7_REQUIRE_THROWS_WITH_ALL(nn::Narrow<double>(0, 3, 2).forward(x), IndexError, "Narrow", "offset 3, length 2",
                             "dimension 0", "[4x5]");
  T7_REQUIRE_THROWS_WITH_ALL(nn::Narrow<double>(0, -6).forward(x), IndexError, "Narrow", "offset -6");
  T7_REQUIRE_THROWS_WITH_ALL(nn::Narrow<double>(2, 0).forward(x), IndexError, "Narrow", "dimension 2");
  n.forward(x);
  T7_REQUIRE_THROWS_WITH_ALL(n.backward(x, randn<double>({4, 3})), SizeError, "Narrow", "gradOutput");
}

TEST_CASE("nn simple: Select with negative indices") {
  const DoubleTensor x = iota(3, 4);
  CHECK(equal(nn::Select<double>(0, 2).forward(x), DoubleTensor{9, 10, 11, 12}));
  CHECK(equal(nn::Select<double>(1, -1).forward(x), DoubleTensor{4, 8, 12}));
  CHECK(equal(nn::Select<double>(-1, 0).forward(strided(x)), DoubleTensor{1, 5, 9}));
  nn::Select<double> s(1, 1);
  auto xb = randn<double>({2, 3, 4});
  CHECK(equal(s.forward(xb), xb.select(1, 1)));
  CHECK(equal(s.backward(xb, ones<double>({2, 4})).select(1, 1), ones<double>({2, 4})));
  CHECK(sum(s.gradInput) == 8);
  CHECK(nn::Jacobian::testJacobian(s, xb) < 1e-9);
  T7_REQUIRE_THROWS_WITH_ALL(nn::Select<double>(0, 0).forward(DoubleTensor{1, 2}), SizeError, "Select",
                             "at least 2 dimensions", "[2]");
  T7_REQUIRE_THROWS_WITH_ALL(nn::Select<double>(0, 3).forward(x), IndexError, "Select", "index 3", "[3x4]");
  T7_REQUIRE_THROWS_WITH_ALL(nn::Select<double>(0, -4).forward(x), IndexError, "index -4");
  T7_REQUIRE_THROWS_WITH_ALL(nn::Select<double>(2, 0).forward(x), IndexError, "Select", "dimension 2");
}

TEST_CASE("nn simple: Transpose pairs, numInputDims") {
  const DoubleTensor x = iota(2, 3);
  nn::Transpose<double> t({{0, 1}});
  CHECK(equal(t.forward(x), x.t()));
  CHECK(t.output.isContiguous());
  auto x3 = randn<double>({2, 3, 4});
  nn::Transpose<double> t2({{0, 2}, {0, 1}});  // [2,3,4] -> [4,3,2] -> [3,4,2]
  CHECK(equal(t2.forward(x3), x3.permute(1, 2, 0)));
  CHECK(equal(t2.backward(x3, t2.output), x3));
  CHECK(nn::Jacobian::testJacobian(t2, x3) < 1e-9);
  nn::Transpose<double> tb({{0, 1}});
  tb.setNumInputDims(2);
  CHECK(equal(tb.forward(x3), x3.transpose(1, 2)));
  CHECK(equal(tb.forward(x), x.t()));
  CHECK(nn::Jacobian::testJacobian(tb, x3) < 1e-9);
  nn::Transpose<double> neg({{-1, -2}});
  CHECK(equal(neg.forward(x3), x3.transpose(1, 2)));
  T7_REQUIRE_THROWS_WITH_ALL(nn::Transpose<double>({{0, 2}}).forward(x), IndexError, "Transpose", "dimension 2");
  T7_REQUIRE_THROWS_WITH_ALL(nn::Transpose<double>({{0, 1}}).setNumInputDims(3).forward(x), SizeError, "Transpose",
                             "fewer than numInputDims = 3");
}

// ---- Squeeze, Unsqueeze, Replicate ------------------------------------------------------

TEST_CASE("nn simple: Squeeze and Unsqueeze, with batches") {
  auto x = randn<double>({2, 1, 3, 1});
  nn::Squeeze<double> all;
  CHECK(all.forward(x).sizes() == Shape{2, 3});
  CHECK(all.output.data() == x.data());
  CHECK(nn::Squeeze<double>(1).forward(x).sizes() == Shape{2, 3, 1});
  CHECK(nn::Squeeze<double>(-1).forward(x).sizes() == Shape{2, 1, 3});
  CHECK(nn::Squeeze<double>(0).forward(x).sizes() == Shape{2, 1, 3, 1});  // not size 1: unchanged
  // numInputDims: a batch of one keeps its batch dimension; a given dim is shifted.
  CHECK(nn::Squeeze<double>().setNumInputDims(2).forward(randn<double>({1, 1, 3})).sizes() == Shape{1, 3});
  CHECK(nn::Squeeze<double>().setNumInputDims(2).forward(randn<double>({1, 3})).sizes() == Shape{3});
  CHECK(nn::Squeeze<double>(0, 2).forward(randn<double>({4, 1, 3})).sizes() == Shape{4, 3});
  CHECK(nn::Squeeze<double>(0, 2).forward(randn<double>({1, 3})).sizes() == Shape{3});
  CHECK(all.backward(x, randn<double>({2, 3})).sizes() == x.sizes());
  CHECK(nn::Jacobian::testJacobian(all, x) < 1e-9);
  T7_REQUIRE_THROWS_WITH_ALL(nn::Squeeze<double>(4).forward(x), IndexError, "Squeeze", "dimension 4");
  all.forward(x);
  T7_REQUIRE_THROWS_WITH_ALL(all.backward(x, randn<double>({3, 2})), SizeError, "Squeeze", "gradOutput");

  auto u = randn<double>({2, 4, 3});
  CHECK(nn::Unsqueeze<double>(0).forward(u).sizes() == Shape{1, 2, 4, 3});
  CHECK(nn::Unsqueeze<double>(3).forward(u).sizes() == Shape{2, 4, 3, 1});
  CHECK(nn::Unsqueeze<double>(1).forward(u).sizes() == Shape{2, 1, 4, 3});
  CHECK(nn::Unsqueeze<double>(-1).forward(u).sizes() == Shape{2, 4, 3, 1});
  auto ub = randn<double>({5, 2, 4, 3});
  CHECK(nn::Unsqueeze<double>(3, 3).forward(ub).sizes() == Shape{5, 2, 4, 3, 1});
  nn::Unsqueeze<double> u1(1);
  u1.setNumInputDims(3);
  CHECK(u1.forward(ub).sizes() == Shape{5, 2, 1, 4, 3});
  CHECK(u1.forward(u).sizes() == Shape{2, 1, 4, 3});
  CHECK(u1.output.data() == u.data());
  CHECK(u1.toString() == "nn.Unsqueeze(dim 1)");
  DoubleTensor us = strided(iota(3, 4));
  CHECK(equal(u1.setNumInputDims(-1).forward(us).select(1, 0), us));
  CHECK(nn::Jacobian::testJacobian(u1, us) < 1e-9);
  CHECK(nn::Jacobian::testJacobian(u1, u) < 1e-9);
  T7_REQUIRE_THROWS_WITH_ALL(nn::Unsqueeze<double>(4).forward(u), IndexError, "Unsqueeze", "position 4",
                             "[0, 3]");
  T7_REQUIRE_THROWS_WITH_ALL(nn::Unsqueeze<double>(0, 4).forward(u), SizeError, "Unsqueeze",
                             "fewer than numInputDims = 4");
  T7_REQUIRE_THROWS_WITH_ALL(nn::Unsqueeze<double>(0, -2), ValueError, "numInputDims");
}

TEST_CASE("nn simple: Replicate is a stride-0 view; gradInput sums the copies") {
  DoubleTensor x{1, 2, 3, 4, 5};
  nn::Replicate<double> r(3);
  const DoubleTensor& y = r.forward(x);
  CHECK(equal(y, DoubleTensor{{1, 2, 3, 4, 5}, {1, 2, 3, 4, 5}, {1, 2, 3, 4, 5}}));
  x.fill(13);
  CHECK(equal(r.output, full<double>({3, 5}, 13)));  // the output aliases the input (Torch7's doc)
  CHECK(equal(r.backward(x, iota(3, 5)), DoubleTensor{18, 21, 24, 27, 30}));
  CHECK(nn::Replicate<double>(2, 1).forward(iota(2, 3)).sizes() == Shape{2, 2, 3});
  nn::Replicate<double> rb(3, 0, 1);  // one non-batch dimension
  CHECK(rb.forward(DoubleTensor{1, 2}).sizes() == Shape{3, 2});
  const DoubleTensor& yb = rb.forward(iota(2, 2));
  CHECK(yb.sizes() == Shape{2, 3, 2});
  CHECK(equal(yb.select(1, 2), iota(2, 2)));
  CHECK(nn::Jacobian::testJacobian(rb, randn<double>({2, 3})) < 1e-9);
  CHECK(nn::Jacobian::testJacobian(r, strided(iota(2, 3))) < 1e-9);
  T7_REQUIRE_THROWS_WITH_ALL(nn::Replicate<double>(2, 2).forward(DoubleTensor{1, 2}), SizeError, "Replicate",
                             "dimension 2", "[2]");
  T7_REQUIRE_THROWS_WITH_ALL(nn::Replicate<double>(2, -1), ValueError, "Replicate", "dim");
}

// ---- Copy, Padding, Contiguous ------------------------------------------------------------

TEST_CASE("nn simple: Copy and Contiguous") {
  const DoubleTensor x = iota(2, 3);
  nn::Copy<double> c;
  CHECK(equal(c.forward(x), x));
  CHECK(!sameStorage(c.output, x));
  CHECK(!sameStorage(c.backward(x, x), x));
  CHECK(nn::Jacobian::testJacobian(c, strided(x)) < 1e-9);

  nn::Contiguous<double> ct;
  CHECK(ct.forward(x).isSetTo(x));  // contiguous: the input itself
  const DoubleTensor xs = strided(x);
  CHECK(equal(ct.forward(xs), x));
  CHECK(ct.output.isContiguous());
  CHECK(!sameStorage(ct.output, xs));
  // After aliasing a contiguous input, a non-contiguous one must not be copied into it.
  DoubleTensor a = iota(2, 3);
  ct.forward(a);
  ct.forward(strided(DoubleTensor{{9, 9, 9}, {9, 9, 9}}));
  CHECK(equal(a, iota(2, 3)));
  CHECK(ct.backward(x, xs).isContiguous());
  CHECK(equal(ct.gradInput, x));
  CHECK(nn::Jacobian::testJacobian(ct, xs) < 1e-9);
}

TEST_CASE("nn simple: Padding left, right, at an index, with batches") {
  // Torch7's doc examples (0-based dim and index here).
  nn::Padding<double> right(0, 2, 1, -1);
  CHECK(equal(right.forward(DoubleTensor{1, 2, 3}), DoubleTensor{1, 2, 3, -1, -1}));
  nn::Padding<double> left(0, -2, 1, -1);
  CHECK(equal(left.forward(iota(2, 3)), DoubleTensor{{-1, -1, 1, 2, 3}, {-1, -1, 4, 5, 6}}));
  nn::Padding<double> at(0, -2, 1, -1, 1);
  CHECK(equal(at.forward(iota(2, 3)), DoubleTensor{{1, -1, -1, 2, 3}, {4, -1, -1, 5, 6}}));
  nn::Padding<double> rightAt(1, 2, -1, 0, 1);
  CHECK(equal(rightAt.forward(iota(2, 3)), DoubleTensor{{1, 2, 0, 0, 3}, {4, 5, 0, 0, 6}}));
  CHECK(equal(rightAt.backward(iota(2, 3), DoubleTensor{{1, 2, 9, 9, 3}, {4, 5, 9, 9, 6}}), iota(2, 3)));
  CHECK(equal(nn::Padding<double>(-1, -1).forward(strided(iota(2, 2))), DoubleTensor{{0, 1, 2}, {0, 3, 4}}));
  for (auto* m : {&right, &left, &at, &rightAt}) CHECK(nn::Jacobian::testJacobian(*m, randn<double>({3, 4})) < 1e-9);
  for (auto* m : {&right, &left, &at}) CHECK(nn::Jacobian::testJacobian(*m, randn<double>({3})) < 1e-9);
  T7_REQUIRE_THROWS_WITH_ALL(nn::Padding<double>(0, 2, -1, 0, 4).forward(DoubleTensor{1, 2, 3}), IndexError,
                             "Padding", "index 4", "[0, 3]");
  T7_REQUIRE_THROWS_WITH_ALL(nn::Padding<double>(2, 1).forward(iota(2, 2)), IndexError, "Padding", "dimension 2");
  T7_REQUIRE_THROWS_WITH_ALL(nn::Padding<double>(0, 1, -1, 0, -1), ValueError, "Padding", "index");
}

// ---- Sum, Mean, Max, Min ------------------------------------------------------------------

TEST_CASE("nn simple: Sum and Mean squeeze the reduced dimension; batch via nInputDims") {
  const DoubleTensor x = iota(2, 3);
  CHECK(equal(nn::Sum<double>(0).forward(x), DoubleTensor{5, 7, 9}));
  CHECK(equal(nn::Sum<double>(1).forward(x), DoubleTensor{6, 15}));
  CHECK(equal(nn::Sum<double>(-1).forward(strided(x)), DoubleTensor{6, 15}));
  CHECK(equal(nn::Sum<double>(0, 1).forward(x), DoubleTensor{6, 15}));  // a batch of 1-D samples
  CHECK(equal(nn::Sum<double>(0, 1).forward(DoubleTensor{1, 2, 3}), DoubleTensor{6}));  // 1-D: kept, size 1
  CHECK(equal(nn::Sum<double>(0, -1, true).forward(x), DoubleTensor{2.5, 3.5, 4.5}));
  CHECK(equal(nn::Sum<double>(1, -1, false, false).forward(x), DoubleTensor{{6}, {15}}));
  CHECK(equal(nn::Mean<double>(1).forward(x), DoubleTensor{2, 5}));
  CHECK(equal(nn::Mean<double>(0, 1).forward(x), DoubleTensor{2, 5}));
  CHECK(nn::Mean<double>().sizeAverage);
  nn::Sum<double> s(1);
  CHECK(equal(s.backward(x, DoubleTensor{1, 2}), DoubleTensor{{1, 1, 1}, {2, 2, 2}}));
  nn::Mean<double> m(0);
  m.forward(x);
  CHECK(equal(m.backward(x, DoubleTensor{2, 4, 6}), DoubleTensor{{1, 2, 3}, {1, 2, 3}}));
  for (int d : {0, 1, 2, -1}) {
    nn::Sum<double> sd(d);
    nn::Mean<double> md(d, -1, false);
    auto x3 = randn<double>({2, 3, 4});
    CHECK(nn::Jacobian::testJacobian(sd, x3) < 1e-8);
    CHECK(nn::Jacobian::testJacobian(md, x3) < 1e-8);
  }
  nn::Sum<double> sb(0, 2, true);
  CHECK(nn::Jacobian::testJacobian(sb, randn<double>({3, 2, 2})) < 1e-8);
  CHECK(nn::Jacobian::testJacobian(sb, randn<double>({2, 2})) < 1e-8);
  T7_REQUIRE_THROWS_WITH_ALL(nn::Sum<double>(2).forward(x), IndexError, "Sum", "dimension 2");
  T7_REQUIRE_THROWS_WITH_ALL(nn::Mean<double>(0, -3), ValueError, "Mean", "nInputDims");
  s.forward(x);
  T7_REQUIRE_THROWS_WITH_ALL(s.backward(x, DoubleTensor{1, 2, 3}), SizeError, "Sum", "gradOutput should be [2]",
                             "[2x3]", "[3]");
}

TEST_CASE("nn simple: Max and Min send the gradient to the chosen elements") {
  const DoubleTensor x{{1, 5, 3}, {4, 2, 6}};
  nn::Max<double> mx(1);
  CHECK(equal(mx.forward(x), DoubleTensor{5, 6}));
  CHECK(equal(mx._indices, LongTensor{{1}, {2}}));
  CHECK(equal(mx.backward(x, DoubleTensor{10, 20}), DoubleTensor{{0, 10, 0}, {0, 0, 20}}));
  nn::Min<double> mn(0);
  CHECK(equal(mn.forward(strided(x)), DoubleTensor{1, 2, 3}));
  CHECK(equal(mn.backward(x, DoubleTensor{1, 2, 3}), DoubleTensor{{1, 0, 3}, {0, 2, 0}}));
  CHECK(equal(nn::Max<double>(0, 1).forward(x), DoubleTensor{5, 6}));  // batch of 1-D samples
  CHECK(equal(nn::Max<double>(0).forward(DoubleTensor{3, 7, 1}), DoubleTensor{7}));
  CHECK(equal(nn::Min<double>(-1).forward(x), DoubleTensor{1, 2}));
  auto x3 = randn<double>({3, 4, 2});
  for (int d : {0, 1, 2}) {
    nn::Max<double> a(d);
    nn::Min<double> b(d);
    CHECK(nn::Jacobian::testJacobian(a, x3) < 1e-8);
    CHECK(nn::Jacobian::testJacobian(b, x3) < 1e-8);
  }
  T7_REQUIRE_THROWS_WITH_ALL(nn::Max<double>(0).forward(DoubleTensor(0, 3)), SizeError, "Max", "size 0");
  T7_REQUIRE_THROWS_WITH_ALL(nn::Min<double>(3).forward(x), IndexError, "Min", "dimension 3");
  nn::Max<double> fresh(0);
  T7_REQUIRE_THROWS_WITH_ALL(fresh.backward(x, DoubleTensor{1, 2, 3}), SizeError, "Max", "after forward");
}

// ---- MulConstant, AddConstant ------------------------------------------------------------

TEST_CASE("nn simple: MulConstant and AddConstant, in place and not") {
  const DoubleTensor x = iota(2, 3);
  nn::MulConstant<double> m(2.5);
  CHECK(equal(m.forward(x), x * 2.5));
  CHECK(equal(m.backward(x, ones<double>({2, 3})), full<double>({2, 3}, 2.5)));
  CHECK(nn::Jacobian::testJacobian(m, strided(x)) < 1e-8);
  nn::AddConstant<double> a(-1);
  CHECK(equal(a.forward(x), x - 1));
  CHECK(nn::Jacobian::testJacobian(a, x.clone()) < 1e-8);

  DoubleTensor xi = iota(2, 3), gi = ones<double>({2, 3});
  nn::MulConstant<double> mi(4, true);
  CHECK(mi.forward(xi).isSetTo(xi));
  CHECK(equal(xi, iota(2, 3) * 4));
  CHECK(mi.backward(xi, gi).isSetTo(gi));
  CHECK(equal(gi, full<double>({2, 3}, 4)));
  CHECK(equal(xi, iota(2, 3)));  // restored
  nn::AddConstant<double> ai(3, true);
  CHECK(ai.forward(xi).isSetTo(xi));
  CHECK(equal(xi, iota(2, 3) + 3));
  CHECK(ai.backward(xi, gi).isSetTo(gi));
  CHECK(equal(xi, iota(2, 3)));  // restored
  T7_REQUIRE_THROWS_WITH_ALL(nn::MulConstant<double>(0, true), ValueError, "MulConstant", "constant 0");
  T7_REQUIRE_THROWS_WITH_ALL(m.backward(x, ones<double>({3, 2})), SizeError, "MulConstant", "gradOutput");
  auto f = nn::MulConstant(0.5);  // CTAD: float
  CHECK(equal(f.forward(FloatTensor{2, 4}), FloatTensor{1, 2}));
}

// ---- Mul, Add, CMul, CAdd ----------------------------------------------------------------

TEST_CASE("nn simple: Mul and Add by hand and by Jacobian") {
  nn::Mul<double> mul;
  CHECK(mul.weight.sizes() == Shape{1});
  CHECK(std::abs(mul.weight.item()) <= 1);
  mul.weight.fill(3);
  const DoubleTensor x = iota(2, 3);
  CHECK(equal(mul.forward(x), x * 3));
  mul.zeroGradParameters();
  CHECK(equal(mul.backward(x, ones<double>({2, 3}), 0.5), full<double>({2, 3}, 3)));
  CHECK(mul.gradWeight.item() == 0.5 * 21);
  for (auto in : {randn<double>({4}), randn<double>({2, 3}), strided(iota(2, 3))}) {
    CHECK(nn::Jacobian::testJacobian(mul, in) < 1e-8);
    CHECK(nn::Jacobian::testJacobianParameters(mul, in) < 1e-8);
  }

  nn::Add<double> add(3);
  add.bias.copy(DoubleTensor{1, 2, 3});
  CHECK(equal(add.forward(DoubleTensor{1, 1, 1}), DoubleTensor{2, 3, 4}));
  CHECK(equal(add.forward(x), DoubleTensor{{2, 4, 6}, {5, 7, 9}}));
  add.zeroGradParameters();
  add.backward(x, DoubleTensor{{1, 2, 3}, {4, 5, 6}}, 2);
  CHECK(equal(add.gradBias, DoubleTensor{10, 14, 18}));
  nn::Add<double> sc(7, true);
  sc.bias.fill(0.5);
  CHECK(sc.bias.sizes() == Shape{1});
  CHECK(equal(sc.forward(x), x + 0.5));
  for (auto in : {randn<double>({3}), randn<double>({4, 3}), strided(iota(4, 3)), randn<double>({2, 3, 1})}) {
    CHECK(nn::Jacobian::testJacobian(add, in) < 1e-8);
    CHECK(nn::Jacobian::testJacobianParameters(add, in) < 1e-8);
    CHECK(nn::Jacobian::testJacobianParameters(sc, in) < 1e-8);
  }
  T7_REQUIRE_THROWS_WITH_ALL(add.forward(randn<double>({2, 4})), SizeError, "Add", "bias [3]", "input [2x4]");
  T7_REQUIRE_THROWS_WITH_ALL(nn::Add<double>(0), ValueError, "Add", "positive");
  T7_REQUIRE_THROWS_WITH_ALL(nn::Add<double>().forward(x), ValueError, "Add", "no bias");
  T7_REQUIRE_THROWS_WITH_ALL(add.backward(x, randn<double>({3, 2})), SizeError, "Add", "gradOutput should be [2x3]");
}

TEST_CASE("nn simple: CMul and CAdd broadcast over the batch and size-1 dimensions") {
  nn::CMul<double> cm(3);
  cm.weight.copy(DoubleTensor{1, 2, 3});
  CHECK(equal(cm.forward(DoubleTensor{1, 1, 2}), DoubleTensor{1, 2, 6}));
  CHECK(equal(cm.forward(iota(2, 3)), DoubleTensor{{1, 4, 9}, {4, 10, 18}}));
  cm.zeroGradParameters();
  cm.backward(iota(2, 3), ones<double>({2, 3}));
  CHECK(equal(cm.gradWeight, DoubleTensor{5, 7, 9}));
  CHECK(equal(cm.gradInput, DoubleTensor{{1, 2, 3}, {1, 2, 3}}));
  nn::CMul<double> col(2, 1);  // Torch7's doc example: one factor per row
  col.weight.copy(DoubleTensor{{2}, {3}});
  CHECK(equal(col.forward(iota(2, 3)), DoubleTensor{{2, 4, 6}, {12, 15, 18}}));
  nn::CMul<double> plane(2, 3);
  plane.weight.copy(iota(2, 3));
  CHECK(equal(plane.forward(ones<double>({4, 2, 3})).select(0, 3), iota(2, 3)));
  CHECK(equal(plane.forward(ones<double>({6})), range<double>(1, 6)));  // same count: elementwise
  nn::CAdd<double> ca(2, 1);
  ca.bias.copy(DoubleTensor{{10}, {20}});
  CHECK(equal(ca.forward(iota(2, 3)), DoubleTensor{{11, 12, 13}, {24, 25, 26}}));
  ca.zeroGradParameters();
  ca.backward(iota(2, 3), iota(2, 3));
  CHECK(equal(ca.gradBias, DoubleTensor{{6}, {15}}));
  CHECK(equal(ca.gradInput, iota(2, 3)));
  nn::CAdd<double> cab(3);
  for (auto in : {randn<double>({3}), randn<double>({4, 3}), strided(iota(4, 3))}) {
    CHECK(nn::Jacobian::testJacobian(cm, in) < 1e-8);
    CHECK(nn::Jacobian::testJacobianParameters(cm, in) < 1e-8);
    CHECK(nn::Jacobian::testJacobianParameters(cab, in) < 1e-8);
  }
  for (auto in : {randn<double>({2, 3}), randn<double>({3, 2, 3})}) {
    CHECK(nn::Jacobian::testJacobian(plane, in) < 1e-8);
    CHECK(nn::Jacobian::testJacobianParameters(plane, in) < 1e-8);
  }
  CHECK(nn::Jacobian::testJacobianParameters(col, strided(iota(2, 5))) < 1e-8);
  CHECK(nn::Jacobian::testJacobianParameters(ca, randn<double>({2, 4})) < 1e-8);
  T7_REQUIRE_THROWS_WITH_ALL(col.forward(randn<double>({3, 3})), SizeError, "CMul", "weight [2x1]", "input [3x3]");
  T7_REQUIRE_THROWS_WITH_ALL(cab.forward(randn<double>({2, 4})), SizeError, "CAdd", "bias [3]", "input [2x4]");
  T7_REQUIRE_THROWS_WITH_ALL(nn::CMul<double>(Shape{2, 0}), ValueError, "CMul", "positive");
  T7_REQUIRE_THROWS_WITH_ALL(cm.backward(iota(2, 3), ones<double>({3})), SizeError, "CMul", "gradOutput");
}

// ---- Euclidean, Cosine --------------------------------------------------------------------

TEST_CASE("nn simple: Euclidean distances to the centres") {
  nn::Euclidean<double> e(2, 3);
  CHECK(e.weight.sizes() == Shape{2, 3});  // Torch7's layout: a centre per column
  e.weight.copy(DoubleTensor{{0, 3, 1}, {0, 4, 0}});
  CHECK(allclose(e.forward(DoubleTensor{0, 0}), DoubleTensor{0, 5, 1}));
  CHECK(allclose(e.forward(DoubleTensor{{0, 0}, {3, 0}}), DoubleTensor{{0, 5, 1}, {3, 4, 2}}));
  // d y_j / d x = (x - w_j) / y_j.
  e.forward(DoubleTensor{3, 0});
  CHECK(allclose(e.backward(DoubleTensor{3, 0}, DoubleTensor{1, 0, 0}), DoubleTensor{1, 0}, {.rtol = 1e-6}));
  nn::Euclidean<double> r(4, 3);
  for (auto in : {randn<double>({4}), randn<double>({3, 4}), strided(randn<double>({3, 4}))}) {
    CHECK(nn::Jacobian::testJacobian(r, in) < 1e-6);
    CHECK(nn::Jacobian::testJacobianParameters(r, in) < 1e-6);
  }
  T7_REQUIRE_THROWS_WITH_ALL(r.forward(randn<double>({3, 5})), SizeError, "Euclidean", "[4] or [n x 4]", "[3x5]");
  T7_REQUIRE_THROWS_WITH_ALL(nn::Euclidean<double>(0, 2), ValueError, "Euclidean", "positive");
  r.forward(randn<double>({2, 4}));
  T7_REQUIRE_THROWS_WITH_ALL(r.backward(randn<double>({2, 4}), randn<double>({2, 4})), SizeError, "Euclidean",
                             "gradOutput should be [2x3]");
  T7_REQUIRE_THROWS_WITH_ALL(r.backward(randn<double>({5, 4}), randn<double>({5, 3})), SizeError, "Euclidean",
                             "forward");
}

TEST_CASE("nn simple: Cosine similarity to the centres") {
  nn::Cosine<double> c(2, 3);
  CHECK(c.weight.sizes() == Shape{3, 2});
  c.weight.copy(DoubleTensor{{1, 0}, {0, 2}, {1, 1}});
  const double s2 = std::sqrt(2.0);
  CHECK(allclose(c.forward(DoubleTensor{3, 4}), DoubleTensor{0.6, 0.8, 7 / (5 * s2)}));
  CHECK(allclose(c.forward(DoubleTensor{{3, 4}, {0, -1}}), DoubleTensor{{0.6, 0.8, 7 / (5 * s2)}, {0, -1, -1 / s2}}));
  nn::Cosine<double> r(4, 3);
  for (auto in : {randn<double>({4}), randn<double>({3, 4}), strided(randn<double>({3, 4}))}) {
    CHECK(nn::Jacobian::testJacobian(r, in) < 1e-6);
    CHECK(nn::Jacobian::testJacobianParameters(r, in) < 1e-6);
  }
  // backward's scale multiplies the whole parameter gradient.
  auto x = randn<double>({2, 4});
  auto g = randn<double>({2, 3});
  r.zeroGradParameters();
  r.forward(x);
  r.backward(x, g, 1);
  const DoubleTensor once = r.gradWeight.clone();
  r.zeroGradParameters();
  r.backward(x, g, 0.25);
  CHECK(allclose(r.gradWeight, once * 0.25));
  T7_REQUIRE_THROWS_WITH_ALL(r.forward(randn<double>({2, 2, 4})), SizeError, "Cosine", "[4] or [n x 4]");
  T7_REQUIRE_THROWS_WITH_ALL(r.backward(x, randn<double>({2, 4})), SizeError, "Cosine", "gradOutput");
  auto f = nn::Cosine(2, 1);  // CTAD: float
  f.weight.copy(FloatTensor{{1, 1}});
  CHECK(allclose(f.forward(FloatTensor{2, 2}), FloatTensor{1}));
}

// ---- Bilinear -----------------------------------------------------------------------------

TEST_CASE("nn simple: Bilinear on a table, batch and single sample") {
  nn::Bilinear<double> b(2, 2, 1);
  CHECK(b.toString() == "nn.Bilinear(2x2 -> 1)");
  b.weight.copy(DoubleTensor{{{1, 2}, {3, 4}}});
  b.bias.fill(0.5);
  // x1 W x2^T: [1 1] [[1 2] [3 4]] [1 0]^T = 4.
  CHECK(equal(b.forward(nn::Table<double>{DoubleTensor{1, 1}, DoubleTensor{1, 0}}), DoubleTensor{4.5}));
  CHECK(equal(b.forward(nn::Table<double>{DoubleTensor{{1, 1}, {0, 1}}, DoubleTensor{{1, 0}, {0, 1}}}),
              DoubleTensor{{4.5}, {4.5}}));
  const nn::Table<double>& gi = b.backward(nn::Table<double>{DoubleTensor{{1, 1}}, DoubleTensor{{1, 0}}},
                                           DoubleTensor{{2}});
  CHECK(equal(gi[0].tensor(), DoubleTensor{{2, 6}}));  // 2 * W x2
  CHECK(equal(gi[1].tensor(), DoubleTensor{{8, 12}}));  // 2 * x1 W
  nn::Bilinear<double> r(3, 2, 4);
  nn::Bilinear<double> nb(3, 2, 2, false);
  CHECK(nb.toString() == "nn.Bilinear(3x2 -> 2) without bias");
  CHECK(nb.parameters().weights.size() == 1);
  for (auto in : {nn::Table<double>{randn<double>({3}), randn<double>({2})},
                  nn::Table<double>{randn<double>({5, 3}), randn<double>({5, 2})},
                  nn::Table<double>{strided(randn<double>({5, 3})), randn<double>({5, 2})}}) {
    CHECK(nn::Jacobian::testJacobian(r, in) < 1e-6);
    CHECK(nn::Jacobian::testJacobianParameters(r, in) < 1e-6);
    CHECK(nn::Jacobian::testJacobianParameters(nb, in) < 1e-6);
  }
  T7_REQUIRE_THROWS_WITH_ALL(r.forward(nn::Table<double>{randn<double>({5, 3})}), SizeError, "Bilinear",
                             "two tensors", "{[5x3]}");
  T7_REQUIRE_THROWS_WITH_ALL(r.forward(nn::Table<double>{randn<double>({5, 3}), randn<double>({4, 2})}), SizeError,
                             "Bilinear", "{[5x3], [4x2]}");
  T7_REQUIRE_THROWS_WITH_ALL(r.forward(nn::Table<double>{randn<double>({5, 2}), randn<double>({5, 2})}), SizeError,
                             "[n x 3]");
  T7_REQUIRE_THROWS_WITH_ALL(
      r.forward(nn::Table<double>{nn::Table<double>{randn<double>({3})}, randn<double>({2})}), TypeError,
      "Bilinear", "expected a tensor");
  T7_REQUIRE_THROWS_WITH_ALL(nn::Bilinear<double>(2, 0, 1), ValueError, "Bilinear", "positive");
  nn::Table<double> in{randn<double>({5, 3}), randn<double>({5, 2})};
  r.forward(in);
  T7_REQUIRE_THROWS_WITH_ALL(r.backward(in, randn<double>({5, 3})), SizeError, "Bilinear", "gradOutput should be [5x4]");
  // A tensor where the table belongs, through a container.
  nn::Sequential<double> seq;
  seq.add(nn::Bilinear<double>(3, 2, 1));
  T7_REQUIRE_THROWS_WITH_ALL(seq.forward(randn<double>({3})), TypeError, "nn.Bilinear", "expected a table");
}

// ---- LookupTable --------------------------------------------------------------------------

TEST_CASE("nn simple: LookupTable rows, checks, padding, maxNorm, scaleGradByFreq") {
  nn::LookupTable<double> lt(4, 2);
  CHECK(lt.weight.sizes() == Shape{4, 2});
  lt.weight.copy(DoubleTensor{{1, 2}, {3, 4}, {5, 6}, {7, 8}});
  CHECK(equal(lt.forward(DoubleTensor{2, 0, 2}), DoubleTensor{{5, 6}, {1, 2}, {5, 6}}));
  CHECK(equal(lt.forward(DoubleTensor{{3, 1}, {0, 0}}), DoubleTensor{{{7, 8}, {3, 4}}, {{1, 2}, {1, 2}}}));
  CHECK(equal(lt.forward(strided(DoubleTensor{{3, 1}, {0, 0}})), DoubleTensor{{{7, 8}, {3, 4}}, {{1, 2}, {1, 2}}}));
  CHECK(equal(lt.forward(DoubleTensor{{3, 1}, {0, 0}}.t()), DoubleTensor{{{7, 8}, {1, 2}}, {{3, 4}, {1, 2}}}));
  // Parameter gradients: rows accumulate; the input is not differentiable (zeros).
  lt.zeroGradParameters();
  const DoubleTensor idx{1, 3, 1};
  lt.forward(idx);
  CHECK(equal(lt.backward(idx, DoubleTensor{{1, 1}, {2, 2}, {3, 3}}, 0.5), DoubleTensor{0, 0, 0}));
  CHECK(equal(lt.gradWeight, DoubleTensor{{0, 0}, {2, 2}, {0, 0}, {1, 1}}));
  for (auto in : {DoubleTensor{0, 3, 3, 1}, DoubleTensor{{0, 2}, {1, 2}}}) {
    CHECK(nn::Jacobian::testJacobianParameters(lt, in) < 1e-8);
  }
  // Padding index: its row gets no gradient.
  nn::LookupTable<double> pad(4, 2, 0);
  pad.zeroGradParameters();
  pad.forward(DoubleTensor{0, 1, 0});
  pad.backward(DoubleTensor{0, 1, 0}, ones<double>({3, 2}));
  CHECK(equal(pad.gradWeight, DoubleTensor{{0, 0}, {1, 1}, {0, 0}, {0, 0}}));
  // scaleGradByFreq: a row used twice gets the mean of its gradients.
  nn::LookupTable<double> freq(3, 1);
  freq.scaleGradByFreq().zeroGradParameters();
  freq.forward(DoubleTensor{2, 2, 0});
  freq.backward(DoubleTensor{2, 2, 0}, DoubleTensor{{1}, {3}, {5}});
  CHECK(equal(freq.gradWeight, DoubleTensor{{5}, {0}, {2}}));
  // maxNorm: looked-up rows are renormalised in place at forward.
  nn::LookupTable<double> mn(3, 2, -1, 1.0);
  mn.weight.copy(DoubleTensor{{3, 4}, {0.3, 0.4}, {6, 8}});
  const DoubleTensor& y = mn.forward(DoubleTensor{0, 1});
  CHECK(std::abs(norm(y.select(0, 0)) - 1) < 1e-6);
  CHECK(equal(y.select(0, 1), DoubleTensor{0.3, 0.4}));
  CHECK(equal(mn.weight.select(0, 2), DoubleTensor{6, 8}));  // not looked up: untouched
  CHECK(allclose(mn.weight.select(0, 0), DoubleTensor{0.6, 0.8}, {.rtol = 1e-6}));
  nn::LookupTable<double> l1(2, 2, -1, 1.0, 1.0);
  l1.weight.copy(DoubleTensor{{1, 3}, {0, 0}});
  CHECK(allclose(l1.forward(DoubleTensor{0}), DoubleTensor{{0.25, 0.75}}, {.rtol = 1e-6}));
  // Errors.
  T7_REQUIRE_THROWS_WITH_ALL(lt.forward(DoubleTensor{0, 4}), IndexError, "LookupTable", "index 4", "position 1",
                             "[0, 4)");
  T7_REQUIRE_THROWS_WITH_ALL(lt.forward(DoubleTensor{-1}), IndexError, "LookupTable", "index -1");
  T7_REQUIRE_THROWS_WITH_ALL(lt.forward(DoubleTensor{1.5}), IndexError, "LookupTable", "1.5", "whole number");
  T7_REQUIRE_THROWS_WITH_ALL(lt.forward(DoubleTensor(2, 2, 2)), SizeError, "LookupTable", "[L] or [B x L]");
  T7_REQUIRE_THROWS_WITH_ALL(nn::LookupTable<double>(4, 2, 4), IndexError, "padding index 4");
  T7_REQUIRE_THROWS_WITH_ALL(nn::LookupTable<double>(4, 2, -1, -1.0), ValueError, "maxNorm");
  T7_REQUIRE_THROWS_WITH_ALL(lt.setNormType(0), ValueError, "normType");
  T7_REQUIRE_THROWS_WITH_ALL(nn::LookupTable<double>(0, 2), ValueError, "positive");
  lt.setNormType(2);
  lt.forward(idx);
  T7_REQUIRE_THROWS_WITH_ALL(lt.backward(idx, ones<double>({3, 3})), SizeError, "LookupTable",
                             "gradOutput should be [3x2]");
  auto f = nn::LookupTable(5, 3);  // CTAD: float
  CHECK(f.forward(FloatTensor{{1, 2, 4}}).sizes() == Shape{1, 3, 3});
  CHECK(equal(f.output.select(1, 2).select(0, 0), f.weight.select(0, 4)));
}

// ---- Dropout ------------------------------------------------------------------------------

TEST_CASE("nn simple: Dropout statistics, mask reuse, evaluation, versions, determinism") {
  const double p = 0.3;
  nn::Dropout<double> d(p);
  CHECK(d.toString() == "nn.Dropout(0.300000)");
  manualSeed(123);
  DoubleTensor x(100000);
  x.uniform(1, 2);
  const DoubleTensor& y = d.forward(x);
  const double zeros = static_cast<double>(sum(eq(y, 0.0)));
  CHECK(std::abs(zeros / 100000 - p) < 0.01);
  CHECK(std::abs(mean(y) - mean(x)) < 0.01 * mean(x));
  // Kept elements are scaled by 1/(1-p); the backward uses the same mask.
  const ByteTensor kept = ne(y, 0.0);
  CHECK(maxAbsDiff(maskedSelect(y, kept), DoubleTensor(maskedSelect(x, kept) / (1 - p))) < 1e-12);
  const DoubleTensor& g = d.backward(x, ones<double>({100000}));
  CHECK(equal(eq(g, 0.0), eq(y, 0.0)));
  CHECK(maxAbsDiff(maskedSelect(g, kept), full<double>({static_cast<index_t>(100000 - zeros)}, 1 / (1 - p))) <
        1e-12);
  // Deterministic under a fixed seed; a new mask on each forward.
  manualSeed(7);
  const DoubleTensor first = d.forward(x).clone();
  const DoubleTensor second = d.forward(x).clone();
  CHECK(!equal(first, second));
  manualSeed(7);
  CHECK(equal(d.forward(x), first));
  // Evaluation is the identity (version 2).
  d.evaluate();
  CHECK(equal(d.forward(x), x));
  CHECK(equal(d.backward(x, x), x));
  auto xs = randn<double>({3, 4});
  CHECK(nn::Jacobian::testJacobian(d, xs) < 1e-8);
  // Version 1: no scaling in training, (1 - p) in evaluation.
  nn::Dropout<double> v1(0.5, true);
  CHECK(!v1.v2);
  const DoubleTensor xv = full<double>({1000}, 2);
  const DoubleTensor& yv = v1.forward(xv);
  CHECK(sum(eq(yv, 0.0)) + sum(eq(yv, 2.0)) == 1000);
  CHECK(sum(eq(yv, 0.0)) > 0);
  v1.evaluate();
  CHECK(equal(v1.forward(xv), full<double>({1000}, 1)));
  CHECK(equal(v1.backward(xv, full<double>({1000}, 4)), full<double>({1000}, 2)));
  // Stochastic inference keeps dropping in evaluation; the backward masks the same way.
  nn::Dropout<double> st(0.5, false, false, true);
  st.evaluate();
  const DoubleTensor& ys = st.forward(xv);
  CHECK(sum(eq(ys, 0.0)) > 0);
  CHECK(equal(eq(st.backward(xv, xv), 0.0), eq(ys, 0.0)));
  // In place: the input is masked and is the output; gradOutput becomes gradInput.
  nn::Dropout<double> ip(0.5, false, true);
  DoubleTensor xi = full<double>({200}, 1), gi = full<double>({200}, 1);
  CHECK(ip.forward(xi).isSetTo(xi));
  CHECK(sum(eq(xi, 0.0)) + sum(eq(xi, 2.0)) == 200);
  CHECK(ip.backward(xi, gi).isSetTo(gi));
  CHECK(equal(gi, xi));
  // p = 0: the identity in training too.
  nn::Dropout<double> none(0);
  CHECK(equal(none.forward(xs), xs));
  CHECK(nn::Jacobian::testJacobian(none, xs) < 1e-8);
  T7_REQUIRE_THROWS_WITH_ALL(nn::Dropout<double>(1), ValueError, "Dropout", "0 <= p < 1", "got 1");
  T7_REQUIRE_THROWS_WITH_ALL(nn::Dropout<double>(-0.1), ValueError, "Dropout");
  T7_REQUIRE_THROWS_WITH_ALL(d.setp(1.5), ValueError, "Dropout");
  d.training();
  d.forward(xs);
  T7_REQUIRE_THROWS_WITH_ALL(d.backward(xs, randn<double>({4, 3})), SizeError, "Dropout", "gradOutput");
  auto f = nn::Dropout();  // CTAD: float, p = 0.5
  CHECK(f.p == 0.5);
  CHECK(f.forward(FloatTensor(10)).sizes() == Shape{10});
}

// ---- containers, conversion -----------------------------------------------------------------

TEST_CASE("nn simple: modules inside a Sequential, Jacobian through the chain") {
  nn::Sequential<double> net;
  net.add(nn::View<double>(-1).setNumInputDims(2))  // [n x 2 x 3] -> [n x 6]
      .add(nn::CMul<double>(6))
      .add(nn::Add<double>(6))
      .add(nn::Mul<double>())
      .add(nn::Euclidean<double>(6, 4))
      .add(nn::Cosine<double>(4, 5))
      .add(nn::MulConstant<double>(2))
      .add(nn::AddConstant<double>(0.5))
      .add(nn::CAdd<double>(5))
      .add(nn::Narrow<double>(1, 0, 4))
      .add(nn::Padding<double>(0, 1, 1, 0.5))  // [n x 5]
      .add(nn::Replicate<double>(2, 0, 1))  // [n x 2 x 5]
      .add(nn::Transpose<double>({{1, 2}}))  // [n x 5 x 2]
      .add(nn::Contiguous<double>())
      .add(nn::Max<double>(1, 2))  // [n x 5]
      .add(nn::Unsqueeze<double>(0, 1))  // [n x 1 x 5]
      .add(nn::Reshape<double>({1, 5}, true))
      .add(nn::Squeeze<double>(0, 2))  // [n x 5]
      .add(nn::Identity<double>())
      .add(nn::Copy<double>())
      .add(nn::Dropout<double>(0.2))
      .add(nn::Mean<double>(0, 1));  // [n]
  net.evaluate();  // Dropout: the identity
  auto x = randn<double>({3, 2, 3});
  CHECK(net.forward(x).tensor().sizes() == Shape{3});
  CHECK(nn::Jacobian::testJacobian(net, x) < 1e-6);
  CHECK(nn::Jacobian::testJacobianParameters(net, x) < 1e-6);

  nn::Sequential<double> sel;
  sel.add(nn::Select<double>(1, 1)).add(nn::Sum<double>(0, 1)).add(nn::Min<double>(0));
  auto xs = randn<double>({4, 3, 2});
  CHECK(nn::Jacobian::testJacobian(sel, xs) < 1e-8);

  nn::Sequential<double> emb;
  emb.add(nn::LookupTable<double>(6, 3)).add(nn::Sum<double>(0, 2)).add(nn::Linear<double>(3, 2));
  const DoubleTensor words{{0, 5, 2}, {3, 3, 1}};
  CHECK(emb.forward(words).tensor().sizes() == Shape{2, 2});
  CHECK(nn::Jacobian::testJacobianParameters(emb, words) < 1e-6);
  CHECK(emb.toString() ==
        "nn.Sequential {\n  [input -> (0) -> (1) -> (2) -> output]\n  (0): nn.LookupTable\n  (1): nn.Sum\n"
        "  (2): nn.Linear(3 -> 2)\n}");
}

TEST_CASE("nn simple: clone and toFloat keep every option") {
  nn::View<double> v(2, -1);
  v.setNumInputDims(2);
  auto vf = v.toFloat();
  CHECK(vf.size == Shape{2, -1});
  CHECK(vf.numInputDims == 2);
  CHECK(vf.numElements == 2);
  nn::Reshape<double> r({2, 3}, false);
  CHECK(r.toFloat().batchMode == std::optional<bool>(false));
  CHECK(r.clone().size == Shape{2, 3});
  nn::Narrow<double> n(-1, 2, -3);
  auto nf = n.toFloat();
  CHECK((nf.dimension == -1 && nf.index == 2 && nf.length == -3));
  nn::Transpose<double> t({{0, 2}, {1, 2}});
  t.setNumInputDims(3);
  auto tf = t.toFloat();
  CHECK(tf.permutations == std::vector<std::pair<int, int>>{{0, 2}, {1, 2}});
  CHECK(tf.numInputDims == 3);
  auto sq = nn::Squeeze<double>(1, 2).toFloat();
  CHECK((sq.dim == std::optional<int>(1) && sq.numInputDims == 2));
  auto us = nn::Unsqueeze<double>(2, 3).toFloat();
  CHECK((us.pos == 2 && us.numInputDims == 3));
  auto rp = nn::Replicate<double>(4, 1, 2).toFloat();
  CHECK((rp.nfeatures == 4 && rp.dim == 1 && rp.ndim == 2));
  auto pd = nn::Padding<double>(1, -2, 2, 0.5, 1).toFloat();
  CHECK((pd.dim == 1 && pd.pad == -2 && pd.nInputDim == 2 && pd.value == 0.5 && pd.index == 1));
  auto sm = nn::Sum<double>(1, 2, true, false).toFloat();
  CHECK((sm.dimension == 1 && sm.nInputDims == 2 && sm.sizeAverage && !sm.squeeze));
  auto me = nn::Mean<double>(-1).toFloat();
  CHECK((me.dimension == -1 && me.sizeAverage));
  auto mx = nn::Max<double>(1, 3).toFloat();
  CHECK((mx.dimension == 1 && mx.nInputDims == 3));
  auto mc = nn::MulConstant<double>(3, true).toFloat();
  CHECK((mc.constant_scalar == 3 && mc.inplace));
  auto ac = nn::AddConstant<double>(-2, true).toFloat();
  CHECK((ac.constant_scalar == -2 && ac.inplace));
  nn::Dropout<double> d(0.25, true, true, true);
  auto df = d.toFloat();
  CHECK((df.p == 0.25 && !df.v2 && df.inplace && df.stochastic_inference));
  nn::Add<double> a(3, true);
  auto af = a.toFloat();
  CHECK(af.scalar);
  CHECK(allclose(af.bias.toDouble(), a.bias));
  nn::CMul<double> cm(2, 3);
  auto cmf = cm.toFloat().toDouble();
  CHECK(cmf.size == Shape{2, 3});
  CHECK(allclose(cmf.weight, cm.weight, {.rtol = 1e-6}));
  nn::LookupTable<double> lt(5, 2, 3, 2.0, 1.0);
  lt.scaleGradByFreq();
  auto lf = lt.toFloat();
  CHECK((lf.paddingValue == 3 && lf.maxNorm == 2.0 && lf.normType == 1.0 && lf.shouldScaleGradByFreq));
  nn::Bilinear<double> b(2, 3, 4);
  auto bc = b.clone();
  CHECK(equal(bc.weight, b.weight));
  bc.weight.zero();
  CHECK(!equal(bc.weight, b.weight));  // a deep copy
  CHECK(b.toFloat().toString() == "nn.Bilinear(2x3 -> 4)");
  nn::Euclidean<double> e(3, 2);
  CHECK(equal(e.toFloat().toDouble().weight, e.weight.toFloat().toDouble()));
  nn::Cosine<double> c(3, 2);
  CHECK(c.toFloat().weight.sizes() == Shape{2, 3});
  // Inside containers too.
  nn::Sequential<double> s;
  s.add(nn::Dropout<double>(0.1)).add(nn::View<double>(-1).setNumInputDims(1));
  auto sf = s.toFloat();
  CHECK(sf.toString() == "nn.Sequential {\n  [input -> (0) -> (1) -> output]\n  (0): nn.Dropout(0.100000)\n"
                          "  (1): nn.View(-1)\n}");
}

TEST_CASE("nn simple: float forward of each module (CTAD)") {
  const FloatTensor x{{1, 2, 3}, {4, 5, 6}};
  CHECK(equal(nn::View(3, 2).forward(x), x.view(3, 2)));
  CHECK(equal(nn::Reshape(6).forward(x), x.view(6)));
  CHECK(nn::Reshape({3}, true).forward(FloatTensor(2, 3)).sizes() == Shape{2, 3});
  CHECK(nn::View(Shape{3, 2}).forward(x).sizes() == Shape{3, 2});
  CHECK(nn::Squeeze(0, 1).forward(FloatTensor(2, 1)).sizes() == Shape{2});
  CHECK(equal(nn::Narrow(1, 1, 2).forward(x), x.narrow(1, 1, 2)));
  CHECK(equal(nn::Select(0, 1).forward(x), FloatTensor{4, 5, 6}));
  CHECK(equal(nn::Transpose({{0, 1}}).forward(x), x.t()));
  CHECK(nn::Squeeze().forward(FloatTensor(1, 3)).sizes() == Shape{3});
  CHECK(nn::Unsqueeze(0).forward(x).sizes() == Shape{1, 2, 3});
  CHECK(nn::Replicate(2).forward(x).sizes() == Shape{2, 2, 3});
  CHECK(equal(nn::Copy().forward(x), x));
  CHECK(equal(nn::Contiguous().forward(x), x));
  CHECK(equal(nn::Padding(0, 1).forward(FloatTensor{1, 2}), FloatTensor{1, 2, 0}));
  CHECK(equal(nn::Sum(1).forward(x), FloatTensor{6, 15}));
  CHECK(equal(nn::Mean(0).forward(x), FloatTensor{2.5f, 3.5f, 4.5f}));
  CHECK(equal(nn::Max(1).forward(x), FloatTensor{3, 6}));
  CHECK(equal(nn::Min(0).forward(x), FloatTensor{1, 2, 3}));
  CHECK(equal(nn::AddConstant(1).forward(x), x + 1.0f));
  auto m = nn::Mul();
  m.weight.fill(2);
  CHECK(equal(m.forward(x), x * 2.0f));
  auto a = nn::Add(3);
  a.bias.fill(1);
  CHECK(equal(a.forward(x), x + 1.0f));
  auto cm = nn::CMul(3);
  cm.weight.fill(2);
  CHECK(equal(cm.forward(x), x * 2.0f));
  auto ca = nn::CAdd(2, 1);
  ca.bias.fill(1);
  CHECK(equal(ca.forward(x), x + 1.0f));
  auto e = nn::Euclidean(3, 1);
  e.weight.zero();
  CHECK(allclose(e.forward(FloatTensor{3, 4, 0}), FloatTensor{5}));
  auto b = nn::Bilinear(3, 3, 1, false);
  b.weight.zero();
  CHECK(equal(b.forward(nn::Table<float>{x, x}), FloatTensor{{0}, {0}}));
}
