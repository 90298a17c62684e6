// The watch folder's start and read, as a process of its own (as batch-export-in does
// it): first the file a dead process was reading goes to failed/, then every report
// file in the folder is processed. Run under a small heap by poison.spec.ts; prints one
// JSON line: the outcomes, the temp files left while still running, peak RSS, time.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isReportName } from '../../../nodes/lib/export/folder';
import { DEFAULT_LIMITS } from '../../../nodes/lib/export/limits';
import { failInterruptedRead, processFile } from '../../../nodes/lib/export/process-file';
import { SeenStore } from '../../../nodes/lib/export/seen';
import { DENTRIX_CONTINUING_CARE } from '../../../nodes/lib/export/template';

async function main(): Promise<void> {
  const root = process.env.POISON_ROOT!;
  const started = Date.now();
  const outcomes: unknown[] = [];
  const interrupted = await failInterruptedRead(root);
  if (interrupted) outcomes.push({ kind: 'interrupted', file: interrupted.file, error: interrupted.error, ms: Date.now() - started });
  const seen = new SeenStore(path.join(root, 'processed', '.seen.json'));
  for (const name of fs.readdirSync(root).filter(isReportName).sort()) {
    const t = Date.now();
    const outcome = await processFile(
      path.join(root, name),
      { root, template: DENTRIX_CONTINUING_CARE, failOnUnexpected: false, office: 'T', seen, limits: { ...DEFAULT_LIMITS, ...JSON.parse(process.env.POISON_LIMITS || '{}') } },
      () => undefined,
    );
    outcomes.push({
      kind: outcome.kind,
      file: name,
      error: outcome.kind === 'failed' ? outcome.failure.error : undefined,
      rows: outcome.kind === 'rows' ? outcome.batch.rows.length : undefined,
      ms: Date.now() - t,
    });
  }
  const tempLeft = fs.readdirSync(os.tmpdir());
  console.log(JSON.stringify({ outcomes, tempLeft, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024), ms: Date.now() - started }));
}

main().catch((err: Error) => {
  console.error(err.stack);
  process.exit(2);
});
