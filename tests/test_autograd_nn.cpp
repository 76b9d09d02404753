// autograd's nn bridge (autograd::functional): nn modules and criterions as functions inside
// grad, their own backward reused; against finite differences and against nn.Sequential.
#include "autograd_helpers.hpp"

using namespace t7;
namespace ag = t7::autograd;
using DTable = ag::Table<DoubleTensor>;

using t7test::randomIn;

TEST_CASE("autograd: nn modules and criterions inside f (the nn bridge)") {
  manualSeed(23);
  // The post's small CNN through the bridge, in double and small: conv 1->2 3x3, tanh,
  // max pool 2x2, reshape, linear, log-softmax, class NLL.
  auto conv = ag::functional(nn::SpatialConvolution<double>(1, 2, 3, 3));
  auto pool = ag::functional(nn::SpatialMaxPooling<double>(2, 2, 2, 2));
  auto act = ag::functional(nn::Tanh<double>());
  auto lin = ag::functional(nn::Linear<double>(2 * 2 * 2, 3));
  auto lsm = ag::functional(nn::LogSoftMax<double>());
  auto nll = ag::functional(nn::ClassNLLCriterion<double>());
  DTable params{{"conv", conv.parameters()}, {"lin", lin.parameters()}};
  CHECK(params["conv"].table().size() == 2);
  CHECK(params["conv"][0].sizes() == Shape{2, 1, 3, 3});
  const DoubleTensor x = randomIn({3, 1, 6, 6});
  const LongTensor y{0, 2, 1};
  auto f = [&](const auto& p) {
    auto h = pool(act(conv(x, p["conv"])));
    auto out = lsm(lin(h.view(3, 8), p["lin"][0], p["lin"][1]));
    return nll(out, y);
  };
  SECTION("against finite differences") {
    const auto r = ag::gradcheck(f, params);
    INFO(r.message);
    CHECK(r.ok);
    CHECK(r.checked == 2 * 9 + 2 + 3 * 8 + 3);
  }
  SECTION("the same loss and gradients as the nn Sequential") {
    nn::Sequential<double> net;
    nn::SpatialConvolution<double> c(1, 2, 3, 3);
    c.weight.copy(params["conv"][0]);
    c.bias.copy(params["conv"][1]);
    nn::Linear<double> l(8, 3);
    l.weight.copy(params["lin"][0]);
    l.bias.copy(params["lin"][1]);
    net.add(c).add(nn::Tanh<double>()).add(nn::SpatialMaxPooling<double>(2, 2, 2, 2)).add(nn::View<double>(8))
        .add(l).add(nn::LogSoftMax<double>());
    nn::ClassNLLCriterion<double> crit;
    net.zeroGradParameters();
    const DoubleTensor& out = net.forward(x).tensor();
    const double loss = crit.forward(out, y);
    net.backward(x, crit.backward(out, y));
    auto [g, l2] = ag::grad(f)(params);
    CHECK(l2 == Approx(loss).epsilon(1e-12));
    const auto ps = net.parameters();
    CHECK(max(abs(g["conv"][0] - ps.gradWeights[0])) < 1e-12);
    CHECK(max(abs(g["conv"][1] - ps.gradWeights[1])) < 1e-12);
    CHECK(max(abs(g["lin"][0] - ps.gradWeights[2])) < 1e-12);
    CHECK(max(abs(g["lin"][1] - ps.gradWeights[3])) < 1e-12);
  }
  SECTION("a module called twice (shared weights) keeps each call's state") {
    auto twice = [&](const auto& p) {
      auto a = lin(x.view(3, 36).narrow(1, 0, 8), p["lin"]);
      auto b = lin(ag::eval(tanh(a)).narrow(1, 0, 3) * 1.0, p["W3"]);
      return ag::sum(b * b) + ag::sum(act(a));
    };
    auto l3 = ag::functional(nn::Linear<double>(3, 3));
    DTable p2{{"lin", lin.parameters()}, {"W3", l3.parameters()}};
    // the second call uses lin with other parameters, an error: W3 is 3x3, lin's weight 3x8
    T7_REQUIRE_THROWS_WITH_ALL(ag::grad(twice)(p2), SizeError, "nn.Linear", "parameter 0", "3x3", "3x8");
    auto twiceSame = [&](const auto& p) {
      auto a = lin(x.view(3, 36).narrow(1, 0, 8), p["lin"]);
      auto wide = ag::cat(std::vector<ag::Var<double>>{a, a * 2.0, a * a}, 1).narrow(1, 0, 8);
      auto b = lin(wide + 0.5, p["lin"]);  // the same module and weights again
      return ag::sum(b * a);
    };
    const auto r = ag::gradcheck(twiceSame, DTable{{"lin", lin.parameters()}});
    INFO(r.message);
    CHECK(r.ok);
  }
  SECTION("errors: the parameter count") {
    T7_REQUIRE_THROWS_WITH_ALL(lin(x.view(3, 36).narrow(1, 0, 8)), SizeError, "nn.Linear", "expects 2 parameter tensors, got 0");
  }
}

TEST_CASE("autograd: a whole nn container as one function (torch-autograd's functionalize)") {
  manualSeed(25);
  nn::Sequential<double> net;
  net.add(nn::Linear<double>(6, 5)).add(nn::Tanh<double>()).add(nn::Linear<double>(5, 3)).add(nn::LogSoftMax<double>());
  auto model = ag::functional(net.clone());  // (containers own their children: a deep copy)
  auto nll = ag::functional(nn::ClassNLLCriterion<double>());
  const DoubleTensor x = randomIn({4, 6});
  const LongTensor y{2, 0, 1, 1};
  auto f = [&](const auto& p, const auto& input) { return nll(model(input, p), y); };
  DTable params = model.parameters();  // a list: the four weights and biases, in order
  REQUIRE(params.size() == 4);

  // the container's own backward from the same weights
  nn::ClassNLLCriterion<double> crit;
  net.zeroGradParameters();
  const DoubleTensor out = net.forward(x).tensor();
  const double loss = crit.forward(out, y);
  const DoubleTensor gi = net.backward(x, crit.backward(out, y)).tensor().clone();
  const auto ps = net.parameters();
  const std::vector<DoubleTensor>& ws = ps.weights;
  const std::vector<DoubleTensor>& gws = ps.gradWeights;

  SECTION("a constant input: every parameter's gradient (the children's inner gradients still flow)") {
    auto [g, l] = ag::grad(f)(params, x);
    CHECK(l == Approx(loss).epsilon(1e-12));
    for (int i = 0; i < 4; ++i) CHECK(max(abs(g[i] - gws[i])) < 1e-12);
  }
  SECTION("a tracked input as well") {
    auto both = [&](const std::vector<ag::Var<double>>& v) {
      return nll(model(v[0], v[1], v[2], v[3], v[4]), y);
    };
    std::vector<DoubleTensor> all{x, ws[0].clone(), ws[1].clone(), ws[2].clone(), ws[3].clone()};
    auto [g, l] = ag::grad(both)(all);
    CHECK(max(abs(g[0] - gi)) < 1e-12);
    for (int i = 0; i < 4; ++i) CHECK(max(abs(g[i + 1] - gws[i])) < 1e-12);
  }
  SECTION("functionalize: the function f(params, input) and its parameter list") {
    auto [fnet, p0] = ag::functionalize(net.clone());
    auto loss2 = [&, &fnet = fnet](const auto& p) { return nll(fnet(p, x), y); };
    auto [g, l] = ag::grad(loss2)(p0);
    CHECK(l == Approx(loss).epsilon(1e-12));
    for (int i = 0; i < 4; ++i) {
      CHECK(equal(p0[i], ws[i]));
      CHECK(max(abs(g[i] - gws[i])) < 1e-12);
    }
  }
}

TEST_CASE("autograd: an autograd function as an nn criterion (AutoCriterion)") {
  manualSeed(26);
  const DoubleTensor x = randomIn({4, 3}), t = randomIn({4, 3});
  SECTION("mean squared error, against nn.MSECriterion") {
    auto mse = ag::autoCriterion<double>([](const ag::Var<double>& in, const DoubleTensor& target) {
      return ag::mean(pow(in - target, 2.0));
    });
    static_assert(nn::Criterion<decltype(mse)>);
    nn::MSECriterion<double> ref;
    CHECK(mse.forward(x, t) == Approx(ref.forward(x, t)).epsilon(1e-14));
    CHECK(max(abs(mse.backward(x, t) - ref.backward(x, t))) < 1e-14);
    auto copy = mse.clone();
    CHECK(copy.forward(x, t) == Approx(ref.output).epsilon(1e-14));
  }
  SECTION("class indices as the target, against nn.ClassNLLCriterion; in a training step") {
    auto nllA = ag::autoCriterion<double, LongTensor>([](const ag::Var<double>& logp, const LongTensor& y) {
      return ag::loss::classNLL(logp, y);
    });
    nn::ClassNLLCriterion<double> ref;
    const DoubleTensor logp = ag::logSoftMax(ag::Var<double>(x)).value();
    const LongTensor y{2, 0, 1, 1};
    CHECK(nllA.forward(logp, y) == Approx(ref.forward(logp, y)).epsilon(1e-14));
    CHECK(max(abs(nllA.backward(logp, y) - ref.backward(logp, y))) < 1e-14);

    nn::Sequential<double> net;
    net.add(nn::Linear<double>(3, 3)).add(nn::LogSoftMax<double>());
    const double before = nllA.forward(net.forward(x).tensor(), y);
    for (int step = 0; step < 100; ++step) {
      net.zeroGradParameters();
      const DoubleTensor out = net.forward(x).tensor();
      nllA.forward(out, y);
      net.backward(x, nllA.backward(out, y));
      net.updateParameters(0.5);
    }
    CHECK(nllA.forward(net.forward(x).tensor(), y) < before * 0.5);
  }
  SECTION("the guide's Huber loss, against nn.SmoothL1Criterion") {
    auto huber = ag::autoCriterion<double>([](const ag::Var<double>& in, const DoubleTensor& target) {
      auto d = abs(in - target);
      return ag::mean(where(lt(d, 1.0), 0.5 * d * d, d - 0.5));
    });
    const DoubleTensor wide = x * 3.0;  // some differences above 1, some below
    nn::SmoothL1Criterion<double> ref;
    CHECK(huber.forward(wide, t) == Approx(ref.forward(wide, t)).epsilon(1e-14));
    CHECK(max(abs(huber.backward(wide, t) - ref.backward(wide, t))) < 1e-14);
  }
  SECTION("errors: a loss of more than one element") {
    auto bad = ag::autoCriterion<double>([](const ag::Var<double>& in, const DoubleTensor& target) { return in - target; });
    T7_REQUIRE_THROWS_WITH_ALL(bad.forward(x, t), AutogradError, "AutoCriterion", "one element", "4x3");
  }
}

TEST_CASE("autograd: an autograd function as an nn module (AutoModule) in a Sequential") {
  manualSeed(24);
  // y = z - tanh(z) with z = x W + b ("tanhshrink" of an affine map), written once as tensor code
  auto fn = [](const std::vector<ag::Var<double>>& w, const ag::Var<double>& x) {
    auto z = ag::Var<double>(ag::mm(x, w[0]) + w[1]);
    return z - tanh(z);
  };
  auto layer = ag::autoModule<double>(fn, {randomIn({4, 3}), randomIn({3})});
  static_assert(nn::Module<decltype(layer)>);
  const DoubleTensor x = randomIn({5, 4});

  SECTION("forward is the function's value") {
    const DoubleTensor z = mm(x, layer.weights[0]) + layer.weights[1];
    CHECK(max(abs(layer.forward(x) - (z - tanh(z)))) < 1e-14);
  }
  SECTION("the Jacobian checker: input and parameters") {
    CHECK(nn::Jacobian::testJacobian(layer, x) < 1e-6);
    CHECK(nn::Jacobian::testJacobianParameters(layer, x) < 1e-6);
  }
  SECTION("in a Sequential: getParameters, the Jacobian, an SGD step") {
    nn::Sequential<double> net;
    net.add(nn::Linear<double>(4, 4)).add(layer).add(nn::Tanh<double>());
    auto [w, gw] = net.getParameters();
    CHECK(w.nElement() == 4 * 4 + 4 + 4 * 3 + 3);
    CHECK(nn::Jacobian::testJacobian(net, x) < 1e-6);
    CHECK(nn::Jacobian::testJacobianParameters(net, x) < 1e-6);
    nn::MSECriterion<double> mse;
    const DoubleTensor target = randomIn({5, 3}, -0.5, 0.5);
    auto lossAt = [&] { return mse.forward(net.forward(x).tensor(), target); };
    gw.zero();
    const double before = lossAt();
    const DoubleTensor out = net.forward(x).tensor();
    net.backward(x, mse.backward(out, target));
    // a small SGD step lowers the loss by lr * |g|^2 to first order
    const double lr = 1e-3, g2 = sum(gw * gw);
    w.add(-lr, gw);
    CHECK(before - lossAt() == Approx(lr * g2).epsilon(0.01));
  }
  SECTION("errors") {
    auto fresh = ag::autoModule<double>(fn, {randomIn({4, 3}), randomIn({3})});
    T7_REQUIRE_THROWS_WITH_ALL(fresh.updateGradInput(x, randomIn({5, 3})), AutogradError, "backward before forward");
    fresh.forward(x);
    T7_REQUIRE_THROWS_WITH_ALL(fresh.updateGradInput(x, randomIn({5, 4})), SizeError, "AutoModule", "5x4", "5x3");
    // its function records on a tape of its own: a captured value of an enclosing grad call
    // would be a constant there, so it throws
    auto outer = [&](const ag::Var<double>& v) {
      auto captures = [&](const std::vector<ag::Var<double>>& w, const ag::Var<double>& in) {
        return ag::Var<double>(ag::mm(in, w[0]) + v);
      };
      auto m = ag::autoModule<double>(captures, {randomIn({4, 3})});
      return ag::sum(ag::Var<double>(m.forward(x)) * v);
    };
    T7_REQUIRE_THROWS_WITH_ALL(ag::grad(outer)(randomIn({3})), AutogradError, "enclosing grad", "AutoModule",
                               "pass it as a weight");
  }
}
