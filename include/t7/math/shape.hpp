#pragma once
/// \file shape.hpp
/// Torch7's shape functions: `cat`, `split`, `chunk`, `repeatTensor`, `diag`, `tril`,
/// `triu`, plus `stack`, `flip` and `roll` (not in Torch7; PyTorch's meaning).
///
/// Each `f(x, ...)` returns a new contiguous tensor, except `split` and `chunk`, which return
/// views. Each result-first form `f(res, x, ...)` (Torch7's leading `[res,]`) resizes `res`
/// when its sizes differ from the result's (a `res` of the right sizes keeps its strides, as
/// Torch7's resize does) and writes into it; a `res` that overlaps an input is filled through
/// a temporary, so `cat(x, x, y)` or `tril(x, x)` are right. Dimensions are 0-based and may
/// be negative (-1 is the last).

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <vector>

#include "t7/math/detail/dim_apply.hpp"
#include "t7/math/detail/result.hpp"
#include "t7/tensor/tensor.hpp"

namespace t7 {

// ---- concatenation and splitting --------------------------------------------------------

/// Concatenates along `dim` (Torch7's `torch.cat(x1, x2 [, dim])`; default: the last
/// dimension). Empty inputs (no dimension) are skipped, as in Torch7. The others must have
/// equal sizes except along `dim`; a missing trailing dimension counts as size 1 (Torch7:
/// `cat(a, b, 1)` of two 1-D tensors of size n is n x 2), and `dim` may be one past the
/// largest rank to make that new dimension. Throws SizeError naming both shapes otherwise.
template <Element T, Device D>
Tensor<T, D> cat(const Tensor<T, D>& a, const Tensor<T, D>& b, int dim = -1);
template <Element T, Device D>
Tensor<T, D>& cat(Tensor<T, D>& res, const Tensor<T, D>& a, const Tensor<T, D>& b, int dim = -1);
/// Concatenates a list of tensors (Torch7's `torch.cat({x1, x2, ...} [, dim])`).
template <Element T, Device D>
Tensor<T, D> cat(const std::vector<Tensor<T, D>>& xs, int dim = -1);
template <Element T, Device D>
Tensor<T, D> cat(std::initializer_list<Tensor<T, D>> xs, int dim = -1);
template <Element T, Device D>
Tensor<T, D>& cat(Tensor<T, D>& res, const std::vector<Tensor<T, D>>& xs, int dim = -1);
template <Element T, Device D>
Tensor<T, D>& cat(Tensor<T, D>& res, std::initializer_list<Tensor<T, D>> xs, int dim = -1);

/// Stacks tensors of one shape along a new dimension `dim` (0 <= dim <= rank; negatives
/// count from the end of the result's dimensions). Not in Torch7 (there: `cat` of
/// `view(1, ...)` copies); PyTorch's `torch.stack`.
template <Element T, Device D>
Tensor<T, D> stack(const std::vector<Tensor<T, D>>& xs, int dim = 0);
template <Element T, Device D>
Tensor<T, D> stack(std::initializer_list<Tensor<T, D>> xs, int dim = 0);
template <Element T, Device D>
Tensor<T, D>& stack(Tensor<T, D>& res, const std::vector<Tensor<T, D>>& xs, int dim = 0);
template <Element T, Device D>
Tensor<T, D>& stack(Tensor<T, D>& res, std::initializer_list<Tensor<T, D>> xs, int dim = 0);

/// Views of `x` cut along `dim` into pieces of `size` elements; the last piece may be
/// smaller (Torch7's `torch.split(x, size [, dim])`, dim 0 by default). The pieces share
/// x's storage. A dimension of size 0 gives no piece.
template <Element T, Device D>
std::vector<Tensor<T, D>> split(const Tensor<T, D>& x, index_t size, int dim = 0);
/// Same, into `res` (cleared first), as Torch7's `torch.split(result_table, x, size, dim)`.
template <Element T, Device D>
std::vector<Tensor<T, D>>& split(std::vector<Tensor<T, D>>& res, const Tensor<T, D>& x, index_t size, int dim = 0);
/// Views of `x` in pieces of ceil(size(dim) / n) elements along `dim` (Torch7's
/// `torch.chunk(x, n [, dim])`): at most n pieces, fewer when the size does not allow n
/// (size 5, n = 4 gives pieces of 2, 2, 1).
template <Element T, Device D>
std::vector<Tensor<T, D>> chunk(const Tensor<T, D>& x, index_t n, int dim = 0);
template <Element T, Device D>
std::vector<Tensor<T, D>>& chunk(std::vector<Tensor<T, D>>& res, const Tensor<T, D>& x, index_t n, int dim = 0);

// ---- repetition and reordering ------------------------------------------------------------

/// Tiles `x` `reps[d]` times along each dimension (Torch7's `repeatTensor`): the result has
/// sizes x.size * reps; with more reps than dimensions, x gets leading dimensions of size 1.
/// Fewer reps than dimensions throw SizeError; a rep of 0 gives a size 0.
template <Element T, Device D>
Tensor<T, D> repeatTensor(const Tensor<T, D>& x, const Shape& reps);
template <Element T, Device D>
Tensor<T, D>& repeatTensor(Tensor<T, D>& res, const Tensor<T, D>& x, const Shape& reps);
template <Element T, Device D, std::integral... I>
  requires(sizeof...(I) >= 1)
Tensor<T, D> repeatTensor(const Tensor<T, D>& x, I... reps) {
  return repeatTensor(x, Shape{static_cast<index_t>(reps)...});
}
template <Element T, Device D, std::integral... I>
  requires(sizeof...(I) >= 1)
Tensor<T, D>& repeatTensor(Tensor<T, D>& res, const Tensor<T, D>& x, I... reps) {
  return repeatTensor(res, x, Shape{static_cast<index_t>(reps)...});
}

/// A copy of `x` with the order of the elements reversed along `dim` (or each of `dims`).
/// Not in Torch7 (image.flip is 2-D only); PyTorch's `torch.flip`.
template <Element T, Device D>
Tensor<T, D> flip(const Tensor<T, D>& x, int dim);
template <Element T, Device D>
Tensor<T, D> flip(const Tensor<T, D>& x, const std::vector<int>& dims);
template <Element T, Device D>
Tensor<T, D>& flip(Tensor<T, D>& res, const Tensor<T, D>& x, int dim);
template <Element T, Device D>
Tensor<T, D>& flip(Tensor<T, D>& res, const Tensor<T, D>& x, const std::vector<int>& dims);

/// A copy of `x` rotated by `shift` along `dim`: element i moves to (i + shift) mod size
/// (any shift, negative rolls the other way). Without `dim`, rolls the elements in
/// row-major order and keeps the shape. Not in Torch7; PyTorch's `torch.roll`.
template <Element T, Device D>
Tensor<T, D> roll(const Tensor<T, D>& x, index_t shift, int dim);
template <Element T, Device D>
Tensor<T, D> roll(const Tensor<T, D>& x, index_t shift);
template <Element T, Device D>
Tensor<T, D>& roll(Tensor<T, D>& res, const Tensor<T, D>& x, index_t shift, int dim);
template <Element T, Device D>
Tensor<T, D>& roll(Tensor<T, D>& res, const Tensor<T, D>& x, index_t shift);

// ---- triangles and diagonals -------------------------------------------------------------

/// Lower triangle of a 2-D tensor (Torch7's `torch.tril(x [, k])`): keeps x(i, j) where
/// j - i <= k, zeros the rest. k = 0 is the main diagonal, k > 0 above it, k < 0 below.
template <Element T, Device D>
Tensor<T, D> tril(const Tensor<T, D>& x, index_t k = 0);
template <Element T, Device D>
Tensor<T, D>& tril(Tensor<T, D>& res, const Tensor<T, D>& x, index_t k = 0);
/// Upper triangle of a 2-D tensor (Torch7's `torch.triu(x [, k])`): keeps j - i >= k.
template <Element T, Device D>
Tensor<T, D> triu(const Tensor<T, D>& x, index_t k = 0);
template <Element T, Device D>
Tensor<T, D>& triu(Tensor<T, D>& res, const Tensor<T, D>& x, index_t k = 0);

/// Torch7's `torch.diag(x [, k])`. A 1-D x of size n gives the (n + |k|) square matrix with
/// x on diagonal k (k > 0 above the main one, k < 0 below) and zeros elsewhere; a 2-D x
/// gives a copy of its diagonal k as a 1-D tensor (Torch7 copies too). A diagonal that
/// does not exist throws IndexError.
template <Element T, Device D>
Tensor<T, D> diag(const Tensor<T, D>& x, index_t k = 0);
template <Element T, Device D>
Tensor<T, D>& diag(Tensor<T, D>& res, const Tensor<T, D>& x, index_t k = 0);

// =========================================================================================
// Definitions
// =========================================================================================

namespace detail::shape_ops {

using t7::detail::copyRaw;
using t7::detail::selfOverlaps;
using t7::detail::writeResult;

/// Size of dimension d of t, 1 past its last dimension (Torch7's cat rule).
template <class T, class D>
index_t sizeOr1(const Tensor<T, D>& t, int d) {
  return d < t.dim() ? t.size(d) : 1;
}

/// `t` with trailing size-1 dimensions appended up to `rank` (a view).
template <class T, class D>
Tensor<T, D> padRank(Tensor<T, D> t, int rank) {
  while (t.dim() < rank) t = t.unsqueeze(t.dim());
  return t;
}

/// cat and stack: `in` holds the input handles (taken before res is resized, so res may be
/// one of them).
template <class T, class D>
Tensor<T, D>& catImpl(Tensor<T, D>& res, const std::vector<Tensor<T, D>>& in, int dim, const char* op) {
  if (in.empty()) fail<ValueError>(op, ": expects at least one tensor, got an empty list");
  int maxRank = 0;
  std::size_t first = in.size();  // the first non-empty input
  for (std::size_t i = 0; i < in.size(); ++i) {
    maxRank = std::max(maxRank, in[i].dim());
    if (in[i].dim() > 0 && first == in.size()) first = i;
  }
  if (first == in.size()) {  // every input is empty: so is the result (Torch7)
    if (res.dim() != 0) res.resize(Shape{});
    return res;
  }
  // -1 is the last dimension; a non-negative dim may name one new trailing dimension.
  if (dim < -maxRank || dim > maxRank)
    fail<IndexError>(op, ": dimension ", dim, " out of range for tensors of at most ", maxRank,
                     " dimensions (valid: ", -maxRank, " to ", maxRank, ")");
  const int d = dim < 0 ? dim + maxRank : dim;
  const int rank = std::max(maxRank, d + 1);
  Shape out = Shape::filled(rank, 0);
  for (int j = 0; j < rank; ++j) out[j] = sizeOr1(in[first], j);
  out[d] = 0;
  for (std::size_t i = first; i < in.size(); ++i) {
    if (in[i].dim() == 0) continue;
    for (int j = 0; j < rank; ++j)
      if (j != d && sizeOr1(in[i], j) != out[j])
        fail<SizeError>(op, ": tensor ", first, " has size ", in[first].sizes().toString(), " but tensor ", i,
                        " has size ", in[i].sizes().toString(), ": they differ in dimension ", j,
                        " (concatenating along dimension ", d, ")");
    if (addOverflows(out[d], sizeOr1(in[i], d), out[d]))
      fail<SizeError>(op, ": the result's dimension ", d, " overflows int64");
  }
  (void)out.product();  // throws when the element count overflows
  return writeResult(
      res, out,
      [&](const Tensor<T, D>& o) {
        for (const auto& t : in)
          if (mayOverlap(o, t)) return true;
        return false;
      },
      [&](const Tensor<T, D>& o) {
        index_t offset = 0;
        for (const auto& t : in) {
          if (t.dim() == 0) continue;
          const index_t n = sizeOr1(t, d);
          copyRaw(o.narrow(d, offset, n), padRank(t, rank));
          offset += n;
        }
      });
}

template <class T, class D>
Tensor<T, D>& stackImpl(Tensor<T, D>& res, const std::vector<Tensor<T, D>>& in, int dim) {
  if (in.empty()) fail<ValueError>("stack: expects at least one tensor, got an empty list");
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i].dim() == 0) fail<SizeError>("stack: tensor ", i, " is empty (no dimension)");
    if (!in[i].isSameSizeAs(in[0]))
      fail<SizeError>("stack: tensor 0 has size ", in[0].sizes().toString(), " but tensor ", i, " has size ",
                      in[i].sizes().toString(), ": stacked tensors must have the same size");
  }
  const int d = normalizeDim(dim, in[0].dim() + 1, "stack");
  std::vector<Tensor<T, D>> views;
  views.reserve(in.size());
  for (const auto& t : in) views.push_back(t.unsqueeze(d));
  return catImpl(res, views, d, "stack");
}

/// Fills `o` (sizes src.size * reps, src already padded to reps' rank) with tiles of src:
/// src goes to the first corner, then each dimension from the last is filled by doubling
/// the filled part, so the number of copies grows with log(reps), not reps.
template <class T, class D>
void fillRepeat(const Tensor<T, D>& o, const Tensor<T, D>& src) {
  if (o.nElement() == 0) return;
  const int rank = o.dim();
  Tensor<T, D> corner = o;
  for (int d = 0; d < rank; ++d) corner = corner.narrow(d, 0, src.size(d));
  copyRaw(corner, src);
  for (int d = rank - 1; d >= 0; --d) {
    Tensor<T, D> region = o;  // dims before d: the first tile; dims after d: filled already
    for (int j = 0; j < d; ++j) region = region.narrow(j, 0, src.size(j));
    const index_t total = o.size(d);
    for (index_t filled = src.size(d); filled < total;) {
      const index_t len = std::min(filled, total - filled);
      copyRaw(region.narrow(d, filled, len), region.narrow(d, 0, len));
      filled += len;
    }
  }
}

/// Writes rows of a 2-D `o` from `x`: columns [lo(i), hi(i)) copied, the others zeroed.
template <class T, class D, class Range>
void copyBand(const Tensor<T, D>& o, const Tensor<T, D>& x, Range range) {
  const index_t rows = o.size(0), cols = o.size(1);
  if (rows == 0 || cols == 0) return;
  T* po = o.data();
  const T* px = x.data();
  const index_t os0 = o.stride(0), os1 = o.stride(1), xs0 = x.stride(0), xs1 = x.stride(1);
  for (index_t i = 0; i < rows; ++i) {
    auto [lo, hi] = range(i);
    lo = std::clamp<index_t>(lo, 0, cols);
    hi = std::clamp<index_t>(hi, lo, cols);
    T* ro = po + i * os0;
    const T* rx = px + i * xs0;
    for (index_t j = 0; j < lo; ++j) ro[j * os1] = T(0);
    for (index_t j = lo; j < hi; ++j) ro[j * os1] = rx[j * xs1];
    for (index_t j = hi; j < cols; ++j) ro[j * os1] = T(0);
  }
}

template <class T, class D>
void checkMatrix(const Tensor<T, D>& x, const char* op) {
  if (x.dim() != 2)
    fail<SizeError>(op, ": expects a 2-D tensor, got a ", x.dim(), "-D tensor of size ", x.sizes().toString());
}

/// k clamped to [-(rows + 1), cols + 1]: the same triangle, and no overflow in i + k.
inline index_t clampDiagonal(index_t k, index_t rows, index_t cols) { return std::clamp(k, -rows - 1, cols + 1); }

}  // namespace detail::shape_ops

// ---- cat, stack --------------------------------------------------------------------------

template <Element T, Device D>
Tensor<T, D>& cat(Tensor<T, D>& res, const std::vector<Tensor<T, D>>& xs, int dim) {
  return detail::shape_ops::catImpl(res, std::vector<Tensor<T, D>>(xs), dim, "cat");
}
template <Element T, Device D>
Tensor<T, D>& cat(Tensor<T, D>& res, std::initializer_list<Tensor<T, D>> xs, int dim) {
  return detail::shape_ops::catImpl(res, std::vector<Tensor<T, D>>(xs), dim, "cat");
}
template <Element T, Device D>
Tensor<T, D>& cat(Tensor<T, D>& res, const Tensor<T, D>& a, const Tensor<T, D>& b, int dim) {
  return detail::shape_ops::catImpl(res, std::vector<Tensor<T, D>>{a, b}, dim, "cat");
}
template <Element T, Device D>
Tensor<T, D> cat(const Tensor<T, D>& a, const Tensor<T, D>& b, int dim) {
  Tensor<T, D> r;
  return cat(r, a, b, dim);
}
template <Element T, Device D>
Tensor<T, D> cat(const std::vector<Tensor<T, D>>& xs, int dim) {
  Tensor<T, D> r;
  return cat(r, xs, dim);
}
template <Element T, Device D>
Tensor<T, D> cat(std::initializer_list<Tensor<T, D>> xs, int dim) {
  Tensor<T, D> r;
  return cat(r, xs, dim);
}

template <Element T, Device D>
Tensor<T, D>& stack(Tensor<T, D>& res, const std::vector<Tensor<T, D>>& xs, int dim) {
  return detail::shape_ops::stackImpl(res, std::vector<Tensor<T, D>>(xs), dim);
}
template <Element T, Device D>
Tensor<T, D>& stack(Tensor<T, D>& res, std::initializer_list<Tensor<T, D>> xs, int dim) {
  return detail::shape_ops::stackImpl(res, std::vector<Tensor<T, D>>(xs), dim);
}
template <Element T, Device D>
Tensor<T, D> stack(const std::vector<Tensor<T, D>>& xs, int dim) {
  Tensor<T, D> r;
  return stack(r, xs, dim);
}
template <Element T, Device D>
Tensor<T, D> stack(std::initializer_list<Tensor<T, D>> xs, int dim) {
  Tensor<T, D> r;
  return stack(r, xs, dim);
}

// ---- split, chunk ------------------------------------------------------------------------

template <Element T, Device D>
std::vector<Tensor<T, D>>& split(std::vector<Tensor<T, D>>& res, const Tensor<T, D>& x, index_t size, int dim) {
  const int d = detail::normalizeDim(dim, x.dim(), "split");
  if (size <= 0)
    detail::fail<ValueError>("split: size must be > 0, got ", size, " (tensor of size ", x.sizes().toString(), ")");
  const Tensor<T, D> src = x;  // x may be an element of res
  const index_t n = src.size(d);
  res.clear();
  res.reserve(static_cast<std::size_t>(n / size + 1));
  for (index_t start = 0; start < n; start += std::min(size, n - start))
    res.push_back(src.narrow(d, start, std::min(size, n - start)));
  return res;
}
template <Element T, Device D>
std::vector<Tensor<T, D>> split(const Tensor<T, D>& x, index_t size, int dim) {
  std::vector<Tensor<T, D>> r;
  split(r, x, size, dim);
  return r;
}

template <Element T, Device D>
std::vector<Tensor<T, D>>& chunk(std::vector<Tensor<T, D>>& res, const Tensor<T, D>& x, index_t n, int dim) {
  const int d = detail::normalizeDim(dim, x.dim(), "chunk");
  if (n <= 0)
    detail::fail<ValueError>("chunk: the number of chunks must be > 0, got ", n, " (tensor of size ",
                             x.sizes().toString(), ")");
  const index_t size = x.size(d);
  if (size == 0) {
    res.clear();
    return res;
  }
  return split(res, x, size / n + (size % n != 0), d);
}
template <Element T, Device D>
std::vector<Tensor<T, D>> chunk(const Tensor<T, D>& x, index_t n, int dim) {
  std::vector<Tensor<T, D>> r;
  chunk(r, x, n, dim);
  return r;
}

// ---- repeatTensor, flip, roll --------------------------------------------------------------

template <Element T, Device D>
Tensor<T, D>& repeatTensor(Tensor<T, D>& res, const Tensor<T, D>& x, const Shape& reps) {
  if (x.dim() == 0) detail::fail<SizeError>("repeatTensor: cannot repeat an empty tensor (no dimension)");
  if (reps.size() < x.dim())
    detail::fail<SizeError>("repeatTensor: ", reps.size(), " repetitions (", reps.toString(), ") for a ", x.dim(),
                            "-D tensor of size ", x.sizes().toString(), ": give at least one per dimension");
  for (index_t r : reps)
    if (r < 0) detail::fail<ValueError>("repeatTensor: negative repetition in ", reps.toString());
  Tensor<T, D> src = x;
  while (src.dim() < reps.size()) src = src.unsqueeze(0);
  Shape out = src.sizes();
  for (int d = 0; d < out.size(); ++d)
    if (detail::mulOverflows(out[d], reps[d], out[d]))
      detail::fail<SizeError>("repeatTensor: size ", x.sizes().toString(), " repeated ", reps.toString(),
                              " times overflows int64");
  (void)out.product();
  return detail::shape_ops::writeResult(
      res, out, [&](const Tensor<T, D>& o) { return detail::mayOverlap(o, src); },
      [&](const Tensor<T, D>& o) { detail::shape_ops::fillRepeat(o, src); });
}
template <Element T, Device D>
Tensor<T, D> repeatTensor(const Tensor<T, D>& x, const Shape& reps) {
  Tensor<T, D> r;
  return repeatTensor(r, x, reps);
}

template <Element T, Device D>
Tensor<T, D>& flip(Tensor<T, D>& res, const Tensor<T, D>& x, const std::vector<int>& dims) {
  const Tensor<T, D> src = x;
  Strides strides = src.strides();
  index_t offset = src.storageOffset();
  std::vector<bool> seen(static_cast<std::size_t>(src.dim()), false);
  for (int dim : dims) {
    const int d = detail::normalizeDim(dim, src.dim(), "flip");
    if (seen[static_cast<std::size_t>(d)])
      detail::fail<ValueError>("flip: dimension ", d, " is given twice (tensor of size ", src.sizes().toString(), ")");
    seen[static_cast<std::size_t>(d)] = true;
    if (src.size(d) > 0) offset += (src.size(d) - 1) * strides[d];
    strides[d] = -strides[d];
  }
  return detail::shape_ops::writeResult(
      res, src.sizes(), [&](const Tensor<T, D>& o) { return detail::mayOverlap(o, src); },
      [&](const Tensor<T, D>& o) {
        if (o.nElement() == 0) return;
        // The same elements seen backwards: a view with negated strides, read once.
        detail::shape_ops::copyRaw(o, Tensor<T, D>(src.storage(), offset, src.sizes(), strides));
      });
}
template <Element T, Device D>
Tensor<T, D>& flip(Tensor<T, D>& res, const Tensor<T, D>& x, int dim) {
  return flip(res, x, std::vector<int>{dim});
}
template <Element T, Device D>
Tensor<T, D> flip(const Tensor<T, D>& x, const std::vector<int>& dims) {
  Tensor<T, D> r;
  return flip(r, x, dims);
}
template <Element T, Device D>
Tensor<T, D> flip(const Tensor<T, D>& x, int dim) {
  Tensor<T, D> r;
  return flip(r, x, dim);
}

template <Element T, Device D>
Tensor<T, D>& roll(Tensor<T, D>& res, const Tensor<T, D>& x, index_t shift, int dim) {
  const int d = detail::normalizeDim(dim, x.dim(), "roll");
  const Tensor<T, D> src = x;
  return detail::shape_ops::writeResult(
      res, src.sizes(), [&](const Tensor<T, D>& o) { return detail::mayOverlap(o, src); },
      [&](const Tensor<T, D>& o) {
        const index_t n = src.size(d);
        if (o.nElement() == 0) return;
        const index_t s = ((shift % n) + n) % n;  // in [0, n), no overflow for any shift
        detail::shape_ops::copyRaw(o.narrow(d, s, n - s), src.narrow(d, 0, n - s));
        if (s > 0) detail::shape_ops::copyRaw(o.narrow(d, 0, s), src.narrow(d, n - s, s));
      });
}
template <Element T, Device D>
Tensor<T, D>& roll(Tensor<T, D>& res, const Tensor<T, D>& x, index_t shift) {
  const Tensor<T, D> src = x;
  return detail::shape_ops::writeResult(
      res, src.sizes(), [&](const Tensor<T, D>& o) { return detail::mayOverlap(o, src); },
      [&](const Tensor<T, D>& o) {
        const index_t n = src.nElement();
        if (n == 0) return;
        const Tensor<T, D> flat = src.contiguous().view(n);
        Tensor<T, D> out = o.isContiguous() ? o.view(n) : Tensor<T, D>(n);
        roll(out, flat, shift, 0);
        if (!o.isContiguous()) detail::shape_ops::copyRaw(o, out.view(src.sizes()));
      });
}
template <Element T, Device D>
Tensor<T, D> roll(const Tensor<T, D>& x, index_t shift, int dim) {
  Tensor<T, D> r;
  return roll(r, x, shift, dim);
}
template <Element T, Device D>
Tensor<T, D> roll(const Tensor<T, D>& x, index_t shift) {
  Tensor<T, D> r;
  return roll(r, x, shift);
}

// ---- tril, triu, diag ----------------------------------------------------------------------

template <Element T, Device D>
Tensor<T, D>& tril(Tensor<T, D>& res, const Tensor<T, D>& x, index_t k) {
  detail::shape_ops::checkMatrix(x, "tril");
  const Tensor<T, D> src = x;
  k = detail::shape_ops::clampDiagonal(k, src.size(0), src.size(1));
  return detail::shape_ops::writeResult(
      res, src.sizes(), [&](const Tensor<T, D>& o) { return detail::mayOverlap(o, src) && !o.isSetTo(src); },
      [&](const Tensor<T, D>& o) {
        detail::shape_ops::copyBand(o, src, [k](index_t i) { return std::pair<index_t, index_t>{0, i + k + 1}; });
      });
}
template <Element T, Device D>
Tensor<T, D> tril(const Tensor<T, D>& x, index_t k) {
  Tensor<T, D> r;
  return tril(r, x, k);
}

template <Element T, Device D>
Tensor<T, D>& triu(Tensor<T, D>& res, const Tensor<T, D>& x, index_t k) {
  detail::shape_ops::checkMatrix(x, "triu");
  const Tensor<T, D> src = x;
  k = detail::shape_ops::clampDiagonal(k, src.size(0), src.size(1));
  return detail::shape_ops::writeResult(
      res, src.sizes(), [&](const Tensor<T, D>& o) { return detail::mayOverlap(o, src) && !o.isSetTo(src); },
      [&](const Tensor<T, D>& o) {
        const index_t cols = src.size(1);
        detail::shape_ops::copyBand(o, src, [k, cols](index_t i) { return std::pair<index_t, index_t>{i + k, cols}; });
      });
}
template <Element T, Device D>
Tensor<T, D> triu(const Tensor<T, D>& x, index_t k) {
  Tensor<T, D> r;
  return triu(r, x, k);
}

template <Element T, Device D>
Tensor<T, D>& diag(Tensor<T, D>& res, const Tensor<T, D>& x, index_t k) {
  const Tensor<T, D> src = x;
  const auto overlaps = [&](const Tensor<T, D>& o) { return detail::mayOverlap(o, src); };
  if (src.dim() == 1) {
    const index_t n = src.size(0);
    index_t m = 0;
    if (k == std::numeric_limits<index_t>::min() || detail::addOverflows(n, k < 0 ? -k : k, m))
      detail::fail<SizeError>("diag: a ", n, "-element vector on diagonal ", k, " overflows int64");
    (void)Shape{m, m}.product();
    return detail::shape_ops::writeResult(res, Shape{m, m}, overlaps, [&](Tensor<T, D> o) {
      o.fill(T(0));
      T* po = o.data();
      const T* px = src.data();
      const index_t r0 = k < 0 ? -k : 0, c0 = k > 0 ? k : 0;
      const index_t os0 = o.stride(0), os1 = o.stride(1), xs = src.stride(0);
      for (index_t i = 0; i < n; ++i) po[(i + r0) * os0 + (i + c0) * os1] = px[i * xs];
    });
  }
  if (src.dim() != 2)
    detail::fail<SizeError>("diag: expects a 1-D or 2-D tensor, got a ", src.dim(), "-D tensor of size ",
                            src.sizes().toString());
  const index_t rows = src.size(0), cols = src.size(1);
  if (k <= -rows || k >= cols)
    detail::fail<IndexError>("diag: diagonal ", k, " does not exist in a matrix of size ", src.sizes().toString(),
                             " (valid: ", 1 - rows, " to ", cols - 1, ")");
  const index_t len = k >= 0 ? std::min(rows, cols - k) : std::min(rows + k, cols);
  return detail::shape_ops::writeResult(res, Shape{len}, overlaps, [&](const Tensor<T, D>& o) {
    T* po = o.data();
    const index_t r0 = k < 0 ? -k : 0, c0 = k > 0 ? k : 0;
    const T* px = src.data() + r0 * src.stride(0) + c0 * src.stride(1);
    const index_t xs = src.stride(0) + src.stride(1), os = o.stride(0);
    for (index_t i = 0; i < len; ++i) po[i * os] = px[i * xs];
  });
}
template <Element T, Device D>
Tensor<T, D> diag(const Tensor<T, D>& x, index_t k) {
  Tensor<T, D> r;
  return diag(r, x, k);
}

}  // namespace t7
