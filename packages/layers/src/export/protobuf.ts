import { uleb } from '@mnist-lab/wasm';

/**
 * The few protocol-buffer encodings an ONNX model needs, written by hand (no dependency): varints,
 * length-delimited fields, fixed32 floats. A message is built as a list of encoded fields.
 */
export class ProtoWriter {
  private readonly parts: Uint8Array[] = [];

  /** A varint: unsigned LEB128, an int64 below zero as its two's complement (as protobuf does). */
  private static varint(value: number | bigint): Uint8Array {
    const v = BigInt(value);
    return Uint8Array.from(uleb(v < 0n ? v + (1n << 64n) : v));
  }

  private key(field: number, wireType: number): void {
    this.parts.push(ProtoWriter.varint((field << 3) | wireType));
  }

  /** An integer field (int32, int64, enum). */
  int(field: number, value: number): this {
    this.key(field, 0);
    this.parts.push(ProtoWriter.varint(value));
    return this;
  }

  /** A float field (fixed32, little-endian). */
  float(field: number, value: number): this {
    this.key(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.parts.push(b);
    return this;
  }

  /** A bytes field. */
  bytes(field: number, value: Uint8Array): this {
    this.key(field, 2);
    this.parts.push(ProtoWriter.varint(value.length), value);
    return this;
  }

  /** A string field (UTF-8). */
  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** An embedded message field. */
  message(field: number, value: ProtoWriter): this {
    return this.bytes(field, value.finish());
  }

  /** The message's bytes. */
  finish(): Uint8Array {
    const total = this.parts.reduce((n, p) => n + p.length, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}
