#pragma once
/// \file reduce_impl.hpp
/// Definitions of the reductions declared in t7/math/reduce.hpp (included at its end).

#include "t7/math/reduce.hpp"

namespace t7 {

namespace detail {

/// Shape of a reduction of `x` along `d` (already normalised): x's with size 1 at d.
template <class T>
Shape reducedShape(const Tensor<T>& x, int d) {
  return withSize(x.sizes(), d, 1);
}

/// Reduces `src` along `d` with reducer `r` into `res` (resized); returns res.
template <class T, class Out, class R>
Tensor<Out>& reduceInto(Tensor<Out>& res, const Tensor<T>& src, int d, const R& r) {
  Tensor<Out> buf = resultBuffer(res, reducedShape(src, d), src);
  reduceDim<T, Out>(buf.data(), src, d, r);
  return commitResult(res, buf);
}

/// Throws ValueError when the reduced dimension `d` of `x` is empty (max, min, median...
/// need a value in every slice).
template <class T>
void requireNonEmptyDim(const Tensor<T>& x, int d, const char* op) {
  if (x.size(d) == 0)
    fail<ValueError>(op, ": dimension ", d, " of the input of size ", x.sizes().toString(),
                     " is empty (no value to return)");
}

/// Values+indices reductions: prepares both results, runs `kernel(valsData, idxData)`, copies
/// back where temporaries were needed.
template <class T, class K>
ValuesIndices<T> pairInto(Tensor<T>& values, LongTensor& indices, const Tensor<T>& src, int d, K&& kernel) {
  const Shape shape = reducedShape(src, d);
  Tensor<T> v = resultBuffer(values, shape, src);
  LongTensor i = resultBuffer(indices, shape, src);
  if (mayOverlap(v, i)) i = LongTensor(shape);  // values and indices given as one LongTensor
  kernel(v.data(), i.data());
  commitResult(values, v);
  commitResult(indices, i);
  return {values, indices};
}

/// Two-pass variance (or std) along `d`: means first, then squared deviations.
template <class T>
Tensor<T>& varInto(Tensor<T>& res, const Tensor<T>& src, int d, bool biased, bool root) {
  const Shape shape = reducedShape(src, d);
  std::vector<double> mu(static_cast<std::size_t>(shape.product()));
  reduceDim<T, double>(mu.data(), src, d, MeanR<T>{});
  return reduceInto(res, src, d, VarR<T>{mu.data(), biased, root});
}

template <class T>
double varAll(const Tensor<T>& t, bool biased, bool root, const char* op) {
  const index_t n = t.nElement();
  if (n == 0) fail<ValueError>(op, ": the input of size ", t.sizes().toString(), " has no element");
  const double mu = sumAll(t) / static_cast<double>(n);
  return foldAll(t, VarR<T>{&mu, biased, root});
}

/// Order statistics along `d`: `pick(buf, p, n, stride)` returns the Ranked<T> of a slice.
template <class T, class Pick>
void orderDim(T* vals, index_t* idx, const Tensor<T>& x, int d, Pick&& pick) {
  const Shape shape = reducedShape(x, d);
  if (shape.product() == 0) return;
  const Strides os = contiguousStrides(shape);
  const index_t n = x.size(d), st = x.stride(d);
  const T* xd = x.data();
  std::vector<Ranked<T>> buf;
  forEachSlice<2>(x.sizes(), d, {&x.strides(), &os}, [&](const std::array<index_t, 2>& off) {
    const Ranked<T> r = pick(buf, xd + off[0], n, st);
    vals[off[1]] = r.v;
    idx[off[1]] = r.i;
  });
}

inline void checkK(index_t k, index_t n, const char* what, const Shape& sizes) {
  if (k < 1 || k > n)
    fail<IndexError>("kthvalue: k = ", k, " out of range for ", what, " of ", n, " element", n == 1 ? "" : "s",
                     " (input of size ", sizes.toString(), "; k is 1-based: 1 is the smallest)");
}

/// cumsum/cumprod into `res`.
template <class T, class Acc, class Op>
Tensor<T>& scanInto(Tensor<T>& res, const Tensor<T>& src, int d, Acc init, Op op) {
  Tensor<T> buf = resultBuffer(res, src.sizes(), src);
  scanDim(buf.data(), src, d, init, op);
  return commitResult(res, buf);
}

}  // namespace detail

// ---- sum, prod, mean ------------------------------------------------------------------------

template <ExprOperand X>
detail::acc_t<detail::operand_t<X>> sum(const X& x) {
  using T = detail::operand_t<X>;
  return detail::fromRun<T>(detail::sumAll(detail::operandTensor(x)));
}

template <ExprOperand X>
Tensor<detail::operand_t<X>> sum(const X& x, int dim) {
  Tensor<detail::operand_t<X>> res;
  return sum(res, x, dim);
}

template <Element T, ExprOperand X>
Tensor<T>& sum(Tensor<T>& res, const X& x, int dim) {
  static_assert(std::is_same_v<T, detail::operand_t<X>>, "sum: res must have the input's element type");
  const Tensor<T> src = detail::operandTensor(x);
  return detail::reduceInto(res, src, detail::normalizeDim(dim, src.dim(), "sum"), detail::SumR<T>{});
}

template <ExprOperand X>
detail::acc_t<detail::operand_t<X>> prod(const X& x) {
  using T = detail::operand_t<X>;
  return detail::fromRun<T>(detail::foldAcc(detail::operandTensor(x), detail::ProdR<T>{}));
}

template <ExprOperand X>
Tensor<detail::operand_t<X>> prod(const X& x, int dim) {
  Tensor<detail::operand_t<X>> res;
  return prod(res, x, dim);
}

template <Element T, ExprOperand X>
Tensor<T>& prod(Tensor<T>& res, const X& x, int dim) {
  static_assert(std::is_same_v<T, detail::operand_t<X>>, "prod: res must have the input's element type");
  const Tensor<T> src = detail::operandTensor(x);
  return detail::reduceInto(res, src, detail::normalizeDim(dim, src.dim(), "prod"), detail::ProdR<T>{});
}

template <ExprOperand X>
double mean(const X& x) {
  using T = detail::operand_t<X>;
  static_assert(FloatingElement<T>, "mean: this reduction takes float and double tensors (as in Torch7): "
                                    "convert with toFloat() or toDouble() first");
  const Tensor<T> t = detail::operandTensor(x);
  if (t.nElement() == 0) detail::fail<ValueError>("mean: the input of size ", t.sizes().toString(), " has no element");
  return detail::sumAll(t) / static_cast<double>(t.nElement());
}

template <ExprOperand X>
Tensor<detail::operand_t<X>> mean(const X& x, int dim) {
  Tensor<detail::operand_t<X>> res;
  return mean(res, x, dim);
}

template <Element T, ExprOperand X>
Tensor<T>& mean(Tensor<T>& res, const X& x, int dim) {
  static_assert(std::is_same_v<T, detail::operand_t<X>>, "mean: res must have the input's element type");
  static_assert(FloatingElement<T>, "mean: this reduction takes float and double tensors (as in Torch7): "
                                    "convert with toFloat() or toDouble() first");
  const Tensor<T> src = detail::operandTensor(x);
  return detail::reduceInto(res, src, detail::normalizeDim(dim, src.dim(), "mean"), detail::MeanR<T>{});
}

// ---- var, std ---------------------------------------------------------------------------------

template <ExprOperand X>
double var(const X& x, bool biased) {
  static_assert(FloatingElement<detail::operand_t<X>>, "var: this reduction takes float and double tensors (as "
                                                       "in Torch7): convert with toFloat() or toDouble() first");
  return detail::varAll(detail::operandTensor(x), biased, false, "var");
}

template <ExprOperand X>
Tensor<detail::operand_t<X>> var(const X& x, int dim, bool biased) {
  Tensor<detail::operand_t<X>> res;
  return var(res, x, dim, biased);
}

template <Element T, ExprOperand X>
Tensor<T>& var(Tensor<T>& res, const X& x, int dim, bool biased) {
  static_assert(std::is_same_v<T, detail::operand_t<X>>, "var: res must have the input's element type");
  static_assert(FloatingElement<T>, "var: this reduction takes float and double tensors (as in Torch7): "
                                    "convert with toFloat() or toDouble() first");
  const Tensor<T> src = detail::operandTensor(x);
  return detail::varInto(res, src, detail::normalizeDim(dim, src.dim(), "var"), biased, false);
}

template <ExprOperand X>
double std(const X& x, bool biased) {
  static_assert(FloatingElement<detail::operand_t<X>>, "std: this reduction takes float and double tensors (as "
                                                       "in Torch7): convert with toFloat() or toDouble() first");
  return detail::varAll(detail::operandTensor(x), biased, true, "std");
}

template <ExprOperand X>
Tensor<detail::operand_t<X>> std(const X& x, int dim, bool biased) {
  Tensor<detail::operand_t<X>> res;
  return std(res, x, dim, biased);
}

template <Element T, ExprOperand X>
Tensor<T>& std(Tensor<T>& res, const X& x, int dim, bool biased) {
  static_assert(std::is_same_v<T, detail::operand_t<X>>, "std: res must have the input's element type");
  static_assert(FloatingElement<T>, "std: this reduction takes float and double tensors (as in Torch7): "
                                    "convert with toFloat() or toDouble() first");
  const Tensor<T> src = detail::operandTensor(x);
  return detail::varInto(res, src, detail::normalizeDim(dim, src.dim(), "std"), biased, true);
}

// ---- max, min -----------------------------------------------------------------------------------

template <ExprOperand X>
detail::operand_t<X> max(const X& x) {
  return detail::extremeAll<true>(detail::operandTensor(x), "max");
}

template <ExprOperand X>
ValuesIndices<detail::operand_t<X>> max(const X& x, int dim) {
  Tensor<detail::operand_t<X>> values;
  LongTensor indices;
  return max(values, indices, x, dim);
}

template <Element T, ExprOperand X>
ValuesIndices<T> max(Tensor<T>& values, LongTensor& indices, const X& x, int dim) {
  static_assert(std::is_same_v<T, detail::operand_t<X>>, "max: values must have the input's element type");
  const Tensor<T> src = detail::operandTensor(x);
  const int d = detail::normalizeDim(dim, src.dim(), "max");
  detail::requireNonEmptyDim(src, d, "max");
  return detail::pairInto(values, indices, src, d,
                          [&](T* v, index_t* i) { detail::argExtremeDim<true>(v, i, src, d); });
}

template <ExprOperand X>
detail::operand_t<X> min(const X& x) {
  return detail::extremeAll<false>(detail::operandTensor(x), "min");
}

template <ExprOperand X>
ValuesIndices<detail::operand_t<X>> min(const X& x, int dim) {
  Tensor<detail::operand_t<X>> values;
  LongTensor indices;
  return min(values, indices, x, dim);
}

template <Element T, ExprOperand X>
ValuesIndices<T> min(Tensor<T>& values, LongTensor& indices, const X& x, int dim) {
  static_assert(std::is_same_v<T, detail::operand_t<X>>, "min: values must have the input's element type");
  const Tensor<T> src = detail::operandTensor(x);
  const int d = detail::normalizeDim(dim, src.dim(), "min");
  detail::requireNonEmptyDim(src, d, "min");
  return detail::pairInto(values, indices, src, d,
                          [&](T* v, index_t* i) { detail::argExtremeDim<false>(v, i, src, d); });
}

// ---- kthvalue, median, mode -----------------------------------------------------------------

template <ExprOperand X>
detail::operand_t<X> kthvalue(const X& x, index_t k) {
  using T = detail::operand_t<X>;
  const Tensor<T> t = detail::operandTensor(x);
  detail::checkK(k, t.nElement(), "a tensor", t.sizes());
  std::vector<T> v = detail::gatherAll(t);
  std::nth_element(v.begin(), v.begin() + (k - 1), v.end(), detail::lessNanLast<T>);
  return v[static_cast<std::size_t>(k - 1)];
}

template <ExprOperand X>
ValuesIndices<detail::operand_t<X>> kthvalue(const X& x, index_t k, int dim) {
  Tensor<detail::operand_t<X>> values;
  LongTensor indices;
  return kthvalue(values, indices, x, k, dim);
}

template <Element T, ExprOperand X>
ValuesIndices<T> kthvalue(Tensor<T>& values, LongTensor& indices, const X& x, index_t k, int dim) {
  static_assert(std::is_same_v<T, detail::operand_t<X>>, "kthvalue: values must have the input's element type");
  const Tensor<T> src = detail::operandTensor(x);
  const int d = detail::normalizeDim(dim, src.dim(), "kthvalue");
  detail::checkK(k, src.size(d), "a dimension", src.sizes());
  return detail::pairInto(values, indices, src, d, [&](T* v, index_t* i) {
    detail::orderDim(v, i, src, d, [&](auto& buf, const T* p, index_t n, index_t st) {
      return detail::kthOfSlice(buf, p, n, st, k - 1);
    });
  });
}

template <ExprOperand X>
detail::operand_t<X> median(const X& x) {
  using T = detail::operand_t<X>;
  const Tensor<T> t = detail::operandTensor(x);
  const index_t n = t.nElement();
  if (n == 0) detail::fail<ValueError>("median: the input of size ", t.sizes().toString(), " has no element");
  return kthvalue(t, (n + 1) / 2);
}

template <ExprOperand X>
ValuesIndices<detail::operand_t<X>> median(const X& x, int dim) {
  Tensor<detail::operand_t<X>> values;
  LongTensor indices;
  return median(values, indices, x, dim);
}

template <Element T, ExprOperand X>
ValuesIndices<T> median(Tensor<T>& values, LongTensor& indices, const X& x, int dim) {
  static_assert(std::is_same_v<T, detail::operand_t<X>>, "median: values must have the input's element type");
  const Tensor<T> src = detail::operandTensor(x);
  const int d = detail::normalizeDim(dim, src.dim(), "median");
  detail::requireNonEmptyDim(src, d, "median");
  const index_t k = (src.size(d) - 1) / 2;  // Torch7: (n - 1) >> 1, the lower median
  return detail::pairInto(values, indices, src, d, [&](T* v, index_t* i) {
    detail::orderDim(v, i, src, d, [&](auto& buf, const T* p, index_t n, index_t st) {
      return detail::kthOfSlice(buf, p, n, st, k);
    });
  });
}

template <ExprOperand X>
detail::operand_t<X> mode(const X& x) {
  using T = detail::operand_t<X>;
  const Tensor<T> t = detail::operandTensor(x);
  const index_t n = t.nElement();
  if (n == 0) detail::fail<ValueError>("mode: the input of size ", t.sizes().toString(), " has no element");
  std::vector<detail::Ranked<T>> buf;
  const Tensor<T> flat = t.contiguous();
  return detail::modeOfSlice(buf, flat.data(), n, 1).v;
}

template <ExprOperand X>
ValuesIndices<detail::operand_t<X>> mode(const X& x, int dim) {
  Tensor<detail::operand_t<X>> values;
  LongTensor indices;
  return mode(values, indices, x, dim);
}

template <Element T, ExprOperand X>
ValuesIndices<T> mode(Tensor<T>& values, LongTensor& indices, const X& x, int dim) {
  static_assert(std::is_same_v<T, detail::operand_t<X>>, "mode: values must have the input's element type");
  const Tensor<T> src = detail::operandTensor(x);
  const int d = detail::normalizeDim(dim, src.dim(), "mode");
  detail::requireNonEmptyDim(src, d, "mode");
  return detail::pairInto(values, indices, src, d, [&](T* v, index_t* i) {
    detail::orderDim(v, i, src, d, [&](auto& buf, const T* p, index_t n, index_t st) {
      return detail::modeOfSlice(buf, p, n, st);
    });
  });
}

// ---- norm, renorm, dist -------------------------------------------------------------------------

template <ExprOperand X>
double norm(const X& x, double p) {
  using T = detail::operand_t<X>;
  static_assert(FloatingElement<T>, "norm: this reduction takes float and double tensors (as in Torch7): "
                                    "convert with toFloat() or toDouble() first");
  const Tensor<T> t = detail::operandTensor(x);
  return detail::withNormReducer<T>(p, "norm", [&](const auto& r) { return detail::foldAll(t, r); });
}

template <ExprOperand X>
Tensor<detail::operand_t<X>> norm(const X& x, double p, int dim) {
  Tensor<detail::operand_t<X>> res;
  return norm(res, x, p, dim);
}

template <Element T, ExprOperand X>
Tensor<T>& norm(Tensor<T>& res, const X& x, double p, int dim) {
  static_assert(std::is_same_v<T, detail::operand_t<X>>, "norm: res must have the input's element type");
  static_assert(FloatingElement<T>, "norm: this reduction takes float and double tensors (as in Torch7): "
                                    "convert with toFloat() or toDouble() first");
  const Tensor<T> src = detail::operandTensor(x);
  const int d = detail::normalizeDim(dim, src.dim(), "norm");
  return detail::withNormReducer<T>(p, "norm", [&](const auto& r) -> Tensor<T>& {
    return detail::reduceInto(res, src, d, r);
  });
}

template <ExprOperand X>
Tensor<detail::operand_t<X>> renorm(const X& x, double p, int dim, double maxnorm) {
  Tensor<detail::operand_t<X>> res;
  return renorm(res, x, p, dim, maxnorm);
}

template <Element T, ExprOperand X>
Tensor<T>& renorm(Tensor<T>& res, const X& x, double p, int dim, double maxnorm) {
  static_assert(std::is_same_v<T, detail::operand_t<X>>, "renorm: res must have the input's element type");
  static_assert(FloatingElement<T>, "renorm: this function takes float and double tensors (as in Torch7): "
                                    "convert with toFloat() or toDouble() first");
  const Tensor<T> src = detail::operandTensor(x);
  const int d = detail::normalizeDim(dim, src.dim(), "renorm");
  if (src.dim() < 2)
    detail::fail<SizeError>("renorm: needs a tensor of 2 dimensions or more, got size ", src.sizes().toString());
  if (!(p > 0)) detail::fail<ValueError>("renorm: p must be > 0 (infinity allowed), got ", p);
  if (!(maxnorm >= 0)) detail::fail<ValueError>("renorm: maxnorm must be >= 0, got ", maxnorm);
  // In place (res views exactly src) is safe: each element is read once, then written.
  const bool inPlace = res.isSetTo(src);
  Tensor<T> buf = inPlace ? res : detail::resultBuffer(res, src.sizes(), src);
  for (index_t i = 0; i < src.size(d); ++i) {
    const Tensor<T> s = src.select(d, i);
    const Tensor<T> o = buf.select(d, i);
    const double nrm = detail::withNormReducer<T>(p, "renorm", [&](const auto& r) { return detail::foldAll(s, r); });
    const double scale = nrm > maxnorm ? maxnorm / (nrm + 1e-7) : 1.0;
    if (inPlace && scale == 1.0) continue;
    T* od = o.data();
    const T* sd = s.data();
    detail::stridedLoop<2>(s.sizes(), {&o.strides(), &s.strides()},
                           [&](index_t n, const std::array<index_t, 2>& off, const std::array<index_t, 2>& st) {
                             for (index_t j = 0; j < n; ++j)
                               od[off[0] + j * st[0]] = static_cast<T>(sd[off[1] + j * st[1]] * scale);
                           });
  }
  return inPlace ? res : detail::commitResult(res, buf);
}

template <ExprOperand X, ExprOperand Y>
double dist(const X& a, const Y& b, double p) {
  using T = detail::operand_t<X>;
  using U = detail::operand_t<Y>;
  static_assert(FloatingElement<T> && FloatingElement<U>,
                "dist: this reduction takes float and double tensors (as in Torch7): convert with toFloat() first");
  const Tensor<T> ta = detail::operandTensor(a);
  const Tensor<U> tb = detail::operandTensor(b);
  if (ta.nElement() != tb.nElement())
    detail::fail<SizeError>("dist: a of size ", ta.sizes().toString(), " and b of size ", tb.sizes().toString(),
                            " have different element counts (", ta.nElement(), " vs ", tb.nElement(), ")");
  if (ta.nElement() == 0) return detail::withNormReducer<double>(p, "dist", [](const auto&) { return 0.0; });
  // Elements pair up in row-major order: walk both with one shape (contiguous copies when
  // the shapes differ).
  const Tensor<T> xa = ta.isSameSizeAs(tb) ? ta : ta.contiguous().view(Shape{ta.nElement()});
  const Tensor<U> xb = ta.isSameSizeAs(tb) ? tb : tb.contiguous().view(Shape{tb.nElement()});
  const T* pa = xa.data();
  const U* pb = xb.data();
  return detail::withNormReducer<double>(p, "dist", [&](const auto& r) {
    auto acc = r.init(0);
    detail::stridedLoop<2>(xa.sizes(), {&xa.strides(), &xb.strides()},
                           [&](index_t n, const std::array<index_t, 2>& off, const std::array<index_t, 2>& st) {
                             for (index_t j = 0; j < n; ++j)
                               r.add(acc, static_cast<double>(pa[off[0] + j * st[0]]) - pb[off[1] + j * st[1]], 0);
                           });
    return r.finish(acc, xa.nElement(), 0);
  });
}

// ---- cumsum, cumprod ----------------------------------------------------------------------------

template <ExprOperand X>
Tensor<detail::operand_t<X>> cumsum(const X& x, int dim) {
  Tensor<detail::operand_t<X>> res;
  return cumsum(res, x, dim);
}

template <Element T, ExprOperand X>
Tensor<T>& cumsum(Tensor<T>& res, const X& x, int dim) {
  static_assert(std::is_same_v<T, detail::operand_t<X>>, "cumsum: res must have the input's element type");
  const Tensor<T> src = detail::operandTensor(x);
  const int d = detail::normalizeDim(dim, src.dim(), "cumsum");
  using R = detail::run_t<T>;
  return detail::scanInto(res, src, d, R(0), [](R a, T v) { return a + detail::toRun(v); });
}

template <ExprOperand X>
Tensor<detail::operand_t<X>> cumprod(const X& x, int dim) {
  Tensor<detail::operand_t<X>> res;
  return cumprod(res, x, dim);
}

template <Element T, ExprOperand X>
Tensor<T>& cumprod(Tensor<T>& res, const X& x, int dim) {
  static_assert(std::is_same_v<T, detail::operand_t<X>>, "cumprod: res must have the input's element type");
  const Tensor<T> src = detail::operandTensor(x);
  const int d = detail::normalizeDim(dim, src.dim(), "cumprod");
  using R = detail::run_t<T>;
  return detail::scanInto(res, src, d, R(1), [](R a, T v) { return a * detail::toRun(v); });
}

// ---- all, any, trace ------------------------------------------------------------------------------

template <ExprOperand X>
bool logicalAll(const X& x) {
  static_assert(detail::isByte<detail::operand_t<X>>,
                "logicalAll: takes a ByteTensor (a mask, as in Torch7): compare first, or convert with toByte()");
  const ByteTensor t = detail::operandTensor(x);
  bool r = true;
  detail::forEachRun(t, [&](const std::uint8_t* p, index_t n, index_t st) {
    for (index_t i = 0; r && i < n; ++i) r = p[i * st] != 0;
  });
  return r;
}

template <ExprOperand X>
ByteTensor logicalAll(const X& x, int dim) {
  ByteTensor res;
  return logicalAll(res, x, dim);
}

template <ExprOperand X>
ByteTensor& logicalAll(ByteTensor& res, const X& x, int dim) {
  static_assert(detail::isByte<detail::operand_t<X>>,
                "logicalAll: takes a ByteTensor (a mask, as in Torch7): compare first, or convert with toByte()");
  const ByteTensor src = detail::operandTensor(x);
  return detail::reduceInto(res, src, detail::normalizeDim(dim, src.dim(), "logicalAll"), detail::AllR{});
}

template <ExprOperand X>
bool any(const X& x) {
  static_assert(detail::isByte<detail::operand_t<X>>,
                "any: takes a ByteTensor (a mask, as in Torch7): compare first, or convert with toByte()");
  const ByteTensor t = detail::operandTensor(x);
  bool r = false;
  detail::forEachRun(t, [&](const std::uint8_t* p, index_t n, index_t st) {
    for (index_t i = 0; !r && i < n; ++i) r = p[i * st] != 0;
  });
  return r;
}

template <ExprOperand X>
ByteTensor any(const X& x, int dim) {
  ByteTensor res;
  return any(res, x, dim);
}

template <ExprOperand X>
ByteTensor& any(ByteTensor& res, const X& x, int dim) {
  static_assert(detail::isByte<detail::operand_t<X>>,
                "any: takes a ByteTensor (a mask, as in Torch7): compare first, or convert with toByte()");
  const ByteTensor src = detail::operandTensor(x);
  return detail::reduceInto(res, src, detail::normalizeDim(dim, src.dim(), "any"), detail::AnyR{});
}

template <ExprOperand X>
detail::acc_t<detail::operand_t<X>> trace(const X& x) {
  using T = detail::operand_t<X>;
  const Tensor<T> t = detail::operandTensor(x);
  if (t.dim() != 2)
    detail::fail<SizeError>("trace: expects a 2-D tensor (a matrix), got ", t.dim(), " dimension",
                            t.dim() == 1 ? "" : "s", " (size ", t.sizes().toString(), ")");
  const index_t n = std::min(t.size(0), t.size(1)), step = t.stride(0) + t.stride(1);
  const T* p = t.data();
  detail::run_t<T> s = 0;
  for (index_t i = 0; i < n; ++i) s += detail::toRun(p[i * step]);
  return detail::fromRun<T>(s);
}

}  // namespace t7
