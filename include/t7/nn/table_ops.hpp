#pragma once
/// \file table_ops.hpp
/// Elementwise table layers (Torch7's CAddTable, CSubTable, CMulTable, CDivTable, CMaxTable,
/// CMinTable): a table of same-sized tensors in, one tensor out, a table of gradients back.
///
/// ```cpp
/// nn::CAddTable<float> add;
/// const FloatTensor& y = add.forward({a, b, c});   // a + b + c
/// ```

#include <string>

#include "t7/expr.hpp"
#include "t7/nn/module.hpp"
#include "t7/nn/table_utils.hpp"

namespace t7::nn {

/// The sum of a table of same-sized tensors (Torch7's nn.CAddTable(inplace)). In place, the
/// output is the first input (overwritten) and each gradInput is the gradOutput itself.
template <Element T = float>
class CAddTable : public ModuleBase<CAddTable<T>, T, Table<T>, Tensor<T>> {
 public:
  static constexpr const char* torchType = "nn.CAddTable";
  bool inplace = false;

  CAddTable() = default;
  explicit CAddTable(bool inplace) : inplace(inplace) {}

  const Tensor<T>& updateOutput(const Table<T>& input) {
    const Tensor<T>& x0 = detail::sameSizeTensors(input, 1, true, "CAddTable");
    std::size_t next = 1;
    dropBorrowed();
    if (inplace) {
      this->output = x0;
      borrowed_ = true;
    } else {
      detail::detachFromTable(this->output, input);
      this->output.resize(x0.sizes());
      if (input.size() >= 2) {
        this->output = x0 + input[1].tensor();
        next = 2;
      } else {
        this->output.copy(x0);
      }
    }
    for (std::size_t i = next; i < input.size(); ++i) this->output += input[i].tensor();
    return this->output;
  }
  const Table<T>& updateGradInput(const Table<T>& input, const Tensor<T>& gradOutput) {
    checkSameSize("CAddTable", this->output, gradOutput);
    dropBorrowed();
    this->gradInput.resize(input.size());
    for (std::size_t i = 0; i < input.size(); ++i) {
      if (inplace) {
        this->gradInput[i] = gradOutput;
        borrowed_ = true;
      } else {
        Tensor<T>& g = utils::ownTensor(this->gradInput, i, gradOutput);
        g.resize(gradOutput.sizes());
        g.copy(gradOutput);
      }
    }
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.option("inplace", inplace);
  }

 private:
  bool borrowed_ = false;  // output / gradInput hold the caller's tensors (an in-place call)

  /// After in-place calls, a call that is not in place starts from fresh tensors, so it never
  /// writes over the tensors the in-place calls borrowed.
  void dropBorrowed() {
    if (inplace || !borrowed_) return;
    this->output = Tensor<T>();
    for (auto& g : this->gradInput) g = Activity<T>();
    borrowed_ = false;
  }
};
CAddTable()->CAddTable<float>;
CAddTable(bool)->CAddTable<float>;
static_assert(Module<CAddTable<float>>);

/// input[0] - input[1] (Torch7's nn.CSubTable).
template <Element T = float>
class CSubTable : public ModuleBase<CSubTable<T>, T, Table<T>, Tensor<T>> {
 public:
  static constexpr const char* torchType = "nn.CSubTable";

  const Tensor<T>& updateOutput(const Table<T>& input) {
    const Tensor<T>& x0 = detail::sameSizeTensors(input, 2, false, "CSubTable");
    detail::detachFromTable(this->output, input);
    this->output.resize(x0.sizes());
    this->output = x0 - input[1].tensor();
    return this->output;
  }
  const Table<T>& updateGradInput(const Table<T>& input, const Tensor<T>& gradOutput) {
    detail::sameSizeTensors(input, 2, false, "CSubTable");
    checkSameSize("CSubTable", this->output, gradOutput);
    this->gradInput.resize(2);
    Tensor<T>& g0 = utils::ownTensor(this->gradInput, 0, gradOutput);
    g0.resize(gradOutput.sizes());
    g0.copy(gradOutput);
    Tensor<T>& g1 = utils::ownTensor(this->gradInput, 1, gradOutput);
    g1.resize(gradOutput.sizes());
    g1 = -gradOutput;
    return this->gradInput;
  }
};
CSubTable()->CSubTable<float>;
static_assert(Module<CSubTable<float>>);

/// The elementwise product of a table of same-sized tensors (Torch7's nn.CMulTable).
/// gradInput[i] = gradOutput times the product of the other inputs (computed without
/// dividing, so zeros are fine).
template <Element T = float>
class CMulTable : public ModuleBase<CMulTable<T>, T, Table<T>, Tensor<T>> {
 public:
  static constexpr const char* torchType = "nn.CMulTable";

  const Tensor<T>& updateOutput(const Table<T>& input) {
    const Tensor<T>& x0 = detail::sameSizeTensors(input, 1, true, "CMulTable");
    detail::detachFromTable(this->output, input);
    this->output.resize(x0.sizes());
    if (input.size() == 1) {
      this->output.copy(x0);
      return this->output;
    }
    this->output = x0 * input[1].tensor();
    for (std::size_t i = 2; i < input.size(); ++i) this->output *= input[i].tensor();
    return this->output;
  }
  const Table<T>& updateGradInput(const Table<T>& input, const Tensor<T>& gradOutput) {
    detail::sameSizeTensors(input, 1, true, "CMulTable");
    checkSameSize("CMulTable", this->output, gradOutput);
    const std::size_t n = input.size();
    this->gradInput.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      Tensor<T>& g = utils::ownTensor(this->gradInput, i, gradOutput);
      g.resize(gradOutput.sizes());
      if (n == 2) {
        g = gradOutput * input[1 - i].tensor();
        continue;
      }
      g.copy(gradOutput);
      for (std::size_t j = 0; j < n; ++j)
        if (j != i) g *= input[j].tensor();
    }
    return this->gradInput;
  }
};
CMulTable()->CMulTable<float>;
static_assert(Module<CMulTable<float>>);

/// input[0] / input[1] (Torch7's nn.CDivTable).
template <Element T = float>
class CDivTable : public ModuleBase<CDivTable<T>, T, Table<T>, Tensor<T>> {
 public:
  static constexpr const char* torchType = "nn.CDivTable";

  const Tensor<T>& updateOutput(const Table<T>& input) {
    const Tensor<T>& x0 = detail::sameSizeTensors(input, 2, false, "CDivTable");
    detail::detachFromTable(this->output, input);
    this->output.resize(x0.sizes());
    this->output = x0 / input[1].tensor();
    return this->output;
  }
  /// d/dx0 = g / x1; d/dx1 = -g x0 / x1^2.
  const Table<T>& updateGradInput(const Table<T>& input, const Tensor<T>& gradOutput) {
    const Tensor<T>& x0 = detail::sameSizeTensors(input, 2, false, "CDivTable");
    const Tensor<T>& x1 = input[1].tensor();
    checkSameSize("CDivTable", this->output, gradOutput);
    this->gradInput.resize(2);
    Tensor<T>& g0 = utils::ownTensor(this->gradInput, 0, gradOutput);
    g0.resize(gradOutput.sizes());
    g0 = gradOutput / x1;
    Tensor<T>& g1 = utils::ownTensor(this->gradInput, 1, gradOutput);
    g1.resize(gradOutput.sizes());
    g1 = -g0 * x0 / x1;
    return this->gradInput;
  }
};
CDivTable()->CDivTable<float>;
static_assert(Module<CDivTable<float>>);

namespace detail {

/// CMaxTable / CMinTable forward: out = the elementwise max (min) of the inputs, idx = the
/// 0-based input it came from (the first one among ties).
template <bool Max, Element T>
void extremumForward(Tensor<T>& out, Tensor<T>& idx, const Table<T>& input, const char* op) {
  const Tensor<T>& x0 = sameSizeTensors(input, 1, true, op);
  detachFromTable(out, input);
  out.resize(x0.sizes());
  out.copy(x0);
  idx.resize(x0.sizes());
  idx.zero();
  for (std::size_t i = 1; i < input.size(); ++i) {
    const Tensor<T>& xi = input[i].tensor();
    if constexpr (Max) {
      idx = where(gt(xi, out), static_cast<T>(i), idx);
      out = cmax(out, xi);
    } else {
      idx = where(lt(xi, out), static_cast<T>(i), idx);
      out = cmin(out, xi);
    }
  }
}

/// gradInput[i] = gradOutput where input i was the max (min), 0 elsewhere.
template <Element T>
void extremumBackward(Table<T>& gradInput, const Tensor<T>& idx, const Table<T>& input, const Tensor<T>& output,
                      const Tensor<T>& gradOutput, const char* op) {
  sameSizeTensors(input, 1, true, op);
  checkSameSize(op, output, gradOutput);
  gradInput.resize(input.size());
  for (std::size_t i = 0; i < input.size(); ++i) {
    Tensor<T>& g = utils::ownTensor(gradInput, i, gradOutput);
    g.resize(gradOutput.sizes());
    g = where(eq(idx, static_cast<T>(i)), gradOutput, T(0));
  }
}

}  // namespace detail

/// The elementwise maximum of a table of same-sized tensors (Torch7's nn.CMaxTable); the
/// gradient goes to the input that held the maximum (the first among ties).
/// `maxIdx` keeps that input's 0-based number (Torch7 kept it 1-based).
template <Element T = float>
class CMaxTable : public ModuleBase<CMaxTable<T>, T, Table<T>, Tensor<T>> {
 public:
  static constexpr const char* torchType = "nn.CMaxTable";
  Tensor<T> maxIdx;

  const Tensor<T>& updateOutput(const Table<T>& input) {
    detail::extremumForward<true>(this->output, maxIdx, input, "CMaxTable");
    return this->output;
  }
  const Table<T>& updateGradInput(const Table<T>& input, const Tensor<T>& gradOutput) {
    detail::extremumBackward(this->gradInput, maxIdx, input, this->output, gradOutput, "CMaxTable");
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.buffer("maxIdx", maxIdx);
  }
};
CMaxTable()->CMaxTable<float>;
static_assert(Module<CMaxTable<float>>);

/// The elementwise minimum of a table of same-sized tensors (Torch7's nn.CMinTable).
/// `minIdx` keeps the 0-based number of the input that held the minimum.
template <Element T = float>
class CMinTable : public ModuleBase<CMinTable<T>, T, Table<T>, Tensor<T>> {
 public:
  static constexpr const char* torchType = "nn.CMinTable";
  Tensor<T> minIdx;

  const Tensor<T>& updateOutput(const Table<T>& input) {
    detail::extremumForward<false>(this->output, minIdx, input, "CMinTable");
    return this->output;
  }
  const Table<T>& updateGradInput(const Table<T>& input, const Tensor<T>& gradOutput) {
    detail::extremumBackward(this->gradInput, minIdx, input, this->output, gradOutput, "CMinTable");
    return this->gradInput;
  }
  template <class V>
  void fields(V& v) {
    v.buffer("minIdx", minIdx);
  }
};
CMinTable()->CMinTable<float>;
static_assert(Module<CMinTable<float>>);

}  // namespace t7::nn
