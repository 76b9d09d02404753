#pragma once
/// \file pooling_extra.hpp
/// More of Torch7's pooling modules: `SpatialLPPooling`, `SpatialMaxUnpooling`,
/// `TemporalMaxPooling`, `VolumetricMaxPooling` and `VolumetricAveragePooling` (the math is in
/// kernels/pooling.hpp; the spatial max/average/sub-sampling/adaptive modules in nn/pooling.hpp).

#include <cmath>
#include <string>

#include "t7/nn/pooling.hpp"

namespace t7::nn {

/// Lp pooling (Torch7's `nn.SpatialLPPooling(nInputPlane, pnorm, kW, kH, dW=kW, dH=kH)`):
/// out = (sum over each kW x kH window of x^p)^(1/p), no padding, floor mode. Torch7 built it
/// as Sequential(Power(p) or Square, SpatialAveragePooling, MulConstant(kW kH), Power(1/p) or
/// Sqrt); this computes the same in one pass with the same gradients (for p = 2: 0 where the
/// output is 0, as nn.Sqrt; non-integer p on negative inputs gives NaN, as std::pow). No
/// parameters. Unlike Torch7, the input's plane count is checked against nInputPlane.
template <Element T = float>
class SpatialLPPooling : public ModuleBase<SpatialLPPooling<T>, T> {
 public:
  static constexpr const char* torchType = "nn.SpatialLPPooling";
  index_t nInputPlane = 0;
  double pnorm = 2;
  index_t kW = 1, kH = 1, dW = 1, dH = 1;
  Tensor<T> inputBuffer, gradOutputBuffer;

  SpatialLPPooling() = default;
  SpatialLPPooling(index_t nInputPlane, double pnorm, index_t kW, index_t kH)
      : SpatialLPPooling(nInputPlane, pnorm, kW, kH, kW, kH) {}
  SpatialLPPooling(index_t nInputPlane, double pnorm, index_t kW, index_t kH, index_t dW, index_t dH)
      : nInputPlane(nInputPlane), pnorm(pnorm), kW(kW), kH(kH), dW(dW), dH(dH) {
    if (nInputPlane <= 0)
      t7::detail::fail<ValueError>("SpatialLPPooling: nInputPlane must be positive, got ", nInputPlane);
    validate();
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const auto in = detail::poolInput2d(name(), input, nInputPlane);
    const kernels::PoolGeometry g = geometry(in, input);
    this->output.resize(detail::poolShape(in, false, 1, g.oH, g.oW));
    kernels::lpPoolForward(g, pnorm, detail::contiguousIn(input, inputBuffer).data(), this->output.data());
    return this->output;
  }
  /// Uses the output of the last forward (as Torch7's Sqrt did).
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    const auto in = detail::poolInput2d(name(), input, nInputPlane);
    const kernels::PoolGeometry g = geometry(in, input);
    const Shape out = detail::poolShape(in, false, 1, g.oH, g.oW);
    detail::checkGradOutputShape(name(), out, input, gradOutput);
    if (this->output.sizes() != out)
      t7::detail::fail<SizeError>(name(), ": output [", this->output.sizes().toString(), "] does not match [",
                                  out.toString(), "]: run forward on this input before updateGradInput");
    this->gradInput.resize(input.sizes());
    kernels::lpPoolBackward(g, pnorm, detail::contiguousIn(input, inputBuffer).data(), this->output.data(),
                            detail::contiguousIn(gradOutput, gradOutputBuffer).data(), this->gradInput.data());
    return this->gradInput;
  }

  template <class V>
  void fields(V& v) {
    v.option("nInputPlane", nInputPlane);
    v.option("pnorm", pnorm);
    v.option("kW", kW);
    v.option("kH", kH);
    v.option("dW", dW);
    v.option("dH", dH);
    v.buffer("inputBuffer", inputBuffer);
    v.buffer("gradOutputBuffer", gradOutputBuffer);
  }

  /// "nn.SpatialLPPooling(p=2, 2x2, 2,2)" (Torch7 printed its inner Sequential).
  std::string toString() const {
    std::string p = std::to_string(pnorm);
    p.erase(p.find_last_not_of('0') + 1);
    if (!p.empty() && p.back() == '.') p.pop_back();
    return std::string(torchType) + "(p=" + p + ", " + std::to_string(kW) + "x" + std::to_string(kH) + ", " +
           detail::poolPair(dW, dH) + ")";
  }

 private:
  static const char* name() { return "SpatialLPPooling"; }
  void validate() const {
    detail::poolCheckPositive(name(), {kW, kH, dW, dH});
    if (!(pnorm > 0) || !std::isfinite(pnorm))
      t7::detail::fail<ValueError>(name(), ": pnorm must be positive and finite, got ", pnorm);
  }
  kernels::PoolGeometry geometry(const detail::PoolInput& in, const Tensor<T>& input) const {
    validate();
    return detail::poolValidGeometry(name(), in, input, kW, kH, dW, dH);
  }
};
SpatialLPPooling()->SpatialLPPooling<float>;
SpatialLPPooling(index_t, double, index_t, index_t)->SpatialLPPooling<float>;
SpatialLPPooling(index_t, double, index_t, index_t, index_t, index_t)->SpatialLPPooling<float>;
static_assert(Module<SpatialLPPooling<float>>);

/// The inverse of a SpatialMaxPooling with kernel = stride (Torch7's
/// `nn.SpatialMaxUnpooling(poolingModule)`): each input element goes back to the position its
/// pooling module's `indices` recorded, zeros elsewhere; the output has the pooling module's
/// last input size (iheight x iwidth). The input must have the shape of the pooling output.
///
/// Ownership: `pooling` points at a SpatialMaxPooling the user keeps alive (Torch7 kept a
/// reference). A module inside a container stays at one address, so
/// `nn::SpatialMaxUnpooling<float> up(net.get(1))` (or `*net.get(1).as<...>()`) is safe as long
/// as `net` lives. `clone()` copies the pointer: the clone still reads the original pooling
/// module (Torch7's clone of a whole network re-linked the copies; here re-link a cloned
/// network with `setPooling`). Type conversion (toFloat/toDouble) cannot keep a pointer to a
/// module of another type: the converted module is unlinked until `setPooling` (forward then
/// throws ValueError).
template <Element T = float>
class SpatialMaxUnpooling : public ModuleBase<SpatialMaxUnpooling<T>, T> {
 public:
  static constexpr const char* torchType = "nn.SpatialMaxUnpooling";
  /// The pooling module whose indices and input size are used (not owned; may be null).
  SpatialMaxPooling<T>* pooling = nullptr;
  /// The output height and width, read from the pooling module at each call (Torch7's setParams).
  index_t oheight = 0, owidth = 0;
  Tensor<T> inputBuffer, gradOutputBuffer;

  SpatialMaxUnpooling() = default;
  explicit SpatialMaxUnpooling(SpatialMaxPooling<T>& poolingModule) { setPooling(poolingModule); }
  /// From a module inside a container: TypeError unless it is a SpatialMaxPooling<T>.
  explicit SpatialMaxUnpooling(AnyModule<T>& poolingModule) {
    auto* p = poolingModule.template as<SpatialMaxPooling<T>>();
    if (p == nullptr)
      t7::detail::fail<TypeError>("SpatialMaxUnpooling: the argument must be a nn.SpatialMaxPooling, got ",
                                  poolingModule.typeName());
    setPooling(*p);
  }

  /// Links this module to a pooling module (ValueError unless its kernel equals its stride).
  SpatialMaxUnpooling& setPooling(SpatialMaxPooling<T>& poolingModule) {
    checkPooling(poolingModule);
    pooling = &poolingModule;
    return *this;
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const auto in = setParams(input);
    const Shape out = detail::poolShape(in, false, 1, oheight, owidth);
    this->output.resize(out);
    if (!kernels::maxUnpoolForward(in.n * in.c, in.h * in.w, oheight * owidth,
                                   detail::contiguousIn(input, inputBuffer).data(), pooling->indices.data(),
                                   this->output.data()))
      badIndex();
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    const auto in = setParams(input);
    detail::checkGradOutputShape(name(), detail::poolShape(in, false, 1, oheight, owidth), input, gradOutput);
    this->gradInput.resize(input.sizes());
    if (!kernels::maxUnpoolBackward(in.n * in.c, in.h * in.w, oheight * owidth,
                                    detail::contiguousIn(gradOutput, gradOutputBuffer).data(), pooling->indices.data(),
                                    this->gradInput.data()))
      badIndex();
    return this->gradInput;
  }

  template <class V>
  void fields(V& v) {
    v.option("oheight", oheight);
    v.option("owidth", owidth);
    v.buffer("inputBuffer", inputBuffer);
    v.buffer("gradOutputBuffer", gradOutputBuffer);
  }

  /// "nn.SpatialMaxUnpooling associated to nn.SpatialMaxPooling(2x2, 2,2)" (Torch7's format).
  std::string toString() const {
    return std::string(torchType) + (pooling ? " associated to " + pooling->toString() : " (no pooling module)");
  }

 private:
  static const char* name() { return "SpatialMaxUnpooling"; }
  static void checkPooling(const SpatialMaxPooling<T>& p) {
    if (p.kW != p.dW || p.kH != p.dH)
      t7::detail::fail<ValueError>("SpatialMaxUnpooling: the pooling module's kernel must equal its stride, got ",
                                   p.toString());
  }
  [[noreturn]] void badIndex() const {
    t7::detail::fail<IndexError>(name(), ": the pooling indices hold a position outside the ", oheight, "x", owidth,
                                 " output plane");
  }
  /// Torch7's setParams: checks the link and the input, reads the output size.
  detail::PoolInput setParams(const Tensor<T>& input) {
    if (pooling == nullptr)
      t7::detail::fail<ValueError>(name(), ": no pooling module (link one with setPooling)");
    checkPooling(*pooling);
    const auto in = detail::poolInput2d(name(), input);
    const LongTensor& ind = pooling->indices;
    if (ind.sizes() != input.sizes() || !ind.isContiguous())
      t7::detail::fail<SizeError>(name(), ": input [", input.sizes().toString(),
                                  "] does not match the pooling module's indices [", ind.sizes().toString(), "]");
    oheight = pooling->iheight;
    owidth = pooling->iwidth;
    return in;
  }
};
SpatialMaxUnpooling()->SpatialMaxUnpooling<float>;
static_assert(Module<SpatialMaxUnpooling<float>>);

/// Max pooling over time (Torch7's `nn.TemporalMaxPooling(kW, dW=kW)`): input [T x F] or
/// [N x T x F], output [(T - kW) / dW + 1 x F] (batch likewise), each feature pooled over kW
/// frames dW apart. `indices` (LongTensor, output-shaped) keeps the winner's 0-based offset in
/// its window, as Torch7 did.
template <Element T = float>
class TemporalMaxPooling : public ModuleBase<TemporalMaxPooling<T>, T> {
 public:
  static constexpr const char* torchType = "nn.TemporalMaxPooling";
  index_t kW = 1, dW = 1;
  LongTensor indices;
  Tensor<T> inputBuffer, gradOutputBuffer;

  TemporalMaxPooling() = default;
  explicit TemporalMaxPooling(index_t kW) : TemporalMaxPooling(kW, kW) {}
  TemporalMaxPooling(index_t kW, index_t dW) : kW(kW), dW(dW) { detail::poolCheckPositive(name(), {kW, dW}); }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const Geometry g = geometry(input);
    this->output.resize(g.out);
    indices.resize(g.out);
    kernels::temporalMaxPoolForward(g.batch, g.iT, g.oT, g.frame, kW, dW,
                                    detail::contiguousIn(input, inputBuffer).data(), this->output.data(),
                                    indices.data());
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    const Geometry g = geometry(input);
    detail::checkGradOutputShape(name(), g.out, input, gradOutput);
    detail::poolCheckIndices(name(), indices, g.out);
    this->gradInput.resize(input.sizes());
    if (!kernels::temporalMaxPoolBackward(g.batch, g.iT, g.oT, g.frame, kW, dW,
                                          detail::contiguousIn(gradOutput, gradOutputBuffer).data(), indices.data(),
                                          this->gradInput.data()))
      t7::detail::fail<IndexError>(name(), ": indices hold an offset outside the window of ", kW, " frames");
    return this->gradInput;
  }

  template <class V>
  void fields(V& v) {
    v.option("kW", kW);
    v.option("dW", dW);
    v.buffer("indices", indices);
    v.buffer("inputBuffer", inputBuffer);
    v.buffer("gradOutputBuffer", gradOutputBuffer);
  }

 private:
  struct Geometry {
    index_t batch, iT, oT, frame;
    Shape out;
  };
  static const char* name() { return "TemporalMaxPooling"; }
  Geometry geometry(const Tensor<T>& input) const {
    detail::poolCheckPositive(name(), {kW, dW});
    if (input.dim() != 2 && input.dim() != 3)
      t7::detail::fail<SizeError>(name(), ": expected a 2-D [T x F] or 3-D [N x T x F] input, got [",
                                  input.sizes().toString(), "]");
    const bool batch = input.dim() == 3;
    Geometry g;
    g.batch = batch ? input.size(0) : 1;
    g.iT = input.size(batch ? 1 : 0);
    g.frame = input.size(batch ? 2 : 1);
    if (g.iT < kW)
      t7::detail::fail<SizeError>(name(), ": input [", input.sizes().toString(), "] has ", g.iT,
                                  " frames, fewer than the kernel width ", kW);
    g.oT = (g.iT - kW) / dW + 1;
    if (batch) g.out.push_back(g.batch);
    g.out.push_back(g.oT);
    g.out.push_back(g.frame);
    return g;
  }
};
TemporalMaxPooling()->TemporalMaxPooling<float>;
TemporalMaxPooling(index_t)->TemporalMaxPooling<float>;
TemporalMaxPooling(index_t, index_t)->TemporalMaxPooling<float>;
static_assert(Module<TemporalMaxPooling<float>>);

namespace detail {
/// "2x2x2, 2,2,2[, 1,1,1]": the body of the volumetric toString (Torch7's format).
inline std::string volumetricDesc(index_t kT, index_t kW, index_t kH, index_t dT, index_t dW, index_t dH, index_t pT,
                                  index_t pW, index_t pH) {
  std::string s = std::to_string(kT) + "x" + std::to_string(kW) + "x" + std::to_string(kH) + ", " +
                  std::to_string(dT) + "," + std::to_string(dW) + "," + std::to_string(dH);
  if (pT != 0 || pW != 0 || pH != 0) s += ", " + std::to_string(pT) + "," + std::to_string(pW) + "," + std::to_string(pH);
  return s;
}
}  // namespace detail

/// Max pooling over kT x kH x kW volumes (Torch7's `nn.VolumetricMaxPooling(kT, kW, kH, dT=kT,
/// dW=kW, dH=kH, padT=0, padW=0, padH=0)`), input [C x T x H x W] or [N x C x T x H x W], with
/// ceil mode (`ceil()`) and SpatialMaxPooling's rules per dimension. `indices` keeps the
/// 0-based position (t H + h) W + w of each maximum in its input volume (Torch7 packed window
/// offsets in bytes instead).
template <Element T = float>
class VolumetricMaxPooling : public ModuleBase<VolumetricMaxPooling<T>, T> {
 public:
  static constexpr const char* torchType = "nn.VolumetricMaxPooling";
  index_t kT = 1, kW = 1, kH = 1, dT = 1, dW = 1, dH = 1, padT = 0, padW = 0, padH = 0;
  bool ceil_mode = false;
  LongTensor indices;
  /// The last input's time, height and width (set by updateOutput, as Torch7).
  index_t itime = 0, iheight = 0, iwidth = 0;
  Tensor<T> inputBuffer, gradOutputBuffer;

  VolumetricMaxPooling() = default;
  VolumetricMaxPooling(index_t kT, index_t kW, index_t kH) : VolumetricMaxPooling(kT, kW, kH, kT, kW, kH) {}
  VolumetricMaxPooling(index_t kT, index_t kW, index_t kH, index_t dT, index_t dW, index_t dH, index_t padT = 0,
                       index_t padW = 0, index_t padH = 0)
      : kT(kT), kW(kW), kH(kH), dT(dT), dW(dW), dH(dH), padT(padT), padW(padW), padH(padH) {
    validate();
  }

  VolumetricMaxPooling& ceil() {
    ceil_mode = true;
    return *this;
  }
  VolumetricMaxPooling& floor() {
    ceil_mode = false;
    return *this;
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const auto in = detail::poolInput3d(name(), input);
    const kernels::PoolGeometry g = geometry(in, input);
    itime = in.t, iheight = in.h, iwidth = in.w;
    const Shape out = detail::poolShape(in, true, g.oT, g.oH, g.oW);
    this->output.resize(out);
    indices.resize(out);
    kernels::maxPoolForward(g, detail::contiguousIn(input, inputBuffer).data(), this->output.data(), indices.data());
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    const auto in = detail::poolInput3d(name(), input);
    const kernels::PoolGeometry g = geometry(in, input);
    const Shape out = detail::poolShape(in, true, g.oT, g.oH, g.oW);
    detail::checkGradOutputShape(name(), out, input, gradOutput);
    detail::poolCheckIndices(name(), indices, out);
    this->gradInput.resize(input.sizes());
    if (!kernels::maxPoolBackward(g, detail::contiguousIn(gradOutput, gradOutputBuffer).data(), indices.data(),
                                  this->gradInput.data()))
      t7::detail::fail<IndexError>(name(), ": indices hold a position outside the ", in.t, "x", in.h, "x", in.w,
                                   " input volume");
    return this->gradInput;
  }

  template <class V>
  void fields(V& v) {
    v.option("kT", kT);
    v.option("kW", kW);
    v.option("kH", kH);
    v.option("dT", dT);
    v.option("dW", dW);
    v.option("dH", dH);
    v.option("padT", padT);
    v.option("padW", padW);
    v.option("padH", padH);
    v.option("ceil_mode", ceil_mode);
    v.option("itime", itime);
    v.option("iheight", iheight);
    v.option("iwidth", iwidth);
    v.buffer("indices", indices);
    v.buffer("inputBuffer", inputBuffer);
    v.buffer("gradOutputBuffer", gradOutputBuffer);
  }

  /// "nn.VolumetricMaxPooling(2x2x2, 2,2,2)", with ", padT,padW,padH" when padded (Torch7's format).
  std::string toString() const {
    return std::string(torchType) + "(" + detail::volumetricDesc(kT, kW, kH, dT, dW, dH, padT, padW, padH) + ")";
  }

 private:
  static const char* name() { return "VolumetricMaxPooling"; }
  void validate() const {
    detail::poolCheckPositive(name(), {kT, kW, kH, dT, dW, dH});
    detail::poolCheckPad(name(), "T", kT, padT);
    detail::poolCheckPad(name(), "W", kW, padW);
    detail::poolCheckPad(name(), "H", kH, padH);
  }
  kernels::PoolGeometry geometry(const detail::PoolInput& in, const Tensor<T>& input) const {
    validate();
    kernels::PoolGeometry g;
    g.planes = in.n * in.c;
    g.iT = in.t, g.iH = in.h, g.iW = in.w;
    g.kT = kT, g.kH = kH, g.kW = kW, g.dT = dT, g.dH = dH, g.dW = dW, g.padT = padT, g.padH = padH, g.padW = padW;
    g.oT = kernels::pooledSize(in.t, kT, dT, padT, ceil_mode);
    g.oH = kernels::pooledSize(in.h, kH, dH, padH, ceil_mode);
    g.oW = kernels::pooledSize(in.w, kW, dW, padW, ceil_mode);
    if (g.oT < 1 || g.oH < 1 || g.oW < 1)
      detail::poolTooSmall(name(), input.sizes(),
                           "a " + std::to_string(kT) + "x" + std::to_string(kW) + "x" + std::to_string(kH) +
                               " window (pad " + std::to_string(padT) + "," + detail::poolPair(padW, padH) + ")",
                           detail::poolShape(in, true, g.oT, g.oH, g.oW));
    return g;
  }
};
VolumetricMaxPooling()->VolumetricMaxPooling<float>;
VolumetricMaxPooling(index_t, index_t, index_t)->VolumetricMaxPooling<float>;
VolumetricMaxPooling(index_t, index_t, index_t, index_t, index_t, index_t)->VolumetricMaxPooling<float>;
VolumetricMaxPooling(index_t, index_t, index_t, index_t, index_t, index_t, index_t)->VolumetricMaxPooling<float>;
VolumetricMaxPooling(index_t, index_t, index_t, index_t, index_t, index_t, index_t, index_t)
    ->VolumetricMaxPooling<float>;
VolumetricMaxPooling(index_t, index_t, index_t, index_t, index_t, index_t, index_t, index_t, index_t)
    ->VolumetricMaxPooling<float>;
static_assert(Module<VolumetricMaxPooling<float>>);

/// Average pooling over kT x kH x kW volumes (Torch7's `nn.VolumetricAveragePooling(kT, kW, kH,
/// dT=kT, dW=kW, dH=kH)`), no padding, floor mode: output (T - kT) / dT + 1 (and H, W likewise),
/// each the mean of its kT kH kW inputs. Input [C x T x H x W] or [N x C x T x H x W].
template <Element T = float>
class VolumetricAveragePooling : public ModuleBase<VolumetricAveragePooling<T>, T> {
 public:
  static constexpr const char* torchType = "nn.VolumetricAveragePooling";
  index_t kT = 1, kW = 1, kH = 1, dT = 1, dW = 1, dH = 1;
  Tensor<T> inputBuffer, gradOutputBuffer;

  VolumetricAveragePooling() = default;
  VolumetricAveragePooling(index_t kT, index_t kW, index_t kH) : VolumetricAveragePooling(kT, kW, kH, kT, kW, kH) {}
  VolumetricAveragePooling(index_t kT, index_t kW, index_t kH, index_t dT, index_t dW, index_t dH)
      : kT(kT), kW(kW), kH(kH), dT(dT), dW(dW), dH(dH) {
    detail::poolCheckPositive(name(), {kT, kW, kH, dT, dW, dH});
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const auto in = detail::poolInput3d(name(), input);
    const kernels::PoolGeometry g = geometry(in, input);
    this->output.resize(detail::poolShape(in, true, g.oT, g.oH, g.oW));
    kernels::avgPoolForward(g, detail::contiguousIn(input, inputBuffer).data(), this->output.data(), true);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    const auto in = detail::poolInput3d(name(), input);
    const kernels::PoolGeometry g = geometry(in, input);
    detail::checkGradOutputShape(name(), detail::poolShape(in, true, g.oT, g.oH, g.oW), input, gradOutput);
    this->gradInput.resize(input.sizes());
    kernels::avgPoolBackward(g, detail::contiguousIn(gradOutput, gradOutputBuffer).data(), this->gradInput.data(),
                             true);
    return this->gradInput;
  }

  template <class V>
  void fields(V& v) {
    v.option("kT", kT);
    v.option("kW", kW);
    v.option("kH", kH);
    v.option("dT", dT);
    v.option("dW", dW);
    v.option("dH", dH);
    v.buffer("inputBuffer", inputBuffer);
    v.buffer("gradOutputBuffer", gradOutputBuffer);
  }

  /// "nn.VolumetricAveragePooling(2x2x2, 2,2,2)" (Torch7's format).
  std::string toString() const {
    return std::string(torchType) + "(" + detail::volumetricDesc(kT, kW, kH, dT, dW, dH, 0, 0, 0) + ")";
  }

 private:
  static const char* name() { return "VolumetricAveragePooling"; }
  kernels::PoolGeometry geometry(const detail::PoolInput& in, const Tensor<T>& input) const {
    detail::poolCheckPositive(name(), {kT, kW, kH, dT, dW, dH});
    if (in.t < kT || in.h < kH || in.w < kW)
      t7::detail::fail<SizeError>(name(), ": input [", input.sizes().toString(), "] is smaller than the ", kT, "x",
                                  kW, "x", kH, " kernel");
    kernels::PoolGeometry g;
    g.planes = in.n * in.c;
    g.iT = in.t, g.iH = in.h, g.iW = in.w;
    g.kT = kT, g.kH = kH, g.kW = kW, g.dT = dT, g.dH = dH, g.dW = dW;
    g.oT = (in.t - kT) / dT + 1;
    g.oH = (in.h - kH) / dH + 1;
    g.oW = (in.w - kW) / dW + 1;
    return g;
  }
};
VolumetricAveragePooling()->VolumetricAveragePooling<float>;
VolumetricAveragePooling(index_t, index_t, index_t)->VolumetricAveragePooling<float>;
VolumetricAveragePooling(index_t, index_t, index_t, index_t, index_t, index_t)->VolumetricAveragePooling<float>;
static_assert(Module<VolumetricAveragePooling<float>>);

}  // namespace t7::nn
