#pragma once
/// \file sort.hpp
/// Torch7's sorting and counting: `sort`, `topk`, `histc`, plus `bincount` (PyTorch's).
///
/// `sort` and `topk` work along one dimension (the last by default) and return the values
/// and their 0-based positions along that dimension as a `ValuesIndices`
/// (`auto [v, i] = sort(x);`). Both are stable: equal values keep their order (the lower
/// index first), ascending and descending alike. NaN counts as larger than every number, so
/// it sorts last ascending and first descending (PyTorch's order), `topk` picks NaNs as the
/// largest values and never as the smallest while numbers remain.

#include <algorithm>
#include <array>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "t7/math/detail/dim_apply.hpp"
#include "t7/math/shape.hpp"
#include "t7/math/values_indices.hpp"
#include "t7/tensor/tensor.hpp"

namespace t7 {


// ---- sort ----------------------------------------------------------------------------------

/// Sorts along `dim` (Torch7's `torch.sort(x [, dim] [, descending])`, default: the last
/// dimension, ascending). Stable; NaN sorts as the largest value. `indices` (LongTensor,
/// 0-based; Torch7's are 1-based) say where each value was along `dim`.
template <Element T, Device D>
ValuesIndices<T, D> sort(const Tensor<T, D>& x, int dim = -1, bool descending = false);
/// Torch7's `x:sort(true)`: descending along the last dimension. (Without this overload
/// `sort(x, true)` would silently mean dim 1; it takes exactly `bool`, so `sort(x, 1L)` is
/// still a dimension.)
template <Element T, Device D, std::same_as<bool> B>
ValuesIndices<T, D> sort(const Tensor<T, D>& x, B descending);
/// Result-first form (Torch7's `torch.sort(resval, resind, x [, dim] [, descending])`):
/// resizes `values` and `indices` when their sizes differ and writes into them; `values`
/// may be `x` itself (sorts in place). Returns handles to both.
template <Element T, Device D>
ValuesIndices<T, D> sort(Tensor<T, D>& values, Tensor<std::int64_t, D>& indices, const Tensor<T, D>& x, int dim = -1,
                      bool descending = false);
template <Element T, Device D, std::same_as<bool> B>
ValuesIndices<T, D> sort(Tensor<T, D>& values, Tensor<std::int64_t, D>& indices, const Tensor<T, D>& x, B descending);

// ---- topk ----------------------------------------------------------------------------------

/// The `k` smallest elements along `dim` (Torch7's `torch.topk(x, k [, dim] [, dir]
/// [, sort])`; `largest = true` is Torch7's `dir = true`: the k largest). **Torch7's
/// default is the smallest, PyTorch's the largest.** The result keeps `dim` with size k.
/// The order is always deterministic: the first k elements of the stable `sort(x, dim,
/// largest)`, so `sorted` is accepted for Torch7's signature but results come sorted
/// either way (Torch7 leaves the order unspecified without it). 0 <= k <= size(dim).
/// O(n + k log k) per slice (nth_element, then a sort of the k).
template <Element T, Device D>
ValuesIndices<T, D> topk(const Tensor<T, D>& x, index_t k, int dim = -1, bool largest = false, bool sorted = false);
/// Torch7's `x:topk(k, true)`: the k largest along the last dimension (exactly `bool`).
template <Element T, Device D, std::same_as<bool> B>
ValuesIndices<T, D> topk(const Tensor<T, D>& x, index_t k, B largest, bool sorted = false);
template <Element T, Device D>
ValuesIndices<T, D> topk(Tensor<T, D>& values, Tensor<std::int64_t, D>& indices, const Tensor<T, D>& x, index_t k,
                      int dim = -1, bool largest = false, bool sorted = false);
template <Element T, Device D, std::same_as<bool> B>
ValuesIndices<T, D> topk(Tensor<T, D>& values, Tensor<std::int64_t, D>& indices, const Tensor<T, D>& x, index_t k,
                      B largest, bool sorted = false);

// ---- histograms ----------------------------------------------------------------------------

/// Histogram of the elements of `x` in `bins` equal bins over [min, max] (Torch7's
/// `torch.histc(x [, bins] [, min] [, max])`), as a 1-D tensor of x's type. When
/// min == max, the data's own min and max are used (NaNs ignored), widened by 1 on both
/// sides if they are equal too. Elements outside [min, max] (and NaNs) are not counted; the
/// value max falls in the last bin. Bin of v: floor((v - min) / (max - min) * bins),
/// computed in double. Float and double only, as in Torch7. Throws ValueError for
/// bins <= 0, min > max or a range that is not finite.
template <Element T, Device D>
Tensor<T, D> histc(const Tensor<T, D>& x, index_t bins = 100, double min = 0, double max = 0);
template <Element T, Device D>
Tensor<T, D>& histc(Tensor<T, D>& hist, const Tensor<T, D>& x, index_t bins = 100, double min = 0, double max = 0);

/// Occurrences of each value 0, 1, ..., max(x) in the 1-D integer tensor `x`, as a LongTensor
/// of size max(max(x) + 1, minlength) (PyTorch's `torch.bincount`; not in Torch7). Negative
/// values throw ValueError. An empty x gives minlength zeros.
template <Element I, Device D>
  requires std::is_integral_v<I>
Tensor<std::int64_t, D> bincount(const Tensor<I, D>& x, index_t minlength = 0);
/// Weighted: bin v sums weights[i] over the i where x[i] == v, in weights' type (summed in
/// double for floating weights, int64 otherwise). `weights` must have x's size.
template <Element I, Element W, Device D>
  requires std::is_integral_v<I>
Tensor<W, D> bincount(const Tensor<I, D>& x, const Tensor<W, D>& weights, index_t minlength = 0);

// =========================================================================================
// Definitions
// =========================================================================================

namespace detail::sort_ops {

/// Slices with fewer elements in total than this run on one thread.
inline constexpr index_t kParallelWork = index_t{1} << 15;

/// One element of a slice: its value and its position along the dimension.
template <class T>
struct Item {
  T v;
  index_t i;
};

template <class T>
bool isNan(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
  else return false;
}

/// Strict total orders on items: by value (ascending or descending), ties by position.
/// The `Nan` forms also place NaN as the largest value; the plain forms are used on slices
/// without NaN, where `<` alone is already a strict weak order.
template <class T>
struct Ascending {
  bool operator()(const Item<T>& a, const Item<T>& b) const { return a.v < b.v || (a.v == b.v && a.i < b.i); }
};
template <class T>
struct Descending {
  bool operator()(const Item<T>& a, const Item<T>& b) const { return a.v > b.v || (a.v == b.v && a.i < b.i); }
};
template <class T>
struct AscendingNan {
  bool operator()(const Item<T>& a, const Item<T>& b) const {
    const bool an = isNan(a.v), bn = isNan(b.v);
    if (an || bn) return an && bn ? a.i < b.i : bn;
    return Ascending<T>{}(a, b);
  }
};
template <class T>
struct DescendingNan {
  bool operator()(const Item<T>& a, const Item<T>& b) const {
    const bool an = isNan(a.v), bn = isNan(b.v);
    if (an || bn) return an && bn ? a.i < b.i : an;
    return Descending<T>{}(a, b);
  }
};

/// Puts the first k items of [b, b + n) in order: with a strict total order, the result is
/// the first k of a stable sort.
template <class T, class Cmp>
void selectSorted(Item<T>* b, index_t n, index_t k, Cmp cmp) {
  if (k < n) std::nth_element(b, b + k, b + n, cmp);
  std::sort(b, b + k, cmp);
}

/// The sort/topk kernel: for every slice of `x` along `d`, the first `k` of the slice in
/// order go to `values` and `indices` (both of size k along d, x's sizes elsewhere).
/// Slices run in parallel when there are several and enough work.
template <class T, class D>
void sortSlices(const Tensor<T, D>& x, const Tensor<T, D>& values, const Tensor<std::int64_t, D>& indices, int d,
                index_t k, bool descending) {
  const index_t n = x.size(d);
  if (k == 0 || x.nElement() == 0) return;
  const T* px = x.data();
  T* pv = values.data();
  std::int64_t* pi = indices.data();
  const index_t sx = x.stride(d), sv = values.stride(d), si = indices.stride(d);
  const std::array<const Strides*, 3> strides{&x.strides(), &values.strides(), &indices.strides()};

  auto one = [&](const std::array<index_t, 3>& off, std::vector<Item<T>>& buf) {
    buf.resize(static_cast<std::size_t>(n));
    bool nan = false;
    const T* s = px + off[0];
    for (index_t j = 0; j < n; ++j) {
      const T v = s[j * sx];
      nan |= isNan(v);
      buf[static_cast<std::size_t>(j)] = Item<T>{v, j};
    }
    Item<T>* b = buf.data();
    if (descending) {
      if (nan) selectSorted(b, n, k, DescendingNan<T>{});
      else selectSorted(b, n, k, Descending<T>{});
    } else {
      if (nan) selectSorted(b, n, k, AscendingNan<T>{});
      else selectSorted(b, n, k, Ascending<T>{});
    }
    T* ov = pv + off[1];
    std::int64_t* oi = pi + off[2];
    for (index_t j = 0; j < k; ++j) {
      ov[j * sv] = b[j].v;
      oi[j * si] = b[j].i;
    }
  };

  const index_t slices = x.nElement() / n;
#ifdef _OPENMP
  const int threads = omp_get_max_threads();
  if (slices > 1 && threads > 1 && x.nElement() >= kParallelWork) {
    std::vector<std::array<index_t, 3>> offsets;
    offsets.reserve(static_cast<std::size_t>(slices));
    forEachSlice<3>(x.sizes(), d, strides, [&](const std::array<index_t, 3>& off) { offsets.push_back(off); });
    // Buffers are made here, so that nothing allocates (or throws) inside the parallel region.
    std::vector<std::vector<Item<T>>> bufs(static_cast<std::size_t>(threads));
    for (auto& b : bufs) b.reserve(static_cast<std::size_t>(n));
#pragma omp parallel for schedule(static)
    for (index_t s = 0; s < slices; ++s)
      one(offsets[static_cast<std::size_t>(s)], bufs[static_cast<std::size_t>(omp_get_thread_num())]);
    return;
  }
#endif
  (void)slices;
  std::vector<Item<T>> buf;
  buf.reserve(static_cast<std::size_t>(n));
  forEachSlice<3>(x.sizes(), d, strides, [&](const std::array<index_t, 3>& off) { one(off, buf); });
}

/// The result-first protocol for (values, indices): resize when the sizes differ, then fill
/// directly, or through temporaries when an output shares memory with x (other than being
/// x itself, element for element, which the per-slice buffer makes safe) or with the other
/// output.
template <class T, class D, class Fill>
ValuesIndices<T, D> writePair(Tensor<T, D>& values, Tensor<std::int64_t, D>& indices, const Tensor<T, D>& x,
                           const Shape& shape, Fill&& fill) {
  if (!values.isSize(shape)) values.resize(shape);
  if (!indices.isSize(shape)) indices.resize(shape);
  using shape_ops::selfOverlaps;
  const bool buffer = selfOverlaps(values) || selfOverlaps(indices) ||
                      (mayOverlap(values, x) && !values.isSetTo(x)) || mayOverlap(indices, x) ||
                      mayOverlap(values, indices);
  if (buffer) {
    Tensor<T, D> tv(shape);
    Tensor<std::int64_t, D> ti(shape);
    fill(tv, ti);
    shape_ops::copyRaw(values, tv);
    shape_ops::copyRaw(indices, ti);
  } else {
    fill(values, indices);
  }
  return {values, indices};
}

}  // namespace detail::sort_ops

template <Element T, Device D>
ValuesIndices<T, D> sort(Tensor<T, D>& values, Tensor<std::int64_t, D>& indices, const Tensor<T, D>& x, int dim,
                      bool descending) {
  const int d = detail::normalizeDim(dim, x.dim(), "sort");
  const Tensor<T, D> src = x;  // x may be `values`, which is resized below
  return detail::sort_ops::writePair(values, indices, src, src.sizes(),
                                     [&](const Tensor<T, D>& v, const Tensor<std::int64_t, D>& i) {
                                       detail::sort_ops::sortSlices(src, v, i, d, src.size(d), descending);
                                     });
}
template <Element T, Device D, std::same_as<bool> B>
ValuesIndices<T, D> sort(Tensor<T, D>& values, Tensor<std::int64_t, D>& indices, const Tensor<T, D>& x,
                      B descending) {
  return sort(values, indices, x, -1, descending);
}
template <Element T, Device D>
ValuesIndices<T, D> sort(const Tensor<T, D>& x, int dim, bool descending) {
  Tensor<T, D> v;
  Tensor<std::int64_t, D> i;
  return sort(v, i, x, dim, descending);
}
template <Element T, Device D, std::same_as<bool> B>
ValuesIndices<T, D> sort(const Tensor<T, D>& x, B descending) {
  return sort(x, -1, descending);
}

template <Element T, Device D>
ValuesIndices<T, D> topk(Tensor<T, D>& values, Tensor<std::int64_t, D>& indices, const Tensor<T, D>& x, index_t k,
                      int dim, bool largest, bool /*sorted: results are sorted either way*/) {
  const int d = detail::normalizeDim(dim, x.dim(), "topk");
  if (k < 0 || k > x.size(d))
    detail::fail<ValueError>("topk: k = ", k, " out of range for dimension ", d, " of a tensor of size ",
                             x.sizes().toString(), " (valid: 0 to ", x.size(d), ")");
  const Tensor<T, D> src = x;
  return detail::sort_ops::writePair(values, indices, src, detail::withSize(src.sizes(), d, k),
                                     [&](const Tensor<T, D>& v, const Tensor<std::int64_t, D>& i) {
                                       detail::sort_ops::sortSlices(src, v, i, d, k, largest);
                                     });
}
template <Element T, Device D, std::same_as<bool> B>
ValuesIndices<T, D> topk(Tensor<T, D>& values, Tensor<std::int64_t, D>& indices, const Tensor<T, D>& x, index_t k,
                      B largest, bool sorted) {
  return topk(values, indices, x, k, -1, largest, sorted);
}
template <Element T, Device D>
ValuesIndices<T, D> topk(const Tensor<T, D>& x, index_t k, int dim, bool largest, bool sorted) {
  Tensor<T, D> v;
  Tensor<std::int64_t, D> i;
  return topk(v, i, x, k, dim, largest, sorted);
}
template <Element T, Device D, std::same_as<bool> B>
ValuesIndices<T, D> topk(const Tensor<T, D>& x, index_t k, B largest, bool sorted) {
  return topk(x, k, -1, largest, sorted);
}

// ---- histc, bincount -------------------------------------------------------------------------

template <Element T, Device D>
Tensor<T, D>& histc(Tensor<T, D>& hist, const Tensor<T, D>& x, index_t bins, double min, double max) {
  static_assert(std::is_floating_point_v<T>,
                "histc: Torch7 defines histc for float and double tensors only; convert first with "
                "x.toFloat() or x.toDouble()");
  if (bins <= 0) detail::fail<ValueError>("histc: bins must be > 0, got ", bins);
  if (std::isnan(min) || std::isnan(max) || min > max)
    detail::fail<ValueError>("histc: min ", min, " and max ", max, " do not make a range (need min <= max)");
  double lo = min, hi = max;
  const T* px = x.data();
  if (lo == hi) {  // Torch7: the data's own range
    bool any = false;
    detail::stridedLoop<1>(x.sizes(), {&x.strides()}, [&](index_t n, const auto& off, const auto& st) {
      for (index_t j = 0; j < n; ++j) {
        const double v = static_cast<double>(px[off[0] + j * st[0]]);
        if (std::isnan(v)) continue;
        if (!any || v < lo) lo = v;
        if (!any || v > hi) hi = v;
        any = true;
      }
    });
    if (lo == hi) {
      lo -= 1;
      hi += 1;
    }
  }
  const double width = hi - lo;
  if (!std::isfinite(lo) || !std::isfinite(hi) || !std::isfinite(width))
    detail::fail<ValueError>("histc: the range [", lo, ", ", hi, "] of a tensor of size ", x.sizes().toString(),
                             " is not finite");
  detail::checkAllocationSize(bins, sizeof(index_t), "histc");
  std::vector<index_t> counts(static_cast<std::size_t>(bins), 0);
  // (v - lo) / width is in [0, 1] for v in [lo, hi] (rounding is monotonic), so the bin never
  // overflows; a zero width (values too large for the +-1 widening, or min == max given
  // explicitly as a degenerate range) puts everything in the middle bin, as the widening would.
  const double fbins = static_cast<double>(bins);
  detail::stridedLoop<1>(x.sizes(), {&x.strides()}, [&](index_t n, const auto& off, const auto& st) {
    for (index_t j = 0; j < n; ++j) {
      const double v = static_cast<double>(px[off[0] + j * st[0]]);
      if (v >= lo && v <= hi) {  // false for NaN
        const auto b = width > 0 ? static_cast<index_t>((v - lo) / width * fbins) : bins / 2;
        ++counts[static_cast<std::size_t>(std::clamp<index_t>(b, 0, bins - 1))];
      }
    }
  });
  // x has been read in full: hist may now be resized, even if it is x.
  if (!hist.isSize(Shape{bins})) hist.resize(Shape{bins});
  T* ph = hist.data();
  const index_t sh = hist.stride(0);
  for (index_t b = 0; b < bins; ++b) ph[b * sh] = static_cast<T>(counts[static_cast<std::size_t>(b)]);
  return hist;
}
template <Element T, Device D>
Tensor<T, D> histc(const Tensor<T, D>& x, index_t bins, double min, double max) {
  Tensor<T, D> r;
  return histc(r, x, bins, min, max);
}

namespace detail::sort_ops {

/// Checks x for bincount and returns its length of result, max(max(x) + 1, minlength).
template <class I, class D>
index_t bincountLength(const Tensor<I, D>& x, index_t minlength) {
  if (x.dim() > 1)
    fail<SizeError>("bincount: expects a 1-D tensor, got a ", x.dim(), "-D tensor of size ", x.sizes().toString());
  if (minlength < 0) fail<ValueError>("bincount: minlength must be >= 0, got ", minlength);
  index_t len = minlength;
  const index_t n = x.nElement();
  const I* p = x.data();
  for (index_t j = 0; j < n; ++j) {
    const I v = p[j * x.stride(0)];
    if constexpr (std::is_signed_v<I>) {
      if (v < 0) fail<ValueError>("bincount: x must be non-negative, x(", j, ") = ", static_cast<index_t>(v));
    }
    if (static_cast<index_t>(v) >= len) {
      if (static_cast<index_t>(v) == std::numeric_limits<index_t>::max())
        fail<SizeError>("bincount: value ", static_cast<index_t>(v), " needs too many bins");
      len = static_cast<index_t>(v) + 1;
    }
  }
  return len;
}

}  // namespace detail::sort_ops

template <Element I, Device D>
  requires std::is_integral_v<I>
Tensor<std::int64_t, D> bincount(const Tensor<I, D>& x, index_t minlength) {
  const index_t len = detail::sort_ops::bincountLength(x, minlength);
  Tensor<std::int64_t, D> r(len);
  r.zero();
  std::int64_t* pr = r.data();
  const I* p = x.data();
  for (index_t j = 0; j < x.nElement(); ++j) ++pr[static_cast<index_t>(p[j * x.stride(0)])];
  return r;
}

template <Element I, Element W, Device D>
  requires std::is_integral_v<I>
Tensor<W, D> bincount(const Tensor<I, D>& x, const Tensor<W, D>& weights, index_t minlength) {
  if (weights.sizes() != x.sizes())
    detail::fail<SizeError>("bincount: weights of size ", weights.sizes().toString(), " for x of size ",
                            x.sizes().toString(), " (need the same size)");
  const index_t len = detail::sort_ops::bincountLength(x, minlength);
  using Acc = std::conditional_t<std::is_floating_point_v<W>, double, std::int64_t>;
  detail::checkAllocationSize(len, sizeof(Acc), "bincount");
  std::vector<Acc> sums(static_cast<std::size_t>(len), Acc(0));
  const I* p = x.data();
  const W* pw = weights.data();
  for (index_t j = 0; j < x.nElement(); ++j)
    sums[static_cast<std::size_t>(p[j * x.stride(0)])] += static_cast<Acc>(pw[j * weights.stride(0)]);
  Tensor<W, D> r(len);
  W* pr = r.data();
  for (index_t b = 0; b < len; ++b) pr[b] = convert<W>(sums[static_cast<std::size_t>(b)]);
  return r;
}

}  // namespace t7
