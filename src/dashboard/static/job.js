/**
 * One job: header with Cancel / Retry, facts, the timeline across nodes, the result or the
 * error, the kept checkpoints (decoded on click) and the event history. Reloaded when the
 * live feed names the job.
 */
import { getJson, jobPath, post } from './api.js';
import { CheckpointList } from './checkpoints.js';
import { ago, dateTime, duration, h, progressBar, statusPill } from './format.js';
import { eventLine, outcome } from './job-parts.js';
import { renderTimeline } from './timeline.js';

const ARM_MS = 4000;

export class JobView {
  constructor(root, toast) {
    this.root = root;
    this.toast = toast;
    this.id = null;
    this.loading = null;
    this.dirty = false;
    this.job = undefined;
    this.armed = null; // { verb, until }: the action button waiting for its confirming click
    this.busy = false;
  }

  open(id) {
    this.id = id;
    this.job = undefined;
    this.armed = null;
    this.checkpoints = new CheckpointList(id);
    this.root.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
    return this.load();
  }

  close() {
    this.id = null;
  }

  onChanged({ changed, overflow }) {
    if (this.id !== null && (overflow || changed.includes(this.id))) void this.load();
  }

  load() {
    if (this.loading !== null) {
      this.dirty = true;
      return this.loading;
    }
    const id = this.id;
    this.loading = getJson(jobPath(id))
      .then((d) => this.id === id && this.render(d))
      .catch((err) => this.id === id && this.root.replaceChildren(h('p', { class: 'error' }, err.message)))
      .finally(() => {
        this.loading = null;
        if (this.dirty && this.id !== null) {
          this.dirty = false;
          void this.load();
        }
      });
    return this.loading;
  }

  render({ job, timeline, checkpoints, events, now }) {
    this.job = job;
    this.actionsBox = h('div', { class: 'actions' }, this.actions(job));
    const running = job.status === 'running';
    const fact = (label, ...value) => h('div', { class: 'fact' }, h('dt', {}, label), h('dd', {}, ...value));
    const timelineBox = h('div', { class: 'timeline-box' });
    this.root.replaceChildren(
      h('a', { class: 'back', href: '#/' }, '← all jobs'),
      h(
        'div',
        { class: 'job-head' },
        h('h1', {}, job.id),
        statusPill(job.status),
        h('span', { class: 'task' }, job.task, job.taskVersion ? ` v${job.taskVersion}` : ''),
        this.actionsBox,
      ),
      h(
        'div',
        { class: 'job-progress' },
        progressBar(job.progress, job.status),
        job.currentStep ? h('span', { class: 'muted' }, 'step ', h('b', {}, job.currentStep)) : null,
      ),
      h(
        'dl',
        { class: 'facts' },
        fact(
          'Attempt',
          String(job.attempt),
          h(
            'div',
            { class: 'muted small' },
            `crashes ${job.crashCount}/${job.maxCrashes} · errors ${job.errorCount}/${job.maxAttempts ?? '–'}`,
          ),
        ),
        fact('Node', job.owner ?? '–'),
        fact(
          'Last checkpoint',
          running && job.lastCheckpointAt !== null
            ? h('span', { class: 'risk' }, ago(job.lastCheckpointAt))
            : `#${job.checkpointSeq}`,
        ),
        fact('Created', dateTime(job.createdAt)),
        fact('Run time', duration((job.finishedAt ?? now) - (job.startedAt ?? now))),
        fact('Lease epoch', String(job.epoch)),
      ),
      h('section', { class: 'panel' }, h('h2', {}, 'Timeline across nodes'), timelineBox),
      outcome(job),
      h(
        'section',
        { class: 'panel' },
        h('h2', {}, `Checkpoints kept (${checkpoints.length})`),
        this.checkpoints.render(checkpoints),
      ),
      h('section', { class: 'panel' }, h('h2', {}, 'History'), h('ol', { class: 'history' }, events.map(eventLine))),
    );
    renderTimeline(timelineBox, timeline, { running, now });
  }

  /** Cancel and Retry. Their armed state lives here, so a live re-render does not disarm them. */
  actions(job) {
    const armed = (verb) => this.armed?.verb === verb && Date.now() < this.armed.until;
    const button = (label, verb, enabled) =>
      h(
        'button',
        {
          class: `action ${verb}${enabled && armed(verb) ? ' armed' : ''}`,
          disabled: !enabled || this.busy,
          onclick: () => this.act(verb, armed(verb)),
        },
        enabled && armed(verb) ? `Confirm ${verb}` : label,
      );
    return [
      button('Cancel', 'cancel', job.status === 'queued' || job.status === 'running'),
      button('Retry', 'retry', job.status === 'failed' || job.status === 'cancelled'),
    ];
  }

  /** First click arms the button, the second (within 4 s) acts: no modal dialog, no accident. */
  async act(verb, armed) {
    if (!armed) {
      this.armed = { verb, until: Date.now() + ARM_MS };
      setTimeout(() => this.refreshActions(), ARM_MS + 50);
      return this.refreshActions();
    }
    this.armed = null;
    this.busy = true;
    this.refreshActions();
    try {
      const r = await post(`${jobPath(this.id)}/${verb}`);
      this.toast(`job ${r.id} is ${r.status}`);
    } catch (err) {
      this.toast(err.message, true);
    }
    this.busy = false;
    await this.load();
  }

  refreshActions() {
    if (this.job !== undefined) this.actionsBox.replaceChildren(...this.actions(this.job));
  }
}
