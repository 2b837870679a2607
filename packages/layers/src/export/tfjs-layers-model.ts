import type { ActivationName } from '../activations';
import { LayersError } from '../errors';
import type { Mlp } from '../mlp';
import type { ExportMetadata } from './metadata';
import { describeMlp, type ExportedLayer, type ExportedNetwork } from './network';

/** A TensorFlow.js LayersModel: `model.json`'s object, and the bytes of the `weights.bin` it names. */
export interface TfjsLayersModel {
  readonly modelJson: Record<string, unknown>;
  readonly weights: Uint8Array;
}

/** The file `modelJson`'s weights manifest points at, next to `model.json`. */
export const TFJS_WEIGHTS_FILE = 'weights.bin';

// Keras's names for the activations it has as such; leaky-relu and prelu are layers of their own.
const KERAS_ACTIVATIONS: Partial<Record<ActivationName, string>> = {
  relu: 'relu',
  sigmoid: 'sigmoid',
  tanh: 'tanh',
  elu: 'elu',
  selu: 'selu',
  gelu: 'gelu',
  silu: 'swish',
};

interface WeightSpec {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** `[units, inputs]` (PyTorch) to `[inputs, units]` (a Keras kernel). */
function transpose(w: Float32Array, units: number, inputs: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let o = 0; o < units; o++)
    for (let i = 0; i < inputs; i++) out[i * units + o] = w[o * inputs + i] as number;
  return out;
}

function activationLayer(
  layer: ExportedLayer & { activation: ActivationName },
  index: number,
  weights: WeightSpec[],
): object {
  const { activation } = layer;
  const keras = KERAS_ACTIVATIONS[activation];
  if (keras !== undefined) {
    return {
      class_name: 'Activation',
      config: { name: `${activation}${index}`, activation: keras },
    };
  }
  if (activation === 'leaky-relu') {
    return { class_name: 'LeakyReLU', config: { name: `leaky_relu${index}`, alpha: 0.01 } };
  }
  if (activation === 'prelu' && layer.preluSlope !== undefined) {
    const name = `prelu${index}`;
    weights.push({
      name: `${name}/alpha`,
      shape: [layer.preluSlope.length],
      values: layer.preluSlope,
    });
    return { class_name: 'PReLU', config: { name, shared_axes: [1] } };
  }
  throw new LayersError(
    `export to tfjs: TensorFlow.js has no layer for the activation '${activation}'; export this network as ONNX instead (--format onnx)`,
  );
}

function layerConfigs(net: ExportedNetwork, weights: WeightSpec[]): object[] {
  const out: object[] = [];
  net.layers.forEach((layer, i) => {
    const n = i + 1;
    out.push({
      class_name: 'Dense',
      config: {
        name: layer.name,
        units: layer.units,
        activation: 'linear',
        use_bias: true,
        ...(i === 0 ? { batch_input_shape: [null, net.inputSize], dtype: 'float32' } : {}),
      },
    });
    weights.push(
      {
        name: `${layer.name}/kernel`,
        shape: [layer.inputs, layer.units],
        values: transpose(layer.weight, layer.units, layer.inputs),
      },
      { name: `${layer.name}/bias`, shape: [layer.units], values: layer.bias },
    );
    const bn = layer.batchNorm;
    if (bn !== undefined) {
      out.push({
        class_name: 'BatchNormalization',
        config: { name: bn.name, axis: -1, epsilon: bn.eps, center: true, scale: true },
      });
      for (const [key, values] of [
        ['gamma', bn.gamma],
        ['beta', bn.beta],
        ['moving_mean', bn.mean],
        ['moving_variance', bn.variance],
      ] as const) {
        weights.push({ name: `${bn.name}/${key}`, shape: [layer.units], values });
      }
    }
    const { activation } = layer;
    if (activation !== undefined) out.push(activationLayer({ ...layer, activation }, n, weights));
    if (layer.dropout !== undefined && layer.dropout > 0) {
      out.push({ class_name: 'Dropout', config: { name: `dropout${n}`, rate: layer.dropout } });
    }
  });
  if (net.output === 'log-softmax') {
    out.push({
      class_name: 'Activation',
      config: { name: 'log_softmax', activation: 'logSoftmax' },
    });
  }
  return out;
}

/**
 * The network as a TensorFlow.js LayersModel that `tf.loadLayersModel` loads in any tfjs app: a
 * Keras `Sequential` of `Dense` layers (kernels transposed to Keras's `[in, out]`), batch norm as
 * `BatchNormalization` with its running statistics, each activation as its Keras activation or
 * layer, dropout as `Dropout` (the identity in inference) and the lesson's `log_softmax` as the
 * `logSoftmax` activation, so that it outputs what mnist-lab outputs. SERLU has no TensorFlow.js
 * layer: that network throws a {@link LayersError} saying so (ONNX can express it). With
 * `metadata`, `model.json` holds it as `userDefinedMetadata.mnistLab` (what `getUserDefinedMetadata()`
 * returns after `tf.loadLayersModel`): `preprocessing`, `classNames`, `dataset` (and `datasetSha256`
 * when given), `producer`.
 */
export async function toTfjsLayersModel(
  model: Mlp,
  metadata?: ExportMetadata,
): Promise<TfjsLayersModel> {
  const net = await describeMlp(model);
  const specs: WeightSpec[] = [];
  const layers = layerConfigs(net, specs);
  const total = specs.reduce((n, s) => n + s.values.length, 0);
  const data = new Float32Array(total);
  let at = 0;
  for (const s of specs) {
    data.set(s.values, at);
    at += s.values.length;
  }
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'mnist-lab',
    convertedBy: null,
    modelTopology: {
      class_name: 'Sequential',
      config: { name: 'mnist_lab_mlp', layers },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    },
    weightsManifest: [
      {
        paths: [TFJS_WEIGHTS_FILE],
        weights: specs.map((s) => ({ name: s.name, shape: s.shape, dtype: 'float32' })),
      },
    ],
    ...(metadata === undefined
      ? {}
      : {
          userDefinedMetadata: {
            mnistLab: {
              preprocessing: metadata.preprocessing,
              classNames: metadata.classNames,
              dataset: metadata.dataset,
              ...(metadata.datasetSha256 === undefined
                ? {}
                : { datasetSha256: metadata.datasetSha256 }),
              producer: `mnist-lab ${metadata.producerVersion}`,
            },
          },
        }),
  };
  return { modelJson, weights: new Uint8Array(data.buffer) };
}
