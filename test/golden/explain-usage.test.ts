// `imps-krm explain` exit codes: 0 explained (whatever the verdicts), 1 input problems, 2 usage; the built CLI.
import { describe, expect, it } from 'vitest';
import { REPO, requireBuiltCli, runBuiltCli, type CliResult } from '../support/run-built-cli.js';

requireBuiltCli();

const explain = (args: string[]): Promise<CliResult> => runBuiltCli(['explain', ...args], { cwd: REPO });

describe.concurrent('imps-krm explain usage (built CLI)', () => {
  it.each([
    [[], 'at least one -f FILE|DIR|- is required (or --controller URL)'],
    [['-f', 'examples/basic', '-o', 'yaml'], '--output must be one of table, json'],
    [['-f', 'examples/basic', '--cluster', 'cloud'], '--cluster must be one of auto, live, input'],
    [['-f', 'examples/basic', '-n', 'Bad_Name'], '--namespace must be a namespace name (a DNS-1123 label)'],
    [['-f', 'examples/basic', '-n', 'a', '--all'], '--namespace and --all cannot be used together'],
    [['-f', 'examples/basic', ...Array.from({ length: 101 }, (_, i) => ['-n', `n${i}`]).flat()], '--namespace is given more than 100 times: use --all'],
    [['--controller', 'http://127.0.0.1:1', '--cluster', 'live'], '--controller explains what the controller sees: --cluster cannot be used with it'],
    [['--controller', 'http://127.0.0.1:1', '-f', 'x', '--require-source-consent'], '--controller explains what the controller sees: -f, --require-source-consent cannot be used with it'],
    [['--controller', 'not a url'], '--controller must be a URL such as http://127.0.0.1:8082'],
    [['--controller', 'http://user:pw@127.0.0.1:1'], '--controller must be an http:// or https:// URL without credentials, query or fragment, such as http://127.0.0.1:8082'],
    [['-f', 'examples/basic', '--bogus'], "Unknown option '--bogus'"],
  ])('%j exits 2: %s', async (args, message) => {
    const result = await explain(args);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr.split('\n')[0]).toContain(message);
    expect(result.stderr).toContain('Run `imps-krm explain --help` for usage.');
  });

  it('exits 1 on input problems: no ImagePullSecret (invalid ones: test/fixtures/explain/invalid-input)', async () => {
    const none = await explain(['-f', 'examples/basic/namespaces.yaml', '--cluster', 'input']);
    expect(none).toEqual({ code: 1, stdout: '', stderr: 'error: no ImagePullSecret (images.banzaicloud.io/v1alpha1) found in the input\n' });
  });

  it('exits 0 with the table on stdout, and shows its help with examples', async () => {
    const result = await explain(['-f', 'examples/basic', '--cluster', 'input']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('imps             shop              selected  selected by Deployment shop/web matching namespacesWithPods.annotations[0]\n');
    const help = await explain(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('imps-krm explain --controller http://127.0.0.1:8082');
  });
});
