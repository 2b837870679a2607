import { defineConfig } from 'vite';

// `base: './'` keeps every asset URL relative, so the build works from any static host or subpath.
export default defineConfig({
  base: './',
  build: { target: 'es2022', sourcemap: true },
});
