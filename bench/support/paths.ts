// Paths valid from dist/bench/** (compiled) and the package root.
import * as path from 'node:path';

/** The package root (the bench runs compiled from dist/bench/**). */
export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const DIST = path.join(ROOT, 'dist');
export const DIST_BENCH = path.join(DIST, 'bench');
