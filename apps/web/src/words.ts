// Every line the lab's code writes on the page, in English and in Korean (the static text is in
// index.html and page-ko.ts; the lesson's chapters and readings come from the lesson package).
// Korean is written for Korean readers, not word for word; after a number the particle is
// chosen by how the number is read (`particle`).
import { particle } from '@mnist-lab/lesson';
import { lang } from './i18n';
import { FASHION_KO, REASONS_KO, type RunState, STATES_KO } from './words-ko';

const percent = (x: number, digits = 2) => `${(x * 100).toFixed(digits)}%`;

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
  imagesProgress: (done: number, total: number) => `${done} of ${total} images converted`,
  // The sweep panel.
  sweepSameField: 'the two axes must be two different settings',
  sweepSeeds: (max: number) => `seeds: a whole number from 1 to ${max}`,
  sweepTooMany: (n: number, max: number) =>
    `that makes ${n} runs; the lab runs at most ${max} (fewer values or seeds, or the CLI's sweep)`,
  sweepMnistOnly: 'A sweep trains on the built-in MNIST for now: go back to MNIST first.',
  sweepRunning: (n: number, workers: number) =>
    `${n} runs on ${workers} worker${workers === 1 ? '' : 's'}; the heatmap fills in as they finish.`,
  sweepCell: (key: string, done: number, total: number) =>
    `${key}: ${done} of ${total} runs finished`,
  sweepStopped: (done: number, total: number) =>
    `The sweep was stopped: ${done} of its ${total} runs finished.`,
  sweepCaption:
    "Test accuracy (%) at each point, the mean ± spread over seeds; ★ the lesson's recipe",
  sweepDone:
    "Every run of the sweep has finished. ★ marks the lesson's recipe; a cell opens its run.",
  // The dataset.
  datasetLoading: (name: string) => `Reading ${name}…`,
  datasetReady: (name: string, sha256: string, kept: string) =>
    `Runs now train on ${name} (SHA-256 ${sha256.slice(0, 16)}…).${kept === '' ? '' : ` ${kept}`}`,
  datasetKept: 'Kept in this browser: a reload starts on it, until you go back to MNIST.',
  datasetNotKept: (why: string) => `Not kept in this browser: ${why}.`,
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
  compareRun: (id: number) => `Compare run ${id}`,
  field: (name: string) =>
    ({
      preset: 'preset',
      activation: 'activation',
      dropout: 'dropout',
      batchNorm: 'batch norm',
      init: 'initializer',
      hidden: 'hidden layers',
      lr: 'learning rate',
      momentum: 'momentum',
      batchSize: 'batch size',
      epochs: 'epochs',
      seed: 'seed',
      trainSize: 'training examples',
      testSize: 'test examples',
    })[name] ?? name,
  dataset: 'dataset',
  yes: 'yes',
  no: 'no',
  metric: (name: string) =>
    ({
      testAccuracy: 'test accuracy',
      testLoss: 'test loss',
      trainLoss: 'training loss (last epoch)',
      gap: 'training − test accuracy (points): what the network memorized',
      gradientRatio: "fc1's gradient / fc3's (last probe): below 1, it vanishes",
    })[name] ?? name,
  compareSame:
    'The ticked runs share every setting: only chance (their seeds) or the data sets them apart.',
  compareDiffer: (n: number) =>
    `The settings in which the ticked runs differ (${n}), then their final figures.`,
  resultsOpened: (file: string, n: number) =>
    `${file}: ${n} run${n === 1 ? '' : 's'} opened, with their curves.`,
  resultsRefused: (why: string) => `Not opened: ${why}`,
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
  sweepSameField: '두 축은 서로 다른 설정이어야 합니다',
  sweepSeeds: (max) => `시드 수: 1부터 ${max}까지의 정수`,
  sweepTooMany: (n, max) =>
    `실행이 ${n}개가 됩니다. 이 실험실은 ${max}개까지 돌립니다(값이나 시드를 줄이거나, CLI의 sweep을 쓰세요)`,
  sweepMnistOnly: '스윕은 지금은 내장 MNIST로만 학습합니다. 먼저 MNIST로 돌아가세요.',
  sweepRunning: (n, workers) =>
    `실행 ${n}개를 워커 ${workers}개에서 돌립니다. 끝나는 대로 히트맵이 채워집니다.`,
  sweepCell: (key, done, total) => `${key}: 실행 ${total}개 중 ${done}개 끝남`,
  sweepStopped: (done, total) => `스윕을 멈췄습니다. 실행 ${total}개 중 ${done}개가 끝났습니다.`,
  sweepCaption: '점마다의 테스트 정확도(%), 시드들의 평균 ± 퍼짐. ★는 레슨의 설정',
  sweepDone: '스윕의 실행이 모두 끝났습니다. ★는 레슨의 설정이고, 칸을 누르면 그 실행이 열립니다.',
  imagesProgress: (done, total) => `이미지 ${total}개 중 ${done}개 변환`,
  datasetLoading: (name) => `${name} 읽는 중…`,
  datasetReady: (name, sha256, kept) =>
    `이제 실행은 ${particle(name, '으로', '로')} 학습합니다(SHA-256 ${sha256.slice(0, 16)}…).${kept === '' ? '' : ` ${kept}`}`,
  datasetKept:
    '이 브라우저에 보관했습니다. MNIST로 돌아가기 전까지는 새로 고침해도 이 데이터셋으로 시작합니다.',
  datasetNotKept: (why) => `이 브라우저에 보관하지 못했습니다: ${why}.`,
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
  compareRun: (id) => `실행 ${id} 비교`,
  field: (name) =>
    ({
      preset: '프리셋',
      activation: '활성화 함수',
      dropout: '드롭아웃',
      batchNorm: '배치 정규화',
      init: '초기화',
      hidden: '은닉층 너비',
      lr: '학습률',
      momentum: '모멘텀',
      batchSize: '배치 크기',
      epochs: '에폭 수',
      seed: '시드',
      trainSize: '학습 예제 수',
      testSize: '테스트 예제 수',
    })[name] ?? name,
  dataset: '데이터셋',
  yes: '예',
  no: '아니요',
  metric: (name) =>
    ({
      testAccuracy: '테스트 정확도',
      testLoss: '테스트 손실',
      trainLoss: '학습 손실(마지막 에폭)',
      gap: '학습 − 테스트 정확도(포인트): 신경망이 외운 만큼',
      gradientRatio: 'fc1 기울기 / fc3 기울기(마지막 측정): 1보다 작으면 기울기가 사라지는 중',
    })[name] ?? name,
  compareSame: '체크한 실행들은 설정이 모두 같습니다. 차이는 우연(시드)이나 데이터에서만 옵니다.',
  compareDiffer: (n) => `체크한 실행들이 서로 다른 설정(${n}가지)과 최종 수치입니다.`,
  resultsOpened: (file, n) => `${file}: 실행 ${n}개를 곡선과 함께 열었습니다.`,
  resultsRefused: (why) => `열지 않았습니다: ${why}`,
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
