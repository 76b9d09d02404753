#pragma once
/// \file containers.hpp
/// The containers beside Sequential (Torch7's nn.Concat, nn.ConcatTable, nn.Parallel,
/// nn.ParallelTable, nn.MapTable): children that run side by side.
///
/// ```cpp
/// nn::ConcatTable<float> heads;                       // same input to every child
/// heads.add(nn::Linear(10, 3)).add(nn::Linear(10, 5));
/// nn::Sequential<float> net;
/// net.add(std::move(heads)).add(nn::JoinTable(0, 1));  // {[b x 3], [b x 5]} -> [b x 8]
/// ```
/// Dimensions are 0-based and negative ones count from the end; children print and report
/// errors with 0-based numbers ("nn.Concat[1] (nn.Linear(4 -> 2)): ...").

#include <memory>
#include <string>
#include <vector>

#include "t7/math/detail/dim_apply.hpp"
#include "t7/nn/container.hpp"
#include "t7/nn/table_utils.hpp"

namespace t7::nn {

namespace detail {

/// Torch7's tree for containers whose children run side by side:
/// ```
/// nn.Concat {
///   input
///     |`-> (0): nn.Linear(4 -> 3)
///      `-> (1): nn.Linear(4 -> 2)
///      ... -> output
/// }
/// ```
template <Element T>
std::string branchTree(const std::string& type, const std::vector<std::unique_ptr<AnyModule<T>>>& modules) {
  const std::string tab = "  ", next = "  |`-> ", lastNext = "   `-> ", ext = "  |    ", extLast = "       ";
  std::string s = type + " {\n" + tab + "input";
  for (std::size_t i = 0; i < modules.size(); ++i) {
    const bool last = i + 1 == modules.size();
    std::string child;
    for (char c : modules[i]->toString()) child += c == '\n' ? "\n" + tab + (last ? extLast : ext) : std::string(1, c);
    s += "\n" + tab + (last ? lastNext : next) + "(" + std::to_string(i) + "): " + child;
  }
  return s + "\n" + tab + "   ... -> output\n}";
}

/// The output of child i as a tensor (Concat and Parallel join tensors).
template <Element T>
const Tensor<T>& childOutputTensor(const AnyModule<T>& m, std::size_t i, const std::string& container) {
  if (!m.output.isTensor())
    t7::detail::fail<TypeError>(container, ": module ", i, " (", m.brief(), ") gave a table ", m.output.describe(),
                                "; ", container, " joins tensors");
  return m.output.tensor();
}

/// Joins the outputs of the first `count` children along `dim` into `out`; returns the
/// dimension (normalized against the first output's rank).
template <Element T>
int joinOutputs(Tensor<T>& out, const std::vector<std::unique_ptr<AnyModule<T>>>& modules, std::size_t count, int dim,
                const std::string& container) {
  const Tensor<T>& o0 = childOutputTensor(*modules[0], 0, container);
  if (o0.dim() == 0) t7::detail::fail<SizeError>(container, ": module 0 gave an empty tensor (no dimension)");
  const int d = t7::detail::normalizeDim(dim, o0.dim(), container.c_str());
  Shape size = o0.sizes();
  for (std::size_t i = 1; i < count; ++i) {
    const Tensor<T>& o = childOutputTensor(*modules[i], i, container);
    bool ok = o.dim() == o0.dim();
    for (int k = 0; ok && k < o.dim(); ++k) ok = k == d || o.size(k) == o0.size(k);
    if (!ok)
      t7::detail::fail<SizeError>(container, ": the output of module ", i, " is [", o.sizes().toString(),
                                  "] but the output of module 0 is [", o0.sizes().toString(),
                                  "]: they must agree in every dimension but ", d);
    size[d] += o.size(d);
  }
  out.resize(size);
  index_t offset = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const Tensor<T>& o = modules[i]->output.tensor();
    if (o.size(d) > 0) out.narrow(d, offset, o.size(d)).copy(o);
    offset += o.size(d);
  }
  return d;
}

/// The two ways a container's backward pass calls its children: updateGradInput alone, or
/// backward (updateGradInput + accGradParameters), as Torch7's containers do.
template <Element T>
struct UpdateGradInputCall {
  const Activity<T>& operator()(AnyModule<T>& m, const Activity<T>& x, const Activity<T>& g) const {
    return m.updateGradInput(x, g);
  }
};
template <Element T>
struct BackwardCall {
  double scale;
  const Activity<T>& operator()(AnyModule<T>& m, const Activity<T>& x, const Activity<T>& g) const {
    return m.backward(x, g, scale);
  }
};

/// The gradOutput of a container whose output is a tensor: a tensor of the output's size.
template <Element T>
const Tensor<T>& tensorGradOutput(const Activity<T>& gradOutput, const Activity<T>& output,
                                  const std::string& container) {
  if (!gradOutput.isTensor() || !output.isTensor() || !gradOutput.tensor().isSameSizeAs(output.tensor()))
    t7::detail::fail<SizeError>(container, ": gradOutput ", gradOutput.describe(), " differs from the output ",
                                output.describe());
  return gradOutput.tensor();
}

/// The gradOutput of a container whose output is a table of `n` entries.
template <Element T>
const Table<T>& tableGradOutput(const Activity<T>& gradOutput, std::size_t n, const std::string& container) {
  if (!gradOutput.isTable() || gradOutput.table().size() < n)
    t7::detail::fail<SizeError>(container, ": gradOutput must be a table of ", n, " entries (one per module), got ",
                                gradOutput.describe());
  return gradOutput.table();
}

}  // namespace detail

/// Every child gets the same input; their outputs are concatenated along `dimension`
/// (Torch7's nn.Concat(dimension); 0-based, absolute: no batch shift, as Torch7). The
/// gradInput is the sum of the children's gradInputs (tensors or tables).
template <Element T = float>
class Concat final : public Container<Concat<T>, T> {
 public:
  static constexpr const char* torchType = "nn.Concat";
  int dimension = 0;

  Concat() = default;
  explicit Concat(int dimension) : dimension(dimension) {}

  const Activity<T>& updateOutput(const Activity<T>& input) override {
    this->checkNotEmpty("updateOutput");
    for (std::size_t i = 0; i < this->modules.size(); ++i)
      this->inChild(i, [&] { this->modules[i]->updateOutput(input); });
    detail::joinOutputs(utils::tensorIn(this->output), this->modules, this->modules.size(), dimension, torchType);
    return this->output;
  }
  const Activity<T>& updateGradInput(const Activity<T>& input, const Activity<T>& gradOutput) override {
    return backwardWith(input, gradOutput, detail::UpdateGradInputCall<T>{});
  }
  const Activity<T>& backward(const Activity<T>& input, const Activity<T>& gradOutput, double scale = 1) override {
    return backwardWith(input, gradOutput, detail::BackwardCall<T>{scale});
  }
  void accGradParameters(const Activity<T>& input, const Activity<T>& gradOutput, double scale = 1) override {
    const Tensor<T>& go = detail::tensorGradOutput(gradOutput, this->output, torchType);
    const int d = outputDim();
    index_t offset = 0;
    for (std::size_t i = 0; i < this->modules.size(); ++i) {
      const index_t len = this->modules[i]->output.tensor().size(d);
      const Activity<T> g = go.narrow(d, offset, len);
      this->inChild(i, [&] { this->modules[i]->accGradParameters(input, g, scale); });
      offset += len;
    }
  }
  template <class V>
  void fields(V& v) {
    v.option("dimension", dimension);
  }
  std::string toString() const override { return detail::branchTree(torchType, this->modules); }

 private:
  int outputDim() const { return t7::detail::normalizeDim(dimension, this->output.tensor().dim(), torchType); }

  template <class Call>
  const Activity<T>& backwardWith(const Activity<T>& input, const Activity<T>& gradOutput, Call call) {
    const Tensor<T>& go = detail::tensorGradOutput(gradOutput, this->output, torchType);
    const int d = outputDim();
    index_t offset = 0;
    for (std::size_t i = 0; i < this->modules.size(); ++i) {
      const index_t len = this->modules[i]->output.tensor().size(d);
      const Activity<T> g = go.narrow(d, offset, len);
      const Activity<T>& gi =
          this->inChild(i, [&]() -> const Activity<T>& { return call(*this->modules[i], input, g); });
      if (i == 0) {
        utils::recursiveCopy(this->gradInput, gi);
      } else {
        utils::recursiveAdd(this->gradInput, gi, torchType);
      }
      offset += len;
    }
    return this->gradInput;
  }
};
Concat(int)->Concat<float>;
static_assert(Module<Concat<float>>);

/// Every child gets the same input; the output is the table of their outputs (Torch7's
/// nn.ConcatTable). The gradInput is the sum of the children's gradInputs (tensors or
/// tables, summed entry by entry).
template <Element T = float>
class ConcatTable final : public Container<ConcatTable<T>, T> {
 public:
  static constexpr const char* torchType = "nn.ConcatTable";

  ConcatTable() = default;

  const Activity<T>& updateOutput(const Activity<T>& input) override {
    Table<T>& out = utils::tableIn(this->output);
    out.resize(this->modules.size());
    for (std::size_t i = 0; i < this->modules.size(); ++i)
      out[i] = this->inChild(i, [&]() -> const Activity<T>& { return this->modules[i]->updateOutput(input); });
    return this->output;
  }
  const Activity<T>& updateGradInput(const Activity<T>& input, const Activity<T>& gradOutput) override {
    return backwardWith(input, gradOutput, detail::UpdateGradInputCall<T>{});
  }
  const Activity<T>& backward(const Activity<T>& input, const Activity<T>& gradOutput, double scale = 1) override {
    return backwardWith(input, gradOutput, detail::BackwardCall<T>{scale});
  }
  void accGradParameters(const Activity<T>& input, const Activity<T>& gradOutput, double scale = 1) override {
    const Table<T>& go = detail::tableGradOutput(gradOutput, this->modules.size(), torchType);
    for (std::size_t i = 0; i < this->modules.size(); ++i)
      this->inChild(i, [&] { this->modules[i]->accGradParameters(input, go[i], scale); });
  }
  std::string toString() const override { return detail::branchTree(torchType, this->modules); }

 private:
  template <class Call>
  const Activity<T>& backwardWith(const Activity<T>& input, const Activity<T>& gradOutput, Call call) {
    this->checkNotEmpty("updateGradInput");
    const Table<T>& go = detail::tableGradOutput(gradOutput, this->modules.size(), torchType);
    for (std::size_t i = 0; i < this->modules.size(); ++i) {
      const Activity<T>& gi =
          this->inChild(i, [&]() -> const Activity<T>& { return call(*this->modules[i], input, go[i]); });
      if (i == 0) {
        utils::recursiveCopy(this->gradInput, gi);
      } else {
        utils::recursiveAdd(this->gradInput, gi, torchType);
      }
    }
    return this->gradInput;
  }
};
static_assert(Module<ConcatTable<float>>);

/// Child i gets `input.select(inputDimension, i)`; the outputs are concatenated along
/// `outputDimension` (Torch7's nn.Parallel(inputDimension, outputDimension), 0-based). The
/// input may have fewer slices than there are children (the first ones run), not more.
template <Element T = float>
class Parallel final : public Container<Parallel<T>, T> {
 public:
  static constexpr const char* torchType = "nn.Parallel";
  int inputDimension = 0;
  int outputDimension = 0;

  Parallel() = default;
  Parallel(int inputDimension, int outputDimension)
      : inputDimension(inputDimension), outputDimension(outputDimension) {}

  const Activity<T>& updateOutput(const Activity<T>& input) override {
    const auto [x, di, n] = slices(input);
    for (std::size_t i = 0; i < n; ++i) {
      const Activity<T> xi = x.select(di, static_cast<index_t>(i));
      this->inChild(i, [&] { this->modules[i]->updateOutput(xi); });
    }
    detail::joinOutputs(utils::tensorIn(this->output), this->modules, n, outputDimension, torchType);
    return this->output;
  }
  const Activity<T>& updateGradInput(const Activity<T>& input, const Activity<T>& gradOutput) override {
    return backwardWith(input, gradOutput, detail::UpdateGradInputCall<T>{});
  }
  const Activity<T>& backward(const Activity<T>& input, const Activity<T>& gradOutput, double scale = 1) override {
    return backwardWith(input, gradOutput, detail::BackwardCall<T>{scale});
  }
  void accGradParameters(const Activity<T>& input, const Activity<T>& gradOutput, double scale = 1) override {
    const auto [x, di, n] = slices(input);
    const Tensor<T>& go = detail::tensorGradOutput(gradOutput, this->output, torchType);
    const int d = outputDim();
    index_t offset = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const index_t len = this->modules[i]->output.tensor().size(d);
      const Activity<T> xi = x.select(di, static_cast<index_t>(i));
      const Activity<T> g = go.narrow(d, offset, len);
      this->inChild(i, [&] { this->modules[i]->accGradParameters(xi, g, scale); });
      offset += len;
    }
  }
  template <class V>
  void fields(V& v) {
    v.option("inputDimension", inputDimension);
    v.option("outputDimension", outputDimension);
  }
  std::string toString() const override { return detail::branchTree(torchType, this->modules); }

 private:
  struct Slices {
    const Tensor<T>& x;
    int dim;
    std::size_t n;
  };
  Slices slices(const Activity<T>& input) const {
    if (!input.isTensor())
      t7::detail::fail<TypeError>("nn.Parallel: expected a tensor input, got a table ", input.describe());
    const Tensor<T>& x = input.tensor();
    if (x.dim() < 2)
      t7::detail::fail<SizeError>(
          "nn.Parallel: the input must have 2 or more dimensions (each child gets a slice), got ", input.describe());
    const int di = t7::detail::normalizeDim(inputDimension, x.dim(), torchType);
    const auto n = static_cast<std::size_t>(x.size(di));
    if (n == 0 || n > this->modules.size())
      t7::detail::fail<SizeError>("nn.Parallel: the input ", input.describe(), " has ", n, " slices along dimension ",
                                  di, " but the container has ", this->modules.size(), " modules");
    return {x, di, n};
  }
  int outputDim() const { return t7::detail::normalizeDim(outputDimension, this->output.tensor().dim(), torchType); }

  template <class Call>
  const Activity<T>& backwardWith(const Activity<T>& input, const Activity<T>& gradOutput, Call call) {
    const auto [x, di, n] = slices(input);
    const Tensor<T>& go = detail::tensorGradOutput(gradOutput, this->output, torchType);
    const int d = outputDim();
    Tensor<T>& gradInput = utils::tensorIn(this->gradInput);
    if (gradInput.storage().isSameAs(x.storage())) gradInput = Tensor<T>();
    gradInput.resize(x.sizes());
    index_t offset = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const index_t len = this->modules[i]->output.tensor().size(d);
      const Activity<T> xi = x.select(di, static_cast<index_t>(i));
      const Activity<T> g = go.narrow(d, offset, len);
      const Activity<T>& gi = this->inChild(i, [&]() -> const Activity<T>& { return call(*this->modules[i], xi, g); });
      Tensor<T> slot = gradInput.select(di, static_cast<index_t>(i));
      if (!gi.isTensor() || !gi.tensor().isSameSizeAs(slot))
        t7::detail::fail<SizeError>("nn.Parallel: module ", i, " (", this->modules[i]->brief(), ") gave a gradInput ",
                                    gi.describe(), " for an input slice [", slot.sizes().toString(), "]");
      slot.copy(gi.tensor());
      offset += len;
    }
    return this->gradInput;
  }
};
Parallel(int, int)->Parallel<float>;
static_assert(Module<Parallel<float>>);

/// Child i gets input[i]; the output is the table of their outputs (Torch7's
/// nn.ParallelTable). Input entries beyond the children are ignored, as in Torch7.
template <Element T = float>
class ParallelTable final : public Container<ParallelTable<T>, T> {
 public:
  static constexpr const char* torchType = "nn.ParallelTable";

  ParallelTable() = default;

  const Activity<T>& updateOutput(const Activity<T>& input) override {
    const Table<T>& x = inputTable(input);
    Table<T>& out = utils::tableIn(this->output);
    out.resize(this->modules.size());
    for (std::size_t i = 0; i < this->modules.size(); ++i)
      out[i] = this->inChild(i, [&]() -> const Activity<T>& { return this->modules[i]->updateOutput(x[i]); });
    return this->output;
  }
  const Activity<T>& updateGradInput(const Activity<T>& input, const Activity<T>& gradOutput) override {
    return backwardWith(input, gradOutput, detail::UpdateGradInputCall<T>{});
  }
  const Activity<T>& backward(const Activity<T>& input, const Activity<T>& gradOutput, double scale = 1) override {
    return backwardWith(input, gradOutput, detail::BackwardCall<T>{scale});
  }
  void accGradParameters(const Activity<T>& input, const Activity<T>& gradOutput, double scale = 1) override {
    const Table<T>& x = inputTable(input);
    const Table<T>& go = detail::tableGradOutput(gradOutput, this->modules.size(), torchType);
    for (std::size_t i = 0; i < this->modules.size(); ++i)
      this->inChild(i, [&] { this->modules[i]->accGradParameters(x[i], go[i], scale); });
  }
  std::string toString() const override { return detail::branchTree(torchType, this->modules); }

 private:
  const Table<T>& inputTable(const Activity<T>& input) const {
    if (!input.isTable() || input.table().size() < this->modules.size())
      t7::detail::fail<SizeError>("nn.ParallelTable: expected a table of ", this->modules.size(),
                                  " entries (one per module), got ", input.describe());
    return input.table();
  }
  template <class Call>
  const Activity<T>& backwardWith(const Activity<T>& input, const Activity<T>& gradOutput, Call call) {
    const Table<T>& x = inputTable(input);
    const Table<T>& go = detail::tableGradOutput(gradOutput, this->modules.size(), torchType);
    Table<T>& gi = utils::tableIn(this->gradInput);
    gi.resize(this->modules.size());
    for (std::size_t i = 0; i < this->modules.size(); ++i)
      gi[i] = this->inChild(i, [&]() -> const Activity<T>& { return call(*this->modules[i], x[i], go[i]); });
    return this->gradInput;
  }
};
static_assert(Module<ParallelTable<float>>);

/// Applies one module to every entry of the input table (Torch7's nn.MapTable(module)):
/// entry i goes through a clone of the module that shares its weight, bias, gradWeight and
/// gradBias, made when a longer table first comes in. `modules[0]` is the module itself;
/// zeroGradParameters and updateParameters act on it alone (the clones share its tensors).
/// clearState drops the clones.
template <Element T = float>
class MapTable final : public Container<MapTable<T>, T> {
  using Base = Container<MapTable<T>, T>;

 public:
  static constexpr const char* torchType = "nn.MapTable";

  MapTable() = default;
  template <class M>
  requires Module<std::remove_cvref_t<M>>
  explicit MapTable(M&& module) { add(std::forward<M>(module)); }

  /// Sets the module (Torch7's `add`; a MapTable holds one).
  template <class M>
  requires Module<std::remove_cvref_t<M>> MapTable& add(M&& module) {
    checkNoModule();
    return Base::add(std::forward<M>(module));
  }
  MapTable& add(typename Base::ModulePtr module) {
    checkNoModule();
    return Base::add(std::move(module));
  }
  /// The mapped module (Torch7's `self.module`).
  AnyModule<T>& module() {
    this->checkNotEmpty("module");
    return *this->modules[0];
  }

  const Activity<T>& updateOutput(const Activity<T>& input) override {
    const Table<T>& x = extend(input);
    Table<T>& out = utils::tableIn(this->output);
    out.resize(x.size());
    for (std::size_t i = 0; i < x.size(); ++i)
      out[i] = this->inChild(i, [&]() -> const Activity<T>& { return this->modules[i]->updateOutput(x[i]); });
    return this->output;
  }
  const Activity<T>& updateGradInput(const Activity<T>& input, const Activity<T>& gradOutput) override {
    return backwardWith(input, gradOutput, detail::UpdateGradInputCall<T>{});
  }
  const Activity<T>& backward(const Activity<T>& input, const Activity<T>& gradOutput, double scale = 1) override {
    return backwardWith(input, gradOutput, detail::BackwardCall<T>{scale});
  }
  void accGradParameters(const Activity<T>& input, const Activity<T>& gradOutput, double scale = 1) override {
    const Table<T>& x = extend(input);
    const Table<T>& go = detail::tableGradOutput(gradOutput, x.size(), torchType);
    for (std::size_t i = 0; i < x.size(); ++i)
      this->inChild(i, [&] { this->modules[i]->accGradParameters(x[i], go[i], scale); });
  }
  void zeroGradParameters() override {
    if (!this->modules.empty()) this->modules[0]->zeroGradParameters();
  }
  void updateParameters(double learningRate) override {
    if (!this->modules.empty()) this->modules[0]->updateParameters(learningRate);
  }
  void clearState() override {
    if (this->modules.size() > 1) this->modules.resize(1);
    Base::clearState();
  }
  /// "nn.MapTable {\n  module\n}" (Torch7's layout), "nn.MapTable { }" when empty.
  std::string toString() const override {
    if (this->modules.empty()) return std::string(torchType) + " { }";
    std::string s = std::string(torchType) + " {\n  ";
    for (char c : this->modules[0]->toString()) s += c == '\n' ? std::string("\n        ") : std::string(1, c);
    return s + "\n}";
  }

 private:
  void checkNoModule() const {
    if (!this->modules.empty())
      t7::detail::fail<ValueError>("nn.MapTable: add: a MapTable holds one module and has one (",
                                   this->modules[0]->brief(), ")");
  }
  /// Checks the input is a table and makes sure there is a shared clone per entry.
  const Table<T>& extend(const Activity<T>& input) {
    this->checkNotEmpty("updateOutput");
    if (!input.isTable())
      t7::detail::fail<TypeError>("nn.MapTable: expected a table input, got a tensor ", input.describe());
    const Table<T>& x = input.table();
    static const std::vector<std::string_view> shared{"weight", "bias", "gradWeight", "gradBias"};
    while (this->modules.size() < x.size()) {
      auto c = this->modules[0]->clone();
      std::vector<bool> matched(shared.size(), false);
      c->shareWith(*this->modules[0], shared, matched);  // modules without some of them share what they have
      this->modules.push_back(std::move(c));
    }
    return x;
  }
  template <class Call>
  const Activity<T>& backwardWith(const Activity<T>& input, const Activity<T>& gradOutput, Call call) {
    const Table<T>& x = extend(input);
    const Table<T>& go = detail::tableGradOutput(gradOutput, x.size(), torchType);
    Table<T>& gi = utils::tableIn(this->gradInput);
    gi.resize(x.size());
    for (std::size_t i = 0; i < x.size(); ++i)
      gi[i] = this->inChild(i, [&]() -> const Activity<T>& { return call(*this->modules[i], x[i], go[i]); });
    return this->gradInput;
  }
};
template <class M>
MapTable(M&&) -> MapTable<typename std::remove_cvref_t<M>::value_type>;
static_assert(Module<MapTable<float>>);

}  // namespace t7::nn
