import { describe, expect, it } from 'vitest';
import { DataError, imageFolderLayout, imageHeader, unzip } from './index';
import { zip } from './test-helpers';

const LIMITS = { maxEntries: 100, maxEntryBytes: 1 << 20, maxTotalBytes: 4 << 20 };
const refusal = (p: Promise<unknown>) =>
  p.then(
    () => 'no error',
    (e: unknown) => (DataError.isInstance(e) ? e.message : `not a DataError: ${e}`),
  );

describe('unzip (DecompressionStream, as in the browser)', () => {
  it('reads stored and deflated files, leaving out folders and what archivers add', async () => {
    const text = new TextEncoder().encode('a'.repeat(5000));
    const entries = await unzip(
      zip([
        { path: 'cats/', data: new Uint8Array(0) },
        { path: 'cats/1.png', data: text, deflate: true },
        { path: 'dogs/2.png', data: Uint8Array.of(1, 2, 3) },
        { path: '__MACOSX/cats/._1.png', data: Uint8Array.of(0) },
        { path: 'dogs/.DS_Store', data: Uint8Array.of(0) },
      ]),
      'pets.zip',
      LIMITS,
    );
    expect(entries.map((e) => e.path)).toEqual(['cats/1.png', 'dogs/2.png']);
    expect(entries[0]?.bytes).toEqual(text);
    expect(Array.from(entries[1]?.bytes ?? [])).toEqual([1, 2, 3]);
  });

  it('refuses a zip bomb: a file inflating past what it declares, cut there', async () => {
    const bomb = zip([
      { path: 'x/1.png', data: new Uint8Array(10 << 20), deflate: true, declared: 1000 },
    ]);
    expect(bomb.length).toBeLessThan(20_000);
    expect(await refusal(unzip(bomb, 'bomb.zip', LIMITS))).toBe(
      'bomb.zip: x/1.png: inflates past the 1000 bytes the archive declares for it',
    );
  });

  it('refuses by the declared sizes and count before inflating anything', async () => {
    const one = { path: 'a/1.png', data: Uint8Array.of(1), deflate: true };
    expect(await refusal(unzip(zip([{ ...one, declared: 2 << 20 }]), 'big.zip', LIMITS))).toBe(
      'big.zip: a/1.png declares 2097152 bytes; a file may hold at most 1048576',
    );
    const many = Array.from({ length: 5 }, (_, i) => ({
      ...one,
      path: `a/${i}.png`,
      declared: 1 << 20,
    }));
    expect(await refusal(unzip(zip(many), 'many.zip', LIMITS))).toBe(
      'many.zip: its files declare more than 4194304 bytes in all',
    );
    const count = Array.from({ length: 101 }, (_, i) => ({
      path: `a/${i}.png`,
      data: Uint8Array.of(1),
    }));
    expect(await refusal(unzip(zip(count), 'count.zip', LIMITS))).toBe(
      'count.zip: more than 100 files',
    );
    expect(await refusal(unzip(Uint8Array.of(1, 2, 3), 'no.zip', LIMITS))).toBe(
      'no.zip: not a zip archive (no end of central directory)',
    );
  });
});

describe('imageHeader', () => {
  it("reads a PNG's and a JPEG's size from their headers, and nothing else", () => {
    const png = new Uint8Array(33);
    png.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82]);
    png.set([0, 1, 0x86, 0xa0, 0, 0, 0, 28], 16); // 100000 × 28
    expect(imageHeader(png)).toEqual({ format: 'png', width: 100000, height: 28 });
    // SOI, an APP0 of 16 bytes, then SOF0: precision 8, height 480, width 640.
    const jpeg = Uint8Array.of(
      0xff,
      0xd8,
      0xff,
      0xe0,
      0,
      16,
      ...new Array(14).fill(0),
      0xff,
      0xc0,
      0,
      17,
      8,
      1,
      0xe0,
      2,
      0x80,
      3,
    );
    expect(imageHeader(jpeg)).toEqual({ format: 'jpeg', width: 640, height: 480 });
    expect(imageHeader(new TextEncoder().encode('GIF89a……'))).toBeUndefined();
  });
});

describe('imageFolderLayout', () => {
  const paths = (classes: string[], n: number, prefix = '') =>
    classes.flatMap((c) =>
      Array.from({ length: n }, (_, i) => `${prefix}${c}/${String(i).padStart(3, '0')}.png`),
    );

  it('takes one folder per class under a shared folder, holding out every sixth image', () => {
    const layout = imageFolderLayout(
      [...paths(['dog', 'cat'], 12, 'pets/'), 'pets/README.txt'],
      'pets',
    );
    expect(layout.classNames).toEqual(['cat', 'dog']);
    expect(layout.images).toHaveLength(24);
    const test = layout.images.filter((i) => i.split === 'test');
    expect(test.map((i) => i.path)).toEqual([
      'pets/cat/005.png',
      'pets/cat/011.png',
      'pets/dog/005.png',
      'pets/dog/011.png',
    ]);
    expect(test.map((i) => i.label)).toEqual([0, 0, 1, 1]);
  });

  it('reads folders named 0 to 9 as those labels, and train/ and test/ as the split', () => {
    const layout = imageFolderLayout(
      [...paths(['3', '7'], 2, 'train/'), ...paths(['3', '7'], 1, 't10k/')],
      'digits',
    );
    expect(layout.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(layout.images.map((i) => `${i.split}:${i.label}`)).toEqual([
      'test:3',
      'test:7',
      'train:3',
      'train:3',
      'train:7',
      'train:7',
    ]);
  });

  it.each([
    [[], 'no PNG or JPEG images'],
    [['a.png', 'b/c.png'], 'images outside a class folder'],
    [paths(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k'], 6), '11 class folders'],
    [paths(['a', 'b'], 3), 'no test images'],
  ])('refuses %j, saying why', (list, why) => {
    expect(() => imageFolderLayout(list as string[], 'set')).toThrow(why as string);
  });
});
