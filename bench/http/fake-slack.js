// A stand-in for Slack's Web API and response_url hooks on 127.0.0.1, so that nothing in a
// bench run leaves the machine. Answers users.info with a profile, auth.test with a bot
// identity, and every other method with {"ok":true}; counts what it is sent.
//
//   node bench/http/fake-slack.js 4100
//   GET  /stats         {"methods": {"views.publish": {"count", "first_ms", "last_ms"}, …},
//                        "responses": {"count", "first_ms", "last_ms"}}
//   POST /stats/reset
'use strict';

const http = require('http');

const port = Number(process.argv[2] || process.env.PORT || 4100);
const NAMES = ['ana', 'ben', 'chloe', 'dev', 'eli', 'fay', 'gus', 'hana', 'ivo', 'jun'];
let stats = { methods: {}, responses: { count: 0, first_ms: 0, last_ms: 0 } };

function count(slot) {
  const now = Date.now();
  slot.count += 1;
  if (!slot.first_ms) slot.first_ms = now;
  slot.last_ms = now;
}

function json(res, status, value) {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function userOf(body, type) {
  if (type.includes('json')) {
    try { return JSON.parse(body).user || 'U0'; } catch { return 'U0'; }
  }
  return new URLSearchParams(body).get('user') || 'U0';
}

http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const url = req.url.split('?')[0];
    if (url === '/stats' && req.method === 'GET') return json(res, 200, stats);
    if (url === '/stats/reset') {
      stats = { methods: {}, responses: { count: 0, first_ms: 0, last_ms: 0 } };
      return json(res, 200, { ok: true });
    }
    if (url.startsWith('/response/')) {
      count(stats.responses);
      return json(res, 200, { ok: true });
    }
    if (url.startsWith('/api/')) {
      const method = url.slice('/api/'.length);
      stats.methods[method] ||= { count: 0, first_ms: 0, last_ms: 0 };
      count(stats.methods[method]);
      if (method === 'users.info') {
        const id = userOf(body, req.headers['content-type'] || '');
        const n = parseInt(id.replace(/\D/g, ''), 10) || 0;
        const name = `${NAMES[n % NAMES.length]}${n >= NAMES.length ? n : ''}`;
        return json(res, 200, {
          ok: true,
          user: {
            id, name, real_name: name, tz: 'Europe/Berlin',
            profile: { display_name: name, real_name: name },
          },
        });
      }
      if (method === 'auth.test') {
        return json(res, 200, {
          ok: true, url: 'https://bench.slack.com/', team: 'bench', user: 'pacer',
          team_id: 'T0BENCH', user_id: 'U0BOT', bot_id: 'B0BOT', is_enterprise_install: false,
        });
      }
      if (method === 'chat.postMessage' || method === 'chat.update') {
        return json(res, 200, { ok: true, channel: 'C0001', ts: `${Date.now() / 1000}` });
      }
      if (method === 'views.publish') return json(res, 200, { ok: true, view: { id: 'V0BENCH' } });
      return json(res, 200, { ok: true });
    }
    return json(res, 404, { ok: false, error: 'unknown_url' });
  });
}).listen(port, '127.0.0.1', () => console.log(`fake Slack API on http://127.0.0.1:${port}/api/`));
