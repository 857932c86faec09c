// Every bound on what one run reads, in one place. An application repository or a ResourceList is written by
// someone the operator does not trust (docs/security.md), and the Argo CD sidecar runs with a 256Mi memory limit:
// input must be refused with a one-line error long before it can exhaust memory, the stack or time.
// Figures are measured with the built CLI (bench/input-bounds.bench.ts, docs/input-limits.md), not estimated.

const MiB = 1024 * 1024;

export const LIMITS = {
  /**
   * Bytes read in one run: every manifest file, `files` entry, plugin config and stdin together. Argo CD's own
   * bound for plain-manifest apps (`reposerver.max.combined.directory.manifests.size`) defaults to 10M and its docs
   * warn of a 300x growth in memory on crafted YAML; the `yaml` library costs about 1 KB per token, so bytes alone
   * cannot be the bound: tokens are. This only stops a huge file before it is read at all.
   */
  inputBytes: 8 * MiB,
  /**
   * YAML tokens (the lexer's, counted as the parser takes them) in one document, for the faces that convert each
   * document and drop its syntax tree before parsing the next (render, cmp generate, `files`, kubeconfigs). What a
   * document costs while it is parsed is what a face's peak memory follows: about 0.6 KB per token on the costliest
   * shapes (nested flow collections), on top of the ~45 MB every run costs. The largest real document we know is Argo
   * CD's ApplicationSet CRD (149,339 tokens, in its install.yaml).
   */
  documentTokens: 160_000,
  /**
   * YAML tokens in all, for the same faces: what was converted is kept as plain values (a few bytes a token), but
   * every document parsed leaves garbage the collector takes its time over, so the run's peak still grows with the
   * total. Admits Argo CD's install.yaml (213,766 tokens) and an app of 900 manifests (250,000).
   */
  inputTokens: 300_000,
  /**
   * YAML tokens in all, for the faces that keep every syntax tree for the whole run to write the items back as they
   * were (fn's ResourceList, which is one document, and the legacy kustomize plugin's resources). Admits a ResourceList
   * of Argo CD's install.yaml as kustomize writes it (216,000 tokens).
   */
  retainedTokens: 250_000,
  /**
   * One scalar's bytes. A Kubernetes Secret or ConfigMap holds at most 1 MiB in all (the API server's limit), so no
   * value we use can be larger.
   */
  scalarBytes: 1 * MiB,
  /**
   * One double-quoted scalar's bytes. The `yaml` library decodes these one character at a time into a V8 rope of
   * ~40 bytes per character, which outlives the young generation when the value is long: eight 1 MiB quoted values
   * peaked at 311 MB, eight hundred 64 KiB ones at 125 MB. Long values are written as block scalars (`|`) or base64
   * (`data:`) anyway; JSON manifests only quote.
   */
  doubleQuotedBytes: 256 * 1024,
  /**
   * Collection nesting depth, after aliases are expanded. The deepest real manifests (CRD schemas) nest about 60
   * levels; the `yaml` library composes recursively and its stringify overflows the stack at about 640 levels.
   */
  depth: 64,
  /**
   * Alias nodes in one document. Kubernetes manifests almost never use them; the `yaml` library resolves each
   * alias by scanning every anchor before it (quadratic in their number), and uses the same figure as its default
   * `maxAliasCount`.
   */
  aliases: 100,
  /**
   * Nodes after aliases are expanded, in one run: an alias is cheap to parse and costs its full size in every
   * later step (validation, rendering, printing), so the "billion laughs" is refused by size, not by shape.
   */
  expandedNodes: 1_000_000,
  /** Scalar bytes after aliases are expanded, in one run: what printing the objects back can cost. */
  expandedBytes: 16 * MiB,
} as const;

/** Said after every bound, so nobody mistakes our limit for a YAML rule. */
export const LIMIT_NOTE = 'an imps-krm input limit';

export type Limits = { readonly [K in keyof typeof LIMITS]: number };

/** `8 MiB`, `150,000`: limits as the error messages and the docs spell them. */
export function formatBytes(bytes: number): string {
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  return bytes >= 1024 && bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes.toLocaleString('en-US')} bytes`;
}
