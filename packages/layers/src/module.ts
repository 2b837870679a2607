import type { Rng } from '@mnist-lab/random';
import * as tf from '@tensorflow/tfjs-core';
import { LayersError } from './errors';

/** How a forward pass runs. */
export interface ForwardOptions {
  /** Training mode: dropout drops, batch norm uses and updates batch statistics. */
  readonly training: boolean;
  /**
   * Called once per layer with its intermediate values, for probes that look inside a network.
   * The tensors belong to the forward pass and are disposed with it unless the callback keeps
   * them (`tf.keep`); calling it changes nothing in the computation.
   */
  readonly tap?: (layer: LayerTap) => void;
}

/** One layer's intermediate values during a forward pass (see {@link ForwardOptions.tap}). */
export interface LayerTap {
  /** The layer's PyTorch name: `fc1`, `fc2`, ... */
  readonly name: string;
  /** The layer's product plus bias, before any batch norm: `[batch, units]`. */
  readonly linear: tf.Tensor;
  /** Hidden layers: the activation's input (after batch norm when there is one). */
  readonly pre?: tf.Tensor;
  /** Hidden layers: the activation's output, before dropout. */
  readonly act?: tf.Tensor;
  /** Hidden layers: the activation's name (`relu`, `sigmoid`, ...). */
  readonly activation?: string;
}

/**
 * A training-mode batch norm of a {@link DenseStack}'s hidden layer (PyTorch's `BatchNorm1d` with
 * γ and β): its parameters and running statistics, which a fused step reads and updates in place of
 * `forward`, and the constants it uses.
 */
export interface DenseNorm {
  /** γ and β. */
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;
  /** An int32 scalar a step adds 1 to. */
  readonly numBatchesTracked: tf.Variable;
  readonly eps: number;
  /** PyTorch's convention: `running = (1 − momentum)·running + momentum·batch`. */
  readonly momentum: number;
}

/**
 * A network that is nothing but dense layers, described for a fused training step (one kernel for
 * forward, loss, backward and update, such as `@mnist-lab/backends`' `MLP_SGD_STEP_KERNEL`): each
 * hidden layer is `Linear → [batch norm] → activation → dropout`, the last is `Linear`, and its
 * training forward pass computes nothing else. A fused step that draws the masks with
 * {@link DenseStack.drawMasks} consumes the generator exactly as `forward` would.
 */
export interface DenseStack {
  readonly activation: 'relu' | 'sigmoid';
  /** Every Linear layer in order, each with its bias. */
  readonly layers: readonly { readonly weight: tf.Variable; readonly bias: tf.Variable }[];
  /** Each hidden layer's batch norm, in order, or `[]` for a network without. */
  readonly norms: readonly DenseNorm[];
  /** What the network outputs: a fused step computes the cross-entropy of the last layer's scores, which is the same loss for both. */
  readonly output: 'log-softmax' | 'logits';
  /** The dropout masks a training `forward` of `batch` rows would draw, one per hidden layer in order (`[]` without dropout). */
  drawMasks(batch: number): Float32Array[];
  /** Every hidden layer's dropout probability (0: no dropout). */
  readonly dropout: number;
  /**
   * Instead of {@link DenseStack.drawMasks}, the random words those masks are made of, drawn by the
   * same generator calls: a unit is kept where its word (unsigned) is at least
   * `round(dropout · 2³²)`, then scaled by `1/(1 − dropout)` in float32 ({@link dropoutMask}'s rule).
   * For a fused step that makes the masks itself. `[]` without dropout. With `into` (one array of
   * `batch × width` words per hidden layer, as an earlier call returned) it fills and returns
   * those arrays instead of allocating new ones: a step that draws every batch can reuse them.
   */
  drawMaskBits(batch: number, into?: readonly Uint32Array[]): Uint32Array[];
}

/** A module's state by PyTorch name (`fc1.weight`, `batch_norm1.running_mean`, ...). */
export type StateDict = Record<string, tf.Tensor>;

/**
 * The base of every layer: a forward pass with a train/eval mode, named parameters (trainable),
 * named buffers (state such as running statistics), named child modules and named random
 * generators, with PyTorch's dotted names so that a state dict round-trips with PyTorch's.
 */
export abstract class Module {
  private readonly ownParameters = new Map<string, tf.Variable>();
  private readonly ownBuffers = new Map<string, tf.Variable>();
  private readonly ownChildren = new Map<string, Module>();
  private readonly ownGenerators = new Map<string, Rng>();

  /** Computes the module's output. Tensors it creates are the caller's (wrap in `tf.tidy`). */
  abstract forward(x: tf.Tensor, options: ForwardOptions): tf.Tensor;

  /** Adds a trainable variable named `name` (PyTorch's `register_parameter`), taking `initial`'s values and disposing it. */
  protected registerParameter(name: string, initial: tf.Tensor): tf.Variable {
    const v = tf.variable(initial, true);
    initial.dispose();
    this.ownParameters.set(name, v);
    return v;
  }

  /** Adds non-trainable state named `name` (PyTorch's `register_buffer`), taking `initial`'s values and disposing it. */
  protected registerBuffer(name: string, initial: tf.Tensor): tf.Variable {
    const v = tf.variable(initial, false);
    initial.dispose();
    this.ownBuffers.set(name, v);
    return v;
  }

  /** Adds a child module named `name` (PyTorch's `add_module`); returns it. */
  protected registerModule<M extends Module>(name: string, module: M): M {
    this.ownChildren.set(name, module);
    return module;
  }

  /** Adds a random generator named `name`, so that checkpoints save and restore its state; returns it. */
  protected registerGenerator(name: string, rng: Rng): Rng {
    this.ownGenerators.set(name, rng);
    return rng;
  }

  /** Every module in the tree with its dotted name, this one first (named `''`). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.ownChildren)
      out.push(...child.namedModules(join(prefix, name)));
    return out;
  }

  /** Trainable variables by dotted name, in registration order (PyTorch's `named_parameters`). */
  namedParameters(): [string, tf.Variable][] {
    return this.collect((m) => m.ownParameters);
  }

  /** Non-trainable state by dotted name (PyTorch's `named_buffers`). */
  namedBuffers(): [string, tf.Variable][] {
    return this.collect((m) => m.ownBuffers);
  }

  /** Random generators by dotted name (e.g. dropout's), so a checkpoint can save their states. */
  namedGenerators(): [string, Rng][] {
    return this.collect((m) => m.ownGenerators);
  }

  /**
   * This network as a {@link DenseStack} when it is one and a fused training step may stand in for
   * `forward` and its gradient; `undefined` (the default) when it is anything else.
   */
  denseStack(): DenseStack | undefined {
    return undefined;
  }

  /** The trainable variables, for an optimizer. */
  parameters(): tf.Variable[] {
    return this.namedParameters().map(([, v]) => v);
  }

  /**
   * Parameters and buffers by PyTorch name, in PyTorch's order (each module's parameters, then its
   * buffers, then its children's). The tensors are the live variables: read them, do not dispose.
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, v] of m.ownParameters) out[join(prefix, name)] = v;
      for (const [name, v] of m.ownBuffers) out[join(prefix, name)] = v;
    }
    return out;
  }

  /**
   * Copies values into the parameters and buffers by PyTorch name. Shapes must match; with
   * `strict` (the default) the names must match exactly too. Values are cast to each variable's
   * dtype (PyTorch's int64 `num_batches_tracked` becomes int32). The given tensors stay the caller's.
   */
  loadStateDict(
    state: Readonly<Record<string, tf.Tensor>>,
    options: { strict?: boolean } = {},
  ): void {
    const own = this.stateDict();
    if (options.strict ?? true) {
      const missing = Object.keys(own).filter((k) => !(k in state));
      const unexpected = Object.keys(state).filter((k) => !(k in own));
      if (missing.length > 0 || unexpected.length > 0) {
        throw new LayersError(
          `loadStateDict: keys differ from the model's: missing [${missing.join(', ')}], unexpected [${unexpected.join(', ')}]`,
        );
      }
    }
    for (const [key, target] of Object.entries(own)) {
      const value = state[key];
      if (value === undefined) continue;
      if (!tf.util.arraysEqual(value.shape, target.shape)) {
        throw new LayersError(
          `loadStateDict: '${key}' has shape [${value.shape.join(', ')}], expected [${target.shape.join(', ')}]`,
        );
      }
      tf.tidy(() =>
        (target as tf.Variable).assign(
          value.dtype === target.dtype ? value : tf.cast(value, target.dtype),
        ),
      );
    }
  }

  /** Calls `fn` on every module in the tree, this one first, like PyTorch's `Module.apply`. */
  apply(fn: (module: Module, name: string) => void): this {
    for (const [name, m] of this.namedModules()) fn(m, name);
    return this;
  }

  /** Frees every variable of the tree. */
  dispose(): void {
    for (const [, v] of [...this.namedParameters(), ...this.namedBuffers()]) v.dispose();
  }

  private collect<T>(pick: (m: Module) => Map<string, T>): [string, T][] {
    const out: [string, T][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, value] of pick(m)) out.push([join(prefix, name), value]);
    }
    return out;
  }
}

function join(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}
