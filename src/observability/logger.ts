/**
 * The worker's one logger: JSON lines (pino) on stdout, or readable lines for a terminal
 * (LOG_FORMAT=pretty). It implements the SDK's Logger, so the SDK's own lines, workflow `log` and
 * activity `log` all come through it with the context the SDK puts in their meta (workflowId,
 * runId, activityType, taskQueue, …). Every message and field passes the redaction point first.
 */
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import pino, { type DestinationStream } from 'pino';
import { redactSecrets, redactValue } from '../clients/http/secrets';
import type { LogFormat } from './log-options';
import { prettyLine } from './pretty';

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** Where the lines go; default stdout (synchronously, so lines keep their order with process exit). */
  destination?: { write(line: string): unknown };
}

export class WorkerLogger implements Logger {
  private readonly pino: pino.Logger;
  /** The same output at INFO whatever LOG_LEVEL says: for the lines other programs wait for. */
  private readonly announcer: pino.Logger;

  constructor(options: LoggerOptions) {
    const out = options.destination ?? pino.destination({ dest: 1, sync: true });
    const destination: DestinationStream =
      options.format === 'pretty'
        ? { write: (line: string) => out.write(prettyLine(line)) }
        : { write: (line: string) => out.write(line) };
    const settings = {
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label: string) => ({ level: label }) },
    };
    this.pino = pino({ ...settings, level: options.level.toLowerCase() }, destination);
    this.announcer = pino({ ...settings, level: 'info' }, destination);
  }

  /** An INFO line written even when LOG_LEVEL is WARN or ERROR (the worker's readiness line). */
  announce(message: string, meta?: LogMetadata): void {
    this.announcer.info(
      meta === undefined ? {} : (redactValue(meta) as Record<string, unknown>),
      redactSecrets(message),
    );
  }

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const fields = meta === undefined ? {} : (redactValue(meta) as Record<string, unknown>);
    this.pino[level.toLowerCase() as pino.Level](fields, redactSecrets(message));
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
