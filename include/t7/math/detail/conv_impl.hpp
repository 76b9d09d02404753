#pragma once
/// \file conv_impl.hpp
/// Definitions of t7/math/conv.hpp. Everything reduces to two contiguous 2-D kernels that
/// accumulate into the output:
/// - valid cross-correlation in gather form: for each output row, for each kernel tap,
///   `out_row += w * in_row[shifted]` (an axpy over the output row, vectorised with xsimd);
/// - full convolution in scatter form: for each input row, for each kernel tap,
///   `out_row[shifted] += w * in_row`.
/// Valid convolution and full cross-correlation use them with the kernel flipped (reversing
/// a contiguous kernel block flips every spatial dimension at once). 3-D is a loop of 2-D
/// over depth; the plane combinations loop over planes (OpenMP across output planes).

#include <algorithm>
#include <cstdint>
#include <string>
#include <type_traits>

#include <xsimd/xsimd.hpp>

#include "t7/core/error.hpp"
#include "t7/tensor/tensor.hpp"

namespace t7::detail::conv {

enum class Op { Conv, XCorr };

/// acc + a * b, wrapping around for integer types (defined behaviour, as unsigned).
template <class T>
inline T mulAdd(T acc, T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<std::conditional_t<(sizeof(T) < sizeof(int)), int, T>>;
    return static_cast<T>(static_cast<U>(acc) + static_cast<U>(a) * static_cast<U>(b));
  } else {
    return acc + a * b;
  }
}

/// y[0, n) += a * x[0, n).
template <class T>
inline void axpy(T* __restrict y, const T* __restrict x, T a, index_t n) {
  index_t i = 0;
  if constexpr (FloatingElement<T>) {
    using B = xsimd::batch<T>;
    constexpr index_t W = static_cast<index_t>(B::size);
    if constexpr (W > 1) {
      const B va(a);
      for (; i + W <= n; i += W) xsimd::fma(va, B::load_unaligned(x + i), B::load_unaligned(y + i)).store_unaligned(y + i);
    }
  }
  for (; i < n; ++i) y[i] = mulAdd(y[i], a, x[i]);
}

/// Output rows narrower than this use dot products instead of row-wide axpys.
inline constexpr index_t kNarrowRow = 8;

/// out (ir-kr+1 x ic-kc+1) += valid cross-correlation of in (ir x ic) with k (kr x kc).
template <class T>
void validXCorr2D(T* out, const T* in, index_t ir, index_t ic, const T* k, index_t kr, index_t kc) {
  const index_t orows = ir - kr + 1, ocols = ic - kc + 1;
  if (ocols >= kNarrowRow) {
    for (index_t y = 0; y < orows; ++y) {
      T* o = out + y * ocols;
      for (index_t ky = 0; ky < kr; ++ky) {
        const T* src = in + (y + ky) * ic;
        const T* w = k + ky * kc;
        for (index_t kx = 0; kx < kc; ++kx) axpy(o, src + kx, w[kx], ocols);
      }
    }
    return;
  }
  for (index_t y = 0; y < orows; ++y)
    for (index_t x = 0; x < ocols; ++x) {
      T s = T(0);
      for (index_t ky = 0; ky < kr; ++ky) {
        const T* src = in + (y + ky) * ic + x;
        const T* w = k + ky * kc;
        for (index_t kx = 0; kx < kc; ++kx) s = mulAdd(s, src[kx], w[kx]);
      }
      out[y * ocols + x] = mulAdd(out[y * ocols + x], T(1), s);
    }
}

/// out (ir+kr-1 x ic+kc-1) += full convolution of in (ir x ic) with k (kr x kc).
template <class T>
void fullConv2D(T* out, const T* in, index_t ir, index_t ic, const T* k, index_t kr, index_t kc) {
  const index_t ocols = ic + kc - 1;
  for (index_t y = 0; y < ir; ++y) {
    const T* src = in + y * ic;
    for (index_t ky = 0; ky < kr; ++ky) {
      T* o = out + (y + ky) * ocols;
      const T* w = k + ky * kc;
      for (index_t kx = 0; kx < kc; ++kx) axpy(o + kx, src, w[kx], ic);
    }
  }
}

/// Sizes of one block: S spatial dimensions of the input, kernel and output.
struct Block {
  int S = 2;
  index_t in[3] = {1, 1, 1}, ker[3] = {1, 1, 1}, out[3] = {1, 1, 1};
  index_t inSize() const { return in[0] * in[1] * in[2]; }
  index_t kerSize() const { return ker[0] * ker[1] * ker[2]; }
  index_t outSize() const { return out[0] * out[1] * out[2]; }
};

/// out += one block: valid cross-correlation (`full` false) or full convolution (true).
/// 2-D blocks are stored with in[0] = ker[0] = out[0] = 1.
template <class T>
void accumulate(T* out, const T* in, const T* k, const Block& b, bool full) {
  const index_t inPlane = b.in[1] * b.in[2], kPlane = b.ker[1] * b.ker[2], outPlane = b.out[1] * b.out[2];
  if (!full) {
    for (index_t z = 0; z < b.out[0]; ++z)
      for (index_t kz = 0; kz < b.ker[0]; ++kz)
        validXCorr2D(out + z * outPlane, in + (z + kz) * inPlane, b.in[1], b.in[2], k + kz * kPlane, b.ker[1], b.ker[2]);
    return;
  }
  for (index_t z = 0; z < b.in[0]; ++z)
    for (index_t kz = 0; kz < b.ker[0]; ++kz)
      fullConv2D(out + (z + kz) * outPlane, in + z * inPlane, b.in[1], b.in[2], k + kz * kPlane, b.ker[1], b.ker[2]);
}

/// How x and k combine: Torch7's conv2Dmul / conv2Dcmul / conv2Dmv (and the 3-D ones).
struct Plan {
  enum Kind { Single, PerPlane, Sum } kind = Single;
  index_t inPlanes = 1, outPlanes = 1;
  Block block;
  Shape outShape;
};

template <class T>
std::string shapeOf(const Tensor<T>& t) {
  return bracketed(t.sizes());
}

template <class T>
Plan makePlan(const Tensor<T>& x, const Tensor<T>& k, char mode, int S, const char* op) {
  if (mode != 'V' && mode != 'F')
    fail<ValueError>(op, ": mode must be 'V' (valid) or 'F' (full), got '", mode, "'");
  Plan p;
  const int xd = x.dim(), kd = k.dim();
  if (xd == S && kd == S) p.kind = Plan::Single;
  else if (xd == S + 1 && kd == S + 1) p.kind = Plan::PerPlane;
  else if (xd == S + 1 && kd == S + 2) p.kind = Plan::Sum;
  else
    fail<SizeError>(op, ": x and k must have ", S, " and ", S, ", ", S + 1, " and ", S + 1, ", or ", S + 1, " and ", S + 2,
                    " dimensions, got x ", shapeOf(x), " (", xd, "-D) and k ", shapeOf(k), " (", kd, "-D)");
  if (x.nElement() == 0) fail<SizeError>(op, ": x ", shapeOf(x), " is empty");
  if (k.nElement() == 0) fail<SizeError>(op, ": k ", shapeOf(k), " is empty");
  if (p.kind == Plan::PerPlane && x.size(0) != k.size(0))
    fail<SizeError>(op, ": x ", shapeOf(x), " has ", x.size(0), " planes but k ", shapeOf(k), " has ", k.size(0),
                    " kernels (one per plane)");
  if (p.kind == Plan::Sum && x.size(0) != k.size(1))
    fail<SizeError>(op, ": k ", shapeOf(k), " expects ", k.size(1), " input planes (its dimension 1) but x ", shapeOf(x),
                    " has ", x.size(0));
  Block& b = p.block;
  b.S = S;
  const int off = 3 - S;  // a 2-D block uses entries 1 and 2
  for (int d = 0; d < S; ++d) {
    b.in[off + d] = x.size(xd - S + d);
    b.ker[off + d] = k.size(kd - S + d);
  }
  bool fits = true;
  for (int d = 0; d < 3; ++d) fits = fits && b.ker[d] <= b.in[d];
  if (mode == 'V' && !fits) {
    Shape xs, ks;
    for (int d = 0; d < S; ++d) {
      xs.push_back(b.in[off + d]);
      ks.push_back(b.ker[off + d]);
    }
    fail<SizeError>(op, ": in 'V' (valid) mode the kernel [", ks.toString(), "] must not be larger than the input [",
                    xs.toString(), "] (x ", shapeOf(x), ", k ", shapeOf(k), "); use 'F' for a full convolution");
  }
  for (int d = 0; d < 3; ++d) b.out[d] = mode == 'V' ? b.in[d] - b.ker[d] + 1 : b.in[d] + b.ker[d] - 1;
  if (p.kind == Plan::PerPlane) p.inPlanes = p.outPlanes = x.size(0);
  if (p.kind == Plan::Sum) {
    p.inPlanes = x.size(0);
    p.outPlanes = k.size(0);
  }
  if (p.kind != Plan::Single) p.outShape.push_back(p.outPlanes);
  for (int d = 0; d < S; ++d) p.outShape.push_back(b.out[off + d]);
  return p;
}

/// The kernel as a contiguous tensor, each spatial block reversed when `flip`.
template <class T>
Tensor<T> prepareKernel(const Tensor<T>& k, index_t blockSize, bool flip) {
  if (!flip) return k.contiguous();
  const Tensor<T> kc = k.contiguous();
  Tensor<T> r(k.sizes());
  const T* s = kc.data();
  T* d = r.data();
  for (index_t b = 0; b < kc.nElement(); b += blockSize) std::reverse_copy(s + b, s + b + blockSize, d + b);
  return r;
}

/// Multiply-adds above which the plane loop runs on OpenMP threads.
inline constexpr double kParallelWork = 1 << 20;

/// Writes the result of plan `p` into `out` (contiguous, p.outShape).
template <class T>
void compute(T* out, const T* in, const T* ker, const Plan& p, bool full) {
  const Block& b = p.block;
  const index_t inSize = b.inSize(), kSize = b.kerSize(), outSize = b.outSize();
  std::fill(out, out + p.outPlanes * outSize, T(0));
  if (p.kind == Plan::Single) {
    accumulate(out, in, ker, b, full);
    return;
  }
  const index_t perOut = p.kind == Plan::Sum ? p.inPlanes : 1;
  const double work = static_cast<double>(p.outPlanes) * static_cast<double>(perOut) * static_cast<double>(kSize) *
                      static_cast<double>(full ? inSize : outSize);
  const bool parallel = p.outPlanes > 1 && work >= kParallelWork;
  (void)parallel;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (parallel)
#endif
  for (index_t o = 0; o < p.outPlanes; ++o) {
    if (p.kind == Plan::PerPlane) {
      accumulate(out + o * outSize, in + o * inSize, ker + o * kSize, b, full);
    } else {
      for (index_t i = 0; i < p.inPlanes; ++i)
        accumulate(out + o * outSize, in + i * inSize, ker + (o * p.inPlanes + i) * kSize, b, full);
    }
  }
}

/// The four public functions: plan, prepare contiguous (flipped) operands, compute into
/// `res` directly unless it overlaps them.
template <class T>
Tensor<T>& run(Tensor<T>& res, const Tensor<T>& x, const Tensor<T>& k, char mode, int S, Op op, const char* name) {
  const Plan p = makePlan(x, k, mode, S, name);
  const bool full = mode == 'F';
  // valid: cross-correlation kernel; full: convolution kernel
  const bool flip = (op == Op::Conv) != full;
  const Tensor<T> xin = x.contiguous();
  const Tensor<T> kin = prepareKernel(k, p.block.kerSize(), flip);
  // (a res of the right size keeps its layout, as Torch7's resize; one that is not
  // contiguous, or overlaps an input, is written through a temporary)
  if (!res.isSize(p.outShape)) res.resize(p.outShape);
  if (!res.isContiguous() || t7::detail::mayOverlap(res, xin) || t7::detail::mayOverlap(res, kin)) {
    Tensor<T> tmp(p.outShape);
    compute(tmp.data(), xin.data(), kin.data(), p, full);
    res.copy(tmp);
  } else {
    compute(res.data(), xin.data(), kin.data(), p, full);
  }
  return res;
}

}  // namespace t7::detail::conv

namespace t7 {

template <Element T>
Tensor<T> conv2(const Tensor<T>& x, const Tensor<T>& k, char mode) {
  Tensor<T> r;
  return detail::conv::run(r, x, k, mode, 2, detail::conv::Op::Conv, "conv2");
}
template <Element T>
Tensor<T>& conv2(Tensor<T>& res, const Tensor<T>& x, const Tensor<T>& k, char mode) {
  return detail::conv::run(res, x, k, mode, 2, detail::conv::Op::Conv, "conv2");
}

template <Element T>
Tensor<T> xcorr2(const Tensor<T>& x, const Tensor<T>& k, char mode) {
  Tensor<T> r;
  return detail::conv::run(r, x, k, mode, 2, detail::conv::Op::XCorr, "xcorr2");
}
template <Element T>
Tensor<T>& xcorr2(Tensor<T>& res, const Tensor<T>& x, const Tensor<T>& k, char mode) {
  return detail::conv::run(res, x, k, mode, 2, detail::conv::Op::XCorr, "xcorr2");
}

template <Element T>
Tensor<T> conv3(const Tensor<T>& x, const Tensor<T>& k, char mode) {
  Tensor<T> r;
  return detail::conv::run(r, x, k, mode, 3, detail::conv::Op::Conv, "conv3");
}
template <Element T>
Tensor<T>& conv3(Tensor<T>& res, const Tensor<T>& x, const Tensor<T>& k, char mode) {
  return detail::conv::run(res, x, k, mode, 3, detail::conv::Op::Conv, "conv3");
}

template <Element T>
Tensor<T> xcorr3(const Tensor<T>& x, const Tensor<T>& k, char mode) {
  Tensor<T> r;
  return detail::conv::run(r, x, k, mode, 3, detail::conv::Op::XCorr, "xcorr3");
}
template <Element T>
Tensor<T>& xcorr3(Tensor<T>& res, const Tensor<T>& x, const Tensor<T>& k, char mode) {
  return detail::conv::run(res, x, k, mode, 3, detail::conv::Op::XCorr, "xcorr3");
}

}  // namespace t7
