#pragma once
/// \file builtins.hpp
/// t7's nn classes in the serialization registry, under their Torch7 names, with Torch7's class
/// versions, its 1-based index fields, and the conversions between t7's fields and what Lua
/// Torch7's methods expect (nil for "unset", buffers its code assumes exist).

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "t7/nn.hpp"
#include "t7/serialize/module.hpp"

namespace t7::serialize {

namespace detail {

/// An empty tensor of the element type the module's `_type` names.
inline Object emptyTensorFor(const Object& fields) {
  const Object type = fields["_type"];
  if (type.isString() && type.string() == "torch.DoubleTensor") return Object(Tensor<double>());
  return Object(Tensor<float>());
}
/// A tensor of ones of the module's element type.
inline Object onesFor(const Object& fields, index_t n) {
  const Object type = fields["_type"];
  if (type.isString() && type.string() == "torch.DoubleTensor") return Object(Tensor<double>(n).fill(1));
  return Object(Tensor<float>(n).fill(1));
}

/// toTorch hooks that add fields Lua's methods index without checking.
inline std::function<void(Object&)> addEmptyTensors(std::vector<std::string> names) {
  return [names](Object& f) {
    for (const auto& n : names)
      if (f[n].isNil()) f.set(n.c_str(), emptyTensorFor(f));
  };
}
inline std::function<void(Object&)> addEmptyStorages(std::vector<std::string> names) {
  return [names](Object& f) {
    for (const auto& n : names)
      if (f[n].isNil()) f.set(n.c_str(), Object(Storage<std::int64_t>()));
  };
}

/// BatchNormalization before version 2 kept running_std (1/sqrt(var + eps)); now running_var.
/// Older files had no `affine`: the module was affine when it had a weight.
inline void batchNormFromTorch(Object& fields, double version) {
  if (fields["affine"].isNil()) fields.set("affine", !fields["weight"].isNil());  // before `affine`
  if (version >= 2) return;
  const Object stdObj = fields["running_std"];
  if (!stdObj.isTensor()) return;
  LoadContext ctx;
  const Tensor<double> s = tensorAs<double>(stdObj, ctx).contiguous();
  const double eps = fields["eps"].isNumber() ? fields["eps"].number() : 1e-5;
  Tensor<double> var(s.sizes());
  for (index_t i = 0; i < s.nElement(); ++i) var.data()[i] = 1.0 / (s.data()[i] * s.data()[i]) - eps;
  fields.set("running_var", Object(var));
  fields.set("running_std", Object());
}

/// LookupTable: Torch7's "no padding" is paddingValue 0, t7's is -1.
inline void lookupTableFromTorch(Object& fields, double) {
  if (fields["paddingValue"].isNumber() && fields["paddingValue"].number() == 0) fields.set("paddingValue", -1);
}
inline void lookupTableToTorch(Object& fields) {
  if (fields["paddingValue"].isNumber() && fields["paddingValue"].number() < 0) fields.set("paddingValue", 0);
}

/// Dropout files without `v2` are Torch7's first Dropout (scaling at evaluation).
inline void dropoutFromTorch(Object& fields, double) {
  if (fields["v2"].isNil()) fields.set("v2", false);
}

/// Reshape's Lua code reads `batchsize`: {1, size...}.
inline void reshapeToTorch(Object& fields) {
  const Object size = fields["size"];
  if (!size.isStorage() || !fields["batchsize"].isNil()) return;
  const auto& s = std::get<Storage<std::int64_t>>(size.anyStorage());
  Storage<std::int64_t> b(s.size() + 1);
  b.data()[0] = 1;
  for (index_t i = 0; i < s.size(); ++i) b.data()[i + 1] = s.data()[i];
  fields.set("batchsize", Object(b));
}

/// Add's Lua code reads `_ones:size(1)`.
inline void addToTorch(Object& fields) {
  const Object ones = fields["_ones"];
  if (ones.isNil() || (ones.isTensor() && std::visit([](const auto& t) { return t.nElement() == 0; }, ones.anyTensor())))
    fields.set("_ones", onesFor(fields, 1));
}

/// TanhShrink's Lua code runs a member nn.Tanh.
inline void tanhShrinkToTorch(Object& fields) {
  if (!fields["tanh"].isNil()) return;
  Object tanh = Object::instance("nn.Tanh");
  tanh.set("output", emptyTensorFor(fields));
  tanh.set("gradInput", emptyTensorFor(fields));
  tanh.set("train", fields["train"].isBoolean() ? fields["train"].boolean() : true);
  tanh.set("_type", fields["_type"]);
  fields.set("tanh", tanh);
}

inline void mixtureTableToTorch(Object& fields) {
  addEmptyStorages({"size", "size2"})(fields);
  if (fields["batchSize"].isNil()) fields.set("batchSize", 0);
  if (fields["backwardSetup"].isNil()) fields.set("backwardSetup", false);
}

/// PairwiseDistance's (and the pair criterions') gradInput is a pair of tensors in Lua from the start.
inline void gradInputPairToTorch(Object& fields) {
  const Object g = fields["gradInput"];
  if (g.isTable() && g.length() == 2) return;
  Object pair = Object::table();
  pair.append(emptyTensorFor(fields));
  pair.append(emptyTensorFor(fields));
  fields.set("gradInput", pair);
}

/// MapTable's Lua code keeps its module twice: `module` and modules[1] (one object).
inline void mapTableToTorch(Object& fields) {
  const Object modules = fields["modules"];
  if (modules.isTable() && !modules[1].isNil()) fields.set("module", modules[1]);
  fields.set("shared", true);
  Object names = Object::table();
  for (const char* n : {"weight", "bias", "gradWeight", "gradBias"}) names.append(n);
  fields.set("sharedparams", names);
}

/// Convolutions before padW/padH had one `padding`.
inline void convolutionFromTorch(Object& fields, double) {
  const Object pad = fields["padding"];
  if (pad.isNumber() && fields["padW"].isNil()) {
    fields.set("padW", pad);
    fields.set("padH", pad);
  }
}

/// SpatialDepthWiseConvolution before version 2 kept the multiplier in nOutputPlane.
inline void depthWiseFromTorch(Object& fields, double version) {
  convolutionFromTorch(fields, version);
  if (version >= 2 || !fields["nOutputPlane"].isNumber() || !fields["nInputPlane"].isNumber()) return;
  const double multiplier = fields["nOutputPlane"].number();
  fields.set("depthwiseMultiplier", multiplier);
  fields.set("nOutputPlane", multiplier * fields["nInputPlane"].number());
}

/// SpatialAveragePooling before `divide` summed its windows.
inline void averagePoolingFromTorch(Object& fields, double) {
  if (fields["divide"].isNil()) fields.set("divide", false);
}

/// ClassNLLCriterion's ignoreIndex is compared with 1-based targets in Torch7, 0-based in t7;
/// -100, the default of both, means "none".
inline void ignoreIndexFromTorch(Object& fields, double) {
  const Object i = fields["ignoreIndex"];
  if (i.isNumber() && i.number() != -100) fields.set("ignoreIndex", i.number() - 1);
}
inline void classNLLToTorch(Object& fields) {
  const Object i = fields["ignoreIndex"];
  if (i.isNumber() && i.number() != -100) fields.set("ignoreIndex", i.number() + 1);
  if (fields["output_tensor"].isNil()) fields.set("output_tensor", onesFor(fields, 1));
  if (fields["total_weight_tensor"].isNil()) fields.set("total_weight_tensor", onesFor(fields, 1));
  if (fields["target"].isNil()) fields.set("target", Object(Tensor<std::int64_t>()));
}

/// MultiCriterion's weights are a torch.DoubleStorage in Lua (ParallelCriterion's a table).
inline void multiCriterionToTorch(Object& fields) {
  const Object w = fields["weights"];
  if (!w.isTable()) return;
  LoadContext ctx;
  const auto values = fromObject<std::vector<double>>(w, ctx);
  Storage<double> s(static_cast<index_t>(values.size()));
  std::copy(values.begin(), values.end(), s.data());
  fields.set("weights", Object(s));
}

/// The up-sampling modules' Lua code keeps 4-element size storages.
inline void upSamplingToTorch(Object& fields) {
  for (const char* n : {"inputSize", "outputSize"}) {
    if (!fields[n].isNil()) continue;
    Storage<std::int64_t> s(4);
    for (index_t i = 0; i < 4; ++i) s.data()[i] = 0;
    fields.set(n, Object(s));
  }
}

}  // namespace detail

/// Calls `r.template add<M>(info)` for every t7 class M of element type T with its Torch7 info.
template <Element T, class R>
void forEachBuiltin(R& r) {
  using namespace detail;
  // ---- Group A (nn/transfer, transfer_extra, shape_modules, simple, reduce_modules, table_ops, table,
  //      table_distance, softmax, linear, lookup_table, dropout, bilinear, containers, sequential).
  //      Every class is a template on T and default-constructible. See /work/scratch/audit-A.md for the
  //      fields that need a sentinel->nil mapping or Lua-side defaults on save.
  // Transfer functions.
  r.template add<nn::Tanh<T>>();
  r.template add<nn::Sigmoid<T>>();
  r.template add<nn::Threshold<T>>();
  r.template add<nn::ReLU<T>>();
  r.template add<nn::ReLU6<T>>();
  r.template add<nn::HardTanh<T>>();
  r.template add<nn::Clamp<T>>();
  r.template add<nn::LeakyReLU<T>>();
  r.template add<nn::PReLU<T>>();
  r.template add<nn::RReLU<T>>();
  r.template add<nn::ELU<T>>();
  r.template add<nn::SELU<T>>();  // "nn.SELU": t7's own class, Torch7's nn has none
  r.template add<nn::GELU<T>>();  // "nn.GELU": t7's own class, Torch7's nn has none
  r.template add<nn::HardShrink<T>>();
  r.template add<nn::SoftShrink<T>>();
  r.template add<nn::SoftPlus<T>>();
  r.template add<nn::SoftSign<T>>();
  r.template add<nn::LogSigmoid<T>>();
  r.template add<nn::Abs<T>>();
  r.template add<nn::Square<T>>();
  r.template add<nn::Sqrt<T>>();
  r.template add<nn::Power<T>>();
  r.template add<nn::Exp<T>>();
  r.template add<nn::Log<T>>();
  r.template add<nn::TanhShrink<T>>({.toTorch = tanhShrinkToTorch});
  r.template add<nn::SoftMax<T>>();
  r.template add<nn::LogSoftMax<T>>();
  r.template add<nn::SoftMin<T>>();
  // Shape and indexing.
  r.template add<nn::Identity<T>>();
  r.template add<nn::View<T>>({.nilWhen = {{"numInputDims", -1}}});
  r.template add<nn::Reshape<T>>({.toTorch = reshapeToTorch});
  r.template add<nn::Narrow<T>>({.indexFields = {"dimension", "index"}});
  r.template add<nn::Select<T>>({.indexFields = {"dimension", "index"}});
  r.template add<nn::Transpose<T>>({.indexFields = {"permutations"}, .nilWhen = {{"numInputDims", -1}}});
  r.template add<nn::Squeeze<T>>({.indexFields = {"dim"}, .nilWhen = {{"numInputDims", -1}}});
  r.template add<nn::Unsqueeze<T>>({.indexFields = {"pos"}, .nilWhen = {{"numInputDims", -1}}});
  r.template add<nn::Replicate<T>>({.indexFields = {"dim"}, .nilWhen = {{"ndim", -1}}});
  r.template add<nn::Copy<T>>();
  r.template add<nn::Padding<T>>({.indexFields = {"dim", "index"}, .nilWhen = {{"nInputDim", -1}}, .toTorch = addEmptyStorages({"outputSize"})});
  r.template add<nn::Contiguous<T>>();
  // Parametric simple layers.
  r.template add<nn::Linear<T>>();
  r.template add<nn::Bilinear<T>>();
  r.template add<nn::LookupTable<T>>({.version = 4,
                                      .indexFields = {"paddingValue"},
                                      .nilWhen = {{"maxNorm", 0}},
                                      .fromTorch = lookupTableFromTorch,
                                      .toTorch = lookupTableToTorch});
  r.template add<nn::Mul<T>>();
  r.template add<nn::Add<T>>({.toTorch = addToTorch});
  r.template add<nn::CMul<T>>();
  r.template add<nn::CAdd<T>>();
  r.template add<nn::Euclidean<T>>();
  r.template add<nn::Cosine<T>>();
  r.template add<nn::Dropout<T>>({.fromTorch = dropoutFromTorch});
  // Reductions and constants.
  r.template add<nn::Sum<T>>({.indexFields = {"dimension"}, .nilWhen = {{"nInputDims", -1}}});
  r.template add<nn::Mean<T>>({.indexFields = {"dimension"}, .nilWhen = {{"nInputDims", -1}}});
  r.template add<nn::Max<T>>({.indexFields = {"dimension"}, .nilWhen = {{"nInputDims", -1}}});
  r.template add<nn::Min<T>>({.indexFields = {"dimension"}, .nilWhen = {{"nInputDims", -1}}});
  r.template add<nn::MulConstant<T>>();
  r.template add<nn::AddConstant<T>>();
  // Table layers.
  r.template add<nn::CAddTable<T>>();
  r.template add<nn::CSubTable<T>>();
  r.template add<nn::CMulTable<T>>();
  r.template add<nn::CDivTable<T>>();
  r.template add<nn::CMaxTable<T>>({.toTorch = addEmptyTensors({"mask", "maxVals", "gradMaxVals"})});
  r.template add<nn::CMinTable<T>>({.toTorch = addEmptyTensors({"mask", "minVals", "gradMaxVals"})});
  r.template add<nn::JoinTable<T>>({.indexFields = {"dimension"}, .toTorch = addEmptyStorages({"size"})});
  r.template add<nn::SplitTable<T>>({.indexFields = {"dimension"}});
  r.template add<nn::SelectTable<T>>({.indexFields = {"index"}});
  r.template add<nn::NarrowTable<T>>({.indexFields = {"offset"}});
  r.template add<nn::FlattenTable<T>>();
  r.template add<nn::PairwiseDistance<T>>({.toTorch = gradInputPairToTorch});
  r.template add<nn::DotProduct<T>>();
  r.template add<nn::CosineDistance<T>>();
  r.template add<nn::MixtureTable<T>>({.indexFields = {"dim"}, .toTorch = mixtureTableToTorch});
  // Containers.
  r.template add<nn::Sequential<T>>();
  r.template add<nn::Concat<T>>({.indexFields = {"dimension"}});
  r.template add<nn::ConcatTable<T>>();
  r.template add<nn::Parallel<T>>({.indexFields = {"inputDimension", "outputDimension"}});
  r.template add<nn::ParallelTable<T>>();
  r.template add<nn::MapTable<T>>({.toTorch = mapTableToTorch});

  // Group B: spatial shape (nn/spatial_shape.hpp).
  r.template add<nn::SpatialZeroPadding<T>>();
  r.template add<nn::SpatialReflectionPadding<T>>();
  r.template add<nn::SpatialReplicationPadding<T>>();
  r.template add<nn::SpatialUpSamplingNearest<T>>({.toTorch = upSamplingToTorch});
  r.template add<nn::SpatialUpSamplingBilinear<T>>({.toTorch = upSamplingToTorch});
  r.template add<nn::SpatialDropout<T>>();
  r.template add<nn::VolumetricDropout<T>>();
  // Pooling (nn/pooling.hpp, nn/pooling_extra.hpp).
  r.template add<nn::SpatialMaxPooling<T>>();
  r.template add<nn::SpatialAveragePooling<T>>({.fromTorch = averagePoolingFromTorch});
  r.template add<nn::SpatialSubSampling<T>>();
  r.template add<nn::SpatialAdaptiveMaxPooling<T>>();
  r.template add<nn::SpatialAdaptiveAveragePooling<T>>();
  // nn::SpatialLPPooling: not registered: Torch7's is an nn.Sequential (modules Square|Power(p), SpatialAveragePooling, MulConstant(kW*kH), Sqrt|Power(1/p)) without nInputPlane/pnorm fields; needs a fromTorch hook reading pnorm from modules[1] and a writer emitting those modules.
  // nn::SpatialMaxUnpooling: not registered: `pooling` is a non-owning SpatialMaxPooling<T>* (Torch7: a reference to the SpatialMaxPooling object elsewhere in the net), not a FieldRef type; a load would leave it unlinked.
  r.template add<nn::TemporalMaxPooling<T>>();
  r.template add<nn::VolumetricMaxPooling<T>>({.version = 2});
  r.template add<nn::VolumetricAveragePooling<T>>();
  // Normalization (nn/normalization.hpp, nn/batch_norm.hpp).
  r.template add<nn::SpatialCrossMapLRN<T>>();
  r.template add<nn::SpatialSubtractiveNormalization<T>>();
  r.template add<nn::SpatialDivisiveNormalization<T>>();
  r.template add<nn::SpatialContrastiveNormalization<T>>();
  r.template add<nn::Normalize<T>>();
  r.template add<nn::BatchNormalization<T>>({.version = 2, .fromTorch = batchNormFromTorch});
  r.template add<nn::SpatialBatchNormalization<T>>({.version = 2, .fromTorch = batchNormFromTorch});
  r.template add<nn::VolumetricBatchNormalization<T>>({.version = 2, .fromTorch = batchNormFromTorch});
  // Convolutions (nn/spatial_convolution.hpp, nn/convolutions.hpp).
  r.template add<nn::SpatialConvolution<T>>({.fromTorch = convolutionFromTorch});
  r.template add<nn::SpatialConvolutionMM<T>>({.fromTorch = convolutionFromTorch});
  r.template add<nn::SpatialDilatedConvolution<T>>();
  r.template add<nn::SpatialFullConvolution<T>>();
  r.template add<nn::TemporalConvolution<T>>();
  r.template add<nn::VolumetricConvolution<T>>();
  r.template add<nn::SpatialDepthWiseConvolution<T>>({.version = 2, .fromTorch = depthWiseFromTorch});
  r.template add<nn::SpatialConvolutionLocal<T>>();
  // Criterions (nn/classnll.hpp, nn/criterions_*.hpp, nn/spatial_criterions.hpp).
  r.template add<nn::ClassNLLCriterion<T>>({.fromTorch = ignoreIndexFromTorch, .toTorch = classNLLToTorch});
  r.template add<nn::SpatialClassNLLCriterion<T>>({.fromTorch = ignoreIndexFromTorch, .toTorch = classNLLToTorch});
  r.template add<nn::CrossEntropyCriterion<T>>();
  r.template add<nn::MSECriterion<T>>();
  r.template add<nn::AbsCriterion<T>>();
  r.template add<nn::SmoothL1Criterion<T>>();
  r.template add<nn::DistKLDivCriterion<T>>();
  r.template add<nn::BCECriterion<T>>();
  r.template add<nn::MarginCriterion<T>>();
  r.template add<nn::SoftMarginCriterion<T>>();
  r.template add<nn::HingeEmbeddingCriterion<T>>();
  r.template add<nn::MultiMarginCriterion<T>>();
  r.template add<nn::MultiLabelMarginCriterion<T>>();
  r.template add<nn::MultiLabelSoftMarginCriterion<T>>();
  r.template add<nn::CosineEmbeddingCriterion<T>>();
  r.template add<nn::MarginRankingCriterion<T>>({.toTorch = gradInputPairToTorch});
  r.template add<nn::L1HingeEmbeddingCriterion<T>>({.toTorch = gradInputPairToTorch});
  r.template add<nn::MultiCriterion<T>>({.toTorch = multiCriterionToTorch});
  r.template add<nn::ParallelCriterion<T>>();
  // nn::SpatialCrossEntropyCriterion ("cudnn.SpatialCrossEntropyCriterion"): not registered: cudnn's fields are slsm (cudnn.SpatialLogSoftMax), nll (nn.ClassNLLCriterion holding the weights) and sizeAverage (divides the gradient by N only); t7's flat weights/ignoreIndex/total_weight do not map.
}

namespace detail {

/// Collects the ClassInfo of each class by name (the classes' code is not compiled).
struct InfoCollector {
  std::map<std::string, ClassInfo, std::less<>> infos;
  template <class M>
  void add(ClassInfo info = {}) {
    infos.emplace(M::torchType, std::move(info));
  }
};

inline const ClassInfo* builtinInfo(std::string_view className) {
  static const std::map<std::string, ClassInfo, std::less<>> infos = [] {
    InfoCollector c;
    forEachBuiltin<float>(c);
    return std::move(c.infos);
  }();
  auto it = infos.find(className);
  return it == infos.end() ? nullptr : &it->second;
}

/// Registers each class's factory.
template <Element T>
struct FactoryCollector {
  template <class M>
  void add(const ClassInfo& = {}) {
    Registry<T>::instance().template add<M>();
  }
};

}  // namespace detail

template <Element T>
void registerAllModules() {
  detail::FactoryCollector<T> c;
  forEachBuiltin<T>(c);
}

}  // namespace t7::serialize
