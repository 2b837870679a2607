// Every line the lab's code writes on the page, in English and in Korean (the static text is in
// index.html and page-ko.ts; the lesson's chapters and readings come from the lesson package).
// Korean is written for Korean readers, not word for word; after a number the particle is
// chosen by how the number is read (`particle`).
import { particle } from '@mnist-lab/lesson';
import { lang } from './i18n';

const percent = (x: number, digits = 2) => `${(x * 100).toFixed(digits)}%`;

/** Run states, as the run list says them. */
type RunState = 'running' | 'paused' | 'stopped' | 'done' | 'failed' | 'ready';

const en = {
  error: (message: string) => `Error: ${message}`,
  runFailed: (id: number) => `run ${id} failed (why: under Runs). Start is free for the next run.`,
  workerStopped: 'the training worker stopped',
  batchLine: (
    id: number,
    epoch: number,
    epochs: number,
    batch: number,
    batches: number,
    sps: number,
  ) => `run ${id}: epoch ${epoch}/${epochs}, batch ${batch}/${batches}, ${sps} samples/s`,
  dataReady: (train: number, test: number) =>
    `${train} training and ${test} test images, served by this page`,
  dataProgress: (mb: string, total: string | undefined) =>
    `${mb} MB${total === undefined ? '' : ` of ${total} MB`}`,
  latest: (accuracy: number, id: number, epoch: number) =>
    `${percent(accuracy)} (run ${id}, epoch ${epoch})`,
  // The dataset.
  datasetLoading: (name: string) => `Reading ${name}…`,
  datasetReady: (name: string, sha256: string) =>
    `Runs now train on ${name} (SHA-256 ${sha256.slice(0, 16)}…).`,
  datasetRefused: (why: string) => `Not loaded: ${why}. The dataset before stays.`,
  datasetFiles: (names: readonly string[]) =>
    `expected the four IDX files (train and t10k images and labels, gzipped or not), got ${names.length === 0 ? 'none' : names.join(', ')}`,
  datasetTooLarge: (name: string, mb: number) => `${name} is larger than ${mb} MB`,
  /** A class's name (Fashion-MNIST's in English as published). */
  className: (name: string) => name,
  // The run list.
  runFromFile: (label: string, file: string) => `${label}, from ${file}`,
  runOf: (label: string, epochs: number, seed: number) =>
    `${label}, ${epochs} epoch${epochs === 1 ? '' : 's'}, seed ${seed}`,
  state: (s: RunState) => s as string,
  runLine: (id: number, what: string, state: string, accuracy: number | undefined, kept: boolean) =>
    ` run ${id}: ${what} — ${state}${accuracy === undefined ? '' : `, ${percent(accuracy)}`}${kept ? ' · kept in this browser' : ''}`,
  forget: 'Forget',
  forgetTitle: 'Remove this run and its model from this browser',
  pause: 'Pause',
  resume: 'Resume',
  /** An initializer in the form's list (its name, as the CLI's `--init` takes it). */
  initName: (name: string) => name,
  // Networks of the lesson's pairs that are no preset.
  network: (name: string) =>
    ({ 'relu-no-dropout': 'relu, no dropout', 'relu-he-no-dropout': 'relu, no dropout, He' })[
      name
    ] ?? name,
  // Results.
  digit: (label: string, predicted: string | undefined, right: boolean) =>
    predicted === undefined
      ? `a ${label}`
      : `a ${label}, predicted ${predicted}${right ? '' : ' (wrong)'}`,
  confusionCorner: 'true \\ pred',
  unitWeights: (unit: number) => `weights of unit ${unit}`,
  // Charts.
  step: 'step',
  epoch: 'epoch',
  trainingLoss: 'training loss',
  testAccuracy: 'test accuracy (%)',
  testLoss: 'test loss',
  runName: (id: number, network: string) => `run ${id}: ${network}`,
  lessonCurve: (preset: string) => `lesson: ${preset}`,
  // The backend line.
  backend: (backend: string, device: string, kind: string, threads: number) =>
    `Backend: ${backend} on ${device} (${kind}${threads > 1 ? `, ${threads} threads` : ''})`,
  deviceKind: (kind: string) => kind,
  /** A device as the backends package names it (`CPU (8 logical cores)`, a GPU's name). */
  device: (device: string) => device,
  /** Why a backend was passed over, as the backends package says it. */
  reason: (reason: string) => reason,
  /** The backends' timings, as `describeMeasurements` writes them. */
  measured: (measured: string) => measured,
  timedHere: (measured: string) => `timed here: ${measured}`,
  timedBefore: (measured: string) =>
    `chosen by timing on this device (${measured}; ?backend=measure times them again)`,
  passedOver: (skipped: string) => `passed over: ${skipped}`,
  unknownBackend: (asked: string, known: string) =>
    `?backend=${asked} is not a backend the lab knows (${known}): starting with auto instead.`,
  // Kept runs and model files.
  notKept: (id: number, why: string) => `Run ${id} could not be kept in this browser: ${why}`,
  keptUnreadable: (why: string) => `Kept runs could not be read: ${why}`,
  modelUnreadable: (id: number, why: string) => `The model of run ${id} could not be read: ${why}`,
  notForgotten: (id: number, why: string) => `Run ${id} could not be forgotten: ${why}`,
  chooseModel:
    'Choose a .safetensors model file (and, from an mnist-lab model folder, its config.json).',
  modelTooLarge: (name: string, mb: string) =>
    `${name} is ${mb} MB: larger than any network the lab builds.`,
  configTooLarge: (mb: string) => `${mb} MB, more than a config.json holds`,
  configTooDeep: (depth: number) => `it nests deeper than ${depth} levels; a config.json nests 3`,
  notAConfig: (name: string, why: string) => `${name} is not a config.json to read: ${why}`,
  reading: (name: string) => `Reading ${name}…`,
  loadedModel: (file: string, shape: string, activation: string, bn: boolean, guessed: boolean) =>
    guessed
      ? `${file}: ${shape}${bn ? ' with batch norm' : ''}; the file does not name its activation, so the form's (${activation}) is used. Draw a digit.`
      : `${file}: ${shape} ${activation}${bn ? ' with batch norm' : ''}. Draw a digit.`,
};

/** Fashion-MNIST's classes in Korean. */
const FASHION_KO: Record<string, string> = {
  'T-shirt/top': '티셔츠/탑',
  Trouser: '바지',
  Pullover: '풀오버',
  Dress: '드레스',
  Coat: '코트',
  Sandal: '샌들',
  Shirt: '셔츠',
  Sneaker: '운동화',
  Bag: '가방',
  'Ankle boot': '앵클 부츠',
};

/** The backends package's reasons for passing a backend over, in Korean (names kept). */
const REASONS_KO: [RegExp, string][] = [
  [
    /^backend '(\w+)' is unavailable: the browser found no WebGPU adapter$/,
    '브라우저가 WebGPU 어댑터를 찾지 못했습니다',
  ],
  [
    /^backend '(\w+)' is unavailable: this browser has no navigator\.gpu .*$/,
    '이 브라우저에는 WebGPU가 없습니다(꺼져 있거나, 지원하지 않거나, 안전한 연결의 페이지가 아닙니다)',
  ],
  [
    /^(\w+) runs on a software adapter \((.*)\), far slower than wasm on this CPU; \?backend=measure times it too$/,
    '소프트웨어 어댑터($2)에서 돌아가 이 CPU의 wasm보다 훨씬 느립니다. ?backend=measure로 함께 잽니다',
  ],
  [
    /^(\w+) runs on a software adapter \((.*)\), far slower than wasm on this CPU; \?backend=(\w+) asks for it anyway$/,
    '소프트웨어 어댑터($2)에서 돌아가 이 CPU의 wasm보다 훨씬 느립니다. 그래도 쓰려면 ?backend=$3',
  ],
];

const STATES_KO: Record<RunState, string> = {
  running: '학습 중',
  paused: '일시 정지',
  stopped: '중지됨',
  done: '끝남',
  failed: '실패',
  ready: '준비됨',
};

const ko: typeof en = {
  error: (message) => `오류: ${message}`,
  runFailed: (id) =>
    `실행 ${id} 실패(이유는 실행 목록에 있습니다). 다음 실행을 시작할 수 있습니다.`,
  workerStopped: '학습 워커가 멈췄습니다',
  batchLine: (id, epoch, epochs, batch, batches, sps) =>
    `실행 ${id}: 에폭 ${epoch}/${epochs}, 배치 ${batch}/${batches}, 초당 예제 ${sps}개`,
  dataReady: (train, test) =>
    `학습 이미지 ${train}개와 테스트 이미지 ${test}개, 이 페이지에서 받음`,
  dataProgress: (mb, total) => (total === undefined ? `${mb} MB` : `${total} MB 중 ${mb} MB`),
  latest: (accuracy, id, epoch) => `${percent(accuracy)} (실행 ${id}, 에폭 ${epoch})`,
  datasetLoading: (name) => `${name} 읽는 중…`,
  datasetReady: (name, sha256) =>
    `이제 실행은 ${particle(name, '으로', '로')} 학습합니다(SHA-256 ${sha256.slice(0, 16)}…).`,
  datasetRefused: (why) => `불러오지 않았습니다: ${why}. 이전 데이터셋을 그대로 씁니다.`,
  datasetFiles: (names) =>
    `IDX 파일 네 개(train과 t10k의 images와 labels, gzip이든 아니든)가 필요한데, 고른 파일은 ${names.length === 0 ? '없습니다' : names.join(', ')}`,
  datasetTooLarge: (name, mb) => `${name}: ${mb} MB보다 큽니다`,
  className: (name) => FASHION_KO[name] ?? name,
  runFromFile: (label, file) => `${label}, 파일 ${file}`,
  runOf: (label, epochs, seed) => `${label}, ${epochs}에폭, 시드 ${seed}`,
  state: (s) => STATES_KO[s],
  runLine: (id, what, state, accuracy, kept) =>
    ` 실행 ${id}: ${what} — ${state}${accuracy === undefined ? '' : `, ${percent(accuracy)}`}${kept ? ' · 이 브라우저에 보관됨' : ''}`,
  forget: '지우기',
  forgetTitle: '이 실행과 그 모델을 이 브라우저에서 지웁니다',
  pause: '일시 정지',
  resume: '계속',
  initName: (name) => {
    const [family = '', kind = ''] = name.split('-');
    const who = { torch: 'PyTorch', lecun: 'LeCun', xavier: 'Xavier', he: 'He' }[family] ?? family;
    const how = { default: '기본값', normal: '정규분포', uniform: '균등분포' }[kind] ?? kind;
    return `${who} ${how}`;
  },
  network: (name) =>
    ({ 'relu-no-dropout': 'relu, 드롭아웃 없음', 'relu-he-no-dropout': 'relu, 드롭아웃 없음, He' })[
      name
    ] ?? name,
  digit: (label, predicted, right) =>
    predicted === undefined
      ? `${label}`
      : `정답 ${label}, 예측 ${predicted}${right ? '' : ' (틀림)'}`,
  confusionCorner: '정답 \\ 예측',
  unitWeights: (unit) => `유닛 ${unit}의 가중치`,
  step: '스텝',
  epoch: '에폭',
  trainingLoss: '학습 손실',
  testAccuracy: '테스트 정확도(%)',
  testLoss: '테스트 손실',
  runName: (id, network) => `실행 ${id}: ${network}`,
  lessonCurve: (preset) => `레슨: ${preset}`,
  backend: (backend, device, kind, threads) => {
    // A CPU's kind is its name already: `CPU(논리 코어 8개)`, not `…(CPU)`.
    const more = [kind === 'CPU' ? '' : kind, threads > 1 ? `스레드 ${threads}개` : ''].filter(
      (x) => x !== '',
    );
    return `백엔드: ${backend}, ${device}${more.length === 0 ? '' : `(${more.join(', ')})`}`;
  },
  deviceKind: (kind) =>
    ({ software: '소프트웨어', hardware: '하드웨어', cpu: 'CPU' })[kind] ?? kind,
  device: (device) => device.replace(/^CPU \((\d+) logical cores?\)$/, 'CPU(논리 코어 $1개)'),
  reason: (reason) => {
    for (const [shape, ko] of REASONS_KO) if (shape.test(reason)) return reason.replace(shape, ko);
    return reason;
  },
  measured: (measured) =>
    measured.replace(/^(.*) samples\/s: using (\S+)$/, '초당 예제 수 $1 → $2 사용'),
  timedHere: (measured) => `여기서 잰 속도: ${measured}`,
  timedBefore: (measured) =>
    `이 기기에서 잰 속도로 골랐습니다(${measured}; ?backend=measure로 다시 잽니다)`,
  passedOver: (skipped) => `건너뛴 백엔드: ${skipped}`,
  unknownBackend: (asked, known) =>
    `?backend=${particle(asked, '은', '는')} 이 실험실이 아는 백엔드가 아닙니다(${known}). auto로 시작합니다.`,
  notKept: (id, why) =>
    `실행 ${particle(String(id), '을', '를')} 이 브라우저에 보관하지 못했습니다: ${why}`,
  keptUnreadable: (why) => `보관한 실행을 읽지 못했습니다: ${why}`,
  modelUnreadable: (id, why) => `실행 ${id}의 모델을 읽지 못했습니다: ${why}`,
  notForgotten: (id, why) => `실행 ${particle(String(id), '을', '를')} 지우지 못했습니다: ${why}`,
  chooseModel: '.safetensors 모델 파일을 고르세요(mnist-lab 모델 폴더라면 config.json도 함께).',
  modelTooLarge: (name, mb) => `${name}: ${mb} MB로, 이 실험실이 만드는 어떤 신경망보다 큽니다.`,
  configTooLarge: (mb) => `${mb} MB로, config.json이 담을 크기를 넘습니다`,
  configTooDeep: (depth) => `${depth}단계보다 깊게 중첩되어 있습니다(config.json은 3단계)`,
  notAConfig: (name, why) =>
    `${particle(name, '은', '는')} 읽을 수 있는 config.json이 아닙니다: ${why}`,
  reading: (name) => `${name} 읽는 중…`,
  loadedModel: (file, shape, activation, bn, guessed) =>
    guessed
      ? `${file}: ${shape}${bn ? ', 배치 정규화' : ''}. 파일에 활성화 함수가 없어 양식의 것(${activation})을 씁니다. 숫자를 그려 보세요.`
      : `${file}: ${shape} ${activation}${bn ? ', 배치 정규화' : ''}. 숫자를 그려 보세요.`,
};

/** The page's words in the language it is in now. */
export const words = (): typeof en => (lang() === 'ko' ? ko : en);
