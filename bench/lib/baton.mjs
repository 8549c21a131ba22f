/**
 * Baton as a user gets it: the built package (`npm run build` writes dist/). Imported by
 * relative path rather than through a `file:..` dependency, so installing the bench never
 * links or reinstalls anything in the root package, and the bench always measures this tree.
 */
import { existsSync } from 'node:fs';

if (!existsSync(new URL('../../dist/index.js', import.meta.url))) {
  console.error('bench: dist/index.js is missing: run `npm ci && npm run build` at the repository root first');
  process.exit(2);
}

export * from '../../dist/index.js';
