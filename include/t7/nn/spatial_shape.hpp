#pragma once
/// \file spatial_shape.hpp
/// Torch7's spatial shape modules: padding (SpatialZeroPadding, SpatialReflectionPadding,
/// SpatialReplicationPadding), up-sampling (SpatialUpSamplingNearest,
/// SpatialUpSamplingBilinear) and the per-plane dropouts (SpatialDropout, VolumetricDropout).
/// Inputs are [C x H x W] or a batch [N x C x H x W] ([C x T x H x W] / [N x C x T x H x W]
/// for VolumetricDropout); the output has the input's rank. The math is in
/// kernels/spatial_shape.hpp.
///
/// ```cpp
/// nn::SpatialReflectionPadding<float> pad(2, 2, 1, 1);   // nn.SpatialReflectionPadding(2, 2, 1, 1)
/// nn::SpatialUpSamplingBilinear<float> up(2);            // [N x C x H x W] -> [N x C x 2H x 2W]
/// nn::SpatialDropout<float> drop(0.2);                    // whole planes dropped with probability 0.2
/// ```

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>

#include "t7/expr.hpp"
#include "t7/kernels/spatial_shape.hpp"
#include "t7/nn/detail/spatial.hpp"
#include "t7/nn/module.hpp"

namespace t7::nn {

namespace detail::spatial_shape {

/// Throws SizeError unless gradOutput has the expected output sizes.
template <Element T>
void checkGradOutput(const char* op, const Shape& expected, const Tensor<T>& gradOutput) {
  if (gradOutput.sizes() != expected)
    t7::detail::fail<SizeError>(op, ": gradOutput [", gradOutput.sizes().toString(), "] differs from the output [",
                                expected.toString(), "]");
}

/// The shared options and math of the three padding modules.
template <class Derived, Element T, kernels::PadMode Mode>
class PaddingBase : public ModuleBase<Derived, T> {
 public:
  index_t pad_l = 0, pad_r = 0, pad_t = 0, pad_b = 0;

  PaddingBase() = default;
  /// Torch7's `(pad_l [, pad_r [, pad_t [, pad_b]]])`: missing pads default to pad_l.
  explicit PaddingBase(index_t l) : PaddingBase(l, l, l, l) {}
  PaddingBase(index_t l, index_t r) : PaddingBase(l, r, l, l) {}
  PaddingBase(index_t l, index_t r, index_t t) : PaddingBase(l, r, t, l) {}
  PaddingBase(index_t l, index_t r, index_t t, index_t b) : pad_l(l), pad_r(r), pad_t(t), pad_b(b) {}

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const Shape out = outputShape(input);
    const Tensor<T>& x = contiguousIn(input, _input);
    const Planes g = planesOf(x);
    this->output.resize(out);
    kernels::spatialPadForward(this->output.data(), x.data(), g.planes, g.h, g.w, pads(), Mode);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    checkGradOutput(name(), outputShape(input), gradOutput);
    const Tensor<T>& go = contiguousIn(gradOutput, _gradOutput);
    const Planes g = planesOf(input);
    this->gradInput.resize(input.sizes());
    kernels::spatialPadBackward(this->gradInput.data(), go.data(), g.planes, g.h, g.w, pads(), Mode);
    return this->gradInput;
  }

  template <class V>
  void fields(V& v) {
    v.option("pad_l", pad_l);
    v.option("pad_r", pad_r);
    v.option("pad_t", pad_t);
    v.option("pad_b", pad_b);
    v.buffer("_input", _input);
    v.buffer("_gradOutput", _gradOutput);
  }

  /// Torch7's __tostring__: "nn.SpatialZeroPadding(l=1, r=1, t=2, b=2)".
  std::string toString() const {
    return std::string(Derived::torchType) + "(l=" + std::to_string(pad_l) + ", r=" + std::to_string(pad_r) +
           ", t=" + std::to_string(pad_t) + ", b=" + std::to_string(pad_b) + ")";
  }

 protected:
  Tensor<T> _input, _gradOutput;  // contiguous copies of non-contiguous arguments

  static const char* name() { return Derived::torchType + 3; }
  kernels::Pad2d pads() const { return {pad_l, pad_r, pad_t, pad_b}; }

  /// Checks the input against the pads and returns the output sizes.
  Shape outputShape(const Tensor<T>& input) const {
    checkRank(name(), input, 3, "[C x H x W]");
    const index_t h = input.size(input.dim() - 2), w = input.size(input.dim() - 1);
    if constexpr (Mode != kernels::PadMode::Zero) {
      if (h < 1 || w < 1)
        t7::detail::fail<SizeError>(name(), ": expected a non-empty H x W, got [", input.sizes().toString(), "]");
    }
    if constexpr (Mode == kernels::PadMode::Reflect) {
      if (pad_l >= w || pad_r >= w)
        t7::detail::fail<SizeError>(name(), ": padding (l=", pad_l, ", r=", pad_r,
                                    ") must be less than the input width ", w, " of [", input.sizes().toString(), "]");
      if (pad_t >= h || pad_b >= h)
        t7::detail::fail<SizeError>(name(), ": padding (t=", pad_t, ", b=", pad_b,
                                    ") must be less than the input height ", h, " of [", input.sizes().toString(),
                                    "]");
    }
    const index_t oh = h + pad_t + pad_b, ow = w + pad_l + pad_r;
    if (oh < 1 || ow < 1)
      t7::detail::fail<SizeError>(name(), ": input [", input.sizes().toString(), "] is too small for padding (l=",
                                  pad_l, ", r=", pad_r, ", t=", pad_t, ", b=", pad_b, "): the output would be ", oh,
                                  "x", ow);
    return withHW(input.sizes(), oh, ow);
  }
};

/// The per-plane dropout of SpatialDropout (spatialDims = 2) and VolumetricDropout (3).
template <class Derived, Element T, int SpatialDims>
class PlaneDropoutBase : public ModuleBase<Derived, T> {
 public:
  double p = 0.5;
  Tensor<T> noise;  // the last mask, Torch7's shape [N x C x 1 x 1] / [C x 1 x 1] (one more 1 for volumes)

  PlaneDropoutBase() = default;
  explicit PlaneDropoutBase(double prob) : p(prob) { checkP(prob); }

  /// Torch7's `setp(p)`.
  Derived& setp(double prob) {
    checkP(prob);
    p = prob;
    return static_cast<Derived&>(*this);
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    checkInput(input);
    this->output.resize(input.sizes());
    if (drops()) {
      const index_t planes = planeCount(input);
      noise.resize(noiseShape(input));
      noise.bernoulli(1 - p);
      const Tensor<T>& x = contiguousIn(input, _input);
      kernels::scalePlanes(this->output.data(), x.data(), noise.data(), planes, planeSize(input, planes));
    } else {
      this->output = input * static_cast<T>(1 - p);
    }
    return this->output;
  }
  /// In training (or with stochastic inference), gradOutput times the last forward's mask;
  /// in evaluation, gradOutput * (1 - p) (Torch7 refuses the backward there).
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    checkInput(input);
    checkGradOutput(name(), input.sizes(), gradOutput);
    this->gradInput.resize(input.sizes());
    if (drops()) {
      if (noise.sizes() != noiseShape(input))
        t7::detail::fail<SizeError>(name(), ": call forward before backward (noise [", noise.sizes().toString(),
                                    "], input [", input.sizes().toString(), "])");
      const index_t planes = planeCount(input);
      const Tensor<T>& go = contiguousIn(gradOutput, _gradOutput);
      kernels::scalePlanes(this->gradInput.data(), go.data(), noise.data(), planes, planeSize(input, planes));
    } else {
      this->gradInput = gradOutput * static_cast<T>(1 - p);
    }
    return this->gradInput;
  }

  /// "nn.SpatialDropout(0.500000)" (Torch7's %f).
  std::string toString() const {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s(%f)", Derived::torchType, p);
    return buf;
  }

 protected:
  Tensor<T> _input, _gradOutput;  // contiguous copies of non-contiguous arguments

  static const char* name() { return Derived::torchType + 3; }
  bool drops() const { return this->train || static_cast<const Derived&>(*this).stochasticInference(); }
  static void checkP(double prob) {
    if (!(prob >= 0 && prob <= 1))
      t7::detail::fail<ValueError>(name(), ": illegal percentage, must be 0 <= p <= 1, got ", prob);
  }
  static void checkInput(const Tensor<T>& input) {
    if constexpr (SpatialDims == 2) {
      checkRank(name(), input, 3, "[C x H x W]");
    } else {
      checkRank(name(), input, 4, "[C x T x H x W]");
    }
  }
  /// Batch x planes: the dimensions before the spatial ones.
  static index_t planeCount(const Tensor<T>& input) {
    index_t n = 1;
    for (int d = 0; d < input.dim() - SpatialDims; ++d) n *= input.size(d);
    return n;
  }
  static index_t planeSize(const Tensor<T>& input, index_t planes) {
    return planes == 0 ? 0 : input.nElement() / planes;
  }
  static Shape noiseShape(const Tensor<T>& input) {
    Shape s = input.sizes();
    for (int d = input.dim() - SpatialDims; d < input.dim(); ++d) s[d] = 1;
    return s;
  }
};

}  // namespace detail::spatial_shape

/// Pads each plane with zeros (Torch7's `nn.SpatialZeroPadding(pad_l [, pad_r, pad_t, pad_b])`,
/// missing pads = pad_l): output [.. x (H + pad_t + pad_b) x (W + pad_l + pad_r)]. Negative
/// pads crop. Input [C x H x W] or [N x C x H x W].
template <Element T = float>
class SpatialZeroPadding
    : public detail::spatial_shape::PaddingBase<SpatialZeroPadding<T>, T, kernels::PadMode::Zero> {
  using Base = detail::spatial_shape::PaddingBase<SpatialZeroPadding<T>, T, kernels::PadMode::Zero>;

 public:
  static constexpr const char* torchType = "nn.SpatialZeroPadding";
  using Base::Base;
  SpatialZeroPadding() = default;
};
SpatialZeroPadding()->SpatialZeroPadding<float>;
SpatialZeroPadding(index_t)->SpatialZeroPadding<float>;
SpatialZeroPadding(index_t, index_t)->SpatialZeroPadding<float>;
SpatialZeroPadding(index_t, index_t, index_t)->SpatialZeroPadding<float>;
SpatialZeroPadding(index_t, index_t, index_t, index_t)->SpatialZeroPadding<float>;
static_assert(Module<SpatialZeroPadding<float>>);

/// Pads each plane with its mirror image, the edge not repeated (Torch7's
/// `nn.SpatialReflectionPadding(pad_l, pad_r, pad_t, pad_b)`: dcb|abcd|cba). Each pad must be
/// less than the input size along its axis; negative pads crop.
template <Element T = float>
class SpatialReflectionPadding
    : public detail::spatial_shape::PaddingBase<SpatialReflectionPadding<T>, T, kernels::PadMode::Reflect> {
  using Base = detail::spatial_shape::PaddingBase<SpatialReflectionPadding<T>, T, kernels::PadMode::Reflect>;

 public:
  static constexpr const char* torchType = "nn.SpatialReflectionPadding";
  using Base::Base;
  SpatialReflectionPadding() = default;
};
SpatialReflectionPadding()->SpatialReflectionPadding<float>;
SpatialReflectionPadding(index_t)->SpatialReflectionPadding<float>;
SpatialReflectionPadding(index_t, index_t)->SpatialReflectionPadding<float>;
SpatialReflectionPadding(index_t, index_t, index_t)->SpatialReflectionPadding<float>;
SpatialReflectionPadding(index_t, index_t, index_t, index_t)->SpatialReflectionPadding<float>;
static_assert(Module<SpatialReflectionPadding<float>>);

/// Pads each plane by repeating its edge (Torch7's `nn.SpatialReplicationPadding(pad_l, pad_r,
/// pad_t, pad_b)`: aaa|abcd|ddd). Negative pads crop.
template <Element T = float>
class SpatialReplicationPadding
    : public detail::spatial_shape::PaddingBase<SpatialReplicationPadding<T>, T, kernels::PadMode::Replicate> {
  using Base = detail::spatial_shape::PaddingBase<SpatialReplicationPadding<T>, T, kernels::PadMode::Replicate>;

 public:
  static constexpr const char* torchType = "nn.SpatialReplicationPadding";
  using Base::Base;
  SpatialReplicationPadding() = default;
};
SpatialReplicationPadding()->SpatialReplicationPadding<float>;
SpatialReplicationPadding(index_t)->SpatialReplicationPadding<float>;
SpatialReplicationPadding(index_t, index_t)->SpatialReplicationPadding<float>;
SpatialReplicationPadding(index_t, index_t, index_t)->SpatialReplicationPadding<float>;
SpatialReplicationPadding(index_t, index_t, index_t, index_t)->SpatialReplicationPadding<float>;
static_assert(Module<SpatialReplicationPadding<float>>);

/// Nearest-neighbour up-sampling by an integer factor (Torch7's
/// `nn.SpatialUpSamplingNearest(scale)`): output [.. x H*scale x W*scale], each input pixel
/// copied to a scale x scale block. scale >= 1, a whole number (ValueError otherwise).
template <Element T = float>
class SpatialUpSamplingNearest : public ModuleBase<SpatialUpSamplingNearest<T>, T> {
 public:
  static constexpr const char* torchType = "nn.SpatialUpSamplingNearest";
  index_t scale_factor = 1;

  SpatialUpSamplingNearest() = default;
  explicit SpatialUpSamplingNearest(double scale) : scale_factor(checkScale("SpatialUpSamplingNearest", scale)) {}

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const Shape out = outputShape(input);
    const Tensor<T>& x = detail::contiguousIn(input, _input);
    const detail::Planes g = detail::planesOf(x);
    this->output.resize(out);
    kernels::upsampleNearestForward(this->output.data(), x.data(), g.planes, g.h, g.w, scale_factor);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    detail::spatial_shape::checkGradOutput("SpatialUpSamplingNearest", outputShape(input), gradOutput);
    const Tensor<T>& go = detail::contiguousIn(gradOutput, _gradOutput);
    const detail::Planes g = detail::planesOf(input);
    this->gradInput.resize(input.sizes());
    kernels::upsampleNearestBackward(this->gradInput.data(), go.data(), g.planes, g.h, g.w, scale_factor);
    return this->gradInput;
  }

  template <class V>
  void fields(V& v) {
    v.option("scale_factor", scale_factor);
    v.buffer("_input", _input);
    v.buffer("_gradOutput", _gradOutput);
  }

  /// Torch7's checks: scale >= 1 and a whole number.
  static index_t checkScale(const char* op, double scale) {
    if (!(scale >= 1)) t7::detail::fail<ValueError>(op, ": scale_factor must be greater than 1, got ", scale);
    if (scale != std::floor(scale)) t7::detail::fail<ValueError>(op, ": scale_factor must be integer, got ", scale);
    return static_cast<index_t>(scale);
  }

 private:
  Tensor<T> _input, _gradOutput;

  Shape outputShape(const Tensor<T>& input) const {
    detail::checkRank("SpatialUpSamplingNearest", input, 3, "[C x H x W]");
    if (scale_factor < 1)
      t7::detail::fail<ValueError>("SpatialUpSamplingNearest: scale_factor must be >= 1, got ", scale_factor);
    const int d = input.dim();
    return detail::withHW(input.sizes(), input.size(d - 2) * scale_factor, input.size(d - 1) * scale_factor);
  }
};
SpatialUpSamplingNearest()->SpatialUpSamplingNearest<float>;
SpatialUpSamplingNearest(double)->SpatialUpSamplingNearest<float>;
static_assert(Module<SpatialUpSamplingNearest<float>>);

/// Bilinear up-sampling with aligned corners (Torch7's `nn.SpatialUpSamplingBilinear(scale)`
/// or `nn.SpatialUpSamplingBilinear({oheight=, owidth=})`, here `(oheight, owidth)`): output
/// [.. x H*scale x W*scale] or [.. x oheight x owidth]; the four corner pixels of the output
/// equal the input's, output pixel (y, x) samples the input at (y (H-1)/(oH-1), x (W-1)/(oW-1)).
/// scale >= 1 a whole number; oheight, owidth >= 1 (ValueError otherwise).
template <Element T = float>
class SpatialUpSamplingBilinear : public ModuleBase<SpatialUpSamplingBilinear<T>, T> {
 public:
  static constexpr const char* torchType = "nn.SpatialUpSamplingBilinear";
  std::optional<index_t> scale_factor, oheight, owidth;  // Torch7: nil when unused

  SpatialUpSamplingBilinear() = default;
  explicit SpatialUpSamplingBilinear(double scale)
      : scale_factor(SpatialUpSamplingNearest<T>::checkScale("SpatialUpSamplingBilinear", scale)) {}
  SpatialUpSamplingBilinear(index_t outHeight, index_t outWidth) : oheight(outHeight), owidth(outWidth) {
    if (outHeight < 1 || outWidth < 1)
      t7::detail::fail<ValueError>("SpatialUpSamplingBilinear: output sizes should be greater than 0, got ", outHeight,
                                   "x", outWidth);
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const Shape out = outputShape(input);
    const Tensor<T>& x = detail::contiguousIn(input, _input);
    const detail::Planes g = detail::planesOf(x);
    this->output.resize(out);
    const int d = input.dim();
    kernels::upsampleBilinearForward(this->output.data(), x.data(), g.planes, g.h, g.w, out[d - 2], out[d - 1]);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    const Shape out = outputShape(input);
    detail::spatial_shape::checkGradOutput("SpatialUpSamplingBilinear", out, gradOutput);
    const Tensor<T>& go = detail::contiguousIn(gradOutput, _gradOutput);
    const detail::Planes g = detail::planesOf(input);
    this->gradInput.resize(input.sizes());
    const int d = input.dim();
    kernels::upsampleBilinearBackward(this->gradInput.data(), go.data(), g.planes, g.h, g.w, out[d - 2],
                                      out[d - 1]);
    return this->gradInput;
  }

  template <class V>
  void fields(V& v) {
    v.option("scale_factor", scale_factor);
    v.option("oheight", oheight);
    v.option("owidth", owidth);
    v.buffer("_input", _input);
    v.buffer("_gradOutput", _gradOutput);
  }

  /// Torch7's __tostring__: "nn.SpatialUpSamplingBilinear(2)" or "...(oheight, owidth)".
  std::string toString() const {
    if (scale_factor) return std::string(torchType) + "(" + std::to_string(*scale_factor) + ")";
    return std::string(torchType) + "(" + std::to_string(oheight.value_or(0)) + ", " +
           std::to_string(owidth.value_or(0)) + ")";
  }

 private:
  Tensor<T> _input, _gradOutput;

  Shape outputShape(const Tensor<T>& input) const {
    detail::checkRank("SpatialUpSamplingBilinear", input, 3, "[C x H x W]");
    const int d = input.dim();
    const index_t h = input.size(d - 2), w = input.size(d - 1);
    if (!scale_factor && !(oheight && owidth))
      t7::detail::fail<ValueError>("SpatialUpSamplingBilinear: set scale_factor or both oheight and owidth");
    const index_t oh = scale_factor ? h * *scale_factor : *oheight;
    const index_t ow = scale_factor ? w * *scale_factor : *owidth;
    if (h < 1 || w < 1 || oh < 1 || ow < 1)
      t7::detail::fail<SizeError>("SpatialUpSamplingBilinear: input and output sizes should be greater than 0, got "
                                  "input [",
                                  input.sizes().toString(), "] and output H x W ", oh, "x", ow);
    return detail::withHW(input.sizes(), oh, ow);
  }
};
SpatialUpSamplingBilinear()->SpatialUpSamplingBilinear<float>;
SpatialUpSamplingBilinear(double)->SpatialUpSamplingBilinear<float>;
SpatialUpSamplingBilinear(index_t, index_t)->SpatialUpSamplingBilinear<float>;
static_assert(Module<SpatialUpSamplingBilinear<float>>);

/// Drops whole feature maps (Torch7's `nn.SpatialDropout(p = 0.5, stochasticInference =
/// false)`): in training each plane of a [C x H x W] / [N x C x H x W] input is kept (x 1) or
/// zeroed with probability p, one Bernoulli draw per plane kept in `noise` ([C x 1 x 1] /
/// [N x C x 1 x 1]) from the default generator. Torch7's version 1 scaling: no scaling in
/// training, output = input * (1 - p) in evaluation (unless stochastic_inference, which keeps
/// dropping). 0 <= p <= 1.
template <Element T = float>
class SpatialDropout : public detail::spatial_shape::PlaneDropoutBase<SpatialDropout<T>, T, 2> {
  using Base = detail::spatial_shape::PlaneDropoutBase<SpatialDropout<T>, T, 2>;

 public:
  static constexpr const char* torchType = "nn.SpatialDropout";
  bool stochastic_inference = false;

  SpatialDropout() = default;
  explicit SpatialDropout(double prob, bool stochasticInference = false)
      : Base(prob), stochastic_inference(stochasticInference) {}

  bool stochasticInference() const { return stochastic_inference; }
  template <class V>
  void fields(V& v) {
    v.option("p", this->p);
    v.option("stochastic_inference", stochastic_inference);
    v.buffer("noise", this->noise);
    v.buffer("_input", this->_input);
    v.buffer("_gradOutput", this->_gradOutput);
  }
};
SpatialDropout()->SpatialDropout<float>;
SpatialDropout(double)->SpatialDropout<float>;
SpatialDropout(double, bool)->SpatialDropout<float>;
static_assert(Module<SpatialDropout<float>>);

/// SpatialDropout for volumes (Torch7's `nn.VolumetricDropout(p = 0.5, stochasticInference =
/// false)`): input [C x T x H x W] or [N x C x T x H x W], one draw per C (or N x C) volume,
/// `noise` [C x 1 x 1 x 1] / [N x C x 1 x 1 x 1]. The stochastic-inference flag is Torch7's
/// field `si`.
template <Element T = float>
class VolumetricDropout : public detail::spatial_shape::PlaneDropoutBase<VolumetricDropout<T>, T, 3> {
  using Base = detail::spatial_shape::PlaneDropoutBase<VolumetricDropout<T>, T, 3>;

 public:
  static constexpr const char* torchType = "nn.VolumetricDropout";
  bool si = false;

  VolumetricDropout() = default;
  explicit VolumetricDropout(double prob, bool stochasticInference = false) : Base(prob), si(stochasticInference) {}

  bool stochasticInference() const { return si; }
  template <class V>
  void fields(V& v) {
    v.option("p", this->p);
    v.option("si", si);
    v.buffer("noise", this->noise);
    v.buffer("_input", this->_input);
    v.buffer("_gradOutput", this->_gradOutput);
  }
};
VolumetricDropout()->VolumetricDropout<float>;
VolumetricDropout(double)->VolumetricDropout<float>;
VolumetricDropout(double, bool)->VolumetricDropout<float>;
static_assert(Module<VolumetricDropout<float>>);

}  // namespace t7::nn
