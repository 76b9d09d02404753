#pragma once
/// \file table.hpp
/// Torch7's table layers: modules whose input or output is a table (nn::Table, a list of
/// tensors or tables). This header has the structural ones (JoinTable, SplitTable,
/// SelectTable, NarrowTable, FlattenTable) and includes the elementwise ones
/// (table_ops.hpp: CAddTable, CSubTable, CMulTable, CDivTable, CMaxTable, CMinTable) and the
/// comparing ones (table_distance.hpp: PairwiseDistance, DotProduct, CosineDistance,
/// MixtureTable).
///
/// ```cpp
/// nn::SplitTable<float> split(0, 1);      // [n x d] -> {[d], [d], ...} (a batch: along dim 1)
/// nn::JoinTable<float> join(0, 1);        // the inverse
/// nn::SelectTable<float> second(1);       // {a, b, c} -> b;  SelectTable(-1): the last
/// ```
/// Dimensions and indices are 0-based; negative ones count from the end.

#include <optional>
#include <string>
#include <vector>

#include "t7/math/detail/dim_apply.hpp"
#include "t7/nn/module.hpp"
#include "t7/nn/table_distance.hpp"
#include "t7/nn/table_ops.hpp"
#include "t7/nn/table_utils.hpp"

namespace t7::nn {

namespace detail {

/// The dimension a JoinTable/SplitTable works on for an input of rank `rank`: `dimension`
/// shifted by one when `nInputDims` is set and the input has one more dimension (a batch),
/// negative counting from the end (then nInputDims is not used, as in Torch7).
inline int tableDimension(int dimension, const std::optional<int>& nInputDims, int rank, const char* op) {
  int d = dimension;
  if (d >= 0 && nInputDims && rank == *nInputDims + 1) ++d;
  return t7::detail::normalizeDim(d, rank, op);
}

}  // namespace detail

/// Concatenates a table of tensors along `dimension` (Torch7's nn.JoinTable(dimension,
/// nInputDims)). With `nInputDims`, inputs of nInputDims + 1 dimensions are a batch and join
/// along dimension + 1. The tensors must have the same sizes except along that dimension.
template <Element T = float>
class JoinTable : public ModuleBase<JoinTable<T>, T, Table<T>, Tensor<T>> {
 public:
  static constexpr const char* torchType = "nn.JoinTable";
  int dimension = 0;
  std::optional<int> nInputDims;

  JoinTable() = default;
  explicit JoinTable(int dimension, std::optional<int> nInputDims = std::nullopt)
      : dimension(dimension), nInputDims(nInputDims) {}

  const Tensor<T>& updateOutput(const Table<T>& input) {
    const int d = dimOf(input);
    Shape size = input[0].tensor().sizes();
    for (std::size_t i = 1; i < input.size(); ++i) size[d] += input[i].tensor().size(d);
    detail::detachFromTable(this->output, input);
    this->output.resize(size);
    index_t offset = 0;
    for (const auto& a : input) {
      const Tensor<T>& x = a.tensor();
      if (x.size(d) > 0) this->output.narrow(d, offset, x.size(d)).copy(x);
      offset += x.size(d);
    }
    return this->output;
  }
  const Table<T>& updateGradInput(const Table<T>& input, const Tensor<T>& gradOutput) {
    const int d = dimOf(input);
    checkSameSize("JoinTable", this->output, gradOutput);
    this->gradInput.resize(input.size());
    index_t offset = 0;
    for (std::size_t i = 0; i < input.size(); ++i) {
      const Tensor<T>& x = input[i].tensor();
      Tensor<T>& g = utils::ownTensor(this->gradInput, i, gradOutput);
      g.resize(x.sizes());
      if (x.size(d) > 0) g.copy(gradOutput.narrow(d, offset, x.size(d)));
      offset += x.size(d);
    }
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.option("dimension", dimension);
    v.option("nInputDims", nInputDims);
  }

 private:
  /// Checks the table (tensors of one rank, equal sizes but along the dimension); returns the dimension.
  int dimOf(const Table<T>& input) const {
    if (input.empty()) t7::detail::fail<ValueError>("JoinTable: the input table is empty");
    const Tensor<T>& x0 = detail::tableEntryTensor(input, 0, "JoinTable");
    if (x0.dim() == 0) t7::detail::fail<SizeError>("JoinTable: input 0 is an empty tensor (no dimension)");
    const int d = detail::tableDimension(dimension, nInputDims, x0.dim(), "JoinTable");
    for (std::size_t i = 1; i < input.size(); ++i) {
      const Tensor<T>& x = detail::tableEntryTensor(input, i, "JoinTable");
      if (x.dim() != x0.dim())
        t7::detail::fail<SizeError>("JoinTable: input ", i, " is [", x.sizes().toString(), "] but input 0 is [",
                                    x0.sizes().toString(), "]: they have different numbers of dimensions");
      for (int k = 0; k < x.dim(); ++k)
        if (k != d && x.size(k) != x0.size(k))
          t7::detail::fail<SizeError>("JoinTable: input ", i, " is [", x.sizes().toString(), "] but input 0 is [",
                                      x0.sizes().toString(), "]: they differ in dimension ", k,
                                      " (joining along dimension ", d, ")");
    }
    return d;
  }
};
JoinTable(int)->JoinTable<float>;
JoinTable(int, int)->JoinTable<float>;
static_assert(Module<JoinTable<float>>);

/// Splits a tensor into the table of its slices along `dimension` (Torch7's
/// nn.SplitTable(dimension, nInputDims)): views, not copies. A 1-D input gives size-1 views
/// (t7 has no 0-D tensors; Torch7 gave numbers).
template <Element T = float>
class SplitTable : public ModuleBase<SplitTable<T>, T, Tensor<T>, Table<T>> {
 public:
  static constexpr const char* torchType = "nn.SplitTable";
  int dimension = 0;
  std::optional<int> nInputDims;

  SplitTable() = default;
  explicit SplitTable(int dimension, std::optional<int> nInputDims = std::nullopt)
      : dimension(dimension), nInputDims(nInputDims) {}

  const Table<T>& updateOutput(const Tensor<T>& input) {
    const int d = dimOf(input);
    const index_t n = input.size(d);
    this->output.resize(static_cast<std::size_t>(n));
    for (index_t i = 0; i < n; ++i) this->output[static_cast<std::size_t>(i)] = slice(input, d, i);
    return this->output;
  }
  const Tensor<T>& updateGradInput(const Tensor<T>& input, const Table<T>& gradOutput) {
    const int d = dimOf(input);
    const index_t n = input.size(d);
    if (gradOutput.size() != static_cast<std::size_t>(n))
      t7::detail::fail<SizeError>("SplitTable: gradOutput has ", gradOutput.size(), " entries for ", n,
                                  " slices of the input [", input.sizes().toString(), "]");
    if (this->gradInput.storage().isSameAs(input.storage())) this->gradInput = Tensor<T>();
    this->gradInput.resize(input.sizes());
    for (index_t i = 0; i < n; ++i) {
      const Tensor<T>& g =
          detail::tableEntryTensor(gradOutput, static_cast<std::size_t>(i), "SplitTable", "gradOutput");
      Tensor<T> s = slice(this->gradInput, d, i);
      if (!g.isSameSizeAs(s))
        t7::detail::fail<SizeError>("SplitTable: gradOutput ", i, " is [", g.sizes().toString(), "] but the slice is [",
                                    s.sizes().toString(), "]");
      s.copy(g);
    }
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.option("dimension", dimension);
    v.option("nInputDims", nInputDims);
  }

 private:
  int dimOf(const Tensor<T>& input) const {
    if (input.dim() == 0) t7::detail::fail<SizeError>("SplitTable: the input is an empty tensor (no dimension)");
    return detail::tableDimension(dimension, nInputDims, input.dim(), "SplitTable");
  }
  static Tensor<T> slice(const Tensor<T>& x, int d, index_t i) {
    return x.dim() == 1 ? x.narrow(d, i, 1) : x.select(d, i);
  }
};
SplitTable(int)->SplitTable<float>;
SplitTable(int, int)->SplitTable<float>;
static_assert(Module<SplitTable<float>>);

/// Entry `index` of the input table (Torch7's nn.SelectTable(index)): 0-based, negative
/// counting from the end (-1 is the last). The entry may itself be a table. The gradInput is
/// a zero copy of the input with the gradOutput copied in at `index`.
template <Element T = float>
class SelectTable : public ModuleBase<SelectTable<T>, T, Table<T>, Activity<T>> {
 public:
  static constexpr const char* torchType = "nn.SelectTable";
  index_t index = 0;

  SelectTable() = default;
  explicit SelectTable(index_t index) : index(index) {}

  const Activity<T>& updateOutput(const Table<T>& input) {
    this->output = input[position(input)];
    return this->output;
  }
  const Table<T>& updateGradInput(const Table<T>& input, const Activity<T>& gradOutput) {
    const std::size_t k = position(input);
    if (!utils::sameStructure(gradOutput, input[k]))
      t7::detail::fail<SizeError>("SelectTable: gradOutput ", gradOutput.describe(), " does not match entry ", k,
                                  " of the input, ", input[k].describe());
    this->gradInput.resize(input.size());
    for (std::size_t i = 0; i < input.size(); ++i) {
      if (i == k) continue;
      utils::recursiveResizeAs(this->gradInput[i], input[i]);
      utils::recursiveFill(this->gradInput[i], T(0));
    }
    utils::recursiveCopy(this->gradInput[k], gradOutput);
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.option("index", index);
  }
  /// "nn.SelectTable(1)" (the 0-based index as given).
  std::string toString() const { return std::string(torchType) + "(" + std::to_string(index) + ")"; }

 private:
  std::size_t position(const Table<T>& input) const {
    const auto n = static_cast<index_t>(input.size());
    const index_t k = index < 0 ? index + n : index;
    if (k < 0 || k >= n)
      t7::detail::fail<IndexError>("SelectTable: index ", index, " out of range for a table of ", n, " entries");
    return static_cast<std::size_t>(k);
  }
};
SelectTable(index_t)->SelectTable<float>;
static_assert(Module<SelectTable<float>>);

/// Entries [offset, offset + length) of the input table (Torch7's nn.NarrowTable(offset,
/// length = 1)): 0-based, a negative offset counts from the end. The output shares the
/// input's entries; the gradInput holds the gradOutput's entries in that range and zeros
/// shaped like the other inputs.
template <Element T = float>
class NarrowTable : public ModuleBase<NarrowTable<T>, T, Table<T>, Table<T>> {
 public:
  static constexpr const char* torchType = "nn.NarrowTable";
  index_t offset = 0;
  index_t length = 1;

  NarrowTable() = default;
  explicit NarrowTable(index_t offset, index_t length = 1) : offset(offset), length(length) {
    if (length < 0) t7::detail::fail<ValueError>("NarrowTable: length must be >= 0, got ", length);
  }

  const Table<T>& updateOutput(const Table<T>& input) {
    const std::size_t o = start(input);
    this->output.resize(static_cast<std::size_t>(length));
    for (std::size_t i = 0; i < this->output.size(); ++i) this->output[i] = input[o + i];
    return this->output;
  }
  const Table<T>& updateGradInput(const Table<T>& input, const Table<T>& gradOutput) {
    const std::size_t o = start(input);
    const auto len = static_cast<std::size_t>(length);
    if (gradOutput.size() != len)
      t7::detail::fail<SizeError>("NarrowTable: gradOutput has ", gradOutput.size(), " entries, expected ", len);
    this->gradInput.resize(input.size());
    borrowed_.resize(input.size(), false);
    for (std::size_t i = 0; i < input.size(); ++i) {
      if (i >= o && i < o + len) {
        this->gradInput[i] = gradOutput[i - o];  // shared, as Torch7
        borrowed_[i] = true;
        continue;
      }
      if (borrowed_[i]) {  // held a gradOutput entry last time: never zero someone else's tensor
        this->gradInput[i] = Activity<T>();
        borrowed_[i] = false;
      }
      utils::recursiveResizeAs(this->gradInput[i], input[i]);
      utils::recursiveFill(this->gradInput[i], T(0));
    }
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.option("offset", offset);
    v.option("length", length);
  }

 private:
  std::vector<bool> borrowed_;  // which gradInput entries are gradOutput's

  std::size_t start(const Table<T>& input) const {
    const auto n = static_cast<index_t>(input.size());
    const index_t o = offset < 0 ? offset + n : offset;
    if (o < 0 || o + length > n)
      t7::detail::fail<IndexError>("NarrowTable: entries [", o, ", ", o + length, ") out of range for a table of ", n,
                                   " entries");
    return static_cast<std::size_t>(o);
  }
};
NarrowTable(index_t)->NarrowTable<float>;
NarrowTable(index_t, index_t)->NarrowTable<float>;
static_assert(Module<NarrowTable<float>>);

/// Nested tables to one flat table of their tensors, depth first (Torch7's nn.FlattenTable):
/// `{a, {b, {c}}, d}` -> `{a, b, c, d}`. The output shares the input's tensors; the
/// gradInput has the input's structure, holding the gradOutput's entries.
template <Element T = float>
class FlattenTable : public ModuleBase<FlattenTable<T>, T, Table<T>, Table<T>> {
 public:
  static constexpr const char* torchType = "nn.FlattenTable";

  const Table<T>& updateOutput(const Table<T>& input) {
    this->output.resize(count(input));
    std::size_t k = 0;
    for (const auto& a : input) a.forEachTensor([&](const Tensor<T>& t) { this->output[k++] = t; });
    return this->output;
  }
  const Table<T>& updateGradInput(const Table<T>& input, const Table<T>& gradOutput) {
    const std::size_t n = count(input);
    if (gradOutput.size() != n)
      t7::detail::fail<SizeError>("FlattenTable: gradOutput has ", gradOutput.size(), " entries but the input ",
                                  describe(input), " has ", n, " tensors");
    std::size_t k = 0;
    this->gradInput.resize(input.size());
    for (std::size_t i = 0; i < input.size(); ++i) unflatten(this->gradInput[i], input[i], gradOutput, k);
    return this->gradInput;
  }

 private:
  static std::size_t count(const Table<T>& t) {
    std::size_t n = 0;
    for (const auto& a : t) a.forEachTensor([&](const Tensor<T>&) { ++n; });
    return n;
  }
  static void unflatten(Activity<T>& dst, const Activity<T>& like, const Table<T>& flat, std::size_t& k) {
    if (like.isTensor()) {
      dst = flat[k++];
      return;
    }
    Table<T>& d = utils::tableIn(dst);
    d.resize(like.table().size());
    for (std::size_t i = 0; i < d.size(); ++i) unflatten(d[i], like.table()[i], flat, k);
  }
};
FlattenTable()->FlattenTable<float>;
static_assert(Module<FlattenTable<float>>);

}  // namespace t7::nn
