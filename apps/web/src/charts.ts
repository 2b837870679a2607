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

/** A line chart of {x, y} points with one dataset per run (and the lesson's, dashed). */
export function lineChart(
  canvas: HTMLCanvasElement,
  xTitle: string,
  yTitle: string,
): Chart<'line', Point[]> {
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
          title: { display: true, text: xTitle },
          // Whole epochs (1, 2, 3), never 1.5.
          ...(xTitle === 'epoch' ? { ticks: { stepSize: 1, precision: 0 } } : {}),
        },
        y: { type: 'linear', title: { display: true, text: yTitle } },
      },
      plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
      elements: { point: { radius: 2 }, line: { borderWidth: 2 } },
    },
  });
}
