// optim: sgd (every option against hand-computed steps and a scalar reference of Torch7's
// sgd.lua), checkgrad, ConfusionMatrix (counts, figures, Torch7's printed layout) and
// Logger (exact file contents), with every error path.
#include "helpers.hpp"

#include <t7/optim.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <tuple>
#include <unistd.h>
#include <vector>

using namespace t7;
using t7test::values;

namespace {

template <class T>
void requireNear(const Tensor<T>& t, const std::vector<double>& want, double tol = 1e-12) {
  const auto v = values(t);
  REQUIRE(v.size() == want.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    INFO("element " << i << ": " << v[i] << " vs " << want[i]);
    CHECK(std::abs(static_cast<double>(v[i]) - want[i]) <= tol * std::max(1.0, std::abs(want[i])));
  }
}

/// A feval returning a fixed loss and, in a reused buffer (like nn's gradParameters), the
/// next gradient of `grads`, the last one repeating. Counts its calls.
template <class T>
struct ScriptedEval {
  std::vector<std::vector<double>> grads;
  double loss = 1.5;
  Tensor<T> buf{};
  int calls = 0;
  optim::Eval<T> operator()(const Tensor<T>& x) {
    const auto& g = grads[std::min<std::size_t>(static_cast<std::size_t>(calls), grads.size() - 1)];
    if (buf.dim() == 0) buf = Tensor<T>(x.sizes());
    std::size_t i = 0;
    for (auto& e : buf) e = static_cast<T>(g[i++]);
    ++calls;
    return {loss, buf};
  }
};

/// Torch7's sgd.lua on doubles, one parameter vector: the reference of the combined test.
struct RefSGD {
  double lr, lrd, wd, mom, damp;
  bool nesterov;
  std::vector<double> wds, lrs, buf;
  long long n = 0;
  void step(std::vector<double>& x, std::vector<double> g) {
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (wd != 0) g[i] += wd * x[i];
      else if (!wds.empty()) g[i] += wds[i] * x[i];
    }
    std::vector<double> dir = g;
    if (mom != 0) {
      if (buf.empty()) buf = g;
      else
        for (std::size_t i = 0; i < x.size(); ++i) buf[i] = buf[i] * mom + (1 - damp) * g[i];
      for (std::size_t i = 0; i < x.size(); ++i) dir[i] = nesterov ? g[i] + mom * buf[i] : buf[i];
    }
    const double clr = lr / (1 + n * lrd);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] -= clr * (lrs.empty() ? 1.0 : lrs[i]) * dir[i];
    ++n;
  }
};

std::string readFile(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

/// A fresh scratch directory for this process, removed at the end of the test case.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() / ("t7_test_optim_" + std::to_string(::getpid()));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace

// ---- sgd ---------------------------------------------------------------------------------

TEST_CASE("optim: sgd plain step, returned loss and state") {
  DoubleTensor x{1, 2, -1};
  ScriptedEval<double> f{{{0.5, -1, 2}}};
  optim::SGDState<double> s{.learningRate = 0.1};
  auto [xr, fx] = optim::sgd(f, x, s);
  CHECK(fx == 1.5);
  CHECK(xr.isSetTo(x));  // the same handle, updated in place
  requireNear(x, {0.95, 2.1, -1.2});
  CHECK(s.evalCounter == 1);
  CHECK(s.dfdx.dim() == 0);  // no momentum, no buffer
  requireNear(f.buf, {0.5, -1, 2});  // without weight decay the gradient is left alone
  // Defaults are Torch7's.
  optim::SGDState<double> d;
  CHECK(d.learningRate == 1e-3);
  CHECK(d.learningRateDecay == 0);
  CHECK(d.weightDecay == 0);
  CHECK(d.momentum == 0);
  CHECK(!d.dampening.has_value());
  CHECK(!d.nesterov);
}

TEST_CASE("optim: sgd designated initializers in DESIGN.md's order, float by default") {
  // (float by default needs C++20's deduction for aggregates: GCC 11+, clang 17+)
#if __cpp_deduction_guides >= 201907L
  optim::SGDState sgd{.learningRate = 1e-2, .momentum = 0.9, .nesterov = true, .dampening = 0};
  static_assert(std::is_same_v<decltype(sgd), optim::SGDState<float>>);
#else
  optim::SGDState<float> sgd{.learningRate = 1e-2, .momentum = 0.9, .nesterov = true, .dampening = 0};
#endif
  CHECK(sgd.learningRate == 1e-2);
  CHECK(sgd.momentum == 0.9);
  CHECK(sgd.nesterov);
  CHECK(sgd.dampening == 0.0);
  FloatTensor x{1.f};
  auto f = [](const FloatTensor&) { return std::pair<double, FloatTensor>{2.0, FloatTensor{1.f}}; };
  optim::sgd(f, x, sgd);  // nesterov: buf = 1, step = 1 + 0.9 * 1
  requireNear(x, {1 - 0.01 * 1.9}, 1e-6);
}

TEST_CASE("optim: sgd learning-rate decay over several calls") {
  DoubleTensor x{0.0};
  ScriptedEval<double> f{{{1}}};
  optim::SGDState<double> s{.learningRate = 0.1, .learningRateDecay = 0.5};
  optim::sgd(f, x, s);
  requireNear(x, {-0.1});
  optim::sgd(f, x, s);
  requireNear(x, {-0.1 - 0.1 / 1.5});
  optim::sgd(f, x, s);
  requireNear(x, {-0.1 - 0.1 / 1.5 - 0.1 / 2});
  CHECK(s.evalCounter == 3);
}

TEST_CASE("optim: sgd weight decay, scalar and per parameter") {
  SECTION("weightDecay: grad += wd * x, in place as Torch7") {
    DoubleTensor x{2, -4};
    ScriptedEval<double> f{{{1, 1}}};
    optim::SGDState<double> s{.learningRate = 0.5, .weightDecay = 0.1};
    optim::sgd(f, x, s);
    requireNear(f.buf, {1.2, 0.6});
    requireNear(x, {2 - 0.6, -4 - 0.3});
  }
  SECTION("weightDecays tensor when weightDecay is 0") {
    DoubleTensor x{2, -4};
    ScriptedEval<double> f{{{1, 1}}};
    optim::SGDState<double> s{.learningRate = 0.5, .weightDecays = DoubleTensor{0.1, 0.2}};
    optim::sgd(f, x, s);
    requireNear(f.buf, {1.2, 0.2});
    requireNear(x, {1.4, -4.1});
  }
  SECTION("weightDecays is ignored when weightDecay is set") {
    DoubleTensor x{2, -4};
    ScriptedEval<double> f{{{1, 1}}};
    optim::SGDState<double> s{.learningRate = 0.5, .weightDecay = 0.1, .weightDecays = DoubleTensor{5, 5}};
    optim::sgd(f, x, s);
    requireNear(x, {1.4, -4.3});
  }
  SECTION("weightDecays of another shape with the same element count") {
    DoubleTensor x{2, -4, 1, 1};
    ScriptedEval<double> f{{{1, 1, 0, 0}}};
    optim::SGDState<double> s{.learningRate = 0.5, .weightDecays = DoubleTensor{{0.1, 0.2}, {0, 1}}};
    optim::sgd(f, x, s);
    requireNear(x, {1.4, -4.1, 1, 0.5});
  }
}

TEST_CASE("optim: sgd momentum, dampening default and explicit") {
  SECTION("dampening defaults to momentum") {
    DoubleTensor x{0.0};
    ScriptedEval<double> f{{{1}, {3}}};
    optim::SGDState<double> s{.learningRate = 0.1, .momentum = 0.9};
    optim::sgd(f, x, s);  // buffer = first gradient
    requireNear(s.dfdx, {1});
    requireNear(x, {-0.1});
    optim::sgd(f, x, s);  // buffer = 0.9 * 1 + (1 - 0.9) * 3
    requireNear(s.dfdx, {1.2});
    requireNear(x, {-0.22});
  }
  SECTION("explicit dampening 0") {
    DoubleTensor x{0.0};
    ScriptedEval<double> f{{{1}, {3}}};
    optim::SGDState<double> s{.learningRate = 0.1, .momentum = 0.9, .dampening = 0};
    optim::sgd(f, x, s);
    optim::sgd(f, x, s);  // buffer = 0.9 + 3
    requireNear(s.dfdx, {3.9});
    requireNear(x, {-0.1 - 0.39});
  }
  SECTION("explicit dampening 0.5") {
    DoubleTensor x{0.0};
    ScriptedEval<double> f{{{1}, {3}}};
    optim::SGDState<double> s{.learningRate = 0.1, .momentum = 0.9, .dampening = 0.5};
    optim::sgd(f, x, s);
    optim::sgd(f, x, s);  // buffer = 0.9 + 0.5 * 3
    requireNear(x, {-0.1 - 0.24});
  }
  SECTION("the buffer is a copy, not the gradient") {
    DoubleTensor x{0.0};
    ScriptedEval<double> f{{{1}, {3}}};
    optim::SGDState<double> s{.learningRate = 0.1, .momentum = 0.9};
    optim::sgd(f, x, s);
    CHECK(!s.dfdx.storage().isSameAs(f.buf.storage()));
  }
}

TEST_CASE("optim: sgd Nesterov momentum") {
  DoubleTensor x{0.0};
  ScriptedEval<double> f{{{1}, {3}}};
  optim::SGDState<double> s{.learningRate = 0.1, .momentum = 0.9, .nesterov = true, .dampening = 0};
  optim::sgd(f, x, s);  // buffer 1, step 1 + 0.9 * 1
  requireNear(x, {-0.19});
  requireNear(f.buf, {1.9});  // Torch7 adds into the gradient
  optim::sgd(f, x, s);  // buffer 0.9 + 3 = 3.9, step 3 + 0.9 * 3.9
  requireNear(s.dfdx, {3.9});
  requireNear(x, {-0.19 - 0.651});
}

TEST_CASE("optim: sgd per-parameter learning rates") {
  DoubleTensor x{0, 0, 0};
  ScriptedEval<double> f{{{1, 1, 1}}};
  optim::SGDState<double> s{.learningRate = 0.2, .learningRates = DoubleTensor{1, 0.5, 0}};
  optim::sgd(f, x, s);
  requireNear(x, {-0.2, -0.1, 0});
  optim::sgd(f, x, s);
  requireNear(x, {-0.4, -0.2, 0});
}

TEST_CASE("optim: sgd all options together against Torch7's algorithm") {
  for (bool nesterov : {false, true}) {
    Generator gen(7);
    const int n = 6;
    DoubleTensor x(n), wds(n), lrs(n);
    x.uniform(gen, -1, 1);
    wds.uniform(gen, 0, 0.1);
    lrs.uniform(gen, 0.5, 1.5);
    std::vector<std::vector<double>> grads;
    for (int k = 0; k < 5; ++k) {
      DoubleTensor g(n);
      g.normal(gen);
      grads.push_back(values(g));
    }
    ScriptedEval<double> f{grads};
    // weightDecays (weightDecay 0), momentum, lr decay, learning rates
    optim::SGDState<double> s{.learningRate = 0.05, .learningRateDecay = 0.1, .momentum = 0.8,
                              .nesterov = nesterov, .dampening = nesterov ? 0.0 : 0.3,
                              .weightDecays = wds, .learningRates = lrs};
    RefSGD ref{0.05, 0.1, 0, 0.8, nesterov ? 0.0 : 0.3, nesterov, values(wds), values(lrs), {}};
    std::vector<double> rx = values(x);
    for (int k = 0; k < 5; ++k) {
      optim::sgd(f, x, s);
      ref.step(rx, grads[static_cast<std::size_t>(k)]);
    }
    requireNear(x, rx, 1e-13);
    requireNear(s.dfdx, ref.buf, 1e-13);
    CHECK(s.evalCounter == 5);
  }
}

TEST_CASE("optim: sgd in float, non-contiguous parameters, tuple and struct returns") {
  SECTION("float against the double reference") {
    FloatTensor x{0.5f, -0.25f};
    ScriptedEval<float> f{{{1, 2}, {-1, 0.5}, {0.25, 0.25}}};
    optim::SGDState<float> s{.learningRate = 0.1, .weightDecay = 0.01, .momentum = 0.9};
    RefSGD ref{0.1, 0, 0.01, 0.9, 0.9, false, {}, {}, {}};
    std::vector<double> rx{0.5, -0.25};
    for (int k = 0; k < 3; ++k) {
      optim::sgd(f, x, s);
      ref.step(rx, f.grads[static_cast<std::size_t>(k)]);
    }
    requireNear(x, rx, 1e-6);
  }
  SECTION("transposed parameters and gradient") {
    DoubleTensor base{{1, 2}, {3, 4}, {5, 6}};
    DoubleTensor x = base.t();  // 2x3, not contiguous
    REQUIRE(!x.isContiguous());
    auto f = [](const DoubleTensor&) {
      return std::make_tuple(0.0, DoubleTensor{{1, 1, 1}, {2, 2, 2}});
    };
    optim::SGDState<double> s{.learningRate = 0.5};
    optim::sgd(f, x, s);
    requireNear(base, {0.5, 1, 2.5, 3, 4.5, 5});
  }
  SECTION("a temporary view as the parameters") {
    DoubleTensor all{1, 2, 3, 4};
    auto f = [](const DoubleTensor&) { return optim::Eval<double>{0.0, DoubleTensor{1, 1}}; };
    optim::SGDState<double> s{.learningRate = 1};
    optim::sgd(f, all.narrow(0, 1, 2), s);
    requireNear(all, {1, 1, 2, 4});
  }
  SECTION("empty parameters") {
    DoubleTensor x(0);
    auto f = [](const DoubleTensor&) { return optim::Eval<double>{3.0, DoubleTensor(0)}; };
    optim::SGDState<double> s{.learningRate = 1, .momentum = 0.5};
    auto [xr, fx] = optim::sgd(f, x, s);
    CHECK(fx == 3.0);
    CHECK(xr.nElement() == 0);
  }
}

TEST_CASE("optim: sgd converges on a quadratic") {
  // f(x) = 1/2 x'Ax - b'x, grad = Ax - b, minimum A^-1 b = (2/9, 1/9, 13/9).
  const DoubleTensor A{{4, 1, 0}, {1, 3, 1}, {0, 1, 2}};
  const DoubleTensor b{1, 2, 3};
  DoubleTensor grad(3);
  auto feval = [&](const DoubleTensor& x) -> optim::Eval<double> {
    mv(grad, A, x);
    grad -= b;
    double f = 0;
    for (int i = 0; i < 3; ++i) f += 0.5 * (grad(i) + b(i)) * x(i) - b(i) * x(i);
    return {f, grad};
  };
  for (int variant = 0; variant < 3; ++variant) {
    DoubleTensor x{0, 0, 0};
    optim::SGDState<double> s{.learningRate = 0.1};
    if (variant == 1) s.momentum = 0.9, s.dampening = 0;
    if (variant == 2) s.momentum = 0.9, s.dampening = 0, s.nesterov = true;
    double first = 0, last = 0;
    for (int k = 0; k < 600; ++k) {
      last = optim::sgd(feval, x, s).fx;
      if (k == 0) first = last;
    }
    INFO("variant " << variant);
    requireNear(x, {2.0 / 9, 1.0 / 9, 13.0 / 9}, 1e-8);
    CHECK(first == 0.0);
    CHECK(last == Approx(-0.5 * (2.0 / 9 * 1 + 1.0 / 9 * 2 + 13.0 / 9 * 3)).epsilon(1e-10));
  }
}

TEST_CASE("optim: sgd steady steps reuse the state's buffers") {
  FloatTensor x(1000);
  x.fill(1.f);
  FloatTensor grad(1000);
  auto feval = [&](const FloatTensor& p) -> optim::Eval<float> {
    grad = p * 2.f;  // (written into grad's memory)
    return {0.0, grad};
  };
  optim::SGDState<float> s{.learningRate = 0.01, .weightDecay = 1e-4, .momentum = 0.9,
                           .learningRates = FloatTensor(1000)};
  s.learningRates.fill(1.f);
  float* const xp = x.data();
  float* const gp = grad.data();
  optim::sgd(feval, x, s);
  float* const bp = s.dfdx.data();
  REQUIRE(bp != nullptr);
  for (int k = 0; k < 10; ++k) optim::sgd(feval, x, s);
  CHECK(x.data() == xp);
  CHECK(grad.data() == gp);
  CHECK(s.dfdx.data() == bp);
  CHECK(s.evalCounter == 11);
  CHECK(x(0) < 1.f);
}

TEST_CASE("optim: sgd errors") {
  SECTION("Nesterov needs momentum and zero dampening, checked before feval") {
    DoubleTensor x{1.0};
    ScriptedEval<double> f{{{1}}};
    optim::SGDState<double> s{.learningRate = 0.1, .nesterov = true};
    T7_REQUIRE_THROWS_WITH_ALL(optim::sgd(f, x, s), ValueError, "sgd: Nesterov momentum requires a momentum and zero dampening",
                               "momentum 0");
    s.momentum = 0.9;  // dampening defaults to momentum: still refused
    T7_REQUIRE_THROWS_WITH_ALL(optim::sgd(f, x, s), ValueError, "Nesterov", "dampening 0.9");
    CHECK(f.calls == 0);
    CHECK(s.evalCounter == 0);
  }
  SECTION("gradient shape") {
    DoubleTensor x{{1, 2}, {3, 4}};
    auto f = [](const DoubleTensor&) { return optim::Eval<double>{0.0, DoubleTensor{1, 1, 1, 1}}; };
    optim::SGDState<double> s{.learningRate = 0.1, .momentum = 0.5};
    T7_REQUIRE_THROWS_WITH_ALL(optim::sgd(f, x, s), SizeError, "sgd: gradient [4] and parameters [2x2] differ");
    requireNear(x, {1, 2, 3, 4});
    CHECK(s.evalCounter == 0);
    CHECK(s.dfdx.dim() == 0);
  }
  SECTION("per-parameter tensors of the wrong element count") {
    DoubleTensor x{1, 2, 3, 4};
    ScriptedEval<double> f{{{1, 1, 1, 1}}};
    optim::SGDState<double> s{.learningRate = 0.1, .learningRates = DoubleTensor{1, 1, 1}};
    T7_REQUIRE_THROWS_WITH_ALL(optim::sgd(f, x, s), SizeError, "sgd: learningRates [3] and parameters [4]",
                               "different element counts");
    optim::SGDState<double> w{.learningRate = 0.1, .weightDecays = DoubleTensor{{1, 1, 1}, {1, 1, 1}}};
    T7_REQUIRE_THROWS_WITH_ALL(optim::sgd(f, x, w), SizeError, "sgd: weightDecays [2x3] and parameters [4]");
    requireNear(x, {1, 2, 3, 4});
    requireNear(f.buf, {1, 1, 1, 1});  // the gradient was not touched either
  }
  SECTION("a momentum buffer left from other parameters") {
    DoubleTensor x{1, 2, 3, 4};
    ScriptedEval<double> f{{{1, 1, 1, 1}}};
    optim::SGDState<double> s{.learningRate = 0.1, .momentum = 0.9};
    s.dfdx = DoubleTensor{0, 0, 0};
    T7_REQUIRE_THROWS_WITH_ALL(optim::sgd(f, x, s), SizeError, "sgd: the momentum buffer dfdx [3]",
                               "the gradient [4]");
    requireNear(x, {1, 2, 3, 4});
  }
}

// ---- checkgrad -----------------------------------------------------------------------------

TEST_CASE("optim: checkgrad") {
  // f(x) = sum x_i^2 sin(x_i); df/dx_i = 2 x_i sin(x_i) + x_i^2 cos(x_i)
  auto fg = [](const DoubleTensor& x, double scale) {
    DoubleTensor g(x.sizes());
    double f = 0;
    auto gi = g.begin();
    for (auto it = x.begin(); it != x.end(); ++it, ++gi) {
      const double v = *it;
      f += v * v * std::sin(v);
      *gi = scale * (2 * v * std::sin(v) + v * v * std::cos(v));
    }
    return optim::Eval<double>{f, g};
  };
  SECTION("a right gradient") {
    DoubleTensor x{0.3, -1.2, 2.0, 0.7};
    const auto before = values(x);
    auto [diff, dC, dC_est] = optim::checkgrad([&](const DoubleTensor& p) { return fg(p, 1); }, x);
    CHECK(diff < 1e-7);
    CHECK(values(x) == before);  // restored exactly
    REQUIRE(dC.sizes() == x.sizes());
    REQUIRE(dC_est.sizes() == x.sizes());
    requireNear(dC_est, values(dC), 1e-6);
  }
  SECTION("a gradient twice too large: diff = |g| / |3g| = 1/3") {
    DoubleTensor x{0.3, -1.2, 2.0, 0.7};
    auto r = optim::checkgrad([&](const DoubleTensor& p) { return fg(p, 2); }, x, 1e-6);
    CHECK(r.diff == Approx(1.0 / 3).epsilon(1e-6));
  }
  SECTION("a transposed x; estimates keep x's shape") {
    DoubleTensor base{{0.3, -1.2}, {2.0, 0.7}, {0.1, 1.0}};
    DoubleTensor x = base.t();
    auto r = optim::checkgrad([&](const DoubleTensor& p) { return fg(p, 1); }, x);
    CHECK(r.diff < 1e-7);
    CHECK(r.dC_est.sizes() == Shape{2, 3});
    CHECK(r.dC_est(0, 1) == Approx(2 * 2.0 * std::sin(2.0) + 4 * std::cos(2.0)).epsilon(1e-7));
  }
  SECTION("float, where x + eps rounds") {
    FloatTensor x{0.5f, 1.5f};
    auto f = [](const FloatTensor& p) {
      return optim::Eval<float>{static_cast<double>(p(0)) * p(0) + 3.0 * p(1), FloatTensor{2 * p(0), 3.f}};
    };
    auto r = optim::checkgrad(f, x, 1e-3);
    CHECK(r.diff < 1e-4);
  }
  SECTION("the gradient is copied before the perturbed calls") {
    DoubleTensor x{1.0, 2.0};
    DoubleTensor shared(2);
    auto f = [&](const DoubleTensor& p) {
      shared(0) = 2 * p(0);
      shared(1) = 2 * p(1);
      return optim::Eval<double>{p(0) * p(0) + p(1) * p(1), shared};
    };
    auto r = optim::checkgrad(f, x);
    requireNear(r.dC, {2, 4});
  }
  SECTION("errors") {
    DoubleTensor x{1.0, 2.0};
    T7_REQUIRE_THROWS_WITH_ALL(optim::checkgrad([&](const DoubleTensor& p) { return fg(p, 1); }, x, 0), ValueError,
                               "checkgrad: eps must be positive");
    auto bad = [](const DoubleTensor&) { return optim::Eval<double>{0.0, DoubleTensor{1, 2, 3}}; };
    T7_REQUIRE_THROWS_WITH_ALL(optim::checkgrad(bad, x), SizeError, "checkgrad: gradient [3] and parameters [2]");
  }
}

// ---- ConfusionMatrix -----------------------------------------------------------------------

TEST_CASE("optim: ConfusionMatrix counts, figures and Torch7's printed layout") {
  optim::ConfusionMatrix conf({"cat", "dog", "bird"});
  CHECK(conf.nclasses == 3);
  // (prediction, target): rows are targets.
  const int pairs[][2] = {{0, 0}, {0, 0}, {1, 0}, {1, 1}, {1, 1}, {1, 1}, {2, 1}, {0, 2}, {2, 2}};
  for (auto& p : pairs) conf.add(p[0], p[1]);
  conf.add(2, -1);  // a missing label is ignored
  CHECK(values(conf.mat) == std::vector<std::int64_t>{2, 1, 0, 0, 3, 1, 1, 0, 1});
  const std::string want =
      "ConfusionMatrix:\n"
      "[[       2       1       0]   66.667% \t[class: cat]\n"
      " [       0       3       1]   75.000% \t[class: dog]\n"
      " [       1       0       1]]  50.000% \t[class: bird]\n"
      " + average row correct: 63.888889551163% \n"
      " + average rowUcol correct (VOC measure): 47.777778903643% \n"
      " + global correct: 66.666666666667%";
  const optim::ConfusionMatrix& cc = conf;
  CHECK(cc.toString() == want);  // const: computes without updating
  CHECK(conf.totalValid == 0);
  std::ostringstream os;
  os << conf;  // as Torch7's print(conf): updates the figures
  CHECK(os.str() == want);
  CHECK(conf.totalValid == Approx(6.0 / 9));
  CHECK(conf.averageValid == Approx((2.0 / 3 + 0.75 + 0.5) / 3));
  CHECK(conf.valids(0) == static_cast<float>(2.0 / 3));  // float, as Torch7's FloatTensor
  CHECK(conf.unionvalids(1) == static_cast<float>(0.6));
  CHECK(conf.unionvalids(2) == static_cast<float>(1.0 / 3));
  conf.zero();
  CHECK(values(conf.mat) == std::vector<std::int64_t>(9, 0));
  CHECK(conf.totalValid == 0);
  CHECK(conf.valids(0) == 0.f);
}

TEST_CASE("optim: ConfusionMatrix without names, wide counts and a class never seen") {
  optim::ConfusionMatrix conf(2);
  conf.mat(0, 0) = 123456789;
  CHECK(conf.toString() ==
        "ConfusionMatrix:\n"
        "[[ 123456789         0]   100.000% \n"
        " [         0         0]]  nan% \n"
        " + average row correct: 100% \n"
        " + average rowUcol correct (VOC measure): 100% \n"
        " + global correct: 100%");
  CHECK(std::isnan(conf.valids(1)));
  optim::ConfusionMatrix empty(1);
  CHECK(empty.toString() ==
        "ConfusionMatrix:\n"
        "[[       0]]  nan% \n"
        " + average row correct: nan% \n"
        " + average rowUcol correct (VOC measure): nan% \n"
        " + global correct: nan%");
  optim::ConfusionMatrix some(3, {"a"});  // Torch7's (nclasses, classes): missing names print empty
  CHECK(some.toString().find("[class: a]\n [       0       0       0]   nan% \t[class: ]\n") != std::string::npos);
}

TEST_CASE("optim: ConfusionMatrix add with score vectors and one-hot targets") {
  optim::ConfusionMatrix conf(3);
  conf.add(FloatTensor{0.1f, 0.7f, 0.2f}, 2);          // argmax 1, target 2
  conf.add(DoubleTensor{0.5, 0.5, 0.1}, 0);            // tie: the first maximum
  conf.add(FloatTensor{0.f, NAN, 5.f}, 1);             // NaN counts as the maximum
  conf.add(FloatTensor{0.f, 0.f, 1.f}, ByteTensor{0, 0, 1});  // one-hot target
  DoubleTensor scores{{9, 0, 1}, {0, 0, 0}};
  conf.add(scores.t().select(0, 0), LongTensor{0, 5, 0});  // strided score vector (9, 0)
  CHECK(values(conf.mat) == std::vector<std::int64_t>{1, 0, 0, 1, 1, 0, 0, 1, 1});
}

TEST_CASE("optim: ConfusionMatrix batchAdd") {
  SECTION("scores [N x C] and class indices, negatives ignored") {
    optim::ConfusionMatrix conf(3);
    FloatTensor out{{0.9f, 0.05f, 0.05f}, {0.1f, 0.2f, 0.7f}, {0.3f, 0.6f, 0.1f}, {0.2f, 0.2f, 0.6f}};
    conf.batchAdd(out, LongTensor{0, 2, 2, -1});
    CHECK(values(conf.mat) == std::vector<std::int64_t>{1, 0, 0, 0, 0, 0, 0, 1, 1});
    SECTION("the same through a transposed (non-contiguous) score matrix") {
      optim::ConfusionMatrix c2(3);
      FloatTensor outT = out.t().clone();
      c2.batchAdd(outT.t(), LongTensor{0, 2, 2, -1});
      CHECK(values(c2.mat) == values(conf.mat));
    }
  }
  SECTION("one-hot targets, [N x 1] and 1-D class vectors of floating type") {
    optim::ConfusionMatrix conf(2);
    conf.batchAdd(DoubleTensor{{1, 0}, {0, 1}}, ByteTensor{{0, 1}, {0, 1}});
    conf.batchAdd(DoubleTensor{{1}, {0}}, DoubleTensor{1, 0});
    conf.batchAdd(IntTensor{1, 1, 0}, FloatTensor{{1}, {1}, {-1}});
    CHECK(values(conf.mat) == std::vector<std::int64_t>{1, 0, 1, 4});
  }
  SECTION("stride-0 expanded inputs and an empty batch") {
    optim::ConfusionMatrix conf(2);
    LongTensor one{1};
    conf.batchAdd(one.expand(4), LongTensor{0}.expand(4));
    CHECK(values(conf.mat) == std::vector<std::int64_t>{0, 4, 0, 0});
    conf.batchAdd(LongTensor(0), LongTensor(0));
    CHECK(values(conf.mat) == std::vector<std::int64_t>{0, 4, 0, 0});
  }
}

TEST_CASE("optim: ConfusionMatrix errors") {
  optim::ConfusionMatrix conf(3);
  T7_REQUIRE_THROWS_WITH_ALL(conf.add(3, 0), IndexError, "ConfusionMatrix.add: prediction 3 is out of range for 3 classes",
                             "valid: 0 to 2");
  T7_REQUIRE_THROWS_WITH_ALL(conf.add(0, 3), IndexError, "ConfusionMatrix.add: target 3 is out of range for 3 classes");
  T7_REQUIRE_THROWS_WITH_ALL(conf.add(-1, 0), IndexError, "prediction -1");
  T7_REQUIRE_THROWS_WITH_ALL(conf.add(FloatTensor{0, 0, 0, 1}, 0), IndexError, "prediction 3");
  T7_REQUIRE_THROWS_WITH_ALL(conf.add(FloatTensor{{1, 0}}, 0), SizeError,
                             "ConfusionMatrix.add: prediction must be a non-empty vector of scores, got [1x2]");
  T7_REQUIRE_THROWS_WITH_ALL(conf.add(FloatTensor{1, 0}, FloatTensor{{1}}), SizeError, "target must be a non-empty one-hot vector");
  T7_REQUIRE_THROWS_WITH_ALL(conf.batchAdd(FloatTensor{{1, 0, 0}, {0, 1, 0}}, LongTensor{0, 1, 2}), SizeError,
                             "ConfusionMatrix.batchAdd: predictions [2x3] and targets [3] hold different numbers of samples (2 and 3)");
  T7_REQUIRE_THROWS_WITH_ALL(conf.batchAdd(FloatTensor(2, 3, 1), LongTensor{0, 1}), SizeError,
                             "predictions must be [N] class indices or [N x C] scores, got [2x3x1]");
  T7_REQUIRE_THROWS_WITH_ALL(conf.batchAdd(LongTensor{0, 1}, FloatTensor(2, 0)), SizeError, "targets must be");
  // checked before anything is counted
  T7_REQUIRE_THROWS_WITH_ALL(conf.batchAdd(LongTensor{0, 1, 1}, LongTensor{0, 7, 1}), IndexError,
                             "ConfusionMatrix.batchAdd: target 7 at position 1 is out of range for 3 classes");
  T7_REQUIRE_THROWS_WITH_ALL(conf.batchAdd(LongTensor{0, 1, 4}, LongTensor{0, 1, 1}), IndexError, "prediction 4 at position 2");
  T7_REQUIRE_THROWS_WITH_ALL(conf.batchAdd(FloatTensor{0, 1.5f}, LongTensor{0, 1}), ValueError,
                             "predictions 1.5 at position 1 is not a class index");
  CHECK(values(conf.mat) == std::vector<std::int64_t>(9, 0));
  T7_REQUIRE_THROWS_WITH_ALL(optim::ConfusionMatrix(0), ValueError, "needs at least one class, got 0");
  T7_REQUIRE_THROWS_WITH_ALL(optim::ConfusionMatrix(std::vector<std::string>{}), ValueError, "at least one class");
  conf.mat = LongTensor(2, 2);
  T7_REQUIRE_THROWS_WITH_ALL(conf.add(0, 0), SizeError, "mat is [2x2], expected [3x3]");
}

// ---- Logger --------------------------------------------------------------------------------

TEST_CASE("optim: Logger writes Torch7's layout, flushed after each row") {
  TempDir dir;
  const auto path = dir.path / "sub" / "train.log";  // the directory is created
  optim::Logger log(path.string());
  CHECK(log.name() == path.string());
  CHECK(log.path() == path.string());
  log.setNames({"training error", "test error"});
  CHECK(readFile(path) == "training error\ttest error\t\n");
  log.add({0.5, 1234.5678});
  log.add({-0.001, 0});
  log.add({3, "n/a"});
  CHECK(readFile(path) ==
        "training error\ttest error\t\n"
        " 5.0000e-01\t 1.2346e+03\t\n"
        "-1.0000e-03\t 0.0000e+00\t\n"
        " 3.0000e+00\tn/a\t\n");
  REQUIRE(log.symbols().size() == 2);
  CHECK(log.symbols()[0].size() == 3);
  CHECK(log.symbols()[0][1].number() == -0.001);
  CHECK(log.symbols()[1][2].string() == "n/a");
  CHECK(log.styles().at("test error") == std::vector<std::string>{"+"});
  log.style({{"test error", "-"}});
  log.style({"~"});
  CHECK(log.styles().at("test error") == std::vector<std::string>{"-"});
  CHECK(log.styles().at("training error") == std::vector<std::string>{"~"});
  log.setlogscale(true);
  log.display(false);
  CHECK(log.logscale());
  CHECK(!log.showPlot());
}

TEST_CASE("optim: Logger without names, named rows, timestamps") {
  TempDir dir;
  SECTION("positional values without names: columns 1..n as Torch7's keys") {
    const auto path = dir.path / "a.log";
    optim::Logger log(path.string());
    log.add({1, 2});
    CHECK(readFile(path) == "1\t2\t\n 1.0000e+00\t 2.0000e+00\t\n");
  }
  SECTION("named rows: the first names the columns, later ones in any order") {
    const auto path = dir.path / "b.log";
    optim::Logger log(path.string());
    log.add({{"loss", 0.25}, {"acc", 0.5}});
    log.add({{"acc", 0.75}, {"loss", 0.125}});
    CHECK(readFile(path) == "loss\tacc\t\n 2.5000e-01\t 5.0000e-01\t\n 1.2500e-01\t 7.5000e-01\t\n");
    CHECK(log.names() == std::vector<std::string>{"loss", "acc"});
    T7_REQUIRE_THROWS_WITH_ALL(log.add({{"loss", 1}, {"top5", 2}}), ValueError, "Logger.add: 'top5' is not a column",
                               "'loss', 'acc'");
    T7_REQUIRE_THROWS_WITH_ALL(log.add({{"loss", 1}, {"loss", 2}}), ValueError, "'loss' is given twice");
    T7_REQUIRE_THROWS_WITH_ALL(log.add({{"loss", 1}}), ValueError, "no value for 'acc'");
    const std::vector<std::pair<std::string, optim::LogValue>> row{{"acc", "x"}, {"loss", 1}};
    log.add(row);
    CHECK(readFile(path).ends_with(" 1.0000e+00\tx\t\n"));
  }
  SECTION("timestamp appended to the file name") {
    const auto path = dir.path / "t.log";
    optim::Logger log(path.string(), true);
    CHECK(log.name() == path.string());
    REQUIRE(log.path().size() == path.string().size() + 20);  // -YYYY_MM_DD_HH:MM:SS
    CHECK(log.path().starts_with(path.string() + "-20"));
    log.setNames({"x"});
    CHECK(readFile(log.path()) == "x\t\n");
  }
  SECTION("a moved logger keeps writing; the moved-from one refuses") {
    const auto path = dir.path / "m.log";
    optim::Logger a(path.string());
    a.setNames({"v"});
    optim::Logger b(std::move(a));
    b.add({1});
    CHECK(readFile(path) == "v\t\n 1.0000e+00\t\n");
    T7_REQUIRE_THROWS_WITH_ALL(a.add({1}), IOError, "Logger.add: the logger has no file");  // NOLINT(bugprone-use-after-move)
  }
}

TEST_CASE("optim: Logger errors") {
  TempDir dir;
  const auto path = dir.path / "e.log";
  optim::Logger log(path.string());
  log.setNames({"a", "b", "c"});
  T7_REQUIRE_THROWS_WITH_ALL(log.add({1, 2}), ValueError, "Logger.add: 2 values given for 3 columns ('a', 'b', 'c')");
  T7_REQUIRE_THROWS_WITH_ALL(log.style({"-", "-", "-", "-"}), ValueError, "Logger.style: 4 styles for 3 columns");
  CHECK(readFile(path) == "a\tb\tc\t\n");  // nothing written by the refused calls
  // a directory cannot be opened as the file; a regular file cannot be a directory
  const std::string dirName = dir.path.string(), underFile = (path / "x.log").string();
  T7_REQUIRE_THROWS_WITH_ALL(optim::Logger(dirName), IOError, "Logger: cannot open '", dirName.c_str());
  T7_REQUIRE_THROWS_WITH_ALL(optim::Logger(underFile), IOError, "cannot create the directory", underFile.c_str());
  T7_REQUIRE_THROWS_WITH_ALL(optim::Logger(""), IOError, "Logger: empty file name");
}
