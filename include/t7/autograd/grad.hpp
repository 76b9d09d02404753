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
template <class T>
Table<Var<T>> track(const Table<Tensor<T>>& t, Tape& tape) {
  using W = Var<T>;
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

template <class T>
Tensor<T> gradientOf(const Var<T>& v, const Tensor<T>& param) {
  const Node<T>* n = v.node();
  if (!n || !n->hasGrad()) return t7::zeros<T>(param.sizes());
  return n->ownsGrad ? n->grad : n->grad.clone();
}
template <class W, class V>
Table<V> gradientOf(const Table<W>& vars, const Table<V>& params) {
  Table<V> r;
  for (const auto& [key, entry] : params) {
    const auto& w = vars.at(key);
    if (entry.isTable()) r[key] = typename Table<V>::Entry(gradientOf(w.table(), entry.table()));
    else r[key] = gradientOf(static_cast<const typename Table<W>::Entry&>(w).value(), entry.value());
  }
  return r;
}
template <class W, class X>
std::vector<X> gradientOf(const std::vector<W>& vars, const std::vector<X>& params) {
  std::vector<X> r;
  r.reserve(params.size());
  for (std::size_t i = 0; i < params.size(); ++i) r.push_back(gradientOf(vars[i], params[i]));
  return r;
}
template <class K, class W, class X>
std::map<K, X> gradientOf(const std::map<K, W>& vars, const std::map<K, X>& params) {
  std::map<K, X> r;
  for (const auto& [k, x] : params) r.emplace(k, gradientOf(vars.at(k), x));
  return r;
}
template <class W, class X, std::size_t N>
std::array<X, N> gradientOf(const std::array<W, N>& vars, const std::array<X, N>& params) {
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    return std::array<X, N>{gradientOf(vars[I], params[I])...};
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
    detail::Tape tape;
    detail::TapeScope scope(tape);
    const auto vars = detail::track(params, tape);
    auto result = std::invoke(f_, vars, args...);
    using R = decltype(result);
    if constexpr (detail::isTupleLike<R>) {
      return std::apply(
          [&](const auto& loss, const auto&... extra) {
            return std::tuple_cat(differentiate(tape, vars, params, loss), std::tuple{detail::passOut(extra)...});
          },
          result);
    } else {
      return differentiate(tape, vars, params, result);
    }
  }

 private:
  template <class W, class P, class L>
  static auto differentiate(detail::Tape& tape, const W& vars, const P& params, const L& lossValue) {
    static_assert(Tracked<L>, "grad: f must return its loss (a Var or an autograd expression) first");
    using T = detail::value_of_t<L>;
    const Var<T> loss = detail::toVar<T>(lossValue);
    if (loss.nElement() != 1)
      t7::detail::fail<AutogradError>("grad: f must return a loss of one element, got size ",
                                      loss.dim() ? loss.sizes().toString() : std::string("(empty)"));
    if (auto* root = loss.node()) {
      Tensor<T> seed(loss.sizes());
      seed.fill(T(1));
      root->accumulate(seed, true);
      tape.backward();
    }
    return std::tuple{detail::gradientOf(vars, params), loss.value().data()[0]};
  }

  F f_;
};

/// The gradient of `f` with respect to its first argument (see the file comment).
template <class F>
GradFunction<F> grad(F f) {
  return GradFunction<F>(std::move(f));
}

}  // namespace t7::autograd
