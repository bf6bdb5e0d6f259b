// Bundles the browser code in web/ (with engine.io-client) into web/public/build/: app.js (the chat page)
// and client.js (the client library on its own, ESM), plus client.d.ts over the declarations that
// `tsc -p tsconfig.client.json` writes to web/public/build/types/ (web/client/ and the
// shared pure modules of src/ it imports).
import { writeFile } from 'node:fs/promises';
import { build } from 'esbuild';

await build({
  entryPoints: { app: 'web/app.ts', client: 'web/client/index.ts', diagnostics: 'web/diagnostics.ts' },
  outdir: 'web/public/build',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2020',
  sourcemap: true,
  minify: true,
  logLevel: 'warning',
});
await writeFile('web/public/build/client.d.ts', "export * from './types/web/client/index.js';\n");
