// The "write your own module" recipe of docs/nn.md, compiled and checked: a user's module
// works in containers, getParameters, clone, share, type conversion and the Jacobian checker.
#include "helpers.hpp"

#include "t7/nn.hpp"

using namespace t7;

// ---- docs/nn.md: "Writing a module" (keep the two in sync) ----------------------------------
/// y = weight * x: one learnable factor.
template <Element T = float>
class Scale : public nn::ModuleBase<Scale<T>, T> {
 public:
  static constexpr const char* torchType = "nn.Scale";
  Tensor<T> weight, gradWeight;

  Scale() = default;  // an empty module, for type conversion and loading
  explicit Scale(double factor) : weight(1), gradWeight(1) {
    weight.fill(static_cast<T>(factor));
    gradWeight.zero();
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    this->output.resize(input.sizes());
    this->output = input * weight.item();
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    nn::checkSameSize("Scale", this->output, gradOutput);
    this->gradInput.resize(input.sizes());
    this->gradInput = gradOutput * weight.item();
    return this->gradInput;
  }
  void accGradParameters(const Tensor<T>& input, const Tensor<T>& gradOutput, double scale = 1) {
    gradWeight.add(static_cast<T>(scale * sum(input * gradOutput)));
  }
  template <class V>
  void fields(V& v) {
    v.parameter("weight", weight, "gradWeight", gradWeight);
  }
  std::string toString() const { return "nn.Scale(" + std::to_string(weight.item()) + ")"; }
};
Scale(double)->Scale<float>;
static_assert(nn::Module<Scale<float>>);
// ---- end of the recipe --------------------------------------------------------------------

TEST_CASE("nn custom: a user's module in a Sequential, getParameters, Jacobian, clone, toDouble") {
  Scale<double> s(3);
  CHECK(equal(s.forward(DoubleTensor{1, 2}), DoubleTensor{3, 6}));
  CHECK(nn::Jacobian::testJacobian(s, randn<double>({2, 3})) < 1e-6);
  CHECK(nn::Jacobian::testJacobianParameters(s, randn<double>({2, 3})) < 1e-6);

  nn::Sequential<double> net;
  net.add(nn::Linear<double>(3, 4)).add(Scale<double>(0.5)).add(nn::Tanh<double>());
  CHECK(nn::Jacobian::testJacobian(net, randn<double>({2, 3})) < 1e-6);
  CHECK(nn::Jacobian::testJacobianParameters(net, randn<double>({2, 3})) < 1e-6);
  auto [w, gw] = net.getParameters();
  CHECK(w.nElement() == 3 * 4 + 4 + 1);
  CHECK(net.get<Scale<double>>(1).weight.storage().isSameAs(w.storage()));
  CHECK(w(16) == 0.5);  // the factor comes last
  CHECK(net.toString().find("(1): nn.Scale(0.500000)") != std::string::npos);

  auto c = net.clone();
  c.get<Scale<double>>(1).weight.fill(2);
  CHECK(net.get<Scale<double>>(1).weight.item() == 0.5);
  c.share(net, {"weight"});
  CHECK(c.get<Scale<double>>(1).weight.isSetTo(net.get<Scale<double>>(1).weight));

  nn::Sequential<float> f = net.toFloat();
  CHECK(f.get<Scale<float>>(1).weight.item() == 0.5f);
  Scale<float> sf = Scale(2.0);
  CHECK(sf.toDouble().weight.item() == 2.0);
}

namespace {
/// A module that is no template: it works everywhere but type conversion, which says why.
struct Twice : nn::ModuleBase<Twice, float> {
  const FloatTensor& updateOutput(const FloatTensor& input) {
    output.resize(input.sizes());
    output = input * 2.f;
    return output;
  }
  const FloatTensor& updateGradInput(const FloatTensor& input, const FloatTensor& gradOutput) {
    gradInput.resize(input.sizes());
    gradInput = gradOutput * 2.f;
    return gradInput;
  }
};
}  // namespace

TEST_CASE("nn custom: a non-template module works in containers; conversion refuses clearly") {
  nn::Sequential<float> net;
  net.add(Twice()).add(Twice());
  CHECK(equal(net.forward(FloatTensor{1, 2}).tensor(), FloatTensor{4, 8}));
  CHECK(net.get(0).typeName().find("Twice") != std::string::npos);
  T7_REQUIRE_THROWS_WITH_ALL(net.toDouble(), TypeError, "cannot change its element type", "docs/nn.md");
}
