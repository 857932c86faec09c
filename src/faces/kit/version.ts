import packageJson from '../../../package.json' with { type: 'json' };

/** From package.json, so a release bumps one place; the bundler inlines it. */
export const VERSION: string = packageJson.version;
