export { ArgumentError, assertInteger, assertPositiveInteger } from './argument-error';
export { hasMarker, MnistLabError } from './mnist-lab-error';
