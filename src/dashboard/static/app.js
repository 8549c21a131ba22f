/* global document, window, location, Element */
/**
 * The page: routes (#/ the overview, #/jobs/<id> one job), the live feed, the one-second tick
 * that keeps "ago" texts current by the store's clock, tooltips and toasts.
 */
import { connectLive } from './api.js';
import { duration, h, setClockOffset, storeNow } from './format.js';
import { JobView } from './job.js';
import { JobsList } from './jobs.js';
import { renderNodes, renderTotals } from './overview.js';

const $ = (id) => document.getElementById(id);

const jobs = new JobsList($('jobs'));
const job = new JobView($('job'), toast);

function route() {
  const m = /^#\/jobs\/(.+)$/.exec(location.hash);
  $('overview-view').hidden = m !== null;
  $('job-view').hidden = m === null;
  if (m === null) {
    job.close();
    void jobs.load();
  } else {
    void job.open(decodeURIComponent(m[1]));
  }
  window.scrollTo(0, 0);
}

connectLive({
  open: () => setLive('live', 'live'),
  error: () => setLive('down', 'reconnecting…'),
  overview: (o) => {
    setClockOffset(o.now - Date.now());
    $('store').textContent = o.store;
    renderTotals($('totals'), o.totals);
    renderNodes($('nodes'), o.nodes);
    jobs.setChoices(o.tasks, [...new Set(o.nodes.map((n) => n.label))]);
    setLive('live', 'live');
    tick();
  },
  jobs: (change) => {
    if ($('job-view').hidden) jobs.onChanged(change);
    else job.onChanged(change);
  },
  trouble: ({ error }) => setLive('down', `store trouble: ${error}`),
});

function setLive(state, text) {
  $('live').className = `live ${state}`;
  $('live-text').textContent = text;
}

/** Ages ("12 s ago") and work-at-risk timers, by the store's clock. */
function tick() {
  const now = storeNow();
  for (const el of document.querySelectorAll('.age[data-at]'))
    el.textContent = `${duration(now - Number(el.dataset.at))}${el.dataset.suffix ?? ''}`;
}

function toast(message, isError = false) {
  const el = h('div', { class: `toast ${isError ? 'error' : ''}`, role: 'status' }, message);
  $('toasts').append(el);
  setTimeout(() => el.remove(), 5000);
}

/** One tooltip for the whole page: any element with data-tip. */
const tip = $('tooltip');
document.addEventListener('mouseover', (e) => {
  const target = e.target instanceof Element ? e.target.closest('[data-tip]') : null;
  if (target === null) return void (tip.hidden = true);
  tip.textContent = target.getAttribute('data-tip');
  tip.hidden = false;
});
document.addEventListener('mousemove', (e) => {
  if (tip.hidden) return;
  const x = Math.min(e.clientX + 14, window.innerWidth - tip.offsetWidth - 8);
  tip.style.left = `${x}px`;
  tip.style.top = `${e.clientY + 16}px`;
});

window.addEventListener('hashchange', route);
setInterval(tick, 1000);
route();
