/** The machine a run measured: every result file carries it, so a number is never read without it. */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { cpus, loadavg, totalmem, release, platform } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR, DATA_DIR, PG_ADMIN_URL, REDIS_URL, ROOT_DIR } from './env.mjs';
import { sqliteVersion } from './floors.mjs';
import { postgresInfo } from './pg.mjs';

function df(dir) {
  const out = spawnSync('df', ['-PT', dir], { encoding: 'utf8' });
  const line = out.stdout?.trim().split('\n')[1];
  if (!line) return { dir, error: out.stderr?.trim() || 'df failed' };
  const [filesystem, type, blocks, used, available, capacity, mountedOn] = line.split(/\s+/);
  const gib = (kb) => `${(Number(kb) / 1024 / 1024).toFixed(0)} GiB`;
  return { dir, filesystem, type, size: gib(blocks), used: gib(used), available: gib(available), capacity, mountedOn };
}

/** Redis server version and persistence settings (null when no Redis answers). */
function redisInfo() {
  const url = new URL(REDIS_URL);
  const cli = (...a) =>
    spawnSync('redis-cli', ['-h', url.hostname, '-p', url.port || '6379', ...a], { encoding: 'utf8', timeout: 3000 });
  const info = cli('INFO', 'server');
  if (info.status !== 0 || !info.stdout) return null;
  const version = /redis_version:(\S+)/.exec(info.stdout)?.[1] ?? 'unknown';
  const get = (k) => cli('CONFIG', 'GET', k).stdout?.trim().split('\n')[1] ?? 'unknown';
  return {
    version,
    appendonly: get('appendonly'),
    appendfsync: get('appendfsync'),
    maxmemoryPolicy: get('maxmemory-policy'),
  };
}

function peerVersions() {
  const out = {};
  for (const name of ['graphile-worker', 'pg-boss', 'bullmq', 'ioredis', '@dbos-inc/dbos-sdk']) {
    try {
      out[name] = JSON.parse(readFileSync(join(BENCH_DIR, 'node_modules', name, 'package.json'), 'utf8')).version;
    } catch {
      out[name] = 'not installed';
    }
  }
  return out;
}

/**
 * What was measured: the commit (BENCH_BATON_COMMIT when the tree is not a git checkout),
 * whether src/ had uncommitted changes, and a fingerprint of dist/ with its build time, so
 * a dist/ rebuilt during a run (a shared working tree) shows up as two fingerprints.
 */
function baton() {
  const git = (...a) => spawnSync('git', a, { cwd: ROOT_DIR, encoding: 'utf8' }).stdout?.trim() ?? '';
  const dirty = git('status', '--porcelain', '--', 'src');
  const hash = createHash('sha256');
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.js')) hash.update(path).update(readFileSync(path));
    }
  };
  const dist = join(ROOT_DIR, 'dist');
  walk(dist);
  return {
    commit: process.env.BENCH_BATON_COMMIT || git('rev-parse', '--short', 'HEAD') || 'unknown',
    srcUncommittedChanges: dirty === '' ? 0 : dirty.split('\n').length,
    distFingerprint: hash.digest('hex').slice(0, 12),
    distBuiltAt: statSync(join(dist, 'index.js')).mtime.toISOString(),
  };
}

export async function machineInfo() {
  mkdirSync(DATA_DIR, { recursive: true });
  const c = cpus();
  let postgres;
  try {
    postgres = { url: PG_ADMIN_URL.replace(/:[^:@/]*@/, ':***@'), ...(await postgresInfo()) };
  } catch (err) {
    postgres = { url: PG_ADMIN_URL, error: err.message };
  }
  return {
    cpu: c[0]?.model ?? 'unknown',
    cores: c.length,
    memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    os: `${platform()} ${release()}`,
    loadAverageAtStart: loadavg().map((x) => Number(x.toFixed(2))),
    disk: df(DATA_DIR),
    node: process.version,
    sqlite: sqliteVersion(),
    postgres,
    redis: redisInfo(),
    peers: peerVersions(),
    baton: baton(),
  };
}
