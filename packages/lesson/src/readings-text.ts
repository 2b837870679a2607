import { particle } from './korean';
import type { LessonLanguage } from './readings';

// The readings' words in each language: what `lessonReadings` computes, said in sentences. Every
// word that states a direction is chosen from the numbers it is given.

export const pct = (f: number) => (f * 100).toFixed(2);
export const num = (v: number, digits = 2) =>
  Math.abs(v) >= 0.01 || v === 0 ? v.toFixed(digits) : v.toExponential(1);

/** What He initialization's reading rests on: the lesson's pair (with batch norm) and the control pair (without). */
export interface HeNumbers {
  /** bn and he at step 0: each layer's output spread, and he's over bn's per layer. */
  readonly lesson?: { bn: Spreads; he: Spreads; ratios: number[]; accuracyDiff: number };
  /** relu-no-dropout and relu-he-no-dropout at step 0: spreads and the factor per layer. */
  readonly control?: { base: Spreads; he: Spreads; baseGain: number; heGain: number };
}

/** How a factor per layer reads: below 0.8 the spread shrinks, above 1.25 it grows, else it holds. */
export function spreadTrend(factor: number): 'shrinks' | 'holds' | 'grows' {
  if (factor < 0.8) return 'shrinks';
  if (factor > 1.25) return 'grows';
  return 'holds';
}

/** Whether ratios are one factor to within 1.25 (largest over smallest). */
export const sameFactor = (ratios: readonly number[]) =>
  ratios.every(Number.isFinite) && Math.max(...ratios) / Math.min(...ratios) <= 1.25;

export type Layer = {
  name: string | undefined;
  first: number | undefined;
  last: number | undefined;
};
export type Spreads = { layer: string; std: number }[];
export type Gap = { train: number; test: number };

export interface Texts {
  vanishing(
    sigmoid: number,
    relu: number,
    n: number,
    saturated?: { layer: string; saturated?: number },
  ): string;
  batchNorm(relu: Layer, bn: Layer, accuracyDiff: number, speedRatio: number): string;
  he(numbers: HeNumbers): string;
  dropout(without: Gap, withDropout: Gap, epochs: number): string;
  sigmoidStart(ours: number, lesson: number): string;
  fewerEpochs(epochs: number): string;
  fewerExamples(n: number): string;
  oneSeed(where: 'cli' | 'lab'): string;
}

const stds = (s: Spreads) => s.map((l) => `${l.layer} ${num(l.std)}`).join(', ');
const points = (d: number) => `${d >= 0 ? '+' : '−'}${Math.abs(d * 100).toFixed(2)}`;
const times = (ratios: readonly number[]) => ratios.map((r) => `${num(r)}×`).join(', ');
/** From the first probe to the last, the factor a spread moved by (as `×1.23`). */
const drift = (l: Layer) => (l.last ?? Number.NaN) / (l.first ?? Number.NaN);
/** Whether batch norm's spread drifted less than relu's (in the sense of |log| of the factor). */
const steadier = (relu: Layer, bn: Layer) =>
  Math.abs(Math.log(drift(bn))) < Math.abs(Math.log(drift(relu)));
const TREND_EN = {
  shrinks: 'shrank from layer to layer',
  holds: 'stayed about the same from layer to layer (within a factor of 1.25)',
  grows: 'grew from layer to layer',
} as const;
/** Korean: the clause that goes on (…고) and the one that ends the sentence (…습니다). */
const TREND_KO = {
  shrinks: ['층을 지날수록 작아졌고', '층을 지날수록 작아졌습니다'],
  holds: [
    '층을 지나도 거의 그대로였고(1.25배 이내)',
    '층을 지나도 거의 그대로였습니다(1.25배 이내)',
  ],
  grows: ['층을 지날수록 커졌고', '층을 지날수록 커졌습니다'],
} as const;

export const TEXT: Record<LessonLanguage, Texts> = {
  en: {
    vanishing: (sigmoid, relu, n, saturated) =>
      `Vanishing gradient: in the sigmoid network, fc1's weight gradient was ${num(sigmoid, 3)}× the size of fc3's (median of ${n} probes); in the ReLU network, ${num(relu, 3)}×. ` +
      (sigmoid < relu
        ? `So, relative to its last layer, the sigmoid network's first layer gets ${num(relu / sigmoid, 1)}× less gradient to learn from. The sigmoid's slope is at most 0.25 and every layer the gradient passes back through multiplies it by such a slope; ReLU's slope is 1 wherever a unit is active.`
        : `Here the sigmoid network's ratio was not the smaller one, which the lesson's claim predicts; look at the gradient chart for when this changed.`) +
      (saturated?.saturated === undefined || sigmoid >= relu
        ? ''
        : saturated.saturated >= 0.01
          ? ` At the last probe ${pct(saturated.saturated)} % of ${saturated.layer}'s sigmoid outputs were saturated (within 0.05 of 0 or 1, where the slope is below 0.05), which shrinks it further.`
          : ` At the last probe fewer than 1 % of ${saturated.layer}'s sigmoid outputs were saturated: the slope of at most 0.25 is enough to shrink the gradient.`),
    batchNorm: (relu, bn, diff, speed) =>
      `Batch normalization: without it (relu), ${relu.name}'s pre-activations had a standard deviation of ${num(relu.first ?? Number.NaN)} at the first probe and ${num(relu.last ?? Number.NaN)} at the last (×${num(drift(relu))}); with it (bn), ${num(bn.first ?? Number.NaN)} and ${num(bn.last ?? Number.NaN)} (×${num(drift(bn))}). ` +
      'Batch norm rescales every batch to a mean near 0 and a spread near 1 (times a learned scale) before the activation, ' +
      (steadier(relu, bn)
        ? 'so the next layer sees inputs whose scale drifts less as the weights change, as here. '
        : "which should keep the next layer's inputs steadier as the weights change; here, though, bn's spread moved as much as relu's or more, which the lesson's claim does not predict. ") +
      `bn ended ${points(diff)} points against relu, at ${num(speed)}× relu's training speed.`,
    he: ({ lesson, control }) =>
      'He initialization: ' +
      (control === undefined
        ? ''
        : `without batch norm (ReLU, no dropout), the layers' outputs at the first step had standard deviations ${stds(control.base)} with PyTorch's default weights (relu-no-dropout) and ${stds(control.he)} with He's (relu-he-no-dropout), a factor of ${num(control.baseGain)} against ${num(control.heGain)} per layer: with the default the spread ${TREND_EN[spreadTrend(control.baseGain)]}, with He's it ${TREND_EN[spreadTrend(control.heGain)]}. ` +
          "The arithmetic: a ReLU passes on half of its input's mean square; the default's weights (std 1/√(3·fan_in)) then keep a third of it per input, a factor of √(1/6) ≈ 0.41 per layer, He's (std √(2/fan_in)) twice it, a factor of 1. ") +
      (lesson === undefined
        ? ''
        : `${control === undefined ? 'in' : 'In'} the lesson's pair, with batch norm, He's outputs were ${times(lesson.ratios)} the default's in ${lesson.he.map((l) => l.layer).join(', ')} (standard deviations ${stds(lesson.bn)} for bn, ${stds(lesson.he)} for he; He's weights are √6 ≈ 2.45× wider)` +
          (sameFactor(lesson.ratios)
            ? ": one factor in every layer, not compounding, because batch norm rescales each layer's output to a spread near 1 before the next layer sees it. In the lesson's network, batch norm undoes the initialization's scale. "
            : ": not one factor in every layer, so here batch norm did not simply undo the initialization's scale. ") +
          `he ended ${points(lesson.accuracyDiff)} points against bn.`),
    dropout: (without, withDropout, epochs) =>
      `Dropout: after ${epochs} epoch${epochs === 1 ? '' : 's'}, without dropout the training examples scored ${points(without.train - without.test)} points against the test set (${pct(without.train)} against ${pct(without.test)} %, both in eval mode); with dropout 0.5, ${points(withDropout.train - withDropout.test)} points (${pct(withDropout.train)} against ${pct(withDropout.test)} %). ` +
      'Dropout silences a random half of the hidden units at every step, so no unit can count on particular others' +
      (withDropout.train - withDropout.test < without.train - without.test
        ? ' and the network memorizes its training examples less: here its gap was the smaller one.'
        : ", which should make the network memorize less; here, though, its gap was not the smaller one, which the lesson's claim predicts.") +
      (epochs < 5
        ? ` After ${epochs} epoch${epochs === 1 ? '' : 's'}, neither network has had long to overfit.`
        : ''),
    sigmoidStart: (ours, lesson) =>
      `Sigmoid's first epoch: ${pct(ours)} % here against the lesson's ${pct(lesson)} %. With lr 0.01 and momentum 0.5 the sigmoid network starts on a plateau near chance (its gradients are small, above) and leaves it after a number of steps that depends on the seed. The lesson's run left early; PyTorch running the lesson's own code reaches 13.7 ± 3.1 % after one epoch with seeds 1–3 (docs/REPRODUCTION.md).`,
    fewerEpochs: (epochs) =>
      `These runs trained ${epochs} epoch${epochs === 1 ? '' : 's'}, the lesson 10: compare with the lesson's row for epoch ${epochs}, not its final numbers.`,
    fewerExamples: (n) =>
      `They trained on ${n} of MNIST's 60000 training examples: compare them with each other, not with the lesson's accuracies, which used all of them.`,
    oneSeed: (where) =>
      `One seed per network: a difference of a few tenths of a point may be chance (the sigmoid network is the most seed-sensitive); ${where === 'cli' ? '--seeds 3 shows the spread' : 'the figures rest on one run each, with the Seed of the form; another seed there shows how much they move'}.`,
  },
  ko: {
    vanishing: (sigmoid, relu, n, saturated) =>
      `기울기 소실: 시그모이드 신경망에서 fc1 가중치의 기울기는 fc3의 ${num(sigmoid, 3)}배였고(프로브 ${n}개의 중앙값), ReLU 신경망에서는 ${num(relu, 3)}배였습니다. ` +
      (sigmoid < relu
        ? `마지막 층과 비교하면 시그모이드 신경망의 첫 층이 받는 기울기는 ${num(relu / sigmoid, 1)}배 작습니다. 시그모이드의 미분값은 최대 0.25이고, 기울기가 층을 하나 거슬러 갈 때마다 이런 값이 곱해집니다. ReLU의 미분값은 켜져 있는 유닛에서 1입니다.`
        : '이번에는 레슨의 주장과 달리 시그모이드 쪽 비율이 더 작지 않았습니다. 기울기 차트에서 언제 그렇게 되었는지 확인해 보세요.') +
      (saturated?.saturated === undefined || sigmoid >= relu
        ? ''
        : saturated.saturated >= 0.01
          ? ` 마지막 프로브에서 ${saturated.layer}의 시그모이드 출력 중 ${pct(saturated.saturated)}%가 포화 상태(0이나 1과의 차이가 0.05 이내, 미분값 0.05 미만)였고, 이것이 기울기를 더 줄입니다.`
          : ` 마지막 프로브에서 ${saturated.layer}의 시그모이드 출력 중 포화 상태인 것은 1% 미만이었습니다. 포화가 없어도 최대 0.25인 미분값만으로 기울기가 줄어듭니다.`),
    batchNorm: (relu, bn, diff, speed) =>
      `배치 정규화: 없을 때(relu) ${relu.name}의 활성화 함수 입력값의 표준편차는 첫 프로브에서 ${num(relu.first ?? Number.NaN)}, 마지막 프로브에서 ${particle(num(relu.last ?? Number.NaN), '이었고', '였고')}(×${num(drift(relu))}), 있을 때(bn)는 ${num(bn.first ?? Number.NaN)}, ${particle(num(bn.last ?? Number.NaN), '이었습니다', '였습니다')}(×${num(drift(bn))}). ` +
      '배치 정규화는 활성화 함수 앞에서 배치마다 평균을 0 근처로, 퍼짐을 1 근처로(학습되는 배율을 곱해) 맞추므로, ' +
      (steadier(relu, bn)
        ? '가중치가 바뀌어도 다음 층이 받는 입력의 크기가 덜 흔들립니다. 이번 실행도 그랬습니다. '
        : '다음 층이 받는 입력의 크기가 덜 흔들려야 합니다. 그런데 이번에는 bn의 퍼짐이 relu만큼 또는 그보다 더 움직였고, 이는 레슨의 주장과 다릅니다. ') +
      `bn의 최종 정확도는 relu 대비 ${points(diff)}%p, 학습 속도는 relu의 ${num(speed)}배였습니다.`,
    he: ({ lesson, control }) =>
      'He 초기화: ' +
      (control === undefined
        ? ''
        : `배치 정규화가 없을 때(ReLU, 드롭아웃 없음) 첫 스텝에서 각 층 출력의 표준편차는 PyTorch 기본 가중치(relu-no-dropout)에서 ${stds(control.base)}, He 가중치(relu-he-no-dropout)에서 ${particle(stds(control.he), '이었고', '였고')}, 층마다 곱해진 배율은 ${num(control.baseGain)} 대 ${num(control.heGain)}입니다. 기본 초기화에서는 퍼짐이 ${TREND_KO[spreadTrend(control.baseGain)][0]}, He 초기화에서는 ${TREND_KO[spreadTrend(control.heGain)][1]}. ` +
          '계산해 보면, ReLU는 입력 제곱평균의 절반을 넘기고, 기본 가중치(표준편차 1/√(3·fan_in))는 입력 하나마다 그 3분의 1을 남겨 층마다 √(1/6) ≈ 0.41배가 되며, He 가중치(표준편차 √(2/fan_in))는 그 두 배를 남겨 1배가 됩니다. ') +
      (lesson === undefined
        ? ''
        : `${control === undefined ? '' : '레슨의 두 신경망처럼 '}배치 정규화가 있을 때는 He 초기화의 출력이 ${lesson.he.map((l) => l.layer).join(', ')}에서 기본 초기화의 ${times(lesson.ratios).replaceAll('×', '배')}였습니다(표준편차 bn ${stds(lesson.bn)}, he ${stds(lesson.he)}. He 가중치는 √6 ≈ 2.45배 넓습니다). ` +
          (sameFactor(lesson.ratios)
            ? '모든 층에서 같은 배율이고 층을 지나며 쌓이지 않습니다. 배치 정규화가 다음 층으로 넘기기 전에 각 층의 출력을 퍼짐 1 근처로 다시 맞추기 때문입니다. 레슨의 신경망에서는 배치 정규화가 초기화가 정한 크기를 지웁니다. '
            : '층마다 배율이 달라서, 이번에는 배치 정규화가 초기화의 크기를 그대로 지웠다고 보기 어렵습니다. ') +
          `he의 최종 정확도는 bn 대비 ${points(lesson.accuracyDiff)}%p였습니다.`),
    dropout: (without, withDropout, epochs) =>
      `드롭아웃: ${epochs}에폭 뒤, 드롭아웃이 없을 때 학습 데이터의 정확도는 테스트 데이터보다 ${points(without.train - without.test)}%p(${pct(without.train)}% 대 ${pct(without.test)}%, 둘 다 평가 모드) 높았고, 드롭아웃 0.5에서는 ${points(withDropout.train - withDropout.test)}%p(${pct(withDropout.train)}% 대 ${pct(withDropout.test)}%) 높았습니다. ` +
      '드롭아웃은 스텝마다 은닉 유닛의 절반을 무작위로 끄므로, 어떤 유닛도 특정한 다른 유닛에 기댈 수 없' +
      (withDropout.train - withDropout.test < without.train - without.test
        ? '고 신경망이 학습 데이터를 덜 외우게 됩니다. 이번에도 드롭아웃 쪽 차이가 더 작았습니다.'
        : '어 신경망이 덜 외워야 합니다. 그런데 이번에는 드롭아웃 쪽 차이가 더 작지 않았고, 이는 레슨의 주장과 다릅니다.') +
      (epochs < 5 ? ` ${epochs}에폭만으로는 두 신경망 모두 과적합할 시간이 짧았습니다.` : ''),
    sigmoidStart: (ours, lesson) =>
      `시그모이드의 첫 에폭: 여기서는 ${pct(ours)}%, 레슨에서는 ${pct(lesson)}%입니다. 학습률 0.01, 모멘텀 0.5에서 시그모이드 신경망은 우연 수준 근처의 평탄한 구간에서 시작하고(위에서 본 것처럼 기울기가 작습니다), 그 구간을 벗어나는 스텝 수는 시드에 따라 다릅니다. 레슨의 실행은 일찍 벗어났습니다. 레슨의 코드를 PyTorch로 그대로 돌려도 시드 1–3에서 첫 에폭 뒤 13.7 ± 3.1%입니다(docs/REPRODUCTION.md).`,
    fewerEpochs: (epochs) =>
      `이번 실행은 ${epochs}에폭, 레슨은 10에폭을 학습했습니다. 레슨의 최종값이 아니라 ${epochs}번째 에폭의 값과 비교하세요.`,
    fewerExamples: (n) =>
      `MNIST 학습 데이터 60000개 중 ${n}개로만 학습했습니다. 전체 데이터로 학습한 레슨의 정확도가 아니라 서로의 정확도와 비교하세요.`,
    oneSeed: (where) =>
      `신경망마다 시드가 하나뿐입니다. 0.몇 %p의 차이는 우연일 수 있습니다(시드에 가장 민감한 것은 시그모이드 신경망입니다). ${where === 'cli' ? '--seeds 3으로 퍼짐을 볼 수 있습니다.' : '이 값들은 양식의 시드로 한 번씩 학습한 결과입니다. 시드를 바꿔 다시 학습하면 얼마나 달라지는지 볼 수 있습니다.'}`,
  },
};
