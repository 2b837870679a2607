// tfjs-core's gradient registrations as one module Node can import: the build bundles core's
// `register_all_gradients` (whose extensionless imports Node's ESM loader cannot follow) into
// dist/tfjs-gradients.js (see tsup.config.ts); importing it registers every gradient into core's
// global registry, which all copies of core share.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
