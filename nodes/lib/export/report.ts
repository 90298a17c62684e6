// What the export node says about one file's outcome: a warning, its status, and for a
// failed file the message for output 2 and the error that reaches Catch.
import * as path from 'node:path';
import { newRunMeta } from '../run';
import type { RecallMeta } from '../types';
import type { FileError, Outcome } from './process-file';

export interface OutcomeReport {
  warn?: string;
  status: { state: 'ok' | 'pending' | 'broken' | 'queued'; text: string };
  failed?: { payload: FileError; recall: RecallMeta; error: string };
}

/** `root`: the watched folder (moves are named relative to it); `office`: the node's office code. */
export function reportOutcome(outcome: Outcome, root: string, office: string): OutcomeReport {
  const moved = (to: string) => path.relative(root, to);
  if (outcome.kind === 'rows') {
    const { batch } = outcome;
    const warn = batch.table.unexpected.length ? `${batch.file}: columns not in the template were ignored: ${batch.table.unexpected.join(', ')}` : undefined;
    return { ...(warn && { warn }), status: { state: 'ok', text: `${batch.rows.length} rows from ${batch.file}` } };
  }
  if (outcome.kind === 'duplicate') {
    const d = outcome.duplicate;
    return {
      warn: `${d.file}: same content as ${d.first.file} (processed ${d.first.at}); not read again, moved to ${moved(d.movedTo)}`,
      status: { state: 'pending', text: `duplicate skipped: ${d.file}` },
    };
  }
  if (outcome.kind === 'failed') {
    const f = outcome.failure;
    return {
      failed: { payload: { ...f }, recall: newRunMeta('export', office, { file: f.file }), error: `${f.file}: ${f.error} (moved to ${moved(f.movedTo)})` },
      status: { state: 'broken', text: `failed: ${f.file}` },
    };
  }
  return { status: { state: 'queued', text: `changed while read: ${path.basename(outcome.file)}` } };
}
