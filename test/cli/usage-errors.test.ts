// Usage errors on the BUILT CLI (dist/cli.js): the lazily loaded command bundles in dist/chunks/ carry their own copy
// of the command kit, so a usage error thrown there must still reach the top-level catch as one (exit 2, not 3).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_CLI, REPO, run } from '../e2e/cli-on-path.js';
import { guardedEnv } from '../guard/child-env.js';

let dir: string;
let env: NodeJS.ProcessEnv;
const cli = (args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}) => run(process.execPath, [BUILT_CLI, ...args], { cwd: dir, env: { ...env, ...extraEnv } });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imps-krm-usage-'));
  await writeFile(join(dir, 'a-file'), 'not a directory\n');
  // No cluster anywhere: a usage error must be reported before anything tries to reach one.
  env = guardedEnv({ ...process.env, KUBECONFIG: join(dir, 'no-kubeconfig'), LOG_LEVEL: '' });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const refreshTarget = ['--once', '--target-secret', 'apps.regcred', '--source-secret', 'creds.hub'];

/** [command line, text the one-line message must contain]. */
const cases: Array<[string[], string]> = [
  [['controller', '--bogus'], "Unknown option '--bogus'"],
  [['refresh', '--bogus'], "Unknown option '--bogus'"],
  [['refresh', '--once'], '--target-secret NS.NAME is required'],
  [['refresh', '--once', '--target-secret', 'apps.regcred'], '--source-secret'],
  [['refresh', '--once', '--target-secret', 'nodot', '--source-secret', 'creds.hub'], 'expected namespace.name'],
  [['refresh', '--renew-fraction', '2', ...refreshTarget], '--renew-fraction'],
  [['controller', '--renew-fraction', '0'], '--renew-fraction'],
  [['controller', '--renew-margin', 'soon'], '--renew-margin'],
  [['controller', '--kubeconfig', 'missing-kubeconfig'], '--kubeconfig missing-kubeconfig: no such file'],
  [['refresh', '--kubeconfig', 'missing-kubeconfig', ...refreshTarget], '--kubeconfig missing-kubeconfig: no such file'],
  [['refresh', '--kubeconfig', '.', ...refreshTarget], '--kubeconfig .: not a file'],
  [['render', '-f', '-', '--kubeconfig', 'missing-kubeconfig'], '--kubeconfig missing-kubeconfig: no such file'],
  [['controller', '--metrics-addr', 'nonsense'], '--metrics-addr'],
  [['controller', '--metrics-addr', ':99999'], '--metrics-addr'],
  [['controller', '--metrics-addr', '8080'], '--metrics-addr'],
  [['refresh', '--metrics-addr', 'host:', ...refreshTarget], '--metrics-addr'],
  [['controller', '--log-level', 'bogus'], '--log-level'],
  [['controller', '--log.level', 'bogus'], '--log-level'],
  [['refresh', '--log-level', 'bogus', ...refreshTarget], '--log-level'],
  [['install', 'a-file/x'], 'cannot use DIR a-file/x'],
  [['install', 'a-file'], 'cannot use DIR a-file'],
  [['install'], 'exactly one target directory'],
  [['render'], 'at least one -f'],
  [['render', '-f', '-', '-o', 'xml'], '--output must be one of'],
  [['render', '-f', '-', '--cluster', 'nowhere'], '--cluster must be one of'],
  [['cmp'], 'an action is required'],
  [['cmp', 'render'], 'unknown action'],
  [['help', 'bogus'], 'unknown command "bogus"'],
  [['bogus'], 'unknown command "bogus"'],
  // Control characters in a message are escaped: one line, nothing a terminal acts on (found by the command-line fuzzer).
  [['render', '\u001b[2K'], "Unexpected argument '\\u001b[2K'"],
];

describe('every usage error exits 2 with one line and a pointer to --help (dist/cli.js)', () => {
  it.each(cases)('imps-krm %j', async (args, message) => {
    const ran = await cli(args);
    const command = args[0] === 'help' || args[0] === 'bogus' ? '' : `${args[0]} `;
    expect(ran.stderr).not.toContain('internal error');
    expect(ran.stderr.split('\n')).toEqual([expect.stringContaining(message), `Run \`imps-krm ${command}--help\` for usage.`, '']);
    expect(ran.stderr.startsWith('imps-krm: ')).toBe(true);
    expect(ran.stdout).toBe('');
    expect(ran.code).toBe(2);
  });

  it('LOG_LEVEL (the environment variable) is checked like --log-level', async () => {
    const ran = await cli(['controller'], { LOG_LEVEL: 'loud' });
    expect(ran.stderr.split('\n')[0]).toBe('imps-krm: LOG_LEVEL must be one of debug, info, warn, error');
    expect(ran.code).toBe(2);
  });
});

describe('-o takes its value as kubectl does (dist/cli.js)', () => {
  const input = join(REPO, 'examples', 'basic');
  it.each([[['-ojson']], [['-o', 'json']], [['-o=json']], [['--output=json']], [['--output', 'json']]])('render %j', async (flag) => {
    const ran = await cli(['render', '-f', input, '--cluster', 'input', ...flag]);
    // The success line on stderr only: the data, on stdout, is JSON.
    expect(ran.stderr).toBe('rendered 5 Secrets for ImagePullSecret imps: namespaces backyards-system, canary, cert-manager, mesh-app, shop (kube-mesh excluded)\n');
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.stdout)).toMatchObject({ apiVersion: 'v1', kind: 'List' });
  });

  it('-f=PATH is PATH, and a word after an option that takes a value stays that value', async () => {
    const ran = await cli(['render', `-f=${input}`, '--cluster', 'input', '-o=yaml']);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^apiVersion: v1\nkind: Secret\n/);
    // Not read as `-o json`: the value of --context, which node:util refuses as ambiguous (one line, exit 2).
    const context = await cli(['render', '-f', input, '--cluster', 'input', '--context', '-o=json']);
    expect(context.stderr.split('\n')).toEqual([expect.stringContaining("Option '--context' argument is ambiguous."), 'Run `imps-krm render --help` for usage.', '']);
    expect(context.code).toBe(2);
  });
});

describe('imps-krm help <command> (dist/cli.js)', () => {
  it.each(['render', 'fn', 'kustomize-plugin', 'cmp', 'install', 'controller', 'refresh'])('help %s prints the same as --help', async (command) => {
    const [help, flag] = await Promise.all([cli(['help', command]), cli([command, '--help'])]);
    expect(flag.code).toBe(0);
    expect(help).toEqual(flag);
    expect(help.stdout).toContain(`imps-krm ${command}`);
  });

  it('help alone still prints the list of commands', async () => {
    const ran = await cli(['help']);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain('Commands:');
  });
});
