/**
 * The always-visible parts fed by the live feed: the totals strip and the nodes table.
 */
import { ago, bytes, duration, h } from './format.js';

const STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'];

export function renderTotals(root, t) {
  const total = STATUSES.reduce((sum, s) => sum + (t.jobs[s] ?? 0), 0);
  const card = (label, value, note, cls = '') =>
    h(
      'div',
      { class: `card ${cls}` },
      h('div', { class: 'label' }, label),
      h('div', { class: 'value' }, value),
      h('div', { class: 'note' }, note),
    );
  const pending = t.workSavedPending > 0 ? ` (${t.workSavedPending} pending)` : '';
  root.replaceChildren(
    h(
      'div',
      { class: 'card jobs-card' },
      h('div', { class: 'label' }, 'Jobs'),
      h('div', { class: 'value' }, total.toLocaleString()),
      h(
        'div',
        { class: 'statuses' },
        ...STATUSES.map((s) =>
          h(
            'span',
            { class: `count ${s}`, title: s },
            h('i', { class: `sw ${s}` }),
            `${(t.jobs[s] ?? 0).toLocaleString()} ${s}`,
          ),
        ),
      ),
    ),
    card('Takeovers', String(t.takeoversLastHour), 'last hour', t.takeoversLastHour > 0 ? 'warn' : ''),
    card('Median takeover', duration(t.medianTakeoverMs), 'last heartbeat → new owner'),
    card('Checkpoints', t.checkpointsLastHour.toLocaleString(), `last hour${t.capped ? ' (capped)' : ''}`),
    card('Mean checkpoint', bytes(t.meanCheckpointBytes), 'size, last hour'),
    card('Work saved', duration(t.workSavedMs), `by resuming, last hour${pending}`, t.workSavedMs > 0 ? 'good' : ''),
  );
}

const STATE_HELP = {
  alive: 'heartbeating',
  dead: 'missed its heartbeats: declared dead, its jobs taken over',
  draining: 'stopping: handing off its jobs',
  stopped: 'stopped gracefully',
};

export function renderNodes(root, nodes) {
  if (nodes.length === 0)
    return root.replaceChildren(h('p', { class: 'empty' }, 'No nodes yet: start workers with `baton worker`.'));
  const rows = nodes.map((n) =>
    h(
      'tr',
      { class: `node ${n.state}`, dataset: { node: n.label } },
      h(
        'td',
        {},
        h('span', { class: `dot ${n.state}` }),
        h('b', {}, n.label),
        h('span', { class: 'muted small' }, ` ${n.id.slice(0, 8)}`),
      ),
      h('td', {}, h('span', { class: `pill ${n.state}`, title: STATE_HELP[n.state] }, n.state)),
      h(
        'td',
        {},
        n.state === 'alive' ? ago(n.heartbeatAt) : h('span', { class: 'muted' }, 'last ', ago(n.heartbeatAt)),
      ),
      h('td', { class: 'num' }, String(n.runningJobs)),
      h('td', {}, n.deadAt === null ? h('span', { class: 'muted' }, '–') : ago(n.deadAt)),
      h('td', {}, takenOver(n)),
      h('td', { class: 'muted small' }, `${n.host} · pid ${n.pid}`),
    ),
  );
  root.replaceChildren(
    h(
      'table',
      { class: 'grid nodes' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['Node', 'State', 'Heartbeat', 'Running', 'Died / stopped', 'Jobs taken over by', 'Host'].map((c) =>
            h('th', {}, c),
          ),
        ),
      ),
      h('tbody', {}, rows),
    ),
  );
}

function takenOver(n) {
  if (n.takenOver.length === 0) return h('span', { class: 'muted' }, n.state === 'dead' ? 'none (last hour)' : '–');
  const byNode = new Map();
  for (const t of n.takenOver) byNode.set(t.toNode, [...(byNode.get(t.toNode) ?? []), t.jobId]);
  return [...byNode].map(([node, jobs]) =>
    h(
      'span',
      { class: 'handoff', title: jobs.join('\n') },
      '→ ',
      h('b', {}, node),
      ` (${jobs.length} job${jobs.length === 1 ? '' : 's'})`,
    ),
  );
}
