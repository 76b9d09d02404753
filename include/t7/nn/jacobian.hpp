#pragma once
/// \file jacobian.hpp
/// Torch7's nn.Jacobian: a module's gradients checked against central finite differences.
/// Run it in double precision. Each function returns the largest absolute difference between
/// the two Jacobians (Torch7's tests accept 1e-5; exp-like modules 1.1e-4).
///
/// ```cpp
/// nn::Linear<double> lin(5, 3);
/// auto x = randn<double>({4, 5});
/// REQUIRE(nn::Jacobian::testJacobian(lin, x) < 1e-5);            // d output / d input
/// REQUIRE(nn::Jacobian::testJacobianParameters(lin, x) < 1e-5);  // d output / d weights
/// nn::MSECriterion<double> mse;
/// REQUIRE(nn::Jacobian::testCriterion(mse, x, y) < 1e-5);        // d loss / d input
/// ```
/// The input is used as given (it is perturbed and restored); Torch7's versions re-drew it
/// uniformly first. Modules that draw random numbers in training mode (Dropout, RReLU) must
/// be checked in evaluation mode or with their noise fixed.

#include <algorithm>
#include <cmath>
#include <vector>

#include "t7/nn/criterion.hpp"
#include "t7/nn/module.hpp"

namespace t7::nn::Jacobian {

namespace detail {

/// Pointers to every element of a tensor, in row-major order.
template <Element T>
void elementPointers(const Tensor<T>& t, std::vector<T*>& out) {
  if (t.nElement() == 0) return;
  const int n = t.dim();
  std::vector<index_t> idx(static_cast<std::size_t>(n), 0);
  T* base = t.data();
  for (;;) {
    index_t off = 0;
    for (int d = 0; d < n; ++d) off += idx[static_cast<std::size_t>(d)] * t.stride(d);
    out.push_back(base + off);
    int d = n - 1;
    while (d >= 0 && ++idx[static_cast<std::size_t>(d)] == t.size(d)) idx[static_cast<std::size_t>(d--)] = 0;
    if (d < 0) return;
  }
}
template <Element T>
void elementPointers(const Activity<T>& a, std::vector<T*>& out) {
  a.forEachTensor([&](const Tensor<T>& t) { elementPointers(t, out); });
}
template <Element T>
void elementPointers(const Table<T>& t, std::vector<T*>& out) {
  for (const auto& a : t) elementPointers(a, out);
}
template <class X>
auto pointers(const X& x) {
  using T = typename std::remove_cvref_t<decltype(x)>::value_type;
  std::vector<T*> out;
  elementPointers(x, out);
  return out;
}
template <Element T>
auto pointers(const Table<T>& x) {
  std::vector<T*> out;
  elementPointers(x, out);
  return out;
}

/// A fresh zero activity shaped like x (tensor, table or activity).
template <Element T>
Tensor<T> zerosLike(const Tensor<T>& x) {
  Tensor<T> z(x.sizes());
  z.zero();
  return z;
}
template <Element T>
Activity<T> zerosLike(const Activity<T>& a);
template <Element T>
Table<T> zerosLike(const Table<T>& t) {
  Table<T> z;
  for (const auto& a : t) z.push_back(zerosLike(a));
  return z;
}
template <Element T>
Activity<T> zerosLike(const Activity<T>& a) {
  if (a.isTensor()) return zerosLike(a.tensor());
  return zerosLike(a.table());
}

/// A copy of the values of x (tensor, table or activity), row-major, as doubles.
template <class X>
std::vector<double> values(const X& x) {
  std::vector<double> v;
  for (auto* p : pointers(x)) v.push_back(static_cast<double>(*p));
  return v;
}

/// Largest |a - b| over two Jacobians of the same layout.
inline double maxDiff(const std::vector<std::vector<double>>& a, const std::vector<std::vector<double>>& b) {
  double m = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    for (std::size_t j = 0; j < a[i].size(); ++j) m = std::max(m, std::abs(a[i][j] - b[i][j]));
  return m;
}

/// J[k][j] = d output_j / d x_k by central differences, perturbing the elements at `xs`.
template <class M, class T>
std::vector<std::vector<double>> finiteDifferences(M& m, const typename M::input_type& input,
                                                   const std::vector<T*>& xs, double eps) {
  std::vector<std::vector<double>> J;
  for (T* x : xs) {
    const T saved = *x;
    *x = static_cast<T>(saved + eps);
    const std::vector<double> plus = values(m.forward(input));
    *x = static_cast<T>(saved - eps);
    const std::vector<double> minus = values(m.forward(input));
    *x = saved;
    std::vector<double> row(plus.size());
    for (std::size_t j = 0; j < plus.size(); ++j) row[j] = (plus[j] - minus[j]) / (2 * eps);
    J.push_back(std::move(row));
  }
  m.forward(input);
  return J;
}

}  // namespace detail

/// max |J_fd - J_bp| for d output / d input. J_bp comes from updateGradInput with one-hot
/// gradOutputs.
template <class M>
  requires Module<M>
double testJacobian(M& m, const typename M::input_type& input, double eps = 1e-6) {
  using T = typename M::value_type;
  const std::vector<T*> xs = detail::pointers(input);
  const auto fd = detail::finiteDifferences(m, input, xs, eps);
  const std::size_t nOut = detail::values(m.output).size();
  std::vector<std::vector<double>> bp(xs.size(), std::vector<double>(nOut));
  auto gradOutput = detail::zerosLike(m.output);
  const auto gs = detail::pointers(gradOutput);
  for (std::size_t j = 0; j < nOut; ++j) {
    *gs[j] = T(1);
    m.forward(input);
    const std::vector<double> gi = detail::values(m.updateGradInput(input, gradOutput));
    if (gi.size() != xs.size())
      t7::detail::fail<SizeError>("Jacobian: ", m.typeName(), " gave a gradInput of ", gi.size(),
                                  " elements for an input of ", xs.size());
    for (std::size_t k = 0; k < xs.size(); ++k) bp[k][j] = gi[k];
    *gs[j] = T(0);
  }
  return detail::maxDiff(fd, bp);
}

/// max |J_fd - J_bp| for d output / d parameters, over all of the module's weights. J_bp
/// comes from zeroGradParameters + backward with one-hot gradOutputs (so backward's scale
/// and accumulation are checked too).
template <class M>
  requires Module<M>
double testJacobianParameters(M& m, const typename M::input_type& input, double eps = 1e-6) {
  using T = typename M::value_type;
  Parameters<T> p = m.parameters();
  std::vector<T*> ws, gws;
  for (const auto& w : p.weights) detail::elementPointers(w, ws);
  for (const auto& g : p.gradWeights) detail::elementPointers(g, gws);
  if (ws.empty()) t7::detail::fail<ValueError>("Jacobian: ", m.typeName(), " has no parameters");
  const auto fd = detail::finiteDifferences(m, input, ws, eps);
  const std::size_t nOut = detail::values(m.output).size();
  std::vector<std::vector<double>> bp(ws.size(), std::vector<double>(nOut));
  auto gradOutput = detail::zerosLike(m.output);
  const auto gs = detail::pointers(gradOutput);
  for (std::size_t j = 0; j < nOut; ++j) {
    *gs[j] = T(1);
    m.zeroGradParameters();
    m.forward(input);
    m.backward(input, gradOutput, 1.0);
    for (std::size_t k = 0; k < ws.size(); ++k) bp[k][j] = static_cast<double>(*gws[k]);
    *gs[j] = T(0);
  }
  return detail::maxDiff(fd, bp);
}

/// max |d loss / d input (central differences) - criterion.backward(input, target)|.
template <class C>
  requires Criterion<C>
double testCriterion(C& c, const typename C::input_type& input, const typename C::target_type& target,
                     double eps = 1e-6) {
  using T = typename C::value_type;
  const std::vector<T*> xs = detail::pointers(input);
  std::vector<double> fd;
  for (T* x : xs) {
    const T saved = *x;
    *x = static_cast<T>(saved + eps);
    const double plus = c.forward(input, target);
    *x = static_cast<T>(saved - eps);
    const double minus = c.forward(input, target);
    *x = saved;
    fd.push_back((plus - minus) / (2 * eps));
  }
  c.forward(input, target);
  const std::vector<double> g = detail::values(c.backward(input, target));
  if (g.size() != fd.size())
    t7::detail::fail<SizeError>("Jacobian: ", c.typeName(), " gave a gradInput of ", g.size(),
                                " elements for an input of ", fd.size());
  double m = 0;
  for (std::size_t i = 0; i < g.size(); ++i) m = std::max(m, std::abs(g[i] - fd[i]));
  return m;
}

}  // namespace t7::nn::Jacobian
