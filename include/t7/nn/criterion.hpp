#pragma once
/// \file criterion.hpp
/// Criterions (Torch7's nn.Criterion): `forward(input, target)` returns the loss (a double,
/// also kept in `output`), `backward(input, target)` returns `gradInput`, the loss's gradient
/// with respect to the input. A criterion is a plain class deriving from `CriterionBase` with
/// `updateOutput` and `updateGradInput`; `AnyCriterion` is its run-time face, what
/// ParallelCriterion and MultiCriterion hold.

#include <memory>
#include <string>
#include <vector>

#include "t7/nn/module.hpp"

namespace t7::nn {

/// The base of typed criterions (CRTP). In is the input type (a tensor, or a table),
/// Target the target type (a tensor of T, a LongTensor of class indices, a table...).
template <class Derived, Element T, class In = Tensor<T>, class Target = Tensor<T>>
class CriterionBase {
 public:
  using value_type = T;
  using input_type = In;
  using target_type = Target;

  /// The last loss and the last gradient with respect to the input.
  double output = 0;
  In gradInput;

  /// updateOutput; returns the loss.
  double forward(const In& input, const Target& target) { return self().updateOutput(input, target); }
  /// updateGradInput; returns `gradInput`.
  const In& backward(const In& input, const Target& target) { return self().updateGradInput(input, target); }

  template <class V>
  void fields(V&) {}
  template <class V>
  void visitAll(V& v) {
    v.option("output", output);
    v.buffer("gradInput", gradInput);
    self().fields(v);
  }

  /// Empties gradInput and temporary buffers.
  Derived& clearState() {
    detail::ClearBuffers v;
    visitAll(v);
    return self();
  }
  /// A deep copy.
  Derived clone() const {
    detail::TensorCache cache;
    return detail::deepCopyOf<T>(self(), cache);
  }
  /// The same criterion with element type U (Torch7's `:type()`).
  template <Element U>
  typename detail::Rebind<Derived, U>::type type() const {
    detail::TensorCache cache;
    return detail::convertFields<typename detail::Rebind<Derived, U>::type, T>(self(), cache);
  }
  auto toFloat() const { return type<float>(); }
  auto toDouble() const { return type<double>(); }

  std::string typeName() const {
    if constexpr (requires { Derived::torchType; }) {
      return Derived::torchType;
    } else {
      return detail::demangle(typeid(Derived).name());
    }
  }
  std::string toString() const { return self().typeName(); }

 protected:
  Derived& self() { return static_cast<Derived&>(*this); }
  const Derived& self() const { return static_cast<const Derived&>(*this); }
};

/// What a criterion needs to work with the containers of criterions and the gradient checker.
template <class C>
concept Criterion = requires(C& c, const C& cc, const typename C::input_type& x, const typename C::target_type& t) {
  typename C::value_type;
  { c.updateOutput(x, t) } -> std::convertible_to<double>;
  c.updateGradInput(x, t);
  { c.forward(x, t) } -> std::convertible_to<double>;
  { c.backward(x, t) } -> std::convertible_to<const typename C::input_type&>;
  { c.output } -> std::convertible_to<double>;
  { c.gradInput } -> std::convertible_to<typename C::input_type>;
  { cc.typeName() } -> std::convertible_to<std::string>;
};

/// The run-time criterion interface: Activity inputs and targets. A target that the criterion
/// takes as a LongTensor (class indices) may be given as a tensor of T holding whole numbers.
template <Element T>
class AnyCriterion {
 public:
  using value_type = T;
  using input_type = Activity<T>;
  using target_type = Activity<T>;

  double output = 0;
  Activity<T> gradInput;

  AnyCriterion() = default;
  AnyCriterion(const AnyCriterion&) = default;
  AnyCriterion& operator=(const AnyCriterion&) = default;
  virtual ~AnyCriterion() = default;

  virtual double updateOutput(const Activity<T>& input, const Activity<T>& target) = 0;
  virtual const Activity<T>& updateGradInput(const Activity<T>& input, const Activity<T>& target) = 0;
  double forward(const Activity<T>& input, const Activity<T>& target) { return updateOutput(input, target); }
  const Activity<T>& backward(const Activity<T>& input, const Activity<T>& target) {
    return updateGradInput(input, target);
  }
  virtual std::unique_ptr<AnyCriterion> clone() const = 0;
  virtual std::string typeName() const = 0;
  virtual std::string toString() const = 0;
  /// Every field by its Torch7 name (serialization); see AnyModule::visitFields.
  virtual void visitFields(detail::DynamicFields<T>& v) {
    (void)v;
    t7::detail::fail<TypeError>(typeName(), " does not list its fields");
  }

  /// The criterion inside as a C, or nullptr.
  template <class C>
  C* as();
};

namespace detail {
/// An Activity target as the criterion's target type.
template <Element T, class Target>
decltype(auto) unwrapTarget(const Activity<T>& a, const char* who) {
  if constexpr (std::is_same_v<Target, Tensor<int64_t>> && !std::is_same_v<T, int64_t>) {
    const Tensor<T>& t = a.tensor(who);
    Tensor<int64_t> r(t.sizes());
    auto it = r.begin();
    for (T v : t) {
      if (v != std::floor(v)) t7::detail::fail<ValueError>(who, ": class target ", v, " is not a whole number");
      *it++ = static_cast<int64_t>(v);
    }
    return r;
  } else {
    return unwrap<T, Target>(a, who);
  }
}
}  // namespace detail

/// A typed criterion seen as an AnyCriterion.
template <class C>
class CriterionHolder final : public AnyCriterion<typename C::value_type> {
 public:
  using T = typename C::value_type;
  C criterion;
  explicit CriterionHolder(C c) : criterion(std::move(c)), who_(criterion.typeName()) { (void)registered_; }

  double updateOutput(const Activity<T>& input, const Activity<T>& target) override {
    const char* who = who_.c_str();
    this->output = criterion.updateOutput(detail::unwrap<T, typename C::input_type>(input, who),
                                          detail::unwrapTarget<T, typename C::target_type>(target, who));
    return this->output;
  }
  const Activity<T>& updateGradInput(const Activity<T>& input, const Activity<T>& target) override {
    const char* who = who_.c_str();
    criterion.updateGradInput(detail::unwrap<T, typename C::input_type>(input, who),
                              detail::unwrapTarget<T, typename C::target_type>(target, who));
    this->gradInput = criterion.gradInput;
    return this->gradInput;
  }
  std::unique_ptr<AnyCriterion<T>> clone() const override { return std::make_unique<CriterionHolder>(criterion.clone()); }
  std::string typeName() const override { return criterion.typeName(); }
  std::string toString() const override { return criterion.toString(); }
  void visitFields(detail::DynamicFields<T>& v) override {
    if constexpr (requires { criterion.visitAll(v); }) {
      detail::forwardFields(criterion, v);
    } else {
      AnyCriterion<T>::visitFields(v);
    }
  }

 private:
  /// C's factory, registered once for loading (nn/detail/factories.hpp).
  static inline const bool registered_ = detail::registerFactory<C>(
      detail::Factories<T>::instance().criterions,
      [] { return std::unique_ptr<AnyCriterion<T>>(std::make_unique<CriterionHolder>(C{})); });

  std::string who_;
};

template <Element T>
template <class C>
C* AnyCriterion<T>::as() {
  if constexpr (std::is_base_of_v<AnyCriterion, C>) {
    return dynamic_cast<C*>(this);
  } else {
    auto* h = dynamic_cast<CriterionHolder<C>*>(this);
    return h ? &h->criterion : nullptr;
  }
}

/// Boxes a criterion as an AnyCriterion.
template <class C>
  requires Criterion<std::remove_cvref_t<C>>
std::unique_ptr<AnyCriterion<typename std::remove_cvref_t<C>::value_type>> anyCriterion(C&& c) {
  using X = std::remove_cvref_t<C>;
  if constexpr (std::is_base_of_v<AnyCriterion<typename X::value_type>, X>) {
    return std::make_unique<X>(std::forward<C>(c));
  } else {
    return std::make_unique<CriterionHolder<X>>(std::forward<C>(c));
  }
}

}  // namespace t7::nn
