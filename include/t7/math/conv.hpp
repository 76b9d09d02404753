#pragma once
/// \file conv.hpp
/// Torch7's `torch.conv2`, `torch.xcorr2`, `torch.conv3` and `torch.xcorr3`: 2-D and 3-D
/// convolution (the kernel is flipped) and cross-correlation (it is not) of an image, or of
/// a set of planes, with a kernel or a set of kernels.
///
/// Shapes for the 2-D functions (the 3-D ones add one spatial dimension everywhere):
///
/// | x             | k                   | result            | meaning                              |
/// |---------------|---------------------|-------------------|--------------------------------------|
/// | H x W         | kH x kW             | oH x oW           | one image, one kernel                |
/// | p x H x W     | p x kH x kW         | p x oH x oW       | plane i with kernel i                |
/// | p x H x W     | q x p x kH x kW     | q x oH x oW       | output o = sum over i of x[i] * k[o][i] |
///
/// `mode` 'V' (valid, the default) keeps the positions where the kernel fits inside the
/// input: oH = H - kH + 1, and the kernel must not be larger than the input. 'F' (full)
/// keeps every position where they overlap: oH = H + kH - 1.
///
/// Every element type works, as in Torch7 (integer types wrap around on overflow, with
/// defined results); inputs of any layout are copied to contiguous memory first. The
/// result-first forms write into `res` (resized); when `res` does not overlap the inputs
/// they compute in place, so a loop `conv2(res, x, k)` over contiguous inputs allocates
/// nothing after its first call (Torch7's example in doc/maths.md).

#include "t7/core/error.hpp"
#include "t7/tensor/tensor.hpp"

namespace t7 {

/// 2-D convolution (Torch7's `torch.conv2(x, k, mode)`): x and k of 2 and 2, 3 and 3, or 3 and 4
/// dimensions (see the file comment); mode 'V' (valid) or 'F' (full).
template <Element T>
Tensor<T> conv2(const Tensor<T>& x, const Tensor<T>& k, char mode = 'V');
/// Result-first form (Torch7's `torch.conv2(res, x, k, mode)`): resizes `res` and writes into it.
template <Element T>
Tensor<T>& conv2(Tensor<T>& res, const Tensor<T>& x, const Tensor<T>& k, char mode = 'V');

/// 2-D cross-correlation (Torch7's `torch.xcorr2(x, k, mode)`): conv2 without flipping the
/// kernel, so `xcorr2(x, k)` equals `conv2(x, k flipped in both spatial dimensions)`.
template <Element T>
Tensor<T> xcorr2(const Tensor<T>& x, const Tensor<T>& k, char mode = 'V');
template <Element T>
Tensor<T>& xcorr2(Tensor<T>& res, const Tensor<T>& x, const Tensor<T>& k, char mode = 'V');

/// 3-D convolution (Torch7's `torch.conv3(x, k, mode)`): x and k of 3 and 3, 4 and 4, or 4 and 5
/// dimensions (D x H x W volumes, optionally with planes), mode 'V' or 'F'.
template <Element T>
Tensor<T> conv3(const Tensor<T>& x, const Tensor<T>& k, char mode = 'V');
template <Element T>
Tensor<T>& conv3(Tensor<T>& res, const Tensor<T>& x, const Tensor<T>& k, char mode = 'V');

/// 3-D cross-correlation (Torch7's `torch.xcorr3(x, k, mode)`).
template <Element T>
Tensor<T> xcorr3(const Tensor<T>& x, const Tensor<T>& k, char mode = 'V');
template <Element T>
Tensor<T>& xcorr3(Tensor<T>& res, const Tensor<T>& x, const Tensor<T>& k, char mode = 'V');

}  // namespace t7

#include "t7/math/detail/conv_impl.hpp"
