#pragma once
/// \file container.hpp
/// `Container`: the base of Sequential, Concat, ConcatTable, Parallel, ParallelTable and
/// MapTable (Torch7's nn.Container). It holds its children as AnyModules, built at run time
/// with `add`, so a network's depth never becomes template depth. It is an AnyModule itself,
/// so containers nest.
///
/// An error raised inside a child is re-thrown with the child's path and the module:
/// `[t7.size_error] nn.Sequential[2] (nn.Linear(784 -> 10)): Linear: expected input [*, 784] or [784], got [32x28x28]`.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "t7/nn/module.hpp"

namespace t7::nn {

/// The base of containers (CRTP on the concrete container).
template <class Derived, Element T>
class Container : public AnyModule<T> {
 public:
  using ModulePtr = std::unique_ptr<AnyModule<T>>;

  /// The children, in order (Torch7's `modules`, 0-based).
  std::vector<ModulePtr> modules;
  bool train = true;

  Container() { (void)registered_; }
  Container(Container&&) noexcept = default;
  Container& operator=(Container&&) noexcept = default;
  /// Containers own their children: copy one with clone().
  Container(const Container&) = delete;
  Container& operator=(const Container&) = delete;

  // ---- building --------------------------------------------------------------------------

  /// Appends a module (any nn::Module of this element type, moved or copied in); chainable.
  template <class M>
    requires Module<std::remove_cvref_t<M>>
  Derived& add(M&& m) {
    checkType<std::remove_cvref_t<M>>();
    modules.push_back(anyModule(std::forward<M>(m)));
    return self();
  }
  Derived& add(ModulePtr m) {
    if (!m) t7::detail::fail<ValueError>(self().typeName(), ": add: null module");
    modules.push_back(std::move(m));
    return self();
  }
  /// Inserts a module so that it becomes child `index` (Torch7's `insert`).
  template <class M>
    requires Module<std::remove_cvref_t<M>>
  Derived& insert(M&& m, std::size_t index) {
    checkType<std::remove_cvref_t<M>>();
    if (index > modules.size())
      t7::detail::fail<IndexError>(self().typeName(), ": insert: index ", index, " out of range for ", modules.size(),
                                   " modules");
    modules.insert(modules.begin() + static_cast<std::ptrdiff_t>(index), anyModule(std::forward<M>(m)));
    return self();
  }
  /// Removes child `index` (default: the last one) and returns it (Torch7's `remove`).
  ModulePtr remove(std::size_t index) {
    checkIndex(index, "remove");
    ModulePtr m = std::move(modules[index]);
    modules.erase(modules.begin() + static_cast<std::ptrdiff_t>(index));
    return m;
  }
  ModulePtr remove() {
    if (modules.empty()) t7::detail::fail<IndexError>(self().typeName(), ": remove: the container is empty");
    return remove(modules.size() - 1);
  }
  /// Child `index` (Torch7's `get(i)`, 0-based).
  AnyModule<T>& get(std::size_t index) {
    checkIndex(index, "get");
    return *modules[index];
  }
  /// Child `index` as the module type M; TypeError when it is another type.
  template <class M>
  M& get(std::size_t index) {
    M* m = get(index).template as<M>();
    if (!m)
      t7::detail::fail<TypeError>(self().typeName(), ": get: module ", index, " is ", modules[index]->typeName(),
                                  ", not the requested type");
    return *m;
  }
  /// Number of children (Torch7's `size()` / `#`).
  std::size_t size() const { return modules.size(); }

  // ---- AnyModule ---------------------------------------------------------------------------

  void zeroGradParameters() override {
    for (auto& m : modules) m->zeroGradParameters();
  }
  /// Torch7's default: accGradParameters(input, gradOutput, -lr) with every weight of the
  /// tree standing in for its gradient.
  void accUpdateGradParameters(const Activity<T>& input, const Activity<T>& gradOutput, double lr) override {
    swapParameters();
    try {
      this->accGradParameters(input, gradOutput, -lr);
    } catch (...) {
      swapParameters();
      throw;
    }
    swapParameters();
  }
  void swapParameters() override {
    for (auto& m : modules) m->swapParameters();
  }
  void updateParameters(double learningRate) override {
    for (auto& m : modules) m->updateParameters(learningRate);
  }
  void collectParameters(std::vector<Tensor<T>*>& w, std::vector<Tensor<T>*>& g) override {
    for (auto& m : modules) m->collectParameters(w, g);
  }
  void setTraining(bool on) override {
    train = on;
    for (auto& m : modules) m->setTraining(on);
  }
  bool isTraining() const override { return train; }
  Derived& training() {
    setTraining(true);
    return self();
  }
  Derived& evaluate() {
    setTraining(false);
    return self();
  }
  void clearState() override {
    detail::ClearBuffers v;
    visitAll(v);
  }
  std::unique_ptr<AnyModule<T>> cloneWith(detail::TensorCache& cache) const override {
    return std::make_unique<Derived>(convertWith<T>(cache));
  }
  std::unique_ptr<AnyModule<float>> toFloatWith(detail::TensorCache& cache) const override {
    return std::make_unique<typename detail::Rebind<Derived, float>::type>(convertWith<float>(cache));
  }
  std::unique_ptr<AnyModule<double>> toDoubleWith(detail::TensorCache& cache) const override {
    return std::make_unique<typename detail::Rebind<Derived, double>::type>(convertWith<double>(cache));
  }
  void shareWith(const AnyModule<T>& other, const std::vector<std::string_view>& names,
                 std::vector<bool>& matched) override {
    const Derived* o = dynamic_cast<const Derived*>(&other);
    if (!o) t7::detail::fail<TypeError>("share: ", self().typeName(), " cannot share with ", other.typeName());
    detail::shareFields(self(), *o, names, matched);
  }
  std::string typeName() const override { return Derived::torchType; }
  std::string toString() const override { return self().typeName(); }
  const std::type_info& moduleType() const override { return typeid(Derived); }
  void visitFields(detail::DynamicFields<T>& v) override { detail::forwardFields(self(), v); }
  std::vector<AnyModule<T>*> children() override {
    std::vector<AnyModule<T>*> c;
    for (auto& m : modules) c.push_back(m.get());
    return c;
  }
  void replaceWith(const std::function<ModulePtr(AnyModule<T>&)>& fn) override {
    for (auto& m : modules) {
      if (ModulePtr r = fn(*m)) m = std::move(r);
      m->replaceWith(fn);
    }
  }

  /// The same container in another element type (a new network; shared storages stay shared).
  template <Element U>
  typename detail::Rebind<Derived, U>::type convertWith(detail::TensorCache& cache) const {
    return detail::convertFields<typename detail::Rebind<Derived, U>::type, T>(self(), cache);
  }
  /// A deep copy, as the container type (Torch7's `clone()`); tensors that shared a storage
  /// share the copy of it.
  Derived clone() const {
    detail::TensorCache cache;
    return convertWith<T>(cache);
  }
  /// The same network with element type U (Torch7's `:type()`, `:float()`, `:double()`).
  template <Element U>
  typename detail::Rebind<Derived, U>::type type() const {
    detail::TensorCache cache;
    return convertWith<U>(cache);
  }
  auto toFloat() const { return type<float>(); }
  auto toDouble() const { return type<double>(); }

  /// Visits every field: output, gradInput, train, the container's options, its children.
  template <class V>
  void visitAll(V& v) {
    v.buffer("output", this->output);
    v.buffer("gradInput", this->gradInput);
    v.option("train", train);
    self().fields(v);
    v.children(modules);
  }
  /// No options by default; Concat and the like list theirs (dimension...).
  template <class V>
  void fields(V&) {}

 protected:
  Derived& self() { return static_cast<Derived&>(*this); }
  const Derived& self() const { return static_cast<const Derived&>(*this); }

  /// Runs `f` (a call into child i); a t7::Error from it is re-thrown with the child's path.
  template <class F>
  decltype(auto) inChild(std::size_t i, F&& f) {
    try {
      return f();
    } catch (const Error& e) {
      e.rethrowIn(self().typeName() + "[" + std::to_string(i) + "] (" + modules[i]->brief() + ")");
      throw;  // not reached: rethrowIn throws
    }
  }
  void checkIndex(std::size_t index, const char* op) const {
    if (index >= modules.size())
      t7::detail::fail<IndexError>(self().typeName(), ": ", op, ": index ", index, " out of range for ", modules.size(),
                                   " modules");
  }
  void checkNotEmpty(const char* op) const {
    if (modules.empty()) t7::detail::fail<ValueError>(self().typeName(), ": ", op, ": the container has no module");
  }
  /// The children's lines for toString: "(i): child" with the child's own lines indented.
  static std::string indent(const std::string& s, const std::string& tab) {
    std::string out;
    for (char c : s) {
      out += c;
      if (c == '\n') out += tab;
    }
    return out;
  }

 private:
  /// The container's factory, registered once for loading (nn/detail/factories.hpp).
  static inline const bool registered_ = detail::registerFactory<Derived>(
      detail::Factories<T>::instance().modules, [] { return std::unique_ptr<AnyModule<T>>(std::make_unique<Derived>()); });

  template <class M>
  static void checkType() {
    static_assert(std::is_same_v<typename M::value_type, T>,
                  "add: the module's element type differs from the container's; convert it with toFloat()/toDouble() "
                  "or build the container with the same type");
  }
};

}  // namespace t7::nn
