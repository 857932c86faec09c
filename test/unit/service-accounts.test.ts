import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatAddedPullSecrets,
  imagePullSecretsMergePatch,
  parseAddedPullSecrets,
  planImagePullSecrets,
  planRecordedImagePullSecrets,
  withImagePullSecrets,
} from '../../src/core/service-accounts.js';

const ours = (...names: string[]) => (name: string): boolean => names.includes(name);
const names = (list: readonly unknown[]): unknown[] => list.map((e) => (e as { name?: unknown }).name);

describe('planImagePullSecrets', () => {
  it('appends a wanted Secret after unrelated entries, keeping them as they are', () => {
    const plan = planImagePullSecrets([{ name: 'team' }, { weird: true }], ['pull'], ours('pull'));
    expect(plan.imagePullSecrets).toEqual([{ name: 'team' }, { weird: true }, { name: 'pull' }]);
    expect(plan).toMatchObject({ added: ['pull'], removed: [], changed: true });
  });

  it('is a no-op when the wanted Secret is already listed', () => {
    const plan = planImagePullSecrets([{ name: 'pull' }, { name: 'team' }], ['pull'], ours('pull'));
    expect(plan.changed).toBe(false);
    expect(names(plan.imagePullSecrets)).toEqual(['pull', 'team']);
  });

  it('removes our entries no longer wanted, and duplicates of ours, but never unrelated ones', () => {
    const plan = planImagePullSecrets(
      [{ name: 'old' }, { name: 'team' }, { name: 'pull' }, { name: 'pull' }, { name: 'team' }],
      ['pull'],
      ours('old', 'pull'),
    );
    expect(names(plan.imagePullSecrets)).toEqual(['team', 'pull', 'team']);
    expect(plan.removed).toEqual(['old', 'pull']);
  });

  it('does not add a wanted name someone else already listed', () => {
    const plan = planImagePullSecrets([{ name: 'pull' }], ['pull'], () => false);
    expect(plan.changed).toBe(false);
  });

  it('starts from nothing when the field is missing or malformed', () => {
    expect(names(planImagePullSecrets(undefined, ['a', 'b'], ours('a', 'b')).imagePullSecrets)).toEqual(['a', 'b']);
    expect(planImagePullSecrets('nonsense', [], ours()).imagePullSecrets).toEqual([]);
  });

  it('is idempotent and never loses an unrelated entry (property)', () => {
    const name = fc.constantFrom<string>('a', 'b', 'c', 'd', 'e');
    fc.assert(
      fc.property(fc.array(name.map((n) => ({ name: n }))), fc.uniqueArray(name), fc.uniqueArray(name), (current, wanted, mine) => {
        const isOurs = (n: string): boolean => mine.includes(n) || wanted.includes(n);
        const once = planImagePullSecrets(current, wanted, isOurs);
        const twice = planImagePullSecrets(once.imagePullSecrets, wanted, isOurs);
        expect(twice.changed).toBe(false);
        expect(twice.imagePullSecrets).toEqual(once.imagePullSecrets);
        const unrelated = current.filter((e) => !isOurs(e.name));
        expect(once.imagePullSecrets.filter((e) => !isOurs((e as { name: string }).name))).toEqual(unrelated);
        for (const w of wanted) expect(names(once.imagePullSecrets)).toContain(w);
        const ourNames = names(once.imagePullSecrets).filter((n) => isOurs(String(n)) && !unrelated.some((u) => u.name === n));
        expect(new Set(ourNames).size).toBe(ourNames.length);
      }),
    );
  });
});

describe('writing the plan', () => {
  it('edits a ServiceAccount object and drops an emptied list', () => {
    const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' }, imagePullSecrets: [{ name: 'old' }] };
    const emptied = withImagePullSecrets(sa, planImagePullSecrets(sa.imagePullSecrets, [], ours('old')));
    expect(emptied).toEqual({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
    expect(sa.imagePullSecrets).toEqual([{ name: 'old' }]);
  });

  it('builds a merge patch guarded by resourceVersion, or none when nothing changes', () => {
    const sa = { metadata: { resourceVersion: '42' }, imagePullSecrets: [{ name: 'team' }] };
    expect(imagePullSecretsMergePatch(sa, planImagePullSecrets(sa.imagePullSecrets, ['pull'], ours('pull')))).toEqual({
      metadata: { resourceVersion: '42' },
      imagePullSecrets: [{ name: 'team' }, { name: 'pull' }],
    });
    expect(imagePullSecretsMergePatch(sa, planImagePullSecrets(sa.imagePullSecrets, [], ours('pull')))).toBeUndefined();
    expect(imagePullSecretsMergePatch({}, planImagePullSecrets([{ name: 'x' }], [], ours('x')))).toEqual({ imagePullSecrets: null });
  });
});

describe('recorded entries (controller)', () => {
  it('parses and formats the annotation, sorted, ignoring malformed parts', () => {
    const record = parseAddedPullSecrets('b/y, a/x,,bad,/x,a/');
    expect([...record].map(([owner, set]) => [owner, [...set]])).toEqual([['b', ['y']], ['a', ['x']]]);
    expect(formatAddedPullSecrets(record)).toBe('a/x,b/y');
    expect(formatAddedPullSecrets(new Map())).toBeUndefined();
  });

  it('records what it adds, and removes only what it recorded for this owner', () => {
    const added = planRecordedImagePullSecrets([{ name: 'team' }], undefined, 'pull', ['regcred']);
    expect(names(added.plan.imagePullSecrets)).toEqual(['team', 'regcred']);
    expect(added.record).toBe('pull/regcred');
    const dropped = planRecordedImagePullSecrets(added.plan.imagePullSecrets, 'other/cred,pull/regcred', 'pull', []);
    expect(names(dropped.plan.imagePullSecrets)).toEqual(['team']);
    expect(dropped.record).toBe('other/cred');
  });

  it('leaves an entry listed by hand unrecorded, so it is never removed', () => {
    const first = planRecordedImagePullSecrets([{ name: 'regcred' }], undefined, 'pull', ['regcred']);
    expect(first).toMatchObject({ record: undefined, recordChanged: false, plan: { changed: false } });
    const later = planRecordedImagePullSecrets([{ name: 'regcred' }], first.record, 'pull', []);
    expect(later.plan.changed).toBe(false);
    expect(names(later.plan.imagePullSecrets)).toEqual(['regcred']);
  });

  it('forgets a recorded entry the user removed, and adds it back while wanted', () => {
    const gone = planRecordedImagePullSecrets([], 'pull/regcred', 'pull', []);
    expect(gone).toMatchObject({ record: undefined, recordChanged: true, plan: { changed: false } });
    const back = planRecordedImagePullSecrets([], 'pull/regcred', 'pull', ['regcred']);
    expect(back).toMatchObject({ record: 'pull/regcred', recordChanged: false, plan: { added: ['regcred'] } });
  });
});
