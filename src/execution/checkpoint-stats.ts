/** What checkpointing cost a run: the time the job was blocked in checkpoint code, and bytes written. */
export class CheckpointStats {
  checkpoints = 0;
  /** Summed wall time the task spent inside checkpoint calls (encode + commit), ms. */
  blockedMs = 0;
  bytesWritten = 0;
  lastCostMs = 0;

  record(costMs: number, bytes: number): void {
    this.checkpoints++;
    this.blockedMs += costMs;
    this.bytesWritten += bytes;
    this.lastCostMs = costMs;
  }
}
