import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vl from 'vega-lite';

/** A rendered chart: SVG, and PNG (resvg, DejaVu Sans) for viewers that do not show SVG. */
export interface RenderedChart {
  readonly svg: string;
  readonly png: Uint8Array;
}

/** Renders a vega-lite spec headlessly (no browser), on a white background. */
export async function renderChart(spec: vl.TopLevelSpec): Promise<RenderedChart> {
  const compiled = vl.compile({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    background: 'white',
    config: { font: 'DejaVu Sans', legend: { symbolType: 'stroke' } },
    ...spec,
  } as vl.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
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
