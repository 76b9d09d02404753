#pragma once
/// \file pooling.hpp
/// Torch7's spatial pooling modules: `SpatialMaxPooling`, `SpatialAveragePooling`, the
/// trainable `SpatialSubSampling`, `SpatialAdaptiveMaxPooling` and
/// `SpatialAdaptiveAveragePooling`. Inputs are one sample [C x H x W] or a batch
/// [N x C x H x W], of any layout (non-contiguous inputs are copied to a kept buffer); the
/// math is in kernels/pooling.hpp. Lp pooling, unpooling, temporal and volumetric pooling are
/// in nn/pooling_extra.hpp.
///
/// ```cpp
/// nn::Sequential<float> net;
/// net.add(nn::SpatialConvolution(3, 16, 5, 5)).add(nn::ReLU()).add(nn::SpatialMaxPooling(2, 2));
/// nn::SpatialMaxPooling<float> pool(3, 3, 2, 2, 1, 1);
/// pool.ceil();                               // Torch7's pool:ceil()
/// ```

#include <cmath>
#include <string>

#include "t7/kernels/pooling.hpp"
#include "t7/nn/detail/spatial.hpp"
#include "t7/nn/module.hpp"

namespace t7::nn {

namespace detail {

/// The sizes of a pooling input: [C x H x W] / [N x C x H x W] (spatial) or [C x T x H x W] /
/// [N x C x T x H x W] (volumetric; t = 1 for spatial).
struct PoolInput {
  bool batch = false;
  index_t n = 1, c = 0, t = 1, h = 0, w = 0;
};

/// Reads a spatial input's sizes; `planes` > 0 also checks the channel count.
template <Element T>
PoolInput poolInput2d(const char* op, const Tensor<T>& x, index_t planes = 0) {
  if (x.dim() != 3 && x.dim() != 4)
    t7::detail::fail<SizeError>(op, ": expected a 3-D [C x H x W] or 4-D [N x C x H x W] input, got [",
                                x.sizes().toString(), "]");
  const NCHW d = nchwOf(x);
  const PoolInput in{.batch = d.batch, .n = d.n, .c = d.c, .t = 1, .h = d.h, .w = d.w};
  if (planes > 0 && in.c != planes)
    t7::detail::fail<SizeError>(op, ": expected input [", planes, "xHxW] or [Nx", planes, "xHxW], got [",
                                x.sizes().toString(), "]");
  return in;
}

/// Reads a volumetric input's sizes ([C x T x H x W] or [N x C x T x H x W]).
template <Element T>
PoolInput poolInput3d(const char* op, const Tensor<T>& x) {
  if (x.dim() != 4 && x.dim() != 5)
    t7::detail::fail<SizeError>(op, ": expected a 4-D [C x T x H x W] or 5-D [N x C x T x H x W] input, got [",
                                x.sizes().toString(), "]");
  PoolInput in;
  in.batch = x.dim() == 5;
  const int o = in.batch ? 1 : 0;
  in.n = in.batch ? x.size(0) : 1;
  in.c = x.size(o);
  in.t = x.size(o + 1);
  in.h = x.size(o + 2);
  in.w = x.size(o + 3);
  return in;
}

/// The output shape for an input read by poolInput2d/3d (same rank as the input).
inline Shape poolShape(const PoolInput& in, bool volumetric, index_t oT, index_t oH, index_t oW) {
  Shape s;
  if (in.batch) s.push_back(in.n);
  s.push_back(in.c);
  if (volumetric) s.push_back(oT);
  s.push_back(oH);
  s.push_back(oW);
  return s;
}

/// ValueError unless every window size and step is positive.
inline void poolCheckPositive(const char* op, std::initializer_list<index_t> kd) {
  for (index_t v : kd)
    if (v <= 0) t7::detail::fail<ValueError>(op, ": kernel sizes and steps must be positive, got ", v);
}

/// ValueError unless 0 <= pad <= k / 2 (Torch7's "pad should be smaller than half of kernel size").
inline void poolCheckPad(const char* op, const char* dim, index_t k, index_t pad) {
  if (pad < 0 || pad > k / 2)
    t7::detail::fail<ValueError>(op, ": pad should be at most half of the kernel size, got pad", dim, " = ", pad,
                                 " for k", dim, " = ", k);
}

/// SizeError unless the kept indices match the output of this input (forward ran on it).
inline void poolCheckIndices(const char* op, const LongTensor& indices, const Shape& expected) {
  if (indices.sizes() != expected || !indices.isContiguous())
    t7::detail::fail<SizeError>(op, ": indices [", indices.sizes().toString(), "] do not match the output [",
                                expected.toString(), "]: run forward on this input before updateGradInput");
}

/// SizeError for an input whose output would be empty.
[[noreturn]] inline void poolTooSmall(const char* op, const Shape& input, const std::string& window, const Shape& out) {
  t7::detail::fail<SizeError>(op, ": input [", input.toString(), "] is too small for ", window,
                              ": the output would be [", out.toString(), "]");
}

/// "a,b" for messages and toString.
inline std::string poolPair(index_t a, index_t b) { return std::to_string(a) + "," + std::to_string(b); }

/// The window of SpatialMaxPooling and SpatialAveragePooling: Torch7's fields kW, kH, dW, dH,
/// padW, padH, ceil_mode and the contiguous-copy buffers, with their checks, the output
/// geometry (ceil or floor mode), `ceil()` / `floor()` and Torch7's `__tostring__`.
template <class Derived, Element T>
class SpatialPoolingBase : public ModuleBase<Derived, T> {
 public:
  index_t kW = 1, kH = 1, dW = 1, dH = 1, padW = 0, padH = 0;
  bool ceil_mode = false;
  Tensor<T> inputBuffer, gradOutputBuffer;  // contiguous copies of non-contiguous operands

  /// Ceil mode for the output size (Torch7's `:ceil()`); returns this module.
  Derived& ceil() {
    ceil_mode = true;
    return static_cast<Derived&>(*this);
  }
  /// Floor mode (the default; Torch7's `:floor()`).
  Derived& floor() {
    ceil_mode = false;
    return static_cast<Derived&>(*this);
  }

  /// "nn.SpatialMaxPooling(2x2, 2,2)", with ", padW,padH" when padded (Torch7's format).
  std::string toString() const {
    std::string s = std::string(Derived::torchType) + "(" + std::to_string(kW) + "x" + std::to_string(kH) + ", " +
                    poolPair(dW, dH);
    if (padW != 0 || padH != 0) s += ", " + poolPair(padW, padH);
    return s + ")";
  }

 protected:
  SpatialPoolingBase() = default;
  SpatialPoolingBase(index_t kW_, index_t kH_, index_t dW_, index_t dH_, index_t padW_, index_t padH_)
      : kW(kW_), kH(kH_), dW(dW_), dH(dH_), padW(padW_), padH(padH_) {
    validate();
  }

  static const char* name() { return Derived::torchType + 3; }  // without "nn."
  /// The window options (first in Torch7's field order) and the buffers (last).
  template <class V>
  void windowFields(V& v) {
    v.option("kW", kW);
    v.option("kH", kH);
    v.option("dW", dW);
    v.option("dH", dH);
    v.option("padW", padW);
    v.option("padH", padH);
    v.option("ceil_mode", ceil_mode);
  }
  template <class V>
  void bufferFields(V& v) {
    v.buffer("inputBuffer", inputBuffer);
    v.buffer("gradOutputBuffer", gradOutputBuffer);
  }

  void validate() const {
    poolCheckPositive(name(), {kW, kH, dW, dH});
    poolCheckPad(name(), "W", kW, padW);
    poolCheckPad(name(), "H", kH, padH);
  }
  kernels::PoolGeometry geometry(const PoolInput& in, const Tensor<T>& input) const {
    validate();
    kernels::PoolGeometry g;
    g.planes = in.n * in.c;
    g.iH = in.h, g.iW = in.w;
    g.kH = kH, g.kW = kW, g.dH = dH, g.dW = dW, g.padH = padH, g.padW = padW;
    g.oH = kernels::pooledSize(in.h, kH, dH, padH, ceil_mode);
    g.oW = kernels::pooledSize(in.w, kW, dW, padW, ceil_mode);
    if (g.oH < 1 || g.oW < 1)
      poolTooSmall(name(), input.sizes(),
                   "a " + std::to_string(kW) + "x" + std::to_string(kH) + " window (pad " + poolPair(padW, padH) + ")",
                   poolShape(in, false, 1, g.oH, g.oW));
    return g;
  }
};

/// The geometry of an unpadded floor-mode kW x kH window, dW, dH apart (SpatialSubSampling,
/// SpatialLPPooling): SizeError when the input plane is smaller than the kernel.
template <Element T>
kernels::PoolGeometry poolValidGeometry(const char* op, const PoolInput& in, const Tensor<T>& input, index_t kW,
                                        index_t kH, index_t dW, index_t dH) {
  if (in.h < kH || in.w < kW)
    t7::detail::fail<SizeError>(op, ": input [", input.sizes().toString(), "] is smaller than the ", kW, "x", kH,
                                " kernel");
  kernels::PoolGeometry g;
  g.planes = in.n * in.c;
  g.iH = in.h, g.iW = in.w;
  g.kH = kH, g.kW = kW, g.dH = dH, g.dW = dW;
  g.oH = (in.h - kH) / dH + 1;
  g.oW = (in.w - kW) / dW + 1;
  return g;
}

}  // namespace detail

/// Max pooling over kW x kH windows, dW, dH apart, with implicit -inf padding padW, padH
/// (Torch7's `nn.SpatialMaxPooling(kW, kH, dW=kW, dH=kH, padW=0, padH=0)`), [C x H x W] or
/// [N x C x H x W]. Output size floor((H + 2 padH - kH) / dH) + 1 (ceil with `ceil()`), the last
/// window starting inside the input. `indices` (LongTensor, output-shaped) keeps the 0-based
/// position h * W + w of each maximum in its input plane (Torch7: the same, 1-based); ties
/// keep the first maximum, a NaN wins. The backward scatters through the indices (correct
/// for overlapping windows). Pads must be at most half the window (ValueError). Options,
/// `ceil()` / `floor()` and toString ("nn.SpatialMaxPooling(2x2, 2,2)") are in
/// detail::SpatialPoolingBase.
template <Element T = float>
class SpatialMaxPooling : public detail::SpatialPoolingBase<SpatialMaxPooling<T>, T> {
  using Base = detail::SpatialPoolingBase<SpatialMaxPooling<T>, T>;

 public:
  static constexpr const char* torchType = "nn.SpatialMaxPooling";
  LongTensor indices;
  /// The last input's height and width (Torch7 sets them in updateOutput; SpatialMaxUnpooling reads them).
  index_t iheight = 0, iwidth = 0;

  SpatialMaxPooling() = default;
  SpatialMaxPooling(index_t kW, index_t kH) : SpatialMaxPooling(kW, kH, kW, kH) {}
  SpatialMaxPooling(index_t kW, index_t kH, index_t dW, index_t dH, index_t padW = 0, index_t padH = 0)
      : Base(kW, kH, dW, dH, padW, padH) {}

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const auto in = detail::poolInput2d(Base::name(), input);
    const kernels::PoolGeometry g = this->geometry(in, input);
    iheight = in.h;
    iwidth = in.w;
    const Shape out = detail::poolShape(in, false, 1, g.oH, g.oW);
    this->output.resize(out);
    indices.resize(out);
    kernels::maxPoolForward(g, detail::contiguousIn(input, this->inputBuffer).data(), this->output.data(),
                            indices.data());
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    const auto in = detail::poolInput2d(Base::name(), input);
    const kernels::PoolGeometry g = this->geometry(in, input);
    const Shape out = detail::poolShape(in, false, 1, g.oH, g.oW);
    detail::checkGradOutputShape(Base::name(), out, input, gradOutput);
    detail::poolCheckIndices(Base::name(), indices, out);
    this->gradInput.resize(input.sizes());
    if (!kernels::maxPoolBackward(g, detail::contiguousIn(gradOutput, this->gradOutputBuffer).data(), indices.data(),
                                  this->gradInput.data()))
      t7::detail::fail<IndexError>(Base::name(), ": indices hold a position outside the ", in.h, "x", in.w,
                                   " input plane");
    return this->gradInput;
  }

  template <class V>
  void fields(V& v) {
    this->windowFields(v);
    v.option("iheight", iheight);
    v.option("iwidth", iwidth);
    v.buffer("indices", indices);
    this->bufferFields(v);
  }
};
SpatialMaxPooling()->SpatialMaxPooling<float>;
SpatialMaxPooling(index_t, index_t)->SpatialMaxPooling<float>;
SpatialMaxPooling(index_t, index_t, index_t, index_t)->SpatialMaxPooling<float>;
SpatialMaxPooling(index_t, index_t, index_t, index_t, index_t)->SpatialMaxPooling<float>;
SpatialMaxPooling(index_t, index_t, index_t, index_t, index_t, index_t)->SpatialMaxPooling<float>;
static_assert(Module<SpatialMaxPooling<float>>);

/// Average pooling over kW x kH windows (Torch7's `nn.SpatialAveragePooling(kW, kH, dW=1,
/// dH=1, padW=0, padH=0)`) with zero padding, ceil mode (`ceil()` / `floor()`) and Torch7's
/// divisor: the window clipped to the padded input when `count_include_pad` (the default,
/// `setCountIncludePad()`), to the input itself otherwise (`setCountExcludePad()`). With
/// `divide` false (Torch7's field for old models) the sums are returned, i.e. the averages
/// times kW kH. Output size as SpatialMaxPooling; toString "nn.SpatialAveragePooling(2x2, 1,1)".
template <Element T = float>
class SpatialAveragePooling : public detail::SpatialPoolingBase<SpatialAveragePooling<T>, T> {
  using Base = detail::SpatialPoolingBase<SpatialAveragePooling<T>, T>;

 public:
  static constexpr const char* torchType = "nn.SpatialAveragePooling";
  bool count_include_pad = true;
  bool divide = true;

  SpatialAveragePooling() = default;
  SpatialAveragePooling(index_t kW, index_t kH, index_t dW = 1, index_t dH = 1, index_t padW = 0, index_t padH = 0)
      : Base(kW, kH, dW, dH, padW, padH) {}

  /// Padded positions count in the divisor (the default).
  SpatialAveragePooling& setCountIncludePad() {
    count_include_pad = true;
    return *this;
  }
  /// Only input positions count in the divisor.
  SpatialAveragePooling& setCountExcludePad() {
    count_include_pad = false;
    return *this;
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const auto in = detail::poolInput2d(Base::name(), input);
    const kernels::PoolGeometry g = this->geometry(in, input);
    this->output.resize(detail::poolShape(in, false, 1, g.oH, g.oW));
    kernels::avgPoolForward(g, detail::contiguousIn(input, this->inputBuffer).data(), this->output.data(),
                            count_include_pad);
    if (!divide) this->output *= static_cast<T>(this->kW * this->kH);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    const auto in = detail::poolInput2d(Base::name(), input);
    const kernels::PoolGeometry g = this->geometry(in, input);
    detail::checkGradOutputShape(Base::name(), detail::poolShape(in, false, 1, g.oH, g.oW), input, gradOutput);
    this->gradInput.resize(input.sizes());
    kernels::avgPoolBackward(g, detail::contiguousIn(gradOutput, this->gradOutputBuffer).data(),
                             this->gradInput.data(), count_include_pad);
    if (!divide) this->gradInput *= static_cast<T>(this->kW * this->kH);
    return this->gradInput;
  }

  template <class V>
  void fields(V& v) {
    this->windowFields(v);
    v.option("count_include_pad", count_include_pad);
    v.option("divide", divide);
    this->bufferFields(v);
  }
};
SpatialAveragePooling()->SpatialAveragePooling<float>;
SpatialAveragePooling(index_t, index_t)->SpatialAveragePooling<float>;
SpatialAveragePooling(index_t, index_t, index_t, index_t)->SpatialAveragePooling<float>;
SpatialAveragePooling(index_t, index_t, index_t, index_t, index_t)->SpatialAveragePooling<float>;
SpatialAveragePooling(index_t, index_t, index_t, index_t, index_t, index_t)->SpatialAveragePooling<float>;
static_assert(Module<SpatialAveragePooling<float>>);

/// Torch7's trainable pooling `nn.SpatialSubSampling(nInputPlane, kW, kH, dW=1, dH=1)`:
/// out[c] = weight[c] * (sum over each kW x kH window of plane c) + bias[c], no padding, output
/// (H - kH) / dH + 1 by (W - kW) / dW + 1. weight and bias are [nInputPlane], initialised
/// uniformly in +-1/sqrt(kW kH) (Torch7's reset). The loops run OpenMP-parallel over batch x
/// planes (parameter gradients: over planes).
template <Element T = float>
class SpatialSubSampling : public ModuleBase<SpatialSubSampling<T>, T> {
 public:
  static constexpr const char* torchType = "nn.SpatialSubSampling";
  index_t nInputPlane = 0, kW = 1, kH = 1, dW = 1, dH = 1;
  Tensor<T> weight, bias, gradWeight, gradBias;
  Tensor<T> inputBuffer, gradOutputBuffer;

  SpatialSubSampling() = default;
  SpatialSubSampling(index_t nInputPlane, index_t kW, index_t kH, index_t dW = 1, index_t dH = 1)
      : nInputPlane(nInputPlane), kW(kW), kH(kH), dW(dW), dH(dH) {
    if (nInputPlane <= 0)
      t7::detail::fail<ValueError>("SpatialSubSampling: nInputPlane must be positive, got ", nInputPlane);
    detail::poolCheckPositive("SpatialSubSampling", {kW, kH, dW, dH});
    detail::allocateParameters(Shape{nInputPlane}, Shape{nInputPlane}, weight, gradWeight, bias, gradBias);
    reset();
  }

  /// Re-draws weight and bias uniformly in [-s, s]: s = 1/sqrt(kW kH), or stdv sqrt(3) when
  /// stdv > 0 is given (Torch7's `reset(stdv)`).
  SpatialSubSampling& reset(double stdv = 0) {
    detail::resetUniform(stdv, kW * kH, weight, bias);
    return *this;
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const auto in = detail::poolInput2d(name(), input, nInputPlane);
    const kernels::PoolGeometry g = geometry(in, input);
    checkParameter("weight", weight);
    checkParameter("bias", bias);
    this->output.resize(detail::poolShape(in, false, 1, g.oH, g.oW));
    const Tensor<T> w = weight.contiguous(), b = bias.contiguous();  // handles: no copy when contiguous
    kernels::subSamplingForward(g, nInputPlane, detail::contiguousIn(input, inputBuffer).data(), w.data(), b.data(),
                                this->output.data());
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    const auto in = detail::poolInput2d(name(), input, nInputPlane);
    const kernels::PoolGeometry g = geometry(in, input);
    detail::checkGradOutputShape(name(), detail::poolShape(in, false, 1, g.oH, g.oW), input, gradOutput);
    checkParameter("weight", weight);
    this->gradInput.resize(input.sizes());
    const Tensor<T> w = weight.contiguous();
    kernels::subSamplingBackward(g, nInputPlane, detail::contiguousIn(gradOutput, gradOutputBuffer).data(), w.data(),
                                 this->gradInput.data());
    return this->gradInput;
  }
  void accGradParameters(const Tensor<T>& input, const Tensor<T>& gradOutput, double scale = 1) {
    const auto in = detail::poolInput2d(name(), input, nInputPlane);
    const kernels::PoolGeometry g = geometry(in, input);
    detail::checkGradOutputShape(name(), detail::poolShape(in, false, 1, g.oH, g.oW), input, gradOutput);
    checkParameter("gradWeight", gradWeight);
    checkParameter("gradBias", gradBias);
    const T* x = detail::contiguousIn(input, inputBuffer).data();
    const T* gy = detail::contiguousIn(gradOutput, gradOutputBuffer).data();
    if (gradWeight.isContiguous() && gradBias.isContiguous()) {
      kernels::subSamplingAccGrad(g, nInputPlane, x, gy, gradWeight.data(), gradBias.data(), static_cast<T>(scale));
    } else {  // unusual views: accumulate through contiguous copies
      Tensor<T> gw = gradWeight.clone(), gb = gradBias.clone();
      kernels::subSamplingAccGrad(g, nInputPlane, x, gy, gw.data(), gb.data(), static_cast<T>(scale));
      gradWeight.copy(gw);
      gradBias.copy(gb);
    }
  }

  template <class V>
  void fields(V& v) {
    v.parameter("weight", weight, "gradWeight", gradWeight);
    v.parameter("bias", bias, "gradBias", gradBias);
    v.option("nInputPlane", nInputPlane);
    v.option("kW", kW);
    v.option("kH", kH);
    v.option("dW", dW);
    v.option("dH", dH);
    v.buffer("inputBuffer", inputBuffer);
    v.buffer("gradOutputBuffer", gradOutputBuffer);
  }

 private:
  static const char* name() { return "SpatialSubSampling"; }
  void checkParameter(const char* field, const Tensor<T>& p) const {
    if (p.nElement() != nInputPlane)
      t7::detail::fail<SizeError>(name(), ": ", field, " [", p.sizes().toString(), "] should have nInputPlane = ",
                                  nInputPlane, " elements");
  }
  kernels::PoolGeometry geometry(const detail::PoolInput& in, const Tensor<T>& input) const {
    detail::poolCheckPositive(name(), {kW, kH, dW, dH});
    return detail::poolValidGeometry(name(), in, input, kW, kH, dW, dH);
  }
};
SpatialSubSampling()->SpatialSubSampling<float>;
SpatialSubSampling(index_t, index_t, index_t)->SpatialSubSampling<float>;
SpatialSubSampling(index_t, index_t, index_t, index_t)->SpatialSubSampling<float>;
SpatialSubSampling(index_t, index_t, index_t, index_t, index_t)->SpatialSubSampling<float>;
static_assert(Module<SpatialSubSampling<float>>);

namespace detail {
/// The geometry of an adaptive pooling of `in` to oH x oW (checked positive).
inline kernels::PoolGeometry adaptiveGeometry(const char* op, const PoolInput& in, index_t W, index_t H) {
  if (W <= 0 || H <= 0) t7::detail::fail<ValueError>(op, ": output sizes must be positive, got W = ", W, ", H = ", H);
  kernels::PoolGeometry g;
  g.planes = in.n * in.c;
  g.iH = in.h, g.iW = in.w;
  g.oH = H, g.oW = W;
  return g;
}
/// SizeError for an input plane with no element.
template <Element T>
void adaptiveCheckInput(const char* op, const Tensor<T>& input, const PoolInput& in) {
  if (in.h < 1 || in.w < 1)
    t7::detail::fail<SizeError>(op, ": expected a non-empty input plane, got [", input.sizes().toString(), "]");
}
}  // namespace detail

/// Max pooling to a fixed W x H output whatever the input size (Torch7's
/// `nn.SpatialAdaptiveMaxPooling(W, H)`): output row i covers input rows [floor(i iH / H),
/// ceil((i + 1) iH / H)), columns likewise (windows may overlap). `indices` as SpatialMaxPooling.
template <Element T = float>
class SpatialAdaptiveMaxPooling : public ModuleBase<SpatialAdaptiveMaxPooling<T>, T> {
 public:
  static constexpr const char* torchType = "nn.SpatialAdaptiveMaxPooling";
  index_t W = 1, H = 1;
  LongTensor indices;
  Tensor<T> inputBuffer, gradOutputBuffer;

  SpatialAdaptiveMaxPooling() = default;
  SpatialAdaptiveMaxPooling(index_t W, index_t H) : W(W), H(H) {
    detail::adaptiveGeometry(name(), detail::PoolInput{}, W, H);
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const auto in = detail::poolInput2d(name(), input);
    detail::adaptiveCheckInput(name(), input, in);
    const kernels::PoolGeometry g = detail::adaptiveGeometry(name(), in, W, H);
    const Shape out = detail::poolShape(in, false, 1, H, W);
    this->output.resize(out);
    indices.resize(out);
    kernels::adaptiveMaxPoolForward(g, detail::contiguousIn(input, inputBuffer).data(), this->output.data(),
                                    indices.data());
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    const auto in = detail::poolInput2d(name(), input);
    detail::adaptiveCheckInput(name(), input, in);
    const kernels::PoolGeometry g = detail::adaptiveGeometry(name(), in, W, H);
    const Shape out = detail::poolShape(in, false, 1, H, W);
    detail::checkGradOutputShape(name(), out, input, gradOutput);
    detail::poolCheckIndices(name(), indices, out);
    this->gradInput.resize(input.sizes());
    if (!kernels::maxPoolBackward(g, detail::contiguousIn(gradOutput, gradOutputBuffer).data(), indices.data(),
                                  this->gradInput.data()))
      t7::detail::fail<IndexError>(name(), ": indices hold a position outside the ", in.h, "x", in.w,
                                   " input plane");
    return this->gradInput;
  }

  template <class V>
  void fields(V& v) {
    v.option("W", W);
    v.option("H", H);
    v.buffer("indices", indices);
    v.buffer("inputBuffer", inputBuffer);
    v.buffer("gradOutputBuffer", gradOutputBuffer);
  }

 private:
  static const char* name() { return "SpatialAdaptiveMaxPooling"; }
};
SpatialAdaptiveMaxPooling()->SpatialAdaptiveMaxPooling<float>;
SpatialAdaptiveMaxPooling(index_t, index_t)->SpatialAdaptiveMaxPooling<float>;
static_assert(Module<SpatialAdaptiveMaxPooling<float>>);

/// Average pooling to a fixed W x H output (Torch7's `nn.SpatialAdaptiveAveragePooling(W, H)`),
/// with SpatialAdaptiveMaxPooling's windows; each output is the mean of its window.
template <Element T = float>
class SpatialAdaptiveAveragePooling : public ModuleBase<SpatialAdaptiveAveragePooling<T>, T> {
 public:
  static constexpr const char* torchType = "nn.SpatialAdaptiveAveragePooling";
  index_t W = 1, H = 1;
  Tensor<T> inputBuffer, gradOutputBuffer;

  SpatialAdaptiveAveragePooling() = default;
  SpatialAdaptiveAveragePooling(index_t W, index_t H) : W(W), H(H) {
    detail::adaptiveGeometry(name(), detail::PoolInput{}, W, H);
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const auto in = detail::poolInput2d(name(), input);
    detail::adaptiveCheckInput(name(), input, in);
    const kernels::PoolGeometry g = detail::adaptiveGeometry(name(), in, W, H);
    this->output.resize(detail::poolShape(in, false, 1, H, W));
    kernels::adaptiveAvgPoolForward(g, detail::contiguousIn(input, inputBuffer).data(), this->output.data());
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    const auto in = detail::poolInput2d(name(), input);
    detail::adaptiveCheckInput(name(), input, in);
    const kernels::PoolGeometry g = detail::adaptiveGeometry(name(), in, W, H);
    detail::checkGradOutputShape(name(), detail::poolShape(in, false, 1, H, W), input, gradOutput);
    this->gradInput.resize(input.sizes());
    kernels::adaptiveAvgPoolBackward(g, detail::contiguousIn(gradOutput, gradOutputBuffer).data(),
                                     this->gradInput.data());
    return this->gradInput;
  }

  template <class V>
  void fields(V& v) {
    v.option("W", W);
    v.option("H", H);
    v.buffer("inputBuffer", inputBuffer);
    v.buffer("gradOutputBuffer", gradOutputBuffer);
  }

 private:
  static const char* name() { return "SpatialAdaptiveAveragePooling"; }
};
SpatialAdaptiveAveragePooling()->SpatialAdaptiveAveragePooling<float>;
SpatialAdaptiveAveragePooling(index_t, index_t)->SpatialAdaptiveAveragePooling<float>;
static_assert(Module<SpatialAdaptiveAveragePooling<float>>);

}  // namespace t7::nn
