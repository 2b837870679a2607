export { FileError, fileError } from './node/file-error';
export { makeDirectory, readRegularFile } from './node/read-regular-file';
