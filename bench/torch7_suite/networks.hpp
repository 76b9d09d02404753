// The Torch7 paper's benchmark networks (../shared/bench-spec.md), in one list that both sides
// of the suite include (suite_t7.cpp and suite_libtorch.cpp), so they always build the same
// layers, train on the same kind of data and time the same protocol. Plain C++: no t7 or
// LibTorch header, as the two sides are compiled apart.
//
//   mlp_784_10, mlp_784_500_10, mlp_784_1000x3_10   Linear layers, tanh between them
//   cnn32, cnn96, cnn256                             Torch7's 2011 CNNs: conv, tanh, trainable
//                                                    SpatialSubSampling, tanh, conv, tanh,
//                                                    subsampling, tanh, Linear(n,120), Linear(120,10)
//   cnn32_theano, cnn96_theano, cnn256_theano        Theano's 2010 form: max pooling instead of
//                                                    subsampling, tanh after the 120 layer
//
// Every network ends with LogSoftMax + ClassNLL (mean over the mini-batch) and trains with plain
// SGD (learning rate 0.01). The first layer computes no gradInput (its input is data: Torch7's
// `-gi false`). Batch 1 feeds one example without a batch dimension (784, or 1 x H x W), as
// Torch7's script did; LibTorch gets a batch of one.
//
// The check exchange: suite_t7 --check DIR writes, per network and batch, the initial weights,
// one mini-batch, the loss of one SGD step and the weights after it (writeTensors below);
// suite_libtorch --check DIR loads the initial weights into its own network, runs the same step
// and compares (bench/torch7_suite/run.sh runs both before timing anything).
#pragma once

#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace suite {

enum class Kind { Mlp, Cnn };

struct Net {
  const char* name;
  const char* title;  ///< for tables and the plot
  Kind kind;
  // MLP: hidden layer sizes (0 = unused)
  std::int64_t hidden[3];
  // CNN: input side, conv kernel, pool sizes after conv 1 and conv 2, Theano's variant
  std::int64_t side, k, pool1, pool2;
  bool theano;
  /// Examples in the pre-generated data pool (bench-spec.md §2.4).
  std::int64_t pool;

  std::int64_t inputs() const { return kind == Kind::Mlp ? 784 : side * side; }
  std::int64_t conv1Out() const { return side - k + 1; }
  std::int64_t pooled1() const { return conv1Out() / pool1; }
  std::int64_t conv2Out() const { return pooled1() - k + 1; }
  std::int64_t pooled2() const { return conv2Out() / pool2; }
  /// The size of the flattened feature maps that feed Linear(n, 120).
  std::int64_t flat() const { return 16 * pooled2() * pooled2(); }
  bool isMlp() const { return kind == Kind::Mlp; }
};

inline constexpr Net nets[] = {
    {"mlp_784_10", "MLP 784/10", Kind::Mlp, {0, 0, 0}, 0, 0, 0, 0, false, 6000},
    {"mlp_784_500_10", "MLP 784/500/10", Kind::Mlp, {500, 0, 0}, 0, 0, 0, 0, false, 6000},
    {"mlp_784_1000x3_10", "MLP 784/1000x3/10", Kind::Mlp, {1000, 1000, 1000}, 0, 0, 0, 0, false, 6000},
    {"cnn32", "CNN 32x32", Kind::Cnn, {0, 0, 0}, 32, 5, 2, 2, false, 6000},
    {"cnn96", "CNN 96x96", Kind::Cnn, {0, 0, 0}, 96, 7, 3, 3, false, 600},
    {"cnn256", "CNN 256x256", Kind::Cnn, {0, 0, 0}, 256, 7, 5, 4, false, 120},
    {"cnn32_theano", "CNN 32x32 (Theano)", Kind::Cnn, {0, 0, 0}, 32, 5, 2, 2, true, 6000},
    {"cnn96_theano", "CNN 96x96 (Theano)", Kind::Cnn, {0, 0, 0}, 96, 7, 3, 3, true, 600},
    {"cnn256_theano", "CNN 256x256 (Theano)", Kind::Cnn, {0, 0, 0}, 256, 7, 5, 4, true, 120},
};
inline constexpr int netCount = sizeof(nets) / sizeof(nets[0]);

inline constexpr double learningRate = 0.01;
inline constexpr int batches[] = {1, 60};
inline constexpr int threadCounts[] = {1, 2};
/// Warm-up and timed seconds of every cell (bench-spec.md §2.4: >= 0.5 s, then >= 2 s).
inline constexpr double warmUpSeconds = 0.5;
inline constexpr double minSeconds = 2.0;

/// Label of example `i` (Torch7's script: i mod 10).
inline std::int64_t label(std::int64_t i) { return i % 10; }

// ---- the check exchange ----------------------------------------------------------------------
// A file of tensors: "T7SUITE1", a count, then per tensor its rank, sizes and float values
// (little-endian host order: both sides run on this machine).

struct Array {
  std::vector<std::int64_t> sizes;
  std::vector<float> values;
};

inline void writeTensors(const std::string& path, const std::vector<Array>& arrays) {
  std::ofstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("suite: cannot write " + path);
  f.write("T7SUITE1", 8);
  const std::int64_t n = static_cast<std::int64_t>(arrays.size());
  f.write(reinterpret_cast<const char*>(&n), sizeof n);
  for (const Array& a : arrays) {
    const std::int64_t rank = static_cast<std::int64_t>(a.sizes.size());
    f.write(reinterpret_cast<const char*>(&rank), sizeof rank);
    f.write(reinterpret_cast<const char*>(a.sizes.data()), static_cast<std::streamsize>(rank * sizeof(std::int64_t)));
    f.write(reinterpret_cast<const char*>(a.values.data()),
            static_cast<std::streamsize>(a.values.size() * sizeof(float)));
  }
  if (!f.flush()) throw std::runtime_error("suite: cannot write " + path);
}

inline std::vector<Array> readTensors(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  char magic[8] = {};
  std::int64_t n = 0;
  if (!f.read(magic, 8) || std::string(magic, 8) != "T7SUITE1" || !f.read(reinterpret_cast<char*>(&n), sizeof n) ||
      n < 0 || n > 64)
    throw std::runtime_error("suite: " + path + " is not a suite tensor file");
  std::vector<Array> arrays(static_cast<std::size_t>(n));
  for (Array& a : arrays) {
    std::int64_t rank = 0;
    if (!f.read(reinterpret_cast<char*>(&rank), sizeof rank) || rank < 0 || rank > 8)
      throw std::runtime_error("suite: bad rank in " + path);
    a.sizes.resize(static_cast<std::size_t>(rank));
    f.read(reinterpret_cast<char*>(a.sizes.data()), static_cast<std::streamsize>(rank * sizeof(std::int64_t)));
    std::int64_t count = 1;
    for (std::int64_t s : a.sizes) {
      if (s < 0 || s > (std::int64_t{1} << 26)) throw std::runtime_error("suite: bad size in " + path);
      count *= s;
      if (count > (std::int64_t{1} << 26)) throw std::runtime_error("suite: tensor too large in " + path);
    }
    a.values.resize(static_cast<std::size_t>(count));
    if (!f.read(reinterpret_cast<char*>(a.values.data()), static_cast<std::streamsize>(count * sizeof(float))))
      throw std::runtime_error("suite: " + path + " is truncated");
  }
  return arrays;
}

/// File names of one check case.
inline std::string checkFile(const std::string& dir, const Net& net, int batch, const char* what) {
  return dir + "/" + net.name + "_b" + std::to_string(batch) + "_" + what + ".bin";
}

}  // namespace suite
