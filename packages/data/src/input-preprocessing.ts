/**
 * How `BatchLoader` (without `normalization`) turns an image into a model's input row, in words:
 * what an exported model says it expects, so that whoever runs it feeds the same. The common MNIST
 * normalisation, `(x − 0.1307) / 0.3081` on top, is not what such a model learned from.
 */
export function inputPreprocessing(pixels: number): string {
  return `each image's ${pixels} pixels in row order, each pixel byte divided by 255 (0 to 1, as torchvision's ToTensor), with no mean/std normalisation`;
}
