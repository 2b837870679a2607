import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartDataset,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
} from 'chart.js';

// Every Chart.js part the lab draws with, registered once: the run charts and the chapters'
// mechanism charts (bars, log scales) alike.
Chart.register(
  BarController,
  BarElement,
  LogarithmicScale,
  LineController,
  LineElement,
  PointElement,
  LinearScale,
  CategoryScale,
  Legend,
  Tooltip,
);

export { Chart };

type Point = { x: number; y: number };
export type LineDataset = ChartDataset<'line', Point[]>;

/**
 * A line chart of {x, y} points with one dataset per run (and the lesson's, dashed); `wholeX`: the
 * x axis counts whole things (epochs: 1, 2, 3, never 1.5). Its axis titles are set by whoever draws.
 */
export function lineChart(canvas: HTMLCanvasElement, wholeX: boolean): Chart<'line', Point[]> {
  return new Chart(canvas, {
    type: 'line',
    data: { datasets: [] },
    options: {
      animation: false,
      parsing: false,
      normalized: true,
      responsive: true,
      maintainAspectRatio: true,
      aspectRatio: 1.6,
      scales: {
        x: {
          type: 'linear',
          title: { display: true, text: '' },
          ...(wholeX ? { ticks: { stepSize: 1, precision: 0 } } : {}),
        },
        y: { type: 'linear', title: { display: true, text: '' } },
      },
      plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
      elements: { point: { radius: 2 }, line: { borderWidth: 2 } },
    },
  });
}
