// Korean tables of words.ts: names with no rule to make them (Fashion-MNIST's classes, run states)
// and the backends package's reasons for passing a backend over, matched by their shape.

/** Run states, as the run list says them. */
export type RunState = 'waiting' | 'running' | 'paused' | 'stopped' | 'done' | 'failed' | 'ready';

/** Fashion-MNIST's classes in Korean. */
export const FASHION_KO: Record<string, string> = {
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
export const REASONS_KO: [RegExp, string][] = [
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

export const STATES_KO: Record<RunState, string> = {
  waiting: '대기 중',
  running: '학습 중',
  paused: '일시 정지',
  stopped: '중지됨',
  done: '끝남',
  failed: '실패',
  ready: '준비됨',
};
