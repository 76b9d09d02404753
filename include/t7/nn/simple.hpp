#pragma once
/// \file simple.hpp
/// Torch7's parametric "simple" modules: `Mul` (one learnable factor), `Add` (a bias),
/// `CMul` and `CAdd` (an elementwise factor or bias, broadcast over the batch), `Euclidean`
/// (distances to learnable centres) and `Cosine` (cosine similarity to learnable centres);
/// `Bilinear` (nn/bilinear.hpp) and `LookupTable` (nn/lookup_table.hpp) come with this header.
///
/// ```cpp
/// nn::Sequential<float> net;
/// net.add(nn::CMul(5)).add(nn::Add(5)).add(nn::Euclidean(5, 3));
/// ```
/// Each works on one sample and on a batch (first dimension), as in Torch7. The math of the
/// distance modules is kernels/euclidean_cosine.hpp; broadcast parameter gradients are
/// kernels/param_broadcast.hpp.

#include <cmath>
#include <string>

#include "t7/expr.hpp"
#include "t7/kernels/euclidean_cosine.hpp"
#include "t7/kernels/param_broadcast.hpp"
#include "t7/nn/module.hpp"

namespace t7::nn {

namespace detail {

/// The sizes to view a parameter of sizes `param` with so that it broadcasts over an input
/// of sizes `input` (Torch7's rules of nn.CMul, nn.CAdd and nn.Add): the input's own sizes
/// when both hold as many elements (elementwise, whatever the shapes); the parameter's sizes
/// when it has the input's rank and each size equals the input's or is 1; [1 x input's other
/// sizes] when each sample of a batch holds as many elements. SizeError otherwise.
inline Shape broadcastView(const char* op, const char* what, const Shape& param, const Shape& input) {
  const index_t paramCount = param.size() == 0 ? 0 : param.product();
  const index_t inputCount = input.size() == 0 ? 0 : input.product();
  if (input.size() > 0 && inputCount == paramCount) return input;
  if (param.size() == input.size() && input.size() > 0) {
    bool ok = true;
    for (int d = 0; d < input.size(); ++d) ok = ok && (param[d] == input[d] || param[d] == 1);
    if (ok) return param;
  }
  if (input.size() >= 2) {
    Shape s = input;
    s[0] = 1;
    if (s.product() == paramCount) return s;
  }
  t7::detail::fail<SizeError>(op, ": ", what, " [", param.toString(), "] cannot be applied to input [",
                              input.toString(), "] (same element count, broadcastable sizes, or a batch of samples of ",
                              paramCount, " elements)");
}

/// One sample [k] as a 1-row batch [1 x k]; a batch unchanged (a view either way).
template <Element T>
Tensor<T> asRows(const Tensor<T>& t) {
  return t.dim() == 1 ? t.unsqueeze(0) : t;
}

/// Throws SizeError unless `input` is [size] or [n x size].
template <Element T>
void checkVectorOrBatch(const char* op, const Tensor<T>& input, index_t size) {
  if ((input.dim() != 1 && input.dim() != 2) || input.size(input.dim() - 1) != size)
    t7::detail::fail<SizeError>(op, ": expected input [", size, "] or [n x ", size, "], got ", describe(input));
}

/// Throws SizeError unless `gradOutput` has the sizes `expected`.
template <Element T>
void checkGradOutput(const char* op, const Tensor<T>& gradOutput, const Shape& expected) {
  if (gradOutput.sizes() != expected)
    t7::detail::fail<SizeError>(op, ": gradOutput should be [", expected.toString(), "], got ",
                                describe(gradOutput));
}

/// Uniform in [-s, s] with Torch7's reset rule: s = stdv * sqrt(3) when stdv > 0, else `fallback`.
inline double resetBound(double stdv, double fallback) { return stdv > 0 ? stdv * std::sqrt(3.0) : fallback; }

}  // namespace detail

// ---- Mul ----------------------------------------------------------------------------------

/// y = w x with one learnable scalar w (`weight` [1]); any input shape. Initialised uniform in
/// [-1, 1] as Torch7.
template <Element T = float>
class Mul : public ModuleBase<Mul<T>, T> {
 public:
  static constexpr const char* torchType = "nn.Mul";

  Tensor<T> weight, gradWeight;

  /// Torch7's `nn.Mul()`: one factor, drawn uniformly in [-1, 1].
  Mul() : weight(1), gradWeight(1) {
    gradWeight.zero();
    reset();
  }
  /// Re-draws the factor uniformly in [-stdv sqrt(3), stdv sqrt(3)] (default [-1, 1]).
  Mul& reset(double stdv = 0) {
    const double s = detail::resetBound(stdv, 1.0);
    weight.uniform(-s, s);
    return *this;
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    this->output.resize(input.sizes());
    this->output = input * weight.item();
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    detail::checkGradOutput("Mul", gradOutput, input.sizes());
    this->gradInput.resize(input.sizes());
    this->gradInput = gradOutput * weight.item();
    return this->gradInput;
  }
  void accGradParameters(const Tensor<T>& input, const Tensor<T>& gradOutput, double scale = 1) {
    detail::checkGradOutput("Mul", gradOutput, input.sizes());
    gradWeight.data()[0] += static_cast<T>(scale * kernels::sumOfProducts(input, gradOutput));
  }

  template <class V>
  void fields(V& v) {
    v.parameter("weight", weight, "gradWeight", gradWeight);
  }
};
Mul()->Mul<float>;
static_assert(Module<Mul<float>>);

// ---- Add ----------------------------------------------------------------------------------

/// y = x + b: a bias `bias` [inputSize] added to each sample (input [inputSize], or a batch
/// whose samples hold inputSize elements), or with `scalar` one bias [1] added to every
/// element. Initialised uniform in [-1/sqrt(size), 1/sqrt(size)] as Torch7.
template <Element T = float>
class Add : public ModuleBase<Add<T>, T> {
 public:
  static constexpr const char* torchType = "nn.Add";

  Tensor<T> bias, gradBias;
  bool scalar = false;

  /// An empty Add (for deserialization and type conversion).
  Add() = default;
  /// Torch7's `nn.Add(inputSize [, scalar])`; with scalar, inputSize is ignored.
  explicit Add(index_t inputSize, bool isScalar = false) : scalar(isScalar) {
    if (!scalar && inputSize <= 0) t7::detail::fail<ValueError>("Add: inputSize must be positive, got ", inputSize);
    const index_t n = scalar ? 1 : inputSize;
    bias.resize(n);
    gradBias.resize(n);
    gradBias.zero();
    reset();
  }
  Add& reset(double stdv = 0) {
    const double s = detail::resetBound(stdv, 1 / std::sqrt(static_cast<double>(bias.nElement())));
    bias.uniform(-s, s);
    return *this;
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const Shape v = biasView(input);
    this->output.resize(input.sizes());
    this->output = input + bias.view(v);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    detail::checkGradOutput("Add", gradOutput, input.sizes());
    this->gradInput.resize(input.sizes());
    this->gradInput.copy(gradOutput);
    return this->gradInput;
  }
  void accGradParameters(const Tensor<T>& input, const Tensor<T>& gradOutput, double scale = 1) {
    detail::checkGradOutput("Add", gradOutput, input.sizes());
    kernels::accumulateBroadcast(gradBias.view(biasView(input)).expand(input.sizes()), static_cast<T>(scale),
                                 gradOutput);
  }

  template <class V>
  void fields(V& v) {
    v.parameter("bias", bias, "gradBias", gradBias);
    v.option("scalar", scalar);
  }

 private:
  Shape biasView(const Tensor<T>& input) const {
    if (bias.nElement() == 0) t7::detail::fail<ValueError>("Add: the module has no bias (default-constructed)");
    if (scalar) return Shape::filled(input.dim(), 1);
    return detail::broadcastView("Add", "bias", bias.sizes(), input.sizes());
  }
};
Add(index_t)->Add<float>;
Add(index_t, bool)->Add<float>;
static_assert(Module<Add<float>>);

// ---- CMul ---------------------------------------------------------------------------------

/// y = w * x elementwise with a learnable `weight` of the given sizes, broadcast as Torch7
/// does: elementwise when input and weight hold as many elements; along the input's
/// dimensions where the weight has size 1; over the batch when each sample holds as many
/// elements as the weight. Initialised uniform in [-1/sqrt(n), 1/sqrt(n)], n = weight's count.
template <Element T = float>
class CMul : public ModuleBase<CMul<T>, T> {
 public:
  static constexpr const char* torchType = "nn.CMul";

  Shape size;
  Tensor<T> weight, gradWeight;

  /// An empty CMul (for deserialization and type conversion).
  CMul() = default;
  /// Torch7's `nn.CMul(torch.LongStorage{...})`.
  explicit CMul(const Shape& sizes) : size(sizes), weight(sizes), gradWeight(sizes) {
    if (sizes.size() == 0 || sizes.product() <= 0)
      t7::detail::fail<ValueError>("CMul: sizes must be positive, got [", sizes.toString(), "]");
    gradWeight.zero();
    reset();
  }
  /// Torch7's `nn.CMul(3, 4, 5)`.
  template <std::integral... I>
    requires(sizeof...(I) > 0)
  explicit CMul(I... sizes) : CMul(Shape{static_cast<index_t>(sizes)...}) {}

  CMul& reset(double stdv = 0) {
    const double s = detail::resetBound(stdv, 1 / std::sqrt(static_cast<double>(weight.nElement())));
    weight.uniform(-s, s);
    return *this;
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const Tensor<T> w = weight.view(view(input));
    this->output.resize(input.sizes());
    this->output = input * w;
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    detail::checkGradOutput("CMul", gradOutput, input.sizes());
    const Tensor<T> w = weight.view(view(input));
    this->gradInput.resize(input.sizes());
    this->gradInput = gradOutput * w;
    return this->gradInput;
  }
  void accGradParameters(const Tensor<T>& input, const Tensor<T>& gradOutput, double scale = 1) {
    detail::checkGradOutput("CMul", gradOutput, input.sizes());
    kernels::accumulateBroadcast(gradWeight.view(view(input)).expand(input.sizes()), static_cast<T>(scale), input,
                                 &gradOutput);
  }

  template <class V>
  void fields(V& v) {
    v.option("size", size);
    v.parameter("weight", weight, "gradWeight", gradWeight);
  }

 private:
  Shape view(const Tensor<T>& input) const {
    if (weight.nElement() == 0) t7::detail::fail<ValueError>("CMul: the module has no weight (default-constructed)");
    return detail::broadcastView("CMul", "weight", weight.sizes(), input.sizes());
  }
};
CMul(const Shape&)->CMul<float>;
template <std::integral... I>
CMul(I...) -> CMul<float>;
static_assert(Module<CMul<float>>);

// ---- CAdd ---------------------------------------------------------------------------------

/// y = x + b elementwise with a learnable `bias` of the given sizes, broadcast as CMul's
/// weight. Initialised uniform in [-1/sqrt(n), 1/sqrt(n)].
template <Element T = float>
class CAdd : public ModuleBase<CAdd<T>, T> {
 public:
  static constexpr const char* torchType = "nn.CAdd";

  Shape size;
  Tensor<T> bias, gradBias;

  /// An empty CAdd (for deserialization and type conversion).
  CAdd() = default;
  /// Torch7's `nn.CAdd(torch.LongStorage{...})`.
  explicit CAdd(const Shape& sizes) : size(sizes), bias(sizes), gradBias(sizes) {
    if (sizes.size() == 0 || sizes.product() <= 0)
      t7::detail::fail<ValueError>("CAdd: sizes must be positive, got [", sizes.toString(), "]");
    gradBias.zero();
    reset();
  }
  /// Torch7's `nn.CAdd(3, 4, 5)`.
  template <std::integral... I>
    requires(sizeof...(I) > 0)
  explicit CAdd(I... sizes) : CAdd(Shape{static_cast<index_t>(sizes)...}) {}

  CAdd& reset(double stdv = 0) {
    const double s = detail::resetBound(stdv, 1 / std::sqrt(static_cast<double>(bias.nElement())));
    bias.uniform(-s, s);
    return *this;
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const Tensor<T> b = bias.view(view(input));
    this->output.resize(input.sizes());
    this->output = input + b;
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    detail::checkGradOutput("CAdd", gradOutput, input.sizes());
    this->gradInput.resize(input.sizes());
    this->gradInput.copy(gradOutput);
    return this->gradInput;
  }
  void accGradParameters(const Tensor<T>& input, const Tensor<T>& gradOutput, double scale = 1) {
    detail::checkGradOutput("CAdd", gradOutput, input.sizes());
    kernels::accumulateBroadcast(gradBias.view(view(input)).expand(input.sizes()), static_cast<T>(scale),
                                 gradOutput);
  }

  template <class V>
  void fields(V& v) {
    v.option("size", size);
    v.parameter("bias", bias, "gradBias", gradBias);
  }

 private:
  Shape view(const Tensor<T>& input) const {
    if (bias.nElement() == 0) t7::detail::fail<ValueError>("CAdd: the module has no bias (default-constructed)");
    return detail::broadcastView("CAdd", "bias", bias.sizes(), input.sizes());
  }
};
CAdd(const Shape&)->CAdd<float>;
template <std::integral... I>
CAdd(I...) -> CAdd<float>;
static_assert(Module<CAdd<float>>);

// ---- Euclidean ----------------------------------------------------------------------------

/// y_j = || x - w_j || for `outputSize` learnable centres w_j, the columns of `weight`
/// [inputSize x outputSize] (Torch7's layout). Input [inputSize] -> [outputSize], or a batch
/// [n x inputSize] -> [n x outputSize]. The gradients divide by y_j + 1e-7 (Torch7's guard
/// against a zero distance). Initialised uniform in [-1/sqrt(in), 1/sqrt(in)].
template <Element T = float>
class Euclidean : public ModuleBase<Euclidean<T>, T> {
 public:
  static constexpr const char* torchType = "nn.Euclidean";

  Tensor<T> weight, gradWeight;
  Tensor<T> _div;  // gradOutput / (output + 1e-7), shared by both gradients

  /// An empty Euclidean (for deserialization and type conversion).
  Euclidean() = default;
  Euclidean(index_t inputSize, index_t outputSize) : weight(inputSize, outputSize), gradWeight(inputSize, outputSize) {
    if (inputSize <= 0 || outputSize <= 0)
      t7::detail::fail<ValueError>("Euclidean: sizes must be positive, got ", inputSize, " -> ", outputSize);
    gradWeight.zero();
    reset();
  }

  index_t inputSize() const { return weight.dim() == 2 ? weight.size(0) : 0; }
  index_t outputSize() const { return weight.dim() == 2 ? weight.size(1) : 0; }

  Euclidean& reset(double stdv = 0) {
    const double s = detail::resetBound(stdv, 1 / std::sqrt(static_cast<double>(inputSize())));
    weight.uniform(-s, s);
    return *this;
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    detail::checkVectorOrBatch("Euclidean", input, inputSize());
    resizeLike(this->output, input, outputSize());
    kernels::euclideanForward(detail::asRows(this->output), detail::asRows(input), weight);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    checkBackward(input, gradOutput);
    factor(gradOutput);
    this->gradInput.resize(input.sizes());
    kernels::euclideanBackward(detail::asRows(this->gradInput), detail::asRows(input), weight, _div);
    return this->gradInput;
  }
  void accGradParameters(const Tensor<T>& input, const Tensor<T>& gradOutput, double scale = 1) {
    checkBackward(input, gradOutput);
    factor(gradOutput);
    kernels::euclideanAccGrad(gradWeight, detail::asRows(input), weight, _div, static_cast<T>(scale));
  }

  template <class V>
  void fields(V& v) {
    v.parameter("weight", weight, "gradWeight", gradWeight);
    v.buffer("_div", _div);
  }

 private:
  static void resizeLike(Tensor<T>& t, const Tensor<T>& input, index_t n) {
    if (input.dim() == 1) {
      t.resize(n);
    } else {
      t.resize(input.size(0), n);
    }
  }
  void checkBackward(const Tensor<T>& input, const Tensor<T>& gradOutput) const {
    detail::checkVectorOrBatch("Euclidean", input, inputSize());
    Shape expected = input.sizes();
    expected[input.dim() - 1] = outputSize();
    detail::checkGradOutput("Euclidean", gradOutput, expected);
    if (!this->output.isSize(expected))
      t7::detail::fail<SizeError>("Euclidean: call forward(input) before backward (output is ",
                                  describe(this->output), ")");
  }
  void factor(const Tensor<T>& gradOutput) {
    const Tensor<T> g = detail::asRows(gradOutput);
    _div.resize(g.sizes());
    kernels::euclideanFactor(_div, detail::asRows(this->output), g);
  }
};
Euclidean(index_t, index_t)->Euclidean<float>;
static_assert(Module<Euclidean<float>>);

// ---- Cosine -------------------------------------------------------------------------------

/// y_j = (x . w_j) / (||x|| ||w_j||) for `outputSize` learnable centres w_j, the rows of
/// `weight` [outputSize x inputSize]; both norms get + 1e-12 (Torch7's). Input [inputSize] ->
/// [outputSize], or a batch [n x inputSize] -> [n x outputSize]. Initialised uniform in
/// [-1/sqrt(out), 1/sqrt(out)] (Torch7 uses weight:size(1), the output size).
template <Element T = float>
class Cosine : public ModuleBase<Cosine<T>, T> {
 public:
  static constexpr const char* torchType = "nn.Cosine";

  Tensor<T> weight, gradWeight;
  Tensor<T> _weightNorm, _inputNorm;  // [out] and [n]: the smoothed norms of the last forward
  Tensor<T> _gradOutput, _input;      // workspaces of the backward

  /// An empty Cosine (for deserialization and type conversion).
  Cosine() = default;
  Cosine(index_t inputSize, index_t outputSize) : weight(outputSize, inputSize), gradWeight(outputSize, inputSize) {
    if (inputSize <= 0 || outputSize <= 0)
      t7::detail::fail<ValueError>("Cosine: sizes must be positive, got ", inputSize, " -> ", outputSize);
    gradWeight.zero();
    reset();
  }

  index_t inputSize() const { return weight.dim() == 2 ? weight.size(1) : 0; }
  index_t outputSize() const { return weight.dim() == 2 ? weight.size(0) : 0; }

  Cosine& reset(double stdv = 0) {
    const double s = detail::resetBound(stdv, 1 / std::sqrt(static_cast<double>(outputSize())));
    weight.uniform(-s, s);
    return *this;
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    detail::checkVectorOrBatch("Cosine", input, inputSize());
    const Tensor<T> x = detail::asRows(input);
    if (input.dim() == 1) {
      this->output.resize(outputSize());
    } else {
      this->output.resize(input.size(0), outputSize());
    }
    _inputNorm.resize(x.size(0));
    _weightNorm.resize(outputSize());
    Tensor<T> y = detail::asRows(this->output);
    kernels::cosineForward(y, x, weight, _inputNorm, _weightNorm);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    checkBackward(input, gradOutput);
    this->gradInput.resize(input.sizes());
    Tensor<T> gx = detail::asRows(this->gradInput);
    kernels::cosineBackward(gx, detail::asRows(input), weight, detail::asRows(this->output),
                            detail::asRows(gradOutput), _inputNorm, _weightNorm, _gradOutput);
    return this->gradInput;
  }
  void accGradParameters(const Tensor<T>& input, const Tensor<T>& gradOutput, double scale = 1) {
    checkBackward(input, gradOutput);
    kernels::cosineAccGrad(gradWeight, detail::asRows(input), weight, detail::asRows(this->output),
                           detail::asRows(gradOutput), _inputNorm, _weightNorm, static_cast<T>(scale), _gradOutput,
                           _input);
  }

  template <class V>
  void fields(V& v) {
    v.parameter("weight", weight, "gradWeight", gradWeight);
    v.buffer("_weightNorm", _weightNorm);
    v.buffer("_inputNorm", _inputNorm);
    v.buffer("_gradOutput", _gradOutput);
    v.buffer("_input", _input);
  }

 private:
  void checkBackward(const Tensor<T>& input, const Tensor<T>& gradOutput) const {
    detail::checkVectorOrBatch("Cosine", input, inputSize());
    Shape expected = input.sizes();
    expected[input.dim() - 1] = outputSize();
    detail::checkGradOutput("Cosine", gradOutput, expected);
    const index_t rows = input.dim() == 1 ? 1 : input.size(0);
    if (!this->output.isSize(expected) || _inputNorm.nElement() != rows)
      t7::detail::fail<SizeError>("Cosine: call forward(input) before backward (output is ", describe(this->output),
                                  ")");
  }
};
Cosine(index_t, index_t)->Cosine<float>;
static_assert(Module<Cosine<float>>);

}  // namespace t7::nn

#include "t7/nn/bilinear.hpp"
#include "t7/nn/lookup_table.hpp"
