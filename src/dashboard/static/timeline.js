/**
 * Draws a job's timeline (the model from src/dashboard/timeline.ts) as SVG: one lane per
 * node, a bar per attempt, marks for checkpoints, the kill, detection, takeover, resume and
 * the end. Every mark carries its details in data-tip, shown by the page's tooltip.
 */
import { clock, duration, h, s } from './format.js';
import { BAR, markShapes, TOP } from './timeline-marks.js';

const GUTTER = 132;
const RIGHT = 28;
const LANE = 62;
const STEPS_S = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];

export function renderTimeline(root, t, { running, now }) {
  const width = Math.max(640, root.clientWidth || 960);
  const end = running ? Math.max(t.end, now) : t.end;
  const pad = Math.max((end - t.start) * 0.03, 250);
  const [d0, d1] = [t.start - pad, end + pad];
  const x = (at) => GUTTER + ((at - d0) / (d1 - d0)) * (width - GUTTER - RIGHT);
  const laneY = (node) => TOP + 12 + Math.max(0, t.lanes.indexOf(node)) * LANE;
  const mid = (node) => laneY(node) + LANE / 2;
  const height = TOP + 12 + t.lanes.length * LANE + 8;
  const svg = s('svg', {
    class: 'timeline',
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': 'job timeline across nodes',
  });

  svg.append(axis(t.start, d0, d1, x, height));
  t.lanes.forEach((node, i) => {
    const y = laneY(node);
    svg.append(
      s('rect', { class: `lane ${i % 2 ? 'odd' : ''}`, x: 0, y, width, height: LANE }),
      s('text', { class: 'lane-label', x: 14, y: y + LANE / 2 + 4 }, node),
    );
  });
  for (const b of t.bars) {
    const w = Math.max(3, x(b.end) - x(b.start));
    const tip = `attempt ${b.attempt} on ${b.node}\n${clock(b.start)} → ${clock(b.end)} (${duration(b.end - b.start)})\n${b.outcome}`;
    svg.append(
      s(
        'g',
        { class: `bar ${b.outcome}`, 'data-tip': tip },
        s('rect', { x: x(b.start), y: mid(b.node) - BAR / 2, width: w, height: BAR, rx: 5 }),
        w > 56 ? s('text', { x: x(b.start) + 8, y: mid(b.node) + 4 }, `attempt ${b.attempt}`) : null,
      ),
    );
  }
  for (const m of t.marks) svg.append(...markShapes(m, t, x, mid));
  if (running)
    svg.append(
      s(
        'g',
        { class: 'now' },
        s('line', { x1: x(now), x2: x(now), y1: TOP - 6, y2: height - 4 }),
        s('text', { x: x(now), y: TOP - 26, 'text-anchor': 'middle' }, 'now'),
      ),
    );
  root.replaceChildren(svg, legend());
}

function axis(start, d0, d1, x, height) {
  const spanS = (d1 - d0) / 1000;
  const step = STEPS_S.find((v) => spanS / v <= 9) ?? 86400;
  const g = s('g', { class: 'axis' }, s('text', { class: 'origin', x: 14, y: TOP - 22 }, clock(start).slice(0, 8)));
  for (let k = Math.ceil((d0 - start) / 1000 / step); start + k * step * 1000 <= d1; k++) {
    const at = start + k * step * 1000;
    const label = k === 0 ? 'start' : `+${duration(k * step * 1000)}`;
    g.append(
      s('line', { x1: x(at), x2: x(at), y1: TOP - 6, y2: height - 4 }),
      s('text', { x: x(at), y: TOP - 12, 'text-anchor': 'middle' }, label),
    );
  }
  return g;
}

function legend() {
  const item = (cls, text) => h('span', { class: `key ${cls}` }, h('i'), text);
  return h(
    'div',
    { class: 'legend' },
    item('running', 'running'),
    item('completed', 'completed'),
    item('crashed', 'crashed'),
    item('checkpoint', 'checkpoint'),
    item('kill', 'killed (last sign of life)'),
    item('detected', 'detected dead'),
    item('takeover', 'takeover'),
    item('resume', 'resume'),
  );
}
