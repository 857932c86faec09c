// The layer rules of docs/architecture.md, checked by `npm run lint:layers` (part of `npm test`).
// Layers, outermost first: cli -> faces -> controller | app -> adapters | io -> ports | core | validation | generated.
// An import may only point inward. Type-only imports count (the graph must be one-way for types too).

/** A rule that forbids `from` importing any of `to`. */
const forbid = (name, comment, from, to) => ({ name, comment, severity: 'error', from: { path: from }, to: { path: to } });

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'No import cycles anywhere in src/, type-only imports included.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    forbid('nothing-imports-cli', 'cli/ is the process entry: it imports the commands, nothing imports it.', '^src/(?!cli/)', '^src/cli/'),
    forbid('faces-only-from-cli', 'A face (command) is loaded by the cli registry; other layers never reach into a face.', '^src/(?!cli/|faces/)', '^src/faces/'),
    forbid('kit-imports-no-face', 'The command kit is shared by faces: it imports no face.', '^src/faces/kit/', '^src/faces/(?!kit/)'),
    forbid('controller-below-faces', 'The controller is driven by its face; it never imports app orchestration of other faces.', '^src/controller/', '^src/(cli|faces)/'),
    forbid('app-below-controller', 'app/ orchestrates for every face and the controller: it imports neither.', '^src/app/', '^src/(cli|faces|controller)/'),
    forbid('adapters-below-app', 'Adapters implement ports; they do not orchestrate.', '^src/adapters/', '^src/(cli|faces|controller|app)/'),
    forbid('io-below-app', 'io/ reads and writes bytes; it knows no adapter or orchestration.', '^src/io/', '^src/(cli|faces|controller|app|adapters)/'),
    forbid('ports-are-interfaces', 'Ports name what the core needs; they import only core types.', '^src/ports/', '^src/(?!core/|generated/|ports/)'),
    forbid('core-is-pure-layers', 'The core imports only core, validation and generated code.', '^src/core/', '^src/(?!core/|validation/|generated/)'),
    forbid('validation-is-pure', 'Validation turns schema errors into field paths: generated code only.', '^src/validation/', '^src/(?!validation/|generated/)'),
    {
      name: 'core-no-node-builtins',
      comment: 'The core does no I/O: no node:* module (the Buffer global is allowed).',
      severity: 'error',
      from: { path: '^src/(core|ports|validation)/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'core-no-packages',
      comment: 'The core uses no SDK or client library; generated validators may use ajv runtime helpers.',
      severity: 'error',
      from: { path: '^src/(core|ports)/' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'no-unresolvable',
      comment: 'Every import resolves (a typo in a path is a lint error, not a runtime one).',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    parser: 'swc',
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.d.ts', '.json'] },
  },
};
