// Evaluates the ValidatingAdmissionPolicies shipped in deploy/ with a CEL library (@marcbachmann/cel-js), the way
// the API server's admission plugin does: matchConstraints (resource rules), then matchConditions, then the
// variables, then every validation; an evaluation error counts as a denial (failurePolicy: Fail). There is no API
// server here: this checks the expressions' logic, not Kubernetes' type checking against the OpenAPI schemas or
// its cost limits. Semantics followed: k8s.io/apiserver/pkg/admission/plugin/policy/validating (not copied).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Environment } from '@marcbachmann/cel-js';
import { parseAllDocuments } from 'yaml';

export const REPO = resolve(import.meta.dirname, '..', '..');

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
type Json = Record<string, unknown>;

/** One admission attempt, as the API server sees it after defaulting: object null on DELETE, oldObject on CREATE. */
export interface Attempt {
  readonly operation: Operation;
  readonly username: string;
  readonly resource: { readonly group: string; readonly version: string; readonly resource: string };
  readonly kind: string;
  readonly subResource?: string | undefined;
  readonly namespace?: string | undefined;
  readonly name: string;
  readonly object: Json | null;
  readonly oldObject: Json | null;
}

export interface Verdict {
  /** False when the policy does not apply (resource rules or matchConditions): the request is not judged. */
  readonly applies: boolean;
  /** Messages of the failed validations, in policy order (empty: allowed). */
  readonly denied: readonly string[];
  /** Evaluation errors (each also a denial under failurePolicy Fail); the shipped policies promise none. */
  readonly errors: readonly string[];
}

interface Rule {
  readonly apiGroups: readonly string[];
  readonly apiVersions: readonly string[];
  readonly operations: readonly string[];
  readonly resources: readonly string[];
}
interface Named {
  readonly name: string;
  readonly expression: string;
}
interface Validation {
  readonly expression: string;
  readonly message: string;
  readonly reason?: string;
}
export interface PolicySpec {
  readonly failurePolicy?: string;
  readonly matchConstraints: { readonly resourceRules: readonly Rule[] };
  readonly matchConditions?: readonly Named[];
  readonly variables?: readonly Named[];
  readonly validations: readonly Validation[];
}
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly spec: Json;
}

/** Functions and macros of standard CEL that the policies may use (all in Kubernetes' CEL environment). */
export const KUBERNETES_CEL_FUNCTIONS: ReadonlySet<string> = new Set(['has', 'all', 'exists', 'startsWith', 'endsWith', 'contains', 'matches', 'size']);

const ENV = new Environment()
  .registerVariable('object', 'dyn')
  .registerVariable('oldObject', 'dyn')
  .registerVariable('request', 'dyn')
  .registerVariable('variables', 'dyn');

type Compiled = ReturnType<Environment['parse']>;

export class CelPolicy {
  readonly #conditions: readonly (Named & { run: Compiled })[];
  readonly #variables: readonly (Named & { run: Compiled })[];
  readonly #validations: readonly (Validation & { run: Compiled })[];

  constructor(
    readonly name: string,
    readonly spec: PolicySpec,
  ) {
    this.#conditions = (spec.matchConditions ?? []).map((entry) => ({ ...entry, run: compile(entry.expression) }));
    this.#variables = (spec.variables ?? []).map((entry) => ({ ...entry, run: compile(entry.expression) }));
    this.#validations = spec.validations.map((entry) => ({ ...entry, run: compile(entry.expression) }));
  }

  /** Every CEL expression of the policy, for the static checks. */
  expressions(): string[] {
    return [...this.#conditions, ...this.#variables, ...this.#validations].map((entry) => entry.expression);
  }

  matchesResource(attempt: Attempt): boolean {
    const resource = attempt.subResource ? `${attempt.resource.resource}/${attempt.subResource}` : attempt.resource.resource;
    return this.spec.matchConstraints.resourceRules.some(
      (rule) =>
        matchesList(rule.apiGroups, attempt.resource.group) &&
        matchesList(rule.apiVersions, attempt.resource.version) &&
        matchesList(rule.operations, attempt.operation) &&
        matchesList(rule.resources, resource),
    );
  }

  evaluate(attempt: Attempt): Verdict {
    if (!this.matchesResource(attempt)) return { applies: false, denied: [], errors: [] };
    const context: Json = { object: toCel(attempt.object), oldObject: toCel(attempt.oldObject), request: requestOf(attempt) };
    const errors: string[] = [];
    for (const condition of this.#conditions) {
      const outcome = run(condition.run, context);
      if (outcome instanceof Error) return { applies: true, denied: [`matchCondition ${condition.name} failed`], errors: [outcome.message] };
      if (outcome !== true) return { applies: false, denied: [], errors: [] };
    }
    // The API server evaluates variables lazily; these policies promise that none can fail, so evaluating them
    // all up front also checks that promise (an error is reported, not hidden).
    const variables: Json = {};
    for (const variable of this.#variables) {
      const outcome = run(variable.run, { ...context, variables });
      if (outcome instanceof Error) errors.push(`variable ${variable.name}: ${outcome.message}`);
      else variables[variable.name] = outcome;
    }
    const denied: string[] = [];
    for (const validation of this.#validations) {
      const outcome = run(validation.run, { ...context, variables });
      if (outcome instanceof Error) {
        errors.push(`${validation.message}: ${outcome.message}`);
        denied.push(validation.message);
      } else if (outcome !== true) denied.push(validation.message);
    }
    return { applies: true, denied, errors };
  }
}

function compile(expression: string): Compiled {
  const checked = ENV.check(expression);
  if (!checked.valid) throw new Error(`CEL type check failed: ${checked.error?.message ?? 'unknown'}\n${expression}`);
  return ENV.parse(expression);
}

function run(compiled: Compiled, context: Json): unknown {
  try {
    return compiled(context);
  } catch (error) {
    return error instanceof Error ? new Error(error.message.split('\n')[0]) : new Error(String(error));
  }
}

const matchesList = (list: readonly string[], value: string): boolean => list.includes('*') || list.includes(value);

/** The `request` variable: admission.k8s.io AdmissionRequest fields the API server exposes to CEL. */
function requestOf(attempt: Attempt): Json {
  const group = attempt.resource.group;
  const version = attempt.resource.version;
  return {
    kind: { group, version, kind: attempt.kind },
    resource: { ...attempt.resource },
    subResource: attempt.subResource ?? '',
    requestKind: { group, version, kind: attempt.kind },
    requestResource: { ...attempt.resource },
    requestSubResource: attempt.subResource ?? '',
    name: attempt.name,
    namespace: attempt.namespace ?? '',
    operation: attempt.operation,
    userInfo: { username: attempt.username, groups: groupsOf(attempt.username) },
    dryRun: false,
  };
}

/** A ServiceAccount token's groups, as the API server's authenticator sets them. */
function groupsOf(username: string): string[] {
  const parts = username.split(':');
  if (parts[0] === 'system' && parts[1] === 'serviceaccount' && parts.length === 4) {
    return ['system:serviceaccounts', `system:serviceaccounts:${parts[2]}`, 'system:authenticated'];
  }
  return ['system:authenticated'];
}

/** JSON as CEL sees it: integers are CEL ints (BigInt in this library); objects are deep-copied. */
function toCel(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toCel);
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, toCel(entry)]));
  return value;
}

/** The manifests of one deploy/ file, as shipped. */
export function readManifests(path: string): Manifest[] {
  const text = readFileSync(join(REPO, path), 'utf8');
  return parseAllDocuments(text).map((document) => document.toJS() as Manifest);
}

/** The policies of deploy/ files, each with its binding checked (same name, Deny). */
export function loadPolicies(...paths: string[]): Map<string, CelPolicy> {
  return policiesOf(paths.flatMap(readManifests));
}

/** The policies among rendered manifests (e.g. `kubectl kustomize` output), each with its Deny binding checked. */
export function policiesOf(manifests: readonly Manifest[]): Map<string, CelPolicy> {
  const policies = new Map<string, CelPolicy>();
  for (const manifest of manifests) {
    if (manifest.kind !== 'ValidatingAdmissionPolicy') continue;
    policies.set(manifest.metadata.name, new CelPolicy(manifest.metadata.name, manifest.spec as unknown as PolicySpec));
  }
  for (const name of policies.keys()) {
    const bound = manifests.some(
      (manifest) =>
        manifest.kind === 'ValidatingAdmissionPolicyBinding' &&
        manifest.spec['policyName'] === name &&
        JSON.stringify(manifest.spec['validationActions']) === '["Deny"]',
    );
    if (!bound) throw new Error(`policy ${name} has no ValidatingAdmissionPolicyBinding with validationActions [Deny]`);
  }
  return policies;
}

/** Function names called in a CEL expression (macros included), from the library's syntax tree. */
export function functionsOf(expression: string): Set<string> {
  const names = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(walk);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const { op, args } = node as { op?: unknown; args?: unknown };
    if ((op === 'call' || op === 'rcall') && Array.isArray(args) && typeof args[0] === 'string') names.add(args[0]);
    walk(args);
  };
  walk(ENV.parse(expression).ast);
  return names;
}
