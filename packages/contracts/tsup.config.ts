import { defineConfig } from 'tsup';
import { libraryConfig } from '../../tooling/tsup.config.base';

export default defineConfig(libraryConfig());
