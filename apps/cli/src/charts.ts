import type { TopLevelSpec } from 'vega-lite';

// vega, vega-lite and resvg load when the first chart is drawn (about 0.8 s of start-up otherwise,
// paid by every command, `--help` included).

/** A rendered chart: SVG, and PNG (resvg, DejaVu Sans) for viewers that do not show SVG. */
export interface RenderedChart {
  readonly svg: string;
  readonly png: Uint8Array;
}

/** Renders a vega-lite spec headlessly (no browser), on a white background. */
export async function renderChart(spec: TopLevelSpec): Promise<RenderedChart> {
  const [vega, vl, { Resvg }] = await Promise.all([
    import('vega'),
    import('vega-lite'),
    import('@resvg/resvg-js'),
  ]);
  const compiled = vl.compile({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    background: 'white',
    config: { font: 'DejaVu Sans', legend: { symbolType: 'stroke' } },
    ...spec,
  } as TopLevelSpec).spec;
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
