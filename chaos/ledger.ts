/**
 * The ledger: the outside world the chaos task changes. Every step execution records one row
 * (job, step, epoch, attempt, node), in a SQLite file the harness owns (not the store, so a
 * database restart or a held store lock never blocks it).
 *
 * It is fenced the way the reliability guide tells users to fence their own side effects with
 * `ctx.fence`: a write whose epoch is lower than one the ledger already accepted for that job is
 * refused (and kept, as refused, so the harness can count the zombies it stopped).
 */
import Database from 'better-sqlite3';

export interface LedgerEntry {
  job: string;
  step: string;
  epoch: number;
  attempt: number;
  node: string;
}

export interface LedgerRow extends LedgerEntry {
  id: number;
  /** Wall clock of the write, ms (same machine as the store's clock). */
  at: number;
  accepted: boolean;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ledger (
  id       INTEGER PRIMARY KEY AUTOINCREMENT,
  job      TEXT NOT NULL,
  step     TEXT NOT NULL,
  epoch    INTEGER NOT NULL,
  attempt  INTEGER NOT NULL,
  node     TEXT NOT NULL,
  at       INTEGER NOT NULL,
  accepted INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_job ON ledger (job, id);`;

export class Ledger {
  private readonly db: Database.Database;
  private readonly write: Database.Transaction<(e: LedgerEntry) => boolean>;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('busy_timeout = 30000');
    this.db.pragma('journal_mode = WAL');
    // NORMAL survives the writer being killed (only a power loss could lose the last rows).
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    const newest = this.db.prepare('SELECT max(epoch) AS epoch FROM ledger WHERE job = ? AND accepted = 1');
    const insert = this.db.prepare(
      'INSERT INTO ledger (job, step, epoch, attempt, node, at, accepted) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.write = this.db.transaction((e: LedgerEntry) => {
      const { epoch } = newest.get(e.job) as { epoch: number | null };
      const accepted = epoch === null || e.epoch >= epoch;
      insert.run(e.job, e.step, e.epoch, e.attempt, e.node, Date.now(), accepted ? 1 : 0);
      return accepted;
    });
  }

  /** Records a step's side effect; false when a newer epoch already wrote for the job (refused). */
  record(e: LedgerEntry): boolean {
    return this.write.immediate(e);
  }

  rows(): LedgerRow[] {
    const rows = this.db.prepare('SELECT * FROM ledger ORDER BY id').all() as Array<
      Omit<LedgerRow, 'accepted'> & { accepted: number }
    >;
    return rows.map((r) => ({ ...r, accepted: r.accepted === 1 }));
  }

  close(): void {
    this.db.close();
  }
}
