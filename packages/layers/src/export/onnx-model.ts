import { LayersError } from '../errors';
import type { Mlp } from '../mlp';
import { type ExportMetadata, metadataDoc, metadataEntries } from './metadata';
import { describeMlp, type ExportedLayer } from './network';
import { ProtoWriter } from './protobuf';

/** The ONNX operator set the exported graphs use (ONNX Runtime 1.14 and newer run it). */
export const ONNX_OPSET = 17;
const IR_VERSION = 8;
const FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTR_FLOAT = 1;
const ATTR_INT = 2;

/** A graph under construction: its nodes and its initializers (constant tensors). */
class Graph {
  readonly nodes: ProtoWriter[] = [];
  readonly initializers: ProtoWriter[] = [];
  private count = 0;

  /** A constant float tensor named `name`. */
  constant(name: string, dims: number[], values: Float32Array | number[]): string {
    const t = new ProtoWriter();
    for (const d of dims) t.int(1, d);
    t.int(2, FLOAT).string(8, name);
    const data = Float32Array.from(values);
    t.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    this.initializers.push(t);
    return name;
  }

  /** A node; returns its (single) output's name. */
  op(
    type: string,
    inputs: string[],
    output: string,
    attrs: Record<string, number> = {},
    ints: string[] = [],
  ): string {
    const n = new ProtoWriter();
    for (const i of inputs) n.string(1, i);
    n.string(2, output)
      .string(3, `${type}_${++this.count}`)
      .string(4, type);
    for (const [name, value] of Object.entries(attrs)) {
      const a = new ProtoWriter().string(1, name);
      if (ints.includes(name)) a.int(3, value).int(20, ATTR_INT);
      else a.float(2, value).int(20, ATTR_FLOAT);
      n.message(5, a);
    }
    this.nodes.push(n);
    return output;
  }
}

/** SERLU's constants, as `@mnist-lab/layers` uses them. */
const SERLU = { lambda: 1.07862, alpha: 2.90427 };

function activation(g: Graph, layer: ExportedLayer, x: string, n: number): string {
  const out = `act${n}`;
  switch (layer.activation) {
    case 'relu':
      return g.op('Relu', [x], out);
    case 'sigmoid':
      return g.op('Sigmoid', [x], out);
    case 'tanh':
      return g.op('Tanh', [x], out);
    case 'elu':
      return g.op('Elu', [x], out, { alpha: 1 });
    case 'selu':
      return g.op('Selu', [x], out); // ONNX's default alpha and gamma are PyTorch's
    case 'leaky-relu':
      return g.op('LeakyRelu', [x], out, { alpha: 0.01 });
    case 'prelu':
      return g.op(
        'PRelu',
        [x, g.constant(`prelu${n}.weight`, [1], layer.preluSlope ?? [0.25])],
        out,
      );
    case 'silu':
      return g.op('Mul', [x, g.op('Sigmoid', [x], `sigmoid${n}`)], out);
    case 'gelu': {
      // x/2 · (1 + erf(x/√2)), exact as PyTorch's default.
      const erf = g.op(
        'Erf',
        [g.op('Div', [x, g.constant(`sqrt2_${n}`, [], [Math.SQRT2])], `scaled${n}`)],
        `erf${n}`,
      );
      const onePlus = g.op('Add', [erf, g.constant(`one_${n}`, [], [1])], `one_plus_erf${n}`);
      return g.op(
        'Mul',
        [g.op('Mul', [x, onePlus], `x_cdf${n}`), g.constant(`half_${n}`, [], [0.5])],
        out,
      );
    }
    case 'serlu': {
      const cond = g.op('GreaterOrEqual', [x, g.constant(`zero_${n}`, [], [0])], `nonneg${n}`);
      const pos = g.op('Mul', [x, g.constant(`lambda_${n}`, [], [SERLU.lambda])], `pos${n}`);
      const xe = g.op('Mul', [x, g.op('Exp', [x], `exp${n}`)], `xexp${n}`);
      const neg = g.op(
        'Mul',
        [xe, g.constant(`lambda_alpha_${n}`, [], [SERLU.lambda * SERLU.alpha])],
        `neg${n}`,
      );
      return g.op('Where', [cond, pos, neg], out);
    }
    case undefined:
      return x;
    default:
      return unknownActivation(layer.activation);
  }
}

/** A compile-time check that every activation has its ONNX graph above. */
function unknownActivation(name: never): never {
  throw new LayersError(`export: no ONNX graph for the activation '${name}'`);
}

function valueInfo(name: string, dims: (number | string)[]): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) {
    const dim = new ProtoWriter();
    if (typeof d === 'number') dim.int(1, d);
    else dim.string(2, d);
    shape.message(1, dim);
  }
  const tensorType = new ProtoWriter().int(1, FLOAT).message(2, shape);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}

/**
 * The network as an ONNX model (opset {@link ONNX_OPSET}) that ONNX Runtime runs: input `input`
 * `[batch, inputSize]`, output `output` `[batch, numClasses]` (log-probabilities for the lesson's
 * networks, logits otherwise). Each layer is a `Gemm` with PyTorch's `[out, in]` weight (`transB`),
 * batch norm a `BatchNormalization` with its running statistics, each activation its ONNX operator
 * (GELU, SiLU and SERLU composed from elementwise operators), dropout the identity. With
 * `metadata`, the model says what it expects and outputs: `doc_string`, `producer_version` and
 * `metadata_props` (`preprocessing`, `class_names` as a JSON array, `dataset`, `dataset_sha256` when
 * given, `producer`).
 */
export async function toOnnx(model: Mlp, metadata?: ExportMetadata): Promise<Uint8Array> {
  const net = await describeMlp(model);
  const g = new Graph();
  let h = 'input';
  net.layers.forEach((layer, i) => {
    const n = i + 1;
    const w = g.constant(`${layer.name}.weight`, [layer.units, layer.inputs], layer.weight);
    const b = g.constant(`${layer.name}.bias`, [layer.units], layer.bias);
    h = g.op('Gemm', [h, w, b], layer.name, { transB: 1 }, ['transB']);
    const bn = layer.batchNorm;
    if (bn !== undefined) {
      const p = (key: string, v: Float32Array) => g.constant(`${bn.name}.${key}`, [layer.units], v);
      const inputs = [
        h,
        p('weight', bn.gamma),
        p('bias', bn.beta),
        p('running_mean', bn.mean),
        p('running_var', bn.variance),
      ];
      h = g.op('BatchNormalization', inputs, bn.name, { epsilon: bn.eps });
    }
    h = activation(g, layer, h, n);
  });
  h =
    net.output === 'log-softmax'
      ? g.op('LogSoftmax', [h], 'output', { axis: 1 }, ['axis'])
      : g.op('Identity', [h], 'output');
  const graph = new ProtoWriter();
  for (const node of g.nodes) graph.message(1, node);
  graph.string(2, 'mnist_lab_mlp');
  for (const init of g.initializers) graph.message(5, init);
  graph.message(11, valueInfo('input', ['batch', net.inputSize]));
  graph.message(12, valueInfo('output', ['batch', net.numClasses]));
  const proto = new ProtoWriter().int(1, IR_VERSION).string(2, 'mnist-lab');
  if (metadata !== undefined) {
    const output = net.output === 'log-softmax' ? 'the log-probabilities' : 'the scores (logits)';
    proto
      .string(3, metadata.producerVersion)
      .string(6, metadataDoc(metadata, net.inputSize, output));
  }
  proto.message(7, graph).message(8, new ProtoWriter().string(1, '').int(2, ONNX_OPSET));
  for (const [key, value] of metadata === undefined ? [] : metadataEntries(metadata))
    proto.message(14, new ProtoWriter().string(1, key).string(2, value));
  return proto.finish();
}
