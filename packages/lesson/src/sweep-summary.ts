// What a sweep's results say, the same wherever the sweep ran (the CLI's report, the lab's panel):
// each point over its seeds, and readings in English and Korean computed from them.
import { particle } from './korean';
import { spread } from './mechanisms';
import { LESSON_PRESETS } from './presets';
import type { LessonLanguage } from './readings';
import { LESSON_RECIPE } from './recipe';
import type { SweepSpec, SweepValue } from './sweep-spec';

/** What a summary needs of a run's result line (`results.jsonl`: accuracy a fraction). */
export interface SweepResultLine {
  readonly point: Readonly<Record<string, SweepValue>>;
  readonly testAccuracy: number | null;
  /** Why the run failed; absent for one that finished. */
  readonly failed?: string;
  /** True when it failed because its loss diverged. */
  readonly diverged?: boolean;
}

/** One point of the axes over its seeds: test accuracy (a fraction) as mean ± std, and failures. */
export interface SweepPointSummary {
  readonly point: Readonly<Record<string, SweepValue>>;
  readonly key: string;
  readonly accuracy: { mean: number; std: number; n: number };
  /** Runs whose loss diverged (NaN or infinite), and runs that failed otherwise. */
  readonly diverged: number;
  readonly failed: number;
  readonly lesson: boolean;
}

/** A point's values, for people: `lr=0.1, momentum=0.9`. */
export const sweepPointText = (point: Readonly<Record<string, SweepValue>>) =>
  Object.entries(point)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('x') : String(v)}`)
    .join(', ');

/** The lesson's value for a field a sweep varies (its ReLU network's, for network fields). */
function lessonValue(field: string): SweepValue | undefined {
  const recipe = LESSON_RECIPE as unknown as Record<string, SweepValue>;
  const relu = LESSON_PRESETS.relu as unknown as Record<string, SweepValue>;
  if (field === 'preset') return 'relu';
  return recipe[field] ?? relu[field];
}

/** Whether a point is the lesson's recipe on every axis the sweep varies. */
export function isLessonPoint(point: Readonly<Record<string, SweepValue>>): boolean {
  return Object.entries(point).every(
    ([k, v]) => JSON.stringify(lessonValue(k)) === JSON.stringify(v),
  );
}

/** The sweep's points in its axes' order, each over its seeds. */
export function summarizeSweep(
  spec: SweepSpec,
  results: readonly SweepResultLine[],
): SweepPointSummary[] {
  const byKey = new Map<string, SweepResultLine[]>();
  for (const r of results) {
    const key = sweepPointText(r.point);
    byKey.set(key, [...(byKey.get(key) ?? []), r]);
  }
  return [...byKey].map(([key, rs]) => {
    const ok = rs.filter((r) => r.failed === undefined && r.testAccuracy !== null);
    const s = spread(ok.map((r) => r.testAccuracy as number));
    const point = (rs[0] as SweepResultLine).point;
    return {
      point,
      key,
      accuracy: { mean: s.mean, std: s.std, n: ok.length },
      diverged: rs.filter((r) => r.diverged === true).length,
      failed: rs.length - ok.length - rs.filter((r) => r.diverged === true).length,
      lesson: spec.axes.every((a) => a.field in point) && isLessonPoint(point),
    };
  });
}

const pct = (f: number) => (f * 100).toFixed(2);
/** A point's accuracy in percent: `97.12 ± 0.08` over seeds, `97.12` for one seed. */
export const sweepAccuracyText = (a: SweepPointSummary['accuracy']) =>
  a.n === 0 ? '—' : a.n > 1 ? `${pct(a.mean)} ± ${pct(a.std)}` : pct(a.mean);

/**
 * What the sweep shows, from its results: its best point against the lesson's recipe (and whether
 * they differ by more than their seeds' spread), and the points where runs failed.
 */
export function sweepReadings(
  points: readonly SweepPointSummary[],
  lang: LessonLanguage,
  where: 'cli' | 'lab' = 'cli',
): string[] {
  // How to get more seeds, where the reader is.
  const moreSeeds =
    where === 'lab'
      ? { en: 'the Seeds box can', ko: '시드 수를 늘려 보세요' }
      : { en: '--seeds 3 can', ko: '--seeds 3' };
  const out: string[] = [];
  const ranked = points
    .filter((p) => p.accuracy.n > 0)
    .sort((a, b) => b.accuracy.mean - a.accuracy.mean);
  const best = ranked[0];
  const lesson = points.find((p) => p.lesson && p.accuracy.n > 0);
  const ko = lang === 'ko';
  if (best !== undefined) {
    const seeds = best.accuracy.n;
    out.push(
      ko
        ? `가장 좋은 설정은 ${particle(best.key, '이었고', '였고')}, 시드 ${seeds}개에서 ${sweepAccuracyText(best.accuracy)}%였습니다.`
        : `The best settings were ${best.key}: ${sweepAccuracyText(best.accuracy)} % over ${seeds} seed${seeds === 1 ? '' : 's'}.`,
    );
    if (lesson !== undefined && lesson !== best) {
      const diff = best.accuracy.mean - lesson.accuracy.mean;
      const noise = Math.hypot(best.accuracy.std, lesson.accuracy.std);
      const beyond = diff > noise;
      const oneSeed = best.accuracy.n < 2 || lesson.accuracy.n < 2;
      out.push(
        ko
          ? `레슨의 값(${lesson.key})은 ${sweepAccuracyText(lesson.accuracy)}%로, 차이는 ${pct(diff)}%p입니다. ${oneSeed ? `시드가 하나뿐이라 이 차이가 우연인지 알 수 없습니다(${moreSeeds.ko}).` : beyond ? `시드 사이의 퍼짐(${pct(noise)}%p)보다 큽니다.` : `시드 사이의 퍼짐(${pct(noise)}%p)보다 크지 않습니다.`}`
          : `The lesson's values (${lesson.key}) scored ${sweepAccuracyText(lesson.accuracy)} %: ${pct(diff)} points lower, ${oneSeed ? `with one seed each, which cannot tell a difference from chance (${moreSeeds.en})` : beyond ? `more than the seeds' spread (${pct(noise)} points)` : `no more than the seeds' spread (${pct(noise)} points)`}.`,
      );
    } else if (lesson !== undefined)
      out.push(
        ko
          ? '레슨의 값이 이 가운데 가장 좋았습니다.'
          : "The lesson's values were the best of these.",
      );
  }
  const seedsAt = (p: SweepPointSummary, n: number) => {
    const of = p.accuracy.n + p.diverged + p.failed;
    return ko
      ? `${p.key}(시드 ${of}개 중 ${n}개)`
      : `${p.key} (${n} of ${of} seed${of === 1 ? '' : 's'})`;
  };
  const diverging = points.filter((p) => p.diverged > 0);
  if (diverging.length > 0)
    out.push(
      ko
        ? `손실이 발산(NaN 또는 무한대)한 설정: ${diverging.map((p) => seedsAt(p, p.diverged)).join(', ')}.`
        : `The loss diverged (to NaN or infinity) at ${diverging.map((p) => seedsAt(p, p.diverged)).join('; ')}.`,
    );
  const failing = points.filter((p) => p.failed > 0);
  if (failing.length > 0)
    out.push(
      ko
        ? `오류로 멈춘 실행: ${failing.map((p) => seedsAt(p, p.failed)).join(', ')}. 이유는 results.jsonl에 있습니다.`
        : `Runs stopped with an error at ${failing.map((p) => seedsAt(p, p.failed)).join('; ')}; the reasons are in results.jsonl.`,
    );
  return out;
}
