#pragma once
/// \file ops.hpp
/// The operations of Vars that are not elementwise: matrix products (mm, mv, bmm, dot, ger,
/// addmm, addmv, addr, baddbmm, addbmm), reductions (sum, mean, max, min, prod, var, std,
/// norm, with or without a dimension), cumsum, cumprod, dist, renorm, cat,
/// split, chunk, index, gather, softMax / logSoftMax / logSumExp; and addcmul, addcdiv, lerp
/// (fused elementwise). Each runs t7's own function (or kernel) forward and
/// records a closure with its gradient: "forward + gradient closure".
///
/// Arguments may be Vars, tensors (constants) or autograd expressions (evaluated first).

#include <algorithm>
#include <cmath>
#include <vector>

#include "t7/autograd/var.hpp"
#include "t7/kernels/softmax.hpp"
#include "t7/math/blas.hpp"
#include "t7/math/index.hpp"
#include "t7/math/shape.hpp"
#include "t7/tensor/factory.hpp"

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

template <class T>
using VG = VarGrads<T>;

/// zeros of `sizes` with g added at `index` along `dim` (the gradient of gather, and of max /
/// min along a dim), as a recorded operation whose own gradient is gather.
template <class T>
Var<T> scatterAddZeros(const Var<T>& g, const Shape& sizes, int dim, const LongTensor& index);
/// zeros of `sizes` with g's slices added at `index` along `dim` (the gradient of index).
template <class T>
Var<T> indexAddZeros(const Var<T>& g, const Shape& sizes, int dim, const LongTensor& index);

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
                        },
                        [na, nb, a, b](const Var<T>& g, detail::VG<T>& grads, const Var<T>&) {
                          if (na) grads.add(na, mm(g, b.t()));
                          if (nb) grads.add(nb, mm(a.t(), g));
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
                        },
                        [nm, nv, m, v](const Var<T>& g, detail::VG<T>& grads, const Var<T>&) {
                          if (nm) grads.add(nm, ger(g, v));
                          if (nv) grads.add(nv, mv(m.t(), g));
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
                        },
                        [na, nb, a, b](const Var<T>& g, detail::VG<T>& grads, const Var<T>&) {
                          if (na) grads.add(na, mv(g, b));
                          if (nb) grads.add(nb, mv(g.t(), a));
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
                        },
                        [na, nb, a, b](const Var<T>& g, detail::VG<T>& grads, const Var<T>&) {
                          if (na) grads.add(na, bmm(g, b.transpose(1, 2)));
                          if (nb) grads.add(nb, bmm(a.transpose(1, 2), g));
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
                        },
                        [na, nb, a, b](const Var<T>& g, detail::VG<T>& grads, const Var<T>&) {
                          if (na) grads.add(na, Var<T>(b * g));  // (g has one element: it broadcasts)
                          if (nb) grads.add(nb, Var<T>(a * g));
                        });
}

/// Three operands of which at least one is tracked.
template <class M, class X, class Y>
concept TrackedTriple = Operand<M> && Operand<X> && Operand<Y> && (Tracked<M> || Tracked<X> || Tracked<Y>);

/// m + x * y, or beta * m + alpha * (x * y) (Torch7's `torch.addmm`).
template <class M, class X, class Y>
  requires TrackedTriple<M, X, Y>
auto addmm(const M& m, const X& x, const Y& y) {
  return eval(m + mm(x, y));
}
template <class M, class X, class Y>
  requires TrackedTriple<M, X, Y>
auto addmm(double beta, const M& m, double alpha, const X& x, const Y& y) {
  return eval(beta * m + alpha * mm(x, y));
}
/// v + m * x, or beta * v + alpha * (m * x) (Torch7's `torch.addmv`).
template <class V, class M, class X>
  requires TrackedTriple<V, M, X>
auto addmv(const V& v, const M& m, const X& x) {
  return eval(v + mv(m, x));
}
template <class V, class M, class X>
  requires TrackedTriple<V, M, X>
auto addmv(double beta, const V& v, double alpha, const M& m, const X& x) {
  return eval(beta * v + alpha * mv(m, x));
}
/// m + a (x) b, or beta * m + alpha * (a (x) b) (Torch7's `torch.addr`).
template <class M, class X, class Y>
  requires TrackedTriple<M, X, Y>
auto addr(const M& m, const X& a, const Y& b) {
  return eval(m + ger(a, b));
}
template <class M, class X, class Y>
  requires TrackedTriple<M, X, Y>
auto addr(double beta, const M& m, double alpha, const X& a, const Y& b) {
  return eval(beta * m + alpha * ger(a, b));
}
/// m + bmm(b1, b2), or the beta / alpha form (Torch7's `torch.baddbmm`).
template <class M, class X, class Y>
  requires TrackedTriple<M, X, Y>
auto baddbmm(const M& m, const X& b1, const Y& b2) {
  return eval(m + bmm(b1, b2));
}
template <class M, class X, class Y>
  requires TrackedTriple<M, X, Y>
auto baddbmm(double beta, const M& m, double alpha, const X& b1, const Y& b2) {
  return eval(beta * m + alpha * bmm(b1, b2));
}
/// m + the sum over the batch of b1[i] * b2[i], or the beta / alpha form (Torch7's
/// `torch.addbmm`).
template <class M, class X, class Y>
  requires TrackedTriple<M, X, Y>
auto addbmm(const M& m, const X& b1, const Y& b2) {
  return addbmm(1.0, m, 1.0, b1, b2);
}
template <class M, class X, class Y>
  requires TrackedTriple<M, X, Y>
auto addbmm(double beta, const M& m, double alpha, const X& b1, const Y& b2) {
  const auto products = bmm(b1, b2);  // b x n x p
  return eval(beta * m + alpha * sum(products, 0).view(products.size(1), products.size(2)));
}

// ---- reductions -------------------------------------------------------------------------

/// Sum of all elements: a one-element Var (Torch7's `torch.sum(x)`).
template <Tracked X>
Var<detail::value_of_t<X>> sum(const X& x) {
  using T = detail::value_of_t<X>;
  const Var<T> a = detail::toVar<T>(x);
  auto* n = a.node();
  return detail::record(
      detail::scalarTensor<T>(t7::sum(a.value())), "sum", n,
      [n, in = a.sizes()](const Tensor<T>& g) { n->accumulate(detail::broadcastScalar(g, in), false); },
      [n, in = a.sizes()](const Var<T>& g, detail::VG<T>& grads, const Var<T>&) {
        grads.add(n, g.view(Shape::filled(in.size(), 1)).expand(in));
      });
}

/// Sums along `dim`, keeping it with size 1 (Torch7's `torch.sum(x, dim)`).
template <Tracked X>
Var<detail::value_of_t<X>> sum(const X& x, int dim) {
  using T = detail::value_of_t<X>;
  const Var<T> a = detail::toVar<T>(x);
  auto* n = a.node();
  return detail::record(
      t7::sum(a.value(), dim), "sum", n, [n, in = a.sizes()](const Tensor<T>& g) { n->accumulate(g.expand(in), false); },
      [n, in = a.sizes()](const Var<T>& g, detail::VG<T>& grads, const Var<T>&) { grads.add(n, g.expand(in)); });
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
  return record(
      vi.values, Max ? "max" : "min", n,
      [n, d, idx = vi.indices](const Tensor<T>& g) {
        bool into = false;
        Tensor<T>& G = n->ownedGrad(into);
        if (!into) G.zero();
        t7::scatterAdd(G, d, idx, g.contiguous());
      },
      [n, d, idx = vi.indices, in = a.sizes()](const Var<T>& g, VG<T>& grads, const Var<T>&) {
        grads.add(n, scatterAddZeros(g, in, d, idx));
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
  return record(
      vi.values.view(1), Max ? "max" : "min", n,
      [n, at](const Tensor<T>& g) {
        bool into = false;
        Tensor<T>& G = n->ownedGrad(into);
        if (!into) G.zero();
        G.view(G.nElement()).data()[at] += g.data()[0];
      },
      [n, at, in = a.sizes()](const Var<T>& g, VG<T>& grads, const Var<T>&) {
        LongTensor idx(1);
        idx.data()[0] = at;
        grads.add(n, scatterAddZeros(g, Shape{in.product()}, 0, idx).view(in));
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

namespace detail {
/// For each element, the product of the other elements of its line along `dim` (exact with
/// zeros: prefix times suffix products): the gradient of prod.
template <class T>
Tensor<T> productOfOthers(const Tensor<T>& x, int dim) {
  const Tensor<T> moved = x.transpose(dim, x.dim() - 1).contiguous();
  Tensor<T> r(moved.sizes());
  const index_t len = moved.size(moved.dim() - 1), lines = len ? moved.nElement() / len : 0;
  const T* in = moved.data();
  T* out = r.data();
  for (index_t l = 0; l < lines; ++l) {
    const T* a = in + l * len;
    T* o = out + l * len;
    T prefix = T(1);
    for (index_t i = 0; i < len; ++i) {
      o[i] = prefix;
      prefix *= a[i];
    }
    T suffix = T(1);
    for (index_t i = len; i-- > 0;) {
      o[i] *= suffix;
      suffix *= a[i];
    }
  }
  return r.transpose(dim, x.dim() - 1).contiguous();
}
}  // namespace detail

namespace detail {
/// The second-order gradients of prod and cumprod divide by the elements: they need them all
/// nonzero (the first order is exact with zeros).
template <class T>
void requireNonzero(const Var<T>& a, const char* op) {
  if (t7::sum(eq(a.value(), T(0))) != 0)
    t7::detail::fail<AutogradError>(op, ": the second-order gradient at a zero element is not supported");
}
}  // namespace detail

/// Product of all elements: a one-element Var (Torch7's `torch.prod(x)`). The gradient is
/// exact with zeros; its second order (a nested grad) needs every element nonzero.
template <Tracked X>
Var<detail::value_of_t<X>> prod(const X& x) {
  using T = detail::value_of_t<X>;
  const Var<T> a = detail::toVar<T>(x);
  auto* n = a.node();
  return detail::record(
      detail::scalarTensor<T>(t7::prod(a.value())), "prod", n,
      [n, av = a.value()](const Tensor<T>& g) {
        const Tensor<T> flat = av.contiguous().view(av.nElement());
        n->accumulate(expr::eval(detail::productOfOthers(flat, 0) * g.data()[0]).view(av.sizes()), true);
      },
      [n, a](const Var<T>& g, detail::VG<T>& grads, const Var<T>& out) {
        detail::requireNonzero(a, "prod");
        grads.add(n, Var<T>(g * out / a));
      });
}
/// Products along `dim`, kept with size 1 (Torch7's `torch.prod(x, dim)`); the gradient as
/// for prod(x).
template <Tracked X>
Var<detail::value_of_t<X>> prod(const X& x, int dim) {
  using T = detail::value_of_t<X>;
  const Var<T> a = detail::toVar<T>(x);
  auto* n = a.node();
  const int d = t7::detail::normalizeDim(dim, a.dim(), "prod");
  return detail::record(
      t7::prod(a.value(), d), "prod", n,
      [n, d, av = a.value()](const Tensor<T>& g) { n->accumulate(expr::eval(detail::productOfOthers(av, d) * g), true); },
      [n, a](const Var<T>& g, detail::VG<T>& grads, const Var<T>& out) {
        detail::requireNonzero(a, "prod");
        grads.add(n, Var<T>(g * out / a));
      });
}

/// Cumulative sums along `dim` (Torch7's `torch.cumsum(x, dim)`); the gradient is g's
/// reversed cumulative sum, sum(g) - cumsum(g) + g along dim.
template <Tracked X>
Var<detail::value_of_t<X>> cumsum(const X& x, int dim) {
  using T = detail::value_of_t<X>;
  const Var<T> a = detail::toVar<T>(x);
  auto* n = a.node();
  const int d = t7::detail::normalizeDim(dim, a.dim(), "cumsum");
  return detail::record(
      t7::cumsum(a.value(), d), "cumsum", n,
      [n, d](const Tensor<T>& g) { n->accumulate(expr::eval(t7::sum(g, d) - t7::cumsum(g, d) + g), true); },
      [n, d](const Var<T>& g, detail::VG<T>& grads, const Var<T>&) {
        grads.add(n, Var<T>(sum(g, d) - cumsum(g, d) + g));
      });
}

namespace detail {
/// The gradient of cumprod along the last dimension of `x` (contiguous lines), exact with
/// zeros: dx_i = (x_0 ... x_{i-1}) * S_i, with S_i = g_i + x_{i+1} S_{i+1} summed backwards.
template <class T>
Tensor<T> cumprodGrad(const Tensor<T>& x, const Tensor<T>& g, int dim) {
  const int last = x.dim() - 1;
  const Tensor<T> xm = x.transpose(dim, last).contiguous(), gm = g.transpose(dim, last).contiguous();
  Tensor<T> r(xm.sizes());
  const index_t len = xm.size(last), lines = len ? xm.nElement() / len : 0;
  for (index_t l = 0; l < lines; ++l) {
    const T* a = xm.data() + l * len;
    const T* gl = gm.data() + l * len;
    T* o = r.data() + l * len;
    T s = T(0);
    for (index_t i = len; i-- > 0;) {
      s = gl[i] + (i + 1 < len ? a[i + 1] * s : T(0));
      o[i] = s;
    }
    T prefix = T(1);
    for (index_t i = 0; i < len; ++i) {
      o[i] *= prefix;
      prefix *= a[i];
    }
  }
  return r.transpose(dim, last).contiguous();
}
}  // namespace detail

/// Cumulative products along `dim` (Torch7's `torch.cumprod(x, dim)`). The gradient is exact
/// with zeros; its second order (a nested grad) needs every element nonzero.
template <Tracked X>
Var<detail::value_of_t<X>> cumprod(const X& x, int dim) {
  using T = detail::value_of_t<X>;
  const Var<T> a = detail::toVar<T>(x);
  auto* n = a.node();
  const int d = t7::detail::normalizeDim(dim, a.dim(), "cumprod");
  return detail::record(
      t7::cumprod(a.value(), d), "cumprod", n,
      [n, d, av = a.value()](const Tensor<T>& g) { n->accumulate(detail::cumprodGrad(av, g, d), true); },
      [n, d, a](const Var<T>& g, detail::VG<T>& grads, const Var<T>& out) {
        detail::requireNonzero(a, "cumprod");
        const Var<T> go = g * out;  // d/dx_i = sum over j >= i of g_j out_j / x_i
        grads.add(n, Var<T>((sum(go, d) - cumsum(go, d) + go) / a));
      });
}

/// Variance of all elements (a one-element Var), unbiased (n - 1) unless `biased`, as
/// Torch7's `torch.var(x)`.
template <Tracked X>
Var<detail::value_of_t<X>> var(const X& x, bool biased = false) {
  using T = detail::value_of_t<X>;
  const Var<T> a = detail::toVar<T>(x);
  const index_t n = a.nElement();
  const Var<T> d = a - mean(a);
  return eval(sum(d * d) * (T(1) / static_cast<T>(biased || n < 2 ? n : n - 1)));
}
/// Variance along `dim`, kept with size 1.
template <Tracked X>
Var<detail::value_of_t<X>> var(const X& x, int dim, bool biased = false) {
  using T = detail::value_of_t<X>;
  const Var<T> a = detail::toVar<T>(x);
  const index_t n = a.size(t7::detail::normalizeDim(dim, a.dim(), "var"));
  const Var<T> d = a - mean(a, dim);
  return eval(sum(d * d, dim) * (T(1) / static_cast<T>(biased || n < 2 ? n : n - 1)));
}
/// Standard deviation: sqrt(var), of all elements or along `dim`.
template <Tracked X>
Var<detail::value_of_t<X>> std(const X& x, bool biased = false) {
  return eval(sqrt(var(x, biased)));
}
template <Tracked X>
Var<detail::value_of_t<X>> std(const X& x, int dim, bool biased = false) {
  return eval(sqrt(var(x, dim, biased)));
}
/// The p-norm of all elements, (sum |x|^p)^(1/p) (Torch7's `torch.norm(x, p)`; the gradient
/// at 0 is taken as 0).
template <Tracked X>
Var<detail::value_of_t<X>> norm(const X& x, double p = 2) {
  using T = detail::value_of_t<X>;
  const Var<T> a = detail::toVar<T>(x);
  if (p == 2) return eval(sqrt(sum(a * a)));
  return eval(pow(sum(pow(abs(a), static_cast<T>(p))), static_cast<T>(1 / p)));
}

/// The p-norms along `dim`, kept with size 1 (Torch7's `torch.norm(x, p, dim)`).
template <Tracked X>
Var<detail::value_of_t<X>> norm(const X& x, double p, int dim) {
  using T = detail::value_of_t<X>;
  const Var<T> a = detail::toVar<T>(x);
  if (p == 2) return eval(sqrt(sum(a * a, dim)));
  return eval(pow(sum(pow(abs(a), static_cast<T>(p)), dim), static_cast<T>(1 / p)));
}

/// The p-norm of a - b (Torch7's `torch.dist(a, b, p)`): a one-element Var. The elements
/// pair up in row-major order (the counts must match).
template <class X, class Y>
  requires TrackedPair<X, Y>
Var<detail::pair_value_t<X, Y>> dist(const X& x, const Y& y, double p = 2) {
  using T = detail::pair_value_t<X, Y>;
  const Var<T> a = detail::toVar<T>(x), b = detail::toVar<T>(y);
  if (a.nElement() != b.nElement())
    t7::detail::fail<SizeError>("dist: the operands have sizes ", a.sizes().toString(), " and ", b.sizes().toString(),
                                " (different element counts)");
  return norm(a - (b.sizes() == a.sizes() ? b : b.view(a.sizes())), p);
}

/// Torch7's `torch.renorm(x, p, dim, maxnorm)`: each slice `x.select(dim, i)` whose p-norm
/// exceeds maxnorm is scaled by maxnorm / (norm + 1e-7). The gradient includes the scale's
/// dependence on x.
template <Tracked X>
Var<detail::value_of_t<X>> renorm(const X& x, double p, int dim, double maxnorm) {
  using T = detail::value_of_t<X>;
  const Var<T> a = detail::toVar<T>(x);
  if (a.dim() < 2) t7::detail::fail<SizeError>("renorm: expects 2 dimensions or more, got size ", a.sizes().toString());
  if (!(p > 0) || !(maxnorm >= 0))
    t7::detail::fail<ValueError>("renorm: p ", p, " must be positive and maxnorm ", maxnorm, " non-negative");
  const int d = t7::detail::normalizeDim(dim, a.dim(), "renorm");
  const Var<T> moved = a.transpose(0, d);
  const Shape movedSizes = moved.sizes();
  const Var<T> rows = moved.reshape(moved.size(0), moved.nElement() / std::max<index_t>(1, moved.size(0)));
  const Var<T> norms = std::isinf(p) ? max(abs(rows), 1) : norm(rows, p, 1);
  const T m = static_cast<T>(maxnorm);
  const Var<T> scale = where(gt(norms, m), m / (norms + T(1e-7)), T(1));
  return Var<T>(rows * scale).view(movedSizes).transpose(0, d);
}

// ---- fused multiply-adds (one elementwise node each) ------------------------------------

/// t + value * a .* b (Torch7's `torch.addcmul(t, value, a, b)`).
template <class X, class A, class B>
  requires Operand<X> && Operand<A> && Operand<B> && (Tracked<X> || Tracked<A> || Tracked<B>)
auto addcmul(const X& t, double value, const A& a, const B& b) {
  return t + value * a * b;
}
/// t + value * a ./ b (Torch7's `torch.addcdiv(t, value, a, b)`).
template <class X, class A, class B>
  requires Operand<X> && Operand<A> && Operand<B> && (Tracked<X> || Tracked<A> || Tracked<B>)
auto addcdiv(const X& t, double value, const A& a, const B& b) {
  return t + value * a / b;
}
/// a + weight * (b - a) (Torch7's `torch.lerp(a, b, weight)`).
template <class X, class Y>
  requires TrackedPair<X, Y>
auto lerp(const X& a, const Y& b, double weight) {
  return a + weight * (b - a);
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
  return detail::record(
      out, "cat", tracked,
      [nodes, lengths, d](const Tensor<T>& g) {
        index_t at = 0;
        for (std::size_t i = 0; i < nodes.size(); ++i) {
          if (nodes[i] && lengths[i] > 0) nodes[i]->accumulate(g.narrow(d, at, lengths[i]), false);
          at += lengths[i];
        }
      },
      [nodes, lengths, d](const Var<T>& g, detail::VG<T>& grads, const Var<T>&) {
        index_t at = 0;
        for (std::size_t i = 0; i < nodes.size(); ++i) {
          if (nodes[i] && lengths[i] > 0) grads.add(nodes[i], g.narrow(d, at, lengths[i]));
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

/// Pieces of `size` along `dim` (the last one shorter when size does not divide it), as
/// Torch7's `torch.split(x, size, dim)`: narrow views, each with its own gradient.
template <Tracked X>
std::vector<Var<detail::value_of_t<X>>> split(const X& x, index_t size, int dim = 0) {
  using T = detail::value_of_t<X>;
  const Var<T> a = detail::toVar<T>(x);
  if (size <= 0) t7::detail::fail<ValueError>("split: size ", size, " must be positive");
  const int d = t7::detail::normalizeDim(dim, a.dim(), "split");
  std::vector<Var<T>> parts;
  for (index_t at = 0; at < a.size(d); at += size) parts.push_back(a.narrow(d, at, std::min(size, a.size(d) - at)));
  return parts;
}
/// `n` pieces of (nearly) equal size along `dim` (Torch7's `torch.chunk`).
template <Tracked X>
std::vector<Var<detail::value_of_t<X>>> chunk(const X& x, index_t n, int dim = 0) {
  using T = detail::value_of_t<X>;
  const Var<T> a = detail::toVar<T>(x);
  if (n <= 0) t7::detail::fail<ValueError>("chunk: count ", n, " must be positive");
  const index_t len = a.size(t7::detail::normalizeDim(dim, a.dim(), "chunk"));
  return split(a, std::max<index_t>(1, (len + n - 1) / n), dim);
}

/// The slices `index` along `dim` (Torch7's `torch.index`); repeated indices add their
/// gradients.
template <Tracked X>
Var<detail::value_of_t<X>> index(const X& x, int dim, const LongTensor& index) {
  using T = detail::value_of_t<X>;
  const Var<T> a = detail::toVar<T>(x);
  auto* n = a.node();
  const int d = t7::detail::normalizeDim(dim, a.dim(), "index");
  return detail::record(
      t7::index(a.value(), d, index), "index", n,
      [n, d, index](const Tensor<T>& g) {
        bool into = false;
        Tensor<T>& G = n->ownedGrad(into);
        if (!into) G.zero();
        t7::indexAdd(G, d, index, g.contiguous());
      },
      [n, d, index, in = a.sizes()](const Var<T>& g, detail::VG<T>& grads, const Var<T>&) {
        grads.add(n, detail::indexAddZeros(g, in, d, index));
      });
}

/// Elements picked along `dim` by `index` (Torch7's `torch.gather`).
template <Tracked X>
Var<detail::value_of_t<X>> gather(const X& x, int dim, const LongTensor& index) {
  using T = detail::value_of_t<X>;
  const Var<T> a = detail::toVar<T>(x);
  auto* n = a.node();
  const int d = t7::detail::normalizeDim(dim, a.dim(), "gather");
  return detail::record(
      t7::gather(a.value(), d, index), "gather", n,
      [n, d, index](const Tensor<T>& g) {
        bool into = false;
        Tensor<T>& G = n->ownedGrad(into);
        if (!into) G.zero();
        t7::scatterAdd(G, d, index, g.contiguous());
      },
      [n, d, index, in = a.sizes()](const Var<T>& g, detail::VG<T>& grads, const Var<T>&) {
        grads.add(n, detail::scatterAddZeros(g, in, d, index));
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
  saveValue(out);  // (the gradient reads the output)
  return record(
      out, Log ? "logSoftMax" : "softMax", n,
      [n, d, out](const Tensor<T>& g) {
        Tensor<T> gi;
        t7::kernels::softmaxBackward(gi, g, out, d, Log);
        n->accumulate(gi, true);
      },
      [n, d](const Var<T>& g, VG<T>& grads, const Var<T>& y) {
        // log: g - exp(y) * sum(g); softmax: y * (g - sum(g * y)), sums along d
        if constexpr (Log) grads.add(n, Var<T>(g - exp(y) * sum(g, d)));
        else grads.add(n, Var<T>(y * (g - sum(Var<T>(g * y), d))));
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

// ---- the gradients of gradients' own operations -----------------------------------------

namespace detail {

template <class T>
Var<T> sumToSizeVar(const Var<T>& g, const Shape& sizes) {
  Var<T> r = g;
  const int lead = r.dim() - sizes.size();
  for (int d = 0; d < r.dim(); ++d) {
    const bool extra = d < lead;
    if ((extra || sizes[d - lead] == 1) && r.size(d) != 1) r = sum(r, d);
  }
  return r.view(sizes);
}

template <class T>
Var<T> padNarrow(const Var<T>& g, const Shape& in, int dim, index_t start) {
  const int d = dim < 0 ? dim + static_cast<int>(in.size()) : dim;
  const index_t length = g.size(d), after = in[d] - start - length;
  std::vector<Var<T>> parts;
  auto zerosAlong = [&](index_t n) {
    Shape s = g.sizes();
    s[d] = n;
    return Var<T>(t7::zeros<T>(s));
  };
  if (start > 0) parts.push_back(zerosAlong(start));
  parts.push_back(g);
  if (after > 0) parts.push_back(zerosAlong(after));
  return parts.size() == 1 ? g : cat(parts, d);
}

template <class T>
Var<T> scatterAddZeros(const Var<T>& g, const Shape& sizes, int dim, const LongTensor& index) {
  auto* n = g.node();
  Tensor<T> out = t7::zeros<T>(sizes);
  t7::scatterAdd(out, dim, index, g.value().contiguous());
  return record(
      out, "scatterAdd", n, [n, dim, index](const Tensor<T>& gg) { n->accumulate(t7::gather(gg, dim, index), true); },
      [n, dim, index](const Var<T>& gg, VG<T>& grads, const Var<T>&) { grads.add(n, gather(gg, dim, index)); });
}

template <class T>
Var<T> indexAddZeros(const Var<T>& g, const Shape& sizes, int dim, const LongTensor& index) {
  auto* n = g.node();
  Tensor<T> out = t7::zeros<T>(sizes);
  t7::indexAdd(out, dim, index, g.value().contiguous());
  return record(
      out, "indexAdd", n, [n, dim, index](const Tensor<T>& gg) { n->accumulate(t7::index(gg, dim, index), true); },
      [n, dim, index](const Var<T>& gg, VG<T>& grads, const Var<T>&) { grads.add(n, autograd::index(gg, dim, index)); });
}

}  // namespace detail

}  // namespace t7::autograd
