#pragma once
/// \file lookup_table.hpp
/// `LookupTable`: Torch7's nn.LookupTable (word embeddings): indices in, rows of `weight` out.
///
/// ```cpp
/// nn::LookupTable<float> emb(10000, 128);         // nn.LookupTable(10000, 128)
/// const FloatTensor& e = emb.forward(FloatTensor{{4, 7, 1}, {0, 2, 9}});  // [2 x 3 x 128]
/// ```
/// Indices are 0-based whole numbers held in the module's element type (as Torch7's float
/// index tensors were). The math is kernels/lookup_table.hpp.

#include <string>

#include "t7/kernels/lookup_table.hpp"
#include "t7/nn/module.hpp"

namespace t7::nn {

/// Input [L] -> [L x nOutput] or [B x L] -> [B x L x nOutput]: row i of the output is row
/// input[i] of `weight` [nIndex x nOutput] (initialised N(0, 1) as Torch7). Indices are
/// checked: IndexError for a value that is not a whole number or lies outside [0, nIndex).
/// The input is not differentiable: gradInput is zeros shaped like the input (as Torch7).
/// Options (Torch7's): `paddingValue` (0-based index whose row gets no gradient; -1 = none),
/// `maxNorm` (> 0: the rows looked up are renormalised in place at each forward to a
/// normType-norm of at most maxNorm; 0 = never), `normType` (default 2), and
/// `scaleGradByFreq()` (each row's gradient divided by how often its index occurs in the
/// batch).
template <Element T = float>
class LookupTable : public ModuleBase<LookupTable<T>, T> {
 public:
  static constexpr const char* torchType = "nn.LookupTable";

  Tensor<T> weight, gradWeight;
  index_t paddingValue = -1;
  double maxNorm = 0;
  double normType = 2;
  bool shouldScaleGradByFreq = false;
  LongTensor _input;  // the checked indices of the last call
  LongTensor _count;  // occurrences per index (scaleGradByFreq)

  /// An empty LookupTable (for deserialization and type conversion).
  LookupTable() = default;
  /// Torch7's `nn.LookupTable(nIndex, nOutput [, paddingValue, maxNorm, normType])`, with a
  /// 0-based padding index (-1: none; Torch7's 1-based 0) and maxNorm 0 for none.
  LookupTable(index_t nIndex, index_t nOutput, index_t padding = -1, double maxNormValue = 0, double norm = 2)
      : weight(nIndex, nOutput), gradWeight(nIndex, nOutput), paddingValue(padding), maxNorm(maxNormValue),
        normType(norm) {
    if (nIndex <= 0 || nOutput <= 0)
      t7::detail::fail<ValueError>("LookupTable: sizes must be positive, got ", nIndex, " x ", nOutput);
    checkOptions();
    gradWeight.zero();
    reset();
  }

  index_t nIndex() const { return weight.dim() == 2 ? weight.size(0) : 0; }
  index_t nOutput() const { return weight.dim() == 2 ? weight.size(1) : 0; }

  /// Re-draws the weight from N(0, stdv) (Torch7: stdv = 1 by default).
  LookupTable& reset(double stdv = 1) {
    weight.normal(0, stdv);
    return *this;
  }
  /// Torch7's setters; each returns the module.
  LookupTable& setPadding(index_t padding) {
    paddingValue = padding;
    checkOptions();
    return *this;
  }
  LookupTable& setMaxNorm(double value) {
    maxNorm = value;
    checkOptions();
    return *this;
  }
  LookupTable& setNormType(double value) {
    normType = value;
    checkOptions();
    return *this;
  }
  LookupTable& scaleGradByFreq() {
    shouldScaleGradByFreq = true;
    return *this;
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    checkInput(input);
    kernels::lookupIndices(_input, input, nIndex(), "LookupTable");
    if (maxNorm > 0) kernels::lookupRenorm(weight, _input, maxNorm, normType);
    Shape sizes = input.sizes();
    sizes.push_back(nOutput());
    this->output.resize(sizes);
    kernels::lookupForward(this->output.view(input.nElement(), nOutput()), weight, _input);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    checkGradOutput(input, gradOutput);
    if (!this->gradInput.isSameSizeAs(input)) {
      this->gradInput.resize(input.sizes());
      this->gradInput.zero();
    }
    return this->gradInput;
  }
  void accGradParameters(const Tensor<T>& input, const Tensor<T>& gradOutput, double scale = 1) {
    checkGradOutput(input, gradOutput);
    kernels::lookupIndices(_input, input, nIndex(), "LookupTable");
    const Tensor<T> g = gradOutput.dim() == 2 ? gradOutput : gradOutput.reshape(input.nElement(), nOutput());
    kernels::lookupAccGrad(gradWeight, _input, g, static_cast<T>(scale), paddingValue,
                           shouldScaleGradByFreq ? &_count : nullptr);
  }

  template <class V>
  void fields(V& v) {
    v.parameter("weight", weight, "gradWeight", gradWeight);
    v.option("paddingValue", paddingValue);
    v.option("maxNorm", maxNorm);
    v.option("normType", normType);
    v.option("shouldScaleGradByFreq", shouldScaleGradByFreq);
    v.buffer("_input", _input);
    v.buffer("_count", _count);
  }

 private:
  void checkOptions() const {
    if (paddingValue < -1 || (weight.dim() == 2 && paddingValue >= nIndex()))
      t7::detail::fail<IndexError>("LookupTable: padding index ", paddingValue, " out of range [0, ", nIndex(),
                                   ") (-1 for none)");
    if (maxNorm < 0) t7::detail::fail<ValueError>("LookupTable: maxNorm must be >= 0 (0: none), got ", maxNorm);
    if (!(normType > 0)) t7::detail::fail<ValueError>("LookupTable: normType must be > 0, got ", normType);
  }
  void checkInput(const Tensor<T>& input) const {
    if (nIndex() == 0) t7::detail::fail<ValueError>("LookupTable: the module has no weight (default-constructed)");
    if (input.dim() != 1 && input.dim() != 2)
      t7::detail::fail<SizeError>("LookupTable: expected indices [L] or [B x L], got ", describe(input));
  }
  void checkGradOutput(const Tensor<T>& input, const Tensor<T>& gradOutput) const {
    checkInput(input);
    Shape expected = input.sizes();
    expected.push_back(nOutput());
    if (gradOutput.sizes() != expected)
      t7::detail::fail<SizeError>("LookupTable: gradOutput should be [", expected.toString(), "], got ",
                                  describe(gradOutput));
  }
};
LookupTable(index_t, index_t)->LookupTable<float>;
LookupTable(index_t, index_t, index_t)->LookupTable<float>;
LookupTable(index_t, index_t, index_t, double)->LookupTable<float>;
LookupTable(index_t, index_t, index_t, double, double)->LookupTable<float>;
static_assert(Module<LookupTable<float>>);

}  // namespace t7::nn
