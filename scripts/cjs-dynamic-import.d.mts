import type { Plugin } from 'esbuild';
export const cjsDynamicImportInterop: Plugin;
