#pragma once
/// \file pooling.hpp
/// The math of Torch7's pooling modules on contiguous planes given by raw pointers: max and
/// average pooling over 1, 2 or 3 dimensions (SpatialMaxPooling, SpatialAveragePooling,
/// VolumetricMaxPooling, VolumetricAveragePooling: one implementation, a spatial plane being a
/// volume of depth 1), adaptive max/average pooling, Lp pooling, the trainable
/// SpatialSubSampling, max unpooling and TemporalMaxPooling. One implementation behind nn
/// (nn/pooling.hpp) and, later, autograd and the CUDA device.
///
/// Data layout: `planes` consecutive volumes of iT x iH x iW (input) and oT x oH x oW (output)
/// elements, row-major, no gaps (batch and channel dimensions folded into `planes`). Loops run
/// OpenMP-parallel over planes when the work is large enough; every output plane is written by
/// one thread only, so results do not depend on the thread count.
///
/// Max pooling indices are 0-based positions inside the input plane (volume):
/// (t * iH + h) * iW + w. Torch7 stored the same flat position 1-based for spatial pooling,
/// and byte-packed window offsets for volumetric pooling.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include <xsimd/xsimd.hpp>

#include "t7/core/error.hpp"
#include "t7/tensor/tensor.hpp"

namespace t7::kernels {

/// The geometry of a pooling over volumes (a spatial pooling has iT = oT = kT = dT = 1, padT = 0).
struct PoolGeometry {
  index_t planes = 0;                 ///< independent planes (batch x channels)
  index_t iT = 1, iH = 1, iW = 1;     ///< input plane sizes
  index_t oT = 1, oH = 1, oW = 1;     ///< output plane sizes
  index_t kT = 1, kH = 1, kW = 1;     ///< window
  index_t dT = 1, dH = 1, dW = 1;     ///< step
  index_t padT = 0, padH = 0, padW = 0;  ///< implicit padding on both sides
  index_t inputPlane() const { return iT * iH * iW; }
  index_t outputPlane() const { return oT * oH * oW; }
};

/// Torch7's pooled size along one dimension: floor (or ceil) of (in + 2 pad - k) / d, plus 1,
/// then one less when the last window would start at or past `in + pad` (ATen's rule; Torch7
/// applied it only with padding, leaving an empty last window in ceil mode when d > k).
/// May return a value < 1 (the caller reports "too small").
inline index_t pooledSize(index_t in, index_t k, index_t d, index_t pad, bool ceilMode);

/// Max pooling: out = the largest element of each window (the first one on ties; a NaN wins,
/// as in Torch7), ind = its 0-based position in the input plane.
template <class T>
void maxPoolForward(const PoolGeometry& g, const T* in, T* out, int64_t* ind);
/// gin (zeroed here) [ind] += gout: the adjoint of any indexed max (also the adaptive one);
/// correct with overlapping windows. Indices outside the input plane are skipped and make it
/// return false (the caller throws).
template <class T>
bool maxPoolBackward(const PoolGeometry& g, const T* gout, const int64_t* ind, T* gin);

/// Average pooling (THNN's rules): the window is clipped to the padded input for the count
/// when `countIncludePad`, to the input itself otherwise; out = sum / count.
template <class T>
void avgPoolForward(const PoolGeometry& g, const T* in, T* out, bool countIncludePad);
/// gin (zeroed here) += gout / count over each window.
template <class T>
void avgPoolBackward(const PoolGeometry& g, const T* gout, T* gin, bool countIncludePad);

/// Adaptive pooling windows (Torch7's START_IND / END_IND): output i of o over n inputs
/// covers [floor(i n / o), ceil((i + 1) n / o)).
inline index_t adaptiveStart(index_t i, index_t o, index_t n) { return (i * n) / o; }
inline index_t adaptiveEnd(index_t i, index_t o, index_t n) { return ((i + 1) * n + o - 1) / o; }

/// Adaptive max pooling to oH x oW (g.iT = g.oT = 1; k, d, pad unused); the backward is
/// maxPoolBackward.
template <class T>
void adaptiveMaxPoolForward(const PoolGeometry& g, const T* in, T* out, int64_t* ind);
/// Adaptive average pooling to oH x oW.
template <class T>
void adaptiveAvgPoolForward(const PoolGeometry& g, const T* in, T* out);
/// gin (zeroed here) += gout / (window size) over each window.
template <class T>
void adaptiveAvgPoolBackward(const PoolGeometry& g, const T* gout, T* gin);

/// Lp pooling as Torch7's SpatialLPPooling computes it: out = s^(1/p) with s = sum over the
/// window (no padding) of x^p; p = 2 uses x * x and sqrt (Square and Sqrt modules).
template <class T>
void lpPoolForward(const PoolGeometry& g, double p, const T* in, T* out);
/// Torch7's chain of gradients: d out / d s = (1/p) s^(1/p - 1) (p = 2: 0.5 / out, 0 where out
/// is 0, as nn.Sqrt), d s / d x = p x^(p - 1) (p = 2: 2 x). gin is zeroed here.
template <class T>
void lpPoolBackward(const PoolGeometry& g, double p, const T* in, const T* out, const T* gout, T* gin);

/// SpatialSubSampling: out = weight[c] * (sum over the window) + bias[c], plane p being
/// channel p % channels (no padding).
template <class T>
void subSamplingForward(const PoolGeometry& g, index_t channels, const T* in, const T* weight, const T* bias,
                        T* out);
/// gin (zeroed here) += weight[c] * gout over each window.
template <class T>
void subSamplingBackward(const PoolGeometry& g, index_t channels, const T* gout, const T* weight, T* gin);
/// gradWeight[c] += scale * sum gout * (window sum); gradBias[c] += scale * sum gout. Parallel
/// over channels (each thread owns its channels: no race).
template <class T>
void subSamplingAccGrad(const PoolGeometry& g, index_t channels, const T* in, const T* gout, T* gradWeight,
                        T* gradBias, T scale);

/// Max unpooling: out (zeroed here, planes of `outPlane`) [ind] = in, planes of `inPlane`.
/// Indices outside [0, outPlane) are skipped and make it return false (the caller throws).
template <class T>
bool maxUnpoolForward(index_t planes, index_t inPlane, index_t outPlane, const T* in, const int64_t* ind, T* out);
/// gin = gout[ind] (0 and a false return for an index outside [0, outPlane)).
template <class T>
bool maxUnpoolBackward(index_t planes, index_t inPlane, index_t outPlane, const T* gout, const int64_t* ind, T* gin);

/// TemporalMaxPooling over `batch` sequences of iT frames of `frame` features: out[t][f] = max
/// over frames [t dW, t dW + kW); ind = the winner's offset in its window (0-based, as Torch7).
template <class T>
void temporalMaxPoolForward(index_t batch, index_t iT, index_t oT, index_t frame, index_t kW, index_t dW,
                            const T* in, T* out, int64_t* ind);
/// gin (zeroed here) [(t dW + ind) frame + f] += gout[t][f]; an index outside [0, kW) is
/// skipped and makes it return false.
template <class T>
bool temporalMaxPoolBackward(index_t batch, index_t iT, index_t oT, index_t frame, index_t kW, index_t dW,
                             const T* gout, const int64_t* ind, T* gin);

// ---- definitions -------------------------------------------------------------------------------

namespace detail {
/// Elements of work below which the pooling loops stay on one thread.
inline constexpr index_t kPoolParallelThreshold = index_t{1} << 15;

inline bool poolParallel(index_t planes, index_t work) { return planes > 1 && work >= kPoolParallelThreshold; }

/// Floor and ceil of a / b for b > 0 and any sign of a.
inline index_t poolFloorDiv(index_t a, index_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
inline index_t poolCeilDiv(index_t a, index_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

/// A window along one axis: [lo, hi) inside the input; `span` is its extent clipped to the
/// padded input (average pooling's count with padding).
struct PoolSpan {
  index_t lo, hi, span;
};
inline PoolSpan poolWindow(index_t o, index_t d, index_t pad, index_t k, index_t n) {
  index_t lo = o * d - pad;
  index_t hi = std::min(lo + k, n + pad);
  const index_t span = hi - lo;
  lo = std::max<index_t>(lo, 0);
  hi = std::min(hi, n);
  return {lo, hi, span};
}

/// Whether v replaces the running maximum m: larger, or NaN (Torch7's `val > maxval || isnan(val)`).
template <class T>
inline bool poolBeats(T v, T m) {
  return (v > m) | (v != v);
}

/// x^p as Torch7's Power (std::pow) or Square (x * x).
template <class T>
inline T poolPow(T x, double p) {
  return p == 2 ? x * x : static_cast<T>(std::pow(x, static_cast<T>(p)));
}
}  // namespace detail

inline index_t pooledSize(index_t in, index_t k, index_t d, index_t pad, bool ceilMode) {
  const index_t num = in + 2 * pad - k;
  index_t o = (ceilMode ? detail::poolCeilDiv(num, d) : detail::poolFloorDiv(num, d)) + 1;
  if (o > 1 && (o - 1) * d >= in + pad) --o;
  return o;
}

namespace detail {

/// The integer type of gather offsets for T's vectors (same lane count).
template <class T>
using PoolGatherInt = std::conditional_t<sizeof(T) == 4, std::int32_t, std::int64_t>;

/// 2-D max pooling of the output columns [ow0, ow0 + L) of one output row, L = the vector
/// width, each window inside the input's columns, window rows [h0, h1): per window element,
/// one gather of the L columns' values (stride dW) and branch-free selects, visiting the
/// window row by row as the scalar loop does (same winner: the first maximum, or the last NaN).
/// The running position is a T vector (exact: the plane has fewer than 2^24 elements).
template <class T>
void maxPoolColumns(const PoolGeometry& g, const T* x, index_t h0, index_t h1, index_t ow0,
                    const xsimd::batch<PoolGatherInt<T>>& lanes, T* yr, int64_t* ir) {
  using B = xsimd::batch<T>;
  constexpr index_t L = static_cast<index_t>(B::size);
  const index_t w0 = ow0 * g.dW - g.padW;  // input column of lane 0's window
  B m = B::gather(x + h0 * g.iW + w0, lanes);
  B k(static_cast<T>(h0 * g.iW));
  for (index_t h = h0; h < h1; ++h)
    for (index_t w = 0; w < g.kW; ++w) {
      const B v = B::gather(x + h * g.iW + w0 + w, lanes);
      const auto up = (v > m) | xsimd::isnan(v);  // (xsimd 8.1's != is ordered: false for NaNs)
      m = xsimd::select(up, v, m);
      k = xsimd::select(up, B(static_cast<T>(h * g.iW + w)), k);
    }
  m.store_unaligned(yr + ow0);
  alignas(64) T pos[L];
  k.store_aligned(pos);
  for (index_t l = 0; l < L; ++l) ir[ow0 + l] = static_cast<int64_t>(pos[l]) + w0 + l * g.dW;
}

}  // namespace detail

template <class T>
void maxPoolForward(const PoolGeometry& g, const T* in, T* out, int64_t* ind) {
  const index_t ip = g.inputPlane(), op = g.outputPlane();
  [[maybe_unused]] const bool par = detail::poolParallel(g.planes, g.planes * op * g.kT * g.kH * g.kW);
  const bool plain2x2 = g.iT == 1 && g.kT == 1 && g.kH == 2 && g.kW == 2 && g.dH == 2 && g.dW == 2 &&
                        g.padH == 0 && g.padW == 0 && 2 * g.oH <= g.iH && 2 * g.oW <= g.iW;
  using Lanes = xsimd::batch<detail::PoolGatherInt<T>>;
  constexpr index_t kLanes = static_cast<index_t>(xsimd::batch<T>::size);
  static_assert(static_cast<index_t>(Lanes::size) == kLanes);
  const bool vectorRows = g.iT == 1 && g.kT == 1 && g.oW >= kLanes && ip < (index_t{1} << 24);
  alignas(64) detail::PoolGatherInt<T> offsets[kLanes];
  for (index_t l = 0; l < kLanes; ++l) offsets[l] = static_cast<detail::PoolGatherInt<T>>(l * g.dW);
  const Lanes lanes = Lanes::load_aligned(offsets);
#pragma omp parallel for schedule(static) if (par)
  for (index_t p = 0; p < g.planes; ++p) {
    const T* x = in + p * ip;
    T* y = out + p * op;
    int64_t* id = ind + p * op;
    if (plain2x2) {  // the common CNN case: 4 loads, 3 branch-free selects, no clipping
      for (index_t oh = 0; oh < g.oH; ++oh) {
        const T* r0 = x + 2 * oh * g.iW;
        const T* r1 = r0 + g.iW;
        T* yr = y + oh * g.oW;
        int64_t* ir = id + oh * g.oW;
        const int64_t base = 2 * oh * g.iW, below = g.iW;
#pragma omp simd
        for (index_t ow = 0; ow < g.oW; ++ow) {
          const T a = r0[2 * ow], b = r0[2 * ow + 1], c = r1[2 * ow], d = r1[2 * ow + 1];
          T m = a;
          int64_t k = 0;
          bool up = detail::poolBeats(b, m);
          m = up ? b : m;
          k = up ? 1 : k;
          up = detail::poolBeats(c, m);
          m = up ? c : m;
          k = up ? below : k;
          up = detail::poolBeats(d, m);
          m = up ? d : m;
          k = up ? below + 1 : k;
          yr[ow] = m;
          ir[ow] = base + 2 * ow + k;
        }
      }
      continue;
    }
    for (index_t ot = 0; ot < g.oT; ++ot) {
      const detail::PoolSpan st = detail::poolWindow(ot, g.dT, g.padT, g.kT, g.iT);
      for (index_t oh = 0; oh < g.oH; ++oh) {
        const detail::PoolSpan sh = detail::poolWindow(oh, g.dH, g.padH, g.kH, g.iH);
        // Spatial pooling: the columns whose windows lie inside the input go L at a time
        // through maxPoolColumns; the others, and all of volumetric pooling, take the loop below.
        index_t vecLo = 0, vecHi = 0;
        if (vectorRows && sh.lo < sh.hi) {
          const index_t room = g.iW + g.padW - g.kW;  // windows inside: ow dW - padW >= 0, ow dW <= room
          vecLo = (g.padW + g.dW - 1) / g.dW;
          vecHi = room < 0 ? 0 : std::min(g.oW, room / g.dW + 1);
          vecHi = vecHi <= vecLo ? vecLo : vecLo + (vecHi - vecLo) / kLanes * kLanes;
          for (index_t ow0 = vecLo; ow0 < vecHi; ow0 += kLanes)
            detail::maxPoolColumns(g, x, sh.lo, sh.hi, ow0, lanes, y + oh * g.oW, id + oh * g.oW);
        }
        for (index_t ow = 0; ow < g.oW; ++ow) {
          if (ow == vecLo && vecHi > vecLo) {
            ow = vecHi - 1;
            continue;
          }
          const detail::PoolSpan sw = detail::poolWindow(ow, g.dW, g.padW, g.kW, g.iW);
          index_t best = (st.lo * g.iH + sh.lo) * g.iW + sw.lo;
          T m = x[best];
          for (index_t t = st.lo; t < st.hi; ++t)
            for (index_t h = sh.lo; h < sh.hi; ++h) {
              const index_t row = (t * g.iH + h) * g.iW;
              for (index_t w = sw.lo; w < sw.hi; ++w) {
                const T v = x[row + w];
                const bool up = detail::poolBeats(v, m);
                m = up ? v : m;
                best = up ? row + w : best;
              }
            }
          const index_t o = (ot * g.oH + oh) * g.oW + ow;
          y[o] = m;
          id[o] = best;
        }
      }
    }
  }
}

template <class T>
bool maxPoolBackward(const PoolGeometry& g, const T* gout, const int64_t* ind, T* gin) {
  const index_t ip = g.inputPlane(), op = g.outputPlane();
  [[maybe_unused]] const bool par = detail::poolParallel(g.planes, g.planes * (ip + op));
  bool bad = false;
#pragma omp parallel for schedule(static) if (par) reduction(|| : bad)
  for (index_t p = 0; p < g.planes; ++p) {
    T* gx = gin + p * ip;
    const T* gy = gout + p * op;
    const int64_t* id = ind + p * op;
    std::fill(gx, gx + ip, T(0));
    for (index_t o = 0; o < op; ++o) {
      if (static_cast<uint64_t>(id[o]) < static_cast<uint64_t>(ip))
        gx[id[o]] += gy[o];
      else
        bad = true;
    }
  }
  return !bad;
}

template <class T>
void avgPoolForward(const PoolGeometry& g, const T* in, T* out, bool countIncludePad) {
  const index_t ip = g.inputPlane(), op = g.outputPlane();
  [[maybe_unused]] const bool par = detail::poolParallel(g.planes, g.planes * op * g.kT * g.kH * g.kW);
#pragma omp parallel for schedule(static) if (par)
  for (index_t p = 0; p < g.planes; ++p) {
    const T* x = in + p * ip;
    T* y = out + p * op;
    for (index_t ot = 0; ot < g.oT; ++ot) {
      const detail::PoolSpan st = detail::poolWindow(ot, g.dT, g.padT, g.kT, g.iT);
      for (index_t oh = 0; oh < g.oH; ++oh) {
        const detail::PoolSpan sh = detail::poolWindow(oh, g.dH, g.padH, g.kH, g.iH);
        for (index_t ow = 0; ow < g.oW; ++ow) {
          const detail::PoolSpan sw = detail::poolWindow(ow, g.dW, g.padW, g.kW, g.iW);
          T sum = 0;
          for (index_t t = st.lo; t < st.hi; ++t)
            for (index_t h = sh.lo; h < sh.hi; ++h) {
              const T* row = x + (t * g.iH + h) * g.iW;
              for (index_t w = sw.lo; w < sw.hi; ++w) sum += row[w];
            }
          const index_t count = countIncludePad ? st.span * sh.span * sw.span
                                                : (st.hi - st.lo) * (sh.hi - sh.lo) * (sw.hi - sw.lo);
          y[(ot * g.oH + oh) * g.oW + ow] = sum / static_cast<T>(count);
        }
      }
    }
  }
}

template <class T>
void avgPoolBackward(const PoolGeometry& g, const T* gout, T* gin, bool countIncludePad) {
  const index_t ip = g.inputPlane(), op = g.outputPlane();
  [[maybe_unused]] const bool par = detail::poolParallel(g.planes, g.planes * (ip + op * g.kT * g.kH * g.kW));
#pragma omp parallel for schedule(static) if (par)
  for (index_t p = 0; p < g.planes; ++p) {
    T* gx = gin + p * ip;
    const T* gy = gout + p * op;
    std::fill(gx, gx + ip, T(0));
    for (index_t ot = 0; ot < g.oT; ++ot) {
      const detail::PoolSpan st = detail::poolWindow(ot, g.dT, g.padT, g.kT, g.iT);
      for (index_t oh = 0; oh < g.oH; ++oh) {
        const detail::PoolSpan sh = detail::poolWindow(oh, g.dH, g.padH, g.kH, g.iH);
        for (index_t ow = 0; ow < g.oW; ++ow) {
          const detail::PoolSpan sw = detail::poolWindow(ow, g.dW, g.padW, g.kW, g.iW);
          const index_t count = countIncludePad ? st.span * sh.span * sw.span
                                                : (st.hi - st.lo) * (sh.hi - sh.lo) * (sw.hi - sw.lo);
          const T v = gy[(ot * g.oH + oh) * g.oW + ow] / static_cast<T>(count);
          for (index_t t = st.lo; t < st.hi; ++t)
            for (index_t h = sh.lo; h < sh.hi; ++h) {
              T* row = gx + (t * g.iH + h) * g.iW;
              for (index_t w = sw.lo; w < sw.hi; ++w) row[w] += v;
            }
        }
      }
    }
  }
}

template <class T>
void adaptiveMaxPoolForward(const PoolGeometry& g, const T* in, T* out, int64_t* ind) {
  const index_t ip = g.inputPlane(), op = g.outputPlane();
  [[maybe_unused]] const bool par = detail::poolParallel(g.planes, g.planes * ip);
#pragma omp parallel for schedule(static) if (par)
  for (index_t p = 0; p < g.planes; ++p) {
    const T* x = in + p * ip;
    T* y = out + p * op;
    int64_t* id = ind + p * op;
    for (index_t oh = 0; oh < g.oH; ++oh) {
      const index_t h0 = adaptiveStart(oh, g.oH, g.iH), h1 = adaptiveEnd(oh, g.oH, g.iH);
      for (index_t ow = 0; ow < g.oW; ++ow) {
        const index_t w0 = adaptiveStart(ow, g.oW, g.iW), w1 = adaptiveEnd(ow, g.oW, g.iW);
        index_t best = h0 * g.iW + w0;
        T m = x[best];
        for (index_t h = h0; h < h1; ++h)
          for (index_t w = w0; w < w1; ++w) {
            const T v = x[h * g.iW + w];
            const bool up = detail::poolBeats(v, m);
            m = up ? v : m;
            best = up ? h * g.iW + w : best;
          }
        y[oh * g.oW + ow] = m;
        id[oh * g.oW + ow] = best;
      }
    }
  }
}

template <class T>
void adaptiveAvgPoolForward(const PoolGeometry& g, const T* in, T* out) {
  const index_t ip = g.inputPlane(), op = g.outputPlane();
  [[maybe_unused]] const bool par = detail::poolParallel(g.planes, g.planes * ip);
#pragma omp parallel for schedule(static) if (par)
  for (index_t p = 0; p < g.planes; ++p) {
    const T* x = in + p * ip;
    T* y = out + p * op;
    for (index_t oh = 0; oh < g.oH; ++oh) {
      const index_t h0 = adaptiveStart(oh, g.oH, g.iH), h1 = adaptiveEnd(oh, g.oH, g.iH);
      for (index_t ow = 0; ow < g.oW; ++ow) {
        const index_t w0 = adaptiveStart(ow, g.oW, g.iW), w1 = adaptiveEnd(ow, g.oW, g.iW);
        T sum = 0;
        for (index_t h = h0; h < h1; ++h)
          for (index_t w = w0; w < w1; ++w) sum += x[h * g.iW + w];
        y[oh * g.oW + ow] = sum / static_cast<T>((h1 - h0) * (w1 - w0));
      }
    }
  }
}

template <class T>
void adaptiveAvgPoolBackward(const PoolGeometry& g, const T* gout, T* gin) {
  const index_t ip = g.inputPlane(), op = g.outputPlane();
  [[maybe_unused]] const bool par = detail::poolParallel(g.planes, g.planes * ip);
#pragma omp parallel for schedule(static) if (par)
  for (index_t p = 0; p < g.planes; ++p) {
    T* gx = gin + p * ip;
    const T* gy = gout + p * op;
    std::fill(gx, gx + ip, T(0));
    for (index_t oh = 0; oh < g.oH; ++oh) {
      const index_t h0 = adaptiveStart(oh, g.oH, g.iH), h1 = adaptiveEnd(oh, g.oH, g.iH);
      for (index_t ow = 0; ow < g.oW; ++ow) {
        const index_t w0 = adaptiveStart(ow, g.oW, g.iW), w1 = adaptiveEnd(ow, g.oW, g.iW);
        const T v = gy[oh * g.oW + ow] / static_cast<T>((h1 - h0) * (w1 - w0));
        for (index_t h = h0; h < h1; ++h)
          for (index_t w = w0; w < w1; ++w) gx[h * g.iW + w] += v;
      }
    }
  }
}

template <class T>
void lpPoolForward(const PoolGeometry& g, double p, const T* in, T* out) {
  const index_t ip = g.inputPlane(), op = g.outputPlane();
  const T invP = static_cast<T>(1 / p);
  [[maybe_unused]] const bool par = detail::poolParallel(g.planes, g.planes * op * g.kH * g.kW);
#pragma omp parallel for schedule(static) if (par)
  for (index_t q = 0; q < g.planes; ++q) {
    const T* x = in + q * ip;
    T* y = out + q * op;
    for (index_t oh = 0; oh < g.oH; ++oh)
      for (index_t ow = 0; ow < g.oW; ++ow) {
        T s = 0;
        for (index_t h = oh * g.dH; h < oh * g.dH + g.kH; ++h)
          for (index_t w = ow * g.dW; w < ow * g.dW + g.kW; ++w) s += detail::poolPow(x[h * g.iW + w], p);
        y[oh * g.oW + ow] = p == 2 ? std::sqrt(s) : static_cast<T>(std::pow(s, invP));
      }
  }
}

template <class T>
void lpPoolBackward(const PoolGeometry& g, double p, const T* in, const T* out, const T* gout, T* gin) {
  const index_t ip = g.inputPlane(), op = g.outputPlane();
  const T P = static_cast<T>(p), invP = static_cast<T>(1 / p);
  [[maybe_unused]] const bool par = detail::poolParallel(g.planes, g.planes * (ip + op * g.kH * g.kW));
#pragma omp parallel for schedule(static) if (par)
  for (index_t q = 0; q < g.planes; ++q) {
    const T* x = in + q * ip;
    const T* y = out + q * op;
    const T* gy = gout + q * op;
    T* gx = gin + q * ip;
    std::fill(gx, gx + ip, T(0));
    for (index_t oh = 0; oh < g.oH; ++oh)
      for (index_t ow = 0; ow < g.oW; ++ow) {
        const index_t o = oh * g.oW + ow;
        T ds;  // d out / d s, times gout
        if (p == 2) {
          ds = y[o] == T(0) ? T(0) : T(0.5) * gy[o] / y[o];
        } else {
          T s = 0;
          for (index_t h = oh * g.dH; h < oh * g.dH + g.kH; ++h)
            for (index_t w = ow * g.dW; w < ow * g.dW + g.kW; ++w) s += detail::poolPow(x[h * g.iW + w], p);
          ds = static_cast<T>(std::pow(s, invP - T(1))) * gy[o] * invP;
        }
        for (index_t h = oh * g.dH; h < oh * g.dH + g.kH; ++h)
          for (index_t w = ow * g.dW; w < ow * g.dW + g.kW; ++w) {
            const T xv = x[h * g.iW + w];
            const T dx = p == 2 ? T(2) * xv : static_cast<T>(std::pow(xv, P - T(1))) * P;
            gx[h * g.iW + w] += ds * dx;
          }
      }
  }
}

namespace detail {

/// SpatialSubSampling's window sums, separated: the kH input rows of an output row are first
/// added column by column into a row of sums (contiguous, vectorised), then kW neighbours of
/// that row make each window's sum. An output row runs in chunks of output columns whose input
/// columns fit kSubChunk elements (a stack buffer: no allocation).
inline constexpr index_t kSubChunk = 512;

/// Output columns per chunk, or 0 when a window is wider than a chunk (the direct loop then).
inline index_t subSamplingChunkColumns(const PoolGeometry& g) {
  return g.kW > kSubChunk ? 0 : (kSubChunk - g.kW) / g.dW + 1;
}

/// rows[i] = sum over h < kH of x[h * iW + i], i < n.
template <class T>
void addRows(const T* x, index_t iW, index_t kH, index_t n, T* rows) {
  std::copy(x, x + n, rows);
  for (index_t h = 1; h < kH; ++h) {
    const T* xr = x + h * iW;
#pragma omp simd
    for (index_t i = 0; i < n; ++i) rows[i] += xr[i];
  }
}

/// The window sums of output row `oh` of a plane x, for every output column ow: f(ow, sum).
template <class T, class F>
void forEachWindowSum(const PoolGeometry& g, const T* x, index_t oh, index_t perChunk, F&& f) {
  const T* top = x + oh * g.dH * g.iW;
  if (perChunk == 0) {
    for (index_t ow = 0; ow < g.oW; ++ow) {
      T sum = 0;
      for (index_t h = 0; h < g.kH; ++h)
        for (index_t w = 0; w < g.kW; ++w) sum += top[h * g.iW + ow * g.dW + w];
      f(ow, sum);
    }
    return;
  }
  T rows[kSubChunk];
  for (index_t ow0 = 0; ow0 < g.oW; ow0 += perChunk) {
    const index_t ow1 = std::min(g.oW, ow0 + perChunk);
    addRows(top + ow0 * g.dW, g.iW, g.kH, (ow1 - 1 - ow0) * g.dW + g.kW, rows);
    for (index_t ow = ow0; ow < ow1; ++ow) {
      const T* r = rows + (ow - ow0) * g.dW;
      T sum = 0;
      for (index_t w = 0; w < g.kW; ++w) sum += r[w];
      f(ow, sum);
    }
  }
}

}  // namespace detail

template <class T>
void subSamplingForward(const PoolGeometry& g, index_t channels, const T* in, const T* weight, const T* bias,
                        T* out) {
  const index_t ip = g.inputPlane(), op = g.outputPlane();
  [[maybe_unused]] const bool par = detail::poolParallel(g.planes, g.planes * op * g.kH * g.kW);
  const bool plain2x2 = g.kH == 2 && g.kW == 2 && g.dH == 2 && g.dW == 2;
  const index_t perChunk = detail::subSamplingChunkColumns(g);
#pragma omp parallel for schedule(static) if (par)
  for (index_t p = 0; p < g.planes; ++p) {
    const T* x = in + p * ip;
    T* y = out + p * op;
    const T wk = weight[p % channels], bk = bias[p % channels];
    for (index_t oh = 0; oh < g.oH; ++oh) {
      T* yr = y + oh * g.oW;
      if (plain2x2) {
        const T* r0 = x + 2 * oh * g.iW;
        const T* r1 = r0 + g.iW;
#pragma omp simd
        for (index_t ow = 0; ow < g.oW; ++ow)
          yr[ow] = bk + wk * ((r0[2 * ow] + r0[2 * ow + 1]) + (r1[2 * ow] + r1[2 * ow + 1]));
        continue;
      }
      detail::forEachWindowSum(g, x, oh, perChunk, [&](index_t ow, T sum) { yr[ow] = bk + wk * sum; });
    }
  }
}

template <class T>
void subSamplingBackward(const PoolGeometry& g, index_t channels, const T* gout, const T* weight, T* gin) {
  const index_t ip = g.inputPlane(), op = g.outputPlane();
  [[maybe_unused]] const bool par = detail::poolParallel(g.planes, g.planes * (ip + op * g.kH * g.kW));
  // Non-overlapping windows that tile the plane: each input element gets at most one term.
  const bool tiles = g.kH == g.dH && g.kW == g.dW;
  const index_t perChunk = detail::subSamplingChunkColumns(g);
#pragma omp parallel for schedule(static) if (par)
  for (index_t p = 0; p < g.planes; ++p) {
    T* gx = gin + p * ip;
    const T* gy = gout + p * op;
    const T wk = weight[p % channels];
    if (!tiles || g.oH * g.kH != g.iH || g.oW * g.kW != g.iW) std::fill(gx, gx + ip, T(0));
    for (index_t oh = 0; oh < g.oH; ++oh) {
      const T* gyr = gy + oh * g.oW;
      T* top = gx + oh * g.dH * g.iW;
      if (tiles && g.kH == 2 && g.kW == 2) {
        T* r1 = top + g.iW;
#pragma omp simd
        for (index_t ow = 0; ow < g.oW; ++ow) {
          const T v = wk * gyr[ow];
          top[2 * ow] = v;
          top[2 * ow + 1] = v;
          r1[2 * ow] = v;
          r1[2 * ow + 1] = v;
        }
        continue;
      }
      if (tiles) {  // write the first row of the windows, copy it to the others
        for (index_t ow = 0; ow < g.oW; ++ow) {
          const T v = wk * gyr[ow];
          for (index_t w = 0; w < g.kW; ++w) top[ow * g.kW + w] = v;
        }
        for (index_t h = 1; h < g.kH; ++h) std::copy(top, top + g.oW * g.kW, top + h * g.iW);
        continue;
      }
      if (perChunk == 0) {
        for (index_t ow = 0; ow < g.oW; ++ow) {
          const T v = wk * gyr[ow];
          for (index_t h = 0; h < g.kH; ++h)
            for (index_t w = 0; w < g.kW; ++w) top[h * g.iW + ow * g.dW + w] += v;
        }
        continue;
      }
      // Overlapping windows: spread a chunk's gradients along one row, then add that row to
      // each of the kH rows the windows cover.
      T spread[detail::kSubChunk];
      for (index_t ow0 = 0; ow0 < g.oW; ow0 += perChunk) {
        const index_t ow1 = std::min(g.oW, ow0 + perChunk), n = (ow1 - 1 - ow0) * g.dW + g.kW;
        std::fill(spread, spread + n, T(0));
        for (index_t ow = ow0; ow < ow1; ++ow) {
          const T v = wk * gyr[ow];
          T* r = spread + (ow - ow0) * g.dW;
          for (index_t w = 0; w < g.kW; ++w) r[w] += v;
        }
        for (index_t h = 0; h < g.kH; ++h) {
          T* row = top + h * g.iW + ow0 * g.dW;
#pragma omp simd
          for (index_t i = 0; i < n; ++i) row[i] += spread[i];
        }
      }
    }
  }
}

template <class T>
void subSamplingAccGrad(const PoolGeometry& g, index_t channels, const T* in, const T* gout, T* gradWeight,
                        T* gradBias, T scale) {
  const index_t ip = g.inputPlane(), op = g.outputPlane();
  const index_t batch = channels > 0 ? g.planes / channels : 0;
  [[maybe_unused]] const bool par = detail::poolParallel(channels, g.planes * op * g.kH * g.kW);
  const bool plain2x2 = g.kH == 2 && g.kW == 2 && g.dH == 2 && g.dW == 2;
  const index_t perChunk = detail::subSamplingChunkColumns(g);
#pragma omp parallel for schedule(static) if (par)
  for (index_t c = 0; c < channels; ++c) {
    T sumW = 0, sumB = 0;
    for (index_t n = 0; n < batch; ++n) {
      const index_t p = n * channels + c;
      const T* x = in + p * ip;
      const T* gy = gout + p * op;
      for (index_t oh = 0; oh < g.oH; ++oh) {
        const T* gyr = gy + oh * g.oW;
        if (plain2x2) {
          const T* r0 = x + 2 * oh * g.iW;
          const T* r1 = r0 + g.iW;
#pragma omp simd reduction(+ : sumW, sumB)
          for (index_t ow = 0; ow < g.oW; ++ow) {
            sumW += gyr[ow] * ((r0[2 * ow] + r0[2 * ow + 1]) + (r1[2 * ow] + r1[2 * ow + 1]));
            sumB += gyr[ow];
          }
          continue;
        }
        detail::forEachWindowSum(g, x, oh, perChunk, [&](index_t ow, T sum) {
          sumW += gyr[ow] * sum;
          sumB += gyr[ow];
        });
      }
    }
    gradWeight[c] += scale * sumW;
    gradBias[c] += scale * sumB;
  }
}

template <class T>
bool maxUnpoolForward(index_t planes, index_t inPlane, index_t outPlane, const T* in, const int64_t* ind, T* out) {
  [[maybe_unused]] const bool par = detail::poolParallel(planes, planes * (inPlane + outPlane));
  bool bad = false;
#pragma omp parallel for schedule(static) if (par) reduction(|| : bad)
  for (index_t p = 0; p < planes; ++p) {
    T* y = out + p * outPlane;
    const T* x = in + p * inPlane;
    const int64_t* id = ind + p * inPlane;
    std::fill(y, y + outPlane, T(0));
    for (index_t i = 0; i < inPlane; ++i) {
      if (static_cast<uint64_t>(id[i]) < static_cast<uint64_t>(outPlane))
        y[id[i]] = x[i];
      else
        bad = true;
    }
  }
  return !bad;
}

template <class T>
bool maxUnpoolBackward(index_t planes, index_t inPlane, index_t outPlane, const T* gout, const int64_t* ind, T* gin) {
  [[maybe_unused]] const bool par = detail::poolParallel(planes, planes * inPlane);
  bool bad = false;
#pragma omp parallel for schedule(static) if (par) reduction(|| : bad)
  for (index_t p = 0; p < planes; ++p) {
    const T* gy = gout + p * outPlane;
    T* gx = gin + p * inPlane;
    const int64_t* id = ind + p * inPlane;
    for (index_t i = 0; i < inPlane; ++i) {
      const bool ok = static_cast<uint64_t>(id[i]) < static_cast<uint64_t>(outPlane);
      gx[i] = ok ? gy[id[i]] : T(0);
      bad = bad || !ok;
    }
  }
  return !bad;
}

template <class T>
void temporalMaxPoolForward(index_t batch, index_t iT, index_t oT, index_t frame, index_t kW, index_t dW,
                            const T* in, T* out, int64_t* ind) {
  [[maybe_unused]] const bool par = detail::poolParallel(batch * oT, batch * oT * frame * kW);
#pragma omp parallel for schedule(static) if (par)
  for (index_t bt = 0; bt < batch * oT; ++bt) {
    const index_t b = bt / oT, t = bt % oT;
    const T* x = in + (b * iT + t * dW) * frame;
    T* y = out + bt * frame;
    int64_t* id = ind + bt * frame;
    for (index_t f = 0; f < frame; ++f) {
      y[f] = x[f];
      id[f] = 0;
    }
    for (index_t k = 1; k < kW; ++k) {
      const T* xk = x + k * frame;
      for (index_t f = 0; f < frame; ++f) {
        const T v = xk[f];
        const bool up = detail::poolBeats(v, y[f]);
        y[f] = up ? v : y[f];
        id[f] = up ? k : id[f];
      }
    }
  }
}

template <class T>
bool temporalMaxPoolBackward(index_t batch, index_t iT, index_t oT, index_t frame, index_t kW, index_t dW,
                             const T* gout, const int64_t* ind, T* gin) {
  [[maybe_unused]] const bool par = detail::poolParallel(batch, batch * (iT + oT) * frame);
  bool bad = false;
#pragma omp parallel for schedule(static) if (par) reduction(|| : bad)
  for (index_t b = 0; b < batch; ++b) {
    T* gx = gin + b * iT * frame;
    std::fill(gx, gx + iT * frame, T(0));
    for (index_t t = 0; t < oT; ++t) {
      const T* gy = gout + (b * oT + t) * frame;
      const int64_t* id = ind + (b * oT + t) * frame;
      T* g0 = gx + t * dW * frame;
      for (index_t f = 0; f < frame; ++f) {
        if (static_cast<uint64_t>(id[f]) < static_cast<uint64_t>(kW))
          g0[id[f] * frame + f] += gy[f];
        else
          bad = true;
      }
    }
  }
  return !bad;
}

}  // namespace t7::kernels
