// The runs of one sink node, without Node-RED: each run keys and reserves through the
// ledger that reserved its contacts (the gate's handshake, msg.recall.ledger, else the
// node's own); at a stop every run is aborted and its outcome handed to its ledger at once.
import type { Ledger, LedgerProvider } from '../ledger/api';
import type { Hmac } from '../ledger/keys';
import type { LedgerHandshake } from '../types';
import { SinkRun, type SinkContext, type SinkOutput, type SinkSettings } from './sink';

/** What a run needs besides its contacts and settings. */
export interface RunContext extends Pick<SinkContext, 'endpoint' | 'limiter' | 'client' | 'onProgress' | 'onWarning'> {
  /** the ledger node the handshake names, else the sink's own (none: an empty run, or a dry-run keyed by nothing) */
  provider?: LedgerProvider;
  handshake?: LedgerHandshake;
  runId: string;
  /** a checkpoint write failed (the commit gate records those deliveries) */
  onCheckpointFault: (message: string) => void;
}

interface Active {
  run: SinkRun;
  abort: AbortController;
  ledger?: Ledger;
  runId: string;
  finished: Promise<unknown>;
}

/**
 * The ledger, and the keys of its secret. A dry-run whose ledger file cannot be opened
 * still keys its payloads with the ledger node's secret. Without either, keying throws
 * (an empty run needs no ledger).
 */
export async function openLedger(provider: LedgerProvider | undefined, dryRun: boolean): Promise<{ ledger?: Ledger; hmac: Hmac }> {
  const none: Hmac = () => {
    throw new Error("no ledger for contactKey: set the sink's ledger, or put idempotency-gate (reserve) before it");
  };
  if (!provider) return { hmac: none };
  try {
    const ledger = await provider.ledger();
    return { ledger, hmac: ledger.hmac };
  } catch (err) {
    if (dryRun && provider.hmac) return { hmac: provider.hmac };
    throw err;
  }
}

export class SinkRuns {
  private readonly active = new Set<Active>();
  /** set by close(): no run starts after it */
  closing = false;

  /** One run to its end: the output, or undefined when close() stopped it (close gave its outcome to the ledger). */
  async run(input: unknown, settings: SinkSettings, rc: RunContext): Promise<SinkOutput | undefined> {
    const { dryRun } = settings;
    const { ledger, hmac } = await openLedger(rc.provider, dryRun);
    const ref = rc.handshake;
    const abort = new AbortController();
    const run = new SinkRun(input, settings, {
      endpoint: rc.endpoint,
      hmac,
      ledger: dryRun ? undefined : ledger,
      forecastLedger: dryRun ? ledger : undefined,
      leaseMs: ref?.leaseMs || undefined,
      runId: rc.runId,
      // the gate reserved these keys for real in that ledger: mark deliveries sent as they happen
      checkpoint: !dryRun && ledger && ref?.node && ref.leaseUntil ? { ledger, onFault: rc.onCheckpointFault } : undefined,
      limiter: rc.limiter,
      client: rc.client,
      signal: abort.signal,
      onProgress: rc.onProgress,
      onWarning: rc.onWarning,
    });
    const finished = run.run();
    const entry: Active = { run, abort, ledger: dryRun ? undefined : ledger, runId: rc.runId, finished: finished.catch(() => undefined) };
    this.active.add(entry);
    let out: SinkOutput;
    try {
      out = await finished;
    } finally {
      this.active.delete(entry);
    }
    if (abort.signal.aborted) return undefined;
    // the gate reserved for real but this sink was set to dry-run: give the keys back now
    if (dryRun && ledger && ref?.leaseUntil) await ledger.release(out.results.map((r) => r.key).filter(Boolean), { runId: rc.runId });
    return out;
  }

  /** Aborts every run; each one's outcome goes to its ledger at once. Resolves when all have ended. */
  async close(warn: (message: string) => void): Promise<void> {
    this.closing = true;
    const waits: Promise<unknown>[] = [];
    for (const a of this.active) {
      a.abort.abort();
      // issued synchronously, so it is queued before the ledger node closes its file
      const results = a.run.snapshot();
      if (a.ledger && results.length) {
        waits.push(a.ledger.commit(results, { runId: a.runId }).catch((err: Error) => warn(`could not release unsent contacts: ${err.message}`)));
      }
      waits.push(a.finished);
    }
    this.active.clear();
    await Promise.all(waits);
  }
}
