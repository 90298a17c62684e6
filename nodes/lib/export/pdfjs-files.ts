// Where the pack's copy of pdf.js is. The build (scripts/build-assets.js) copies what
// text extraction uses from pdfjs-dist (its Node build pdf.mjs, the worker module it
// imports, the standard fonts, the license) to dist/nodes/vendor/pdfjs-dist. A user's
// install then gets ~4 MB instead of pdfjs-dist's 38 MB (every build, types, viewer)
// plus the 35 MB @napi-rs/canvas it pulls as an optional dependency for rendering,
// which the pack never does (npm gives a package no way to decline that).
import * as path from 'node:path';

export const PDFJS_DIR = path.join(__dirname, '..', '..', 'vendor', 'pdfjs-dist');
export const PDFJS_MAIN = path.join(PDFJS_DIR, 'pdf.mjs');
export const PDFJS_STANDARD_FONTS = path.join(PDFJS_DIR, 'standard_fonts') + path.sep;
