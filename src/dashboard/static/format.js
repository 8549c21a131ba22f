/* global document, Node */
/**
 * DOM and text helpers. Every value from the store reaches the page as text nodes or
 * attributes, never as HTML: job ids, step names and error messages are user data.
 */

/** Builds an element: h('td', { class: 'x', dataset: { id } }, 'text', child). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  for (const c of children.flat())
    if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Builds an SVG element with attributes (numbers rounded to 0.1 px). */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  for (const c of children.flat())
    if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, typeof v === 'number' ? String(Math.round(v * 10) / 10) : String(v));
  }
}

export function duration(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 0) ms = 0;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} m ${Math.floor((ms % 60_000) / 1000)} s`;
  if (ms < 86_400_000) return `${Math.floor(ms / 3_600_000)} h ${Math.floor((ms % 3_600_000) / 60_000)} m`;
  return `${Math.floor(ms / 86_400_000)} d ${Math.floor((ms % 86_400_000) / 3_600_000)} h`;
}

export function bytes(n) {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  if (n < 1024) return `${Math.round(n)} B`;
  if (n < 1 << 20) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1 << 30) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  return `${(n / (1 << 30)).toFixed(2)} GiB`;
}

export function percent(p) {
  return `${Math.floor((p ?? 0) * 100)}%`;
}

/** Local wall-clock time with milliseconds, for tooltips. */
export function clock(ms) {
  if (ms === null || ms === undefined) return '–';
  const d = new Date(ms);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function dateTime(ms) {
  if (ms === null || ms === undefined) return '–';
  const d = new Date(ms);
  return `${d.toLocaleDateString()} ${clock(ms).slice(0, 8)}`;
}

let clockOffset = 0; // the store's clock minus this browser's

export function setClockOffset(ms) {
  clockOffset = ms;
}

/** Now by the store's clock, which stamps every time the page shows. */
export function storeNow() {
  return Date.now() + clockOffset;
}

/** An element whose text is "<age> ago", kept current by the page's one-second tick. */
export function ago(at, suffix = ' ago') {
  if (at === null || at === undefined) return h('span', { class: 'muted' }, '–');
  return h('span', { class: 'age', dataset: { at: String(at), suffix } }, `${duration(storeNow() - at)}${suffix}`);
}

export function statusPill(status) {
  return h('span', { class: `pill ${status}` }, status);
}

export function progressBar(p, status) {
  const fill = h('div', { class: 'fill' });
  fill.style.width = `${Math.max(0, Math.min(1, Number(p) || 0)) * 100}%`; // CSSOM: allowed by the CSP
  return h('div', { class: `progress ${status ?? ''}`, title: percent(p) }, fill, h('span', {}, percent(p)));
}
