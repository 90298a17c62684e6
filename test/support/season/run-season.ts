// Runs an office through N weekly recall runs in a real Node-RED runtime: the pack's
// nodes wired as the default flow wires them (normalize -> consent -> reserve -> CRM
// webhook -> commit -> run summary), a real ledger file, the CRM test server and a
// suppression feed server on 127.0.0.1. Each week the office's rows (Dentrix ODBC preset
// columns) go in through an inject node (admin API) with that week's office date as the as-of; the
// run's CRM requests go back to the office model (bookings, STOP replies, a bounce).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startFeedServer, type FeedServer } from '../../lib/consent/feed-server';
import { CrmServer, type CrmRequest } from '../crm-server';
import { waitForRun, type RunSummaryView } from '../flow-run';
import { startRuntime, type StartedRuntime } from '../runtime';
import { keyedHash, Office, type Booking, type FeedEntry, type RawRow, type Reached } from './office';

export const SEASON_SECRET = 'season-ledger-secret';
export const SEASON_OFFICE = 'SZN';

export interface SeasonWeek {
  week: number;
  asOf: string;
  /** the rows the run read */
  rows: RawRow[];
  /** the suppression feed as served at the start of the run */
  feed: Omit<FeedEntry, 'fromWeek'>[];
  /** the CRM requests of the run */
  requests: CrmRequest[];
  summary: RunSummaryView;
}

export interface SeasonResult {
  office: Office;
  weeks: SeasonWeek[];
  /** every CRM request of the season, in arrival order */
  requests: CrmRequest[];
  /** the bookings the office model made (after a message, or on its own) */
  bookings: Booking[];
  ledgerFile: string;
  secret: string;
}

export interface SeasonOptions {
  weeks: number;
  seed?: number;
  /** first office date (a Monday) */
  start?: string;
}

/** The flow: the pack's nodes as the default flow wires them, fed by an inject node. */
function seasonFlow(crmUrl: string, feedUrl: string): unknown[] {
  const z = 'season-tab';
  return [
    { id: z, type: 'tab', label: 'season' },
    { id: 's-ledger', type: 'recall-ledger', name: 'season ledger', file: '${RECALL_LEDGER_DB}', secretEnv: '${RECALL_LEDGER_SECRET}', busyTimeout: '10000' },
    { id: 's-crm-endpoint', type: 'crm-endpoint', name: 'season CRM', preset: 'generic', url: crmUrl, allowPlainHttp: false, locationId: '', idProperty: 'email', fieldPrefix: '', tokenEnv: '', secretEnv: '', concurrency: '4', rateLimit: '1000', rateInterval: '1' },
    // the week's rows and office date come in through the admin API (POST /inject/s-in)
    { id: 's-in', type: 'inject', z, name: 'week', props: [{ p: 'payload', v: '[]', vt: 'json' }, { p: 'asOf', v: '', vt: 'str' }], repeat: '', crontab: '', once: false, wires: [['s-normalize']] },
    {
      id: 's-normalize', type: 'recall-normalize', z, preset: 'dentrix-odbc', mapping: '', office: SEASON_OFFICE, timeZone: 'UTC', asOf: 'asOf', asOfType: 'msg',
      region: 'US', dueSoon: '30 days', dueNow: '30 days', lapsed: '18 months', segDueSoon: true, segDueNow: true, segOverdue: true, segLapsed: true, usePreferredName: true,
      wires: [['s-consent'], []],
    },
    { id: 's-consent', type: 'consent-filter', z, ledger: 's-ledger', url: feedUrl, urlType: 'str', pullTimeout: '10', continueOnPullFailure: false, allowHttp: false, region: 'US', noVoiceMask: '1', noTextMask: '2', wires: [['s-reserve'], []] },
    { id: 's-reserve', type: 'idempotency-gate', z, ledger: 's-ledger', mode: 'reserve', modeType: 'mode', leaseMinutes: '15', dryRun: 'false', wires: [['s-crm'], []] },
    { id: 's-crm', type: 'crm-webhook-out', z, endpoint: 's-crm-endpoint', ledger: 's-ledger', dryRun: 'false', maxPerRun: '500', batchSize: '1', maxAttempts: '3', timeout: '10', maxRetryAfter: '5', allowList: '', wires: [['s-commit']] },
    { id: 's-commit', type: 'idempotency-gate', z, ledger: 's-ledger', mode: 'commit', modeType: 'mode', leaseMinutes: '15', dryRun: 'false', wires: [['summary'], []] },
    { id: 'summary', type: 'recall-summary', z, office: SEASON_OFFICE, officeType: 'str', healthUrl: '', healthUrlType: 'str', timeZone: 'UTC', timeZoneType: 'str', wires: [[], [], []] },
    { id: 's-catch', type: 'catch', z, scope: ['s-normalize', 's-consent', 's-reserve', 's-crm', 's-commit'], uncaught: false, wires: [['summary']] },
  ];
}

/** Who a run's requests reached: the addressee (by contactKey) and the members listed on it (by first name). */
export function reachedBy(office: Office, requests: readonly CrmRequest[], secret = SEASON_SECRET): Reached[] {
  const byKey = new Map(office.patients.map((p) => [keyedHash(secret, office.code, p.id), p]));
  const byName = new Map(office.patients.map((p) => [p.firstName, p]));
  const out: Reached[] = [];
  for (const r of requests) {
    const body = r.json as { contactKey: string; channels: string[]; phone: string | null; email: string | null; household?: { firstName: string }[] };
    const p = byKey.get(body.contactKey);
    if (!p) continue;
    out.push({ patientId: p.id, channels: body.channels, phone: body.phone, email: body.email, listed: false });
    for (const m of body.household ?? []) {
      const q = byName.get(m.firstName);
      if (q && q.id !== p.id) out.push({ patientId: q.id, channels: body.channels, phone: body.phone, email: body.email, listed: true });
    }
  }
  return out;
}

/**
 * Runs `weeks` weekly runs; everything it started is stopped before it returns (or throws).
 * The ledger file stays for the caller to read; remove path.dirname(ledgerFile) afterwards.
 */
export async function runSeason(opts: SeasonOptions): Promise<SeasonResult> {
  const office = Office.opening(SEASON_OFFICE, opts.start ?? '2026-01-05', opts.seed);
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'recall-season-'));
  const ledgerFile = path.join(base, 'ledger.sqlite');
  let crm: CrmServer | undefined;
  let feed: FeedServer | undefined;
  let red: StartedRuntime | undefined;
  try {
    crm = await CrmServer.start();
    feed = await startFeedServer();
    const watch = path.join(base, 'inbox');
    fs.mkdirSync(watch);
    fs.mkdirSync(path.join(base, 'user'));
    red = await startRuntime({
      userDir: path.join(base, 'user'),
      flow: seasonFlow(`${crm.url}/hook`, feed.url),
      env: { RECALL_WATCH_DIR: watch, RECALL_LEDGER_DB: ledgerFile, RECALL_LEDGER_SECRET: SEASON_SECRET, RECALL_DRY_RUN: 'false' },
    });
    const weeks: SeasonWeek[] = [];
    const seen = new Set<string>();
    for (let w = 0; w < opts.weeks; w++) {
      const asOf = office.asOf(w);
      const rows = office.rows(asOf);
      const served = office.feedAt(w);
      feed.answer = { status: 200, body: served };
      const before = crm.requests.length;
      await red.api('POST', '/inject/s-in', { __user_inject_props__: [{ p: 'payload', v: JSON.stringify(rows), vt: 'json' }, { p: 'asOf', v: asOf, vt: 'str' }] });
      const summary = await waitForRun(red, () => true, seen, { timeoutMs: 20_000 });
      const requests = crm.requests.slice(before);
      weeks.push({ week: w, asOf, rows, feed: served, requests, summary });
      office.afterRun(w, reachedBy(office, requests));
    }
    return { office, weeks, requests: [...crm.requests], bookings: [...office.bookings], ledgerFile, secret: SEASON_SECRET };
  } finally {
    await red?.stop();
    await crm?.close();
    await feed?.close();
  }
}
