#pragma once
/// \file print.hpp
/// `Tensor::toString()`: Torch7's `tostring(t)`, byte for byte.
///
/// This ports `Storage__printformat`, `Tensor__printMatrix` and `Tensor__printTensor` of
/// torch7's Tensor.lua (master). Every element is widened to double first. One cell format
/// is then chosen from all the elements: `%<w>d` when every value is an integer, `%<w>.4f`
/// (with a `10^k *` scale line when the largest |v| is >= 1e5 or < 0.01), or `%<w>.4e` when
/// |v| spans more than 4 decades. A NaN anywhere falls back to plain `%f`.
/// Layout: 1-D prints one value per line; 2-D prints rows split into chunks of at most 80
/// columns ("Columns a to b"); N-D prints each trailing matrix under a 1-based header
/// `(i,j,.,.) = `, first index fastest. The footer is `[torch.FloatTensor of size 2x3]`
/// and the result ends with exactly one '\n'. Torch7's quirks are kept on purpose (the
/// missing indent before later "Columns" headers, the trailing space after "= ").

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <type_traits>
#include <vector>

namespace t7 {
namespace detail {

/// The cell format Torch7 picks for a set of values (its `format, scale, sz`).
struct PrintFormat {
  enum Kind { Int, Fixed, Exp, Nan };
  Kind kind = Int;   ///< %<width>d, %<width>.4f, %<width>.4e, or plain %f (NaN present)
  int width = 0;     ///< the printf field width (Torch7's `sz`); unused for Nan
  double scale = 1;  ///< values are printed divided by this; 1 means no scale line
};

/// Torch7's `Storage__printformat` over the values (row-major, already widened to double).
inline PrintFormat choosePrintFormat(const std::vector<double>& vals) {
  PrintFormat f;
  if (vals.empty()) return f;
  bool intMode = true;
  for (double v : vals)
    if (v != std::ceil(v)) {  // NaN fails this too; +-inf passes
      intMode = false;
      break;
    }
  // min and max of |v| with TH's semantics: any NaN makes both NaN.
  double mn = std::fabs(vals[0]), mx = mn;
  for (double v : vals) {
    const double a = std::fabs(v);
    if (std::isnan(a)) {
      mn = mx = a;
      break;
    }
    if (a < mn) mn = a;
    if (a > mx) mx = a;
  }
  // "Digits before the point"; a zero counts as 1. Kept as double: may be inf or NaN.
  const double expMin = mn != 0 ? std::floor(std::log10(mn)) + 1 : 1;
  const double expMax = mx != 0 ? std::floor(std::log10(mx)) + 1 : 1;
  if (intMode) {
    if (expMax > 9) {
      f.kind = PrintFormat::Exp;
      f.width = 11;
    } else {
      f.kind = PrintFormat::Int;
      f.width = static_cast<int>(expMax) + 1;
    }
  } else if (std::isnan(expMax) || std::isnan(expMin)) {
    f.kind = PrintFormat::Nan;  // Torch7 builds "%nan.4f" and then replaces it by "%f"
  } else if (expMax - expMin > 4) {
    f.kind = PrintFormat::Exp;
    f.width = (std::fabs(expMax) > 99 || std::fabs(expMin) > 99) ? 12 : 11;
  } else if (expMax > 5 || expMax < 0) {
    f.kind = PrintFormat::Fixed;
    f.width = 7;
    f.scale = std::pow(10.0, expMax - 1);
  } else {
    f.kind = PrintFormat::Fixed;
    f.width = expMax == 0 ? 7 : static_cast<int>(expMax) + 6;
  }
  return f;
}

/// Appends one cell: `x` (already divided by the scale) in format `f`.
inline void appendCell(std::string& out, const PrintFormat& f, double x) {
  char buf[512];  // "%f" of the largest double needs 317 characters
  int n = 0;
  switch (f.kind) {
    case PrintFormat::Int:  // Lua casts the (integer-valued) double to a C integer
      n = std::snprintf(buf, sizeof buf, "%*lld", f.width, static_cast<long long>(x));
      break;
    case PrintFormat::Fixed:
      n = std::snprintf(buf, sizeof buf, "%*.4f", f.width, x);
      break;
    case PrintFormat::Exp:
      n = std::snprintf(buf, sizeof buf, "%*.4e", f.width, x);
      break;
    case PrintFormat::Nan:
      n = std::snprintf(buf, sizeof buf, "%f", x);
      break;
  }
  if (n > 0) out.append(buf, std::min(static_cast<std::size_t>(n), sizeof buf - 1));
}

/// Appends `printf("%g", scale)`.
inline void appendScale(std::string& out, double scale) {
  char buf[64];
  const int n = std::snprintf(buf, sizeof buf, "%g", scale);
  if (n > 0) out.append(buf, static_cast<std::size_t>(n));
}

/// Torch7's `Tensor__printMatrix`: the rows x cols row-major matrix at `m`, with `indent`
/// ("" for a 2-D tensor, " " inside the slices of an N-D tensor). Ends with '\n'.
inline void printMatrix(std::string& out, const double* m, index_t rows, index_t cols, const PrintFormat& f,
                        const std::string& indent) {
  const double scale = f.scale;
  // Cells per 80-column line, each `width` characters plus one separator. With a NaN
  // Torch7's count is NaN, every comparison with it fails and the matrix is never split.
  const index_t perLine = f.kind == PrintFormat::Nan
                              ? cols
                              : (80 - static_cast<index_t>(indent.size())) / (f.width + 1);
  out += indent;
  for (index_t first = 1; first <= cols;) {
    const index_t last = first + perLine - 1 <= cols ? first + perLine - 1 : cols;
    if (perLine < cols) {
      if (first != 1) out += '\n';  // no indent before later headers: Torch7's quirk
      out += "Columns " + std::to_string(first) + " to " + std::to_string(last) + "\n" + indent;
    }
    if (scale != 1) {
      appendScale(out, scale);
      out += " *\n " + indent;
    }
    for (index_t r = 0; r < rows; ++r) {
      for (index_t c = first; c <= last; ++c) {
        appendCell(out, f, m[r * cols + (c - 1)] / scale);
        if (c == last) {
          out += '\n';
          if (r != rows - 1) out += scale != 1 ? indent + " " : indent;
        } else {
          out += ' ';
        }
      }
    }
    first = last + 1;
  }
}

/// Torch7's `Tensor.__tostring__` over the row-major values `vals` of a tensor of `sizes`.
inline std::string tensorToString(const std::vector<double>& vals, const Shape& sizes,
                                  const std::string& typeName) {
  const int n = sizes.size();
  if (n == 0) return "[" + typeName + " with no dimension]\n";
  std::string out;
  const std::string footer = "[" + typeName + " of size " + sizes.toString() + "]\n";
  // A size-0 dimension (which Torch7 cannot express): only the footer.
  if (vals.empty()) return footer;
  const PrintFormat f = choosePrintFormat(vals);
  if (n == 1) {
    if (f.scale != 1) {
      appendScale(out, f.scale);
      out += " *\n";
    }
    for (double v : vals) {
      appendCell(out, f, v / f.scale);
      out += '\n';
    }
  } else if (n == 2) {
    printMatrix(out, vals.data(), sizes[0], sizes[1], f, "");
  } else {
    // Odometer over the k = n - 2 leading dimensions, the FIRST index varying fastest.
    const int k = n - 2;
    const index_t rows = sizes[n - 2], cols = sizes[n - 1];
    index_t counter[kMaxDims] = {};  // 0-based; printed 1-based, as Torch7 does
    for (bool firstSlice = true;; firstSlice = false) {
      if (!firstSlice) {
        int i = 0;
        while (i < k && ++counter[i] == sizes[i]) counter[i++] = 0;  // carry to the next digit
        if (i == k) break;
        out += '\n';  // blank line between slices
      }
      out += '(';
      index_t slice = 0;  // row-major index of the slice among the leading dimensions
      for (int d = 0; d < k; ++d) {
        out += std::to_string(counter[d] + 1) + ",";
        slice = slice * sizes[d] + counter[d];
      }
      out += ".,.) = \n";
      printMatrix(out, vals.data() + slice * rows * cols, rows, cols, f, " ");
    }
  }
  return out + footer;
}

}  // namespace detail

template <Element T, Device D>
std::string Tensor<T, D>::toString() const {
  if constexpr (!std::is_same_v<D, CPU>) {
    detail::fail<TypeError>("toString: only CPU tensors can be printed (", typeName(), " on ", D::name,
                            "); copy it to the CPU first");
  } else {
    std::vector<double> vals;  // Torch7 prints from a contiguous DoubleTensor copy
    vals.reserve(static_cast<std::size_t>(nElement()));
    for (const T& x : *this) vals.push_back(static_cast<double>(x));
    return detail::tensorToString(vals, sizes_, typeName());
  }
}

}  // namespace t7
