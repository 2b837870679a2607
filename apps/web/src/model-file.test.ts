import { Mlp, type MlpConfigInput } from '@mnist-lab/layers';
import { decodeSafetensors, encodeSafetensors, encodeStateDict } from '@mnist-lab/trainer';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { jsonDepth } from './json-depth';
import { MODEL_METADATA_KEY, ModelFileError, modelFromFile } from './model-file';

// The draw pad's model files: what the lab downloads (architecture in the metadata), what a CLI
// model folder holds (config.json beside), and a bare state dict as PyTorch's safetensors writes it
// (architecture from the shapes, the activation from the form). Each must predict exactly as the
// model that was saved.
const FALLBACK = { activation: 'relu', dropout: 0.5 } as const;
const x = () => tf.randomUniform([8, 784], 0, 1, 'float32', 11);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function saved(config: MlpConfigInput, withMetadata: boolean) {
  const model = new Mlp(config);
  const metadata: Record<string, string> = withMetadata
    ? { [MODEL_METADATA_KEY]: JSON.stringify(model.config) }
    : {};
  const bytes = await encodeStateDict(model, metadata);
  const expected = await model.forward(x(), { training: false }).data();
  return { model, bytes, expected };
}

async function outputs(model: Mlp) {
  return model.forward(x(), { training: false }).data();
}

describe('modelFromFile', () => {
  it("builds a lab download's network from its metadata and predicts exactly as the saved model", async () => {
    const { bytes, expected, model } = await saved(
      { activation: 'gelu', batchNorm: true, hidden: [64, 32], dropout: 0.2, seed: 2 },
      true,
    );
    const loaded = modelFromFile('m.safetensors', bytes, FALLBACK);
    expect(loaded.architecture).toBe('file');
    expect(loaded.model.config).toEqual(model.config);
    expect(await outputs(loaded.model)).toEqual(expected);
  });

  it('takes the architecture from a CLI config.json when given', async () => {
    const { bytes, expected, model } = await saved({ activation: 'tanh', hidden: [48] }, false);
    const loaded = modelFromFile('model.safetensors', bytes, FALLBACK, model.config);
    expect(loaded.architecture).toBe('config.json');
    expect(await outputs(loaded.model)).toEqual(expected);
  });

  it("infers a bare state dict's widths and batch norm from its shapes, the activation from the form", async () => {
    const { bytes, expected } = await saved(
      { activation: 'sigmoid', batchNorm: true, hidden: [40, 24, 16] },
      false,
    );
    // As PyTorch's safetensors.torch.save_file writes it: only {"format": "pt"} as metadata.
    expect(decodeSafetensors(bytes).metadata).toEqual({ format: 'pt' });
    const loaded = modelFromFile('net.safetensors', bytes, { activation: 'sigmoid', dropout: 0 });
    expect(loaded.architecture).toBe('shapes');
    expect(loaded.model.config).toMatchObject({ hidden: [40, 24, 16], batchNorm: true });
    expect(await outputs(loaded.model)).toEqual(expected);
    // PReLU's weights name it, whatever the form says.
    const prelu = await saved({ activation: 'prelu', hidden: [20] }, false);
    const fromShapes = modelFromFile('p.safetensors', prelu.bytes, FALLBACK);
    expect(fromShapes.model.config.activation).toBe('prelu');
    expect(await outputs(fromShapes.model)).toEqual(prelu.expected);
  });

  it('refuses what is not a draw-pad model, saying why', async () => {
    const notAFile = new TextEncoder().encode('hello, not a model');
    expect(() => modelFromFile('notes.txt', notAFile, FALLBACK)).toThrow(
      /notes\.txt.*expected a \.safetensors model file/,
    );
    const small = new Mlp({ inputSize: 100, hidden: [8] });
    const smallBytes = await encodeStateDict(small, {
      [MODEL_METADATA_KEY]: JSON.stringify(small.config),
    });
    expect(() => modelFromFile('small.safetensors', smallBytes, FALLBACK)).toThrow(
      'the network takes 100 inputs and gives 10 classes; the draw pad needs 784 (28 × 28) and 10',
    );
    const other = encodeSafetensors({
      'conv1.weight': { dtype: 'F32', shape: [2, 2], data: new Float32Array(4) },
    });
    expect(() => modelFromFile('conv.safetensors', other, FALLBACK)).toThrow(
      /no fc1\.weight among its tensors \(conv1\.weight\)/,
    );
    // Metadata that says one network over tensors of another: the tensor is named.
    const lying = await saved({ hidden: [64, 32] }, false);
    const metadata = { [MODEL_METADATA_KEY]: JSON.stringify({ hidden: [64, 33] }) };
    const { tensors } = decodeSafetensors(lying.bytes);
    const mixed = encodeSafetensors(tensors, metadata);
    expect(() => modelFromFile('mixed.safetensors', mixed, FALLBACK)).toThrow(/fc2\.weight/);
    expect(ModelFileError.name).toBe('ModelFileError');
    // A network the builder allows (50 M parameters) but the lab does not (10 M): refused.
    const wide = encodeSafetensors(tensors, {
      [MODEL_METADATA_KEY]: JSON.stringify({ hidden: [4096, 4096] }),
    });
    expect(() => modelFromFile('wide.safetensors', wide, FALLBACK)).toThrow(
      'wide.safetensors: a network of hidden widths [4096, 4096] is larger than the lab builds (at most 10000000 parameters, 8 hidden layers of 4096)',
    );
    // Metadata nested 100 000 deep: refused before JSON.parse (whose result would overflow the
    // stack when handed between the page and its worker).
    const deep = encodeSafetensors(tensors, {
      [MODEL_METADATA_KEY]: `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
    });
    expect(() => modelFromFile('deep.safetensors', deep, FALLBACK)).toThrow(
      'deep.safetensors: its mnist-lab.model metadata nests deeper than 64 levels',
    );
  });

  it('counts nesting without parsing, over strings and escapes', () => {
    expect(jsonDepth('{"a": [1, {"b": "]]]{{{"}], "c": "\\"}')).toBe(3);
    expect(jsonDepth('[]')).toBe(1);
    expect(jsonDepth('"[[["')).toBe(0);
    expect(jsonDepth('['.repeat(100_000))).toBe(100_000);
  });
});
