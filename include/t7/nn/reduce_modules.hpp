#pragma once
/// \file reduce_modules.hpp
/// Torch7's modules that adapt math Tensor methods: `Sum`, `Mean`, `Max`, `Min` (over one
/// dimension, batch-aware), `MulConstant` and `AddConstant` (with in-place variants).
///
/// ```cpp
/// nn::Sum<float> s(0, 2);   // nn.Sum(1, 2): over dim 0 of a [3 x 4] sample, dim 1 of a batch
/// s.forward(x);             // [3 x 4] -> [4], [n x 3 x 4] -> [n x 4]
/// ```
/// Unlike `t7::sum(x, dim)` (which keeps the reduced dimension with size 1, as torch.sum),
/// these modules remove it (`squeeze`, Torch7's nn rule) unless the input is 1-D.

#include <optional>
#include <string>

#include "t7/expr.hpp"
#include "t7/math/detail/dim_apply.hpp"
#include "t7/math/index.hpp"
#include "t7/math/reduce.hpp"
#include "t7/nn/module.hpp"

namespace t7::nn {

namespace detail {

/// Torch7's _getPositiveDimension: a negative dimension counts from the end; a non-negative
/// one is shifted past the batch dimension when the input has nInputDims + 1 dimensions.
inline int reducedDim(const char* op, int dimension, int nInputDims, int rank) {
  int d = dimension;
  if (d >= 0 && nInputDims >= 0 && rank == nInputDims + 1) ++d;
  return t7::detail::normalizeDim(d, rank, op);
}

/// The output sizes of a reduction over `d`: without dimension d when squeezing a >1-D
/// input, else with size 1 there.
inline Shape reducedSizes(const Shape& in, int d, bool squeeze) {
  Shape s = in;
  if (squeeze && in.size() > 1) {
    s.erase(d);
  } else {
    s[d] = 1;
  }
  return s;
}

/// `t` (sizes from reducedSizes) seen with the reduced dimension kept (size 1): a view.
template <Element T>
Tensor<T> keptView(const Tensor<T>& t, int d, int inputRank) {
  return t.dim() < inputRank ? t.unsqueeze(d) : t;
}

/// Sum and Mean: Torch7's nn.Sum (nn.Mean is nn.Sum with sizeAverage).
template <class Derived, Element T>
class SumBase : public ModuleBase<Derived, T> {
 public:
  int dimension = 0;
  int nInputDims = -1;  // -1: not set
  bool sizeAverage = false;
  bool squeeze = true;

  SumBase() = default;
  SumBase(int dim, int nInputDim, bool average, bool squeezeDim)
      : dimension(dim), nInputDims(nInputDim), sizeAverage(average), squeeze(squeezeDim) {
    if (nInputDim < -1)
      t7::detail::fail<ValueError>(Derived::name, ": nInputDims must be >= 0 (or -1: none), got ", nInputDim);
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const int d = reducedDim(Derived::name, dimension, nInputDims, input.dim());
    const Shape s = reducedSizes(input.sizes(), d, squeeze);
    if (!this->output.isSize(s)) this->output.resize(s);
    Tensor<T> kept = keptView(this->output, d, input.dim());
    if (sizeAverage) {
      mean(kept, input, d);
    } else {
      t7::sum(kept, input, d);
    }
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    const int d = reducedDim(Derived::name, dimension, nInputDims, input.dim());
    if (gradOutput.sizes() != reducedSizes(input.sizes(), d, squeeze))
      t7::detail::fail<SizeError>(Derived::name, ": gradOutput should be [",
                                  reducedSizes(input.sizes(), d, squeeze).toString(), "] for input ",
                                  describe(input), ", got ", describe(gradOutput));
    const Tensor<T> g = keptView(gradOutput, d, input.dim()).expand(input.sizes());
    this->gradInput.resize(input.sizes());
    if (sizeAverage) {
      this->gradInput = g / static_cast<T>(input.size(d));
    } else {
      this->gradInput.copy(g);
    }
    return this->gradInput;
  }

  template <class V>
  void fields(V& v) {
    v.option("dimension", dimension);
    v.option("nInputDims", nInputDims);
    v.option("sizeAverage", sizeAverage);
    v.option("squeeze", squeeze);
  }
};

/// Max and Min: values and the 0-based indices of the chosen elements; the gradient flows to
/// those elements only.
template <class Derived, Element T>
class ArgBase : public ModuleBase<Derived, T> {
 public:
  int dimension = 0;
  int nInputDims = -1;  // -1: not set
  LongTensor _indices;  // where each output element came from (kept dimension)

  ArgBase() = default;
  ArgBase(int dim, int nInputDim) : dimension(dim), nInputDims(nInputDim) {
    if (nInputDim < -1)
      t7::detail::fail<ValueError>(Derived::name, ": nInputDims must be >= 0 (or -1: none), got ", nInputDim);
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const int d = reducedDim(Derived::name, dimension, nInputDims, input.dim());
    if (input.size(d) == 0)
      t7::detail::fail<SizeError>(Derived::name, ": cannot reduce dimension ", d, " of size 0 (input ",
                                  describe(input), ")");
    const Shape s = reducedSizes(input.sizes(), d, true);
    if (!this->output.isSize(s)) this->output.resize(s);
    Tensor<T> kept = keptView(this->output, d, input.dim());
    Derived::reduce(kept, _indices, input, d);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    const int d = reducedDim(Derived::name, dimension, nInputDims, input.dim());
    const Shape kept = t7::detail::withSize(input.sizes(), d, 1);
    if (gradOutput.sizes() != reducedSizes(input.sizes(), d, true) || !_indices.isSize(kept))
      t7::detail::fail<SizeError>(Derived::name, ": gradOutput should be [",
                                  reducedSizes(input.sizes(), d, true).toString(), "] for input ", describe(input),
                                  " after forward(input), got ", describe(gradOutput));
    this->gradInput.resize(input.sizes());
    this->gradInput.zero();
    scatter(this->gradInput, d, _indices, keptView(gradOutput, d, input.dim()));
    return this->gradInput;
  }

  template <class V>
  void fields(V& v) {
    v.option("dimension", dimension);
    v.option("nInputDims", nInputDims);
    v.buffer("_indices", _indices);
  }
};

}  // namespace detail

// ---- Sum, Mean ----------------------------------------------------------------------------

/// Sums over `dimension` (0-based; negative counts from the end). With nInputDims, inputs of
/// nInputDims + 1 dimensions are batches and a non-negative dimension is shifted by one.
/// `sizeAverage` divides by the dimension's size. The reduced dimension is removed
/// (`squeeze`, Torch7 nn's default) unless the input is 1-D: [3 x 4] -> [4] for dim 0.
template <Element T = float>
class Sum : public detail::SumBase<Sum<T>, T> {
 public:
  static constexpr const char* torchType = "nn.Sum";
  static constexpr const char* name = "Sum";
  Sum() = default;
  explicit Sum(int dimension, int nInputDims = -1, bool sizeAverage = false, bool squeeze = true)
      : detail::SumBase<Sum<T>, T>(dimension, nInputDims, sizeAverage, squeeze) {}
};
Sum()->Sum<float>;
Sum(int)->Sum<float>;
Sum(int, int)->Sum<float>;
Sum(int, int, bool)->Sum<float>;
Sum(int, int, bool, bool)->Sum<float>;
static_assert(Module<Sum<float>>);

/// Means over `dimension`: Sum with sizeAverage (Torch7's nn.Mean).
template <Element T = float>
class Mean : public detail::SumBase<Mean<T>, T> {
 public:
  static constexpr const char* torchType = "nn.Mean";
  static constexpr const char* name = "Mean";
  Mean() { this->sizeAverage = true; }
  explicit Mean(int dimension, int nInputDims = -1, bool squeeze = true)
      : detail::SumBase<Mean<T>, T>(dimension, nInputDims, true, squeeze) {}
};
Mean()->Mean<float>;
Mean(int)->Mean<float>;
Mean(int, int)->Mean<float>;
Mean(int, int, bool)->Mean<float>;
static_assert(Module<Mean<float>>);

// ---- Max, Min -----------------------------------------------------------------------------

/// Largest values over `dimension` (removed, unless the input is 1-D), batch rule as Sum.
/// The gradient goes to the first largest element of each slice (indices in `_indices`).
template <Element T = float>
class Max : public detail::ArgBase<Max<T>, T> {
 public:
  static constexpr const char* torchType = "nn.Max";
  static constexpr const char* name = "Max";
  Max() = default;
  explicit Max(int dimension, int nInputDims = -1) : detail::ArgBase<Max<T>, T>(dimension, nInputDims) {}
  static void reduce(Tensor<T>& values, LongTensor& indices, const Tensor<T>& input, int d) {
    t7::max(values, indices, input, d);
  }
};
Max()->Max<float>;
Max(int)->Max<float>;
Max(int, int)->Max<float>;
static_assert(Module<Max<float>>);

/// Smallest values over `dimension`; as Max.
template <Element T = float>
class Min : public detail::ArgBase<Min<T>, T> {
 public:
  static constexpr const char* torchType = "nn.Min";
  static constexpr const char* name = "Min";
  Min() = default;
  explicit Min(int dimension, int nInputDims = -1) : detail::ArgBase<Min<T>, T>(dimension, nInputDims) {}
  static void reduce(Tensor<T>& values, LongTensor& indices, const Tensor<T>& input, int d) {
    t7::min(values, indices, input, d);
  }
};
Min()->Min<float>;
Min(int)->Min<float>;
Min(int, int)->Min<float>;
static_assert(Module<Min<float>>);

// ---- MulConstant, AddConstant -------------------------------------------------------------

/// y = c x for a fixed c. In place (`inplace`): the input is scaled and becomes the output;
/// the backward scales gradOutput in place (it becomes gradInput) and restores the input by
/// dividing it by c (so c must not be 0).
template <Element T = float>
class MulConstant : public ModuleBase<MulConstant<T>, T> {
 public:
  static constexpr const char* torchType = "nn.MulConstant";

  double constant_scalar = 1;
  bool inplace = false;

  /// An empty MulConstant (factor 1; for deserialization and type conversion).
  MulConstant() = default;
  explicit MulConstant(double c, bool inPlace = false) : constant_scalar(c), inplace(inPlace) {
    if (inPlace && c == 0)
      t7::detail::fail<ValueError>("MulConstant: an in-place MulConstant cannot have constant 0 (its backward "
                                   "restores the input by dividing by it)");
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const T c = static_cast<T>(constant_scalar);
    if (inplace) {
      Tensor<T>(input).mul(c);
      this->output = input;
    } else {
      this->output.resize(input.sizes());
      this->output = input * c;
    }
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    checkSameSize("MulConstant", this->output, gradOutput);
    const T c = static_cast<T>(constant_scalar);
    if (inplace) {
      Tensor<T>(gradOutput).mul(c);
      this->gradInput = gradOutput;
      Tensor<T>(input).div(c);  // restores the input
    } else {
      this->gradInput.resize(gradOutput.sizes());
      this->gradInput = gradOutput * c;
    }
    return this->gradInput;
  }

  template <class V>
  void fields(V& v) {
    v.option("constant_scalar", constant_scalar);
    v.option("inplace", inplace);
  }
};
MulConstant(double)->MulConstant<float>;
MulConstant(double, bool)->MulConstant<float>;
static_assert(Module<MulConstant<float>>);

/// y = x + c for a fixed c. In place (`inplace`): the input is shifted and becomes the
/// output; gradInput is gradOutput itself, and the backward restores the input (x - c).
template <Element T = float>
class AddConstant : public ModuleBase<AddConstant<T>, T> {
 public:
  static constexpr const char* torchType = "nn.AddConstant";

  double constant_scalar = 0;
  bool inplace = false;

  /// An empty AddConstant (adds 0; for deserialization and type conversion).
  AddConstant() = default;
  explicit AddConstant(double c, bool inPlace = false) : constant_scalar(c), inplace(inPlace) {}

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const T c = static_cast<T>(constant_scalar);
    if (inplace) {
      Tensor<T>(input).add(c);
      this->output = input;
    } else {
      this->output.resize(input.sizes());
      this->output = input + c;
    }
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    checkSameSize("AddConstant", this->output, gradOutput);
    if (inplace) {
      this->gradInput = gradOutput;
      Tensor<T>(input).add(static_cast<T>(-constant_scalar));  // restores the input
    } else {
      this->gradInput.resize(gradOutput.sizes());
      this->gradInput.copy(gradOutput);
    }
    return this->gradInput;
  }

  template <class V>
  void fields(V& v) {
    v.option("constant_scalar", constant_scalar);
    v.option("inplace", inplace);
  }
};
AddConstant(double)->AddConstant<float>;
AddConstant(double, bool)->AddConstant<float>;
static_assert(Module<AddConstant<float>>);

}  // namespace t7::nn
