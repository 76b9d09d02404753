#pragma once
/// \file reducers.hpp
/// The per-element arithmetic of t7's reductions, as small reducer objects that the loops of
/// accumulate.hpp run: `Acc init(k)`, `add(Acc&, v, k)`, `finish(Acc, n, k)` (k is the output
/// element's offset, used by the second pass of var), `merge(Acc, Acc)` for the all-element
/// fold, and optionally `contiguous(p, n)` for a unit-stride slice. Also the all-element
/// folds and the vectorised max/min of contiguous memory.

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <xsimd/xsimd.hpp>

#include "t7/core/error.hpp"
#include "t7/math/detail/accumulate.hpp"

namespace t7::detail {

// ---- sums, means, products ---------------------------------------------------------------

template <class T>
struct SumR {
  using Acc = run_t<T>;
  Acc init(index_t) const { return 0; }
  void add(Acc& a, T v, index_t) const { a += toRun(v); }
  void rows(Acc* acc, const T* p, index_t stride, index_t n, index_t w) const { sumRows(acc, p, stride, n, w); }
  Acc merge(Acc a, Acc b) const { return a + b; }
  Acc contiguous(const T* p, index_t n) const { return sumChunked(p, n); }
  T finish(Acc a, index_t, index_t) const { return storeAs<T>(a); }
};

/// Sum divided by the count, as a double (0/0 is NaN for an empty slice).
template <class T>
struct MeanR : SumR<T> {
  double finish(double a, index_t n, index_t) const { return a / static_cast<double>(n); }
};

template <class T>
struct ProdR {
  using Acc = run_t<T>;
  Acc init(index_t) const { return 1; }
  void add(Acc& a, T v, index_t) const { a *= toRun(v); }
  Acc merge(Acc a, Acc b) const { return a * b; }
  T finish(Acc a, index_t, index_t) const { return storeAs<T>(a); }
};

/// Second pass of the two-pass variance: sum of squared deviations from `mu[k]`, divided by
/// n (biased) or n - 1; the square root of that for std.
template <class T>
struct VarR {
  using Acc = double;
  const double* mu;
  bool biased;
  bool root;
  Acc init(index_t) const { return 0; }
  void add(Acc& a, T v, index_t k) const {
    const double e = static_cast<double>(v) - mu[k];
    a += e * e;
  }
  Acc merge(Acc a, Acc b) const { return a + b; }
  double finish(Acc a, index_t n, index_t) const {
    if (n == 0) return std::numeric_limits<double>::quiet_NaN();
    const double v = a / static_cast<double>(biased ? n : n - 1);  // 0/0 = NaN for n = 1 unbiased
    return root ? std::sqrt(v) : v;
  }
};

// ---- norms (on values of type V, accumulated in double) ----------------------------------

template <class V>
struct NormCountR {  // p = 0: the number of nonzero elements
  using Acc = double;
  Acc init(index_t) const { return 0; }
  void add(Acc& a, V v, index_t) const { a += v != V(0) ? 1.0 : 0.0; }
  Acc merge(Acc a, Acc b) const { return a + b; }
  double finish(Acc a, index_t, index_t) const { return a; }
};

template <class V>
struct Norm1R {
  using Acc = double;
  Acc init(index_t) const { return 0; }
  void add(Acc& a, V v, index_t) const { a += std::abs(static_cast<double>(v)); }
  Acc merge(Acc a, Acc b) const { return a + b; }
  double finish(Acc a, index_t, index_t) const { return a; }
};

template <class V>
struct Norm2R {
  using Acc = double;
  Acc init(index_t) const { return 0; }
  void add(Acc& a, V v, index_t) const {
    const double e = static_cast<double>(v);
    a += e * e;
  }
  Acc merge(Acc a, Acc b) const { return a + b; }
  double finish(Acc a, index_t, index_t) const { return std::sqrt(a); }
};

template <class V>
struct NormInfR {  // p = infinity: max |v|, NaN propagates
  using Acc = double;
  Acc init(index_t) const { return 0; }
  void add(Acc& a, V v, index_t) const {
    const double e = std::abs(static_cast<double>(v));
    a = (e != e || e > a) ? e : a;
  }
  Acc merge(Acc a, Acc b) const { return (b != b || b > a) ? b : a; }
  double finish(Acc a, index_t, index_t) const { return a; }
};

template <class V>
struct NormPR {
  using Acc = double;
  double p;
  Acc init(index_t) const { return 0; }
  void add(Acc& a, V v, index_t) const { a += std::pow(std::abs(static_cast<double>(v)), p); }
  Acc merge(Acc a, Acc b) const { return a + b; }
  double finish(Acc a, index_t, index_t) const { return std::pow(a, 1.0 / p); }
};

/// Checks a norm's p (>= 0; infinity allowed) and calls `fn` with the reducer for it.
template <class V, class F>
decltype(auto) withNormReducer(double p, const char* op, F&& fn) {
  if (!(p >= 0))
    fail<ValueError>(op, ": p must be >= 0 (0 counts nonzeros, infinity takes the largest |x|), got ", p);
  if (p == 0) return fn(NormCountR<V>{});
  if (p == 1) return fn(Norm1R<V>{});
  if (p == 2) return fn(Norm2R<V>{});
  if (std::isinf(p)) return fn(NormInfR<V>{});
  return fn(NormPR<V>{p});
}

// ---- logical -----------------------------------------------------------------------------

struct AllR {
  using Acc = std::uint8_t;
  Acc init(index_t) const { return 1; }
  void add(Acc& a, std::uint8_t v, index_t) const { a = static_cast<Acc>(a & (v != 0)); }
  std::uint8_t finish(Acc a, index_t, index_t) const { return a; }
};

struct AnyR {
  using Acc = std::uint8_t;
  Acc init(index_t) const { return 0; }
  void add(Acc& a, std::uint8_t v, index_t) const { a = static_cast<Acc>(a | (v != 0)); }
  std::uint8_t finish(Acc a, index_t, index_t) const { return a; }
};

// ---- all-element folds -------------------------------------------------------------------

/// Runs reducer `r` over every element of `t` (any layout) and returns its accumulator;
/// unit-stride runs use four independent accumulators, merged in a fixed order.
template <class T, class R>
typename R::Acc foldAcc(const Tensor<T>& t, const R& r) {
  using Acc = typename R::Acc;
  Acc a = r.init(0);
  forEachRun(t, [&](const T* p, index_t n, index_t st) {
    index_t i = 0;
    if (st == 1 && n >= 8) {
      Acc a0 = r.init(0), a1 = r.init(0), a2 = r.init(0), a3 = r.init(0);
      for (; i + 4 <= n; i += 4) {
        r.add(a0, p[i], 0);
        r.add(a1, p[i + 1], 0);
        r.add(a2, p[i + 2], 0);
        r.add(a3, p[i + 3], 0);
      }
      a = r.merge(a, r.merge(r.merge(a0, a1), r.merge(a2, a3)));
    }
    for (; i < n; ++i) r.add(a, p[i * st], 0);
  });
  return a;
}

/// r.finish of foldAcc: the reduction of all elements of `t`.
template <class T, class R>
auto foldAll(const Tensor<T>& t, const R& r) {
  return r.finish(foldAcc(t, r), t.nElement(), 0);
}

// ---- max / min of all elements -----------------------------------------------------------

/// Largest (Max) or smallest element of `n >= 1` contiguous elements; the first NaN if any.
template <bool Max, class T>
T extremeContiguous(const T* p, index_t n) {
  if constexpr (std::is_floating_point_v<T>) {
    using B = xsimd::batch<T>;
    constexpr index_t W = B::size;
    if (n >= 4 * W) {
      auto pick = [](const B& a, const B& b) { return Max ? xsimd::max(a, b) : xsimd::min(a, b); };
      B m0 = B::load_unaligned(p), m1 = B::load_unaligned(p + W);
      B m2 = B::load_unaligned(p + 2 * W), m3 = B::load_unaligned(p + 3 * W);
      // xsimd's != is an ordered compare (false on NaN): isnan it is.
      auto nan = xsimd::isnan(m0) | xsimd::isnan(m1) | xsimd::isnan(m2) | xsimd::isnan(m3);
      index_t i = 4 * W;
      for (; i + 4 * W <= n; i += 4 * W) {
        const B v0 = B::load_unaligned(p + i), v1 = B::load_unaligned(p + i + W);
        const B v2 = B::load_unaligned(p + i + 2 * W), v3 = B::load_unaligned(p + i + 3 * W);
        nan = nan | xsimd::isnan(v0) | xsimd::isnan(v1) | xsimd::isnan(v2) | xsimd::isnan(v3);
        m0 = pick(m0, v0);
        m1 = pick(m1, v1);
        m2 = pick(m2, v2);
        m3 = pick(m3, v3);
      }
      if (xsimd::any(nan)) {
        for (index_t j = 0;; ++j)
          if (p[j] != p[j]) return p[j];
      }
      alignas(64) T buf[W];
      pick(pick(m0, m1), pick(m2, m3)).store_aligned(buf);
      T m = buf[0];
      for (index_t w = 1; w < W; ++w) m = Max ? std::max(m, buf[w]) : std::min(m, buf[w]);
      for (; i < n; ++i) {
        const T v = p[i];
        if (Max ? !(v <= m) : !(v >= m)) {
          m = v;
          if (isNan(v)) break;
        }
      }
      return m;
    }
  }
  return argExtremeSlice<Max>(p, n, 1).first;
}

/// max/min of all elements of `t` (any layout), Torch7's semantics (NaN propagates). Throws
/// ValueError naming `op` on an empty tensor.
template <bool Max, class T>
T extremeAll(const Tensor<T>& t, const char* op) {
  if (t.nElement() == 0)
    fail<ValueError>(op, ": the input of size ", t.sizes().toString(), " has no element (an empty tensor has no ",
                     Max ? "maximum" : "minimum", ")");
  bool first = true;
  T m{};
  forEachRun(t, [&](const T* p, index_t n, index_t st) {
    if (!first && isNan(m)) return;
    const T v = st == 1 ? extremeContiguous<Max>(p, n) : argExtremeSlice<Max>(p, n, st).first;
    if (first || (Max ? !(v <= m) : !(v >= m))) m = v;
    first = false;
  });
  return m;
}

// ---- order statistics of all elements ----------------------------------------------------

/// The elements of `t` in row-major order.
template <class T>
std::vector<T> gatherAll(const Tensor<T>& t) {
  std::vector<T> v;
  v.reserve(static_cast<std::size_t>(t.nElement()));
  forEachRun(t, [&](const T* p, index_t n, index_t st) {
    for (index_t i = 0; i < n; ++i) v.push_back(p[i * st]);
  });
  return v;
}

}  // namespace t7::detail
