#pragma once
/// \file dynamic_fields.hpp
/// A module's `fields(v)` seen at run time: `DynamicFields<T>` receives each field as a
/// pointer of one of a closed set of types (tensors of every element type, activities,
/// numbers, flags, strings, shapes), so code that does not know the module's C++ type
/// (serialization, inspection) can read and write every field through `AnyModule::visitFields`.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <typeinfo>
#include <utility>
#include <variant>
#include <vector>

#include "t7/nn/activity.hpp"

namespace t7::nn {

template <Element T>
class AnyModule;
template <Element T>
class AnyCriterion;

namespace detail {

/// What a field is to its module (the FieldVisitor method that listed it).
enum class FieldRole { Parameter, Gradient, State, Buffer, Option };

/// A field of a type the closed set does not cover.
struct UnsupportedField {
  const std::type_info* type;
};

/// A pointer to one field.
template <Element T>
using FieldPtr =
    std::variant<Tensor<std::uint8_t>*, Tensor<std::int8_t>*, Tensor<std::int16_t>*, Tensor<std::int32_t>*,
                 Tensor<std::int64_t>*, Tensor<float>*, Tensor<double>*, Activity<T>*, Table<T>*, bool*, int*,
                 std::int64_t*, double*, float*, std::string*, Shape*, std::vector<std::pair<int, int>>*,
                 std::vector<double>*, std::optional<int>*, std::optional<bool>*, std::optional<std::int64_t>*,
                 std::optional<double>*, std::vector<std::unique_ptr<AnyCriterion<T>>>*, UnsupportedField>;

template <Element T>
using ModuleList = std::vector<std::unique_ptr<AnyModule<T>>>;

/// The run-time field visitor.
template <Element T>
class DynamicFields {
 public:
  virtual ~DynamicFields() = default;
  virtual void field(const char* name, FieldRole role, FieldPtr<T> ref) = 0;
  virtual void children(ModuleList<T>& modules) = 0;
  /// A member module or criterion of class `className`; `visit(v)` visits its fields.
  virtual void member(const char* name, const std::string& className,
                      const std::function<void(DynamicFields<T>&)>& visit) = 0;
};

template <class X, class V>
struct IsAlternative : std::false_type {};
template <class X, class... A>
struct IsAlternative<X, std::variant<A...>> : std::bool_constant<(std::is_same_v<X, A> || ...)> {};

/// A pointer to x in FieldPtr, or UnsupportedField.
template <Element T, class X>
FieldPtr<T> fieldRef(X& x) {
  if constexpr (IsAlternative<X*, FieldPtr<T>>::value) {
    return FieldPtr<T>(&x);
  } else {
    return UnsupportedField{&typeid(X)};
  }
}

/// The static visitor that forwards a module's fields to a DynamicFields.
template <Element T>
struct ForwardFields {
  DynamicFields<T>* to;
  template <class W, class G>
  void parameter(const char* name, W& w, const char* gradName, G& g) {
    to->field(name, FieldRole::Parameter, fieldRef<T>(w));
    to->field(gradName, FieldRole::Gradient, fieldRef<T>(g));
  }
  template <class X>
  void state(const char* name, X& x) {
    to->field(name, FieldRole::State, fieldRef<T>(x));
  }
  template <class X>
  void buffer(const char* name, X& x) {
    to->field(name, FieldRole::Buffer, fieldRef<T>(x));
  }
  template <class X>
  void option(const char* name, X& x) {
    to->field(name, FieldRole::Option, fieldRef<T>(x));
  }
  void children(ModuleList<T>& list) { to->children(list); }
  template <class M>
  void module(const char* name, M& m) {
    to->member(name, m.typeName(), [&m](DynamicFields<T>& v) {
      ForwardFields<T> f{&v};
      m.visitAll(f);
    });
  }
};

/// Forwards the fields of a module that has visitAll (typed modules, containers, criterions).
template <Element T, class M>
void forwardFields(M& m, DynamicFields<T>& v) {
  ForwardFields<T> f{&v};
  m.visitAll(f);
}

}  // namespace detail
}  // namespace t7::nn
