import {
  claimControl,
  claimNetworks,
  LESSON_CHAPTERS,
  LESSON_CONTROLS,
  type LessonChapter,
  type LessonLanguage,
  lessonReadings,
  type RunRecord,
} from '@mnist-lab/lesson';
import { $ } from './dom';
import { lang, onLanguage } from './i18n';
import { MechanismChart, runRecord } from './mechanism-chart';
import type { Run } from './run-list';
import { DEFAULT_SETTINGS, PRESET_SETTINGS, type PresetName, type RunSettings } from './settings';
import { words } from './words';

/** A chapter's pair, quick or the lesson's full recipe (README.md: how long each took, where). */
export const PAIR_SIZES = {
  quick: { trainSize: 15000, epochs: 2, testSize: 2000, trainEval: 2000, probeEvery: 25 },
  full: { trainSize: 60000, epochs: 10, testSize: 10000, trainEval: 10000, probeEvery: 250 },
  /** A claim's control pair, whatever the pair's size: its chart reads only the first step. */
  control: { trainSize: 3200, epochs: 1, testSize: 2000, trainEval: 2000, probeEvery: 25 },
} as const;

const UI = {
  en: {
    heading: 'The lesson',
    intro:
      'The lesson’s four sections, each with the pair of networks that shows its point. A quick pair trains both networks side by side on 15000 examples for 2 epochs; the full lesson (60000 examples, 10 epochs) is one click further. While a pair trains, the line under the buttons says how long is left.',
    quick: 'Run this pair: 15000 examples, 2 epochs',
    full: 'Full lesson: 60000 examples, 10 epochs',
    stop: 'Stop the pair',
    waiting: 'MNIST is still loading…',
    running: (names: string, pct: number, eta: string) =>
      `Training ${names} side by side: ${pct}% done${eta === '' ? '' : `, about ${eta} left`}.`,
    done: (names: string, seconds: number) => `${names}: done in ${formatSeconds(seconds)}.`,
    stopped: (names: string) => `${names}: stopped.`,
    readings: 'What this run shows',
    chart: 'Mechanism',
    fullEstimate: (seconds: number) =>
      `At this speed the full lesson pair takes about ${formatSeconds(seconds)}.`,
  },
  ko: {
    heading: '레슨',
    intro:
      '레슨의 네 부분을, 각 부분의 요점을 보여 주는 신경망 한 쌍과 함께 담았습니다. 빠른 실행은 두 신경망을 예제 15000개로 2에폭 동안 나란히 학습하고, 전체 레슨(예제 60000개, 10에폭)은 버튼 하나로 실행할 수 있습니다. 학습하는 동안 버튼 아래 줄에 남은 시간이 나옵니다.',
    quick: '이 쌍 실행: 예제 15000개, 2에폭',
    full: '전체 레슨: 예제 60000개, 10에폭',
    stop: '실행 중지',
    waiting: 'MNIST를 아직 불러오는 중입니다…',
    running: (names: string, pct: number, eta: string) =>
      `${names}을(를) 나란히 학습하는 중: ${pct}% 완료${eta === '' ? '' : `, 약 ${eta} 남음`}.`,
    done: (names: string, seconds: number) =>
      `${names}: ${formatSeconds(seconds, 'ko')} 만에 끝났습니다.`,
    stopped: (names: string) => `${names}: 중지했습니다.`,
    readings: '이번 실행이 보여 주는 것',
    chart: '메커니즘',
    fullEstimate: (seconds: number) =>
      `지금 속도라면 전체 레슨 한 쌍은 약 ${formatSeconds(seconds, 'ko')} 걸립니다.`,
  },
} as const;

function formatSeconds(s: number, lang: LessonLanguage = 'en'): string {
  const [sec, min] = lang === 'ko' ? ['초', '분'] : [' s', ' min'];
  return s < 90 ? `${Math.max(1, Math.round(s))}${sec}` : `${Math.round(s / 60)}${min}`;
}

/** A network of a pair as the lab's settings: a preset, or a control (a preset with one change). */
export function networkSettings(network: string, size: keyof typeof PAIR_SIZES): RunSettings {
  const control = (LESSON_CONTROLS as Record<string, { preset: PresetName; change: object }>)[
    network
  ];
  const preset = (control?.preset ?? network) as PresetName;
  return {
    ...DEFAULT_SETTINGS,
    preset,
    ...PRESET_SETTINGS[preset],
    ...(control?.change ?? {}),
    ...PAIR_SIZES[size],
  };
}

interface Pair {
  readonly runs: Run[];
  readonly started: number;
  ended?: number;
}

interface PanelDeps {
  readonly start: (settings: RunSettings, label: string) => Run;
  readonly stop: (runs: readonly Run[]) => void;
  readonly ready: () => boolean;
}

const isActive = (r: Run) => r.state === 'running' || r.state === 'paused';
/** A chapter's networks: its pair (without, with), then its control pair's where it has one. */
const pairOf = (c: LessonChapter): string[] => claimNetworks(c.claim);
/** Whether a network of a chapter belongs to its control pair (trained at {@link PAIR_SIZES}' control size). */
const isControl = (c: LessonChapter, network: string) => {
  const control = claimControl(c.claim);
  return control?.with === network || control?.without === network;
};

/**
 * The lesson panel: chapters as tabs in English or Korean, each explaining its technique, running
 * its pair with one click (quick, or the full lesson), with an ETA, its mechanism chart drawn live
 * and the readings computed from the pair's runs.
 */
export class LessonPanel {
  private get lang(): LessonLanguage {
    return lang();
  }
  private chapter = LESSON_CHAPTERS[0] as LessonChapter;
  private readonly pairs = new Map<string, Pair>();
  private readonly chart = new MechanismChart($<HTMLCanvasElement>('mechanism-chart'));
  private readonly tabs: HTMLButtonElement[];
  private dirty = false;

  constructor(private readonly deps: PanelDeps) {
    this.tabs = LESSON_CHAPTERS.map((c, i) => {
      const tab = Object.assign(document.createElement('button'), {
        type: 'button',
        id: `chapter-tab-${i}`,
      });
      tab.setAttribute('role', 'tab');
      tab.dataset.claim = c.claim;
      tab.addEventListener('click', () => {
        this.chapter = c;
        this.render();
      });
      return tab;
    });
    $('chapter-tabs').replaceChildren(...this.tabs);
    onLanguage(() => this.render());
    $('chapter-quick').addEventListener('click', () => this.runPair('quick'));
    $('chapter-full').addEventListener('click', () => this.runPair('full'));
    $('chapter-stop').addEventListener('click', () => {
      const pair = this.pairs.get(this.chapter.claim);
      if (pair !== undefined) deps.stop(pair.runs);
    });
    this.render();
  }

  /** Redraws at most once a frame, whatever the worker sends. */
  update(): void {
    if (this.dirty) return;
    this.dirty = true;
    requestAnimationFrame(() => this.render());
  }

  private runPair(size: keyof typeof PAIR_SIZES): void {
    const runs = pairOf(this.chapter).map((network) =>
      this.deps.start(
        networkSettings(network, isControl(this.chapter, network) ? 'control' : size),
        network,
      ),
    );
    this.pairs.set(this.chapter.claim, { runs, started: performance.now() });
    this.render();
  }

  /** Where the chapter's pair stands: waiting for data, running (with an ETA), done or stopped. */
  private status(): string {
    const t = UI[this.lang];
    if (!this.deps.ready()) return t.waiting;
    const pair = this.pairs.get(this.chapter.claim);
    if (pair === undefined) return '';
    const names = pair.runs.map((r) => words().network(r.label)).join(' / ');
    if (!pair.runs.some(isActive)) {
      pair.ended ??= performance.now();
      if (pair.runs.some((r) => r.state === 'stopped' || r.state === 'failed'))
        return t.stopped(names);
      const seconds = (pair.ended - pair.started) / 1000;
      const { trainSize, epochs } = PAIR_SIZES.full;
      const size = pair.runs[0]?.settings;
      const scale = size === undefined ? 1 : (trainSize * epochs) / (size.trainSize * size.epochs);
      return `${t.done(names, seconds)} ${scale > 1.5 ? t.fullEstimate(seconds * scale) : ''}`.trim();
    }
    let done = 0;
    let total = 0;
    let eta = 0;
    for (const r of pair.runs) {
      const all = r.settings.trainSize * r.settings.epochs;
      const seen = Math.min(all, r.speed?.done ?? 0);
      done += seen;
      total += all;
      if (r.speed !== undefined && r.speed.samplesPerSecond > 0)
        eta = Math.max(eta, (all - seen) / r.speed.samplesPerSecond);
    }
    const pct = Math.floor((100 * done) / Math.max(total, 1));
    return t.running(names, pct, eta > 0 ? formatSeconds(eta, this.lang) : '');
  }

  private render(): void {
    this.dirty = false;
    const { lang, chapter } = this;
    const t = UI[lang];
    $('lesson-h').textContent = t.heading;
    $('lesson-intro').textContent = t.intro;
    for (const [i, tab] of this.tabs.entries()) {
      const c = LESSON_CHAPTERS[i] as LessonChapter;
      tab.textContent = c.title[lang];
      tab.setAttribute('aria-selected', String(c === chapter));
    }
    $('chapter-title').textContent = chapter.title[lang];
    $('chapter-text').replaceChildren(
      ...chapter.paragraphs[lang].map((p) =>
        Object.assign(document.createElement('p'), { textContent: p }),
      ),
    );
    const pair = this.pairs.get(chapter.claim);
    const busy = pair?.runs.some(isActive) ?? false;
    const ready = this.deps.ready();
    const button = (id: string, text: string, disabled: boolean) =>
      Object.assign($<HTMLButtonElement>(id), { textContent: text, disabled });
    button('chapter-quick', t.quick, !ready || busy);
    button('chapter-full', t.full, !ready || busy);
    button('chapter-stop', t.stop, !busy);
    $('chapter-status').textContent = this.status();
    this.renderResults(pair);
  }

  /** The mechanism chart and the readings of the chapter's pair. */
  private renderResults(pair: Pair | undefined): void {
    const { lang, chapter } = this;
    $('mechanism-caption').textContent = chapter.chart[lang];
    const networks = pairOf(chapter);
    const records = (pair?.runs ?? []).map((r, i) => runRecord(r, networks[i] as string));
    const colors = ['#6b717a', '#0b5cad', '#a3a8ae', '#6fa8dc'];
    this.chart.draw(
      lang,
      chapter.claim,
      networks.map((network, i) => ({
        network,
        color: pair?.runs[i]?.color ?? (colors[i] as string),
      })),
      records,
    );
    const readings = pair === undefined ? [] : pairReadings(pair.runs, records, chapter, lang);
    $('chapter-readings-h').textContent = UI[lang].readings;
    $('chapter-readings-h').hidden = readings.length === 0;
    $('chapter-readings').replaceChildren(
      ...readings.map((r) => Object.assign(document.createElement('li'), { textContent: r.text })),
    );
  }
}

/**
 * The readings of a chapter's pair so far, from its numbers: the chapter's claim, the caveats (and,
 * for the sigmoid, why its first epoch differs from the lesson's).
 */
function pairReadings(
  runs: readonly Run[],
  records: readonly RunRecord[],
  chapter: LessonChapter,
  lang: LessonLanguage,
) {
  const epochs = Math.max(0, ...runs.map((r) => r.epochs.length));
  if (epochs === 0) return [];
  const trainSize = runs[0]?.settings.trainSize ?? 60000;
  return lessonReadings(
    records,
    { epochs, seeds: 1, trainSize: trainSize >= 60000 ? 'all' : trainSize, where: 'lab' },
    lang,
  ).filter(
    (r) =>
      r.topic === chapter.claim ||
      r.topic === 'caveats' ||
      (chapter.claim === 'vanishing-gradient' && r.topic === 'sigmoid-start'),
  );
}
