#pragma once
/// \file normalization.hpp
/// The math of Torch7's normalization layers, on raw contiguous data: batch normalization
/// (nn.BatchNormalization, nn.SpatialBatchNormalization, nn.VolumetricBatchNormalization),
/// cross-channel local response normalization (nn.SpatialCrossMapLRN), local subtractive and
/// divisive normalization (nn.SpatialSubtractiveNormalization, nn.SpatialDivisiveNormalization,
/// nn.SpatialContrastiveNormalization) and Lp row normalization (nn.Normalize), plus the
/// Gaussian kernel of Torch7's `image.gaussian1D` that the classic demos feed them.
///
/// The one implementation behind the nn modules (and the autograd and CUDA paths later). Every
/// function writes into memory it is given (no allocation); loops run on raw pointers, reduce
/// in double, and split across OpenMP threads above a size threshold.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "t7/core/error.hpp"
#include "t7/tensor/tensor.hpp"

namespace t7::kernels {

// ---- batch normalization -------------------------------------------------------------------

/// Contiguous batch-norm data [n x c x s]: n samples, c channels, s values per channel and
/// sample (s = 1 for [N x C], H*W for [N x C x H x W], T*H*W for volumes).
struct BatchNormShape {
  index_t n, c, s;
};

/// Torch7's BatchNormalization_updateOutput. Training (`train`): per channel, the batch mean
/// and 1/sqrt(biased variance + eps) go to saveMean/saveStd, and the running averages move by
/// `momentum` (runningVar with the unbiased variance, as Torch7). Evaluation: the running
/// statistics are used. out = (in - mean) * invstd * weight + bias; weight/bias may be null
/// (affine = false). Needs n*s >= 2 in training (the caller checks).
template <Element T>
void batchNormForward(T* out, const T* in, BatchNormShape g, const T* weight, const T* bias, T* runningMean,
                      T* runningVar, T* saveMean, T* saveStd, bool train, double momentum, double eps);

/// Torch7's BatchNormalization_backward. gradIn (null: skip) gets the full batch-norm gradient
/// in training (through the batch mean and variance), gradOut * invstd * weight in
/// evaluation; gradWeight/gradBias (null: skip) accumulate scale * sum((x - mean) * invstd *
/// gradOut) and scale * sum(gradOut). Uses the statistics forward saved (training) or the
/// running ones (evaluation).
template <Element T>
void batchNormBackward(T* gradIn, T* gradWeight, T* gradBias, const T* in, const T* gradOut, BatchNormShape g,
                       const T* weight, const T* runningMean, const T* runningVar, const T* saveMean,
                       const T* saveStd, bool train, double scale, double eps);

// ---- cross-channel LRN ---------------------------------------------------------------------

/// Torch7's SpatialCrossMapLRN forward on contiguous [n x c x hw]: scale = k + alpha/size *
/// (sum of x^2 over the channel window [ch - (size-1)/2, ch - (size-1)/2 + size - 1], clipped
/// to the existing channels), out = x * scale^-beta. `scale` is kept for the backward.
template <Element T>
void crossMapLRNForward(T* out, T* scale, const T* in, index_t n, index_t c, index_t hw, index_t size, double alpha,
                        double beta, double k);

/// gradIn = gradOut * scale^-beta - 2 alpha beta / size * x * (sum over the channels j whose
/// window holds this channel of gradOut_j * out_j / scale_j).
template <Element T>
void crossMapLRNBackward(T* gradIn, const T* in, const T* gradOut, const T* out, const T* scale, index_t n,
                         index_t c, index_t hw, index_t size, double alpha, double beta);

// ---- local (subtractive / divisive) normalization ------------------------------------------

/// The averaging kernel of the local normalizations: `k` is a 2-D kernel [kH x kW] or, when
/// `separable`, a 1-D kernel of kH = kW taps applied along both axes (weight(u, v) =
/// k[u] k[v]); `factor` scales each stored weight (2-D) or each 1-D tap so the 2-D kernel sums
/// to 1. Odd sizes; centred (padding kH/2, kW/2).
template <Element T>
struct LocalKernel {
  const T* k = nullptr;
  index_t kH = 1, kW = 1;
  bool separable = false;
  double factor = 1;

  /// The 2-D weight at (u, v), normalized.
  double at(index_t u, index_t v) const {
    return separable ? factor * static_cast<double>(k[u]) * factor * static_cast<double>(k[v])
                     : factor * static_cast<double>(k[u * kW + v]);
  }
};

/// The normalized LocalKernel over `kernel` (1-D: separable), or ValueError when the kernel is
/// not 1-D/2-D with odd sizes and a non-zero sum. `op` names the module in messages.
template <Element T>
LocalKernel<T> makeLocalKernel(const Tensor<T>& kernel, const char* op);

/// out[h x w] = the zero-padded "same" cross-correlation of in[h x w] with the kernel (flipped
/// kernel when `flip`: the transposed operation). `tmp` holds h*w values (separable kernels).
template <Element T>
void correlateSame(T* out, const T* in, index_t h, index_t w, const LocalKernel<T>& K, bool flip, T* tmp);

/// coef[h x w] = the sum of the kernel weights that fall inside the image at each pixel (1 in
/// the interior): Torch7's `coef`, which corrects the averages at the borders.
template <Element T>
void localKernelCoverage(T* coef, index_t h, index_t w, const LocalKernel<T>& K);

/// SpatialSubtractiveNormalization forward on a contiguous batch [n x p x h x w]: per sample,
/// localsums = (1/p) sum over planes of (x_plane (*) K), adjustedsums = localsums / coef,
/// out = x - adjustedsums (every plane). localsums/adjustedsums are [n x h x w]; work holds
/// n * 2 * h * w values.
template <Element T>
void subtractiveNormForward(T* out, T* localsums, T* adjustedsums, const T* in, index_t n, index_t p, index_t h,
                            index_t w, const LocalKernel<T>& K, const T* coef, T* work);

/// Its gradient: gradIn = gradOut - (1/p) (K (*)^T (sum over planes of gradOut / coef)). work
/// holds n * 3 * h * w values.
template <Element T>
void subtractiveNormBackward(T* gradIn, const T* gradOut, index_t n, index_t p, index_t h, index_t w,
                             const LocalKernel<T>& K, const T* coef, T* work);

/// SpatialDivisiveNormalization forward on [n x p x h x w]: localstds = sqrt((1/p) sum over
/// planes of (x_plane^2 (*) K)), adjustedstds = localstds / coef, thresholdedstds =
/// adjustedstds where > threshold else thresval (nn.Threshold), out = x / thresholdedstds.
/// The three std maps are [n x h x w]; work holds n * 2 * h * w values.
template <Element T>
void divisiveNormForward(T* out, T* localstds, T* adjustedstds, T* thresholdedstds, const T* in, index_t n, index_t p,
                         index_t h, index_t w, const LocalKernel<T>& K, const T* coef, double threshold,
                         double thresval, T* work);

/// Its exact gradient (through the std estimate where it passed the threshold). work holds
/// n * 3 * h * w values.
template <Element T>
void divisiveNormBackward(T* gradIn, const T* gradOut, const T* in, const T* localstds, const T* adjustedstds,
                          const T* thresholdedstds, index_t n, index_t p, index_t h, index_t w,
                          const LocalKernel<T>& K, const T* coef, double threshold, T* work);

// ---- Lp normalization ----------------------------------------------------------------------

/// nn.Normalize forward on contiguous rows [n x d]: normp = sum |x|^p + eps, norm =
/// normp^(1/p), out = x / norm; p = inf: norm = max |x| + eps, its first position in
/// `indices` (0-based). norm/normp/indices hold n values (normp unused for inf, indices
/// unused otherwise).
template <Element T>
void normalizeForward(T* out, T* norm, T* normp, std::int64_t* indices, const T* in, index_t n, index_t d, double p,
                      double eps);

/// Torch7's nn.Normalize gradient: gradIn = (normp * g - b * sum(x g)) / (normp * norm) with
/// b = x |x|^(p-2) (|x| + eps for p < 2 not even); p = inf: (norm * g - [argmax] x/norm *
/// sum(x g)) / norm^2.
template <Element T>
void normalizeBackward(T* gradIn, const T* in, const T* gradOut, const T* norm, const T* normp,
                       const std::int64_t* indices, index_t n, index_t d, double p, double eps);

}  // namespace t7::kernels

namespace t7::image {

/// Torch7's `image.gaussian1D(size, sigma, amplitude, normalize, mean)`: g[i] = amplitude *
/// exp(-((i + 1 - (mean * size + 0.5)) / (sigma * size))^2 / 2) for i = 0..size-1, divided by
/// its sum when `normalize`. The classic demos build SpatialContrastiveNormalization(3,
/// image.gaussian1D(7)) from it.
template <Element T = float>
Tensor<T> gaussian1D(index_t size = 3, double sigma = 0.25, double amplitude = 1, bool normalize = false,
                     double mean = 0.5);

}  // namespace t7::image

// ---- definitions ---------------------------------------------------------------------------

namespace t7::kernels {

namespace detail {

/// Elements of work below which the normalization loops stay on one thread.
inline constexpr index_t kNormParallelThreshold = index_t{1} << 15;
/// Channels handled together by the [N x C] (s = 1) batch-norm path.
inline constexpr index_t kBnBlock = 64;
/// Pixels handled together by the LRN loops (one stack accumulator).
inline constexpr index_t kLrnChunk = 256;

/// The mean and 1/std a channel is normalized with: the saved batch statistics in training,
/// the running ones in evaluation.
template <Element T>
inline void bnChannelStats(index_t f, bool train, const T* runningMean, const T* runningVar, const T* saveMean,
                           const T* saveStd, double eps, T& mean, T& invstd) {
  if (train) {
    mean = saveMean[f];
    invstd = saveStd[f];
  } else {
    mean = runningMean[f];
    invstd = static_cast<T>(1 / std::sqrt(static_cast<double>(runningVar[f]) + eps));
  }
}

/// s^-beta, with the common exponents (0.75: AlexNet/GoogLeNet, 0.5, 1) through square roots
/// instead of pow.
inline double lrnPowNeg(double s, double beta) {
  if (beta == 0.75) return 1 / std::sqrt(s * std::sqrt(s));
  if (beta == 0.5) return 1 / std::sqrt(s);
  if (beta == 1) return 1 / s;
  return std::pow(s, -beta);
}

/// Stores a channel's batch statistics and moves its running averages (Torch7's order).
template <Element T>
inline void bnFinishTraining(index_t f, T mean, double varSum, double count, T* runningMean, T* runningVar,
                             T* saveMean, T* saveStd, double momentum, double eps) {
  saveMean[f] = mean;
  saveStd[f] = (varSum == 0 && eps == 0) ? T(0) : static_cast<T>(1 / std::sqrt(varSum / count + eps));
  runningMean[f] = static_cast<T>(momentum * mean + (1 - momentum) * runningMean[f]);
  runningVar[f] = static_cast<T>(momentum * (varSum / (count - 1)) + (1 - momentum) * runningVar[f]);
}

}  // namespace detail

template <Element T>
void batchNormForward(T* out, const T* in, BatchNormShape g, const T* weight, const T* bias, T* runningMean,
                      T* runningVar, T* saveMean, T* saveStd, bool train, double momentum, double eps) {
  static_assert(std::is_floating_point_v<T>, "batch normalization needs a floating-point tensor");
  const index_t n = g.n, c = g.c, s = g.s, cs = c * s;
  const double count = static_cast<double>(n * s);
  [[maybe_unused]] const bool par = n * cs >= detail::kNormParallelThreshold;
  if (s == 1) {
    // [N x C]: rows of channels; a block of channels at a time, walking the rows.
    constexpr index_t B = detail::kBnBlock;
    const index_t blocks = (c + B - 1) / B;
#pragma omp parallel for schedule(static) if (par && blocks > 1)
    for (index_t blk = 0; blk < blocks; ++blk) {
      const index_t f0 = blk * B, nb = std::min(B, c - f0);
      T mean[B], invstd[B];
      if (train) {
        double sum[B] = {}, var[B] = {};
        for (index_t i = 0; i < n; ++i) {
          const T* row = in + i * c + f0;
          for (index_t j = 0; j < nb; ++j) sum[j] += row[j];
        }
        for (index_t j = 0; j < nb; ++j) mean[j] = static_cast<T>(sum[j] / count);
        for (index_t i = 0; i < n; ++i) {
          const T* row = in + i * c + f0;
          for (index_t j = 0; j < nb; ++j) {
            const double d = row[j] - mean[j];
            var[j] += d * d;
          }
        }
        for (index_t j = 0; j < nb; ++j)
          detail::bnFinishTraining(f0 + j, mean[j], var[j], count, runningMean, runningVar, saveMean, saveStd,
                                   momentum, eps);
      }
      T a[B], b[B];
      for (index_t j = 0; j < nb; ++j) {
        detail::bnChannelStats(f0 + j, train, runningMean, runningVar, saveMean, saveStd, eps, mean[j], invstd[j]);
        a[j] = invstd[j] * (weight ? weight[f0 + j] : T(1));
        b[j] = bias ? bias[f0 + j] : T(0);
      }
      for (index_t i = 0; i < n; ++i) {
        const T* row = in + i * c + f0;
        T* orow = out + i * c + f0;
        for (index_t j = 0; j < nb; ++j) orow[j] = (row[j] - mean[j]) * a[j] + b[j];
      }
    }
    return;
  }
#pragma omp parallel for schedule(static) if (par && c > 1)
  for (index_t f = 0; f < c; ++f) {
    if (train) {
      double sum = 0;
      for (index_t i = 0; i < n; ++i) {
        const T* p = in + i * cs + f * s;
#pragma omp simd reduction(+ : sum)
        for (index_t k = 0; k < s; ++k) sum += p[k];
      }
      const T mean = static_cast<T>(sum / count);
      double var = 0;
      for (index_t i = 0; i < n; ++i) {
        const T* p = in + i * cs + f * s;
#pragma omp simd reduction(+ : var)
        for (index_t k = 0; k < s; ++k) {
          const double d = p[k] - mean;
          var += d * d;
        }
      }
      detail::bnFinishTraining(f, mean, var, count, runningMean, runningVar, saveMean, saveStd, momentum, eps);
    }
    T mean, invstd;
    detail::bnChannelStats(f, train, runningMean, runningVar, saveMean, saveStd, eps, mean, invstd);
    const T a = invstd * (weight ? weight[f] : T(1));
    const T b = bias ? bias[f] : T(0);
    for (index_t i = 0; i < n; ++i) {
      const T* p = in + i * cs + f * s;
      T* q = out + i * cs + f * s;
#pragma omp simd
      for (index_t k = 0; k < s; ++k) q[k] = (p[k] - mean) * a + b;
    }
  }
}

template <Element T>
void batchNormBackward(T* gradIn, T* gradWeight, T* gradBias, const T* in, const T* gradOut, BatchNormShape g,
                       const T* weight, const T* runningMean, const T* runningVar, const T* saveMean,
                       const T* saveStd, bool train, double scale, double eps) {
  static_assert(std::is_floating_point_v<T>, "batch normalization needs a floating-point tensor");
  const index_t n = g.n, c = g.c, s = g.s, cs = c * s;
  const double count = static_cast<double>(n * s);
  // The reductions are needed for the parameters, and for gradIn in training.
  const bool reduce = gradWeight || gradBias || (gradIn && train);
  [[maybe_unused]] const bool par = n * cs >= detail::kNormParallelThreshold;
  if (s == 1) {
    constexpr index_t B = detail::kBnBlock;
    const index_t blocks = (c + B - 1) / B;
#pragma omp parallel for schedule(static) if (par && blocks > 1)
    for (index_t blk = 0; blk < blocks; ++blk) {
      const index_t f0 = blk * B, nb = std::min(B, c - f0);
      T mean[B], invstd[B], w[B];
      for (index_t j = 0; j < nb; ++j) {
        detail::bnChannelStats(f0 + j, train, runningMean, runningVar, saveMean, saveStd, eps, mean[j], invstd[j]);
        w[j] = weight ? weight[f0 + j] : T(1);
      }
      double sum[B] = {}, dot[B] = {};
      if (reduce) {
        for (index_t i = 0; i < n; ++i) {
          const T* x = in + i * c + f0;
          const T* go = gradOut + i * c + f0;
          for (index_t j = 0; j < nb; ++j) {
            sum[j] += go[j];
            dot[j] += static_cast<double>(x[j] - mean[j]) * go[j];
          }
        }
      }
      if (gradIn) {
        T k[B], gm[B], iw[B];
        for (index_t j = 0; j < nb; ++j) {
          iw[j] = invstd[j] * w[j];
          k[j] = train ? static_cast<T>(dot[j] * invstd[j] * invstd[j] / count) : T(0);
          gm[j] = train ? static_cast<T>(sum[j] / count) : T(0);
        }
        for (index_t i = 0; i < n; ++i) {
          const T* x = in + i * c + f0;
          const T* go = gradOut + i * c + f0;
          T* gi = gradIn + i * c + f0;
          for (index_t j = 0; j < nb; ++j) gi[j] = (go[j] - gm[j] - (x[j] - mean[j]) * k[j]) * iw[j];
        }
      }
      for (index_t j = 0; j < nb; ++j) {
        if (gradWeight) gradWeight[f0 + j] = static_cast<T>(gradWeight[f0 + j] + scale * dot[j] * invstd[j]);
        if (gradBias) gradBias[f0 + j] = static_cast<T>(gradBias[f0 + j] + scale * sum[j]);
      }
    }
    return;
  }
#pragma omp parallel for schedule(static) if (par && c > 1)
  for (index_t f = 0; f < c; ++f) {
    T mean, invstd;
    detail::bnChannelStats(f, train, runningMean, runningVar, saveMean, saveStd, eps, mean, invstd);
    const T w = weight ? weight[f] : T(1);
    double sum = 0, dot = 0;
    if (reduce) {
      for (index_t i = 0; i < n; ++i) {
        const T* x = in + i * cs + f * s;
        const T* go = gradOut + i * cs + f * s;
#pragma omp simd reduction(+ : sum, dot)
        for (index_t k = 0; k < s; ++k) {
          sum += go[k];
          dot += static_cast<double>(x[k] - mean) * go[k];
        }
      }
    }
    if (gradIn) {
      const T iw = invstd * w;
      const T k = train ? static_cast<T>(dot * invstd * invstd / count) : T(0);
      const T gm = train ? static_cast<T>(sum / count) : T(0);
      for (index_t i = 0; i < n; ++i) {
        const T* x = in + i * cs + f * s;
        const T* go = gradOut + i * cs + f * s;
        T* gi = gradIn + i * cs + f * s;
#pragma omp simd
        for (index_t q = 0; q < s; ++q) gi[q] = (go[q] - gm - (x[q] - mean) * k) * iw;
      }
    }
    if (gradWeight) gradWeight[f] = static_cast<T>(gradWeight[f] + scale * dot * invstd);
    if (gradBias) gradBias[f] = static_cast<T>(gradBias[f] + scale * sum);
  }
}

// ---- cross-channel LRN ---------------------------------------------------------------------

template <Element T>
void crossMapLRNForward(T* out, T* scale, const T* in, index_t n, index_t c, index_t hw, index_t size, double alpha,
                        double beta, double k) {
  static_assert(std::is_floating_point_v<T>, "SpatialCrossMapLRN needs a floating-point tensor");
  constexpr index_t C = detail::kLrnChunk;
  const index_t pre = (size - 1) / 2, post = size - 1 - pre;
  const index_t chunks = (hw + C - 1) / C;
  const double a = alpha / static_cast<double>(size);
  [[maybe_unused]] const bool par = n * c * hw >= detail::kNormParallelThreshold;
#pragma omp parallel for schedule(static) if (par && n * chunks > 1)
  for (index_t job = 0; job < n * chunks; ++job) {
    const index_t b = job / chunks, p0 = (job % chunks) * C, np = std::min(C, hw - p0);
    const T* x = in + b * c * hw + p0;
    T* sc = scale + b * c * hw + p0;
    T* y = out + b * c * hw + p0;
    double acc[C] = {};
    // Channel 0's window: channels 0..post.
    for (index_t j = 0; j <= std::min(post, c - 1); ++j)
      for (index_t q = 0; q < np; ++q) acc[q] += static_cast<double>(x[j * hw + q]) * x[j * hw + q];
    for (index_t ch = 0; ch < c; ++ch) {
      if (ch > 0) {
        if (ch + post < c) {
          const T* xa = x + (ch + post) * hw;
          for (index_t q = 0; q < np; ++q) acc[q] += static_cast<double>(xa[q]) * xa[q];
        }
        if (ch - 1 - pre >= 0) {
          const T* xr = x + (ch - 1 - pre) * hw;
          for (index_t q = 0; q < np; ++q) acc[q] -= static_cast<double>(xr[q]) * xr[q];
        }
      }
      const T* xc = x + ch * hw;
      T* sp = sc + ch * hw;
      T* yp = y + ch * hw;
      for (index_t q = 0; q < np; ++q) {
        const double sv = k + a * acc[q];
        sp[q] = static_cast<T>(sv);
        yp[q] = static_cast<T>(xc[q] * detail::lrnPowNeg(sv, beta));
      }
    }
  }
}

template <Element T>
void crossMapLRNBackward(T* gradIn, const T* in, const T* gradOut, const T* out, const T* scale, index_t n,
                         index_t c, index_t hw, index_t size, double alpha, double beta) {
  static_assert(std::is_floating_point_v<T>, "SpatialCrossMapLRN needs a floating-point tensor");
  constexpr index_t C = detail::kLrnChunk;
  const index_t pre = (size - 1) / 2, post = size - 1 - pre;
  const index_t chunks = (hw + C - 1) / C;
  const double cache = 2 * alpha * beta / static_cast<double>(size);
  [[maybe_unused]] const bool par = n * c * hw >= detail::kNormParallelThreshold;
#pragma omp parallel for schedule(static) if (par && n * chunks > 1)
  for (index_t job = 0; job < n * chunks; ++job) {
    const index_t b = job / chunks, p0 = (job % chunks) * C, np = std::min(C, hw - p0);
    const index_t at = b * c * hw + p0;
    const T* x = in + at;
    const T* g = gradOut + at;
    const T* y = out + at;
    const T* sc = scale + at;
    T* gi = gradIn + at;
    // acc = sum of ratio_j = g_j y_j / scale_j over j in [ch - post, ch + pre].
    auto addRatio = [&](index_t j, double sign, double* acc) {
      const index_t o = j * hw;
      for (index_t q = 0; q < np; ++q) acc[q] += sign * static_cast<double>(g[o + q]) * y[o + q] / sc[o + q];
    };
    double acc[C] = {};
    for (index_t j = 0; j <= std::min(pre, c - 1); ++j) addRatio(j, 1, acc);
    for (index_t ch = 0; ch < c; ++ch) {
      if (ch > 0) {
        if (ch + pre < c) addRatio(ch + pre, 1, acc);
        if (ch - 1 - post >= 0) addRatio(ch - 1 - post, -1, acc);
      }
      const index_t o = ch * hw;
      for (index_t q = 0; q < np; ++q)
        gi[o + q] = static_cast<T>(g[o + q] * detail::lrnPowNeg(sc[o + q], beta) -
                                   cache * x[o + q] * acc[q]);
    }
  }
}

// ---- local normalization -------------------------------------------------------------------

template <Element T>
LocalKernel<T> makeLocalKernel(const Tensor<T>& kernel, const char* op) {
  const int kd = kernel.dim();
  if (kd != 1 && kd != 2)
    t7::detail::fail<ValueError>(op, ": averaging kernel must be 2D or 1D, got [", kernel.sizes().toString(), "]");
  if (kernel.size(0) % 2 == 0 || (kd == 2 && kernel.size(1) % 2 == 0))
    t7::detail::fail<ValueError>(op, ": averaging kernel must have ODD dimensions, got [",
                                 kernel.sizes().toString(), "]");
  if (!kernel.isContiguous())
    t7::detail::fail<ValueError>(op, ": averaging kernel must be contiguous, got [", kernel.sizes().toString(), "]");
  LocalKernel<T> K;
  K.k = kernel.data();
  K.separable = kd == 1;
  K.kH = kernel.size(0);
  K.kW = kd == 2 ? kernel.size(1) : K.kH;
  double sum = 0;
  const index_t m = kernel.nElement();
  for (index_t i = 0; i < m; ++i) sum += K.k[i];
  if (!(sum != 0) || !std::isfinite(sum))
    t7::detail::fail<ValueError>(op, ": averaging kernel must have a non-zero finite sum, got ", sum);
  K.factor = 1 / sum;
  return K;
}

template <Element T>
void correlateSame(T* out, const T* in, index_t h, index_t w, const LocalKernel<T>& K, bool flip, T* tmp) {
  const index_t ph = K.kH / 2, pw = K.kW / 2;
  // out_row[j] += wt * in_row[j + off] for the columns where j + off is inside the row.
  auto axpyRow = [w](T* orow, const T* irow, T wt, index_t off) {
    const index_t lo = std::max<index_t>(0, -off), hi = std::min<index_t>(w, w - off);
#pragma omp simd
    for (index_t j = lo; j < hi; ++j) orow[j] += wt * irow[j + off];
  };
  std::fill(out, out + h * w, T(0));
  if (!K.separable) {
    for (index_t i = 0; i < h; ++i) {
      for (index_t u = 0; u < K.kH; ++u) {
        const index_t r = i + u - ph;
        if (r < 0 || r >= h) continue;
        for (index_t v = 0; v < K.kW; ++v) {
          const T wt = static_cast<T>(flip ? K.at(K.kH - 1 - u, K.kW - 1 - v) : K.at(u, v));
          axpyRow(out + i * w, in + r * w, wt, v - pw);
        }
      }
    }
    return;
  }
  // Separable: along the rows into tmp, then along the columns into out.
  std::fill(tmp, tmp + h * w, T(0));
  for (index_t i = 0; i < h; ++i)
    for (index_t v = 0; v < K.kW; ++v)
      axpyRow(tmp + i * w, in + i * w, static_cast<T>(K.factor * K.k[flip ? K.kW - 1 - v : v]), v - pw);
  for (index_t i = 0; i < h; ++i) {
    for (index_t u = 0; u < K.kH; ++u) {
      const index_t r = i + u - ph;
      if (r < 0 || r >= h) continue;
      axpyRow(out + i * w, tmp + r * w, static_cast<T>(K.factor * K.k[flip ? K.kH - 1 - u : u]), 0);
    }
  }
}

template <Element T>
void localKernelCoverage(T* coef, index_t h, index_t w, const LocalKernel<T>& K) {
  const index_t ph = K.kH / 2, pw = K.kW / 2;
  for (index_t i = 0; i < h; ++i) {
    for (index_t j = 0; j < w; ++j) {
      double s = 0;
      for (index_t u = 0; u < K.kH; ++u) {
        if (i + u - ph < 0 || i + u - ph >= h) continue;
        for (index_t v = 0; v < K.kW; ++v)
          if (j + v - pw >= 0 && j + v - pw < w) s += K.at(u, v);
      }
      coef[i * w + j] = static_cast<T>(s);
    }
  }
}

namespace detail {
/// sum[i] = sum over the p planes q of term(q * hw + i), for i < hw (the per-pixel sums over
/// planes of the local normalizations; planes added in order).
template <Element T, class Term>
void sumOverPlanes(T* sum, index_t p, index_t hw, Term term) {
  std::fill(sum, sum + hw, T(0));
  for (index_t q = 0; q < p; ++q)
    for (index_t i = 0; i < hw; ++i) sum[i] += term(q * hw + i);
}
}  // namespace detail

template <Element T>
void subtractiveNormForward(T* out, T* localsums, T* adjustedsums, const T* in, index_t n, index_t p, index_t h,
                            index_t w, const LocalKernel<T>& K, const T* coef, T* work) {
  static_assert(std::is_floating_point_v<T>, "SpatialSubtractiveNormalization needs a floating-point tensor");
  const index_t hw = h * w;
  const T invP = static_cast<T>(1.0 / static_cast<double>(p));
  [[maybe_unused]] const bool par = n > 1 && n * p * hw >= detail::kNormParallelThreshold;
#pragma omp parallel for schedule(static) if (par)
  for (index_t b = 0; b < n; ++b) {
    const T* x = in + b * p * hw;
    T* y = out + b * p * hw;
    T* planeSum = work + b * 2 * hw;
    T* tmp = planeSum + hw;
    T* ls = localsums + b * hw;
    T* as = adjustedsums + b * hw;
    detail::sumOverPlanes(planeSum, p, hw, [x](index_t k) { return x[k]; });
    correlateSame(ls, planeSum, h, w, K, false, tmp);
    for (index_t i = 0; i < hw; ++i) {
      ls[i] *= invP;
      as[i] = ls[i] / coef[i];
    }
    for (index_t q = 0; q < p; ++q)
      for (index_t i = 0; i < hw; ++i) y[q * hw + i] = x[q * hw + i] - as[i];
  }
}

template <Element T>
void subtractiveNormBackward(T* gradIn, const T* gradOut, index_t n, index_t p, index_t h, index_t w,
                             const LocalKernel<T>& K, const T* coef, T* work) {
  const index_t hw = h * w;
  const double invP = 1.0 / static_cast<double>(p);
  [[maybe_unused]] const bool par = n > 1 && n * p * hw >= detail::kNormParallelThreshold;
#pragma omp parallel for schedule(static) if (par)
  for (index_t b = 0; b < n; ++b) {
    const T* g = gradOut + b * p * hw;
    T* gi = gradIn + b * p * hw;
    T* gs = work + b * 3 * hw;
    T* tmp = gs + hw;
    T* back = tmp + hw;
    detail::sumOverPlanes(gs, p, hw, [g](index_t k) { return g[k]; });
    for (index_t i = 0; i < hw; ++i) gs[i] = static_cast<T>(gs[i] * invP / coef[i]);
    correlateSame(back, gs, h, w, K, true, tmp);
    for (index_t q = 0; q < p; ++q)
      for (index_t i = 0; i < hw; ++i) gi[q * hw + i] = g[q * hw + i] - back[i];
  }
}

template <Element T>
void divisiveNormForward(T* out, T* localstds, T* adjustedstds, T* thresholdedstds, const T* in, index_t n, index_t p,
                         index_t h, index_t w, const LocalKernel<T>& K, const T* coef, double threshold,
                         double thresval, T* work) {
  static_assert(std::is_floating_point_v<T>, "SpatialDivisiveNormalization needs a floating-point tensor");
  const index_t hw = h * w;
  const double invP = 1.0 / static_cast<double>(p);
  const T th = static_cast<T>(threshold), tv = static_cast<T>(thresval);
  [[maybe_unused]] const bool par = n > 1 && n * p * hw >= detail::kNormParallelThreshold;
#pragma omp parallel for schedule(static) if (par)
  for (index_t b = 0; b < n; ++b) {
    const T* x = in + b * p * hw;
    T* y = out + b * p * hw;
    T* sq = work + b * 2 * hw;
    T* tmp = sq + hw;
    T* ls = localstds + b * hw;
    T* as = adjustedstds + b * hw;
    T* ts = thresholdedstds + b * hw;
    detail::sumOverPlanes(sq, p, hw, [x](index_t k) { return x[k] * x[k]; });
    correlateSame(ls, sq, h, w, K, false, tmp);
    for (index_t i = 0; i < hw; ++i) {
      // Rounding can leave a tiny negative where the true value is 0.
      ls[i] = static_cast<T>(std::sqrt(std::max(0.0, static_cast<double>(ls[i]) * invP)));
      as[i] = ls[i] / coef[i];
      ts[i] = as[i] > th ? as[i] : tv;
    }
    for (index_t q = 0; q < p; ++q)
      for (index_t i = 0; i < hw; ++i) y[q * hw + i] = x[q * hw + i] / ts[i];
  }
}

template <Element T>
void divisiveNormBackward(T* gradIn, const T* gradOut, const T* in, const T* localstds, const T* adjustedstds,
                          const T* thresholdedstds, index_t n, index_t p, index_t h, index_t w,
                          const LocalKernel<T>& K, const T* coef, double threshold, T* work) {
  const index_t hw = h * w;
  const double invP = 1.0 / static_cast<double>(p);
  const T th = static_cast<T>(threshold);
  [[maybe_unused]] const bool par = n > 1 && n * p * hw >= detail::kNormParallelThreshold;
#pragma omp parallel for schedule(static) if (par)
  for (index_t b = 0; b < n; ++b) {
    const T* x = in + b * p * hw;
    const T* g = gradOut + b * p * hw;
    T* gi = gradIn + b * p * hw;
    const T* ls = localstds + b * hw;
    const T* as = adjustedstds + b * hw;
    const T* ts = thresholdedstds + b * hw;
    T* dq = work + b * 3 * hw;
    T* tmp = dq + hw;
    T* back = tmp + hw;
    // d loss / d thresholdedstds = -sum over planes of g x / t^2; through the threshold, the
    // division by coef and the square root to d loss / d (mean of squares).
    detail::sumOverPlanes(dq, p, hw, [g, x](index_t k) { return g[k] * x[k]; });
    for (index_t i = 0; i < hw; ++i) {
      const double dt = -static_cast<double>(dq[i]) / (static_cast<double>(ts[i]) * ts[i]);
      const bool pass = as[i] > th && ls[i] > 0;
      dq[i] = pass ? static_cast<T>(dt / coef[i] * 0.5 / ls[i] * invP) : T(0);
    }
    correlateSame(back, dq, h, w, K, true, tmp);
    for (index_t q = 0; q < p; ++q)
      for (index_t i = 0; i < hw; ++i) gi[q * hw + i] = g[q * hw + i] / ts[i] + 2 * x[q * hw + i] * back[i];
  }
}

// ---- Lp normalization ----------------------------------------------------------------------

template <Element T>
void normalizeForward(T* out, T* norm, T* normp, std::int64_t* indices, const T* in, index_t n, index_t d, double p,
                      double eps) {
  static_assert(std::is_floating_point_v<T>, "Normalize needs a floating-point tensor");
  const bool inf = std::isinf(p);
  [[maybe_unused]] const bool par = n > 1 && n * d >= detail::kNormParallelThreshold;
#pragma omp parallel for schedule(static) if (par)
  for (index_t r = 0; r < n; ++r) {
    const T* x = in + r * d;
    T* y = out + r * d;
    T nr;
    if (inf) {
      T mx = -std::numeric_limits<T>::infinity();
      std::int64_t at = 0;
      for (index_t i = 0; i < d; ++i) {
        const T a = std::abs(x[i]);
        if (a > mx) {
          mx = a;
          at = i;
        }
      }
      if (d == 0) mx = T(0);
      indices[r] = at;
      nr = static_cast<T>(mx + eps);
    } else {
      double s = 0;
      if (p == 2) {
        for (index_t i = 0; i < d; ++i) s += static_cast<double>(x[i]) * x[i];
      } else if (p == 1) {
        for (index_t i = 0; i < d; ++i) s += std::abs(static_cast<double>(x[i]));
      } else {
        for (index_t i = 0; i < d; ++i) s += std::pow(std::abs(static_cast<double>(x[i])), p);
      }
      normp[r] = static_cast<T>(s + eps);
      nr = static_cast<T>(std::pow(static_cast<double>(normp[r]), 1 / p));
    }
    norm[r] = nr;
    for (index_t i = 0; i < d; ++i) y[i] = x[i] / nr;
  }
}

template <Element T>
void normalizeBackward(T* gradIn, const T* in, const T* gradOut, const T* norm, const T* normp,
                       const std::int64_t* indices, index_t n, index_t d, double p, double eps) {
  const bool inf = std::isinf(p);
  const bool oddish = !inf && std::fmod(p, 2.0) != 0;  // Torch7's `p % 2 ~= 0`: |x| needed
  [[maybe_unused]] const bool par = n > 1 && n * d >= detail::kNormParallelThreshold;
#pragma omp parallel for schedule(static) if (par)
  for (index_t r = 0; r < n; ++r) {
    const T* x = in + r * d;
    const T* g = gradOut + r * d;
    T* gi = gradIn + r * d;
    double cross = 0;
    for (index_t i = 0; i < d; ++i) cross += static_cast<double>(x[i]) * g[i];
    const double nr = norm[r];
    if (inf) {
      const double den = nr * nr;
      for (index_t i = 0; i < d; ++i) gi[i] = static_cast<T>(nr * g[i] / den);
      if (d > 0) {
        const index_t at = indices[r];
        gi[at] = static_cast<T>((nr * g[at] - x[at] / nr * cross) / den);
      }
      continue;
    }
    const double np = normp[r];
    const double den = np * nr;
    for (index_t i = 0; i < d; ++i) {
      const double xi = x[i];
      double b;
      if (p == 2) {
        b = xi;
      } else if (oddish) {
        b = std::pow(std::abs(xi) + (p < 2 ? eps : 0.0), p - 2) * xi;
      } else {
        b = std::pow(xi, p - 2) * xi;
      }
      gi[i] = static_cast<T>((np * g[i] - b * cross) / den);
    }
  }
}

}  // namespace t7::kernels

namespace t7::image {

template <Element T>
Tensor<T> gaussian1D(index_t size, double sigma, double amplitude, bool normalize, double mean) {
  static_assert(std::is_floating_point_v<T>, "gaussian1D: use a floating-point element type");
  if (size <= 0) t7::detail::fail<ValueError>("gaussian1D: size must be positive, got ", size);
  if (!(sigma > 0)) t7::detail::fail<ValueError>("gaussian1D: sigma must be positive, got ", sigma);
  Tensor<T> g(size);
  const double center = mean * static_cast<double>(size) + 0.5;
  double sum = 0;
  T* p = g.data();
  for (index_t i = 0; i < size; ++i) {
    const double z = (static_cast<double>(i + 1) - center) / (sigma * static_cast<double>(size));
    const double v = amplitude * std::exp(-(z * z) / 2);
    p[i] = static_cast<T>(v);
    sum += v;
  }
  if (normalize)
    for (index_t i = 0; i < size; ++i) p[i] = static_cast<T>(p[i] / sum);
  return g;
}

}  // namespace t7::image
