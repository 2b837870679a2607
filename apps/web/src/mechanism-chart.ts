import {
  gradientSeries,
  initialSpread,
  type LessonClaim,
  type LessonLanguage,
  overfitSeries,
  type ProbeEventLine,
  preActivationSeries,
  probeEventSchema,
  type RunRecord,
} from '@mnist-lab/lesson';
import type { ProbeRecord } from '@mnist-lab/trainer';
import type { ChartDataset } from 'chart.js';
import { Chart } from './charts';
import type { Run } from './run-list';
import { words as pageWords } from './words';

const lines = new WeakMap<ProbeRecord, ProbeEventLine>();
/**
 * A probe as the event schema reads it, checked once and kept: as a JSON line would carry it (an
 * undefined update ratio, NaN, becomes null).
 */
function probeLine(p: ProbeRecord, config: string, seed: number): ProbeEventLine {
  let line = lines.get(p);
  if (line === undefined) {
    line = probeEventSchema.parse(
      JSON.parse(JSON.stringify({ event: 'probe', config, seed, ...p })),
    );
    lines.set(p, line);
  }
  return line;
}

/** The lab's runs as the lesson's mechanisms read them (the CLI's event lines, in effect). */
export function runRecord(run: Run, network: string): RunRecord {
  const config = network;
  const seed = run.settings.seed;
  return {
    network,
    seed,
    epochs: run.epochs.map((e) => ({
      event: 'epoch' as const,
      config,
      seed,
      epoch: e.epoch,
      trainLoss: e.trainLoss,
      trainAccuracy: e.trainAccuracy,
      testAccuracy: e.validation?.accuracy ?? null,
      lessonTestLoss: e.validation?.lessonTestLoss ?? null,
      trainEvalAccuracy: e.trainEvaluation?.accuracy ?? null,
      seconds: e.seconds,
      samplesPerSecond: e.samplesPerSecond,
    })),
    probes: run.probes.map((p) => probeLine(p, config, seed)),
  };
}

type Axis = { title: string; log?: boolean; whole?: boolean };

/** The chart's words in each language. */
const WORDS = {
  en: {
    step: 'step',
    gradNorm: 'gradient norm',
    preStd: 'pre-activation std',
    layer: 'layer',
    initStd: 'output std at step 0 (log scale)',
    epoch: 'epoch',
    accuracy: 'accuracy (%)',
    train: 'training examples',
    test: 'test',
  },
  ko: {
    step: '스텝',
    gradNorm: '기울기 노름',
    preStd: '활성화 입력의 표준편차',
    layer: '층',
    initStd: '첫 스텝 출력의 표준편차(로그 눈금)',
    epoch: '에폭',
    accuracy: '정확도(%)',
    train: '학습 데이터',
    test: '테스트',
  },
} as const;

/**
 * The initialization chapter's bars: PyTorch's default in greys, He's in blues, the pair without
 * batch norm in the lighter shade, so that the two pairs read apart whatever the runs' colours.
 */
const INIT_BARS: Record<string, { color: string; en: string; ko: string }> = {
  bn: { color: '#4d5259', en: 'default, batch norm', ko: '기본, 배치 정규화' },
  he: { color: '#0b5cad', en: 'He, batch norm', ko: 'He, 배치 정규화' },
  'relu-no-dropout': {
    color: '#b4b9bf',
    en: 'default, no batch norm',
    ko: '기본, 배치 정규화 없음',
  },
  'relu-he-no-dropout': { color: '#7fb2e5', en: 'He, no batch norm', ko: 'He, 배치 정규화 없음' },
};

/** A network in a legend: its id in English (`relu-no-dropout`), its words in Korean. */
const named = (lang: LessonLanguage, network: string) =>
  lang === 'ko' ? pageWords().network(network) : network;

/** What one claim's chart draws from its pair's records: datasets and axis titles. */
function chartData(
  lang: LessonLanguage,
  claim: LessonClaim,
  pair: readonly { network: string; color: string }[],
  records: readonly RunRecord[],
): {
  kind: 'line' | 'bar';
  labels?: string[];
  datasets: ChartDataset<'line' | 'bar'>[];
  x: Axis;
  y: Axis;
} {
  const dashed = [6, 4];
  const w = WORDS[lang];
  if (claim === 'vanishing-gradient')
    return {
      kind: 'line',
      datasets: pair.flatMap(({ network, color }) =>
        ['fc1', 'fc3'].map((layer) => ({
          label: `${named(lang, network)} ${layer}`,
          data: gradientSeries(records, network)
            .filter((p) => p.layer === layer && p.gradNorm > 0)
            .map((p) => ({ x: p.step, y: p.gradNorm })),
          borderColor: color,
          ...(layer === 'fc3' ? { borderDash: dashed } : {}),
        })),
      ),
      x: { title: w.step },
      y: { title: w.gradNorm, log: true },
    };
  if (claim === 'batch-norm')
    return {
      kind: 'line',
      datasets: pair.flatMap(({ network, color }) =>
        ['fc1', 'fc2'].map((layer) => ({
          label: `${named(lang, network)} ${layer}`,
          data: preActivationSeries(records, network)
            .filter((p) => p.layer === layer)
            .map((p) => ({ x: p.step, y: p.std })),
          borderColor: color,
          ...(layer === 'fc2' ? { borderDash: dashed } : {}),
        })),
      ),
      x: { title: w.step },
      y: { title: w.preStd },
    };
  if (claim === 'he-init') return initBars(lang, pair, records);
  return {
    kind: 'line',
    datasets: pair.flatMap(({ network, color }) => {
      const series = overfitSeries(records, network);
      return (['train', 'test'] as const).map((set) => ({
        label: `${named(lang, network)} ${set === 'train' ? w.train : w.test}`,
        data: series
          .filter((e) => Number.isFinite(e[set]))
          .map((e) => ({ x: e.epoch, y: e[set] * 100 })),
        borderColor: color,
        ...(set === 'test' ? { borderDash: dashed } : {}),
      }));
    }),
    x: { title: w.epoch, whole: true },
    y: { title: w.accuracy },
  };
}

/** The initialization chapter's chart: each layer's output spread at step 0, per network, log scale. */
function initBars(
  lang: LessonLanguage,
  pair: readonly { network: string }[],
  records: readonly RunRecord[],
): ReturnType<typeof chartData> {
  const labels = ['fc1', 'fc2', 'fc3'];
  return {
    kind: 'bar',
    labels,
    datasets: pair.map(({ network }) => {
      const spreads = initialSpread(records, network);
      const look = INIT_BARS[network];
      return {
        label: `${named(lang, network)} (${look?.[lang] ?? ''})`,
        // null, not 0, where a layer has no value yet: a log scale has no 0.
        data: labels.map((l) => spreads.find((s) => s.layer === l)?.std ?? null),
        backgroundColor: look?.color ?? '#6b717a',
      };
    }),
    x: { title: WORDS[lang].layer },
    y: { title: WORDS[lang].initStd, log: true },
  };
}

/** The chapter's mechanism chart: one Chart.js chart, rebuilt when the chapter changes. */
export class MechanismChart {
  private chart: Chart | undefined;
  private kind: 'line' | 'bar' | undefined;

  constructor(private readonly canvas: HTMLCanvasElement) {}

  draw(
    lang: LessonLanguage,
    claim: LessonClaim,
    pair: readonly { network: string; color: string }[],
    records: readonly RunRecord[],
  ): void {
    const d = chartData(lang, claim, pair, records);
    if (this.chart === undefined || this.kind !== d.kind) {
      this.chart?.destroy();
      this.kind = d.kind;
      this.chart = new Chart(this.canvas, {
        type: d.kind,
        data: { datasets: [] },
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: true,
          aspectRatio: 1.8,
          ...(d.kind === 'bar' ? {} : { parsing: false as const }),
          plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
          elements: { point: { radius: 1.5 }, line: { borderWidth: 2 } },
        },
      });
    }
    const chart = this.chart;
    chart.data.labels = d.labels ?? [];
    chart.data.datasets = d.datasets;
    const xTitle = { display: true, text: d.x.title };
    // Before a run has drawn anything, no tick values: Chart.js would make up 0 to 1 on an axis
    // titled "accuracy (%)".
    const empty = d.datasets.every((s) => s.data.every((v) => v === null));
    chart.options.scales = {
      x:
        d.kind === 'bar'
          ? { type: 'category', title: xTitle }
          : {
              type: 'linear',
              title: xTitle,
              // Whole epochs: 1, 2, 3.
              ticks: { display: !empty, ...(d.x.whole ? { stepSize: 1, precision: 0 } : {}) },
            },
      y: {
        type: d.y.log ? 'logarithmic' : 'linear',
        title: { display: true, text: d.y.title },
        ticks: { display: !empty },
      },
    };
    chart.update();
    // What is drawn, for tests and for anyone inspecting the page: `label:points` per series.
    this.canvas.dataset.series = d.datasets
      .map((s) => `${s.label}:${s.data.filter((v) => v !== null).length}`)
      .join('|');
  }
}
