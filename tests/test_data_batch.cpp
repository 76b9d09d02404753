// Tests of t7/data/batch.hpp (mini-batches, normalisation, augmentation) and the
// ProgressBar::advance extension of t7/data/progress.hpp.

#include "helpers.hpp"

#include <t7/data/batch.hpp>
#include <t7/data/dataset.hpp>
#include <t7/data/progress.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace t7;

namespace {

/// A dataset of n images [C x H x W] where every pixel of image i is (i * 10 + c) % 256 plus
/// its position, and label i.
data::LabeledImages numbered(index_t n, index_t c = 1, index_t h = 2, index_t w = 2) {
  data::LabeledImages d;
  d.images.resize(n, c, h, w);
  d.labels.resize(n);
  for (index_t i = 0; i < n; ++i) {
    for (index_t k = 0; k < c; ++k)
      for (index_t y = 0; y < h; ++y)
        for (index_t x = 0; x < w; ++x) d.images(i, k, y, x) = static_cast<std::uint8_t>((i * 10 + k + y * w + x) % 256);
    d.labels.data()[i] = i;
  }
  return d;
}

}  // namespace

TEST_CASE("data: batches visit every example once per epoch, last batch kept or dropped", "[data][batch]") {
  const data::LabeledImages d = numbered(10);
  Generator g(1);
  auto b = data::batches(d, 4, {.shuffle = true, .generator = &g});
  CHECK(b.size() == 3);
  CHECK(b.batchSize() == 4);
  CHECK(b.examples() == 10);
  for (int epoch = 0; epoch < 3; ++epoch) {
    std::vector<std::int64_t> seen;
    std::vector<index_t> sizes;
    for (auto& [x, y] : b) {
      REQUIRE(x.dim() == 4);
      CHECK(x.size(0) == y.size(0));
      CHECK(x.sizes() == Shape{y.size(0), 1, 2, 2});
      sizes.push_back(x.size(0));
      for (index_t k = 0; k < y.size(0); ++k) {
        const std::int64_t id = y(k);
        seen.push_back(id);
        CHECK(x(k, 0, 0, 0) == float(id * 10));  // the input belongs to its target
        CHECK(x(k, 0, 1, 1) == float(id * 10 + 3));
      }
    }
    CHECK(sizes == std::vector<index_t>{4, 4, 2});
    std::vector<std::int64_t> sorted = seen;
    std::sort(sorted.begin(), sorted.end());
    CHECK(sorted == std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    CHECK(seen != sorted);  // shuffled (10! orders: a sorted draw would be a 1 in 3.6 million event)
  }
  auto dropped = data::batches(d, 4, {.dropLast = true});
  CHECK(dropped.size() == 2);
  std::vector<std::int64_t> seen;
  for (auto& batch : dropped) {
    CHECK(batch.input.size(0) == 4);
    for (auto v : batch.target.toVector()) seen.push_back(v);
  }
  CHECK(seen == std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 7});  // no shuffle: in order
  CHECK(data::batches(d, 11, {.dropLast = true}).size() == 0);
  CHECK(data::batches(d, 10).size() == 1);
  CHECK(data::batches(d, 1).size() == 10);
  // An empty dataset has no batch.
  auto none = data::batches(numbered(0), 3);
  CHECK(none.size() == 0);
  CHECK((none.begin() == none.end()));
}

TEST_CASE("data: shuffling is reproducible with a seed and matches randperm", "[data][batch]") {
  const data::LabeledImages d = numbered(50);
  auto orderOf = [](auto& b) {
    std::vector<std::int64_t> o;
    for (auto& [x, y] : b)
      for (auto v : y.toVector()) o.push_back(v);
    return o;
  };
  Generator g1(42), g2(42);
  auto b1 = data::batches(d, 8, {.shuffle = true, .generator = &g1});
  auto b2 = data::batches(d, 8, {.shuffle = true, .generator = &g2});
  const auto e1 = orderOf(b1), e2 = orderOf(b1);
  CHECK(e1 != e2);  // each epoch draws a new order...
  CHECK(orderOf(b2) == e1);  // ...and the same seed gives the same epochs
  CHECK(orderOf(b2) == e2);
  Generator g3(42);
  const auto perm = randperm(g3, 50).toVector();  // torch.randperm's permutation, 0-based
  CHECK(e1 == perm);
  std::vector<std::int64_t> fromOrder(b2.order().begin(), b2.order().end());
  CHECK(fromOrder == e2);
  // The default generator, seeded with manualSeed.
  manualSeed(7);
  auto b3 = data::batches(d, 8, {.shuffle = true});
  const auto e3 = orderOf(b3);
  manualSeed(7);
  auto b4 = data::batches(d, 8, {.shuffle = true});
  CHECK(orderOf(b4) == e3);
}

TEST_CASE("data: batch tensors are reused: no reallocation within or across epochs", "[data][batch]") {
  const data::LabeledImages d = numbered(10, 3, 4, 4);
  Generator g(3);
  auto b = data::batches(d, 4, {.shuffle = true, .generator = &g, .cropPadding = 1, .hflip = true});
  const float* x0 = nullptr;
  const std::int64_t* y0 = nullptr;
  int batches = 0;
  for (int epoch = 0; epoch < 3; ++epoch)
    for (auto it = b.begin(); it != b.end(); ++it) {
      auto& [x, y] = *it;
      CHECK(it.index() == batches % 3);
      if (!x0) {
        x0 = x.data();
        y0 = y.data();
      }
      CHECK(x.data() == x0);  // the storage of the first batch, also after the short last batch
      CHECK(y.data() == y0);
      CHECK(x.isContiguous());
      ++batches;
    }
  CHECK(batches == 9);
}

TEST_CASE("data: batches convert any element type and layout; flat and multi-dimensional labels", "[data][batch]") {
  // Images as a transposed view: each example's rows and columns swapped.
  const data::LabeledImages d = numbered(3, 2, 2, 3);
  const ByteTensor t = d.images.transpose(2, 3);  // [3 x 2 x 3 x 2], not contiguous
  auto b = data::batches<double>(t, d.labels, 3);
  auto it = b.begin();
  const DoubleTensor& x = it->input;
  CHECK(x.sizes() == Shape{3, 2, 3, 2});
  CHECK(x.toVector() == t.toDouble().toVector());
  // Other element types, other ranks: [N x D] inputs, [N x 2] targets.
  const ShortTensor flat{{-1, 2, 3}, {4, -5, 6}};
  const IntTensor pairs{{1, 2}, {3, 4}};
  auto fb = data::batches(flat, pairs, 1, {.normalize = {.scale = 2, .mean = {1}, .std = {4}}});
  std::vector<std::vector<float>> xs;
  std::vector<std::vector<std::int32_t>> ys;
  for (auto& [bx, by] : fb) {
    CHECK(bx.sizes() == Shape{1, 3});
    CHECK(by.sizes() == Shape{1, 2});
    xs.push_back(bx.toVector());
    ys.push_back(by.toVector());
  }
  CHECK(xs == std::vector<std::vector<float>>{{-0.75f, 0.75f, 1.25f}, {1.75f, -2.75f, 2.75f}});  // (2v - 1) / 4
  CHECK(ys == std::vector<std::vector<std::int32_t>>{{1, 2}, {3, 4}});
  // One value per example ([N] inputs); labels given as a transposed view.
  const FloatTensor scalars{0.5f, 1.5f, 2.5f};
  const LongTensor lab = LongTensor{{7, 8, 9}}.t();  // [3 x 1]
  auto sb = data::batches<double>(scalars, lab, 2);
  auto s = sb.begin();
  CHECK(s->input.toVector() == std::vector<double>{0.5, 1.5});
  CHECK(s->target.toVector() == std::vector<std::int64_t>{7, 8});
  ++s;
  CHECK(s->input.toVector() == std::vector<double>{2.5});
  CHECK(s->target.toVector() == std::vector<std::int64_t>{9});
  ++s;
  CHECK((s == sb.end()));
}

TEST_CASE("data: channelNormalization and normalisation give mean 0 and std 1 per channel", "[data][batch]") {
  Generator g(11);
  data::LabeledImages d;
  d.images = ByteTensor(37, 3, 5, 4);
  d.images.random(g, 0, 255);
  // Make the channels differ: shift channel 1 down, squeeze channel 2.
  for (auto& v : d.images.select(1, 1)) v = static_cast<std::uint8_t>(v / 2);
  for (auto& v : d.images.select(1, 2)) v = static_cast<std::uint8_t>(100 + v % 7);
  d.labels = LongTensor(37).fill(0);
  const data::Normalization n = data::channelNormalization(d.images, 1.0 / 255);
  REQUIRE(n.mean.size() == 3);
  REQUIRE(n.std.size() == 3);
  CHECK(n.scale == 1.0 / 255);
  for (index_t c = 0; c < 3; ++c) {  // the double-precision reference
    const auto v = d.images.select(1, c).contiguous().toVector();
    double s = 0, ss = 0;
    for (auto x : v) s += x / 255.0;
    const double mean = s / double(v.size());
    for (auto x : v) ss += (x / 255.0 - mean) * (x / 255.0 - mean);
    CHECK(n.mean[std::size_t(c)] == Approx(mean).epsilon(1e-12));
    CHECK(n.std[std::size_t(c)] == Approx(std::sqrt(ss / double(v.size()))).epsilon(1e-12));
  }
  // Over an epoch of shuffled batches, each channel has mean 0 and std 1.
  auto b = data::batches<double>(d, 8, {.shuffle = true, .generator = &g, .normalize = n});
  std::vector<double> sum(3, 0), sumsq(3, 0);
  double count = 0;
  for (auto& [x, y] : b) {
    for (index_t c = 0; c < 3; ++c)
      for (double v : x.select(1, c).contiguous().toVector()) {
        sum[std::size_t(c)] += v;
        sumsq[std::size_t(c)] += v * v;
      }
    count += double(x.size(0) * 5 * 4);
  }
  for (std::size_t c = 0; c < 3; ++c) {
    CHECK(std::fabs(sum[c] / count) < 1e-9);
    CHECK(std::sqrt(sumsq[c] / count) == Approx(1).epsilon(1e-9));
  }
  // normalize() in place gives the same values (float: to float precision).
  FloatTensor all = d.images.toFloat();
  data::normalize(all, n);
  for (index_t c = 0; c < 3; ++c) {
    const auto v = all.select(1, c).contiguous().toVector();
    double s = 0, ss = 0;
    for (float x : v) s += x;
    for (float x : v) ss += double(x) * x;
    CHECK(std::fabs(s / double(v.size())) < 1e-5);
    CHECK(std::sqrt(ss / double(v.size())) == Approx(1).epsilon(1e-5));
  }
  // Other ranks: one mean and std for everything; a constant channel gets std 1.
  const data::Normalization one = data::channelNormalization(DoubleTensor{{1, 3}, {5, 7}});
  CHECK(one.mean == std::vector<double>{4});
  CHECK(one.std == std::vector<double>{std::sqrt(5.0)});
  CHECK(data::channelNormalization(ByteTensor(2, 2, 1, 1).fill(9)).std == std::vector<double>{1, 1});
  const data::Normalization signedBytes = data::channelNormalization(CharTensor{{-3, 5}, {7, -128}}, 2);  // histogram path
  CHECK(signedBytes.mean == std::vector<double>{-59.5});
  CHECK(signedBytes.std[0] == Approx(2 * std::sqrt((26.75 * 26.75 + 34.75 * 34.75 + 36.75 * 36.75 + 98.25 * 98.25) / 4)));
  const data::Normalization ints = data::channelNormalization(IntTensor{{-3, 5}, {7, -128}}, 2);  // two passes
  CHECK(ints.mean == signedBytes.mean);
  CHECK(ints.std[0] == Approx(signedBytes.std[0]).epsilon(1e-14));
  // normalize on a non-contiguous view, one value.
  DoubleTensor m{{1, 2}, {3, 4}};
  DoubleTensor mt = m.t();
  data::normalize(mt, {.scale = 1, .mean = {1}, .std = {2}});
  CHECK(m.toVector() == std::vector<double>{0, 0.5, 1, 1.5});
}

TEST_CASE("data: random crop with padding and horizontal flip, value by value", "[data][batch]") {
  // One image [1 x 2 x 3]: 1 2 3 / 4 5 6.
  const ByteTensor img{{{{1, 2, 3}, {4, 5, 6}}}};
  const LongTensor lab{0};
  // Flip only: every draw flips or not; over many epochs both appear, nothing else.
  Generator g(5);
  auto flips = data::batches(img, lab, 1, {.generator = &g, .hflip = true});
  std::set<std::vector<float>> seen;
  for (int e = 0; e < 40; ++e)
    for (auto& [x, y] : flips) seen.insert(x.toVector());
  CHECK(seen == std::set<std::vector<float>>{{1, 2, 3, 4, 5, 6}, {3, 2, 1, 6, 5, 4}});
  // Crop with padding 1: the 9 shifts of the zero-padded image, each seen.
  auto crops = data::batches(img, lab, 1, {.generator = &g, .cropPadding = 1});
  seen.clear();
  for (int e = 0; e < 200; ++e)
    for (auto& [x, y] : crops) seen.insert(x.toVector());
  const std::set<std::vector<float>> shifts = {
      {0, 0, 0, 0, 1, 2}, {0, 0, 0, 1, 2, 3}, {0, 0, 0, 2, 3, 0},  // dy = 0 (shifted down)
      {0, 1, 2, 0, 4, 5}, {1, 2, 3, 4, 5, 6}, {2, 3, 0, 5, 6, 0},  // dy = 1
      {0, 4, 5, 0, 0, 0}, {4, 5, 6, 0, 0, 0}, {5, 6, 0, 0, 0, 0},  // dy = 2
  };
  CHECK(seen == shifts);
  // The exact draws: per example dy, dx (random() % (2p + 1)), then the flip (random() & 1),
  // after the epoch's shuffle; padding becomes the normalised value of a zero pixel.
  const data::LabeledImages d = numbered(6, 2, 3, 3);
  Generator run(99), mirror(99);
  const data::Normalization norm{.scale = 0.5, .mean = {1, -1}, .std = {2, 4}};
  auto b = data::batches(d, 4, {.shuffle = true, .generator = &run, .normalize = norm, .cropPadding = 2, .hflip = true});
  for (int epoch = 0; epoch < 2; ++epoch) {
    std::vector<index_t> order(6);
    for (index_t i = 0; i < 6; ++i) order[std::size_t(i)] = i;
    for (index_t i = 0; i < 5; ++i)
      std::swap(order[std::size_t(i)], order[std::size_t(i + index_t(mirror.random() % std::uint64_t(6 - i)))]);
    index_t k = 0;
    for (auto& [x, y] : b)
      for (index_t j = 0; j < x.size(0); ++j, ++k) {
        const index_t src = order[std::size_t(k)];
        CHECK(y(j) == src);
        const index_t dy = mirror.random() % 5, dx = mirror.random() % 5;
        const bool flip = (mirror.random() & 1u) != 0;
        for (index_t c = 0; c < 2; ++c)
          for (index_t i = 0; i < 3; ++i)
            for (index_t jj = 0; jj < 3; ++jj) {
              const index_t sy = i + dy - 2, sx = (flip ? 2 - jj : jj) + dx - 2;
              const double raw = (sy < 0 || sy > 2 || sx < 0 || sx > 2) ? 0.0 : double(d.images(src, c, sy, sx));
              const double want = (0.5 * raw - norm.mean[std::size_t(c)]) / norm.std[std::size_t(c)];
              CHECK(x(j, c, i, jj) == Approx(want).epsilon(1e-6));
            }
      }
    CHECK(k == 6);
  }
  // [N x H x W] images (one channel, e.g. MNIST) are cropped and flipped too.
  const ByteTensor mnist{{{1, 2}, {3, 4}}};
  auto mb = data::batches(mnist, lab, 1, {.generator = &g, .hflip = true});
  seen.clear();
  for (int e = 0; e < 30; ++e)
    for (auto& [x, y] : mb) seen.insert(x.toVector());
  CHECK(seen == std::set<std::vector<float>>{{1, 2, 3, 4}, {2, 1, 4, 3}});
}

TEST_CASE("data: batches and normalisation errors", "[data][batch]") {
  const data::LabeledImages d = numbered(5, 3, 2, 2);
  T7_REQUIRE_THROWS_WITH_ALL(data::batches(d, 0), ValueError, "batches: batch size 0 must be at least 1");
  T7_REQUIRE_THROWS_WITH_ALL(data::batches(d.images, d.labels.narrow(0, 0, 4), 2), SizeError,
                             "batches: 5 images [5x3x2x2] but 4 labels [4]");
  T7_REQUIRE_THROWS_WITH_ALL(data::batches(ByteTensor(), d.labels, 2), ValueError, "need a first dimension");
  T7_REQUIRE_THROWS_WITH_ALL(data::batches(d, 2, {.cropPadding = -1}), ValueError, "cropPadding -1 is negative");
  T7_REQUIRE_THROWS_WITH_ALL(data::batches(ByteTensor(5, 4), d.labels, 2, {.hflip = true}), ValueError,
                             "crop and flip need images [N x H x W] or [N x C x H x W], got [5x4]");
  T7_REQUIRE_THROWS_WITH_ALL(data::batches(d, 2, {.normalize = {.mean = {1, 2}}}), SizeError,
                             "normalisation has 2 means for 3 channels");
  T7_REQUIRE_THROWS_WITH_ALL(data::batches(ByteTensor(5, 4, 4), d.labels, 2, {.normalize = {.std = {1, 2, 3}}}),
                             SizeError, "3 stds for inputs that are not [N x C x H x W]");
  T7_REQUIRE_THROWS_WITH_ALL(data::batches(d, 2, {.normalize = {.std = {1, 0, 1}}}), ValueError,
                             "normalisation std 0 of channel 1 must be finite and > 0");
  T7_REQUIRE_THROWS_WITH_ALL(data::batches(d, 2, {.normalize = {.mean = {std::nan("")}}}), ValueError,
                             "mean nan of channel 0 is not finite");
  T7_REQUIRE_THROWS_WITH_ALL(data::batches(d, 2, {.normalize = {.scale = INFINITY}}), ValueError,
                             "normalisation scale inf is not finite");
  T7_REQUIRE_THROWS_WITH_ALL(data::channelNormalization(ByteTensor(0, 3, 2, 2)), ValueError,
                             "channelNormalization: images [0x3x2x2] have no element");
  T7_REQUIRE_THROWS_WITH_ALL(data::channelNormalization(d.images, 0), ValueError, "scale 0 must be finite and non-zero");
  FloatTensor x(2, 3, 1, 1);
  T7_REQUIRE_THROWS_WITH_ALL(data::normalize(x, {.mean = {1, 2}}), SizeError, "normalize: normalisation has 2 means");
}

// ---- ProgressBar::advance ---------------------------------------------------------------------

TEST_CASE("data: ProgressBar::advance counts batches, with throughput and ETA", "[data][progress]") {
  std::ostringstream os;
  double now = 0;
  data::ProgressBar bar(10, {.width = 10, .out = &os, .mode = data::ProgressMode::Log, .clock = [&] { return now; }});
  auto b = data::batches(numbered(10), 4);
  for (auto& [x, y] : b) {
    now += 2;
    bar.advance(x.size(0), "loss 0.5");
  }
  CHECK(bar.current() == 10);
  CHECK(bar.finished());
  CHECK(bar.elapsed() == 6);
  CHECK(os.str() ==
        "[====>.....] 4/10 | 2.0 ex/s | ETA 0:03 | loss 0.5\n"
        "[========>.] 8/10 | 2.0 ex/s | ETA 0:01 | loss 0.5\n"
        "[==========] 10/10 | 1.7 ex/s | time 0:06 | loss 0.5\n");
  bar.advance(5);  // nothing after the end
  data::ProgressBar other(10, {.out = &os, .mode = data::ProgressMode::Log});
  other.advance(7);
  T7_REQUIRE_THROWS_WITH_ALL(other.advance(4), ValueError, "ProgressBar::advance: 7 + 4 items pass the total 10");
  T7_REQUIRE_THROWS_WITH_ALL(other.advance(-1), ValueError, "ProgressBar::advance: n -1 is negative");
  CHECK(other.current() == 7);
}
