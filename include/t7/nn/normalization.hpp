#pragma once
/// \file normalization.hpp
/// Torch7's normalization layers: the batch normalizations (nn/batch_norm.hpp, included),
/// nn.SpatialCrossMapLRN, nn.SpatialSubtractiveNormalization,
/// nn.SpatialDivisiveNormalization, nn.SpatialContrastiveNormalization and nn.Normalize. The
/// math is in t7/kernels/normalization.hpp (with `image::gaussian1D`, the kernel of the
/// classic `SpatialContrastiveNormalization(3, image.gaussian1D(7))`).

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>

#include "t7/kernels/normalization.hpp"
#include "t7/nn/batch_norm.hpp"
#include "t7/nn/detail/spatial.hpp"
#include "t7/nn/module.hpp"

namespace t7::nn {

// ---- SpatialCrossMapLRN --------------------------------------------------------------------

/// Torch7's nn.SpatialCrossMapLRN(size, alpha = 1e-4, beta = 0.75, k = 1): local response
/// normalization across channels (AlexNet, Caffe's ACROSS_CHANNELS), on [C x H x W] or
/// [N x C x H x W]: y = x / (k + alpha/size * sum of x^2 over `size` neighbouring channels)^beta.
/// The window of channel c is [c - (size-1)/2, c - (size-1)/2 + size - 1], clipped to the
/// existing channels (centred for odd sizes, as Torch7 and Caffe). `scale` keeps the
/// denominators' base for the backward.
template <Element T = float>
class SpatialCrossMapLRN : public ModuleBase<SpatialCrossMapLRN<T>, T> {
 public:
  static constexpr const char* torchType = "nn.SpatialCrossMapLRN";

  index_t size = 1;
  double alpha = 1e-4, beta = 0.75, k = 1;
  Tensor<T> scale;
  Tensor<T> _input, _gradOutput;

  SpatialCrossMapLRN() = default;
  explicit SpatialCrossMapLRN(index_t size_, double alpha_ = 1e-4, double beta_ = 0.75, double k_ = 1)
      : size(size_), alpha(alpha_), beta(beta_), k(k_) {
    if (size < 1) t7::detail::fail<ValueError>("SpatialCrossMapLRN: size must be positive, got ", size);
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const Geometry g = geometry(input);
    const Tensor<T>& x = detail::contiguousIn(input, _input);
    this->output.resize(x.sizes());
    scale.resize(x.sizes());
    kernels::crossMapLRNForward(this->output.data(), scale.data(), x.data(), g.n, g.c, g.hw, size, alpha, beta, k);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    const Geometry g = geometry(input);
    checkSameSize("SpatialCrossMapLRN", input, gradOutput);
    if (!scale.isSameSizeAs(input) || !this->output.isSameSizeAs(input))
      t7::detail::fail<ValueError>("SpatialCrossMapLRN: call forward(input) before backward (no scale for [",
                                   input.sizes().toString(), "])");
    const Tensor<T>& x = detail::contiguousIn(input, _input);
    const Tensor<T>& go = detail::contiguousIn(gradOutput, _gradOutput);
    this->gradInput.resize(x.sizes());
    kernels::crossMapLRNBackward(this->gradInput.data(), x.data(), go.data(), this->output.data(), scale.data(), g.n,
                                 g.c, g.hw, size, alpha, beta);
    return this->gradInput;
  }

  template <class V>
  void fields(V& v) {
    v.option("size", size);
    v.option("alpha", alpha);
    v.option("beta", beta);
    v.option("k", k);
    v.buffer("scale", scale);
    v.buffer("_input", _input);
    v.buffer("_gradOutput", _gradOutput);
  }

 private:
  struct Geometry {
    index_t n, c, hw;
  };
  static Geometry geometry(const Tensor<T>& input) {
    using detail::NCHW, detail::nchwOf;
    const int d = input.dim();
    if (d != 3 && d != 4)
      t7::detail::fail<SizeError>("SpatialCrossMapLRN: expected input [C x H x W] or [N x C x H x W], got [",
                                  input.sizes().toString(), "]");
    const NCHW x = nchwOf(input);
    return {x.n, x.c, x.h * x.w};
  }
};

SpatialCrossMapLRN(index_t)->SpatialCrossMapLRN<float>;
SpatialCrossMapLRN(index_t, double)->SpatialCrossMapLRN<float>;
SpatialCrossMapLRN(index_t, double, double)->SpatialCrossMapLRN<float>;
SpatialCrossMapLRN(index_t, double, double, double)->SpatialCrossMapLRN<float>;
static_assert(Module<SpatialCrossMapLRN<float>>);

// ---- local subtractive / divisive / contrastive normalization -------------------------------

namespace detail {

/// Shared by the three local normalizations: the plane count, the averaging kernel (stored
/// normalized the way the Torch7 module stores it), the border coefficients and the checks.
template <class Derived, Element T>
class LocalNormBase : public ModuleBase<Derived, T> {
 public:
  index_t nInputPlane = 1;
  Tensor<T> kernel;  // 2-D [kH x kW] or 1-D [k] (applied along both axes); odd sizes
  Tensor<T> coef;    // [H x W]: the kernel mass inside the image at each pixel
  Tensor<T> _input, _gradOutput, _work;

 protected:
  struct Geometry {
    index_t n, p, h, w;
  };
  static const char* name() { return Derived::torchType + 3; }

  LocalNormBase() = default;
  /// Copies and checks the kernel (default: ones(9, 9)); `sqrtPlanes` picks the Torch7
  /// divisive module's 1-D normalization (sum * sqrt(nInputPlane)) over sum * nInputPlane.
  LocalNormBase(index_t nInputPlane_, const Tensor<T>& kernel_, bool sqrtPlanes) : nInputPlane(nInputPlane_) {
    if (nInputPlane <= 0)
      t7::detail::fail<ValueError>(name(), ": nInputPlane must be positive, got ", nInputPlane);
    if (kernel_.nElement() == 0 && kernel_.dim() == 0) {
      kernel.resize(9, 9);
      kernel.fill(T(1));
    } else {
      kernel = kernel_.clone();
    }
    const kernels::LocalKernel<T> K = kernels::makeLocalKernel(kernel, name());  // validates
    const double planes = sqrtPlanes && kernel.dim() == 1 ? std::sqrt(static_cast<double>(nInputPlane))
                                                          : static_cast<double>(nInputPlane);
    kernel.mul(static_cast<T>(K.factor / planes));
  }

  kernels::LocalKernel<T> localKernel() const { return kernels::makeLocalKernel(kernel, name()); }

  /// Checks the input ([P x H x W] or [N x P x H x W], P = nInputPlane) and its geometry.
  Geometry geometry(const Tensor<T>& input) const {
    const int d = input.dim();
    if ((d != 3 && d != 4) || input.size(d - 3) != nInputPlane)
      t7::detail::fail<SizeError>(name(), ": expected input [", nInputPlane, " x H x W] or [N x ", nInputPlane,
                                  " x H x W], got [", input.sizes().toString(), "]");
    const NCHW x = nchwOf(input);
    return {x.n, nInputPlane, x.h, x.w};
  }
  /// Recomputes `coef` when the image size changed (Torch7 caches it by size too).
  void refreshCoef(const Geometry& g, const kernels::LocalKernel<T>& K) {
    if (coef.dim() == 2 && coef.size(0) == g.h && coef.size(1) == g.w) return;
    coef.resize(g.h, g.w);
    kernels::localKernelCoverage(coef.data(), g.h, g.w, K);
  }
  /// The start of every forward: checks the input, refreshes `coef`, sizes the output like
  /// the input; returns the geometry, the kernel and the input (contiguous, maybe `_input`).
  struct Forward {
    Geometry g;
    kernels::LocalKernel<T> K;
    const Tensor<T>& x;
  };
  Forward beginForward(const Tensor<T>& input) {
    const Geometry g = geometry(input);
    const kernels::LocalKernel<T> K = localKernel();
    refreshCoef(g, K);
    const Tensor<T>& x = contiguousIn(input, _input);
    this->output.resize(x.sizes());
    return {g, K, x};
  }
  /// Per-sample maps [N x H x W] (for a 3-D input, N = 1).
  static void resizeMaps(const Geometry& g, std::initializer_list<Tensor<T>*> maps) {
    for (Tensor<T>* m : maps) m->resize(g.n, g.h, g.w);
  }
  T* work(const Geometry& g) {
    _work.resize(g.n * 3 * g.h * g.w);
    return _work.data();
  }
  void checkGrad(const Tensor<T>& input, const Tensor<T>& gradOutput, std::initializer_list<const Tensor<T>*> maps,
                 const Geometry& g) const {
    checkSameSize(name(), input, gradOutput);
    const bool coefOk = coef.dim() == 2 && coef.size(0) == g.h && coef.size(1) == g.w;
    for (const Tensor<T>* m : maps)
      if (!coefOk || m->dim() != 3 || m->size(0) != g.n || m->size(1) != g.h || m->size(2) != g.w)
        t7::detail::fail<ValueError>(name(), ": call forward(input) before backward (input [",
                                     input.sizes().toString(), "])");
  }
  void baseFields(auto& v) {
    v.option("nInputPlane", nInputPlane);
    v.state("kernel", kernel);
    v.buffer("coef", coef);
    v.buffer("_input", _input);
    v.buffer("_gradOutput", _gradOutput);
    v.buffer("_work", _work);
  }
};

}  // namespace detail

/// Torch7's nn.SpatialSubtractiveNormalization(nInputPlane = 1, kernel = ones(9, 9)): subtracts
/// from every plane the weighted local mean over all planes, y = x - mean(x), where
/// mean(i, j) = sum over planes and kernel taps inside the image of K x / (nInputPlane * the
/// kernel mass inside the image at (i, j)) (Torch7's border `coef`). The kernel is 2-D, or
/// 1-D applied along rows and columns; odd sizes. Input [P x H x W] or [N x P x H x W].
template <Element T = float>
class SpatialSubtractiveNormalization : public detail::LocalNormBase<SpatialSubtractiveNormalization<T>, T> {
  using Base = detail::LocalNormBase<SpatialSubtractiveNormalization<T>, T>;

 public:
  static constexpr const char* torchType = "nn.SpatialSubtractiveNormalization";

  Tensor<T> localsums, adjustedsums;  // [N x H x W]: local means before and after the border fix

  SpatialSubtractiveNormalization() = default;
  explicit SpatialSubtractiveNormalization(index_t nInputPlane, const Tensor<T>& kernel = Tensor<T>())
      : Base(nInputPlane, kernel, false) {}

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const auto [g, K, x] = this->beginForward(input);
    Base::resizeMaps(g, {&localsums, &adjustedsums});
    kernels::subtractiveNormForward(this->output.data(), localsums.data(), adjustedsums.data(), x.data(), g.n, g.p,
                                    g.h, g.w, K, this->coef.data(), this->work(g));
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    const auto g = this->geometry(input);
    this->checkGrad(input, gradOutput, {&localsums}, g);
    const auto K = this->localKernel();
    const Tensor<T>& go = detail::contiguousIn(gradOutput, this->_gradOutput);
    this->gradInput.resize(input.sizes());
    kernels::subtractiveNormBackward(this->gradInput.data(), go.data(), g.n, g.p, g.h, g.w, K, this->coef.data(),
                                     this->work(g));
    return this->gradInput;
  }

  template <class V>
  void fields(V& v) {
    this->baseFields(v);
    v.buffer("localsums", localsums);
    v.buffer("adjustedsums", adjustedsums);
  }
};

/// Torch7's nn.SpatialDivisiveNormalization(nInputPlane = 1, kernel = ones(9, 9), threshold =
/// 1e-4, thresval = 1e-4): divides every plane by the local standard deviation over all planes,
/// std(i, j) = sqrt(sum over planes and taps inside the image of K x^2 / nInputPlane) / (the
/// kernel mass inside the image at (i, j)), replaced by `thresval` where it is not above
/// `threshold` (nn.Threshold). Kernel and input as SpatialSubtractiveNormalization.
template <Element T = float>
class SpatialDivisiveNormalization : public detail::LocalNormBase<SpatialDivisiveNormalization<T>, T> {
  using Base = detail::LocalNormBase<SpatialDivisiveNormalization<T>, T>;

 public:
  static constexpr const char* torchType = "nn.SpatialDivisiveNormalization";

  double threshold = 1e-4, thresval = 1e-4;
  Tensor<T> localstds, adjustedstds, thresholdedstds;  // [N x H x W]

  SpatialDivisiveNormalization() = default;
  explicit SpatialDivisiveNormalization(index_t nInputPlane, const Tensor<T>& kernel = Tensor<T>(),
                                        double threshold_ = 1e-4, double thresval_ = 1e-4)
      : Base(nInputPlane, kernel, true), threshold(threshold_), thresval(thresval_) {}

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const auto [g, K, x] = this->beginForward(input);
    Base::resizeMaps(g, {&localstds, &adjustedstds, &thresholdedstds});
    kernels::divisiveNormForward(this->output.data(), localstds.data(), adjustedstds.data(), thresholdedstds.data(),
                                 x.data(), g.n, g.p, g.h, g.w, K, this->coef.data(), threshold, thresval,
                                 this->work(g));
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    const auto g = this->geometry(input);
    this->checkGrad(input, gradOutput, {&localstds, &thresholdedstds}, g);
    const auto K = this->localKernel();
    const Tensor<T>& x = detail::contiguousIn(input, this->_input);
    const Tensor<T>& go = detail::contiguousIn(gradOutput, this->_gradOutput);
    this->gradInput.resize(input.sizes());
    kernels::divisiveNormBackward(this->gradInput.data(), go.data(), x.data(), localstds.data(), adjustedstds.data(),
                                  thresholdedstds.data(), g.n, g.p, g.h, g.w, K, this->coef.data(), threshold,
                                  this->work(g));
    return this->gradInput;
  }

  template <class V>
  void fields(V& v) {
    this->baseFields(v);
    v.option("threshold", threshold);
    v.option("thresval", thresval);
    v.buffer("localstds", localstds);
    v.buffer("adjustedstds", adjustedstds);
    v.buffer("thresholdedstds", thresholdedstds);
  }
};

/// Torch7's nn.SpatialContrastiveNormalization(nInputPlane = 1, kernel = ones(9, 9), threshold
/// = 1e-4, thresval = 1e-4): SpatialSubtractiveNormalization then SpatialDivisiveNormalization
/// with the same kernel, in one module (Torch7 nests them in a `normalizer` Sequential).
/// `thresval` is honoured (Torch7 passed a misspelt `self.threshval`, so its divisive stage
/// always used 1e-4).
template <Element T = float>
class SpatialContrastiveNormalization : public detail::LocalNormBase<SpatialContrastiveNormalization<T>, T> {
  using Base = detail::LocalNormBase<SpatialContrastiveNormalization<T>, T>;

 public:
  static constexpr const char* torchType = "nn.SpatialContrastiveNormalization";

  double threshold = 1e-4, thresval = 1e-4;
  Tensor<T> localsums, adjustedsums;                   // subtractive stage, [N x H x W]
  Tensor<T> localstds, adjustedstds, thresholdedstds;  // divisive stage, [N x H x W]
  Tensor<T> _subtracted, _gradSubtracted;              // between the stages, shaped like the input

  SpatialContrastiveNormalization() = default;
  explicit SpatialContrastiveNormalization(index_t nInputPlane, const Tensor<T>& kernel = Tensor<T>(),
                                           double threshold_ = 1e-4, double thresval_ = 1e-4)
      : Base(nInputPlane, kernel, true), threshold(threshold_), thresval(thresval_) {}

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const auto [g, K, x] = this->beginForward(input);
    _subtracted.resize(x.sizes());
    Base::resizeMaps(g, {&localsums, &adjustedsums, &localstds, &adjustedstds, &thresholdedstds});
    T* work = this->work(g);
    kernels::subtractiveNormForward(_subtracted.data(), localsums.data(), adjustedsums.data(), x.data(), g.n, g.p,
                                    g.h, g.w, K, this->coef.data(), work);
    kernels::divisiveNormForward(this->output.data(), localstds.data(), adjustedstds.data(), thresholdedstds.data(),
                                 _subtracted.data(), g.n, g.p, g.h, g.w, K, this->coef.data(), threshold, thresval,
                                 work);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    const auto g = this->geometry(input);
    this->checkGrad(input, gradOutput, {&localstds, &thresholdedstds}, g);
    if (!_subtracted.isSameSizeAs(input))
      t7::detail::fail<ValueError>("SpatialContrastiveNormalization: call forward(input) before backward");
    const auto K = this->localKernel();
    const Tensor<T>& go = detail::contiguousIn(gradOutput, this->_gradOutput);
    _gradSubtracted.resize(input.sizes());
    this->gradInput.resize(input.sizes());
    T* work = this->work(g);
    kernels::divisiveNormBackward(_gradSubtracted.data(), go.data(), _subtracted.data(), localstds.data(),
                                  adjustedstds.data(), thresholdedstds.data(), g.n, g.p, g.h, g.w, K,
                                  this->coef.data(), threshold, work);
    kernels::subtractiveNormBackward(this->gradInput.data(), _gradSubtracted.data(), g.n, g.p, g.h, g.w, K,
                                     this->coef.data(), work);
    return this->gradInput;
  }

  template <class V>
  void fields(V& v) {
    this->baseFields(v);
    v.option("threshold", threshold);
    v.option("thresval", thresval);
    v.buffer("localsums", localsums);
    v.buffer("adjustedsums", adjustedsums);
    v.buffer("localstds", localstds);
    v.buffer("adjustedstds", adjustedstds);
    v.buffer("thresholdedstds", thresholdedstds);
    v.buffer("_subtracted", _subtracted);
    v.buffer("_gradSubtracted", _gradSubtracted);
  }
};

SpatialSubtractiveNormalization(index_t)->SpatialSubtractiveNormalization<float>;
template <Element T>
SpatialSubtractiveNormalization(index_t, Tensor<T>) -> SpatialSubtractiveNormalization<T>;
SpatialDivisiveNormalization(index_t)->SpatialDivisiveNormalization<float>;
template <Element T>
SpatialDivisiveNormalization(index_t, Tensor<T>) -> SpatialDivisiveNormalization<T>;
template <Element T>
SpatialDivisiveNormalization(index_t, Tensor<T>, double) -> SpatialDivisiveNormalization<T>;
template <Element T>
SpatialDivisiveNormalization(index_t, Tensor<T>, double, double) -> SpatialDivisiveNormalization<T>;
SpatialContrastiveNormalization(index_t)->SpatialContrastiveNormalization<float>;
template <Element T>
SpatialContrastiveNormalization(index_t, Tensor<T>) -> SpatialContrastiveNormalization<T>;
template <Element T>
SpatialContrastiveNormalization(index_t, Tensor<T>, double) -> SpatialContrastiveNormalization<T>;
template <Element T>
SpatialContrastiveNormalization(index_t, Tensor<T>, double, double) -> SpatialContrastiveNormalization<T>;

static_assert(Module<SpatialSubtractiveNormalization<float>>);
static_assert(Module<SpatialDivisiveNormalization<float>>);
static_assert(Module<SpatialContrastiveNormalization<float>>);

// ---- Normalize -----------------------------------------------------------------------------

/// Torch7's nn.Normalize(p, eps = 1e-10): each row x of [D] or [N x D] becomes x / ||x||_p
/// with ||x||_p = (sum |x|^p + eps)^(1/p); p = infinity (`std::numeric_limits<double>::
/// infinity()`, Torch7's math.huge): max |x| + eps.
template <Element T = float>
class Normalize : public ModuleBase<Normalize<T>, T> {
 public:
  static constexpr const char* torchType = "nn.Normalize";

  double p = 2;
  double eps = 1e-10;
  Tensor<T> norm, normp;  // [N]: the norms and (finite p) sum |x|^p + eps
  LongTensor _indices;    // [N]: p = inf, the 0-based position of each row's max |x|
  Tensor<T> _input, _gradOutput;

  Normalize() = default;
  explicit Normalize(double p_, double eps_ = 1e-10) : p(p_), eps(eps_) {
    if (!(p > 0)) t7::detail::fail<ValueError>("Normalize: ", p, "-norm not supported (p must be > 0)");
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const auto [n, d] = geometry(input);
    const Tensor<T>& x = detail::contiguousIn(input, _input);
    this->output.resize(x.sizes());
    norm.resize(n);
    normp.resize(n);
    _indices.resize(n);
    kernels::normalizeForward(this->output.data(), norm.data(), normp.data(), _indices.data(), x.data(), n, d, p, eps);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    const auto [n, d] = geometry(input);
    checkSameSize("Normalize", input, gradOutput);
    if (norm.dim() != 1 || norm.size(0) != n || normp.nElement() != n || _indices.nElement() != n)
      t7::detail::fail<ValueError>("Normalize: call forward(input) before backward (input [",
                                   input.sizes().toString(), "])");
    const Tensor<T>& x = detail::contiguousIn(input, _input);
    const Tensor<T>& go = detail::contiguousIn(gradOutput, _gradOutput);
    this->gradInput.resize(x.sizes());
    kernels::normalizeBackward(this->gradInput.data(), x.data(), go.data(), norm.data(), normp.data(),
                               _indices.data(), n, d, p, eps);
    return this->gradInput;
  }

  template <class V>
  void fields(V& v) {
    v.option("p", p);
    v.option("eps", eps);
    v.buffer("norm", norm);
    v.buffer("normp", normp);
    v.buffer("_indices", _indices);
    v.buffer("_input", _input);
    v.buffer("_gradOutput", _gradOutput);
  }

  /// Torch7's `__tostring__`: "nn.Normalize(2)", "nn.Normalize(1.500000)", "nn.Normalize(inf)".
  std::string toString() const {
    char buf[64];
    if (std::isfinite(p) && std::floor(p) == p)
      std::snprintf(buf, sizeof buf, "nn.Normalize(%lld)", static_cast<long long>(p));
    else
      std::snprintf(buf, sizeof buf, "nn.Normalize(%f)", p);
    return buf;
  }

 private:
  static std::pair<index_t, index_t> geometry(const Tensor<T>& input) {
    const int d = input.dim();
    if (d != 1 && d != 2)
      t7::detail::fail<SizeError>("Normalize: only 1d layer supported, expected input [D] or [N x D], got [",
                                  input.sizes().toString(), "]");
    return d == 1 ? std::pair<index_t, index_t>{1, input.size(0)}
                  : std::pair<index_t, index_t>{input.size(0), input.size(1)};
  }
};

Normalize(double)->Normalize<float>;
Normalize(double, double)->Normalize<float>;
static_assert(Module<Normalize<float>>);

}  // namespace t7::nn
