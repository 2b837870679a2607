/**
 * Korean particles that depend on how the word before them ends: `이었고`/`였고`, `은`/`는`,
 * `이`/`가`, `으로`/`로`. A number is read aloud digit by digit at its end (0.57 → …칠, which ends in
 * a consonant); a Hangul syllable by its final consonant; `%` as 퍼센트 and `%p` as 포인트 (vowels).
 */

/** Digits whose Korean reading ends in a consonant: 영, 일, 삼, 육, 칠, 팔. */
const DIGIT_FINAL = new Set(['0', '1', '3', '6', '7', '8']);

/** Whether `word`, read aloud, ends in a consonant (받침). */
export function endsInConsonant(word: string): boolean {
  const last = word.trimEnd().at(-1) ?? '';
  if (/[0-9]/.test(last)) return DIGIT_FINAL.has(last);
  const code = last.charCodeAt(0);
  if (code >= 0xac00 && code <= 0xd7a3) return (code - 0xac00) % 28 !== 0;
  return false;
}

/** `word` followed by `afterConsonant` or `afterVowel`, as its ending asks: `particle('0.57', '이었고', '였고')` → `0.57이었고`. */
export function particle(word: string, afterConsonant: string, afterVowel: string): string {
  return `${word}${endsInConsonant(word) ? afterConsonant : afterVowel}`;
}
