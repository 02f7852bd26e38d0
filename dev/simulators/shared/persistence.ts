/**
 * Optional JSON persistence of a simulator's state, so a demo survives a restart. Writes are
 * coalesced (at most one write per `delayMs`) and atomic (temporary file, then rename); in durable
 * mode (`writeBeforeEachAnswer`) every answer waits for them instead.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';

/**
 * Durable mode: whatever a request changed is written (synchronously, `flush`) just before its
 * answer goes out, so a change the client was told about survives a SIGKILL of the process right
 * after. Coalesced writes alone would lose the last `delayMs` of answered changes. Register it
 * before the routes, so it covers all of them.
 */
export function writeBeforeEachAnswer(app: FastifyInstance, flush: () => void): void {
  app.addHook('onSend', async (_request, _reply, payload) => {
    flush();
    return payload;
  });
}

export class JsonStateFile<T> {
  private timer: NodeJS.Timeout | undefined;
  private pending: (() => T) | undefined;

  constructor(
    readonly path: string,
    private readonly schema: z.ZodType<T>,
    private readonly delayMs = 50,
  ) {}

  /** The saved state, or undefined when there is no file yet. A corrupt file is an error, not a silent reset. */
  load(): T | undefined {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const parsed = this.schema.safeParse(JSON.parse(text));
    if (!parsed.success) {
      throw new Error(
        `Simulator state file ${this.path} does not match the expected shape; move it away to start empty. (${parsed.error.message.slice(0, 500)})`,
      );
    }
    return parsed.data;
  }

  /** Schedules a write of `snapshot()`; several calls within `delayMs` make one write. */
  scheduleSave(snapshot: () => T): void {
    this.pending = snapshot;
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.delayMs);
    this.timer.unref();
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const snapshot = this.pending;
    this.pending = undefined;
    if (!snapshot) return;
    mkdirSync(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(snapshot(), null, 1));
    renameSync(temporary, this.path);
  }
}
