import { words } from './words';

/** Draws 28×28 grey values (0..1 floats or 0..255 bytes) into a new canvas. */
export function digitCanvas(pixels: ArrayLike<number>, scale255 = false): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = 28;
  canvas.height = 28;
  const ctx = canvas.getContext('2d');
  if (ctx === null) return canvas;
  const image = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = scale255 ? (pixels[i] as number) : Math.round((pixels[i] as number) * 255);
    image.data.set([v, v, v, 255], 4 * i);
  }
  ctx.putImageData(image, 0, 0);
  return canvas;
}

/** The grid of test digits, each marked with its prediction; mistakes outlined. */
export function renderDigits(
  container: HTMLElement,
  samples: Uint8Array,
  labels: readonly number[],
  predictions: readonly number[] | undefined,
  names: readonly string[],
): void {
  container.replaceChildren(
    ...labels.map((label, i) => {
      const cell = document.createElement('li');
      cell.className = 'digit';
      const canvas = digitCanvas(samples.subarray(i * 784, (i + 1) * 784), true);
      // The list item carries the description; the picture itself is decoration to a screen reader.
      canvas.setAttribute('aria-hidden', 'true');
      cell.append(canvas);
      const predicted = predictions?.[i];
      if (predicted !== undefined) {
        const tag = document.createElement('span');
        tag.textContent = String(predicted);
        cell.append(tag);
        if (predicted !== label) cell.classList.add('wrong');
      }
      cell.setAttribute(
        'aria-label',
        words().digit(
          names[label] ?? String(label),
          predicted === undefined ? undefined : (names[predicted] ?? String(predicted)),
          predicted === label,
        ),
      );
      cell.title = cell.getAttribute('aria-label') ?? '';
      return cell;
    }),
  );
}

/** The confusion matrix as a table, cells shaded by their share of the row. */
export function renderConfusion(
  table: HTMLTableElement,
  confusion: readonly (readonly number[])[],
  names: readonly string[],
): void {
  // Column heads are the classes' numbers (narrow); each says its name, and the row heads name it.
  const named = names.some((n, i) => n !== String(i));
  const head = document.createElement('tr');
  head.append(
    Object.assign(document.createElement('th'), {
      textContent: words().confusionCorner,
      scope: 'col',
    }),
  );
  for (let c = 0; c < confusion.length; c++)
    head.append(
      Object.assign(document.createElement('th'), {
        textContent: String(c),
        scope: 'col',
        title: names[c] ?? String(c),
      }),
    );
  const rows = confusion.map((row, r) => {
    const tr = document.createElement('tr');
    tr.append(
      Object.assign(document.createElement('th'), {
        textContent: named ? `${r} ${names[r] ?? ''}` : String(r),
        scope: 'row',
      }),
    );
    const total = row.reduce((a, b) => a + b, 0) || 1;
    for (const [c, n] of row.entries()) {
      const td = document.createElement('td');
      td.textContent = String(n);
      const share = n / total;
      // Dark cells get white text: contrast stays readable.
      td.style.background =
        c === r ? `rgba(11, 92, 173, ${share})` : `rgba(198, 40, 40, ${Math.min(1, share * 4)})`;
      td.style.color = (c === r ? share : share * 4) > 0.5 ? '#ffffff' : '#1a1a1a';
      tr.append(td);
    }
    return tr;
  });
  table.replaceChildren(head, ...rows);
}

/** First-layer weights, one 28×28 image per unit (values already scaled to 0..1). */
export function renderWeights(container: HTMLElement, weights: Float32Array, count: number): void {
  container.replaceChildren(
    ...Array.from({ length: count }, (_, u) => {
      const item = document.createElement('li');
      const canvas = digitCanvas(weights.subarray(u * 784, (u + 1) * 784));
      canvas.setAttribute('aria-label', words().unitWeights(u + 1));
      item.append(canvas);
      return item;
    }),
  );
}

/** Bars of class probabilities. */
export function renderProbabilities(
  list: HTMLOListElement,
  probabilities: readonly number[],
  names: readonly string[],
): void {
  list.replaceChildren(
    ...probabilities.map((p, c) => {
      const li = document.createElement('li');
      const bar = document.createElement('span');
      bar.className = 'bar';
      bar.style.width = `${Math.round(p * 150)}px`;
      li.append(`${names[c] ?? c}: ${(p * 100).toFixed(1)}%`, bar);
      return li;
    }),
  );
}
