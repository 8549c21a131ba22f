/**
 * A job's kept checkpoints. Clicking one loads it through the server (verified, decoded, as
 * `toInspectable` pictures it) and shows its state, step results and input; what is open
 * stays open across live reloads.
 */
import { getJson, jobPath } from './api.js';
import { bytes, clock, h, percent } from './format.js';

export class CheckpointList {
  constructor(jobId) {
    this.jobId = jobId;
    this.open = new Map(); // seq → decoded checkpoint, or { error }
  }

  render(checkpoints) {
    if (checkpoints.length === 0)
      return h(
        'p',
        { class: 'empty' },
        'None kept: a job keeps its newest checkpoints while it runs and drops them once completed.',
      );
    this.body = h('tbody');
    this.rows = checkpoints;
    this.fill();
    return h(
      'table',
      { class: 'grid checkpoints' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['#', 'Written', 'Node', 'Attempt', 'Progress', 'Step', 'Steps done', 'Size'].map((c) => h('th', {}, c)),
        ),
      ),
      this.body,
    );
  }

  fill() {
    const rows = [];
    for (const c of this.rows) {
      rows.push(
        h(
          'tr',
          {
            class: `cp ${this.open.has(c.seq) ? 'open' : ''}`,
            dataset: { seq: String(c.seq) },
            title: 'show the decoded checkpoint',
            onclick: () => this.toggle(c.seq),
          },
          h('td', { class: 'num' }, `#${c.seq}`),
          h('td', {}, clock(c.createdAt)),
          h('td', {}, c.nodeId),
          h('td', { class: 'num' }, String(c.attempt)),
          h('td', {}, percent(c.progress)),
          h('td', {}, c.currentStep ?? '–'),
          h('td', {}, c.completedSteps.join(', ') || '–'),
          h('td', {}, bytes(c.sizeBytes)),
        ),
      );
      const decoded = this.open.get(c.seq);
      if (decoded !== undefined) rows.push(h('tr', { class: 'decoded' }, h('td', { colspan: 8 }, show(decoded))));
    }
    this.body.replaceChildren(...rows);
  }

  async toggle(seq) {
    if (this.open.has(seq)) {
      this.open.delete(seq);
      return this.fill();
    }
    this.open.set(seq, { loading: true });
    this.fill();
    try {
      this.open.set(seq, await getJson(`${jobPath(this.jobId)}/checkpoints/${seq}`));
    } catch (err) {
      this.open.set(seq, { error: err.message });
    }
    if (this.open.has(seq)) this.fill();
  }
}

function show(d) {
  if (d.loading) return h('p', { class: 'muted' }, 'Verifying and decoding…');
  if (d.error) return h('p', { class: 'error' }, d.error);
  const block = (title, value) =>
    h('div', { class: 'block' }, h('h3', {}, title), h('pre', { class: 'value' }, JSON.stringify(value, null, 2)));
  return h(
    'div',
    { class: 'decoded-grid' },
    block('state', d.state),
    block('step results', d.stepResults),
    block('intermediate results', d.intermediateResults),
    block('input', d.input),
  );
}
