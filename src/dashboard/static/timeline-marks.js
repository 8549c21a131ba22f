/**
 * The marks on a job's timeline: checkpoint diamonds, the kill cross, the detection
 * triangle, the takeover arrow between lanes, the resume circle with the steps it skipped,
 * and the end. Each carries its details in data-tip for the page's tooltip.
 */
import { bytes, clock, duration, percent, s } from './format.js';

/** Top of the first lane, and the height of an attempt bar. */
export const TOP = 44;
export const BAR = 22;

export function markShapes(m, t, x, mid) {
  const d = m.data ?? {};
  const cx = x(m.at);
  const cy = m.node === null ? TOP + 2 : mid(m.node);
  const g = (cls, tip, ...children) =>
    s('g', { class: `mark ${cls}`, 'data-tip': `${tip}\n${clock(m.at)}` }, ...children);
  switch (m.kind) {
    case 'checkpoint':
      return [
        g(
          'checkpoint',
          `checkpoint #${d.seq} · ${percent(d.progress)}${d.step ? ` · in ${d.step}` : ''}\n${d.steps} step(s) done · ${bytes(d.sizeBytes)}`,
          diamond(cx, cy, 5.5),
        ),
      ];
    case 'kill':
      // Just past the bar's end: the process died some time after its last sign of life.
      return [
        g(
          'kill',
          `owner died after its last sign of life (heartbeat or checkpoint)\nwork lost since its last checkpoint: ${duration(d.lostMs)} or more`,
          cross(cx + 10, cy, 'under'),
          cross(cx + 10, cy, 'over'),
        ),
        s('text', { class: 'mark-label kill', x: cx + 10, y: cy - BAR / 2 - 6, 'text-anchor': 'middle' }, 'killed'),
      ];
    case 'detected':
      return [
        g(
          'detected',
          `declared dead, job requeued\n${d.reason ?? ''}`,
          s('path', { d: `M${cx},${cy - 8}L${cx + 7},${cy + 5}L${cx - 7},${cy + 5}Z` }),
        ),
        s('text', { class: 'mark-label detected', x: cx, y: cy - BAR / 2 - 6, 'text-anchor': 'middle' }, 'detected'),
      ];
    case 'takeover':
      return [takeoverArrow(m, t, x, mid)];
    case 'resume': {
      const skipped = d.stepNames?.length ? d.stepNames.join(', ') : `${d.steps} step(s)`;
      const text = `resumed from #${d.seq} (${percent(d.progress)}) · skipped ${skipped}`;
      return [
        g('resume', text, s('circle', { cx, cy, r: 7 }), s('text', { x: cx, y: cy + 4, 'text-anchor': 'middle' }, '↻')),
        s('text', { class: 'mark-label resume', x: cx + 2, y: cy + BAR / 2 + 14 }, text),
      ];
    }
    case 'completed':
      return [
        g('completed', 'completed', s('circle', { cx, cy, r: 8 }), s('path', { d: `M${cx - 4},${cy}l3,3l5,-6` })),
      ];
    case 'failed':
      return [
        g(
          'failed',
          `failed: ${d.error ?? ''}`,
          s('circle', { cx, cy, r: 8 }),
          s('text', { x: cx, y: cy + 4, 'text-anchor': 'middle' }, '!'),
        ),
      ];
    case 'cancelled':
      return [g('cancelled', 'cancelled', s('rect', { x: cx - 6, y: cy - 6, width: 12, height: 12, rx: 2 }))];
    case 'submitted':
      return [
        g('submitted', 'submitted', s('circle', { cx, cy, r: 4 })),
        s('text', { class: 'mark-label', x: cx + 7, y: cy + 4 }, 'submitted'),
      ];
    default:
      return [g('other', `${m.kind}${d.error ? `: ${d.error}` : ''}`, s('circle', { cx, cy, r: 4 }))];
  }
}

function cross(cx, cy, cls) {
  return s('path', {
    class: cls,
    d: `M${cx - 6},${cy - 6}L${cx + 6},${cy + 6}M${cx + 6},${cy - 6}L${cx - 6},${cy + 6}`,
  });
}

function diamond(cx, cy, r) {
  return s('path', { d: `M${cx},${cy - r}L${cx + r},${cy}L${cx},${cy + r}L${cx - r},${cy}Z` });
}

/** A dashed curve from the dead owner's kill mark down (or up) to the new owner's bar. */
function takeoverArrow(m, t, x, mid) {
  const d = m.data ?? {};
  const kill = t.marks.filter((k) => k.kind === 'kill' && k.at <= m.at && k.node === d.fromNode).at(-1);
  const [x1, y1] = [kill === undefined ? x(m.at) : x(kill.at) + 10, mid(d.fromNode ?? m.node)];
  const [x2, y2] = [x(m.at), mid(m.node)];
  const dir = y2 >= y1 ? 1 : -1;
  const path = `M${x1},${y1 + dir * (BAR / 2)} C${x1},${(y1 + y2) / 2} ${x2},${(y1 + y2) / 2} ${x2},${y2 - dir * (BAR / 2 + 3)}`;
  const label = `takeover${d.takeoverMs === null || d.takeoverMs === undefined ? '' : ` ${duration(d.takeoverMs)}`}`;
  const tip = `takeover: ${d.fromNode ?? '?'} → ${d.toNode ?? m.node}\n${duration(d.takeoverMs)} after the dead owner's last heartbeat`;
  return s(
    'g',
    { class: 'mark takeover', 'data-tip': `${tip}\n${clock(m.at)}` },
    s('path', { class: 'arrow', d: path }),
    s('path', {
      class: 'head',
      d: `M${x2 - 5},${y2 - dir * (BAR / 2 + 9)}L${x2},${y2 - dir * (BAR / 2 + 2)}L${x2 + 5},${y2 - dir * (BAR / 2 + 9)}`,
    }),
    s('text', { class: 'mark-label takeover', x: Math.max(x1, x2) + 8, y: (y1 + y2) / 2 + 4 }, label),
  );
}
