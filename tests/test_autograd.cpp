// autograd: grad() over every parameter structure, f's extra return values, control flow,
// the tape's lifetime, the losses and helpers, gradcheck itself, and the error paths.
#include "autograd_helpers.hpp"

#include <array>
#include <functional>
#include <map>

using namespace t7;
namespace ag = t7::autograd;
using DTable = ag::Table<DoubleTensor>;

using t7test::randomIn;

TEST_CASE("autograd: the seed's two-layer network, gradients in the parameters' structure") {
  manualSeed(11);
  DTable params{{"W1", randomIn({4, 6})}, {"b1", randomIn({6})}, {"W2", randomIn({6, 3})}, {"b2", randomIn({3})}};
  const DoubleTensor x = randomIn({5, 4});
  const DoubleTensor y = ag::util::oneHot<double>(LongTensor{0, 2, 1, 1, 0}, 3);
  auto f = [](const auto& p, const DoubleTensor& x, const DoubleTensor& y) {
    auto h1 = tanh(ag::mm(x, p["W1"]) + p["b1"]);
    auto out = ag::logSoftMax(ag::mm(h1, p["W2"]) + p["b2"]);
    return ag::loss::logMultinomialLoss(out, y);
  };
  auto [grads, loss] = ag::grad(f)(params, x, y);
  STATIC_REQUIRE(std::is_same_v<decltype(grads), DTable>);
  STATIC_REQUIRE(std::is_same_v<decltype(loss), double>);
  REQUIRE(grads.size() == 4);
  CHECK(grads["W1"].sizes() == Shape{4, 6});
  CHECK(grads["b2"].sizes() == Shape{3});

  SECTION("the loss is the forward value, computed by hand") {
    const DoubleTensor h = tanh(mm(x, params["W1"].value()) + params["b1"].value());
    const DoubleTensor z = mm(h, params["W2"].value()) + params["b2"].value();
    double expected = 0;
    for (index_t i = 0; i < 5; ++i) {
      double mx = -1e300, s = 0;
      for (index_t j = 0; j < 3; ++j) mx = std::max(mx, z(i, j));
      for (index_t j = 0; j < 3; ++j) s += std::exp(z(i, j) - mx);
      for (index_t j = 0; j < 3; ++j) expected -= y(i, j) * (z(i, j) - mx - std::log(s));
    }
    CHECK(loss == Approx(expected).epsilon(1e-12));
  }
  SECTION("the output bias gradient is softmax - target summed over the batch") {
    const DoubleTensor h = tanh(mm(x, params["W1"].value()) + params["b1"].value());
    DoubleTensor z = mm(h, params["W2"].value()) + params["b2"].value();
    DoubleTensor p;
    kernels::softmaxForward(p, z, 1, false);
    const DoubleTensor expected = sum(p - y, 0).view(3);
    for (index_t j = 0; j < 3; ++j) CHECK(grads["b2"].value()(j) == Approx(expected(j)).epsilon(1e-12));
  }
  SECTION("against finite differences") {
    const auto r = ag::gradcheck(f, params, x, y);
    INFO(r.message);
    CHECK(r.ok);
    CHECK(r.checked == 4 * 6 + 6 + 6 * 3 + 3);
  }
}

TEST_CASE("autograd: parameter structures (Tensor, nested Table, vector, map, array)") {
  manualSeed(12);
  const DoubleTensor a = randomIn({3}), b = randomIn({3}), c = randomIn({2, 3});
  // loss = sum(a * b) + sum(c^2), so da = b, db = a, dc = 2c
  SECTION("a tensor") {
    auto [g, loss] = ag::grad([&](const ag::Var<double>& v) { return ag::sum(v * b); })(a);
    STATIC_REQUIRE(std::is_same_v<decltype(g), DoubleTensor>);
    CHECK(equal(g, b));
  }
  SECTION("a nested table with string and integer keys") {
    DTable p{{"layers", DTable::list({a, b})}, {"out", DTable{{"w", c}}}};
    auto f = [](const auto& p) {
      return ag::sum(p["layers"][0] * p["layers"][1]) + ag::sum(p["out"]["w"] * p["out"]["w"]);
    };
    auto [g, loss] = ag::grad(f)(p);
    CHECK(g["layers"].isTable());
    CHECK(g["layers"].table().size() == 2);
    CHECK(equal(g["layers"][0].value(), b));
    CHECK(equal(g["layers"][1].value(), a));
    CHECK(equal(g["out"]["w"].value(), DoubleTensor(c * 2.0)));
    CHECK(loss == Approx(sum(a * b) + sum(c * c)));
  }
  SECTION("std::vector, std::map, std::array") {
    auto fv = [](const std::vector<ag::Var<double>>& p) { return ag::sum(p[0] * p[1]) + ag::sum(p[2] * p[2]); };
    auto [gv, lv] = ag::grad(fv)(std::vector<DoubleTensor>{a, b, c});
    CHECK(equal(gv[0], b));
    CHECK(equal(gv[2], DoubleTensor(c * 2.0)));

    auto fm = [](const std::map<std::string, ag::Var<double>>& p) { return ag::sum(p.at("a") * p.at("b")); };
    auto [gm, lm] = ag::grad(fm)(std::map<std::string, DoubleTensor>{{"a", a}, {"b", b}});
    CHECK(equal(gm.at("a"), b));
    CHECK(equal(gm.at("b"), a));

    auto fa = [](const std::array<ag::Var<double>, 2>& p) { return ag::sum(p[0] * p[1]); };
    auto [ga, la] = ag::grad(fa)(std::array<DoubleTensor, 2>{a, b});
    CHECK(equal(ga[1], a));
    CHECK(lv == Approx(lm + sum(c * c)));
    CHECK(la == lm);
  }
  SECTION("a parameter the loss does not use gets zeros") {
    auto [g, loss] = ag::grad([](const std::vector<ag::Var<double>>& p) { return ag::sum(p[0]); })(std::vector<DoubleTensor>{a, c});
    CHECK(equal(g[0], DoubleTensor{1, 1, 1}));
    CHECK(equal(g[1], zeros<double>({2, 3})));
  }
  SECTION("a loss that does not depend on the parameters: all zeros") {
    auto [g, loss] = ag::grad([&](const ag::Var<double>&) { return ag::sum(ag::Var<double>(b) * 2.0); })(a);
    CHECK(equal(g, zeros<double>({3})));
    CHECK(loss == Approx(2 * sum(b)));
  }
}

TEST_CASE("autograd: f's extra return values pass through") {
  const DoubleTensor w{1, 2};
  auto f = [](const ag::Var<double>& v, double k) {
    auto pred = v * k;
    return std::tuple{ag::sum(pred * pred), pred, std::string("note"), 42};
  };
  auto [g, loss, pred, note, n] = ag::grad(f)(w, 3.0);
  STATIC_REQUIRE(std::is_same_v<decltype(pred), DoubleTensor>);
  CHECK(loss == 45);
  CHECK(equal(g, DoubleTensor{18, 36}));
  CHECK(equal(pred, DoubleTensor{3, 6}));
  CHECK(note == "note");
  CHECK(n == 42);
  auto [g2, loss2, second] = ag::grad([](const ag::Var<double>& v) { return std::pair{ag::sum(v), 7}; })(w);
  CHECK(second == 7);
  CHECK(equal(g2, DoubleTensor{1, 1}));
}

TEST_CASE("autograd: control flow records what ran") {
  const DoubleTensor x{0.5, -1.5, 2};
  SECTION("a data-dependent loop: x^(2^k) while the sum stays below a bound") {
    auto f = [](const ag::Var<double>& v) {
      ag::Var<double> y = v;
      int steps = 0;
      while (ag::sum(y * y).item() < 100 && steps < 10) {
        y = y * y;
        ++steps;
      }
      return ag::sum(y);
    };
    // steps: sum(x^2) = 6.5 -> y = x^2; sum(x^4) = 21.3 -> y = x^4; sum(x^8) = 281.7 stops: loss = sum(x^4)
    auto [g, loss] = ag::grad(f)(x);
    CHECK(loss == Approx(0.0625 + 5.0625 + 16));
    for (index_t i = 0; i < 3; ++i) CHECK(g(i) == Approx(4 * std::pow(x(i), 3)));
  }
  SECTION("if on a value and early return") {
    auto f = [](const ag::Var<double>& v) -> ag::Var<double> {
      if (ag::max(v).item() > 1) return ag::sum(v * 2.0);
      return ag::sum(v * v);
    };
    CHECK(equal(std::get<0>(ag::grad(f)(x)), DoubleTensor{2, 2, 2}));
    CHECK(equal(std::get<0>(ag::grad(f)(DoubleTensor{0.5, -1})), DoubleTensor{1, -2}));
  }
  SECTION("recursion") {
    std::function<ag::Var<double>(const ag::Var<double>&, int)> power = [&](const ag::Var<double>& v, int n) {
      return n == 1 ? v : ag::Var<double>(v * power(v, n - 1));
    };
    auto [g, loss] = ag::grad([&](const ag::Var<double>& v) { return ag::sum(power(v, 5)); })(x);
    for (index_t i = 0; i < 3; ++i) CHECK(g(i) == Approx(5 * std::pow(x(i), 4)));
  }
}

TEST_CASE("autograd: the tape is per call; values that outlive it are constants") {
  const DoubleTensor x{1, 2};
  ag::Var<double> kept;
  auto f = [&](const ag::Var<double>& v) {
    auto y = ag::Var<double>(v * 3.0);
    kept = y;
    return ag::sum(y * v);
  };
  auto df = ag::grad(f);
  auto [g1, l1] = df(x);
  CHECK(equal(g1, DoubleTensor{6, 12}));
  CHECK_FALSE(kept.isTracked());
  CHECK(equal(kept.value(), DoubleTensor{3, 6}));
  // a value kept from the first call is a constant in the second: d/dv sum(kept * v) = kept
  auto [g2, l2] = ag::grad([&](const ag::Var<double>& v) { return ag::sum(kept * v); })(x);
  CHECK(equal(g2, DoubleTensor{3, 6}));
  // outside grad, Var arithmetic is plain arithmetic
  ag::Var<double> z = kept * 2.0 + 1.0;
  CHECK_FALSE(z.isTracked());
  CHECK(equal(z.value(), DoubleTensor{7, 13}));
}

TEST_CASE("autograd: the losses and helpers") {
  manualSeed(13);
  const DoubleTensor scores = randomIn({4, 3}, -2, 2);
  const LongTensor labels{2, 0, 1, 2};
  const DoubleTensor y = ag::util::oneHot<double>(labels, 3);
  const DoubleTensor p = randomIn({4, 3}, 0.1, 0.9);
  auto check = [](const char* name, auto f, const DoubleTensor& x) {
    INFO(name);
    const auto r = ag::gradcheck(f, x);
    INFO(r.message);
    CHECK(r.ok);
  };
  check("logMultinomialLoss", [&](const ag::Var<double>& v) { return ag::loss::logMultinomialLoss(ag::util::logSoftMax(v), y); }, scores);
  check("crossEntropy", [&](const ag::Var<double>& v) { return ag::loss::crossEntropy(v, y); }, scores);
  check("logBCELoss", [&](const ag::Var<double>& v) { return ag::loss::logBCELoss(ag::util::sigmoid(v), y, 1e-9); }, scores);
  check("leastSquares", [&](const ag::Var<double>& v) { return ag::loss::leastSquares(v, p); }, scores);
  check("mse", [&](const ag::Var<double>& v) { return ag::loss::mse(p, v); }, scores);
  check("classNLL", [&](const ag::Var<double>& v) { return ag::loss::classNLL(ag::logSoftMax(v), labels); }, scores);

  SECTION("values against the nn criterions") {
    nn::ClassNLLCriterion<double> nll;
    nn::LogSoftMax<double> lsm;
    const DoubleTensor logp = lsm.forward(scores);
    auto [g, l] = ag::grad([&](const ag::Var<double>& v) { return ag::loss::classNLL(ag::logSoftMax(v), labels); })(scores);
    CHECK(l == Approx(nll.forward(logp, labels)).epsilon(1e-12));
    const DoubleTensor expected = lsm.backward(scores, nll.backward(logp, labels));
    for (index_t i = 0; i < 4; ++i)
      for (index_t j = 0; j < 3; ++j) CHECK(g(i, j) == Approx(expected(i, j)).epsilon(1e-12));
    auto [g2, l2] = ag::grad([&](const ag::Var<double>& v) { return ag::loss::crossEntropy(v, y); })(scores);
    CHECK(l2 == Approx(4 * l).epsilon(1e-12));  // a sum over the batch, classNLL a mean
    nn::MSECriterion<double> mseCrit;
    auto [g3, l3] = ag::grad([&](const ag::Var<double>& v) { return ag::loss::mse(v, p); })(scores);
    CHECK(l3 == Approx(mseCrit.forward(scores, p)).epsilon(1e-12));
  }
  SECTION("oneHot") {
    CHECK(equal(ag::util::oneHot<float>(LongTensor{1, 0}, 3), FloatTensor{{0, 1, 0}, {1, 0, 0}}));
    T7_REQUIRE_THROWS_WITH_ALL(ag::util::oneHot<float>(LongTensor{3}, 3), IndexError, "oneHot", "label 3", "[0, 3)");
  }
}

TEST_CASE("autograd: float parameters, elementwise expressions fused into one node") {
  manualSeed(14);
  const FloatTensor W = FloatTensor(randn<float>({8, 5})), b = zeros<float>({5});
  const FloatTensor x = FloatTensor(randn<float>({6, 8}));
  std::size_t nodes = 0;
  auto f = [&](const std::vector<ag::Var<float>>& p) {
    auto out = ag::sum(sigmoid(tanh(ag::mm(x, p[0]) + p[1]) * 2.0f - 1.0f));
    nodes = ag::detail::activeTape()->size();
    return out;
  };
  auto [g, loss] = ag::grad(f)(std::vector<FloatTensor>{W, b});
  CHECK(nodes == 2 + 1 + 1 + 1);  // 2 leaves, mm, one fused elementwise node, sum
  const auto r = ag::gradcheck(f, std::vector<FloatTensor>{W, b});
  INFO(r.message);
  CHECK(r.ok);
}

TEST_CASE("autograd: gradcheck finds a wrong gradient") {
  // floor's gradient is zero, but here the step crosses floor's jumps: finite differences
  // see them, so gradcheck must report the disagreement.
  const DoubleTensor x{0.9999995, 1.9999996};
  const auto r = ag::gradcheck([](const ag::Var<double>& v) { return ag::sum(floor(v)); }, x);
  CHECK_FALSE(r.ok);
  CHECK(r.maxError > 0.5);  // autograd says 0 where the difference quotient is 1 / 2h
  CHECK(r.message.find("element") != std::string::npos);
}

TEST_CASE("autograd: error paths") {
  const DoubleTensor x{1, 2};
  SECTION("a loss of more than one element") {
    T7_REQUIRE_THROWS_WITH_ALL(ag::grad([](const ag::Var<double>& v) { return ag::Var<double>(v * 2.0); })(x),
                               AutogradError, "[t7.autograd_error]", "grad", "one element", "size 2");
  }
  SECTION("a nested grad over a tensor parameter returns tensors: constants for the enclosing call") {
    auto outer = [&](const ag::Var<double>& v) {
      auto g = ag::grad([&](const ag::Var<double>& w) { return ag::sum(w * v); });  // d/dw = v
      const DoubleTensor gv = std::get<0>(g(x));  // a tensor: x was one
      CHECK(equal(gv, x));
      return ag::sum(v * gv);
    };
    CHECK(equal(std::get<0>(ag::grad(outer)(x)), x));
  }
  SECTION("shape errors come from the operations, with their sizes") {
    T7_REQUIRE_THROWS_WITH_ALL(ag::grad([](const ag::Var<double>& v) { return ag::sum(ag::mm(v.view(1, 2), v.view(1, 2))); })(x),
                               SizeError, "1x2");
    T7_REQUIRE_THROWS_WITH_ALL(ag::grad([](const ag::Var<double>& v) { return ag::sum(v + DoubleTensor{1, 2, 3}); })(x),
                               SizeError, "shapes 2 and 3");
    T7_REQUIRE_THROWS_WITH_ALL(ag::loss::classNLL(ag::Var<double>(DoubleTensor{{1, 2}}), LongTensor{0, 1}), SizeError,
                               "classNLL", "1x2");
  }
  SECTION("tables: missing keys and wrong kinds") {
    const DTable t{{"a", x}, {"n", DTable{{0, x}}}};
    T7_REQUIRE_THROWS_WITH_ALL(t["b"], IndexError, "autograd::Table", "no entry \"b\"");
    T7_REQUIRE_THROWS_WITH_ALL(t[3], IndexError, "no entry 3");
    T7_REQUIRE_THROWS_WITH_ALL(t["n"].value(), IndexError, "is a table");
    T7_REQUIRE_THROWS_WITH_ALL(t["a"].table(), IndexError, "is a value");
    T7_REQUIRE_THROWS_WITH_ALL(ag::grad([](const auto& p) { return ag::sum(p["missing"]); })(t), IndexError, "missing");
  }
}

TEST_CASE("autograd: a Table entry updated in place with an expression (the seed's SGD step)") {
  ag::Table<FloatTensor> params{{"W", FloatTensor{1, 2}}};
  const FloatTensor alias = params["W"];
  ag::Table<FloatTensor> grads{{"W", FloatTensor{10, 20}}};
  params["W"] = params["W"] - grads["W"] * 0.01f;  // one loop, into W's own memory
  CHECK(equal(alias, FloatTensor{0.9f, 1.8f}));
  params["W"] = FloatTensor{5, 5};  // a tensor rebinds, as Lua's t.W = x
  CHECK(equal(alias, FloatTensor{0.9f, 1.8f}));
  CHECK(equal(params["W"].value(), FloatTensor{5, 5}));
}

TEST_CASE("autograd: the post's tied-weight autoencoder, the nn way and the autograd way agree") {
  // Encoder 5 -> 4 -> 3, decoder 3 -> 4 -> 5 with the encoder's weights transposed (tied),
  // sigmoids, BCE against the input, an L2 penalty on the weights: the nn modules with tied
  // weight/gradWeight views and the penalty's gradient by hand, against autograd.
  manualSeed(21);
  std::array<nn::Linear<double>, 4> L{nn::Linear<double>(5, 4), nn::Linear<double>(4, 3), nn::Linear<double>(3, 4),
                                      nn::Linear<double>(4, 5)};
  for (int i = 0; i < 2; ++i) {
    L[3 - i].weight = L[i].weight.t();
    L[3 - i].gradWeight = L[i].gradWeight.t();
  }
  std::array<nn::Sigmoid<double>, 4> S;
  nn::BCECriterion<double> bce(false);
  const DoubleTensor x = randomIn({6, 5}, 0.05, 0.95);
  const double lambda = 0.01;

  for (auto& l : L) l.zeroGradParameters();
  std::array<DoubleTensor, 9> a;
  a[0] = x;
  for (int i = 0; i < 4; ++i) {
    a[2 * i + 1] = L[i].forward(a[2 * i]);
    a[2 * i + 2] = S[i].forward(a[2 * i + 1]);
  }
  double nnLoss = bce.forward(a[8], x);
  DoubleTensor g = bce.backward(a[8], x);
  for (int i = 3; i >= 0; --i) g = L[i].backward(a[2 * i], S[i].backward(a[2 * i + 1], g));
  for (int i = 0; i < 2; ++i) {
    nnLoss += lambda * sum(L[i].weight * L[i].weight);
    L[i].gradWeight.add(2 * lambda, L[i].weight);
  }

  DTable params{{"W", DTable::list({L[0].weight.t().contiguous(), L[1].weight.t().contiguous()})},
                {"B", DTable::list({L[0].bias.clone(), L[1].bias.clone(), L[2].bias.clone(), L[3].bias.clone()})}};
  auto f = [&](const auto& p) {
    auto h1 = ag::util::sigmoid(ag::mm(x, p["W"][0]) + p["B"][0]);
    auto h2 = ag::util::sigmoid(ag::mm(h1, p["W"][1]) + p["B"][1]);
    auto h3 = ag::util::sigmoid(ag::mm(h2, p["W"][1].t()) + p["B"][2]);
    auto out = ag::util::sigmoid(ag::mm(h3, p["W"][0].t()) + p["B"][3]);
    return ag::loss::logBCELoss(out, x, 1e-12) + lambda * (ag::sum(pow(p["W"][0], 2.0)) + ag::sum(pow(p["W"][1], 2.0)));
  };
  auto [grads, loss] = ag::grad(f)(params);
  CHECK(loss == Approx(nnLoss).epsilon(1e-12));
  for (int i = 0; i < 2; ++i) {
    const DoubleTensor want = L[i].gradWeight.t();
    const DoubleTensor& got = grads["W"][i];
    REQUIRE(got.sizes() == want.sizes());
    CHECK(max(abs(got - want)) < 1e-10);
  }
  for (int i = 0; i < 4; ++i) CHECK(max(abs(grads["B"][i] - L[i].gradBias)) < 1e-10);
  const auto r = ag::gradcheck(f, params);
  INFO(r.message);
  CHECK(r.ok);
}

TEST_CASE("autograd: the guide's first example compiles and trains (docs/autograd.md)") {
  manualSeed(22);
  const FloatTensor x = FloatTensor(randn<float>({8, 784}));
  const FloatTensor y = ag::util::oneHot(LongTensor{0, 1, 2, 3, 4, 5, 6, 7}, 10);
  auto f = [](const auto& params, const FloatTensor& x, const FloatTensor& y) {
    auto h1 = tanh(ag::mm(x, params["W1"]) + params["b1"]);
    auto out = ag::logSoftMax(ag::mm(h1, params["W2"]) + params["b2"]);
    return ag::loss::logMultinomialLoss(out, y);
  };
  ag::Table<FloatTensor> params{{"W1", FloatTensor(randn<float>({784, 500}) * 0.01f)}, {"b1", zeros<float>({500})},
                                {"W2", FloatTensor(randn<float>({500, 10}) * 0.01f)}, {"b2", zeros<float>({10})}};
  auto df = ag::grad(f);
  float first = 0, last = 0;
  for (int step = 0; step < 20; ++step) {
    auto [grads, loss] = df(params, x, y);
    for (auto& [key, p] : params) p = p - grads[key] * 0.01f;
    (step == 0 ? first : last) = loss;
  }
  CHECK(last < 0.5f * first);  // eight examples, memorised
}

TEST_CASE("autograd: a fused node's backward computes every operand's gradient in one pass") {
  // Hand-derived gradients on the one-pass path (operands of the output's sizes, contiguous):
  // sizes with a partial last batch, and one above parallelThreshold() (threads).
  for (index_t n : {index_t(1), index_t(13), index_t(100003)}) {
    INFO("n = " << n);
    const DoubleTensor a = randomIn({n}), b = randomIn({n}), c = randomIn({n});
    auto f = [](const std::vector<ag::Var<double>>& p) { return ag::sum(p[0] * p[1] + p[0] * p[2] * exp(p[1])); };
    auto [g, loss] = ag::grad(f)(std::vector<DoubleTensor>{a, b, c});
    const DoubleTensor eb = exp(b);
    CHECK(max(abs(g[0] - DoubleTensor(b + c * eb))) < 1e-12);
    CHECK(max(abs(g[1] - DoubleTensor(a + a * c * eb))) < 1e-12);
    CHECK(max(abs(g[2] - DoubleTensor(a * eb))) < 1e-12);
    CHECK(loss == Approx(sum(DoubleTensor(a * b + a * c * eb))).epsilon(1e-12));
  }
  SECTION("the same values as one loop per operand") {
    const DoubleTensor a = randomIn({300, 7}), b = randomIn({300, 7});
    auto f = [](const std::vector<ag::Var<double>>& p) {
      return ag::sum(tanh(p[0] * p[1]) * sigmoid(p[1]) + p[0] * p[0] / (1.0 + p[1] * p[1]));
    };
    auto [g1, l1] = ag::grad(f)(std::vector<DoubleTensor>{a, b});
    ag::detail::fusedOnePass() = false;
    auto [g2, l2] = ag::grad(f)(std::vector<DoubleTensor>{a, b});
    ag::detail::fusedOnePass() = true;
    CHECK(equal(g1[0], g2[0]));
    CHECK(equal(g1[1], g2[1]));
  }
  SECTION("two leaves on one node: the first writes, the second adds") {
    const DoubleTensor x = randomIn({7, 5}), y = randomIn({7, 5});
    auto f = [](const std::vector<ag::Var<double>>& p) { return ag::sum(p[0] * p[0] * p[1]); };
    auto [g, loss] = ag::grad(f)(std::vector<DoubleTensor>{x, y});
    CHECK(max(abs(g[0] - DoubleTensor(2.0 * x * y))) < 1e-12);
    CHECK(max(abs(g[1] - DoubleTensor(x * x))) < 1e-12);
  }
  SECTION("a gradient passed through before the pass (shared) is copied, not written") {
    // u = x * y (one pass: x and y), v = u + x (passes w to u and x, shared), loss sum(v * w)
    const DoubleTensor x = randomIn({6, 4}), y = randomIn({6, 4}), w = randomIn({6, 4});
    auto f = [&](const std::vector<ag::Var<double>>& p) {
      const ag::Var<double> u = p[0] * p[1];
      const ag::Var<double> v = u + p[0];
      return ag::sum(v * w);
    };
    auto [g, loss] = ag::grad(f)(std::vector<DoubleTensor>{x, y});
    CHECK(max(abs(g[0] - DoubleTensor(w + w * y))) < 1e-12);
    CHECK(max(abs(g[1] - DoubleTensor(w * x))) < 1e-12);
  }
  SECTION("one-pass operands next to broadcast and strided ones") {
    const DoubleTensor a = randomIn({5, 3}), b = randomIn({5, 3}), bias = randomIn({3}), m = randomIn({3, 5});
    auto f = [](const std::vector<ag::Var<double>>& p) {
      return ag::sum(tanh(p[0] * p[1] + p[2]) * p[3].t() + p[0]);
    };
    const auto r = ag::gradcheck(f, std::vector<DoubleTensor>{a, b, bias, m});
    INFO(r.message);
    CHECK(r.ok);
  }
}

TEST_CASE("autograd: a gradient summed back over leading 1s stays shared (not updated in place)") {
  // F = x + Y + Z with x, Z of size {3} and Y of size {1, 3}: x's and Z's gradients are F's
  // with the leading 1 dropped, a view of the tensor Y also holds. Z's backward then adds
  // into x's gradient: if that view counted as x's own, Y's gradient would change with it.
  const DoubleTensor x = randomIn({3}), w = randomIn({1, 3}), c = randomIn({1, 3});
  auto f = [&](const std::vector<ag::Var<double>>& p) {
    const ag::Var<double> Y = p[1] * 2.0;
    const ag::Var<double> Z = exp(p[0]);
    const ag::Var<double> F = p[0] + Y + Z;
    return ag::sum(F * c);
  };
  auto [g, loss] = ag::grad(f)(std::vector<DoubleTensor>{x, w});
  const DoubleTensor c1 = c.view(3);
  CHECK(max(abs(g[0] - DoubleTensor(c1 + c1 * exp(x)))) < 1e-12);
  CHECK(max(abs(g[1] - DoubleTensor(2.0 * c))) < 1e-12);
}

TEST_CASE("autograd: a value the tape reads, written in place before the backward pass, throws") {
  manualSeed(41);
  const DoubleTensor W = randomIn({3, 2});
  DoubleTensor x = randomIn({4, 3});
  SECTION("the storage version counts t7's writes; views share it") {
    DoubleTensor t(3, 4);
    const auto v0 = t.storage().version();
    t.fill(1);
    t += 1.0;
    DoubleTensor row = t.select(0, 1);
    row.copy(DoubleTensor{1, 2, 3, 4});
    CHECK(t.storage().version() == v0 + 3);
    const DoubleTensor sum = t + t;  // reading does not count
    CHECK(t.storage().version() == v0 + 3);
  }
  SECTION("a captured input written after an operation used it") {
    auto f = [&](const ag::Var<double>& w) {
      auto y = ag::mm(x, w);  // the gradient for w reads x
      x.add(1.0);             // behind the tape's back
      return ag::sum(y * y);
    };
    T7_REQUIRE_THROWS_WITH_ALL(ag::grad(f)(W), AutogradError, "DoubleTensor of size 4x3", "written in place", "clone()");
  }
  SECTION("a computed value written through another handle") {
    auto f = [&](const ag::Var<double>& w) {
      const ag::Var<double> h = tanh(ag::mm(x, w));
      auto z = ag::sum(ag::mm(h.t(), h));  // mm's gradient reads h
      DoubleTensor alias = h.value();
      alias.fill(0);
      return z;
    };
    // (first saved as h.t(), the operand mm read: 2x4)
    T7_REQUIRE_THROWS_WITH_ALL(ag::grad(f)(W), AutogradError, "size 2x4", "written in place");
  }
  SECTION("every writing path counts: copy, fill, apply, random fills, index and masked writes, BLAS results") {
    const std::vector<std::pair<const char*, std::function<void(DoubleTensor&)>>> writers{
        {"copy", [](DoubleTensor& t) { t.copy(randomIn({4, 3})); }},
        {"zero", [](DoubleTensor& t) { t.zero(); }},
        {"apply", [](DoubleTensor& t) { t.apply([](double& v) { v *= 2; }); }},
        {"uniform", [](DoubleTensor& t) { t.uniform(); }},
        {"indexFill", [](DoubleTensor& t) { indexFill(t, 0, LongTensor{1}, 0.0); }},
        {"indexAdd", [](DoubleTensor& t) { indexAdd(t, 0, LongTensor{1}, randomIn({1, 3})); }},
        {"maskedFill", [](DoubleTensor& t) { maskedFill(t, ByteTensor(gt(t, 0.0)), 0.0); }},
        {"scatter", [](DoubleTensor& t) { scatter(t, 1, LongTensor{{0}, {1}, {2}, {0}}, 5.0); }},
        {"addmm", [](DoubleTensor& t) { addmm(t, 1.0, t, 1.0, randomIn({4, 3}), randomIn({3, 3})); }},
        {"an expression", [](DoubleTensor& t) { t = t * 2.0 + 1.0; }},
    };
    for (const auto& [name, write] : writers) {
      INFO(name);
      DoubleTensor xc = x.clone();
      auto f = [&, &write = write](const ag::Var<double>& w) {
        auto y = ag::mm(xc, w);
        write(xc);
        return ag::sum(y * y);
      };
      CHECK_THROWS_AS(ag::grad(f)(W), AutogradError);
    }
  }
  SECTION("writes before an operation uses a value, or into a copy, are fine") {
    auto f = [&](const ag::Var<double>& w) {
      x.mul(2.0);  // before any operation reads x
      auto y = ag::mm(x, w);
      DoubleTensor scratch = y.value().clone();
      scratch.zero();
      return ag::sum(y);
    };
    auto [g, loss] = ag::grad(f)(W);
    // d sum(x W) / dW = x^T 1: the column sums of x (already doubled)
    for (index_t i = 0; i < 3; ++i)
      for (index_t j = 0; j < 2; ++j) CHECK(g(i, j) == Approx(sum(x.select(1, i))).epsilon(1e-12));
  }
}
