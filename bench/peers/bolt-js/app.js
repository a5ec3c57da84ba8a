// pacer's `/pacer list all`, on Slack's Bolt for JavaScript: Bolt verifies the request's
// signature (its default), the 50 priorities are read from SQLite, and the answer is an
// ephemeral Block Kit message. A peer for bench/http/run.sh; see bench/README.md.
//
//   PEER_DB=peers.db SLACK_SIGNING_SECRET=… SLACK_BOT_TOKEN=xoxb-… \
//   SLACK_API_BASE_URL=http://127.0.0.1:4100/api/ node app.js 3101
'use strict';

const { App, LogLevel } = require('@slack/bolt');
const Database = require('better-sqlite3');

const port = Number(process.argv[2] || process.env.PORT || 3101);
const db = new Database(process.env.PEER_DB || 'peers.db', { fileMustExist: true });
db.pragma('journal_mode = WAL');

const ACTIVE = db.prepare(`
  SELECT p.number, p.title, o.user_id, o.display_name, t.name AS team,
         p.status, p.progress, p.due_date
    FROM priorities p
    JOIN workspaces w ON w.id = p.workspace_id
    JOIN people o ON o.id = p.owner_id
    JOIN teams t ON t.id = p.team_id
   WHERE w.external_id = ? AND p.status NOT IN ('done', 'dropped')
   ORDER BY p.number`);

const STATUS = {
  'on-track': '🟢 On track', 'at-risk': '🟡 At risk', 'off-track': '🔴 Off track',
  done: '✅ Done', dropped: '⚪ Dropped',
};
const SHOWN = 40; // as pacer: at most 40 lines, then "…and N more."
const PER_SECTION_CHARS = 2500;

function escape(text) {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function relative(due, today) {
  const days = Math.round((Date.parse(due) - today) / 86400000);
  if (days === 0) return 'due today';
  if (days === 1) return 'due tomorrow';
  if (days > 1) return `in ${days} days`;
  return days === -1 ? '1 day overdue' : `${-days} days overdue`;
}

// `*#12* 🟡 At risk *Ship the beta* · <@U1> · Platform · 40% · due 2026-12-31 (in 38 days)`
function line(p, today) {
  const due = p.due_date ? ` · due ${p.due_date} (${relative(p.due_date, today)})` : '';
  return `*#${p.number}* ${STATUS[p.status] || p.status} *${escape(p.title)}* · <@${p.user_id}> · `
    + `${escape(p.team)} · ${p.progress}%${due}`;
}

function listAll(teamId) {
  const rows = ACTIVE.all(teamId);
  const now = new Date();
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const title = `All active priorities (${rows.length})`;
  const blocks = [{ type: 'header', text: { type: 'plain_text', text: title, emoji: true } }];
  let section = [];
  let size = 0;
  for (const p of rows.slice(0, SHOWN)) {
    const l = line(p, today);
    if (section.length && size + l.length > PER_SECTION_CHARS) {
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: section.join('\n') } });
      section = [];
      size = 0;
    }
    section.push(l);
    size += l.length + 40; // as pacer counts a line
  }
  if (section.length) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: section.join('\n') } });
  if (rows.length > SHOWN) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${rows.length - SHOWN} more.` }] });
  }
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: 'Next: `/pacer show #N` · `/pacer status #N at-risk 40% note` · `/pacer list stalled`' }],
  });
  return { response_type: 'ephemeral', text: title, blocks };
}

const app = new App({
  signingSecret: process.env.SLACK_SIGNING_SECRET,
  token: process.env.SLACK_BOT_TOKEN,
  // Bolt checks the token once (auth.test): against the local fake, never slack.com.
  clientOptions: { slackApiUrl: process.env.SLACK_API_BASE_URL || 'http://127.0.0.1:4100/api/' },
  endpoints: ['/slack/events', '/slack/commands'],
  logLevel: LogLevel.WARN,
});

app.command('/pacer', async ({ command, ack }) => {
  const text = (command.text || '').trim();
  if (text === 'list all') {
    await ack(listAll(command.team_id));
  } else {
    await ack({ response_type: 'ephemeral', text: 'This peer answers only `/pacer list all`.' });
  }
});

(async () => {
  await app.start({ port, host: '127.0.0.1' });
  console.log(`bolt-js peer on http://127.0.0.1:${port}/slack/commands`);
})();
