// autograd: matrix products, reductions, views, joins and indexing against finite
// differences (gradcheck, double), with non-contiguous inputs; the composed reductions
// against t7's.
#include "autograd_helpers.hpp"

using namespace t7;
using namespace t7test;
namespace ag = t7::autograd;

TEST_CASE("autograd ops: the composed reductions agree with t7's") {
  manualSeed(8);
  const DoubleTensor x = randomIn({3, 4}, -2, 2);
  const ag::Var<double> v(x);
  CHECK(ag::var(v).item() == Approx(t7::var(x)));
  CHECK(ag::std(v, true).item() == Approx(t7::std(x, true)));
  CHECK(max(abs(ag::var(v, 1).value() - t7::var(x, 1))) < 1e-12);
  CHECK(ag::norm(v).item() == Approx(t7::norm(x)));
  CHECK(ag::norm(v, 3).item() == Approx(t7::norm(x, 3)));
  T7_REQUIRE_THROWS_WITH_ALL(ag::split(v, 0), ValueError, "split", "positive");
  T7_REQUIRE_THROWS_WITH_ALL(ag::chunk(v, 0, 1), ValueError, "chunk", "count 0", "positive");
  CHECK(ag::prod(v).item() == Approx(t7::prod(x)));
  CHECK(max(abs(ag::cumsum(v, 1).value() - t7::cumsum(x, 1))) < 1e-12);
}

TEST_CASE("autograd ops: prod's gradient is exact with zeros") {
  // d/dx_i prod(x) = the product of the others: with one zero only its own gradient is not 0
  const DoubleTensor x{2, 0, 3, 4};
  auto [g, p] = ag::grad([](const ag::Var<double>& v) { return ag::prod(v); })(x);
  CHECK(p == 0);
  CHECK(equal(g, DoubleTensor{0, 24, 0, 0}));
  auto [g2, p2] = ag::grad([](const ag::Var<double>& v) { return ag::sum(ag::prod(v, 1)); })(DoubleTensor{{0, 5, 0}, {1, 2, 3}});
  CHECK(equal(g2, DoubleTensor{{0, 0, 0}, {6, 3, 2}}));
  CHECK(p2 == 6);
}

TEST_CASE("autograd ops: matrix products against finite differences") {
  manualSeed(3);
  checkBinary("mm", [](const auto& a, const auto& b) { return ag::mm(a, b); }, {3, 4}, {4, 2});
  checkBinary("mm of transposes", [](const auto& a, const auto& b) { return ag::mm(a.t(), b.t()); }, {4, 3}, {2, 4});
  checkBinary("mv", [](const auto& a, const auto& b) { return ag::mv(a, b); }, {3, 4}, {4});
  checkBinary("ger", [](const auto& a, const auto& b) { return ag::ger(a, b); }, {3}, {4});
  checkBinary("bmm", [](const auto& a, const auto& b) { return ag::bmm(a, b); }, {2, 3, 4}, {2, 4, 2});
  checkBinary("dot", [](const auto& a, const auto& b) { return ag::dot(a, b); }, {3, 4}, {3, 4});
  checkBinary("addmm", [](const auto& a, const auto& b) { return ag::addmm(a, a, b); }, {3, 3}, {3, 3});
  checkBinary("addmm beta, alpha", [](const auto& a, const auto& b) { return ag::addmm(0.5, b, 2.0, a, b); }, {3, 3}, {3, 3});
  checkBinary("addmv", [](const auto& a, const auto& b) { return ag::addmv(0.5, b.narrow(0, 0, 3), 2.0, a, b); }, {3, 4}, {4});
  checkBinary("addr", [](const auto& a, const auto& b) { return ag::addr(ag::ger(a, b) * 2.0, a, b * b); }, {3}, {4});
  checkBinary("baddbmm", [](const auto& a, const auto& b) { return ag::baddbmm(0.5, ag::bmm(a, b), 2.0, a, b); }, {2, 3, 3}, {2, 3, 3});
  checkBinary("addbmm", [](const auto& a, const auto& b) { return ag::addbmm(a.select(0, 1), a, b); }, {2, 3, 3}, {2, 3, 3});
  checkBinary("mm used twice (in-place accumulation)", [](const auto& a, const auto& b) {
    return ag::mm(a, b) + ag::mm(a, b * 2.0) + ag::mm(a * a, b);
  }, {3, 4}, {4, 2});
}

TEST_CASE("autograd ops: reductions against finite differences") {
  manualSeed(4);
  checkUnary("sum", [](const auto& x) { return ag::sum(x) * x; });
  checkUnary("sum dim 0", [](const auto& x) { return ag::sum(x, 0); });
  checkUnary("sum dim 1", [](const auto& x) { return ag::sum(x, 1); });
  checkUnary("mean", [](const auto& x) { return ag::mean(x) * x; });
  checkUnary("mean dim", [](const auto& x) { return ag::mean(x, -1); }, {2, 3, 4});
  checkUnary("max dim", [](const auto& x) { return ag::max(x, 1); });
  checkUnary("min dim", [](const auto& x) { return ag::min(x, 0); }, {2, 3, 4});
  checkUnary("max all", [](const auto& x) { return ag::max(x) * x; });
  checkUnary("min all", [](const auto& x) { return ag::min(x) + x; });
  checkUnary("logSumExp", [](const auto& x) { return ag::logSumExp(x) * x; });
  checkUnary("logSumExp dim", [](const auto& x) { return ag::logSumExp(x, 1); });
  checkUnary("logSoftMax rows", [](const auto& x) { return ag::logSoftMax(x); });
  checkUnary("logSoftMax vector", [](const auto& x) { return ag::logSoftMax(x); }, {5});
  checkUnary("softMax rows", [](const auto& x) { return ag::softMax(x); });
  checkUnary("softMax dim 0", [](const auto& x) { return ag::softMax(x, 0); });
  checkUnary("var", [](const auto& x) { return ag::var(x) * x; });
  checkUnary("prod", [](const auto& x) { return ag::prod(x) * x; }, {2, 3}, 0.5, 1.5);
  checkUnary("prod dim", [](const auto& x) { return ag::prod(x, 1); }, {3, 4}, -1.5, 1.5);
  checkUnary("cumsum", [](const auto& x) { return ag::cumsum(x, 1) * ag::cumsum(x, 0); });
  checkUnary("var biased, dim", [](const auto& x) { return ag::var(x, 1, true); });
  checkUnary("std", [](const auto& x) { return ag::std(x) + x; });
  checkUnary("std dim", [](const auto& x) { return ag::std(x, 0); });
  checkUnary("norm 2", [](const auto& x) { return ag::norm(x) * x; });
  checkUnary("norm 3", [](const auto& x) { return ag::norm(x, 3); }, {3, 4}, 0.2, 2);
}

TEST_CASE("autograd ops: views, joins and indexing against finite differences") {
  manualSeed(5);
  checkUnary("view", [](const auto& x) { return x.view(2, 6) * 2.0; });
  checkUnary("view of a transposed (non-contiguous) value", [](const auto& x) { return x.t().view(12); });
  checkUnary("reshape -1", [](const auto& x) { return x.reshape(4, -1); });
  checkUnary("transpose", [](const auto& x) { return x.transpose(0, 2) * x.transpose(0, 2); }, {2, 3, 4});
  checkUnary("permute", [](const auto& x) { return exp(x.permute({2, 0, 1})); }, {2, 3, 4});
  checkUnary("narrow", [](const auto& x) { return x.narrow(1, 1, 2) * x.narrow(1, 0, 2); });
  checkUnary("select", [](const auto& x) { return x.select(0, 1) + x.select(0, 2) * x.select(0, 1); });
  checkUnary("expand", [](const auto& x) { return x.expand(3, 4) * 2.0; }, {1, 4});
  checkUnary("expand with a new leading dim", [](const auto& x) { return x.expand(2, 3, 4); }, {3, 4});
  checkUnary("squeeze / unsqueeze", [](const auto& x) { return x.unsqueeze(0).squeeze(); });
  checkUnary("contiguous, clone", [](const auto& x) { return x.t().contiguous() + x.t().clone(); });
  checkUnary("cat", [](const auto& x) { return ag::cat(std::vector<ag::Var<double>>{x, x * x, x.narrow(0, 0, 1)}, 0); });
  checkUnary("cat along dim 1", [](const auto& x) { return ag::cat(x, exp(x), 1); });
  checkUnary("index (repeated indices add)", [](const auto& x) { return ag::index(x, 0, LongTensor{2, 0, 2}); });
  checkUnary("gather", [](const auto& x) { return ag::gather(x, 1, LongTensor{{0, 3}, {1, 1}, {2, 0}}); });
  checkUnary("split", [](const auto& x) {
    auto parts = ag::split(x, 3, 1);  // 4 columns: 3 + 1
    REQUIRE(parts.size() == 2);
    CHECK(parts[1].sizes() == Shape{3, 1});
    return ag::cat(parts[1] * 2.0, parts[0] * parts[0], 1);
  });
  checkUnary("chunk", [](const auto& x) {
    auto parts = ag::chunk(x, 2, 0);  // 3 rows: 2 + 1
    REQUIRE(parts.size() == 2);
    return ag::cat(parts[1], exp(parts[0]), 0);
  });
  checkUnary("addcmul, addcdiv, lerp", [](const auto& x) {
    return ag::addcmul(x, 0.5, x, x) + ag::addcdiv(x, 2.0, x, x * x + 1.0) + ag::lerp(x, sin(x), 0.25);
  });
}

TEST_CASE("autograd ops: non-contiguous parameters and a broadcast bias") {
  manualSeed(6);
  const DoubleTensor W = randomIn({4, 3}, -1, 1).t();  // 3x4, transposed
  const DoubleTensor b = randomIn({4}, -1, 1);
  const DoubleTensor x = randomIn({5, 3}, -1, 1);
  auto f = [&](const std::vector<ag::Var<double>>& p) { return ag::sum(tanh(ag::mm(x, p[0]) + p[1])); };
  const auto r = ag::gradcheck(f, std::vector<DoubleTensor>{W, b});
  INFO(r.message);
  CHECK(r.ok);
  auto [g, loss] = ag::grad(f)(std::vector<DoubleTensor>{W, b});
  CHECK(g[0].sizes() == Shape{3, 4});
  CHECK(g[1].sizes() == Shape{4});
  CHECK(g[0].isContiguous());
}

TEST_CASE("autograd ops: selections (sort, topk, kthvalue, median, mode, maskedSelect, diag, tril, triu)") {
  manualSeed(12);
  const DoubleTensor x = randomIn({3, 4}, -2, 2);
  const ag::Var<double> v(x);
  SECTION("values and indices are t7's") {
    auto [sv, si] = ag::sort(v, 1, true);
    const auto ref = t7::sort(x, 1, true);
    CHECK(equal(sv.value(), ref.values));
    CHECK(equal(si, ref.indices));
    CHECK(equal(ag::topk(v, 2, 0, true, true).values.value(), t7::topk(x, 2, 0, true, true).values));
    CHECK(equal(ag::kthvalue(v, 2, 1).values.value(), t7::kthvalue(x, 2, 1).values));
    CHECK(ag::kthvalue(v, 5).item() == t7::kthvalue(x, 5));
    CHECK(ag::median(v).item() == t7::median(x));
    CHECK(equal(ag::median(v, 0).indices, t7::median(x, 0).indices));
    CHECK(ag::mode(v).item() == t7::mode(x));
    const ByteTensor mask = gt(x, 0.0);
    CHECK(equal(ag::maskedSelect(v, mask).value(), t7::maskedSelect(x, mask)));
    for (index_t k : {-2, 0, 1}) {
      CHECK(equal(ag::diag(v, k).value(), t7::diag(x, k)));
      CHECK(equal(ag::eval(ag::tril(v, k)).value(), t7::tril(x, k)));
      CHECK(equal(ag::eval(ag::triu(v, k)).value(), t7::triu(x, k)));
    }
    const DoubleTensor d{1, 2, 3};
    CHECK(equal(ag::diag(ag::Var<double>(d), -1).value(), t7::diag(d, -1)));
    CHECK(ag::trace(v).item() == Approx(t7::trace(x)));
  }
  SECTION("gradients against finite differences") {
    checkUnary("sort", [](const auto& a) { return ag::sort(a, 1).values * a; });
    checkUnary("sort descending, dim 0", [](const auto& a) { return ag::sort(a, 0, true).values; });
    checkUnary("topk", [](const auto& a) { return ag::topk(a, 2, 1, true).values; });
    checkUnary("kthvalue dim", [](const auto& a) { return ag::kthvalue(a, 2, 0).values; });
    checkUnary("kthvalue all", [](const auto& a) { return ag::kthvalue(a, 7) * a; });
    checkUnary("median dim", [](const auto& a) { return ag::median(a, 1).values; }, {3, 5});
    checkUnary("median all", [](const auto& a) { return ag::median(a) + a; });
    checkUnary("mode dim", [](const auto& a) { return ag::mode(a, 1).values; });
    checkUnary("mode all", [](const auto& a) { return ag::mode(a) * a; });
    checkUnary("maskedSelect", [](const auto& a) {
      return ag::maskedSelect(a * a, ByteTensor{{1, 0, 1, 1}, {0, 0, 0, 1}, {1, 1, 0, 0}});
    });
    checkUnary("diag of a matrix", [](const auto& a) { return ag::diag(a, 1) * ag::diag(a.t(), -1); });
    checkUnary("diag of a vector", [](const auto& a) { return ag::diag(a.select(0, 1), -1); });
    checkUnary("trace", [](const auto& a) { return ag::trace(ag::mm(a, a.t())) * a; });
    checkUnary("tril, triu", [](const auto& a) { return ag::tril(a, 1) * 2.0 + ag::triu(a * a, -1); });
  }
}

TEST_CASE("autograd ops: cumprod, norm along a dim, dist, renorm") {
  manualSeed(13);
  const DoubleTensor x = randomIn({3, 4}, -2, 2);
  const ag::Var<double> v(x);
  CHECK(max(abs(ag::cumprod(v, 1).value() - t7::cumprod(x, 1))) < 1e-12);
  CHECK(max(abs(ag::norm(v, 3, 1).value() - t7::norm(x, 3, 1))) < 1e-12);
  CHECK(max(abs(ag::norm(v, 2, 0).value() - t7::norm(x, 2, 0))) < 1e-12);
  const DoubleTensor y = randomIn({4, 3});
  CHECK(ag::dist(v, y).item() == Approx(t7::dist(x, y)));
  CHECK(ag::dist(v, y, 1).item() == Approx(t7::dist(x, y, 1)));
  for (int dim : {0, 1})
    for (double p : {1.0, 2.0, 3.0, std::numeric_limits<double>::infinity()})
      CHECK(max(abs(ag::renorm(v, p, dim, 1.5).value() - t7::renorm(x, p, dim, 1.5))) < 1e-12);

  checkUnary("cumprod", [](const auto& a) { return ag::cumprod(a, 1) * ag::cumprod(a, 0); });
  checkUnary("cumprod 3-D", [](const auto& a) { return ag::cumprod(a.transpose(0, 2), 1); }, {2, 3, 4});
  checkUnary("norm 2 dim", [](const auto& a) { return ag::norm(a, 2, 1); });
  checkUnary("norm 1.5 dim", [](const auto& a) { return ag::norm(a, 1.5, 0); }, {3, 4}, 0.2, 2);
  checkBinary("dist", [](const auto& a, const auto& b) { return ag::dist(a, b) * a; }, {3, 4}, {4, 3});
  checkBinary("dist p 3", [](const auto& a, const auto& b) { return ag::dist(a, b, 3); }, {3, 4}, {3, 4});
  // maxnorm between the slices' norms, so some slices are scaled and some copied
  checkUnary("renorm dim 0", [](const auto& a) { return ag::renorm(a, 2, 0, 2.0); });
  checkUnary("renorm dim 1, p 1", [](const auto& a) { return ag::renorm(a, 1, 1, 2.0); });
  checkUnary("renorm p inf", [](const auto& a) { return ag::renorm(a, std::numeric_limits<double>::infinity(), 1, 1.2); });

  SECTION("cumprod's gradient is exact with zeros") {
    // out = (x0, x0 x1, x0 x1 x2); x1 = 0: d sum(out)/dx = (1 + x1 + x1 x2, x0 + x0 x2, x0 x1)
    auto [g, s] = ag::grad([](const ag::Var<double>& a) { return ag::sum(ag::cumprod(a, 0)); })(DoubleTensor{2, 0, 3});
    CHECK(s == 2);
    CHECK(equal(g, DoubleTensor{1, 8, 0}));
    auto [g2, s2] = ag::grad([](const ag::Var<double>& a) { return ag::sum(ag::cumprod(a, 0)); })(DoubleTensor{0, 0, 5});
    CHECK(equal(g2, DoubleTensor{1, 0, 0}));
  }
  SECTION("error paths") {
    T7_REQUIRE_THROWS_WITH_ALL(ag::maskedSelect(v, ByteTensor{1, 0}), SizeError, "maskedSelect", "size 2 ", "size 3x4");
    T7_REQUIRE_THROWS_WITH_ALL(ag::diag(ag::Var<double>(randomIn({2, 2, 2}))), SizeError, "diag", "size 2x2x2");
    T7_REQUIRE_THROWS_WITH_ALL(ag::trace(ag::Var<double>(randomIn({3}))), SizeError, "trace", "size 3");
    T7_REQUIRE_THROWS_WITH_ALL(ag::tril(ag::Var<double>(randomIn({3}))), SizeError, "tril", "size 3");
    T7_REQUIRE_THROWS_WITH_ALL(ag::dist(v, randomIn({5})), SizeError, "dist", "3x4 and 5");
    T7_REQUIRE_THROWS_WITH_ALL(ag::renorm(v, 0, 0, 1), ValueError, "renorm", "positive");
    T7_REQUIRE_THROWS_WITH_ALL(ag::renorm(ag::Var<double>(randomIn({3})), 2, 0, 1), SizeError, "renorm", "size 3");
    auto nested = [](const ag::Var<double>& a) {
      auto inner = ag::grad([](const ag::Var<double>& b) { return ag::sum(ag::cumprod(b, 0)); });
      return ag::sum(std::get<0>(inner(a)));
    };
    T7_REQUIRE_THROWS_WITH_ALL(ag::grad(nested)(DoubleTensor{1, 0, 2}), AutogradError, "cumprod", "zero");
  }
}
