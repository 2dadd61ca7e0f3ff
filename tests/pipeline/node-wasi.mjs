// Runs a WASI preview1 command module under Node's node:wasi, as `node node-wasi.mjs MODULE ARGS...`.
// The reference JIT row of the pipeline tests: same module, another runtime, same output.
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import { argv, exit } from 'node:process';

const [modulePath, ...args] = argv.slice(2);
if (!modulePath) {
  console.error('usage: node node-wasi.mjs MODULE.wasm [ARGS...]');
  exit(2);
}
const wasi = new WASI({ version: 'preview1', args: [modulePath, ...args], env: {}, returnOnExit: true });
const module = await WebAssembly.compile(await readFile(modulePath));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
exit(wasi.start(instance));
