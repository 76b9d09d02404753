// The convolution layer shapes bench_conv (t7) and bench_conv_libtorch (LibTorch) time, in one
// list both include so the two sides always run the same layers:
//   lenet_c1/c2   the tutorial's LeNet (28x28 input padded by 2, then 6 -> 16 on 14x14)
//   vgg_c1..c6    the GTSRB tutorial's vgg-small on 48x48 (3x3, pad 1, ConvBNReLU blocks)
//   cnnN_c1/c2    the Torch7 paper's benchmark CNNs on 32x32, 96x96 and 256x256 inputs
// `inputGrad` is false for first layers (their input is data: Torch7's `-gi false`).
#pragma once

#include <cstdint>

namespace convbench {

struct Shape {
  const char* name;
  std::int64_t nIn, nOut, k, pad, height, width;
  bool inputGrad;
  std::int64_t outH() const { return height + 2 * pad - k + 1; }
  std::int64_t outW() const { return width + 2 * pad - k + 1; }
  /// Multiply-adds x 2 of one pass over `batch` examples.
  double flops(std::int64_t batch) const {
    return 2.0 * static_cast<double>(batch * nOut * outH() * outW() * nIn * k * k);
  }
  /// forward + gradWeight (+ gradInput)
  double stepFlops(std::int64_t batch) const { return flops(batch) * (inputGrad ? 3 : 2); }
};

inline constexpr Shape shapes[] = {
    {"lenet_c1", 1, 6, 5, 2, 28, 28, false},   {"lenet_c2", 6, 16, 5, 0, 14, 14, true},
    {"vgg_c1", 3, 32, 3, 1, 48, 48, false},    {"vgg_c2", 32, 32, 3, 1, 48, 48, true},
    {"vgg_c3", 32, 64, 3, 1, 24, 24, true},    {"vgg_c4", 64, 64, 3, 1, 24, 24, true},
    {"vgg_c5", 64, 128, 3, 1, 12, 12, true},   {"vgg_c6", 128, 128, 3, 1, 12, 12, true},
    {"cnn32_c1", 1, 6, 5, 0, 32, 32, false},   {"cnn32_c2", 6, 16, 5, 0, 14, 14, true},
    {"cnn96_c1", 1, 6, 7, 0, 96, 96, false},   {"cnn96_c2", 6, 16, 7, 0, 30, 30, true},
    {"cnn256_c1", 1, 6, 7, 0, 256, 256, false}, {"cnn256_c2", 6, 16, 7, 0, 50, 50, true},
};
inline constexpr int shapeCount = sizeof(shapes) / sizeof(shapes[0]);

}  // namespace convbench
