export type { AsmFunction, AsmImport, AsmMemory } from './assembler';
export {
  advance,
  advanceBy,
  assemble,
  endAfter,
  endOf,
  F32,
  F64,
  I32,
  loopUntil,
  op,
  V128,
  whileBelow,
} from './assembler';
export { boundToMemory, instantiateOn, instantiateOwn, isShared, once } from './instantiate';
export { sleb, uleb } from './leb128';
