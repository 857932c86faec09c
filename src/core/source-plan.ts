import { describeAjvErrors } from '../validation/ajv-errors.js';
import type { RegistryCredential } from './docker-config.js';
import type { TokenRequest } from './tokens.js';

/** What a source contributes: logins as they are, or a token to mint for one registry. */
export type SourcePlan =
  | { readonly kind: 'static'; readonly credentials: readonly RegistryCredential[] }
  | { readonly kind: 'token'; readonly request: TokenRequest; readonly registry: string };

/** What a format parser returns: a plan plus the values a redactor must learn, or field errors. */
export type FormatResult = { plan: SourcePlan; secrets: string[] } | { errors: string[] };

/** A schema's errors as a format parser reports them: `path: message`, paths under `base` (a key) when given. */
export const schemaErrors = (errors: Parameters<typeof describeAjvErrors>[0], base?: string): { errors: string[] } => ({
  errors: describeAjvErrors(errors, base).map((error) => `${error.path}: ${error.message}`),
});

/** The values of `values` that are set: what a redactor learns. */
export const definedOnly = (values: ReadonlyArray<string | undefined>): string[] => values.filter((value): value is string => value !== undefined);
