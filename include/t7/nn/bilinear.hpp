#pragma once
/// \file bilinear.hpp
/// `Bilinear`: Torch7's nn.Bilinear, y_k = x1 W_k x2^T + b_k on a table {x1, x2}.
///
/// ```cpp
/// nn::Bilinear<float> bl(10, 5, 3);                          // nn.Bilinear(10, 5, 3)
/// const FloatTensor& y = bl.forward(nn::Table<float>{x1, x2});  // [128 x 10], [128 x 5] -> [128 x 3]
/// ```
/// The math is kernels/bilinear.hpp.

#include <cmath>
#include <string>

#include "t7/kernels/bilinear.hpp"
#include "t7/nn/module.hpp"

namespace t7::nn {

/// y[n][k] = x1[n] W[k] x2[n]^T + b[k] for a table {x1 [n x in1], x2 [n x in2]} -> [n x out]
/// (Torch7's batch form), or one sample {x1 [in1], x2 [in2]} -> [out] (a t7 addition).
/// `weight` is [out x in1 x in2], `bias` [out] (empty without bias); gradInput is the table
/// {dx1, dx2}. Initialised uniform in [-1/sqrt(in1), 1/sqrt(in1)] as Torch7.
template <Element T = float>
class Bilinear : public ModuleBase<Bilinear<T>, T, Table<T>, Tensor<T>> {
 public:
  static constexpr const char* torchType = "nn.Bilinear";

  Tensor<T> weight, bias, gradWeight, gradBias;
  Tensor<T> buff1, buff2;  // workspaces, [n x in1] and [n x in2]

  /// An empty Bilinear (for deserialization and type conversion).
  Bilinear() = default;
  Bilinear(index_t inputSize1, index_t inputSize2, index_t outputSize, bool withBias = true)
      : weight(outputSize, inputSize1, inputSize2), gradWeight(outputSize, inputSize1, inputSize2) {
    if (inputSize1 <= 0 || inputSize2 <= 0 || outputSize <= 0)
      t7::detail::fail<ValueError>("Bilinear: sizes must be positive, got ", inputSize1, "x", inputSize2, " -> ",
                                   outputSize);
    if (withBias) {
      bias.resize(outputSize);
      gradBias.resize(outputSize);
      gradBias.zero();
    }
    gradWeight.zero();
    reset();
  }

  index_t inputSize1() const { return weight.dim() == 3 ? weight.size(1) : 0; }
  index_t inputSize2() const { return weight.dim() == 3 ? weight.size(2) : 0; }
  index_t outputSize() const { return weight.dim() == 3 ? weight.size(0) : 0; }

  /// Re-draws weight and bias uniformly in [-stdv sqrt(3), stdv sqrt(3)], by default in
  /// [-1/sqrt(in1), 1/sqrt(in1)].
  Bilinear& reset(double stdv = 0) {
    if (stdv < 0) t7::detail::fail<ValueError>("Bilinear: reset: stdv must be positive, got ", stdv);
    const double s = stdv > 0 ? stdv * std::sqrt(3.0) : 1 / std::sqrt(static_cast<double>(inputSize1()));
    weight.uniform(-s, s);
    if (bias.nElement() > 0) bias.uniform(-s, s);
    return *this;
  }

  const Tensor<T>& updateOutput(const Table<T>& input) {
    const auto [x1, x2] = inputs(input);
    if (x1.dim() == 1) {
      this->output.resize(outputSize());
    } else {
      this->output.resize(x1.size(0), outputSize());
    }
    kernels::bilinearForward(rows(this->output), rows(x1), rows(x2), weight, bias, buff2);
    return this->output;
  }
  const Table<T>& updateGradInput(const Table<T>& input, const Tensor<T>& gradOutput) {
    const auto [x1, x2] = inputs(input);
    checkGradOutput(x1, gradOutput);
    Table<T>& gi = this->gradInput;
    if (gi.size() != 2 || !gi[0].isTensor() || !gi[1].isTensor()) gi = Table<T>{Tensor<T>(), Tensor<T>()};
    Tensor<T>& g1 = gi[0].tensor();
    Tensor<T>& g2 = gi[1].tensor();
    g1.resize(x1.sizes());
    g2.resize(x2.sizes());
    kernels::bilinearBackward(rows(g1), rows(g2), rows(x1), rows(x2), weight, rows(gradOutput), buff1, buff2);
    return this->gradInput;
  }
  void accGradParameters(const Table<T>& input, const Tensor<T>& gradOutput, double scale = 1) {
    const auto [x1, x2] = inputs(input);
    checkGradOutput(x1, gradOutput);
    kernels::bilinearAccGrad(gradWeight, gradBias, rows(x1), rows(x2), rows(gradOutput), static_cast<T>(scale),
                             buff1);
  }

  template <class V>
  void fields(V& v) {
    v.parameter("weight", weight, "gradWeight", gradWeight);
    v.parameter("bias", bias, "gradBias", gradBias);
    v.buffer("buff1", buff1);
    v.buffer("buff2", buff2);
  }

  /// "nn.Bilinear(10x5 -> 3)", "... without bias".
  std::string toString() const {
    std::string s = "nn.Bilinear(" + std::to_string(inputSize1()) + "x" + std::to_string(inputSize2()) + " -> " +
                    std::to_string(outputSize()) + ")";
    return bias.nElement() > 0 ? s : s + " without bias";
  }

 private:
  static Tensor<T> rows(const Tensor<T>& t) { return t.dim() == 1 ? t.unsqueeze(0) : t; }

  /// The two tensors of the input table, checked: {[n x in1], [n x in2]} or {[in1], [in2]}.
  std::pair<const Tensor<T>&, const Tensor<T>&> inputs(const Table<T>& input) const {
    if (input.size() != 2)
      t7::detail::fail<SizeError>("Bilinear: expected a table of two tensors {x1, x2}, got ", describe(input));
    const Tensor<T>& x1 = input[0].tensor("Bilinear");
    const Tensor<T>& x2 = input[1].tensor("Bilinear");
    const bool batch = x1.dim() == 2 && x2.dim() == 2 && x1.size(0) == x2.size(0);
    const bool single = x1.dim() == 1 && x2.dim() == 1;
    if (!(batch || single) || x1.size(x1.dim() - 1) != inputSize1() || x2.size(x2.dim() - 1) != inputSize2())
      t7::detail::fail<SizeError>("Bilinear: expected {[n x ", inputSize1(), "], [n x ", inputSize2(), "]} or {[",
                                  inputSize1(), "], [", inputSize2(), "]}, got ", describe(input));
    return {x1, x2};
  }
  void checkGradOutput(const Tensor<T>& x1, const Tensor<T>& gradOutput) const {
    Shape expected = x1.sizes();
    expected[x1.dim() - 1] = outputSize();
    if (gradOutput.sizes() != expected)
      t7::detail::fail<SizeError>("Bilinear: gradOutput should be [", expected.toString(), "], got ",
                                  describe(gradOutput));
  }
};
Bilinear(index_t, index_t, index_t)->Bilinear<float>;
Bilinear(index_t, index_t, index_t, bool)->Bilinear<float>;
static_assert(Module<Bilinear<float>>);

}  // namespace t7::nn
