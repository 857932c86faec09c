import type { InlineSource, NamespacedName } from '../generated/image-pull-secret.js';
import type { ImpsInput } from './outcome.js';
import type { SourcePlan } from './source-plan.js';

// How the sources of an ImagePullSecret are named: in status and messages (`id`), and across ImagePullSecrets
// (`key`: maps shared by several CRs, metric labels).

/** `<namespace>.<name>`: a source Secret in status, messages and metric labels. */
export const sourceId = (ref: NamespacedName): string => `${ref.namespace}.${ref.name}`;

/** `inline[<index>]`: how an inline source is named in status and messages, which already name the CR. */
export const inlineSourceId = (index: number): string => `inline[${index}]`;

/**
 * `<ImagePullSecret name>.inline[<index>]`: unique across CRs (a Secret id `<namespace>.<name>` never has brackets,
 * which a Secret name cannot contain), for maps shared by several CRs and for metric labels.
 */
export const inlineSourceKey = (impsName: string, index: number): string => `${impsName}.${inlineSourceId(index)}`;

/**
 * One source of one CR. `key` is unique across CRs and is what resolution shares: a Secret named by two CRs is read
 * once; an inline entry belongs to its CR. `id` is what status and messages show, next to the CR's name.
 */
export interface SourceRef {
  readonly key: string;
  readonly id: string;
  readonly from: { readonly secret: NamespacedName } | { readonly inline: InlineSource } | { readonly binding: SourcePlan };
}

/** How an AcrPullBinding's one source is named in messages and status: its `acr` fields. */
export const BINDING_SOURCE_ID = 'acr';

/**
 * Source Secrets first, then inline entries, in spec order: the order of sourceStatus and of messages. An
 * AcrPullBinding has exactly one source, built from its own fields; its key is unique across inputs.
 */
export function sourcesOf(input: ImpsInput): SourceRef[] {
  const { imps, binding } = input;
  if (binding) return [{ key: `${imps.metadata.name}.${BINDING_SOURCE_ID}`, id: BINDING_SOURCE_ID, from: { binding: binding.source } }];
  const { credentials = [], inline = [] } = imps.spec.registry;
  return [
    ...credentials.map((ref) => ({ key: sourceId(ref), id: sourceId(ref), from: { secret: ref } })),
    ...inline.map((source, index) => ({ key: inlineSourceKey(imps.metadata.name, index), id: inlineSourceId(index), from: { inline: source } })),
  ];
}

/** Every source of every CR once, by key, in first-seen order. */
export function uniqueSources(inputs: readonly ImpsInput[]): SourceRef[] {
  const byKey = new Map<string, SourceRef>();
  for (const input of inputs) for (const ref of sourcesOf(input)) if (!byKey.has(ref.key)) byKey.set(ref.key, ref);
  return [...byKey.values()];
}
