// Paths tests need, valid from dist/test/** (compiled) and the package root.
import * as path from 'node:path';

/** The package root (tests run compiled from dist/test/**). */
export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const FIXTURES = path.join(ROOT, 'test', 'fixtures');
export const DIST_NODES = path.join(ROOT, 'dist', 'nodes');

/** The compiled adapter of a node type, for helper.load(). */
export function nodeModule(type: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(DIST_NODES, type, `${type}.js`));
}
