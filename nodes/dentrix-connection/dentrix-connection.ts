// dentrix-connection: the ODBC connection to the Dentrix API Program views.
// Holds the settings; the password lives in Node-RED's credential store (or an
// environment variable named by reference). The odbc-in node asks it for a
// ResolvedConnection on each run.
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { resolveConnection, type ConnectionConfig, type ConnectionProvider } from '../lib/odbc/connection-config';

export = function (RED: NodeAPI): void {
  function DentrixConnection(this: Node<{ user: unknown; password: unknown }>, config: NodeDef & ConnectionConfig): void {
    RED.nodes.createNode(this, config);
    const settings: ConnectionConfig = {
      source: config.source,
      connection: config.connection,
      envUser: config.envUser,
      envPassword: config.envPassword,
      command: config.command,
      args: config.args,
      commandTimeout: config.commandTimeout,
      loginTimeout: config.loginTimeout,
      queryTimeout: config.queryTimeout,
    };
    (this as unknown as ConnectionProvider).resolve = () => resolveConnection(settings, {
      user: typeof this.credentials?.user === 'string' ? this.credentials.user : undefined,
      password: typeof this.credentials?.password === 'string' ? this.credentials.password : undefined,
    });
  }
  RED.nodes.registerType('dentrix-connection', DentrixConnection, {
    credentials: { user: { type: 'text' }, password: { type: 'password' } },
  });
};
