// Runs a WASI preview1 module with node:wasi, with the same options shape as wasmaot:
//   node node_wasi_launcher.mjs [--dir HOST::GUEST]... [--env K=V]... MODULE.wasm [--] [ARGS...]
// The guest sees exactly the given environment and directories (node pre-opens directories
// only). Exit status: the guest's exit code; 134 if it trapped (as wasmtime and wasmaot do).
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import { argv, exit, stderr } from 'node:process';

const usage = 'usage: node node_wasi_launcher.mjs [--dir HOST::GUEST]... [--env K=V]... ' +
  'MODULE.wasm [--] [ARGS...]';
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
      stderr.write(`node_wasi_launcher: --env ${kv}: expected KEY=VALUE\n`);
      exit(2);
    }
    env[kv.slice(0, eq)] = kv.slice(eq + 1);
  } else {
    break;
  }
}
if (i >= argv.length) {
  stderr.write(usage + '\n');
  exit(2);
}
const module = argv[i++];
if (argv[i] === '--') i++;

const wasi = new WASI({
  version: 'preview1',
  args: [module, ...argv.slice(i)],
  env,
  preopens,
  returnOnExit: true,
});
let code;
try {
  const compiled = await WebAssembly.compile(await readFile(module));
  const instance = await WebAssembly.instantiate(compiled, wasi.getImportObject());
  code = wasi.start(instance);
} catch (e) {
  stderr.write(`wasm trap: ${e.message}\n`);
  code = 134;
}
exit(code);
