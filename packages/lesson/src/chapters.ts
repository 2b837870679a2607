import type { LessonClaim } from './mechanisms';
import type { LessonLanguage } from './readings';

/** Text in each of the lesson's languages. */
export type Bilingual = Readonly<Record<LessonLanguage, string>>;

/** One of the lesson's four sections, told anew: what the technique does, and the pair that shows it. */
export interface LessonChapter {
  /** The claim it shows, and so the pair of networks it runs (`LESSON_CLAIMS`). */
  readonly claim: LessonClaim;
  readonly title: Bilingual;
  /** The explanation, a paragraph per entry. */
  readonly paragraphs: Readonly<Record<LessonLanguage, readonly string[]>>;
  /** What its mechanism chart shows. */
  readonly chart: Bilingual;
}

/**
 * The lesson's four sections in its order (dropout; activation functions; batch normalization;
 * initialization), explained in our own words in English and in Korean, the seed's language.
 */
export const LESSON_CHAPTERS: readonly LessonChapter[] = [
  {
    claim: 'dropout',
    title: { en: '1. Dropout', ko: '1. 드롭아웃' },
    paragraphs: {
      en: [
        'A network with half a million weights can learn the 60000 training digits by heart, quirks included, and then do worse on digits it has never seen. That is overfitting.',
        'Dropout fights it by switching off a random half of the hidden units at every training step (each unit stays with probability 0.5, and the units that stay are scaled by 2, so that a layer’s total is the same on average). No unit can count on a particular partner being there, so the network spreads what it knows over many units. In evaluation every unit is on and nothing is scaled.',
        'The experiment: the lesson’s ReLU network with dropout 0.5 against the same network without dropout.',
      ],
      ko: [
        '가중치가 50만 개가 넘는 신경망은 학습용 숫자 60000개를 그 버릇까지 통째로 외울 수 있고, 그러면 처음 보는 숫자에서는 오히려 성적이 떨어집니다. 이것이 과적합입니다.',
        '드롭아웃은 학습 스텝마다 은닉 유닛의 절반을 무작위로 끕니다(각 유닛은 0.5의 확률로 남고, 남은 유닛의 출력은 2배로 키워 층의 합이 평균적으로 그대로 유지됩니다). 어떤 유닛도 특정한 짝이 있으리라고 기대할 수 없으니, 신경망은 아는 것을 여러 유닛에 나누어 담게 됩니다. 평가할 때는 모든 유닛을 켜고 아무것도 키우지 않습니다.',
        '실험: 드롭아웃 0.5를 쓰는 레슨의 ReLU 신경망과, 드롭아웃만 뺀 같은 신경망을 비교합니다.',
      ],
    },
    chart: {
      en: 'Accuracy on training examples (solid) and on test digits (dashed), both with dropout off: the gap between them is what a network memorized.',
      ko: '학습 데이터(실선)와 테스트 데이터(점선)에서의 정확도, 둘 다 드롭아웃을 끄고 잰 값입니다. 둘 사이의 차이가 신경망이 외운 만큼입니다.',
    },
  },
  {
    claim: 'vanishing-gradient',
    title: { en: '2. Sigmoid and ReLU', ko: '2. 활성화 함수: 시그모이드와 ReLU' },
    paragraphs: {
      en: [
        'Training moves each weight against its gradient, and backpropagation computes the gradients layer by layer, from the output back to the input. At every layer on the way the gradient is multiplied by the slope of that layer’s activation function.',
        'The sigmoid squeezes any input into (0, 1). Its slope is 0.25 at most (at 0) and nearly 0 for large inputs of either sign (saturation). Two sigmoid layers can leave the first layer a sixteenth of the gradient or less, so it learns slowly: the vanishing gradient.',
        'ReLU, max(0, x), has slope 1 for every positive input and 0 otherwise: an active unit passes the gradient back unchanged. Its risk is of the other kind: a unit whose input is negative for every example gets no gradient at all (a dead unit).',
        'The experiment: the lesson’s sigmoid network against its ReLU network, everything else the same.',
      ],
      ko: [
        '학습은 각 가중치를 기울기의 반대 방향으로 움직이는 일이고, 역전파는 그 기울기를 출력에서 입력 쪽으로 층을 하나씩 거슬러 가며 계산합니다. 지나가는 층마다 기울기에는 그 층 활성화 함수의 미분값이 곱해집니다.',
        '시그모이드는 어떤 입력이든 0과 1 사이로 눌러 담습니다. 미분값은 입력이 0일 때 가장 커도 0.25이고, 입력이 양쪽으로 커지면 0에 가까워집니다(포화). 시그모이드 층 두 개를 지나면 첫 층에 닿는 기울기가 16분의 1 이하로 줄 수 있어서, 첫 층은 느리게 배웁니다. 이것이 기울기 소실입니다.',
        'ReLU, 즉 max(0, x)는 양수 입력에서 미분값이 1이고 나머지에서는 0입니다. 켜져 있는 유닛은 기울기를 그대로 돌려보냅니다. 대신 반대 방향의 위험이 있습니다. 모든 예제에서 입력이 음수인 유닛은 기울기를 전혀 받지 못합니다(죽은 유닛).',
        '실험: 나머지는 모두 같게 두고 레슨의 시그모이드 신경망과 ReLU 신경망을 비교합니다.',
      ],
    },
    chart: {
      en: 'The size (norm) of the gradient of fc1’s weights (solid) and fc3’s (dashed) as training goes, on a log scale: the distance between the two is how much of the last layer’s gradient reaches the first.',
      ko: '학습하는 동안 fc1 가중치(실선)와 fc3 가중치(점선)의 기울기 크기(노름), 로그 눈금입니다. 두 선 사이의 거리가 마지막 층의 기울기 중 첫 층까지 닿는 몫을 보여 줍니다.',
    },
  },
  {
    claim: 'batch-norm',
    title: { en: '3. Batch normalization', ko: '3. 배치 정규화' },
    paragraphs: {
      en: [
        'Each layer learns from the outputs of the layer before it. When that layer’s weights change, the centre and spread of what it outputs change too, so the next layer keeps chasing a moving input. The lesson calls this internal covariate shift.',
        'Batch normalization sits between a layer’s product and its activation. For each unit it takes the batch’s values, subtracts their mean, divides by their standard deviation, then applies a scale and a shift that are learned like weights. The activation always sees inputs in a similar range: for a sigmoid, away from its flat ends; for ReLU, about half of them active. In evaluation it uses running averages of the mean and variance gathered during training.',
        'The experiment: the ReLU network without batch norm against the same network with it.',
      ],
      ko: [
        '각 층은 앞 층의 출력을 보고 배웁니다. 앞 층의 가중치가 바뀌면 그 출력의 중심과 퍼짐도 바뀌어서, 다음 층은 계속 움직이는 입력을 쫓아가야 합니다. 레슨은 이것을 내부 공변량 변화(internal covariate shift)라고 부릅니다.',
        '배치 정규화는 층의 곱셈과 활성화 함수 사이에 들어갑니다. 유닛마다 배치 안의 값들에서 평균을 빼고 표준편차로 나눈 다음, 가중치처럼 학습되는 배율과 이동값을 적용합니다. 그러면 활성화 함수는 늘 비슷한 범위의 입력을 받습니다. 시그모이드라면 평평한 양 끝에서 멀리, ReLU라면 절반쯤 켜진 상태가 됩니다. 평가할 때는 학습 중에 모아 둔 평균과 분산의 이동 평균을 씁니다.',
        '실험: 배치 정규화가 없는 ReLU 신경망과 있는 같은 신경망을 비교합니다.',
      ],
    },
    chart: {
      en: 'The spread (standard deviation) of each hidden layer’s pre-activations, the activation’s input, as training goes: fc1 solid, fc2 dashed.',
      ko: '학습하는 동안 각 은닉층 활성화 함수 입력값의 퍼짐(표준편차)입니다. fc1은 실선, fc2는 점선입니다.',
    },
  },
  {
    claim: 'he-init',
    title: { en: '4. Initialization', ko: '4. 초기화' },
    paragraphs: {
      en: [
        'Before the first step every weight is a random draw, and the width of that draw decides how large each layer’s outputs are. Too narrow, and the signal shrinks layer after layer; too wide, and it grows.',
        'PyTorch’s nn.Linear draws uniformly from ±1/√(inputs), a standard deviation of 1/√(3 × inputs): each layer’s output comes out smaller than its input. He initialization draws with a standard deviation of √(2 / inputs), chosen for ReLU, which zeroes about half of what passes through: the factor 2 makes up for that half, so the spread stays about the same from layer to layer.',
        'The experiment runs two pairs. The lesson’s: the batch-norm network with PyTorch’s default weights against the same network with He’s. Batch norm divides every layer’s output by its own spread right after the product, so in the lesson’s network it undoes the scale the initialization chose, and He brings no gain there (in the lesson, 97.26 % with He against 97.91 % without).',
        'So a second, brief pair shows the mechanism where it acts: ReLU without batch norm (and without dropout, whose scaling would move the spread too), with each initialization. Its first step is all the chart needs.',
      ],
      ko: [
        '첫 스텝 전에 모든 가중치는 무작위로 뽑은 값이고, 얼마나 넓게 뽑느냐가 각 층 출력의 크기를 정합니다. 너무 좁으면 신호가 층을 지날수록 작아지고, 너무 넓으면 커집니다.',
        'PyTorch의 nn.Linear는 ±1/√(입력 수) 범위의 균등분포에서 뽑습니다. 표준편차로는 1/√(3 × 입력 수)이고, 층의 출력이 입력보다 작아집니다. He 초기화는 표준편차 √(2 / 입력 수)로 뽑습니다. 지나가는 값의 절반쯤을 0으로 만드는 ReLU에 맞춘 값으로, 2라는 배수가 그 절반을 메워 층마다 퍼짐이 거의 그대로 유지됩니다.',
        '실험은 두 쌍을 돌립니다. 먼저 레슨의 쌍: PyTorch 기본 가중치를 쓴 배치 정규화 신경망과 He 초기화를 쓴 같은 신경망입니다. 배치 정규화는 곱셈 바로 뒤에서 각 층의 출력을 그 퍼짐으로 나누므로, 레슨의 신경망에서는 초기화가 정한 크기를 지우고 He 초기화의 이득도 없습니다(레슨에서는 He 초기화가 97.26%, 기본 초기화가 97.91%였습니다).',
        '그래서 짧게 학습하는 두 번째 쌍이 이 효과가 실제로 나타나는 곳을 보여 줍니다. 배치 정규화 없이(퍼짐을 함께 바꾸는 드롭아웃도 없이) 초기화만 다른 ReLU 신경망 둘입니다. 차트에는 첫 스텝만 있으면 됩니다.',
      ],
    },
    chart: {
      en: 'The spread of each layer’s output at the very first step (log scale), PyTorch’s default weights against He’s: the brief pair without batch norm, and the lesson’s pair with it (measured before batch norm).',
      ko: '맨 첫 스텝에서 각 층 출력의 퍼짐(로그 눈금)을 PyTorch 기본 가중치와 He 가중치로 비교합니다. 배치 정규화가 없는 짧은 쌍과, 배치 정규화가 있는 레슨의 쌍(배치 정규화 전에 잰 값)입니다.',
    },
  },
];
