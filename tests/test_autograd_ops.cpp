// autograd: every elementwise operation against finite differences (gradcheck, double),
// single and composed, with broadcasting; comparisons as masks; hand-derived gradients.
#include "autograd_helpers.hpp"

using namespace t7;
using namespace t7test;
namespace ag = t7::autograd;

TEST_CASE("autograd ops: every unary elementwise function against finite differences") {
  manualSeed(1);
  checkUnary("neg", [](const auto& x) { return -x; });
  checkUnary("abs", [](const auto& x) { return abs(x); });
  checkUnary("exp", [](const auto& x) { return exp(x); });
  checkUnary("expm1", [](const auto& x) { return expm1(x); });
  checkUnary("log", [](const auto& x) { return log(x); }, {3, 4}, 0.2, 3);
  checkUnary("log1p", [](const auto& x) { return log1p(x); }, {3, 4}, -0.5, 3);
  checkUnary("sqrt", [](const auto& x) { return sqrt(x); }, {3, 4}, 0.2, 3);
  checkUnary("rsqrt", [](const auto& x) { return rsqrt(x); }, {3, 4}, 0.2, 3);
  checkUnary("cbrt", [](const auto& x) { return cbrt(x); }, {3, 4}, 0.2, 3);
  checkUnary("sin", [](const auto& x) { return sin(x); });
  checkUnary("cos", [](const auto& x) { return cos(x); });
  checkUnary("tan", [](const auto& x) { return tan(x); }, {3, 4}, -1.2, 1.2);
  checkUnary("asin", [](const auto& x) { return asin(x); }, {3, 4}, -0.9, 0.9);
  checkUnary("acos", [](const auto& x) { return acos(x); }, {3, 4}, -0.9, 0.9);
  checkUnary("atan", [](const auto& x) { return atan(x); });
  checkUnary("sinh", [](const auto& x) { return sinh(x); });
  checkUnary("cosh", [](const auto& x) { return cosh(x); });
  checkUnary("tanh", [](const auto& x) { return tanh(x); });
  checkUnary("sigmoid", [](const auto& x) { return sigmoid(x); });
  checkUnary("cinv", [](const auto& x) { return cinv(x); }, {3, 4}, 0.5, 2);
  checkUnary("frac", [](const auto& x) { return frac(x); }, {3, 4}, 0.1, 0.9);
  // piecewise constant: zero gradient (inputs away from the steps)
  checkUnary("floor", [](const auto& x) { return floor(x) + x; }, {3, 4}, 0.1, 0.9);
  checkUnary("ceil", [](const auto& x) { return ceil(x) * x; }, {3, 4}, 0.1, 0.9);
  checkUnary("round", [](const auto& x) { return round(x) + x * x; }, {3, 4}, 0.1, 0.4);
  checkUnary("trunc", [](const auto& x) { return trunc(x) + x; }, {3, 4}, 1.1, 1.9);
  checkUnary("sign", [](const auto& x) { return sign(x) * x; }, {3, 4}, 0.1, 2);
  checkUnary("clamp", [](const auto& x) { return clamp(x, -1.0, 1.0); }, {4, 5}, -2, 2);
  checkUnary("pow scalar exponent", [](const auto& x) { return pow(x, 3.0); });
  checkUnary("pow scalar base", [](const auto& x) { return pow(2.0, x); });
  checkUnary("scalar arithmetic", [](const auto& x) { return (2.0 - x) / 3.0 + 1.0 / (x * x + 1.0) - x * 0.5; });
}

TEST_CASE("autograd ops: binary elementwise, same shape and broadcast") {
  manualSeed(2);
  for (auto [sa, sb] : std::vector<std::pair<Shape, Shape>>{{{3, 4}, {3, 4}}, {{3, 4}, {4}}, {{3, 1}, {1, 4}}, {{2, 3, 4}, {3, 1}}}) {
    checkBinary("add", [](const auto& a, const auto& b) { return a + b; }, sa, sb);
    checkBinary("sub", [](const auto& a, const auto& b) { return a - b; }, sa, sb);
    checkBinary("mul", [](const auto& a, const auto& b) { return a * b; }, sa, sb);
    checkBinary("div", [](const auto& a, const auto& b) { return a / b; }, sa, sb, 0.5, 2);
    checkBinary("pow", [](const auto& a, const auto& b) { return pow(a, b); }, sa, sb, 0.5, 2);
    checkBinary("atan2", [](const auto& a, const auto& b) { return atan2(a, b); }, sa, sb, 0.5, 2);
    checkBinary("cmax", [](const auto& a, const auto& b) { return cmax(a, b); }, sa, sb);
    checkBinary("cmin", [](const auto& a, const auto& b) { return cmin(a, b); }, sa, sb);
    checkBinary("fmod", [](const auto& a, const auto& b) { return fmod(a, b); }, sa, sb, 0.6, 2);
    checkBinary("remainder", [](const auto& a, const auto& b) { return remainder(a, b); }, sa, sb, 0.6, 2);
    checkBinary("where", [](const auto& a, const auto& b) { return where(gt(a, b), a * a, b * 3.0); }, sa, sb);
    checkBinary("composed", [](const auto& a, const auto& b) { return tanh(a * b + a) / (1.0 + exp(-b)) - log(a * a + 1.0); },
                sa, sb);
  }
}

TEST_CASE("autograd ops: a comparison is a mask, constant for the tape") {
  const DoubleTensor x{{-1, 2}, {3, -4}};
  auto f = [](const ag::Var<double>& v) { return ag::sum(v * gt(v, 0.0)); };  // relu
  auto [g, loss] = ag::grad(f)(x);
  CHECK(loss == 5);
  CHECK(equal(g, DoubleTensor{{0, 1}, {1, 0}}));
}

TEST_CASE("autograd ops: hand-derived gradients") {
  const DoubleTensor x{{1, 2}, {3, 4}};
  SECTION("sum(x * x) = 2x, the same Var twice in one fused node") {
    auto [g, loss] = ag::grad([](const ag::Var<double>& v) { return ag::sum(v * v); })(x);
    CHECK(loss == 30);
    CHECK(equal(g, DoubleTensor{{2, 4}, {6, 8}}));
  }
  SECTION("x used by two nodes: gradients add") {
    auto [g, loss] = ag::grad([](const ag::Var<double>& v) { return ag::sum(v) + ag::sum(v * 3.0); })(x);
    CHECK(loss == 40);
    CHECK(equal(g, DoubleTensor{{4, 4}, {4, 4}}));
  }
  SECTION("mm: dA = G B^T, dB = A^T G") {
    const DoubleTensor b{{1, -1, 2}, {0, 1, 1}};
    auto [g, loss] = ag::grad([&](const ag::Var<double>& a) { return ag::sum(ag::mm(a, b)); })(x);
    CHECK(loss == (1 * 2 + 2 * 2) + (3 * 2 + 4 * 2));
    CHECK(equal(g, DoubleTensor{{2, 2}, {2, 2}}));
  }
  SECTION("mean and sum along a dimension") {
    auto [g, loss] = ag::grad([](const ag::Var<double>& v) { return ag::sum(ag::mean(v, 1) * ag::sum(v, 0).t()); })(x);
    // mean rows: [1.5, 3.5]; column sums: [4, 6]; loss = 1.5*4 + 3.5*6 = 27
    CHECK(loss == 27);
    // d/dx_ij = c_i / 2 + m_j with c = [4, 6], m = [1.5, 3.5]
    CHECK(equal(g, DoubleTensor{{2 + 1.5, 2 + 3.5}, {3 + 1.5, 3 + 3.5}}));
  }
  SECTION("max along a dimension sends the gradient to the maximum") {
    const DoubleTensor y{{1, 5, 2}, {7, 0, 3}};
    auto [g, loss] = ag::grad([](const ag::Var<double>& v) { return ag::sum(ag::max(v, 1)); })(y);
    CHECK(loss == 12);
    CHECK(equal(g, DoubleTensor{{0, 1, 0}, {1, 0, 0}}));
  }
}
