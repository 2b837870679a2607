import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vl from 'vega-lite';

/** One point of a line chart: a series, an epoch and a value. */
export interface SeriesPoint {
  readonly series: string;
  readonly epoch: number;
  readonly value: number;
  /** `ours` (solid) or `lesson` (dashed). */
  readonly source: 'ours' | 'lesson';
}

/** Renders a line chart per series over epochs with vega-lite, as SVG and as PNG (resvg). */
export async function lineChart(
  title: string,
  yTitle: string,
  points: readonly SeriesPoint[],
): Promise<{ svg: string; png: Uint8Array }> {
  const spec = vl.compile({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 560,
    height: 320,
    background: 'white',
    data: { values: points as unknown as vl.TopLevelSpec[] },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
      y: { field: 'value', type: 'quantitative', title: yTitle, scale: { zero: false } },
      color: { field: 'series', type: 'nominal', title: 'network' },
      strokeDash: {
        field: 'source',
        type: 'nominal',
        title: 'results',
        scale: {
          domain: ['ours', 'lesson'],
          range: [
            [1, 0],
            [5, 4],
          ],
        },
      },
      detail: { field: 'source' },
    },
  } as vl.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const png = new Resvg(svg, {
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  })
    .render()
    .asPng();
  return { svg, png };
}
