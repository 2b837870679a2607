export type { ActivationName, PReLUArgs } from './activations';
export {
  ACTIVATION_NAMES,
  Activation,
  activationFunctions,
  gelu,
  leakyRelu,
  PReLU,
  SERLU_ALPHA,
  SERLU_LAMBDA,
  serlu,
  silu,
} from './activations';
export type { ApplyInitOptions } from './apply-init';
export { applyInit } from './apply-init';
export type { BatchNorm1dArgs } from './batch-norm';
export { BatchNorm1d } from './batch-norm';
export type { Nonlinearity } from './calculate-gain';
export { calculateGain } from './calculate-gain';
export type { DropoutArgs } from './dropout';
export { Dropout, dropoutMask } from './dropout';
export { LayersError } from './errors';
export type { ExportMetadata } from './export/metadata';
export type { ExportedLayer, ExportedNetwork } from './export/network';
export { describeMlp } from './export/network';
export { ONNX_OPSET, toOnnx } from './export/onnx-model';
export type { TfjsLayersModel } from './export/tfjs-layers-model';
export { TFJS_WEIGHTS_FILE, toTfjsLayersModel } from './export/tfjs-layers-model';
export type { InitConfig, InitDistribution, InitName } from './initializers';
export { fans, INIT_NAMES, initDistribution, initializers, sample } from './initializers';
export type { LinearArgs } from './linear';
export { Linear } from './linear';
export { crossEntropy, crossEntropyPerExample, nllLoss, nllLossPerExample } from './losses';
export type { MlpConfig, MlpConfigInput } from './mlp';
export {
  linearParameterCount,
  MLP_LIMITS,
  Mlp,
  MlpConfigError,
  mlpConfigSchema,
  parseMlpConfig,
} from './mlp';
export type { DenseNorm, DenseStack, ForwardOptions, LayerTap, StateDict } from './module';
export { Module } from './module';
export { Sequential } from './sequential';
