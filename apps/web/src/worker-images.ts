import {
  type Dataset,
  type DatasetSplits,
  imageFolderLayout,
  imageHeader,
  imageToMnist,
  unzip,
} from '@mnist-lab/data';
import { WEB_DATA_LIMITS as L } from './settings';

/** A dataset of images as the page hands it over: a zip, or a folder's files by their paths. */
export type ImageSource =
  | { readonly zip: Blob }
  | { readonly files: readonly { readonly path: string; readonly file: Blob }[] };

/** An image's bytes as an MNIST example (0..255), after checking its header's size. */
async function example(bytes: Uint8Array, where: string): Promise<Uint8Array> {
  const header = imageHeader(bytes);
  if (header === undefined) throw new Error(`${where}: not a PNG or JPEG image`);
  const { width, height } = header;
  if (width > L.imageSide || height > L.imageSide || width * height > L.imagePixels)
    throw new Error(
      `${where}: the image declares ${width} × ${height} pixels; at most ${L.imageSide} a side and ${L.imagePixels / 2 ** 20} megapixels`,
    );
  const bitmap = await createImageBitmap(new Blob([bytes as BlobPart]));
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (ctx === null) throw new Error('no 2d canvas in this worker');
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const pixels = imageToMnist(ctx.getImageData(0, 0, canvas.width, canvas.height), where);
  return Uint8Array.from(pixels, (v) => Math.round(v * 255));
}

/**
 * A dataset from images in one folder per class (`imageFolderLayout`: classes, split), each image
 * checked by its header and converted as `imageToMnist` converts a digit; `onProgress` after each
 * hundred images. Throws naming the first file that is not what it should be.
 */
export async function datasetFromImages(
  name: string,
  source: ImageSource,
  onProgress: (done: number, total: number) => void,
): Promise<DatasetSplits & { classNames: readonly string[] }> {
  const read = new Map<string, () => Promise<Uint8Array>>();
  if ('zip' in source) {
    if (source.zip.size > L.fileBytes)
      throw new Error(`${name}: larger than ${L.fileBytes >> 20} MB`);
    const entries = await unzip(new Uint8Array(await source.zip.arrayBuffer()), name, {
      maxEntries: L.images + 1000,
      maxEntryBytes: L.imageBytes,
      maxTotalBytes: L.zipInflatedBytes,
    });
    for (const e of entries) read.set(e.path, async () => e.bytes);
  } else {
    for (const f of source.files)
      read.set(f.path, async () => {
        if (f.file.size > L.imageBytes)
          throw new Error(`${f.path}: larger than ${L.imageBytes >> 20} MB`);
        return new Uint8Array(await f.file.arrayBuffer());
      });
  }
  const layout = imageFolderLayout([...read.keys()], name);
  if (layout.images.length > L.images)
    throw new Error(`${name}: ${layout.images.length} images; at most ${L.images}`);
  const splits = {
    train: [] as (typeof layout.images)[number][],
    test: [] as (typeof layout.images)[number][],
  };
  for (const image of layout.images) splits[image.split].push(image);
  let done = 0;
  const build = async (images: (typeof layout.images)[number][]): Promise<Dataset> => {
    const pixels = new Uint8Array(images.length * 784);
    for (const [i, image] of images.entries()) {
      const bytes = await (read.get(image.path) as () => Promise<Uint8Array>)();
      pixels.set(await example(bytes, image.path), i * 784);
      if (++done % 100 === 0) onProgress(done, layout.images.length);
    }
    return {
      name,
      images: pixels,
      labels: Uint8Array.from(images, (i) => i.label),
      count: images.length,
      rows: 28,
      cols: 28,
      numClasses: 10,
    };
  };
  const train = await build(splits.train);
  const test = await build(splits.test);
  onProgress(done, layout.images.length);
  return { name, train, test, classNames: layout.classNames };
}
