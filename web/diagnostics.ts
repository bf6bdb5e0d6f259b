import { connect, type Diagnostics, type SwitchboardClient } from './client/index.js';
import { badgeText } from './ui/badge.js';
import { byId } from './ui/dom.js';

// The /diagnostics page: its own client tries the transports exactly as the chat page does (same page
// parameters: ?transport=, ?timeoutMs=, ?demotionMs=), and shows what happened, live.

declare global {
  interface Window {
    /** The page's client, for the console and the end-to-end tests. */
    switchboard: SwitchboardClient;
  }
}

const params = new URLSearchParams(location.search);
const timeoutMs = Number(params.get('timeoutMs'));
const demotionMs = Number(params.get('demotionMs'));
const client = connect({
  nick: 'diagnostics',
  ...(demotionMs > 0 ? { demotionMs } : {}),
  ...(timeoutMs > 0 ? { websocketTimeoutMs: timeoutMs, sseTimeoutMs: timeoutMs } : {}),
});
window.switchboard = client;
byId<HTMLAnchorElement>('chat-link').search = location.search;

const badge = byId<HTMLSpanElement>('badge');
const summary = byId<HTMLDListElement>('summary');
const rows = byId<HTMLTableElement>('attempts').tBodies[0] as HTMLTableSectionElement;
const report = byId<HTMLPreElement>('report');
const copied = byId<HTMLSpanElement>('copied');

function cell(text: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

function entry(term: string, value: string): HTMLElement[] {
  const dt = document.createElement('dt');
  dt.textContent = term;
  const dd = document.createElement('dd');
  dd.textContent = value;
  dd.dataset.field = term;
  return [dt, dd];
}

function render(d: Diagnostics): void {
  badge.textContent = badgeText(client.state, client.transport);
  badge.dataset.state = client.state;
  badge.dataset.transport = client.transport ?? '';
  const rooms = Object.entries(d.cursors).map(([room, c]) => `${room} ${c.epoch}:${c.seq}`);
  summary.replaceChildren(
    ...entry('state', d.state),
    ...entry('transport', d.transport ?? '–'),
    ...entry(
      'mode',
      `${d.negotiation.mode}${d.negotiation.plan ? ` (plan: ${d.negotiation.plan.steps.join(' → ')}, ${d.negotiation.plan.why})` : ''}`,
    ),
    ...entry('session', d.session ?? '–'),
    ...entry('capabilities', d.caps.length > 0 ? d.caps.join(', ') : 'none'),
    ...entry('WebSocket demotion', d.negotiation.demotion?.reason ?? 'none'),
    ...entry('SSE demotion', d.negotiation.sse.demotion?.reason ?? 'none'),
    ...entry('cursors', rooms.length > 0 ? rooms.join('; ') : 'no rooms'),
    ...entry(
      'browser has',
      `WebSocket: ${d.abilities.websocket ? 'yes' : 'no'}, EventSource: ${d.abilities.eventSource ? 'yes' : 'no'}`,
    ),
  );
  rows.replaceChildren(
    ...d.attempts.map((a) => {
      const tr = document.createElement('tr');
      tr.dataset.transport = a.transport;
      tr.dataset.result = a.result;
      tr.dataset.code = a.code ?? '';
      const rtt = a.result === 'ok' ? d.rttMs[a.transport] : undefined;
      tr.append(
        cell(a.transport),
        cell(a.result),
        cell(a.reason ?? ''),
        cell(a.ms === undefined ? '' : `${a.ms} ms`),
        cell(rtt === undefined ? '' : `${rtt} ms`),
      );
      return tr;
    }),
  );
  report.textContent = JSON.stringify(d, null, 2);
}

function refresh(): void {
  render(client.diagnostics());
}

byId<HTMLButtonElement>('copy').addEventListener('click', () => {
  const text = JSON.stringify(client.diagnostics(), null, 2);
  const done = (how: string) => {
    copied.textContent = how;
  };
  if (navigator.clipboard?.writeText) {
    navigator.clipboard.writeText(text).then(
      () => done('Copied.'),
      () => done('Select the report below and copy it.'),
    );
  } else done('Select the report below and copy it.');
});

for (const event of ['state', 'transport', 'welcome', 'demoted', 'resumed'] as const)
  client.on(event, refresh);
// Round trips are measured after the welcome; a slow refresh picks them up without a per-ping event.
setInterval(refresh, 1000);
refresh();
