#pragma once
/// \file im2col.hpp
/// The unfolding of a sliding 2-D window into a matrix ("im2col") and its adjoint, the folding
/// back with accumulation ("col2im"): what turns a convolution into one matrix product
/// (Torch7's THNN `im2col`/`col2im` under SpatialConvolutionMM, SpatialDilatedConvolution and
/// SpatialFullConvolution). Shared by the 2-D convolution kernels (conv2d.hpp), the modules
/// built on them and, later, autograd and CUDA.
///
/// Layout: an image is C x H x W, contiguous. The columns matrix is [C*kH*kW x outH*outW],
/// row-major: row (c, ki, kj) = c*kH*kW + ki*kW + kj, column (oh, ow) = oh*outW + ow, and
///
///     columns[(c,ki,kj), (oh,ow)] = image[c, oh*dH - padH + ki*dilationH, ow*dW - padW + kj*dilationW]
///
/// with zeros where the position falls in the padding. col2im adds each column entry back
/// to the pixel it came from, so col2im is im2col's transpose: <col2im(c), x> == <c, im2col(x)>.
///
/// Both work on raw pointers, row by row: each output row is split once into its padding
/// runs (memset / skipped) and its inside run (a contiguous copy when dW == 1, a strided one
/// otherwise); no per-element bounds test.

#include <algorithm>
#include <cstring>

#include <xsimd/xsimd.hpp>

#include "t7/core/config.hpp"

namespace t7::kernels {

/// Geometry of a 2-D sliding window (Torch7's kW, kH, dW, dH, padW, padH, dilationW,
/// dilationH) over an image of `channels` x `height` x `width`. An aggregate:
/// `Window2d{.channels = 3, .height = 32, .width = 32, .kH = 5, .kW = 5, .padH = 2, .padW = 2}`.
struct Window2d {
  index_t channels = 0, height = 0, width = 0;
  index_t kH = 1, kW = 1;
  index_t dH = 1, dW = 1;
  index_t padH = 0, padW = 0;
  index_t dilationH = 1, dilationW = 1;

  /// Rows of the output: floor((height + 2 padH - (dilationH (kH-1) + 1)) / dH) + 1
  /// (Torch7's formula; <= 0 when the padded image is smaller than the window).
  index_t outH() const { return outSize(height, kH, dH, padH, dilationH); }
  /// Columns of the output, as outH().
  index_t outW() const { return outSize(width, kW, dW, padW, dilationW); }
  /// Rows of the columns matrix: channels * kH * kW.
  index_t patchSize() const { return channels * kH * kW; }

  /// floor((in + 2 pad - (dilation (k-1) + 1)) / stride) + 1, with a true floor for
  /// negative numerators (too small an input gives <= 0, never a rounded-up 1).
  static index_t outSize(index_t in, index_t k, index_t stride, index_t pad, index_t dilation) {
    const index_t num = in + 2 * pad - (dilation * (k - 1) + 1);
    return (num >= 0 ? num / stride : -((-num + stride - 1) / stride)) + 1;
  }
};

/// Unfolds `image` (C x H x W, contiguous) into `columns` ([C*kH*kW x outH*outW], contiguous;
/// every entry written, padding as zeros). Torch7's THNN `im2col`.
template <class T>
void im2col(const T* image, const Window2d& g, T* columns);

/// Folds `columns` ([C*kH*kW x outH*outW]) back onto `image` (C x H x W): every entry is ADDED
/// to the pixel im2col read it from (padding entries are dropped). Accumulates: the caller
/// zeroes the image first for a plain fold. Torch7's THNN `col2im`.
template <class T>
void col2im(const T* columns, const Window2d& g, T* image);

/// im2col for the rows [rowBegin, rowEnd) of the columns matrix only (`columns` points at the
/// matrix's first row): lets callers split the work over threads. `ld` is the distance between
/// the matrix's rows (default -1: outH*outW), so several images can sit side by side in one
/// wider matrix.
template <class T>
void im2colRows(const T* image, const Window2d& g, T* columns, index_t rowBegin, index_t rowEnd, index_t ld = -1);

/// col2im for the channels [cBegin, cEnd) only: channel c is written by rows
/// c*kH*kW .. (c+1)*kH*kW - 1 alone, so disjoint channel ranges can run on different threads.
/// `ld` as for im2colRows.
template <class T>
void col2imChannels(const T* columns, const Window2d& g, T* image, index_t cBegin, index_t cEnd, index_t ld = -1);

// ---- definitions ---------------------------------------------------------------------------

namespace detail::conv {

/// dst[i] = src[i] for i < n (not overlapping): the short rows of im2col and of the direct
/// kernels' padded buffers (10 to 100 elements) are copied inline, in vectors, the last one
/// overlapping the one before; a call to memcpy per row was 5-7% of a CNN training step.
template <class T>
inline void copyRow(T* dst, const T* src, index_t n) {
  using B = xsimd::batch<T>;
  constexpr index_t L = static_cast<index_t>(B::size);
  if (n < L) {
    for (index_t i = 0; i < n; ++i) dst[i] = src[i];
    return;
  }
  index_t i = 0;
  for (; i + L <= n; i += L) B::load_unaligned(src + i).store_unaligned(dst + i);
  if (i < n) B::load_unaligned(src + n - L).store_unaligned(dst + n - L);
}

/// floor(a / b) for b > 0.
inline index_t floorDiv(index_t a, index_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

/// The output columns [lo, hi) whose input column ow*stride + offset lies in [0, size).
inline void insideRange(index_t offset, index_t stride, index_t size, index_t out, index_t& lo, index_t& hi) {
  lo = std::clamp<index_t>(floorDiv(-offset + stride - 1, stride), 0, out);  // ceil(-offset / stride)
  hi = std::clamp<index_t>(floorDiv(size - 1 - offset, stride) + 1, lo, out);
}

}  // namespace detail::conv

template <class T>
void im2colRows(const T* image, const Window2d& g, T* columns, index_t rowBegin, index_t rowEnd, index_t ld) {
  const index_t oH = g.outH(), oW = g.outW(), H = g.height, W = g.width;
  if (ld < 0) ld = oH * oW;
  const index_t kk = g.kH * g.kW;
  for (index_t r = rowBegin; r < rowEnd; ++r) {
    const index_t c = r / kk, ki = (r % kk) / g.kW, kj = r % g.kW;
    const index_t hOff = ki * g.dilationH - g.padH, wOff = kj * g.dilationW - g.padW;
    index_t lo, hi;
    detail::conv::insideRange(wOff, g.dW, W, oW, lo, hi);
    const T* plane = image + c * H * W;
    T* out = columns + r * ld;
    for (index_t oh = 0; oh < oH; ++oh, out += oW) {
      const index_t ih = oh * g.dH + hOff;
      if (ih < 0 || ih >= H || lo == hi) {
        std::memset(static_cast<void*>(out), 0, sizeof(T) * oW);
        continue;
      }
      if (lo > 0) std::memset(static_cast<void*>(out), 0, sizeof(T) * lo);
      const T* in = plane + ih * W + lo * g.dW + wOff;  // column lo's pixel
      if (g.dW == 1) {
        detail::conv::copyRow(out + lo, in, hi - lo);
      } else {
        for (index_t i = 0, n = hi - lo; i < n; ++i) out[lo + i] = in[i * g.dW];
      }
      if (hi < oW) std::memset(static_cast<void*>(out + hi), 0, sizeof(T) * (oW - hi));
    }
  }
}

template <class T>
void col2imChannels(const T* columns, const Window2d& g, T* image, index_t cBegin, index_t cEnd, index_t ld) {
  const index_t oH = g.outH(), oW = g.outW(), H = g.height, W = g.width;
  if (ld < 0) ld = oH * oW;
  const index_t kk = g.kH * g.kW;
  for (index_t r = cBegin * kk; r < cEnd * kk; ++r) {
    const index_t c = r / kk, ki = (r % kk) / g.kW, kj = r % g.kW;
    const index_t hOff = ki * g.dilationH - g.padH, wOff = kj * g.dilationW - g.padW;
    index_t lo, hi;
    detail::conv::insideRange(wOff, g.dW, W, oW, lo, hi);
    if (lo == hi) continue;
    T* plane = image + c * H * W;
    const T* col = columns + r * ld;
    for (index_t oh = 0; oh < oH; ++oh, col += oW) {
      const index_t ih = oh * g.dH + hOff;
      if (ih < 0 || ih >= H) continue;
      T* out = plane + ih * W + lo * g.dW + wOff;  // column lo's pixel
      const T* in = col + lo;
      if (g.dW == 1) {
        for (index_t i = 0, n = hi - lo; i < n; ++i) out[i] += in[i];
      } else {
        for (index_t i = 0, n = hi - lo; i < n; ++i) out[i * g.dW] += in[i];
      }
    }
  }
}

template <class T>
void im2col(const T* image, const Window2d& g, T* columns) {
  im2colRows(image, g, columns, 0, g.patchSize());
}

template <class T>
void col2im(const T* columns, const Window2d& g, T* image) {
  col2imChannels(columns, g, image, 0, g.channels);
}

}  // namespace t7::kernels
