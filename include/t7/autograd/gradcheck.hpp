#pragma once
/// \file gradcheck.hpp
/// `autograd::gradcheck(f, params, args...)`: compares `grad(f)` with central finite
/// differences, element by element of every parameter tensor, for users' own tests
/// (torch-autograd's `gradcheck`). Use double parameters: with h = 1e-6 the difference
/// quotient is good to ~1e-9, and the default tolerance is 1e-5 (torch-autograd's). Float
/// parameters work with a larger step and tolerance (h = 1e-2, 1e-2 by default).
///
/// ```cpp
/// auto r = autograd::gradcheck(f, params, x, y);
/// REQUIRE(r.ok);                 // else r.message says which element and both values
/// ```
///
/// The parameter tensors are perturbed in place one element at a time and restored exactly.

#include <cmath>
#include <string>
#include <type_traits>

#include "t7/autograd/grad.hpp"

namespace t7::autograd {

struct GradcheckOptions {
  double step = 0;       ///< finite-difference step h (0: 1e-6 for double, 1e-2 for float)
  double tolerance = 0;  ///< largest |analytic - numeric| / max(1, |numeric|) (0: 1e-5 / 1e-2)
};

struct GradcheckResult {
  bool ok = true;
  double maxError = 0;   ///< the largest error seen
  index_t checked = 0;   ///< elements compared
  std::string message;   ///< where the largest error was, with both values
  explicit operator bool() const { return ok; }
};

namespace detail {

template <class T, class F>
void forEachTensor(const Tensor<T>& t, F&& fn) {
  fn(t);
}
template <class V, class F>
void forEachTensor(const Table<V>& t, F&& fn) {
  for (const auto& [key, entry] : t) {
    if (entry.isTable()) forEachTensor(entry.table(), fn);
    else forEachTensor(entry.value(), fn);
  }
}
template <class X, class F>
void forEachTensor(const std::vector<X>& v, F&& fn) {
  for (const auto& x : v) forEachTensor(x, fn);
}
template <class K, class X, class F>
void forEachTensor(const std::map<K, X>& m, F&& fn) {
  for (const auto& [k, x] : m) forEachTensor(x, fn);
}
template <class X, std::size_t N, class F>
void forEachTensor(const std::array<X, N>& a, F&& fn) {
  for (const auto& x : a) forEachTensor(x, fn);
}

/// f's loss at `params`, run on a tape that is never replayed.
template <class F, class P, class... Args>
double lossValue(const F& f, const P& params, const Args&... args) {
  Tape tape;
  TapeScope scope(tape);
  const auto vars = track(params, tape);
  auto result = std::invoke(f, vars, args...);
  auto take = [](const auto& loss) {
    using L = std::remove_cvref_t<decltype(loss)>;
    using T = value_of_t<L>;
    return static_cast<double>(toVar<T>(loss).value().data()[0]);
  };
  if constexpr (isTupleLike<decltype(result)>) return take(std::get<0>(result));
  else return take(result);
}

}  // namespace detail

/// Checks grad(f) at `params` against finite differences (see the file comment).
template <class F, class P, class... Args>
GradcheckResult gradcheck(const GradcheckOptions& options, const F& f, const P& params, const Args&... args) {
  auto analytic = std::get<0>(grad(f)(params, args...));
  std::vector<Tensor<double>> grads;
  detail::forEachTensor(analytic, [&](const auto& g) { grads.push_back(g.toDouble()); });

  GradcheckResult r;
  std::size_t which = 0;
  detail::forEachTensor(params, [&](const auto& p) {
    using T = typename std::remove_cvref_t<decltype(p)>::value_type;
    constexpr bool dbl = std::is_same_v<T, double>;
    const double h = options.step > 0 ? options.step : (dbl ? 1e-6 : 1e-2);
    const double tol = options.tolerance > 0 ? options.tolerance : (dbl ? 1e-5 : 1e-2);
    const Tensor<double> g = grads[which].contiguous().view(grads[which].nElement());
    index_t i = 0;
    for (auto it = p.begin(); it != p.end(); ++it, ++i) {
      T& x = *it;
      const T saved = x;
      x = static_cast<T>(saved + h);
      const double up = detail::lossValue(f, params, args...);
      x = static_cast<T>(saved - h);
      const double down = detail::lossValue(f, params, args...);
      x = saved;
      const double numeric = (up - down) / (2 * h);
      const double a = g.data()[i];
      const double err = std::abs(a - numeric) / std::max(1.0, std::abs(numeric));
      ++r.checked;
      if (!(err <= r.maxError) || r.message.empty()) {
        if (!(err <= r.maxError)) r.maxError = std::isnan(err) ? INFINITY : err;
        r.message = t7::detail::cat("parameter tensor ", which, " element ", i, ": autograd ", a, ", finite differences ",
                                    numeric, " (error ", err, ")");
      }
      if (!(err <= tol)) r.ok = false;
    }
    ++which;
  });
  return r;
}

template <class F, class P, class... Args>
  requires(!std::is_same_v<F, GradcheckOptions>)
GradcheckResult gradcheck(const F& f, const P& params, const Args&... args) {
  return gradcheck(GradcheckOptions{}, f, params, args...);
}

}  // namespace t7::autograd
