/* global URLSearchParams */
/**
 * The jobs list: filters (status, task, node), keyset pages of 50 (Older follows the last
 * row's cursor; Newer pops back), reloaded only when the live feed names a job it shows.
 */
import { getJson } from './api.js';
import { ago, h, progressBar, statusPill } from './format.js';

const PAGE = 50;
const STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'];

export class JobsList {
  constructor(root) {
    this.root = root;
    this.filters = { status: '', task: '', node: '' };
    this.cursors = []; // cursors of the pages before this one
    this.before = null;
    this.shown = new Set();
    this.loading = null;
    this.dirty = false;
    this.build();
  }

  build() {
    const set = (k) => (e) => {
      this.filters[k] = e.target.value.trim();
      this.firstPage();
    };
    this.nodeSelect = h('select', { name: 'node', onchange: set('node') }, h('option', { value: '' }, 'any node'));
    this.taskList = h('datalist', { id: 'task-names' });
    this.body = h('tbody');
    this.pager = h('div', { class: 'pager' });
    this.root.replaceChildren(
      h(
        'div',
        { class: 'filters' },
        h(
          'select',
          { name: 'status', onchange: set('status') },
          h('option', { value: '' }, 'any status'),
          STATUSES.map((s) => h('option', { value: s }, s)),
        ),
        h('input', { name: 'task', placeholder: 'task', list: 'task-names', onchange: set('task') }),
        this.taskList,
        this.nodeSelect,
      ),
      h(
        'table',
        { class: 'grid jobs' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['Job', 'Task', 'Status', 'Progress', 'Step', 'Attempt', 'Node', 'At risk', 'Updated'].map((c) =>
              h('th', {}, c),
            ),
          ),
        ),
        this.body,
      ),
      this.pager,
    );
  }

  /** Filter choices from the overview: tasks live nodes serve, node labels. */
  setChoices(tasks, labels) {
    this.taskList.replaceChildren(...tasks.map((t) => h('option', { value: t })));
    const current = this.nodeSelect.value;
    const wanted = [...new Set([...labels, current].filter(Boolean))].sort();
    const have = [...this.nodeSelect.options].slice(1).map((o) => o.value);
    if (wanted.join('\n') !== have.join('\n')) {
      this.nodeSelect.replaceChildren(
        h('option', { value: '' }, 'any node'),
        ...wanted.map((l) => h('option', { value: l }, l)),
      );
      this.nodeSelect.value = current;
    }
  }

  firstPage() {
    this.cursors = [];
    this.before = null;
    return this.load();
  }

  /** Reloads when a shown job changed, or on new submissions while the first page is shown. */
  onChanged({ changed, submitted, overflow }) {
    if (overflow || (submitted > 0 && this.before === null) || changed.some((id) => this.shown.has(id)))
      void this.load();
  }

  async load() {
    if (this.loading !== null) {
      this.dirty = true;
      return this.loading;
    }
    const q = new URLSearchParams({ limit: String(PAGE) });
    for (const [k, v] of Object.entries(this.filters)) if (v) q.set(k, v);
    if (this.before !== null) q.set('before', this.before);
    this.loading = getJson(`/api/jobs?${q}`)
      .then((page) => this.render(page))
      .catch((err) => this.body.replaceChildren(h('tr', {}, h('td', { colspan: 9, class: 'error' }, err.message))))
      .finally(() => {
        this.loading = null;
        if (this.dirty) {
          this.dirty = false;
          void this.load();
        }
      });
    return this.loading;
  }

  render(page) {
    this.shown = new Set(page.jobs.map((j) => j.id));
    this.body.replaceChildren(
      ...(page.jobs.length === 0
        ? [h('tr', {}, h('td', { colspan: 9, class: 'empty' }, 'No jobs match.'))]
        : page.jobs.map(row)),
    );
    const from = this.cursors.length * PAGE + 1;
    const range =
      page.jobs.length === 0 ? '' : `${from.toLocaleString()}–${(from + page.jobs.length - 1).toLocaleString()}`;
    const older = h(
      'button',
      { class: 'older', disabled: page.next === null, onclick: () => this.go(page.next) },
      'Older →',
    );
    const newer = h(
      'button',
      { class: 'newer', disabled: this.cursors.length === 0, onclick: () => this.back() },
      '← Newer',
    );
    const of = page.total === null ? '' : ` of ${page.total.toLocaleString()}`;
    this.pager.replaceChildren(newer, h('span', { class: 'muted' }, range ? `jobs ${range}${of}` : ''), older);
  }

  go(cursor) {
    this.cursors.push(this.before);
    this.before = cursor;
    void this.load();
  }

  back() {
    this.before = this.cursors.pop() ?? null;
    void this.load();
  }
}

function row(j) {
  const risk =
    j.status !== 'running'
      ? h('span', { class: 'muted' }, '–')
      : j.lastCheckpointAt === null
        ? h('span', { class: 'risk none' }, 'no checkpoint')
        : h('span', { class: 'risk' }, ago(j.lastCheckpointAt, ''));
  const count = (n, one, many) => (n === 0 ? null : `${n} ${n === 1 ? one : many}`);
  const why = [count(j.crashCount, 'crash', 'crashes'), count(j.errorCount, 'error', 'errors')]
    .filter(Boolean)
    .join(', ');
  const retries = why ? h('span', { class: 'muted small' }, ` (${why})`) : null;
  return h(
    'tr',
    { class: `job ${j.status}`, dataset: { id: j.id } },
    h('td', { class: 'id' }, h('a', { href: `#/jobs/${encodeURIComponent(j.id)}` }, j.id)),
    h('td', {}, j.task),
    h('td', {}, statusPill(j.status)),
    h('td', { class: 'bar' }, progressBar(j.progress, j.status)),
    h('td', { class: 'step' }, j.currentStep ?? h('span', { class: 'muted' }, '–')),
    h('td', { class: 'num' }, String(j.attempt), retries),
    h('td', {}, j.owner ?? h('span', { class: 'muted' }, '–')),
    h('td', {}, risk),
    h('td', {}, ago(j.updatedAt)),
  );
}
