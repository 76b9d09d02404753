#pragma once
/// \file index.hpp
/// Torch7's mask and index operations: `maskedSelect`, `maskedFill`, `maskedCopy`,
/// `nonzero`, `index` (= `indexSelect`), `indexCopy`, `indexAdd`, `indexFill`, `gather`,
/// `scatter` (tensor or value) and `scatterAdd`.
///
/// - Indices are 0-based `LongTensor`s (Torch7's are 1-based); masks are `ByteTensor`s and
///   any nonzero byte selects (Torch7 raised an error for bytes other than 0 and 1).
/// - What Torch7 spells `torch.f([res,] ...)` returns a new tensor, or writes into `res`
///   (resized to the result's shape unless it already has it) and returns `res`.
/// - What Torch7 spells as a mutating method, `x:indexFill(dim, index, v)`, is a free
///   function that takes the destination first, writes into it **in place** and returns it:
///   `indexFill(x, 0, idx, 0.f)`. A temporary view works too
///   (`indexFill(x.narrow(0, 1, 2), ...)`); that overload returns the view's handle.
/// - Every shape and every index is checked before anything is written: a call that throws
///   leaves its destination (and `res`) unchanged. An operand that overlaps the destination
///   is copied first, so `indexAdd(x, 0, idx, x)` reads x's old values.
/// - Any layout works (transposed, narrowed, expanded); contiguous operands take fast paths
///   (whole-row copies for `indexSelect` along dimension 0, one tight loop for `gather` and
///   `scatter`), split across OpenMP threads for large inputs where writes cannot collide.

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>

#include "t7/core/error.hpp"
#include "t7/core/shape.hpp"
#include "t7/math/detail/dim_apply.hpp"
#include "t7/math/detail/result.hpp"
#include "t7/tensor/detail/iteration.hpp"
#include "t7/tensor/tensor.hpp"

namespace t7 {

// ---- masks ------------------------------------------------------------------------------

/// The elements of `x` where `mask` is nonzero, as a 1-D tensor, in row-major order
/// (Torch7's `torch.maskedSelect([res,] x, mask)`, `x[mask]`). `mask` must have as many
/// elements as `x` (its shape may differ: elements pair up in row-major order, as in
/// Torch7); SizeError otherwise. No selected element gives a tensor of size 0.
template <Element T>
Tensor<T> maskedSelect(const Tensor<T>& x, const ByteTensor& mask);
/// maskedSelect into `res`.
template <Element T>
Tensor<T>& maskedSelect(Tensor<T>& res, const Tensor<T>& x, const ByteTensor& mask);

/// In place: sets the elements of `x` where `mask` is nonzero to `value`; returns x
/// (Torch7's `x:maskedFill(mask, value)`, `x[mask] = value`). Same element-count rule as
/// maskedSelect.
template <Element T>
Tensor<T>& maskedFill(Tensor<T>& x, const ByteTensor& mask, std::type_identity_t<T> value);
template <Element T>
Tensor<T> maskedFill(Tensor<T>&& x, const ByteTensor& mask, std::type_identity_t<T> value) {
  return maskedFill(x, mask, value);
}

/// In place: copies successive elements of `src` (row-major order) into the elements of
/// `x` where `mask` is nonzero; returns x (Torch7's `x:maskedCopy(mask, src)`,
/// `x[mask] = src`). SizeError when src has fewer elements than the mask selects (extra
/// elements are ignored, as in Torch7).
template <Element T>
Tensor<T>& maskedCopy(Tensor<T>& x, const ByteTensor& mask, const std::type_identity_t<Tensor<T>>& src);
template <Element T>
Tensor<T> maskedCopy(Tensor<T>&& x, const ByteTensor& mask, const std::type_identity_t<Tensor<T>>& src) {
  return maskedCopy(x, mask, src);
}

/// The 0-based subscripts of the nonzero elements of `x`, one row each, in row-major
/// order: an n x x.dim() LongTensor (Torch7's `torch.nonzero([res,] x)`). Without nonzero
/// elements the result has size 0 x x.dim() (Torch7 returned an empty tensor).
template <Element T>
LongTensor nonzero(const Tensor<T>& x);
/// nonzero into `res`.
template <Element T>
LongTensor& nonzero(LongTensor& res, const Tensor<T>& x);

// ---- index: whole slices along one dimension --------------------------------------------

/// The slices `index[0], index[1], ...` of `x` along `dim`, stacked along `dim`: the result
/// has x's sizes with size(dim) = index.nElement() (Torch7's `torch.index([res,] x, dim,
/// index)` / `x:index(dim, index)`). `index` is 1-D (an empty LongTensor selects nothing);
/// repeats are allowed. Along dimension 0 of a contiguous tensor this copies whole rows
/// (an embedding lookup).
template <Element T>
Tensor<T> indexSelect(const Tensor<T>& x, int dim, const LongTensor& index);
/// indexSelect into `res`.
template <Element T>
Tensor<T>& indexSelect(Tensor<T>& res, const Tensor<T>& x, int dim, const LongTensor& index);
/// Torch7's name of indexSelect.
template <Element T>
Tensor<T> index(const Tensor<T>& x, int dim, const LongTensor& index) {
  return indexSelect(x, dim, index);
}
/// Torch7's name of indexSelect, into `res`.
template <Element T>
Tensor<T>& index(Tensor<T>& res, const Tensor<T>& x, int dim, const LongTensor& index) {
  return indexSelect(res, x, dim, index);
}

/// In place: copies slice i of `src` along `dim` into slice index[i] of `x`; returns x
/// (Torch7's `x:indexCopy(dim, index, src)`). src must have x's sizes with
/// size(dim) = index.nElement(). With a repeated index the last copy wins.
template <Element T>
Tensor<T>& indexCopy(Tensor<T>& x, int dim, const LongTensor& index, const std::type_identity_t<Tensor<T>>& src);
template <Element T>
Tensor<T> indexCopy(Tensor<T>&& x, int dim, const LongTensor& index, const std::type_identity_t<Tensor<T>>& src) {
  return indexCopy(x, dim, index, src);
}

/// In place: adds slice i of `src` along `dim` to slice index[i] of `x`; returns x
/// (Torch7's `x:indexAdd(dim, index, src)`). Repeated indices accumulate. Same shape rule
/// as indexCopy.
template <Element T>
Tensor<T>& indexAdd(Tensor<T>& x, int dim, const LongTensor& index, const std::type_identity_t<Tensor<T>>& src);
template <Element T>
Tensor<T> indexAdd(Tensor<T>&& x, int dim, const LongTensor& index, const std::type_identity_t<Tensor<T>>& src) {
  return indexAdd(x, dim, index, src);
}

/// In place: fills the slices index[0], index[1], ... of `x` along `dim` with `value`;
/// returns x (Torch7's `x:indexFill(dim, index, value)`).
template <Element T>
Tensor<T>& indexFill(Tensor<T>& x, int dim, const LongTensor& index, std::type_identity_t<T> value);
template <Element T>
Tensor<T> indexFill(Tensor<T>&& x, int dim, const LongTensor& index, std::type_identity_t<T> value) {
  return indexFill(x, dim, index, value);
}

// ---- gather / scatter: one element per index --------------------------------------------

/// Picks one element of `x` along `dim` per element of `index`: the result has index's
/// shape and, for dim = 0, out[i][j] = x[index[i][j]][j] (dim = 1: x[i][index[i][j]])
/// (Torch7's `torch.gather([res,] x, dim, index)`). As in Torch7, index has x's rank and
/// x's sizes in every dimension but `dim`.
template <Element T>
Tensor<T> gather(const Tensor<T>& x, int dim, const LongTensor& index);
/// gather into `res`.
template <Element T>
Tensor<T>& gather(Tensor<T>& res, const Tensor<T>& x, int dim, const LongTensor& index);

/// In place, the inverse of gather: for dim = 0, x[index[i][j]][j] = src[i][j]; returns x
/// (Torch7's `x:scatter(dim, index, src)`). index, src and x have the same rank and the
/// same sizes except along `dim`, where index.size(dim) <= src.size(dim). With a repeated
/// index along a row the last write wins.
template <Element T>
Tensor<T>& scatter(Tensor<T>& x, int dim, const LongTensor& index, const std::type_identity_t<Tensor<T>>& src);
template <Element T>
Tensor<T> scatter(Tensor<T>&& x, int dim, const LongTensor& index, const std::type_identity_t<Tensor<T>>& src) {
  return scatter(x, dim, index, src);
}
/// In place: x[index[i][j]][j] = value for dim = 0 (Torch7's `x:scatter(dim, index, value)`).
template <Element T>
Tensor<T>& scatter(Tensor<T>& x, int dim, const LongTensor& index, std::type_identity_t<T> value);
template <Element T>
Tensor<T> scatter(Tensor<T>&& x, int dim, const LongTensor& index, std::type_identity_t<T> value) {
  return scatter(x, dim, index, value);
}
/// In place: x[index[i][j]][j] += src[i][j] for dim = 0; repeated indices accumulate
/// (Torch7's `x:scatterAdd(dim, index, src)`). Same shape rule as scatter.
template <Element T>
Tensor<T>& scatterAdd(Tensor<T>& x, int dim, const LongTensor& index, const std::type_identity_t<Tensor<T>>& src);
template <Element T>
Tensor<T> scatterAdd(Tensor<T>&& x, int dim, const LongTensor& index, const std::type_identity_t<Tensor<T>>& src) {
  return scatterAdd(x, dim, index, src);
}

// ==== definitions ==========================================================================

/// Helpers of this header (a namespace of their own, so that their names cannot clash with
/// other math headers' detail helpers).
namespace detail::indexing {

/// Index operations split across OpenMP threads above this many elements.
inline constexpr index_t kIndexParallelThreshold = index_t{1} << 15;

using t7::detail::bracketed;

/// Row-major subscripts of element `linear` of a tensor of `sizes`, as "[1, 0]".
inline std::string subscripts(index_t linear, const Shape& sizes) {
  Shape sub = Shape::filled(sizes.size(), 0);
  for (int d = sizes.size() - 1; d >= 0; --d) {
    sub[d] = linear % sizes[d];
    linear /= sizes[d];
  }
  std::string s = "[";
  for (int d = 0; d < sub.size(); ++d) s += (d ? ", " : "") + std::to_string(sub[d]);
  return s + "]";
}

/// Throws IndexError for the first element of `index` (row-major) outside [0, size), where
/// `size` is dimension `dim` of `what` (a tensor of `whatSizes`).
inline void checkIndexValues(const char* op, const LongTensor& index, index_t size, int dim, const char* what,
                             const Shape& whatSizes) {
  const index_t* p = index.data();
  index_t pos = 0;
  stridedLoop<1>(index.sizes(), {&index.strides()}, [&](index_t n, const auto& off, const auto& st) {
    const index_t* q = p + off[0];
    for (index_t i = 0; i < n; ++i) {
      const index_t v = q[i * st[0]];
      if (static_cast<std::uint64_t>(v) >= static_cast<std::uint64_t>(size))  // also v < 0
        fail<IndexError>(op, ": index ", v, " at position ", subscripts(pos + i, index.sizes()), " of index ",
                         bracketed(index.sizes()), " is out of range for dimension ", dim, " of ", what, " ",
                         bracketed(whatSizes), " (size ", size, ")");
    }
    pos += n;
  });
}

/// The indices of an index* operation as a contiguous vector. `index` must be 1-D (an
/// empty LongTensor means no index). Copied when it overlaps `dst`, which is written.
template <class T>
LongTensor indexVector(const char* op, const LongTensor& index, const Tensor<T>& dst) {
  if (index.dim() > 1)
    fail<SizeError>(op, ": index must be a 1-D LongTensor, got size ", bracketed(index.sizes()));
  return mayOverlap(dst, index) ? index.clone() : index.contiguous();
}

/// Throws SizeError unless `a` and `b` have the same rank and sizes in all dimensions but
/// `dim` (Torch7's TH_TENSOR_DIM_APPLY size check).
inline void checkSameExceptDim(const char* op, const char* aName, const Shape& a, const char* bName, const Shape& b,
                               int dim) {
  if (a.size() != b.size())
    fail<SizeError>(op, ": ", aName, " ", bracketed(a), " has ", a.size(), " dimension", a.size() == 1 ? "" : "s",
                    " but ", bName, " ", bracketed(b), " has ", b.size());
  for (int d = 0; d < a.size(); ++d)
    if (d != dim && a[d] != b[d])
      fail<SizeError>(op, ": ", aName, " ", bracketed(a), " and ", bName, " ", bracketed(b), " differ in dimension ",
                      d, " (only dimension ", dim, ", the indexed one, may differ)");
}

/// `mask` paired with a tensor of `sizes` (n elements) in row-major order: the same element
/// count is required (Torch7's rule); a mask of another shape is viewed with `sizes`.
inline ByteTensor maskFor(const char* op, const ByteTensor& mask, const Shape& sizes, index_t n, const char* what) {
  if (mask.nElement() != n)
    fail<SizeError>(op, ": mask ", bracketed(mask.sizes()), " has ", mask.nElement(), " elements but ", what, " ",
                    bracketed(sizes), " has ", n, " (the element counts must match)");
  if (mask.sizes() == sizes) return mask;
  const ByteTensor m = mask.contiguous();
  return ByteTensor(m.storage(), m.storageOffset(), sizes);
}

/// Number of nonzero elements of `t`.
template <class T>
index_t countNonzero(const Tensor<T>& t) {
  index_t count = 0;
  const T* p = t.data();
  stridedLoop<1>(t.sizes(), {&t.strides()}, [&](index_t n, const auto& off, const auto& st) {
    const T* q = p + off[0];
    if (st[0] == 1) {
      for (index_t i = 0; i < n; ++i) count += q[i] != T(0);
    } else {
      for (index_t i = 0; i < n; ++i) count += q[i * st[0]] != T(0);
    }
  });
  return count;
}

using t7::detail::writeResult;

/// Product of sizes[from, to).
inline index_t sizeProduct(const Shape& sizes, int from, int to) {
  index_t p = 1;
  for (int d = from; d < to; ++d) p *= sizes[d];
  return p;
}

/// out = x.index(dim, ip[0..n)), indices already checked; out has its final shape.
template <class T>
void indexSelectInto(Tensor<T>& out, const Tensor<T>& x, int dim, const index_t* ip, index_t n) {
  if (out.nElement() == 0) return;
  T* o = out.data();
  const T* s = x.data();
  if (dim == 0 && x.isContiguous() && out.isContiguous()) {  // whole rows
    const index_t row = x.nElement() / x.size(0);
    [[maybe_unused]] const bool big = n * row >= kIndexParallelThreshold;
    if (row == 1) {
#ifdef _OPENMP
#pragma omp parallel for if (big) schedule(static)
#endif
      for (index_t i = 0; i < n; ++i) o[i] = s[ip[i]];
    } else {
#ifdef _OPENMP
#pragma omp parallel for if (big) schedule(static)
#endif
      for (index_t i = 0; i < n; ++i)
        std::memcpy(o + i * row, s + ip[i] * row, static_cast<std::size_t>(row) * sizeof(T));
    }
    return;
  }
  const index_t os = out.stride(dim), xs = x.stride(dim);
  forEachSlice<2>(out.sizes(), dim, {&out.strides(), &x.strides()}, [&](const auto& off) {
    T* po = o + off[0];
    const T* px = s + off[1];
    for (index_t i = 0; i < n; ++i) po[i * os] = px[ip[i] * xs];
  });
}

/// x.indexCopy / x.indexAdd (Add = true): checks everything, then writes.
template <bool Add, class T>
Tensor<T>& indexWrite(const char* op, Tensor<T>& x, int dim, const LongTensor& index, const Tensor<T>& src) {
  const int d = normalizeDim(dim, x.dim(), op);
  const LongTensor idx = indexVector(op, index, x);
  const index_t n = idx.nElement();
  const Shape expected = withSize(x.sizes(), d, n);
  if (!(src.sizes() == expected))
    fail<SizeError>(op, ": src ", bracketed(src.sizes()), " does not fit destination ", bracketed(x.sizes()),
                    " with ", n, " indices along dimension ", d, " (expected src ", bracketed(expected), ")");
  checkIndexValues(op, idx, x.size(d), d, "destination", x.sizes());
  if (src.nElement() == 0) return x;
  x.noteWrite();
  const Tensor<T> s = mayOverlap(x, src) ? src.clone() : src;
  const index_t* ip = idx.data();
  T* px = x.data();
  const T* ps = s.data();
  if (d == 0 && x.isContiguous() && s.isContiguous()) {
    // Rows: threads take disjoint column blocks, each walks the indices in order, so a
    // repeated index accumulates (or, for copy, the last one wins) without races.
    const index_t row = x.nElement() / x.size(0);
    constexpr index_t kBlock = 512;
    const index_t blocks = (row + kBlock - 1) / kBlock;
    [[maybe_unused]] const bool big = n * row >= kIndexParallelThreshold;
#ifdef _OPENMP
#pragma omp parallel for if (big && blocks > 1) schedule(static)
#endif
    for (index_t b = 0; b < blocks; ++b) {
      const index_t lo = b * kBlock, len = std::min(kBlock, row - lo);
      for (index_t i = 0; i < n; ++i) {
        T* dst = px + ip[i] * row + lo;
        const T* from = ps + i * row + lo;
        if constexpr (Add) {
          for (index_t j = 0; j < len; ++j) dst[j] += from[j];
        } else {
          std::memcpy(dst, from, static_cast<std::size_t>(len) * sizeof(T));
        }
      }
    }
    return x;
  }
  const index_t xs = x.stride(d), ss = s.stride(d);
  forEachSlice<2>(s.sizes(), d, {&x.strides(), &s.strides()}, [&](const auto& off) {
    T* dst = px + off[0];
    const T* from = ps + off[1];
    for (index_t i = 0; i < n; ++i) {
      if constexpr (Add) dst[ip[i] * xs] += from[i * ss];
      else dst[ip[i] * xs] = from[i * ss];
    }
  });
  return x;
}

enum class ScatterMode { Copy, Add, Fill };

/// x.scatter(dim, index, src | value) and x.scatterAdd: checks everything, then writes.
template <ScatterMode Mode, class T>
Tensor<T>& scatterImpl(const char* op, Tensor<T>& x, int dim, const LongTensor& index, const Tensor<T>* src, T value) {
  const int d = normalizeDim(dim, x.dim(), op);
  checkSameExceptDim(op, "index", index.sizes(), "destination", x.sizes(), d);
  if constexpr (Mode != ScatterMode::Fill) {
    checkSameExceptDim(op, "src", src->sizes(), "destination", x.sizes(), d);
    if (index.size(d) > src->size(d))
      fail<SizeError>(op, ": index ", bracketed(index.sizes()), " has ", index.size(d), " elements along dimension ", d,
                      " but src ", bracketed(src->sizes()), " has only ", src->size(d));
  }
  const LongTensor idx = mayOverlap(x, index) ? index.clone() : index;
  checkIndexValues(op, idx, x.size(d), d, "destination", x.sizes());
  if (idx.nElement() == 0) return x;
  Tensor<T> s;
  if constexpr (Mode != ScatterMode::Fill) s = mayOverlap(x, *src) ? src->clone() : *src;
  x.noteWrite();
  T* px = x.data();
  const T* ps = s.data();
  const index_t* pi = idx.data();
  // (a default capture: each mode uses one of ps and value, and clang warns of the other)
  auto put = [&](T& dst, index_t from) {  // from: element offset in src
    if constexpr (Mode == ScatterMode::Copy) dst = ps[from];
    else if constexpr (Mode == ScatterMode::Add) dst += ps[from];
    else dst = value;
  };
  const index_t ni = idx.size(d);
  if (x.isContiguous() && idx.isContiguous() && (Mode == ScatterMode::Fill || s.isContiguous())) {
    // Threads take disjoint outer blocks of x; within one, indices are applied in order.
    const Shape& is = idx.sizes();
    const index_t outer = sizeProduct(is, 0, d), inner = sizeProduct(is, d + 1, is.size());
    const index_t nx = x.size(d), ns = Mode == ScatterMode::Fill ? 0 : s.size(d);
    [[maybe_unused]] const bool big = idx.nElement() >= kIndexParallelThreshold && outer > 1;
#ifdef _OPENMP
#pragma omp parallel for if (big) schedule(static)
#endif
    for (index_t o = 0; o < outer; ++o) {
      const index_t* ip = pi + o * ni * inner;
      T* xp = px + o * nx * inner;
      const index_t so = o * ns * inner;
      if (inner == 1) {
        for (index_t i = 0; i < ni; ++i) put(xp[ip[i]], so + i);
      } else {
        for (index_t i = 0; i < ni; ++i)
          for (index_t k = 0; k < inner; ++k) put(xp[ip[i * inner + k] * inner + k], so + i * inner + k);
      }
    }
    return x;
  }
  // A fill has no src: its slot walks the index's strides and is never read.
  const Strides& sst = Mode == ScatterMode::Fill ? idx.strides() : s.strides();
  const index_t xs = x.stride(d), ss = sst[d], is = idx.stride(d);
  forEachSlice<3>(idx.sizes(), d, {&x.strides(), &sst, &idx.strides()}, [&](const auto& off) {
    T* xp = px + off[0];
    const index_t* ip = pi + off[2];
    for (index_t i = 0; i < ni; ++i) put(xp[ip[i * is] * xs], off[1] + i * ss);
  });
  return x;
}

/// out = x.gather(dim, index), indices already checked; out has index's shape.
template <class T>
void gatherInto(Tensor<T>& out, const Tensor<T>& x, int dim, const LongTensor& index) {
  if (out.nElement() == 0) return;
  T* po = out.data();
  const T* px = x.data();
  const index_t* pi = index.data();
  const index_t ni = index.size(dim);
  if (x.isContiguous() && index.isContiguous() && out.isContiguous()) {
    const Shape& is = index.sizes();
    const index_t outer = sizeProduct(is, 0, dim), inner = sizeProduct(is, dim + 1, is.size());
    const index_t nx = x.size(dim);
    [[maybe_unused]] const bool big = out.nElement() >= kIndexParallelThreshold && outer > 1;
#ifdef _OPENMP
#pragma omp parallel for if (big) schedule(static)
#endif
    for (index_t o = 0; o < outer; ++o) {
      const index_t* ip = pi + o * ni * inner;
      T* op = po + o * ni * inner;
      const T* xp = px + o * nx * inner;
      if (inner == 1) {
        for (index_t i = 0; i < ni; ++i) op[i] = xp[ip[i]];
      } else {
        for (index_t i = 0; i < ni; ++i)
          for (index_t k = 0; k < inner; ++k) op[i * inner + k] = xp[ip[i * inner + k] * inner + k];
      }
    }
    return;
  }
  const index_t os = out.stride(dim), xs = x.stride(dim), is = index.stride(dim);
  forEachSlice<3>(index.sizes(), dim, {&out.strides(), &x.strides(), &index.strides()}, [&](const auto& off) {
    T* op = po + off[0];
    const T* xp = px + off[1];
    const index_t* ip = pi + off[2];
    for (index_t i = 0; i < ni; ++i) op[i * os] = xp[ip[i * is] * xs];
  });
}

}  // namespace detail::indexing

template <Element T>
Tensor<T> maskedSelect(const Tensor<T>& x, const ByteTensor& mask) {
  Tensor<T> res;
  return maskedSelect(res, x, mask);
}

template <Element T>
Tensor<T>& maskedSelect(Tensor<T>& res, const Tensor<T>& x, const ByteTensor& mask) {
  const ByteTensor m = detail::indexing::maskFor("maskedSelect", mask, x.sizes(), x.nElement(), "input");
  const index_t n = detail::indexing::countNonzero(m);
  const auto overlaps = [&](const Tensor<T>& r) { return detail::mayOverlap(r, x) || detail::mayOverlap(r, m); };
  return detail::indexing::writeResult(res, Shape{n}, overlaps, [&](Tensor<T>& out) {
    if (n == 0) return;
    T* po = out.data();
    const index_t os = out.stride(0);
    const T* px = x.data();
    const std::uint8_t* pm = m.data();
    // Branch-free: every element is written at slot k, which only a selected element
    // advances past; the loop stops once all n are placed, so k < n at every write.
    index_t k = 0;
    detail::stridedLoop<2>(x.sizes(), {&x.strides(), &m.strides()}, [&](index_t cnt, const auto& off, const auto& st) {
      for (index_t i = 0; i < cnt && k < n; ++i) {
        po[os * k] = px[off[0] + i * st[0]];
        k += pm[off[1] + i * st[1]] != 0;
      }
    });
  });
}

template <Element T>
Tensor<T>& maskedFill(Tensor<T>& x, const ByteTensor& mask, std::type_identity_t<T> value) {
  ByteTensor m = detail::indexing::maskFor("maskedFill", mask, x.sizes(), x.nElement(), "destination");
  if (detail::mayOverlap(x, m)) m = m.clone();
  x.noteWrite();
  T* px = x.data();
  const std::uint8_t* pm = m.data();
  detail::stridedLoop<2>(x.sizes(), {&x.strides(), &m.strides()}, [&](index_t n, const auto& off, const auto& st) {
    T* xp = px + off[0];
    const std::uint8_t* mp = pm + off[1];
    if (st[0] == 1 && st[1] == 1) {  // a blend the compiler vectorises
      for (index_t i = 0; i < n; ++i) xp[i] = mp[i] ? value : xp[i];
    } else {
      for (index_t i = 0; i < n; ++i)
        if (mp[i * st[1]]) xp[i * st[0]] = value;
    }
  });
  return x;
}

template <Element T>
Tensor<T>& maskedCopy(Tensor<T>& x, const ByteTensor& mask, const std::type_identity_t<Tensor<T>>& src) {
  ByteTensor m = detail::indexing::maskFor("maskedCopy", mask, x.sizes(), x.nElement(), "destination");
  const index_t n = detail::indexing::countNonzero(m);
  if (src.nElement() < n)
    detail::fail<SizeError>("maskedCopy: mask ", detail::indexing::bracketed(mask.sizes()), " selects ", n, " elements but src ",
                            detail::indexing::bracketed(src.sizes()), " has only ", src.nElement());
  if (n == 0) return x;
  if (detail::mayOverlap(x, m)) m = m.clone();
  const Tensor<T> s = detail::mayOverlap(x, src) ? src.clone() : src.contiguous();
  x.noteWrite();
  T* px = x.data();
  const T* ps = s.data();
  const std::uint8_t* pm = m.data();
  detail::stridedLoop<2>(x.sizes(), {&x.strides(), &m.strides()}, [&](index_t cnt, const auto& off, const auto& st) {
    for (index_t i = 0; i < cnt; ++i)
      if (pm[off[1] + i * st[1]]) px[off[0] + i * st[0]] = *ps++;
  });
  return x;
}

template <Element T>
LongTensor nonzero(const Tensor<T>& x) {
  LongTensor res;
  return nonzero(res, x);
}

template <Element T>
LongTensor& nonzero(LongTensor& res, const Tensor<T>& x) {
  const int nd = x.dim();
  const index_t n = detail::indexing::countNonzero(x);
  const auto overlaps = [&](const LongTensor& r) { return detail::mayOverlap(r, x); };
  return detail::indexing::writeResult(res, Shape{n, nd}, overlaps, [&](LongTensor& out) {
    if (n == 0) return;
    index_t* po = out.data();
    const index_t s0 = out.stride(0), s1 = out.stride(1);
    const Shape& xs = x.sizes();
    Shape sub = Shape::filled(nd, 0);  // subscripts of the current element
    const T* px = x.data();
    index_t row = 0;
    detail::stridedLoop<1>(xs, {&x.strides()}, [&](index_t cnt, const auto& off, const auto& st) {
      for (index_t i = 0; i < cnt; ++i) {
        if (px[off[0] + i * st[0]] != T(0)) {
          for (int d = 0; d < nd; ++d) po[row * s0 + d * s1] = sub[d];
          ++row;
        }
        for (int d = nd - 1; d >= 0 && ++sub[d] == xs[d]; --d) sub[d] = 0;
      }
    });
  });
}

template <Element T>
Tensor<T> indexSelect(const Tensor<T>& x, int dim, const LongTensor& index) {
  Tensor<T> res;
  return indexSelect(res, x, dim, index);
}

template <Element T>
Tensor<T>& indexSelect(Tensor<T>& res, const Tensor<T>& x, int dim, const LongTensor& index) {
  constexpr const char* op = "indexSelect";
  const int d = detail::normalizeDim(dim, x.dim(), op);
  const LongTensor idx = detail::indexing::indexVector(op, index, res);
  detail::indexing::checkIndexValues(op, idx, x.size(d), d, "input", x.sizes());
  const index_t n = idx.nElement();
  const auto overlaps = [&](const Tensor<T>& r) { return detail::mayOverlap(r, x) || detail::mayOverlap(r, idx); };
  return detail::indexing::writeResult(res, detail::withSize(x.sizes(), d, n), overlaps,
                             [&](Tensor<T>& out) { detail::indexing::indexSelectInto(out, x, d, idx.data(), n); });
}

template <Element T>
Tensor<T>& indexCopy(Tensor<T>& x, int dim, const LongTensor& index, const std::type_identity_t<Tensor<T>>& src) {
  return detail::indexing::indexWrite<false>("indexCopy", x, dim, index, src);
}

template <Element T>
Tensor<T>& indexAdd(Tensor<T>& x, int dim, const LongTensor& index, const std::type_identity_t<Tensor<T>>& src) {
  return detail::indexing::indexWrite<true>("indexAdd", x, dim, index, src);
}

template <Element T>
Tensor<T>& indexFill(Tensor<T>& x, int dim, const LongTensor& index, std::type_identity_t<T> value) {
  constexpr const char* op = "indexFill";
  const int d = detail::normalizeDim(dim, x.dim(), op);
  const LongTensor idx = detail::indexing::indexVector(op, index, x);
  detail::indexing::checkIndexValues(op, idx, x.size(d), d, "destination", x.sizes());
  const index_t n = idx.nElement();
  if (n == 0 || x.nElement() == 0) return x;
  x.noteWrite();
  const index_t* ip = idx.data();
  T* px = x.data();
  if (d == 0 && x.isContiguous()) {  // whole rows
    const index_t row = x.nElement() / x.size(0);
    for (index_t i = 0; i < n; ++i) std::fill(px + ip[i] * row, px + (ip[i] + 1) * row, value);
    return x;
  }
  const index_t xs = x.stride(d);
  detail::forEachSlice<1>(x.sizes(), d, {&x.strides()}, [&](const auto& off) {
    for (index_t i = 0; i < n; ++i) px[off[0] + ip[i] * xs] = value;
  });
  return x;
}

template <Element T>
Tensor<T> gather(const Tensor<T>& x, int dim, const LongTensor& index) {
  Tensor<T> res;
  return gather(res, x, dim, index);
}

template <Element T>
Tensor<T>& gather(Tensor<T>& res, const Tensor<T>& x, int dim, const LongTensor& index) {
  constexpr const char* op = "gather";
  const int d = detail::normalizeDim(dim, x.dim(), op);
  detail::indexing::checkSameExceptDim(op, "index", index.sizes(), "input", x.sizes(), d);
  detail::indexing::checkIndexValues(op, index, x.size(d), d, "input", x.sizes());
  const auto overlaps = [&](const Tensor<T>& r) { return detail::mayOverlap(r, x) || detail::mayOverlap(r, index); };
  return detail::indexing::writeResult(res, index.sizes(), overlaps,
                             [&](Tensor<T>& out) { detail::indexing::gatherInto(out, x, d, index); });
}

template <Element T>
Tensor<T>& scatter(Tensor<T>& x, int dim, const LongTensor& index, const std::type_identity_t<Tensor<T>>& src) {
  return detail::indexing::scatterImpl<detail::indexing::ScatterMode::Copy>("scatter", x, dim, index, &src, T(0));
}

template <Element T>
Tensor<T>& scatter(Tensor<T>& x, int dim, const LongTensor& index, std::type_identity_t<T> value) {
  return detail::indexing::scatterImpl<detail::indexing::ScatterMode::Fill, T>("scatter", x, dim, index, nullptr, value);
}

template <Element T>
Tensor<T>& scatterAdd(Tensor<T>& x, int dim, const LongTensor& index, const std::type_identity_t<Tensor<T>>& src) {
  return detail::indexing::scatterImpl<detail::indexing::ScatterMode::Add>("scatterAdd", x, dim, index, &src, T(0));
}

}  // namespace t7
