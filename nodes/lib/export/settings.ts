// The node's settings, checked once at deploy; every error names the setting.
import * as path from 'node:path';
import { intSetting } from '../settings';
import { DEFAULT_KEEP_DAYS } from './retention';
import { type ExportTemplate, resolveTemplate } from './template';

export interface ExportSettings {
  folder: string;
  office: string;
  officePattern?: RegExp;
  stableMs: number;
  template: ExportTemplate;
  failOnUnexpected: boolean;
  usePolling: boolean;
  /** days processed/ and failed/ keep files; 0 = forever */
  keepDays: number;
}

export interface RawExportSettings {
  /** already resolved from its typed input / ${ENV} */
  folder: string;
  office: string;
  officePattern?: string;
  stableMs?: unknown;
  template?: string;
  customTemplate?: string;
  failOnUnexpected?: boolean;
  usePolling?: boolean;
  /** number or ${ENV} */
  keepDays?: unknown;
  /** relative folders resolve against this (Node-RED's user dir) */
  baseDir: string;
}

export const DEFAULT_STABLE_MS = 2000;

/** A file-name pattern with at least one capture group (or a group named `office`). */
export function officePattern(source: string): RegExp | undefined {
  if (!source.trim()) return undefined;
  let re: RegExp;
  try {
    re = new RegExp(source, 'i');
  } catch (err) {
    throw new Error(`setting "File-name pattern" is not a valid regular expression: ${(err as Error).message}`);
  }
  const groups = new RegExp(`${source}|`, 'i').exec('')!.length - 1;
  if (groups < 1) throw new Error('setting "File-name pattern" needs a capture group around the office code, e.g. ^([A-Z0-9]+)_');
  return re;
}

/** No folder to watch: the office has not set one (it may read through ODBC only). */
export class FolderNotSetError extends Error {
  constructor() {
    super('setting "Folder" is empty: set RECALL_WATCH_DIR (or the node\'s Folder) to the Dentrix export folder');
  }
}

export function exportSettings(raw: RawExportSettings): ExportSettings {
  if (!raw.folder) throw new FolderNotSetError();
  let template: ExportTemplate;
  try {
    template = resolveTemplate(raw.template || 'dentrix-continuing-care', raw.customTemplate ?? '');
  } catch (err) {
    throw new Error(`setting "Template": ${(err as Error).message}`);
  }
  const pattern = officePattern(raw.officePattern ?? '');
  return {
    folder: path.resolve(raw.baseDir, raw.folder),
    office: raw.office,
    officePattern: pattern,
    stableMs: intSetting('Stable for (ms)', raw.stableMs, DEFAULT_STABLE_MS, 10, 3_600_000),
    template,
    failOnUnexpected: raw.failOnUnexpected === true,
    usePolling: raw.usePolling === true,
    keepDays: intSetting('Keep processed and failed files (days)', raw.keepDays, DEFAULT_KEEP_DAYS, 0, 3650),
  };
}
