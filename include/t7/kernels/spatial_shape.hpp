#pragma once
/// \file spatial_shape.hpp
/// The math of Torch7's spatial shape modules and spatial class losses, on contiguous planes
/// given by raw pointers: padding (zero, reflection, replication; THNN's index maps),
/// nearest and bilinear up-sampling (THNN's SpatialUpSamplingNearest and the align-corners
/// SpatialUpSamplingBilinear), the per-plane mask of SpatialDropout/VolumetricDropout, and
/// the pixel-wise class NLL / cross-entropy of SpatialClassNLLCriterion and
/// cudnn.SpatialCrossEntropyCriterion. One implementation behind nn (nn/spatial_shape.hpp,
/// nn/spatial_criterions.hpp) and, later, autograd and the CUDA device.
///
/// Data layout: `planes` consecutive planes of ih x iw (input) and oh x ow (output) elements,
/// row-major, no gaps (the batch and channel dimensions folded into `planes`). Loops run
/// OpenMP-parallel over planes when the work is large enough; every output plane is written
/// by one thread only, so the results do not depend on the thread count.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "t7/core/error.hpp"
#include "t7/tensor/tensor.hpp"

namespace t7::kernels {

/// How a padded border is filled: zeros (SpatialZeroPadding), the mirror image without the
/// edge (SpatialReflectionPadding: dcb|abcd|cba) or the edge repeated (SpatialReplicationPadding:
/// aaa|abcd|ddd).
enum class PadMode { Zero, Reflect, Replicate };

/// The four pads of a 2-D padding, Torch7's (pad_l, pad_r, pad_t, pad_b); negative pads crop.
struct Pad2d {
  index_t left = 0, right = 0, top = 0, bottom = 0;
};

/// The input index that output index `o` reads along one axis of `n` input elements with
/// `before` elements of padding in front (negative: cropped), or -1 for a zero (Zero mode
/// outside the input). Reflect needs -n < before, after < n (the caller checks).
inline index_t padSource(PadMode mode, index_t o, index_t before, index_t n) {
  const index_t u = o - before;
  if (u >= 0 && u < n) return u;
  switch (mode) {
    case PadMode::Zero: return -1;
    case PadMode::Reflect: return u < 0 ? -u : 2 * (n - 1) - u;
    case PadMode::Replicate: return u < 0 ? 0 : n - 1;
  }
  return -1;
}

/// out[p][i][j] = in[p][src(i)][src(j)] (0 where Zero mode falls outside): oh = ih + top +
/// bottom, ow = iw + left + right (both >= 1, checked by the caller).
template <Element T>
void spatialPadForward(T* out, const T* in, index_t planes, index_t ih, index_t iw, Pad2d pad, PadMode mode);

/// The adjoint: gin (zeroed here) [p][src(i)][src(j)] += gout[p][i][j].
template <Element T>
void spatialPadBackward(T* gin, const T* gout, index_t planes, index_t ih, index_t iw, Pad2d pad, PadMode mode);

/// Nearest up-sampling by an integer factor s: out[p][y][x] = in[p][y / s][x / s], output
/// (ih*s) x (iw*s) (THNN's SpatialUpSamplingNearest).
template <Element T>
void upsampleNearestForward(T* out, const T* in, index_t planes, index_t ih, index_t iw, index_t s);
/// gin[p][y][x] = sum of the s x s block of gout it was copied to.
template <Element T>
void upsampleNearestBackward(T* gin, const T* gout, index_t planes, index_t ih, index_t iw, index_t s);

/// Bilinear up-sampling to oh x ow with aligned corners (THNN's SpatialUpSamplingBilinear):
/// the output pixel (y, x) samples the input at (y * (ih-1)/(oh-1), x * (iw-1)/(ow-1)) (0 when
/// the output has one row/column), blending the 4 neighbours. Positions are computed in
/// double (Torch7 used float).
template <Element T>
void upsampleBilinearForward(T* out, const T* in, index_t planes, index_t ih, index_t iw, index_t oh, index_t ow);
/// The adjoint: gin (zeroed here) receives each gout pixel spread with the same 4 weights.
template <Element T>
void upsampleBilinearBackward(T* gin, const T* gout, index_t planes, index_t ih, index_t iw, index_t oh,
                              index_t ow);

/// out[p][k] = in[p][k] * scale[p] for `planes` planes of `planeSize` elements (the
/// expanded mask of SpatialDropout / VolumetricDropout); out may be in.
template <Element T>
void scalePlanes(T* out, const T* in, const T* scale, index_t planes, index_t planeSize);

/// Pixel-wise class NLL (THNN's SpatialClassNLLCriterion): input [n x c x hw] log-probabilities,
/// target [n x hw] 0-based classes (`ignoreIndex` skipped), weights [c] or nullptr. Returns
/// -sum w[t] input[i, t, k], divided by the total weight when sizeAverage and that is not 0;
/// the total weight is stored in `totalWeight`. Targets out of [0, c) throw IndexError
/// naming `op`.
template <Element T>
double spatialClassNLL(const T* input, const int64_t* target, const T* weights, index_t n, index_t c, index_t hw,
                       int64_t ignoreIndex, bool sizeAverage, double& totalWeight, const char* op);
/// gin (written whole) = -w[t] [/ totalWeight] at the target class of each counted pixel, 0
/// elsewhere.
template <Element T>
void spatialClassNLLBackward(T* gin, const int64_t* target, const T* weights, index_t n, index_t c, index_t hw,
                             int64_t ignoreIndex, bool sizeAverage, double totalWeight);
/// The cross-entropy's gradient from the log-probabilities logp [n x c x hw] (a log-softmax
/// over c): gin = w[t] (exp(logp) - [class == t]) [/ totalWeight] for counted pixels, 0 at
/// ignored ones.
template <Element T>
void spatialCrossEntropyBackward(T* gin, const T* logp, const int64_t* target, const T* weights, index_t n,
                                 index_t c, index_t hw, int64_t ignoreIndex, bool sizeAverage, double totalWeight);

// ---- definitions -------------------------------------------------------------------------------

namespace detail {
/// Elements of work below which the plane loops stay on one thread.
inline constexpr index_t kSpatialParallelThreshold = index_t{1} << 15;

/// The padded row i of one plane, as its pieces: the source row (or -1), the output columns
/// [lo, hi) that copy input columns [lo - left, hi - left) straight, the borders around them.
struct PadRow {
  index_t lo, hi;
};
inline PadRow padInterior(index_t ow, index_t iw, index_t left) {
  const index_t lo = std::clamp<index_t>(left, 0, ow);
  const index_t hi = std::clamp<index_t>(left + iw, lo, ow);
  return {lo, hi};
}
}  // namespace detail

template <Element T>
void spatialPadForward(T* out, const T* in, index_t planes, index_t ih, index_t iw, Pad2d pad, PadMode mode) {
  const index_t oh = ih + pad.top + pad.bottom, ow = iw + pad.left + pad.right;
  // plain variables, not a structured binding: clang before 16 cannot share one with the
  // OpenMP region
  const detail::PadRow interior = detail::padInterior(ow, iw, pad.left);
  const index_t lo = interior.lo, hi = interior.hi;
  [[maybe_unused]] const bool par = planes > 1 && planes * oh * ow >= detail::kSpatialParallelThreshold;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (par)
#endif
  for (index_t p = 0; p < planes; ++p) {
    const T* ip = in + p * ih * iw;
    T* op = out + p * oh * ow;
    for (index_t i = 0; i < oh; ++i) {
      T* orow = op + i * ow;
      const index_t sy = padSource(mode, i, pad.top, ih);
      if (sy < 0) {
        std::fill(orow, orow + ow, T(0));
        continue;
      }
      const T* irow = ip + sy * iw;
      for (index_t j = 0; j < lo; ++j) {
        const index_t sx = padSource(mode, j, pad.left, iw);
        orow[j] = sx < 0 ? T(0) : irow[sx];
      }
      if (hi > lo) std::memcpy(orow + lo, irow + (lo - pad.left), static_cast<std::size_t>(hi - lo) * sizeof(T));
      for (index_t j = hi; j < ow; ++j) {
        const index_t sx = padSource(mode, j, pad.left, iw);
        orow[j] = sx < 0 ? T(0) : irow[sx];
      }
    }
  }
}

template <Element T>
void spatialPadBackward(T* gin, const T* gout, index_t planes, index_t ih, index_t iw, Pad2d pad, PadMode mode) {
  const index_t oh = ih + pad.top + pad.bottom, ow = iw + pad.left + pad.right;
  // plain variables, not a structured binding: clang before 16 cannot share one with the
  // OpenMP region
  const detail::PadRow interior = detail::padInterior(ow, iw, pad.left);
  const index_t lo = interior.lo, hi = interior.hi;
  [[maybe_unused]] const bool par = planes > 1 && planes * oh * ow >= detail::kSpatialParallelThreshold;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (par)
#endif
  for (index_t p = 0; p < planes; ++p) {
    T* gp = gin + p * ih * iw;
    const T* op = gout + p * oh * ow;
    std::fill(gp, gp + ih * iw, T(0));
    for (index_t i = 0; i < oh; ++i) {
      const index_t sy = padSource(mode, i, pad.top, ih);
      if (sy < 0) continue;
      const T* orow = op + i * ow;
      T* grow = gp + sy * iw;
      for (index_t j = 0; j < lo; ++j) {
        const index_t sx = padSource(mode, j, pad.left, iw);
        if (sx >= 0) grow[sx] += orow[j];
      }
      T* g = grow + (lo - pad.left);
      const T* o = orow + lo;
#ifdef _OPENMP
#pragma omp simd
#endif
      for (index_t j = 0; j < hi - lo; ++j) g[j] += o[j];
      for (index_t j = hi; j < ow; ++j) {
        const index_t sx = padSource(mode, j, pad.left, iw);
        if (sx >= 0) grow[sx] += orow[j];
      }
    }
  }
}

template <Element T>
void upsampleNearestForward(T* out, const T* in, index_t planes, index_t ih, index_t iw, index_t s) {
  const index_t oh = ih * s, ow = iw * s;
  [[maybe_unused]] const bool par = planes > 1 && planes * oh * ow >= detail::kSpatialParallelThreshold;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (par)
#endif
  for (index_t p = 0; p < planes; ++p) {
    const T* ip = in + p * ih * iw;
    T* op = out + p * oh * ow;
    for (index_t y = 0; y < ih; ++y) {
      T* first = op + y * s * ow;
      const T* irow = ip + y * iw;
      if (s == 2) {
        for (index_t x = 0; x < iw; ++x) first[2 * x] = first[2 * x + 1] = irow[x];
      } else {
        for (index_t x = 0; x < iw; ++x) std::fill(first + x * s, first + (x + 1) * s, irow[x]);
      }
      for (index_t r = 1; r < s; ++r) std::memcpy(first + r * ow, first, static_cast<std::size_t>(ow) * sizeof(T));
    }
  }
}

template <Element T>
void upsampleNearestBackward(T* gin, const T* gout, index_t planes, index_t ih, index_t iw, index_t s) {
  const index_t oh = ih * s, ow = iw * s;
  [[maybe_unused]] const bool par = planes > 1 && planes * oh * ow >= detail::kSpatialParallelThreshold;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (par)
#endif
  for (index_t p = 0; p < planes; ++p) {
    T* gp = gin + p * ih * iw;
    const T* op = gout + p * oh * ow;
    for (index_t y = 0; y < ih; ++y) {
      T* grow = gp + y * iw;
      std::fill(grow, grow + iw, T(0));
      // Output rows one after the other (sequential reads), each folded onto the input row.
      for (index_t r = 0; r < s; ++r) {
        const T* orow = op + (y * s + r) * ow;
        if (s == 2) {
          for (index_t x = 0; x < iw; ++x) grow[x] += orow[2 * x] + orow[2 * x + 1];
        } else {
          for (index_t x = 0; x < iw; ++x) {
            T acc = 0;
            for (index_t c = 0; c < s; ++c) acc += orow[x * s + c];
            grow[x] += acc;
          }
        }
      }
    }
  }
}

namespace detail {
/// One axis of the align-corners bilinear map: output index o reads input i0 and i0 + step
/// (step 0 at the last input index) with weights (1 - lambda, lambda).
struct LinearTap {
  index_t i0, step;
  double lambda;
};
inline LinearTap linearTap(index_t o, double ratio, index_t n) {
  const double r = ratio * static_cast<double>(o);
  const index_t i0 = std::min(static_cast<index_t>(r), n - 1);
  return {i0, i0 < n - 1 ? 1 : 0, r - static_cast<double>(i0)};
}
inline double alignCornersRatio(index_t in, index_t out) {
  return out > 1 ? static_cast<double>(in - 1) / static_cast<double>(out - 1) : 0.0;
}
/// The taps of the `out` output columns, in a per-thread table kept between calls (no
/// allocation once it is large enough).
inline const LinearTap* columnTaps(index_t in, index_t out) {
  static thread_local std::vector<LinearTap> taps;
  taps.resize(static_cast<std::size_t>(out));
  const double ratio = alignCornersRatio(in, out);
  for (index_t x = 0; x < out; ++x) taps[static_cast<std::size_t>(x)] = linearTap(x, ratio, in);
  return taps.data();
}
}  // namespace detail

template <Element T>
void upsampleBilinearForward(T* out, const T* in, index_t planes, index_t ih, index_t iw, index_t oh, index_t ow) {
  const double rh = detail::alignCornersRatio(ih, oh);
  const detail::LinearTap* cols = detail::columnTaps(iw, ow);
  [[maybe_unused]] const bool par = planes > 1 && planes * oh * ow >= detail::kSpatialParallelThreshold;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (par)
#endif
  for (index_t p = 0; p < planes; ++p) {
    const T* ip = in + p * ih * iw;
    T* op = out + p * oh * ow;
    for (index_t y = 0; y < oh; ++y) {
      const detail::LinearTap ty = detail::linearTap(y, rh, ih);
      const T h1 = static_cast<T>(ty.lambda), h0 = T(1) - h1;
      const T* r0 = ip + ty.i0 * iw;
      const T* r1 = r0 + ty.step * iw;
      for (index_t x = 0; x < ow; ++x) {
        const detail::LinearTap& tx = cols[x];
        const T w1 = static_cast<T>(tx.lambda), w0 = T(1) - w1;
        const index_t a = tx.i0, b = tx.i0 + tx.step;
        op[y * ow + x] = h0 * (w0 * r0[a] + w1 * r0[b]) + h1 * (w0 * r1[a] + w1 * r1[b]);
      }
    }
  }
}

template <Element T>
void upsampleBilinearBackward(T* gin, const T* gout, index_t planes, index_t ih, index_t iw, index_t oh,
                              index_t ow) {
  const double rh = detail::alignCornersRatio(ih, oh);
  const detail::LinearTap* cols = detail::columnTaps(iw, ow);
  [[maybe_unused]] const bool par = planes > 1 && planes * oh * ow >= detail::kSpatialParallelThreshold;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (par)
#endif
  for (index_t p = 0; p < planes; ++p) {
    T* gp = gin + p * ih * iw;
    const T* op = gout + p * oh * ow;
    std::fill(gp, gp + ih * iw, T(0));
    for (index_t y = 0; y < oh; ++y) {
      const detail::LinearTap ty = detail::linearTap(y, rh, ih);
      const T h1 = static_cast<T>(ty.lambda), h0 = T(1) - h1;
      T* r0 = gp + ty.i0 * iw;
      T* r1 = r0 + ty.step * iw;
      for (index_t x = 0; x < ow; ++x) {
        const detail::LinearTap& tx = cols[x];
        const T w1 = static_cast<T>(tx.lambda), w0 = T(1) - w1;
        const index_t a = tx.i0, b = tx.i0 + tx.step;
        const T g = op[y * ow + x];
        r0[a] += h0 * w0 * g;
        r0[b] += h0 * w1 * g;
        r1[a] += h1 * w0 * g;
        r1[b] += h1 * w1 * g;
      }
    }
  }
}

template <Element T>
void scalePlanes(T* out, const T* in, const T* scale, index_t planes, index_t planeSize) {
  [[maybe_unused]] const bool par = planes > 1 && planes * planeSize >= detail::kSpatialParallelThreshold;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (par)
#endif
  for (index_t p = 0; p < planes; ++p) {
    const T k = scale[p];
    const T* a = in + p * planeSize;
    T* b = out + p * planeSize;
#ifdef _OPENMP
#pragma omp simd
#endif
    for (index_t i = 0; i < planeSize; ++i) b[i] = a[i] * k;
  }
}

template <Element T>
double spatialClassNLL(const T* input, const int64_t* target, const T* weights, index_t n, index_t c, index_t hw,
                       int64_t ignoreIndex, bool sizeAverage, double& totalWeight, const char* op) {
  double loss = 0, total = 0;
  for (index_t b = 0; b < n; ++b) {
    const int64_t* tb = target + b * hw;
    const T* xb = input + b * c * hw;
    for (index_t k = 0; k < hw; ++k) {
      const int64_t t = tb[k];
      if (t == ignoreIndex) continue;
      if (t < 0 || t >= c)
        t7::detail::fail<IndexError>(op, ": target ", t, " at sample ", b, ", pixel ", k, " out of range [0, ", c,
                                     ")");
      const double w = weights ? static_cast<double>(weights[t]) : 1.0;
      loss -= w * static_cast<double>(xb[t * hw + k]);
      total += w;
    }
  }
  totalWeight = total;
  return sizeAverage && total != 0 ? loss / total : loss;
}

template <Element T>
void spatialClassNLLBackward(T* gin, const int64_t* target, const T* weights, index_t n, index_t c, index_t hw,
                             int64_t ignoreIndex, bool sizeAverage, double totalWeight) {
  std::fill(gin, gin + n * c * hw, T(0));
  const double norm = sizeAverage && totalWeight != 0 ? 1 / totalWeight : 1.0;
  for (index_t b = 0; b < n; ++b) {
    const int64_t* tb = target + b * hw;
    T* gb = gin + b * c * hw;
    for (index_t k = 0; k < hw; ++k) {
      const int64_t t = tb[k];
      if (t == ignoreIndex || t < 0 || t >= c) continue;  // the forward checked the range
      const double w = weights ? static_cast<double>(weights[t]) : 1.0;
      gb[t * hw + k] = static_cast<T>(-w * norm);
    }
  }
}

template <Element T>
void spatialCrossEntropyBackward(T* gin, const T* logp, const int64_t* target, const T* weights, index_t n,
                                 index_t c, index_t hw, int64_t ignoreIndex, bool sizeAverage, double totalWeight) {
  const double norm = sizeAverage && totalWeight != 0 ? 1 / totalWeight : 1.0;
  [[maybe_unused]] const bool par = n > 1 && n * c * hw >= detail::kSpatialParallelThreshold;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (par)
#endif
  for (index_t b = 0; b < n; ++b) {
    const int64_t* tb = target + b * hw;
    const T* lb = logp + b * c * hw;
    T* gb = gin + b * c * hw;
    for (index_t k = 0; k < hw; ++k) {
      const int64_t t = tb[k];
      if (t == ignoreIndex || t < 0 || t >= c) {
        for (index_t d = 0; d < c; ++d) gb[d * hw + k] = T(0);
        continue;
      }
      const double w = (weights ? static_cast<double>(weights[t]) : 1.0) * norm;
      for (index_t d = 0; d < c; ++d)
        gb[d * hw + k] = static_cast<T>(w * (std::exp(static_cast<double>(lb[d * hw + k])) - (d == t ? 1.0 : 0.0)));
    }
  }
}

}  // namespace t7::kernels
