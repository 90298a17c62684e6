// ODBC connection strings: from a DSN name or a full string, with the login added
// from the credential store, or from the output of a local command (Dentrix G6.2+
// hands the string out through a helper program). The string holds a password:
// it is never logged, and errors show it only through redact().
import { execFile } from 'node:child_process';

export interface ConnectionParts {
  /** a full ODBC connection string (has '='), or just a DSN name */
  connection: string;
  user?: string;
  password?: string;
}

/** Quotes an attribute value when it holds characters that end or confuse it. */
export function odbcValue(value: string): string {
  if (/[;{}=]|^\s|\s$/.test(value)) return `{${value.replace(/}/g, '}}')}}`;
  return value;
}

/** The attribute names present in a connection string, lower-cased. */
export function attributeNames(connectionString: string): Set<string> {
  const names = new Set<string>();
  const re = /(?:^|;)\s*([^=;]+?)\s*=\s*(\{(?:[^}]|\}\})*\}|[^;]*)/g;
  for (let m = re.exec(connectionString); m; m = re.exec(connectionString)) names.add(m[1].toLowerCase());
  return names;
}

/** Builds the string: a DSN name becomes `DSN=<name>`; UID/PWD are added unless already there. */
export function buildConnectionString(parts: ConnectionParts): string {
  const base = parts.connection.trim();
  if (base === '') throw new Error('the connection string (or DSN name) is empty');
  let out = base.includes('=') ? base : `DSN=${odbcValue(base)}`;
  const has = attributeNames(out);
  const add = (key: string, value: string | undefined, aliases: string[]): void => {
    if (!value || aliases.some((a) => has.has(a))) return;
    out = `${out.replace(/;\s*$/, '')};${key}=${odbcValue(value)}`;
  };
  add('UID', parts.user, ['uid', 'user', 'user id', 'username']);
  add('PWD', parts.password, ['pwd', 'password']);
  return out;
}

/** The string with every password-like value replaced, for messages. */
export function redact(connectionString: string): string {
  return connectionString.replace(/((?:^|;)\s*(?:pwd|password|secret|token|key)\s*=\s*)(\{(?:[^}]|\}\})*\}|[^;]*)/gi, '$1***');
}

/**
 * Splits a command-line argument text on spaces; "double quotes" keep spaces
 * together. Backslashes are literal (Windows paths).
 */
export function splitArgs(text: string): string[] {
  const args: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (let m = re.exec(text ?? ''); m; m = re.exec(text ?? '')) args.push(m[1] !== undefined ? m[1] : m[2]);
  return args;
}

export interface CommandOptions {
  command: string;
  args: string[];
  timeoutMs: number;
}

/**
 * Runs the command (no shell) and returns its trimmed standard output. The output
 * is a secret: errors name the command and the exit, never what it printed.
 */
export function connectionFromCommand(opts: CommandOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    if (opts.command.trim() === '') return reject(new Error('no command is configured for the connection string'));
    execFile(
      opts.command,
      opts.args,
      { timeout: opts.timeoutMs, maxBuffer: 64 * 1024, windowsHide: true, encoding: 'utf8' },
      (err, stdout) => {
        const label = `the connection-string command "${opts.command}"`;
        if (err) {
          const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null; code?: string | number };
          if (e.code === 'ENOENT') return reject(new Error(`${label} was not found`));
          if (e.code === 'EACCES') return reject(new Error(`${label} is not executable`));
          if (e.killed) return reject(new Error(`${label} did not finish within ${Math.round(opts.timeoutMs / 1000)} s and was stopped`));
          return reject(new Error(`${label} failed (exit ${e.code ?? e.signal ?? 'unknown'}); run it by hand to see why`));
        }
        const text = String(stdout).trim();
        if (text === '') return reject(new Error(`${label} printed nothing`));
        if (!text.includes('=')) return reject(new Error(`${label} printed something that is not an ODBC connection string (no "key=value")`));
        resolve(text);
      },
    );
  });
}
