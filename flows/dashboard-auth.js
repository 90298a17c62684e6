// The dashboard page (FlowFuse Dashboard 2.0) behind the editor's login. Its pages and
// files are HTTP routes, which Node-RED guards with httpNodeAuth; its socket.io link is
// answered by the server itself, before those routes, so it gets the same check here
// (the browser sends the login it gave for the page with the link's first request).
'use strict';

let bcrypt;
function compare(password, hash) {
  if (!bcrypt) {
    try {
      bcrypt = require('@node-rs/bcrypt');
    } catch {
      bcrypt = require('bcryptjs'); // what Node-RED itself falls back to
    }
  }
  return bcrypt.compareSync(password, hash);
}

/** true when an `Authorization: Basic …` header carries `auth`'s user and a password matching its bcrypt hash. */
function basicAuthOk(header, auth) {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(String(header || ''));
  if (!m) return false;
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return false;
  return text.slice(0, colon) === auth.user && compare(text.slice(colon + 1), auth.pass);
}

/**
 * socket.io middleware for `dashboard.ioMiddleware`: the dashboard's own checks (no direct
 * websocket, same origin only), then, when a login is set, the login. A checked header is
 * remembered (bcrypt takes ~0.1 s) for the life of the process.
 */
function dashboardSocketGuard(auth) {
  const passed = new Set();
  return function guard(socket, next) {
    const req = socket.client.conn.request;
    if (String(req.url).includes('transport=websocket')) {
      socket.client.conn.close();
      return;
    }
    if (socket.handshake.xdomain !== false) {
      socket.disconnect(true);
      return;
    }
    if (!auth) return next();
    const header = String(req.headers.authorization || '');
    if (passed.has(header) || basicAuthOk(header, auth)) {
      if (passed.size < 100) passed.add(header);
      return next();
    }
    next(new Error('the dashboard needs the editor login'));
  };
}

module.exports = { basicAuthOk, dashboardSocketGuard };
