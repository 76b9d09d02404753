#pragma once
/// \file any_module.hpp
/// `AnyModule<T>`: the run-time face of a module, what containers hold. Its input and output
/// are Activities (a tensor or a table), its calls are virtual, and every Torch7 method is
/// there (forward, backward, parameters, getParameters, training, clone, share, listModules,
/// apply, findModules...). Containers implement it directly; any typed module (a class
/// satisfying `nn::Module`, e.g. `Linear<float>`) is wrapped in a `Holder` when added to a
/// container, so a network is a tree of AnyModules and never one giant C++ type.
///
/// ```cpp
/// nn::AnyModule<float>& m = net.get(2);
/// if (auto* lin = m.as<nn::Linear<float>>()) lin->weight.normal(0, 0.01);
/// ```

#include <functional>
#include <memory>
#include <string>
#include <typeinfo>
#include <vector>

#include "t7/nn/activity.hpp"
#include "t7/nn/detail/dynamic_fields.hpp"
#include "t7/nn/detail/factories.hpp"
#include "t7/nn/detail/fields.hpp"
#include "t7/nn/detail/flatten.hpp"

namespace t7::nn {

template <class M>
class Holder;

/// The run-time module interface (Torch7's nn.Module as containers see it).
template <Element T>
class AnyModule {
 public:
  using value_type = T;
  using input_type = Activity<T>;
  using output_type = Activity<T>;

  /// Torch7's `self.output` and `self.gradInput` (for a wrapped module: refreshed by each call).
  Activity<T> output;
  Activity<T> gradInput;

  AnyModule() = default;
  AnyModule(const AnyModule&) = default;
  AnyModule(AnyModule&&) noexcept = default;
  AnyModule& operator=(const AnyModule&) = default;
  AnyModule& operator=(AnyModule&&) noexcept = default;
  virtual ~AnyModule() = default;

  // ---- Torch7's three primitives and what is built on them ---------------------------------

  virtual const Activity<T>& updateOutput(const Activity<T>& input) = 0;
  virtual const Activity<T>& updateGradInput(const Activity<T>& input, const Activity<T>& gradOutput) = 0;
  /// Accumulates `scale` times the parameters' gradients (they add up until zeroGradParameters).
  virtual void accGradParameters(const Activity<T>& input, const Activity<T>& gradOutput, double scale = 1) = 0;

  /// updateOutput; returns `output`.
  const Activity<T>& forward(const Activity<T>& input) { return updateOutput(input); }
  /// updateGradInput then accGradParameters; returns `gradInput`.
  virtual const Activity<T>& backward(const Activity<T>& input, const Activity<T>& gradOutput, double scale = 1) {
    updateGradInput(input, gradOutput);
    accGradParameters(input, gradOutput, scale);
    return gradInput;
  }

  // ---- parameters --------------------------------------------------------------------------

  /// weight -= learningRate * (this step's gradient), straight into the weights (Torch7's
  /// accUpdateGradParameters; the gradients are left untouched).
  virtual void accUpdateGradParameters(const Activity<T>& input, const Activity<T>& gradOutput,
                                       double learningRate) = 0;
  virtual void zeroGradParameters() = 0;
  /// Swaps every weight with its gradient (internal: accUpdateGradParameters).
  virtual void swapParameters() = 0;
  /// weight -= learningRate * gradWeight for every parameter.
  virtual void updateParameters(double learningRate) = 0;
  /// Pointers to every weight and its gradient (internal: getParameters re-points them).
  virtual void collectParameters(std::vector<Tensor<T>*>& weights, std::vector<Tensor<T>*>& grads) = 0;

  /// Torch7's `parameters()`: the weights and their gradients (handles).
  Parameters<T> parameters() { return detail::parametersOf<T>(*this); }
  /// Torch7's `getParameters()`: one flat tensor of all weights and one of all gradients, the
  /// modules' tensors re-pointed into them (see nn/detail/flatten.hpp for the rules).
  std::pair<Tensor<T>, Tensor<T>> getParameters() {
    std::vector<Tensor<T>*> w, g;
    collectParameters(w, g);
    return detail::flattenParameters(w, g, typeName());
  }

  // ---- mode, state, copies -----------------------------------------------------------------

  virtual void setTraining(bool train) = 0;
  virtual bool isTraining() const = 0;
  AnyModule& training() {
    setTraining(true);
    return *this;
  }
  AnyModule& evaluate() {
    setTraining(false);
    return *this;
  }
  /// Empties outputs, gradInputs and temporary buffers (parameters and running statistics stay).
  virtual void clearState() = 0;

  /// A deep copy: tensors that shared a storage share the copy of it.
  std::unique_ptr<AnyModule> clone() const {
    detail::TensorCache cache;
    return cloneWith(cache);
  }
  virtual std::unique_ptr<AnyModule> cloneWith(detail::TensorCache& cache) const = 0;

  /// The same network in float or double (Torch7's `:float()`, `:double()`): a new module;
  /// shared storages stay shared.
  std::unique_ptr<AnyModule<float>> toFloat() const {
    detail::TensorCache cache;
    return toFloatWith(cache);
  }
  std::unique_ptr<AnyModule<double>> toDouble() const {
    detail::TensorCache cache;
    return toDoubleWith(cache);
  }
  virtual std::unique_ptr<AnyModule<float>> toFloatWith(detail::TensorCache& cache) const = 0;
  virtual std::unique_ptr<AnyModule<double>> toDoubleWith(detail::TensorCache& cache) const = 0;

  /// Torch7's `share(other, 'weight', 'bias', ...)`: the named tensor fields of this module
  /// (and of its children, pairwise) become views of `other`'s. Throws when a name matches no
  /// field, or when the two modules are not of the same type.
  AnyModule& share(const AnyModule& other, std::vector<std::string_view> names) {
    std::vector<bool> matched(names.size(), false);
    shareWith(other, names, matched);
    detail::checkAllShared(names, matched, typeName());
    return *this;
  }
  virtual void shareWith(const AnyModule& other, const std::vector<std::string_view>& names,
                         std::vector<bool>& matched) = 0;

  // ---- identity and printing ---------------------------------------------------------------

  /// Torch7's type name: "nn.Linear".
  virtual std::string typeName() const = 0;
  /// Torch7's `tostring`: "nn.Linear(784 -> 10)"; containers print their tree.
  virtual std::string toString() const = 0;
  /// One line for messages: toString() when it is one line, else typeName().
  std::string brief() const {
    std::string s = toString();
    return s.find('\n') == std::string::npos ? s : typeName();
  }
  /// The C++ type of the module inside (Linear<float>, Sequential<float>...).
  virtual const std::type_info& moduleType() const = 0;
  /// Every field (output, gradInput, train, the module's fields(), a container's children),
  /// by its Torch7 name, for code that does not know the module's type (serialization).
  virtual void visitFields(detail::DynamicFields<T>& v) {
    (void)v;
    t7::detail::fail<TypeError>(typeName(), " does not list its fields (see docs/nn.md)");
  }

  /// The module inside as an M, or nullptr.
  template <class M>
  M* as() {
    if constexpr (std::is_base_of_v<AnyModule, M>) {
      return dynamic_cast<M*>(this);
    } else {
      auto* h = dynamic_cast<Holder<M>*>(this);
      return h ? &h->module : nullptr;
    }
  }
  template <class M>
  const M* as() const {
    return const_cast<AnyModule*>(this)->template as<M>();
  }
  template <class M>
  bool is() const {
    return as<M>() != nullptr;
  }

  // ---- the module tree ---------------------------------------------------------------------

  /// The direct children (empty for a leaf).
  virtual std::vector<AnyModule*> children() { return {}; }
  /// Torch7's `replace(fn)`: every module below this one, top-down, is offered to
  /// `fn(AnyModule&)`, which returns its replacement, or nullptr to keep it. (Torch7's callback
  /// returned the module itself to keep it; here the container never hands a child over, so
  /// no callback can lose one.)
  template <class F>
  AnyModule& replace(F&& fn) {
    replaceWith(std::function<std::unique_ptr<AnyModule>(AnyModule&)>(std::forward<F>(fn)));
    return *this;
  }
  virtual void replaceWith(const std::function<std::unique_ptr<AnyModule>(AnyModule&)>&) {}
  /// This module and all below it, pre-order (Torch7's `listModules`).
  std::vector<AnyModule*> listModules() {
    std::vector<AnyModule*> out;
    apply([&](AnyModule& m) { out.push_back(&m); });
    return out;
  }
  /// Calls `fn(module)` on this module and all below it, pre-order (Torch7's `apply`).
  template <class F>
  AnyModule& apply(F&& fn) {
    fn(*this);
    for (AnyModule* c : children()) c->apply(fn);
    return *this;
  }
  /// Every module of type M in the tree, pre-order (Torch7's `findModules`).
  template <class M>
  std::vector<M*> findModules() {
    std::vector<M*> out;
    apply([&](AnyModule& m) {
      if (M* p = m.template as<M>()) out.push_back(p);
    });
    return out;
  }
};

/// The module interface as a concept: what a type needs to work in every container, in
/// getParameters, and in the Jacobian checker. Derive from `ModuleBase` to get all but the
/// three primitives for free.
template <class M>
concept Module = requires(M& m, const M& cm, const typename M::input_type& x, const typename M::output_type& g,
                          double s) {
  typename M::value_type;
  { m.output } -> std::convertible_to<typename M::output_type>;
  { m.gradInput } -> std::convertible_to<typename M::input_type>;
  m.updateOutput(x);
  m.updateGradInput(x, g);
  m.accGradParameters(x, g, s);
  { m.forward(x) } -> std::convertible_to<const typename M::output_type&>;
  { m.backward(x, g, s) } -> std::convertible_to<const typename M::input_type&>;
  m.zeroGradParameters();
  m.updateParameters(s);
  { m.parameters() } -> std::same_as<Parameters<typename M::value_type>>;
  m.training();
  m.evaluate();
  { cm.isTraining() } -> std::same_as<bool>;
  m.clearState();
  { cm.typeName() } -> std::convertible_to<std::string>;
  { cm.toString() } -> std::convertible_to<std::string>;
};

namespace detail {

template <Element T, class In>
const In& unwrap(const Activity<T>& a, const char* who) {
  if constexpr (std::is_same_v<In, Tensor<T>>) {
    return a.tensor(who);
  } else if constexpr (std::is_same_v<In, Table<T>>) {
    return a.table(who);
  } else {
    return a;
  }
}

}  // namespace detail

/// A typed module (Linear<float>, a user's class...) seen as an AnyModule. `module` is the
/// module itself: `net.get<Linear<float>>(0)` reaches it.
template <class M>
class Holder final : public AnyModule<typename M::value_type> {
 public:
  using T = typename M::value_type;
  using In = typename M::input_type;
  using Out = typename M::output_type;
  M module;

  explicit Holder(M m) : module(std::move(m)) { (void)registered_; }

  const Activity<T>& updateOutput(const Activity<T>& input) override {
    module.updateOutput(detail::unwrap<T, In>(input, name()));
    this->output = module.output;
    return this->output;
  }
  const Activity<T>& backward(const Activity<T>& input, const Activity<T>& gradOutput, double scale) override {
    module.backward(detail::unwrap<T, In>(input, name()), detail::unwrap<T, Out>(gradOutput, name()), scale);
    this->gradInput = module.gradInput;
    return this->gradInput;
  }
  const Activity<T>& updateGradInput(const Activity<T>& input, const Activity<T>& gradOutput) override {
    module.updateGradInput(detail::unwrap<T, In>(input, name()), detail::unwrap<T, Out>(gradOutput, name()));
    this->gradInput = module.gradInput;
    return this->gradInput;
  }
  void accGradParameters(const Activity<T>& input, const Activity<T>& gradOutput, double scale) override {
    module.accGradParameters(detail::unwrap<T, In>(input, name()), detail::unwrap<T, Out>(gradOutput, name()),
                             scale);
  }
  void accUpdateGradParameters(const Activity<T>& input, const Activity<T>& gradOutput, double lr) override {
    module.accUpdateGradParameters(detail::unwrap<T, In>(input, name()), detail::unwrap<T, Out>(gradOutput, name()),
                                   lr);
  }
  void zeroGradParameters() override { module.zeroGradParameters(); }
  void swapParameters() override {
    if constexpr (requires { module.swapParameters(); }) module.swapParameters();
  }
  void updateParameters(double learningRate) override { module.updateParameters(learningRate); }
  void collectParameters(std::vector<Tensor<T>*>& w, std::vector<Tensor<T>*>& g) override {
    if constexpr (requires { module.collectParameters(w, g); }) {
      module.collectParameters(w, g);
    } else {
      // A module with no fields(): parameters() handles cannot be re-pointed.
      auto p = module.parameters();
      if (!p.weights.empty())
        t7::detail::fail<TypeError>("getParameters: ", typeName(), " must list its tensors in fields() (see docs/nn.md)");
    }
  }
  void setTraining(bool train) override {
    if (train) {
      module.training();
    } else {
      module.evaluate();
    }
  }
  bool isTraining() const override { return module.isTraining(); }
  void clearState() override {
    module.clearState();
    this->output = Activity<T>();
    this->gradInput = Activity<T>();
  }
  std::unique_ptr<AnyModule<T>> cloneWith(detail::TensorCache& cache) const override {
    if constexpr (requires { module.cloneWith(cache); }) {
      return std::make_unique<Holder>(module.cloneWith(cache));
    } else {
      return std::make_unique<Holder>(module);
    }
  }
  std::unique_ptr<AnyModule<float>> toFloatWith(detail::TensorCache& cache) const override {
    return convert<float>(cache);
  }
  std::unique_ptr<AnyModule<double>> toDoubleWith(detail::TensorCache& cache) const override {
    return convert<double>(cache);
  }
  void shareWith(const AnyModule<T>& other, const std::vector<std::string_view>& names,
                 std::vector<bool>& matched) override {
    const M* o = other.template as<M>();
    if (!o) t7::detail::fail<TypeError>("share: ", typeName(), " cannot share with ", other.typeName());
    if constexpr (requires { module.shareWith(*o, names, matched); }) module.shareWith(*o, names, matched);
  }
  std::string typeName() const override { return module.typeName(); }
  std::string toString() const override { return module.toString(); }
  const std::type_info& moduleType() const override { return typeid(M); }
  void visitFields(detail::DynamicFields<T>& v) override {
    if constexpr (requires { module.visitAll(v); }) {
      detail::forwardFields(module, v);
    } else {
      AnyModule<T>::visitFields(v);
    }
  }

 private:
  /// M's factory, registered once for loading (nn/detail/factories.hpp); a module that cannot
  /// be made empty (an autograd::AutoModule holds a function) has none.
  static inline const bool registered_ = detail::registerFactory<M>(detail::Factories<T>::instance().modules, [] {
    if constexpr (std::is_default_constructible_v<M>) return std::unique_ptr<AnyModule<T>>(std::make_unique<Holder>(M{}));
    else return std::unique_ptr<AnyModule<T>>();
  });

  const char* name() const {
    if constexpr (requires { M::torchType; }) {
      return M::torchType;
    } else {
      return "module";
    }
  }
  template <Element U>
  std::unique_ptr<AnyModule<U>> convert(detail::TensorCache& cache) const {
    if constexpr (requires { module.template convertWith<U>(cache); }) {
      return std::make_unique<Holder<std::remove_cvref_t<decltype(module.template convertWith<U>(cache))>>>(
          module.template convertWith<U>(cache));
    } else {
      t7::detail::fail<TypeError>("type conversion: ", typeName(),
                                  " cannot change its element type (make it a template on the element type, "
                                  "default-constructible, with fields(); see docs/nn.md)");
    }
  }
};

/// Boxes a module as an AnyModule (containers are moved as they are; typed modules go into a
/// Holder). What `replace` callbacks return: `return nn::anyModule(nn::Identity<float>());`.
template <class M>
  requires Module<std::remove_cvref_t<M>>
std::unique_ptr<AnyModule<typename std::remove_cvref_t<M>::value_type>> anyModule(M&& m) {
  using X = std::remove_cvref_t<M>;
  if constexpr (std::is_base_of_v<AnyModule<typename X::value_type>, X>) {
    return std::make_unique<X>(std::forward<M>(m));
  } else {
    return std::make_unique<Holder<X>>(std::forward<M>(m));
  }
}

}  // namespace t7::nn
