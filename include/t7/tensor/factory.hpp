#pragma once
/// \file factory.hpp
/// Torch7's tensor constructors: `zeros`, `ones`, `empty`, `full`, `eye`, `range`, `linspace`,
/// `logspace`, `rand`, `randn`, `randperm`, `multinomial`. Each returns a new contiguous
/// tensor; the element type is the template argument (`zeros<float>({2, 3})`,
/// `zeros<float>(2, 3)`).

#include <cmath>
#include <concepts>

#include "t7/tensor/tensor.hpp"

namespace t7 {

/// Uninitialised tensor of the given sizes (Torch7's `torch.Tensor(sizes)`).
template <Element T, Device D = CPU>
Tensor<T, D> empty(const Shape& sizes) {
  return Tensor<T, D>(sizes);
}
/// Tensor of the given sizes filled with `value`.
template <Element T, Device D = CPU>
Tensor<T, D> full(const Shape& sizes, T value) {
  Tensor<T, D> r(sizes);
  r.fill(value);
  return r;
}
/// Tensor of zeros (Torch7's `torch.zeros`).
template <Element T, Device D = CPU>
Tensor<T, D> zeros(const Shape& sizes) {
  return full<T, D>(sizes, T(0));
}
/// Tensor of ones (Torch7's `torch.ones`).
template <Element T, Device D = CPU>
Tensor<T, D> ones(const Shape& sizes) {
  return full<T, D>(sizes, T(1));
}
template <Element T, Device D = CPU, std::integral... I>
  requires(sizeof...(I) >= 1)
Tensor<T, D> empty(I... sizes) { return empty<T, D>(Shape{static_cast<index_t>(sizes)...}); }
template <Element T, Device D = CPU, std::integral... I>
  requires(sizeof...(I) >= 1)
Tensor<T, D> zeros(I... sizes) { return zeros<T, D>(Shape{static_cast<index_t>(sizes)...}); }
template <Element T, Device D = CPU, std::integral... I>
  requires(sizeof...(I) >= 1)
Tensor<T, D> ones(I... sizes) { return ones<T, D>(Shape{static_cast<index_t>(sizes)...}); }

/// n x m matrix with ones on the diagonal (m = n when omitted). Torch7's `torch.eye`.
template <Element T, Device D = CPU>
Tensor<T, D> eye(index_t n, index_t m = -1) {
  if (m == -1) m = n;
  if (n <= 0 || m <= 0) detail::fail<ValueError>("eye: sizes must be > 0, got ", n, "x", m);
  Tensor<T, D> r = zeros<T, D>(Shape{n, m});
  for (index_t i = 0; i < std::min(n, m); ++i) r(i, i) = T(1);
  return r;
}

/// Values from `from` to `to` inclusive, `step` apart: floor((to - from) / step) + 1 elements
/// (Torch7's `torch.range`; `range(1, 4)` is 1 2 3 4).
template <Element T, Device D = CPU>
Tensor<T, D> range(double from, double to, double step = 1) {
  if (step == 0 || !std::isfinite(step)) detail::fail<ValueError>("range: step must be finite and non-zero, got ", step);
  if ((step > 0 && from > to) || (step < 0 && from < to))
    detail::fail<ValueError>("range: the sign of step ", step, " does not go from ", from, " to ", to);
  if constexpr (std::is_integral_v<T>) {
    for (double v : {from, to, step})
      if (v != std::floor(v) || v < static_cast<double>(std::numeric_limits<T>::lowest()) ||
          v > static_cast<double>(std::numeric_limits<T>::max()))
        detail::fail<ValueError>("range: ", v, " is not a value of torch.", TypeName<T>::value, "Tensor");
  }
  const double count = std::floor((to - from) / step) + 1;
  if (!(count < 9.0e18)) detail::fail<SizeError>("range: ", count, " elements are too many");
  Tensor<T, D> r(static_cast<index_t>(count));
  T* p = r.data();
  for (index_t i = 0; i < r.nElement(); ++i) p[i] = convert<T>(from + static_cast<double>(i) * step);
  return r;
}

/// `n` points evenly spaced from `a` to `b` inclusive (Torch7's `torch.linspace`, n = 100).
template <FloatingElement T, Device D = CPU>
Tensor<T, D> linspace(double a, double b, index_t n = 100) {
  if (n < 1 || (n == 1 && a != b))
    detail::fail<ValueError>("linspace: invalid number of points ", n, " from ", a, " to ", b);
  Tensor<T, D> r(n);
  T* p = r.data();
  if (n == 1) p[0] = static_cast<T>(a);
  for (index_t i = 0; n > 1 && i < n; ++i) p[i] = static_cast<T>(a + static_cast<double>(i) * (b - a) / static_cast<double>(n - 1));
  return r;
}

/// `n` points from 10^a to 10^b, evenly spaced in log scale (Torch7's `torch.logspace`).
template <FloatingElement T, Device D = CPU>
Tensor<T, D> logspace(double a, double b, index_t n = 100) {
  if (n < 1 || (n == 1 && a != b))
    detail::fail<ValueError>("logspace: invalid number of points ", n, " from ", a, " to ", b);
  Tensor<T, D> r(n);
  T* p = r.data();
  if (n == 1) p[0] = static_cast<T>(std::pow(10.0, a));
  for (index_t i = 0; n > 1 && i < n; ++i)
    p[i] = static_cast<T>(std::pow(10.0, a + static_cast<double>(i) * (b - a) / static_cast<double>(n - 1)));
  return r;
}

/// Uniform on [0, 1) (Torch7's `torch.rand`).
template <FloatingElement T, Device D = CPU>
Tensor<T, D> rand(Generator& g, const Shape& sizes) {
  Tensor<T, D> r(sizes);
  r.uniform(g, 0, 1);
  return r;
}
template <FloatingElement T, Device D = CPU>
Tensor<T, D> rand(const Shape& sizes) { return rand<T, D>(defaultGenerator(), sizes); }
template <FloatingElement T, Device D = CPU, std::integral... I>
  requires(sizeof...(I) >= 1)
Tensor<T, D> rand(I... sizes) { return rand<T, D>(Shape{static_cast<index_t>(sizes)...}); }

/// Standard normal (Torch7's `torch.randn`).
template <FloatingElement T, Device D = CPU>
Tensor<T, D> randn(Generator& g, const Shape& sizes) {
  Tensor<T, D> r(sizes);
  r.normal(g, 0, 1);
  return r;
}
template <FloatingElement T, Device D = CPU>
Tensor<T, D> randn(const Shape& sizes) { return randn<T, D>(defaultGenerator(), sizes); }
template <FloatingElement T, Device D = CPU, std::integral... I>
  requires(sizeof...(I) >= 1)
Tensor<T, D> randn(I... sizes) { return randn<T, D>(Shape{static_cast<index_t>(sizes)...}); }

/// A random permutation of 0 .. n-1 (Torch7's `torch.randperm` gives 1 .. n: 0-based here,
/// same permutation). Fisher-Yates with Torch7's draws.
template <Element T = std::int64_t, Device D = CPU>
Tensor<T, D> randperm(Generator& g, index_t n) {
  if (n <= 0) detail::fail<ValueError>("randperm: n must be > 0, got ", n);
  if (static_cast<double>(n - 1) > static_cast<double>(std::numeric_limits<T>::max()))
    detail::fail<ValueError>("randperm: ", n, " values do not fit torch.", TypeName<T>::value, "Tensor");
  Tensor<T, D> r(n);
  T* p = r.data();
  for (index_t i = 0; i < n; ++i) p[i] = static_cast<T>(i);
  for (index_t i = 0; i < n - 1; ++i) {
    const index_t z = static_cast<index_t>(g.random() % static_cast<std::uint64_t>(n - i));
    std::swap(p[i], p[z + i]);
  }
  return r;
}
template <Element T = std::int64_t, Device D = CPU>
Tensor<T, D> randperm(index_t n) { return randperm<T, D>(defaultGenerator(), n); }

}  // namespace t7
