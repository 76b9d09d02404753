#pragma once
/// \file ops.hpp
/// The operations of Vars that are not elementwise: matrix products (mm, mv, bmm, dot, ger,
/// addmm), reductions (sum, mean, max, min, with or without a dimension), cat, index, gather,
/// softMax / logSoftMax / logSumExp. Each runs t7's own function (or kernel) forward and
/// records a closure with its gradient: "forward + gradient closure".
///
/// Arguments may be Vars, tensors (constants) or autograd expressions (evaluated first).

#include <vector>

#include "t7/autograd/var.hpp"
#include "t7/kernels/softmax.hpp"
#include "t7/math/blas.hpp"
#include "t7/math/index.hpp"
#include "t7/math/shape.hpp"

namespace t7::autograd {

namespace detail {

/// `n.grad += a * b` (matrix product), in place when the gradient is the node's own.
template <class T>
void accumulateMM(Node<T>* n, const Tensor<T>& a, const Tensor<T>& b) {
  if (!n) return;
  if (!n->hasGrad()) return n->accumulate(t7::mm(a, b), true);
  bool into = false;
  Tensor<T>& G = n->ownedGrad(into);
  t7::addmm(G, T(1), G, T(1), a, b);
}

/// `n.grad += a (x) b` (outer product), in place when the gradient is the node's own.
template <class T>
void accumulateGer(Node<T>* n, const Tensor<T>& a, const Tensor<T>& b) {
  if (!n) return;
  if (!n->hasGrad()) return n->accumulate(t7::ger(a, b), true);
  bool into = false;
  Tensor<T>& G = n->ownedGrad(into);
  t7::addr(G, T(1), G, T(1), a, b);
}

/// A one-element tensor (sizes {1}) holding v: what reductions to a number give on the tape.
template <class T, class V>
Tensor<T> scalarTensor(V v) {
  Tensor<T> r(1);
  r.data()[0] = static_cast<T>(v);
  return r;
}

/// A one-element gradient broadcast to `sizes` (a view: nothing is copied).
template <class T>
Tensor<T> broadcastScalar(const Tensor<T>& g, const Shape& sizes) {
  return g.view(Shape::filled(sizes.size(), 1)).expand(sizes);
}

template <class X, class Y>
using pair_value_t = expr_value_t<X, Y>;

}  // namespace detail

// ---- matrix products --------------------------------------------------------------------

/// Matrix product of two 2-D values (Torch7's `torch.mm`; torch-autograd's `*` of matrices).
template <class X, class Y>
  requires TrackedPair<X, Y>
Var<detail::pair_value_t<X, Y>> mm(const X& x, const Y& y) {
  using T = detail::pair_value_t<X, Y>;
  const Var<T> a = detail::toVar<T>(x), b = detail::toVar<T>(y);
  auto *na = a.node(), *nb = b.node();
  return detail::record(t7::mm(a.value(), b.value()), "mm", na || nb,
                        [na, nb, av = a.value(), bv = b.value()](const Tensor<T>& g) {
                          detail::accumulateMM(na, g, bv.t());
                          detail::accumulateMM(nb, av.t(), g);
                        });
}

/// Matrix-vector product (Torch7's `torch.mv`).
template <class X, class Y>
  requires TrackedPair<X, Y>
Var<detail::pair_value_t<X, Y>> mv(const X& x, const Y& y) {
  using T = detail::pair_value_t<X, Y>;
  const Var<T> m = detail::toVar<T>(x), v = detail::toVar<T>(y);
  auto *nm = m.node(), *nv = v.node();
  return detail::record(t7::mv(m.value(), v.value()), "mv", nm || nv,
                        [nm, nv, mval = m.value(), vval = v.value()](const Tensor<T>& g) {
                          detail::accumulateGer(nm, g, vval);
                          if (nv) nv->accumulate(t7::mv(mval.t(), g), true);
                        });
}

/// Outer product of two vectors (Torch7's `torch.ger`).
template <class X, class Y>
  requires TrackedPair<X, Y>
Var<detail::pair_value_t<X, Y>> ger(const X& x, const Y& y) {
  using T = detail::pair_value_t<X, Y>;
  const Var<T> a = detail::toVar<T>(x), b = detail::toVar<T>(y);
  auto *na = a.node(), *nb = b.node();
  return detail::record(t7::ger(a.value(), b.value()), "ger", na || nb,
                        [na, nb, av = a.value(), bv = b.value()](const Tensor<T>& g) {
                          if (na) na->accumulate(t7::mv(g, bv), true);
                          if (nb) nb->accumulate(t7::mv(g.t(), av), true);
                        });
}

/// Batched matrix product of two 3-D values (Torch7's `torch.bmm`).
template <class X, class Y>
  requires TrackedPair<X, Y>
Var<detail::pair_value_t<X, Y>> bmm(const X& x, const Y& y) {
  using T = detail::pair_value_t<X, Y>;
  const Var<T> a = detail::toVar<T>(x), b = detail::toVar<T>(y);
  auto *na = a.node(), *nb = b.node();
  return detail::record(t7::bmm(a.value(), b.value()), "bmm", na || nb,
                        [na, nb, av = a.value(), bv = b.value()](const Tensor<T>& g) {
                          if (na) na->accumulate(t7::bmm(g, bv.transpose(1, 2)), true);
                          if (nb) nb->accumulate(t7::bmm(av.transpose(1, 2), g), true);
                        });
}

/// Dot product of two values with the same number of elements: a one-element Var.
template <class X, class Y>
  requires TrackedPair<X, Y>
Var<detail::pair_value_t<X, Y>> dot(const X& x, const Y& y) {
  using T = detail::pair_value_t<X, Y>;
  const Var<T> a = detail::toVar<T>(x), b = detail::toVar<T>(y);
  auto *na = a.node(), *nb = b.node();
  return detail::record(detail::scalarTensor<T>(t7::dot(a.value(), b.value())), "dot", na || nb,
                        [na, nb, av = a.value(), bv = b.value()](const Tensor<T>& g) {
                          const T s = g.data()[0];
                          if (na) na->accumulate(expr::eval(bv * s), true);
                          if (nb) nb->accumulate(expr::eval(av * s), true);
                        });
}

/// beta * m + alpha * (x * y) (Torch7's `torch.addmm`).
template <class M, class X, class Y>
  requires Operand<M> && Operand<X> && Operand<Y> && (Tracked<M> || Tracked<X> || Tracked<Y>)
auto addmm(const M& m, const X& x, const Y& y) {
  return eval(m + mm(x, y));
}

// ---- reductions -------------------------------------------------------------------------

/// Sum of all elements: a one-element Var (Torch7's `torch.sum(x)`).
template <Tracked X>
Var<detail::value_of_t<X>> sum(const X& x) {
  using T = detail::value_of_t<X>;
  const Var<T> a = detail::toVar<T>(x);
  auto* n = a.node();
  return detail::record(detail::scalarTensor<T>(t7::sum(a.value())), "sum", n,
                        [n, in = a.sizes()](const Tensor<T>& g) { n->accumulate(detail::broadcastScalar(g, in), false); });
}

/// Sums along `dim`, keeping it with size 1 (Torch7's `torch.sum(x, dim)`).
template <Tracked X>
Var<detail::value_of_t<X>> sum(const X& x, int dim) {
  using T = detail::value_of_t<X>;
  const Var<T> a = detail::toVar<T>(x);
  auto* n = a.node();
  return detail::record(t7::sum(a.value(), dim), "sum", n,
                        [n, in = a.sizes()](const Tensor<T>& g) { n->accumulate(g.expand(in), false); });
}

/// Mean of all elements: a one-element Var.
template <Tracked X>
Var<detail::value_of_t<X>> mean(const X& x) {
  using T = detail::value_of_t<X>;
  const Var<T> a = detail::toVar<T>(x);
  return eval(sum(a) * (T(1) / static_cast<T>(a.nElement())));
}

/// Mean along `dim`, keeping it with size 1.
template <Tracked X>
Var<detail::value_of_t<X>> mean(const X& x, int dim) {
  using T = detail::value_of_t<X>;
  const Var<T> a = detail::toVar<T>(x);
  const index_t n = a.size(t7::detail::normalizeDim(dim, a.dim(), "mean"));
  return eval(sum(a, dim) * (T(1) / static_cast<T>(n)));
}

namespace detail {
/// max or min along `dim`: the values; the gradient goes to the element that was chosen.
template <bool Max, class T>
Var<T> extremum(const Var<T>& a, int dim) {
  auto* n = a.node();
  auto vi = Max ? t7::max(a.value(), dim) : t7::min(a.value(), dim);
  const int d = t7::detail::normalizeDim(dim, a.dim(), Max ? "max" : "min");
  return record(vi.values, Max ? "max" : "min", n, [n, d, idx = vi.indices](const Tensor<T>& g) {
    bool into = false;
    Tensor<T>& G = n->ownedGrad(into);
    if (!into) G.zero();
    t7::scatterAdd(G, d, idx, g.contiguous());
  });
}
/// max or min of all elements: a one-element Var; the gradient goes to the first element
/// holding it.
template <bool Max, class T>
Var<T> extremum(const Var<T>& a) {
  auto* n = a.node();
  const Tensor<T> flat = a.value().contiguous().view(a.nElement());
  auto vi = Max ? t7::max(flat, 0) : t7::min(flat, 0);
  const index_t at = vi.indices.data()[0];
  return record(vi.values.view(1), Max ? "max" : "min", n, [n, at](const Tensor<T>& g) {
    bool into = false;
    Tensor<T>& G = n->ownedGrad(into);
    if (!into) G.zero();
    G.view(G.nElement()).data()[at] += g.data()[0];
  });
}
}  // namespace detail

/// Maximum along `dim` (kept with size 1), or of all elements (one-element Var).
template <Tracked X>
Var<detail::value_of_t<X>> max(const X& x, int dim) {
  return detail::extremum<true>(detail::toVar<detail::value_of_t<X>>(x), dim);
}
template <Tracked X>
Var<detail::value_of_t<X>> max(const X& x) {
  return detail::extremum<true>(detail::toVar<detail::value_of_t<X>>(x));
}
/// Minimum along `dim` (kept with size 1), or of all elements (one-element Var).
template <Tracked X>
Var<detail::value_of_t<X>> min(const X& x, int dim) {
  return detail::extremum<false>(detail::toVar<detail::value_of_t<X>>(x), dim);
}
template <Tracked X>
Var<detail::value_of_t<X>> min(const X& x) {
  return detail::extremum<false>(detail::toVar<detail::value_of_t<X>>(x));
}

// ---- joining and indexing ---------------------------------------------------------------

/// Concatenation along `dim` (Torch7's `torch.cat`); the gradient is split back.
template <FloatingElement T>
Var<T> cat(const std::vector<Var<T>>& xs, int dim = -1) {
  std::vector<Tensor<T>> values;
  std::vector<detail::Node<T>*> nodes;
  bool tracked = false;
  for (const auto& x : xs) {
    values.push_back(x.value());
    nodes.push_back(x.node());
    tracked = tracked || nodes.back();
  }
  Tensor<T> out = t7::cat(values, dim);
  const int d = dim < 0 ? out.dim() + dim : dim;
  std::vector<index_t> lengths;
  for (const auto& v : values) lengths.push_back(v.dim() > d ? v.size(d) : 0);
  return detail::record(out, "cat", tracked, [nodes, lengths, d](const Tensor<T>& g) {
    index_t at = 0;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (nodes[i] && lengths[i] > 0) nodes[i]->accumulate(g.narrow(d, at, lengths[i]), false);
      at += lengths[i];
    }
  });
}
template <class X, class Y>
  requires TrackedPair<X, Y>
Var<detail::pair_value_t<X, Y>> cat(const X& a, const Y& b, int dim = -1) {
  using T = detail::pair_value_t<X, Y>;
  return cat(std::vector<Var<T>>{detail::toVar<T>(a), detail::toVar<T>(b)}, dim);
}

/// The slices `index` along `dim` (Torch7's `torch.index`); repeated indices add their
/// gradients.
template <Tracked X>
Var<detail::value_of_t<X>> index(const X& x, int dim, const LongTensor& index) {
  using T = detail::value_of_t<X>;
  const Var<T> a = detail::toVar<T>(x);
  auto* n = a.node();
  const int d = t7::detail::normalizeDim(dim, a.dim(), "index");
  return detail::record(t7::index(a.value(), d, index), "index", n, [n, d, index](const Tensor<T>& g) {
    bool into = false;
    Tensor<T>& G = n->ownedGrad(into);
    if (!into) G.zero();
    t7::indexAdd(G, d, index, g.contiguous());
  });
}

/// Elements picked along `dim` by `index` (Torch7's `torch.gather`).
template <Tracked X>
Var<detail::value_of_t<X>> gather(const X& x, int dim, const LongTensor& index) {
  using T = detail::value_of_t<X>;
  const Var<T> a = detail::toVar<T>(x);
  auto* n = a.node();
  const int d = t7::detail::normalizeDim(dim, a.dim(), "gather");
  return detail::record(t7::gather(a.value(), d, index), "gather", n, [n, d, index](const Tensor<T>& g) {
    bool into = false;
    Tensor<T>& G = n->ownedGrad(into);
    if (!into) G.zero();
    t7::scatterAdd(G, d, index, g.contiguous());
  });
}

// ---- softmax family ---------------------------------------------------------------------

namespace detail {
template <bool Log, class T>
Var<T> softmax(const Var<T>& a, int dim) {
  auto* n = a.node();
  const int d = dim < 0 ? t7::kernels::softmaxDim(a.dim(), Log ? "logSoftMax" : "softMax")
                        : t7::detail::normalizeDim(dim, a.dim(), Log ? "logSoftMax" : "softMax");
  Tensor<T> out;
  t7::kernels::softmaxForward(out, a.value(), d, Log);
  return record(out, Log ? "logSoftMax" : "softMax", n, [n, d, out](const Tensor<T>& g) {
    Tensor<T> gi;
    t7::kernels::softmaxBackward(gi, g, out, d, Log);
    n->accumulate(gi, true);
  });
}
}  // namespace detail

/// log(softmax(x)) along `dim`, numerically stable; by default Torch7's choice (a vector:
/// all of it; a matrix: each row; 3-D: dim 0; 4-D: dim 1), as nn.LogSoftMax.
template <Tracked X>
Var<detail::value_of_t<X>> logSoftMax(const X& x, int dim = -1) {
  return detail::softmax<true>(detail::toVar<detail::value_of_t<X>>(x), dim);
}
/// softmax(x) along `dim` (the default as logSoftMax's).
template <Tracked X>
Var<detail::value_of_t<X>> softMax(const X& x, int dim = -1) {
  return detail::softmax<false>(detail::toVar<detail::value_of_t<X>>(x), dim);
}

/// log(sum(exp(x))) over all elements, computed stably: a one-element Var.
template <Tracked X>
Var<detail::value_of_t<X>> logSumExp(const X& x) {
  using T = detail::value_of_t<X>;
  const Var<T> a = detail::toVar<T>(x);
  const T m = static_cast<T>(t7::max(a.value()));
  return eval(log(sum(exp(a - m))) + m);
}
/// log(sum(exp(x), dim)) computed stably, dim kept with size 1.
template <Tracked X>
Var<detail::value_of_t<X>> logSumExp(const X& x, int dim) {
  using T = detail::value_of_t<X>;
  const Var<T> a = detail::toVar<T>(x);
  const Tensor<T> m = t7::max(a.value(), dim).values;
  return eval(log(sum(exp(a - m), dim)) + m);
}

}  // namespace t7::autograd
