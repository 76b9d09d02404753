#pragma once
/// \file shape_modules.hpp
/// Torch7's modules that adapt Tensor shape methods: `Identity`, `View`, `Reshape`,
/// `Narrow`, `Select`, `Transpose`, `Squeeze`, `Unsqueeze`, `Replicate`, `Copy`, `Padding`,
/// `Contiguous`. All dimensions and offsets are 0-based; negative ones count from the end.
///
/// ```cpp
/// nn::Sequential<float> net;
/// net.add(nn::View(-1).setNumInputDims(3)).add(nn::Linear(3 * 32 * 32, 10));
/// ```
/// Modules whose Torch7 output is a view of the input (Identity, View, Reshape, Squeeze,
/// Unsqueeze, Replicate, Contiguous of a contiguous input) alias it here too: writing
/// through the output writes the input. Narrow, Select, Transpose, Copy and Padding copy.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "t7/math/detail/dim_apply.hpp"
#include "t7/math/reduce.hpp"
#include "t7/nn/module.hpp"

namespace t7::nn {

namespace detail {

/// `src` seen with `sizes` (its element count): a view when its layout allows one, else a
/// copy in `buffer` (resized only when its size changes) seen with `sizes`.
template <Element T>
Tensor<T> viewOrCopy(const Tensor<T>& src, const Shape& sizes, Tensor<T>& buffer) {
  Strides st;
  if (src.dim() > 0 && t7::detail::viewStrides(src.sizes(), src.strides(), sizes, st)) return src.view(sizes);
  if (!buffer.isSize(src.sizes())) buffer.resize(src.sizes());
  buffer.copy(src);
  return buffer.view(sizes);
}

/// "2, 8" for View's tostring.
inline std::string joinSizes(const Shape& s, const char* sep) {
  std::string r;
  for (int i = 0; i < s.size(); ++i) r += (i ? sep : "") + std::to_string(s[i]);
  return r;
}

}  // namespace detail

// ---- Identity -----------------------------------------------------------------------------

/// output = input and gradInput = gradOutput: the same tensors (handles), or the same table.
template <Element T = float>
class Identity : public ModuleBase<Identity<T>, T, Activity<T>, Activity<T>> {
 public:
  static constexpr const char* torchType = "nn.Identity";
  const Activity<T>& updateOutput(const Activity<T>& input) {
    this->output = input;
    return this->output;
  }
  const Activity<T>& updateGradInput(const Activity<T>&, const Activity<T>& gradOutput) {
    this->gradInput = gradOutput;
    return this->gradInput;
  }
};
Identity()->Identity<float>;
static_assert(Module<Identity<float>>);

// ---- View ---------------------------------------------------------------------------------

/// The input seen with `size` (one size may be -1: inferred). Batch mode as Torch7: when the
/// input holds a multiple of the view's elements (and no size is -1), or has more than
/// `numInputDims` dimensions (setNumInputDims), the extra leading factor becomes a first
/// batch dimension. The output is a view of the input; an input whose layout allows no such
/// view is copied first (Torch7 raises an error).
template <Element T = float>
class View : public ModuleBase<View<T>, T> {
 public:
  static constexpr const char* torchType = "nn.View";

  Shape size;
  index_t numElements = 1;  // product of the sizes other than -1
  int numInputDims = -1;    // -1: not set
  Tensor<T> _input, _gradOutput;  // copies of operands no view can show

  /// An empty View (for deserialization and type conversion).
  View() = default;
  /// Torch7's `nn.View(torch.LongStorage{...})`.
  explicit View(const Shape& sizes) { resetSize(sizes); }
  /// Torch7's `nn.View(2, 8)`, `nn.View(-1)`.
  template <class... I>
    requires(sizeof...(I) > 0 && ((std::integral<I> && !std::same_as<I, bool>) && ...))
  explicit View(I... sizes) : View(Shape{static_cast<index_t>(sizes)...}) {}

  /// Torch7's `resetSize(sizes)`: sizes >= 0, at most one -1.
  View& resetSize(const Shape& sizes) {
    index_t n = 1;
    bool infer = false;
    for (index_t s : sizes) {
      if (s == -1) {
        if (infer) t7::detail::fail<ValueError>("View: only one size may be -1, got [", sizes.toString(), "]");
        infer = true;
      } else if (s < 0) {
        t7::detail::fail<ValueError>("View: sizes must be >= 0 or -1, got [", sizes.toString(), "]");
      } else {
        n *= s;
      }
    }
    size = sizes;
    numElements = n;
    return *this;
  }
  /// Torch7's `setNumInputDims(n)`: inputs with more dimensions are batches (-1 unsets).
  View& setNumInputDims(int n) {
    if (n < -1) t7::detail::fail<ValueError>("View: numInputDims must be >= 0 (or -1: none), got ", n);
    numInputDims = n;
    return *this;
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    Shape target = size;
    if (const index_t bsz = batchSize(input); bsz > 0) target.insert(0, bsz);
    this->output = detail::viewOrCopy(input, t7::detail::inferSizes(target, input.nElement(), "View", input.sizes()),
                                      _input);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    checkSameSize("View", this->output, gradOutput);
    this->gradInput = detail::viewOrCopy(gradOutput, input.sizes(), _gradOutput);
    return this->gradInput;
  }

  template <class V>
  void fields(V& v) {
    v.option("size", size);
    v.option("numElements", numElements);
    v.option("numInputDims", numInputDims);
    v.buffer("_input", _input);
    v.buffer("_gradOutput", _gradOutput);
  }

  /// "nn.View(2, 8)".
  std::string toString() const { return "nn.View(" + detail::joinSizes(size, ", ") + ")"; }

 private:
  /// Torch7's batchsize(): the leading batch size, or 0 for no batch dimension.
  index_t batchSize(const Tensor<T>& input) const {
    const int ind = input.dim();
    const int maxdim = numInputDims >= 0 ? numInputDims : ind;
    if (maxdim > ind)
      t7::detail::fail<SizeError>("View: input ", describe(input), " has fewer than numInputDims = ", numInputDims,
                                  " dimensions");
    index_t ine = 1;
    for (int i = ind - maxdim; i < ind; ++i) ine *= input.size(i);
    if (numElements == 0 || ine % numElements != 0)
      t7::detail::fail<SizeError>("View: input view (", input.sizes().toString(), ") and desired view (",
                                  size.toString(), ") do not match");
    index_t bsz = ine / numElements;
    for (index_t s : size)
      if (s == -1) bsz = 1;
    for (int i = 0; i < ind - maxdim; ++i) bsz *= input.size(i);
    if (bsz == 1 && (numInputDims < 0 || ind <= numInputDims)) return 0;
    return bsz;
  }
};
View(const Shape&)->View<float>;
template <class... I>
  requires(sizeof...(I) > 0 && ((std::integral<I> && !std::same_as<I, bool>) && ...))
View(I...) -> View<float>;
static_assert(Module<View<float>>);

// ---- Reshape ------------------------------------------------------------------------------

/// The input reshaped to `size`, row-major. `batchMode`: true keeps the first dimension as a
/// batch; false reshapes the whole input; unset (Torch7's nil) treats the input as a batch
/// unless it holds exactly size's elements and its first size is not 1. A view of the input
/// when its layout allows, else a copy.
template <Element T = float>
class Reshape : public ModuleBase<Reshape<T>, T> {
 public:
  static constexpr const char* torchType = "nn.Reshape";

  Shape size;
  index_t nelement = 1;
  std::optional<bool> batchMode;
  Tensor<T> _input, _gradOutput;  // copies of operands no view can show

  /// An empty Reshape (for deserialization and type conversion).
  Reshape() = default;
  /// Torch7's `nn.Reshape(torch.LongStorage{2, 8} [, batchMode])`: `nn::Reshape({2, 8}, true)`.
  explicit Reshape(const Shape& sizes, std::optional<bool> batch = std::nullopt) : size(sizes), batchMode(batch) {
    for (index_t s : sizes)
      if (s < 0) t7::detail::fail<ValueError>("Reshape: sizes must be >= 0, got [", sizes.toString(), "]");
    nelement = sizes.size() == 0 ? 0 : sizes.product();
  }
  /// Torch7's `nn.Reshape(2, 8)`.
  template <class... I>
    requires(sizeof...(I) > 0 && ((std::integral<I> && !std::same_as<I, bool>) && ...))
  explicit Reshape(I... sizes) : Reshape(Shape{static_cast<index_t>(sizes)...}) {}

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const bool batch = batchMode ? *batchMode
                                 : !(input.nElement() == nelement && input.dim() > 0 && input.size(0) != 1);
    Shape target = size;
    if (batch) {
      if (input.dim() == 0) t7::detail::fail<SizeError>("Reshape: batch mode needs an input with a first dimension");
      target.insert(0, input.size(0));
    }
    const index_t n = target.size() == 0 ? 0 : target.product();
    if (n != input.nElement())
      t7::detail::fail<SizeError>("Reshape: input ", describe(input), " (", input.nElement(),
                                  " elements) cannot be reshaped to [", target.toString(), "]");
    this->output = detail::viewOrCopy(input, target, _input);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    checkSameSize("Reshape", this->output, gradOutput);
    this->gradInput = detail::viewOrCopy(gradOutput, input.sizes(), _gradOutput);
    return this->gradInput;
  }

  template <class V>
  void fields(V& v) {
    v.option("size", size);
    v.option("nelement", nelement);
    v.option("batchMode", batchMode);
    v.buffer("_input", _input);
    v.buffer("_gradOutput", _gradOutput);
  }

  /// "nn.Reshape(2x8)".
  std::string toString() const { return "nn.Reshape(" + size.toString() + ")"; }
};
Reshape(const Shape&)->Reshape<float>;
Reshape(const Shape&, std::optional<bool>)->Reshape<float>;
Reshape(const Shape&, bool)->Reshape<float>;
template <class... I>
  requires(sizeof...(I) > 0 && ((std::integral<I> && !std::same_as<I, bool>) && ...))
Reshape(I...) -> Reshape<float>;
static_assert(Module<Reshape<float>>);

// ---- Narrow -------------------------------------------------------------------------------

/// A copy of `input.narrow(dimension, offset, length)`. Negative values count from the end:
/// dimension -1 is the last, offset -1 the last element, length -1 runs to the end (-2 stops
/// one short of it, ...), as Torch7's documented examples.
template <Element T = float>
class Narrow : public ModuleBase<Narrow<T>, T> {
 public:
  static constexpr const char* torchType = "nn.Narrow";

  int dimension = 0;
  index_t index = 0;  // the offset (Torch7's field name)
  index_t length = 1;

  /// An empty Narrow (for deserialization and type conversion).
  Narrow() = default;
  Narrow(int dim, index_t offset, index_t len = 1) : dimension(dim), index(offset), length(len) {}

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const Tensor<T> part = narrowed(input);
    this->output.resize(part.sizes());
    this->output.copy(part);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    checkSameSize("Narrow", this->output, gradOutput);
    this->gradInput.resize(input.sizes());
    this->gradInput.zero();
    narrowed(this->gradInput).copy(gradOutput);
    return this->gradInput;
  }

  template <class V>
  void fields(V& v) {
    v.option("dimension", dimension);
    v.option("index", index);
    v.option("length", length);
  }

 private:
  Tensor<T> narrowed(const Tensor<T>& t) const {
    const int d = t7::detail::normalizeDim(dimension, t.dim(), "Narrow");
    const index_t n = t.size(d);
    const index_t off = index < 0 ? index + n : index;
    const index_t len = length < 0 ? n - off + length + 1 : length;
    if (off < 0 || off > n || len < 0 || len > n - off)
      t7::detail::fail<IndexError>("Narrow: offset ", index, ", length ", length, " out of range for dimension ", d,
                                   " of input [", t.sizes().toString(), "]");
    return t.narrow(d, off, len);
  }
};
Narrow(int, index_t)->Narrow<float>;
Narrow(int, index_t, index_t)->Narrow<float>;
static_assert(Module<Narrow<float>>);

// ---- Select -------------------------------------------------------------------------------

/// A copy of `input.select(dimension, index)` (one dimension fewer); negatives count from the
/// end. The input needs at least 2 dimensions (t7 has no 0-D tensors).
template <Element T = float>
class Select : public ModuleBase<Select<T>, T> {
 public:
  static constexpr const char* torchType = "nn.Select";

  int dimension = 0;
  index_t index = 0;

  /// An empty Select (for deserialization and type conversion).
  Select() = default;
  Select(int dim, index_t i) : dimension(dim), index(i) {}

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const Tensor<T> part = selected(input);
    this->output.resize(part.sizes());
    this->output.copy(part);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    checkSameSize("Select", this->output, gradOutput);
    this->gradInput.resize(input.sizes());
    this->gradInput.zero();
    selected(this->gradInput).copy(gradOutput);
    return this->gradInput;
  }

  template <class V>
  void fields(V& v) {
    v.option("dimension", dimension);
    v.option("index", index);
  }

 private:
  Tensor<T> selected(const Tensor<T>& t) const {
    if (t.dim() < 2)
      t7::detail::fail<SizeError>("Select: expected an input of at least 2 dimensions, got ", describe(t));
    const int d = t7::detail::normalizeDim(dimension, t.dim(), "Select");
    const index_t i = index < 0 ? index + t.size(d) : index;
    if (i < 0 || i >= t.size(d))
      t7::detail::fail<IndexError>("Select: index ", index, " out of range for dimension ", d, " of input [",
                                   t.sizes().toString(), "]");
    return t.select(d, i);
  }
};
Select(int, index_t)->Select<float>;
static_assert(Module<Select<float>>);

// ---- Transpose ----------------------------------------------------------------------------

/// A copy of the input with dimensions swapped pair after pair: `Transpose({{0, 3}, {0, 2}})`
/// swaps 0 and 3, then 0 and 2 (Torch7's `nn.Transpose({1, 4}, {1, 3})`). With
/// setNumInputDims(n), non-negative dimensions are shifted past the leading batch dimensions
/// of inputs with more than n dimensions; negative ones count from the end.
template <Element T = float>
class Transpose : public ModuleBase<Transpose<T>, T> {
 public:
  static constexpr const char* torchType = "nn.Transpose";

  std::vector<std::pair<int, int>> permutations;
  int numInputDims = -1;  // -1: not set

  /// An empty Transpose (for deserialization and type conversion).
  Transpose() = default;
  explicit Transpose(std::vector<std::pair<int, int>> pairs) : permutations(std::move(pairs)) {}

  Transpose& setNumInputDims(int n) {
    if (n < -1) t7::detail::fail<ValueError>("Transpose: numInputDims must be >= 0 (or -1: none), got ", n);
    numInputDims = n;
    return *this;
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    Tensor<T> t = input;
    for (const auto& [a, b] : permutations) t = t.transpose(dim(a, input), dim(b, input));
    this->output.resize(t.sizes());
    this->output.copy(t);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    checkSameSize("Transpose", this->output, gradOutput);
    Tensor<T> g = gradOutput;
    for (auto it = permutations.rbegin(); it != permutations.rend(); ++it)
      g = g.transpose(dim(it->first, input), dim(it->second, input));
    this->gradInput.resize(g.sizes());
    this->gradInput.copy(g);
    return this->gradInput;
  }

  template <class V>
  void fields(V& v) {
    v.option("permutations", permutations);
    v.option("numInputDims", numInputDims);
  }

 private:
  int dim(int d, const Tensor<T>& input) const {
    int offset = 0;
    if (numInputDims >= 0 && d >= 0) {
      offset = input.dim() - numInputDims;
      if (offset < 0)
        t7::detail::fail<SizeError>("Transpose: input ", describe(input), " has fewer than numInputDims = ",
                                    numInputDims, " dimensions");
    }
    return t7::detail::normalizeDim(d + offset, input.dim(), "Transpose");
  }
};
Transpose(std::vector<std::pair<int, int>>)->Transpose<float>;
static_assert(Module<Transpose<float>>);

// ---- Squeeze ------------------------------------------------------------------------------

/// The input without its size-1 dimensions (all of them, or only `dim` when given); with
/// setNumInputDims(n), inputs of n + 1 dimensions are batches: a non-negative dim is shifted
/// past the batch dimension, and a batch of size 1 keeps its batch dimension. A view of the
/// input.
template <Element T = float>
class Squeeze : public ModuleBase<Squeeze<T>, T> {
 public:
  static constexpr const char* torchType = "nn.Squeeze";

  std::optional<int> dim;  // unset: every size-1 dimension
  int numInputDims = -1;   // -1: not set
  Tensor<T> _gradOutput;   // a copy of a gradOutput no view can show

  /// Torch7's `nn.Squeeze()`: squeezes every size-1 dimension.
  Squeeze() = default;
  /// Torch7's `nn.Squeeze(dim [, numInputDims])`.
  explicit Squeeze(int d, int nInputDims = -1) : dim(d) { setNumInputDims(nInputDims); }

  Squeeze& setNumInputDims(int n) {
    if (n < -1) t7::detail::fail<ValueError>("Squeeze: numInputDims must be >= 0 (or -1: none), got ", n);
    numInputDims = n;
    return *this;
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    std::optional<int> d = dim;
    bool addOne = false;
    if (numInputDims >= 0 && input.dim() == numInputDims + 1) {
      if (d) {
        if (*d >= 0) *d += 1;
      } else if (input.size(0) == 1) {
        addOne = true;  // a batch of one sample keeps its batch dimension
      }
    }
    Tensor<T> out = d ? input.squeeze(t7::detail::normalizeDim(*d, input.dim(), "Squeeze")) : input.squeeze();
    this->output = addOne ? out.unsqueeze(0) : out;
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    checkSameSize("Squeeze", this->output, gradOutput);
    this->gradInput = detail::viewOrCopy(gradOutput, input.sizes(), _gradOutput);
    return this->gradInput;
  }

  template <class V>
  void fields(V& v) {
    v.option("dim", dim);
    v.option("numInputDims", numInputDims);
    v.buffer("_gradOutput", _gradOutput);
  }
};
Squeeze()->Squeeze<float>;
Squeeze(int)->Squeeze<float>;
Squeeze(int, int)->Squeeze<float>;
static_assert(Module<Squeeze<float>>);

// ---- Unsqueeze ----------------------------------------------------------------------------

/// The input with a size-1 dimension inserted at `pos` (0 <= pos <= n, where n is the input's
/// rank or numInputDims; negative counts from the end, -1 appends). With numInputDims, the
/// position is counted after the leading batch dimensions. A view of the input.
template <Element T = float>
class Unsqueeze : public ModuleBase<Unsqueeze<T>, T> {
 public:
  static constexpr const char* torchType = "nn.Unsqueeze";

  int pos = 0;
  int numInputDims = -1;  // -1: not set

  /// An empty Unsqueeze (for deserialization and type conversion).
  Unsqueeze() = default;
  /// Torch7's `nn.Unsqueeze(pos [, numInputDims])`, pos 0-based.
  explicit Unsqueeze(int position, int nInputDims = -1) : pos(position) { setNumInputDims(nInputDims); }

  Unsqueeze& setNumInputDims(int n) {
    if (n < -1) t7::detail::fail<ValueError>("Unsqueeze: numInputDims must be >= 0 (or -1: none), got ", n);
    numInputDims = n;
    return *this;
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    this->output = input.unsqueeze(position(input));
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    checkSameSize("Unsqueeze", this->output, gradOutput);
    this->gradInput = gradOutput.squeeze(position(input));
    return this->gradInput;
  }

  template <class V>
  void fields(V& v) {
    v.option("pos", pos);
    v.option("numInputDims", numInputDims);
  }

  /// "nn.Unsqueeze(dim 0)" (0-based).
  std::string toString() const { return "nn.Unsqueeze(dim " + std::to_string(pos) + ")"; }

 private:
  int position(const Tensor<T>& input) const {
    if (input.dim() == 0) t7::detail::fail<SizeError>("Unsqueeze: expected a non-empty input, got []");
    const int nd = numInputDims >= 0 ? numInputDims : input.dim();
    const int offset = input.dim() - nd;
    if (offset < 0)
      t7::detail::fail<SizeError>("Unsqueeze: input ", describe(input), " has fewer than numInputDims = ", nd,
                                  " dimensions");
    const int p = pos < 0 ? pos + nd + 1 : pos;
    if (p < 0 || p > nd)
      t7::detail::fail<IndexError>("Unsqueeze: position ", pos, " out of range [0, ", nd, "] for input ",
                                   describe(input));
    return offset + p;
  }
};
Unsqueeze(int)->Unsqueeze<float>;
Unsqueeze(int, int)->Unsqueeze<float>;
static_assert(Module<Unsqueeze<float>>);

// ---- Replicate ----------------------------------------------------------------------------

/// The input repeated `nfeatures` times along a new dimension `dim` (stride 0: no copy, the
/// output aliases the input). With `ndim` (the number of non-batch dimensions), inputs with
/// more dimensions are batches and `dim` is shifted past the batch dimension. gradInput sums
/// gradOutput over the new dimension.
template <Element T = float>
class Replicate : public ModuleBase<Replicate<T>, T> {
 public:
  static constexpr const char* torchType = "nn.Replicate";

  index_t nfeatures = 1;
  int dim = 0;
  int ndim = -1;  // -1: not set

  /// An empty Replicate (for deserialization and type conversion).
  Replicate() = default;
  /// Torch7's `nn.Replicate(nFeature [, dim, ndim])`, dim 0-based.
  explicit Replicate(index_t nFeature, int d = 0, int nDim = -1) : nfeatures(nFeature), dim(d), ndim(nDim) {
    if (nFeature < 0) t7::detail::fail<ValueError>("Replicate: nFeature must be >= 0, got ", nFeature);
    if (d < 0) t7::detail::fail<ValueError>("Replicate: dim must be >= 0, got ", d);
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const int r = replicatedDim(input);
    Shape s = input.sizes();
    s.insert(r, nfeatures);
    this->output = input.unsqueeze(r).expand(s);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    checkSameSize("Replicate", this->output, gradOutput);
    const int r = replicatedDim(input);
    this->gradInput.resize(input.sizes());
    Tensor<T> kept = this->gradInput.unsqueeze(r);
    sum(kept, gradOutput, r);
    return this->gradInput;
  }

  template <class V>
  void fields(V& v) {
    v.option("nfeatures", nfeatures);
    v.option("dim", dim);
    v.option("ndim", ndim);
  }

 private:
  int replicatedDim(const Tensor<T>& input) const {
    if (input.dim() == 0) t7::detail::fail<SizeError>("Replicate: expected a non-empty input, got []");
    const int r = dim + (ndim >= 0 && input.dim() > ndim ? 1 : 0);
    if (r > input.dim())
      t7::detail::fail<SizeError>("Replicate: not enough input dimensions to replicate along dimension ", r,
                                  " (input ", describe(input), ")");
    return r;
  }
};
Replicate(index_t)->Replicate<float>;
Replicate(index_t, int)->Replicate<float>;
Replicate(index_t, int, int)->Replicate<float>;
static_assert(Module<Replicate<float>>);

// ---- Copy ---------------------------------------------------------------------------------

/// output = a copy of the input, gradInput = a copy of gradOutput (Torch7's nn.Copy with the
/// same input and output type and forceCopy; element-type conversion is the module's
/// `type<U>()`, not a layer).
template <Element T = float>
class Copy : public ModuleBase<Copy<T>, T> {
 public:
  static constexpr const char* torchType = "nn.Copy";
  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    this->output.resize(input.sizes());
    this->output.copy(input);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>&, const Tensor<T>& gradOutput) {
    checkSameSize("Copy", this->output, gradOutput);
    this->gradInput.resize(gradOutput.sizes());
    this->gradInput.copy(gradOutput);
    return this->gradInput;
  }
};
Copy()->Copy<float>;
static_assert(Module<Copy<float>>);

// ---- Padding ------------------------------------------------------------------------------

/// Adds |pad| entries of `value` along `dim`: after the input (pad > 0) or before it
/// (pad < 0), `index` entries in from that end (0: at the end itself). With `nInputDim`,
/// an input of another rank is a batch and a non-negative dim is shifted by one (Torch7's
/// rule); negative dims count from the end.
template <Element T = float>
class Padding : public ModuleBase<Padding<T>, T> {
 public:
  static constexpr const char* torchType = "nn.Padding";

  int dim = 0;
  index_t pad = 0;
  int nInputDim = -1;  // -1: not set
  double value = 0;
  index_t index = 0;

  /// An empty Padding (for deserialization and type conversion).
  Padding() = default;
  /// Torch7's `nn.Padding(dim, pad [, nInputDim, value, index])`, dim and index 0-based.
  Padding(int d, index_t p, int nInputDims = -1, double v = 0, index_t i = 0)
      : dim(d), pad(p), nInputDim(nInputDims), value(v), index(i) {
    if (i < 0) t7::detail::fail<ValueError>("Padding: index must be >= 0, got ", i);
  }

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    const auto [d, at] = where(input);
    const index_t n = input.size(d), p = pad < 0 ? -pad : pad;
    Shape s = input.sizes();
    s[d] += p;
    this->output.resize(s);
    this->output.fill(static_cast<T>(value));
    if (at > 0) this->output.narrow(d, 0, at).copy(input.narrow(d, 0, at));
    if (n > at) this->output.narrow(d, at + p, n - at).copy(input.narrow(d, at, n - at));
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Tensor<T>& gradOutput) {
    checkSameSize("Padding", this->output, gradOutput);
    const auto [d, at] = where(input);
    const index_t n = input.size(d), p = pad < 0 ? -pad : pad;
    this->gradInput.resize(input.sizes());
    if (at > 0) this->gradInput.narrow(d, 0, at).copy(gradOutput.narrow(d, 0, at));
    if (n > at) this->gradInput.narrow(d, at, n - at).copy(gradOutput.narrow(d, at + p, n - at));
    return this->gradInput;
  }

  template <class V>
  void fields(V& v) {
    v.option("dim", dim);
    v.option("pad", pad);
    v.option("nInputDim", nInputDim);
    v.option("value", value);
    v.option("index", index);
  }

 private:
  /// The padded dimension and how many input entries come before the padding.
  std::pair<int, index_t> where(const Tensor<T>& input) const {
    const int shifted = dim >= 0 && nInputDim >= 0 && input.dim() != nInputDim ? dim + 1 : dim;
    const int d = t7::detail::normalizeDim(shifted, input.dim(), "Padding");
    const index_t n = input.size(d);
    if (index > n)
      t7::detail::fail<IndexError>("Padding: index ", index, " out of range [0, ", n, "] for dimension ", d,
                                   " of input ", describe(input));
    return {d, pad < 0 ? index : n - index};
  }
};
Padding(int, index_t)->Padding<float>;
Padding(int, index_t, int)->Padding<float>;
Padding(int, index_t, int, double)->Padding<float>;
Padding(int, index_t, int, double, index_t)->Padding<float>;
static_assert(Module<Padding<float>>);

// ---- Contiguous ---------------------------------------------------------------------------

/// The input itself when contiguous, else a contiguous copy; the same for gradOutput.
template <Element T = float>
class Contiguous : public ModuleBase<Contiguous<T>, T> {
 public:
  static constexpr const char* torchType = "nn.Contiguous";

  Tensor<T> _output, _gradInput;  // the module's own copies (never the caller's tensors)

  const Tensor<T>& updateOutput(const Tensor<T>& input) {
    this->output = contiguousOf(input, _output);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>&, const Tensor<T>& gradOutput) {
    checkSameSize("Contiguous", this->output, gradOutput);
    this->gradInput = contiguousOf(gradOutput, _gradInput);
    return this->gradInput;
  }

  template <class V>
  void fields(V& v) {
    v.buffer("_output", _output);
    v.buffer("_gradInput", _gradInput);
  }

 private:
  static Tensor<T> contiguousOf(const Tensor<T>& t, Tensor<T>& buffer) {
    if (t.isContiguous()) return t;
    if (!buffer.isSize(t.sizes())) buffer.resize(t.sizes());
    buffer.copy(t);
    return buffer;
  }
};
Contiguous()->Contiguous<float>;
static_assert(Module<Contiguous<float>>);

}  // namespace t7::nn
