#pragma once
/// \file confusion.hpp
/// `optim::ConfusionMatrix`: Torch7's `optim.ConfusionMatrix`, counts of (target,
/// prediction) pairs with per-class recall, mean IoU and accuracy, printed in Torch7's
/// layout.
///
/// Classes are **0-based** (Torch7's are 1-based): a target < 0 is a missing label and is
/// ignored, as Torch7 ignored targets <= 0.
///
/// ```cpp
/// optim::ConfusionMatrix conf({"cat", "dog", "person"});
/// conf.batchAdd(net.forward(x), labels);   // scores [N x 3], labels [N] in 0..2
/// std::cout << conf;                       // updates totalValid, as Torch7's print(conf)
/// ```

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <ostream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "t7/core/error.hpp"
#include "t7/core/shape.hpp"
#include "t7/math/detail/dim_apply.hpp"
#include "t7/tensor/tensor.hpp"

namespace t7::optim {

/// Torch7's `optim.ConfusionMatrix(nclasses | classes)`. Rows of `mat` are targets, columns
/// predictions. Fields keep Torch7's names and types: `valids` and `unionvalids` are
/// FloatTensors (so printed figures match Torch7's digit for digit); the averages are
/// doubles. A copy shares `mat`, `valids` and `unionvalids` (tensor handles, as Lua objects).
class ConfusionMatrix {
 public:
  /// `nclasses` classes without names (Torch7's `ConfusionMatrix(n)`); ValueError if < 1.
  explicit ConfusionMatrix(index_t nclasses) : ConfusionMatrix(nclasses, {}) {}
  /// Named classes (Torch7's `ConfusionMatrix({'cat', 'dog'})`); ValueError if empty.
  ConfusionMatrix(std::initializer_list<std::string> classes) : ConfusionMatrix(std::vector<std::string>(classes)) {}
  explicit ConfusionMatrix(std::vector<std::string> classes);
  /// `nclasses` classes, the first ones named by `classes` (Torch7's `(nclasses, classes)`).
  ConfusionMatrix(index_t nclasses, std::vector<std::string> classes);

  /// Counts one pair of class indices (Torch7's `add(prediction, target)` with numbers).
  /// A target < 0 is ignored; otherwise both must be in [0, nclasses) (IndexError).
  void add(index_t prediction, index_t target);
  /// Counts the argmax of a 1-D score vector against a class index (first maximum among
  /// ties; NaN counts as the largest, as Torch7's max). SizeError unless 1-D.
  template <Element T>
  void add(const Tensor<T>& prediction, index_t target);
  /// Counts the argmax of a score vector against the argmax of a target vector (one-hot).
  template <Element T, Element U>
  void add(const Tensor<T>& prediction, const Tensor<U>& target);
  /// Counts a batch (Torch7's `batchAdd(outputs, targets)`). `predictions`: [N x C] scores
  /// (argmax of each row), or [N] / [N x 1] class indices. `targets`: [N] / [N x 1] class
  /// indices (< 0 ignored) or [N x C] one-hot rows (argmax). Any element type and layout;
  /// floating class indices must be whole numbers (ValueError). Every pair is checked before
  /// any is counted: other ranks or different N are a SizeError, a class out of range an
  /// IndexError naming its position.
  template <Element T, Element U>
  void batchAdd(const Tensor<T>& predictions, const Tensor<U>& targets);
  /// Zeroes the counts and the figures (Torch7's `zero()`; averageUnionValid too).
  void zero();
  /// Recomputes `valids` (recall of each class: mat[t][t] / row sum, NaN for a class never
  /// seen), `unionvalids` (IoU: mat[t][t] / (row + column - mat[t][t])), `totalValid`
  /// (accuracy), `averageValid` and `averageUnionValid` (means over the classes whose values
  /// are not NaN). Torch7's `updateValids()`.
  void updateValids();
  /// Torch7's `__tostring__`: calls updateValids(), then prints the matrix, each row's
  /// recall and class name, the averages and the global accuracy. The const overload prints
  /// the same without updating the fields.
  std::string toString();
  std::string toString() const;

  LongTensor mat;               ///< counts, [nclasses x nclasses], rows = targets
  FloatTensor valids;           ///< per-class recall (after updateValids)
  FloatTensor unionvalids;      ///< per-class IoU (after updateValids)
  index_t nclasses = 0;
  double totalValid = 0;        ///< accuracy
  double averageValid = 0;      ///< mean per-class recall
  double averageUnionValid = 0; ///< mean IoU (the VOC measure)
  std::vector<std::string> classes;

 private:
  struct Figures {
    std::vector<float> valids, unionvalids;
    double total = 0, average = 0, averageUnion = 0;
  };
  void init();
  Figures compute() const;
  std::string format(const Figures& f) const;
  void checkMat(const char* op) const;
  void count(index_t prediction, index_t target) {
    mat.data()[target * mat.stride(0) + prediction * mat.stride(1)] += 1;
  }
  template <Element T>
  static index_t argmax(const T* p, index_t stride, index_t n);
  template <Element T>
  static void readClasses(const Tensor<T>& t, std::vector<index_t>& out, const char* op, const char* what);

  std::vector<index_t> pred_, targ_;  // batchAdd buffers (reused: no allocation when N repeats)
};

/// Writes `c.toString()` (updating c's figures, as Torch7's print).
inline std::ostream& operator<<(std::ostream& os, ConfusionMatrix& c) { return os << c.toString(); }
inline std::ostream& operator<<(std::ostream& os, const ConfusionMatrix& c) { return os << c.toString(); }

// ---- definitions ---------------------------------------------------------------------------

namespace detail {
/// A number as Lua's `..` writes it ("%.14g"; "nan", "inf", "-inf").
inline std::string luaNumber(double v, const char* fmt = "%.14g") {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

template <class T>
index_t classIndex(T v, const char* op, const char* what, index_t pos) {
  if constexpr (std::is_floating_point_v<T>) {
    if (!(std::trunc(v) == v) || std::fabs(v) > 9.0e18)
      t7::detail::fail<ValueError>(op, ": ", what, " ", v, " at position ", pos, " is not a class index");
  }
  return static_cast<index_t>(v);
}
}  // namespace detail

inline ConfusionMatrix::ConfusionMatrix(std::vector<std::string> names)
    : nclasses(static_cast<index_t>(names.size())), classes(std::move(names)) {
  init();
}

inline ConfusionMatrix::ConfusionMatrix(index_t n, std::vector<std::string> names)
    : nclasses(n), classes(std::move(names)) {
  init();
}

inline void ConfusionMatrix::init() {
  if (nclasses < 1) t7::detail::fail<ValueError>("ConfusionMatrix: needs at least one class, got ", nclasses);
  mat = LongTensor(nclasses, nclasses);
  mat.zero();
  valids = FloatTensor(nclasses);
  valids.zero();
  unionvalids = FloatTensor(nclasses);
  unionvalids.zero();
}

inline void ConfusionMatrix::checkMat(const char* op) const {
  if (mat.dim() != 2 || mat.size(0) != nclasses || mat.size(1) != nclasses)
    t7::detail::fail<SizeError>(op, ": mat is ", t7::detail::bracketed(mat.sizes()), ", expected [", nclasses, "x",
                                nclasses, "]");
}

inline void ConfusionMatrix::add(index_t prediction, index_t target) {
  checkMat("ConfusionMatrix.add");
  if (target < 0) return;  // a missing label
  if (target >= nclasses)
    t7::detail::fail<IndexError>("ConfusionMatrix.add: target ", target, " is out of range for ", nclasses,
                                 " classes (valid: 0 to ", nclasses - 1, ")");
  if (prediction < 0 || prediction >= nclasses)
    t7::detail::fail<IndexError>("ConfusionMatrix.add: prediction ", prediction, " is out of range for ", nclasses,
                                 " classes (valid: 0 to ", nclasses - 1, ")");
  count(prediction, target);
}

template <Element T>
index_t ConfusionMatrix::argmax(const T* p, index_t stride, index_t n) {
  // TH's max: the first maximum; a NaN wins (the first one).
  index_t best = 0;
  T m = p[0];
  if constexpr (std::is_floating_point_v<T>)
    if (std::isnan(m)) return 0;
  for (index_t i = 1; i < n; ++i) {
    const T v = p[i * stride];
    if (!(v <= m)) {
      best = i;
      m = v;
      if constexpr (std::is_floating_point_v<T>)
        if (std::isnan(v)) break;
    }
  }
  return best;
}

template <Element T>
void ConfusionMatrix::add(const Tensor<T>& prediction, index_t target) {
  if (prediction.dim() != 1 || prediction.size(0) == 0)
    t7::detail::fail<SizeError>("ConfusionMatrix.add: prediction must be a non-empty vector of scores, got ",
                                t7::detail::bracketed(prediction.sizes()));
  add(argmax(prediction.data(), prediction.stride(0), prediction.size(0)), target);
}

template <Element T, Element U>
void ConfusionMatrix::add(const Tensor<T>& prediction, const Tensor<U>& target) {
  if (prediction.dim() != 1 || prediction.size(0) == 0)
    t7::detail::fail<SizeError>("ConfusionMatrix.add: prediction must be a non-empty vector of scores, got ",
                                t7::detail::bracketed(prediction.sizes()));
  if (target.dim() != 1 || target.size(0) == 0)
    t7::detail::fail<SizeError>("ConfusionMatrix.add: target must be a non-empty one-hot vector, got ",
                                t7::detail::bracketed(target.sizes()));
  add(argmax(prediction.data(), prediction.stride(0), prediction.size(0)),
      argmax(target.data(), target.stride(0), target.size(0)));
}

template <Element T>
void ConfusionMatrix::readClasses(const Tensor<T>& t, std::vector<index_t>& out, const char* op, const char* what) {
  const bool indices = t.dim() == 1 || (t.dim() == 2 && t.size(1) == 1);
  if (!indices && !(t.dim() == 2 && t.size(1) > 1))
    t7::detail::fail<SizeError>(op, ": ", what, " must be [N] class indices or [N x C] scores, got ",
                                t7::detail::bracketed(t.sizes()));
  const index_t n = t.size(0);
  out.resize(static_cast<std::size_t>(n));
  const T* p = t.data();
  if (indices) {
    const index_t s = t.stride(0);
    for (index_t i = 0; i < n; ++i) out[static_cast<std::size_t>(i)] = detail::classIndex(p[i * s], op, what, i);
    return;
  }
  const index_t c = t.size(1), s1 = t.stride(1);
  std::size_t i = 0;
  t7::detail::forEachSlice<1>(t.sizes(), 1, {&t.strides()},
                              [&](const std::array<index_t, 1>& off) { out[i++] = argmax(p + off[0], s1, c); });
}

template <Element T, Element U>
void ConfusionMatrix::batchAdd(const Tensor<T>& predictions, const Tensor<U>& targets) {
  constexpr const char* op = "ConfusionMatrix.batchAdd";
  checkMat(op);
  readClasses(predictions, pred_, op, "predictions");
  readClasses(targets, targ_, op, "targets");
  if (pred_.size() != targ_.size())
    t7::detail::fail<SizeError>(op, ": predictions ", t7::detail::bracketed(predictions.sizes()), " and targets ",
                                t7::detail::bracketed(targets.sizes()), " hold different numbers of samples (",
                                pred_.size(), " and ", targ_.size(), ")");
  for (std::size_t i = 0; i < targ_.size(); ++i) {
    const index_t tg = targ_[i], pr = pred_[i];
    if (tg < 0) continue;
    if (tg >= nclasses)
      t7::detail::fail<IndexError>(op, ": target ", tg, " at position ", i, " is out of range for ", nclasses,
                                   " classes (valid: 0 to ", nclasses - 1, ")");
    if (pr < 0 || pr >= nclasses)
      t7::detail::fail<IndexError>(op, ": prediction ", pr, " at position ", i, " is out of range for ", nclasses,
                                   " classes (valid: 0 to ", nclasses - 1, ")");
  }
  for (std::size_t i = 0; i < targ_.size(); ++i)
    if (targ_[i] >= 0) count(pred_[i], targ_[i]);
}

inline void ConfusionMatrix::zero() {
  mat.zero();
  valids.zero();
  unionvalids.zero();
  totalValid = 0;
  averageValid = 0;
  averageUnionValid = 0;  // (Torch7 left this one as it was)
}

inline ConfusionMatrix::Figures ConfusionMatrix::compute() const {
  checkMat("ConfusionMatrix.updateValids");
  const index_t n = nclasses, s0 = mat.stride(0), s1 = mat.stride(1);
  const std::int64_t* m = mat.data();
  auto at = [&](index_t t, index_t p) { return static_cast<double>(m[t * s0 + p * s1]); };
  Figures f;
  f.valids.resize(static_cast<std::size_t>(n));
  f.unionvalids.resize(static_cast<std::size_t>(n));
  double diag = 0, all = 0;
  for (index_t t = 0; t < n; ++t) {
    double row = 0, col = 0;
    for (index_t k = 0; k < n; ++k) {
      row += at(t, k);
      col += at(k, t);
    }
    const double d = at(t, t);
    // Torch7 divides in double and stores into FloatTensors.
    f.valids[static_cast<std::size_t>(t)] = static_cast<float>(d / row);
    f.unionvalids[static_cast<std::size_t>(t)] = static_cast<float>(d / (row + col - d));
    diag += d;
    all += row;
  }
  f.total = diag / all;
  double sumV = 0, sumU = 0;
  int nV = 0, nU = 0;
  for (std::size_t t = 0; t < f.valids.size(); ++t) {
    const double v = f.valids[t], u = f.unionvalids[t];
    if (!std::isnan(v)) {
      sumV += v;
      ++nV;
      if (!std::isnan(u)) {
        sumU += u;
        ++nU;
      }
    }
  }
  f.average = sumV / nV;
  f.averageUnion = sumU / nU;
  return f;
}

inline void ConfusionMatrix::updateValids() {
  const Figures f = compute();
  if (valids.sizes() != Shape{nclasses}) valids = FloatTensor(nclasses);
  if (unionvalids.sizes() != Shape{nclasses}) unionvalids = FloatTensor(nclasses);
  for (index_t t = 0; t < nclasses; ++t) {
    valids.data()[t * valids.stride(0)] = f.valids[static_cast<std::size_t>(t)];
    unionvalids.data()[t * unionvalids.stride(0)] = f.unionvalids[static_cast<std::size_t>(t)];
  }
  totalValid = f.total;
  averageValid = f.average;
  averageUnionValid = f.averageUnion;
}

inline std::string ConfusionMatrix::format(const Figures& f) const {
  const index_t n = nclasses, s0 = mat.stride(0), s1 = mat.stride(1);
  const std::int64_t* m = mat.data();
  std::int64_t maxCnt = m[0];
  for (index_t t = 0; t < n; ++t)
    for (index_t p = 0; p < n; ++p) maxCnt = std::max(maxCnt, m[t * s0 + p * s1]);
  // Torch7: max(8, 1 + ceil(log10(max count))) characters per count.
  const int width = maxCnt > 0 ? std::max(8, 1 + static_cast<int>(std::ceil(std::log10(static_cast<double>(maxCnt)))))
                               : 8;
  const bool named = !classes.empty();
  std::string s = "ConfusionMatrix:\n[";
  char buf[32];
  for (index_t t = 0; t < n; ++t) {
    s += t == 0 ? "[" : " [";
    for (index_t p = 0; p < n; ++p) {
      std::snprintf(buf, sizeof buf, "%*lld", width, static_cast<long long>(m[t * s0 + p * s1]));
      s += buf;
    }
    s += t == n - 1 ? "]]  " : "]   ";
    s += detail::luaNumber(static_cast<double>(f.valids[static_cast<std::size_t>(t)]) * 100, "%2.3f");
    s += "% ";
    if (named) {
      s += "\t[class: ";
      if (static_cast<std::size_t>(t) < classes.size()) s += classes[static_cast<std::size_t>(t)];
      s += "]";
    }
    s += "\n";
  }
  s += " + average row correct: " + detail::luaNumber(f.average * 100) + "% \n";
  s += " + average rowUcol correct (VOC measure): " + detail::luaNumber(f.averageUnion * 100) + "% \n";
  s += " + global correct: " + detail::luaNumber(f.total * 100) + "%";
  return s;
}

inline std::string ConfusionMatrix::toString() {
  updateValids();
  return format(compute());
}

inline std::string ConfusionMatrix::toString() const { return format(compute()); }

}  // namespace t7::optim
