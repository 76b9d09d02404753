// autograd: gradients of gradients (a grad call inside another's f): hand-derived second
// derivatives, Hessian-vector products against finite differences of the gradient, gradcheck
// of a gradient penalty, and the errors for a third order and for the nn bridge.
#include "autograd_helpers.hpp"

using namespace t7;
namespace ag = t7::autograd;
using DTable = ag::Table<DoubleTensor>;
using DVar = ag::Var<double>;

using t7test::randomIn;

TEST_CASE("autograd second order: hand-derived") {
  const DoubleTensor x{0.5, -1, 2};
  auto inner = ag::grad([](const DVar& v) { return ag::sum(v * v * v); });  // d/dx = 3x^2
  SECTION("d/dx sum(3x^2) = 6x") {
    auto outer = [&](const DVar& v) {
      auto [g, loss] = inner(v);
      STATIC_REQUIRE(std::is_same_v<decltype(g), DVar>);
      CHECK(g.isTracked());
      return ag::sum(g);
    };
    auto [h, value] = ag::grad(outer)(x);
    CHECK(value == Approx(3 * (0.25 + 1 + 4)));
    for (index_t i = 0; i < 3; ++i) CHECK(h(i) == Approx(6 * x(i)).epsilon(1e-12));
  }
  SECTION("the gradient's values are the first-order ones") {
    auto outer = [&](const DVar& v) {
      auto [g, loss] = inner(v);
      for (index_t i = 0; i < 3; ++i) CHECK(g.value()(i) == Approx(3 * x(i) * x(i)));
      return ag::sum(g * v);  // sum(3x^3): d/dx = 9x^2
    };
    auto [h, value] = ag::grad(outer)(x);
    for (index_t i = 0; i < 3; ++i) CHECK(h(i) == Approx(9 * x(i) * x(i)).epsilon(1e-12));
  }
  SECTION("tanh'' and sigmoid'' through the fused nodes") {
    auto tanhInner = ag::grad([](const DVar& v) { return ag::sum(tanh(v) + sigmoid(v)); });
    auto [h, value] = ag::grad([&](const DVar& v) { return ag::sum(std::get<0>(tanhInner(v))); })(x);
    for (index_t i = 0; i < 3; ++i) {
      const double t = std::tanh(x(i)), s = 1 / (1 + std::exp(-x(i)));
      CHECK(h(i) == Approx(-2 * t * (1 - t * t) + s * (1 - s) * (1 - 2 * s)).epsilon(1e-12));
    }
  }
}

TEST_CASE("autograd second order: Hessian-vector products against finite differences") {
  manualSeed(31);
  const DoubleTensor x = randomIn({4, 5}), y = ag::util::oneHot<double>(LongTensor{0, 2, 1, 2}, 3);
  const LongTensor pick{{0, 4}, {1, 1}, {3, 2}, {2, 0}};
  const ByteTensor mask = gt(randomIn({4, 6}), 0.0);
  // a function exercising every differentiable backward: mm, broadcast add, tanh, sigmoid,
  // views, narrow, select, cat, gather, max along a dim, sum/mean, logSoftMax, softMax, pow,
  // exp, log, mv, cumsum, prod, std; trace, cumprod, dist, renorm, sort, tril, diag,
  // maskedSelect, median, topk
  auto f = [&](const auto& p) {
    auto h = ag::Var<double>(tanh(ag::mm(x, p["W"]) + p["b"]));                      // 4x6
    auto wide = ag::cat(h, sigmoid(h.narrow(1, 0, 2)) * h.select(1, 3).view(4, 1), 1);  // 4x8
    auto scores = ag::mm(wide, p["V"]);                                                // 4x3
    auto ce = ag::loss::logMultinomialLoss(ag::logSoftMax(scores), y);
    auto extra = ag::sum(ag::max(ag::gather(h, 1, pick), 1)) + ag::mean(pow(h, 2.0)) +
                 ag::sum(log(1.0 + exp(ag::softMax(scores) * 0.5))) + ag::sum(ag::mv(p["V"], p["c"])) +
                 ag::mean(ag::cumsum(h, 1) * h) + ag::sum(ag::prod(h.narrow(1, 0, 3), 1)) + ag::std(h);
    auto picked = ag::trace(ag::mm(h.t(), h)) * 0.1 + ag::sum(ag::cumprod(h.narrow(1, 0, 3), 1)) +
                  ag::dist(h, ag::mm(x, p["W"])) + ag::sum(ag::renorm(h, 2, 0, 1.0) * h) +
                  ag::sum(ag::sort(h, 1).values * h) + ag::sum(ag::tril(h.narrow(1, 0, 4)) * h.narrow(1, 0, 4)) +
                  ag::sum(ag::diag(p["c"]) * ag::diag(p["c"]) * 0.5) + ag::sum(pow(ag::maskedSelect(h, mask), 3.0)) +
                  ag::sum(ag::median(h, 1).values * ag::topk(h, 1, 1, true).values);
    return ce + extra + picked;
  };
  DTable params{{"W", randomIn({5, 6})}, {"b", randomIn({6})}, {"V", randomIn({8, 3})}, {"c", randomIn({3})}};
  const DTable v{{"W", randomIn({5, 6})}, {"b", randomIn({6})}, {"V", randomIn({8, 3})}, {"c", randomIn({3})}};
  auto df = ag::grad(f);

  // Hv by double grad: d/dp <grad f(p), v>
  auto hv = [&](const auto& p) {
    auto [g, loss] = df(p);
    ag::Var<double> dot = ag::sum(g["W"] * v["W"]);
    for (const char* k : {"b", "V", "c"}) dot = dot + ag::sum(g[k] * v[k]);
    return dot;
  };
  auto [Hv, gv] = ag::grad(hv)(params);

  // Hv by central differences of the first-order gradient along v
  const double h = 1e-5;
  auto shifted = [&](double t) {
    DTable q;
    for (const auto& [k, e] : params) q[k] = DoubleTensor(e.value() + v[std::get<std::string>(k).c_str()].value() * t);
    return std::get<0>(df(q));
  };
  auto up = shifted(h), down = shifted(-h);
  for (const char* k : {"W", "b", "V", "c"}) {
    INFO(k);
    const DoubleTensor numeric = (up[k].value() - down[k].value()) / (2 * h);
    CHECK(max(abs(Hv[k].value() - numeric)) < 1e-6 * std::max(1.0, max(abs(numeric))));
  }

  SECTION("a gradient penalty, checked with gradcheck") {
    auto penalty = [&](const auto& p) {
      auto [g, loss] = df(p);
      (void)loss;
      return ag::sum(g["W"] * g["W"]) + ag::sum(g["V"] * g["V"]);
    };
    const auto r = ag::gradcheck(penalty, params);
    INFO(r.message);
    CHECK(r.ok);
  }
}

TEST_CASE("autograd second order: what is not supported says so") {
  const DoubleTensor x{0.5, -1};
  SECTION("a third order") {
    auto d1 = ag::grad([](const DVar& v) { return ag::sum(tanh(v)); });
    auto d2 = ag::grad([&](const DVar& v) { return ag::sum(std::get<0>(d1(v))); });
    auto d3 = [&](const DVar& v) { return ag::sum(std::get<0>(d2(v))); };
    T7_REQUIRE_THROWS_WITH_ALL(ag::grad(d3)(x), AutogradError, "gradients of gradients", "second order", "not supported");
  }
  SECTION("prod's second order at a zero element") {
    auto inner = ag::grad([](const DVar& v) { return ag::prod(v); });
    auto outer = [&](const DVar& v) { return ag::sum(std::get<0>(inner(v))); };
    // grad prod(a, b) = (b, a), whose sum has gradient (1, 1)
    const DoubleTensor h = std::get<0>(ag::grad(outer)(DoubleTensor{2, 3}));
    CHECK(h(0) == Approx(1).epsilon(1e-12));
    CHECK(h(1) == Approx(1).epsilon(1e-12));
    T7_REQUIRE_THROWS_WITH_ALL(ag::grad(outer)(DoubleTensor{2, 0}), AutogradError, "prod", "zero element");
  }
  SECTION("through an nn module") {
    auto lin = ag::functional(nn::Linear<double>(2, 2));
    DTable p{{"lin", lin.parameters()}};
    auto inner = ag::grad([&](const auto& q) { return ag::sum(lin(x.view(1, 2), q["lin"])); });
    auto outer = [&](const auto& q) { return ag::sum(std::get<0>(inner(q))["lin"][0]); };
    T7_REQUIRE_THROWS_WITH_ALL(ag::grad(outer)(p), AutogradError, "gradients of gradients", "nn module", "not supported");
  }
}
