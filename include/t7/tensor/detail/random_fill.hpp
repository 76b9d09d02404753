#pragma once
/// \file random_fill.hpp
/// Definitions of Tensor's in-place random fills. Each draws one number per element, in
/// row-major order, from the given Generator with Torch7's formulas (core/generator.hpp), so
/// a Torch7 program seeded the same fills the same values.
/// Included by tensor.hpp; not a public header.

#include <cmath>
#include <cstdint>
#include <limits>

namespace t7 {

namespace detail {

template <class T, class D, class Draw>
void fillEach(Tensor<T, D>& t, Draw&& draw) {
  t.noteWrite();
  T* p = t.data();
  stridedLoop<1>(t.sizes(), {&t.strides()}, [&](index_t n, const auto& off, const auto& st) {
    for (index_t i = 0; i < n; ++i) p[off[0] + i * st[0]] = convert<T>(draw());
  });
}

template <class T>
[[noreturn]] T7_COLD void notFloating(const char* op) {
  fail<TypeError>(op, ": defined for Float and Double tensors only, not torch.", TypeName<T>::value, "Tensor");
}

/// Torch7 passes distribution parameters as the tensor's element type: a FloatTensor's
/// `uniform(a, b)` rounds a and b to float before the double arithmetic.
template <class T>
double realArg(double x) {
  if (!std::isfinite(x) || (std::is_same_v<T, float> && std::fabs(x) > std::numeric_limits<float>::max()))
    fail<ValueError>("random: parameter ", x, " is not a finite ", TypeName<T>::value);
  if constexpr (FloatingElement<T>) return static_cast<double>(static_cast<T>(x));
  else return x;
}

/// Torch7's modulus for `random()` on each type: the type's non-negative range (for
/// Float/Double, the integers exactly representable: 2^mantissa + 1).
template <class T>
constexpr std::uint64_t randomModulus() {
  if constexpr (std::is_same_v<T, float>) return (std::uint64_t{1} << std::numeric_limits<float>::digits) + 1;
  else if constexpr (std::is_same_v<T, double>) return (std::uint64_t{1} << std::numeric_limits<double>::digits) + 1;
  else return static_cast<std::uint64_t>(std::numeric_limits<T>::max()) + 1;
}

}  // namespace detail

template <Element T, Device D>
Tensor<T, D>& Tensor<T, D>::uniform(Generator& g, double a, double b) {
  if constexpr (!FloatingElement<T>) detail::notFloating<T>("uniform");
  if (!(a <= b)) detail::fail<ValueError>("uniform: expects a <= b, got a = ", a, ", b = ", b);
  detail::fillEach(*this, [&, a = detail::realArg<T>(a), b = detail::realArg<T>(b)] { return g.uniform(a, b); });
  return *this;
}

template <Element T, Device D>
Tensor<T, D>& Tensor<T, D>::normal(Generator& g, double mean, double stdv) {
  if constexpr (!FloatingElement<T>) detail::notFloating<T>("normal");
  if (!(stdv > 0)) detail::fail<ValueError>("normal: standard deviation must be > 0, got ", stdv);
  detail::fillEach(*this, [&, m = detail::realArg<T>(mean), s = detail::realArg<T>(stdv)] { return g.normal(m, s); });
  return *this;
}

template <Element T, Device D>
Tensor<T, D>& Tensor<T, D>::exponential(Generator& g, double lambda) {
  if constexpr (!FloatingElement<T>) detail::notFloating<T>("exponential");
  if (!(lambda > 0)) detail::fail<ValueError>("exponential: lambda must be > 0, got ", lambda);
  detail::fillEach(*this, [&, l = detail::realArg<T>(lambda)] { return g.exponential(l); });
  return *this;
}

template <Element T, Device D>
Tensor<T, D>& Tensor<T, D>::cauchy(Generator& g, double median, double sigma) {
  if constexpr (!FloatingElement<T>) detail::notFloating<T>("cauchy");
  detail::fillEach(*this, [&, m = detail::realArg<T>(median), s = detail::realArg<T>(sigma)] { return g.cauchy(m, s); });
  return *this;
}

template <Element T, Device D>
Tensor<T, D>& Tensor<T, D>::logNormal(Generator& g, double mean, double stdv) {
  if constexpr (!FloatingElement<T>) detail::notFloating<T>("logNormal");
  if (!(stdv > 0)) detail::fail<ValueError>("logNormal: standard deviation must be > 0, got ", stdv);
  detail::fillEach(*this, [&, m = detail::realArg<T>(mean), s = detail::realArg<T>(stdv)] { return g.logNormal(m, s); });
  return *this;
}

template <Element T, Device D>
Tensor<T, D>& Tensor<T, D>::geometric(Generator& g, double p) {
  if (!(p > 0 && p < 1)) detail::fail<ValueError>("geometric: p must be in (0, 1), got ", p);
  detail::fillEach(*this, [&] { return g.geometric(p); });
  return *this;
}

template <Element T, Device D>
Tensor<T, D>& Tensor<T, D>::bernoulli(Generator& g, double p) {
  if (!(p >= 0 && p <= 1)) detail::fail<ValueError>("bernoulli: p must be in [0, 1], got ", p);
  detail::fillEach(*this, [&] { return g.bernoulli(p) ? 1 : 0; });
  return *this;
}

template <Element T, Device D>
template <FloatingElement P>
Tensor<T, D>& Tensor<T, D>::bernoulli(Generator& g, const Tensor<P, D>& p) {
  if (p.nElement() != nElement())
    detail::fail<SizeError>("bernoulli: the probability tensor has size ", p.sizes().toString(),
                            ", the tensor has size ", sizes_.toString());
  for (P x : p)
    if (!(x >= 0 && x <= 1)) detail::fail<ValueError>("bernoulli: probability ", x, " outside [0, 1]");
  return map(p, [&](T, P q) { return g.bernoulli(static_cast<double>(q)) ? 1 : 0; });
}

template <Element T, Device D>
Tensor<T, D>& Tensor<T, D>::random(Generator& g) {
  constexpr std::uint64_t m = detail::randomModulus<T>();
  detail::fillEach(*this, [&] { return static_cast<std::uint64_t>(g.random()) % m; });
  return *this;
}

template <Element T, Device D>
Tensor<T, D>& Tensor<T, D>::random(Generator& g, index_t n) {
  if (n <= 0) detail::fail<ValueError>("random: the upper bound must be > 0, got ", n);
  return random(g, 0, n - 1);
}

template <Element T, Device D>
Tensor<T, D>& Tensor<T, D>::random(Generator& g, index_t a, index_t b) {
  if (a > b) detail::fail<ValueError>("random: expects a <= b, got a = ", a, ", b = ", b);
  if (static_cast<double>(a) < static_cast<double>(std::numeric_limits<T>::lowest()) ||
      static_cast<double>(b) > static_cast<double>(std::numeric_limits<T>::max()))
    detail::fail<ValueError>("random: [", a, ", ", b, "] does not fit torch.", TypeName<T>::value, "Tensor");
  // b - a + 1 in unsigned arithmetic; 0 means the whole 2^64 range, where no modulus applies.
  const std::uint64_t range = static_cast<std::uint64_t>(b) - static_cast<std::uint64_t>(a) + 1;
  detail::fillEach(*this, [&] {
    const std::uint64_t r = g.random();
    return static_cast<index_t>(static_cast<std::uint64_t>(a) + (range ? r % range : r));
  });
  return *this;
}

}  // namespace t7
