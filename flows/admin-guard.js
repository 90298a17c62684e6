// Host and Origin checks in front of everything the Node-RED server answers (editor,
// admin API, /comms websocket, HTTP-in routes), whatever the login. A web page the
// front desk opens must not drive the editor: the browser sends its own Origin with a
// cross-site request, and a DNS-rebinding page reaches 127.0.0.1 under a foreign Host.
// Node-RED answers the admin API with `Access-Control-Allow-Origin: *` before any
// settings middleware runs, so the check sits on the server itself (RED.init).
'use strict';

/**
 * host:port names the server answers to: loopback under PORT, plus the names listed in
 * NODE_RED_ALLOWED_HOSTS (comma-separated host or host:port, for a reverse proxy).
 */
function allowedHosts(port, extra = '') {
  const hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  for (const name of String(extra).split(',')) {
    const h = name.trim().toLowerCase();
    if (h) hosts.add(h);
  }
  return hosts;
}

/** Why a request must be refused, or null when it may pass. */
function refusal(headers, hosts) {
  const host = String(headers.host || '').trim().toLowerCase();
  if (!hosts.has(host)) return `Host "${host}" is not this editor (allowed: ${[...hosts].join(', ')})`;
  const origin = headers.origin;
  if (origin === undefined) return null; // not a browser's cross-origin request (curl, node-red-admin, the ws client)
  let originHost;
  try {
    const u = new URL(String(origin));
    originHost = u.protocol === 'http:' || u.protocol === 'https:' ? u.host.toLowerCase() : '';
  } catch {
    originHost = '';
  }
  if (!hosts.has(originHost)) return `Origin "${origin}" is not this editor`;
  return null;
}

/**
 * Wraps the server's emit so a foreign Host or Origin is refused before Node-RED
 * (or its CORS handler) sees the request or websocket upgrade, and drops the
 * Access-Control-* headers Node-RED would add: the editor is same-origin only.
 */
function guardServer(server, { extraHosts, log = console.warn } = {}) {
  let hosts; // the port is known once the server listens (PORT may be 0)
  let port;
  const emit = server.emit;
  server.emit = function guardedEmit(event, req, resOrSocket, ...rest) {
    if (event === 'request' || event === 'upgrade') {
      if (!hosts) {
        port = server.address().port;
        hosts = allowedHosts(port, extraHosts);
      }
      const why = refusal(req.headers, hosts);
      if (why) {
        log(`[recall] refused ${req.method} ${String(req.url).split('?')[0]}: ${why}`);
        if (event === 'request') {
          resOrSocket.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
          resOrSocket.end(`Forbidden: ${why}. Open the editor at http://127.0.0.1:${port}/ (or list the name in NODE_RED_ALLOWED_HOSTS).\n`);
        } else {
          resOrSocket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        }
        return true;
      }
      if (event === 'request') stripCors(resOrSocket);
    }
    return emit.call(this, event, req, resOrSocket, ...rest);
  };
}

function stripCors(res) {
  const setHeader = res.setHeader;
  res.setHeader = function (name, value) {
    if (/^access-control-/i.test(String(name))) return this;
    return setHeader.call(this, name, value);
  };
}

/** Installs the guard on the server Node-RED is initialised with (flows/start.js runs it in-process). */
function guardNodeRed(RED, env = process.env) {
  const init = RED.init;
  RED.init = function (server, settings) {
    if (server) guardServer(server, { extraHosts: env.NODE_RED_ALLOWED_HOSTS });
    return init.apply(this, arguments);
  };
}

module.exports = { allowedHosts, refusal, guardServer, guardNodeRed };
