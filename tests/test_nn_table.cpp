// Table layers (CAddTable ... MixtureTable) and the containers beside Sequential (Concat,
// ConcatTable, Parallel, ParallelTable, MapTable): values by hand, finite-difference
// gradients, error paths, printing, clone and type conversion.
#include "helpers.hpp"
#include "t7/nn.hpp"
#include "t7/nn/containers.hpp"
#include "t7/nn/table.hpp"

using namespace t7;
using nn::Jacobian::testJacobian;
using nn::Jacobian::testJacobianParameters;
using DTable = nn::Table<double>;

namespace {

const DoubleTensor& ten(const nn::Activity<double>& a) { return a.tensor(); }

}  // namespace

// ---- elementwise table layers ----------------------------------------------------------------

TEST_CASE("nn table: CAddTable sums, in place shares, gradients copy") {
  nn::CAddTable<double> add;
  DoubleTensor a{{1, 2}, {3, 4}}, b{{10, 20}, {30, 40}}, c{{-1, -1}, {-1, -1}};
  CHECK(equal(add.forward({a, b, c}), DoubleTensor{{10, 21}, {32, 43}}));
  CHECK(equal(add.forward({a}), a));
  CHECK(!add.output.isSetTo(a));
  add.forward({a, b});
  const DTable& gi = add.backward({a, b}, DoubleTensor{{1, 2}, {3, 4}});
  REQUIRE(gi.size() == 2);
  CHECK(equal(ten(gi[0]), a));
  CHECK(equal(ten(gi[1]), a));
  // non-contiguous and expanded operands
  DoubleTensor row{5, 6};
  CHECK(equal(add.forward({a.t(), row.view(1, 2).expand(2, 2)}), DoubleTensor{{6, 9}, {7, 10}}));
  for (auto shape : {Shape{3}, Shape{2, 3}})
    CHECK(testJacobian(add, DTable{randn<double>(shape), randn<double>(shape), randn<double>(shape)}) < 1e-6);

  nn::CAddTable<double> inplace(true);
  DoubleTensor x = a.clone();
  const DoubleTensor& y = inplace.forward({x, b});
  CHECK(y.isSetTo(x));
  CHECK(equal(x, DoubleTensor{{11, 22}, {33, 44}}));
  DoubleTensor go{{1, 1}, {1, 1}};
  const DTable& gip = inplace.backward({x, b}, go);
  CHECK(ten(gip[0]).isSetTo(go));
  CHECK(ten(gip[1]).isSetTo(go));
  // switching in-place off never writes over the borrowed tensors
  inplace.inplace = false;
  DoubleTensor x2 = a.clone();
  inplace.forward({x2, b});
  CHECK(equal(x2, a));
  CHECK(equal(x, DoubleTensor{{11, 22}, {33, 44}}));
  inplace.backward({x2, b}, DoubleTensor{{2, 2}, {2, 2}});
  CHECK(equal(go, DoubleTensor{{1, 1}, {1, 1}}));
  CHECK(equal(ten(inplace.gradInput[0]), DoubleTensor{{2, 2}, {2, 2}}));
  // clone / toFloat keep the option
  nn::CAddTable<float> f = nn::CAddTable<double>(true).toFloat();
  CHECK(f.inplace);
  CHECK(nn::CAddTable<double>(true).clone().inplace);
  nn::CAddTable<float> ff;
  CHECK(equal(ff.forward({FloatTensor{1, 2}, FloatTensor{0.5f, 0.5f}}), FloatTensor{1.5f, 2.5f}));

  T7_REQUIRE_THROWS_WITH_ALL(add.forward({}), SizeError, "CAddTable", "at least 1 tensor");
  T7_REQUIRE_THROWS_WITH_ALL(add.forward({a, DoubleTensor{1, 2}}), SizeError, "CAddTable", "input 1 is [2]",
                             "input 0 is [2x2]");
  T7_REQUIRE_THROWS_WITH_ALL(add.forward({a, DTable{a}}), TypeError, "CAddTable", "entry 1", "got a table {[2x2]}");
  add.forward({a, b});
  T7_REQUIRE_THROWS_WITH_ALL(add.backward({a, b}, DoubleTensor{1, 2}), SizeError, "CAddTable", "gradOutput");
}

TEST_CASE("nn table: CSubTable, CMulTable, CDivTable by hand and by Jacobian") {
  nn::CSubTable<double> sub;
  DoubleTensor a{1, 4}, b{2, -8};
  CHECK(equal(sub.forward({a, b}), DoubleTensor{-1, 12}));
  const DTable& gs = sub.backward({a, b}, DoubleTensor{1, 2});
  CHECK(equal(ten(gs[0]), DoubleTensor{1, 2}));
  CHECK(equal(ten(gs[1]), DoubleTensor{-1, -2}));

  nn::CDivTable<double> div;
  CHECK(equal(div.forward({a, b}), DoubleTensor{0.5, -0.5}));
  const DTable& gd = div.backward({a, b}, DoubleTensor{1, 2});
  CHECK(equal(ten(gd[0]), DoubleTensor{0.5, -0.25}));
  CHECK(equal(ten(gd[1]), DoubleTensor{-0.25, -0.125}));

  nn::CMulTable<double> mul;
  DoubleTensor p{1, 2, 0}, q{3, -1, 5}, r{2, 2, 2};
  CHECK(equal(mul.forward({p, q, r}), DoubleTensor{6, -4, 0}));
  const DTable& gm = mul.backward({p, q, r}, DoubleTensor{1, 1, 1});
  CHECK(equal(ten(gm[0]), DoubleTensor{6, -2, 10}));
  CHECK(equal(ten(gm[1]), DoubleTensor{2, 4, 0}));
  CHECK(equal(ten(gm[2]), DoubleTensor{3, -2, 0}));
  mul.forward({p, q});
  const DTable& gm2 = mul.backward({p, q}, DoubleTensor{1, 2, 3});
  CHECK(equal(ten(gm2[0]), DoubleTensor{3, -2, 15}));
  CHECK(equal(ten(gm2[1]), DoubleTensor{1, 4, 0}));

  for (auto shape : {Shape{4}, Shape{3, 2}}) {
    auto x = randn<double>(shape), y = randn<double>(shape), z = randn<double>(shape);
    CHECK(testJacobian(sub, DTable{x, y}) < 1e-6);
    CHECK(testJacobian(mul, DTable{x, y, z}) < 1e-6);
    CHECK(testJacobian(mul, DTable{x, y}) < 1e-6);
    CHECK(testJacobian(div, DTable{x, DoubleTensor(abs(y) + 1)}) < 1e-6);
  }
  // transposed operands
  DoubleTensor m{{1, 2}, {3, 4}};
  CHECK(equal(sub.forward({m.t(), m}), DoubleTensor{{0, 1}, {-1, 0}}));
  CHECK(equal(nn::CMulTable<float>().forward({FloatTensor{2, 3}, FloatTensor{4, 5}}), FloatTensor{8, 15}));

  T7_REQUIRE_THROWS_WITH_ALL(sub.forward({a}), SizeError, "CSubTable", "a table of 2 tensors", "{[2]}");
  T7_REQUIRE_THROWS_WITH_ALL(div.forward({a, b, a}), SizeError, "CDivTable", "a table of 2 tensors");
  T7_REQUIRE_THROWS_WITH_ALL(mul.forward({p, a}), SizeError, "CMulTable", "input 1 is [2]");
}

TEST_CASE("nn table: CMaxTable and CMinTable route the gradient to the winner (first among ties)") {
  DoubleTensor a{1, 5, 3}, b{4, 5, 2}, c{0, 6, 3};
  nn::CMaxTable<double> mx;
  CHECK(equal(mx.forward({a, b, c}), DoubleTensor{4, 6, 3}));
  CHECK(equal(mx.maxIdx, DoubleTensor{1, 2, 0}));
  const DTable& g = mx.backward({a, b, c}, DoubleTensor{1, 2, 3});
  CHECK(equal(ten(g[0]), DoubleTensor{0, 0, 3}));
  CHECK(equal(ten(g[1]), DoubleTensor{1, 0, 0}));
  CHECK(equal(ten(g[2]), DoubleTensor{0, 2, 0}));
  nn::CMinTable<double> mn;
  CHECK(equal(mn.forward({a, b, c}), DoubleTensor{0, 5, 2}));
  CHECK(equal(mn.minIdx, DoubleTensor{2, 0, 1}));
  const DTable& h = mn.backward({a, b, c}, DoubleTensor{1, 2, 3});
  CHECK(equal(ten(h[0]), DoubleTensor{0, 2, 0}));
  CHECK(equal(ten(h[1]), DoubleTensor{0, 0, 3}));
  CHECK(equal(ten(h[2]), DoubleTensor{1, 0, 0}));
  for (auto shape : {Shape{5}, Shape{2, 3}}) {
    DTable in{randn<double>(shape), randn<double>(shape), randn<double>(shape)};
    CHECK(testJacobian(mx, in) < 1e-6);
    CHECK(testJacobian(mn, in) < 1e-6);
  }
  CHECK(equal(nn::CMaxTable<float>().forward({FloatTensor{1, 7}, FloatTensor{3, 2}}), FloatTensor{3, 7}));
  T7_REQUIRE_THROWS_WITH_ALL(mx.forward({a, DoubleTensor{1}}), SizeError, "CMaxTable", "input 1 is [1]");
  T7_REQUIRE_THROWS_WITH_ALL(mn.forward({}), SizeError, "CMinTable");
}

// ---- structural table layers -----------------------------------------------------------------

TEST_CASE("nn table: JoinTable along a dimension, with nInputDims, negative, non-contiguous") {
  DoubleTensor a{{1, 2}, {3, 4}}, b{{5, 6}};
  nn::JoinTable<double> j0(0);
  CHECK(equal(j0.forward({a, b}), DoubleTensor{{1, 2}, {3, 4}, {5, 6}}));
  const DTable& g = j0.backward({a, b}, DoubleTensor{{1, 2}, {3, 4}, {5, 6}});
  CHECK(equal(ten(g[0]), a));
  CHECK(equal(ten(g[1]), b));
  nn::JoinTable<double> j1(1);
  CHECK(equal(j1.forward({a, b.t()}), DoubleTensor{{1, 2, 5}, {3, 4, 6}}));
  nn::JoinTable<double> last(-1);
  CHECK(equal(last.forward({a, b.t()}), DoubleTensor{{1, 2, 5}, {3, 4, 6}}));
  // nInputDims = 1: [n] samples join along 0, [b x n] batches along 1
  nn::JoinTable<double> jb(0, 1);
  CHECK(equal(jb.forward({DoubleTensor{1, 2}, DoubleTensor{3}}), DoubleTensor{1, 2, 3}));
  CHECK(equal(jb.forward({a, b.t()}), DoubleTensor{{1, 2, 5}, {3, 4, 6}}));
  CHECK(testJacobian(j0, DTable{randn<double>({2, 3}), randn<double>({1, 3}), randn<double>({3, 3})}) < 1e-6);
  CHECK(testJacobian(jb, DTable{randn<double>({2, 3}), randn<double>({2, 1})}) < 1e-6);
  CHECK(testJacobian(jb, DTable{randn<double>({3}), randn<double>({2})}) < 1e-6);
  nn::JoinTable<float> jf = jb.toFloat();
  CHECK(jf.dimension == 0);
  CHECK(jf.nInputDims == 1);
  CHECK(equal(jf.forward({FloatTensor{1}, FloatTensor{2}}), FloatTensor{1, 2}));

  T7_REQUIRE_THROWS_WITH_ALL(j0.forward({a, DoubleTensor{{1, 2, 3}}}), SizeError, "JoinTable", "input 1 is [1x3]",
                             "differ in dimension 1", "joining along dimension 0");
  T7_REQUIRE_THROWS_WITH_ALL(j0.forward({a, DoubleTensor{1, 2}}), SizeError, "JoinTable", "different numbers");
  T7_REQUIRE_THROWS_WITH_ALL(nn::JoinTable<double>(2).forward({a, a}), IndexError, "JoinTable", "dimension 2");
  T7_REQUIRE_THROWS_WITH_ALL(j0.forward({}), ValueError, "JoinTable", "empty");
  T7_REQUIRE_THROWS_WITH_ALL(j0.forward({a, DTable{b}}), TypeError, "JoinTable", "entry 1");
}

TEST_CASE("nn table: SplitTable gives views, batch with nInputDims, 1-D gives size-1 views") {
  DoubleTensor x{{1, 2, 3}, {4, 5, 6}};
  nn::SplitTable<double> s0(0);
  const DTable& out = s0.forward(x);
  REQUIRE(out.size() == 2);
  CHECK(equal(ten(out[1]), DoubleTensor{4, 5, 6}));
  CHECK(ten(out[1]).storage().isSameAs(x.storage()));
  const DoubleTensor& g = s0.backward(x, DTable{DoubleTensor{1, 1, 1}, DoubleTensor{2, 2, 2}});
  CHECK(equal(g, DoubleTensor{{1, 1, 1}, {2, 2, 2}}));
  nn::SplitTable<double> sb(0, 1);  // a [2 x 3] batch of [3] samples: split along 1
  const DTable& ob = sb.forward(x);
  REQUIRE(ob.size() == 3);
  CHECK(equal(ten(ob[2]), DoubleTensor{3, 6}));
  const DTable& o1 = s0.forward(DoubleTensor{7, 8});
  REQUIRE(o1.size() == 2);
  CHECK(equal(ten(o1[1]), DoubleTensor{8}));
  CHECK(testJacobian(s0, randn<double>({3, 2})) < 1e-6);
  CHECK(testJacobian(sb, randn<double>({2, 4})) < 1e-6);
  nn::SplitTable<double> sl(-1);
  CHECK(testJacobian(sl, randn<double>({2, 2, 3}).transpose(0, 2)) < 1e-6);
  CHECK(testJacobian(s0, randn<double>({4})) < 1e-6);
  // SplitTable then JoinTable is the identity, inside a Sequential
  nn::Sequential<double> net;
  net.add(nn::SplitTable<double>(0)).add(nn::JoinTable<double>(0, 1));
  CHECK(equal(net.forward(x).tensor(), DoubleTensor{1, 2, 3, 4, 5, 6}));
  CHECK(testJacobian(net, randn<double>({3, 2})) < 1e-6);
  nn::SplitTable<float> f = sb.toFloat();
  CHECK(f.nInputDims == 1);

  s0.forward(x);
  T7_REQUIRE_THROWS_WITH_ALL(s0.backward(x, DTable{DoubleTensor{1, 1, 1}}), SizeError, "SplitTable", "1 entries",
                             "2 slices");
  T7_REQUIRE_THROWS_WITH_ALL(s0.backward(x, DTable{DoubleTensor{1, 1}, DoubleTensor{1, 1}}), SizeError, "SplitTable",
                             "gradOutput 0 is [2]", "slice is [3]");
  T7_REQUIRE_THROWS_WITH_ALL(nn::SplitTable<double>(2).forward(x), IndexError, "SplitTable", "dimension 2");
  T7_REQUIRE_THROWS_WITH_ALL(s0.forward(DoubleTensor()), SizeError, "SplitTable", "empty");
}

TEST_CASE("nn table: SelectTable picks an entry (negative from the end, nested tables)") {
  DoubleTensor a{1, 2}, b{3}, c{{4, 5}}, d{6, 7, 8};
  DTable in{a, DTable{b, c}, d};
  nn::SelectTable<double> last(-1);
  CHECK(last.forward(in).tensor().isSetTo(d));
  const DTable& g = last.backward(in, DoubleTensor{1, 1, 1});
  REQUIRE(g.size() == 3);
  CHECK(equal(ten(g[0]), DoubleTensor{0, 0}));
  CHECK(equal(ten(g[1][1]), DoubleTensor{{0, 0}}));
  CHECK(equal(ten(g[2]), DoubleTensor{1, 1, 1}));
  nn::SelectTable<double> mid(1);
  const nn::Activity<double>& y = mid.forward(in);
  REQUIRE(y.isTable());
  CHECK(y[1].tensor().isSetTo(c));
  const DTable& gm = mid.backward(in, DTable{DoubleTensor{9}, DoubleTensor{{2, 3}}});
  CHECK(equal(ten(gm[1][1]), DoubleTensor{{2, 3}}));
  CHECK(equal(ten(gm[2]), DoubleTensor{0, 0, 0}));
  DTable r{randn<double>({2}), DTable{randn<double>({1}), randn<double>({2, 2})}, randn<double>({3})};
  CHECK(testJacobian(mid, r) < 1e-6);
  CHECK(testJacobian(last, r) < 1e-6);
  CHECK(mid.toString() == "nn.SelectTable(1)");
  CHECK(last.toString() == "nn.SelectTable(-1)");
  CHECK(last.toFloat().index == -1);

  T7_REQUIRE_THROWS_WITH_ALL(nn::SelectTable<double>(3).forward(in), IndexError, "SelectTable", "index 3",
                             "table of 3");
  T7_REQUIRE_THROWS_WITH_ALL(nn::SelectTable<double>(-4).forward(in), IndexError, "index -4");
  T7_REQUIRE_THROWS_WITH_ALL(mid.backward(in, DoubleTensor{1}), SizeError, "SelectTable", "does not match entry 1");
}

TEST_CASE("nn table: NarrowTable shares a range, zeros the other gradients, never writes over borrowed ones") {
  DoubleTensor a{1}, b{2, 3}, c{4}, d{5, 6};
  DTable in{a, b, c, d};
  nn::NarrowTable<double> nt(1, 2);
  const DTable& y = nt.forward(in);
  REQUIRE(y.size() == 2);
  CHECK(ten(y[0]).isSetTo(b));
  CHECK(ten(y[1]).isSetTo(c));
  DoubleTensor gb{7, 8}, gc{9};
  const DTable& g = nt.backward(in, DTable{gb, gc});
  REQUIRE(g.size() == 4);
  CHECK(equal(ten(g[0]), DoubleTensor{0}));
  CHECK(ten(g[1]).isSetTo(gb));
  CHECK(equal(ten(g[3]), DoubleTensor{0, 0}));
  // a negative offset moves with the table's length: entry 1 held gx, is then zeroed on its own
  nn::NarrowTable<double> tail(-1);
  DTable two{a, b};
  tail.forward(two);
  DoubleTensor gx{3, 3};
  tail.backward(two, DTable{gx});
  CHECK(ten(tail.gradInput[1]).isSetTo(gx));
  DTable three{a, b, c};
  tail.forward(three);
  tail.backward(three, DTable{DoubleTensor{1}});
  CHECK(equal(gx, DoubleTensor{3, 3}));
  CHECK(equal(ten(tail.gradInput[1]), DoubleTensor{0, 0}));
  CHECK(testJacobian(nt, DTable{randn<double>({2}), randn<double>({2, 2}), randn<double>({3}), randn<double>({1})}) <
        1e-6);
  nn::NarrowTable<float> f = nt.toFloat();
  CHECK((f.offset == 1 && f.length == 2));

  T7_REQUIRE_THROWS_WITH_ALL(nn::NarrowTable<double>(3, 2).forward(in), IndexError, "NarrowTable", "[3, 5)",
                             "table of 4");
  T7_REQUIRE_THROWS_WITH_ALL(nt.backward(in, DTable{gb}), SizeError, "NarrowTable", "1 entries, expected 2");
  T7_REQUIRE_THROWS_WITH_ALL(nn::NarrowTable<double>(0, -1), ValueError, "NarrowTable", "length");
}

TEST_CASE("nn table: FlattenTable flattens depth first and unflattens the gradient") {
  DoubleTensor a{1}, b{2, 3}, c{4}, d{5, 6};
  DTable in{a, DTable{b, DTable{c}}, d};
  nn::FlattenTable<double> ft;
  const DTable& y = ft.forward(in);
  REQUIRE(y.size() == 4);
  CHECK(ten(y[0]).isSetTo(a));
  CHECK(ten(y[2]).isSetTo(c));
  CHECK(ten(y[3]).isSetTo(d));
  DoubleTensor g0{1}, g1{2, 2}, g2{3}, g3{4, 4};
  const DTable& g = ft.backward(in, DTable{g0, g1, g2, g3});
  REQUIRE(g.size() == 3);
  CHECK(ten(g[1][1][0]).isSetTo(g2));
  CHECK(ten(g[2]).isSetTo(g3));
  CHECK(testJacobian(ft, DTable{randn<double>({2}), DTable{randn<double>({1}), DTable{randn<double>({2, 2})}}}) < 1e-6);
  T7_REQUIRE_THROWS_WITH_ALL(ft.backward(in, DTable{g0}), SizeError, "FlattenTable", "1 entries", "4 tensors");
}

// ---- distances and mixtures ------------------------------------------------------------------

TEST_CASE("nn table: PairwiseDistance for p = 1, 2, 3, 1.5, single and batch") {
  DoubleTensor x1{1, 2, 3}, x2{4, 6, 3};
  nn::PairwiseDistance<double> l2(2);
  CHECK(equal(l2.forward({x1, x2}), DoubleTensor{5}));
  const DTable& g = l2.backward({x1, x2}, DoubleTensor{2});
  CHECK(maxAbsDiff(ten(g[0]), DoubleTensor{-6 / (5 + 1e-6), -8 / (5 + 1e-6), 0}) < 1e-12);
  CHECK(maxAbsDiff(ten(g[1]), DoubleTensor{6 / (5 + 1e-6), 8 / (5 + 1e-6), 0}) < 1e-12);
  nn::PairwiseDistance<double> l1(1);
  CHECK(equal(l1.forward({x1, x2}), DoubleTensor{7}));
  CHECK(equal(ten(l1.backward({x1, x2}, DoubleTensor{1})[0]), DoubleTensor{-1, -1, 0}));
  nn::PairwiseDistance<double> l3(3);
  CHECK(std::abs(l3.forward({x1, x2})(0) - std::cbrt(91.0)) < 1e-12);
  DoubleTensor b1{{1, 2, 3}, {0, 0, 0}}, b2{{4, 6, 3}, {1, 0, 0}};
  CHECK(allclose(l2.forward({b1, b2}), DoubleTensor{5, 1}));
  CHECK(allclose(l1.forward({b1.t().t(), b2}), DoubleTensor{7, 1}));
  for (double p : {1.0, 2.0, 3.0, 1.5}) {
    nn::PairwiseDistance<double> m(p);
    CHECK(testJacobian(m, DTable{randn<double>({4}), randn<double>({4})}) < 1e-5);
    CHECK(testJacobian(m, DTable{randn<double>({3, 4}), randn<double>({4, 3}).t()}) < 1e-5);
  }
  nn::PairwiseDistance<float> f = l3.toFloat();
  CHECK(f.norm == 3);
  CHECK(std::abs(nn::PairwiseDistance<float>(2).forward({FloatTensor{0, 0}, FloatTensor{3, 4}})(0) - 5) < 1e-6);

  T7_REQUIRE_THROWS_WITH_ALL(l2.forward({x1, DoubleTensor{1, 2}}), SizeError, "PairwiseDistance", "{[3], [2]}");
  T7_REQUIRE_THROWS_WITH_ALL(l2.forward({x1}), SizeError, "PairwiseDistance", "two tensors");
  T7_REQUIRE_THROWS_WITH_ALL(l2.forward({DoubleTensor(1, 2, 3), DoubleTensor(1, 2, 3)}), SizeError, "PairwiseDistance");
  T7_REQUIRE_THROWS_WITH_ALL(nn::PairwiseDistance<double>(0), ValueError, "PairwiseDistance", "positive");
  l2.forward({b1, b2});
  T7_REQUIRE_THROWS_WITH_ALL(l2.backward({b1, b2}, DoubleTensor{1}), SizeError, "PairwiseDistance", "gradOutput");
}

TEST_CASE("nn table: DotProduct and CosineDistance, single and batch") {
  nn::DotProduct<double> dot;
  CHECK(equal(dot.forward({DoubleTensor{1, 2, 3}, DoubleTensor{4, 5, 6}}), DoubleTensor{32}));
  DoubleTensor p{{1, 2}, {3, 4}}, q{{1, 1}, {2, 0}};
  CHECK(equal(dot.forward({p, q}), DoubleTensor{3, 6}));
  const DTable& gd = dot.backward({p, q}, DoubleTensor{1, 2});
  CHECK(equal(ten(gd[0]), DoubleTensor{{1, 1}, {4, 0}}));
  CHECK(equal(ten(gd[1]), DoubleTensor{{1, 2}, {6, 8}}));
  CHECK(equal(dot.forward({p.t(), q.t()}), DoubleTensor{7, 2}));

  nn::CosineDistance<double> cos;
  CHECK(std::abs(cos.forward({DoubleTensor{1, 0}, DoubleTensor{1, 1}})(0) - 1 / std::sqrt(2.0)) < 1e-12);
  CHECK(allclose(cos.forward({DoubleTensor{{3, 4}, {1, 0}}, DoubleTensor{{4, 3}, {0, 2}}}), DoubleTensor{0.96, 0}));
  CHECK(cos.w1.sizes() == Shape{2, 1});
  for (auto shape : {Shape{5}, Shape{3, 4}}) {
    DTable in{randn<double>(shape), randn<double>(shape)};
    CHECK(testJacobian(dot, in) < 1e-6);
    CHECK(testJacobian(cos, in) < 1e-6);
  }
  CHECK(testJacobian(cos, DTable{randn<double>({4, 3}).t(), randn<double>({3, 4})}) < 1e-6);
  CHECK(equal(nn::DotProduct<float>().forward({FloatTensor{1, 2}, FloatTensor{3, 4}}), FloatTensor{11}));
  T7_REQUIRE_THROWS_WITH_ALL(dot.forward({p, DoubleTensor{1, 2}}), SizeError, "DotProduct");
  T7_REQUIRE_THROWS_WITH_ALL(cos.forward({p, DTable{q}}), TypeError, "CosineDistance", "entry 1");
}

TEST_CASE("nn table: MixtureTable with a table of experts and with one experts tensor") {
  DoubleTensor gater{{0.2, 0.8}, {0.5, 0.5}};
  DoubleTensor e0{{1, 2}, {3, 4}}, e1{{10, 20}, {30, 40}};
  const DoubleTensor expected{{8.2, 16.4}, {16.5, 22}};
  nn::MixtureTable<double> mt;
  CHECK(allclose(mt.forward({gater, DTable{e0, e1}}), expected));
  // gradients by hand: d/dgater[b][i] = <gradOutput[b], expert_i[b]>
  const DTable& g = mt.backward({gater, DTable{e0, e1}}, DoubleTensor{{1, 0}, {0, 1}});
  CHECK(allclose(ten(g[0]), DoubleTensor{{1, 10}, {4, 40}}));
  CHECK(allclose(ten(g[1][1]), DoubleTensor{{0.8, 0}, {0, 0.5}}));
  // the experts as one [b x n x d] tensor along dim 1, and transposed along dim 2
  DoubleTensor stacked = stack({e0, e1}, 1);
  CHECK(allclose(mt.forward({gater, stacked}), expected));
  nn::MixtureTable<double> mt2(2);
  CHECK(allclose(mt2.forward({gater, stacked.transpose(1, 2)}), expected));
  // one sample
  DoubleTensor g1{0.25, 0.75};
  CHECK(allclose(mt.forward({g1, DTable{DoubleTensor{4, 8}, DoubleTensor{0, 4}}}), DoubleTensor{1, 5}));
  CHECK(allclose(mt.forward({g1, DoubleTensor{{4, 8}, {0, 4}}}), DoubleTensor{1, 5}));

  CHECK(testJacobian(mt, DTable{randn<double>({3, 2}), DTable{randn<double>({3, 4}), randn<double>({3, 4})}}) < 1e-6);
  CHECK(testJacobian(
            mt, DTable{randn<double>({3}), DTable{randn<double>({2}), randn<double>({2}), randn<double>({2})}}) < 1e-6);
  CHECK(testJacobian(mt, DTable{randn<double>({2, 3}), randn<double>({2, 3, 4})}) < 1e-6);
  CHECK(testJacobian(mt, DTable{randn<double>({3}), randn<double>({3, 2})}) < 1e-6);
  CHECK(testJacobian(mt2, DTable{randn<double>({2, 3}), randn<double>({2, 4, 3})}) < 1e-6);
  CHECK(testJacobian(mt, DTable{randn<double>({2, 3}), randn<double>({2, 3, 2, 2})}) < 1e-6);
  nn::MixtureTable<float> f = mt2.toFloat();
  CHECK(f.dim == 2);
  CHECK(!nn::MixtureTable<float>().dim);

  T7_REQUIRE_THROWS_WITH_ALL(mt.forward({gater, DTable{e0}}), SizeError, "MixtureTable", "2 outputs", "1 experts");
  T7_REQUIRE_THROWS_WITH_ALL(mt.forward({DoubleTensor(2, 2, 2), DTable{e0, e1}}), SizeError, "MixtureTable",
                             "gater must be");
  T7_REQUIRE_THROWS_WITH_ALL(mt.forward({gater, DoubleTensor(2, 3, 2)}), SizeError, "MixtureTable",
                             "does not match the experts [2x3x2]");
  T7_REQUIRE_THROWS_WITH_ALL(mt.forward({gater, DTable{DoubleTensor(3, 2), DoubleTensor(3, 2)}}), SizeError,
                             "MixtureTable", "batch");
  T7_REQUIRE_THROWS_WITH_ALL(mt.forward({gater}), SizeError, "MixtureTable", "{gater, experts}");
}

// ---- containers ------------------------------------------------------------------------------

namespace {
nn::Linear<double> linear(index_t in, index_t out) { return nn::Linear<double>(in, out); }
}  // namespace

TEST_CASE("nn table: Concat joins its children's outputs and sums their gradInputs") {
  nn::Concat<double> c(1);
  c.add(linear(4, 3)).add(linear(4, 2));
  auto x = randn<double>({2, 4});
  const DoubleTensor y = c.forward(x).tensor().clone();
  REQUIRE(y.sizes() == Shape{2, 5});
  CHECK(equal(y.narrow(1, 0, 3), c.get<nn::Linear<double>>(0).output));
  CHECK(equal(y.narrow(1, 3, 2), c.get<nn::Linear<double>>(1).output));
  DoubleTensor go = randn<double>({2, 5});
  const DoubleTensor gi = c.backward(x, go).tensor().clone();
  auto& l0 = c.get<nn::Linear<double>>(0);
  auto& l1 = c.get<nn::Linear<double>>(1);
  CHECK(maxAbsDiff(gi, DoubleTensor(mm(go.narrow(1, 0, 3), l0.weight) + mm(go.narrow(1, 3, 2), l1.weight))) < 1e-12);
  CHECK(testJacobian(c, x) < 1e-6);
  CHECK(testJacobianParameters(c, x) < 1e-6);
  nn::Concat<double> c0(0);  // one sample, along 0
  c0.add(linear(4, 3)).add(nn::Tanh<double>());
  CHECK(c0.forward(randn<double>({4})).tensor().sizes() == Shape{7});
  CHECK(testJacobian(c0, randn<double>({4})) < 1e-6);
  CHECK(testJacobianParameters(c0, randn<double>({4})) < 1e-6);
  // a table input: the gradInputs are tables, summed entry by entry
  nn::Concat<double> ct(0);
  ct.add(nn::CAddTable<double>()).add(nn::CMulTable<double>());
  CHECK(testJacobian(ct, nn::Activity<double>(DTable{randn<double>({3}), randn<double>({3})})) < 1e-6);

  CHECK(c.toString() ==
        "nn.Concat {\n"
        "  input\n"
        "    |`-> (0): nn.Linear(4 -> 3)\n"
        "     `-> (1): nn.Linear(4 -> 2)\n"
        "     ... -> output\n"
        "}");
  auto cc = c.clone();
  CHECK(cc.dimension == 1);
  CHECK(cc.size() == 2);
  CHECK(equal(cc.forward(x).tensor(), y));
  nn::Concat<float> cf = c.toFloat();
  CHECK(cf.dimension == 1);
  CHECK(cf.toString() == c.toString());
  CHECK(maxAbsDiff(cf.forward(x.toFloat()).tensor(), y.toFloat()) < 1e-5);

  nn::Concat<double> bad(1);
  bad.add(linear(4, 3)).add(linear(5, 2));
  T7_REQUIRE_THROWS_WITH_ALL(bad.forward(x), SizeError, "nn.Concat[1] (nn.Linear(5 -> 2))", "Linear: expected input",
                             "2x4");
  nn::Concat<double> mismatch(0);
  mismatch.add(linear(4, 3)).add(nn::Tanh<double>());
  T7_REQUIRE_THROWS_WITH_ALL(mismatch.forward(randn<double>({1, 4})), SizeError, "nn.Concat", "module 1 is [1x4]",
                             "module 0 is [1x3]");
  T7_REQUIRE_THROWS_WITH_ALL(nn::Concat<double>(3).add(linear(4, 3)).forward(x), IndexError, "nn.Concat",
                             "dimension 3");
  T7_REQUIRE_THROWS_WITH_ALL(nn::Concat<double>(0).forward(x), ValueError, "nn.Concat", "no module");
  c.forward(x);
  T7_REQUIRE_THROWS_WITH_ALL(c.backward(x, DoubleTensor(2, 4)), SizeError, "nn.Concat", "gradOutput [2x4]",
                             "output [2x5]");
}

TEST_CASE("nn table: ConcatTable gives a table; nested in Sequentials with CAddTable") {
  nn::ConcatTable<double> ct;
  nn::Sequential<double> branch;
  branch.add(linear(4, 3)).add(nn::Tanh<double>());
  ct.add(std::move(branch)).add(linear(4, 3));
  auto x = randn<double>({2, 4});
  const nn::Activity<double>& y = ct.forward(x);
  REQUIRE(y.isTable());
  REQUIRE(y.size() == 2);
  CHECK(equal(y[1].tensor(), ct.get<nn::Linear<double>>(1).output));
  CHECK(ct.toString() ==
        "nn.ConcatTable {\n"
        "  input\n"
        "    |`-> (0): nn.Sequential {\n"
        "    |      [input -> (0) -> (1) -> output]\n"
        "    |      (0): nn.Linear(4 -> 3)\n"
        "    |      (1): nn.Tanh\n"
        "    |    }\n"
        "     `-> (1): nn.Linear(4 -> 3)\n"
        "     ... -> output\n"
        "}");
  CHECK(testJacobian(ct, x) < 1e-6);
  CHECK(testJacobianParameters(ct, x) < 1e-6);

  nn::Sequential<double> net;
  net.add(std::move(ct)).add(nn::CAddTable<double>()).add(linear(3, 2));
  CHECK(net.forward(x).tensor().sizes() == Shape{2, 2});
  CHECK(testJacobian(net, x) < 1e-6);
  CHECK(testJacobianParameters(net, x) < 1e-6);
  CHECK(testJacobian(net, randn<double>({4})) < 1e-6);
  CHECK(net.toString() ==
        "nn.Sequential {\n"
        "  [input -> (0) -> (1) -> (2) -> output]\n"
        "  (0): nn.ConcatTable {\n"
        "    input\n"
        "      |`-> (0): nn.Sequential {\n"
        "      |      [input -> (0) -> (1) -> output]\n"
        "      |      (0): nn.Linear(4 -> 3)\n"
        "      |      (1): nn.Tanh\n"
        "      |    }\n"
        "       `-> (1): nn.Linear(4 -> 3)\n"
        "       ... -> output\n"
        "  }\n"
        "  (1): nn.CAddTable\n"
        "  (2): nn.Linear(3 -> 2)\n"
        "}");
  CHECK(net.findModules<nn::Linear<double>>().size() == 3);
  auto [w, gw] = net.getParameters();
  CHECK(w.nElement() == (4 * 3 + 3) * 2 + 3 * 2 + 2);
  auto nf = net.toFloat();
  CHECK(nf.toString() == net.toString());
  CHECK(maxAbsDiff(nf.forward(x.toFloat()).tensor(), net.forward(x).tensor().toFloat()) < 1e-5);
  auto nc = net.clone();
  CHECK(equal(nc.forward(x).tensor(), net.forward(x).tensor()));

  // a table input: the children's table gradInputs are summed
  nn::ConcatTable<double> tt;
  tt.add(nn::SelectTable<double>(0)).add(nn::CAddTable<double>()).add(nn::SelectTable<double>(-1));
  CHECK(testJacobian(tt, nn::Activity<double>(DTable{randn<double>({3}), randn<double>({3})})) < 1e-6);

  // an error in a nested child names the whole path
  nn::ConcatTable<double> inner;
  inner.add(linear(4, 3)).add(linear(5, 3));
  nn::Sequential<double> outer;
  outer.add(nn::Tanh<double>()).add(std::move(inner));
  T7_REQUIRE_THROWS_WITH_ALL(outer.forward(x), SizeError,
                             "nn.Sequential[1] (nn.ConcatTable): nn.ConcatTable[1] (nn.Linear(5 -> 3)): Linear");
  nn::ConcatTable<double> two;
  two.add(linear(4, 3)).add(linear(4, 3));
  two.forward(x);
  T7_REQUIRE_THROWS_WITH_ALL(two.backward(x, DoubleTensor(2, 3)), SizeError, "nn.ConcatTable", "table of 2 entries");
  T7_REQUIRE_THROWS_WITH_ALL(two.backward(x, nn::Activity<double>(DTable{DoubleTensor(2, 3), DoubleTensor(2, 4)})),
                             SizeError, "nn.ConcatTable[1] (nn.Linear(4 -> 3))", "gradOutput");
}

TEST_CASE("nn table: Parallel gives slices to its children and joins their outputs") {
  nn::Parallel<double> par(0, 0);  // row i of the input to child i, outputs end to end
  par.add(linear(4, 3)).add(linear(4, 2));
  DoubleTensor x = randn<double>({2, 4});
  const DoubleTensor y = par.forward(x).tensor().clone();
  REQUIRE(y.sizes() == Shape{5});
  nn::Linear<double> l0 = par.get<nn::Linear<double>>(0).clone();
  CHECK(maxAbsDiff(y.narrow(0, 0, 3), l0.forward(x.select(0, 0))) < 1e-12);
  CHECK(testJacobian(par, x) < 1e-6);
  CHECK(testJacobianParameters(par, x) < 1e-6);
  nn::Parallel<double> cols(1, 0);  // column i to child i, outputs end to end
  cols.add(linear(3, 2)).add(nn::Tanh<double>());
  DoubleTensor xb = randn<double>({3, 2});
  CHECK(cols.forward(xb).tensor().sizes() == Shape{5});
  CHECK(testJacobian(cols, xb) < 1e-6);
  CHECK(testJacobianParameters(cols, xb) < 1e-6);
  CHECK(testJacobian(cols, randn<double>({2, 3}).t()) < 1e-6);
  CHECK(par.toString() ==
        "nn.Parallel {\n"
        "  input\n"
        "    |`-> (0): nn.Linear(4 -> 3)\n"
        "     `-> (1): nn.Linear(4 -> 2)\n"
        "     ... -> output\n"
        "}");
  nn::Parallel<float> pf = cols.toFloat();
  CHECK((pf.inputDimension == 1 && pf.outputDimension == 0 && pf.size() == 2));
  auto pc = par.clone();
  CHECK(equal(pc.forward(x).tensor(), y));

  T7_REQUIRE_THROWS_WITH_ALL(par.forward(randn<double>({3, 4})), SizeError, "nn.Parallel", "3 slices", "2 modules");
  T7_REQUIRE_THROWS_WITH_ALL(par.forward(randn<double>({4})), SizeError, "nn.Parallel", "2 or more dimensions");
  T7_REQUIRE_THROWS_WITH_ALL(par.forward(randn<double>({2, 5})), SizeError, "nn.Parallel[0] (nn.Linear(4 -> 3))");
  T7_REQUIRE_THROWS_WITH_ALL(par.forward(nn::Activity<double>(DTable{x})), TypeError, "nn.Parallel", "tensor");
}

TEST_CASE("nn table: ParallelTable maps entry i to child i") {
  nn::ParallelTable<double> pt;
  pt.add(linear(3, 2)).add(nn::Tanh<double>());
  DTable in{randn<double>({2, 3}), randn<double>({2, 5})};
  const nn::Activity<double>& y = pt.forward(nn::Activity<double>(in));
  REQUIRE(y.size() == 2);
  CHECK(allclose(y[1].tensor(), DoubleTensor(tanh(in[1].tensor()))));
  CHECK(testJacobian(pt, nn::Activity<double>(in)) < 1e-6);
  CHECK(testJacobianParameters(pt, nn::Activity<double>(in)) < 1e-6);
  CHECK(pt.toString() ==
        "nn.ParallelTable {\n"
        "  input\n"
        "    |`-> (0): nn.Linear(3 -> 2)\n"
        "     `-> (1): nn.Tanh\n"
        "     ... -> output\n"
        "}");
  // ParallelTable then CAddTable, in a Sequential
  nn::Sequential<double> net;
  nn::ParallelTable<double> two;
  two.add(linear(3, 2)).add(linear(4, 2));
  net.add(std::move(two)).add(nn::CAddTable<double>());
  DTable in2{randn<double>({3}), randn<double>({4})};
  CHECK(testJacobian(net, nn::Activity<double>(in2)) < 1e-6);
  CHECK(testJacobianParameters(net, nn::Activity<double>(in2)) < 1e-6);
  nn::ParallelTable<float> f = pt.toFloat();
  CHECK(f.toString() == pt.toString());

  T7_REQUIRE_THROWS_WITH_ALL(pt.forward(randn<double>({2, 3})), SizeError, "nn.ParallelTable", "table of 2 entries");
  T7_REQUIRE_THROWS_WITH_ALL(pt.forward(nn::Activity<double>(DTable{randn<double>({2, 4}), randn<double>({2})})),
                             SizeError, "nn.ParallelTable[0] (nn.Linear(3 -> 2))");
}

TEST_CASE("nn table: MapTable applies shared clones of one module to every entry") {
  nn::MapTable<double> map(linear(3, 2));
  DTable in{randn<double>({3}), randn<double>({3}), randn<double>({3})};
  const nn::Activity<double>& y = map.forward(nn::Activity<double>(in));
  REQUIRE(y.size() == 3);
  REQUIRE(map.size() == 3);
  auto& l0 = map.get<nn::Linear<double>>(0);
  auto& l2 = map.get<nn::Linear<double>>(2);
  CHECK(l2.weight.isSetTo(l0.weight));
  CHECK(l2.gradBias.isSetTo(l0.gradBias));
  nn::Linear<double> ref = l0.clone();
  CHECK(maxAbsDiff(y[2].tensor(), ref.forward(in[2].tensor())) < 1e-12);
  CHECK(testJacobian(map, nn::Activity<double>(in)) < 1e-6);
  CHECK(testJacobianParameters(map, nn::Activity<double>(in)) < 1e-6);
  // gradients of all entries accumulate into the one shared gradWeight; updates apply once
  map.zeroGradParameters();
  map.forward(nn::Activity<double>(in));
  DTable go{DoubleTensor{1, 0}, DoubleTensor{1, 0}, DoubleTensor{1, 0}};
  map.backward(nn::Activity<double>(in), nn::Activity<double>(go));
  CHECK(maxAbsDiff(l0.gradWeight.select(0, 0), DoubleTensor(in[0].tensor() + in[1].tensor() + in[2].tensor())) < 1e-12);
  const DoubleTensor w = l0.weight.clone();
  map.updateParameters(0.5);
  CHECK(maxAbsDiff(l0.weight, DoubleTensor(w - 0.5 * l0.gradWeight)) < 1e-12);
  auto [flat, gflat] = map.getParameters();
  CHECK(flat.nElement() == 3 * 2 + 2);
  CHECK(l2.weight.storage().isSameAs(flat.storage()));
  // a longer table grows the clones after getParameters: they share the flat storage
  in.push_back(randn<double>({3}));
  map.forward(nn::Activity<double>(in));
  CHECK(map.get<nn::Linear<double>>(3).weight.storage().isSameAs(flat.storage()));
  CHECK(map.toString() == "nn.MapTable {\n  nn.Linear(3 -> 2)\n}");
  nn::Sequential<double> seq;
  seq.add(linear(3, 2)).add(nn::Tanh<double>());
  nn::MapTable<double> nested(std::move(seq));
  CHECK(nested.toString() ==
        "nn.MapTable {\n"
        "  nn.Sequential {\n"
        "          [input -> (0) -> (1) -> output]\n"
        "          (0): nn.Linear(3 -> 2)\n"
        "          (1): nn.Tanh\n"
        "        }\n"
        "}");
  CHECK(testJacobianParameters(nested, nn::Activity<double>(DTable{randn<double>({2, 3}), randn<double>({2, 3})})) <
        1e-6);
  CHECK(nn::MapTable<double>().toString() == "nn.MapTable { }");
  // clone and conversion keep the clones sharing
  auto mc = map.clone();
  CHECK(mc.size() == 4);
  CHECK(mc.get<nn::Linear<double>>(3).weight.storage().isSameAs(mc.get<nn::Linear<double>>(0).weight.storage()));
  CHECK(!mc.get<nn::Linear<double>>(0).weight.storage().isSameAs(flat.storage()));
  nn::MapTable<float> mf = map.toFloat();
  CHECK(mf.get<nn::Linear<float>>(1).weight.storage().isSameAs(mf.get<nn::Linear<float>>(0).weight.storage()));
  CHECK(maxAbsDiff(mf.forward(nn::Activity<float>(nn::Table<float>{in[0].tensor().toFloat()}))[0].tensor(),
                   map.forward(nn::Activity<double>(DTable{in[0]}))[0].tensor().toFloat()) < 1e-5);
  map.clearState();
  CHECK(map.size() == 1);
  // a module without weights maps too
  nn::MapTable<double> tanhs{nn::Tanh<double>()};
  CHECK(testJacobian(tanhs, nn::Activity<double>(DTable{randn<double>({2}), randn<double>({3})})) < 1e-6);

  T7_REQUIRE_THROWS_WITH_ALL(map.add(linear(3, 2)), ValueError, "nn.MapTable", "one module");
  T7_REQUIRE_THROWS_WITH_ALL(map.forward(randn<double>({3})), TypeError, "nn.MapTable", "table input");
  T7_REQUIRE_THROWS_WITH_ALL(map.forward(nn::Activity<double>(DTable{randn<double>({3}), randn<double>({4})})),
                             SizeError, "nn.MapTable[1] (nn.Linear(3 -> 2))", "Linear: expected input");
  T7_REQUIRE_THROWS_WITH_ALL(nn::MapTable<double>().forward(nn::Activity<double>(in)), ValueError, "nn.MapTable",
                             "no module");
}

TEST_CASE("nn table: float forwards of the other table layers, and size-0 edge cases") {
  FloatTensor a{1, 4}, b{2, -8};
  CHECK(equal(nn::CSubTable<float>().forward({a, b}), FloatTensor{-1, 12}));
  CHECK(equal(nn::CDivTable<float>().forward({a, b}), FloatTensor{0.5f, -0.5f}));
  CHECK(equal(nn::CMinTable<float>().forward({a, b}), FloatTensor{1, -8}));
  nn::SplitTable<float> split(0);
  CHECK(equal(split.forward(FloatTensor{{1, 2}, {3, 4}})[1].tensor(), FloatTensor{3, 4}));
  nn::Table<float> in{a, b};
  CHECK(nn::SelectTable<float>(-1).forward(in).tensor().isSetTo(b));
  CHECK(nn::NarrowTable<float>(0, 2).forward(in).size() == 2);
  CHECK(nn::FlattenTable<float>().forward({a, nn::Table<float>{b}}).size() == 2);
  CHECK(std::abs(nn::CosineDistance<float>().forward({FloatTensor{3, 4}, FloatTensor{4, 3}})(0) - 0.96f) < 1e-6);
  CHECK(allclose(nn::MixtureTable<float>().forward(
                     {FloatTensor{0.25f, 0.75f}, nn::Table<float>{FloatTensor{4, 8}, FloatTensor{0, 4}}}),
                 FloatTensor{1, 5}));
  // a NarrowTable of length 0 gives an empty table and zero gradients
  nn::NarrowTable<double> none(1, 0);
  DTable in2{DoubleTensor{1, 2}, DoubleTensor{3}};
  CHECK(none.forward(in2).empty());
  const DTable& g = none.backward(in2, DTable{});
  CHECK(equal(ten(g[0]), DoubleTensor{0, 0}));
  CHECK(equal(ten(g[1]), DoubleTensor{0}));
  // a batch of zero samples
  nn::DotProduct<double> dot;
  CHECK(dot.forward({DoubleTensor(0, 3), DoubleTensor(0, 3)}).sizes() == Shape{0});
  nn::JoinTable<double> join(0);
  CHECK(join.forward({DoubleTensor(0, 2), DoubleTensor{{1, 2}}}).sizes() == Shape{1, 2});
}
