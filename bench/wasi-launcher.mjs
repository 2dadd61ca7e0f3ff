// Runs a WASI preview1 command module under the JavaScript engine's own `node:wasi`, for the
// node and bun rows: `node wasi-launcher.mjs MODULE.wasm [ARGS...]`. The exit code is the
// guest's. `wasiImport` (rather than node's getImportObject()) works in both node and bun.
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import process from 'node:process';

const [modulePath, ...guestArgs] = process.argv.slice(2);
if (!modulePath) {
  console.error('usage: wasi-launcher.mjs MODULE.wasm [ARGS...]');
  process.exit(2);
}
const wasi = new WASI({
  version: 'preview1',
  args: [modulePath, ...guestArgs],
  env: {},
  returnOnExit: true,
});
const module = await WebAssembly.compile(await readFile(modulePath));
const instance = await WebAssembly.instantiate(module, { wasi_snapshot_preview1: wasi.wasiImport });
process.exitCode = wasi.start(instance) ?? 0;
