#pragma once
/// \file grad.hpp
/// `autograd::grad(f)`: the function that returns f's gradient with respect to its first
/// argument, and f's value (torch-autograd's `d(f)`).
///
/// ```cpp
/// auto f = [](const auto& p, const FloatTensor& x, const FloatTensor& y) {
///   auto h = tanh(mm(x, p["W1"]) + p["b1"]);
///   auto out = logSoftMax(mm(h, p["W2"]) + p["b2"]);
///   return autograd::loss::logMultinomialLoss(out, y);
/// };
/// auto df = autograd::grad(f);
/// auto [grads, loss] = df(params, x, y);    // grads: params' structure; loss: a float
/// ```
///
/// - The first argument (the parameters) may be a Tensor, an `autograd::Table`, a
///   `std::vector`, `std::map` or `std::array` of them, nested in any way. f receives the
///   same structure with each tensor made a tracked `Var` (Table<FloatTensor> becomes
///   Table<Var<float>>: write f's first parameter as `const auto&`). The other arguments
///   are passed as they are: constants.
/// - f returns the loss (a one-element Var or expression) or a tuple/pair whose first element
///   is the loss, the rest passed through (Vars as their tensors): `return std::tuple{loss,
///   prediction};`. df returns `std::tuple{grads, loss as a number, the rest...}`.
/// - Parameters the loss does not depend on get zero gradients.
/// - Ordinary C++ control flow works: f runs each call, and the tape records what ran.
/// - Called inside another grad call's f (a gradient of a gradient), df records on that
///   call's tape and runs its backward pass with recorded operations: pass it Vars and it
///   returns Var gradients the enclosing call differentiates (second order; a third order
///   throws).

#include <array>
#include <functional>
#include <map>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "t7/autograd/ops.hpp"
#include "t7/autograd/table.hpp"
#include "t7/autograd/var.hpp"
#include "t7/tensor/factory.hpp"

namespace t7::autograd {

namespace detail {

// ---- parameters -> tracked values (one leaf node per tensor) ----------------------------

template <class T>
Var<T> track(const Tensor<T>& t, Tape& tape) {
  return Var<T>::onTape(t, tape.record<LeafNode<T>>(t.sizes()));
}
/// A Var parameter: a leaf for this call that passes its gradient on to the Var's own node
/// (a nested grad's parameter that the enclosing call tracks).
template <class T>
Var<T> track(const Var<T>& v, Tape& tape) {
  return Var<T>::onTape(v.value(), tape.record<IdentityNode<T>>(v.sizes(), v.node()));
}
template <class V>
Table<Var<typename V::value_type>> track(const Table<V>& t, Tape& tape) {
  using W = Var<typename V::value_type>;
  Table<W> r;
  for (const auto& [key, entry] : t) {
    if (entry.isTable()) r[key] = typename Table<W>::Entry(track(entry.table(), tape));
    else r[key] = track(entry.value(), tape);
  }
  return r;
}
template <class X>
auto track(const std::vector<X>& v, Tape& tape) {
  std::vector<decltype(track(v[0], tape))> r;
  r.reserve(v.size());
  for (const auto& x : v) r.push_back(track(x, tape));
  return r;
}
template <class K, class X>
auto track(const std::map<K, X>& m, Tape& tape) {
  std::map<K, decltype(track(std::declval<const X&>(), tape))> r;
  for (const auto& [k, x] : m) r.emplace(k, track(x, tape));
  return r;
}
template <class X, std::size_t N>
auto track(const std::array<X, N>& a, Tape& tape) {
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    return std::array<decltype(track(a[0], tape)), N>{track(a[I], tape)...};
  }(std::make_index_sequence<N>{});
}

// ---- tracked values -> gradients, in the parameters' structure --------------------------
// `nested`: the Var gradients of a nested call's differentiable backward pass (else null:
// the tensor gradients on the nodes).

template <class T>
Var<T> gradientVar(const Var<T>& v, const Shape& sizes, const VarGradsBase* nested) {
  const Node<T>* n = v.node();
  if (nested) {
    const Var<T>* g = n ? static_cast<const VarGrads<T>*>(nested)->find(n) : nullptr;
    return g ? *g : Var<T>(t7::zeros<T>(sizes));
  }
  if (!n || !n->hasGrad()) return Var<T>(t7::zeros<T>(sizes));
  return Var<T>(n->ownsGrad ? n->grad : n->grad.clone());
}
template <class T>
Tensor<T> gradientOf(const Var<T>& v, const Tensor<T>& param, const VarGradsBase* nested) {
  const Var<T> g = gradientVar(v, param.sizes(), nested);
  return nested ? g.value().clone() : g.value();
}
/// A Var parameter gets a Var gradient: tracked (differentiable) in a nested call.
template <class T>
Var<T> gradientOf(const Var<T>& v, const Var<T>& param, const VarGradsBase* nested) {
  return gradientVar(v, param.sizes(), nested);
}
template <class W, class V>
Table<V> gradientOf(const Table<W>& vars, const Table<V>& params, const VarGradsBase* nested) {
  Table<V> r;
  for (const auto& [key, entry] : params) {
    const auto& w = vars.at(key);
    if (entry.isTable()) r[key] = typename Table<V>::Entry(gradientOf(w.table(), entry.table(), nested));
    else r[key] = gradientOf(w.value(), entry.value(), nested);
  }
  return r;
}
template <class W, class X>
std::vector<X> gradientOf(const std::vector<W>& vars, const std::vector<X>& params, const VarGradsBase* nested) {
  std::vector<X> r;
  r.reserve(params.size());
  for (std::size_t i = 0; i < params.size(); ++i) r.push_back(gradientOf(vars[i], params[i], nested));
  return r;
}
template <class K, class W, class X>
std::map<K, X> gradientOf(const std::map<K, W>& vars, const std::map<K, X>& params, const VarGradsBase* nested) {
  std::map<K, X> r;
  for (const auto& [k, x] : params) r.emplace(k, gradientOf(vars.at(k), x, nested));
  return r;
}
template <class W, class X, std::size_t N>
std::array<X, N> gradientOf(const std::array<W, N>& vars, const std::array<X, N>& params, const VarGradsBase* nested) {
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    return std::array<X, N>{gradientOf(vars[I], params[I], nested)...};
  }(std::make_index_sequence<N>{});
}

// ---- f's results ------------------------------------------------------------------------

template <class X>
inline constexpr bool isTupleLike = false;
template <class... A>
inline constexpr bool isTupleLike<std::tuple<A...>> = true;
template <class A, class B>
inline constexpr bool isTupleLike<std::pair<A, B>> = true;

/// An extra value f returned, as df returns it: a Var as its tensor, an expression
/// evaluated, anything else as it is.
template <class X>
auto passOut(const X& x) {
  if constexpr (VarLike<X>) return asVar(x).value();
  else if constexpr (isExpr<X>) return Var<typename X::value_type>(x).value();
  else return x;
}

}  // namespace detail

/// The function `grad(f)` returns (see the file comment).
template <class F>
class GradFunction {
 public:
  explicit GradFunction(F f) : f_(std::move(f)) {}

  template <class P, class... Args>
  auto operator()(const P& params, const Args&... args) const {
    // Inside another grad call (a gradient of a gradient): record on its tape, and run this
    // call's backward pass with recorded operations, so the enclosing call differentiates it.
    if (detail::Tape* outer = detail::activeTape()) return call(*outer, outer->size(), true, params, args...);
    detail::Tape tape;
    detail::TapeScope scope(tape);
    return call(tape, 0, false, params, args...);
  }

 private:
  template <class P, class... Args>
  auto call(detail::Tape& tape, std::size_t start, bool nested, const P& params, const Args&... args) const {
    const auto vars = detail::track(params, tape);
    auto result = std::invoke(f_, vars, args...);
    using R = decltype(result);
    if constexpr (detail::isTupleLike<R>) {
      return std::apply(
          [&](const auto& loss, const auto&... extra) {
            return std::tuple_cat(differentiate(tape, start, nested, vars, params, loss),
                                  std::tuple{detail::passOut(extra)...});
          },
          result);
    } else {
      return differentiate(tape, start, nested, vars, params, result);
    }
  }

  template <class W, class P, class L>
  static auto differentiate(detail::Tape& tape, std::size_t start, bool nested, const W& vars, const P& params,
                            const L& lossValue) {
    static_assert(Tracked<L>, "grad: f must return its loss (a Var or an autograd expression) first");
    using T = detail::value_of_t<L>;
    const Var<T> loss = detail::toVar<T>(lossValue);
    if (loss.nElement() != 1)
      t7::detail::fail<AutogradError>("grad: f must return a loss of one element, got size ",
                                      loss.dim() ? loss.sizes().toString() : std::string("(empty)"));
    Tensor<T> seed(loss.sizes());
    seed.fill(T(1));
    if (nested) {
      detail::VarGrads<T> grads;
      if (auto* root = loss.node()) {
        grads.add(root, Var<T>(seed));
        tape.backwardVar(start, grads);
      }
      return std::tuple{detail::gradientOf(vars, params, &grads), loss.value().data()[0]};
    }
    if (auto* root = loss.node()) {
      root->accumulate(seed, true);
      tape.backward();
    }
    return std::tuple{detail::gradientOf(vars, params, nullptr), loss.value().data()[0]};
  }

  F f_;
};

/// The gradient of `f` with respect to its first argument (see the file comment).
template <class F>
GradFunction<F> grad(F f) {
  return GradFunction<F>(std::move(f));
}

}  // namespace t7::autograd
