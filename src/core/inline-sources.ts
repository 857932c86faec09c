import { inlineSourceId } from './source-refs.js';
import { parseSource, SOURCE_TYPES, type SourceParse, type SourceSecret } from './sources.js';

/**
 * An inline source (`spec.registry.inline[i]`, an extension): a keyless cloud source written in the CR itself. The
 * token is minted with the identity of the process that renders or refreshes, so the CR needs no Secret. A CR is
 * readable by far more people than a Secret, so nothing that is a credential may be written there.
 */
export interface InlineSourceSpec {
  /** Typed loosely on purpose: callers may hand us data the schema has not narrowed (tests, other faces). */
  readonly type: string;
  readonly config?: Readonly<Record<string, unknown>> | undefined;
}

/** A problem with one inline entry; `path` is relative to the entry (`config.secretKey`). */
export interface InlineFieldError {
  readonly path: string;
  readonly message: string;
}

/** Only the types that can mint with the process's own identity: everything else carries its credential. */
export const INLINE_SOURCE_TYPES: readonly string[] = [
  SOURCE_TYPES.ecrLogin,
  SOURCE_TYPES.ecrPublicLogin,
  SOURCE_TYPES.acrLogin,
  SOURCE_TYPES.garLogin,
];

/**
 * Keys that hold a credential in some source type. Checked for every inline type, not only the type that defines
 * the key: a credential pasted under the wrong type is still a credential written into a CR. accessKeyID is not
 * secret on its own, but it is only ever used with its secret key.
 */
const CREDENTIAL_KEYS: readonly string[] = [
  'accessKeyID',
  'secretKey',
  'sessionToken',
  'clientSecret',
  'serviceAccountKey',
  'password',
  'auth',
  '.dockerconfigjson',
  '.dockercfg',
];

const NOT_INLINE = 'not allowed inline (a credential belongs in a Secret)';

// Named in core/source-refs.ts with every other source; re-exported for the importers that know them from here.

/** The inline-only rules: a keyless type, no credential key, no identity that needs a secret. */
export function inlineSourceProblems(source: InlineSourceSpec): InlineFieldError[] {
  if (!INLINE_SOURCE_TYPES.includes(source.type)) {
    return [
      {
        path: 'type',
        message: `${JSON.stringify(source.type)} is not allowed inline (only the keyless types ${INLINE_SOURCE_TYPES.join(', ')}; a static login belongs in a Secret)`,
      },
    ];
  }
  const config = source.config ?? {};
  const errors: InlineFieldError[] = Object.keys(config)
    .filter((key) => CREDENTIAL_KEYS.includes(key))
    .map((key) => ({ path: `config.${key}`, message: NOT_INLINE }));
  if (source.type === SOURCE_TYPES.acrLogin && config['identity'] === 'ServicePrincipal') {
    errors.push({
      path: 'config.identity',
      message: 'ServicePrincipal is not allowed inline (its clientSecret belongs in a Secret); use ManagedIdentity or WorkloadIdentity',
    });
  }
  return errors;
}

/** The Secret an inline entry stands for: `config` as stringData, so it is read by the same parser as a Secret. */
export function inlineSourceSecret(source: InlineSourceSpec): SourceSecret {
  return { type: source.type, stringData: source.config ?? {} };
}

/**
 * Checks the inline rules, then parses with `parseSource`, as a Secret would be. Errors are `config.<key>: message`
 * (relative to the entry). Values of rejected keys are returned as credentials so a caller's redactor learns them,
 * although no message here ever quotes a value.
 */
export function parseInlineSource(source: InlineSourceSpec): SourceParse {
  const rejected = inlineSourceProblems(source);
  if (rejected.length > 0) {
    const values = Object.values(source.config ?? {}).filter((value): value is string => typeof value === 'string' && value !== '');
    return { ok: false, errors: rejected.map((error) => `${error.path}: ${error.message}`), credentials: values };
  }
  const parsed = parseSource(inlineSourceSecret(source));
  if (parsed.ok) return parsed;
  // parseSource names keys as a Secret has them (`region: required`); inline, they live under `config`.
  return { ...parsed, errors: parsed.errors.map((error) => `config.${error.replace(/^stringData\[("[^"]*")\]/, (_, key: string) => String(JSON.parse(key)))}`) };
}

/** Every problem of every inline entry, as field paths from the CR root (`spec.registry.inline[0].config.secretKey`). */
export function inlineSpecErrors(inline: readonly InlineSourceSpec[] | undefined): InlineFieldError[] {
  return (inline ?? []).flatMap((source, index) => {
    const parsed = parseInlineSource(source);
    if (parsed.ok) return [];
    return parsed.errors.map((error) => {
      const colon = error.indexOf(': ');
      const base = `spec.registry.${inlineSourceId(index)}`;
      return colon < 0 ? { path: base, message: error } : { path: `${base}.${error.slice(0, colon)}`, message: error.slice(colon + 2) };
    });
  });
}
