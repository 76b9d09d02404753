// nn core: Activity, ModuleBase, AnyModule, Sequential, parameters and getParameters,
// clone/share/type conversion, error paths, Linear/Tanh/SoftMax/LogSoftMax/ClassNLL.
#include "helpers.hpp"

#include "t7/nn.hpp"
#include "t7/core/threads.hpp"

#include <cmath>
#include <limits>

using namespace t7;

TEST_CASE("nn core: Linear forward by hand, single sample and batch") {
  nn::Linear<double> lin(3, 2);
  lin.weight.copy(DoubleTensor{{1, 2, 3}, {4, 5, 6}});
  lin.bias.copy(DoubleTensor{0.5, -1});
  const DoubleTensor& y = lin.forward(DoubleTensor{1, 0, -1});
  CHECK(equal(y, DoubleTensor{-1.5, -3}));
  const DoubleTensor& yb = lin.forward(DoubleTensor{{1, 0, -1}, {0, 1, 0}});
  CHECK(equal(yb, DoubleTensor{{-1.5, -3}, {2.5, 4}}));
  CHECK(lin.toString() == "nn.Linear(3 -> 2)");
  lin.noBias();
  CHECK(equal(lin.forward(DoubleTensor{1, 0, -1}), DoubleTensor{-2, -2}));
  CHECK(lin.toString() == "nn.Linear(3 -> 2) without bias");
}

TEST_CASE("nn core: Linear gradients by hand and by finite differences") {
  nn::Linear<double> lin(3, 2);
  lin.weight.copy(DoubleTensor{{1, 2, 3}, {4, 5, 6}});
  lin.zeroGradParameters();
  DoubleTensor x{{1, 0, -1}, {0, 1, 0}};
  DoubleTensor g{{1, 0}, {0, 2}};
  lin.forward(x);
  const DoubleTensor& gi = lin.backward(x, g, 0.5);
  CHECK(equal(gi, DoubleTensor{{1, 2, 3}, {8, 10, 12}}));
  CHECK(equal(lin.gradWeight, DoubleTensor{{0.5, 0, -0.5}, {0, 1, 0}}));
  CHECK(equal(lin.gradBias, DoubleTensor{0.5, 1}));
  for (auto input : {randn<double>({4, 3}), randn<double>({3})}) {
    CHECK(nn::Jacobian::testJacobian(lin, input) < 1e-6);
    CHECK(nn::Jacobian::testJacobianParameters(lin, input) < 1e-6);
  }
}

TEST_CASE("nn core: Linear checks its input and gradOutput") {
  nn::Linear<float> lin(784, 10);
  T7_REQUIRE_THROWS_WITH_ALL(lin.forward(FloatTensor(32, 28, 28)), SizeError, "Linear", "[*, 784]", "32x28x28");
  T7_REQUIRE_THROWS_WITH_ALL(lin.forward(FloatTensor(5)), SizeError, "got [5]");
  lin.forward(FloatTensor(2, 784));
  T7_REQUIRE_THROWS_WITH_ALL(lin.backward(FloatTensor(2, 784), FloatTensor(2, 9)), SizeError, "gradOutput", "2x10",
                             "2x9");
  T7_REQUIRE_THROWS_WITH_ALL(nn::Linear<float>(0, 3), ValueError, "positive");
}

TEST_CASE("nn core: transfer and softmax modules by hand and by Jacobian") {
  nn::Tanh<double> th;
  CHECK(allclose(th.forward(DoubleTensor{0, 1}), DoubleTensor{0, std::tanh(1.0)}));
  nn::Sigmoid<double> sg;
  CHECK(allclose(sg.forward(DoubleTensor{0, 2}), DoubleTensor{0.5, 1 / (1 + std::exp(-2.0))}));
  nn::SoftMax<double> sm;
  const double e = std::exp(1.0);
  CHECK(allclose(sm.forward(DoubleTensor{0, 1}), DoubleTensor{1 / (1 + e), e / (1 + e)}));
  nn::LogSoftMax<double> lsm;
  CHECK(allclose(lsm.forward(DoubleTensor{{0, 1}, {1000, 1000}}),
                 DoubleTensor{{-std::log(1 + e), 1 - std::log(1 + e)}, {-std::log(2.0), -std::log(2.0)}}));
  nn::SoftMin<double> smin;
  CHECK(allclose(smin.forward(DoubleTensor{0, 1}), DoubleTensor{e / (1 + e), 1 / (1 + e)}));
  for (auto shape : {Shape{5}, Shape{3, 4}, Shape{3, 2, 2}, Shape{2, 3, 2, 2}}) {
    auto x = randn<double>(shape);
    CHECK(nn::Jacobian::testJacobian(th, x) < 1e-6);
    CHECK(nn::Jacobian::testJacobian(sg, x) < 1e-6);
    CHECK(nn::Jacobian::testJacobian(sm, x) < 1e-6);
    CHECK(nn::Jacobian::testJacobian(lsm, x) < 1e-6);
    CHECK(nn::Jacobian::testJacobian(smin, x) < 1e-6);
  }
  // 3-D: over dim 0 at each pixel; 4-D: over dim 1.
  auto x3 = randn<double>({3, 2, 2});
  auto y3 = sm.forward(x3).clone();
  CHECK(allclose(sum(y3, 0), ones<double>({1, 2, 2})));
  T7_REQUIRE_THROWS_WITH_ALL(sm.forward(DoubleTensor(1, 1, 1, 1, 1)), SizeError, "SoftMax", "5 dimensions");
  T7_REQUIRE_THROWS_WITH_ALL(th.backward(DoubleTensor(3), DoubleTensor(4)), SizeError, "Tanh", "gradOutput");
}

TEST_CASE("nn core: softmax kernels against double sums: lines of any length and stride, extremes, aliasing") {
  // The exponentials run over the whole tensor in vectors (the last one padded); the sums per
  // line. Against std::exp in double, float and double, lines of 1 to 37 elements (shorter
  // and longer than a vector, along rows or strided across pixels), with an element of -inf
  // (probability 0) and values near 1000; a sample alone and in a batch give the same bits;
  // an output that is the input (in place) equals a separate one.
  const auto check = []<class T>(T) {
    for (index_t n : {1, 3, 10, 16, 17, 37}) {
      for (int layout = 0; layout < 2; ++layout) {
        INFO("n " << n << (layout ? ", 3-D (strided lines)" : ", 2-D rows"));
        manualSeed(static_cast<std::uint64_t>(n));
        Tensor<T> x = layout ? Tensor<T>(n, 3, 2) : Tensor<T>(5, n);
        x.normal(0, 3);
        if (n > 1) x.view(-1)(0) = -std::numeric_limits<T>::infinity();  // (alone on its line: NaN)
        x.view(-1)(x.nElement() - 1) = T(1000);
        const int dim = layout ? 0 : 1;
        for (bool log : {false, true}) {
          Tensor<T> y;
          kernels::softmaxForward(y, x, dim, log);
          const Tensor<double> xd = x.toDouble();
          const Tensor<double> xs = layout ? xd.view(n, 6).t() : xd;  // [lines x n]
          const Tensor<double> ys = layout ? y.toDouble().view(n, 6).t() : y.toDouble();
          for (index_t line = 0; line < xs.size(0); ++line) {
            double mx = -std::numeric_limits<double>::infinity(), sum = 0;
            for (index_t k = 0; k < n; ++k) mx = std::max(mx, xs(line, k));
            for (index_t k = 0; k < n; ++k) sum += std::exp(xs(line, k) - mx);
            for (index_t k = 0; k < n; ++k) {
              const double want = log ? xs(line, k) - mx - std::log(sum) : std::exp(xs(line, k) - mx) / sum;
              INFO("line " << line << ", element " << k << (log ? ", log" : ""));
              if (std::isinf(want)) CHECK(ys(line, k) == want);
              else CHECK(ys(line, k) == Approx(want).epsilon(1e-5).margin(1e-6));
            }
          }
          Tensor<T> inPlace = x.clone();
          kernels::softmaxForward(inPlace, inPlace, dim, log);
          CHECK(equal(inPlace, y));
        }
      }
    }
    // one row alone and as row 7 of a batch of 60: the same bits, forward and backward
    manualSeed(3);
    const Tensor<T> batch = randn<T>(60, 10), gradOut = randn<T>(60, 10);
    Tensor<T> yb, yr, gb, gr;
    kernels::softmaxForward(yb, batch, 1, true);
    kernels::softmaxForward(yr, Tensor<T>(batch.narrow(0, 7, 1).clone()), 1, true);
    CHECK(equal(yr, yb.narrow(0, 7, 1)));
    kernels::softmaxBackward(gb, gradOut, yb, 1, true);
    kernels::softmaxBackward(gr, Tensor<T>(gradOut.narrow(0, 7, 1).clone()), Tensor<T>(yb.narrow(0, 7, 1).clone()), 1,
                             true);
    CHECK(equal(gr, gb.narrow(0, 7, 1)));
    // the log-softmax gradient written over gradOutput equals a separate one
    Tensor<T> over = gradOut.clone();
    kernels::softmaxBackward(over, over, yb, 1, true);
    CHECK(equal(over, gb));
  };
  check(0.0f);
  check(0.0);
  // past expr::parallelThreshold(): lines and exponentials split over 1, 2 and 3 threads give
  // the same bits (a 4-D batch of 6 x 7 x 40 x 40, over dim 1: lines strided by a plane)
  manualSeed(4);
  const FloatTensor maps = randn<float>(6, 7, 40, 40), gradMaps = randn<float>(6, 7, 40, 40);
  REQUIRE(maps.nElement() >= expr::parallelThreshold());
  const int threads = getNumThreads();
  FloatTensor y1, g1;
  for (int t : {1, 2, 3}) {
    setNumThreads(t);
    FloatTensor y, g;
    kernels::softmaxForward(y, maps, 1, true);
    kernels::softmaxBackward(g, gradMaps, y, 1, true);
    if (t == 1) {
      y1 = y;
      g1 = g;
      CHECK(allclose(sum(exp(y), 1), ones<float>(6, 1, 40, 40), {.rtol = 1e-5, .atol = 1e-5}));
    }
    CHECK(equal(y, y1));
    CHECK(equal(g, g1));
  }
  setNumThreads(threads);
}

TEST_CASE("nn core: ClassNLLCriterion values, weights, ignoreIndex, gradients") {
  nn::ClassNLLCriterion<double> nll;
  DoubleTensor x{{-1, -2, -3}, {-0.5, -1.5, -2.5}};
  CHECK(nll.forward(x, LongTensor{0, 2}) == Approx((1 + 2.5) / 2));
  CHECK(equal(nll.backward(x, LongTensor{0, 2}), DoubleTensor{{-0.5, 0, 0}, {0, 0, -0.5}}));
  CHECK(nll.forward(DoubleTensor{-1, -2, -3}, 1) == Approx(2));
  nn::ClassNLLCriterion<double> w(DoubleTensor{1, 2, 3});
  CHECK(w.forward(x, LongTensor{1, 2}) == Approx((2 * 2 + 3 * 2.5) / 5));
  nn::ClassNLLCriterion<double> ig(DoubleTensor{}, true, 1);
  CHECK(ig.forward(x, LongTensor{1, 2}) == Approx(2.5));
  nn::ClassNLLCriterion<double> sum(false);
  CHECK(sum.forward(x, LongTensor{0, 2}) == Approx(3.5));
  auto xr = randn<double>({4, 5});
  CHECK(nn::Jacobian::testCriterion(w = nn::ClassNLLCriterion<double>(DoubleTensor{1, 2, 3, 4, 5}), xr,
                                    LongTensor{0, 4, 2, 2}) < 1e-6);
  T7_REQUIRE_THROWS_WITH_ALL(nll.forward(x, LongTensor{0, 3}), IndexError, "target 3", "sample 1", "[0, 3)");
  T7_REQUIRE_THROWS_WITH_ALL(nll.forward(x, LongTensor{0}), SizeError, "needs 2 targets");
  T7_REQUIRE_THROWS_WITH_ALL(nll.forward(DoubleTensor(2, 2, 2), LongTensor{0}), SizeError, "[C] or [N x C]");
}

namespace {
nn::Sequential<double> mlp(index_t in, index_t hidden, index_t out) {
  nn::Sequential<double> s;
  s.add(nn::Linear<double>(in, hidden)).add(nn::Tanh<double>()).add(nn::Linear<double>(hidden, out)).add(
      nn::LogSoftMax<double>());
  return s;
}
}  // namespace

TEST_CASE("nn core: Sequential forward/backward equals the modules chained by hand") {
  auto net = mlp(4, 5, 3);
  auto x = randn<double>({2, 4});
  const DoubleTensor y = net.forward(x).tensor().clone();
  auto& l0 = net.get<nn::Linear<double>>(0);
  auto& l2 = net.get<nn::Linear<double>>(2);
  DoubleTensor h = tanh(addmm(l0.bias.view(1, 5).expand(2, 5).contiguous(), x, l0.weight.t()));
  DoubleTensor z = addmm(l2.bias.view(1, 3).expand(2, 3).contiguous(), h, l2.weight.t());
  nn::LogSoftMax<double> ls;
  CHECK(maxAbsDiff(y, ls.forward(z)) < 1e-12);
  CHECK(net.size() == 4);
  CHECK(nn::Jacobian::testJacobian(net, x) < 1e-6);
  CHECK(nn::Jacobian::testJacobianParameters(net, x) < 1e-6);
  CHECK(net.toString() ==
        "nn.Sequential {\n  [input -> (0) -> (1) -> (2) -> (3) -> output]\n  (0): nn.Linear(4 -> 5)\n  (1): nn.Tanh\n"
        "  (2): nn.Linear(5 -> 3)\n  (3): nn.LogSoftMax\n}");
  std::ostringstream os;
  os << net << "|" << nn::Linear<double>(2, 3) << "|" << net.get(1);
  CHECK(os.str() == net.toString() + "|nn.Linear(2 -> 3)|nn.Tanh");
}

TEST_CASE("nn core: errors inside a container name the module path and both shapes") {
  nn::Sequential<float> net;
  net.add(nn::Linear(784, 10));
  nn::Sequential<float> outer;
  outer.add(nn::Tanh()).add(std::move(net));
  T7_REQUIRE_THROWS_WITH_ALL(outer.forward(FloatTensor(32, 28, 28)), SizeError,
                             "[t7.size_error] nn.Sequential[1] (nn.Sequential): nn.Sequential[0] (nn.Linear(784 -> 10)): "
                             "Linear: expected input [*, 784]",
                             "32x28x28");
  T7_REQUIRE_THROWS_WITH_ALL(outer.get<nn::Linear<float>>(0), TypeError, "module 0 is nn.Tanh");
  T7_REQUIRE_THROWS_WITH_ALL(outer.get(2), IndexError, "index 2 out of range for 2");
  nn::Activity<float> table = nn::Table<float>{FloatTensor(2), FloatTensor(2)};
  T7_REQUIRE_THROWS_WITH_ALL(outer.forward(table), TypeError, "nn.Tanh: expected a tensor, got a table {[2], [2]}");
}

TEST_CASE("nn core: parameters, zeroGradParameters, updateParameters") {
  auto net = mlp(4, 5, 3);
  auto [w, gw] = net.parameters();
  REQUIRE(w.size() == 4);
  CHECK(w[0].sizes() == Shape{5, 4});
  CHECK(w[1].sizes() == Shape{5});
  CHECK(w[3].sizes() == Shape{3});
  for (auto& g : gw) g.fill(1);
  const DoubleTensor before = w[1].clone();
  net.updateParameters(0.5);
  CHECK(maxAbsDiff(w[1], DoubleTensor(before - 0.5)) < 1e-15);
  net.zeroGradParameters();
  for (auto& g : gw) CHECK(sum(abs(g)) == 0);
}

TEST_CASE("nn core: getParameters flattens, re-points, and a second call keeps the first call's views") {
  auto net = mlp(4, 5, 3);
  const auto p0 = net.parameters();
  std::vector<DoubleTensor> values;
  for (auto& w : p0.weights) values.push_back(w.clone());
  auto [flat, gflat] = net.getParameters();
  REQUIRE(flat.nElement() == 4 * 5 + 5 + 5 * 3 + 3);
  REQUIRE(gflat.nElement() == flat.nElement());
  // Values are kept and the modules' tensors are views of the flat storage, in order.
  auto p = net.parameters();
  index_t at = 0;
  for (std::size_t i = 0; i < p.weights.size(); ++i) {
    CHECK(equal(p.weights[i], values[i]));
    CHECK(p.weights[i].storage().isSameAs(flat.storage()));
    CHECK(p.weights[i].storageOffset() == at);
    CHECK(p.gradWeights[i].storageOffset() == at);
    at += p.weights[i].nElement();
  }
  flat.fill(0.25);
  CHECK(net.get<nn::Linear<double>>(2).bias(1) == 0.25);
  // A second call returns views of the same storage: the first call's tensors still work.
  auto [flat2, gflat2] = net.getParameters();
  CHECK(flat2.storage().isSameAs(flat.storage()));
  flat.fill(2);
  CHECK(net.get<nn::Linear<double>>(0).weight(0, 0) == 2);
  // Adding a module grows the flat storage in place: the old views still see their prefix.
  net.add(nn::Linear<double>(3, 2));
  auto [flat3, gflat3] = net.getParameters();
  CHECK(flat3.nElement() == flat.nElement() + 3 * 2 + 2);
  CHECK(flat3.storage().isSameAs(flat.storage()));
  flat.fill(7);
  CHECK(net.get<nn::Linear<double>>(0).weight(0, 0) == 7);
  CHECK(flat3(0) == 7);
}

TEST_CASE("nn core: getParameters keeps tied weights tied and checks gradients are tied too") {
  nn::Linear<double> a(3, 3);
  nn::Sequential<double> net;
  net.add(a).add(nn::Tanh<double>()).add(nn::Linear<double>(3, 3));
  auto& l2 = net.get<nn::Linear<double>>(2);
  l2.share(net.get<nn::Linear<double>>(0), {"weight", "bias", "gradWeight", "gradBias"});
  CHECK(l2.weight.storage().isSameAs(net.get<nn::Linear<double>>(0).weight.storage()));
  auto [flat, gflat] = net.getParameters();
  CHECK(flat.nElement() == 12);  // counted once
  CHECK(l2.weight.isSetTo(net.get<nn::Linear<double>>(0).weight));
  // Weights tied but not gradients: the two flat tensors cannot pair up.
  nn::Sequential<double> bad;
  bad.add(nn::Linear<double>(3, 3)).add(nn::Linear<double>(3, 3));
  bad.get<nn::Linear<double>>(1).share(bad.get<nn::Linear<double>>(0), {"weight", "bias"});
  T7_REQUIRE_THROWS_WITH_ALL(bad.getParameters(), SizeError, "getParameters", "share gradients");
  T7_REQUIRE_THROWS_WITH_ALL(l2.share(a, {"wieght"}), ValueError, "share", "'wieght'");
}

TEST_CASE("nn core: clone is deep and keeps sharing; share ties; type conversion") {
  auto net = mlp(4, 5, 3);
  net.getParameters();
  auto c = net.clone();
  auto& w0 = net.get<nn::Linear<double>>(0).weight;
  auto& cw0 = c.get<nn::Linear<double>>(0).weight;
  CHECK(equal(w0, cw0));
  CHECK(!cw0.storage().isSameAs(w0.storage()));
  // The clone's parameters still share one flat storage (sharing preserved).
  CHECK(cw0.storage().isSameAs(c.get<nn::Linear<double>>(2).bias.storage()));
  auto x = randn<double>({2, 4});
  CHECK(equal(net.forward(x).tensor(), c.forward(x).tensor()));
  cw0.fill(0);
  CHECK(!equal(w0, cw0));
  // share through containers: pairwise
  c.share(net, {"weight", "bias"});
  CHECK(cw0.isSetTo(w0));
  // float conversion: same values, new storages, still one flat storage
  nn::Sequential<float> f = net.toFloat();
  CHECK(maxAbsDiff(f.get<nn::Linear<float>>(0).weight, w0.toFloat()) == 0);
  CHECK(f.get<nn::Linear<float>>(0).weight.storage().isSameAs(f.get<nn::Linear<float>>(2).weight.storage()));
  CHECK(maxAbsDiff(f.forward(x.toFloat()).tensor(), net.forward(x).tensor().toFloat()) < 1e-5);
  CHECK(f.toString() == net.toString());
  nn::Linear<float> lf = nn::Linear<double>(2, 3).toFloat();
  CHECK(lf.weight.sizes() == Shape{3, 2});
}

TEST_CASE("nn core: training/evaluate, clearState, listModules, findModules, apply, replace") {
  auto net = mlp(4, 5, 3);
  nn::Sequential<double> outer;
  outer.add(std::move(net)).add(nn::Tanh<double>());
  outer.evaluate();
  CHECK(!outer.isTraining());
  CHECK(!outer.get(0).children()[1]->isTraining());
  outer.training();
  CHECK(outer.get(0).children()[1]->isTraining());
  CHECK(outer.listModules().size() == 7);
  CHECK(outer.findModules<nn::Linear<double>>().size() == 2);
  CHECK(outer.findModules<nn::Tanh<double>>().size() == 2);
  int n = 0;
  outer.apply([&](nn::AnyModule<double>& m) {
    if (auto* l = m.as<nn::Linear<double>>()) {
      l->weight.fill(1);
      ++n;
    }
  });
  CHECK(n == 2);
  CHECK(outer.findModules<nn::Linear<double>>()[1]->weight(0, 0) == 1);
  outer.forward(randn<double>({2, 4}));
  CHECK(outer.output.tensor().nElement() == 6);
  outer.clearState();
  CHECK(outer.output.tensor().nElement() == 0);
  CHECK(outer.findModules<nn::Linear<double>>()[0]->output.nElement() == 0);
  CHECK(outer.findModules<nn::Linear<double>>()[0]->weight.nElement() == 20);  // parameters stay
  outer.replace([](nn::AnyModule<double>& m) -> std::unique_ptr<nn::AnyModule<double>> {
    if (m.is<nn::Tanh<double>>()) return nn::anyModule(nn::Sigmoid<double>());
    return nullptr;  // keep it
  });
  CHECK(outer.findModules<nn::Tanh<double>>().empty());
  CHECK(outer.findModules<nn::Sigmoid<double>>().size() == 2);
  auto removed = outer.remove();
  CHECK(removed->typeName() == "nn.Sigmoid");
  CHECK(outer.size() == 1);
  outer.insert(nn::Tanh<double>(), 0);
  CHECK(outer.get(0).typeName() == "nn.Tanh");
  T7_REQUIRE_THROWS_WITH_ALL(outer.insert(nn::Tanh<double>(), 5), IndexError, "insert", "index 5");
}

TEST_CASE("nn core: a module held in a container is the same object get<M>() returns") {
  nn::Sequential<float> s;
  s.add(nn::Linear(2, 2));
  auto& l = s.get<nn::Linear<float>>(0);
  l.weight.copy(FloatTensor{{1, 0}, {0, 1}});
  l.bias.zero();
  CHECK(equal(s.forward(FloatTensor{3, 4}).tensor(), FloatTensor{3, 4}));
  CHECK(equal(l.output, FloatTensor{3, 4}));
  CHECK(s.get(0).output.tensor().isSetTo(l.output));
}

TEST_CASE("nn core: accUpdateGradParameters equals accGradParameters + updateParameters") {
  auto a = mlp(4, 5, 3);
  auto b = a.clone();
  auto x = randn<double>({3, 4});
  auto g = randn<double>({3, 3});
  a.zeroGradParameters();
  a.forward(x);
  a.backward(x, g);
  a.updateParameters(0.1);
  b.zeroGradParameters();
  b.forward(x);
  b.updateGradInput(x, g);
  b.accUpdateGradParameters(x, g, 0.1);
  auto pa = a.parameters(), pb = b.parameters();
  for (std::size_t i = 0; i < pa.weights.size(); ++i) {
    CHECK(maxAbsDiff(pa.weights[i], pb.weights[i]) < 1e-14);
    CHECK(sum(abs(pb.gradWeights[i])) == 0);  // gradients untouched
  }
  nn::Linear<double> l(4, 2);
  nn::Linear<double> l2 = l.clone();
  l.forward(x);
  l.accUpdateGradParameters(x, randn<double>({3, 2}), 0.5);
  CHECK(!equal(l.weight, l2.weight));
  CHECK(sum(abs(l.gradWeight)) == 0);
}

TEST_CASE("nn core: error paths of containers, tables and share") {
  nn::Sequential<float> s;
  T7_REQUIRE_THROWS_WITH_ALL(s.add(std::unique_ptr<nn::AnyModule<float>>()), ValueError, "nn.Sequential", "null module");
  T7_REQUIRE_THROWS_WITH_ALL(s.remove(), IndexError, "nn.Sequential", "remove", "empty");
  s.add(nn::Tanh()).add(nn::Linear(2, 2));
  T7_REQUIRE_THROWS_WITH_ALL(s.remove(5), IndexError, "remove", "index 5 out of range for 2");
  // A callback that throws leaves every child in place.
  CHECK_THROWS_AS(s.replace([](nn::AnyModule<float>& m) -> std::unique_ptr<nn::AnyModule<float>> {
    if (m.is<nn::Linear<float>>()) throw ValueError("no");
    return nn::anyModule(nn::Sigmoid());
  }),
                  ValueError);
  CHECK(s.get(0).typeName() == "nn.Sigmoid");
  CHECK(s.get(1).typeName() == "nn.Linear");

  nn::Table<float> t{FloatTensor(2)};
  nn::Activity<float> a = t;
  T7_REQUIRE_THROWS_WITH_ALL(a[1], IndexError, "index 1 out of range for a table of 1");
  T7_REQUIRE_THROWS_WITH_ALL(a[0].table("JoinTable"), TypeError, "JoinTable: expected a table, got a tensor [2]");

  nn::Sequential<float> other;
  other.add(nn::Linear(2, 2)).add(nn::Linear(2, 2));
  nn::Sequential<float> one;
  one.add(nn::Linear(2, 2));
  nn::Sequential<float> two;
  two.add(nn::Tanh()).add(nn::Linear(2, 2));
  T7_REQUIRE_THROWS_WITH_ALL(two.share(other, {"weight"}), TypeError, "share: nn.Tanh cannot share with nn.Linear");
  T7_REQUIRE_THROWS_WITH_ALL(one.share(other, {"weight"}), SizeError, "share: containers of 1 and 2 modules");
  T7_REQUIRE_THROWS_WITH_ALL(s.get(1).share(other, {"weight"}), TypeError, "share: nn.Linear cannot share with nn.Sequential");
}
