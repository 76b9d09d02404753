#pragma once
/// \file evaluate.hpp
/// The one evaluator of expressions: decides the loop, never the math (that is node.hpp).
///
/// - All operands contiguous with the result's shape: one flat loop, xsimd batches when
///   every leaf has the result's floating type, split across OpenMP threads above
///   `parallelThreshold()` elements.
/// - Otherwise: broadcast strides (0 on broadcast dimensions), dimensions merged where every
///   operand is contiguous, an outer loop over rows and an inner loop that is vectorised
///   when all inner strides are 1, or 1 and 0 (an operand broadcast along the row reads one
///   element repeated); rows are split across threads too.
/// - A destination that overlaps an operand laid out differently is computed into a
///   temporary first, so `a = a.t() + a` is right; `a = a + b` (same layout) stays in place.

#include <array>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

#ifdef _OPENMP
#include <omp.h>
#endif

#include "t7/core/parallel.hpp"
#include "t7/expr/node.hpp"
#include "t7/tensor/detail/iteration.hpp"


namespace t7 {
namespace expr {

namespace detail {

/// Strides that read a tensor of `sizes`/`strides` as if broadcast to `out` (0 where repeated).
inline Strides broadcastStrides(const Shape& sizes, const Strides& strides, const Shape& out) {
  Strides r = Shape::filled(out.size(), 0);
  const int lead = out.size() - sizes.size();
  for (int d = 0; d < sizes.size(); ++d)
    if (sizes[d] != 1) r[d + lead] = strides[d];
  return r;
}

/// True when the expression runs on xsimd batches: every op has a batch form and every
/// leaf has the destination's floating type. Batched expressions use batches on every path
/// (gathering strided or partial rows), so all paths give identical results.
template <class T, class E>
inline constexpr bool batched = E::simd && std::is_same_v<T, typename E::value_type>;

/// Writes `n` elements of `e` starting at element i, `dstStep` apart in the destination.
template <class T, class E, int N>
void runBatchPartial(T* dst, index_t dstStep, const E& e, const Cursor<N>& c, index_t i, index_t n) {
  alignas(64) T buf[batch<T>::size];
  e.template loadBatch<0, false>(c, i, n).store_aligned(buf);
  for (index_t j = 0; j < n; ++j) dst[(i + j) * dstStep] = buf[j];
}

/// Results at least this large are written with non-temporal (streaming) stores: they would
/// only evict the operands from the caches, and skipping the read-for-ownership of each
/// destination line saves a fifth of the memory traffic of `a * b + c`.
inline constexpr std::size_t kStreamBytes = std::size_t{16} << 20;

/// Stores a batch at a batch-aligned address, bypassing the caches where the ISA allows.
template <class T>
void storeStream(T* p, const batch<T>& v) {
#if defined(__AVX512F__)
  if constexpr (sizeof(batch<T>) == 64) {
    if constexpr (std::is_same_v<T, float>) return _mm512_stream_ps(p, v);
    else return _mm512_stream_pd(p, v);
  }
#endif
#if defined(__AVX__)
  if constexpr (sizeof(batch<T>) == 32) {
    if constexpr (std::is_same_v<T, float>) return _mm256_stream_ps(p, v);
    else return _mm256_stream_pd(p, v);
  }
#endif
#if defined(__SSE2__)
  if constexpr (sizeof(batch<T>) == 16) {
    if constexpr (std::is_same_v<T, float>) return _mm_stream_ps(p, v);
    else return _mm_stream_pd(p, v);
  }
#endif
  v.store_aligned(p);
}

/// Writes `e` over [begin, end) of a flat, contiguous range (every leaf contiguous) with
/// non-temporal stores (batched expressions only): peels to the batch alignment, streams
/// whole batches, then the tail (the same arithmetic as runFlat).
template <class T, class E, int N>
[[gnu::noinline]] void runFlatStream(T* dst, const E& e, const Cursor<N>& c, index_t begin, index_t end) {
  constexpr index_t W = batch<T>::size;
  index_t i = begin;
  const auto mis = reinterpret_cast<std::uintptr_t>(dst + i) % sizeof(batch<T>);
  const index_t peel = mis ? std::min<index_t>(end - i, (sizeof(batch<T>) - mis) / sizeof(T)) : 0;
  if (peel) runBatchPartial(dst, 1, e, c, i, peel);
  for (i += peel; i + W <= end; i += W) storeStream(dst + i, e.template loadBatch<0, true>(c, i, W));
  if (i < end) runBatchPartial(dst, 1, e, c, i, end - i);
#if defined(__SSE2__)
  _mm_sfence();  // order the streamed stores before whatever this thread does next
#endif
}

/// Writes `e` over [begin, end) of a flat, contiguous range (every leaf contiguous);
/// `stream`: with non-temporal stores (batched expressions only).
template <class T, class E, int N>
void runFlat(T* dst, const E& e, const Cursor<N>& c, index_t begin, index_t end, bool stream = false) {
  index_t i = begin;
  if constexpr (batched<T, E>) {
    if (stream) [[unlikely]]
      return runFlatStream(dst, e, c, begin, end);
    constexpr index_t W = batch<T>::size;
    for (; i + W <= end; i += W) e.template loadBatch<0, true>(c, i, W).store_unaligned(dst + i);
    if (i < end) runBatchPartial(dst, 1, e, c, i, end - i);
  } else {
    for (; i < end; ++i) dst[i] = convert<T>(e.template load<0>(c, i));
  }
}

/// Writes `e` over one row of `n` elements, `dstStep` apart in the destination. Operands that
/// step by 0 along the row (broadcast: `x.unsqueeze(1) * y.unsqueeze(0)`, a number expanded
/// to a matrix) are read as one element repeated, the others with whole-batch loads, when
/// the destination and every other operand step by 1.
template <class T, class E, int N>
void runRow(T* dst, index_t dstStep, const E& e, const Cursor<N>& c, index_t n) {
  bool unit = dstStep == 1, repeat = false;
  for (int k = 0; k < N; ++k) {
    unit = unit && (c.step[k] == 1 || c.step[k] == 0);
    repeat = repeat || c.step[k] == 0;
  }
  if (unit && !repeat) return runFlat(dst, e, c, 0, n);
  if constexpr (batched<T, E>) {
    constexpr index_t W = batch<T>::size;
    if (unit) {
      index_t i = 0;
      for (; i + W <= n; i += W) e.template loadBatch<0, true, true>(c, i, W).store_unaligned(dst + i);
      if (i < n) runBatchPartial(dst, 1, e, c, i, n - i);
      return;
    }
    for (index_t i = 0; i < n; i += W) runBatchPartial(dst, dstStep, e, c, i, std::min(W, n - i));
  } else {
    for (index_t i = 0; i < n; ++i) dst[i * dstStep] = convert<T>(e.template load<0>(c, i));
  }
}

/// Runs `work` on this thread or an OpenMP thread; for expressions that divide integers,
/// collects that thread's division-by-zero flag into `bad`.
template <class E, class Work>
void runChecked(bool& bad, Work&& work) {
  if constexpr (E::intDiv) op::divisionByZero() = false;
  work();
  if constexpr (E::intDiv)
    if (op::divisionByZero()) bad = true;
}

/// runFlatAll's threaded loop (kept out of line: the OpenMP region is large).
template <class T, class E, int N>
[[gnu::noinline]] void runFlatThreads(T* d, const E& e, const Cursor<N>& c, index_t total, bool stream, bool& bad) {
#ifdef _OPENMP
  constexpr index_t chunk = t7::detail::kParallelBlock;  // the split of forEachFlatBlock
  const index_t chunks = (total + chunk - 1) / chunk;
#pragma omp parallel for schedule(static) reduction(|| : bad)
  for (index_t b = 0; b < chunks; ++b)
    runChecked<E>(bad, [&] { runFlat(d, e, c, b * chunk, std::min(total, (b + 1) * chunk), stream); });
#else
  runChecked<E>(bad, [&] { runFlat(d, e, c, 0, total, stream); });
#endif
}

/// Writes `e` over `total` contiguous elements at `d`, every leaf contiguous and read
/// through `c` (steps 1): one flat loop, split across threads from parallelThreshold()
/// elements.
template <class T, class E, int N>
void runFlatAll(T* d, const E& e, const Cursor<N>& c, index_t total, bool& bad) {
  const bool stream = batched<T, E> && static_cast<std::size_t>(total) * sizeof(T) >= kStreamBytes;
#ifdef _OPENMP
  if (total >= parallelThreshold()) [[unlikely]]
    return runFlatThreads(d, e, c, total, stream, bad);
#endif
  runChecked<E>(bad, [&] { runFlat(d, e, c, 0, total, stream); });
}

template <class T, class E>
void assignToImpl(Tensor<T>& dst, const E& e, bool& bad) {
  constexpr int N = E::leaves;
  const Shape& out = dst.sizes();
  const index_t total = dst.nElement();
  if (total == 0) return;
  dst.noteWrite();

  std::array<const char*, (N > 0 ? N : 1)> base;
  std::array<index_t, (N > 0 ? N : 1)> elem;
  bool flat = dst.isContiguous();
  int k = 0;
  e.visitLeaves([&](const auto& t) {
    using U = typename std::remove_cvref_t<decltype(t)>::value_type;
    base[k] = reinterpret_cast<const char*>(t.data());
    elem[k] = sizeof(U);
    // (a contiguous leaf with the result's element count walks in the result's order)
    flat = flat && t.nElement() == total && t.isContiguous();
    ++k;
  });

  if (flat) {
    Cursor<N> c;
    for (int j = 0; j < N; ++j) {
      c.ptr[j] = base[j];
      c.step[j] = 1;
    }
    return runFlatAll(dst.data(), e, c, total, bad);
  }

  // Strided / broadcast path: merge dimensions that every operand walks contiguously.
  std::array<Strides, (N > 0 ? N : 1)> st;
  k = 0;
  e.visitLeaves([&](const auto& t) { st[k++] = broadcastStrides(t.sizes(), t.strides(), out); });
  std::array<const Strides*, N + 1> all{};
  all[0] = &dst.strides();
  for (int j = 0; j < N; ++j) all[j + 1] = &st[j];
  const auto ls = t7::detail::coalesce<N + 1>(out, all);
  if (ls.dims == 0) {  // one element
    Cursor<N> c;
    for (int j = 0; j < N; ++j) {
      c.ptr[j] = base[j];
      c.step[j] = 0;
    }
    runChecked<E>(bad, [&] { *dst.data() = convert<T>(e.template load<0>(c, 0)); });
    return;
  }
  const int last = ls.dims - 1;
  const index_t inner = ls.size[last];
  const index_t rows = total / inner;
  T* d0 = dst.data();
  auto runRows = [&](index_t r0, index_t r1) {
    Cursor<N> c;
    for (index_t r = r0; r < r1; ++r) {
      index_t rem = r, dOff = 0;
      index_t off[N > 0 ? N : 1] = {};
      for (int dd = last - 1; dd >= 0; --dd) {
        const index_t idx = rem % ls.size[dd];
        rem /= ls.size[dd];
        dOff += idx * ls.stride[0][dd];
        for (int j = 0; j < N; ++j) off[j] += idx * ls.stride[j + 1][dd];
      }
      for (int j = 0; j < N; ++j) {
        c.ptr[j] = base[j] + off[j] * elem[j];
        c.step[j] = ls.stride[j + 1][last];
      }
      runRow(d0 + dOff, ls.stride[0][last], e, c, inner);
    }
  };
#ifdef _OPENMP
  if (total >= parallelThreshold() && rows > 1) {
#pragma omp parallel reduction(|| : bad)
    {
      const index_t nt = omp_get_num_threads(), id = omp_get_thread_num();
      runChecked<E>(bad, [&] { runRows(rows * id / nt, rows * (id + 1) / nt); });
    }
    return;
  }
#endif
  runChecked<E>(bad, [&] { runRows(0, rows); });
}

/// Writes `e` into `dst` (same shape, no alias check). An integer division by zero leaves 0
/// in those elements and throws ValueError once the loop is done.
template <class T, class E>
void assignTo(Tensor<T>& dst, const E& e) {
  bool bad = false;
  assignToImpl(dst, e, bad);
  if constexpr (E::intDiv)
    if (bad) t7::detail::fail<ValueError>("integer division by zero in ", e.describe());
}

/// True when `dst` overlaps a leaf of `e` that it does not view exactly the same way, i.e.
/// when writing `dst` element by element could change operands not yet read.
template <class T, class E>
bool needsTemporary(const Tensor<T>& dst, const E& e) {
  bool clash = false;
  e.visitLeaves([&](const auto& t) {
    using U = typename std::remove_cvref_t<decltype(t)>::value_type;
    if constexpr (std::is_same_v<U, T>) {
      if (!t.storage().isSameAs(dst.storage())) return;  // the common case, inline
    }
    if (!t7::detail::mayOverlap(dst, t)) return;
    const bool same = t.storageOffset() == dst.storageOffset() &&
                      broadcastStrides(t.sizes(), t.strides(), dst.sizes()) == dst.strides() &&
                      t.nElement() == dst.nElement();
    clash = clash || !same;
  });
  return clash;
}

/// The element count of a contiguous layout, or -1 when `sizes`/`strides` is not
/// contiguous (the test of Tensor::isContiguous and the count in one loop).
inline index_t contiguousCount(const Shape& sizes, const Strides& strides) {
  index_t expected = 1;
  for (int d = sizes.size() - 1; d >= 0; --d) {
    if (sizes[d] == 1) continue;
    if (strides[d] != expected) return -1;
    expected *= sizes[d];
  }
  return expected;
}

/// True when a layout has sizes `out` and steps through them as `outStrides` does (the
/// strides of size-1 dimensions, never stepped, aside).
inline bool sameWalk(const Shape& sizes, const Strides& strides, const Shape& out, const Strides& outStrides) {
  if (sizes.size() != out.size()) return false;
  for (int d = 0; d < out.size(); ++d)
    if (sizes[d] != out[d] || (out[d] != 1 && strides[d] != outStrides[d])) return false;
  return true;
}

/// `dst = e` in one pass over the leaves for the common case: `dst` contiguous, every leaf
/// with dst's sizes and walking them as dst does (so contiguous too), and any leaf on dst's
/// storage starting where dst starts (so it views the same elements in the same order).
/// Then e's shape is dst's, no temporary is needed and the loop is flat. Returns false,
/// having done nothing, otherwise.
template <class T, class E>
bool tryAssignFlat(Tensor<T>& dst, const E& e) {
  constexpr int N = E::leaves;
  if constexpr (N == 0) {
    return false;
  } else {
    const Shape& out = dst.sizes();
    const Strides& outStrides = dst.strides();
    const index_t total = contiguousCount(out, outStrides);
    if (total <= 0) return false;  // (not contiguous, or nothing to write)
    Cursor<N> c;
    bool ok = true;
    int k = 0;
    e.visitLeaves([&](const auto& t) {
      using U = typename std::remove_cvref_t<decltype(t)>::value_type;
      bool fits = sameWalk(t.sizes(), t.strides(), out, outStrides);
      if constexpr (std::is_same_v<U, T>)
        fits = fits && (t.storageOffset() == dst.storageOffset() || !t.storage().isSameAs(dst.storage()));
      ok = ok && fits;
      c.ptr[k] = reinterpret_cast<const char*>(t.data());
      c.step[k++] = 1;
    });
    if (!ok) return false;
    dst.noteWrite();
    bool bad = false;
    runFlatAll(dst.data(), e, c, total, bad);
    if constexpr (E::intDiv)
      if (bad) t7::detail::fail<ValueError>("integer division by zero in ", e.describe());
    return true;
  }
}

}  // namespace detail

/// Evaluates `e` into `dst`, whose shape must be the expression's; alias-safe.
template <class T, class E>
void assign(Tensor<T>& dst, const E& e) {
  if (detail::needsTemporary(dst, e)) {
    Tensor<T> tmp(dst.sizes());
    detail::assignTo(tmp, e);
    dst.copy(tmp);
    return;
  }
  detail::assignTo(dst, e);
}

/// A new contiguous tensor holding the value of `e` (in its value_type).
template <class E>
auto eval(const E& e) {
  Tensor<typename E::value_type> r(e.shape());
  detail::assignTo(r, e);
  return r;
}

}  // namespace expr

// ---- Tensor members that take expressions -------------------------------------------------

template <Element T, Device D>
template <class E>
  requires expr::isNode<E>
Tensor<T, D>::Tensor(const E& e) : Tensor(e.shape()) {
  expr::detail::assignTo(*this, e);
}

template <Element T, Device D>
template <class E>
  requires expr::isNode<E>
Tensor<T, D>& Tensor<T, D>::operator=(const E& e) {
  if (expr::detail::tryAssignFlat(*this, e)) [[likely]]
    return *this;
  const Shape s = e.shape();
  if (sizes_ != s) {
    // Only a tensor with no element is resized: resizing a view would silently re-lay it
    // over its base's storage.
    if (nElement() != 0)
      detail::fail<SizeError>("operator=: the expression has size ", s.toString(), " but the tensor has size ",
                              sizes_.toString(), "; resize() it first or assign to a new tensor");
    resize(s);
  }
  expr::assign(*this, e);
  return *this;
}

namespace expr::detail {
/// `dst = e` where e's shape must be dst's (in-place forms cannot grow their tensor).
template <class T, class E>
Tensor<T>& assignInPlace(Tensor<T>& dst, const E& e, const char* op) {
  if (tryAssignFlat(dst, e)) [[likely]]
    return dst;
  const Shape s = e.shape();
  if (s != dst.sizes())
    t7::detail::fail<SizeError>(op, ": the result has size ", s.toString(), " but the tensor it writes has size ",
                                dst.sizes().toString());
  expr::assign(dst, e);
  return dst;
}
}  // namespace expr::detail

}  // namespace t7
