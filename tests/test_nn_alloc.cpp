// DESIGN.md decision 11: a steady training step allocates nothing. This TU replaces the
// global operator new with one that counts calls while a test asks it to (on this thread),
// and runs the MLP training steps of examples/mlp.cpp after a warm-up step.
#include "helpers.hpp"

// free() on what this file's operator new returned is right: it returns malloc's memory.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <cstdlib>
#include <new>
#include <tuple>

#include "t7/nn.hpp"
#include "t7/optim.hpp"
#include "t7/data/batch.hpp"

namespace {
thread_local bool counting = false;
thread_local long allocations = 0;
}  // namespace

void* operator new(std::size_t n) {
  if (counting) ++allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, std::align_val_t a) {
  if (counting) ++allocations;
  const std::size_t al = static_cast<std::size_t>(a);
  if (void* p = std::aligned_alloc(al, (n + al - 1) / al * al)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) { return operator new(n, a); }
// The nothrow forms too: every new in the program must pair with the deletes below.
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return operator new(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return operator new(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  try {
    return operator new(n, a);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  try {
    return operator new(n, a);
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

using namespace t7;

namespace {
/// Counts the operator-new calls `fn` makes on this thread.
template <class F>
long countAllocations(F&& fn) {
  allocations = 0;
  counting = true;
  fn();
  counting = false;
  return allocations;
}
/// One optim.sgd step of `net` on (x, y): Torch7's feval closure (zero the gradients,
/// forward, criterion, backward), as the examples write it.
void sgdStep(nn::Sequential<float>& net, nn::ClassNLLCriterion<float>& criterion, const FloatTensor& x,
             const LongTensor& y, FloatTensor& params, FloatTensor& grads, optim::SGDState<float>& sgd) {
  auto feval = [&](const FloatTensor&) -> optim::Eval<float> {
    net.zeroGradParameters();
    const FloatTensor& out = net.forward(x).tensor();
    const double loss = criterion.forward(out, y);
    net.backward(x, criterion.backward(out, y));
    return {loss, grads};
  };
  optim::sgd(feval, params, sgd);
}
}  // namespace

TEST_CASE("nn alloc: the counting allocator sees allocations") {
  CHECK(countAllocations([] { FloatTensor t(100); }) >= 1);
  CHECK(countAllocations([] {}) == 0);
}

TEST_CASE("nn alloc: a steady MLP training step (forward, criterion, backward, sgd) allocates nothing") {
  for (index_t batch : {index_t{1}, index_t{32}}) {
    nn::Sequential<float> net;
    net.add(nn::Linear(784, 50)).add(nn::Tanh()).add(nn::Linear(50, 10)).add(nn::LogSoftMax());
    nn::ClassNLLCriterion<float> criterion;
    FloatTensor params, grads;  // (not a structured binding: clang 14 cannot capture one in a lambda)
    std::tie(params, grads) = net.getParameters();
    optim::SGDState<float> sgd{.learningRate = 0.01, .momentum = 0.9};
    FloatTensor x = batch == 1 ? randn<float>({784}) : randn<float>({batch, 784});
    LongTensor y(batch);
    y.fill(3);
    auto step = [&] { sgdStep(net, criterion, x, y, params, grads, sgd); };
    step();  // the first step sizes every buffer
    const double before = criterion.output;
    CHECK(countAllocations([&] {
            for (int i = 0; i < 5; ++i) step();
          }) == 0);
    CHECK(criterion.output < before);  // and it trains
  }
}

TEST_CASE("nn alloc: accUpdateGradParameters steps allocate nothing either") {
  nn::Sequential<float> net;
  net.add(nn::Linear(20, 8)).add(nn::Tanh()).add(nn::Linear(8, 3)).add(nn::LogSoftMax());
  nn::ClassNLLCriterion<float> criterion;
  FloatTensor x = randn<float>({4, 20});
  LongTensor y{0, 1, 2, 1};
  auto step = [&] {
    const FloatTensor& out = net.forward(x).tensor();
    criterion.forward(out, y);
    const FloatTensor& g = criterion.backward(out, y);
    net.updateGradInput(x, g);
    net.accUpdateGradParameters(x, g, 0.1);
  };
  step();
  CHECK(countAllocations([&] { step(); }) == 0);
}

TEST_CASE("nn alloc: a steady CNN training step (conv, batch norm, pooling, dropout) allocates nothing") {
  for (index_t batch : {index_t{1}, index_t{8}}) {
    nn::Sequential<float> net;
    net.add(nn::SpatialConvolution(3, 8, 3, 3, 1, 1, 1, 1)).add(nn::SpatialBatchNormalization(8, 1e-3));
    net.add(nn::ReLU(true)).add(nn::SpatialMaxPooling(2, 2, 2, 2)).add(nn::Dropout(0.2));
    net.add(nn::SpatialConvolution(8, 6, 3, 3)).add(nn::Tanh()).add(nn::SpatialSubSampling(6, 2, 2, 2, 2));
    net.add(nn::SpatialAveragePooling(1, 1)).add(nn::View(6 * 1 * 1)).add(nn::Linear(6, 10)).add(nn::LogSoftMax());
    nn::ClassNLLCriterion<float> criterion;
    FloatTensor params, grads;  // (not a structured binding: clang 14 cannot capture one in a lambda)
    std::tie(params, grads) = net.getParameters();
    optim::SGDState<float> sgd{.learningRate = 0.01, .momentum = 0.9, .nesterov = true, .dampening = 0};
    // batch 1 runs in evaluate mode (batch norm needs more than one value per channel to train)
    if (batch == 1) net.evaluate();
    FloatTensor x = randn<float>({batch, 3, 8, 8});
    LongTensor y(batch);
    y.fill(3);
    auto step = [&] { sgdStep(net, criterion, x, y, params, grads, sgd); };
    step();  // the first step sizes every buffer
    CHECK(countAllocations([&] {
            for (int i = 0; i < 3; ++i) step();
          }) == 0);
  }
}

TEST_CASE("nn alloc: a steady epoch of shuffled, augmented batches allocates nothing") {
  ByteTensor images(100, 3, 8, 8);
  images.fill(7);
  LongTensor labels(100);
  labels.fill(1);
  Generator g(1);
  auto b = data::batches(images, labels, 32,
                         {.shuffle = true, .generator = &g, .normalize = {.scale = 1.0 / 255, .mean = {0.5}},
                          .cropPadding = 2, .hflip = true});
  index_t seen = 0;
  for (auto& [x, y] : b) seen += x.size(0);  // the first epoch sizes the batch tensors
  CHECK(seen == 100);
  CHECK(countAllocations([&] {
          for (int e = 0; e < 2; ++e)
            for (auto& [x, y] : b) (void)x;
        }) == 0);
}
