// Runs a WASI preview1 module under the JavaScript engine's own `node:wasi` (node or bun), with
// the same options shape as wasmaot:
//   node wasi-launcher.mjs [--dir HOST[::GUEST]]... [--env K=V]... MODULE.wasm [--] [ARGS...]
// The one launcher of the project: the node and bun rows of the bench, the node row of the
// pipeline tests, and the node runtime of tests/wasi/run_testsuite.py. The guest sees exactly
// the given environment and directories (node pre-opens directories only). Exit status: the
// guest's exit code; 134 if it trapped (as wasmtime and wasmaot do). `wasiImport` (rather
// than node's getImportObject()) works in both node and bun.
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import process from 'node:process';

const argv = process.argv;
const usage = 'usage: wasi-launcher.mjs [--dir HOST[::GUEST]]... [--env K=V]... MODULE.wasm [--] [ARGS...]';
const preopens = {};
const env = {};
let i = 2;
for (; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--dir' && i + 1 < argv.length) {
    const spec = argv[++i];
    const sep = spec.indexOf('::');
    preopens[sep < 0 ? spec : spec.slice(sep + 2)] = sep < 0 ? spec : spec.slice(0, sep);
  } else if (a === '--env' && i + 1 < argv.length) {
    const kv = argv[++i];
    const eq = kv.indexOf('=');
    if (eq < 0) {
      process.stderr.write(`wasi-launcher: --env ${kv}: expected KEY=VALUE\n`);
      process.exit(2);
    }
    env[kv.slice(0, eq)] = kv.slice(eq + 1);
  } else {
    break;
  }
}
if (i >= argv.length) {
  process.stderr.write(usage + '\n');
  process.exit(2);
}
const modulePath = argv[i++];
if (argv[i] === '--') i++;

const wasi = new WASI({
  version: 'preview1',
  args: [modulePath, ...argv.slice(i)],
  env,
  preopens,
  returnOnExit: true,
});
let code;
try {
  const compiled = await WebAssembly.compile(await readFile(modulePath));
  const instance = await WebAssembly.instantiate(compiled, { wasi_snapshot_preview1: wasi.wasiImport });
  code = wasi.start(instance) ?? 0;
} catch (e) {
  process.stderr.write(`wasm trap: ${e.message}\n`);
  code = 134;
}
process.exitCode = code;
