#pragma once
/// \file resize.hpp
/// `resizeBilinear`: bilinear resampling of an image [C x H x W] (or [H x W]) to a new
/// height and width, the kernel under the GTSRB and image-folder loaders (Torch7's
/// `image.scale(src, width, height, 'bilinear')`).
///
/// Pixel centres are aligned (OpenCV's INTER_LINEAR, PyTorch's `align_corners=false`): output
/// pixel x samples the source at `(x + 0.5) * W / outW - 0.5`, clamped to the border. No
/// anti-aliasing filter runs before a large reduction (as in OpenCV and Torch7).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "t7/core/dtype.hpp"
#include "t7/core/error.hpp"
#include "t7/core/shape.hpp"
#include "t7/tensor/tensor.hpp"

namespace t7::data {

/// `src` [C x H x W] or [H x W] (any layout) resampled to `height` x `width` by bilinear
/// interpolation, as a new contiguous tensor [C x height x width] or [height x width]
/// (Torch7's `image.scale(src, width, height, 'bilinear')`: note Torch7's width-first order).
/// Integer types round to nearest and saturate; an unchanged size copies exactly.
/// ValueError when a size is < 1 or `src` is not rank 2 or 3 with H, W >= 1.
template <Element T>
Tensor<T> resizeBilinear(const Tensor<T>& src, index_t height, index_t width);
/// The same into `res` (resized to the result's shape; T and U may differ).
template <Element T, Element U>
Tensor<T>& resizeBilinear(Tensor<T>& res, const Tensor<U>& src, index_t height, index_t width);

// =====================================================================================
// Definitions
// =====================================================================================

namespace detail {

using t7::detail::bracketed;
using t7::detail::fail;

/// Where output pixel `i` of `outN` samples a source of `inN` pixels: indices i0, i1 and the
/// weight `f` of i1 (half-pixel centres, clamped to the border).
struct BilinearTap {
  index_t i0 = 0, i1 = 0;
  float f = 0;
};

inline void bilinearTaps(index_t inN, index_t outN, std::vector<BilinearTap>& taps) {
  taps.resize(std::size_t(outN));
  const double scale = double(inN) / double(outN);
  for (index_t i = 0; i < outN; ++i) {
    double s = (double(i) + 0.5) * scale - 0.5;
    s = std::clamp(s, 0.0, double(inN - 1));
    index_t i0 = static_cast<index_t>(s);  // s >= 0: truncation is floor
    if (i0 > inN - 1) i0 = inN - 1;
    BilinearTap& t = taps[std::size_t(i)];
    t.i0 = i0;
    t.i1 = std::min(i0 + 1, inN - 1);
    t.f = static_cast<float>(s - double(i0));
  }
}

/// A computed value stored into T: rounded and saturated for integers.
template <class T, class A>
inline T storePixel(A v) {
  if constexpr (std::is_integral_v<T>) return convert<T>(std::floor(v + A(0.5)));
  else return static_cast<T>(v);
}

/// Resamples `channels` planes of `inH` x `inW` source pixels (strides sC, sH, sW from `src`)
/// into `outH` x `outW` contiguous planes at `dst`, each value multiplied by `mul`.
/// Computes in double for double sources or destinations, else float.
template <class U, class T>
void bilinearPlanes(const U* src, index_t channels, index_t inH, index_t inW, index_t sC, index_t sH, index_t sW,
                    T* dst, index_t outH, index_t outW, double mul = 1.0) {
  using A = std::conditional_t<std::is_same_v<T, double> || std::is_same_v<U, double>, double, float>;
  const A m = static_cast<A>(mul);
  if (inH == outH && inW == outW) {  // exact copy: no weights, no rounding of integers
    for (index_t c = 0; c < channels; ++c)
      for (index_t y = 0; y < outH; ++y) {
        const U* row = src + c * sC + y * sH;
        T* out = dst + (c * outH + y) * outW;
        for (index_t x = 0; x < outW; ++x) out[x] = storePixel<T>(static_cast<A>(row[x * sW]) * m);
      }
    return;
  }
  std::vector<BilinearTap> ty, tx;
  bilinearTaps(inH, outH, ty);
  bilinearTaps(inW, outW, tx);
  for (index_t c = 0; c < channels; ++c) {
    const U* plane = src + c * sC;
    for (index_t y = 0; y < outH; ++y) {
      const BilinearTap& vy = ty[std::size_t(y)];
      const U* r0 = plane + vy.i0 * sH;
      const U* r1 = plane + vy.i1 * sH;
      const A fy = vy.f;
      T* out = dst + (c * outH + y) * outW;
      for (index_t x = 0; x < outW; ++x) {
        const BilinearTap& vx = tx[std::size_t(x)];
        const A fx = vx.f;
        const A top = static_cast<A>(r0[vx.i0 * sW]) * (1 - fx) + static_cast<A>(r0[vx.i1 * sW]) * fx;
        const A bottom = static_cast<A>(r1[vx.i0 * sW]) * (1 - fx) + static_cast<A>(r1[vx.i1 * sW]) * fx;
        out[x] = storePixel<T>((top * (1 - fy) + bottom * fy) * m);
      }
    }
  }
}

}  // namespace detail

template <Element T, Element U>
Tensor<T>& resizeBilinear(Tensor<T>& res, const Tensor<U>& src, index_t height, index_t width) {
  if (src.dim() != 2 && src.dim() != 3)
    detail::fail<ValueError>("resizeBilinear: expected an image [C x H x W] or [H x W], got ",
                             detail::bracketed(src.sizes()));
  const int r = src.dim();
  const index_t c = r == 3 ? src.size(0) : 1, h = src.size(r - 2), w = src.size(r - 1);
  if (h < 1 || w < 1)
    detail::fail<ValueError>("resizeBilinear: the image ", detail::bracketed(src.sizes()), " has no pixel");
  if (height < 1 || width < 1)
    detail::fail<ValueError>("resizeBilinear: output size ", height, "x", width, " must be at least 1x1");
  const Shape out = r == 3 ? Shape{c, height, width} : Shape{height, width};
  const index_t sC = r == 3 ? src.stride(0) : 0;
  if (res.storage().defined() && src.storage().defined() &&
      static_cast<const void*>(res.storage().data()) == static_cast<const void*>(src.storage().data())) {
    Tensor<T> tmp(out);  // `res` shares memory with `src`: compute aside, then copy
    if (c > 0) detail::bilinearPlanes(src.data(), c, h, w, sC, src.stride(r - 2), src.stride(r - 1), tmp.data(), height, width);
    res.resize(out);
    res.copy(tmp);
    return res;
  }
  res.resize(out);
  if (c > 0) detail::bilinearPlanes(src.data(), c, h, w, sC, src.stride(r - 2), src.stride(r - 1), res.data(), height, width);
  return res;
}

template <Element T>
Tensor<T> resizeBilinear(const Tensor<T>& src, index_t height, index_t width) {
  Tensor<T> res;
  return resizeBilinear(res, src, height, width);
}

}  // namespace t7::data
