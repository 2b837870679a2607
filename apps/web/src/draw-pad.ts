/**
 * A canvas to draw a digit on with a mouse, pen or finger: white strokes on black, as MNIST's
 * digits are. Calls `onChange` while drawing (at most once per frame) and when a stroke ends.
 */
export function drawPad(canvas: HTMLCanvasElement, onChange: () => void): { clear: () => void } {
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (ctx === null) throw new Error('no 2d canvas context');
  const clear = () => {
    ctx.fillStyle = '#000000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  };
  clear();
  let drawing = false;
  let last: { x: number; y: number } | undefined;
  let scheduled = false;
  const at = (e: PointerEvent) => {
    const r = canvas.getBoundingClientRect();
    return {
      x: ((e.clientX - r.left) * canvas.width) / r.width,
      y: ((e.clientY - r.top) * canvas.height) / r.height,
    };
  };
  const changed = () => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      onChange();
    });
  };
  canvas.addEventListener('pointerdown', (e) => {
    drawing = true;
    last = at(e);
    canvas.setPointerCapture(e.pointerId);
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!drawing || last === undefined) return;
    const p = at(e);
    ctx.strokeStyle = '#ffffff';
    ctx.lineWidth = canvas.width / 14;
    ctx.lineCap = 'round';
    ctx.beginPath();
    ctx.moveTo(last.x, last.y);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
    last = p;
    changed();
  });
  const end = () => {
    if (!drawing) return;
    drawing = false;
    last = undefined;
    changed();
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  return { clear };
}
