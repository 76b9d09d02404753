#pragma once
/// \file batch.hpp
/// Mini-batches for training loops: `batches(dataset, batchSize, options)` is a range of
/// (input, target) pairs, shuffled each epoch by a seedable Generator, normalised per channel
/// and optionally augmented (random crop with padding, horizontal flip) as each batch is
/// written. It replaces the GTSRB tutorial's `dataGen:trainGenerator(batchSize)` /
/// `dataGen:valGenerator(batchSize)` and Torch7's hand-written `shuffle = torch.randperm(n)`
/// loops.
///
/// ```cpp
/// auto norm = data::channelNormalization(train.images, 1.0 / 255);   // per-channel mean/std
/// Generator g(42);
/// auto trainBatches = data::batches(train, 128, {.shuffle = true, .generator = &g, .normalize = norm,
///                                               .cropPadding = 4, .hflip = true});
/// for (int epoch = 0; epoch < 10; ++epoch)
///   for (auto& [x, y] : trainBatches) {   // x: FloatTensor [128 x 3 x 32 x 32], y: LongTensor [128]
///     ...
///   }
/// ```
/// The batch tensors are reused: after the first batch, an epoch allocates nothing (a batch
/// overwrites the previous one, so `clone()` what you keep).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <type_traits>
#include <utility>
#include <vector>

#include "t7/core/dtype.hpp"
#include "t7/core/error.hpp"
#include "t7/core/generator.hpp"
#include "t7/core/shape.hpp"
#include "t7/tensor/detail/iteration.hpp"
#include "t7/tensor/tensor.hpp"

namespace t7::data {

/// An affine map of example values: `x = (scale * v - mean[c]) / std[c]`, c the channel.
/// `mean` and `std` hold nothing (0 and 1), one value (every channel) or one per channel.
struct Normalization {
  double scale = 1;
  std::vector<double> mean = {};
  std::vector<double> std = {};
};

/// The mean and standard deviation of each channel of `images` [N x C x H x W] (dim 1), or of
/// all values for other ranks, of the values times `scale`, computed in double (two passes;
/// the population standard deviation, dividing by the count: Torch7's `std()` divides by
/// count - 1). A constant channel gets std 1, so that normalising it divides by nothing odd.
/// ValueError when `images` has no element or `scale` is not finite and non-zero.
template <Element T>
Normalization channelNormalization(const Tensor<T>& images, double scale = 1);

/// Applies `n` in place to `x` (Torch7's `x[{{}, c}]:add(-mean[c]):div(std[c])` loop):
/// per channel (dim 1) for [N x C x H x W] with C values, else one value for everything.
/// ValueError / SizeError as the `normalize` option of batches.
template <FloatingElement F>
Tensor<F>& normalize(Tensor<F>& x, const Normalization& n);

/// Options of batches() (designated initializers: `{.shuffle = true, .hflip = true}`).
struct BatchOptions {
  bool shuffle = false;            ///< a new random order each epoch (Fisher-Yates, as torch.randperm)
  bool dropLast = false;           ///< leave out the last batch when it is smaller than batchSize
  Generator* generator = nullptr;  ///< the random stream of shuffling and augmentation; nullptr: defaultGenerator()
  Normalization normalize = {};    ///< applied to every input value
  index_t cropPadding = 0;         ///< > 0: random crop of the image zero-padded by this many pixels on each side
  bool hflip = false;              ///< flip each image left-right with probability 1/2
};

/// The batches of a dataset: a range whose elements are `Batch{input, target}`, each epoch a
/// pass over every example once (in a new random order when shuffling). Calling begin()
/// starts an epoch; one iteration at a time. Input is a tensor of F (float) with the sizes of
/// the images but the first, target a tensor of the labels' type (sizes likewise).
template <Element T, Element L, FloatingElement F = float>
class Batches {
 public:
  /// One mini-batch: `auto& [x, y] = batch`.
  struct Batch {
    Tensor<F> input;   ///< [n x ...], n = batchSize, or fewer for the last batch
    Tensor<L> target;  ///< [n] (or [n x ...])
  };

  /// Iterates over the batches of one epoch; each step writes the next batch.
  class iterator {
   public:
    using value_type = Batch;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    Batch& operator*() const { return owner_->batch_; }
    Batch* operator->() const { return &owner_->batch_; }
    iterator& operator++() {
      if (++index_ < owner_->size()) owner_->fill(index_);
      return *this;
    }
    void operator++(int) { ++*this; }
    /// Which batch of the epoch (0-based).
    index_t index() const { return index_; }
    friend bool operator==(const iterator& it, std::default_sentinel_t) { return it.index_ >= it.owner_->size(); }

   private:
    friend class Batches;
    iterator(Batches* owner, index_t index) : owner_(owner), index_(index) {}
    Batches* owner_ = nullptr;
    index_t index_ = 0;
  };

  /// Batches of `batchSize` examples of `images` [N x ...] and `labels` [N x ...] (shared,
  /// not copied). ValueError for batchSize < 1, images or labels without a dimension, a
  /// negative cropPadding, crop or flip on images that are not [N x H x W] or [N x C x H x W],
  /// a std <= 0 or a value that is not finite; SizeError when the counts differ or the
  /// normalisation has neither 0, 1 nor C values.
  Batches(Tensor<T> images, Tensor<L> labels, index_t batchSize, BatchOptions opts = {});
  Batches(const Batches&) = delete;
  Batches& operator=(const Batches&) = delete;
  Batches(Batches&&) noexcept = default;
  Batches& operator=(Batches&&) noexcept = default;

  /// Starts an epoch (shuffling when asked) and writes its first batch.
  iterator begin();
  std::default_sentinel_t end() const { return {}; }

  /// Batches per epoch: ceil(N / batchSize), or floor with dropLast.
  index_t size() const { return dropLast_ ? n_ / batchSize_ : (n_ + batchSize_ - 1) / batchSize_; }
  index_t batchSize() const { return batchSize_; }
  /// Number of examples N.
  index_t examples() const { return n_; }
  /// The order of the current epoch: example numbers, batch after batch.
  const std::vector<index_t>& order() const { return order_; }

 private:
  void fill(index_t b);
  void fillImage(index_t src, F* dst);
  void fillFlat(index_t src, F* dst);

  Tensor<T> images_;
  Tensor<L> labels_;
  index_t batchSize_, n_;
  bool shuffle_, dropLast_, hflip_;
  index_t pad_;
  Generator* gen_;
  std::vector<index_t> order_;
  std::vector<F> a_, b_;  // per channel: x = a v + b
  bool image_ = false;    // [N x H x W] or [N x C x H x W] walked as images
  index_t c_ = 1, h_ = 1, w_ = 1;
  Shape exampleSizes_, exampleStrides_, labelSizes_, labelStrides_;
  Batch batch_;
};

/// The batches of (images, labels) (Torch7: the GTSRB tutorial's `trainGenerator` /
/// `valGenerator`, or a `torch.randperm` loop); see Batches. F is the input's element type.
template <FloatingElement F = float, Element T, Element L>
Batches<T, L, F> batches(const Tensor<T>& images, const Tensor<L>& labels, index_t batchSize, BatchOptions opts = {}) {
  return Batches<T, L, F>(images, labels, batchSize, std::move(opts));
}

/// The batches of a dataset with `images` and `labels` members (LabeledImages, MNIST, CIFAR100).
template <FloatingElement F = float, class Dataset>
  requires requires(const Dataset& d) {
    d.images;
    d.labels;
  }
auto batches(const Dataset& d, index_t batchSize, BatchOptions opts = {}) {
  return batches<F>(d.images, d.labels, batchSize, std::move(opts));
}

// =====================================================================================
// Definitions
// =====================================================================================

namespace detail {

using t7::detail::bracketed;
using t7::detail::cat;
using t7::detail::fail;
using t7::detail::stridedLoop;

/// Calls `fn(value)` for every element of `t` (any layout), in row-major order.
template <class T, class Fn>
void forEachValue(const Tensor<T>& t, Fn&& fn) {
  const T* base = t.data();
  stridedLoop<1>(t.sizes(), {&t.strides()}, [&](index_t n, const auto& off, const auto& st) {
    const T* p = base + off[0];
    for (index_t i = 0; i < n; ++i) fn(p[i * st[0]]);
  });
}

/// Per-channel coefficients (a, b) of x = a v + b for `n`, checked against `channels`.
template <class F>
void normalizationCoefficients(const Normalization& n, index_t channels, bool perChannelOk, const char* op,
                               std::vector<F>& a, std::vector<F>& b) {
  if (!std::isfinite(n.scale)) fail<ValueError>(op, ": normalisation scale ", n.scale, " is not finite");
  for (const auto* v : {&n.mean, &n.std})
    if (v->size() > 1 && (!perChannelOk || index_t(v->size()) != channels))
      fail<SizeError>(op, ": normalisation has ", v->size(), " ", v == &n.mean ? "means" : "stds", " for ",
                      perChannelOk ? cat(channels, " channels") : std::string("inputs that are not [N x C x H x W]"),
                      " (give 0, 1 or one per channel)");
  const index_t k = std::max<index_t>({index_t(1), index_t(n.mean.size()), index_t(n.std.size())});
  a.assign(std::size_t(k), F(0));
  b.assign(std::size_t(k), F(0));
  for (index_t c = 0; c < k; ++c) {
    const double m = n.mean.empty() ? 0.0 : n.mean[n.mean.size() == 1 ? 0 : std::size_t(c)];
    const double s = n.std.empty() ? 1.0 : n.std[n.std.size() == 1 ? 0 : std::size_t(c)];
    if (!std::isfinite(m)) fail<ValueError>(op, ": normalisation mean ", m, " of channel ", c, " is not finite");
    if (!(s > 0) || !std::isfinite(s))
      fail<ValueError>(op, ": normalisation std ", s, " of channel ", c, " must be finite and > 0");
    a[std::size_t(c)] = static_cast<F>(n.scale / s);
    b[std::size_t(c)] = static_cast<F>(-m / s);
  }
}

}  // namespace detail

template <Element T>
Normalization channelNormalization(const Tensor<T>& images, double scale) {
  if (images.nElement() == 0)
    detail::fail<ValueError>("channelNormalization: images ", detail::bracketed(images.sizes()), " have no element");
  if (!std::isfinite(scale) || scale == 0)
    detail::fail<ValueError>("channelNormalization: scale ", scale, " must be finite and non-zero");
  Normalization n;
  n.scale = scale;
  const index_t channels = images.dim() == 4 ? images.size(1) : 1;
  for (index_t c = 0; c < channels; ++c) {
    const Tensor<T> part = images.dim() == 4 ? images.select(1, c) : images;
    const double count = static_cast<double>(part.nElement());
    double mean = 0, ss = 0;
    if constexpr (sizeof(T) == 1) {  // bytes: one pass into a histogram, then exact sums
      std::vector<std::int64_t> hist(256, 0);
      detail::forEachValue(part, [&](T v) { ++hist[static_cast<std::uint8_t>(v)]; });
      auto value = [](int b) { return static_cast<double>(static_cast<T>(static_cast<std::uint8_t>(b))); };
      for (int b = 0; b < 256; ++b) mean += value(b) * static_cast<double>(hist[std::size_t(b)]);
      mean /= count;
      for (int b = 0; b < 256; ++b) ss += (value(b) - mean) * (value(b) - mean) * static_cast<double>(hist[std::size_t(b)]);
    } else {
      double sum = 0;
      detail::forEachValue(part, [&](T v) { sum += static_cast<double>(v); });
      mean = sum / count;
      detail::forEachValue(part, [&](T v) {
        const double d = static_cast<double>(v) - mean;
        ss += d * d;
      });
    }
    const double sd = std::sqrt(ss / count) * std::fabs(scale);
    n.mean.push_back(mean * scale);
    n.std.push_back(sd > 0 && std::isfinite(sd) ? sd : 1.0);
  }
  return n;
}

template <FloatingElement F>
Tensor<F>& normalize(Tensor<F>& x, const Normalization& n) {
  const bool images = x.dim() == 4;
  std::vector<F> a, b;
  detail::normalizationCoefficients(n, images ? x.size(1) : 1, images, "normalize", a, b);
  const index_t k = index_t(a.size());
  for (index_t c = 0; c < k; ++c) {
    Tensor<F> part = k > 1 ? x.select(1, c) : x;
    const F ac = a[std::size_t(c)], bc = b[std::size_t(c)];
    F* base = part.data();
    detail::stridedLoop<1>(part.sizes(), {&part.strides()}, [&](index_t m, const auto& off, const auto& st) {
      F* p = base + off[0];
      for (index_t i = 0; i < m; ++i) p[i * st[0]] = ac * p[i * st[0]] + bc;
    });
  }
  return x;
}

template <Element T, Element L, FloatingElement F>
Batches<T, L, F>::Batches(Tensor<T> images, Tensor<L> labels, index_t batchSize, BatchOptions opts)
    : images_(std::move(images)),
      labels_(std::move(labels)),
      batchSize_(batchSize),
      n_(0),
      shuffle_(opts.shuffle),
      dropLast_(opts.dropLast),
      hflip_(opts.hflip),
      pad_(opts.cropPadding),
      gen_(opts.generator ? opts.generator : &defaultGenerator()) {
  const char* op = "batches";
  if (batchSize < 1) detail::fail<ValueError>(op, ": batch size ", batchSize, " must be at least 1");
  if (images_.dim() < 1 || labels_.dim() < 1)
    detail::fail<ValueError>(op, ": images ", detail::bracketed(images_.sizes()), " and labels ",
                             detail::bracketed(labels_.sizes()), " need a first dimension (the examples)");
  n_ = images_.size(0);
  if (labels_.size(0) != n_)
    detail::fail<SizeError>(op, ": ", n_, " images ", detail::bracketed(images_.sizes()), " but ", labels_.size(0),
                            " labels ", detail::bracketed(labels_.sizes()));
  if (pad_ < 0) detail::fail<ValueError>(op, ": cropPadding ", pad_, " is negative");
  const int r = images_.dim();
  image_ = r == 3 || r == 4;
  if ((pad_ > 0 || hflip_) && !image_)
    detail::fail<ValueError>(op, ": crop and flip need images [N x H x W] or [N x C x H x W], got ",
                             detail::bracketed(images_.sizes()));
  if (image_) {
    c_ = r == 4 ? images_.size(1) : 1;
    h_ = images_.size(r - 2);
    w_ = images_.size(r - 1);
  }
  detail::normalizationCoefficients(opts.normalize, c_, r == 4, op, a_, b_);
  for (int d = 1; d < r; ++d) {
    exampleSizes_.push_back(images_.size(d));
    exampleStrides_.push_back(images_.stride(d));
  }
  for (int d = 1; d < labels_.dim(); ++d) {
    labelSizes_.push_back(labels_.size(d));
    labelStrides_.push_back(labels_.stride(d));
  }
  order_.resize(std::size_t(n_));
  for (index_t i = 0; i < n_; ++i) order_[std::size_t(i)] = i;
}

template <Element T, Element L, FloatingElement F>
typename Batches<T, L, F>::iterator Batches<T, L, F>::begin() {
  if (shuffle_ && n_ > 1) {  // Fisher-Yates with torch.randperm's draws: the same order as randperm(g, n)
    for (index_t i = 0; i < n_; ++i) order_[std::size_t(i)] = i;
    for (index_t i = 0; i < n_ - 1; ++i) {
      const auto z = static_cast<index_t>(gen_->random() % static_cast<std::uint64_t>(n_ - i));
      std::swap(order_[std::size_t(i)], order_[std::size_t(z + i)]);
    }
  }
  if (size() > 0) fill(0);
  return iterator(this, 0);
}

template <Element T, Element L, FloatingElement F>
void Batches<T, L, F>::fill(index_t b) {
  const index_t start = b * batchSize_, n = std::min(batchSize_, n_ - start);
  Shape in = exampleSizes_, tg = labelSizes_;
  in.insert(0, n);
  tg.insert(0, n);
  batch_.input.resize(in);  // within the first batch's storage: no allocation
  batch_.target.resize(tg);
  const index_t inPer = exampleSizes_.empty() ? 1 : exampleSizes_.product();
  const index_t tgPer = labelSizes_.empty() ? 1 : labelSizes_.product();
  F* x = batch_.input.data();
  L* y = batch_.target.data();
  const L* lab = labels_.data();
  for (index_t i = 0; i < n; ++i) {
    const index_t src = order_[std::size_t(start + i)];
    if (image_) fillImage(src, x + i * inPer);
    else fillFlat(src, x + i * inPer);
    const L* l = lab + src * labels_.stride(0);
    if (labelSizes_.empty()) {
      y[i] = *l;
    } else {
      L* out = y + i * tgPer;
      detail::stridedLoop<1>(labelSizes_, {&labelStrides_}, [&](index_t m, const auto& off, const auto& st) {
        for (index_t k = 0; k < m; ++k) *out++ = l[off[0] + k * st[0]];
      });
    }
  }
}

template <Element T, Element L, FloatingElement F>
void Batches<T, L, F>::fillFlat(index_t src, F* dst) {
  const T* base = images_.data() + src * images_.stride(0);
  const F a = a_[0], b = b_[0];
  if (exampleSizes_.empty()) {  // [N]: one value per example
    *dst = a * static_cast<F>(*base) + b;
    return;
  }
  detail::stridedLoop<1>(exampleSizes_, {&exampleStrides_}, [&](index_t m, const auto& off, const auto& st) {
    const T* p = base + off[0];
    for (index_t k = 0; k < m; ++k) *dst++ = a * static_cast<F>(p[k * st[0]]) + b;
  });
}

template <Element T, Element L, FloatingElement F>
void Batches<T, L, F>::fillImage(index_t src, F* dst) {
  const int r = images_.dim();
  const T* base = images_.data() + src * images_.stride(0);
  const index_t sC = r == 4 ? images_.stride(1) : 0, sH = images_.stride(r - 2), sW = images_.stride(r - 1);
  index_t dy = pad_, dx = pad_;  // crop offsets in the padded image; pad_ = no shift
  bool flip = false;
  if (pad_ > 0) {
    const auto span = static_cast<std::uint64_t>(2 * pad_ + 1);
    dy = static_cast<index_t>(gen_->random() % span);
    dx = static_cast<index_t>(gen_->random() % span);
  }
  if (hflip_) flip = (gen_->random() & 1u) != 0;
  const index_t oy = dy - pad_, ox = dx - pad_;  // source = output + offset
  for (index_t c = 0; c < c_; ++c) {
    const std::size_t k = a_.size() > 1 ? std::size_t(c) : 0;
    const F a = a_[k], b = b_[k];  // a padded (zero) pixel becomes b
    for (index_t i = 0; i < h_; ++i) {
      F* out = dst + (c * h_ + i) * w_;
      const index_t sy = i + oy;
      if (sy < 0 || sy >= h_) {
        std::fill(out, out + w_, b);
        continue;
      }
      const T* row = base + c * sC + sy * sH;
      if (!flip && ox == 0) {
        for (index_t j = 0; j < w_; ++j) out[j] = a * static_cast<F>(row[j * sW]) + b;
        continue;
      }
      for (index_t j = 0; j < w_; ++j) {
        const index_t sx = (flip ? w_ - 1 - j : j) + ox;
        out[j] = (sx < 0 || sx >= w_) ? b : a * static_cast<F>(row[sx * sW]) + b;
      }
    }
  }
}

}  // namespace t7::data
