// Serialization of nn modules and criterions (every class: test_serialize_all.cpp): models keep
// their values, sharing and modes, Torch7-written field tables load, index fields shift, old
// versions upgrade, and bad objects are refused with the module and field named.
#include "helpers.hpp"

#include <filesystem>
#include <sstream>

using namespace t7;
using serialize::Format;
using serialize::Object;
using serialize::Options;

namespace {

const Options kAscii{.format = Format::Ascii};

/// A module through bytes and back, as the type it was.
template <class M>
M roundTrip(const M& m, const Options& o = {}) {
  return serialize::deserialize<M>(serialize::serialize(m, o));
}

/// The LeNet of examples/lenet.cpp, small enough for a test.
nn::Sequential<float> lenet() {
  nn::Sequential<float> net;
  net.add(nn::SpatialConvolution<float>(1, 3, 5, 5, 1, 1, 2, 2))
      .add(nn::ReLU<float>())
      .add(nn::SpatialMaxPooling<float>(2, 2, 2, 2))
      .add(nn::View<float>(3 * 6 * 6))
      .add(nn::Linear<float>(3 * 6 * 6, 10))
      .add(nn::LogSoftMax<float>());
  return net;
}

/// A user's module, registered under its own Torch7 class name.
template <Element T = float>
class Offset : public nn::ModuleBase<Offset<T>, T> {
 public:
  static constexpr const char* torchType = "nn.TestOffset";
  Tensor<T> bias, gradBias;
  int dim = 0;  // 0-based in C++, 1-based on disk
  Offset() = default;
  explicit Offset(index_t n, int d) : bias(n), gradBias(n), dim(d) { bias.fill(T(1.5)); gradBias.zero(); }
  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    this->output.resize(input.sizes());
    this->output = input + T(bias.nElement() ? bias.data()[0] : 0);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>&, const Tensor<T>& gradOutput) {
    this->gradInput.resize(gradOutput.sizes());
    this->gradInput.copy(gradOutput);
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.parameter("bias", bias, "gradBias", gradBias);
    v.option("dim", dim);
  }
};

}  // namespace

TEST_CASE("serialize nn: a trained model keeps its outputs, its shared flat storage and its mode",
          "[serialize][nn]") {
  manualSeed(7);
  nn::Sequential<float> net = lenet();
  auto [params, grads] = net.getParameters();
  grads.uniform(-1, 1);
  const FloatTensor x = randn<float>({4, 1, 12, 12});
  const FloatTensor y = net.forward(x).tensor().clone();
  net.evaluate();

  for (const Options& o : {Options{}, kAscii}) {
    nn::Sequential<float> back = roundTrip(net, o);
    CHECK_FALSE(back.isTraining());
    CHECK_FALSE(back.get(1).isTraining());
    CHECK(back.toString() == net.toString());
    // One storage for all weights, one for all gradients, as after getParameters().
    auto p = back.parameters();
    REQUIRE(p.weights.size() == 4);
    for (std::size_t i = 1; i < p.weights.size(); ++i) {
      CHECK(p.weights[i].storage().isSameAs(p.weights[0].storage()));
      CHECK(p.gradWeights[i].storage().isSameAs(p.gradWeights[0].storage()));
    }
    auto [params2, grads2] = back.getParameters();
    CHECK(params2.nElement() == params.nElement());
    CHECK(params2.storage().isSameAs(p.weights[0].storage()));  // already flat: nothing moved
    CHECK(equal(params2, params));
    CHECK(equal(grads2, grads));
    // The saved output buffer came back, and the model computes the same thing.
    CHECK(equal(back.output.tensor(), y));
    back.training();
    CHECK(equal(back.forward(x).tensor(), y));
  }
}

TEST_CASE("serialize nn: a double model loads as float, sharing kept; clearState empties buffers",
          "[serialize][nn]") {
  manualSeed(3);
  nn::Sequential<double> net;
  net.add(nn::Linear<double>(5, 4)).add(nn::Tanh<double>()).add(nn::Linear<double>(4, 2));
  net.getParameters();
  const DoubleTensor x = randn<double>({3, 5});
  const DoubleTensor y = net.forward(x).tensor().clone();
  net.clearState();
  const Object o = serialize::toObject(net);
  CHECK(o["modules"][1]["output"].tensor<double>().dim() == 0);  // cleared: empty tensors

  // Loading makes float modules: the program never built a float Linear or Tanh, so it registers
  // them (a program that builds its float model has them registered by using them).
  serialize::registerModule<nn::Linear<float>>();
  serialize::registerModule<nn::Tanh<float>>();
  auto f = serialize::deserialize<nn::Sequential<float>>(serialize::toBytes(o));
  auto p = f.parameters();
  REQUIRE(p.weights.size() == 4);
  CHECK(p.weights[3].storage().isSameAs(p.weights[0].storage()));
  const FloatTensor yf = f.forward(x.toFloat()).tensor();
  CHECK(max(abs(yf.toDouble() - y)) < 1e-5);
}

TEST_CASE("serialize nn: a module table as Lua Torch7 writes it loads into t7's module", "[serialize][nn]") {
  // torch.save(f, nn.Linear(3, 2):double(), 'ascii') with Lua's own field order and fields t7
  // does not use (a Torch7 file, assembled by hand from the format's grammar).
  const std::string file =
      "4\n1\n3\nV 1\n9\nnn.Linear\n"            // tag 4, ref 1, "V 1", class
      "3\n2\n7\n"                                 // its field table: tag 3, ref 2, 7 pairs
      "2\n5\n_type\n2\n18\ntorch.DoubleTensor\n"  // _type = "torch.DoubleTensor"
      "2\n4\nbias\n"                              // bias = DoubleTensor {0.5, -0.5}
      "4\n3\n3\nV 1\n18\ntorch.DoubleTensor\n1\n2\n1\n1\n"
      "4\n4\n3\nV 1\n19\ntorch.DoubleStorage\n2\n0.5 -0.5\n"
      "2\n6\nweight\n"                            // weight = DoubleTensor 2x3 over its own storage
      "4\n5\n3\nV 1\n18\ntorch.DoubleTensor\n2\n2 3\n3 1\n1\n"
      "4\n6\n3\nV 1\n19\ntorch.DoubleStorage\n6\n1 2 3 4 5 6\n"
      "2\n5\ntrain\n5\n1\n"                       // train = true
      "2\n10\nluaOnlyKey\n1\n42\n"                // a field t7 does not know: ignored
      "2\n6\noutput\n4\n7\n3\nV 1\n18\ntorch.DoubleTensor\n0\n1\n0\n"  // empty, no storage
      "2\n9\ngradInput\n4\n8\n3\nV 1\n18\ntorch.DoubleTensor\n0\n1\n0\n";
  auto lin = serialize::deserialize<nn::Linear<float>>(file);
  CHECK(lin.weight.sizes() == Shape{2, 3});
  CHECK(t7test::values(lin.weight) == std::vector<float>{1, 2, 3, 4, 5, 6});
  CHECK(t7test::values(lin.bias) == std::vector<float>{0.5f, -0.5f});
  CHECK(lin.gradWeight.nElement() == 0);  // not in the file: the default
  const FloatTensor out = lin.forward(FloatTensor{1, 0, -1});
  CHECK(t7test::values(out) == std::vector<float>{1 - 3 + 0.5f, 4 - 6 - 0.5f});
  // The same file as a generic object, and as "whatever module it is".
  const Object o = serialize::fromBytes(file);
  CHECK(o["luaOnlyKey"].number() == 42);
  serialize::registerModule<nn::Linear<double>>();
  CHECK(serialize::deserialize<std::unique_ptr<nn::AnyModule<double>>>(file)->toString() == "nn.Linear(3 -> 2)");
}

TEST_CASE("serialize nn: index fields are 1-based on disk", "[serialize][nn]") {
  nn::Narrow<float> n(1, 2, 3);
  const Object o = serialize::toObject(n);
  CHECK(o["dimension"].number() == 2);
  CHECK(o["index"].number() == 3);
  CHECK(o["length"].number() == 3);
  auto back = serialize::fromObject<nn::Narrow<float>>(o);
  CHECK(back.dimension == 1);
  CHECK(back.index == 2);
  // Negative values count from the end in both worlds: unchanged.
  nn::Narrow<float> neg(-1, -2, 1);
  const Object on = serialize::toObject(neg);
  CHECK(on["dimension"].number() == -1);
  CHECK(serialize::fromObject<nn::Narrow<float>>(on).index == -2);
}

TEST_CASE("serialize nn: batch normalization keeps its statistics and upgrades version 1 files",
          "[serialize][nn]") {
  manualSeed(5);
  nn::BatchNormalization<float> bn(3);
  bn.forward(randn<float>({8, 3}));  // training: running statistics move
  const Object o = serialize::toObject(bn);
  CHECK(o.torch().version == 2);
  auto back = roundTrip(bn, kAscii);
  CHECK(equal(back.running_mean, bn.running_mean));
  CHECK(equal(back.running_var, bn.running_var));
  CHECK(back.eps == bn.eps);
  CHECK(back.momentum == bn.momentum);

  // A version-1 file kept running_std = 1/sqrt(var + eps).
  Object old = serialize::fromBytes(serialize::toBytes(o));
  old.torch().version = 1;
  old.set("running_var", Object());
  old.set("running_std", Object(FloatTensor{0.5f, 1.0f, 2.0f}));
  auto upgraded = serialize::fromObject<nn::BatchNormalization<float>>(old);
  const double eps = bn.eps;
  REQUIRE(upgraded.running_var.nElement() == 3);
  CHECK(t7test::values(upgraded.running_var)[0] == Approx(4 - eps));
  CHECK(t7test::values(upgraded.running_var)[1] == Approx(1 - eps));
  CHECK(t7test::values(upgraded.running_var)[2] == Approx(0.25 - eps));
}

TEST_CASE("serialize nn: a user's registered module loads by its class name", "[serialize][nn]") {
  serialize::registerModule<Offset<float>>({.indexFields = {"dim"}});
  nn::Sequential<float> net;
  net.add(Offset<float>(1, 2)).add(nn::Tanh<float>());
  const std::string bytes = serialize::serialize(net);
  CHECK(serialize::fromBytes(bytes)["modules"][1]["dim"].number() == 3);
  auto back = serialize::deserialize<std::unique_ptr<nn::AnyModule<float>>>(bytes);
  auto* seq = back->as<nn::Sequential<float>>();
  REQUIRE(seq != nullptr);
  const Offset<float>& off = seq->get<Offset<float>>(0);
  CHECK(off.dim == 2);
  CHECK(off.bias.data()[0] == 1.5f);
  // A class this program never uses nor registers: the error names it, where it is, and how to
  // register it.
  Object file = serialize::fromBytes(bytes);
  file["modules"].set(Object(2), Object::instance("nn.NotInThisProgram"));
  T7_REQUIRE_THROWS_WITH_ALL(serialize::fromObject<std::unique_ptr<nn::AnyModule<float>>>(file), TypeError,
                             "nn.NotInThisProgram", "is registered", "registerModule", "modules[1]");
}

TEST_CASE("serialize nn: files and streams, atomic save, errors with the path", "[serialize][nn]") {
  const auto dir = std::filesystem::temp_directory_path() / "t7_serialize_nn_test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "net.t7").string();
  nn::Sequential<float> net = lenet();
  t7::save(path, net);
  auto back = t7::load<nn::Sequential<float>>(path);
  CHECK(back.size() == net.size());
  auto any = t7::loadModule<float>(path);
  CHECK(any->typeName() == "nn.Sequential");

  std::stringstream ss;
  t7::save(ss, std::vector<FloatTensor>{FloatTensor{1, 2}, FloatTensor{3}});
  auto v = t7::load<std::vector<FloatTensor>>(ss);
  REQUIRE(v.size() == 2);
  CHECK(t7test::values(v[1]) == std::vector<float>{3});

  // A stream that cannot be written.
  std::ostringstream broken;
  broken.setstate(std::ios::badbit);
  T7_REQUIRE_THROWS_WITH_ALL(t7::save(broken, FloatTensor{1, 2}), IOError, "cannot write the stream");

  // The file holds a Sequential: asking for another class says what it holds.
  T7_REQUIRE_THROWS_WITH_ALL(t7::load<nn::Linear<float>>(path), TypeError, "net.t7", "nn.Sequential",
                             "not a nn.Linear");
  T7_REQUIRE_THROWS_WITH_ALL(t7::load<nn::Linear<float>>((dir / "missing.t7").string()), IOError, "missing.t7");
  // A criterion is not a module, and the other way round.
  t7::save(path, nn::MSECriterion<float>());
  serialize::registerModule<nn::MSECriterion<float>>();
  T7_REQUIRE_THROWS_WITH_ALL(t7::loadModule<float>(path), TypeError, "nn.MSECriterion", "criterion, not a module");
  std::filesystem::remove_all(dir);
}

TEST_CASE("serialize nn: bad field values are refused with the module and the field", "[serialize][nn]") {
  Object o = serialize::toObject(nn::Linear<float>(2, 2));
  o.set("weight", Object("not a tensor"));
  T7_REQUIRE_THROWS_WITH_ALL(serialize::fromObject<nn::Linear<float>>(o), TypeError, "nn.Linear.weight",
                             "expected a tensor", "string");

  Object p = serialize::toObject(nn::Narrow<float>(0, 0, 1));
  p.set("length", Object(2.5));
  T7_REQUIRE_THROWS_WITH_ALL(serialize::fromObject<nn::Narrow<float>>(p), ValueError, "nn.Narrow.length", "2.5");

  Object s = serialize::toObject(nn::Sequential<float>());
  Object mods = Object::table();
  mods.set(Object(1), Object("a string"));
  s.set("modules", mods);
  T7_REQUIRE_THROWS_WITH_ALL(serialize::fromObject<nn::Sequential<float>>(s), TypeError,
                             "nn.Sequential.modules[0]", "expected a module");
  mods.set(Object(1), Object());
  mods.set(Object(3), serialize::toObject(nn::Tanh<float>()));
  T7_REQUIRE_THROWS_WITH_ALL(serialize::fromObject<nn::Sequential<float>>(s), ValueError, "not an array");

  // A member module of another class: CrossEntropyCriterion's lsm must be an nn.LogSoftMax.
  Object ce = serialize::toObject(nn::CrossEntropyCriterion<float>());
  ce.set("lsm", serialize::toObject(nn::Tanh<float>()));
  T7_REQUIRE_THROWS_WITH_ALL(serialize::fromObject<nn::CrossEntropyCriterion<float>>(ce), TypeError,
                             "nn.CrossEntropyCriterion.lsm", "is a nn.Tanh", "not a nn.LogSoftMax");

  Object unknown = Object::instance("nn.NoSuchModule");
  T7_REQUIRE_THROWS_WITH_ALL(serialize::fromObject<std::unique_ptr<nn::AnyModule<float>>>(unknown), TypeError,
                             "nn.NoSuchModule", "is registered");
  // ...yet the bytes load as a generic object.
  CHECK(serialize::fromBytes(serialize::toBytes(unknown)).typeName() == "nn.NoSuchModule");
}
