// The dentrix-connection config node's settings, resolved: `${VAR}` references,
// credentials before environment, and the connection string from a DSN, a full
// string, or a local command. No Node-RED import; the node passes its config in.
import { envSetting, intSetting } from '../settings';
import { buildConnectionString, connectionFromCommand, splitArgs } from './connection-string';

export type ConnectionSource = 'string' | 'command';

export interface ConnectionConfig {
  source?: string;
  /** connection string or DSN name; may be `${VAR}` */
  connection?: string;
  /** `${VAR}` (or plain text) for the user when the credential is empty */
  envUser?: string;
  /** `${VAR}` for the password when the credential is empty (never a literal: it would be exported) */
  envPassword?: string;
  command?: string;
  args?: string;
  commandTimeout?: unknown;
  loginTimeout?: unknown;
  queryTimeout?: unknown;
}

export interface ConnectionCredentials {
  user?: string;
  password?: string;
}

export interface ResolvedConnection {
  source: ConnectionSource;
  /** false when nothing is configured yet (the shipped flow without DENTRIX_CONNECTION) */
  configured: boolean;
  loginTimeoutS: number;
  queryTimeoutS: number;
  commandTimeoutS: number;
  /** how the string is obtained, for status and messages (no secrets) */
  describe: string;
  /** the connection string (runs the command in command mode); a secret */
  connectionString(): Promise<string>;
}

/** What a dentrix-connection config node offers the nodes that use it. */
export interface ConnectionProvider {
  /** the settings, resolved now (environment read at each call); throws naming a bad setting */
  resolve(): ResolvedConnection;
}

/** Reads and checks the settings; throws naming the setting at fault. */
export function resolveConnection(config: ConnectionConfig, creds: ConnectionCredentials = {}, env: NodeJS.ProcessEnv = process.env): ResolvedConnection {
  const source: ConnectionSource = config.source === 'command' ? 'command' : 'string';
  const loginTimeoutS = intSetting('login timeout', config.loginTimeout, 15, 1, 3600, env);
  const queryTimeoutS = intSetting('query timeout', config.queryTimeout, 120, 0, 86_400, env);
  const commandTimeoutS = intSetting('command timeout', config.commandTimeout, 15, 1, 600, env);
  // A credential typed as `${VAR}` is honoured too: Node-RED does not substitute credentials.
  const user = envSetting(creds.user, env) || envSetting(config.envUser, env);
  const password = envSetting(creds.password, env) || envSetting(config.envPassword, env);

  if (source === 'command') {
    const command = envSetting(config.command, env);
    const args = splitArgs(envSetting(config.args, env));
    return {
      source,
      configured: command !== '',
      loginTimeoutS,
      queryTimeoutS,
      commandTimeoutS,
      describe: `connection string from the command ${command || '(none)'}`,
      connectionString: async () =>
        buildConnectionString({ connection: await connectionFromCommand({ command, args, timeoutMs: commandTimeoutS * 1000 }), user, password }),
    };
  }
  const connection = envSetting(config.connection, env);
  const isDsn = connection !== '' && !connection.includes('=');
  return {
    source,
    configured: connection !== '',
    loginTimeoutS,
    queryTimeoutS,
    commandTimeoutS,
    describe: connection === '' ? 'no connection string' : isDsn ? `DSN ${connection}` : 'connection string',
    connectionString: async () => buildConnectionString({ connection, user, password }),
  };
}
