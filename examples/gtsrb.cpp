// The GTSRB tutorial (Preetham Sreenivas's Torch tutorial, code in
// github.com/preethamsp/tutorial.gtsrb.torch) in C++: its vgg-small network on the German
// Traffic Sign Recognition Benchmark, trained as the tutorial trains it. nn.Sequential of three
// blocks of two ConvBNReLU (SpatialConvolution 3x3 pad 1 + SpatialBatchNormalization(n, 1e-3)
// + ReLU(true)) with 32, 64 and 128 maps, each block ending with SpatialMaxPooling(2,2,2,2) and
// Dropout(0.2), then View(128*6*6), Dropout(0.5), Linear(128*6*6, 512), BatchNormalization(512),
// ReLU(true), Linear(512, 43) and LogSoftMax, on 48x48 RGB images; ClassNLLCriterion; optim.sgd
// {learningRate = 0.01, momentum = 0.9, dampening = 0, nesterov = true} through getParameters();
// model:training() for the training pass, model:evaluate() for the validation pass; the
// accuracies by ConfusionMatrix.
//
//   build/release/examples/gtsrb [--epochs N] [--batch N] [--lr X] [--data DIR] [--seed N]
//                                [--threads N] [--train-size N] [--val-size N] [--augment]
//                                [--confusion] [--smoke]
//
// Data: the official GTSRB layout (Final_Training/Images/000NN/ and Final_Test/Images/ with
// GT-final_test.csv) in --data DIR, else where data::findGTSRB() finds it ($T7_DATA_DIR/GTSRB,
// /usr/share/datasets/GTSRB). Without it the program says how to get it and trains on
// generated data of the same shape instead: 43 classes of synthetic 48x48 "signs" (a shape x
// a colour x an inner mark, jittered in position, size, rotation, brightness and noise over a
// random background), made from --seed (--train-size / --val-size images, 2580 / 860).
//
// Prints the network, a progress bar per epoch, each epoch's training loss, training and
// validation accuracy and examples/s, and at the end the confusion matrix's figures (global,
// per-class average, mean IoU) with the worst classes; --confusion prints the full 43x43
// matrix. --augment adds random crops (4-pixel padding; no flips: they would turn "keep left"
// into "keep right"). --smoke trains on 256 generated images (or 256 of --data) for one epoch and
// validates on 128 (CI); --train-size / --val-size / --epochs still change those.
#include <t7/data/batch.hpp>
#include <t7/data/gtsrb.hpp>
#include <t7/data/progress.hpp>
#include <t7/t7.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>
#include <tuple>
#include <vector>

using namespace t7;

namespace {

constexpr index_t kSize = 48;                        // the tutorial's input: 48x48 RGB
constexpr index_t kClasses = data::kGTSRBClasses;    // 43

struct Options {
  int epochs = 4;
  index_t batch = 32;
  double lr = 0.01;
  std::string data;
  std::uint64_t seed = 1;
  int threads = 0;
  index_t trainSize = 2580, valSize = 860;  // 60 and 20 per class
  bool augment = false, confusion = false, smoke = false;
};

Options parse(int argc, char** argv) {
  Options o;
  // --smoke first: the short run's defaults, which the other options may still change
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--smoke") o.smoke = true, o.epochs = 1, o.trainSize = 256, o.valSize = 128;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw ValueError("gtsrb: " + a + " needs a value");
      return argv[++i];
    };
    if (a == "--epochs") o.epochs = std::stoi(next());
    else if (a == "--batch") o.batch = std::stol(next());
    else if (a == "--lr") o.lr = std::stod(next());
    else if (a == "--data") o.data = next();
    else if (a == "--seed") o.seed = std::stoull(next());
    else if (a == "--threads") o.threads = std::stoi(next());
    else if (a == "--train-size") o.trainSize = std::stol(next());
    else if (a == "--val-size") o.valSize = std::stol(next());
    else if (a == "--augment") o.augment = true;
    else if (a == "--confusion") o.confusion = true;
    else if (a == "--smoke") o.smoke = true;
    else throw ValueError("gtsrb: unknown option " + a + " (see the comment at the top of examples/gtsrb.cpp)");
  }
  if (o.batch < 2) throw ValueError("gtsrb: --batch must be at least 2 (batch normalisation needs two examples)");
  if (o.trainSize < 2 || o.valSize < 1) throw ValueError("gtsrb: --train-size must be >= 2 and --val-size >= 1");
  return o;
}

/// GTSRB's class names (signnames.csv), by ClassId.
const std::vector<std::string>& gtsrbNames() {
  static const std::vector<std::string> names = {
      "Speed limit (20km/h)", "Speed limit (30km/h)", "Speed limit (50km/h)", "Speed limit (60km/h)",
      "Speed limit (70km/h)", "Speed limit (80km/h)", "End of speed limit (80km/h)", "Speed limit (100km/h)",
      "Speed limit (120km/h)", "No passing", "No passing for vehicles over 3.5 metric tons",
      "Right-of-way at the next intersection", "Priority road", "Yield", "Stop", "No vehicles",
      "Vehicles over 3.5 metric tons prohibited", "No entry", "General caution", "Dangerous curve to the left",
      "Dangerous curve to the right", "Double curve", "Bumpy road", "Slippery road", "Road narrows on the right",
      "Road work", "Traffic signals", "Pedestrians", "Children crossing", "Bicycles crossing",
      "Beware of ice/snow", "Wild animals crossing", "End of all speed and passing limits", "Turn right ahead",
      "Turn left ahead", "Ahead only", "Go straight or right", "Go straight or left", "Keep right", "Keep left",
      "Roundabout mandatory", "End of no passing", "End of no passing by vehicles over 3.5 metric tons"};
  return names;
}

// ---- generated data ---------------------------------------------------------------------------
// Class k is (shape k % 4, colour k / 4 % 3, mark k / 12): shapes circle, triangle, diamond,
// square; colours red, blue, yellow (the ring; the inside is white); marks none, horizontal
// bar, vertical bar, diagonal bar (dark, inside the ring). 4 x 3 x 4 = 48 >= 43 distinct signs.

const char* const kShapes[] = {"circle", "triangle", "diamond", "square"};
const char* const kColours[] = {"red", "blue", "yellow"};
const char* const kMarks[] = {"plain", "bar -", "bar |", "bar /"};
constexpr double kRing[3][3] = {{200, 30, 35}, {35, 70, 190}, {225, 190, 35}};

/// Whether (u, v) (the sign's radius is 1, v points down) lies inside shape s.
bool insideShape(int s, double u, double v) {
  switch (s) {
    case 0: return u * u + v * v <= 1;
    case 1: return v <= 0.7 && v >= -1 && std::fabs(u) <= (v + 1) * (0.95 / 1.7);  // apex up
    case 2: return std::fabs(u) + std::fabs(v) <= 1;
    default: return std::max(std::fabs(u), std::fabs(v)) <= 0.78;
  }
}

/// Colour of the sign of class k at (u, v), or false outside the sign.
bool signColour(index_t k, double u, double v, double rgb[3]) {
  const int shape = int(k % 4), colour = int(k / 4 % 3), mark = int(k / 12);
  if (!insideShape(shape, u, v)) return false;
  constexpr double kInner = 0.66;  // the white inside, as a fraction of the radius
  if (!insideShape(shape, u / kInner, v / kInner)) {
    for (int c = 0; c < 3; ++c) rgb[c] = kRing[colour][c];
    return true;
  }
  const bool dark = (mark == 1 && std::fabs(v) < 0.13 && std::fabs(u) < 0.45) ||
                    (mark == 2 && std::fabs(u) < 0.13 && std::fabs(v) < 0.45) ||
                    (mark == 3 && std::fabs(u + v) < 0.18 && std::fabs(u - v) < 0.8);
  for (int c = 0; c < 3; ++c) rgb[c] = dark ? 25 : 235;
  return true;
}

/// `n` synthetic 48x48 signs, the classes in turn (balanced), drawn from `g`.
data::LabeledImages generatedSigns(index_t n, Generator& g) {
  data::LabeledImages d;
  d.images.resize(n, 3, kSize, kSize);
  d.labels.resize(n);
  for (index_t k = 0; k < kClasses; ++k)
    d.classes.push_back(std::string(kColours[k / 4 % 3]) + " " + kShapes[k % 4] + ", " + kMarks[k / 12]);
  std::uint8_t* px = d.images.data();
  std::int64_t* lab = d.labels.data();
  constexpr index_t kPlane = kSize * kSize;
  for (index_t i = 0; i < n; ++i) {
    const index_t k = i % kClasses;
    lab[i] = k;
    const double cx = kSize / 2.0 + g.uniform(-5, 5), cy = kSize / 2.0 + g.uniform(-5, 5);
    const double radius = g.uniform(0.3, 0.42) * kSize, angle = g.uniform(-0.15, 0.15);
    const double cs = std::cos(angle) / radius, sn = std::sin(angle) / radius;
    double bg[3], tint[3], grad[2] = {g.uniform(-2, 2), g.uniform(-2, 2)};
    for (int c = 0; c < 3; ++c) bg[c] = g.uniform(20, 210), tint[c] = g.uniform(0.8, 1.2);
    const double light = g.uniform(0.4, 1.15), noise = g.uniform(3, 20);
    for (index_t y = 0; y < kSize; ++y)
      for (index_t x = 0; x < kSize; ++x) {
        double acc[3] = {0, 0, 0};
        for (int sy = 0; sy < 2; ++sy)  // 2x2 supersampling: smooth edges
          for (int sx = 0; sx < 2; ++sx) {
            const double dx = double(x) + 0.25 + 0.5 * sx - cx, dy = double(y) + 0.25 + 0.5 * sy - cy;
            double rgb[3];
            if (!signColour(k, cs * dx + sn * dy, -sn * dx + cs * dy, rgb))
              for (int c = 0; c < 3; ++c) rgb[c] = bg[c] + grad[0] * dx + grad[1] * dy;
            for (int c = 0; c < 3; ++c) acc[c] += 0.25 * rgb[c];
          }
        for (int c = 0; c < 3; ++c) {
          const double v = light * tint[c] * acc[c] + g.normal(0, noise);
          px[(i * 3 + c) * kPlane + y * kSize + x] = static_cast<std::uint8_t>(std::clamp(std::lround(v), 0L, 255L));
        }
      }
  }
  return d;
}

// ---- real data ----------------------------------------------------------------------------------

/// The examples `idx` of `d`.
data::LabeledImages subset(const data::LabeledImages& d, const LongTensor& idx) {
  return {indexSelect(d.images, 0, idx), indexSelect(d.labels, 0, idx), d.classes};
}

/// Without the labelled test split: the last tenth of each class of the training set (whole
/// tracks of the same sign, as the images are sorted by track) becomes the validation set.
void holdOut(data::LabeledImages& train, data::LabeledImages& val) {
  std::vector<std::int64_t> keep, held;
  const std::int64_t* lab = train.labels.data();
  const index_t n = train.size();
  for (index_t start = 0; start < n;) {
    index_t end = start;
    while (end < n && lab[end] == lab[start]) ++end;
    const index_t cut = end - (end - start) / 10;
    for (index_t i = start; i < end; ++i) (i < cut ? keep : held).push_back(i);
    start = end;
  }
  auto tensor = [](const std::vector<std::int64_t>& v) {
    LongTensor t(index_t(v.size()));
    std::copy(v.begin(), v.end(), t.data());
    return t;
  };
  val = subset(train, tensor(held));
  train = subset(train, tensor(keep));
}

void printHowToGetGTSRB() {
  std::cout << "GTSRB not found (no --data, $T7_DATA_DIR/GTSRB or /usr/share/datasets/GTSRB). To train on the real\n"
               "data, download and unzip, from https://sid.erda.dk/public/archives/daaeac0d7ce1152aea9b61d9f1e19370/,\n"
               "  GTSRB_Final_Training_Images.zip, GTSRB_Final_Test_Images.zip and GTSRB_Final_Test_GT.zip\n"
               "into one folder, giving GTSRB/Final_Training/Images/000NN/*.ppm (+ GT-000NN.csv),\n"
               "GTSRB/Final_Test/Images/*.ppm and GT-final_test.csv, and pass --data <folder> (or set T7_DATA_DIR).\n"
               "Training on generated signs of the same shape instead (43 classes, 48x48 RGB).\n";
}

/// Validation accuracy (and the confusion matrix), in evaluation mode.
double evaluate(nn::Sequential<float>& net, auto& batches, optim::ConfusionMatrix& cm) {
  net.evaluate();  // Dropout off, BatchNormalization with its running statistics
  cm.zero();
  for (auto& b : batches) cm.batchAdd(net.forward(b.input).tensor(), b.target);
  net.training();
  cm.updateValids();
  return cm.totalValid;
}

/// ConfusionMatrix's totals, and the `worst` classes (below 100%) with their most frequent
/// wrong guess.
void printSummary(const optim::ConfusionMatrix& cm, int worst) {
  std::printf("validation: global correct %.2f%%, average row correct %.2f%%, average rowUcol correct (VOC) %.2f%%\n",
              100 * cm.totalValid, 100 * cm.averageValid, 100 * cm.averageUnionValid);
  std::vector<index_t> order;
  for (index_t c = 0; c < cm.nclasses; ++c)
    if (cm.valids.data()[c] < 1) order.push_back(c);  // seen (not NaN) and not all right
  std::stable_sort(order.begin(), order.end(),
                   [&](index_t a, index_t b) { return cm.valids.data()[a] < cm.valids.data()[b]; });
  std::printf(order.empty() ? "every class 100%%\n" : "worst classes (recall, most frequent mistake):\n");
  for (int i = 0; i < worst && i < int(order.size()); ++i) {
    const index_t c = order[std::size_t(i)];
    const std::int64_t* row = cm.mat.data() + c * cm.nclasses;  // targets c, by prediction
    index_t confused = -1;
    for (index_t p = 0; p < cm.nclasses; ++p)
      if (p != c && row[p] > 0 && (confused < 0 || row[p] > row[confused])) confused = p;
    std::printf("  %2lld %-45s %6.2f%%", static_cast<long long>(c), cm.classes[std::size_t(c)].c_str(),
                100 * cm.valids.data()[c]);
    if (confused >= 0)
      std::printf("  -> %lld %s (%lld)", static_cast<long long>(confused), cm.classes[std::size_t(confused)].c_str(),
                  static_cast<long long>(row[confused]));
    std::printf("\n");
  }
}

}  // namespace

int main(int argc, char** argv) try {
  Options opt = parse(argc, argv);
  if (opt.threads > 0) setNumThreads(opt.threads);
  manualSeed(opt.seed);  // weights and dropout masks

  // ---- data ---------------------------------------------------------------------------------
  std::string dir = opt.data;
  if (dir.empty() && !opt.smoke)
    if (auto found = data::findGTSRB()) dir = *found;
  data::LabeledImages train, val;
  Timer loadTimer;
  if (!dir.empty()) {
    const data::GTSRBOptions load{.size = kSize};
    train = data::loadGTSRB(dir, data::Split::Train, load);
    try {
      val = data::loadGTSRB(dir, data::Split::Test, load);
    } catch (const IOError& e) {
      std::cout << "no labelled test split (" << e.what() << "):\n"
                << "validating on the last tenth of each training class\n";
      holdOut(train, val);
    }
    train.classes = val.classes = gtsrbNames();
    if (opt.smoke) {  // a random subset
      Generator pick(opt.seed);
      train = subset(train, randperm(pick, train.size()).narrow(0, 0, std::min(opt.trainSize, train.size())));
      val = subset(val, randperm(pick, val.size()).narrow(0, 0, std::min(opt.valSize, val.size())));
    }
    std::printf("data: GTSRB in %s, %lld training and %lld validation images (%.1f s to load)\n", dir.c_str(),
                static_cast<long long>(train.size()), static_cast<long long>(val.size()), loadTimer.time().real);
  } else {
    if (!opt.smoke) printHowToGetGTSRB();
    Generator make(opt.seed);
    train = generatedSigns(opt.trainSize, make);
    val = generatedSigns(opt.valSize, make);
    std::printf("data: generated signs (seed %llu), %lld training and %lld validation images (%.1f s)\n",
                static_cast<unsigned long long>(opt.seed), static_cast<long long>(train.size()),
                static_cast<long long>(val.size()), loadTimer.time().real);
  }
  const index_t n = train.size();

  // Per-channel normalisation with the training set's mean and std (pixels scaled to 0..1).
  const data::Normalization norm = data::channelNormalization(train.images, 1.0 / 255);
  std::printf("channel mean %.3f %.3f %.3f, std %.3f %.3f %.3f\n", norm.mean[0], norm.mean[1], norm.mean[2],
              norm.std[0], norm.std[1], norm.std[2]);
  Generator shuffle(opt.seed + 1);
  auto trainBatches = data::batches(train, opt.batch,
                                    {.shuffle = true,
                                     .dropLast = n % opt.batch == 1,  // BatchNormalization needs two examples
                                     .generator = &shuffle,
                                     .normalize = norm,
                                     .cropPadding = opt.augment ? 4 : 0});
  auto valBatches = data::batches(val, 256, {.normalize = norm});

  // ---- model (the tutorial's vgg-small), criterion, optimizer -------------------------------
  nn::Sequential<float> net;
  auto convBNReLU = [&](index_t nIn, index_t nOut) {  // kernel 3x3, stride 1, padding 1
    net.add(nn::SpatialConvolution(nIn, nOut, 3, 3, 1, 1, 1, 1))
        .add(nn::SpatialBatchNormalization(nOut, 1e-3))
        .add(nn::ReLU(true));
  };
  convBNReLU(3, 32);
  convBNReLU(32, 32);
  net.add(nn::SpatialMaxPooling(2, 2, 2, 2)).add(nn::Dropout(0.2));  // -> 32 x 24 x 24
  convBNReLU(32, 64);
  convBNReLU(64, 64);
  net.add(nn::SpatialMaxPooling(2, 2, 2, 2)).add(nn::Dropout(0.2));  // -> 64 x 12 x 12
  convBNReLU(64, 128);
  convBNReLU(128, 128);
  net.add(nn::SpatialMaxPooling(2, 2, 2, 2)).add(nn::Dropout(0.2));  // -> 128 x 6 x 6
  net.add(nn::View(128 * 6 * 6))
      .add(nn::Dropout(0.5))
      .add(nn::Linear(128 * 6 * 6, 512))
      .add(nn::BatchNormalization(512))
      .add(nn::ReLU(true))
      .add(nn::Linear(512, kClasses))
      .add(nn::LogSoftMax());
  nn::ClassNLLCriterion<float> criterion;
  // (`auto [params, gradParams] = ...` reads better, but clang before 16 cannot capture a
  // structured binding in a lambda, as feval below does)
  FloatTensor params, gradParams;
  std::tie(params, gradParams) = net.getParameters();
  optim::SGDState<float> sgd{.learningRate = opt.lr, .momentum = 0.9, .nesterov = true, .dampening = 0.0};
  std::cout << net << "\n" << params.nElement() << " parameters\n";

  // ---- training ----------------------------------------------------------------------------
  optim::ConfusionMatrix trainConfusion(kClasses, train.classes), confusion(kClasses, val.classes);
  const index_t perEpoch = std::min(n, trainBatches.size() * opt.batch);  // examples per epoch
  Timer total;
  for (int epoch = 1; epoch <= opt.epochs; ++epoch) {
    net.training();  // Dropout and BatchNormalization behave differently in training
    trainConfusion.zero();
    data::ProgressBar bar(perEpoch, {.label = "epoch " + std::to_string(epoch)});
    Timer timer;
    double epochLoss = 0;
    index_t seen = 0;
    for (auto& batch : trainBatches) {
      const FloatTensor& input = batch.input;
      const LongTensor& target = batch.target;
      // feval(x): the loss and the gradient at the current parameters (Torch7's closure).
      auto feval = [&](const FloatTensor&) -> optim::Eval<float> {
        net.zeroGradParameters();
        const FloatTensor& output = net.forward(input).tensor();
        const double loss = criterion.forward(output, target);
        trainConfusion.batchAdd(output, target);
        net.backward(input, criterion.backward(output, target));
        return {loss, gradParams};
      };
      const auto [x, loss] = optim::sgd(feval, params, sgd);
      const index_t len = input.size(0);
      epochLoss += loss * static_cast<double>(len);
      seen += len;
      char extra[32];
      std::snprintf(extra, sizeof extra, "loss %.4f", epochLoss / static_cast<double>(seen));
      bar.update(seen, extra);
    }
    const double seconds = timer.time().real;
    trainConfusion.updateValids();
    const double acc = evaluate(net, valBatches, confusion);
    std::printf("epoch %d: training loss %.4f, training accuracy %.2f%%, validation accuracy %.2f%%, "
                "%.0f examples/s (%.1f s)\n",
                epoch, epochLoss / static_cast<double>(seen), 100 * trainConfusion.totalValid, 100 * acc,
                static_cast<double>(seen) / seconds, seconds);
    std::fflush(stdout);
  }
  const double elapsed = total.time().real;
  if (opt.confusion) std::cout << confusion << "\n";
  printSummary(confusion, 5);
  std::printf("%d epochs in %.1f s, validation accuracy %.2f%%\n", opt.epochs, elapsed, 100 * confusion.totalValid);
  return 0;
} catch (const std::exception& e) {
  std::cerr << e.what() << "\n";
  return 1;
}
