/** Parts of the job page: its outcome (result, error or input) and one line per event. */
import { bytes, clock, h, percent } from './format.js';

/** The error if there is one, else the result once completed, else the input. */
export function outcome(job) {
  const panel = (title, cls, text) =>
    h('section', { class: 'panel' }, h('h2', {}, title), h('pre', { class: cls }, text));
  if (job.error !== null) {
    const text = `${job.error.code ? `${job.error.code}: ` : ''}${job.error.message}`;
    return panel(job.status === 'failed' ? 'Error' : 'Last error', 'error', text);
  }
  if (job.status === 'completed') return panel('Result', 'value', JSON.stringify(job.result, null, 2));
  return panel('Input', 'value', JSON.stringify(job.input, null, 2));
}

/** One readable history line, like `baton jobs inspect` prints. */
export function eventLine(e) {
  const d = e.data ?? {};
  const text = {
    checkpoint: () =>
      `checkpoint #${d.seq} at ${percent(d.progress)}${d.step ? `, step ${d.step}` : ''}, ${bytes(d.sizeBytes)}`,
    takeover: () => `takeover: ${d.fromNode} → ${d.toNode}`,
    requeued: () => `requeued: owner ${d.fromNode} declared dead`,
    retry: () => (d.manual ? 'retry requested' : `error, retry planned: ${d.error}`),
    failed: () => `failed: ${d.code ?? ''} ${d.error ?? ''}`,
  }[e.type];
  const where = e.nodeId ? ` on ${e.nodeId}` : '';
  const tag = e.attempt !== null ? ` · attempt ${e.attempt}` : '';
  return h(
    'li',
    { class: `ev ${e.type.replace(':', '-')}` },
    h('time', {}, clock(e.at)),
    h('span', {}, `${text ? text() : e.type}${where}${tag}`),
  );
}
