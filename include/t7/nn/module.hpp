#pragma once
/// \file module.hpp
/// `ModuleBase`: everything of Torch7's nn.Module but the three primitives, for a typed module.
///
/// A module is a plain class that derives from `ModuleBase<Self, T[, In, Out]>` (In and Out are
/// `Tensor<T>` by default; `Table<T>` or `Activity<T>` for table layers), writes Torch7's
/// three methods, and lists its tensors by their Torch7 names in `fields`:
///
/// ```cpp
/// template <Element T = float>
/// class Scale : public nn::ModuleBase<Scale<T>, T> {
///  public:
///   static constexpr const char* torchType = "nn.Scale";
///   Tensor<T> weight{1}, gradWeight{1};                       // one learnable factor
///   const Tensor<T>& updateOutput(const Tensor<T>& input) {
///     this->output.resize(input.sizes());
///     this->output = input * weight.item();
///     return this->output;
///   }
///   const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
///     this->gradInput.resize(input.sizes());
///     this->gradInput = gradOutput * weight.item();
///     return this->gradInput;
///   }
///   void accGradParameters(const Tensor<T>& input, const Tensor<T>& gradOutput, double scale = 1) {
///     gradWeight.add(static_cast<T>(scale * sum(input * gradOutput)));
///   }
///   template <class V> void fields(V& v) { v.parameter("weight", weight, "gradWeight", gradWeight); }
/// };
/// static_assert(nn::Module<Scale<float>>);
/// ```
/// It then works in every container, in getParameters, clone, share, type conversion and
/// the Jacobian checker. docs/nn.md has the complete recipe.

#include <cxxabi.h>

#include <cstdlib>
#include <ostream>
#include <memory>
#include <string>
#include <vector>

#include "t7/nn/any_module.hpp"

namespace t7::nn {

namespace detail {
/// The readable C++ name of a type, for modules that do not set `torchType`.
inline std::string demangle(const char* mangled) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> p(abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free);
  return status == 0 && p ? std::string(p.get()) : std::string(mangled);
}
}  // namespace detail

/// Throws SizeError when a gradOutput's sizes differ from the output's.
template <Element T>
void checkSameSize(const char* op, const Tensor<T>& output, const Tensor<T>& gradOutput) {
  if (!gradOutput.isSameSizeAs(output))
    t7::detail::fail<SizeError>(op, ": gradOutput [", gradOutput.sizes().toString(), "] differs from the output [",
                                output.sizes().toString(), "]");
}

/// The base of typed modules (CRTP): Torch7's nn.Module.
template <class Derived, Element T, class In = Tensor<T>, class Out = Tensor<T>>
class ModuleBase {
 public:
  using value_type = T;
  using input_type = In;
  using output_type = Out;

  /// Torch7's fields: the last output, the last gradInput, and the training flag.
  Out output;
  In gradInput;
  bool train = true;

  /// updateOutput; returns `output`.
  const Out& forward(const In& input) { return self().updateOutput(input); }
  /// updateGradInput, then accGradParameters(input, gradOutput, scale); returns `gradInput`.
  /// Assumes forward(input) was the last call, as Torch7 does.
  const In& backward(const In& input, const Out& gradOutput, double scale = 1) {
    self().updateGradInput(input, gradOutput);
    self().accGradParameters(input, gradOutput, scale);
    return gradInput;
  }
  /// No parameters: nothing to accumulate. Modules with parameters define their own.
  void accGradParameters(const In&, const Out&, double = 1) {}
  /// No fields beyond output, gradInput and train. Modules with state define their own.
  template <class V>
  void fields(V&) {}

  // ---- parameters --------------------------------------------------------------------------

  Derived& zeroGradParameters() {
    forEachParameter([](Tensor<T>&, Tensor<T>& g) { g.zero(); });
    return self();
  }
  /// Torch7's `accUpdateGradParameters`: weight -= learningRate * (this step's gradient),
  /// applied straight to the weights, the gradients left untouched (the 2011 Torch7 training
  /// step: no gradient buffers to zero, add and read). Runs accGradParameters with the
  /// weights in the gradients' place.
  Derived& accUpdateGradParameters(const In& input, const Out& gradOutput, double learningRate) {
    swapParameters();
    try {
      self().accGradParameters(input, gradOutput, -learningRate);
    } catch (...) {
      swapParameters();
      throw;
    }
    swapParameters();
    return self();
  }
  /// weight -= learningRate * gradWeight for every parameter.
  Derived& updateParameters(double learningRate) {
    const T step = static_cast<T>(-learningRate);
    forEachParameter([step](Tensor<T>& w, Tensor<T>& g) { w.add(step, g); });
    return self();
  }
  /// Calls fn(weight, gradient) on every parameter, allocating nothing.
  template <class F>
  void forEachParameter(F&& fn) {
    detail::ForEachParameter<T, std::remove_reference_t<F>> v;
    v.fn = &fn;
    visitAll(v);
  }
  /// Swaps every weight with its gradient (accUpdateGradParameters' trick).
  void swapParameters() {
    forEachParameter([](Tensor<T>& w, Tensor<T>& g) { std::swap(w, g); });
  }
  /// Torch7's `parameters()`: the weights and their gradients (handles).
  Parameters<T> parameters() { return detail::parametersOf<T>(*this); }
  /// Torch7's `getParameters()`: flat views of all weights and all gradients.
  std::pair<Tensor<T>, Tensor<T>> getParameters() {
    std::vector<Tensor<T>*> w, g;
    collectParameters(w, g);
    return detail::flattenParameters(w, g, self().typeName());
  }
  void collectParameters(std::vector<Tensor<T>*>& weights, std::vector<Tensor<T>*>& grads) {
    detail::CollectParameters<T> v;
    v.weights = &weights;
    v.grads = &grads;
    visitAll(v);
  }

  // ---- mode, state, copies -----------------------------------------------------------------

  Derived& training() {
    train = true;
    return self();
  }
  Derived& evaluate() {
    train = false;
    return self();
  }
  bool isTraining() const { return train; }
  /// Empties output, gradInput and the module's temporary buffers.
  Derived& clearState() {
    detail::ClearBuffers v;
    visitAll(v);
    return self();
  }

  /// A deep copy (Torch7's `clone()`); with names, those fields are then shared with this
  /// module (Torch7's `clone('weight', 'bias')`).
  Derived clone(std::vector<std::string_view> shared = {}) const {
    detail::TensorCache cache;
    Derived c = cloneWith(cache);
    if (!shared.empty()) c.share(self(), std::move(shared));
    return c;
  }
  Derived cloneWith(detail::TensorCache& cache) const { return detail::deepCopyOf<T>(self(), cache); }

  /// The same module with element type U (Torch7's `:type()`), a new module.
  template <Element U>
  typename detail::Rebind<Derived, U>::type type() const {
    detail::TensorCache cache;
    return convertWith<U>(cache);
  }
  auto toFloat() const { return type<float>(); }
  auto toDouble() const { return type<double>(); }
  template <Element U>
  typename detail::Rebind<Derived, U>::type convertWith(detail::TensorCache& cache) const {
    return detail::convertFields<typename detail::Rebind<Derived, U>::type, T>(self(), cache);
  }

  /// Torch7's `share(other, 'weight', 'bias', ...)`: the named tensors become views of
  /// other's (`set`). Throws ValueError for a name that is no tensor field.
  Derived& share(const Derived& other, std::vector<std::string_view> names) {
    std::vector<bool> matched(names.size(), false);
    shareWith(other, names, matched);
    detail::checkAllShared(names, matched, self().typeName());
    return self();
  }
  void shareWith(const Derived& other, const std::vector<std::string_view>& names, std::vector<bool>& matched) {
    detail::shareFields(self(), other, names, matched);
  }

  // ---- printing ----------------------------------------------------------------------------

  /// Torch7's type name: `Derived::torchType` ("nn.Linear"), else the C++ name.
  std::string typeName() const {
    if constexpr (requires { Derived::torchType; }) {
      return Derived::torchType;
    } else {
      return detail::demangle(typeid(Derived).name());
    }
  }
  /// Torch7's `tostring`; modules with options define their own ("nn.Linear(784 -> 10)").
  std::string toString() const { return self().typeName(); }

  /// Visits every field: output, gradInput, train, then the module's own fields().
  template <class V>
  void visitAll(V& v) {
    v.buffer("output", output);
    v.buffer("gradInput", gradInput);
    v.option("train", train);
    self().fields(v);
  }

 protected:
  Derived& self() { return static_cast<Derived&>(*this); }
  const Derived& self() const { return static_cast<const Derived&>(*this); }
};

/// Prints a module as Torch7's `print(m)` does (containers as a tree): `std::cout << net`.
template <class M>
  requires Module<M>
std::ostream& operator<<(std::ostream& os, const M& m) {
  return os << m.toString();
}

}  // namespace t7::nn
