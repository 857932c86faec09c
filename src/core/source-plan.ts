import type { RegistryCredential } from './docker-config.js';
import type { TokenRequest } from './tokens.js';

/** What a source contributes: logins as they are, or a token to mint for one registry. */
export type SourcePlan =
  | { readonly kind: 'static'; readonly credentials: readonly RegistryCredential[] }
  | { readonly kind: 'token'; readonly request: TokenRequest; readonly registry: string };

/** What a format parser returns: a plan plus the values a redactor must learn, or field errors. */
export type FormatResult = { plan: SourcePlan; secrets: string[] } | { errors: string[] };
