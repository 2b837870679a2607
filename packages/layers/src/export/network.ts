import type * as tf from '@tensorflow/tfjs-core';
import type { ActivationName } from '../activations';
import { BatchNorm1d } from '../batch-norm';
import { LayersError } from '../errors';
import type { Mlp } from '../mlp';

/** One fully connected layer of an MLP, with what follows it, as plain arrays for an exporter. */
export interface ExportedLayer {
  /** PyTorch's name: `fc1`, `fc2`, ... */
  readonly name: string;
  readonly inputs: number;
  readonly units: number;
  /** `[units, inputs]`, row-major: PyTorch's layout. */
  readonly weight: Float32Array;
  readonly bias: Float32Array;
  /** Hidden layers with batch norm: its affine parameters, running statistics and epsilon. */
  readonly batchNorm?: {
    readonly name: string;
    readonly gamma: Float32Array;
    readonly beta: Float32Array;
    readonly mean: Float32Array;
    readonly variance: Float32Array;
    readonly eps: number;
  };
  /** Hidden layers: the activation (the output layer has none). */
  readonly activation?: ActivationName;
  /** PReLU's learned slope (one value shared by the layer's units). */
  readonly preluSlope?: Float32Array;
  /** Hidden layers: dropout's rate (the identity in inference, as exported). */
  readonly dropout?: number;
}

/** An MLP as plain arrays: what the tfjs and ONNX exporters write. */
export interface ExportedNetwork {
  readonly inputSize: number;
  readonly numClasses: number;
  readonly layers: readonly ExportedLayer[];
  /** `log-softmax` (the lesson's networks) or `logits`. */
  readonly output: 'log-softmax' | 'logits';
}

async function values(state: Record<string, tf.Tensor>, key: string): Promise<Float32Array> {
  const t = state[key];
  if (t === undefined) throw new LayersError(`export: the model has no '${key}'`);
  const data = await t.data();
  const out = Float32Array.from(data as ArrayLike<number>);
  const bad = out.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    throw new LayersError(
      `export: '${key}' holds ${out[bad]} at element ${bad}; a model with NaN or infinite values cannot be exported`,
    );
  }
  return out;
}

/** Reads an {@link Mlp}'s architecture and values (its state dict, in eval form). */
export async function describeMlp(model: Mlp): Promise<ExportedNetwork> {
  const c = model.config;
  const state = model.stateDict();
  const widths = [c.inputSize, ...c.hidden, c.numClasses];
  const modules = new Map(model.namedModules());
  const layers: ExportedLayer[] = [];
  for (let i = 0; i + 1 < widths.length; i++) {
    const hidden = i < c.hidden.length;
    const name = `fc${i + 1}`;
    const norm = modules.get(`batch_norm${i + 1}`);
    const bnName = `batch_norm${i + 1}`;
    layers.push({
      name,
      inputs: widths[i] as number,
      units: widths[i + 1] as number,
      weight: await values(state, `${name}.weight`),
      bias: await values(state, `${name}.bias`),
      ...(hidden && c.batchNorm && norm instanceof BatchNorm1d
        ? {
            batchNorm: {
              name: bnName,
              gamma: await values(state, `${bnName}.weight`),
              beta: await values(state, `${bnName}.bias`),
              mean: await values(state, `${bnName}.running_mean`),
              variance: await values(state, `${bnName}.running_var`),
              eps: norm.eps,
            },
          }
        : {}),
      ...(hidden ? { activation: c.activation, dropout: c.dropout } : {}),
      ...(hidden && c.activation === 'prelu'
        ? { preluSlope: await values(state, `prelu${i + 1}.weight`) }
        : {}),
    });
  }
  return { inputSize: c.inputSize, numClasses: c.numClasses, layers, output: c.output };
}
