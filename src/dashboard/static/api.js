/* global fetch, EventSource */
/**
 * Talking to the server. Reads are plain GETs (the auth cookie rides along); changes are
 * POSTs with the X-Baton header, which the server demands so a cross-site form cannot act.
 */

export async function getJson(path) {
  const res = await fetch(path, { headers: { Accept: 'application/json' } });
  return unwrap(res);
}

export async function post(path) {
  const res = await fetch(path, { method: 'POST', headers: { 'X-Baton': '1', Accept: 'application/json' } });
  return unwrap(res);
}

async function unwrap(res) {
  const body = await res.json().catch(() => ({ error: `HTTP ${res.status}` }));
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
  return body;
}

/** Opens the live feed; handlers by event name. EventSource reconnects by itself. */
export function connectLive(handlers) {
  const es = new EventSource('/api/live');
  for (const [name, fn] of Object.entries(handlers)) {
    if (name === 'open' || name === 'error') es.addEventListener(name, fn);
    else es.addEventListener(name, (e) => fn(JSON.parse(e.data)));
  }
  return es;
}

export const jobPath = (id) => `/api/jobs/${encodeURIComponent(id)}`;
