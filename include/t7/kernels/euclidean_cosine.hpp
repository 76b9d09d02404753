#pragma once
/// \file euclidean_cosine.hpp
/// The math of nn.Euclidean (distances to `out` centres) and nn.Cosine (cosine similarity
/// to `out` centres), on a batch: inputs are [n x in] (a single sample is a 1-row view),
/// outputs [n x out]. All results go into tensors the caller keeps (`output`, `gradInput`,
/// workspaces), so a steady step allocates nothing.
///
/// Euclidean keeps Torch7's weight layout [in x out] (column j is centre j) and Torch7's
/// guard y + 1e-7 in the gradient; Cosine's weight is [out x in] (row j is centre j) with
/// Torch7's norms ||w_j|| + 1e-12 and ||x|| + 1e-12.

#include <cmath>

#include "t7/expr.hpp"
#include "t7/math/blas.hpp"
#include "t7/tensor/tensor.hpp"

namespace t7::kernels {

namespace detail {
/// Element (i, j) of a 2-D tensor, by strides (no bounds check: callers loop within sizes).
template <Element T>
struct DistanceMat {
  T* p;
  index_t s0, s1;
  explicit DistanceMat(const Tensor<T>& t) : p(t.data()), s0(t.stride(0)), s1(t.stride(1)) {}
  T& operator()(index_t i, index_t j) const { return p[i * s0 + j * s1]; }
};
}  // namespace detail

/// Torch7's guard against dividing by a zero distance in Euclidean's gradients.
inline constexpr double kEuclideanEps = 1e-7;

/// y[n][j] = || x[n] - w[:, j] || for x [n x in], w [in x out]; `y` must be [n x out].
template <Element T>
void euclideanForward(const Tensor<T>& y, const Tensor<T>& x, const Tensor<T>& w) {
  const index_t n = x.size(0), in = x.size(1), out = w.size(1);
  const detail::DistanceMat<T> X(x), W(w), Y(y);
  for (index_t b = 0; b < n; ++b) {
    for (index_t j = 0; j < out; ++j) Y(b, j) = T(0);
    for (index_t i = 0; i < in; ++i) {
      const T xi = X(b, i);
      for (index_t j = 0; j < out; ++j) {
        const T d = xi - W(i, j);
        Y(b, j) += d * d;
      }
    }
    for (index_t j = 0; j < out; ++j) Y(b, j) = std::sqrt(Y(b, j));
  }
}

/// c[n][j] = g[n][j] / (y[n][j] + 1e-7): the factor both gradients share; `c` is [n x out].
template <Element T>
void euclideanFactor(const Tensor<T>& c, const Tensor<T>& y, const Tensor<T>& g) {
  const detail::DistanceMat<T> C(c), Y(y), G(g);
  for (index_t b = 0; b < c.size(0); ++b)
    for (index_t j = 0; j < c.size(1); ++j) C(b, j) = G(b, j) / (Y(b, j) + static_cast<T>(kEuclideanEps));
}

/// gx[n][i] = sum_j c[n][j] (x[n][i] - w[i][j]); `gx` is [n x in], c from euclideanFactor.
template <Element T>
void euclideanBackward(const Tensor<T>& gx, const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& c) {
  const index_t n = x.size(0), in = x.size(1), out = w.size(1);
  const detail::DistanceMat<T> GX(gx), X(x), W(w), C(c);
  for (index_t b = 0; b < n; ++b) {
    T csum = 0;
    for (index_t j = 0; j < out; ++j) csum += C(b, j);
    for (index_t i = 0; i < in; ++i) {
      T s = 0;
      for (index_t j = 0; j < out; ++j) s += C(b, j) * W(i, j);
      GX(b, i) = X(b, i) * csum - s;
    }
  }
}

/// gw[i][j] += scale * sum_n c[n][j] (w[i][j] - x[n][i]).
template <Element T>
void euclideanAccGrad(const Tensor<T>& gw, const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& c, T scale) {
  const index_t n = x.size(0), in = x.size(1), out = w.size(1);
  const detail::DistanceMat<T> GW(gw), X(x), W(w), C(c);
  for (index_t b = 0; b < n; ++b)
    for (index_t i = 0; i < in; ++i) {
      const T xi = X(b, i);
      for (index_t j = 0; j < out; ++j) GW(i, j) += scale * C(b, j) * (W(i, j) - xi);
    }
}

// ---- Cosine -----------------------------------------------------------------------------

/// Torch7's smoothing of both norms in nn.Cosine.
inline constexpr double kCosineEps = 1e-12;

/// norms[k] = || rows[k] || + 1e-12 for the rows of a 2-D tensor; `norms` is [rows].
template <Element T>
void rowNorms(const Tensor<T>& norms, const Tensor<T>& rows) {
  const detail::DistanceMat<T> R(rows);
  T* out = norms.data();
  const index_t step = norms.stride(0);
  for (index_t k = 0; k < rows.size(0); ++k) {
    double s = 0;
    for (index_t i = 0; i < rows.size(1); ++i) s += static_cast<double>(R(k, i)) * static_cast<double>(R(k, i));
    out[k * step] = static_cast<T>(std::sqrt(s) + kCosineEps);
  }
}

/// y[n][j] = (x[n] . w[j]) / (xn[n] wn[j]) for x [n x in], w [out x in]; y is resized to
/// [n x out]; xn [n] and wn [out] receive the smoothed norms (kept for the backward).
template <Element T>
void cosineForward(Tensor<T>& y, const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& xn, const Tensor<T>& wn) {
  rowNorms(xn, x);
  rowNorms(wn, w);
  mm(y, x, w.t());
  const detail::DistanceMat<T> Y(y);
  const T* pxn = xn.data();
  const T* pwn = wn.data();
  for (index_t b = 0; b < y.size(0); ++b)
    for (index_t j = 0; j < y.size(1); ++j) Y(b, j) /= pxn[b * xn.stride(0)] * pwn[j * wn.stride(0)];
}

/// gx = (1 / xn) * ((g / wn) w - x * sum_j(g y) / xn); `gw` [n x out] is a workspace.
/// gx is resized to [n x in].
template <Element T>
void cosineBackward(Tensor<T>& gx, const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& y, const Tensor<T>& g,
                    const Tensor<T>& xn, const Tensor<T>& wn, Tensor<T>& work) {
  const index_t n = x.size(0), out = w.size(0);
  work.resize(n, out);
  const detail::DistanceMat<T> G(g), Y(y), Wk(work);
  const T* pwn = wn.data();
  for (index_t b = 0; b < n; ++b)
    for (index_t j = 0; j < out; ++j) Wk(b, j) = G(b, j) / pwn[j * wn.stride(0)];
  mm(gx, work, w);
  const detail::DistanceMat<T> GX(gx), X(x);
  const T* pxn = xn.data();
  for (index_t b = 0; b < n; ++b) {
    T s = 0;
    for (index_t j = 0; j < out; ++j) s += G(b, j) * Y(b, j);
    const T inv = T(1) / pxn[b * xn.stride(0)];
    for (index_t i = 0; i < x.size(1); ++i) GX(b, i) = inv * (GX(b, i) - X(b, i) * s * inv);
  }
}

/// gw[j] += scale * (sum_n (g[n][j] / wn[j]) x[n] / xn[n] - w[j] * sum_n g[n][j] y[n][j] / wn[j]^2).
/// `workG` [n x out] and `workX` [n x in] are workspaces.
template <Element T>
void cosineAccGrad(const Tensor<T>& gw, const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& y,
                   const Tensor<T>& g, const Tensor<T>& xn, const Tensor<T>& wn, T scale, Tensor<T>& workG,
                   Tensor<T>& workX) {
  const index_t n = x.size(0), in = x.size(1), out = w.size(0);
  workG.resize(n, out);
  workX.resize(n, in);
  const detail::DistanceMat<T> G(g), Y(y), WG(workG), WX(workX), X(x), W(w), GW(gw);
  const T* pwn = wn.data();
  const T* pxn = xn.data();
  for (index_t b = 0; b < n; ++b) {
    for (index_t j = 0; j < out; ++j) WG(b, j) = G(b, j) / pwn[j * wn.stride(0)];
    const T inv = T(1) / pxn[b * xn.stride(0)];
    for (index_t i = 0; i < in; ++i) WX(b, i) = X(b, i) * inv;
  }
  Tensor<T> gwv = gw;  // a handle: addmm writes gw's elements in place (its sizes already fit)
  addmm(gwv, T(1), gwv, scale, workG.t(), workX);
  for (index_t j = 0; j < out; ++j) {
    T c = 0;
    for (index_t b = 0; b < n; ++b) c += G(b, j) * Y(b, j);
    const T wnj = pwn[j * wn.stride(0)];
    c = scale * c / (wnj * wnj);
    for (index_t i = 0; i < in; ++i) GW(j, i) -= c * W(j, i);
  }
}

}  // namespace t7::kernels
