/** The deepest nesting a config the lab reads may have: an architecture nests 3 levels. */
export const MAX_JSON_DEPTH = 64;

/**
 * How deeply JSON text nests its objects and arrays (strings skipped), counted without parsing: a
 * 100 000-deep `config.json` would overflow the stack when the page hands it to its worker.
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: skip to its closing quote, over escapes.
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++)
        if (text.charCodeAt(i) === 0x5c) i++;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return deepest;
}
