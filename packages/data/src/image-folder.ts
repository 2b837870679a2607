import { DataError } from './errors';

/** An image of a dataset in folders: where it is, its class, and its split. */
export interface LabelledImage {
  readonly path: string;
  readonly label: number;
  readonly split: 'train' | 'test';
}

/** A dataset laid out as folders of images: its classes' names (by label) and its images. */
export interface ImageFolderLayout {
  readonly classNames: readonly string[];
  readonly images: readonly LabelledImage[];
}

const IMAGE = /\.(png|jpe?g)$/i;
const SPLITS: Record<string, 'train' | 'test'> = { train: 'train', test: 'test', t10k: 'test' };

/**
 * How a folder (or a zip) of images is a dataset: one sub-folder per class (`cat/001.png`), under
 * any folders they all share, optionally split into `train/` and `test/` (or `t10k/`) first.
 * Folders named 0 to 9 are those labels; other names are the classes, in sorted order (at most
 * `maxClasses`). Without `train`/`test`, every sixth image of each class (by path) is a test
 * image, as MNIST holds out one in seven. Files that are not PNG or JPEG are left out.
 */
export function imageFolderLayout(
  paths: readonly string[],
  name: string,
  maxClasses = 10,
): ImageFolderLayout {
  const imagePaths = paths.filter((p) => IMAGE.test(p));
  const files = imagePaths.map((p) => p.split('/').filter((s) => s !== ''));
  if (files.length === 0)
    throw new DataError(
      'not-found',
      name,
      'no PNG or JPEG images in it; expected one folder of images per class',
    );
  // Leading folders every image shares (`my-data/` of a zip) are not classes.
  let shared = 0;
  while (files.every((f) => f.length > shared + 2 && f[shared] === files[0]?.[shared])) shared++;
  const rest = files.map((f) => f.slice(shared));
  const split = rest.every((f) => f.length >= 3 && SPLITS[f[0]?.toLowerCase() ?? ''] !== undefined);
  const classOf = (f: string[]) => (split ? f[1] : f[0]) as string;
  if (rest.some((f) => f.length < (split ? 3 : 2)))
    throw new DataError(
      'wrong-shape',
      name,
      'images outside a class folder; expected one folder of images per class',
    );
  const names = [...new Set(rest.map(classOf))].sort();
  const digits = names.every((n) => /^[0-9]$/.test(n));
  if (!digits && names.length > maxClasses)
    throw new DataError(
      'label-out-of-range',
      name,
      `${names.length} class folders; the networks here have ${maxClasses} classes`,
    );
  const classNames = digits ? Array.from({ length: maxClasses }, (_, i) => String(i)) : names;
  const seen = new Map<string, number>();
  const images = rest
    .map((f, i) => ({ f, path: imagePaths[i] as string }))
    .sort((a, b) => (a.path < b.path ? -1 : 1))
    .map(({ f, path }) => {
      const cls = classOf(f);
      const n = seen.get(cls) ?? 0;
      seen.set(cls, n + 1);
      return {
        path,
        label: digits ? Number(cls) : names.indexOf(cls),
        split: split
          ? (SPLITS[(f[0] as string).toLowerCase()] as 'train' | 'test')
          : n % 6 === 5
            ? 'test'
            : 'train',
      } satisfies LabelledImage;
    });
  for (const s of ['train', 'test'] as const)
    if (!images.some((i) => i.split === s))
      throw new DataError(
        'count-mismatch',
        name,
        `no ${s} images; expected at least six images of a class, or train/ and test/ folders`,
      );
  return { classNames, images };
}
