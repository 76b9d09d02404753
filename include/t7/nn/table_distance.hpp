#pragma once
/// \file table_distance.hpp
/// Table layers that compare two tensors or mix experts (Torch7's PairwiseDistance,
/// DotProduct, CosineDistance, MixtureTable).
///
/// ```cpp
/// nn::CosineDistance<float> cos;
/// const FloatTensor& c = cos.forward({a, b});   // a, b [n x d] -> [n]; [d] -> [1]
/// ```

#include <cmath>
#include <optional>
#include <string>

#include "t7/expr.hpp"
#include "t7/kernels/table.hpp"
#include "t7/math/detail/dim_apply.hpp"
#include "t7/nn/module.hpp"
#include "t7/nn/table_utils.hpp"

namespace t7::nn {

namespace detail {

/// The two tensors of a {x1, x2} input: same sizes, [d] or [n x d]. Throws naming `op`.
template <Element T>
std::pair<const Tensor<T>&, const Tensor<T>&> tensorPair(const Table<T>& input, const char* op) {
  if (input.size() != 2)
    t7::detail::fail<SizeError>(op, ": expected a table of two tensors {[d], [d]} or {[n x d], [n x d]}, got ",
                                describe(input));
  const Tensor<T>& a = tableEntryTensor(input, 0, op);
  const Tensor<T>& b = tableEntryTensor(input, 1, op);
  if (!a.isSameSizeAs(b) || (a.dim() != 1 && a.dim() != 2))
    t7::detail::fail<SizeError>(op, ": expected two tensors of one size, [d] or [n x d], got ", describe(input));
  return {a, b};
}

/// A [d] sample as a [1 x d] batch (a view); a batch as it is.
template <Element T>
Tensor<T> pairAsBatch(const Tensor<T>& x) {
  return x.dim() == 1 ? x.unsqueeze(0) : x;
}

}  // namespace detail

/// The p-norm distance between the two tensors of the input (Torch7's
/// nn.PairwiseDistance(p)): {[d], [d]} -> [1], {[n x d], [n x d]} -> [n]. As Torch7, the
/// gradient divides by (distance + 1e-6)^(p-1); p = 1 uses sign(x1 - x2). Torch7 left out
/// the |x1 - x2|^(p-2) factor for 1 < p < 2 (a wrong gradient there); t7 has it, with 0 where
/// x1 = x2, and uses sign 0 (not a random sign) where x1 = x2 for p = 1.
template <Element T = float>
class PairwiseDistance : public ModuleBase<PairwiseDistance<T>, T, Table<T>, Tensor<T>> {
 public:
  static constexpr const char* torchType = "nn.PairwiseDistance";
  double norm = 2;
  Tensor<T> outExpand;  // per-sample factor of the gradient

  PairwiseDistance() = default;
  explicit PairwiseDistance(double p) : norm(p) {
    if (!(p > 0) || !std::isfinite(p))
      t7::detail::fail<ValueError>("PairwiseDistance: p must be a positive finite number, got ", p);
  }

  const Tensor<T>& updateOutput(const Table<T>& input) {
    const auto [x1, x2] = detail::tensorPair(input, "PairwiseDistance");
    const Tensor<T> a = detail::pairAsBatch(x1), b = detail::pairAsBatch(x2);
    this->output.resize(a.size(0));
    this->output.zero();
    kernels::accumulatePairs(this->output.unsqueeze(1).expand(a.sizes()), a, b, kernels::PairPowDiff{norm});
    if (norm == 2) {
      this->output = sqrt(this->output);
    } else if (norm != 1) {
      this->output = pow(this->output, static_cast<T>(1 / norm));
    }
    return this->output;
  }
  const Table<T>& updateGradInput(const Table<T>& input, const Tensor<T>& gradOutput) {
    const auto [x1, x2] = detail::tensorPair(input, "PairwiseDistance");
    checkSameSize("PairwiseDistance", this->output, gradOutput);
    const Tensor<T> a = detail::pairAsBatch(x1), b = detail::pairAsBatch(x2);
    const Tensor<T> g = gradOutput.unsqueeze(1);  // [n x 1]
    this->gradInput.resize(2);
    Tensor<T>& g1 = utils::ownTensor(this->gradInput, 0, gradOutput);
    g1.resize(x1.sizes());
    Tensor<T> v1 = detail::pairAsBatch(g1);
    if (norm == 1) {
      v1 = sign(a - b) * g;
    } else {
      outExpand.resize(a.size(0), 1);
      outExpand = g * pow(this->output.unsqueeze(1) + T(1e-6), static_cast<T>(1 - norm));
      if (norm == 2) {
        v1 = (a - b) * outExpand;
      } else {
        v1 = where(ne(a, b), (a - b) * pow(abs(a - b), static_cast<T>(norm - 2)), T(0)) * outExpand;
      }
    }
    Tensor<T>& g2 = utils::ownTensor(this->gradInput, 1, gradOutput);
    g2.resize(x2.sizes());
    Tensor<T> v2 = detail::pairAsBatch(g2);
    v2 = -v1;
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.option("norm", norm);
    v.buffer("outExpand", outExpand);
  }
};
PairwiseDistance(double)->PairwiseDistance<float>;
static_assert(Module<PairwiseDistance<float>>);

/// The dot product of the two tensors of the input (Torch7's nn.DotProduct):
/// {[d], [d]} -> [1], {[n x d], [n x d]} -> [n].
template <Element T = float>
class DotProduct : public ModuleBase<DotProduct<T>, T, Table<T>, Tensor<T>> {
 public:
  static constexpr const char* torchType = "nn.DotProduct";

  const Tensor<T>& updateOutput(const Table<T>& input) {
    const auto [x1, x2] = detail::tensorPair(input, "DotProduct");
    const Tensor<T> a = detail::pairAsBatch(x1), b = detail::pairAsBatch(x2);
    this->output.resize(a.size(0));
    this->output.zero();
    kernels::accumulatePairs(this->output.unsqueeze(1).expand(a.sizes()), a, b, kernels::PairProduct{});
    return this->output;
  }
  const Table<T>& updateGradInput(const Table<T>& input, const Tensor<T>& gradOutput) {
    const auto [x1, x2] = detail::tensorPair(input, "DotProduct");
    checkSameSize("DotProduct", this->output, gradOutput);
    const Tensor<T> g = gradOutput.unsqueeze(1);
    this->gradInput.resize(2);
    Tensor<T>& g1 = utils::ownTensor(this->gradInput, 0, gradOutput);
    g1.resize(x1.sizes());
    Tensor<T> v1 = detail::pairAsBatch(g1);
    v1 = detail::pairAsBatch(x2) * g;
    Tensor<T>& g2 = utils::ownTensor(this->gradInput, 1, gradOutput);
    g2.resize(x2.sizes());
    Tensor<T> v2 = detail::pairAsBatch(g2);
    v2 = detail::pairAsBatch(x1) * g;
    return this->gradInput;
  }
};
DotProduct()->DotProduct<float>;
static_assert(Module<DotProduct<float>>);

/// The cosine similarity of the two tensors of the input (Torch7's nn.CosineDistance):
/// x1.x2 / sqrt((|x1|^2 + 1e-12)(|x2|^2 + 1e-12)); {[d], [d]} -> [1], {[n x d], [n x d]} -> [n].
/// Keeps Torch7's per-sample buffers: w1 = x1.x2, w22 = 1/(|x1|^2+eps), w32 = 1/(|x2|^2+eps),
/// w = sqrt(w22 w32), each [n x 1].
template <Element T = float>
class CosineDistance : public ModuleBase<CosineDistance<T>, T, Table<T>, Tensor<T>> {
 public:
  static constexpr const char* torchType = "nn.CosineDistance";
  Tensor<T> w1, w22, w32, w;

  const Tensor<T>& updateOutput(const Table<T>& input) {
    const auto [x1, x2] = detail::tensorPair(input, "CosineDistance");
    const Tensor<T> a = detail::pairAsBatch(x1), b = detail::pairAsBatch(x2);
    const index_t n = a.size(0);
    const T eps = static_cast<T>(1e-12);
    for (Tensor<T>* t : {&w1, &w22, &w32, &w}) {
      t->resize(n, 1);
      t->zero();
    }
    kernels::accumulatePairs(w1.expand(a.sizes()), a, b, kernels::PairProduct{});
    kernels::accumulatePairs(w22.expand(a.sizes()), a, a, kernels::PairProduct{});
    kernels::accumulatePairs(w32.expand(a.sizes()), b, b, kernels::PairProduct{});
    w22 = T(1) / (w22 + eps);
    w32 = T(1) / (w32 + eps);
    w = sqrt(w22 * w32);
    this->output.resize(n);
    Tensor<T> out = this->output.unsqueeze(1);
    out = w1 * w;
    return this->output;
  }
  /// d/dx1 = (x2 - w1 w22 x1) w g;  d/dx2 = (x1 - w1 w32 x2) w g.
  const Table<T>& updateGradInput(const Table<T>& input, const Tensor<T>& gradOutput) {
    const auto [x1, x2] = detail::tensorPair(input, "CosineDistance");
    checkSameSize("CosineDistance", this->output, gradOutput);
    const Tensor<T> a = detail::pairAsBatch(x1), b = detail::pairAsBatch(x2);
    const Tensor<T> g = gradOutput.unsqueeze(1);
    this->gradInput.resize(2);
    Tensor<T>& g1 = utils::ownTensor(this->gradInput, 0, gradOutput);
    g1.resize(x1.sizes());
    Tensor<T> v1 = detail::pairAsBatch(g1);
    v1 = (b - w1 * w22 * a) * w * g;
    Tensor<T>& g2 = utils::ownTensor(this->gradInput, 1, gradOutput);
    g2.resize(x2.sizes());
    Tensor<T> v2 = detail::pairAsBatch(g2);
    v2 = (a - w1 * w32 * b) * w * g;
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.buffer("w1", w1);
    v.buffer("w22", w22);
    v.buffer("w32", w32);
    v.buffer("w", w);
  }
};
CosineDistance()->CosineDistance<float>;
static_assert(Module<CosineDistance<float>>);

/// A mixture of experts weighted by a gater (Torch7's nn.MixtureTable(dim)). The input is
/// {gater, experts}: the gater is [n] (one sample) or [b x n] (a batch) and the experts are
/// either a table of n tensors of one size (a batch: [b x ...]), or one tensor holding the n
/// experts along `dim`. output = sum_i gater[i] * expert_i.
/// `dim` (0-based) defaults to 1 for a batch and 0 for one sample, as Torch7's nil; in the
/// table form it only has to name a valid non-batch dimension of the stacked experts.
template <Element T = float>
class MixtureTable : public ModuleBase<MixtureTable<T>, T, Table<T>, Tensor<T>> {
 public:
  static constexpr const char* torchType = "nn.MixtureTable";
  std::optional<int> dim;

  MixtureTable() = default;
  explicit MixtureTable(int dim) : dim(dim) {}

  const Tensor<T>& updateOutput(const Table<T>& input) {
    const Layout L = layout(input);
    const Tensor<T>& gater = input[0].tensor();
    if (L.table) {
      const Table<T>& experts = input[1].table();
      const Tensor<T>& e0 = experts[0].tensor();
      this->output.resize(e0.sizes());
      this->output = e0 * gate(gater, L, e0.sizes(), 0);
      for (std::size_t i = 1; i < experts.size(); ++i)
        this->output.addcmul(T(1), experts[i].tensor(), gate(gater, L, e0.sizes(), static_cast<index_t>(i)));
    } else {
      const Tensor<T>& experts = input[1].tensor();
      this->output.resize(experts.select(L.d, 0).sizes());
      this->output.zero();
      kernels::accumulatePairs(this->output.unsqueeze(L.d).expand(experts.sizes()), experts,
                               gate(gater, L, experts.sizes(), 0), kernels::PairProduct{});
    }
    return this->output;
  }
  const Table<T>& updateGradInput(const Table<T>& input, const Tensor<T>& gradOutput) {
    const Layout L = layout(input);
    checkSameSize("MixtureTable", this->output, gradOutput);
    const Tensor<T>& gater = input[0].tensor();
    this->gradInput.resize(2);
    Tensor<T>& gGater = utils::ownTensor(this->gradInput, 0, gradOutput);
    gGater.resize(gater.sizes());
    gGater.zero();
    if (L.table) {
      const Table<T>& experts = input[1].table();
      Table<T>& gExperts = utils::tableIn(this->gradInput[1]);
      gExperts.resize(experts.size());
      for (std::size_t i = 0; i < experts.size(); ++i) {
        const Tensor<T>& e = experts[i].tensor();
        const auto k = static_cast<index_t>(i);
        Tensor<T>& ge = utils::ownTensor(gExperts, i, gradOutput);
        ge.resize(e.sizes());
        ge = gate(gater, L, e.sizes(), k) * gradOutput;
        kernels::accumulatePairs(gate(gGater, L, e.sizes(), k), gradOutput, e, kernels::PairProduct{});
      }
    } else {
      const Tensor<T>& experts = input[1].tensor();
      const Tensor<T> go = gradOutput.unsqueeze(L.d).expand(experts.sizes());
      Tensor<T>& ge = utils::tensorIn(this->gradInput[1]);
      if (ge.storage().isSameAs(gradOutput.storage())) ge = Tensor<T>();
      ge.resize(experts.sizes());
      ge = gate(gater, L, experts.sizes(), 0) * go;
      kernels::accumulatePairs(gate(gGater, L, experts.sizes(), 0), go, experts, kernels::PairProduct{});
    }
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.option("dim", dim);
  }

 private:
  struct Layout {
    bool batch;  // the gater is [b x n]
    bool table;  // the experts are a table
    int d;       // the experts' dimension
  };

  /// Checks the input and works out its form.
  Layout layout(const Table<T>& input) const {
    const char* op = "MixtureTable";
    if (input.size() != 2) t7::detail::fail<SizeError>(op, ": expected {gater, experts}, got ", describe(input));
    const Tensor<T>& g = detail::tableEntryTensor(input, 0, op);
    if (g.dim() != 1 && g.dim() != 2)
      t7::detail::fail<SizeError>(op, ": the gater must be [n] or [b x n], got [", g.sizes().toString(), "]");
    Layout L{g.dim() == 2, input[1].isTable(), 0};
    const index_t n = g.size(g.dim() - 1);
    const int d0 = dim ? *dim : (L.batch ? 1 : 0);
    if (L.table) {
      const Table<T>& experts = input[1].table();
      if (static_cast<index_t>(experts.size()) != n)
        t7::detail::fail<SizeError>(op, ": the gater [", g.sizes().toString(), "] has ", n, " outputs but there are ",
                                    experts.size(), " experts");
      const Tensor<T>& e0 = detail::sameSizeTensors(experts, 1, true, op);
      if (e0.dim() == 0) t7::detail::fail<SizeError>(op, ": the experts are empty tensors (no dimension)");
      L.d = t7::detail::normalizeDim(d0, e0.dim() + 1, op);
      if (L.batch && (e0.size(0) != g.size(0) || L.d == 0))
        t7::detail::fail<SizeError>(op, ": a batch gater [", g.sizes().toString(), "] needs experts [", g.size(0),
                                    " x ...] and dim > 0, got [", e0.sizes().toString(), "], dim ", L.d);
    } else {
      const Tensor<T>& e = input[1].tensor();
      if (e.dim() < 2)
        t7::detail::fail<SizeError>(op, ": the experts tensor must have 2 or more dimensions, got [",
                                    e.sizes().toString(), "]");
      L.d = t7::detail::normalizeDim(d0, e.dim(), op);
      if (e.size(L.d) != n || (L.batch && (L.d == 0 || e.size(0) != g.size(0))))
        t7::detail::fail<SizeError>(op, ": the gater [", g.sizes().toString(), "] does not match the experts [",
                                    e.sizes().toString(), "] along dimension ", L.d,
                                    L.batch ? " (and the batch along 0)" : "");
    }
    return L;
  }

  /// The gater's weight of expert k (table form) or of every expert along d (tensor form),
  /// as a view of `g` (the gater or its gradient) with sizes `sizes`, stride 0 elsewhere.
  static Tensor<T> gate(const Tensor<T>& g, const Layout& L, const Shape& sizes, index_t k) {
    Strides strides = Shape::filled(sizes.size(), 0);
    if (L.batch) strides[0] = g.stride(0);
    const index_t along = g.stride(g.dim() - 1);
    index_t offset = g.storageOffset();
    if (L.table) {
      offset += k * along;
    } else {
      strides[L.d] = along;
    }
    return Tensor<T>(g.storage(), offset, sizes, strides);
  }
};
MixtureTable(int)->MixtureTable<float>;
static_assert(Module<MixtureTable<float>>);

}  // namespace t7::nn
