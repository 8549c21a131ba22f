/**
 * The JSON API under /api: read-only except cancel and retry. Lists page by keyset
 * (`before=<createdAt>:<id>` of the last row shown), so no request reads more than a page.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { loadCheckpoint } from '../checkpoint/checkpoint-reader.js';
import { Client } from '../cluster/client.js';
import { JobStatus, type JobRow } from '../store/records.js';
import type { JobFilter, Store } from '../store/store.js';
import { HttpError, sendJson } from './http.js';
import type { LiveFeed } from './live.js';
import { buildTimeline } from './timeline.js';
import { bounded, jobDetail, jobListItem } from './views.js';

const STATUSES = new Set<string>(Object.values(JobStatus));
const JOB_PATH = /^\/api\/jobs\/([^/]+)(?:\/(cancel|retry)|\/checkpoints\/(\d+))?$/;

export class Api {
  private readonly client: Client;

  constructor(
    private readonly store: Store,
    private readonly live: LiveFeed,
  ) {
    this.client = new Client({ store });
  }

  /** Answers an /api request; throws HttpError for a bad one. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname;
    if (req.method === 'GET' && path === '/api/live') return this.live.attach(req, res);
    if (req.method === 'GET' && path === '/api/overview') return sendJson(res, 200, await this.live.overview());
    if (req.method === 'GET' && path === '/api/jobs') return sendJson(res, 200, await this.listJobs(url.searchParams));
    const m = JOB_PATH.exec(path);
    if (m === null) throw new HttpError(404, `no such API path: ${path}`);
    const jobId = decodeSegment(m[1]);
    if (m[2] !== undefined) {
      if (req.method !== 'POST') throw new HttpError(405, `${m[2]} needs POST`);
      const job = m[2] === 'cancel' ? await this.client.cancel(jobId) : await this.client.retry(jobId);
      return sendJson(res, 200, { id: job.id, status: job.status });
    }
    if (req.method !== 'GET') throw new HttpError(405, 'only GET here');
    if (m[3] !== undefined) return sendJson(res, 200, await this.checkpoint(jobId, Number(m[3])));
    return sendJson(res, 200, await this.jobDetail(jobId));
  }

  private async listJobs(q: URLSearchParams) {
    const filter: JobFilter = {};
    const status = q.get('status') || undefined;
    if (status !== undefined && !STATUSES.has(status)) throw new HttpError(400, `unknown status "${status}"`);
    if (status !== undefined) filter.status = status as JobStatus;
    filter.task = q.get('task') || undefined;
    filter.node = q.get('node') || undefined;
    const limit = Math.min(200, Math.max(1, Number(q.get('limit') ?? 50) || 50));
    const before = /^(\d+):(.+)$/s.exec(q.get('before') ?? '');
    if (before !== null) filter.before = { createdAt: Number(before[1]), id: before[2] };
    const rows = await this.store.listJobs({ ...filter, limit: limit + 1 });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const counts = filter.task === undefined && filter.node === undefined ? await this.store.countJobs() : null;
    const total =
      counts === null
        ? null
        : status !== undefined
          ? (counts[status as JobStatus] ?? 0)
          : Object.values(counts).reduce((a, b) => a + b, 0);
    return {
      jobs: await Promise.all(page.map(async (r) => jobListItem(r, await this.lastCheckpointAt(r)))),
      next: rows.length > limit && last !== undefined ? `${last.createdAt}:${last.id}` : null,
      total,
    };
  }

  private async lastCheckpointAt(row: JobRow): Promise<number | null> {
    if (row.status !== 'running' || row.checkpointSeq === 0) return null;
    return (await this.store.listCheckpoints(row.id, 1))[0]?.createdAt ?? null;
  }

  private async jobDetail(jobId: string) {
    const { store } = this;
    const row = await store.getJob(jobId);
    if (row === null) throw new HttpError(404, `no job "${jobId}" in this store`, 'JOB_NOT_FOUND');
    const [events, checkpoints, nodes, now] = await Promise.all([
      store.listEvents(jobId),
      store.getCheckpoints(jobId, 100),
      store.listNodes(),
      store.now(),
    ]);
    const timeline = buildTimeline({ events, nodes, now, running: row.status === 'running', checkpoints });
    return {
      now,
      job: jobDetail(row, row.status === 'running' ? (checkpoints[0]?.createdAt ?? null) : null),
      timeline,
      checkpoints: checkpoints.map(({ manifest: _m, checksum: _c, ...c }) => c),
      events: events.slice(-500),
    };
  }

  private async checkpoint(jobId: string, seq: number) {
    const row = (await this.store.getCheckpoints(jobId, 1000)).find((c) => c.seq === seq);
    if (row === undefined)
      throw new HttpError(404, `job "${jobId}" keeps no checkpoint seq ${seq} (finished jobs keep none)`);
    const { checkpoint: cp } = await loadCheckpoint(this.store, row);
    return {
      seq: cp.seq,
      createdAt: cp.timestamp,
      progress: cp.progress,
      currentStep: cp.currentStep,
      completedSteps: cp.completedSteps,
      sizeBytes: cp.sizeBytes,
      state: bounded(cp.state),
      stepResults: bounded(cp.stepResults),
      intermediateResults: bounded(cp.intermediateResults),
      input: bounded(cp.inputData),
    };
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, `malformed job id in the path: ${segment}`);
  }
}
