import { runCli } from './main.js';
import { installWarningPolicy } from './warning-policy.js';

installWarningPolicy();
// No top-level await: the bundle of this entry is CommonJS (see scripts/build.mjs and src/cli/launcher/).
void runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
}).then((code) => {
  process.exitCode = code;
});
