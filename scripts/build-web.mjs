// Bundles the browser code in web/ (with engine.io-client) into web/public/build/.
import { build } from 'esbuild';

await build({
  entryPoints: { app: 'web/app.ts' },
  outdir: 'web/public/build',
  bundle: true,
  format: 'esm',
  target: 'es2020',
  sourcemap: true,
  minify: true,
  logLevel: 'warning',
});
